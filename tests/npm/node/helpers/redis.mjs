// A real redis-server (/usr/bin/redis-server) for tests, and a minimal RESP client.
import { spawn } from 'node:child_process';
import net from 'node:net';

/** Starts redis-server on `port` in `dir` (loading `dbfilename` there if it exists). */
/** `aofdir`: start with `--appendonly yes --appenddirname aofdir` (a multi-part AOF in `dir`). */
export async function startRedis(dir, port, dbfilename = 'dump.rdb', aofdir = null) {
  const aof = aofdir ? ['--appendonly', 'yes', '--appenddirname', aofdir] : ['--appendonly', 'no'];
  const proc = spawn('/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--dbfilename', dbfilename,
    '--save', '', ...aof, '--daemonize', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout.on('data', (d) => (log += d));
  proc.stderr.on('data', (d) => (log += d));
  const exited = new Promise((r) => proc.on('exit', r));
  const end = Date.now() + 10_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`redis-server exited:\n${log}`);
    try {
      const c = await connect(port);
      // Wait until it is done loading.
      for (;;) {
        try {
          await c.cmd('PING');
          break;
        } catch (e) {
          if (!String(e.message).startsWith('LOADING')) throw e;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      return { client: c, log: () => log, stop: async () => { c.close(); proc.kill('SIGKILL'); await exited; } };
    } catch (e) {
      if (Date.now() > end) throw new Error(`redis-server did not answer: ${e.message}\n${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** A RESP2 client: `cmd(...args)` resolves to strings (Buffers with `raw`), numbers, arrays, null. */
export function connect(port) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    const pending = [];
    sock.on('error', (e) => {
      reject(e);
      for (const p of pending.splice(0)) p.reject(e);
    });
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const r = parse(buf, 0);
        if (!r) break;
        buf = buf.subarray(r.end);
        const p = pending.shift();
        if (r.value instanceof Error) p.reject(r.value);
        else p.resolve(r.value);
      }
    });
    sock.on('connect', () => resolve({
      cmd: (...args) => new Promise((res, rej) => {
        pending.push({ resolve: res, reject: rej });
        const parts = [`*${args.length}\r\n`];
        const bufs = [];
        for (const a of args) {
          const b = Buffer.isBuffer(a) || a instanceof Uint8Array ? Buffer.from(a) : Buffer.from(String(a));
          bufs.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
        }
        sock.write(Buffer.concat([Buffer.from(parts[0]), ...bufs]));
      }),
      close: () => sock.destroy(),
    }));
  });
}

function parse(b, at) {
  const nl = b.indexOf('\r\n', at);
  if (nl < 0) return null;
  const t = String.fromCharCode(b[at]);
  const line = b.subarray(at + 1, nl).toString('latin1');
  const end = nl + 2;
  if (t === '+') return { value: line, end };
  if (t === '-') return { value: new Error(line), end };
  if (t === ':') return { value: Number(line), end };
  if (t === '$') {
    const n = Number(line);
    if (n < 0) return { value: null, end };
    if (b.length < end + n + 2) return null;
    return { value: b.subarray(end, end + n), end: end + n + 2 };
  }
  if (t === '*') {
    const n = Number(line);
    if (n < 0) return { value: null, end };
    const out = [];
    let p = end;
    for (let i = 0; i < n; i++) {
      const r = parse(b, p);
      if (!r) return null;
      out.push(r.value);
      p = r.end;
    }
    return { value: out, end: p };
  }
  throw new Error(`bad RESP type ${t}`);
}
