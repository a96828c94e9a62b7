// Scripting in the package: eval/evalsha/fcall, defineScript, the busy-script time limit,
// bad scripts (errors, deep recursion, huge results) leaving the instance usable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cinder, ReplyError } from 'cinderkv';

const manual = () => Cinder.createSync({ clock: 'manual', seed: 1 });

test('eval converts both ways and runs commands', () => {
  const db = manual();
  assert.deepEqual(db.eval('return {KEYS[1], ARGV[1], 3.99, true, false, {ok="fine"}}', ['k'], ['a']), ['k', 'a', 3, 1, null, 'fine']);
  assert.equal(db.eval("return redis.call('SET', KEYS[1], ARGV[1])", ['x'], ['1']), 'OK');
  assert.equal(db.eval("return redis.call('INCR', KEYS[1])", ['x']), 2);
  assert.equal(db.get('x'), '2');
  assert.throws(() => db.eval('return x'), (e) => e instanceof ReplyError && /nonexistent global variable 'x'/.test(e.message));
  assert.throws(() => db.eval("return redis.call('BLPOP', 'q', 0)"), /not allowed from script/);
  assert.throws(() => db.evalsha('0000000000000000000000000000000000000000'), /NOSCRIPT No matching script/);
});

test('defineScript loads once, then runs EVALSHA (reloading after SCRIPT FLUSH)', () => {
  const db = manual();
  const allow = db.defineScript('rateLimit',
    "local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end if n > tonumber(ARGV[1]) then return 0 end return 1");
  assert.equal(allow.sha1, undefined);
  assert.deepEqual([1, 2, 3, 4].map(() => allow(['rl:a'], [3, 60])), [1, 1, 1, 0]);
  assert.equal(allow.sha1, '3b17113211c99a8461af5e3ef79b8493fadb73d6');
  assert.equal(allow.name, 'rateLimit');
  assert.equal(db.ttl('rl:a'), 60);
  db.call('SCRIPT', 'FLUSH');
  assert.equal(allow(['rl:b'], [3, 60]), 1);
  assert.deepEqual(db.call('SCRIPT', 'EXISTS', allow.sha1), [1]);
});

test('functions: FUNCTION LOAD through call, fcall, and they survive FLUSHALL', () => {
  const db = manual();
  assert.equal(db.call('FUNCTION', 'LOAD', "#!lua name=lib\nredis.register_function('echo', function(keys, args) return args[1] end)"), 'lib');
  assert.equal(db.fcall('echo', [], ['hi']), 'hi');
  db.flushall();
  assert.equal(db.fcall('echo', [], ['again']), 'again');
  assert.throws(() => db.fcall('nope'), /Function not found/);
});

test('a script past busy-reply-threshold ends with an error and the instance stays usable', () => {
  const db = Cinder.createSync();
  db.call('CONFIG', 'SET', 'busy-reply-threshold', '100');
  const t = Date.now();
  assert.throws(() => db.eval('while true do end'), /busy-reply-threshold/);
  assert.ok(Date.now() - t < 5000);
  assert.equal(db.ping(), 'PONG');
  assert.equal(db.eval("return 'usable'"), 'usable');
});

test('bad scripts get errors, never a crash', () => {
  const db = manual();
  assert.throws(() => db.eval('return +'), /Error compiling script/);
  assert.throws(() => db.eval('local function f() return f() + 1 end return f()'), /stack overflow/);
  assert.throws(() => db.eval('error("boom")'), /boom/);
  assert.equal(db.eval('local t = {} for i = 1, 100000 do t[i] = i end return t').length, 100000);
  assert.throws(() => db.eval("local t = {} while true do t[#t + 1] = string.rep('x', 1000000) .. #t end"), /not enough memory/);
  const deep = db.callBuffer('EVAL', 'local a = {} local b = {a} a[1] = b return a', '0');
  assert.ok(Array.isArray(deep));
  assert.equal(db.ping(), 'PONG');
});
