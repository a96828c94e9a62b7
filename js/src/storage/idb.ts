/**
 * `idb://name`: a database kept in IndexedDB (browsers, web workers, service workers).
 * One IndexedDB database `cinderkv:<name>` with two object stores: `snapshot` (one entry)
 * and `log` (records under increasing keys). Every write is one `readwrite` transaction
 * with `durability: 'strict'` (flushed to disk before it completes); `replace` clears the
 * log and writes the snapshot in the same transaction, so it is atomic.
 *
 * One writer at a time: where the Web Locks API exists, `load` takes the exclusive lock
 * `cinderkv:<name>` (held until `close`, or until the page or worker goes away) and fails
 * with a clear error when another tab or worker holds it, instead of both writing.
 */
import type { StorageAdapter, StoredState } from './adapter.js';

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

/** The IndexedDB adapter (see the module doc). */
export class IdbStorage implements StorageAdapter {
  private db: IDBDatabase | null = null;
  private release: (() => void) | null = null;
  readonly name: string;

  constructor(name: string) {
    this.name = name;
  }

  private async open(): Promise<IDBDatabase> {
    if (this.db) return this.db;
    if (typeof indexedDB === 'undefined') throw new Error('cinderkv: idb:// needs IndexedDB, which this runtime does not have');
    const r = indexedDB.open(`cinderkv:${this.name}`, 1);
    r.onupgradeneeded = () => {
      r.result.createObjectStore('snapshot');
      r.result.createObjectStore('log', { autoIncrement: true });
    };
    this.db = await request(r);
    return this.db;
  }

  private tx(db: IDBDatabase, mode: IDBTransactionMode): IDBTransaction {
    return mode === 'readwrite'
      ? db.transaction(['snapshot', 'log'], mode, { durability: 'strict' } as IDBTransactionOptions)
      : db.transaction(['snapshot', 'log'], mode);
  }

  /** Takes the Web Lock of this database (where the API exists). */
  private async lock(): Promise<void> {
    const locks = (globalThis as any).navigator?.locks;
    if (!locks || this.release) return;
    await new Promise<void>((resolve, reject) => {
      locks
        .request(`cinderkv:${this.name}`, { ifAvailable: true }, (lock: unknown) => {
          if (!lock) {
            reject(new Error(`cinderkv: idb://${this.name} is open in another tab or worker (one writer at a time)`));
            return undefined;
          }
          resolve();
          return new Promise<void>((r) => (this.release = r));
        })
        .catch(reject);
    });
  }

  async load(): Promise<StoredState> {
    await this.lock();
    const db = await this.open();
    const tx = this.tx(db, 'readonly');
    const [snapshot, log] = await Promise.all([
      request(tx.objectStore('snapshot').get('rdb')),
      request(tx.objectStore('log').getAll()),
    ]);
    return { snapshot: snapshot ? new Uint8Array(snapshot) : null, log: log.map((x: ArrayBuffer) => new Uint8Array(x)) };
  }

  async append(record: Uint8Array): Promise<void> {
    const db = await this.open();
    const tx = this.tx(db, 'readwrite');
    tx.objectStore('log').add(record.slice().buffer);
    await done(tx);
  }

  async replace(snapshot: Uint8Array): Promise<void> {
    const db = await this.open();
    const tx = this.tx(db, 'readwrite');
    tx.objectStore('log').clear();
    tx.objectStore('snapshot').put(snapshot.slice().buffer, 'rdb');
    await done(tx);
  }

  async close(): Promise<void> {
    this.db?.close();
    this.db = null;
    this.release?.();
    this.release = null;
  }
}
