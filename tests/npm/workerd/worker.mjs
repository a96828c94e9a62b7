// A Cloudflare Worker using cinderkv (bundled like wrangler does: the package resolved
// with the "workerd" condition, the .wasm imported as a compiled module). It keeps one
// database for the isolate's life and answers HTTP requests from it:
//   POST /cmd      body: JSON array of arguments -> JSON { reply } or { error }
//   GET  /session  runs the shared session in the worker -> JSON { compared, failures }
//   GET  /checks   worker-specific checks -> JSON [{ name, ok }]
import { Cinder, ReplyError } from 'cinderkv';
import steps from '../session.fixture.js';
import { runSession, canon } from '../session.mjs';

let db = null;

const json = (v, status = 200) => new Response(JSON.stringify(v), { status, headers: { 'content-type': 'application/json' } });

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (!db) db = Cinder.createSync({ maxmemory: '16mb' });
    if (url.pathname === '/cmd' && request.method === 'POST') {
      const argv = await request.json();
      try {
        return json({ reply: canon(db.call(...argv), ReplyError) });
      } catch (e) {
        return json({ error: e.message, name: e.name });
      }
    }
    if (url.pathname === '/session') {
      return json(await runSession({ Cinder, ReplyError }, steps));
    }
    if (url.pathname === '/checks') {
      const checks = [];
      const check = (name, fn) => {
        try {
          checks.push({ name, ok: fn() === true });
        } catch (e) {
          checks.push({ name, ok: false, error: String(e) });
        }
      };
      check('create synchronously (module imported as WebAssembly.Module)', () => Cinder.createSync().ping() === 'PONG');
      await Cinder.create().then((d) => check('async create gives a working db', () => d.ping('x') === 'x'));
      check('binary values', () => {
        const v = new Uint8Array([0, 200, 13, 10]);
        db.callBuffer('SET', 'bin', v);
        return db.callBuffer('GET', 'bin').join() === v.join();
      });
      check('subscribe / psubscribe / publish', () => {
        const d = Cinder.createSync();
        const got = [];
        const off = d.subscribe('ch', (m, c) => got.push(`${c}:${m}`));
        const offP = d.psubscribe('c*', (m, c, p) => got.push(`${p}:${c}:${m}`));
        d.connection().publish('ch', 'hi');
        off();
        offP();
        return got.join() === 'ch:hi,c*:ch:hi' && d.publish('ch', 'x') === 0;
      });
      check('onKeyspaceEvent with the manual clock', () => {
        const m = Cinder.createSync({ clock: 'manual', time: 1_000_000 });
        const events = [];
        m.onKeyspaceEvent('*', (event, key) => events.push(`${event}:${key}`));
        m.set('k', 'v', { PX: 10 });
        m.lpush('l', 'a');
        // Active expiry runs hz (10) times a second of engine time.
        m.advanceTime(200);
        return events.join() === 'set:k,expire:k,lpush:l,expired:k';
      });
      check('multi / exec / watch', () => {
        const d = Cinder.createSync();
        const r = d.multi().call('SET', 'n', '1').call('INCR', 'n').call('LPUSH', 'n', 'x').exec();
        d.watch('n');
        d.connection().del('n');
        return r[0] === 'OK' && r[1] === 2 && r[2] instanceof ReplyError && d.multi().call('GET', 'n').exec() === null;
      });
      check('manual clock expiry', () => {
        const m = Cinder.createSync({ clock: 'manual', time: 1_000_000 });
        m.set('k', 'v', { PX: 10 });
        m.advanceTime(10);
        return m.exists('k') === 0;
      });
      return json(checks);
    }
    return json({ error: 'not found' }, 404);
  },
};
