// BullMQ in-process (issue #15): the same Queue + Worker + FlowProducer program as
// bullmq.test.mjs, run on the cinderkv npm package (no server) through the ioredis-shaped
// shim in ioredis-shim.mjs, and compared with what it observes against a real redis-server.
//
//   npm run build (at the root), then: cd tests/bullmq && npm install && node inprocess.test.mjs
//
// CINDERKV_MODULE picks the package entry (default: the repository's dist/node.js).
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import assert from 'node:assert/strict';
import { scenario, expectedResults } from './bullmq.test.mjs';
import { IORedisShim } from './ioredis-shim.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const entry = process.env.CINDERKV_MODULE ?? path.join(ROOT, 'dist/node.js');
const { Cinder } = await import(pathToFileURL(entry).href);

const expected = await expectedResults();
const db = await Cinder.create();
const clients = [];
const got = await scenario(() => {
  const c = new IORedisShim(db);
  clients.push(c);
  return c;
});
for (const c of clients) c.disconnect();
console.log(JSON.stringify(got, null, 1));
assert.deepEqual(got, expected);
console.log('BullMQ in-process: the npm package observed the same results as redis-server');
