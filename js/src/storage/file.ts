/**
 * A database kept in a directory (Node and Deno, through `node:fs/promises`), laid out
 * like Redis 7's multi-part AOF: `base-<n>.rdb` (the snapshot) and `incr-<n>.aof` (the
 * log after it) for the highest generation `n`. Appends are written and `fdatasync`ed
 * before they resolve. `replace` writes `base-<n+1>.rdb` under a temporary name, syncs
 * it, renames it (atomic) and syncs the directory, then removes generation `n`: a crash
 * at any point leaves either generation `n` whole or generation `n+1` with an empty log.
 */
import { mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StorageAdapter, StoredState } from './adapter.js';

/** The directory a `file://` URL or a path names. */
export function directoryOf(target: string): string {
  return target.startsWith('file:') ? fileURLToPath(target) : target;
}

/** The file adapter (see the module doc). */
export class FileStorage implements StorageAdapter {
  readonly dir: string;
  private gen = 0;
  private log: FileHandle | null = null;

  constructor(target: string) {
    this.dir = path.resolve(directoryOf(target));
  }

  private file(kind: 'base' | 'incr', gen: number): string {
    return path.join(this.dir, kind === 'base' ? `base-${gen}.rdb` : `incr-${gen}.aof`);
  }

  async load(): Promise<StoredState> {
    await mkdir(this.dir, { recursive: true });
    const names = await readdir(this.dir);
    let gen = 0;
    for (const n of names) {
      const m = /^base-(\d+)\.rdb$/.exec(n);
      if (m) gen = Math.max(gen, Number(m[1]));
    }
    this.gen = gen;
    const snapshot = gen > 0 ? new Uint8Array(await readFile(this.file('base', gen))) : null;
    let log: Uint8Array[] = [];
    try {
      log = [new Uint8Array(await readFile(this.file('incr', gen)))];
    } catch (e: any) {
      if (e?.code !== 'ENOENT') throw e;
    }
    // Leftovers of an interrupted replace.
    for (const n of names) {
      const m = /^(?:base|incr)-(\d+)\.(?:rdb|aof)(\.tmp)?$/.exec(n);
      if (m && (Number(m[1]) !== gen || m[2])) await rm(path.join(this.dir, n), { force: true });
    }
    return { snapshot, log };
  }

  async append(record: Uint8Array): Promise<void> {
    if (!this.log) this.log = await open(this.file('incr', this.gen), 'a');
    await this.log.write(record);
    await this.log.datasync();
  }

  async replace(snapshot: Uint8Array): Promise<void> {
    const next = this.gen + 1;
    const tmp = `${this.file('base', next)}.tmp`;
    const f = await open(tmp, 'w');
    try {
      await f.write(snapshot);
      await f.sync();
    } finally {
      await f.close();
    }
    await rename(tmp, this.file('base', next));
    await this.syncDir();
    const old = this.gen;
    this.gen = next;
    await this.log?.close();
    this.log = null;
    await rm(this.file('base', old), { force: true });
    await rm(this.file('incr', old), { force: true });
  }

  private async syncDir(): Promise<void> {
    try {
      const d = await open(this.dir, 'r');
      try {
        await d.sync();
      } finally {
        await d.close();
      }
    } catch {
      // Some platforms cannot open or sync a directory; the rename is still atomic.
    }
  }

  async close(): Promise<void> {
    await this.log?.close();
    this.log = null;
  }
}

