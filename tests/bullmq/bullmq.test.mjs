// BullMQ end to end (issue #15): the same Queue + Worker program against cinder-server and
// against a real redis-server 7.0, and the observed results must be the same.
//
//   cd tests/bullmq && npm install && node bullmq.test.mjs
//
// Starts both servers on free ports (CINDER_SERVER_BIN, default the workspace's debug build
// under $CARGO_TARGET_DIR or ../../target; REDIS_SERVER_BIN, default redis-server).
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { Queue, Worker, FlowProducer, QueueEvents } from 'bullmq';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TARGET = process.env.CARGO_TARGET_DIR ?? path.join(ROOT, 'target');
const CINDER = process.env.CINDER_SERVER_BIN ?? path.join(TARGET, 'debug/cinder-server');
const REDIS = process.env.REDIS_SERVER_BIN ?? 'redis-server';

const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
});

async function startServer(bin) {
  const port = await freePort();
  const child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => { c.end(); resolve(true); }).on('error', () => resolve(false));
    });
    if (up) return { port, child };
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new Error(`${bin} did not start`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The BullMQ program: returns what it observed, in a form that does not depend on timing. */
export async function scenario(connect) {
  const connection = connect();
  const queue = new Queue('jobs', { connection });
  const events = [];
  const progress = [];
  const attempts = {};
  const worker = new Worker('jobs', async (job) => {
    attempts[job.name] = (attempts[job.name] ?? 0) + 1;
    if (job.name === 'progress') {
      await job.updateProgress(50);
      await job.updateProgress({ step: 'done' });
    }
    if (job.name === 'retry' && job.attemptsMade === 0) throw new Error('first try fails');
    if (job.name === 'fail') throw new Error('always fails');
    if (job.name === 'parent') {
      const children = await job.getChildrenValues();
      return Object.values(children).sort((a, b) => a - b);
    }
    return { name: job.name, double: (job.data.n ?? 0) * 2 };
  }, { connection: connect(), limiter: { max: 50, duration: 1000 } });
  worker.on('completed', (job, result) => events.push(['completed', job.name, JSON.stringify(result)]));
  worker.on('failed', (job, err) => events.push(['failed', job.name, err.message, job.attemptsMade]));
  worker.on('progress', (job, p) => progress.push([job.name, JSON.stringify(p)]));
  await worker.waitUntilReady();
  // QueueEvents reads the events stream with XREAD BLOCK on its own connection.
  const queueEvents = new QueueEvents('jobs', { connection: connect() });
  const streamed = {};
  for (const name of ['added', 'completed', 'failed', 'progress', 'paused', 'resumed']) {
    queueEvents.on(name, () => { streamed[name] = (streamed[name] ?? 0) + 1; });
  }
  await queueEvents.waitUntilReady();

  await queue.add('plain', { n: 1 });
  await queue.addBulk([{ name: 'bulk1', data: { n: 2 } }, { name: 'bulk2', data: { n: 3 } }]);
  await queue.add('delayed', { n: 4 }, { delay: 300 });
  await queue.add('retry', { n: 5 }, { attempts: 3, backoff: { type: 'fixed', delay: 100 } });
  await queue.add('fail', { n: 6 }, { attempts: 2, backoff: { type: 'fixed', delay: 50 } });
  await queue.add('progress', { n: 7 });
  await queue.add('prio', { n: 8 }, { priority: 3 });
  const flow = new FlowProducer({ connection: connect() });
  await flow.add({
    name: 'parent', queueName: 'jobs',
    children: [{ name: 'child', data: { n: 10 }, queueName: 'jobs' }, { name: 'child', data: { n: 20 }, queueName: 'jobs' }],
  });
  // Pause and resume: nothing runs while paused.
  await sleep(800);
  await queue.pause();
  const pausedBefore = events.length;
  await queue.add('while-paused', { n: 9 });
  await sleep(300);
  const ranWhilePaused = events.length !== pausedBefore;
  const countsPaused = await queue.getJobCounts('paused', 'wait');
  await queue.resume();
  // Repeatable job: every 150 ms, 2 times.
  await queue.add('repeat', { n: 11 }, { repeat: { every: 150, limit: 2 } });
  for (let i = 0; i < 100 && events.filter((e) => e[1] === 'repeat').length < 2; i++) await sleep(50);
  await sleep(500);
  const counts = await queue.getJobCounts('completed', 'failed', 'delayed', 'wait', 'active', 'paused', 'waiting-children');
  const failed = (await queue.getFailed()).map((j) => [j.name, j.failedReason, j.attemptsMade]);
  const retryJob = (await queue.getCompleted()).find((j) => j.name === 'retry');
  await worker.close();
  await queueEvents.close();
  await flow.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return {
    events: events.map((e) => JSON.stringify(e)).sort(),
    progress: progress.sort(),
    attempts,
    ranWhilePaused,
    countsPaused,
    counts,
    failed,
    retryAttempts: retryJob?.attemptsMade,
    streamed,
  };
}

/** Connection options for a TCP server (BullMQ makes its own ioredis clients). */
export const tcp = (port) => () => ({ host: '127.0.0.1', port, maxRetriesPerRequest: null });

/** The scenario against real redis-server: the expected results. */
export async function expectedResults() {
  const redis = await startServer(REDIS);
  try {
    return await scenario(tcp(redis.port));
  } finally {
    redis.child.kill();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const expected = await expectedResults();
  const cinder = await startServer(CINDER);
  try {
    const got = await scenario(tcp(cinder.port));
    console.log(JSON.stringify(expected, null, 1));
    assert.deepEqual(got, expected);
    console.log('BullMQ: cinder-server observed the same results as redis-server');
  } finally {
    cinder.child.kill();
  }
}
