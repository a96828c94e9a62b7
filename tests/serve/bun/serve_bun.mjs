// cinderkv/server and cinderkv/rest under Bun (its node:net and Bun.serve): run by
// `bun tests/serve/bun/serve_bun.mjs` (npm test); prints "N passed, 0 failed".
import net from 'node:net';
import { listen, startRedis } from '../../../dist/server/index.js';
import { createHandler } from '../../../dist/rest/index.js';
import { Cinder } from '../../../dist/node.js';

let passed = 0;
let failed = 0;
async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAILED ${name}: ${e?.stack ?? e}`);
  }
}
function eq(a, b) {
  if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${JSON.stringify(a)} !== ${JSON.stringify(b)}`);
}
function client(port) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let buf = '';
    s.on('data', (d) => (buf += d.toString('latin1')));
    s.once('error', reject);
    s.once('connect', () =>
      resolve({
        send: (t) => s.write(t),
        read: async (until) => {
          for (let i = 0; i < 300 && !buf.includes(until); i++) await new Promise((r) => setTimeout(r, 10));
          const n = buf.indexOf(until);
          if (n < 0) throw new Error(`timeout waiting for ${JSON.stringify(until)}; have ${JSON.stringify(buf)}`);
          const out = buf.slice(0, n + until.length);
          buf = buf.slice(n + until.length);
          return out;
        },
        close: () => s.destroy(),
      }),
    );
  });
}

await check('server: pipelining, blocking across sockets, pub/sub', async () => {
  const { port, close } = await startRedis({ seed: 1 });
  const a = await client(port);
  const b = await client(port);
  a.send('SET k v\r\nGET k\r\nINCR n\r\n');
  eq(await a.read(':1\r\n'), '+OK\r\n$1\r\nv\r\n:1\r\n');
  a.send('BLPOP q 0\r\n');
  await new Promise((r) => setTimeout(r, 50));
  b.send('RPUSH q job\r\n');
  eq(await b.read(':1\r\n'), ':1\r\n');
  eq(await a.read('job\r\n'), '*2\r\n$1\r\nq\r\n$3\r\njob\r\n');
  a.send('SUBSCRIBE ch\r\n');
  await a.read(':1\r\n');
  b.send('PUBLISH ch hi\r\n');
  eq(await b.read(':1\r\n'), ':1\r\n');
  eq(await a.read('hi\r\n'), '*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n');
  a.close();
  b.close();
  await close();
});

await check('server: SHUTDOWN stops it', async () => {
  const server = await listen({ port: 0 });
  const c = await client(server.port);
  c.send('SHUTDOWN NOSAVE\r\n');
  await server.closed;
  c.close();
});

await check('rest: the handler under Bun.serve', async () => {
  const engine = await Cinder.create();
  const srv = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: createHandler({ engine, token: 't' }) });
  const url = `http://127.0.0.1:${srv.port}`;
  const j = async (path, init = {}) => {
    const r = await fetch(url + path, { ...init, headers: { authorization: 'Bearer t' } });
    return [r.status, await r.json()];
  };
  eq(await j('/set/a/1'), [200, { result: 'OK' }]);
  eq(await j('/pipeline', { method: 'POST', body: '[["INCR","a"],["GET","a"]]' }), [200, [{ result: 2 }, { result: '2' }]]);
  const bad = await fetch(url + '/get/a');
  eq([bad.status, await bad.json()], [401, { error: 'Unauthorized' }]);
  srv.stop(true);
  engine.close();
});

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
