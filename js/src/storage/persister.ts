/**
 * The write path of a persisted database (`Cinder.open`): the engine's effects, taken as
 * AOF content, go to a `StorageAdapter` as appended log records, and the log is compacted
 * into an RDB snapshot by Redis's AOF-rewrite rule.
 *
 * Writes are taken in batches: with `appendfsync: 'always'` at the end of the task that
 * made them (a microtask), with `'everysec'` once a second. One storage operation runs at
 * a time; batches that arrive meanwhile are joined into the next one (group commit).
 * `flush()` takes the current batch at once and resolves when every write made before it
 * is durable (rejects if storing one of them failed).
 */
import type { StorageAdapter } from './adapter.js';
import { concatBytes } from '../codec.js';

/** `appendfsync`-like modes: see `PersistenceOptions.appendfsync`. */
export type AppendFsync = 'always' | 'everysec';

/** Options of `Cinder.open` for the storage. */
export interface PersistenceOptions {
  /**
   * When writes are handed to storage without a `flush()`:
   * - `'always'` (default): each task's writes are stored right after the task (a
   *   microtask), one storage write per batch (batches that come while a write is in
   *   progress are joined). A crash loses at most the writes whose storage write had not
   *   completed yet.
   * - `'everysec'`: writes are gathered for up to a second, then stored together (fewer,
   *   larger storage writes). A crash loses at most about the last second of writes.
   * In both modes `await db.flush()` resolves once every write made before the call is
   * durable: after a crash or reload, every write a completed `flush()` covered is there.
   */
  appendfsync?: AppendFsync;
  /** `auto-aof-rewrite-percentage` (default 100; 0 turns automatic compaction off). */
  rewritePercentage?: number;
  /** `auto-aof-rewrite-min-size` in bytes (default 64 MiB). */
  rewriteMinSize?: number;
}

/** What the persister needs from the engine. */
export interface EffectSource {
  /** The effects since the last take, as AOF content (empty when none). */
  take(): Uint8Array;
  /** An RDB snapshot of the keyspace; the effects not taken yet are dropped (it covers them). */
  snapshot(): Uint8Array;
}

type Waiter = { seq: number; resolve: () => void; reject: (e: unknown) => void };

/** The write path (see the module doc). */
export class Persister {
  private readonly store: StorageAdapter;
  private readonly src: EffectSource;
  private readonly mode: AppendFsync;
  private readonly pct: number;
  private readonly minSize: number;
  /** Log records waiting to be stored, with the sequence number of the last one. */
  private queue: Uint8Array[] = [];
  private queued = 0;
  /** Sequence numbers: of the last batch taken, and of the last one durable. */
  private seq = 0;
  private stored = 0;
  private waiters: Waiter[] = [];
  private writing = false;
  private scheduled = false;
  /** Sizes for the rewrite rule: the snapshot after the last compaction, and the log since. */
  private baseSize = 0;
  private logSize = 0;
  /** A compaction is due (the rule fired, or a write failed and left a hole in the log). */
  private compactDue = false;
  /** Storage operations done (for tests and benchmarks). */
  readonly stats = { appends: 0, replaces: 0, bytes: 0 };
  closed = false;

  constructor(store: StorageAdapter, src: EffectSource, opts: PersistenceOptions, baseSize: number, logSize: number) {
    this.store = store;
    this.src = src;
    this.mode = opts.appendfsync ?? 'always';
    if (this.mode !== 'always' && this.mode !== 'everysec') throw new Error(`appendfsync must be 'always' or 'everysec', not ${String(this.mode)}`);
    this.pct = opts.rewritePercentage ?? 100;
    this.minSize = opts.rewriteMinSize ?? 64 * 1024 * 1024;
    this.baseSize = baseSize;
    this.logSize = logSize;
  }

  /** A command ran: makes sure its effects get taken (cheap when already scheduled). */
  touch(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    if (this.mode === 'always') queueMicrotask(this.tick);
    else setTimeout(this.tick, 1000);
  }

  private tick = (): void => {
    this.scheduled = false;
    if (!this.closed) this.collect();
  };

  /** Takes the current batch into the queue and starts storing; returns its sequence number. */
  private collect(): number {
    const bytes = this.src.take();
    if (bytes.length) {
      this.queue.push(bytes);
      this.logSize += bytes.length;
      this.queued = ++this.seq;
    }
    this.pump();
    return this.seq;
  }

  /** Forces a compaction (after `db.load()`, which the log cannot describe). */
  compactNow(): Promise<void> {
    this.compactDue = true;
    this.seq++;
    return this.flushTo(this.seq, true);
  }

  /** Resolves once every write made so far is durable. */
  flush(): Promise<void> {
    const seq = this.collect();
    return this.flushTo(seq, false);
  }

  private flushTo(seq: number, pump: boolean): Promise<void> {
    if (this.stored >= seq && !this.compactDue) return Promise.resolve();
    const p = new Promise<void>((resolve, reject) => this.waiters.push({ seq, resolve, reject }));
    if (pump) this.pump();
    return p;
  }

  private rewriteDue(): boolean {
    if (this.pct <= 0) return false;
    const current = this.baseSize + this.logSize;
    const base = this.baseSize || 1;
    return current > this.minSize && ((current * 100) / base - 100) >= this.pct;
  }

  /** Runs the next storage operation, if none is running. */
  private pump(): void {
    if (this.writing) return;
    // After close() the engine is gone: no more snapshots (the queued log still goes out).
    if (!this.closed && !this.compactDue && this.rewriteDue()) this.compactDue = true;
    let op: Promise<void>;
    let upTo: number;
    if (this.compactDue && !this.closed) {
      // The snapshot covers every write so far, queued or not: the queue is dropped.
      this.compactDue = false;
      let snap: Uint8Array;
      try {
        snap = this.src.snapshot();
      } catch (err) {
        this.compactDue = true;
        this.settle(this.seq, err);
        return;
      }
      this.queue = [];
      upTo = this.seq;
      this.baseSize = snap.length;
      this.logSize = 0;
      this.stats.replaces++;
      this.stats.bytes += snap.length;
      op = this.store.replace(snap);
    } else if (this.queue.length) {
      const parts = this.queue;
      this.queue = [];
      upTo = this.queued;
      const record = parts.length === 1 ? parts[0] : concatBytes(parts);
      this.stats.appends++;
      this.stats.bytes += record.length;
      op = this.store.append(record);
    } else {
      // Nothing to store: everything taken is durable (or, closed after a failure, lost).
      if (this.seq > this.stored) this.settle(this.seq, this.compactDue ? new Error('cinderkv: closed after a failed storage write') : null);
      return;
    }
    this.writing = true;
    op.then(
      () => this.finish(upTo, null),
      (err) => {
        // A lost record leaves a hole in the log: the next operation is a full snapshot.
        this.compactDue = true;
        this.finish(upTo, err);
      },
    );
  }

  private finish(upTo: number, err: unknown): void {
    this.writing = false;
    this.settle(upTo, err);
    if (this.queue.length || (this.compactDue && !this.closed) || this.waiters.length) this.pump();
  }

  private settle(upTo: number, err: unknown): void {
    if (err === null) this.stored = Math.max(this.stored, upTo);
    const keep: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.seq <= upTo) {
        if (err === null) w.resolve();
        else w.reject(err);
      } else keep.push(w);
    }
    this.waiters = keep;
  }

  /** Stores what is left, then closes the adapter. */
  async close(): Promise<void> {
    if (this.closed) return;
    const last = this.flush();
    this.closed = true;
    try {
      await last;
    } finally {
      await this.store.close?.();
    }
  }
}

