// Snapshots (db.save / db.load / create({ rdb })) and storage (Cinder.open): round trips of
// every type, files redis-server 7.0.15 loads and writes, the effect log, compaction, the
// adapter contract, file storage across a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Cinder, CinderError, MemoryStorage, RdbError } from 'cinderkv';
import { COMMANDS, KEYS } from './helpers/populate.mjs';
import { startRedis } from './helpers/redis.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PORT = 7360;
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'cinderkv-persist-'));
const hex = (b) => Buffer.from(b).toString('hex');

function populated() {
  const db = Cinder.createSync({ seed: 1 });
  for (const c of COMMANDS) db.call(...c);
  return db;
}

/** Every key's DUMP payload, encoding and TTL, by database. */
function describe(db) {
  const out = {};
  const c = db.connection();
  for (let d = 0; d < 16; d++) {
    const n = String(d);
    c.call('SELECT', n);
    for (const k of c.call('KEYS', '*').sort()) {
      const ttl = c.call('PEXPIRETIME', k);
      const enc = c.call('OBJECT', 'ENCODING', k);
      // A hash table's order is its own (Redis's dict differs): compare those by content.
      const dump = enc === 'hashtable' ? JSON.stringify(content(c, k)) : hex(c.callBuffer('DUMP', k));
      out[`${n}/${k}`] = { dump, enc, ttl };
    }
  }
  if (KEYS[0].includes('stream')) {
    c.call('SELECT', '0');
    out.groups = JSON.stringify(c.call('XINFO', 'STREAM', 'stream', 'FULL'));
  }
  c.close();
  return out;
}

function content(c, k) {
  const t = c.call('TYPE', k);
  if (t === 'set') return c.call('SMEMBERS', k).sort();
  if (t === 'hash') return Object.entries(Object.fromEntries(pairs(c.call('HGETALL', k)))).sort();
  return null;
}

const pairs = (a) => a.reduce((o, v, i) => (i % 2 ? o : [...o, [v, a[i + 1]]]), []);

async function redisContent(r, k) {
  const t = String(await r.cmd('TYPE', k));
  if (t === 'set') return (await r.cmd('SMEMBERS', k)).map(String).sort();
  if (t === 'hash') return pairs((await r.cmd('HGETALL', k)).map(String)).sort();
  return null;
}

test('save() and load() round-trip every type and encoding, TTLs, databases and stream groups', () => {
  const a = populated();
  const file = a.save();
  assert.ok(file instanceof Uint8Array);
  assert.equal(Buffer.from(file.subarray(0, 9)).toString(), 'REDIS0010');
  const b = Cinder.createSync();
  b.set('stale', 'x');
  b.load(file);
  assert.equal(b.exists('stale'), 0);
  assert.deepEqual(describe(b), describe(a));
  const c = Cinder.createSync({ rdb: file });
  assert.deepEqual(describe(c), describe(a));
  // Saving the loaded data gives the same keys again.
  assert.deepEqual(describe(Cinder.createSync({ rdb: c.save() })), describe(a));
  for (const d of [a, b, c]) d.close();
});

test('a bad RDB file is a thrown RdbError with Redis\'s message and changes nothing', () => {
  const file = populated().save();
  const db = Cinder.createSync();
  db.set('keep', 'me');
  const cases = [
    [file.subarray(0, file.length - 20), /Short read or OOM loading DB|checksum/],
    [new Uint8Array([...Buffer.from('REDIS0099'), 0xff]), /Can't handle RDB format version 99/],
    [Buffer.from('NOTREDIS!'), /Wrong signature trying to load DB from file/],
  ];
  const flipped = file.slice();
  flipped[flipped.length - 3] ^= 0xff;
  cases.push([flipped, /Wrong RDB checksum/]);
  for (const [bytes, re] of cases) {
    assert.throws(() => db.load(bytes), (e) => e instanceof RdbError && e instanceof CinderError && re.test(e.message), String(re));
    assert.equal(db.get('keep'), 'me');
    assert.equal(db.dbsize(), 1);
  }
  assert.throws(() => Cinder.createSync({ rdb: new Uint8Array(3) }), RdbError);
  assert.throws(() => db.load(new Uint8Array(0)), (e) => e instanceof RdbError && /Short read/.test(e.message), 'zero-length file');
  assert.throws(() => db.load('REDIS0010'), CinderError, 'not bytes');
  db.close();
});

test('redis-server 7.0.15 loads save()\'s file with the same keys, and Cinder loads redis-server\'s SAVE', async () => {
  const dir = tmp();
  const a = populated();
  writeFileSync(path.join(dir, 'dump.rdb'), a.save());
  // redis-check-rdb accepts it.
  const check = spawnSync('/usr/bin/redis-check-rdb', [path.join(dir, 'dump.rdb')], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /RDB looks OK|keys read/);
  const r = await startRedis(dir, PORT);
  try {
    const want = describe(a);
    for (const [n, keys] of Object.entries(KEYS)) {
      await r.client.cmd('SELECT', n);
      assert.deepEqual((await r.client.cmd('KEYS', '*')).map(String).sort(), [...keys].sort());
      for (const k of keys) {
        const enc = String(await r.client.cmd('OBJECT', 'ENCODING', k));
        assert.equal(enc, want[`${n}/${k}`].enc, `encoding ${n}/${k}`);
        const dump = enc === 'hashtable' ? JSON.stringify(await redisContent(r.client, k)) : hex(await r.client.cmd('DUMP', k));
        assert.equal(dump, want[`${n}/${k}`].dump, `DUMP ${n}/${k}`);
        assert.equal(await r.client.cmd('PEXPIRETIME', k), want[`${n}/${k}`].ttl, `TTL ${n}/${k}`);
      }
    }
    // And back: redis-server's own file into Cinder.
    await r.client.cmd('SELECT', '0');
    await r.client.cmd('SET', 'from-redis', 'yes');
    await r.client.cmd('SAVE');
    const b = Cinder.createSync({ rdb: readFileSync(path.join(dir, 'dump.rdb')) });
    assert.equal(b.get('from-redis'), 'yes');
    b.del('from-redis');
    assert.deepEqual(describe(b), want);
  } finally {
    await r.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the storage log is AOF content: SELECT on database change, MULTI/EXEC units, effects not requests', async () => {
  const store = new MemoryStorage();
  const db = await Cinder.open(store);
  db.set('k', 'v', { EX: 100 });
  db.call('SELECT', '2');
  db.multi().call('INCR', 'n').call('INCR', 'n').exec();
  db.call('SELECT', '0');
  db.call('SPOP', 'nothing');
  await db.flush();
  const text = Buffer.concat(store.log).toString('latin1');
  assert.match(text, /^\*2\r\n\$6\r\nSELECT\r\n\$1\r\n0\r\n\*5\r\n\$3\r\nSET\r\n\$1\r\nk\r\n\$1\r\nv\r\n\$4\r\nPXAT\r\n/);
  assert.match(text, /SELECT\r\n\$1\r\n2\r\n\*1\r\n\$5\r\nMULTI\r\n(\*2\r\n\$4\r\nINCR\r\n\$1\r\nn\r\n){2}\*1\r\n\$4\r\nEXEC\r\n$/);
  // One task's writes went out as one record.
  assert.equal(store.log.length, 1);
  db.set('a', '1');
  db.set('b', '2');
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(store.log.length, 2, 'the next task\'s batch is stored without flush() (appendfsync always)');
  assert.match(Buffer.from(store.log[1]).toString(), /^\*2\r\n\$6\r\nSELECT\r\n\$1\r\n0\r\n\*3\r\n\$3\r\nSET/);
  db.close();
});

test('adapter contract: reopening gives the same keyspace; compaction by the rewrite rule; a failed write rejects flush() and the next write is a snapshot', async () => {
  const store = new MemoryStorage();
  const db = await Cinder.open(store, { rewriteMinSize: 4096, rewritePercentage: 100 });
  for (const c of COMMANDS) db.call(...c);
  await db.flush();
  assert.ok(store.snapshot, 'the log outgrew 4 KiB: compacted into a snapshot');
  const base = store.snapshot.length;
  assert.equal(Buffer.from(store.snapshot.subarray(0, 9)).toString(), 'REDIS0010');
  // The rule: no compaction before the log doubles the snapshot.
  const before = store.writes;
  db.set('small', 'x');
  await db.flush();
  assert.equal(store.snapshot.length, base);
  assert.equal(store.log.length, 1);
  assert.equal(store.writes, before + 1);
  const want = describe(db);
  const again = await Cinder.open(store);
  assert.deepEqual(describe(again), want);
  assert.equal(again.get('small'), 'x');
  again.close();

  // A failed append rejects the flush that covers it; nothing is lost after the next one.
  const snapBefore = store.snapshot;
  store.failNext = new Error('disk full');
  db.incr('counter');
  await assert.rejects(db.flush(), /disk full/);
  db.incr('counter');
  await db.flush();
  assert.notEqual(store.snapshot, snapBefore, 'the write after a failure is a whole snapshot');
  assert.ok(store.log.length <= 1);
  const third = await Cinder.open(store);
  assert.equal(third.get('counter'), '2');
  third.close();

  // db.load() replaces the keyspace: the next write is a snapshot of it.
  const other = Cinder.createSync();
  other.set('only', 'this');
  db.load(other.save());
  await db.flush();
  const fourth = await Cinder.open(store);
  assert.deepEqual(fourth.keys('*'), ['only']);
  for (const d of [db, fourth, other]) d.close();
});

test('everysec gathers a second of writes into one storage write; flush() still waits for them', async () => {
  const store = new MemoryStorage();
  const db = await Cinder.open(store, { appendfsync: 'everysec' });
  for (let i = 0; i < 50; i++) {
    db.set(`k${i}`, String(i));
    await new Promise((r) => setTimeout(r, 0));
  }
  assert.equal(store.writes, 0);
  await db.flush();
  assert.equal(store.writes, 1);
  assert.equal((await Cinder.open(store)).dbsize(), 50);
  db.close();
  await assert.rejects(Cinder.open(store, { appendfsync: 'sometimes' }), /appendfsync/);
});

test('the adapter is checked; unknown storage URLs are refused', async () => {
  await assert.rejects(Cinder.open({ load() {} }), /append\(\)/);
  await assert.rejects(Cinder.open('s3://bucket'), /unknown storage/);
  await assert.rejects(Cinder.open(Object.assign(new MemoryStorage(), { snapshot: new Uint8Array([1, 2, 3]) })), RdbError);
  // A log that is not AOF content, or names an unknown command: Redis's AOF loading errors.
  await assert.rejects(Cinder.open(Object.assign(new MemoryStorage(), { log: [Buffer.from('*1\r\n$x\r\n')] })), (e) => e instanceof RdbError && /Bad file format/.test(e.message));
  await assert.rejects(Cinder.open(Object.assign(new MemoryStorage(), { log: [Buffer.from('*1\r\n$4\r\nNOPE\r\n')] })), (e) => e instanceof RdbError && /Unknown command 'NOPE'/.test(e.message));
});

test('file storage: Redis 7 multi-part AOF (manifest, base RDB, incr AOF) that redis-server starts on, and back', async () => {
  const dir = tmp();
  try {
    const db = await Cinder.open(path.join(dir, 'data'), { rewriteMinSize: 2048 });
    for (const c of COMMANDS) db.call(...c);
    await db.flush();
    db.set('after', 'compaction');
    await db.flush();
    const want = describe(db);
    db.close();
    await new Promise((r) => setTimeout(r, 20));
    const files = readdirSync(path.join(dir, 'data')).sort();
    assert.ok(files.includes('appendonly.aof.manifest') && files.some((f) => /^appendonly\.aof\.\d+\.base\.rdb$/.test(f))
      && files.some((f) => /^appendonly\.aof\.\d+\.incr\.aof$/.test(f)), files.join());
    const again = await Cinder.open(pathToFileURL(path.join(dir, 'data')).href);
    assert.deepEqual(describe(again), want);
    again.set('more', '1');
    await again.flush();
    again.close();
    await new Promise((r) => setTimeout(r, 20));
    // redis-server 7.0.15 starts on the directory as its appendonlydir, writes to it...
    const r = await startRedis(dir, PORT, 'dump.rdb', 'data');
    try {
      assert.equal(String(await r.client.cmd('GET', 'str:emb')), 'hello');
      assert.equal(String(await r.client.cmd('GET', 'after')), 'compaction');
      assert.equal(String(await r.client.cmd('GET', 'more')), '1');
      await r.client.cmd('SELECT', '3');
      assert.equal(String(await r.client.cmd('GET', 'in3')), 'three');
      await r.client.cmd('SET', 'from-redis', 'yes');
      await r.client.cmd('BGREWRITEAOF');
      await new Promise((res) => setTimeout(res, 500));
      await r.client.cmd('SET', 'after-rewrite', 'yes');
    } finally {
      await r.stop();
    }
    // ... and Cinder loads what Redis left (its manifest, base and incr files).
    const back = await Cinder.open(path.join(dir, 'data'));
    back.call('SELECT', '3');
    assert.equal(back.get('from-redis'), 'yes');
    assert.equal(back.get('after-rewrite'), 'yes');
    back.call('SELECT', '0');
    assert.equal(back.get('more'), '1');
    back.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('file storage: a torn last command (crash mid-append) is dropped, the rest loads, and appends go on after it', async () => {
  const dir = tmp();
  try {
    const db = await Cinder.open(dir);
    db.set('a', '1');
    await db.flush();
    db.set('b', '2');
    await db.flush();
    db.close();
    await new Promise((r) => setTimeout(r, 20));
    const incr = path.join(dir, readdirSync(dir).find((f) => f.endsWith('.incr.aof')));
    truncateSync(incr, statSync(incr).size - 4);
    const again = await Cinder.open(dir);
    assert.equal(again.get('a'), '1');
    assert.equal(again.exists('b'), 0);
    again.set('c', '3');
    await again.flush();
    again.close();
    await new Promise((r) => setTimeout(r, 20));
    const third = await Cinder.open(dir);
    assert.deepEqual(third.keys('*').sort(), ['a', 'c']);
    third.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('file storage: a process killed (SIGKILL) after flush() keeps every write the flush covered', async () => {
  const dir = tmp();
  try {
    for (const round of [0, 1, 2]) {
      const child = spawn(process.execPath, [path.join(HERE, 'helpers/crash-writer.mjs'), dir, String(round)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      const flushed = await new Promise((resolve, reject) => {
        child.stdout.on('data', (d) => {
          out += d;
          const m = out.match(/flushed (\d+)/);
          if (m) resolve(Number(m[1]));
        });
        child.on('exit', (code) => reject(new Error(`writer exited (${code}) before flushing: ${out}`)));
      });
      // Let it write more, unflushed, then kill it mid-write.
      await new Promise((r) => setTimeout(r, 30 + round * 20));
      child.kill('SIGKILL');
      await new Promise((r) => child.on('exit', r));
      const db = await Cinder.open(dir);
      for (let i = 0; i < flushed; i++) assert.equal(db.get(`r${round}:${i}`), `v${i}`, `r${round}:${i}`);
      assert.equal(Number(db.get(`count${round}`)) >= flushed, true);
      for (let r = 0; r < round; r++) assert.ok(db.exists(`r${r}:0`), 'earlier rounds are still there');
      await db.flush();
      db.close();
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(existsSync(dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Durable Object storage's key-value API over a Map (sorted listing, inclusive start). */
class FakeDurableStorage {
  map = new Map();
  puts = 0;
  async get(k) {
    return structuredClone(this.map.get(k));
  }
  async put(entries) {
    this.puts++;
    for (const [k, v] of Object.entries(entries)) this.map.set(k, structuredClone(v));
  }
  async delete(keys) {
    let n = 0;
    for (const k of keys) n += this.map.delete(k) ? 1 : 0;
    return n;
  }
  async list({ prefix, start, limit = Infinity }) {
    const keys = [...this.map.keys()].filter((k) => k.startsWith(prefix) && (start === undefined || k >= start)).sort().slice(0, limit);
    return new Map(keys.map((k) => [k, structuredClone(this.map.get(k))]));
  }
}

test('DurableObjectStore: chunked snapshots and log records, generations switched atomically, reopened with the same data', async () => {
  const { DurableObjectStore } = await import('cinderkv');
  const storage = new FakeDurableStorage();
  const db = await Cinder.open(new DurableObjectStore(storage), { rewriteMinSize: 100_000 });
  for (const c of COMMANDS) db.call(...c);
  db.set('big', 'q'.repeat(300_000)); // a record of 3 pieces
  await db.flush();
  const want = describe(db);
  assert.ok([...storage.map.keys()].every((k) => k.startsWith('cinder:')));
  for (const v of storage.map.values()) assert.ok(!(v instanceof Uint8Array) || v.length <= 120 * 1024);
  let again = await Cinder.open(new DurableObjectStore(storage));
  assert.deepEqual(describe(again), want);
  again.close();
  // Compaction: a snapshot in chunks, the old generation gone.
  const { randomBytes } = await import('node:crypto');
  db.set('big2', randomBytes(225_000).toString('base64')); // incompressible: a snapshot of >= 3 chunks
  await db.flush({ snapshot: true });
  const keys = [...storage.map.keys()];
  const gen = (await storage.get('cinder:meta')).gen;
  assert.ok(gen >= 1);
  assert.ok(keys.filter((k) => k.startsWith(`cinder:snap:${gen}:`)).length >= 3, keys.join());
  assert.ok(!keys.some((k) => k.startsWith(`cinder:snap:${gen - 1}:`) || k.startsWith(`cinder:log:${gen - 1}:`)), keys.join());
  again = await Cinder.open(new DurableObjectStore(storage));
  assert.equal(again.strlen('big2'), 300_000);
  assert.equal(again.strlen('big'), 300_000);
  for (const d of [db, again]) d.close();
});

test('close() stores the last writes; a storage failure after close() is not an unhandled rejection', async () => {
  const store = new MemoryStorage();
  const db = await Cinder.open(store);
  db.set('last', 'write');
  db.close();
  await new Promise((r) => setTimeout(r, 10));
  assert.equal((await Cinder.open(store)).get('last'), 'write');
  const slow = new MemoryStorage();
  const orig = slow.append.bind(slow);
  slow.append = async (b) => {
    await new Promise((r) => setTimeout(r, 5));
    slow.failNext = new Error('gone');
    return orig(b);
  };
  const db2 = await Cinder.open(slow, { rewriteMinSize: 1 });
  db2.set('a', '1');
  await new Promise((r) => setTimeout(r, 0));
  db2.set('b', '2');
  db2.close();
  await new Promise((r) => setTimeout(r, 50));
});

test('every log record starts with its SELECT, so records replay the same in any context', async () => {
  const store = new MemoryStorage();
  const db = await Cinder.open(store);
  db.call('SELECT', '5');
  db.set('a', '1');
  await db.flush();
  db.set('b', '2');
  await db.flush();
  assert.equal(store.log.length, 2);
  for (const r of store.log) assert.match(Buffer.from(r).toString(), /^\*2\r\n\$6\r\nSELECT\r\n\$1\r\n5\r\n/);
  db.close();
});
