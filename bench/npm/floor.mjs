// The floor under any wasm-backed GET: a hand-assembled wasm module whose only function
// copies a 16-byte value inside its memory, called the way a binding must call it (the
// key's bytes written into wasm memory, the call, the 16 value bytes read back as a
// string). Measured next to `Map.get` and cinderkv's GET in alternating rounds, so the
// "SET/GET within 3× of a Map" target can be read against what a wasm call alone costs.

/** A wasm module exporting `memory` and `get(keyLen) -> 16` (memory.copy of 16 bytes). */
const FLOOR_WASM = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f, // types: (i32) -> i32
  0x03, 0x02, 0x01, 0x00, // functions: one of type 0
  0x05, 0x03, 0x01, 0x00, 0x01, // memory: one page
  0x07, 0x10, 0x02, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x03, 0x67, 0x65, 0x74, 0x00, 0x00, // exports
  0x0a, 0x12, 0x01, 0x10, 0x00, // code: one body of 16 bytes, no locals
  0x41, 0x80, 0x10, 0x41, 0x80, 0x08, 0x41, 0x10, 0xfc, 0x0a, 0x00, 0x00, // memory.copy(2048, 1024, 16)
  0x41, 0x10, 0x0b, // i32.const 16, end
]);

/** A GET through the minimal module: ASCII key in at 0, 16 value bytes out from 2048. */
export function floorGetter() {
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(FLOOR_WASM));
  const u8 = new Uint8Array(exports.memory.buffer);
  u8.fill(118, 1024, 1040); // the value: 'v' x 16
  const get = exports.get;
  return (key) => {
    for (let i = 0; i < key.length; i++) u8[i] = key.charCodeAt(i);
    const n = get(key.length);
    let s = '';
    for (let i = 2048; i < 2048 + n; i++) s += String.fromCharCode(u8[i]);
    return s;
  };
}

/** Markdown section: ops/s of Map.get, the minimal wasm call, cinderkv GET. */
export function benchFloor({ Cinder, opsSync, rounds, fmt }) {
  const keys = Array.from({ length: 10_000 }, (_, i) => `key:${i}`);
  const value = 'v'.repeat(16);
  const map = new Map(keys.map((k) => [k, value]));
  const floor = floorGetter();
  const db = Cinder.createSync();
  for (const k of keys) db.call('SET', k, value);
  if (floor(keys[0]) !== value || db.get(keys[0]) !== value) throw new Error('floor bench: wrong value');
  const rows = {
    'JS Map.get': (i) => map.get(keys[i % 10000]),
    'minimal wasm call (key in, 16 bytes out)': (i) => floor(keys[i % 10000]),
    'cinderkv `db.get` (typed)': (i) => db.get(keys[i % 10000]),
    "cinderkv `db.call('GET')`": (i) => db.call('GET', keys[i % 10000]),
  };
  const runs = Object.fromEntries(Object.keys(rows).map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) for (const [name, fn] of Object.entries(rows)) runs[name].push(opsSync(fn));
  db.close();
  const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
  const mapOps = median(runs['JS Map.get']);
  const lines = [
    `### The floor of a wasm call: GET of a 16-byte value, 10,000 keys (median of ${rounds} alternating rounds)`,
    '',
    '| contender | ops/s | ns per op | Map ÷ contender |',
    '|---|---|---|---|',
  ];
  for (const name of Object.keys(rows)) {
    const ops = median(runs[name]);
    lines.push(`| ${name} | ${fmt(ops)} | ${(1e9 / ops).toFixed(0)} | ${(mapOps / ops).toFixed(1)}× |`);
  }
  return lines.join('\n');
}
