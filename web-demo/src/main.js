/**
 * The playground page: restores the saved (or linked) state into a fresh engine, then
 * wires the console, the keyspace panel, the clock and the lessons; saves on leaving.
 */
import { PlaygroundEngine } from './engine.js';
import { Console } from './console.js';
import { KeyspacePanel } from './keyspace-panel.js';
import { Clock } from './clock.js';
import { LessonPanel } from './lesson-ui.js';
import { configDefaults, snapshot, restore, saveLocal, loadLocal, clearLocal, encodeLink, decodeLink } from './state.js';

const t0 = performance.now();
const $ = (sel) => document.querySelector(sel);

async function start() {
  let saved = null;
  let fromLink = false;
  const m = /[#&]s=([A-Za-z0-9_-]+)/.exec(location.hash);
  if (m) {
    try {
      saved = await decodeLink(m[1]);
      fromLink = true;
    } catch (e) {
      console.warn('playground: unreadable link', e);
    }
  }
  saved ??= loadLocal();

  const engine = await PlaygroundEngine.create({ time: saved?.time, wasm: new URL('./cinder_wasm_bg.wasm', import.meta.url) });
  const defaults = configDefaults(engine);
  let restoreError = null;
  if (saved) {
    try {
      restore(engine, saved);
    } catch (e) {
      restoreError = e;
    }
  }

  const ui = new Console(engine, $('#console'), { history: saved?.history ?? [] });
  const panel = new KeyspacePanel(engine, $('#keyspace'), () => ui.client.db);
  const clock = new Clock(engine, $('#clock'), { playing: saved?.playing ?? true });
  const lessons = new LessonPanel(engine, ui, $('#lessons'), { progress: saved?.progress, current: saved?.lesson });
  if (fromLink) {
    ui.print('info', 'Loaded the keyspace from the shared link.\n');
    history.replaceState(null, '', location.pathname + location.search);
  } else if (saved) {
    ui.print('info', 'Restored your keyspace from the last visit (Reset starts over).\n');
  }
  if (restoreError) ui.print('err', `(error) could not restore everything: ${restoreError.message}\n`);

  // Toggles and buttons.
  const consoleEl = $('#console');
  for (const [id, cls] of [['#opt-types', 'show-typed'], ['#opt-raw', 'show-raw']]) {
    const box = $(id);
    box.addEventListener('change', () => consoleEl.classList.toggle(cls, box.checked));
  }
  $('#opt-resp3').addEventListener('change', (e) => ui.runLine(e.target.checked ? 'HELLO 3' : 'HELLO 2').then(() => ui.input.focus()));
  $('#client').addEventListener('change', (e) => {
    ui.useClient(Number(e.target.value));
    $('#opt-resp3').checked = ui.client.proto === 3;
    panel.apply({ all: true });
    ui.input.focus();
  });
  let resetting = false;
  $('#reset').addEventListener('click', () => {
    if (!confirm('Start over with an empty database and no lesson progress?')) return;
    resetting = true;
    clearLocal();
    location.reload();
  });
  const state = () => ({ ...snapshot(engine, defaults), history: ui.history, progress: lessons.progress, lesson: lessons.current, playing: clock.playing });
  $('#share').addEventListener('click', async () => {
    const link = `${location.origin}${location.pathname}#s=${await encodeLink(snapshot(engine, defaults))}`;
    const out = $('#share-link');
    out.value = link;
    out.hidden = false;
    out.select();
    try {
      await navigator.clipboard.writeText(link);
      $('#share').textContent = 'Link copied';
    } catch {
      $('#share').textContent = 'Copy the link';
    }
  });
  const save = () => {
    if (!resetting && !saveLocal(state())) console.warn('playground: the state is too big for local storage');
  };
  addEventListener('pagehide', save);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') save();
  });

  engine.onChange((ev) => {
    if (ev.client === ui.client) $('#opt-resp3').checked = ui.client.proto === 3;
  });
  // Offline after the first visit (not from file:// or in tests that opt out).
  if ('serviceWorker' in navigator && location.protocol.startsWith('http') && !location.search.includes('nosw')) {
    navigator.serviceWorker.register('./sw.js').catch((e) => console.warn('playground: no offline support:', e.message));
  }
  ui.input.focus();
  // Since navigation start: what a visitor waits before the prompt takes input.
  const tti = performance.now();
  const startMs = performance.now() - t0;
  window.__playground = { engine, console: ui, panel, clock, lessons, save, state, tti, startMs };
  document.body.dataset.ready = 'true';
}

start().catch((e) => {
  document.body.dataset.ready = 'error';
  const p = document.createElement('pre');
  p.className = 'fatal';
  p.textContent = `The playground could not start: ${e?.stack ?? e}`;
  document.body.prepend(p);
});
