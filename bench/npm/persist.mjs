#!/usr/bin/env node
// Persistence benchmarks of the npm package (run `npm run build` first), as Markdown:
//   node bench/npm/persist.mjs [--quick]
// 1. db.save() / db.load() throughput (MB/s of RDB file) in Node, median of 3;
// 2. SET throughput in headless Chromium in memory vs idb:// (appendfsync always and
//    everysec), side by side in one page run, alternating per round; and the same in Node
//    with file storage.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const quick = process.argv.includes('--quick');
const { Cinder } = await import(path.join(ROOT, 'dist/node.js'));
const { serve } = await import(path.join(ROOT, 'tests/npm/serve.mjs'));
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const fmt = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(0)}k` : n.toFixed(0));

function dataset(kind) {
  const db = Cinder.createSync({ seed: 1 });
  const n = quick ? 50_000 : 500_000;
  if (kind === 'strings') {
    for (let i = 0; i < n; i++) db.set(`key:${i}`, `value:${i}:${'x'.repeat(i % 50)}`);
  } else {
    // 50 hashes, 50 sets, 50 zsets, 50 lists of n/200 elements each (hashtable/skiplist/quicklist).
    const m = n / 200;
    for (let c = 0; c < 50; c++) {
      for (let i = 0; i < m; i += 500) {
        const f = Array.from({ length: Math.min(500, m - i) }, (_, j) => i + j);
        db.call('HSET', `h${c}`, ...f.flatMap((j) => [`field:${j}`, `value:${j}`]));
        db.call('SADD', `s${c}`, ...f.map((j) => `member:${j}`));
        db.call('ZADD', `z${c}`, ...f.flatMap((j) => [String(j * 1.5), `member:${j}`]));
        db.call('RPUSH', `l${c}`, ...f.map((j) => `item:${j}`));
      }
    }
  }
  return db;
}

console.log(`## Persistence (${new Date().toISOString().slice(0, 10)}, Node ${process.version}${quick ? ', --quick' : ''})\n`);
console.log('| data set | keys | RDB size | save() | load() |\n|---|---|---|---|---|');
for (const kind of ['strings', 'collections']) {
  const db = dataset(kind);
  const saves = [];
  const loads = [];
  let file;
  for (let r = 0; r < 3; r++) {
    let t = performance.now();
    file = db.save();
    saves.push(performance.now() - t);
    const other = Cinder.createSync();
    t = performance.now();
    other.load(file);
    loads.push(performance.now() - t);
    other.close();
  }
  const mb = file.length / 1e6;
  const s = median(saves);
  const l = median(loads);
  console.log(`| ${kind} | ${db.dbsize()} | ${mb.toFixed(1)} MB | ${(mb / (s / 1000)).toFixed(0)} MB/s (${s.toFixed(0)} ms) | ${(mb / (l / 1000)).toFixed(0)} MB/s (${l.toFixed(0)} ms) |`);
  db.close();
}

// Node, file storage.
const N = quick ? 20_000 : 100_000;
const TASK = 100;
const VALUE = 'v'.repeat(32);
const tick = () => new Promise((r) => setImmediate(r));
async function nodeRun(kind, dir) {
  const db = kind === 'memory' ? Cinder.createSync() : await Cinder.open(path.join(dir, kind), { appendfsync: kind });
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    db.set(`key:${i}`, VALUE);
    if (i % TASK === TASK - 1) await tick();
  }
  await db.flush();
  const ms = performance.now() - t0;
  db.close();
  return (N * 1000) / ms;
}
const kinds = ['memory', 'always', 'everysec'];
const node = Object.fromEntries(kinds.map((k) => [k, []]));
for (let r = 0; r < 3; r++) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cinderkv-bench-'));
  for (const k of kinds) node[k].push(await nodeRun(k, dir));
  rmSync(dir, { recursive: true, force: true });
}

const server = await serve();
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
let web;
try {
  const page = await browser.newPage();
  await page.goto(`${server.url}/bench/npm/persist.html?n=${N}&task=${TASK}&rounds=3`);
  await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 600_000 });
  web = await page.evaluate(() => window.__result);
} finally {
  await browser.close();
  await server.close();
}

console.log(`\nSET of a 32-byte value, ${fmt(N)} keys in tasks of ${TASK} commands, then \`await db.flush()\`; ops/s (median of 3 alternating rounds) and the ratio to memory:\n`);
console.log('| runtime | in memory | storage, appendfsync always | storage, everysec |\n|---|---|---|---|');
const row = (name, r) => {
  const m = median(r.memory);
  const cell = (k) => `${fmt(median(r[k]))} (${(median(r[k]) / m).toFixed(2)}×)`;
  console.log(`| ${name} | ${fmt(m)} | ${cell('always')} | ${cell('everysec')} |`);
};
row(`Chromium ${browser.version()}, idb://`, web.results);
row('Node, file storage (fdatasync)', node);
console.log(`\n(Chromium: the ${fmt(N / TASK)} task switches alone (MessageChannel) take ${web.loopMs.toFixed(0)} ms; every column includes them.)`);
