// Runs tests/npm/workerd/worker.mjs in Cloudflare's workerd (npm package `workerd`) on
// loopback and talks to it over HTTP. The worker is bundled with esbuild the way wrangler
// does it: `cinderkv` resolved from an installed copy of the package (its "workerd" export
// condition), the .wasm left as a separate module of type wasm.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, copyFileSync, mkdirSync, rmSync } from 'node:fs';
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

async function waitFor(url, ms) {
  const end = Date.now() + ms;
  for (;;) {
    try {
      return await fetch(url);
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** `nodeModules`: a node_modules directory holding the installed package cinderkv. */
export async function runWorkerd(nodeModules) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cinderkv-workerd-'));
  const pkgDir = path.join(nodeModules, 'cinderkv');
  await esbuild.build({
    entryPoints: [path.join(HERE, 'worker.mjs')],
    bundle: true,
    format: 'esm',
    outfile: path.join(dir, 'worker.js'),
    conditions: ['workerd', 'worker', 'browser'],
    nodePaths: [nodeModules],
    external: ['*.wasm'],
    logLevel: 'warning',
  });
  mkdirSync(path.join(dir, 'wasm'));
  copyFileSync(path.join(pkgDir, 'dist/wasm/cinder_wasm_bg.wasm'), path.join(dir, 'wasm/cinder_wasm_bg.wasm'));
  const port = await freePort();
  writeFileSync(path.join(dir, 'config.capnp'), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "wasm/cinder_wasm_bg.wasm", wasm = embed "wasm/cinder_wasm_bg.wasm"),
  ],
  compatibilityDate = "2024-09-23",
);
`);
  const bin = path.join(ROOT, 'node_modules/.bin/workerd');
  const proc = spawn(bin, ['serve', path.join(dir, 'config.capnp')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout.on('data', (d) => (log += d));
  proc.stderr.on('data', (d) => (log += d));
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitFor(`${base}/nothing`, 20_000);
    const cmd = async (...argv) => (await fetch(`${base}/cmd`, { method: 'POST', body: JSON.stringify(argv) })).json();
    const http = [];
    const expect = (name, got, want) => http.push({ name, ok: JSON.stringify(got) === JSON.stringify(want), got, want });
    expect('SET over HTTP', await cmd('SET', 'visits', '0'), { reply: 'OK' });
    for (let i = 0; i < 5; i++) await cmd('INCR', 'visits');
    expect('keyspace kept between requests', await cmd('GET', 'visits'), { reply: '5' });
    expect('error reply', await cmd('INCR', 'nope', 'x'), { error: "ERR wrong number of arguments for 'incr' command", name: 'ReplyError' });
    expect('config from creation options', await cmd('CONFIG', 'GET', 'maxmemory'), { reply: ['maxmemory', '16777216'] });
    const session = JSON.parse(await (await fetch(`${base}/session`)).text());
    const checks = await (await fetch(`${base}/checks`)).json();
    return { session, checks: [...http, ...checks], log };
  } catch (e) {
    throw new Error(`${e.message}\nworkerd log:\n${log}`);
  } finally {
    proc.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await runWorkerd(process.argv[2] ?? path.join(ROOT, 'node_modules'));
  console.log(JSON.stringify({ compared: r.session.compared, failures: r.session.failures.slice(0, 10), checks: r.checks, log: r.log }, null, 1));
  process.exit(r.session.failures.length || r.checks.some((c) => !c.ok) ? 1 : 0);
}
