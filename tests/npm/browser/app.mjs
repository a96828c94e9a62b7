// A minimal app bundled by esbuild for the browser (tests/npm/browser/run.mjs builds it into
// .bundle/ with the wasm copied next to it, as a bundler user would deploy it).
import { Cinder } from 'cinderkv';

const db = await Cinder.create();
db.set('bundled', 'yes', { EX: 10 });
window.__bundled = { value: db.get('bundled'), ttl: db.ttl('bundled') };
