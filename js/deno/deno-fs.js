/**
 * `FileOps` over Deno's own file API (no Node built-ins), for the Deno entry's file
 * storage (`Cinder.open('./data/cinder')`; needs --allow-read and --allow-write).
 */
function absolute(p) {
  if (p.startsWith('/')) return p;
  return `${Deno.cwd()}/${p}`.replace(/\/\.\//g, '/');
}

export const denoFileOps = {
  directory: (target) => {
    const p = target.startsWith('file:') ? decodeURIComponent(new URL(target).pathname) : absolute(target);
    return p.replace(/\/+$/, '') || '/';
  },
  mkdirp: (dir) => Deno.mkdir(dir, { recursive: true }),
  list: async (dir) => {
    const out = [];
    for await (const e of Deno.readDir(dir)) out.push(e.name);
    return out;
  },
  read: async (file) => {
    try {
      return await Deno.readFile(file);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return null;
      throw e;
    }
  },
  openAppend: async (file) => {
    const f = await Deno.open(file, { append: true, create: true });
    return {
      write: async (b) => {
        let at = 0;
        while (at < b.length) at += await f.write(b.subarray(at));
      },
      sync: () => f.syncData(),
      close: async () => f.close(),
    };
  },
  writeSynced: async (file, bytes) => {
    const f = await Deno.open(file, { write: true, create: true, truncate: true });
    try {
      let at = 0;
      while (at < bytes.length) at += await f.write(bytes.subarray(at));
      await f.sync();
    } finally {
      f.close();
    }
  },
  rename: (a, b) => Deno.rename(a, b),
  remove: async (file) => {
    try {
      await Deno.remove(file);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  },
  syncDir: async (dir) => {
    try {
      const d = await Deno.open(dir, { read: true });
      try {
        await d.sync();
      } finally {
        d.close();
      }
    } catch {
      // Not supported everywhere; the rename is still atomic.
    }
  },
};
