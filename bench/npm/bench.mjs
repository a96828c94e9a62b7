#!/usr/bin/env node
// Benchmarks of the npm package (run `npm run build` first), printed as Markdown:
//   node bench/npm/bench.mjs            # everything (about two minutes)
//   node bench/npm/bench.mjs --quick    # shorter time boxes, 100k keys for memory
//   sections: --ops --memory --size --startup --floor --ioredis (default: all)
//   --readme: also write the tables into README.md (between the npm-bench markers)
//
// Ops/s: cinderkv through `call` and the typed methods, next to ioredis-mock (awaited one
// at a time, and in pipelines of 100) and a plain JS Map doing the nearest equivalent.
// Collection rows run against collections already holding 100,000 elements. Rows whose
// command the engine does not implement yet are listed, not run.
import { spawnSync, execFileSync } from 'node:child_process';
import { readFileSync, mkdtempSync, writeFileSync, rmSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const argv = new Set(process.argv.slice(2));
const quick = argv.has('--quick');
const all = !['--ops', '--memory', '--size', '--startup', '--floor', '--ioredis'].some((s) => argv.has(s));
const BOX_MS = quick ? 150 : 400;
/** Measurement rounds per row (contenders alternate; medians are reported). */
const ROUNDS = quick ? 1 : 3;

const { Cinder } = await import(path.join(ROOT, 'dist/node.js'));
const { default: RedisMock } = await import('ioredis-mock');
const { benchFloor } = await import('./floor.mjs');
const { COLLECTION, KEYS, VALUE, MEMBERS, ROWS, fillCinder } = await import('./rows.mjs');
const { median, makeOpsSync } = await import('./timing.mjs');
const opsSync = makeOpsSync(BOX_MS);

const fmt = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(0)}k` : n.toFixed(0));
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

async function opsAsync(fn, perCall = 1) {
  // Warm up briefly and check the clock after every call: with big collections one
  // ioredis-mock call can take milliseconds.
  const warm = performance.now();
  for (let i = 0; i < 200 && performance.now() - warm < BOX_MS / 5; i++) await fn(i);
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < BOX_MS) {
    await fn(n++);
    t = performance.now();
  }
  return (n * perCall * 1000) / (t - t0);
}

async function fillMock(r, coll) {
  // Batches: ioredis-mock spreads its arguments, so 100k at once overflow the stack.
  for (let s = 0; s < COLLECTION; s += 1000) {
    const part = MEMBERS.slice(s, s + 1000);
    if (coll === 'list') await r.rpush('list', ...part.map(() => VALUE));
    if (coll === 'hash') await r.hset('hash', ...part.flatMap((m) => [m, VALUE]));
    if (coll === 'set') await r.sadd('set', ...part);
    if (coll === 'zset') await r.zadd('zset', ...part.flatMap((m, i) => [s + i, m]));
  }
}

function fillMap(m, coll) {
  if (coll === 'list') m.set('list', Array(COLLECTION).fill(VALUE));
  if (coll === 'hash') m.set('hash', new Map(MEMBERS.map((x) => [x, VALUE])));
  if (coll === 'set') m.set('set', new Set(MEMBERS));
}

async function benchOps() {
  const probe = Cinder.createSync();
  const implemented = (c) => probe.call('COMMAND', 'INFO', c)[0] !== null;
  const lines = [
    `### Ops/s in Node ${process.version} (one op at a time; collections hold ${COLLECTION.toLocaleString('en')} elements; median of ${ROUNDS} alternating rounds)`,
    '',
    '| command | cinderkv `call` | cinderkv typed | ioredis-mock awaited | ioredis-mock pipeline 100 | JS Map | call ÷ mock awaited | typed ÷ mock awaited | call ÷ mock pipeline | Map ÷ call |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  const pending = [];
  for (const row of ROWS) {
    if (!implemented(row.cmd)) {
      pending.push(row.name.split(' ')[0]);
      continue;
    }
    const db = Cinder.createSync();
    if (row.coll) fillCinder(db, row.coll);
    const refill = row.refill ? (d) => (d.call('LLEN', 'list') < 1000 ? fillCinder(d, 'list') : 0) : null;
    const r = new RedisMock();
    await fillMock(r, row.coll);
    const m = row.map ? new Map() : null;
    if (m) fillMap(m, row.coll);
    // The contenders take turns, ROUNDS times, and each reports its median: the machine's
    // load changes over a run, so ratios come from measurements made side by side.
    const runs = { call: [], typed: [], awaited: [], piped: [], map: [] };
    for (let round = 0; round < ROUNDS; round++) {
      runs.call.push(opsSync((i) => {
        if (refill && i % 1000 === 0) refill(db);
        row.call(db, i);
      }));
      runs.typed.push(opsSync((i) => {
        if (refill && i % 1000 === 0) refill(db);
        row.typed(db, i);
      }));
      runs.awaited.push(await opsAsync((i) => row.mock(r, i)));
      runs.piped.push(await opsAsync(async (i) => {
        const p = r.pipeline();
        for (let j = 0; j < 100; j++) row.pipe(p, i * 100 + j);
        await p.exec();
      }, 100));
      if (m) {
        runs.map.push(opsSync((i) => {
          if (row.refill && m.get('list').length < 1000) fillMap(m, 'list');
          row.map(m, i);
        }));
      }
    }
    db.close();
    await r.flushall();
    r.disconnect();
    const [call, typed, awaited, piped] = [runs.call, runs.typed, runs.awaited, runs.piped].map(median);
    const map = m ? median(runs.map) : null;
    // Ratios are the median of each round's ratio: the contenders of one round ran within
    // a second of each other, so the machine's load changes between rounds cancel out.
    const perRound = (a, b) => median(a.map((x, k) => x / b[k]));
    const times = (x) => `${x.toFixed(x >= 10 ? 0 : 1)}×`;
    lines.push(`| ${row.name} | ${fmt(call)} | ${fmt(typed)} | ${fmt(awaited)} | ${fmt(piped)} | ${map ? fmt(map) : '—'} | ${times(perRound(runs.call, runs.awaited))} | ${times(perRound(runs.typed, runs.awaited))} | ${times(perRound(runs.call, runs.piped))} | ${map ? times(perRound(runs.map, runs.call)) : '—'} |`);
    console.error(`  ${row.name} done`);
  }
  if (pending.length) lines.push('', `Not in the engine yet (rows not run): ${pending.join(', ')}.`);
  return lines.join('\n');
}

/** Memory for N string keys, each contender in a fresh process (RSS and heap deltas). */
function benchMemory() {
  const n = quick ? 100_000 : 1_000_000;
  const child = (who) => {
    const src = `
      const { Cinder } = await import(${JSON.stringify(path.join(ROOT, 'dist/node.js'))});
      const { default: RedisMock } = await import('ioredis-mock');
      const gc = () => { for (let i = 0; i < 3; i++) globalThis.gc(); };
      let store = ${JSON.stringify(who)} === 'cinderkv' ? Cinder.createSync() : ${JSON.stringify(who)} === 'ioredis-mock' ? new RedisMock() : new Map();
      gc();
      const before = process.memoryUsage();
      for (let i = 0; i < ${n}; i++) {
        const k = 'key:' + i, v = 'value:' + i;
        if (store instanceof Map) store.set(k, v);
        else if (${JSON.stringify(who)} === 'cinderkv') store.set(k, v);
        else await store.set(k, v);
      }
      gc();
      const after = process.memoryUsage();
      const size = store instanceof Map ? store.size : ${JSON.stringify(who)} === 'cinderkv' ? store.dbsize() : await store.dbsize();
      console.log(JSON.stringify({ rss: after.rss - before.rss, heap: after.heapUsed - before.heapUsed, size }));
      process.exit(0);
    `;
    const r = spawnSync('node', ['--expose-gc', '--input-type=module', '-e', src], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout);
  };
  const rows = ['cinderkv', 'ioredis-mock', 'Map'].map((w) => [w, child(w)]);
  const mib = (b) => `${(b / 1048576).toFixed(0)} MiB`;
  const base = rows[0][1].rss;
  return [
    `### Memory for ${n.toLocaleString('en')} string keys (\`key:i\` → \`value:i\`), fresh Node process each`,
    '',
    '| store | RSS growth (JS heap + wasm memory) | JS heap growth | ÷ cinderkv |',
    '|---|---|---|---|',
    ...rows.map(([w, m]) => `| ${w} | ${mib(m.rss)} | ${mib(m.heap)} | ${(m.rss / base).toFixed(2)}× |`),
  ].join('\n');
}

/** Package size: the wasm, and minified browser bundles of a minimal app. */
async function benchSize() {
  const esbuild = await import('esbuild');
  const wasm = readFileSync(path.join(ROOT, 'dist/wasm/cinder_wasm_bg.wasm'));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cinderkv-size-'));
  const bundle = async (name, src, external = []) => {
    writeFileSync(path.join(dir, `${name}.mjs`), src);
    await esbuild.build({ entryPoints: [path.join(dir, `${name}.mjs`)], bundle: true, minify: true, format: 'esm', platform: 'browser',
      outfile: path.join(dir, `${name}.out.js`), nodePaths: [path.join(ROOT, 'node_modules')], external, logLevel: 'error',
      alias: { cinderkv: path.join(ROOT, 'dist/browser.js') } });
    const out = readFileSync(path.join(dir, `${name}.out.js`));
    return { raw: out.length, gz: gzipSync(out, { level: 9 }).length };
  };
  const ours = await bundle('cinder', "import { Cinder } from 'cinderkv';\nconst db = await Cinder.create();\ndb.set('a', 'b');\nconsole.log(db.get('a'));\n");
  let mock;
  try {
    mock = await bundle('mock', "import Redis from 'ioredis-mock';\nconst r = new Redis();\nawait r.set('a', 'b');\nconsole.log(await r.get('a'));\n",
      ['events', 'buffer', 'util', 'stream', 'crypto', 'fs', 'path', 'os', 'net', 'tls', 'url', 'assert', 'string_decoder', 'dns', 'zlib', 'timers']);
  } catch (e) {
    mock = null;
  }
  rmSync(dir, { recursive: true, force: true });
  const wasmGz = gzipSync(wasm, { level: 9 }).length;
  const lines = [
    '### Package size',
    '',
    '| what | raw | gzip |',
    '|---|---|---|',
    `| cinderkv wasm (\`dist/wasm/cinder_wasm_bg.wasm\`) | ${kib(wasm.length)} | ${kib(wasmGz)} |`,
    `| cinderkv minimal app, minified browser bundle (JS only) | ${kib(ours.raw)} | ${kib(ours.gz)} |`,
    `| cinderkv minimal app, JS + wasm | ${kib(ours.raw + wasm.length)} | ${kib(ours.gz + wasmGz)} |`,
    mock ? `| ioredis-mock minimal app, minified browser bundle (Node built-ins left external) | ${kib(mock.raw)} | ${kib(mock.gz)} |` : '| ioredis-mock bundle | failed | — |',
  ];
  if (mock) lines.push('', `cinderkv JS + wasm gzip ÷ ioredis-mock gzip: ${((ours.gz + wasmGz) / mock.gz).toFixed(2)}×`);
  return lines.join('\n');
}

/** Import to first reply, in a fresh Node process and in headless Chromium. */
async function benchStartup() {
  const nodeRuns = [];
  for (let i = 0; i < 5; i++) {
    const src = `const t0 = performance.now();
      const { Cinder } = await import(${JSON.stringify(path.join(ROOT, 'dist/node.js'))});
      const db = Cinder.createSync();
      db.ping();
      console.log(performance.now() - t0);`;
    nodeRuns.push(Number(execFileSync('node', ['--input-type=module', '-e', src], { encoding: 'utf8' })));
  }
  let chromium = '—';
  try {
    const { runBrowser } = await import(path.join(ROOT, 'tests/npm/browser/run.mjs'));
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push((await runBrowser()).result.instantiateMs);
    chromium = `${median(runs).toFixed(0)} ms`;
  } catch (e) {
    chromium = `failed (${e.message.split('\n')[0]})`;
  }
  return [
    '### Instantiation (import to first reply, median)',
    '',
    '| runtime | time |',
    '|---|---|',
    `| Node ${process.version} (read + compile the wasm synchronously) | ${median(nodeRuns).toFixed(1)} ms |`,
    `| headless Chromium (fetch + streaming compile, loopback server) | ${chromium} |`,
  ].join('\n');
}

const out = [];
if (all || argv.has('--size')) out.push(await benchSize());
if (all || argv.has('--startup')) out.push(await benchStartup());
if (all || argv.has('--ops')) out.push(await benchOps());
if (all || argv.has('--floor')) out.push(benchFloor({ Cinder, opsSync, rounds: ROUNDS, fmt }));
if (all || argv.has('--ioredis')) {
  const { benchIoredis } = await import('./ioredis.mjs');
  out.push(await benchIoredis({ Cinder, RedisMock, fillMock, opsSync, opsAsync, rounds: ROUNDS, fmt }));
}
if (all || argv.has('--memory')) out.push(benchMemory());
const text = out.join('\n\n');
console.log(text);
if (argv.has('--readme')) {
  const file = path.join(ROOT, 'README.md');
  const readme = readFileSync(file, 'utf8');
  const start = '<!-- npm-bench:start -->';
  const end = '<!-- npm-bench:end -->';
  const a = readme.indexOf(start);
  const b = readme.indexOf(end);
  if (a < 0 || b < a) throw new Error('README.md has no npm-bench markers');
  writeFileSync(file, `${readme.slice(0, a + start.length)}\n${text.replace(/^### /gm, '#### ')}\n${readme.slice(b)}`);
}
