// BullMQ in-process (issues #15, #18): the same Queue + Worker + FlowProducer + QueueEvents
// program as bullmq.test.mjs (delayed jobs, retries with backoff, progress, pause/resume,
// repeatable jobs, flows, the events stream), run on `cinderkv/ioredis` (no server: every
// client BullMQ uses is a facade client over the in-process engine, including the
// duplicates it makes for blocking commands) and compared with what it observes against a
// real redis-server.
//
//   npm run build (at the root), then: cd tests/bullmq && npm install && node inprocess.test.mjs
//
// CINDERKV_IOREDIS picks the facade entry (default: the repository's dist/ioredis/node.js).
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import assert from 'node:assert/strict';
import { scenario, expectedResults } from './bullmq.test.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const entry = process.env.CINDERKV_IOREDIS ?? path.join(ROOT, 'dist/ioredis/node.js');
const { default: Redis } = await import(pathToFileURL(entry).href);

const expected = await expectedResults();
const clients = [];
// ioredis options as an application passes them; the facade shares one engine per host:port.
const got = await scenario(() => {
  const c = new Redis({ host: 'bullmq.test', port: 6379, maxRetriesPerRequest: null });
  clients.push(c);
  return c;
});
for (const c of clients) c.disconnect();
console.log(JSON.stringify(got, null, 1));
assert.deepEqual(got, expected);
console.log('BullMQ in-process on cinderkv/ioredis: the same results as redis-server');
