// Blocking commands return Promises settled by the engine's wake-ups.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cinder, CinderError, ReplyError } from 'cinderkv';

const dec = new TextDecoder();

test('BLPOP waits until another connection pushes', async () => {
  const db = Cinder.createSync();
  const worker = db.connection();
  const job = worker.blpop(['jobs'], 0);
  assert.ok(job instanceof Promise);
  assert.throws(() => worker.ping(), (e) => e instanceof CinderError && /waits for a blocking command/.test(e.message));
  assert.equal(db.rpush('jobs', 'a', 'b'), 2);
  assert.deepEqual(await job, ['jobs', 'a']);
  assert.equal(worker.llen('jobs'), 1, 'the connection runs commands again');
});

test('served at once: still a Promise, from typed methods and from call', async () => {
  const db = Cinder.createSync();
  db.rpush('q', '1', '2', '3');
  assert.deepEqual(await db.blpop(['q'], 0), ['q', '1']);
  assert.deepEqual(await db.call('BRPOP', 'q', 0), ['q', '3']);
  assert.deepEqual(await db.call('brpop', 'q', 0), ['q', '2']);
  const bin = await db.callBuffer('BLPOP', 'none', 0.01);
  assert.equal(bin, null);
});

test('errors reject the Promise', async () => {
  const db = Cinder.createSync();
  db.set('s', 'x');
  await assert.rejects(db.blpop(['s'], 0), (e) => e instanceof ReplyError && e.code === 'WRONGTYPE');
  await assert.rejects(db.call('BLPOP', 'k', 'soon'), { message: 'ERR timeout is not a float or out of range' });
  await assert.rejects(db.call('BLPOP', 'k', -1), { message: 'ERR timeout is negative' });
});

test('real clock: the timeout ends the wait with nil', async () => {
  const db = Cinder.createSync();
  const t0 = Date.now();
  assert.equal(await db.brpop(['nothing'], 0.15), null);
  const waited = Date.now() - t0;
  assert.ok(waited >= 150 && waited < 1000, `waited ${waited} ms`);
});

test('manual clock: the timeout passes when time is moved', async () => {
  const db = Cinder.createSync({ clock: 'manual', time: 1_000_000 });
  const c = db.connection();
  let settled = false;
  const p = c.blmove('src', 'dst', 'LEFT', 'RIGHT', 5).then((v) => ((settled = true), v));
  db.advanceTime(5000);
  await null;
  assert.equal(settled, false, 'not before the deadline has passed');
  db.advanceTime(1);
  assert.equal(await p, null);
});

test('BLMOVE hands the element over; FIFO among waiters', async () => {
  const db = Cinder.createSync();
  const a = db.connection();
  const b = db.connection();
  const pa = a.blmove('in', 'out', 'LEFT', 'RIGHT', 0);
  const pb = b.blpop(['in'], 0);
  db.rpush('in', 'x', 'y');
  assert.equal(await pa, 'x');
  assert.deepEqual(await pb, ['in', 'y']);
  assert.deepEqual(db.lrange('out', 0, -1), ['x']);
});

test('CLIENT UNBLOCK, close, CLIENT KILL and SHUTDOWN end waits', async () => {
  const db = Cinder.createSync();
  const a = db.connection();
  const id = a.clientId();
  const pa = a.blpop(['k'], 0);
  assert.equal(db.clientUnblock(id), 1);
  assert.equal(await pa, null);
  const b = db.connection();
  const pb = b.blpop(['k'], 0);
  b.close();
  await assert.rejects(pb, (e) => e instanceof CinderError && /closed while its blocking command waited/.test(e.message));
  const c = db.connection();
  const cid = c.clientId();
  const pc = c.brpop(['k'], 0);
  assert.equal(db.call('CLIENT', 'KILL', 'ID', cid), 1);
  await assert.rejects(pc, CinderError);
  const d = db.connection();
  const pd = d.brpop(['k'], 0);
  db.shutdown({ NOSAVE: true });
  await assert.rejects(pd, CinderError);
});

test('close() of the instance rejects what waits', async () => {
  const db = Cinder.createSync();
  const p = db.connection().blpop(['k'], 0);
  db.close();
  await assert.rejects(p, /instance was closed/);
});

test('resp(): input behind a blocked command waits; the reply leads a later resp()', () => {
  const db = Cinder.createSync();
  const c = db.connection();
  assert.equal(dec.decode(c.resp('BLPOP q 0\r\nPING\r\n')), '');
  db.lpush('q', 'job');
  assert.equal(dec.decode(c.resp('')), '*2\r\n$1\r\nq\r\n$3\r\njob\r\n+PONG\r\n');
});

test('exec() of a blocking command gives a Promise', async () => {
  const db = Cinder.createSync();
  const c = db.connection();
  const p = c.exec('BLPOP "my list" 0');
  db.exec('RPUSH "my list" hello');
  assert.deepEqual(await p, ['my list', 'hello']);
});
