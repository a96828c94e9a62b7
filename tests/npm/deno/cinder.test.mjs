// Deno tests (`deno test`), run from a project that installed the package tarball: the
// package is imported by name the way a Deno user with a package.json does, which picks
// its "deno" export condition.
import { Cinder, ReplyError, CinderError } from 'cinderkv';
import steps from './session.fixture.js';
import { runSession } from './session.mjs';

function assert(cond, msg) {
  if (!cond) throw new Error(msg ?? 'assertion failed');
}

Deno.test('shared session: replies equal real Redis 7.0.15', async () => {
  const { compared, failures } = await runSession({ Cinder, ReplyError }, steps);
  assert(failures.length === 0, JSON.stringify(failures.slice(0, 5)));
  assert(compared > 900, `compared ${compared}`);
});

Deno.test('synchronous creation', () => {
  const db = Cinder.createSync();
  assert(db.set('k', 'v') === 'OK');
  assert(db.get('k') === 'v');
});

Deno.test('the deno entry was picked', async () => {
  const url = import.meta.resolve('cinderkv');
  assert(url.endsWith('/dist/deno.js'), url);
});

Deno.test('errors and binary data', () => {
  const db = Cinder.createSync();
  let caught;
  try {
    db.call('GET');
  } catch (e) {
    caught = e;
  }
  assert(caught instanceof ReplyError && caught.message === "ERR wrong number of arguments for 'get' command");
  try {
    db.call('GET', undefined);
  } catch (e) {
    caught = e;
  }
  assert(caught instanceof CinderError);
  const v = new Uint8Array([0, 255, 10]);
  db.callBuffer('SET', 'b', v);
  assert(db.callBuffer('GET', 'b').join() === v.join());
});

Deno.test('manual clock', () => {
  const db = Cinder.createSync({ clock: 'manual', time: 5_000 });
  db.set('k', 'v', { EX: 1 });
  db.advanceTime(999);
  assert(db.exists('k') === 1);
  db.advanceTime(1);
  assert(db.exists('k') === 0);
});

Deno.test('persistence: a file path (Deno.* file calls), reopened with the same keyspace', async () => {
  const dir = await Deno.makeTempDir({ prefix: 'cinderkv-deno-' });
  try {
    const db = await Cinder.open(`${dir}/data`, { rewriteMinSize: 1024 });
    db.set('k', 'v', { EX: 1000 });
    db.rpush('l', 'a', 'b', 'c');
    db.hset('h', 'f', 'v');
    for (let i = 0; i < 200; i++) db.incr('n');
    await db.flush();
    const saved = db.save();
    db.close();
    const names = [];
    for await (const e of Deno.readDir(`${dir}/data`)) names.push(e.name);
    assert(names.includes('appendonly.aof.manifest') && names.some((n) => /^appendonly\.aof\.\d+\.base\.rdb$/.test(n)), names.join());
    const again = await Cinder.open(new URL(`file://${dir}/data`).href);
    assert(again.get('n') === '200' && again.lrange('l', 0, -1).join() === 'a,b,c' && again.ttl('k') > 990);
    again.set('more', 'x');
    await again.flush();
    again.close();
    const third = await Cinder.open(`${dir}/data`);
    assert(third.get('more') === 'x' && third.hget('h', 'f') === 'v');
    third.close();
    // save()/load() too.
    const c = await Cinder.create({ rdb: saved });
    assert(c.get('n') === '200');
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
