// Shared helpers of tests/serve: a real redis-server to compare with, raw RESP sockets.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A port that was free a moment ago. */
export async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

/** Starts Debian's redis-server on a free loopback port: `{ port, url, stop }`. */
export async function startRealRedis(extra = []) {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'serve-redis-'));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extra], {
    stdio: 'ignore',
  });
  for (let i = 0; i < 200; i++) {
    if (await canConnect(port)) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      child.kill('SIGKILL');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function canConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** A raw socket: `send(bytes)`, `read(n bytes or predicate)`, `closed` (Promise). */
export async function rawClient(port, host = '127.0.0.1') {
  const s = net.connect(port, host);
  await new Promise((r, j) => {
    s.once('connect', r);
    s.once('error', j);
  });
  let buf = Buffer.alloc(0);
  let waiter = null;
  s.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    waiter?.();
  });
  s.on('error', () => {});
  const closed = new Promise((r) => s.once('close', r));
  return {
    socket: s,
    closed,
    send: (x) => s.write(x),
    /** Waits for `want` bytes (or the given text) and returns them as text. */
    async read(want, ms = 3000) {
      const done = () => (typeof want === 'number' ? buf.length >= want : buf.toString('latin1').includes(want));
      const t0 = Date.now();
      while (!done()) {
        if (Date.now() - t0 > ms) throw new Error(`timeout waiting for ${JSON.stringify(want)}; have ${JSON.stringify(buf.toString('latin1'))}`);
        await new Promise((r) => {
          waiter = r;
          setTimeout(r, 20);
        });
      }
      const n = typeof want === 'number' ? want : buf.toString('latin1').indexOf(want) + want.length;
      const out = buf.subarray(0, n).toString('latin1');
      buf = buf.subarray(n);
      return out;
    },
    pending: () => buf.toString('latin1'),
    close: () => s.destroy(),
  };
}
