/**
 * A `StorageAdapter` over Cloudflare Durable Object storage (`ctx.storage` /
 * `state.storage`), both the KV- and the SQLite-backed kind, through its key-value API
 * (`get`, `put`, `delete`, `list`). Values are kept below 128 KiB (the KV backend's limit):
 * the snapshot is stored in chunks, each log record as one or more pieces.
 *
 * Layout under `prefix` (default `cinder:`): `meta` → `{ gen }`; the snapshot of
 * generation `gen` in `snap:<gen>:<i>`; the log after it in `log:<gen>:<n>`. `replace`
 * writes generation `gen+1`'s chunks, switches `meta` in one `put` (atomic), then deletes
 * generation `gen`: a crash leaves either generation whole. An append is one `put` of its
 * pieces (atomic up to 128 pieces; a longer record is written in order, so a crash can
 * only cut its tail, which loading drops).
 */
import type { StorageAdapter, StoredState } from './adapter.js';
import { concatBytes } from '../codec.js';

/** The part of Durable Object storage this adapter uses. */
export interface DurableObjectStorageLike {
  get<T = unknown>(key: string): Promise<T | undefined>;
  put(entries: Record<string, unknown>): Promise<void>;
  delete(keys: string[]): Promise<number>;
  list<T = unknown>(options: { prefix: string; start?: string; limit?: number }): Promise<Map<string, T>>;
}

const PIECE = 120 * 1024;

const pad = (n: number) => String(n).padStart(12, '0');

/** The Durable Object storage adapter (see the module doc). */
export class DurableObjectStore implements StorageAdapter {
  private readonly storage: DurableObjectStorageLike;
  private readonly prefix: string;
  private gen = 0;
  private next = 0;

  constructor(storage: DurableObjectStorageLike, options: { prefix?: string } = {}) {
    this.storage = storage;
    this.prefix = options.prefix ?? 'cinder:';
  }

  private async listValues(prefix: string): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    let start: string | undefined;
    for (;;) {
      const page = await this.storage.list<ArrayBuffer | Uint8Array>({ prefix, start, limit: 512 });
      let last: string | undefined;
      for (const [k, v] of page) {
        if (k === start) continue;
        out.push(v instanceof Uint8Array ? v : new Uint8Array(v));
        last = k;
      }
      if (last === undefined || page.size < 512) return out;
      start = last;
    }
  }

  private async deleteAll(prefix: string): Promise<void> {
    for (;;) {
      const page = await this.storage.list({ prefix, limit: 128 });
      if (page.size === 0) return;
      await this.storage.delete([...page.keys()]);
    }
  }

  async load(): Promise<StoredState> {
    const meta = await this.storage.get<{ gen: number }>(`${this.prefix}meta`);
    this.gen = meta?.gen ?? 0;
    const chunks = this.gen > 0 ? await this.listValues(`${this.prefix}snap:${this.gen}:`) : [];
    const log = await this.listValues(`${this.prefix}log:${this.gen}:`);
    this.next = log.length;
    // Leftovers of an interrupted replace (the next generation's chunks).
    await this.deleteAll(`${this.prefix}snap:${this.gen + 1}:`);
    return { snapshot: chunks.length ? concatBytes(chunks) : null, log };
  }

  async append(record: Uint8Array): Promise<void> {
    let batch: Record<string, unknown> = {};
    let n = 0;
    for (let at = 0; at < record.length; at += PIECE) {
      batch[`${this.prefix}log:${this.gen}:${pad(this.next++)}`] = record.slice(at, at + PIECE);
      if (++n === 128) {
        await this.storage.put(batch);
        batch = {};
        n = 0;
      }
    }
    if (n) await this.storage.put(batch);
  }

  async replace(snapshot: Uint8Array): Promise<void> {
    const gen = this.gen + 1;
    let batch: Record<string, unknown> = {};
    let n = 0;
    let i = 0;
    for (let at = 0; at < snapshot.length || i === 0; at += PIECE) {
      batch[`${this.prefix}snap:${gen}:${pad(i++)}`] = snapshot.slice(at, at + PIECE);
      if (++n === 128) {
        await this.storage.put(batch);
        batch = {};
        n = 0;
      }
    }
    if (n) await this.storage.put(batch);
    await this.storage.put({ [`${this.prefix}meta`]: { gen } });
    const old = this.gen;
    this.gen = gen;
    this.next = 0;
    await this.deleteAll(`${this.prefix}snap:${old}:`);
    await this.deleteAll(`${this.prefix}log:${old}:`);
  }
}

