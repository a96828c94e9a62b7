/**
 * Where the keyspace panel learns which keys changed. Two sources with one interface:
 * `source(engine, onChanges)` starts it and returns a stop function; `onChanges(batch)` is
 * called after every command a console client or a lesson runs and after every clock move,
 * with `batch` one of
 *   { all: true }             anything may have changed: re-read the keyspace
 *   { keys: [[db, key], ...] } exactly these keys changed (db index, key as a string)
 *   { expiredBy: now }        only time moved: keys whose known expiry is <= now may be gone
 *
 * - `notificationSource` (the intended one): keyspace notifications from the engine
 *   (`CONFIG SET notify-keyspace-events KEA` and `db.onKeyspaceEvent(fn)`, issue #8),
 *   collected while a command runs and handed over when it finishes.
 * - `rescanSource` (the fallback for a package without notifications): after each
 *   command the panel re-reads the keyspace; after a clock move only the keys whose expiry
 *   passed. No timer polling: nothing is read unless a command ran or time moved.
 */

/** Fallback: a full re-read after each command, expiry checks after each clock move. */
export function rescanSource(engine, onChanges) {
  return engine.onChange((ev) => {
    if (ev.tick !== undefined) onChanges({ expiredBy: engine.now });
    else onChanges({ all: true });
  });
}

/** The (db, key) a keyspace event names. The one place to adapt to the #8 event shape. */
function eventKey(ev) {
  if (ev.key !== undefined) return [Number(ev.db ?? 0), String(ev.key)];
  // A `__keyspace@<db>__:<key>` channel with the event as the message.
  const m = /^__keyspace@(\d+)__:(.*)$/s.exec(String(ev.channel ?? ''));
  return m ? [Number(m[1]), m[2]] : null;
}

// Commands after which the panel re-reads everything: no per-key events (FLUSHDB,
// FLUSHALL, SWAPDB), a new selected database (SELECT, RESET), maybe notifications off (CONFIG).
const WHOLESALE = new Set(['flushdb', 'flushall', 'swapdb', 'select', 'reset', 'config']);

/** Keyspace notifications: exactly the keys that changed, flushed after each command or tick. */
export function notificationSource(engine, onChanges) {
  if (typeof engine.db.psubscribe !== 'function') return rescanSource(engine, onChanges);
  engine.panel.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
  let pending = new Map();
  // Every database's keyspace channel, on the package's own subscriber connection.
  const stopEvents = engine.db.psubscribe('__keyspace@*__:*', (event, channel) => {
    const k = eventKey({ channel });
    if (k) pending.set(`${k[0]}\u0000${k[1]}`, k);
  });
  const stop = engine.onChange((ev) => {
    const batch = pending;
    pending = new Map();
    if (WHOLESALE.has(ev.name)) onChanges({ all: true });
    else if (batch.size) onChanges({ keys: [...batch.values()] });
  });
  return () => {
    stop();
    if (typeof stopEvents === 'function') stopEvents();
  };
}

/** The source the playground uses: keyspace notifications (issue #8). */
export const keyspaceSource = notificationSource;
