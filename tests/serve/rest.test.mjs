// cinderkv/rest: the Upstash REST API, checked with @upstash/redis (the client Vercel KV
// wraps) and with plain fetch against the protocol's documented bodies and status codes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from '@upstash/redis';
import { Cinder } from '../../dist/node.js';
import { createHandler } from '../../dist/rest/index.js';
import { serveRest } from '../../dist/rest/node.js';

const TOKEN = 'test-token';
let engine;
let rest;
before(async () => {
  engine = await Cinder.create();
  rest = await serveRest({ engine, token: TOKEN });
});
after(async () => {
  await rest.close();
  engine.close();
});

const call = (path, init = {}) =>
  fetch(rest.url + path, { ...init, headers: { authorization: `Bearer ${TOKEN}`, ...(init.headers ?? {}) } }).then(async (r) => [r.status, await r.json()]);

test('@upstash/redis (base64 responses, its default): strings, hashes, sorted sets, pipelines, multi-exec', async () => {
  const redis = new Redis({ url: rest.url, token: TOKEN });
  assert.equal(await redis.set('greeting', 'héllo', { ex: 100 }), 'OK');
  assert.equal(await redis.get('greeting'), 'héllo');
  assert.ok([99, 100].includes(await redis.ttl('greeting')));
  assert.equal(await redis.incrby('n', 41), 41);
  await redis.set('obj', { a: 1, b: [1, 2] });
  assert.deepEqual(await redis.get('obj'), { a: 1, b: [1, 2] });
  assert.equal(await redis.hset('h', { name: 'ada', year: 1815 }), 2);
  assert.deepEqual(await redis.hgetall('h'), { name: 'ada', year: 1815 });
  assert.equal(await redis.zadd('z', { score: 2, member: 'b' }, { score: 1, member: 'a' }), 2);
  assert.deepEqual(await redis.zrange('z', 0, -1, { withScores: true }), ['a', 1, 'b', 2]);
  const p = redis.pipeline();
  p.incr('n');
  p.get('greeting');
  p.lpush('l', 'x', 'y');
  p.lrange('l', 0, -1);
  assert.deepEqual(await p.exec(), [42, 'héllo', 2, ['y', 'x']]);
  const m = redis.multi();
  m.set('t1', 'a');
  m.incr('t2');
  m.get('t1');
  assert.deepEqual(await m.exec(), ['OK', 1, 'a']);
  assert.equal(await redis.ping(), 'PONG');
  await assert.rejects(redis.hget('greeting', 'f'), /WRONGTYPE/);
  assert.equal(await redis.exists('nope'), 0);
  assert.equal(await redis.get('nope'), null);
});

test('@upstash/redis without base64 and with a wrong token', async () => {
  const plain = new Redis({ url: rest.url, token: TOKEN, responseEncoding: false });
  await plain.set('p', 'plain text');
  assert.equal(await plain.get('p'), 'plain text');
  const wrong = new Redis({ url: rest.url, token: 'nope', retry: false });
  await assert.rejects(wrong.get('p'), /Unauthorized/);
});

test('REST protocol: bodies and status codes as documented', async () => {
  assert.deepEqual(await call('/set/foo/bar'), [200, { result: 'OK' }]);
  assert.deepEqual(await call('/get/foo'), [200, { result: 'bar' }]);
  assert.deepEqual(await call('/set/foo2/bar/EX/100'), [200, { result: 'OK' }]);
  const [s2, t2] = await call('/ttl/foo2');
  assert.ok(s2 === 200 && (t2.result === 100 || t2.result === 99), JSON.stringify(t2));
  assert.deepEqual(await call('/set/foo3?EX=50', { method: 'POST', body: '{"json":true}' }), [200, { result: 'OK' }]);
  assert.deepEqual(await call('/get/foo3'), [200, { result: '{"json":true}' }]);
  const [s3, t3] = await call('/ttl/foo3');
  assert.ok(s3 === 200 && (t3.result === 50 || t3.result === 49), JSON.stringify(t3));
  assert.deepEqual(await call('/', { method: 'POST', body: JSON.stringify(['SET', 'k', 'v', 'EX', 100]) }), [200, { result: 'OK' }]);
  assert.deepEqual(await call('/', { method: 'POST', body: '["MGET","k","missing"]' }), [200, { result: ['v', null] }]);
  assert.deepEqual(await call('/get/k', { headers: { 'upstash-encoding': 'base64' } }), [200, { result: 'dg==' }]);
  assert.deepEqual(await call('/set/k/w', { headers: { 'upstash-encoding': 'base64' } }), [200, { result: 'OK' }]);
  assert.deepEqual(await call('/get'), [400, { error: "ERR wrong number of arguments for 'get' command" }]);
  assert.deepEqual(await call('/nosuchcmd'), [400, { error: "ERR unknown command 'nosuchcmd', with args beginning with: " }]);
  assert.deepEqual(
    await call('/pipeline', { method: 'POST', body: JSON.stringify([['SET', 'key1', 'valuex'], ['SETEX', 'key2', 13, 'valuez'], ['INCR', 'key1'], ['ZADD', 'myset', 11, 'item1', 22, 'item2']]) }),
    [200, [{ result: 'OK' }, { result: 'OK' }, { error: 'ERR value is not an integer or out of range' }, { result: 2 }]],
  );
  assert.deepEqual(
    await call('/multi-exec', { method: 'POST', body: JSON.stringify([['SET', 'key1', 'valuex'], ['INCR', 'key1'], ['GET', 'key1']]) }),
    [200, [{ result: 'OK' }, { error: 'ERR value is not an integer or out of range' }, { result: 'valuex' }]],
  );
  const [st, body] = await call('/multi-exec', { method: 'POST', body: JSON.stringify([['SET', 'a', '1'], ['NOSUCH']]) });
  assert.equal(st, 400);
  assert.match(body.error, /^EXECABORT/);
  assert.deepEqual(await call('/', { method: 'POST', body: '["SET", "k"' }), [400, { error: 'ERR failed to parse command: the request body is not valid JSON' }]);
  assert.deepEqual(await call('/pipeline', { method: 'POST', body: '[["GET", {"x":1}]]' }), [400, { error: 'ERR each command must be a non-empty array of strings and numbers' }]);
  const noAuth = await fetch(rest.url + '/get/k');
  assert.deepEqual([noAuth.status, await noAuth.json()], [401, { error: 'Unauthorized' }]);
  const viaQuery = await fetch(rest.url + `/get/k?_token=${TOKEN}`);
  assert.deepEqual([viaQuery.status, await viaQuery.json()], [200, { result: 'w' }]);
  const del = await fetch(rest.url + '/get/k', { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(del.status, 405);
  const resp2 = await fetch(rest.url + '/get/k', { headers: { authorization: `Bearer ${TOKEN}`, 'upstash-response-format': 'resp2' } });
  assert.equal(await resp2.text(), '$1\r\nw\r\n');
});

test('the handler alone: fetch-style Request in, Response out; binary values round-trip in base64', async () => {
  const db = await Cinder.create();
  const handle = createHandler({ engine: db });
  db.set('bin', new Uint8Array([0, 255, 1]));
  const r = await handle(new Request('http://x/get/bin', { headers: { 'upstash-encoding': 'base64' } }));
  assert.deepEqual(await r.json(), { result: 'AP8B' });
  const many = await handle(new Request('http://x/pipeline', { method: 'POST', body: JSON.stringify(Array.from({ length: 100 }, (_, i) => ['INCR', `c${i % 3}`])) }));
  const results = await many.json();
  assert.equal(results.length, 100);
  assert.deepEqual(results.at(-1), { result: 34 }); // c0: i = 0, 3, ..., 99
  db.close();
});

test("the README's test-double recipe, as written", async () => {
  const engine = await Cinder.create();
  const rest = await serveRest({ engine, token: 'test' }); // http://127.0.0.1:<free port>
  const redis = new Redis({ url: rest.url, token: 'test' });
  await redis.set('user:1', { name: 'Ada' });
  assert.deepEqual(await redis.get('user:1'), { name: 'Ada' });
  await rest.close();
  engine.close();
});

test('a read-only token runs reads only; RDB-seeded startRedis', async () => {
  const db = await Cinder.create();
  db.set('k', 'v');
  const handle = createHandler({ engine: db, token: 'rw', readonlyToken: 'ro' });
  const ro = (p) => handle(new Request(`http://x${p}`, { headers: { authorization: 'Bearer ro' } })).then(async (r) => [r.status, await r.json()]);
  assert.deepEqual(await ro('/get/k'), [200, { result: 'v' }]);
  assert.deepEqual(await ro('/set/k/w'), [401, { error: 'NOPERM this token can run read-only commands only' }]);
  const { startRedis } = await import('../../dist/server/index.js');
  const { engine, close } = await startRedis({ rdb: db.save() });
  assert.equal(engine.get('k'), 'v');
  await close();
  db.close();
});
