// The compat program (program.mjs) on cinderkv/ioredis in headless Chromium, workerd and
// Deno, each result compared with expected.json (what real ioredis observes on
// redis-server). `pkgRoot`: the package directory (the repository, or an installed copy).
//
//   node runtimes.mjs [pkgRoot]     (scripts/npm/test.mjs runs both)
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const esbuild = await import(path.join(ROOT, 'node_modules/esbuild/lib/main.js'));

/** Labels whose facade result differs from expected.json. */
export function compare(got) {
  const want = new Map(JSON.parse(readFileSync(path.join(HERE, 'expected.json'), 'utf8')));
  const problems = [];
  for (const [label, value] of got) {
    if (JSON.stringify(value) !== JSON.stringify(want.get(label))) {
      problems.push(`${label}: ioredis ${JSON.stringify(want.get(label))}, cinderkv ${JSON.stringify(value)}`);
    }
  }
  if (got.length !== want.size) problems.push(`${got.length} results, ioredis had ${want.size}`);
  return { compared: got.length, problems };
}

async function bundle(entrySource, dir, platform, conditions, pkgRoot) {
  writeFileSync(path.join(dir, 'entry.mjs'), entrySource);
  // `cinderkv` resolved by name through its package.json exports, as a user's bundler does.
  mkdirSync(path.join(dir, 'node_modules'));
  symlinkSync(pkgRoot, path.join(dir, 'node_modules/cinderkv'), 'dir');
  await esbuild.build({
    entryPoints: [path.join(dir, 'entry.mjs')], bundle: true, format: 'esm', platform,
    outfile: path.join(dir, 'app.js'), conditions, nodePaths: [path.join(dir, 'node_modules')],
    external: ['*.wasm'], logLevel: 'warning',
  });
  mkdirSync(path.join(dir, 'wasm'), { recursive: true });
  copyFileSync(path.join(pkgRoot, 'dist/wasm/cinder_wasm_bg.wasm'), path.join(dir, 'wasm/cinder_wasm_bg.wasm'));
}

const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
});

const programPath = JSON.stringify(path.join(HERE, 'program.mjs'));

/** Chromium: the facade loads its engine asynchronously (commands wait in the offline queue). */
export async function runChromium(pkgRoot = ROOT) {
  const { chromium } = await import(path.join(ROOT, 'node_modules/playwright-core/index.mjs'));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cinderkv-ioredis-browser-'));
  await bundle(`import Redis, { Command } from 'cinderkv/ioredis';
import { program } from ${programPath};
program(Redis, { host: 'browser', port: 1, Command }).then((r) => { window.__result = JSON.stringify(r); }, (e) => { window.__result = JSON.stringify({ error: String(e && e.stack || e) }); });
`, dir, 'browser', ['browser'], pkgRoot);
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><script type="module" src="./app.js"></script>');
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
  const server = http.createServer((req, res) => {
    try {
      const file = path.join(dir, path.normalize(new URL(req.url, 'http://x').pathname));
      const body = readFileSync(file);
      res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`http://127.0.0.1:${server.address().port}/index.html`);
    await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 60_000 });
    // As JSON text: Playwright's own serialisation would turn a `__proto__` key into a prototype.
    const result = JSON.parse(await page.evaluate(() => window.__result));
    if (result.error) throw new Error(result.error);
    return { ...compare(result), errors };
  } finally {
    await browser.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** workerd: the program runs inside a request. */
export async function runWorkerd(pkgRoot = ROOT) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cinderkv-ioredis-workerd-'));
  await bundle(`import Redis, { Command } from 'cinderkv/ioredis';
import { program } from ${programPath};
export default {
  async fetch() {
    try {
      return Response.json(await program(Redis, { host: 'workerd', port: 1, Command }));
    } catch (e) {
      return Response.json({ error: String(e && e.stack || e) });
    }
  },
};
`, dir, 'neutral', ['workerd', 'worker', 'browser'], pkgRoot);
  const port = await freePort();
  writeFileSync(path.join(dir, 'config.capnp'), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [
    (name = "app.js", esModule = embed "app.js"),
    (name = "wasm/cinder_wasm_bg.wasm", wasm = embed "wasm/cinder_wasm_bg.wasm"),
  ],
  compatibilityDate = "2024-09-23",
);
`);
  const proc = spawn(path.join(ROOT, 'node_modules/.bin/workerd'), ['serve', path.join(dir, 'config.capnp')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout.on('data', (d) => (log += d));
  proc.stderr.on('data', (d) => (log += d));
  try {
    let res;
    for (let i = 0; i < 200 && !res; i++) {
      try {
        res = await fetch(`http://127.0.0.1:${port}/run`);
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    if (!res) throw new Error(`workerd did not answer\n${log}`);
    const result = await res.json();
    if (result.error) throw new Error(`${result.error}\n${log}`);
    return compare(result);
  } finally {
    proc.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Deno: the facade's Deno entry (`import source` of the wasm). */
export async function runDeno(pkgRoot = ROOT) {
  // An installed package is imported by name from its project (as Deno resolves node_modules);
  // the repository's build by path.
  const installed = path.basename(path.dirname(pkgRoot)) === 'node_modules';
  const dir = installed ? mkdtempSync(path.join(path.dirname(path.dirname(pkgRoot)), '.ioredis-deno-')) : mkdtempSync(path.join(os.tmpdir(), 'cinderkv-ioredis-deno-'));
  const entry = installed ? "'cinderkv/ioredis'" : JSON.stringify(path.join(pkgRoot, 'dist/ioredis/deno.js'));
  writeFileSync(path.join(dir, 'main.mjs'), `import Redis, { Command } from ${entry};
import { program } from ${programPath};
console.log(JSON.stringify(await program(Redis, { host: 'deno', port: 1, Command })));
`);
  try {
    const r = await new Promise((resolve) => {
      const p = spawn(path.join(ROOT, 'node_modules/.bin/deno'), ['run', '--allow-read', '--allow-env', path.join(dir, 'main.mjs')],
        { cwd: installed ? path.dirname(path.dirname(pkgRoot)) : dir, env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' } });
      let out = '';
      let err = '';
      p.stdout.on('data', (d) => (out += d));
      p.stderr.on('data', (d) => (err += d));
      p.on('close', (code) => resolve({ code, out, err }));
    });
    if (r.code !== 0) throw new Error(`deno exited with ${r.code}\n${r.err}`);
    return compare(JSON.parse(r.out.trim().split('\n').pop()));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const pkgRoot = process.argv[2] ? path.resolve(process.argv[2]) : ROOT;
  let bad = 0;
  for (const [name, run] of [['chromium', runChromium], ['workerd', runWorkerd], ['deno', runDeno]]) {
    const r = await run(pkgRoot);
    console.log(`${name}: ${r.compared} results, ${r.problems.length} differ${r.errors?.length ? `, page errors: ${r.errors.join('; ')}` : ''}`);
    for (const p of r.problems) console.log(`  ${p}`);
    bad += r.problems.length + (r.errors?.length ?? 0);
  }
  process.exit(bad ? 1 : 0);
}
