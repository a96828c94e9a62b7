/** `FileOps` over `node:fs/promises`, for the Node entry's file storage. */
import { mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FileOps } from './file.js';

/** Node's file system calls for `FileStorage`. */
export const nodeFileOps: FileOps = {
  directory: (target) => path.resolve(target.startsWith('file:') ? fileURLToPath(target) : target),
  mkdirp: async (dir) => {
    await mkdir(dir, { recursive: true });
  },
  list: (dir) => readdir(dir),
  read: async (file) => {
    try {
      return new Uint8Array(await readFile(file));
    } catch (e: any) {
      if (e?.code === 'ENOENT') return null;
      throw e;
    }
  },
  openAppend: async (file) => {
    const f = await open(file, 'a');
    return {
      write: async (b) => {
        await f.write(b);
      },
      sync: () => f.datasync(),
      close: () => f.close(),
    };
  },
  writeSynced: async (file, bytes) => {
    const f = await open(file, 'w');
    try {
      await f.write(bytes);
      await f.sync();
    } finally {
      await f.close();
    }
  },
  rename: (a, b) => rename(a, b),
  remove: (file) => rm(file, { force: true }),
  syncDir: async (dir) => {
    try {
      const d = await open(dir, 'r');
      try {
        await d.sync();
      } finally {
        await d.close();
      }
    } catch {
      // Some platforms cannot sync a directory; the rename is still atomic.
    }
  },
};
