// AUTH from the options (`password`, `username`) against a server with requirepass: real ioredis + redis-server and cinderkv/ioredis on an engine configured the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import IORedis from 'ioredis';
import { norm } from './program.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const facade = await import(pathToFileURL(process.env.CINDERKV_IOREDIS ?? path.join(HERE, '../../dist/ioredis/node.js')).href);
const { Cinder } = await import(pathToFileURL(path.join(HERE, '../../dist/node.js')).href);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const settle = async (p) => { try { return await p; } catch (e) { return e; } };

/** What a client observes with good and bad credentials. */
async function authProgram(Redis, opts) {
  const out = [];
  const good = new Redis(opts({ password: 'secret' }));
  out.push(['good password', norm(await settle(good.get('k')))]);
  good.disconnect();
  const user = new Redis(opts({ username: 'default', password: 'secret' }));
  out.push(['username and password', norm(await settle(user.set('k', 'v').then(() => user.get('k'))))]);
  user.disconnect();
  const errors = [];
  const bad = new Redis(opts({ password: 'wrong', lazyConnect: true }));
  bad.on('error', (e) => errors.push(e.message));
  out.push(['wrong password: connect()', norm(await settle(bad.connect()))]);
  out.push(['wrong password: a command', norm(await settle(bad.get('k')))]);
  await sleep(50);
  out.push(['wrong password: error events', [...new Set(errors)]]);
  bad.disconnect();
  const none = new Redis(opts({}));
  out.push(['no password', norm(await settle(none.get('k')))]);
  none.disconnect();
  return out;
}

test('AUTH from the options: the same on cinderkv/ioredis as on ioredis + redis-server', async () => {
  const port = await new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
  const child = spawn(process.env.REDIS_SERVER_BIN ?? 'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--requirepass', 'secret'], { stdio: 'ignore' });
  let want;
  try {
    for (let i = 0; i < 100; i++) {
      const up = await new Promise((resolve) => {
        const c = net.connect(port, '127.0.0.1', () => { c.end(); resolve(true); }).on('error', () => resolve(false));
      });
      if (up) break;
      await sleep(50);
    }
    want = await authProgram(IORedis, (o) => ({ host: '127.0.0.1', port, retryStrategy: () => null, maxRetriesPerRequest: 0, ...o }));
  } finally {
    child.kill();
  }
  const engine = Cinder.createSync({ config: { requirepass: 'secret' } });
  const got = await authProgram(facade.default, (o) => ({ engine, ...o }));
  engine.close();
  assert.deepEqual(got, want);
});
