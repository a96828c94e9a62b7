//! The entries of a stream: nodes ([`Block`]) keyed by their first ID in a B-tree, with
//! a running count of the heap bytes they hold.

use std::collections::BTreeMap;

use super::block::{Block, EntryPos, NodeLimits, FLAG_DELETED};
use super::id::StreamId;

/// Bytes of one node pair in the B-tree.
const NODE_PAIR: usize = std::mem::size_of::<StreamId>() + std::mem::size_of::<Block>();

/// How XADD/XTRIM trims.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trim {
    /// Keep at most this many entries.
    MaxLen(u64),
    /// Drop entries with smaller IDs.
    MinId(StreamId),
}

/// The ordered entries.
#[derive(Debug, Default)]
pub struct Entries {
    nodes: BTreeMap<StreamId, Block>,
    len: u64,
    data_heap: usize,
}

impl Clone for Entries {
    /// A copy (COPY): cloned buffers have no spare capacity, so the count is redone.
    fn clone(&self) -> Entries {
        let nodes = self.nodes.clone();
        let data_heap = nodes.values().map(Block::heap).sum();
        Entries { nodes, len: self.len, data_heap }
    }
}

impl Entries {
    /// Live entries.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether there are no live entries.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of nodes (Redis's `radix-tree-keys`).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The node keys in order.
    pub fn node_keys(&self) -> impl Iterator<Item = &StreamId> {
        self.nodes.keys()
    }

    /// Heap bytes held.
    pub fn heap_size(&self) -> usize {
        self.data_heap + super::btree_bytes(self.nodes.len(), NODE_PAIR)
    }

    /// The nodes in order with their keys (RDB saving).
    pub fn nodes(&self) -> impl Iterator<Item = (&StreamId, &Block)> {
        self.nodes.iter()
    }

    /// Appends a whole node whose key and entries follow every entry so far (RDB
    /// loading); its live entries count.
    pub fn push_node(&mut self, key: StreamId, mut block: Block) {
        block.shrink();
        self.len += block.live as u64;
        self.data_heap += block.heap();
        self.nodes.insert(key, block);
    }

    /// The last node's last entry ID (deleted or not).
    pub fn last_entry_id(&self) -> Option<StreamId> {
        self.nodes.last_key_value().map(|(_, b)| b.last)
    }

    /// Appends entry `id`, greater than every ID so far, with `pairs` (flat field, value).
    pub fn append(&mut self, id: StreamId, pairs: &[&[u8]], limits: NodeLimits) {
        if let Some(mut last) = self.nodes.last_entry() {
            let key = *last.key();
            let b = last.get_mut();
            if !b.is_full_for(pairs, limits) {
                let before = b.heap();
                b.push(key, id, pairs);
                self.data_heap = self.data_heap + b.heap() - before;
                self.len += 1;
                return;
            }
            let before = b.heap();
            b.shrink();
            self.data_heap = self.data_heap + b.heap() - before;
        }
        let b = Block::new(id, pairs);
        self.data_heap += b.heap();
        self.nodes.insert(id, b);
        self.len += 1;
    }

    /// Calls `f(id, fields)` for live entries with `start <= id <= end`, in order (or
    /// reversed) until it returns false.
    pub fn range(&self, start: StreamId, end: StreamId, rev: bool, mut f: impl FnMut(StreamId, &[&[u8]]) -> bool) {
        if start > end {
            return;
        }
        let mut fields: Vec<&[u8]> = Vec::new();
        if !rev {
            let from = self.nodes.range(..=start).next_back().map_or(start, |(k, _)| *k);
            for (&key, b) in self.nodes.range(from..) {
                if key > end {
                    return;
                }
                if b.last < start {
                    continue;
                }
                let mut at = b.first_at();
                while !b.at_end(at) {
                    // Fields decoded in the same pass (entries before `start` are few:
                    // only in the first node).
                    let e = b.decode(key, at, Some(&mut fields));
                    at = e.end;
                    if e.id > end {
                        return;
                    }
                    if e.id < start || e.flags & FLAG_DELETED != 0 {
                        continue;
                    }
                    if !f(e.id, &fields) {
                        return;
                    }
                }
            }
        } else {
            for (&key, b) in self.nodes.range(..=end).rev() {
                if b.last < start {
                    return;
                }
                for e in b.positions(key).into_iter().rev() {
                    if e.id < start {
                        return;
                    }
                    if e.id > end || e.flags & FLAG_DELETED != 0 {
                        continue;
                    }
                    b.decode(key, e.at, Some(&mut fields));
                    if !f(e.id, &fields) {
                        return;
                    }
                }
            }
        }
    }

    /// The node and entry position of `id`, if present (deleted or not).
    fn find(&self, id: StreamId) -> Option<(StreamId, EntryPos)> {
        let (&key, b) = self.nodes.range(..=id).next_back()?;
        if b.last < id {
            return None;
        }
        let mut at = b.first_at();
        while !b.at_end(at) {
            let e = b.decode(key, at, None);
            if e.id == id {
                return Some((key, e));
            }
            if e.id > id {
                return None;
            }
            at = e.end;
        }
        None
    }

    /// Whether a live entry `id` exists (Redis's `streamEntryExists`).
    pub fn contains(&self, id: StreamId) -> bool {
        self.find(id).is_some_and(|(_, e)| e.flags & FLAG_DELETED == 0)
    }

    /// Deletes the live entry `id` (Redis's `streamDeleteItem`); an emptied node goes.
    pub fn delete(&mut self, id: StreamId) -> bool {
        let Some((key, e)) = self.find(id) else { return false };
        if e.flags & FLAG_DELETED != 0 {
            return false;
        }
        let b = self.nodes.get_mut(&key).expect("found node");
        b.mark_deleted(e.at);
        self.len -= 1;
        if b.live == 0 {
            self.data_heap -= b.heap();
            self.nodes.remove(&key);
        }
        true
    }

    /// The first (or last) live entry's ID.
    pub fn edge(&self, last: bool) -> Option<StreamId> {
        if last {
            // Fast path: the tail node's last entry is usually live.
            let (_, b) = self.nodes.last_key_value()?;
            if b.last_is_live() {
                return Some(b.last);
            }
        }
        let mut out = None;
        self.range(StreamId::ZERO, StreamId::MAX, last, |id, _| {
            out = Some(id);
            false
        });
        out
    }

    /// Redis 7.0's `streamTrim`: whole nodes from the head, then (unless `approx`)
    /// entries of the first remaining node; `limit` (0: none) caps the entries removed.
    /// Returns the number removed.
    pub fn trim(&mut self, how: Trim, approx: bool, limit: u64) -> u64 {
        let mut deleted = 0u64;
        while let Some(mut first) = self.nodes.first_entry() {
            if let Trim::MaxLen(max) = how {
                if self.len <= max {
                    break;
                }
            }
            let key = *first.key();
            let b = first.get_mut();
            let entries = b.live as u64;
            if limit != 0 && deleted + entries > limit {
                break;
            }
            let remove = match how {
                Trim::MaxLen(max) => self.len - entries >= max,
                Trim::MinId(min) => b.last < min,
            };
            if remove {
                self.data_heap -= b.heap();
                first.remove();
                self.len -= entries;
                deleted += entries;
                continue;
            }
            if approx {
                break;
            }
            for e in b.positions(key) {
                let stop = match how {
                    Trim::MaxLen(max) => self.len <= max,
                    Trim::MinId(min) => e.id >= min,
                };
                if stop {
                    break;
                }
                if e.flags & FLAG_DELETED == 0 {
                    b.mark_deleted(e.at);
                    self.len -= 1;
                    deleted += 1;
                }
            }
            break;
        }
        deleted
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn all(e: &Entries, rev: bool) -> Vec<(StreamId, Vec<Vec<u8>>)> {
        let mut out = Vec::new();
        e.range(StreamId::ZERO, StreamId::MAX, rev, |id, f| {
            out.push((id, f.iter().map(|x| x.to_vec()).collect()));
            true
        });
        out
    }

    #[test]
    fn append_range_delete() {
        let mut e = Entries::default();
        for i in 1..=250u64 {
            let v = i.to_string();
            if i % 7 == 0 {
                e.append(StreamId::new(i, 0), &[b"other", v.as_bytes()], NodeLimits::default());
            } else {
                e.append(StreamId::new(i, 0), &[b"f", v.as_bytes(), b"g", b"x"], NodeLimits::default());
            }
        }
        assert_eq!(e.len(), 250);
        assert_eq!(e.node_count(), 3);
        let got = all(&e, false);
        assert_eq!(got[6].1, vec![b"other".to_vec(), b"7".to_vec()]);
        assert_eq!(got[7].1, vec![b"f".to_vec(), b"8".to_vec(), b"g".to_vec(), b"x".to_vec()]);
        assert!(e.delete(StreamId::new(5, 0)));
        assert!(!e.delete(StreamId::new(5, 0)));
        assert!(!e.contains(StreamId::new(5, 0)));
        assert!(e.contains(StreamId::new(6, 0)));
        assert_eq!(e.len(), 249);
        assert_eq!(e.trim(Trim::MaxLen(200), true, 0), 0);
        assert_eq!(e.trim(Trim::MaxLen(150), true, 0), 99);
        assert_eq!(e.trim(Trim::MaxLen(120), false, 0), 30);
        assert_eq!(e.len(), 120);
        assert_eq!(e.edge(false), Some(StreamId::new(131, 0)));
        let copy = e.clone();
        assert_eq!(copy.data_heap, copy.nodes.values().map(Block::heap).sum::<usize>());
        assert_eq!(all(&copy, false), all(&e, false));
        assert_eq!(e.trim(Trim::MinId(StreamId::new(240, 0)), false, 0), 109);
        assert_eq!(e.edge(true), Some(StreamId::new(250, 0)));
    }

    #[derive(Clone, Debug)]
    enum Op {
        Add(u8, u8),
        Del(u16),
        TrimLen(u16, bool),
        TrimMin(u16, bool),
        Range(u16, u16, bool),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => (any::<u8>(), 1u8..4).prop_map(|(v, n)| Op::Add(v, n)),
            2 => any::<u16>().prop_map(Op::Del),
            1 => (0u16..300, any::<bool>()).prop_map(|(n, a)| Op::TrimLen(n, a)),
            1 => (any::<u16>(), any::<bool>()).prop_map(|(n, a)| Op::TrimMin(n, a)),
            1 => (any::<u16>(), any::<u16>(), any::<bool>()).prop_map(|(a, b, r)| Op::Range(a, b, r)),
        ]
    }

    proptest! {
        #[test]
        fn matches_a_btreemap_model(ops in proptest::collection::vec(op(), 1..600)) {
            let mut e = Entries::default();
            let mut model: BTreeMap<StreamId, Vec<Vec<u8>>> = BTreeMap::new();
            let mut next = 1u64;
            let sid = |n: u16| StreamId::new(n as u64 / 3, n as u64 % 3);
            for op in ops {
                match op {
                    Op::Add(v, n) => {
                        let id = StreamId::new(next / 3, next % 3);
                        next += 1 + (v as u64 % 2);
                        let fields: Vec<Vec<u8>> = (0..n as usize * 2).map(|i| if i % 2 == 0 { vec![b'a' + (i as u8 / 2) + (v % 3 == 0) as u8] } else { vec![v; (v % 9) as usize] }).collect();
                        let refs: Vec<&[u8]> = fields.iter().map(|f| f.as_slice()).collect();
                        e.append(id, &refs, NodeLimits { max_bytes: 200, max_entries: 7 });
                        model.insert(id, fields);
                    }
                    Op::Del(n) => {
                        let id = sid(n % 1000);
                        prop_assert_eq!(e.delete(id), model.remove(&id).is_some());
                    }
                    Op::TrimLen(n, approx) => {
                        let before = model.len() as u64;
                        let removed = e.trim(Trim::MaxLen(n as u64), approx, 0);
                        for _ in 0..removed { let k = *model.keys().next().unwrap(); model.remove(&k); }
                        prop_assert_eq!(before - removed, e.len());
                        if !approx { prop_assert!(e.len() <= n as u64); }
                    }
                    Op::TrimMin(n, approx) => {
                        let min = sid(n % 1000);
                        let removed = e.trim(Trim::MinId(min), approx, 0);
                        let gone: Vec<StreamId> = model.range(..min).map(|(k, _)| *k).collect();
                        if approx { prop_assert!(removed as usize <= gone.len()); } else { prop_assert_eq!(removed as usize, gone.len()); }
                        for k in gone.into_iter().take(removed as usize) { model.remove(&k); }
                    }
                    Op::Range(a, b, rev) => {
                        let (s, t) = (sid(a % 1000), sid(b % 1000));
                        let mut got = Vec::new();
                        e.range(s, t, rev, |id, f| { got.push((id, f.iter().map(|x| x.to_vec()).collect::<Vec<_>>())); true });
                        let mut want: Vec<(StreamId, Vec<Vec<u8>>)> = if s <= t { model.range(s..=t).map(|(k, v)| (*k, v.clone())).collect() } else { vec![] };
                        if rev { want.reverse(); }
                        prop_assert_eq!(got, want);
                    }
                }
                prop_assert_eq!(e.len(), model.len() as u64);
                prop_assert_eq!(e.edge(false), model.keys().next().copied());
                prop_assert_eq!(e.edge(true), model.keys().next_back().copied());
            }
            let got = all(&e, false);
            let want: Vec<_> = model.into_iter().collect();
            prop_assert_eq!(got, want);
        }
    }
}
