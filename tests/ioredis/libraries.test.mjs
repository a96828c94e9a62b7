// Libraries that take an ioredis instance, run with their own documented usage on real
// ioredis + redis-server and on cinderkv/ioredis; what they observe must be the same
// (issue #18): rate-limiter-flexible (RateLimiterRedis), cache-manager-ioredis-yet
// (cache-manager's store) and connect-redis (express-session's store).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import IORedis from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { createCache } from 'cache-manager';
import { redisInsStore } from 'cache-manager-ioredis-yet';
import RedisStore from 'connect-redis';
import { startRedis } from './server.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const entry = process.env.CINDERKV_IOREDIS ?? path.join(HERE, '../../dist/ioredis/node.js');
const { default: CinderRedis } = await import(pathToFileURL(entry).href);

/** What a library observes, timing-independent. */
async function rateLimiter(redis) {
  const limiter = new RateLimiterRedis({ storeClient: redis, keyPrefix: 'rl', points: 3, duration: 60, blockDuration: 0 });
  const out = [];
  for (let i = 0; i < 4; i++) {
    try {
      const r = await limiter.consume('user:1');
      out.push(['ok', r.remainingPoints, r.consumedPoints, r.isFirstInDuration, r.msBeforeNext > 59_000]);
    } catch (r) {
      out.push(['limited', r.remainingPoints, r.consumedPoints, r.msBeforeNext > 59_000]);
    }
  }
  const got = await limiter.get('user:1');
  out.push(['get', got.consumedPoints, got.remainingPoints]);
  out.push(['reward', (await limiter.reward('user:1', 2)).consumedPoints]);
  out.push(['penalty', (await limiter.penalty('user:1', 1)).consumedPoints]);
  out.push(['delete', await limiter.delete('user:1'), await limiter.get('user:1')]);
  const b = await limiter.block('user:2', 30);
  out.push(['block', b.consumedPoints, b.msBeforeNext > 29_000, await redis.ttl('rl:user:2')]);
  out.push(['raw key', await redis.get('rl:user:2')]);
  return out;
}

async function cacheManager(redis) {
  const cache = createCache(redisInsStore(redis, { ttl: 60_000 }));
  const out = [];
  await cache.set('user', { name: 'ada', tags: ['x', 'y'] });
  out.push(['get', await cache.get('user')]);
  out.push(['missing', await cache.get('nope')]);
  await cache.set('short', 'v', 5_000);
  out.push(['ttl', Math.ceil((await cache.store.ttl('short')) / 1000)]);
  out.push(['wrap', await cache.wrap('computed', async () => 42), await cache.wrap('computed', async () => 43)]);
  await cache.store.mset([['a', 1], ['b', 'two']]);
  out.push(['mget', await cache.store.mget('a', 'b', 'c')]);
  out.push(['keys', (await cache.store.keys('*')).sort()]);
  await cache.del('a');
  out.push(['after del', await cache.get('a')]);
  await cache.reset();
  out.push(['after reset', (await cache.store.keys()).length]);
  return out;
}

async function connectRedis(redis) {
  const store = new RedisStore({ client: redis, prefix: 'sess:' });
  const call = (fn, ...args) => new Promise((resolve, reject) => fn.call(store, ...args, (err, v) => (err ? reject(err) : resolve(v))));
  const expires = (ms) => new Date(Math.floor(Date.now() / 1000) * 1000 + ms).toISOString();
  const cookie = { originalMaxAge: 60_000, maxAge: 60_000, expires: expires(60_500), httpOnly: true, path: '/' };
  const out = [];
  await call(store.set, 's1', { cookie, user: 'ada', n: 1 });
  await call(store.set, 's2', { cookie, user: 'bob', n: 2 });
  const s1 = await call(store.get, 's1');
  out.push(['get', s1.user, s1.n, s1.cookie.expires === cookie.expires]);
  out.push(['ttl', await redis.ttl('sess:s1')]);
  out.push(['length', await call(store.length)]);
  out.push(['ids', (await call(store.ids)).sort()]);
  out.push(['all', (await call(store.all)).map((s) => s.user).sort()]);
  await call(store.touch, 's1', { cookie: { ...cookie, expires: expires(120_500) } });
  out.push(['touched ttl', (await redis.ttl('sess:s1')) > 60]);
  await call(store.destroy, 's2');
  out.push(['after destroy', await call(store.get, 's2')]);
  await call(store.clear);
  out.push(['after clear', await call(store.length)]);
  return out;
}

const scenarios = { 'rate-limiter-flexible': rateLimiter, 'cache-manager-ioredis-yet': cacheManager, 'connect-redis': connectRedis };

for (const [name, scenario] of Object.entries(scenarios)) {
  test(`${name}: the same on cinderkv/ioredis as on ioredis + redis-server`, async () => {
    const server = await startRedis();
    let want;
    try {
      const real = new IORedis({ port: server.port, host: '127.0.0.1' });
      want = await scenario(real);
      real.disconnect();
    } finally {
      server.stop();
    }
    const facade = new CinderRedis({ host: `lib-${name}`, port: 1 });
    const got = await scenario(facade);
    facade.disconnect();
    assert.deepEqual(got, want);
  });
}
