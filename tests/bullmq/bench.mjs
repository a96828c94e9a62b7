// BullMQ jobs per second against a running server: node bench.mjs <port> [jobs]
// (produce N jobs with addBulk, then process them with one Worker at concurrency 50).
import { Queue, Worker } from 'bullmq';

const port = Number(process.argv[2] ?? 6379);
const n = Number(process.argv[3] ?? 5000);
const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
const queue = new Queue('bench', { connection });
await queue.obliterate({ force: true });
let t = performance.now();
for (let i = 0; i < n; i += 500) {
  await queue.addBulk(Array.from({ length: Math.min(500, n - i) }, (_, j) => ({ name: 'j', data: { i: i + j } })));
}
const produce = n / ((performance.now() - t) / 1000);
let done = 0;
t = performance.now();
const finished = new Promise((resolve) => {
  const worker = new Worker('bench', async (job) => job.data.i, { connection, concurrency: 50 });
  worker.on('completed', () => { if (++done === n) resolve(worker); });
});
const worker = await finished;
const consume = n / ((performance.now() - t) / 1000);
await worker.close();
await queue.obliterate({ force: true });
await queue.close();
console.log(JSON.stringify({ port, jobs: n, produced_per_s: Math.round(produce), processed_per_s: Math.round(consume) }));
