// The package API in Node: values, errors, connections, clocks, options, typed methods.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cinder, CinderError, ReplyError } from 'cinderkv';

const enc = new TextEncoder();
const dec = new TextDecoder();
const manual = (o = {}) => Cinder.createSync({ clock: 'manual', seed: 1, ...o });

test('call returns strings, numbers, null and arrays like RESP2 clients', () => {
  const db = manual();
  assert.equal(db.call('SET', 'k', 'v'), 'OK');
  assert.equal(db.call('GET', 'k'), 'v');
  assert.equal(db.call('GET', 'nope'), null);
  assert.equal(db.call('APPEND', 'k', 'w'), 2);
  assert.deepEqual(db.call('MGET', 'k', 'nope'), ['vw', null]);
  assert.equal(db.call('INCRBYFLOAT', 'f', '1.5'), '1.5');
  assert.equal(db.call('ping'), 'PONG');
});

test('integers beyond 2^53 come back as bigint, others as number', () => {
  const db = manual();
  assert.equal(db.call('SET', 'n', '9007199254740991'), 'OK');
  assert.equal(db.call('INCR', 'n'), 9007199254740992n);
  assert.equal(db.call('DECRBY', 'n', 1n), 9007199254740991);
  assert.equal(db.call('SET', 'm', '-9223372036854775808'), 'OK');
  assert.equal(db.call('INCRBY', 'm', 0), -9223372036854775808n);
});

test('reply fast paths: every short length, non-ASCII text, integer widths, empty and nil', () => {
  const db = manual();
  for (let n = 0; n <= 40; n++) {
    const ascii = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH'.slice(0, n);
    assert.equal(db.call('SET', 'a', ascii), 'OK');
    assert.equal(db.call('GET', 'a'), ascii);
    assert.equal(db.hset('h', ['f', ascii]), n === 0 ? 1 : 0);
    assert.equal(db.call('HGET', 'h', 'f'), ascii);
    const mixed = [...'é€😀x'.repeat(10)].slice(0, n).join('');
    db.call('SET', 'u', mixed);
    assert.equal(db.call('GET', 'u'), mixed);
  }
  db.call('SET', 'bin', new Uint8Array([0x68, 0xff, 0x69]));
  assert.equal(db.call('GET', 'bin'), 'h\ufffdi');
  assert.equal(db.call('GET', 'nope'), null);
  assert.equal(db.call('HGET', 'h', 'nope'), null);
  for (const n of [0, 7, -7, 99999999999999, -99999999999999, 999999999999999, -999999999999999, 2 ** 53 - 1, -(2 ** 53 - 1)]) {
    db.call('SET', 'n', String(n));
    assert.equal(db.call('INCRBY', 'n', 0), n);
  }
  assert.equal(db.call('ECHO', 'x'.repeat(200)), 'x'.repeat(200));
  assert.equal(db.call('PING'), 'PONG');
  assert.equal(db.call('CLIENT', 'REPLY', 'OFF'), undefined);
  assert.equal(db.call('GET', 'a'), undefined);
});

test('error replies throw ReplyError with Redis text and code', () => {
  const db = manual();
  db.set('s', 'x');
  assert.throws(() => db.incr('s'), (e) => e instanceof ReplyError && e.message === 'ERR value is not an integer or out of range' && e.code === 'ERR');
  db.call('SET', 'k', 'v');
  assert.throws(() => db.call('NOSUCH', 'a'), { name: 'ReplyError', message: "ERR unknown command 'NOSUCH', with args beginning with: 'a' " });
  assert.throws(() => db.call('GET'), { message: "ERR wrong number of arguments for 'get' command" });
});

test('RESP3 after HELLO 3: maps, nulls, doubles; per connection', () => {
  const db = manual();
  const c = db.connection();
  const hello = c.hello(3);
  assert.ok(hello instanceof Map);
  assert.equal(hello.get('proto'), 3);
  assert.equal(hello.get('id'), 2);
  const cfg = c.configGet('maxmemory');
  assert.ok(cfg instanceof Map);
  assert.equal(cfg.get('maxmemory'), '0');
  assert.deepEqual(db.configGet('maxmemory'), ['maxmemory', '0']);
  assert.equal(c.get('nope'), null);
  const docs = c.commandDocs('get');
  assert.equal(docs.get('get').get('since'), '1.0.0');
});

test('callBuffer and Uint8Array arguments are binary-safe', () => {
  const db = manual();
  const key = new Uint8Array([0, 255, 10, 13]);
  const val = new Uint8Array([0xc3, 0x28, 0, 1, 2, 0xff]);
  assert.equal(db.callBuffer('SET', key, val), 'OK');
  assert.deepEqual(db.callBuffer('GET', key), val);
  assert.equal(db.strlen(key), 6);
  assert.deepEqual(db.callBuffer('MGET', key, 'none'), [val, null]);
  // Text round-trips as UTF-8.
  db.set('ü', '✓ 🎉 ok');
  assert.equal(db.get('ü'), '✓ 🎉 ok');
  assert.equal(db.strlen('ü'), enc.encode('✓ 🎉 ok').length);
  const long = 'é'.repeat(1000) + 'x'.repeat(100000);
  db.set('long', long);
  assert.equal(db.get('long'), long);
});

test('argument types: numbers, bigints; bad ones throw CinderError', () => {
  const db = manual();
  db.set('n', 5);
  assert.equal(db.incrby('n', 10n), 15);
  assert.equal(db.call('INCRBYFLOAT', 'f', 0.25), '0.25');
  assert.throws(() => db.call('INCRBYFLOAT', 'f', Infinity), { message: 'ERR increment would produce NaN or Infinity' });
  assert.equal(db.call('ECHO', -0.5), '-0.5');
  assert.equal(db.call('ECHO', 2n ** 64n), '18446744073709551616');
  assert.equal(db.call('ECHO', new Uint16Array([0x6968])), 'hi');
});

test('bad argument types throw CinderError before reaching the engine', () => {
  const db = manual();
  assert.throws(() => db.call('SET', 'k', undefined), (e) => e instanceof CinderError && /argument 3 is undefined/.test(e.message));
  assert.throws(() => db.call('SET', null, 'v'), CinderError);
  assert.throws(() => db.call('SET', 'k', {}), CinderError);
  assert.equal(db.get('k'), null);
});

test('exec parses redis-cli lines; blank lines do nothing', () => {
  const db = manual();
  assert.equal(db.exec('SET greeting "hello world"'), 'OK');
  assert.equal(db.exec("GET 'greeting'"), 'hello world');
  assert.equal(db.exec('SET bin "\\x00\\xff\\n"'), 'OK');
  assert.equal(db.exec('STRLEN bin'), 3);
  assert.equal(db.exec('   '), undefined);
  assert.throws(() => db.exec('GET "open'), { message: 'ERR Protocol error: unbalanced quotes in request' });
});

test('resp speaks raw RESP, pipelines, and keeps a partial command for the next call', () => {
  const db = manual();
  assert.equal(dec.decode(db.resp('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\nPING\r\n*2\r\n$3\r\nGET')), '+OK\r\n+PONG\r\n');
  assert.equal(dec.decode(db.resp(enc.encode('\r\n$1\r\nk\r\n'))), '$1\r\nv\r\n');
  assert.equal(dec.decode(db.resp('*1\r\n$x\r\n')), "-ERR Protocol error: invalid bulk length\r\n");
  assert.equal(dec.decode(db.resp('PING\r\n')), '+PONG\r\n');
});

test('connections have their own database, name and protocol', () => {
  const db = manual();
  const a = db.connection();
  assert.equal(a.select(3), 'OK');
  a.set('k', 'in 3');
  assert.equal(db.get('k'), null);
  assert.equal(a.get('k'), 'in 3');
  a.clientSetname('worker');
  assert.equal(a.clientGetname(), 'worker');
  assert.equal(db.clientGetname(), null);
  assert.equal(db.clientId(), 1);
  assert.equal(a.clientId(), 2);
});

test('QUIT and CLIENT KILL close a connection; others keep working', () => {
  const db = manual();
  const a = db.connection();
  assert.equal(a.quit(), 'OK');
  assert.equal(a.isOpen, false);
  assert.throws(() => a.ping(), (e) => e instanceof CinderError && /connection is closed/.test(e.message));
  const b = db.connection();
  assert.equal(db.call('CLIENT', 'KILL', 'ID', String(b.clientId())), 1);
  assert.throws(() => b.ping(), CinderError);
  const c = db.connection();
  c.close();
  assert.throws(() => c.ping(), CinderError);
  assert.equal(db.ping(), 'PONG');
});

test('SHUTDOWN stops the instance', () => {
  const db = manual();
  const a = db.connection();
  assert.equal(db.shutdown({ NOSAVE: true }), undefined);
  assert.throws(() => db.ping(), { message: /shut down/ });
  assert.throws(() => a.ping(), { message: /shut down/ });
});

test('close() frees the instance', () => {
  const db = manual();
  db.close();
  assert.throws(() => db.ping(), { message: /closed/ });
  db.close();
});

test('manual clock: keys expire exactly when time is moved', () => {
  const db = manual({ time: 1_700_000_000_000 });
  assert.equal(db.currentTime, 1_700_000_000_000);
  db.set('k', 'v', { PX: 1500 });
  db.advanceTime(1499);
  assert.equal(db.pttl('k'), 1);
  db.advanceTime(1);
  assert.equal(db.get('k'), null);
  db.set('at', 'v', { EXAT: 1_700_000_010 });
  assert.equal(db.ttl('at'), 9);
  db.setTime(1_700_000_010_000);
  assert.equal(db.exists('at'), 0);
  assert.deepEqual(db.time(), ['1700000010', '0']);
  db.setTime(1_000);
  assert.equal(db.currentTime, 1_000);
});

test('manual clock: advanceTime runs active expiry like a server would', () => {
  const db = manual();
  for (let i = 0; i < 200; i++) db.set(`k${i}`, 'v', { PX: 100 + i });
  db.set('stays', 'v');
  assert.equal(db.dbsize(), 201);
  db.advanceTime(5000);
  // DBSIZE does not touch keys: only the background cycle can have removed them.
  assert.equal(db.dbsize(), 1);
  assert.match(db.info('stats'), /expired_keys:200/);
});

test('manual clock: DEBUG SLEEP moves it', () => {
  const db = manual({ config: { 'enable-debug-command': 'yes' } });
  const t = db.currentTime;
  db.debug('SLEEP', '2.5');
  assert.equal(db.currentTime, t + 2500);
});

test('real clock: time comes from Date.now(), moving it is refused', () => {
  const db = Cinder.createSync();
  const [s] = db.time();
  assert.ok(Math.abs(Number(s) - Date.now() / 1000) < 5);
  assert.throws(() => db.advanceTime(10), (e) => e instanceof CinderError && /clock is real/.test(e.message));
  assert.throws(() => manual().advanceTime(-1), CinderError);
});

test('seed: same seed, same random choices; different seeds differ', () => {
  const run = (seed) => {
    const db = Cinder.createSync({ clock: 'manual', time: 0, seed });
    for (let i = 0; i < 100; i++) db.set(`key:${i}`, i);
    return Array.from({ length: 20 }, () => db.randomkey()).join(',');
  };
  assert.equal(run(42), run(42));
  assert.equal(run(42n), run(42));
  assert.notEqual(run(1), run(2));
});

test('options: maxmemory, maxmemoryPolicy and any CONFIG parameter at creation', () => {
  const db = Cinder.createSync({ maxmemory: '10mb', maxmemoryPolicy: 'allkeys-lru', config: { hz: 50, databases: 4, 'lazyfree-lazy-user-del': true } });
  assert.deepEqual(db.configGet('maxmemory'), ['maxmemory', String(10 * 1024 * 1024)]);
  assert.deepEqual(db.configGet('maxmemory-policy'), ['maxmemory-policy', 'allkeys-lru']);
  assert.deepEqual(db.configGet('hz'), ['hz', '50']);
  assert.deepEqual(db.configGet('lazyfree-lazy-user-del'), ['lazyfree-lazy-user-del', 'yes']);
  assert.throws(() => db.select(4), { message: 'ERR DB index is out of range' });
  assert.throws(() => Cinder.createSync({ maxmemory: 'lots' }), (e) => e instanceof CinderError && /maxmemory.*memory value/.test(e.message));
  assert.throws(() => Cinder.createSync({ config: { nosuch: 1 } }), /unknown CONFIG parameter 'nosuch'/);
  assert.throws(() => Cinder.createSync({ clock: 'sundial' }), CinderError);
});

test('typed methods build the argument lists from the command table', () => {
  const db = manual();
  assert.equal(db.set('k', 'v', { NX: true, EX: 60 }), 'OK');
  assert.equal(db.set('k', 'w', { NX: true }), null);
  assert.equal(db.ttl('k'), 60);
  assert.equal(db.set('k', 'x', { XX: true, GET: true, KEEPTTL: true }), 'v');
  assert.equal(db.ttl('k'), 60);
  assert.equal(db.mset(['a', '1'], ['b', '2']), 'OK');
  assert.deepEqual(db.mget('a', 'b', 'c'), ['1', '2', null]);
  assert.equal(db.del('a', 'b', 'c'), 2);
  assert.equal(db.expire('k', 100, { GT: true }), 1);
  assert.equal(db.getex('k', { PERSIST: true }), 'x');
  assert.equal(db.ttl('k'), -1);
  assert.deepEqual(db.scan(0, { MATCH: 'k*', COUNT: 10 }), ['0', ['k']]);
  assert.equal(db.copy('k', 'k2', { DB: 1, REPLACE: true }), 1);
  db.set('l1', 'ohmytext');
  db.set('l2', 'mynewtext');
  assert.equal(db.lcs('l1', 'l2', { LEN: true }), 6);
  assert.deepEqual(db.configSet(['maxmemory', '1mb'], ['hz', '20']), 'OK');
  assert.equal(db.objectEncoding('k'), 'embstr');
  assert.equal(db.clientReply('ON'), 'OK');
  assert.equal(db.ping('hi'), 'hi');
  assert.equal(typeof db.info(), 'string');
  const h = db.connection().hello(3, { SETNAME: 'typed' });
  assert.equal(h.get('proto'), 3);
});

test('CLIENT REPLY OFF: calls return undefined until ON', () => {
  const db = manual();
  assert.equal(db.clientReply('OFF'), undefined);
  assert.equal(db.set('k', 'v'), undefined);
  assert.equal(db.clientReply('ON'), 'OK');
  assert.equal(db.get('k'), 'v');
});

test('large values and many arguments cross the boundary intact', () => {
  const db = manual();
  const big = new Uint8Array(3 * 1024 * 1024).map((_, i) => i * 7);
  db.callBuffer('SET', 'big', big);
  assert.deepEqual(db.callBuffer('GET', 'big'), big);
  const args = [];
  for (let i = 0; i < 20000; i++) args.push([`k${i}`, `v${i}`]);
  assert.equal(db.mset(...args), 'OK');
  assert.equal(db.dbsize(), 20001);
  const keys = args.map(([k]) => k);
  assert.equal(db.mget(...keys).at(-1), 'v19999');
});

test('argument writing: non-ASCII, long and mixed arguments; memory grown by another instance', () => {
  const a = manual();
  const b = manual();
  assert.equal(b.call('SET', 'k', 'v'), 'OK');
  // One pass for strings and finite numbers; the rest (and what may not fit) takes the general path.
  assert.equal(a.call('ECHO', 'héllo wörld ✓ 😀'), 'héllo wörld ✓ 😀');
  assert.equal(a.call('ECHO', `${'x'.repeat(70)}é${'y'.repeat(10)}`), `${'x'.repeat(70)}é${'y'.repeat(10)}`);
  assert.equal(a.call('ECHO', `ab${'é'.repeat(40)}`), `ab${'é'.repeat(40)}`);
  assert.equal(a.call('ECHO', 1e21), '1e+21');
  assert.equal(a.call('ECHO', -Infinity), '-inf');
  assert.equal(a.call('ECHO', 'é'.repeat(200_000)), 'é'.repeat(200_000));
  assert.equal(a.call('SET', 's', 'x'.repeat(300)), 'OK');
  assert.equal(a.call('STRLEN', 's'), 300);
  // A grows wasm memory (shared by every instance): B's views must follow.
  a.callBuffer('SET', 'big', new Uint8Array(8 * 1024 * 1024));
  assert.equal(b.call('GET', 'k'), 'v');
  assert.equal(b.get('k'), 'v');
  b.connection().call('SET', 'k2', 'w');
  assert.equal(b.set('k3', 'z'), 'OK');
  assert.equal(b.call('GET', 'k2'), 'w');
});
