// A Cloudflare Worker serving the Upstash REST API from an in-isolate cinderkv database
// (the README's example). The token comes from the environment (`env.TOKEN`).
import { Cinder } from 'cinderkv';
import { createHandler } from 'cinderkv/rest';

let handler = null;

export default {
  async fetch(request, env) {
    if (handler === null) handler = createHandler({ engine: Cinder.createSync(), token: env.TOKEN });
    return handler(request);
  },
};
