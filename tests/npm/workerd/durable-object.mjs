// The Durable Object example (examples/durable-object/worker.mjs) in workerd with on-disk
// Durable Object storage: writes, a workerd restart (SIGKILL), the data is still there;
// enough writes to compact the log into a snapshot, then another restart.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../../..');

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** `nodeModules`: a node_modules directory holding the installed package cinderkv. */
export async function runDurableObject(nodeModules) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cinderkv-do-'));
  await esbuild.build({
    entryPoints: [path.join(ROOT, 'examples/durable-object/worker.mjs')],
    bundle: true,
    format: 'esm',
    outfile: path.join(dir, 'worker.js'),
    conditions: ['workerd', 'worker', 'browser'],
    nodePaths: [nodeModules],
    external: ['*.wasm'],
    logLevel: 'warning',
  });
  mkdirSync(path.join(dir, 'wasm'));
  mkdirSync(path.join(dir, 'do-storage'));
  copyFileSync(path.join(nodeModules, 'cinderkv/dist/wasm/cinder_wasm_bg.wasm'), path.join(dir, 'wasm/cinder_wasm_bg.wasm'));
  const port = await freePort();
  writeFileSync(path.join(dir, 'config.capnp'), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "do-storage", disk = (path = "${path.join(dir, 'do-storage')}", writable = true)),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "wasm/cinder_wasm_bg.wasm", wasm = embed "wasm/cinder_wasm_bg.wasm"),
  ],
  compatibilityDate = "2024-09-23",
  durableObjectNamespaces = [ (className = "CinderObject", uniqueKey = "cinderkv-test", enableSql = true) ],
  durableObjectStorage = (localDisk = "do-storage"),
  bindings = [ (name = "CINDER", durableObjectNamespace = "CinderObject") ],
);
`);
  const bin = path.join(ROOT, 'node_modules/.bin/workerd');
  let log = '';
  const base = `http://127.0.0.1:${port}`;
  const start = async () => {
    const proc = spawn(bin, ['serve', '--experimental', path.join(dir, 'config.capnp')], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout.on('data', (d) => (log += d));
    proc.stderr.on('data', (d) => (log += d));
    const end = Date.now() + 20_000;
    for (;;) {
      try {
        await fetch(`${base}/`);
        return proc;
      } catch (e) {
        if (Date.now() > end || proc.exitCode !== null) throw new Error(`workerd did not start: ${e.message}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  const stop = async (proc) => {
    const gone = new Promise((r) => proc.on('exit', r));
    proc.kill('SIGKILL');
    await gone;
  };
  const cmd = async (...argv) => (await fetch(`${base}/db/main`, { method: 'POST', body: JSON.stringify(argv) })).json();
  const checks = [];
  const expect = (name, got, want) => checks.push({ name, ok: JSON.stringify(got) === JSON.stringify(want), ...(JSON.stringify(got) === JSON.stringify(want) ? {} : { got, want }) });
  let proc = await start();
  try {
    expect('SET', await cmd('SET', 'greeting', 'hello'), { reply: 'OK' });
    for (let i = 0; i < 5; i++) await cmd('INCR', 'visits');
    await cmd('RPUSH', 'list', 'a', 'b', 'c');
    await cmd('HSET', 'h', 'f', 'v');
    await cmd('SET', 'ttl', 'x', 'EX', '1000');
    expect('error reply', await cmd('INCR', 'greeting'), { error: 'ERR value is not an integer or out of range', name: 'ReplyError' });
    await stop(proc);
    proc = await start();
    expect('after a restart: string', await cmd('GET', 'greeting'), { reply: 'hello' });
    expect('after a restart: counter', await cmd('GET', 'visits'), { reply: '5' });
    expect('after a restart: list', await cmd('LRANGE', 'list', '0', '-1'), { reply: ['a', 'b', 'c'] });
    expect('after a restart: hash', await cmd('HGET', 'h', 'f'), { reply: 'v' });
    const ttl = (await cmd('TTL', 'ttl')).reply;
    checks.push({ name: 'after a restart: TTL', ok: ttl > 990 && ttl <= 1000, got: ttl });
    // Past the 64 KiB minimum: the log is compacted into a (chunked) snapshot.
    const big = 'z'.repeat(50_000);
    for (let i = 0; i < 6; i++) await cmd('SET', `big${i}`, big);
    await cmd('INCR', 'visits');
    await stop(proc);
    proc = await start();
    expect('after compaction and a restart: counter', await cmd('GET', 'visits'), { reply: '6' });
    expect('after compaction and a restart: big values', await cmd('STRLEN', 'big5'), { reply: 50_000 });
    expect('after compaction and a restart: key count', await cmd('DBSIZE'), { reply: 11 });
    return { checks, log };
  } catch (e) {
    throw new Error(`${e.message}\nworkerd log:\n${log}`);
  } finally {
    await stop(proc).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await runDurableObject(process.argv[2] ?? path.join(ROOT, 'node_modules'));
  console.log(JSON.stringify(r.checks, null, 1));
  process.exit(r.checks.every((c) => c.ok) ? 0 : 1);
}
