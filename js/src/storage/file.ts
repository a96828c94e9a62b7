/**
 * A database kept in a directory (Node and Deno), laid out like Redis 7's multi-part
 * AOF: `base-<n>.rdb` (the snapshot) and `incr-<n>.aof` (the log after it) for the
 * highest generation `n`. Appends are written and `fdatasync`ed before they resolve.
 * `replace` writes `base-<n+1>.rdb` under a temporary name, syncs it, renames it (atomic)
 * and syncs the directory, then removes generation `n`: a crash at any point leaves
 * either generation `n` whole or generation `n+1` with an empty log.
 *
 * The file system calls come from the runtime entry (`FileOps`: `node:fs` in Node,
 * `Deno.*` in Deno), so this module imports nothing runtime-specific.
 */
import type { StorageAdapter, StoredState } from './adapter.js';

/** An open append-only file. */
export interface AppendFile {
  write(bytes: Uint8Array): Promise<void>;
  /** fdatasync. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** The file system operations `FileStorage` needs (given by the Node and Deno entries). */
export interface FileOps {
  /** The directory a path or `file://` URL names, absolute. */
  directory(target: string): string;
  mkdirp(dir: string): Promise<void>;
  list(dir: string): Promise<string[]>;
  /** The file's bytes, or null when it does not exist. */
  read(file: string): Promise<Uint8Array | null>;
  openAppend(file: string): Promise<AppendFile>;
  /** Writes a new file and syncs it to disk. */
  writeSynced(file: string, bytes: Uint8Array): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** Removes a file (no error when it does not exist). */
  remove(file: string): Promise<void>;
  /** Syncs a directory's entries (best effort). */
  syncDir(dir: string): Promise<void>;
}

/** The file adapter (see the module doc). */
export class FileStorage implements StorageAdapter {
  readonly dir: string;
  private readonly fs: FileOps;
  private gen = 0;
  private log: AppendFile | null = null;

  constructor(target: string, fs: FileOps) {
    this.fs = fs;
    this.dir = fs.directory(target);
  }

  private file(kind: 'base' | 'incr', gen: number): string {
    return `${this.dir}/${kind === 'base' ? `base-${gen}.rdb` : `incr-${gen}.aof`}`;
  }

  async load(): Promise<StoredState> {
    await this.fs.mkdirp(this.dir);
    const names = await this.fs.list(this.dir);
    let gen = 0;
    for (const n of names) {
      const m = /^base-(\d+)\.rdb$/.exec(n);
      if (m) gen = Math.max(gen, Number(m[1]));
    }
    this.gen = gen;
    const snapshot = gen > 0 ? await this.fs.read(this.file('base', gen)) : null;
    const incr = await this.fs.read(this.file('incr', gen));
    // Leftovers of an interrupted replace.
    for (const n of names) {
      const m = /^(?:base|incr)-(\d+)\.(?:rdb|aof)(\.tmp)?$/.exec(n);
      if (m && (Number(m[1]) !== gen || m[2])) await this.fs.remove(`${this.dir}/${n}`);
    }
    return { snapshot, log: incr ? [incr] : [] };
  }

  async append(record: Uint8Array): Promise<void> {
    if (!this.log) this.log = await this.fs.openAppend(this.file('incr', this.gen));
    await this.log.write(record);
    await this.log.sync();
  }

  async replace(snapshot: Uint8Array): Promise<void> {
    const next = this.gen + 1;
    const tmp = `${this.file('base', next)}.tmp`;
    await this.fs.writeSynced(tmp, snapshot);
    await this.fs.rename(tmp, this.file('base', next));
    await this.fs.syncDir(this.dir);
    const old = this.gen;
    this.gen = next;
    await this.log?.close();
    this.log = null;
    await this.fs.remove(this.file('base', old));
    await this.fs.remove(this.file('incr', old));
  }

  async close(): Promise<void> {
    await this.log?.close();
    this.log = null;
  }
}
