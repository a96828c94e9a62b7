//! Consumer groups: the last delivered ID, the read counter, the pending entries list
//! (PEL) and the consumers, each with its own PEL (Redis's `streamCG`,
//! `streamConsumer`, `streamNACK`). Every mutation keeps [`Group::heap`] current.

use std::collections::{BTreeMap, BTreeSet};

use super::id::StreamId;
use crate::bytes::SBytes;

/// Redis's `SCG_INVALID_ENTRIES_READ`.
pub const INVALID_ENTRIES_READ: i64 = -1;

use super::btree_bytes;

/// Bytes of one group-PEL pair in a B-tree node.
const PEL_PAIR: usize = std::mem::size_of::<StreamId>() + std::mem::size_of::<Nack>();
/// Bytes of one consumer-PEL key in a B-tree node.
const CPEL_PAIR: usize = std::mem::size_of::<StreamId>();
/// Bytes of one consumer pair in a B-tree node.
const CONSUMER_PAIR: usize = std::mem::size_of::<SBytes>() + std::mem::size_of::<Consumer>();

/// A pending (delivered, not acknowledged) entry.
#[derive(Clone, Debug)]
pub struct Nack {
    /// The owning consumer (None only transiently, as Redis's XCLAIM FORCE).
    pub consumer: SBytes,
    /// Last delivery time (ms).
    pub delivery_time: i64,
    /// Number of deliveries.
    pub delivery_count: u64,
}

/// A consumer of a group.
#[derive(Clone, Debug, Default)]
pub struct Consumer {
    /// Last time it was seen (ms).
    pub seen_time: i64,
    /// Its pending IDs.
    pub pel: BTreeSet<StreamId>,
}

/// A consumer group.
#[derive(Clone, Debug)]
pub struct Group {
    /// Last delivered ID.
    pub last_id: StreamId,
    /// Logical read counter ([`INVALID_ENTRIES_READ`] when unknown).
    pub entries_read: i64,
    pel: BTreeMap<StreamId, Nack>,
    consumers: BTreeMap<SBytes, Consumer>,
    heap: usize,
}

impl Group {
    /// A group at `last_id`.
    pub fn new(last_id: StreamId, entries_read: i64) -> Group {
        Group { last_id, entries_read, pel: BTreeMap::new(), consumers: BTreeMap::new(), heap: 0 }
    }

    /// Heap bytes held: the running count of names and consumer PELs, plus the group
    /// PEL's and the consumer map's B-tree nodes (from their lengths: O(1)).
    pub fn heap(&self) -> usize {
        self.heap + btree_bytes(self.pel.len(), PEL_PAIR) + btree_bytes(self.consumers.len(), CONSUMER_PAIR)
    }

    /// The group PEL.
    pub fn pel(&self) -> &BTreeMap<StreamId, Nack> {
        &self.pel
    }

    /// The consumers by name.
    pub fn consumers(&self) -> &BTreeMap<SBytes, Consumer> {
        &self.consumers
    }

    /// A consumer by name.
    pub fn consumer(&self, name: &[u8]) -> Option<&Consumer> {
        self.consumers.get(name)
    }

    /// Adds `id` to consumer `name`'s PEL, keeping the count.
    fn cpel_add(&mut self, name: &[u8], id: StreamId) {
        let c = self.consumers.get_mut(name).expect("consumer exists");
        let before = btree_bytes(c.pel.len(), CPEL_PAIR);
        c.pel.insert(id);
        self.heap = self.heap + btree_bytes(c.pel.len(), CPEL_PAIR) - before;
    }

    /// Removes `id` from consumer `name`'s PEL (if the consumer exists).
    fn cpel_remove(&mut self, name: &[u8], id: StreamId) {
        if let Some(c) = self.consumers.get_mut(name) {
            let before = btree_bytes(c.pel.len(), CPEL_PAIR);
            c.pel.remove(&id);
            self.heap = self.heap + btree_bytes(c.pel.len(), CPEL_PAIR) - before;
        }
    }

    /// Creates consumer `name` seen at `now`; false if it exists.
    pub fn create_consumer(&mut self, name: &[u8], now: i64) -> bool {
        if self.consumers.contains_key(name) {
            return false;
        }
        let name = SBytes::new(name);
        self.heap += name.heap_size();
        self.consumers.insert(name, Consumer { seen_time: now, pel: BTreeSet::new() });
        true
    }

    /// Redis's `streamLookupConsumer` with refresh (creating it when missing): sets its
    /// seen time to `now`. Returns whether it was created.
    pub fn touch_consumer(&mut self, name: &[u8], now: i64) -> bool {
        if self.create_consumer(name, now) {
            return true;
        }
        if let Some(c) = self.consumers.get_mut(name) {
            c.seen_time = now;
        }
        false
    }

    /// Deletes consumer `name` and its pending entries; returns how many it had.
    pub fn delete_consumer(&mut self, name: &[u8]) -> Option<usize> {
        let (key, c) = self.consumers.remove_entry(name)?;
        let n = c.pel.len();
        for id in &c.pel {
            self.pel.remove(id);
        }
        // Each pending entry held a copy of the name.
        self.heap -= key.heap_size() * (n + 1) + btree_bytes(n, CPEL_PAIR);
        Some(n)
    }

    /// Records the delivery of `id` to `consumer` (which exists) at `now`: a new pending
    /// entry, or an existing one moved to it with its count reset to 1.
    pub fn deliver(&mut self, id: StreamId, consumer: &[u8], now: i64) {
        let name = self.consumers.get_key_value(consumer).expect("consumer exists").0.clone();
        self.heap += name.heap_size();
        match self.pel.get_mut(&id) {
            Some(nack) => {
                let old = std::mem::replace(&mut nack.consumer, name);
                nack.delivery_time = now;
                nack.delivery_count = 1;
                self.heap -= old.heap_size();
                self.cpel_remove(&old, id);
            }
            None => {
                self.pel.insert(id, Nack { consumer: name, delivery_time: now, delivery_count: 1 });
            }
        }
        self.cpel_add(consumer, id);
    }

    /// Acknowledges `id`; whether it was pending.
    pub fn ack(&mut self, id: StreamId) -> bool {
        let Some(nack) = self.pel.remove(&id) else { return false };
        self.heap -= nack.consumer.heap_size();
        self.cpel_remove(&nack.consumer, id);
        true
    }

    /// Updates a pending entry's delivery time and count (history reads, claims).
    pub fn nack_mut(&mut self, id: StreamId) -> Option<&mut Nack> {
        self.pel.get_mut(&id)
    }

    /// Moves pending entry `id` to `consumer` (which exists), creating the entry when
    /// missing (XCLAIM FORCE) with count 1 and time `now`.
    pub fn claim(&mut self, id: StreamId, consumer: &[u8], now: i64) -> &mut Nack {
        let name = self.consumers.get_key_value(consumer).expect("consumer exists").0.clone();
        match self.pel.get_mut(&id) {
            None => {
                self.heap += name.heap_size();
                self.pel.insert(id, Nack { consumer: name, delivery_time: now, delivery_count: 1 });
                self.cpel_add(consumer, id);
            }
            Some(nack) if nack.consumer.as_slice() != consumer => {
                let old = std::mem::replace(&mut nack.consumer, name);
                self.heap = self.heap + self.consumers.get_key_value(consumer).map_or(0, |(k, _)| k.heap_size())
                    - old.heap_size();
                self.cpel_remove(&old, id);
                self.cpel_add(consumer, id);
            }
            Some(_) => {}
        }
        self.pel.get_mut(&id).expect("pending")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deliver_ack_claim_delete_keep_pels_in_step() {
        let mut g = Group::new(StreamId::ZERO, 0);
        assert!(g.create_consumer(b"a", 1));
        assert!(!g.create_consumer(b"a", 1));
        g.touch_consumer(b"b", 2);
        for i in 1..=5 {
            g.deliver(StreamId::new(i, 0), b"a", 10);
        }
        g.deliver(StreamId::new(3, 0), b"b", 11);
        assert_eq!(g.consumer(b"a").unwrap().pel.len(), 4);
        assert_eq!(g.pel()[&StreamId::new(3, 0)].consumer.as_slice(), b"b");
        assert!(g.ack(StreamId::new(1, 0)));
        assert!(!g.ack(StreamId::new(1, 0)));
        g.claim(StreamId::new(2, 0), b"b", 20).delivery_count += 1;
        assert_eq!(g.pel()[&StreamId::new(2, 0)].delivery_count, 2);
        let forced = g.claim(StreamId::new(9, 0), b"b", 20);
        assert_eq!(forced.delivery_count, 1);
        assert_eq!(g.delete_consumer(b"a"), Some(2));
        assert_eq!(g.pel().len(), 3);
        assert_eq!(g.delete_consumer(b"b"), Some(3));
        assert!(g.pel().is_empty());
        assert_eq!(g.heap(), 0);
        // Names longer than the inline size are counted in every copy.
        let long = [b'n'; 40];
        g.touch_consumer(&long, 1);
        g.touch_consumer(b"short", 1);
        for i in 1..=3 {
            g.deliver(StreamId::new(i, 0), &long, 1);
        }
        g.deliver(StreamId::new(2, 0), b"short", 1);
        g.claim(StreamId::new(3, 0), b"short", 1);
        g.claim(StreamId::new(2, 0), &long, 1);
        assert!(g.ack(StreamId::new(1, 0)));
        g.delete_consumer(b"short");
        g.delete_consumer(&long);
        assert_eq!(g.heap(), 0);
    }

    /// The running count equals a full recount after any sequence of operations.
    #[test]
    fn heap_count_matches_a_recount() {
        let recount = |g: &Group| {
            g.consumers.iter().map(|(n, c)| n.heap_size() + btree_bytes(c.pel.len(), CPEL_PAIR)).sum::<usize>()
                + g.pel.values().map(|n| n.consumer.heap_size()).sum::<usize>()
                + btree_bytes(g.pel.len(), PEL_PAIR)
                + btree_bytes(g.consumers.len(), CONSUMER_PAIR)
        };
        let names: [&[u8]; 3] =
            [b"a", b"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", b"cccccccccccccccccccccccccccccccccccccccccc"];
        let mut x: u64 = 12345;
        let mut g = Group::new(StreamId::ZERO, 0);
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let name = names[(x % 3) as usize];
            let id = StreamId::new((x >> 8) % 50, 0);
            match (x >> 20) % 6 {
                0 => {
                    g.touch_consumer(name, 1);
                }
                1 | 2 => {
                    g.touch_consumer(name, 1);
                    g.deliver(id, name, 1);
                }
                3 => {
                    g.ack(id);
                }
                4 => {
                    g.touch_consumer(name, 1);
                    g.claim(id, name, 1);
                }
                _ => {
                    if (x >> 30).is_multiple_of(4) {
                        g.delete_consumer(name);
                    }
                }
            }
            assert_eq!(g.heap(), recount(&g));
            for (id, n) in g.pel() {
                assert!(g.consumer(&n.consumer).unwrap().pel.contains(id));
            }
        }
    }
}
