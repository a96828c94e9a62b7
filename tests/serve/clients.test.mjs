// Real clients against `npx cinderkv` (bin/cinderkv.mjs in a child process) and against
// Debian's redis-server: each runs the same workload on both; what it sees must be equal.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
import { Redis as IORedis } from 'ioredis';
import { freePort, rawClient, startRealRedis } from './helpers.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BIN = path.join(HERE, '../../bin/cinderkv.mjs');

/** `npx cinderkv --port P` as a child process: `{ port, stop }`. */
export async function startNpx(extra = []) {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, '--port', String(port), '--save', '', ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => d.toString().includes('Ready to accept') && resolve());
    child.once('exit', (code) => reject(new Error(`npx cinderkv exited with ${code}`)));
  });
  return {
    port,
    child,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

let real;
let npx;
before(async () => {
  real = await startRealRedis();
  npx = await startNpx();
});
after(async () => {
  await real?.stop();
  await npx?.stop();
});

async function flush(port) {
  const c = await rawClient(port);
  c.send('FLUSHALL\r\n');
  await c.read('+OK\r\n');
  c.close();
}

async function nodeRedisWorkload(port) {
  await flush(port);
  const c = createClient({ url: `redis://127.0.0.1:${port}` });
  c.on('error', () => {});
  await c.connect();
  const out = [];
  out.push(await c.ping());
  out.push(await c.set('s', 'v', { EX: 100 }));
  out.push(await c.get('s'), (await c.ttl('s')) >= 99, await c.incrBy('n', 5));
  out.push(await c.hSet('h', { a: '1', b: '2' }), await c.hGetAll('h'));
  out.push(await c.zAdd('z', [{ score: 1.5, value: 'x' }, { score: 2, value: 'y' }]), await c.zRangeWithScores('z', 0, -1));
  out.push(await c.rPush('l', ['a', 'b', 'c']), await c.lRange('l', 0, -1));
  out.push(await c.multi().incr('n').get('n').sAdd('set', ['m1', 'm2']).sCard('set').exec());
  out.push(await Promise.all(Array.from({ length: 50 }, (_, i) => c.incr(`p${i % 5}`))));
  try {
    await c.lPush('s', 'x');
  } catch (e) {
    out.push(e.message);
  }
  out.push(await c.eval("return redis.call('GET', KEYS[1])", { keys: ['s'] }));
  const sub = c.duplicate();
  await sub.connect();
  const got = new Promise((r) => sub.subscribe('ch', (m, ch) => r([m, ch])));
  await new Promise((r) => setTimeout(r, 50));
  out.push(await c.publish('ch', 'hello'), await got);
  const blocked = c.duplicate();
  await blocked.connect();
  const pop = blocked.blPop('q', 5);
  await new Promise((r) => setTimeout(r, 50));
  await c.rPush('q', 'job');
  out.push(await pop);
  // RESP3 client-side caching helpers are version specific; HELLO 3 through sendCommand is not.
  out.push((await c.sendCommand(['OBJECT', 'ENCODING', 'l'])) ?? null);
  await sub.quit();
  await blocked.quit();
  await c.quit();
  return out;
}

async function ioredisWorkload(port) {
  await flush(port);
  const c = new IORedis({ port, host: '127.0.0.1', lazyConnect: true });
  await c.connect();
  const out = [];
  out.push(await c.ping(), await c.set('s', 'v', 'EX', 100), await c.get('s'), (await c.ttl('s')) >= 99);
  out.push(await c.hset('h', { a: '1', b: '2' }), await c.hgetall('h'));
  out.push(await c.zadd('z', 1.5, 'x', 2, 'y'), await c.zrange('z', 0, -1, 'WITHSCORES'));
  out.push(await c.pipeline().incr('n').incr('n').get('n').exec());
  out.push(await c.multi().lpush('l', 'a', 'b').lrange('l', 0, -1).exec());
  out.push(await c.multi().set('k', 'v').lpush('k', 'x').exec());
  try {
    await c.hget('s', 'f');
  } catch (e) {
    out.push(e.message);
  }
  const sub = c.duplicate();
  await sub.subscribe('ch');
  const got = new Promise((r) => sub.on('message', (ch, m) => r([ch, m])));
  out.push(await c.publish('ch', 'hi'), await got);
  const b = c.duplicate();
  const pop = b.brpop('q', 5);
  await new Promise((r) => setTimeout(r, 50));
  await c.lpush('q', 'job');
  out.push(await pop);
  out.push(await c.xadd('st', '1-1', 'f', 'v'), await c.xrange('st', '-', '+'));
  const [cursor, keys] = await c.scan(0, 'MATCH', '*', 'COUNT', 1000);
  out.push(cursor, keys.sort());
  sub.disconnect();
  b.disconnect();
  await c.quit();
  return out;
}

test('node-redis: the same workload sees the same against npx cinderkv and redis-server', async () => {
  const want = await nodeRedisWorkload(real.port);
  const got = await nodeRedisWorkload(npx.port);
  assert.deepEqual(got, want);
});

test('ioredis: the same workload sees the same against npx cinderkv and redis-server', async () => {
  const want = await ioredisWorkload(real.port);
  const got = await ioredisWorkload(npx.port);
  assert.deepEqual(got, want);
});

test('redis-py: the same workload sees the same against npx cinderkv and redis-server', async (t) => {
  const py = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import redis']).status === 0);
  if (!py) return t.skip('redis-py is not installed (apt-get install python3-redis)');
  const run = async (port) => {
    await flush(port);
    const r = spawnSync(py, [path.join(HERE, 'workload.py'), String(port)], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
  };
  const want = await run(real.port);
  const got = await run(npx.port);
  assert.deepEqual(got, want);
});

test('npx cinderkv: redis.conf files and flags like cinder-server; SHUTDOWN ends the process', async () => {
  const { writeFileSync, mkdtempSync } = await import('node:fs');
  const os = await import('node:os');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'npx-conf-'));
  const conf = path.join(dir, 'redis.conf');
  writeFileSync(conf, '# a redis.conf\nmaxmemory 10mb\nmaxmemory-policy "allkeys-lru"\nrequirepass "p w"\nrepl-timeout 60\n');
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, conf, '--port', String(port), '--hz', '20'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  await new Promise((r) => child.stdout.on('data', (d) => d.toString().includes('Ready') && r()));
  const c = await rawClient(port);
  c.send('AUTH "p w"\r\nCONFIG GET maxmemory*\r\nCONFIG GET hz\r\n');
  const out = await c.read('$2\r\n20\r\n');
  assert.match(out, /^\+OK\r\n/);
  assert.match(out, /maxmemory\r\n\$8\r\n10485760\r\n/);
  assert.match(out, /allkeys-lru/);
  assert.match(stderr, /'repl-timeout' is ignored/);
  c.send('SHUTDOWN\r\n');
  const code = await new Promise((r) => child.once('exit', r));
  assert.equal(code, 0);
  const bad = spawnSync(process.execPath, [BIN, '--port', String(port), '--no-such-option', 'x'], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /FATAL CONFIG FILE ERROR/);
});
