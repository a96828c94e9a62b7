// One test program for ioredis's API, run against real ioredis connected to redis-server 7.0
// and against `cinderkv/ioredis` (Node, Chromium, workerd); the results are compared value
// by value (compat.test.mjs, expected.json). Runtime-neutral: no Node APIs.
//
// `program(Redis, { host, port, Command })` returns [[label, value], ...] with every value
// normalised to JSON (bytes as hex, errors as { error: name, message }).

/** JSON form of a reply: bytes as hex, errors by name and message. */
export function norm(v) {
  if (v === undefined) return { undefined: true };
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'bigint') return { bigint: v.toString() };
  if (v instanceof Uint8Array) return { hex: [...v].map((b) => b.toString(16).padStart(2, '0')).join('') };
  if (v instanceof Error) return { error: v.name, message: v.message };
  if (Array.isArray(v)) return v.map(norm);
  if (typeof v === 'object') {
    const o = {};
    // defineProperty: a `__proto__` key stays a plain key (Node and Deno treat `o[k] =` differently).
    for (const k of Object.keys(v)) Object.defineProperty(o, k, { value: norm(v[k]), enumerable: true, writable: true, configurable: true });
    return o;
  }
  return String(v);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Waits (up to 2 s) until `cond()` holds: messages on another connection arrive asynchronously. */
async function until(cond) {
  for (let i = 0; i < 200 && !cond(); i++) await sleep(10);
}

/** The outcome of a Promise: its value, or the error it rejected with. */
async function settle(p) {
  try {
    return await p;
  } catch (e) {
    return e;
  }
}

/** Bytes as the runtime's binary argument: a Buffer in Node (ioredis sends only Buffers as bytes). */
const enc = (s) => (globalThis.Buffer ? globalThis.Buffer.from(new TextEncoder().encode(s)) : new TextEncoder().encode(s));

export async function program(Redis, { host = '127.0.0.1', port = 6379, Command } = {}) {
  const out = [];
  const check = async (label, p) => out.push([label, norm(await settle(typeof p === 'function' ? p() : p))]);
  const opts = (extra = {}) => ({ host, port, maxRetriesPerRequest: null, ...extra });
  const r = new Redis(opts());
  const events = [];
  r.on('connect', () => events.push('connect'));
  r.on('ready', () => events.push('ready'));
  out.push(['status at construction', r.status]);
  await check('flushall', r.flushall());
  out.push(['events after the first reply', [...events]]);
  out.push(['status when ready', r.status]);

  // Strings, numbers, argument conversion.
  await check('set', r.set('s', 'v'));
  await check('get', r.get('s'));
  await check('get missing', r.get('missing'));
  await check('getBuffer', r.getBuffer('s'));
  await check('setBuffer status', r.setBuffer('s2', 'x'));
  await check('set EX NX', r.set('s', 'w', 'EX', 100, 'NX'));
  await check('set GET', r.set('s', 'w', 'GET'));
  await check('ttl', r.ttl('s'));
  await check('incr', r.incr('n'));
  await check('incrby big', r.incrby('n', 2 ** 40));
  await check('incrbyfloat', r.incrbyfloat('f', 1.5));
  await check('incr WRONGTYPE-like', r.incr('s'));
  await check('mset object', r.mset({ a: 1, b: 'two', c: 3.5 }));
  await check('mset Map', r.mset(new Map([['m1', 'x'], ['m2', 'y']])));
  await check('mget flattened', r.mget(['a', 'b'], 'c', ['missing']));
  await check('append', r.append('s', '!'));
  await check('getrange', r.getrange('s', 0, 1));
  await check('null and undefined args', r.set('nul', null).then(() => r.get('nul')));
  await check('object arg', r.set('obj', { x: 1 }).then(() => r.get('obj')));
  await check('boolean arg', r.set('bool', true).then(() => r.get('bool')));
  await check('binary round trip', r.set('bin', enc('\u0000\u00ff\r\n')).then(() => r.getBuffer('bin')));
  await check('strlen binary', r.strlen('bin'));
  await check('wrong arity', r.get());
  await check('wrong type', r.lpush('s', 'x'));
  await check('unknown command via call', r.call('nosuchcommand', 'a', 'b'));
  await check('unknown command via call, upper case', r.call('NOPE'));
  await check('call HGETALL upper case (no transformer)', r.hset('hc', 'f', 'v').then(() => r.call('HGETALL', 'hc')));
  await check('call hgetall (transformer)', r.call('hgetall', 'hc'));
  await check('call', r.call('SET', 'c1', 'v1'));
  await check('callBuffer', r.callBuffer('GET', 'c1'));
  await check('callback form', new Promise((resolve) => r.get('c1', (err, v) => resolve([err, v]))));
  await check('callback error', new Promise((resolve) => r.lpush('c1', 'x', (err, v) => resolve([err, v]))));
  if (Command) {
    await check('sendCommand', () => {
      const c = new Command('get', ['c1'], { replyEncoding: 'utf8' });
      return r.sendCommand(c).then(() => c.promise);
    });
  }

  // Hashes.
  await check('hset object', r.hset('h', { f1: 'a', f2: 2 }));
  await check('hset Map', r.hset('h', new Map([['f3', 'c']])));
  await check('hset pairs', r.hset('h', 'f4', 'd', 'f5', 'e'));
  await check('hmset object', r.hmset('h2', { x: 1 }));
  await check('hgetall', r.hgetall('h'));
  await check('hgetall missing', r.hgetall('nohash'));
  await check('hgetall __proto__', r.hset('hp', '__proto__', 'p', 'constructor', 'c').then(() => r.hgetall('hp')));
  await check('hgetallBuffer', r.hgetallBuffer('h2'));
  await check('hmget', r.hmget('h', 'f1', 'nope', 'f2'));
  await check('hmget array', r.hmget('h', ['f1', 'f3']));
  await check('hincrby', r.hincrby('h', 'f2', 5));
  await check('hkeys', r.hkeys('h'));

  // Lists, sets, sorted sets, streams.
  await check('rpush flattened', r.rpush('l', ['a', 'b'], 'c', [1, 2]));
  await check('lrange', r.lrange('l', 0, -1));
  await check('lpop count', r.lpop('l', 2));
  await check('sadd', r.sadd('set', ['x', 'y', 'z', 'x']));
  await check('smembers', r.smembers('set').then((m) => m.sort()));
  await check('sismember', r.sismember('set', 'y'));
  await check('zadd', r.zadd('z', 1, 'one', 2.5, 'two', 3, 'three'));
  await check('zrange withscores', r.zrange('z', 0, -1, 'WITHSCORES'));
  await check('zscore', r.zscore('z', 'two'));
  await check('zincrby', r.zincrby('z', 0.25, 'two'));
  await check('zrangebyscore limit', r.zrangebyscore('z', '-inf', '+inf', 'LIMIT', 1, 1));
  await check('xadd', r.xadd('st', '1-1', 'a', '1', 'b', '2'));
  await check('xadd 2', r.xadd('st', '2-1', 'c', '3'));
  await check('xrange', r.xrange('st', '-', '+'));
  await check('xread', r.xread('COUNT', 1, 'STREAMS', 'st', '0'));
  await check('xlen', r.xlen('st'));

  // Blocking commands.
  const b = r.duplicate();
  const served = b.blpop('queue', 0);
  await sleep(20);
  await check('rpush wakes blpop', r.rpush('queue', 'job'));
  await check('blpop served', served);
  await check('brpop times out', b.brpop('empty', 0.1));
  await check('bzpopmin served at once', r.zadd('bz', 1, 'm').then(() => b.bzpopmin('bz', 1)));
  b.disconnect();

  // Pipelines and transactions.
  await check('pipeline', r.pipeline().set('p1', 'a').get('p1').incr('p1').lpush('p1', 'x').hgetall('h2').exec());
  await check('pipeline from array', r.pipeline([['set', 'p2', '1'], ['incrby', 'p2', 10], ['get', 'p2']]).exec());
  await check('pipeline length', r.pipeline().get('a').get('b').length);
  await check('empty pipeline', r.pipeline().exec());
  await check('pipeline callbacks', new Promise((resolve) => {
    const got = [];
    r.pipeline().get('p2', (e, v) => got.push(['get', e, v])).incr('p1', (e, v) => got.push(['incr', e?.message, v])).exec(() => resolve(got));
  }));
  await check('pipeline buffers', r.pipeline().getBuffer('p2').get('p2').exec());
  await check('multi', r.multi().set('t1', 'a').get('t1').hgetall('h2').exec());
  await check('multi runtime error', r.multi().set('t2', 'a').incr('t2').get('t2').exec());
  await check('multi EXECABORT', () =>
    r.multi().set('t3', 'a').get().get('t3').exec().catch((e) => [e, (e.previousErrors ?? []).map((x) => x.message)]));
  await check('multi from array', r.multi([['incr', 't4'], ['incr', 't4']]).exec());
  await check('multi pipeline:false', async () => {
    const m = await r.multi({ pipeline: false });
    const q1 = await r.set('t5', 'x');
    const q2 = await r.get('t5');
    const res = await r.exec();
    return [m, q1, q2, res];
  });
  await check('watch conflict', async () => {
    const w = r.duplicate();
    await w.watch('wk');
    await r.set('wk', 'changed');
    const res = await w.multi().set('wk', 'mine').exec();
    const v = await r.get('wk');
    w.disconnect();
    return [res, v];
  });
  await check('exec twice', async () => {
    const p = r.pipeline().get('a');
    await p.exec();
    return p.exec();
  });

  // Scripts.
  r.defineCommand('addTwo', { numberOfKeys: 1, lua: "return redis.call('INCRBY', KEYS[1], 2) + tonumber(ARGV[1] or 0)" });
  r.defineCommand('echoKeys', { lua: 'return {KEYS[1], ARGV[1]}' });
  await check('defineCommand', r.addTwo('sc', 10));
  await check('defineCommand again', r.addTwo('sc', 0));
  await check('defineCommand numkeys from the caller', r.echoKeys(1, 'k1', 'a1'));
  await check('defineCommand Buffer', r.echoKeysBuffer(1, 'k1', 'a1'));
  await check('script flush', r.script('FLUSH'));
  await check('defineCommand after flush', r.addTwo('sc', 0));
  await check('defineCommand in pipeline', r.script('FLUSH').then(() => r.pipeline().addTwo('sc', 1).echoKeys(1, 'x', 'y').exec()));
  await check('defineCommand in multi', r.script('FLUSH').then(() => r.multi().addTwo('sc', 1).get('sc').exec()));
  await check('script error', r.eval('return redis.call("nosuch")', 0));
  await check('eval', r.eval('return {1, "two", {3}}', 0));
  await check('evalsha NOSCRIPT', r.evalsha('0000000000000000000000000000000000000000', 0));
  await check('duplicate keeps scripts', async () => {
    const d = r.duplicate();
    try {
      return await d.addTwo('sc', 0);
    } finally {
      d.disconnect();
    }
  });

  // Scan streams.
  await r.mset(Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`scan:${i}`, i])));
  const collect = (stream) =>
    new Promise((resolve, reject) => {
      const got = [];
      stream.on('data', (batch) => got.push(...batch));
      stream.on('end', () => resolve(got));
      stream.on('error', reject);
    });
  await check('scanStream', collect(r.scanStream({ match: 'scan:*', count: 7 })).then((k) => k.sort()));
  await r.hset('bigh', Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`f${i}`, i])));
  await check('hscanStream', collect(r.hscanStream('bigh', { count: 5 })).then((k) => k.length));
  await r.sadd('bigs', Array.from({ length: 30 }, (_, i) => `m${i}`));
  await check('sscanStream', collect(r.sscanStream('bigs', { match: 'm1*' })).then((k) => k.sort()));
  await r.zadd('bigz', ...Array.from({ length: 20 }, (_, i) => [i, `z${i}`]).flat());
  await check('zscanStream', collect(r.zscanStream('bigz')).then((k) => k.length));

  // Pub/sub.
  const sub = r.duplicate();
  const msgs = [];
  sub.on('message', (ch, m) => msgs.push(['message', ch, m]));
  sub.on('messageBuffer', (ch, m) => msgs.push(['messageBuffer', norm(ch), norm(m)]));
  sub.on('pmessage', (p, ch, m) => msgs.push(['pmessage', p, ch, m]));
  await check('subscribe', sub.subscribe('news', 'sport'));
  await check('psubscribe', sub.psubscribe('n*'));
  await check('subscriber mode refuses GET', sub.get('a'));
  await check('subscriber mode allows PING', sub.ping());
  // A subscribed connection speaks RESP3 (ioredis 6's protocol 3): replies keep RESP2's shapes.
  await r.zadd('sz', 1.5, 'a', 0.1, 'b', 3, 'c');
  await r.hset('sh', 'f', 'v');
  await r.xadd('sx', '1-1', 'k', 'v');
  await check('subscribed zscore', sub.zscore('sz', 'b'));
  await check('subscribed zscoreBuffer', sub.zscoreBuffer('sz', 'a'));
  await check('subscribed zincrby', sub.zincrby('sz', 1, 'c'));
  await check('subscribed zrange withscores', sub.zrange('sz', 0, -1, 'WITHSCORES'));
  await check('subscribed zpopmin 2', sub.zpopmin('sz', 2));
  await check('subscribed zmscore', sub.zmscore('sz', 'c', 'nope'));
  await check('subscribed hrandfield withvalues', sub.hrandfield('sh', 1, 'WITHVALUES'));
  await check('subscribed hgetall', sub.hgetall('sh'));
  await check('subscribed xread', sub.xread('STREAMS', 'sx', '0'));
  await check('subscribed pipeline', sub.pipeline().zscore('sz', 'c').zrange('sz', 0, -1, 'WITHSCORES').exec());
  await check('publish', r.publish('news', 'hello'));
  await until(() => msgs.length >= 3);
  await check('publish sport', r.publish('sport', 'goal'));
  await until(() => msgs.length >= 5);
  out.push(['messages', msgs.sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)))]);
  await check('unsubscribe one', sub.unsubscribe('news'));
  await check('punsubscribe all', sub.punsubscribe());
  await check('unsubscribe all', sub.unsubscribe());
  await check('commands after unsubscribing', sub.set('after', 'sub').then(() => sub.get('after')));
  sub.disconnect();

  // MONITOR: a new connection in monitoring mode; 'monitor' events (their times and client
  // addresses differ between servers: only their types are compared).
  const mon = await r.monitor();
  const seen = [];
  mon.on('monitor', (time, args, source, database) => seen.push([args, database, typeof time, typeof source]));
  out.push(['monitor status', mon.status]);
  await check('monitoring mode refuses GET', mon.get('a'));
  await check('monitoring mode refuses a pipeline', mon.pipeline().get('a').exec());
  await r.set('mon', 'x "quoted"');
  await r.eval("return redis.call('get', KEYS[1])", 1, 'mon');
  await until(() => seen.length >= 3);
  out.push(['monitor events', seen]);
  mon.disconnect();

  // Options: keyPrefix, db, connectionName, lazyConnect, enableOfflineQueue.
  const pre = new Redis(opts({ keyPrefix: 'app:' }));
  await check('keyPrefix set', pre.set('k', 'v'));
  await check('keyPrefix seen by a plain client', r.get('app:k'));
  await check('keyPrefix mget', pre.mset('k2', 'x').then(() => pre.mget('k', 'k2')));
  await check('keyPrefix hgetall', pre.hset('hh', 'a', 1).then(() => r.hgetall('app:hh')));
  await check('keyPrefix keys not rewritten in replies', pre.keys('app:*').then((k) => k.sort()));
  await check('keyPrefix eval keys', pre.eval('return KEYS[1]', 1, 'e'));
  pre.disconnect();
  const db1 = new Redis(opts({ db: 1, connectionName: 'compat-client' }));
  await check('db option', db1.set('s', 'in-db1').then(() => Promise.all([db1.get('s'), r.get('s')])));
  await check('connectionName', db1.client('GETNAME'));
  await check('flushdb 1', db1.flushdb());
  db1.disconnect();
  const lazy = new Redis(opts({ lazyConnect: true }));
  const lazyEvents = [];
  for (const ev of ['connect', 'ready', 'close', 'end']) lazy.on(ev, () => lazyEvents.push(ev));
  out.push(['lazyConnect status', lazy.status]);
  await check('lazyConnect connect()', lazy.connect());
  out.push(['lazyConnect status after connect', lazy.status]);
  await check('connect() when connected', lazy.connect());
  await check('lazy get', lazy.get('s'));
  await check('quit', lazy.quit());
  await until(() => lazyEvents.includes('end'));
  out.push(['lazy events', lazyEvents]);
  out.push(['status after quit', lazy.status]);
  await check('command after quit', lazy.get('s'));
  await check('pipeline after quit', lazy.pipeline().get('s').exec());
  const lazy2 = new Redis(opts({ lazyConnect: true }));
  await check('lazyConnect connects on the first command', lazy2.get('s'));
  out.push(['lazy2 status', lazy2.status]);
  lazy2.disconnect();
  await until(() => lazy2.status === 'end');
  await check('command after disconnect', lazy2.get('s'));
  const offline = new Redis(opts({ enableOfflineQueue: false }));
  await check('enableOfflineQueue false before ready', offline.get('s'));
  await new Promise((resolve) => (offline.status === 'ready' ? resolve() : offline.once('ready', resolve)));
  await check('enableOfflineQueue false when ready', offline.get('s'));
  offline.disconnect();
  const auto = new Redis(opts({ enableAutoPipelining: true }));
  await new Promise((resolve) => auto.once('ready', resolve));
  await check('autopipelining', Promise.all([auto.set('ap', 1), auto.incr('ap'), auto.get('ap'), auto.get('missing'), auto.lpush('ap', 'x')].map(settle)));
  auto.disconnect();

  await check('quit main', r.quit());
  return out;
}
