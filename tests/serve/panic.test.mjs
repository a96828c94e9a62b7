// A panic of the engine stops the server cleanly (sockets closed, `closed` settled,
// `failure` set) instead of crashing the process. Its own file: a panic poisons the wasm
// module for the whole process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cinder } from '../../dist/node.js';
import { startRedis } from '../../dist/server/index.js';
import { rawClient } from './helpers.mjs';

test('an engine panic stops the server and closes its sockets; the process lives on', async () => {
  const { port, server } = await startRedis();
  const c = await rawClient(port);
  c.send('PING\r\n');
  assert.equal(await c.read('\r\n'), '+PONG\r\n');
  assert.throws(() => Cinder._panicForTests(), /panicked/);
  c.send('PING\r\n');
  await c.closed;
  await server.closed;
  assert.match(String(server.failure?.message), /panicked/);
});
