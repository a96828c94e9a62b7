// The shared session through the ESM entry, by package name (self-reference via "exports").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as pkg from 'cinderkv';
import steps from '../session.fixture.js';
import { runSession } from '../session.mjs';

test('shared session: replies equal real Redis 7.0.15 (call, exec, resp)', async () => {
  const { compared, failures } = await runSession(pkg, steps);
  assert.deepEqual(failures, []);
  assert.ok(compared > 900, `compared only ${compared}`);
});
