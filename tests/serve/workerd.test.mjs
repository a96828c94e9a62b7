// cinderkv/rest in workerd (Cloudflare's runtime, npm package `workerd`): the worker of
// rest-worker.mjs, bundled as wrangler bundles it, driven by @upstash/redis from Node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, copyFileSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { Redis } from '@upstash/redis';
import { freePort } from './helpers.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');

test('workerd: @upstash/redis against the REST handler in a Worker', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cinderkv-rest-workerd-'));
  // `cinderkv` resolved by name from this checkout, with the "workerd" export condition.
  mkdirSync(path.join(dir, 'node_modules'));
  symlinkSync(ROOT, path.join(dir, 'node_modules/cinderkv'));
  await esbuild.build({
    entryPoints: [path.join(HERE, 'rest-worker.mjs')],
    bundle: true,
    format: 'esm',
    outfile: path.join(dir, 'worker.js'),
    conditions: ['workerd', 'worker', 'browser'],
    nodePaths: [path.join(dir, 'node_modules')],
    external: ['*.wasm'],
    logLevel: 'warning',
  });
  mkdirSync(path.join(dir, 'wasm'));
  copyFileSync(path.join(ROOT, 'dist/wasm/cinder_wasm_bg.wasm'), path.join(dir, 'wasm/cinder_wasm_bg.wasm'));
  const port = await freePort();
  writeFileSync(
    path.join(dir, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "wasm/cinder_wasm_bg.wasm", wasm = embed "wasm/cinder_wasm_bg.wasm"),
  ],
  bindings = [ (name = "TOKEN", text = "worker-token") ],
  compatibilityDate = "2024-09-23",
);
`,
  );
  const proc = spawn(path.join(ROOT, 'node_modules/.bin/workerd'), ['serve', path.join(dir, 'config.capnp')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout.on('data', (d) => (log += d));
  proc.stderr.on('data', (d) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      try {
        await fetch(url);
        break;
      } catch (e) {
        if (i > 200) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const redis = new Redis({ url, token: 'worker-token' });
    assert.equal(await redis.set('k', 'v', { ex: 60 }), 'OK');
    assert.equal(await redis.get('k'), 'v');
    assert.equal(await redis.hset('h', { a: 1 }), 1);
    assert.deepEqual(await redis.hgetall('h'), { a: 1 });
    assert.equal(await redis.zadd('z', { score: 1, member: 'm' }), 1);
    assert.deepEqual(await redis.zrange('z', 0, -1, { withScores: true }), ['m', 1]);
    const p = redis.pipeline();
    p.incr('n');
    p.incr('n');
    assert.deepEqual(await p.exec(), [1, 2]);
    const m = redis.multi();
    m.set('t', 'x');
    m.get('t');
    assert.deepEqual(await m.exec(), ['OK', 'x']);
    await assert.rejects(new Redis({ url, token: 'wrong', retry: false }).get('k'), /Unauthorized/);
  } catch (e) {
    throw new Error(`${e.message}\nworkerd log:\n${log}`);
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
});
