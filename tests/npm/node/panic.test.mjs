// A panic in the engine stops the module: the call and every later one throw CinderError
// (this file runs in its own process: the wasm module is gone for good afterwards).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cinder, CinderError } from 'cinderkv';

test('after a panic every instance refuses calls with a clear error', () => {
  const db = Cinder.createSync();
  db.set('k', 'v');
  const original = console.error;
  const logged = [];
  console.error = (...a) => logged.push(a.join(' '));
  try {
    assert.throws(() => Cinder._panicForTests(), (e) => e instanceof CinderError && /panicked \(.*panic requested by a test/.test(e.message));
  } finally {
    console.error = original;
  }
  assert.ok(logged.some((l) => l.includes('panic requested by a test')), 'the panic is logged with console.error');
  assert.throws(() => db.get('k'), (e) => e instanceof CinderError && /panicked earlier.*refuses further calls/.test(e.message));
  assert.throws(() => Cinder.createSync(), /panicked earlier/);
  assert.equal(db.isOpen, false);
});
