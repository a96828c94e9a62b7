#!/usr/bin/env node
// Measures `npx cinderkv` (bin/cinderkv.mjs over dist/) next to cinder-server and
// redis-server, one run each (ratios, not absolutes; the machine is shared):
//  1. redis-benchmark -t set,get,incr,lpush,hset, -P 1 and -P 16 (requests per second)
//  2. time from process start to the first PONG
//  3. the REST handler (cinderkv/rest behind node:http) in requests per second: single
//     commands and pipelines of 100
// Usage: node bench/serve.mjs [--cinder-server PATH] [-n REQUESTS]
import { execFileSync, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (name, dflt) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);
const CINDER = opt('--cinder-server', path.join(process.env.CARGO_TARGET_DIR ?? path.join(ROOT, 'target'), 'release/cinder-server'));
const N = Number(opt('-n', '100000'));

const freePort = () =>
  new Promise((r) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => r(p));
    });
  });

function ping(port) {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1', () => c.write('PING\r\n'));
    c.once('data', (d) => {
      c.destroy();
      resolve(d.toString() === '+PONG\r\n');
    });
    c.once('error', () => resolve(false));
  });
}

async function start(name, cmd, args) {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(cmd, [...args, '--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  while (!(await ping(port))) await new Promise((r) => setTimeout(r, 2));
  return { name, port, child, startMs: performance.now() - t0 };
}

const servers = [
  await start('redis-server', 'redis-server', []),
  await start('cinder-server', CINDER, []),
  await start('npx cinderkv', process.execPath, [path.join(ROOT, 'bin/cinderkv.mjs')]),
];

const rows = [];
for (const pipeline of [1, 16]) {
  for (const s of servers) {
    const out = execFileSync('redis-benchmark', ['-p', String(s.port), '-t', 'set,get,incr,lpush,hset', '-n', String(N), '-P', String(pipeline), '-c', '50', '--csv', '-q'], { encoding: 'utf8' });
    for (const line of out.trim().split('\n').slice(1)) {
      const [test, rps] = line.split(',').map((x) => x.replace(/"/g, ''));
      rows.push({ test, pipeline, server: s.name, rps: Number(rps) });
    }
  }
}
console.log(`redis-benchmark, -n ${N} -c 50, requests per second (ratio to redis-server)`);
console.log('| test | -P | redis-server | cinder-server | npx cinderkv |');
console.log('|---|---|---|---|---|');
const tests = [...new Set(rows.map((r) => r.test))];
for (const pipeline of [1, 16]) {
  for (const t of tests) {
    const get = (name) => rows.find((r) => r.test === t && r.pipeline === pipeline && r.server === name)?.rps ?? NaN;
    const base = get('redis-server');
    const cell = (name) => `${Math.round(get(name)).toLocaleString('en')} (${(get(name) / base).toFixed(2)})`;
    console.log(`| ${t} | ${pipeline} | ${Math.round(base).toLocaleString('en')} | ${cell('cinder-server')} | ${cell('npx cinderkv')} |`);
  }
}
console.log('\nprocess start to first PONG (ms):');
for (const s of servers) console.log(`  ${s.name}: ${s.startMs.toFixed(0)}`);
for (const s of servers) s.child.kill('SIGKILL');

// REST handler throughput.
const { Cinder } = await import(path.join(ROOT, 'dist/node.js'));
const { serveRest } = await import(path.join(ROOT, 'dist/rest/node.js'));
const engine = await Cinder.create();
const { createHandler } = await import(path.join(ROOT, 'dist/rest/index.js'));
const handle = createHandler({ engine, token: 't' });
async function direct(ms, make) {
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    await (await handle(make(n))).arrayBuffer();
    n++;
  }
  return n / ((performance.now() - t0) / 1000);
}
const auth = { authorization: 'Bearer t' };
const d1 = await direct(2000, (i) => new Request(`http://x/incr/k${i % 100}`, { headers: auth }));
const pbody = JSON.stringify(Array.from({ length: 100 }, (_, i) => ['INCR', `p${i}`]));
const d100 = await direct(2000, () => new Request('http://x/pipeline', { method: 'POST', body: pbody, headers: auth }));
console.log(`\nREST handler called directly (Request in, Response out, no HTTP): ${Math.round(d1).toLocaleString('en')} single commands/s; ` +
  `${Math.round(d100).toLocaleString('en')} pipelines of 100/s (${Math.round(d100 * 100).toLocaleString('en')} commands/s)`);
const rest = await serveRest({ engine, token: 't' });
const http = await import('node:http');
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
const headers = { authorization: 'Bearer t' };
const request = (pathname, body) =>
  new Promise((resolve, reject) => {
    const req = http.request(rest.url + pathname, { agent, method: body ? 'POST' : 'GET', headers }, (r) => {
      r.resume();
      r.on('end', resolve);
    });
    req.on('error', reject);
    req.end(body);
  });
async function rate(ms, make) {
  let n = 0;
  const end = performance.now() + ms;
  const worker = async () => {
    while (performance.now() < end) {
      await request(...make(n));
      n++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 16 }, worker));
  return n / ((performance.now() - t0) / 1000);
}
const single = await rate(3000, (i) => [`/incr/k${i % 100}`]);
const body = JSON.stringify(Array.from({ length: 100 }, (_, i) => ['INCR', `p${i}`]));
const piped = await rate(3000, () => ['/pipeline', body]);
agent.destroy();
console.log(`\nREST handler (node:http, 16 keep-alive clients in the same process): ${Math.round(single).toLocaleString('en')} single-command requests/s; ` +
  `${Math.round(piped).toLocaleString('en')} pipelines of 100/s (${Math.round(piped * 100).toLocaleString('en')} commands/s)`);
await rest.close();
engine.close();
