// A Redis-compatible database per Durable Object, persisted in the object's own storage
// with cinderkv's DurableObjectStore adapter. POST a command as a JSON array
// (`["INCR", "visits"]`); the reply comes back once the write is durable.
import { Cinder, DurableObjectStore, ReplyError } from 'cinderkv';

export class CinderObject {
  constructor(ctx) {
    // Load the stored snapshot + log before the first request is let in.
    ctx.blockConcurrencyWhile(async () => {
      this.db = await Cinder.open(new DurableObjectStore(ctx.storage), { rewriteMinSize: 64 * 1024 });
    });
  }

  async fetch(request) {
    const argv = await request.json();
    try {
      const reply = await this.db.call(...argv);
      // Writes are stored as they happen; flush() waits until they are durable.
      await this.db.flush();
      return Response.json({ reply });
    } catch (e) {
      return Response.json({ error: e.message, name: e instanceof ReplyError ? 'ReplyError' : e.name });
    }
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (request.method !== 'POST') return new Response('POST a command as a JSON array', { status: 405 });
    // One database per name: /db/<name>.
    const name = url.pathname.split('/')[2] || 'main';
    return env.CINDER.get(env.CINDER.idFromName(name)).fetch(request);
  },
};
