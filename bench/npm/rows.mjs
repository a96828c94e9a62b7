// The rows the npm benchmarks run (bench.mjs against ioredis-mock and a Map, ab.mjs
// between two builds of the package): one op per command, as `call` arguments, a typed
// method call, an ioredis-mock call and pipeline call, and the Map equivalent.

/** Elements in each collection a row runs against. */
export const COLLECTION = 100_000;

export const KEYS = Array.from({ length: 10_000 }, (_, i) => `key:${i}`);
export const VALUE = 'v'.repeat(16);
export const MEMBERS = Array.from({ length: COLLECTION }, (_, i) => `member:${i}`);

/** The EVALSHA row's script (the INCR+EXPIRE rate-limit step) and its SHA-1. */
const INCR_EXPIRE = "local n = redis.call('INCR', KEYS[1]) redis.call('EXPIRE', KEYS[1], 60) return n";
const INCR_EXPIRE_SHA = 'e7fb793085a6712633dcedd18b7b1d3ea4eaef44';
const loaded = new WeakSet();
/** The SHA-1, the script loaded into `db` on first use. */
const shaIn = (db) => {
  if (!loaded.has(db)) {
    db.call('SCRIPT', 'LOAD', INCR_EXPIRE);
    loaded.add(db);
  }
  return INCR_EXPIRE_SHA;
};
/** ioredis-mock runs scripts through `defineCommand` (it has no SCRIPT LOAD). */
const mockScript = (r) => {
  if (!r.incrExpire) r.defineCommand('incrExpire', { numberOfKeys: 1, lua: INCR_EXPIRE });
  return r;
};

/**
 * One row per command: setup (fill collections), then one op as `call` arguments, a typed
 * method call, an ioredis-mock call, and the Map equivalent. `i` is the op counter.
 */
export const ROWS = [
  { name: 'SET', cmd: 'set', call: (db, i) => db.call('SET', KEYS[i % 10000], VALUE), typed: (db, i) => db.set(KEYS[i % 10000], VALUE),
    mock: (r, i) => r.set(KEYS[i % 10000], VALUE), pipe: (p, i) => p.set(KEYS[i % 10000], VALUE), map: (m, i) => m.set(KEYS[i % 10000], VALUE) },
  { name: 'GET', cmd: 'get', call: (db, i) => db.call('GET', KEYS[i % 10000]), typed: (db, i) => db.get(KEYS[i % 10000]),
    mock: (r, i) => r.get(KEYS[i % 10000]), pipe: (p, i) => p.get(KEYS[i % 10000]), map: (m, i) => m.get(KEYS[i % 10000]) },
  { name: 'INCR', cmd: 'incr', call: (db, i) => db.call('INCR', `n:${i % 100}`), typed: (db, i) => db.incr(`n:${i % 100}`),
    mock: (r, i) => r.incr(`n:${i % 100}`), pipe: (p, i) => p.incr(`n:${i % 100}`), map: (m, i) => m.set(`n:${i % 100}`, (m.get(`n:${i % 100}`) ?? 0) + 1) },
  { name: 'LPUSH (100k list)', cmd: 'lpush', coll: 'list', call: (db, i) => db.call('LPUSH', 'list', VALUE), typed: (db) => db.lpush('list', VALUE),
    mock: (r) => r.lpush('list', VALUE), pipe: (p) => p.lpush('list', VALUE), map: (m) => m.get('list').push(VALUE) },
  { name: 'RPOP (100k list)', cmd: 'rpop', coll: 'list', call: (db, i) => db.call('RPOP', 'list'), typed: (db) => db.rpop('list'),
    mock: (r) => r.rpop('list'), pipe: (p) => p.rpop('list'), map: (m) => m.get('list').pop(), refill: true },
  { name: 'HSET (100k hash)', cmd: 'hset', coll: 'hash', call: (db, i) => db.call('HSET', 'hash', MEMBERS[i % COLLECTION], VALUE), typed: (db, i) => db.hset('hash', [MEMBERS[i % COLLECTION], VALUE]),
    mock: (r, i) => r.hset('hash', MEMBERS[i % COLLECTION], VALUE), pipe: (p, i) => p.hset('hash', MEMBERS[i % COLLECTION], VALUE), map: (m, i) => m.get('hash').set(MEMBERS[i % COLLECTION], VALUE) },
  { name: 'HGET (100k hash)', cmd: 'hget', coll: 'hash', call: (db, i) => db.call('HGET', 'hash', MEMBERS[i % COLLECTION]), typed: (db, i) => db.hget('hash', MEMBERS[i % COLLECTION]),
    mock: (r, i) => r.hget('hash', MEMBERS[i % COLLECTION]), pipe: (p, i) => p.hget('hash', MEMBERS[i % COLLECTION]), map: (m, i) => m.get('hash').get(MEMBERS[i % COLLECTION]) },
  { name: 'SADD (100k set)', cmd: 'sadd', coll: 'set', call: (db, i) => db.call('SADD', 'set', MEMBERS[i % COLLECTION]), typed: (db, i) => db.sadd('set', MEMBERS[i % COLLECTION]),
    mock: (r, i) => r.sadd('set', MEMBERS[i % COLLECTION]), pipe: (p, i) => p.sadd('set', MEMBERS[i % COLLECTION]), map: (m, i) => m.get('set').add(MEMBERS[i % COLLECTION]) },
  { name: 'SISMEMBER (100k set)', cmd: 'sismember', coll: 'set', call: (db, i) => db.call('SISMEMBER', 'set', MEMBERS[i % COLLECTION]), typed: (db, i) => db.sismember('set', MEMBERS[i % COLLECTION]),
    mock: (r, i) => r.sismember('set', MEMBERS[i % COLLECTION]), pipe: (p, i) => p.sismember('set', MEMBERS[i % COLLECTION]), map: (m, i) => m.get('set').has(MEMBERS[i % COLLECTION]) },
  { name: 'ZADD (100k zset)', cmd: 'zadd', coll: 'zset', call: (db, i) => db.call('ZADD', 'zset', i % COLLECTION, MEMBERS[i % COLLECTION]), typed: (db, i) => db.zadd('zset', [[i % COLLECTION, MEMBERS[i % COLLECTION]]]),
    mock: (r, i) => r.zadd('zset', i % COLLECTION, MEMBERS[i % COLLECTION]), pipe: (p, i) => p.zadd('zset', i % COLLECTION, MEMBERS[i % COLLECTION]), map: null },
  { name: 'ZRANGE 10 (100k zset)', cmd: 'zrange', coll: 'zset', call: (db, i) => db.call('ZRANGE', 'zset', i % 1000, (i % 1000) + 9), typed: (db, i) => db.zrange('zset', i % 1000, (i % 1000) + 9),
    mock: (r, i) => r.zrange('zset', i % 1000, (i % 1000) + 9), pipe: (p, i) => p.zrange('zset', i % 1000, (i % 1000) + 9), map: null },
  { name: 'EVALSHA (INCR+EXPIRE script)', cmd: 'evalsha', call: (db, i) => db.call('EVALSHA', shaIn(db), 1, `n:${i % 100}`), typed: (db, i) => db.evalsha(shaIn(db), [`n:${i % 100}`]),
    mock: (r, i) => mockScript(r).incrExpire(`n:${i % 100}`), pipe: (p, i) => p.incrExpire(`n:${i % 100}`), map: null },
];

export function fillCinder(db, coll) {
  const batch = (cmd, key, mk) => {
    for (let s = 0; s < COLLECTION; s += 10_000) {
      const args = [];
      for (let i = s; i < Math.min(s + 10_000, COLLECTION); i++) args.push(...mk(i));
      db.call(cmd, key, ...args);
    }
  };
  if (coll === 'list') batch('RPUSH', 'list', () => [VALUE]);
  if (coll === 'hash') batch('HSET', 'hash', (i) => [MEMBERS[i], VALUE]);
  if (coll === 'set') batch('SADD', 'set', (i) => [MEMBERS[i]]);
  if (coll === 'zset') batch('ZADD', 'zset', (i) => [i, MEMBERS[i]]);
}

