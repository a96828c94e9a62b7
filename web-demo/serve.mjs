#!/usr/bin/env node
// `npm run demo`: builds the playground (and the package first when dist/ is missing) and serves web-demo/dist on localhost (gzip when
// the browser accepts it, like a static host would). Port: PORT or 8080 (0 = any free one).
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { buildDemo } from './build.mjs';

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm', '.png': 'image/png' };
const COMPRESS = new Set(['.html', '.js', '.css', '.wasm']);

/** Serves `dir` on 127.0.0.1:`port`; resolves to `{ url, close }`. */
export function serveDir(dir, port = 0) {
  const cache = new Map();
  const server = createServer(async (req, res) => {
    let rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (rel.endsWith('/')) rel += 'index.html';
    const file = path.join(dir, path.normalize(rel));
    if (!file.startsWith(dir)) return res.writeHead(403).end();
    try {
      const ext = path.extname(file);
      // Revalidated on every use: an unchanged file costs a 304 (the service worker's
      // precache right after the first load does not download everything twice).
      const st = await stat(file);
      const etag = `"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
      const headers = { 'content-type': TYPES[ext] ?? 'application/octet-stream', 'cache-control': 'no-cache', etag, vary: 'accept-encoding' };
      if (req.headers['if-none-match'] === etag) return res.writeHead(304, headers).end();
      let body = await readFile(file);
      if (COMPRESS.has(ext) && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
        const key = `${file}:${body.length}`;
        if (!cache.has(key)) cache.set(key, gzipSync(body, { level: 9 }));
        body = cache.get(key);
        headers['content-encoding'] = 'gzip';
      }
      res.writeHead(200, headers).end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve({
      url: `http://127.0.0.1:${server.address().port}`,
      close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
    }));
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = await buildDemo({ buildPackage: true });
  const { url } = await serveDir(dir, Number(process.env.PORT ?? 8080));
  console.log(`Cinder playground: ${url}/  (Ctrl+C to stop)`);
}
