/**
 * `cinderkv/rest/node`: the REST handler behind Node's `http` server.
 *
 * ```js
 * import http from 'node:http';
 * import { createHandler } from 'cinderkv/rest';
 * import { toNodeListener } from 'cinderkv/rest/node';
 * http.createServer(toNodeListener(createHandler({ engine, token }))).listen(8080);
 * ```
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHandler, type HandlerOptions, type RestHandler } from './index.js';

/** Adapts a `(Request) => Promise<Response>` handler to `http.createServer`'s listener. */
export function toNodeListener(handler: RestHandler): http.RequestListener {
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', () => res.destroy());
    req.on('end', () => {
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) {
        if (Array.isArray(v)) for (const x of v) headers.append(k, x);
        else if (v !== undefined) headers.set(k, v);
      }
      const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
      const request = new Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`, {
        method: req.method,
        headers,
        body: hasBody ? Buffer.concat(chunks) : undefined,
      });
      handler(request).then(
        async (response) => {
          const body = new Uint8Array(await response.arrayBuffer());
          const out: Record<string, string> = {};
          response.headers.forEach((v, k) => (out[k] = v));
          res.writeHead(response.status, out);
          res.end(req.method === 'HEAD' ? undefined : body);
        },
        (err) => {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: `ERR ${(err as Error).message}` }));
        },
      );
    });
  };
}

/** Serves the REST API over HTTP on `port` (0: a free one); resolves with its URL and `close`. */
export async function serveRest(
  options: HandlerOptions & { port?: number; host?: string },
): Promise<{ url: string; port: number; close: () => Promise<void> }> {
  const server = http.createServer(toNodeListener(createHandler(options)));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections?.();
        server.close(() => r());
      }),
  };
}
