// ACL users through the package API: `users` at creation, `connection({ user, password })`,
// per-user key patterns and command categories, -NOPERM errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cinder, CinderError, ReplyError } from 'cinderkv';

test('users option: tenants see only their key patterns and commands', () => {
  const db = Cinder.createSync({
    users: ['alice on >a-pass ~alice:* +@read +@write', ['bob', 'on', '>b-pass', '~bob:*', '+@read']],
  });
  const alice = db.connection({ user: 'alice', password: 'a-pass' });
  assert.throws(() => alice.call('ACL', 'WHOAMI'), /NOPERM this user has no permissions to run the 'acl\|whoami' command/);
  assert.equal(alice.set('alice:1', 'x'), 'OK');
  assert.equal(alice.get('alice:1'), 'x');
  assert.throws(() => alice.get('bob:1'), (e) => e instanceof ReplyError && e.message.startsWith('NOPERM'));
  assert.throws(() => alice.call('CONFIG', 'GET', 'maxmemory'), /NOPERM this user has no permissions to run the 'config\|get' command/);
  const bob = db.connection({ user: 'bob', password: 'b-pass' });
  assert.equal(bob.get('bob:1'), null);
  assert.throws(() => bob.set('bob:1', 'y'), /NOPERM this user has no permissions to run the 'set' command/);
  // The database object itself stays the unrestricted default user.
  assert.equal(db.call('ACL', 'WHOAMI'), 'default');
  assert.equal(db.get('alice:1'), 'x');
  assert.deepEqual(db.call('ACL', 'USERS'), ['alice', 'bob', 'default']);
  db.close();
});

test('connection(): a wrong password throws WRONGPASS and is logged', () => {
  const db = Cinder.createSync({ users: ['carol on >c ~* +@all'] });
  assert.throws(
    () => db.connection({ user: 'carol', password: 'nope' }),
    (e) => e instanceof ReplyError && e.message === 'WRONGPASS invalid username-password pair or user is disabled.',
  );
  const log = db.call('ACL', 'LOG');
  assert.equal(log.length, 1);
  assert.deepEqual(log[0].slice(0, 10), ['count', 1, 'reason', 'auth', 'context', 'toplevel', 'object', 'AUTH', 'username', 'carol']);
  db.close();
});

test('ACL SETUSER at run time and a password on the default user', () => {
  const db = Cinder.createSync();
  db.call('ACL', 'SETUSER', 'dave', 'on', 'nopass', '~d:*', '+get');
  const dave = db.connection({ user: 'dave', password: 'anything' });
  assert.equal(dave.get('d:1'), null);
  db.call('ACL', 'SETUSER', 'default', 'resetpass', '>root');
  assert.throws(() => db.connection().ping(), /NOAUTH Authentication required/);
  assert.equal(db.connection({ password: 'root' }).ping(), 'PONG');
  db.close();
});

test('a bad users entry throws CinderError', () => {
  assert.throws(() => Cinder.createSync({ users: ['eve +nosuch'] }), (e) =>
    e instanceof CinderError &&
    e.message === "cinderkv: users[0]: ERR Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL");
});
