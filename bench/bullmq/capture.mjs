// Records the commands BullMQ sends to add jobs (Queue.addBulk, its EVALSHA scripts) as a
// RESP file, for replaying under callgrind with core/examples/replay.rs:
//
//   npm run build; (cd tests/bullmq && npm install)
//   node bench/bullmq/capture.mjs /tmp/bullmq-add.resp [jobs]
//   cargo run --release -p cinder-core --example replay /tmp/bullmq-add.resp
//
// The file starts with the SCRIPT LOADs of every script the run used, so the replay is
// self-contained.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const out = process.argv[2] ?? '/tmp/bullmq-add.resp';
const n = Number(process.argv[3] ?? 1000);
const { Cinder } = await import(pathToFileURL(process.env.CINDERKV_MODULE ?? path.join(ROOT, 'dist/node.js')).href);
const { IORedisShim } = await import(pathToFileURL(path.join(ROOT, 'tests/bullmq/ioredis-shim.mjs')).href);
const require = createRequire(path.join(ROOT, 'tests/bullmq/package.json'));
const { Queue } = require('bullmq');

const encode = (argv) => {
  const parts = [Buffer.from(`*${argv.length}\r\n`)];
  for (const a of argv) {
    const b = Buffer.from(a instanceof Uint8Array ? a : String(a));
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
};

const db = await Cinder.create();
const client = new IORedisShim(db);
const queue = new Queue('bench', { connection: client });
await queue.waitUntilReady();
const loads = [];
const adds = [];
let recording = false;
const conn = client.conn;
const call = conn.call.bind(conn);
conn.call = (...argv) => {
  if (recording) adds.push(encode(argv));
  return call(...argv);
};
recording = true;
for (let i = 0; i < n; i += 100) {
  await queue.addBulk(Array.from({ length: Math.min(100, n - i) }, (_, j) => ({ name: 'j', data: { i: i + j } })));
}
recording = false;
for (const [, s] of client.scripts) loads.push(encode(['SCRIPT', 'LOAD', s.lua]));
writeFileSync(out, Buffer.concat([...loads, ...adds]));
console.log(`${out}: ${loads.length} scripts, ${adds.length} commands`);
client.disconnect();
