// The app both Vite runs (dev server) and builds (production): it imports the installed
// package by name, as a Vite user would, runs the shared session and a few checks, and
// leaves the outcome in `window.__result` for tests/npm/vite/run.mjs.
import { Cinder, ReplyError } from 'cinderkv';
import steps from './session.fixture.js';
import { runSession } from './session.mjs';

const result = { checks: [] };
try {
  const db = await Cinder.create();
  db.set('greeting', 'hello', { EX: 10 });
  result.checks.push({ name: 'set/get/ttl', ok: db.get('greeting') === 'hello' && db.ttl('greeting') === 10 });
  result.session = await runSession({ Cinder, ReplyError }, steps);
} catch (e) {
  result.error = String(e?.stack ?? e);
}
window.__result = result;
