// db.batch / db.pipeline(): many commands in one crossing into the engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cinder, CinderError, ReplyError } from '../../../dist/node.js';

test('batch returns one reply per command, errors as values', () => {
  const db = Cinder.createSync();
  const r = db.batch([['SET', 'k', 'v'], ['GET', 'k'], ['INCR', 'k'], ['NOPE', 'x'], ['RPUSH', 'l', 'a', 'b'], ['LRANGE', 'l', 0, -1], ['GET', 'missing']]);
  assert.equal(r[0], 'OK');
  assert.equal(r[1], 'v');
  assert.ok(r[2] instanceof ReplyError);
  assert.equal(r[2].message, 'ERR value is not an integer or out of range');
  assert.equal(r[3].message, "ERR unknown command 'NOPE', with args beginning with: 'x' ");
  assert.deepEqual(r.slice(4), [2, ['a', 'b'], null]);
  db.close();
});

test('batch: MULTI/EXEC inside, numbers, bigints, binary and long arguments', () => {
  const db = Cinder.createSync();
  const long = 'x'.repeat(100_000);
  const bin = new Uint8Array([0, 255, 13, 10]);
  const r = db.batch([['MULTI'], ['INCRBY', 'n', 5], ['INCRBY', 'n', 10n], ['EXEC'], ['SET', 'long', long], ['STRLEN', 'long'], ['SET', 'bin', bin], ['STRLEN', 'bin'], ['ZADD', 'z', Infinity, 'top']]);
  assert.deepEqual(r, ['OK', 'QUEUED', 'QUEUED', [5, 15], 'OK', 100_000, 'OK', 4, 1]);
  assert.deepEqual(db.callBuffer('GET', 'bin'), bin);
  db.close();
});

test('batch: a thousand commands, and an empty batch', () => {
  const db = Cinder.createSync();
  const cmds = Array.from({ length: 1000 }, (_, i) => ['RPUSH', 'q', `item:${i}`]);
  const r = db.batch(cmds);
  assert.equal(r.length, 1000);
  assert.equal(r[999], 1000);
  assert.deepEqual(db.batch([]), []);
  db.close();
});

test('batch refuses blocking commands and bad entries; QUIT ends it', () => {
  const db = Cinder.createSync();
  assert.throws(() => db.batch([['PING'], ['BLPOP', 'q', 0]]), CinderError);
  assert.throws(() => db.batch([[]]), CinderError);
  assert.throws(() => db.batch([['SET', 'k', {}]]), CinderError);
  const c = db.connection();
  const r = c.batch([['PING'], ['QUIT'], ['PING']]);
  assert.equal(r[0], 'PONG');
  assert.equal(r[1], 'OK');
  assert.ok(r[2] instanceof CinderError);
  assert.equal(c.isOpen, false);
  db.close();
});

test('batch delivers pushes to other connections in order', () => {
  const db = Cinder.createSync();
  const got = [];
  db.subscribe('ch', (m) => got.push(m));
  const r = db.connection().batch([['PUBLISH', 'ch', 'a'], ['PUBLISH', 'ch', 'b']]);
  assert.deepEqual(r, [1, 1]);
  assert.deepEqual(got, ['a', 'b']);
  db.close();
});

test('pipeline() builds a batch', () => {
  const db = Cinder.createSync();
  const p = db.pipeline().call('SET', 'a', '1').call('INCR', 'a').call('GET', 'a');
  assert.equal(p.length, 3);
  assert.deepEqual(p.exec(), ['OK', 2, '2']);
  assert.equal(p.length, 0);
  assert.throws(() => db.pipeline().call(), CinderError);
  db.close();
});
