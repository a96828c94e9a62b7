// The ioredis facade's benchmarks (issue #18), a section of bench.mjs (`--ioredis`):
// - cinderkv/ioredis against ioredis-mock on the same rows (their ioredis-API forms), one
//   awaited command at a time and in pipelines of 100;
// - what bounds the string rows: ioredis-mock's GET against an awaited call of the minimal
//   wasm module and the engine's GET in a batch with no facade;
// - `db.batch` of 100 GET/SET against single `db.get`/`db.set` calls (per command);
// - the typed `db.get` against the bare wasm call (floor.mjs's minimal module);
// - the gzip size of a minimal facade app (JS + wasm) against ioredis-mock's minimal app.
import { readFileSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { floorGetter } from './floor.mjs';
import { COLLECTION, KEYS, VALUE, ROWS, fillCinder } from './rows.mjs';
import { median } from './timing.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const times = (x) => `${x.toFixed(x >= 10 ? 0 : 1)}×`;

/** Markdown sections; `ctx`: { Cinder, RedisMock, fillMock, opsSync, opsAsync, rounds, fmt }. */
export async function benchIoredis({ Cinder, RedisMock, fillMock, opsSync, opsAsync, rounds, fmt }) {
  const { default: Redis } = await import(path.join(ROOT, 'dist/ioredis/node.js'));
  const out = [];

  // 1. Facade vs ioredis-mock.
  const lines = [
    `### cinderkv/ioredis against ioredis-mock (the same ioredis calls; collections hold ${COLLECTION.toLocaleString('en')} elements; median of ${rounds} alternating rounds)`,
    '',
    '| command | facade awaited | ioredis-mock awaited | facade ÷ mock | facade pipeline 100 | ioredis-mock pipeline 100 | facade ÷ mock |',
    '|---|---|---|---|---|---|---|',
  ];
  let n = 0;
  for (const row of ROWS) {
    const engine = Cinder.createSync();
    const f = new Redis({ engine, host: `bench-${n++}` });
    await new Promise((r) => f.once('ready', r));
    if (row.coll) fillCinder(engine, row.coll);
    const r = new RedisMock();
    await fillMock(r, row.coll);
    const refill = row.refill ? async (c, fill) => ((await c.llen('list')) < 1000 ? fill() : 0) : null;
    const runs = { fa: [], ma: [], fp: [], mp: [] };
    const awaited = (c, fill) => opsAsync(async (i) => {
      if (refill && i % 1000 === 0) await refill(c, fill);
      return row.mock(c, i);
    });
    const piped = (c, fill) => opsAsync(async (i) => {
      if (refill && i % 10 === 0) await refill(c, fill);
      const p = c.pipeline();
      for (let j = 0; j < 100; j++) row.pipe(p, i * 100 + j);
      await p.exec();
    }, 100);
    for (let k = 0; k < rounds; k++) {
      runs.fa.push(await awaited(f, () => fillCinder(engine, 'list')));
      runs.ma.push(await awaited(r, () => fillMock(r, 'list')));
      runs.fp.push(await piped(f, () => fillCinder(engine, 'list')));
      runs.mp.push(await piped(r, () => fillMock(r, 'list')));
    }
    f.disconnect();
    engine.close();
    await r.flushall();
    r.disconnect();
    const per = (a, b) => median(a.map((x, k) => x / b[k]));
    lines.push(`| ${row.name} | ${fmt(median(runs.fa))} | ${fmt(median(runs.ma))} | ${times(per(runs.fa, runs.ma))} | ${fmt(median(runs.fp))} | ${fmt(median(runs.mp))} | ${times(per(runs.fp, runs.mp))} |`);
    console.error(`  facade ${row.name} done`);
  }
  out.push(lines.join('\n'));

  // 1b. What bounds the string rows: ioredis-mock's GET next to costs the facade cannot go
  // under (an awaited call of the minimal wasm module; the engine's GET in a batch, with no
  // facade around it), measured in alternating rounds.
  {
    const engine = Cinder.createSync();
    for (const k of KEYS) engine.set(k, VALUE);
    const r = new RedisMock();
    for (const k of KEYS) await r.set(k, VALUE);
    const floor = floorGetter();
    const getBatch = (i) => {
      const cmds = new Array(100);
      for (let j = 0; j < 100; j++) cmds[j] = ['GET', KEYS[(i * 100 + j) % 10000]];
      return cmds;
    };
    const b = { ma: [], mp: [], fl: [], eb: [] };
    for (let k = 0; k < rounds; k++) {
      b.ma.push(await opsAsync((i) => r.get(KEYS[i % 10000])));
      b.mp.push(await opsAsync(async (i) => {
        const p = r.pipeline();
        for (let j = 0; j < 100; j++) p.get(KEYS[(i * 100 + j) % 10000]);
        await p.exec();
      }, 100));
      b.fl.push(await opsAsync(async (i) => floor(KEYS[i % 10000])));
      b.eb.push(opsSync((i) => engine.batch(getBatch(i))) * 100);
    }
    engine.close();
    await r.flushall();
    r.disconnect();
    const ns = (a) => 1e9 / median(a);
    out.push([
      `### What bounds the string rows: GET of a 16-byte value, 10,000 keys (ns per command, median of ${rounds} alternating rounds)`,
      '',
      '| cost | ns per command | what the target asks of the facade |',
      '|---|---|---|',
      `| ioredis-mock, awaited GET | ${ns(b.ma).toFixed(0)} | ≤ ${(ns(b.ma) / 3).toFixed(0)} ns for 3× |`,
      `| an awaited call of the minimal wasm module (floor.mjs; no engine, no facade) | ${ns(b.fl).toFixed(0)} | — |`,
      `| ioredis-mock, GET in a pipeline of 100 | ${ns(b.mp).toFixed(0)} | ≤ ${(ns(b.mp) / 10).toFixed(0)} ns for 10× |`,
      `| the engine's GET in a \`db.batch\` of 100 (no facade) | ${ns(b.eb).toFixed(0)} | — |`,
    ].join('\n'));
  }

  // 2. db.batch of 100 GET/SET vs single calls; 3. typed db.get vs the bare wasm call.
  const db = Cinder.createSync();
  for (const k of KEYS) db.set(k, VALUE);
  const floor = floorGetter();
  const contenders = {
    single: (i) => (i & 1 ? db.get(KEYS[i % 10000]) : db.set(KEYS[i % 10000], VALUE)),
    batch: (i) => {
      const cmds = new Array(100);
      for (let j = 0; j < 100; j++) {
        const k = KEYS[(i * 100 + j) % 10000];
        cmds[j] = j & 1 ? ['GET', k] : ['SET', k, VALUE];
      }
      return db.batch(cmds);
    },
    typedGet: (i) => db.get(KEYS[i % 10000]),
    floor: (i) => floor(KEYS[i % 10000]),
  };
  const runs = { single: [], batch: [], typedGet: [], floor: [] };
  for (let k = 0; k < rounds; k++) {
    for (const [name, fn] of Object.entries(contenders)) runs[name].push(opsSync(fn) * (name === 'batch' ? 100 : 1));
  }
  db.close();
  const per = (a, b) => median(a.map((x, k) => x / b[k]));
  out.push([
    `### One crossing per pipeline: \`db.batch\` of 100 commands (50 SET + 50 GET, 16-byte values) against single calls (median of ${rounds} rounds)`,
    '',
    '| contender | commands/s | ns per command | ratio |',
    '|---|---|---|---|',
    `| \`db.set\`/\`db.get\`, one call each | ${fmt(median(runs.single))} | ${(1e9 / median(runs.single)).toFixed(0)} | 1× |`,
    `| \`db.batch\` of 100 | ${fmt(median(runs.batch))} | ${(1e9 / median(runs.batch)).toFixed(0)} | ${times(per(runs.batch, runs.single))} per command |`,
    `| bare wasm call (floor.mjs: key in, 16 bytes out) | ${fmt(median(runs.floor))} | ${(1e9 / median(runs.floor)).toFixed(0)} | — |`,
    `| typed \`db.get\` | ${fmt(median(runs.typedGet))} | ${(1e9 / median(runs.typedGet)).toFixed(0)} | ${times(per(runs.floor, runs.typedGet))} the floor's cost |`,
  ].join('\n'));

  // 4. Bundle size of a minimal app.
  const esbuild = await import('esbuild');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cinderkv-ioredis-size-'));
  const bundle = async (name, src, external = []) => {
    writeFileSync(path.join(dir, `${name}.mjs`), src);
    await esbuild.build({ entryPoints: [path.join(dir, `${name}.mjs`)], bundle: true, minify: true, format: 'esm', platform: 'browser',
      outfile: path.join(dir, `${name}.out.js`), nodePaths: [path.join(ROOT, 'node_modules')], external, logLevel: 'error',
      alias: { 'cinderkv/ioredis': path.join(ROOT, 'dist/ioredis/browser.js') } });
    const js = readFileSync(path.join(dir, `${name}.out.js`));
    return { raw: js.length, gz: gzipSync(js, { level: 9 }).length };
  };
  const app = "const r = new Redis();\nawait r.set('a', 'b');\nconsole.log(await r.get('a'));\n";
  const facade = await bundle('facade', `import Redis from 'cinderkv/ioredis';\n${app}`);
  const mock = await bundle('mock', `import Redis from 'ioredis-mock';\n${app}`,
    ['events', 'buffer', 'util', 'stream', 'crypto', 'fs', 'path', 'os', 'net', 'tls', 'url', 'assert', 'string_decoder', 'dns', 'zlib', 'timers']);
  rmSync(dir, { recursive: true, force: true });
  const wasm = readFileSync(path.join(ROOT, 'dist/wasm/cinder_wasm_bg.wasm'));
  const wasmGz = gzipSync(wasm, { level: 9 }).length;
  out.push([
    '### Minimal app size (`new Redis()`, SET, GET; minified browser bundle, gzip -9)',
    '',
    '| app | JS gzip | wasm gzip | total gzip |',
    '|---|---|---|---|',
    `| \`cinderkv/ioredis\` | ${kib(facade.gz)} | ${kib(wasmGz)} | ${kib(facade.gz + wasmGz)} |`,
    `| ioredis-mock (Node built-ins left external) | ${kib(mock.gz)} | — | ${kib(mock.gz)} |`,
  ].join('\n'));
  return out.join('\n\n');
}
