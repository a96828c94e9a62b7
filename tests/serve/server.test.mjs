// cinderkv/server: sockets on the wasm engine (behaviours a server adds around the engine:
// pipelining, wake-ups and pushes to other sockets, closing, limits, bad input).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { listen, startRedis } from '../../dist/server/index.js';
import { Cinder } from '../../dist/node.js';
import { rawClient } from './helpers.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('startRedis: ephemeral port, seeded engine, pipelining 10,000 commands in one write', async () => {
  const { url, port, close, engine } = await startRedis({ seed: 7, seedCommands: [['SET', 'seeded', 'yes']] });
  assert.match(url, /^redis:\/\/127\.0\.0\.1:\d+$/);
  const c = await rawClient(port);
  c.send('GET seeded\r\n');
  assert.equal(await c.read('\r\nyes\r\n'), '$3\r\nyes\r\n');
  let req = '';
  for (let i = 0; i < 10000; i++) req += `*3\r\n$4\r\nSADD\r\n$1\r\ns\r\n$${String(i).length}\r\n${i}\r\n`;
  req += '*2\r\n$5\r\nSCARD\r\n$1\r\ns\r\n';
  c.send(req);
  const out = await c.read(':10000\r\n', 10000);
  assert.equal(out.split('\r\n').filter((l) => l === ':1').length, 10000);
  assert.equal(engine.scard('s'), 10000);
  c.close();
  await close();
});

test('blocking: BLPOP on one socket is served by LPUSH on another; later input waits behind it; timeouts', async () => {
  const { port, close } = await startRedis();
  const a = await rawClient(port);
  const b = await rawClient(port);
  a.send('BLPOP q 0\r\nECHO after\r\n');
  await sleep(50);
  assert.equal(a.pending(), '');
  b.send('LPUSH q job\r\n');
  assert.equal(await b.read(':1\r\n'), ':1\r\n');
  assert.equal(await a.read('after\r\n'), '*2\r\n$1\r\nq\r\n$3\r\njob\r\n$5\r\nafter\r\n');
  const t0 = Date.now();
  a.send('BRPOP none 0.2\r\n');
  assert.equal(await a.read('*-1\r\n'), '*-1\r\n');
  const waited = Date.now() - t0;
  assert.ok(waited >= 190 && waited < 1000, `waited ${waited} ms`);
  a.close();
  b.close();
  await close();
});

test('pub/sub and tracking pushes reach other sockets; keyspace events from active expiry', async () => {
  const { port, close } = await startRedis({ config: { 'notify-keyspace-events': 'Ex' } });
  const sub = await rawClient(port);
  const pub = await rawClient(port);
  sub.send('SUBSCRIBE ch __keyevent@0__:expired\r\n');
  await sub.read(':2\r\n');
  pub.send('PUBLISH ch hello\r\n');
  assert.equal(await pub.read(':1\r\n'), ':1\r\n');
  assert.equal(await sub.read('hello\r\n'), '*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n');
  pub.send('SET gone 1 PX 50\r\n');
  await pub.read('+OK\r\n');
  assert.equal(await sub.read('gone\r\n', 3000), '*3\r\n$7\r\nmessage\r\n$22\r\n__keyevent@0__:expired\r\n$4\r\ngone\r\n');
  // RESP3 tracking: the reader gets an invalidation push when another socket writes.
  const reader = await rawClient(port);
  reader.send('HELLO 3\r\n');
  await reader.read('modules\r\n*0\r\n');
  reader.send('CLIENT TRACKING on\r\nGET tk\r\n');
  assert.equal(await reader.read('_\r\n'), '+OK\r\n_\r\n');
  pub.send('SET tk v\r\n');
  await pub.read('+OK\r\n');
  assert.equal(await reader.read('tk\r\n'), '>2\r\n$10\r\ninvalidate\r\n*1\r\n$2\r\ntk\r\n');
  for (const c of [sub, pub, reader]) c.close();
  await close();
});

test('QUIT, CLIENT KILL and SHUTDOWN close sockets; SHUTDOWN stops the server', async () => {
  const server = await listen({ port: 0 });
  const a = await rawClient(server.port);
  a.send('QUIT\r\n');
  assert.equal(await a.read('+OK\r\n'), '+OK\r\n');
  await a.closed;
  const b = await rawClient(server.port);
  const k = await rawClient(server.port);
  b.send('CLIENT ID\r\n');
  const id = (await b.read('\r\n')).slice(1, -2);
  k.send(`CLIENT KILL ID ${id}\r\n`);
  assert.equal(await k.read(':1\r\n'), ':1\r\n');
  await b.closed;
  k.send('SHUTDOWN NOSAVE\r\n');
  await k.closed;
  await server.closed;
  await assert.rejects(rawClient(server.port));
});

test('AUTH: requirepass from the password option', async () => {
  const { port, close } = await startRedis({ password: 's3cret' });
  const c = await rawClient(port);
  c.send('GET k\r\n');
  assert.equal(await c.read('\r\n'), '-NOAUTH Authentication required.\r\n');
  c.send('AUTH nope\r\n');
  assert.match(await c.read('\r\n'), /^-WRONGPASS/);
  c.send('AUTH s3cret\r\nPING\r\n');
  assert.equal(await c.read('+PONG\r\n'), '+OK\r\n+PONG\r\n');
  c.close();
  await close();
});

test('protected mode refuses non-loopback clients when no password is set', async (t) => {
  const ip = Object.values(os.networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
  if (!ip) return t.skip('no non-loopback IPv4 address on this machine');
  const server = await listen({ port: 0, host: '0.0.0.0' });
  const c = await rawClient(server.port, ip);
  assert.match(await c.read('\r\n'), /^-DENIED Redis is running in protected mode/);
  await c.closed;
  const local = await rawClient(server.port, '127.0.0.1');
  local.send('PING\r\n');
  assert.equal(await local.read('\r\n'), '+PONG\r\n');
  local.send('CONFIG SET requirepass pw\r\n');
  await local.read('+OK\r\n');
  const remote = await rawClient(server.port, ip);
  remote.send('AUTH pw\r\nPING\r\n');
  assert.equal(await remote.read('+PONG\r\n'), '+OK\r\n+PONG\r\n');
  local.close();
  remote.close();
  await server.close();
});

test('idle timeout closes idle clients but not subscribers; maxclients refuses', async () => {
  const { port, close, server } = await startRedis();
  let admin = await rawClient(port);
  admin.send('CONFIG SET timeout 1\r\n');
  await admin.read('+OK\r\n');
  const idle = await rawClient(port);
  const sub = await rawClient(port);
  sub.send('SUBSCRIBE x\r\n');
  await sub.read(':1\r\n');
  await idle.closed;
  await admin.closed;
  assert.equal(sub.socket.destroyed, false);
  admin = await rawClient(port);
  admin.send('CONFIG SET timeout 0\r\n');
  await admin.read('+OK\r\n');
  // The engine's own connection counts, as Redis counts every client.
  admin.send(`CONFIG SET maxclients ${server.clients + 1}\r\n`);
  await admin.read('+OK\r\n');
  const over = await rawClient(port);
  assert.equal(await over.read('\r\n'), '-ERR max number of clients reached\r\n');
  await over.closed;
  admin.close();
  sub.close();
  await close();
});

test('bad input: protocol errors close the socket, huge bulk lengths, the query buffer limit, half commands', async () => {
  const { port, close, server } = await startRedis();
  const a = await rawClient(port);
  a.send('*x\r\n');
  assert.equal(await a.read('\r\n'), '-ERR Protocol error: invalid multibulk length\r\n');
  await a.closed;
  const b = await rawClient(port);
  b.send('*1\r\n$2147483648\r\n');
  assert.equal(await b.read('\r\n'), '-ERR Protocol error: invalid bulk length\r\n');
  await b.closed;
  const c = await rawClient(port);
  c.send('CONFIG SET client-query-buffer-limit 1mb\r\n');
  await c.read('+OK\r\n');
  c.send('*2\r\n$4\r\nECHO\r\n$4000000\r\n');
  c.send(Buffer.alloc(1_200_000, 120));
  await c.closed;
  const d = await rawClient(port);
  d.send('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\nabc');
  await sleep(30);
  d.close();
  await sleep(50);
  const e = await rawClient(port);
  e.send('EXISTS k\r\nPING\r\n');
  assert.equal(await e.read('+PONG\r\n'), ':0\r\n+PONG\r\n');
  e.close();
  await sleep(50);
  assert.equal(server.clients, 0);
  await close();
});

test('1,000 concurrent sockets, then close() leaves nothing open', async () => {
  const { port, close, server } = await startRedis();
  const clients = await Promise.all(Array.from({ length: 1000 }, () => rawClient(port)));
  clients.forEach((c, i) => c.send(`INCR n\r\nSET k${i} ${i}\r\n`));
  await Promise.all(clients.map((c) => c.read('+OK\r\n')));
  assert.equal(server.clients, 1000);
  const check = await rawClient(port);
  check.send('GET n\r\nDBSIZE\r\n');
  assert.equal(await check.read(':1001\r\n'), '$4\r\n1000\r\n:1001\r\n');
  await close();
  await Promise.all(clients.map((c) => c.closed));
  await check.closed;
  assert.equal(server.clients, 0);
});

test('a given engine is served and stays open after close()', async () => {
  const engine = await Cinder.create();
  engine.set('shared', '1');
  const server = await listen({ port: 0, engine });
  const c = await rawClient(server.port);
  c.send('INCR shared\r\n');
  assert.equal(await c.read('\r\n'), ':2\r\n');
  await server.close();
  assert.equal(engine.get('shared'), '2');
  engine.close();
});

test('sockets come and go: closed slots are reused, pushes still reach the right socket', async () => {
  const { port, close, server } = await startRedis();
  for (let round = 0; round < 3; round++) {
    const batch = await Promise.all(Array.from({ length: 200 }, () => rawClient(port)));
    batch.forEach((c) => c.send('INCR n\r\n'));
    await Promise.all(batch.map((c) => c.read('\r\n')));
    batch.forEach((c) => c.close());
    await Promise.all(batch.map((c) => c.closed));
    for (let i = 0; i < 50 && server.clients > 0; i++) await sleep(10);
  }
  const sub = await rawClient(port);
  const other = await rawClient(port);
  sub.send('SUBSCRIBE ch\r\n');
  await sub.read(':1\r\n');
  other.send('GET n\r\nPUBLISH ch m\r\nCLIENT LIST\r\n');
  assert.equal(await other.read(':1\r\n'), '$3\r\n600\r\n:1\r\n');
  const list = await other.read('resp=2\n\r\n');
  // The engine's own connection, the subscriber and this one.
  assert.equal(list.split('\n').filter((l) => l.startsWith('id=')).length, 3);
  assert.equal(await sub.read('\r\nm\r\n'), '*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nm\r\n');
  sub.close();
  other.close();
  await close();
});
