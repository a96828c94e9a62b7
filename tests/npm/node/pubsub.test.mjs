// Pub/sub, keyspace events and transactions through the package API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cinder, ReplyError } from 'cinderkv';

test('subscribe: listeners get messages published by any connection; unsubscribe stops them', () => {
  const db = Cinder.createSync();
  const got = [];
  const off = db.subscribe(['news', 'sport'], (message, channel) => got.push([channel, message]));
  const also = [];
  const offAlso = db.subscribe('news', (m) => also.push(m));
  assert.equal(db.publish('news', 'hello'), 1, 'one engine subscriber however many listeners');
  const other = db.connection();
  assert.equal(other.publish('sport', 'goal'), 1);
  assert.equal(db.publish('weather', 'rain'), 0);
  assert.deepEqual(got, [['news', 'hello'], ['sport', 'goal']]);
  assert.deepEqual(also, ['hello']);
  off();
  off();
  assert.equal(db.publish('sport', 'x'), 0, 'the last listener of a channel unsubscribes it');
  assert.equal(db.publish('news', 'y'), 1);
  assert.deepEqual(also, ['hello', 'y']);
  offAlso();
  assert.deepEqual(db.pubsubNumsub('news'), ['news', 0]);
  assert.deepEqual(got.length, 2);
  db.close();
});

test('psubscribe: glob patterns like KEYS', () => {
  const db = Cinder.createSync();
  const got = [];
  const off = db.psubscribe('user:*', (message, channel, pattern) => got.push([pattern, channel, message]));
  db.publish('user:1', 'a');
  db.publish('order:1', 'b');
  assert.deepEqual(got, [['user:*', 'user:1', 'a']]);
  assert.equal(db.pubsubNumpat(), 1);
  off();
  assert.equal(db.pubsubNumpat(), 0);
  db.close();
});

test('a listener may run commands, publish included', () => {
  const db = Cinder.createSync();
  db.subscribe('jobs', (m) => {
    db.rpush('done', m);
    if (m === 'j1') db.publish('jobs', 'j2');
  });
  db.publish('jobs', 'j1');
  assert.deepEqual(db.lrange('done', 0, -1), ['j1', 'j2']);
  db.close();
});

test('onKeyspaceEvent: key changes, expiry (manual clock) and other databases', () => {
  const db = Cinder.createSync({ clock: 'manual', time: 1_000_000 });
  const events = [];
  const off = db.onKeyspaceEvent('user:*', (event, key, n) => events.push(`${n}:${event}:${key}`));
  db.set('user:1', 'ann', { PX: 50 });
  db.call('HSET', 'user:2', 'name', 'bob');
  db.set('other', 'x');
  db.del('user:2');
  db.advanceTime(100);
  assert.deepEqual(events, ['0:set:user:1', '0:expire:user:1', '0:hset:user:2', '0:del:user:2', '0:expired:user:1']);
  const in3 = [];
  const off3 = db.onKeyspaceEvent('*', (event, key, n) => in3.push(`${n}:${event}:${key}`), { db: 3 });
  const c = db.connection();
  c.select(3);
  c.lpush('l', 'a');
  assert.deepEqual(in3, ['3:lpush:l']);
  off();
  off3();
  db.set('user:3', 'x');
  assert.equal(events.length, 5);
  db.close();
});

test('onKeyspaceEvent with the real clock: active expiry is delivered without further calls', async () => {
  const db = Cinder.createSync({ config: { hz: 100 } });
  const expired = new Promise((resolve) => db.onKeyspaceEvent('tmp', (event) => event === 'expired' && resolve(event)));
  db.set('tmp', '1', { PX: 20 });
  // The engine's poll timer does not keep Node alive by itself.
  const alive = setTimeout(() => {}, 5000);
  assert.equal(await expired, 'expired');
  clearTimeout(alive);
  db.close();
});

test('multi: queued commands run atomically, runtime errors are elements', () => {
  const db = Cinder.createSync();
  const r = db.multi().call('SET', 'n', '1').call('INCR', 'n').call('LPUSH', 'n', 'x').call('GET', 'n').exec();
  assert.equal(r.length, 4);
  assert.deepEqual([r[0], r[1], r[3]], ['OK', 2, '2']);
  assert.ok(r[2] instanceof ReplyError && /WRONGTYPE/.test(r[2].message));
  assert.throws(
    () => db.multi().call('SET', 'a', '1').call('NOSUCHCOMMAND').exec(),
    (e) => e instanceof ReplyError && /^EXECABORT/.test(e.message),
  );
  assert.equal(db.exists('a'), 0);
  assert.deepEqual(db.multi().exec(), []);
  // Blocking commands do not block inside a transaction.
  assert.deepEqual(db.multi().call('BLPOP', 'empty', 0).exec(), [null]);
  db.close();
});

test('watch: another connection changing a watched key makes exec return null', () => {
  const db = Cinder.createSync();
  const other = db.connection();
  db.set('balance', '10');
  assert.equal(db.watch('balance'), 'OK');
  other.incrby('balance', 5);
  assert.equal(db.multi().call('DECRBY', 'balance', 3).exec(), null);
  assert.equal(db.get('balance'), '15');
  db.watch('balance');
  assert.deepEqual(db.multi().call('DECRBY', 'balance', 3).exec(), [12]);
  db.watch('balance');
  db.unwatch();
  other.set('balance', '0');
  assert.deepEqual(db.multi().call('GET', 'balance').exec(), ['0']);
  db.close();
});
