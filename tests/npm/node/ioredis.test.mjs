// cinderkv/ioredis: the package entry by name (ESM and CommonJS share one engine module),
// and its browser entry imports no Node built-ins. Its behaviour against real ioredis is
// tests/ioredis (npm test runs it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

test('import by name: default and named exports', async () => {
  const mod = await import('cinderkv/ioredis');
  assert.equal(mod.default, mod.Redis);
  assert.equal(typeof mod.Cluster, 'function');
  assert.equal(typeof mod.Command, 'function');
  assert.equal(mod.Redis.Cluster, mod.Cluster);
  const r = new mod.default({ host: 'ioredis.test' });
  assert.equal(await r.set('k', 'v'), 'OK');
  assert.equal(await r.get('k'), 'v');
  const c = new mod.Cluster([{ host: 'ioredis.test', port: 6379 }]);
  assert.equal(c.isCluster, true);
  assert.equal(await c.get('k'), 'v', 'a Cluster of the same host:port shares the engine');
  await r.quit();
  await assert.rejects(r.get('k'), { message: 'Connection is closed.' });
  c.disconnect();
});

test('require by name: the CommonJS build runs on the main CommonJS entry', async () => {
  const require = createRequire(import.meta.url);
  assert.equal(require.resolve('cinderkv/ioredis'), path.join(root, 'dist/ioredis/node.cjs'));
  const { Redis } = require('cinderkv/ioredis');
  const { Cinder } = require('cinderkv');
  const db = Cinder.createSync();
  const r = new Redis({ engine: db });
  await r.hset('h', { a: 1 });
  assert.deepEqual(db.hgetall('h'), ['a', '1']);
  assert.deepEqual(await r.hgetall('h'), { a: '1' });
  r.disconnect();
  db.close();
});

test('the engine a client runs on: options.engine, and `data` seeds it', async () => {
  const { default: Redis } = await import('cinderkv/ioredis');
  const r = new Redis({ host: 'seeded.test', data: { s: 'str', l: ['a', 'b'], h: { f: 'v' }, set: new Set(['x']), z: new Map([['m', 2]]) } });
  await new Promise((res) => r.once('ready', res));
  assert.deepEqual(await Promise.all([r.get('s'), r.lrange('l', 0, -1), r.hgetall('h'), r.smembers('set'), r.zrange('z', 0, -1, 'WITHSCORES')]),
    ['str', ['a', 'b'], { f: 'v' }, ['x'], ['m', '2']]);
  assert.ok(r.engine);
  r.disconnect();
});

test('the browser entry of cinderkv/ioredis imports no Node built-ins', () => {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s+['"]([^'"]+)['"]/g)) {
      const spec = m[1] ?? m[2];
      assert.ok(spec.startsWith('.'), `${path.relative(root, file)} imports ${spec}`);
      if (spec.endsWith('.js')) visit(path.resolve(path.dirname(file), spec));
    }
  };
  visit(path.join(root, 'dist/ioredis/browser.js'));
  assert.ok(seen.size > 3);
});
