#!/usr/bin/env node
// A/B of two builds of the npm package in one Node process, printed as Markdown:
//   node bench/npm/ab.mjs <other checkout>            # B = this checkout's dist/, A = <other>/dist/
//   node bench/npm/ab.mjs <other checkout> --rounds 7 --box 300
// Both builds run the rows of rows.mjs through `call` and the typed methods, alternating
// A, B, B, A, ... in time boxes; each row reports the median ops/s of each build and the
// median of the per-round ratios B ÷ A (above 1: this checkout is faster). Build both
// first (`npm run build` in each checkout).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { COLLECTION, ROWS, fillCinder } from './rows.mjs';
import { median, makeOpsSync } from './timing.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const other = args.find((a) => !a.startsWith('--'));
if (!other) {
  console.error('usage: node bench/npm/ab.mjs <other checkout> [--rounds N] [--box MS]');
  process.exit(2);
}
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const ROUNDS = opt('--rounds', 5);
const opsSync = makeOpsSync(opt('--box', 300));

const A = (await import(path.join(path.resolve(other), 'dist/node.js'))).Cinder;
const B = (await import(path.join(ROOT, 'dist/node.js'))).Cinder;
const fmt = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${(n / 1e3).toFixed(0)}k`);

const lines = [
  `### A/B: ${path.resolve(other)} (A) against ${ROOT} (B), Node ${process.version}, median of ${ROUNDS} rounds`,
  '',
  '| row | A ops/s | B ops/s | B ÷ A |',
  '|---|---:|---:|---:|',
];
for (const row of ROWS) {
  for (const way of ['call', 'typed']) {
    const dbs = [A.createSync(), B.createSync()];
    if (row.coll) dbs.forEach((db) => fillCinder(db, row.coll));
    const runs = [[], []];
    const ratios = [];
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? [0, 1] : [1, 0];
      const got = [0, 0];
      for (const k of order) {
        const db = dbs[k];
        // As in bench.mjs: a list drained by RPOP is refilled every 1,000 ops.
        const refill = row.refill ? () => (db.call('LLEN', 'list') < 1000 ? fillCinder(db, 'list') : 0) : null;
        got[k] = opsSync((i) => {
          if (refill && i % 1000 === 0) refill();
          return row[way](db, i);
        });
      }
      runs[0].push(got[0]);
      runs[1].push(got[1]);
      ratios.push(got[1] / got[0]);
    }
    const name = `${row.name} (${way})`;
    lines.push(`| ${name} | ${fmt(median(runs[0]))} | ${fmt(median(runs[1]))} | ${median(ratios).toFixed(3)} |`);
  }
}
lines.push('', `Collections hold ${COLLECTION.toLocaleString('en')} elements.`);
console.log(lines.join('\n'));
