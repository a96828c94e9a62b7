#!/usr/bin/env node
// `npm test`: tests the built package (run `npm run build` first) in every runtime.
//
// 1. the generated command methods are up to date with the engine's command table
// 2. Node 20 `node --test tests/npm/node/` (ESM and CommonJS, against the repository)
// 3. `npm pack`, then install the tarball into a scratch project (offline) and import it
//    from there by name: Node (ESM + CommonJS), workerd, Deno
//    and a Vite app (vite build, and Vite's dev server) in headless Chromium
// 4. headless Chromium (playwright-core driving /usr/bin/chromium) on a plain page, and
//    idb:// persistence (tests/npm/browser/persist.mjs)
// 5. the playground (web-demo/): its browser tests (web-demo/test/run.mjs)
// 6. BullMQ in-process: tests/bullmq/inprocess.test.mjs (BullMQ on cinderkv/ioredis,
//    compared with redis-server)
// 7. cinderkv/ioredis: tests/ioredis (one program on real ioredis + redis-server and on the
//    facade, value by value; libraries that take an ioredis instance; the types against
//    ioredis's), and the same program in Chromium and workerd on the installed package
// 8. cinderkv/server, `npx cinderkv`, cinderkv/rest: tests/serve/ (Node, workerd, Deno, Bun) and
//    the installed tarball's bin
//
// Every runtime runs the shared session recorded from real Redis (tests/npm/session.txt).
// All steps run even after a failure; the exit code is non-zero if any failed.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'node_modules/.bin');
const results = [];

async function step(name, fn) {
  console.log(`\n==> ${name}`);
  const t0 = Date.now();
  try {
    const detail = await fn();
    results.push({ name, ok: true, detail, ms: Date.now() - t0 });
    console.log(`==> ${name}: ok${detail ? ` (${detail})` : ''}`);
  } catch (e) {
    results.push({ name, ok: false, detail: e.message.split('\n')[0], ms: Date.now() - t0 });
    console.log(`==> ${name}: FAILED\n${e.message}`);
  }
}

if (!existsSync(path.join(ROOT, 'dist/node.js'))) {
  console.error('dist/ is missing: run `npm run build` first');
  process.exit(1);
}

await step('generated command methods are fresh', () => {
  execFileSync('node', [path.join(ROOT, 'scripts/npm/gen-commands.mjs'), '--check'], { stdio: 'inherit' });
});

await step('node --test (ESM + CommonJS)', () => {
  const tap = path.join(os.tmpdir(), `cinderkv-node-tests-${process.pid}.tap`);
  const r = spawnSync('node', ['--test', '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tap}`, 'tests/npm/node/'], { cwd: ROOT, stdio: 'inherit' });
  const out = readFileSync(tap, 'utf8');
  rmSync(tap, { force: true });
  const pass = Number(out.match(/^# pass (\d+)/m)?.[1] ?? 0);
  const fail = Number(out.match(/^# fail (\d+)/m)?.[1] ?? 0);
  if (r.status !== 0 || fail > 0 || pass === 0) throw new Error(`${fail} failed, ${pass} passed`);
  return `${pass} tests`;
});

// cinderkv/server, `npx cinderkv` and cinderkv/rest: sockets, real clients compared with
// redis-server (node-redis, ioredis, redis-py when installed), @upstash/redis in Node and workerd.
await step('serve: node --test tests/serve/', () => {
  const tap = path.join(os.tmpdir(), `cinderkv-serve-tests-${process.pid}.tap`);
  const r = spawnSync('node', ['--test', '--test-concurrency=1', '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tap}`, 'tests/serve/'], { cwd: ROOT, stdio: 'inherit' });
  const out = readFileSync(tap, 'utf8');
  rmSync(tap, { force: true });
  const pass = Number(out.match(/^# pass (\d+)/m)?.[1] ?? 0);
  const fail = Number(out.match(/^# fail (\d+)/m)?.[1] ?? 0);
  const skipped = Number(out.match(/^# skipped (\d+)/m)?.[1] ?? 0);
  if (r.status !== 0 || fail > 0 || pass === 0) throw new Error(`${fail} failed, ${pass} passed`);
  return `${pass} tests${skipped ? `, ${skipped} skipped` : ''}`;
});

await step('serve: deno test tests/serve/deno/serve_deno.mjs (server over node:net, REST under Deno.serve)', () => {
  const r = spawnSync(path.join(BIN, 'deno'), ['test', '--no-check', '--allow-all', 'tests/serve/deno/serve_deno.mjs'], {
    cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
  });
  process.stdout.write(r.stdout + r.stderr);
  const m = (r.stdout + r.stderr).match(/(\d+) passed \| (\d+) failed/);
  if (r.status !== 0 || !m || m[2] !== '0') throw new Error('deno test failed');
  return `${m[1]} tests`;
});

await step('serve: bun tests/serve/bun/serve_bun.mjs (server over node:net, REST under Bun.serve)', () => {
  const r = spawnSync(path.join(BIN, 'bun'), ['tests/serve/bun/serve_bun.mjs'], { cwd: ROOT, encoding: 'utf8' });
  process.stdout.write(r.stdout + r.stderr);
  const m = (r.stdout + r.stderr).match(/(\d+) passed, (\d+) failed/);
  if (r.status !== 0 || !m || m[2] !== '0') throw new Error('bun run failed');
  return `${m[1]} checks`;
});

// A scratch project with the packed tarball installed, as a user would have it.
const project = mkdtempSync(path.join(os.tmpdir(), 'cinderkv-project-'));
let installed = false;
await step('npm pack + install the tarball', () => {
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', project], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const [info] = JSON.parse(out);
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', `./${info.filename}`], { cwd: project, stdio: ['ignore', 'ignore', 'inherit'] });
  installed = true;
  return `${info.filename}: ${info.entryCount} files, ${(info.size / 1024).toFixed(1)} KiB packed, ${(info.unpackedSize / 1024).toFixed(1)} KiB unpacked`;
});

if (installed) {
  for (const f of ['session.mjs', 'session.fixture.js', 'deno/cinder.test.mjs']) {
    copyFileSync(path.join(ROOT, 'tests/npm', f), path.join(project, path.basename(f)));
  }

  await step('node: the installed package by name (ESM + CommonJS)', () => {
    writeFileSync(path.join(project, 'esm.mjs'), `import { Cinder, ReplyError } from 'cinderkv';
import steps from './session.fixture.js';
import { runSession } from './session.mjs';
const r = await runSession({ Cinder, ReplyError }, steps);
if (r.failures.length) { console.error(JSON.stringify(r.failures.slice(0, 5))); process.exit(1); }
console.log(r.compared);
`);
    writeFileSync(path.join(project, 'cjs.cjs'), `const { Cinder } = require('cinderkv');
const db = Cinder.createSync();
db.set('k', 'v', { EX: 10 });
if (db.get('k') !== 'v' || db.ttl('k') !== 10) process.exit(1);
console.log('ok');
`);
    const esm = execFileSync('node', ['esm.mjs'], { cwd: project, encoding: 'utf8' }).trim();
    execFileSync('node', ['cjs.cjs'], { cwd: project, encoding: 'utf8' });
    return `session: ${esm} replies equal`;
  });

  await step('npx cinderkv: the installed bin answers PING, SHUTDOWN ends it', async () => {
    const { createServer, connect } = await import('node:net');
    const port = await new Promise((r) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => r(p)); }); });
    const { spawn } = await import('node:child_process');
    const t0 = Date.now();
    const child = spawn('npx', ['--no-install', 'cinderkv', '--port', String(port)], { cwd: project, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve, reject) => {
      child.stdout.on('data', (d) => d.toString().includes('Ready to accept') && resolve());
      child.once('exit', (c) => reject(new Error(`npx cinderkv exited with ${c}`)));
    });
    const reply = await new Promise((resolve, reject) => {
      const c = connect(port, '127.0.0.1', () => c.write('PING\r\n'));
      c.once('data', (d) => { resolve(d.toString()); c.end('SHUTDOWN\r\n'); });
      c.once('error', reject);
    });
    const ms = Date.now() - t0;
    const code = await new Promise((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', r)));
    if (reply !== '+PONG\r\n' || code !== 0) throw new Error(`reply ${JSON.stringify(reply)}, exit ${code}`);
    return `first PONG ${ms} ms after npx started`;
  });

  await step('TypeScript: the types type-check for ESM and CommonJS consumers', () => {
    writeFileSync(path.join(project, 'types-esm.mts'), `import { Cinder, ReplyError, CinderError, MemoryStorage, RdbError, type Reply, type SetOptions, type StorageAdapter, type OpenOptions } from 'cinderkv';
const db: Cinder = Cinder.createSync({ clock: 'manual', seed: 1n, config: { hz: 20 } });
const opts: SetOptions = { NX: true, EX: 60 };
const ok: Reply = db.set('k', 'v', opts);
const v: string | null = db.get<string | null>('k');
const n: number = db.incrby<number>('n', 2);
db.mset(['a', '1'], ['b', new Uint8Array([1])]);
db.del('a', 'b');
const c = db.connection();
c.select(1);
db.advanceTime(10);
const e: Error = new ReplyError('ERR x');
const f: Error = new CinderError('x');
// @ts-expect-error an unknown option is a type error
db.set('k', 'v', { EXX: 1 });
// @ts-expect-error DEL needs a key
db.del();
const rdb: Uint8Array = db.save();
db.load(rdb);
const store: StorageAdapter = new MemoryStorage();
const oo: OpenOptions = { appendfsync: 'everysec', rewriteMinSize: 1 << 20, clock: 'manual' };
const opened: Promise<Cinder> = Cinder.open(store, oo);
const flushed: Promise<void> = db.flush({ snapshot: true });
const r: CinderError = new RdbError('x');
// @ts-expect-error appendfsync is 'always' or 'everysec'
const badMode: OpenOptions = { appendfsync: 'no' };
export { ok, v, n, e, f, opened, flushed, r, badMode };
`);
    writeFileSync(path.join(project, 'types-cjs.cts'), `import cinderkv = require('cinderkv');
const db = cinderkv.Cinder.createSync();
const s: string | null = db.get<string | null>('k');
export = s;
`);
    writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { module: 'node16', moduleResolution: 'node16', target: 'es2020', strict: true, noEmit: true, skipLibCheck: false, lib: ['es2020', 'dom'], types: [] },
      files: ['types-esm.mts', 'types-cjs.cts'],
    }));
    execFileSync(path.join(BIN, 'tsc'), ['-p', project], { stdio: 'inherit' });
    return 'tsc --noEmit, node16 resolution';
  });

  await step('vite: build and dev server, the installed package in Chromium', async () => {
    const { runVite } = await import(path.join(ROOT, 'tests/npm/vite/run.mjs'));
    const r = await runVite(project);
    const problems = [];
    for (const [mode, x] of Object.entries(r)) {
      if (!x.result) problems.push(`${mode}: the page produced no result`);
      else if (x.result.error) problems.push(`${mode}: ${x.result.error}`);
      else {
        if (x.result.session.failures.length) problems.push(`${mode}: ${JSON.stringify(x.result.session.failures.slice(0, 3))}`);
        for (const c of x.result.checks) if (!c.ok) problems.push(`${mode}: check ${c.name} failed`);
      }
      if (x.errors.length) problems.push(`${mode}: page errors: ${x.errors.join('; ')}`);
    }
    if (problems.length) throw new Error(problems.join('\n'));
    const wasm = r.build.files.find((f) => f.endsWith('.wasm'));
    return `vite build (wasm emitted as ${wasm}) and vite dev: session ${r.build.result.session.compared} replies equal in each`;
  });

  await step('workerd: worker answering HTTP on loopback', async () => {
    const { runWorkerd } = await import(path.join(ROOT, 'tests/npm/workerd/run.mjs'));
    const r = await runWorkerd(path.join(project, 'node_modules'));
    const bad = r.checks.filter((c) => !c.ok);
    if (r.session.failures.length || bad.length) {
      throw new Error(JSON.stringify({ failures: r.session.failures.slice(0, 5), bad, log: r.log }, null, 1));
    }
    return `session: ${r.session.compared} replies equal, ${r.checks.length} checks`;
  });

  await step('workerd: the Durable Object example, persisted across restarts', async () => {
    const { runDurableObject } = await import(path.join(ROOT, 'tests/npm/workerd/durable-object.mjs'));
    const r = await runDurableObject(path.join(project, 'node_modules'));
    const bad = r.checks.filter((c) => !c.ok);
    if (bad.length) throw new Error(JSON.stringify({ bad, log: r.log }, null, 1));
    return `${r.checks.length} checks`;
  });

  await step('cinderkv/ioredis in Chromium, workerd and Deno (the installed package), vs real ioredis', async () => {
    const { runChromium, runWorkerd, runDeno } = await import(path.join(ROOT, 'tests/ioredis/runtimes.mjs'));
    const pkg = path.join(project, 'node_modules/cinderkv');
    const c = await runChromium(pkg);
    const w = await runWorkerd(pkg);
    const d = await runDeno(pkg);
    const problems = [...c.problems.map((p) => `chromium: ${p}`), ...c.errors.map((e) => `chromium page error: ${e}`),
      ...w.problems.map((p) => `workerd: ${p}`), ...d.problems.map((p) => `deno: ${p}`)];
    if (problems.length) throw new Error(problems.join('\n'));
    return `${c.compared} results equal in Chromium, ${w.compared} in workerd, ${d.compared} in Deno`;
  });

  await step('deno test', () => {
    const r = spawnSync(path.join(BIN, 'deno'), ['test', '--no-check', '--allow-read', '--allow-write', '--allow-env', 'cinder.test.mjs'], {
      cwd: project, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
    });
    process.stdout.write(r.stdout + r.stderr);
    const m = (r.stdout + r.stderr).match(/(\d+) passed \| (\d+) failed/);
    if (r.status !== 0 || !m || m[2] !== '0') throw new Error('deno test failed');
    return `${m[1]} tests`;
  });
}

await step('chromium (headless, playwright-core)', async () => {
  const { runBrowser } = await import(path.join(ROOT, 'tests/npm/browser/run.mjs'));
  const { result, errors, version } = await runBrowser();
  if (!result) throw new Error(`the page produced no result: ${errors.join('; ')}`);
  const bad = result.checks.filter((c) => !c.ok);
  if (result.session.failures.length || bad.length || errors.length) {
    throw new Error(JSON.stringify({ failures: result.session.failures.slice(0, 5), bad, errors }, null, 1));
  }
  return `Chromium ${version}: session ${result.session.compared} replies equal, ${result.checks.length} checks, first reply after ${result.instantiateMs.toFixed(0)} ms`;
});

await step('chromium: idb:// persistence (reloads, restart, browser killed mid-write)', async () => {
  const { runBrowserPersistence } = await import(path.join(ROOT, 'tests/npm/browser/persist.mjs'));
  const { checks } = await runBrowserPersistence();
  const bad = checks.filter((c) => !c.ok);
  if (bad.length) throw new Error(JSON.stringify(bad, null, 1).slice(0, 4000));
  return `${checks.length} checks`;
});

await step('web-demo: the playground in Chromium', async () => {
  const { runDemoTests } = await import(path.join(ROOT, 'web-demo/test/run.mjs'));
  const r = await runDemoTests();
  for (const s of r.skipped) console.log(`  skip ${s.name}: ${s.reason}`);
  const bad = r.checks.filter((c) => !c.ok);
  if (bad.length) throw new Error(JSON.stringify(bad, null, 1));
  return `${r.checks.length} checks, ${r.skipped.length} skipped; ${(r.weight.total / 1024).toFixed(0)} KiB gzip, interactive after ${r.tti.toFixed(0)} ms`;
});

await step('BullMQ in-process: Queue + Worker + FlowProducer + QueueEvents vs redis-server', () => {
  // tests/bullmq's dependencies (bullmq, ioredis) come from its lock file (npm's cache first).
  const dir = path.join(ROOT, 'tests/bullmq');
  if (!existsSync(path.join(dir, 'node_modules/bullmq'))) {
    // Without the npm_config_* variables of the `npm test` running this, which would point
    // the install at the project root instead of tests/bullmq.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
    execFileSync('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: dir, env, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  execFileSync('node', ['inprocess.test.mjs'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'], timeout: 60_000 });
  return 'the npm package observed the same results as redis-server';
});

/** Installs a test folder's own dependencies from its lock file (npm's cache first). */
function installTestDeps(dir, probe) {
  if (!existsSync(path.join(dir, 'node_modules', probe))) {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
    execFileSync('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: dir, env, stdio: ['ignore', 'ignore', 'inherit'] });
  }
}

await step('cinderkv/ioredis vs real ioredis + redis-server (Node), libraries, types', () => {
  const dir = path.join(ROOT, 'tests/ioredis');
  installTestDeps(dir, 'ioredis');
  const r = spawnSync('node', ['--test', '--test-reporter=tap'], { cwd: dir, encoding: 'utf8', timeout: 180_000 });
  const out = r.stdout ?? '';
  const pass = Number(out.match(/^# pass (\d+)/m)?.[1] ?? 0);
  const fail = Number(out.match(/^# fail (\d+)/m)?.[1] ?? 0);
  if (r.status !== 0 || fail > 0 || pass === 0) {
    process.stdout.write(out.split('\n').filter((l) => !/ECONNREFUSED|afterConnect/.test(l)).join('\n'));
    throw new Error(`${fail} failed, ${pass} passed`);
  }
  execFileSync(path.join(BIN, 'tsc'), ['-p', dir], { stdio: 'inherit' });
  return `${pass} tests; tsc: a facade client type-checks as ioredis's Redis`;
});

rmSync(project, { recursive: true, force: true });

console.log('\nnpm test summary:');
for (const r of results) console.log(`  ${r.ok ? 'ok    ' : 'FAILED'} ${r.name}${r.detail ? `: ${r.detail}` : ''} (${(r.ms / 1000).toFixed(1)} s)`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
