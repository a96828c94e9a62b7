/**
 * Wiring of persistence into an instance: choosing the adapter for a target string,
 * loading what is stored (snapshot, then the log replayed without being logged again),
 * and the effect source the persister reads. Kept apart from `cinder.ts`.
 */
import { logEnable, logReplay, logReset, logTake, rdbLoad, rdbSave } from '../wasm/cinder_wasm.js';
import { CinderError } from '../errors.js';
import type { StorageAdapter } from './adapter.js';
import { RdbError } from './errors.js';
import { IdbStorage } from './idb.js';
import { type PersistenceOptions, Persister } from './persister.js';
import { concatBytes } from '../codec.js';

/** Makes a file adapter for a path or `file://` URL (registered by the Node and Deno entries). */
export type FileStorageFactory = (target: string) => StorageAdapter;

let fileStorage: FileStorageFactory | null = null;

/** Called by the Node and Deno entries: how `Cinder.open('./path')` stores files. */
export function setFileStorage(f: FileStorageFactory): void {
  fileStorage = f;
}

/** The adapter `Cinder.open(target)` uses. */
export function resolveStorage(target: string | StorageAdapter): StorageAdapter {
  if (typeof target !== 'string') {
    for (const m of ['load', 'append', 'replace'] as const) {
      if (typeof (target as any)?.[m] !== 'function') throw new CinderError(`cinderkv: a storage adapter needs a ${m}() method`);
    }
    return target;
  }
  if (target.startsWith('idb://')) {
    const name = target.slice('idb://'.length);
    if (!name) throw new CinderError('cinderkv: idb:// needs a database name (idb://name)');
    return new IdbStorage(name);
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target) && !target.startsWith('file://')) {
    throw new CinderError(`cinderkv: unknown storage ${JSON.stringify(target)} (use idb://name, a file path, file://... or an adapter)`);
  }
  if (!fileStorage) throw new CinderError('cinderkv: file storage needs Node or Deno; use idb://name or a storage adapter here');
  return fileStorage(target);
}

/** Wraps a wasm-side error as `RdbError`. */
function rdbError(e: unknown): RdbError {
  return new RdbError(e instanceof Error ? e.message : String(e));
}

/** `db.save()`. */
export function saveRdb(id: number): Uint8Array {
  return rdbSave(id);
}

/** `db.load()`: throws `RdbError` (Redis's message) for a bad file, changing nothing. */
export function loadRdb(id: number, bytes: Uint8Array): void {
  if (!(bytes instanceof Uint8Array)) throw new CinderError('cinderkv: load() needs the RDB file as a Uint8Array');
  try {
    rdbLoad(id, bytes);
  } catch (e) {
    throw rdbError(e);
  }
}


/**
 * Loads what `store` holds into instance `id` and turns its effect log on. Returns the
 * persister (its first operation compacts a non-empty log into a snapshot, so a torn
 * tail never has records appended after it).
 */
export async function attach(id: number, store: StorageAdapter, opts: PersistenceOptions): Promise<{ persister: Persister; compacted: Promise<void> | null }> {
  const state = await store.load();
  const log = (state.log ?? []).filter((r) => r.length > 0);
  if (state.snapshot && state.snapshot.length) loadRdb(id, state.snapshot);
  if (log.length) {
    try {
      logReplay(id, log.length === 1 ? log[0] : concatBytes(log));
    } catch (e) {
      throw rdbError(e);
    }
  }
  logEnable(id, true);
  const persister = new Persister(
    store,
    {
      take: () => logTake(id),
      snapshot: () => {
        const s = rdbSave(id);
        logReset(id);
        return s;
      },
    },
    opts,
    state.snapshot?.length ?? 0,
    log.reduce((n, r) => n + r.length, 0),
  );
  return { persister, compacted: log.length ? persister.compactNow() : null };
}

export { Persister };
