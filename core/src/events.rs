//! The event seam's record: what commands (and the server, through expiry and eviction)
//! did to keys, in the order it happened.
//!
//! A command never calls WATCH, client-side caching, keyspace notifications or the
//! blocking machinery itself. It records each key change once, through
//! `Ctx::record` (Redis's `signalModifiedKey`, `notifyKeyspaceEvent` and
//! `signalKeyAsReady` are the three [`Effect`]s), and the engine drains the log after
//! the command (see `engine::effects` for the order). This module only keeps the log:
//! it knows nothing of the engine or the subsystems.

use crate::bytes::SBytes;

/// One thing that happened to a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Redis's `signalModifiedKey`: a command changed the key (WATCH, tracking).
    Modified,
    /// The server removed the key because its TTL passed (lazily or by the active
    /// cycle): a modification with no client behind it (tracking's NOLOOP does not
    /// apply), followed by its `expired` event.
    Expired,
    /// Redis's `notifyKeyspaceEvent`: an event of class `.0` (a `config::notify` bit)
    /// named `.1`.
    Notify(u32, &'static str),
    /// Redis's `signalKeyAsReady` for a key that exists: clients blocked on it may be
    /// served after the command.
    Ready,
}

/// One record of the log: an effect on `key` of database `db`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyEvent {
    /// Database index.
    pub db: usize,
    /// The key.
    pub key: SBytes,
    /// What happened.
    pub effect: Effect,
}

/// The ordered log of key events not yet handed to the subsystems, and whether a key
/// changed (what decides a command's propagation).
#[derive(Debug, Default)]
pub struct EventLog {
    events: Vec<KeyEvent>,
    /// A key changed since the flag was last taken (Redis's `server.dirty` moved): set
    /// by each [`Effect::Modified`] whether or not anyone listens, taken after each
    /// handler by the propagation hook (only while propagation is on: it is cleared when
    /// propagation is turned on).
    pub wrote: bool,
}

impl EventLog {
    /// Appends one event.
    #[inline]
    pub fn push(&mut self, db: usize, key: &[u8], effect: Effect) {
        self.events.push(KeyEvent { db, key: SBytes::new(key), effect });
    }

    /// Whether events wait to be drained.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Number of events waiting.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Takes the waiting events in order, leaving the log empty (give the vector back
    /// with [`EventLog::give_back`] to keep its allocation).
    #[inline]
    pub fn take(&mut self) -> Vec<KeyEvent> {
        std::mem::take(&mut self.events)
    }

    /// Returns a drained vector's allocation to the log. Events recorded while the
    /// caller handled the taken ones stay in front.
    pub fn give_back(&mut self, mut spent: Vec<KeyEvent>) {
        spent.clear();
        if self.events.is_empty() && spent.capacity() > self.events.capacity() {
            self.events = spent;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_come_out_in_recording_order() {
        let mut log = EventLog::default();
        assert!(log.is_empty());
        log.push(0, b"a", Effect::Notify(1, "set"));
        log.push(0, b"a", Effect::Modified);
        log.push(3, b"b", Effect::Ready);
        assert_eq!(log.len(), 3);
        let got = log.take();
        assert!(log.is_empty());
        let kinds: Vec<(usize, &[u8], Effect)> = got.iter().map(|e| (e.db, e.key.as_slice(), e.effect)).collect();
        assert_eq!(
            kinds,
            vec![
                (0, &b"a"[..], Effect::Notify(1, "set")),
                (0, &b"a"[..], Effect::Modified),
                (3, &b"b"[..], Effect::Ready)
            ]
        );
    }

    #[test]
    fn give_back_keeps_the_allocation_but_not_newer_events() {
        let mut log = EventLog::default();
        for i in 0..10u8 {
            log.push(0, &[i], Effect::Modified);
        }
        let spent = log.take();
        log.give_back(spent);
        assert!(log.is_empty());
        assert!(log.take().capacity() >= 10);

        log.push(0, b"x", Effect::Modified);
        let spent = log.take();
        log.push(0, b"newer", Effect::Ready);
        log.give_back(spent);
        assert_eq!(log.take()[0].key.as_slice(), b"newer");
    }
}
