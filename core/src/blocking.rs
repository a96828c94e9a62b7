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
//! This module is the bookkeeping only ([`Blocking`]: per-key queues, deadlines, ready
//! keys, wake-ups); it knows nothing of commands or the engine. The blocking commands'
//! side (`Waiter`, `Ctx::block`, serving) is `cmd::blocking`.
//!
//! - A handler that cannot serve its client now calls `Ctx::block` with the keys, the
//!   deadline and a `Waiter`: what the client waits for (the value type that can serve
//!   it) and how to serve it. The client's `Wait` lives in `Client::wait`; per database,
//!   each key has the FIFO of clients waiting for it (Redis's `db->blocking_keys`).
//! - Keys become ready as with Redis's `signalKeyAsReady` in `dbAdd`: while clients wait
//!   in a database, its keyspace records the keys added to it; after each command the
//!   engine turns the added keys that have waiters and hold a type some waiter can use
//!   into *ready keys* (in order, each once). SWAPDB signals the keys that exist under
//!   waited-for names (`cmd::blocking::signal_existing_keys`). Deleting a key or replacing
//!   it with a value of another type signals nothing: its waiters keep waiting, as in
//!   Redis, except waiters with a `Waiter::key_gone_reply` (XREADGROUP): their keys are checked after
//!   each command and, once gone or not a stream, signalled (Redis's
//!   `signalDeletedKeyAsReady`); those waiters then end with that reply. XADD and XGROUP
//!   DESTROY signal existing keys (`Ctx::signal_ready`, an [`crate::events::Effect::Ready`]
//!   through the event seam).
//! - After each command (for MULTI/EXEC and scripts: after the whole block),
//!   `cmd::blocking::serve_ready` runs Redis's `handleClientsBlockedOnKeys`: for each ready
//!   key in order, the clients waiting on it, first blocked first; those waiting for the
//!   key's type are served by `Waiter::serve` with their own client context, until the key is
//!   gone. A served client stops waiting on all its keys. Serving can add keys (BLMOVE's
//!   destination), which become ready for a further round.
//! - Timeouts: deadlines in ms (0: none); `set_time_us`/`tick` end the waits whose
//!   deadline is before the current millisecond with `Waiter::timeout_reply`.

use std::collections::{BTreeMap, VecDeque};

use foldhash::fast::FixedState;

use crate::bytes::SBytes;
use crate::handle::ClientHandle;
use crate::reply::Reply;
use crate::types::Value;

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

    /// Registers client `h` (id `id`) waiting on `keys` of database `db` (duplicates
    /// count once) until `deadline_ms` (0: none); `watch_gone`: the wait also ends when
    /// a key is deleted or stops holding a stream. Returns the distinct keys, in order.
    pub fn register(
        &mut self,
        db: usize,
        h: ClientHandle,
        id: u64,
        keys: &[&[u8]],
        deadline_ms: i64,
        watch_gone: bool,
    ) -> Vec<SBytes> {
        let mut uniq: Vec<SBytes> = Vec::with_capacity(keys.len());
        for &k in keys {
            if uniq.iter().any(|u| u.as_slice() == k) {
                continue;
            }
            let key = SBytes::new(k);
            self.by_key[db].entry(key.clone()).or_default().push_back(h);
            uniq.push(key);
        }
        if deadline_ms != 0 {
            self.deadlines.insert((deadline_ms, id), h);
        }
        if watch_gone {
            for k in &uniq {
                *self.gone_watch.entry((db, k.clone())).or_default() += 1;
            }
        }
        self.blocked += 1;
        uniq
    }

    /// Forgets a wait registered with [`Blocking::register`] (the same arguments, `keys`
    /// as it returned them). Returns whether nobody waits in database `db` any more.
    pub fn unregister(
        &mut self,
        db: usize,
        h: ClientHandle,
        id: u64,
        keys: &[SBytes],
        deadline_ms: i64,
        watch_gone: bool,
    ) -> bool {
        let map = &mut self.by_key[db];
        for k in keys {
            if let Some(q) = map.get_mut(k.as_slice()) {
                q.retain(|&x| x != h);
                if q.is_empty() {
                    map.remove(k.as_slice());
                }
            }
        }
        if deadline_ms != 0 {
            self.deadlines.remove(&(deadline_ms, id));
        }
        if watch_gone {
            for k in keys {
                let item = (db, k.clone());
                if let Some(n) = self.gone_watch.get_mut(&item) {
                    *n -= 1;
                    if *n == 0 {
                        self.gone_watch.remove(&item);
                    }
                }
            }
        }
        self.blocked -= 1;
        self.by_key[db].is_empty()
    }

    /// Queues the reply of a client whose wait ended, for the host.
    pub fn push_wakeup(&mut self, h: ClientHandle, reply: Reply) {
        self.wakeups.push((h, reply));
    }

    /// The clients waiting on `key` of database `db`, first blocked first.
    pub fn waiters(&self, db: usize, key: &[u8]) -> Vec<ClientHandle> {
        self.by_key[db].get(key).map_or(Vec::new(), |q| q.iter().copied().collect())
    }

    /// Every key clients wait on in database `db`.
    pub fn waited_keys(&self, db: usize) -> Vec<SBytes> {
        self.by_key[db].keys().cloned().collect()
    }

    /// Whether clients wait on any key of database `db`.
    pub fn db_is_waited(&self, db: usize) -> bool {
        !self.by_key[db].is_empty()
    }

    /// Whether a client whose wait ends on deletion waits on `key` of `db`.
    pub fn is_gone_watched(&self, db: usize, key: &[u8]) -> bool {
        self.gone_watch.contains_key(&(db, SBytes::new(key)))
    }

    /// Signals the deletion-watched keys for which `gone(db, key)` holds (Redis's
    /// `signalDeletedKeyAsReady`).
    pub fn signal_gone(&mut self, gone: impl Fn(usize, &[u8]) -> bool) {
        if self.gone_watch.is_empty() {
            return;
        }
        let hits: Vec<(usize, SBytes)> =
            self.gone_watch.keys().filter(|(db, k)| gone(*db, k.as_slice())).cloned().collect();
        for (db, k) in hits {
            self.signal(db, &k);
        }
    }

    /// Takes the ready keys of this round, in order (each stays marked as queued until
    /// [`Blocking::unmark_ready`], so signalling it again while it is served is a no-op).
    pub fn take_ready(&mut self) -> Vec<(usize, SBytes)> {
        std::mem::take(&mut self.ready)
    }

    /// Whether keys wait to be served.
    pub fn has_ready(&self) -> bool {
        !self.ready.is_empty()
    }

    /// Unmarks a ready key taken with [`Blocking::take_ready`], just before it is served.
    pub fn unmark_ready(&mut self, db: usize, key: &SBytes) {
        self.ready_set.remove(&(db, key.clone()));
    }

    /// Forgets every ready key (nobody waits).
    pub fn clear_ready(&mut self) {
        if !self.ready.is_empty() {
            self.ready.clear();
            self.ready_set.clear();
        }
    }

    /// The earliest deadline: (deadline ms, client id, handle).
    pub fn first_deadline(&self) -> Option<(i64, u64, ClientHandle)> {
        self.deadlines.first_key_value().map(|(&(d, id), &h)| (d, id, h))
    }

    /// Forgets a deadline whose client is gone.
    pub fn remove_deadline(&mut self, deadline_ms: i64, id: u64) {
        self.deadlines.remove(&(deadline_ms, id));
    }

    /// Takes the reusable buffer for the keyspaces' added-key records.
    pub fn take_scratch(&mut self) -> Vec<u32> {
        std::mem::take(&mut self.scratch)
    }

    /// Gives the buffer of [`Blocking::take_scratch`] back.
    pub fn give_scratch(&mut self, v: Vec<u32>) {
        self.scratch = v;
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
    pub fn signal(&mut self, db: usize, key: &SBytes) {
        let item = (db, key.clone());
        if self.ready_set.insert(item.clone()) {
            self.ready.push(item);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(n: u32) -> ClientHandle {
        ClientHandle(n)
    }

    #[test]
    fn waiters_queue_first_blocked_first_and_keys_count_once() {
        let mut b = Blocking::new(2);
        let keys = b.register(0, h(1), 11, &[b"a", b"b", b"a"], 0, false);
        assert_eq!(keys.iter().map(|k| k.as_slice()).collect::<Vec<_>>(), vec![&b"a"[..], b"b"]);
        b.register(0, h(2), 12, &[b"a"], 0, false);
        assert_eq!(b.waiters(0, b"a"), vec![h(1), h(2)]);
        assert_eq!(b.waiters(1, b"a"), vec![]);
        assert!(b.is_waited(0, b"b") && !b.is_waited(1, b"b"));
        assert_eq!(b.blocked_clients(), 2);
        assert!(!b.unregister(0, h(1), 11, &keys, 0, false));
        assert_eq!(b.waiters(0, b"a"), vec![h(2)]);
        assert!(!b.is_waited(0, b"b"));
        assert!(b.unregister(0, h(2), 12, &[SBytes::new(b"a")], 0, false));
        assert_eq!(b.blocked_clients(), 0);
        assert!(!b.is_waited(0, b"a"));
    }

    #[test]
    fn ready_keys_are_queued_once_in_order_and_only_when_waited() {
        let mut b = Blocking::new(1);
        b.register(0, h(1), 1, &[b"x", b"y"], 0, false);
        b.signal_if_waited(0, b"nobody");
        b.signal_if_waited(0, b"y");
        b.signal_if_waited(0, b"x");
        b.signal_if_waited(0, b"y");
        let round = b.take_ready();
        assert_eq!(round.iter().map(|(_, k)| k.as_slice()).collect::<Vec<_>>(), vec![&b"y"[..], b"x"]);
        // Still marked until unmarked: a second signal while serving is ignored.
        b.signal_if_waited(0, b"y");
        assert!(!b.has_ready());
        b.unmark_ready(0, &SBytes::new(b"y"));
        b.signal_if_waited(0, b"y");
        assert!(b.has_ready());
        b.clear_ready();
        assert!(!b.has_ready());
    }

    #[test]
    fn deadlines_order_timeouts_and_the_next_wakeup() {
        let mut b = Blocking::new(1);
        b.register(0, h(1), 1, &[b"k"], 500, false);
        b.register(0, h(2), 2, &[b"k"], 200, false);
        b.register(0, h(3), 3, &[b"k"], 0, false);
        assert_eq!(b.clients_in_timeout_table(), 2);
        assert_eq!(b.first_deadline(), Some((200, 2, h(2))));
        // A wait ends once the clock is past its millisecond.
        assert_eq!(b.next_deadline_us(), Some(201_000));
        assert!(!b.has_overdue(200) && b.has_overdue(201));
        b.remove_deadline(200, 2);
        assert_eq!(b.first_deadline(), Some((500, 1, h(1))));
    }

    #[test]
    fn deletion_watched_keys_are_signalled_when_gone() {
        let mut b = Blocking::new(1);
        let keys = b.register(0, h(1), 1, &[b"s", b"t"], 0, true);
        assert!(b.is_gone_watched(0, b"s"));
        b.signal_gone(|_, k| k == b"t");
        assert_eq!(b.take_ready().iter().map(|(_, k)| k.as_slice()).collect::<Vec<_>>(), vec![&b"t"[..]]);
        b.unregister(0, h(1), 1, &keys, 0, true);
        assert!(!b.is_gone_watched(0, b"s"));
    }

    #[test]
    fn wakeups_come_out_in_order() {
        let mut b = Blocking::new(1);
        assert!(!b.has_wakeups());
        b.push_wakeup(h(2), Reply::Nil);
        b.push_wakeup(h(1), Reply::Int(1));
        assert!(b.has_wakeups());
        assert_eq!(b.take_wakeups(), vec![(h(2), Reply::Nil), (h(1), Reply::Int(1))]);
        assert!(!b.has_wakeups());
    }
}
