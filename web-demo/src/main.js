/**
 * The playground page: opens the keyspace kept in IndexedDB (or loads a shared link into
 * it), then wires the console, the keyspace panel, the clock and the lessons. Every write
 * is stored as it happens; leaving the page also stores a snapshot (exact LRU/LFU data)
 * and the settings.
 */
import { PlaygroundEngine } from './engine.js';
import { Console } from './console.js';
import { KeyspacePanel } from './keyspace-panel.js';
import { Clock } from './clock.js';
import { LessonPanel } from './lesson-ui.js';
import { configDefaults, snapshot, settings, restore, saveLocal, loadLocal, clearLocal, encodeLink, decodeLink, KEYSPACE_STORE } from './state.js';

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
  const local = loadLocal();
  saved ??= local;

  let engine;
  let restoreError = null;
  const wasm = new URL('./cinder_wasm_bg.wasm', import.meta.url);
  try {
    // The saved CONFIG first (maxmemory-policy decides how LRU/LFU data loads), without
    // maxmemory (loading never evicts; restore() sets it after).
    const { maxmemory, ...config } = saved?.config ?? {};
    engine = await PlaygroundEngine.create({ time: saved?.time, wasm, storage: KEYSPACE_STORE, config })
      .catch(() => PlaygroundEngine.create({ time: saved?.time, wasm, storage: KEYSPACE_STORE }));
  } catch (e) {
    // No IndexedDB here (private mode of some browsers) or an unreadable store: in memory.
    restoreError = e;
    engine = await PlaygroundEngine.create({ time: saved?.time, wasm });
  }
  // The defaults of a fresh engine (the kept one was created with the saved CONFIG).
  const blank = new PlaygroundEngine();
  const defaults = configDefaults(blank);
  blank.db.close();
  if (saved) {
    try {
      // A link's keyspace replaces the kept one; a state saved by an older playground
      // (keyspace in local storage) moves into the store once. Settings come from either.
      const storeEmpty = !/keys=/.test(String(engine.read(0, 'INFO', 'keyspace')));
      const keyspace = fromLink || (saved.v === 1 && saved.dbs && storeEmpty);
      if (fromLink) engine.panel.call('FLUSHALL');
      restore(engine, keyspace ? saved : { ...saved, dbs: {} });
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
  if (restoreError && /another tab/.test(restoreError.message)) {
    ui.print('info', 'The playground is open in another tab, which keeps the stored keyspace: this tab works in memory only.\n');
  } else if (restoreError) ui.print('err', `(error) could not restore everything: ${restoreError.message}\n`);

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
    engine.panel.call('FLUSHALL');
    engine.db.flush({ snapshot: true }).finally(() => location.reload());
  });
  const state = () => ({ ...settings(engine, defaults), history: ui.history, progress: lessons.progress, lesson: lessons.current, playing: clock.playing });
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
    if (resetting) return;
    if (!saveLocal(state())) console.warn('playground: the state is too big for local storage');
    // The writes are stored already; a snapshot also keeps LRU/LFU data and stream group details exactly.
    engine.db.flush({ snapshot: true }).catch((e) => console.warn('playground: could not store the keyspace:', e.message));
  };
  addEventListener('pagehide', save);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') save();
  });

  // Writes reach IndexedDB as they happen (the log); a snapshot a moment after the last
  // command also keeps what the log cannot carry: reads' effect on LRU/LFU data, consumer
  // seen-times. Playground keyspaces are small, so this is cheap.
  let snapTimer = null;
  engine.onChange((ev) => {
    if (ev.client === ui.client) $('#opt-resp3').checked = ui.client.proto === 3;
    if (ev.tick !== undefined || resetting) return;
    clearTimeout(snapTimer);
    snapTimer = setTimeout(() => {
      saveLocal(state());
      engine.db.flush({ snapshot: true }).catch((e) => console.warn('playground: could not store the keyspace:', e.message));
    }, 250);
  });
  // Offline after the first visit (not from file:// or in tests that opt out).
  if ('serviceWorker' in navigator && location.protocol.startsWith('http') && !location.search.includes('nosw')) {
    navigator.serviceWorker.register('./sw.js').catch((e) => console.warn('playground: no offline support:', e.message));
  }
  ui.input.focus();
  // Since navigation start: what a visitor waits before the prompt takes input.
  const tti = performance.now();
  const startMs = performance.now() - t0;
  window.__playground = { engine, console: ui, panel, clock, lessons, save, state, keyspace: () => snapshot(engine, defaults), tti, startMs };
  document.body.dataset.ready = 'true';
}

start().catch((e) => {
  document.body.dataset.ready = 'error';
  const p = document.createElement('pre');
  p.className = 'fatal';
  p.textContent = `The playground could not start: ${e?.stack ?? e}`;
  document.body.prepend(p);
});
