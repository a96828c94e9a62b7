//! The event seam's two ends on the engine: [`EngineState::record`], the one way a key
//! effect enters, and [`EngineState::drain_key_events`], which hands the recorded
//! effects to the subsystems.
//!
//! # Order
//!
//! Effects are drained in the order they were recorded. For each one:
//!
//! 1. [`Effect::Modified`] / [`Effect::Expired`]: WATCH ([`crate::watch::Watches::touch`]),
//!    then client-side caching ([`crate::tracking::Tracking::invalidate_key`]; an expiry
//!    has no client behind it, so BCAST NOLOOP does not skip anyone);
//! 2. [`Effect::Notify`]: the keyspace notification (published to `__keyspace@` and
//!    `__keyevent@` subscribers);
//! 3. [`Effect::Ready`]: blocking readiness (the key joins the ready keys that
//!    `cmd::blocking::serve_ready` serves after the command).
//!
//! Then propagation: the command (or its effect) is queued for consumers by
//! `cmd::call` once the command's events are drained (see [`crate::propagate`]); an
//! expiry or eviction propagates as `DEL` when it is drained.
//!
//! Keys that expire inside a keyspace lookup, and keys added while someone waits for
//! `new` events, are logged by the keyspace itself (it cannot see the engine); they are
//! pulled into the log before any later record and before each drain, so they keep
//! their place in the order.
//!
//! # When
//!
//! After each command (`cmd::call`, so each command of MULTI/EXEC and, later, each
//! `redis.call` of a script), after each blocked client served, after each eviction and
//! after each active-expiry cycle. Database-wide effects (FLUSHDB, FLUSHALL, SWAPDB) are
//! applied when they happen by [`EngineState::signal_flushed_db`] and
//! [`EngineState::signal_swapped_dbs`]: WATCH must see the keys before they go.

use crate::config::notify;
use crate::db::keyspace::KeyEvent as KeyspaceEvent;
use crate::engine::EngineState;
use crate::events::{Effect, KeyEvent};

impl EngineState {
    /// Records one key effect on `key` of database `db`: the single entry of the event
    /// seam (commands reach it through `Ctx::record` and its shorthands). Effects nobody
    /// can observe are dropped here, in a few inlined tests; a modification is counted
    /// either way (it decides propagation).
    #[inline]
    pub fn record(&mut self, db: usize, key: &[u8], effect: Effect) {
        let heard = match effect {
            Effect::Modified => {
                self.count_change();
                self.watches.any() || self.tracking.engaged
            }
            Effect::Expired => self.watches.any() || self.tracking.engaged || self.propagation.is_enabled(),
            // Whether anybody subscribes is checked out of line.
            Effect::Notify(class, _) => self.config.notify_keyspace_events & class != 0,
            Effect::Ready => self.blocking.is_waited(db, key),
        };
        if heard {
            self.record_heard(db, key, effect);
        }
    }

    /// Counts a key change without recording it: for a command's fast path that has
    /// checked [`EngineState::key_hooks_active`] and found nobody listening (building
    /// the key name would be wasted); it still counts for propagation.
    #[inline]
    pub fn count_change(&mut self) {
        self.events.wrote = true;
        self.persist.dirty += 1;
    }

    /// [`EngineState::record`] once someone listens.
    #[inline(never)]
    fn record_heard(&mut self, db: usize, key: &[u8], effect: Effect) {
        if matches!(effect, Effect::Notify(..)) && !self.pubsub.any_subscriber() {
            return;
        }
        if self.pending.events.get() {
            self.pull_keyspace_events();
        }
        self.events.push(db, key, effect);
        // One flag says "something to drain" for both logs.
        self.pending.events.set(true);
    }

    /// Whether a key change can matter to anyone: a WATCH exists, a client tracks keys,
    /// or keyspace events are on and somebody subscribes. Hot paths skip building key
    /// names for the seam otherwise (and call [`EngineState::count_change`]).
    #[inline]
    pub fn key_hooks_active(&self) -> bool {
        self.watches.any()
            || self.tracking.engaged
            || (self.config.notify_keyspace_events != 0 && self.pubsub.any_subscriber())
    }

    /// Turns the keyspaces' record of added keys on when `new` events can reach someone
    /// (`notify-keyspace-events` has `n` and somebody subscribes), off otherwise.
    #[inline]
    pub fn sync_key_event_logs(&mut self) {
        let want = self.config.notify_keyspace_events & notify::NEW != 0 && self.pubsub.any_subscriber();
        if self.dbs.first().is_some_and(|d| d.keys.log_new != want) {
            for d in self.dbs.iter_mut() {
                d.keys.log_new = want;
            }
        }
    }

    /// Moves what the keyspaces logged (expired keys, added keys) into the event log.
    fn pull_keyspace_events(&mut self) {
        self.pending.events.set(false);
        let recorded = !self.events.is_empty();
        for db in 0..self.dbs.len() {
            if !self.dbs[db].keys.has_events() {
                continue;
            }
            for (ev, key) in self.dbs[db].keys.take_events() {
                match ev {
                    KeyspaceEvent::Expired => {
                        self.record(db, &key, Effect::Expired);
                        self.record(db, &key, Effect::Notify(notify::EXPIRED, "expired"));
                    }
                    KeyspaceEvent::New => self.record(db, &key, Effect::Notify(notify::NEW, "new")),
                }
            }
        }
        // Recorded events still wait for the drain.
        self.pending.events.set(recorded || !self.events.is_empty());
    }

    /// Hands every recorded effect to the subsystems, in order (see the module doc).
    #[inline]
    pub fn drain_key_events(&mut self) {
        // One flag covers the keyspaces' logs and the recorded events.
        if self.pending.events.get() {
            self.drain_recorded();
        }
    }

    /// [`EngineState::drain_key_events`] once there is something to hand out.
    #[inline(never)]
    fn drain_recorded(&mut self) {
        self.pull_keyspace_events();
        self.pending.events.set(false);
        while !self.events.is_empty() {
            let batch = self.events.take();
            for ev in &batch {
                self.deliver(ev);
            }
            self.events.give_back(batch);
        }
    }

    /// Hands one effect to the subsystems that take it.
    fn deliver(&mut self, ev: &KeyEvent) {
        let (db, key) = (ev.db, ev.key.as_slice());
        match ev.effect {
            Effect::Modified => self.touch_key(db, key),
            Effect::Expired => {
                // Redis signals expiries without a client (BCAST NOLOOP).
                let by = std::mem::take(&mut self.tracking.current);
                self.touch_key(db, key);
                self.tracking.current = by;
                self.propagation.deleted_by_server(db, key, self.config.lazyfree_lazy_expire);
            }
            Effect::Notify(_, event) => self.publish_keyspace_event(event, key, db),
            Effect::Ready => self.blocking.signal_if_waited(db, key),
        }
    }

    /// Redis's `signalModifiedKey` as drained: WATCH invalidation, then client-side
    /// caching.
    fn touch_key(&mut self, db: usize, key: &[u8]) {
        if self.watches.any() {
            self.watches.touch(db, key, &self.dbs);
        }
        if self.tracking.engaged {
            self.tracking.invalidate_key(key, true, self.pubsub.pushes_len());
        }
    }

    /// Redis's `signalFlushedDb` for `db` (`None`: every database), before its keys go:
    /// watched keys that exist are touched, and tracking clients get a null
    /// invalidation. Drains what was recorded before, so the order holds.
    pub fn signal_flushed_db(&mut self, db: Option<usize>) {
        self.drain_key_events();
        let now = self.now_ms();
        let range = match db {
            Some(d) => d..d + 1,
            None => 0..self.dbs.len(),
        };
        for d in range {
            self.watches.touch_all_in_db(d, None, &self.dbs, now);
        }
        self.tracking.flush(self.pubsub.pushes_len());
        self.count_change();
    }

    /// SWAPDB's effects on WATCH, before databases `a` and `b` trade contents.
    pub fn signal_swapped_dbs(&mut self, a: usize, b: usize) {
        self.drain_key_events();
        let now = self.now_ms();
        self.watches.touch_all_in_db(a, Some(b), &self.dbs, now);
        self.watches.touch_all_in_db(b, Some(a), &self.dbs, now);
        self.count_change();
    }

    /// Called for each key eviction deletes (after it is gone): WATCH touch, the
    /// `evicted` keyspace event and a propagated `DEL`, as Redis's `performEvictions`.
    pub fn on_key_evicted(&mut self, db: usize, key: &[u8]) {
        // Eviction runs before a command: its deletions are not the command's writes.
        let wrote = self.events.wrote;
        self.record(db, key, Effect::Modified);
        self.events.wrote = wrote;
        self.record(db, key, Effect::Notify(notify::EVICTED, "evicted"));
        self.drain_key_events();
        self.propagation.evicted(db, key, self.config.lazyfree_lazy_eviction);
    }

    /// Publishes keyspace event `event` for `key` of `db` (Redis's
    /// `notifyKeyspaceEvent` once its class is selected): `event` on
    /// `__keyspace@<db>__:<key>` (with `K`) and `key` on `__keyevent@<db>__:<event>`
    /// (with `E`).
    fn publish_keyspace_event(&mut self, event: &'static str, key: &[u8], db: usize) {
        let flags = self.config.notify_keyspace_events;
        if !self.pubsub.any_subscriber() {
            return;
        }
        let mut num = [0u8; 20];
        let dbid = crate::numfmt::format_i64(db as i64, &mut num);
        if flags & notify::KEYSPACE != 0 {
            let mut chan = Vec::with_capacity(16 + key.len());
            chan.extend_from_slice(b"__keyspace@");
            chan.extend_from_slice(dbid);
            chan.extend_from_slice(b"__:");
            chan.extend_from_slice(key);
            self.pubsub.publish(&chan, event.as_bytes());
        }
        if flags & notify::KEYEVENT != 0 {
            let mut chan = Vec::with_capacity(16 + event.len());
            chan.extend_from_slice(b"__keyevent@");
            chan.extend_from_slice(dbid);
            chan.extend_from_slice(b"__:");
            chan.extend_from_slice(event.as_bytes());
            self.pubsub.publish(&chan, key);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::events::Effect;
    use crate::reply::Reply;
    use crate::testkit::TestEngine;

    fn texts(v: Vec<(crate::ClientHandle, Reply)>) -> Vec<String> {
        v.into_iter().map(|(_, r)| String::from_utf8_lossy(&r.to_resp(3)).into_owned()).collect()
    }

    #[test]
    fn one_change_reaches_watch_tracking_and_events_in_that_order() {
        let mut t = TestEngine::new();
        let (watcher, reader) = (t.connect(), t.connect());
        t.cmd(&["CONFIG", "SET", "notify-keyspace-events", "KEA"]);
        t.cmd(&["SET", "k", "1"]);
        t.run_as(watcher, "WATCH k");
        t.run_as(reader, "HELLO 3");
        t.run_as(reader, "CLIENT TRACKING ON");
        t.run_as(reader, "GET k");
        t.run_as(reader, "SUBSCRIBE __keyspace@0__:k");
        t.eng.take_pushes();
        t.cmd(&["INCR", "k"]);
        // The invalidation (signalModifiedKey) comes before the event (notifyKeyspaceEvent).
        assert_eq!(
            texts(t.eng.take_pushes()),
            vec![
                ">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n".to_string(),
                ">3\r\n$7\r\nmessage\r\n$16\r\n__keyspace@0__:k\r\n$6\r\nincrby\r\n".into(),
            ]
        );
        t.run_as(watcher, "MULTI");
        t.run_as(watcher, "PING");
        assert_eq!(t.run_as(watcher, "EXEC"), Reply::NilArray);
    }

    #[test]
    fn keys_expired_by_a_lookup_come_before_the_commands_own_events() {
        let mut t = TestEngine::new();
        let sub = t.connect();
        t.cmd(&["CONFIG", "SET", "notify-keyspace-events", "Exg$"]);
        t.cmd(&["SET", "old", "1", "PX", "5"]);
        t.run_as(sub, "PSUBSCRIBE __keyevent@0__:*");
        t.eng.take_pushes();
        t.advance_ms(10);
        // APPEND looks the key up (expiring it), then writes: expired, then append.
        t.cmd(&["APPEND", "old", "x"]);
        let got = texts(t.eng.take_pushes());
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].contains("__keyevent@0__:expired"), "{got:?}");
        assert!(got[1].contains("__keyevent@0__:append"), "{got:?}");
    }

    #[test]
    fn unheard_effects_are_not_logged_but_changes_are_counted() {
        let mut t = TestEngine::new();
        let st = &mut t.eng.state;
        st.events.wrote = false;
        st.record(0, b"k", Effect::Modified);
        st.record(0, b"k", Effect::Notify(crate::config::notify::GENERIC, "del"));
        st.record(0, b"k", Effect::Ready);
        assert!(st.events.is_empty());
        assert!(st.events.wrote);
        st.watches.watch(t.client, 0, b"k", false);
        let st = &mut t.eng.state;
        st.record(0, b"k", Effect::Modified);
        assert_eq!(st.events.len(), 1);
        st.drain_key_events();
        assert!(st.events.is_empty());
        assert!(st.watches.is_dirty(t.client, &st.dbs, 0));
    }
}
