// Run by `deno test --allow-all tests/serve/deno/serve_deno.mjs` (npm test); named so `node --test tests/serve/` skips it.
// cinderkv/server and cinderkv/rest in Deno: the server through Deno's node:net, the REST
// handler as a Deno.serve handler.
import { listen, startRedis } from '../../../dist/server/index.js';
import { createHandler } from '../../../dist/rest/index.js';
import { Cinder } from '../../../dist/node.js';

function assertEquals(a, b) {
  if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${JSON.stringify(a)} !== ${JSON.stringify(b)}`);
}

async function roundTrip(conn, text, until) {
  await conn.write(new TextEncoder().encode(text));
  let out = '';
  const buf = new Uint8Array(65536);
  while (!out.endsWith(until)) {
    const n = await conn.read(buf);
    if (n === null) break;
    out += new TextDecoder().decode(buf.subarray(0, n));
  }
  return out;
}

Deno.test('server: pipelining, blocking across sockets, pub/sub, QUIT, close()', async () => {
  const { port, close } = await startRedis({ seed: 1 });
  const a = await Deno.connect({ hostname: '127.0.0.1', port });
  const b = await Deno.connect({ hostname: '127.0.0.1', port });
  assertEquals(await roundTrip(a, 'SET k v\r\nGET k\r\nINCR n\r\n', ':1\r\n'), '+OK\r\n$1\r\nv\r\n:1\r\n');
  await a.write(new TextEncoder().encode('BLPOP q 0\r\n'));
  await new Promise((r) => setTimeout(r, 50));
  assertEquals(await roundTrip(b, 'RPUSH q job\r\n', ':1\r\n'), ':1\r\n');
  assertEquals(await roundTrip(a, '', 'job\r\n'), '*2\r\n$1\r\nq\r\n$3\r\njob\r\n');
  assertEquals(await roundTrip(a, 'SUBSCRIBE ch\r\n', ':1\r\n'), '*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n');
  assertEquals(await roundTrip(b, 'PUBLISH ch hi\r\n', ':1\r\n'), ':1\r\n');
  assertEquals(await roundTrip(a, '', 'hi\r\n'), '*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n');
  assertEquals(await roundTrip(b, 'QUIT\r\n', '+OK\r\n'), '+OK\r\n');
  b.close();
  a.close();
  await close();
});

Deno.test('server: SHUTDOWN stops it', async () => {
  const server = await listen({ port: 0 });
  const c = await Deno.connect({ hostname: '127.0.0.1', port: server.port });
  await c.write(new TextEncoder().encode('SHUTDOWN NOSAVE\r\n'));
  await server.closed;
  c.close();
});

Deno.test('rest: the handler under Deno.serve', async () => {
  const engine = await Cinder.create();
  const ac = new AbortController();
  const srv = Deno.serve({ port: 0, hostname: '127.0.0.1', signal: ac.signal, onListen() {} }, createHandler({ engine, token: 't' }));
  const url = `http://127.0.0.1:${srv.addr.port}`;
  const j = async (path, init = {}) => {
    const r = await fetch(url + path, { ...init, headers: { authorization: 'Bearer t' } });
    return [r.status, await r.json()];
  };
  assertEquals(await j('/set/a/1'), [200, { result: 'OK' }]);
  assertEquals(await j('/pipeline', { method: 'POST', body: '[["INCR","a"],["GET","a"]]' }), [200, [{ result: 2 }, { result: '2' }]]);
  const bad = await fetch(url + '/get/a');
  assertEquals([bad.status, await bad.json()], [401, { error: 'Unauthorized' }]);
  ac.abort();
  await srv.finished;
  engine.close();
});
