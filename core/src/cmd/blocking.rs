//! The blocking commands' side of the blocking machinery: what a blocked client waits
//! for ([`Waiter`], [`Wait`]), blocking a client ([`Ctx::block`]), serving ready keys
//! after each command ([`serve_ready`], Redis's `handleClientsBlockedOnKeys`), timeouts
//! and unblocking. The per-key queues and ready keys are [`crate::blocking::Blocking`];
//! see its module doc for the host protocol and the order of serving.

use std::fmt;

use crate::blocking::WaitFor;
use crate::bytes::SBytes;
use crate::client::{Client, ClientTable};
use crate::cmd::{CommandSpec, Ctx};
use crate::engine::EngineState;
use crate::error::CmdError;
use crate::reply::Reply;
use crate::util::longdouble::LongDouble;

/// How a blocked command finishes. Each family of blocking commands implements it
/// (lists: `cmd::list`).
pub trait Waiter {
    /// The value type whose keys can serve this client.
    fn waits_for(&self) -> WaitFor;

    /// Serves the client from `key`, which exists in `slot` of the client's database
    /// and holds a value of kind [`Waiter::waits_for`]. Returns the reply (the wait ends),
    /// or `None` to keep waiting.
    fn serve(&self, ctx: &mut Ctx, key: &[u8], slot: u32) -> Option<Reply>;

    /// The reply when the wait times out or `CLIENT UNBLOCK id TIMEOUT` ends it.
    fn timeout_reply(&self) -> Reply {
        Reply::NilArray
    }

    /// The timeout reply when it depends on the engine's state (WAIT's acknowledged
    /// count); by default [`Waiter::timeout_reply`].
    fn timeout_reply_in(&self, st: &EngineState) -> Reply {
        let _ = st;
        self.timeout_reply()
    }

    /// The reply that ends the wait when a waited-on key is deleted or stops holding a
    /// value of kind [`Waiter::waits_for`] (Redis 7.0 unblocks XREADGROUP so, with
    /// `UNBLOCKED the stream key no longer exists`); `None` (the default): keep waiting.
    fn key_gone_reply(&self) -> Option<Reply> {
        None
    }
}

/// What a blocked client waits for (kept in `Client::wait`).
pub struct Wait {
    /// Database of the keys (the client's selected one when it blocked).
    pub db: usize,
    /// The distinct keys waited on, in argument order.
    pub keys: Vec<SBytes>,
    /// Absolute deadline in ms; 0 means none. Can be negative after Redis's overflow.
    pub deadline_ms: i64,
    /// The blocked command (for its statistics).
    pub spec: &'static CommandSpec,
    /// How to serve it.
    pub waiter: Box<dyn Waiter>,
    /// Microseconds the command ran before it blocked (slow log, statistics).
    pub exec_us: u64,
    /// The request as the slow log shows it (empty when the slow log is off).
    pub argv: Vec<Vec<u8>>,
}

/// Without the waiter: `Waiter` has no `Debug` (its formatting code would ride along in
/// every build through the trait object's table).
impl fmt::Debug for Wait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait")
            .field("db", &self.db)
            .field("deadline_ms", &self.deadline_ms)
            .field("command", &self.spec.name)
            .finish()
    }
}

/// Redis 7.0's `getTimeoutFromObjectOrReply` in seconds: a `long double` number of
/// seconds, times 1000 rounded up to ms (`ceill`), plus the current time unless it is 0
/// (no timeout). Overflow wraps as in Redis (the wait then ends at the next check).
pub fn parse_timeout(arg: &[u8], now_ms: u64) -> Result<i64, CmdError> {
    let secs = LongDouble::parse(arg).ok_or(CmdError::other("ERR timeout is not a float or out of range"))?;
    let ms = secs.mul_u64(1000).ceil_i64();
    if ms < 0 {
        return Err(CmdError::other("ERR timeout is negative"));
    }
    Ok(if ms > 0 { ms.wrapping_add(now_ms as i64) } else { 0 })
}

impl<'a> Ctx<'a> {
    /// Blocks the running client on `keys` (duplicates count once) until `deadline_ms`
    /// (0: forever); returns the [`Reply::Blocked`] marker for the handler to return.
    pub fn block(&mut self, keys: &[&[u8]], deadline_ms: i64, waiter: Box<dyn Waiter>) -> Reply {
        let db = self.client.db;
        let watch_gone = waiter.key_gone_reply().is_some();
        let uniq = self.st.blocking.register(db, self.client.handle, self.client.id, keys, deadline_ms, watch_gone);
        self.st.dbs[db].keys.set_insert_log(true);
        self.client.wait =
            Some(Box::new(Wait { db, keys: uniq, deadline_ms, spec: self.cmd, waiter, exec_us: 0, argv: Vec::new() }));
        Reply::Blocked
    }

    /// Redis's `signalKeyAsReady` for a key that exists (XADD, XGROUP DESTROY): queues
    /// `key` of the client's database for serving when clients wait on it.
    pub fn signal_ready(&mut self, key: &[u8]) {
        self.record(self.client.db, key, crate::events::Effect::Ready);
    }

    /// Whether the running client may block (not inside MULTI/EXEC or a script).
    #[inline]
    pub fn may_block(&self) -> bool {
        !self.client.deny_blocking
    }
}

/// Removes `client`'s wait from the bookkeeping and returns it.
fn unregister(st: &mut EngineState, client: &mut Client) -> Option<Box<Wait>> {
    let wait = client.wait.take()?;
    let watch_gone = wait.waiter.key_gone_reply().is_some();
    let unwaited = st.blocking.unregister(wait.db, client.handle, client.id, &wait.keys, wait.deadline_ms, watch_gone);
    if unwaited {
        st.dbs[wait.db].keys.set_insert_log(false);
    }
    Some(wait)
}

/// Ends `client`'s wait with `reply` (Redis's `unblockClient` plus the reply): the reply
/// goes to the host's wake-up queue after the client's `CLIENT REPLY` mode. An error
/// reply, or `failed`, counts as a failed call of the blocked command.
pub fn finish(st: &mut EngineState, client: &mut Client, reply: Reply, failed: bool) {
    let Some(wait) = unregister(st, client) else {
        return;
    };
    if let Reply::Error(text) = &reply {
        st.stats.record_error(text);
    }
    if failed || reply.is_error() {
        st.cmd_calls.of(wait.spec).failed += 1;
    }
    crate::cmd::observe::unblocked(st, client, wait.spec, &wait.argv, wait.exec_us);
    let reply = client.apply_reply_mode(reply);
    st.blocking.push_wakeup(client.handle, reply);
}

/// Cancels a disconnecting client's wait (no reply).
pub fn cancel(st: &mut EngineState, client: &mut Client) {
    unregister(st, client);
}

/// Turns the keys added during the last command into ready keys (Redis's
/// `signalKeyAsReady` from `dbAdd`).
fn collect_added_keys(st: &mut EngineState) {
    // Watched keys that are gone or hold another type are signalled (Redis's
    // signalDeletedKeyAsReady on deleting or overwriting a stream).
    let dbs = &st.dbs;
    st.blocking.signal_gone(|db, key| match dbs[db].keys.find(key) {
        None => true,
        Some(slot) => WaitFor::of(&dbs[db].keys.entry(slot).value) != Some(WaitFor::Stream),
    });
    let mut scratch = st.blocking.take_scratch();
    for (i, db) in st.dbs.iter_mut().enumerate() {
        if !db.keys.has_inserted() {
            continue;
        }
        db.keys.take_inserted(&mut scratch);
        for &slot in &scratch {
            let Some(e) = db.keys.slot(slot) else {
                continue;
            };
            if WaitFor::of(&e.value).is_some() && st.blocking.is_waited(i, e.key.as_slice()) {
                st.blocking.signal(i, &e.key);
            }
        }
    }
    st.blocking.give_scratch(scratch);
}

/// Redis's `scanDatabaseForReadyKeys` (after SWAPDB): signals every waited-for key of
/// database `db` that exists with a type a waiter can use. Also re-arms the database's
/// added-key record, which moved with the swapped keyspace.
pub fn signal_existing_keys(st: &mut EngineState, db: usize) {
    let waited = st.blocking.db_is_waited(db);
    st.dbs[db].keys.set_insert_log(waited);
    let keys: Vec<SBytes> = st.blocking.waited_keys(db);
    for k in keys {
        let ks = &st.dbs[db].keys;
        if let Some(slot) = ks.find(&k) {
            if WaitFor::of(&ks.entry(slot).value).is_some() {
                st.blocking.signal(db, &k);
            }
        }
    }
}

/// Serves clients blocked on ready keys (Redis's `handleClientsBlockedOnKeys`), round
/// after round while serving makes more keys ready.
#[inline]
pub fn serve_ready(st: &mut EngineState, clients: &mut ClientTable) {
    if st.blocking.blocked_clients() == 0 {
        // After every command: nothing to do unless keys were signalled.
        st.blocking.clear_ready();
        return;
    }
    serve_ready_keys(st, clients);
}

/// [`serve_ready`] with clients blocked.
fn serve_ready_keys(st: &mut EngineState, clients: &mut ClientTable) {
    loop {
        collect_added_keys(st);
        if !st.blocking.has_ready() {
            // Keys a serving pass expired or events it left are handed out now.
            st.drain_key_events();
            return;
        }
        for (db, key) in st.blocking.take_ready() {
            st.blocking.unmark_ready(db, &key);
            serve_key(st, clients, db, &key);
        }
    }
}

/// Serves the clients waiting on one ready key, first blocked first.
fn serve_key(st: &mut EngineState, clients: &mut ClientTable, db: usize, key: &SBytes) {
    let now = st.now_ms();
    // Redis looks the key up once, expiring it if due.
    if st.dbs[db].lookup(key, now).is_none() {
        unblock_key_gone(st, clients, db, key);
        return;
    }
    for h in st.blocking.waiters(db, key) {
        let Some(slot) = st.dbs[db].keys.find(key) else {
            break;
        };
        let Some(kind) = WaitFor::of(&st.dbs[db].keys.entry(slot).value) else {
            break;
        };
        let Some(mut client) = clients.take(h) else {
            continue;
        };
        let Some(wait) = client.wait.take() else {
            clients.put_back(h, client);
            continue;
        };
        if wait.waiter.waits_for() != kind {
            client.wait = Some(wait);
            clients.put_back(h, client);
            continue;
        }
        // Redis's `server.current_client = receiver` while serving: invalidations of
        // the served client's own keys wait for its reply.
        let outer = std::mem::replace(&mut st.tracking.current, if st.tracking.engaged { client.id } else { 0 });
        let (reply, serve_us) = {
            let mut ctx = Ctx { st: &mut *st, client: &mut client, clients: &mut *clients, cmd: wait.spec };
            ctx.st.events.wrote = false;
            let outer_changes = ctx.st.persist.call_changes.take();
            let dirty_before = ctx.st.persist.dirty;
            let started = crate::cmd::observe::start(ctx.st);
            let reply = wait.waiter.serve(&mut ctx, key, slot);
            let serve_us = crate::cmd::observe::elapsed(ctx.st, &started);
            ctx.st.cmd_calls.of(wait.spec).usec += serve_us;
            crate::cmd::apply_changes(ctx.st, dirty_before, outer_changes);
            crate::cmd::after_handler(ctx.st, db, wait.spec, None);
            ctx.st.propagation.end_unit();
            (reply, serve_us)
        };
        st.tracking.current = outer;
        let mut wait = wait;
        wait.exec_us += serve_us;
        client.wait = Some(wait);
        if let Some(reply) = reply {
            finish(st, &mut client, reply, false);
        }
        clients.put_back(h, client);
    }
    unblock_key_gone(st, clients, db, key);
}

/// Redis's `unblockDeletedStreamReadgroupClients`: when `key` is missing or holds a
/// value no stream waiter can use, ends the waits that have a [`Waiter::key_gone_reply`].
fn unblock_key_gone(st: &mut EngineState, clients: &mut ClientTable, db: usize, key: &SBytes) {
    if !st.blocking.is_gone_watched(db, key) {
        return;
    }
    if let Some(slot) = st.dbs[db].keys.find(key) {
        if WaitFor::of(&st.dbs[db].keys.entry(slot).value) == Some(WaitFor::Stream) {
            return;
        }
    }
    for h in st.blocking.waiters(db, key) {
        let Some(client) = clients.get_mut(h) else {
            continue;
        };
        let Some(reply) = client.wait.as_ref().and_then(|w| w.waiter.key_gone_reply()) else {
            continue;
        };
        finish(st, client, reply, false);
    }
}

/// Ends the waits whose deadline has passed with their timeout replies.
pub fn expire_overdue(st: &mut EngineState, clients: &mut ClientTable) {
    let now = st.now_ms() as i64;
    while let Some((d, id, h)) = st.blocking.first_deadline() {
        if d >= now {
            break;
        }
        match clients.get_mut(h) {
            Some(client) if client.wait.is_some() => {
                let reply = client.wait.as_ref().map_or(Reply::NilArray, |w| w.waiter.timeout_reply_in(st));
                finish(st, client, reply, false);
            }
            _ => {
                st.blocking.remove_deadline(d, id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_parse_like_redis() {
        let now = 1_000_000;
        assert_eq!(parse_timeout(b"0", now), Ok(0));
        assert_eq!(parse_timeout(b"1.5", now), Ok(now as i64 + 1500));
        assert_eq!(parse_timeout(b"0.0009", now), Ok(now as i64 + 1));
        assert_eq!(parse_timeout(b"-0.0001", now), Ok(0));
        assert_eq!(parse_timeout(b"0x10", now), Ok(now as i64 + 16000));
        let neg = Err(CmdError::other("ERR timeout is negative"));
        assert_eq!(parse_timeout(b"-1", now), neg);
        assert_eq!(parse_timeout(b"inf", now), neg);
        assert_eq!(parse_timeout(b"1e30", now), neg);
        let bad = Err(CmdError::other("ERR timeout is not a float or out of range"));
        for s in ["x", "", " 1", "1 ", "nan", "\x001"] {
            assert_eq!(parse_timeout(s.as_bytes(), now), bad, "{:?}", s);
        }
        // Redis adds the time without an overflow check: the deadline wraps negative.
        assert!(parse_timeout(b"9223372036854775", now).unwrap() < 0);
    }
}
