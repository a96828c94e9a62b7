/**
 * A database kept in a directory (Node and Deno) as Redis 7's multi-part AOF, so
 * `redis-server --dir <parent> --appenddirname <name> --appendonly yes` starts on it, and
 * `Cinder.open()` on a Redis `appendonlydir` loads it: `appendonly.aof.manifest` lists
 * `appendonly.aof.<n>.base.rdb` (the snapshot; absent before the first compaction) and
 * `appendonly.aof.<n>.incr.aof` (the log after it, RESP commands). Appends are written and
 * `fdatasync`ed before they resolve. `replace` writes generation `n+1`'s base under a
 * temporary name, syncs and renames it, creates its empty incr file, then switches the
 * manifest the same way (temporary, sync, rename: atomic) and syncs the directory before
 * removing generation `n`: a crash at any point leaves a manifest naming one whole
 * generation. Files of other names in the directory are left alone.
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

/** Redis's default `appendfilename`: the prefix of every file of the layout. */
const NAME = 'appendonly.aof';
const MANIFEST = `${NAME}.manifest`;

/** One `file ... seq ... type ...` line of a manifest. */
interface ManifestEntry {
  file: string;
  seq: number;
  type: string;
}

/** Parses a Redis 7 AOF manifest (`file <name> seq <n> type <b|h|i>` lines). */
export function parseManifest(text: string): ManifestEntry[] {
  const out: ManifestEntry[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const words = t.split(/\s+/);
    const e: Partial<ManifestEntry> = {};
    for (let i = 0; i + 1 < words.length; i += 2) {
      if (words[i] === 'file') e.file = words[i + 1];
      else if (words[i] === 'seq') e.seq = Number(words[i + 1]);
      else if (words[i] === 'type') e.type = words[i + 1];
    }
    if (!e.file || e.file.includes('/') || e.seq === undefined || !e.type) throw new Error(`cinderkv: invalid AOF manifest line: ${t}`);
    out.push(e as ManifestEntry);
  }
  return out;
}

/** The file adapter (see the module doc). */
export class FileStorage implements StorageAdapter {
  readonly dir: string;
  private readonly fs: FileOps;
  /** The generation the manifest names (0: no manifest yet). */
  private gen = 0;
  /** The incr file appends go to, and whether the manifest lists it. */
  private incr: string | null = null;
  private log: AppendFile | null = null;

  constructor(target: string, fs: FileOps) {
    this.fs = fs;
    this.dir = fs.directory(target);
  }

  private path(name: string): string {
    return `${this.dir}/${name}`;
  }

  private static base(gen: number): string {
    return `${NAME}.${gen}.base.rdb`;
  }

  private static incrName(gen: number): string {
    return `${NAME}.${gen}.incr.aof`;
  }

  async load(): Promise<StoredState> {
    await this.fs.mkdirp(this.dir);
    const text = await this.fs.read(this.path(MANIFEST));
    const entries = text ? parseManifest(new TextDecoder().decode(text)) : [];
    let snapshot: Uint8Array | null = null;
    const log: Uint8Array[] = [];
    const keep = new Set([MANIFEST]);
    for (const e of entries) {
      if (e.type === 'h') continue;
      keep.add(e.file);
      const bytes = await this.fs.read(this.path(e.file));
      if (bytes === null) throw new Error(`cinderkv: the AOF manifest names ${e.file}, which does not exist`);
      if (e.type === 'b') {
        // An RDB base, or (aof-use-rdb-preamble no) a base of commands.
        if (e.file.endsWith('.rdb')) snapshot = bytes;
        else log.push(bytes);
        this.gen = Math.max(this.gen, e.seq);
      } else if (e.type === 'i') {
        log.push(bytes);
        this.incr = e.file;
        this.gen = Math.max(this.gen, e.seq);
      }
    }
    // Leftovers of an interrupted replace (never other files).
    for (const n of await this.fs.list(this.dir)) {
      if (!keep.has(n) && (n.startsWith(`${NAME}.`) || n.startsWith(`temp-${NAME}`))) await this.fs.remove(this.path(n));
    }
    return { snapshot, log };
  }

  /** Writes `text` as the manifest: temporary file, sync, rename, directory sync. */
  private async writeManifest(text: string): Promise<void> {
    const tmp = this.path(`temp-${MANIFEST}`);
    await this.fs.writeSynced(tmp, new TextEncoder().encode(text));
    await this.fs.rename(tmp, this.path(MANIFEST));
    await this.fs.syncDir(this.dir);
  }

  async append(record: Uint8Array): Promise<void> {
    if (this.incr === null) {
      // The first write of a new directory: generation 1, a log without a base.
      const gen = this.gen + 1;
      const name = FileStorage.incrName(gen);
      await this.fs.writeSynced(this.path(name), new Uint8Array(0));
      await this.writeManifest(`file ${name} seq ${gen} type i\n`);
      this.gen = gen;
      this.incr = name;
    }
    if (!this.log) this.log = await this.fs.openAppend(this.path(this.incr));
    await this.log.write(record);
    await this.log.sync();
  }

  async replace(snapshot: Uint8Array): Promise<void> {
    const gen = this.gen + 1;
    const base = FileStorage.base(gen);
    const incr = FileStorage.incrName(gen);
    await this.fs.writeSynced(this.path(`temp-${base}`), snapshot);
    await this.fs.rename(this.path(`temp-${base}`), this.path(base));
    await this.fs.writeSynced(this.path(incr), new Uint8Array(0));
    await this.writeManifest(`file ${base} seq ${gen} type b\nfile ${incr} seq ${gen} type i\n`);
    await this.log?.close();
    this.log = null;
    this.gen = gen;
    this.incr = incr;
    // The previous generation's files (and anything else of the layout not in the manifest).
    for (const n of await this.fs.list(this.dir)) {
      if (n !== MANIFEST && n !== base && n !== incr && n.startsWith(`${NAME}.`)) await this.fs.remove(this.path(n));
    }
  }

  async close(): Promise<void> {
    await this.log?.close();
    this.log = null;
  }
}
