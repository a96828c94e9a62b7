// maxmemory and eviction in the wasm engine: the same accounting and policies as the server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cinder, ReplyError } from 'cinderkv';

const info = (db, field) => {
  const line = db.call('INFO').split('\r\n').find((l) => l.startsWith(field + ':'));
  return line.slice(field.length + 1);
};

const fill = (db, n) => {
  const v = 'x'.repeat(100);
  for (let i = 0; i < n; i++) db.call('SET', `key:${i}`, v);
};

test('allkeys-lru keeps memory under maxmemory by evicting', () => {
  const db = Cinder.createSync({ clock: 'manual', seed: 3, maxmemory: '1mb', maxmemoryPolicy: 'allkeys-lru' });
  fill(db, 20000);
  const keys = db.call('DBSIZE');
  assert.ok(keys < 20000 && keys > 2000, `keys left: ${keys}`);
  assert.ok(Number(info(db, 'evicted_keys')) === 20000 - keys);
  assert.ok(Number(info(db, 'used_memory')) <= 1024 * 1024 + 200);
  assert.equal(info(db, 'maxmemory_policy'), 'allkeys-lru');
  assert.equal(info(db, 'maxmemory_human'), '1.00M');
});

test('noeviction refuses writes with OOM, reads and deletes still work', () => {
  const db = Cinder.createSync({ clock: 'manual', seed: 3, maxmemory: '256kb', maxmemoryPolicy: 'noeviction' });
  assert.throws(() => fill(db, 20000), (e) => e instanceof ReplyError &&
    e.message === "OOM command not allowed when used memory > 'maxmemory'.");
  const keys = db.call('DBSIZE');
  assert.equal(db.call('GET', 'key:0'), 'x'.repeat(100));
  assert.equal(db.call('DEL', 'key:0'), 1);
  assert.equal(db.call('DBSIZE'), keys - 1);
});

test('evictions replay identically for the same seed', () => {
  const survivors = () => {
    const db = Cinder.createSync({ clock: 'manual', seed: 9, maxmemory: '512kb', maxmemoryPolicy: 'allkeys-random' });
    fill(db, 10000);
    return db.call('KEYS', '*').sort();
  };
  assert.deepEqual(survivors(), survivors());
});

test('MEMORY USAGE and OBJECT FREQ under an LFU policy', () => {
  const db = Cinder.createSync({ clock: 'manual', seed: 1, maxmemoryPolicy: 'allkeys-lfu' });
  db.call('SET', 'k', 'v'.repeat(1000));
  assert.ok(db.call('MEMORY', 'USAGE', 'k') > 1000);
  for (let i = 0; i < 10; i++) db.call('GET', 'k');
  assert.ok(db.call('OBJECT', 'FREQ', 'k') > 5);
});
