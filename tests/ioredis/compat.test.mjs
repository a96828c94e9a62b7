// cinderkv/ioredis against real ioredis + redis-server 7.0, value by value (issue #18).
//
//   npm run build (at the root); cd tests/ioredis && npm ci && node --test
//
// The same program (program.mjs) runs on real ioredis connected to a fresh redis-server and
// on the facade; every labelled result must be equal. The real results are also kept in
// expected.json, which the Chromium and workerd runs compare against (UPDATE_EXPECTED=1
// rewrites it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import IORedis, { Command as IOCommand } from 'ioredis';
import { program } from './program.mjs';
import { startRedis } from './server.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const entry = process.env.CINDERKV_IOREDIS ?? path.join(HERE, '../../dist/ioredis/node.js');
const facade = await import(pathToFileURL(entry).href);

let real;
test('real ioredis on redis-server', async () => {
  const server = await startRedis();
  try {
    real = await program(IORedis, { port: server.port, Command: IOCommand });
  } finally {
    server.stop();
  }
  const file = path.join(HERE, 'expected.json');
  if (process.env.UPDATE_EXPECTED) writeFileSync(file, `${JSON.stringify(real, null, 1)}\n`);
  assert.deepEqual(real, JSON.parse(readFileSync(file, 'utf8')), 'expected.json is what real ioredis observes (UPDATE_EXPECTED=1 rewrites it)');
});

test('cinderkv/ioredis gives the same results, value by value', async () => {
  assert.ok(real, 'the real run comes first');
  // Its own engine: host:port names an in-process engine here.
  const got = await program(facade.default, { host: 'compat.test', port: 1, Command: facade.Command });
  const want = new Map(real);
  const problems = [];
  for (const [label, value] of got) {
    if (!want.has(label)) problems.push(`${label}: not in the real run`);
    else if (JSON.stringify(value) !== JSON.stringify(want.get(label))) {
      problems.push(`${label}:\n   ioredis: ${JSON.stringify(want.get(label))}\n   cinderkv: ${JSON.stringify(value)}`);
    }
  }
  assert.equal(got.length, real.length, 'as many results');
  assert.deepEqual(problems, []);
});
