// The shared session through the CommonJS entry: require('cinderkv').
const { test } = require('node:test');
const assert = require('node:assert/strict');
const pkg = require('cinderkv');

test('require() gives the CommonJS build', () => {
  assert.equal(typeof pkg.Cinder.createSync, 'function');
  assert.equal(pkg.default, pkg.Cinder);
  const db = pkg.Cinder.createSync();
  assert.equal(db.set('k', 'v'), 'OK');
  assert.equal(db.get('k'), 'v');
});

test('shared session through require()', async () => {
  const { default: steps } = await import('../session.fixture.js');
  const { runSession } = await import('../session.mjs');
  const { compared, failures } = await runSession(pkg, steps);
  assert.deepEqual(failures, []);
  assert.ok(compared > 900);
});
