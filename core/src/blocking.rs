//! Blocking commands: clients that wait for keys (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH,
//! BLMPOP, BZPOPMIN, BZPOPMAX, BZMPOP, XREAD, XREADGROUP), served in Redis 7.0's order.
//!
//! # Host protocol
//!
//! 1. [`Engine::execute`](crate::Engine::execute) returns [`Reply::Blocked`] when the
//!    command waits. Nothing is sent. The host parks the connection: it keeps reading
//!    (buffering) its input but runs none of its commands until the wait ends. Calling
//!    `execute` for a blocked client is refused with an error reply.
//! 2. A wait ends when a command (of any client) makes one of its keys ready, when its
//!    timeout passes, or through `CLIENT UNBLOCK`. After `execute`, `set_time_us` or
//!    `tick`, [`Engine::take_wakeups`](crate::Engine::take_wakeups) returns
//!    `(client, reply)` pairs in the order the waits ended: the host sends each reply
//!    (nothing for [`Reply::NoReply`], e.g. under `CLIENT REPLY OFF`) and resumes running
//!    that client's buffered commands.
//! 3. [`Engine::next_block_deadline`](crate::Engine::next_block_deadline) is the time
//!    (µs) at which the earliest wait times out: the host must call `set_time_us` or
//!    `tick` by then (Redis checks timeouts with millisecond precision: a wait with
//!    deadline `d` ms ends once the clock shows more than `d`).
//! 4. [`Engine::disconnect`](crate::Engine::disconnect) of a blocked client cancels its
//!    wait; `CLIENT KILL` of one asks the host to close it (`HostAction::Close`).
//!
//! # Inside the core
//!
//! - A handler that cannot serve its client now calls [`Ctx::block`] with the keys, the
//!   deadline and a [`Waiter`]: what the client waits for (the value type that can serve
//!   it) and how to serve it. The client's [`Wait`] lives in `Client::wait`; per database,
//!   each key has the FIFO of clients waiting for it (Redis's `db->blocking_keys`).
//! - Keys become ready as with Redis's `signalKeyAsReady` in `dbAdd`: while clients wait
//!   in a database, its keyspace records the keys added to it; after each command the
//!   engine turns the added keys that have waiters and hold a type some waiter can use
//!   into *ready keys* (in order, each once). SWAPDB signals the keys that exist under
//!   waited-for names ([`signal_existing_keys`]). Deleting a key or replacing it with a
//!   value of another type signals nothing: its waiters keep waiting, as in Redis, except
//!   waiters with a [`Waiter::key_gone_reply`] (XREADGROUP): their keys are checked after
//!   each command and, once gone or not a stream, signalled (Redis's
//!   `signalDeletedKeyAsReady`); those waiters then end with that reply. XADD and XGROUP
//!   DESTROY signal existing keys ([`Ctx::signal_ready`]).
//! - After each command (for MULTI/EXEC and scripts: after the whole block),
//!   [`serve_ready`] runs Redis's `handleClientsBlockedOnKeys`: for each ready key in
//!   order, the clients waiting on it, first blocked first; those waiting for the key's
//!   type are served by [`Waiter::serve`] with their own client context, until the key is
//!   gone. A served client stops waiting on all its keys. Serving can add keys (BLMOVE's
//!   destination), which become ready for a further round.
//! - Timeouts: deadlines in ms (0: none); `set_time_us`/`tick` end the waits whose
//!   deadline is before the current millisecond with [`Waiter::timeout_reply`].

use std::collections::{BTreeMap, VecDeque};
use std::fmt;

use foldhash::fast::FixedState;

use crate::bytes::SBytes;
use crate::client::{Client, ClientHandle, ClientTable};
use crate::cmd::{CommandSpec, Ctx};
use crate::engine::EngineState;
use crate::error::CmdError;
use crate::reply::Reply;
use crate::types::Value;
use crate::util::longdouble::LongDouble;

type HashMap<K, V> = hashbrown::HashMap<K, V, FixedState>;
type HashSet<T> = hashbrown::HashSet<T, FixedState>;

/// The kind of value that can serve a waiting client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitFor {
    /// A list (BLPOP, BLMOVE, BLMPOP, ...).
    List,
    /// A sorted set (BZPOPMIN, BZPOPMAX, BZMPOP).
    ZSet,
    /// A stream (XREAD, XREADGROUP).
    Stream,
}

impl WaitFor {
    /// The kind a value can serve, if any.
    pub fn of(v: &Value) -> Option<WaitFor> {
        match v {
            Value::List(_) => Some(WaitFor::List),
            Value::ZSet(_) => Some(WaitFor::ZSet),
            Value::Stream(_) => Some(WaitFor::Stream),
            _ => None,
        }
    }
}

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

/// The engine's bookkeeping of blocked clients.
pub struct Blocking {
    /// Per database: key → waiting clients, first blocked first.
    by_key: Vec<HashMap<SBytes, VecDeque<ClientHandle>>>,
    /// Waits with a timeout, by (deadline ms, client id).
    deadlines: BTreeMap<(i64, u64), ClientHandle>,
    /// Keys signalled since the last serving pass, in order, and the same as a set.
    ready: Vec<(usize, SBytes)>,
    ready_set: HashSet<(usize, SBytes)>,
    /// Replies for clients whose wait ended, for the host.
    wakeups: Vec<(ClientHandle, Reply)>,
    /// Number of blocked clients.
    blocked: usize,
    /// Reused buffer for the keyspaces' added-key records.
    scratch: Vec<u32>,
    /// Keys waited on by clients with a [`Waiter::key_gone_reply`], with their count:
    /// checked after each command, as Redis signals a deleted stream key.
    gone_watch: HashMap<(usize, SBytes), usize>,
}

impl Blocking {
    /// Empty bookkeeping for `dbs` databases.
    pub fn new(dbs: usize) -> Blocking {
        Blocking {
            by_key: (0..dbs).map(|_| HashMap::with_hasher(FixedState::with_seed(0))).collect(),
            deadlines: BTreeMap::new(),
            ready: Vec::new(),
            ready_set: HashSet::with_hasher(FixedState::with_seed(0)),
            wakeups: Vec::new(),
            blocked: 0,
            scratch: Vec::new(),
            gone_watch: HashMap::with_hasher(FixedState::with_seed(0)),
        }
    }

    /// Number of blocked clients (`INFO` `blocked_clients`).
    pub fn blocked_clients(&self) -> usize {
        self.blocked
    }

    /// Number of blocked clients with a timeout (`INFO` `clients_in_timeout_table`).
    pub fn clients_in_timeout_table(&self) -> usize {
        self.deadlines.len()
    }

    /// When the earliest wait times out, in µs (0 when already overdue).
    pub fn next_deadline_us(&self) -> Option<u64> {
        let (&(d, _), _) = self.deadlines.first_key_value()?;
        // Redis ends a wait once `deadline < now_ms`, i.e. from the next millisecond.
        Some(if d < 0 { 0 } else { (d as u64 + 1).saturating_mul(1000) })
    }

    /// Whether a wait is overdue at `now_ms`.
    #[inline]
    pub fn has_overdue(&self, now_ms: u64) -> bool {
        self.deadlines.first_key_value().is_some_and(|(&(d, _), _)| d < now_ms as i64)
    }

    /// Whether wake-up replies are pending.
    pub fn has_wakeups(&self) -> bool {
        !self.wakeups.is_empty()
    }

    /// Takes the pending wake-up replies.
    pub fn take_wakeups(&mut self) -> Vec<(ClientHandle, Reply)> {
        std::mem::take(&mut self.wakeups)
    }

    /// Whether clients wait on `key` of database `db`.
    #[inline]
    pub fn is_waited(&self, db: usize, key: &[u8]) -> bool {
        self.blocked != 0 && self.by_key.get(db).is_some_and(|m| m.contains_key(key))
    }

    /// Redis's `signalKeyAsReady` for a key that exists: queues `key` of database `db`
    /// as ready (once) when clients wait on it.
    pub fn signal_if_waited(&mut self, db: usize, key: &[u8]) {
        if let Some((k, _)) = self.by_key.get(db).and_then(|m| m.get_key_value(key)) {
            let k = k.clone();
            self.signal(db, &k);
        }
    }

    /// Queues `key` of database `db` as ready unless it already is.
    fn signal(&mut self, db: usize, key: &SBytes) {
        let item = (db, key.clone());
        if self.ready_set.insert(item.clone()) {
            self.ready.push(item);
        }
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
        let h = self.client.handle;
        let b = &mut self.st.blocking;
        let mut uniq: Vec<SBytes> = Vec::with_capacity(keys.len());
        for &k in keys {
            if uniq.iter().any(|u| u.as_slice() == k) {
                continue;
            }
            let key = SBytes::new(k);
            b.by_key[db].entry(key.clone()).or_default().push_back(h);
            uniq.push(key);
        }
        if deadline_ms != 0 {
            b.deadlines.insert((deadline_ms, self.client.id), h);
        }
        if waiter.key_gone_reply().is_some() {
            for k in &uniq {
                *b.gone_watch.entry((db, k.clone())).or_default() += 1;
            }
        }
        b.blocked += 1;
        self.st.dbs[db].keys.set_insert_log(true);
        self.client.wait = Some(Box::new(Wait { db, keys: uniq, deadline_ms, spec: self.cmd, waiter }));
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
    let b = &mut st.blocking;
    let map = &mut b.by_key[wait.db];
    for k in &wait.keys {
        if let Some(q) = map.get_mut(k.as_slice()) {
            q.retain(|&x| x != client.handle);
            if q.is_empty() {
                map.remove(k.as_slice());
            }
        }
    }
    if wait.deadline_ms != 0 {
        b.deadlines.remove(&(wait.deadline_ms, client.id));
    }
    if wait.waiter.key_gone_reply().is_some() {
        for k in &wait.keys {
            let item = (wait.db, k.clone());
            if let Some(n) = b.gone_watch.get_mut(&item) {
                *n -= 1;
                if *n == 0 {
                    b.gone_watch.remove(&item);
                }
            }
        }
    }
    b.blocked -= 1;
    if map.is_empty() {
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
    let reply = client.apply_reply_mode(reply);
    st.blocking.wakeups.push((client.handle, reply));
}

/// Cancels a disconnecting client's wait (no reply).
pub fn cancel(st: &mut EngineState, client: &mut Client) {
    unregister(st, client);
}

/// Turns the keys added during the last command into ready keys (Redis's
/// `signalKeyAsReady` from `dbAdd`).
fn collect_added_keys(st: &mut EngineState) {
    let b = &mut st.blocking;
    // Watched keys that are gone or hold another type are signalled (Redis's
    // signalDeletedKeyAsReady on deleting or overwriting a stream).
    if !b.gone_watch.is_empty() {
        for (db, key) in b.gone_watch.keys() {
            let gone = match st.dbs[*db].keys.find(key) {
                None => true,
                Some(slot) => WaitFor::of(&st.dbs[*db].keys.entry(slot).value) != Some(WaitFor::Stream),
            };
            if gone && b.ready_set.insert((*db, key.clone())) {
                b.ready.push((*db, key.clone()));
            }
        }
    }
    for (i, db) in st.dbs.iter_mut().enumerate() {
        if !db.keys.has_inserted() {
            continue;
        }
        db.keys.take_inserted(&mut b.scratch);
        for &slot in &b.scratch {
            let Some(e) = db.keys.slot(slot) else {
                continue;
            };
            if WaitFor::of(&e.value).is_some() && b.by_key[i].contains_key(e.key.as_slice()) {
                let item = (i, e.key.clone());
                if b.ready_set.insert(item.clone()) {
                    b.ready.push(item);
                }
            }
        }
    }
}

/// Redis's `scanDatabaseForReadyKeys` (after SWAPDB): signals every waited-for key of
/// database `db` that exists with a type a waiter can use. Also re-arms the database's
/// added-key record, which moved with the swapped keyspace.
pub fn signal_existing_keys(st: &mut EngineState, db: usize) {
    let waited = !st.blocking.by_key[db].is_empty();
    st.dbs[db].keys.set_insert_log(waited);
    let keys: Vec<SBytes> = st.blocking.by_key[db].keys().cloned().collect();
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
    if st.blocking.blocked == 0 {
        // After every command: nothing to do unless keys were signalled.
        if !st.blocking.ready.is_empty() {
            st.blocking.ready.clear();
            st.blocking.ready_set.clear();
        }
        return;
    }
    serve_ready_keys(st, clients);
}

/// [`serve_ready`] with clients blocked.
fn serve_ready_keys(st: &mut EngineState, clients: &mut ClientTable) {
    loop {
        collect_added_keys(st);
        if st.blocking.ready.is_empty() {
            return;
        }
        let round = std::mem::take(&mut st.blocking.ready);
        for (db, key) in round {
            st.blocking.ready_set.remove(&(db, key.clone()));
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
    let Some(queue) = st.blocking.by_key[db].get(key.as_slice()) else {
        return;
    };
    let waiting: Vec<ClientHandle> = queue.iter().copied().collect();
    for h in waiting {
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
        let reply = {
            let mut ctx = Ctx { st: &mut *st, client: &mut client, clients: &mut *clients, cmd: wait.spec };
            let outer_wrote = std::mem::replace(&mut ctx.st.events.wrote, false);
            let reply = wait.waiter.serve(&mut ctx, key, slot);
            crate::cmd::after_handler(ctx.st, db, outer_wrote, None);
            ctx.st.propagation.end_unit();
            reply
        };
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
    if !st.blocking.gone_watch.contains_key(&(db, key.clone())) {
        return;
    }
    if let Some(slot) = st.dbs[db].keys.find(key) {
        if WaitFor::of(&st.dbs[db].keys.entry(slot).value) == Some(WaitFor::Stream) {
            return;
        }
    }
    let Some(queue) = st.blocking.by_key[db].get(key.as_slice()) else {
        return;
    };
    let waiting: Vec<ClientHandle> = queue.iter().copied().collect();
    for h in waiting {
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
    while let Some((&(d, id), &h)) = st.blocking.deadlines.first_key_value() {
        if d >= now {
            break;
        }
        match clients.get_mut(h) {
            Some(client) if client.wait.is_some() => {
                let reply = client.wait.as_ref().map_or(Reply::NilArray, |w| w.waiter.timeout_reply());
                finish(st, client, reply, false);
            }
            _ => {
                st.blocking.deadlines.remove(&(d, id));
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
