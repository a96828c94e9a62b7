/**
 * The storage adapter interface of `Cinder.open()`: where a persisted database keeps its
 * bytes. cinderkv ships adapters for IndexedDB (`idb://name`), files (Node, Deno) and
 * memory; implement this interface to keep a database anywhere else (Cloudflare Durable
 * Object storage, KV, a server...).
 *
 * What is stored is Redis's own persistence format: a *snapshot* (an RDB file, as
 * `db.save()` returns) and a *log* of the writes made after it (AOF content: RESP commands,
 * `SELECT` when the database changes, `MULTI`/`EXEC` around multi-command effects), kept as
 * a list of records in the order they were appended.
 */
export interface StorageAdapter {
  /**
   * Reads what is stored: the last snapshot (none for a new database) and the log records
   * appended after it, in append order. Called once, by `Cinder.open()`.
   */
  load(): Promise<StoredState>;
  /**
   * Appends one log record. Resolve only once the record is durable (survives a crash of
   * this process). Never called while another `append`/`replace` of the same adapter is
   * pending. A record must never be stored partly *except* as the last one (a torn tail is
   * dropped at load, as `aof-load-truncated yes` does).
   */
  append(record: Uint8Array): Promise<void>;
  /**
   * Replaces everything stored with `snapshot` and an empty log, atomically: after a
   * crash, `load()` returns either the old snapshot and log or the new snapshot alone,
   * never a mix. Resolve once durable. Never called while another call is pending.
   */
  replace(snapshot: Uint8Array): Promise<void>;
  /** Optional: releases resources (files, connections) after the last write. */
  close?(): Promise<void>;
}

/** What `StorageAdapter.load` returns. */
export interface StoredState {
  /** The last snapshot (an RDB file); absent or null when there is none. */
  snapshot?: Uint8Array | null;
  /** The log records appended after the snapshot, in order. */
  log: Uint8Array[];
}

/**
 * An adapter in memory (tests, or to inspect what would be stored). `state` is what a
 * durable store would hold; `failNext` makes the next write reject (tests).
 */
export class MemoryStorage implements StorageAdapter {
  snapshot: Uint8Array | null = null;
  log: Uint8Array[] = [];
  /** The number of `append` and `replace` calls that completed. */
  writes = 0;
  /** The next write rejects with this error (then it is cleared). */
  failNext: Error | null = null;

  async load(): Promise<StoredState> {
    return { snapshot: this.snapshot, log: [...this.log] };
  }

  async append(record: Uint8Array): Promise<void> {
    this.fail();
    this.log.push(record.slice());
    this.writes++;
  }

  async replace(snapshot: Uint8Array): Promise<void> {
    this.fail();
    this.snapshot = snapshot.slice();
    this.log = [];
    this.writes++;
  }

  private fail(): void {
    const e = this.failNext;
    if (e) {
      this.failNext = null;
      throw e;
    }
  }
}
