//! Streams (Redis 7.0's `t_stream.c` data side): entries in ID order, stream metadata
//! (last generated ID, first ID, max deleted ID, entries added) and consumer groups.
//! Pure: no RESP, no keyspace. The clock comes in as arguments.

mod block;
mod entries;
mod group;
mod id;

pub use block::{Block, NodeLimits, FLAG_DELETED, FLAG_SAMEFIELDS};
pub use entries::{Entries, Trim};
pub use group::{Consumer, Group, Nack, INVALID_ENTRIES_READ};
pub use id::{parse_id, ParsedId, StreamId};

use crate::bytes::SBytes;
use crate::util::vecmap::VecMap;

/// Estimated heap bytes of a `BTreeMap` with `n` entries of `pair` bytes (key + value):
/// leaves of 11 slots (plus parent link and lengths); ascending inserts split full nodes
/// 6 + 1 (up) + 4, so a node per 7 entries (one leaf below 12 entries) and an internal
/// node (with 12 edges) per 7 children. Measured against the counting allocator.
pub(crate) fn btree_bytes(n: usize, pair: usize) -> usize {
    if n == 0 {
        return 0;
    }
    let leaf = 16 + 11 * pair;
    let internal = leaf + 12 * 8;
    let mut nodes = if n <= 11 { 1 } else { n.div_ceil(7) };
    let mut bytes = nodes * leaf;
    while nodes > 1 {
        nodes = nodes.div_ceil(7);
        bytes += nodes * internal;
    }
    bytes
}

/// Why XADD could not add an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddError {
    /// The ID is not greater than the last one (Redis's `EDOM`).
    IdTooSmall,
    /// `ms-*` after the last sequence of `ms` (Redis then reports "Elements are too
    /// large to be stored").
    SeqExhausted,
}

/// A stream.
#[derive(Clone, Debug, Default)]
pub struct Stream {
    /// The entries.
    pub entries: Entries,
    /// Last generated ID.
    pub last_id: StreamId,
    /// First live entry's ID (0-0 when empty).
    pub first_id: StreamId,
    /// Largest ID deleted by XDEL (or set by XSETID).
    pub max_deleted_id: StreamId,
    /// Entries ever added.
    pub entries_added: u64,
    groups: VecMap<SBytes, Group>,
    groups_heap: usize,
}

/// A group borrowed mutably: its heap change is added to the stream's count on drop.
pub struct GroupMut<'a> {
    group: &'a mut Group,
    total: &'a mut usize,
    before: usize,
}

impl std::ops::Deref for GroupMut<'_> {
    type Target = Group;
    fn deref(&self) -> &Group {
        self.group
    }
}

impl std::ops::DerefMut for GroupMut<'_> {
    fn deref_mut(&mut self) -> &mut Group {
        self.group
    }
}

impl Drop for GroupMut<'_> {
    fn drop(&mut self) {
        *self.total = *self.total + self.group.heap() - self.before;
    }
}

impl Stream {
    /// An empty stream.
    pub fn new() -> Stream {
        Stream::default()
    }

    /// Live entries (`XLEN`).
    pub fn len(&self) -> u64 {
        self.entries.len()
    }

    /// Whether there are no live entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Heap bytes held (running counts: O(1)).
    pub fn heap_size(&self) -> usize {
        self.entries.heap_size() + self.groups_heap + self.groups.heap_bytes()
    }

    /// The ID XADD would generate at `now_ms` (Redis's `streamNextID`): the clock unless
    /// it is not past the last ID, then the last ID's successor. `None` when exhausted.
    pub fn next_id(&self, now_ms: u64) -> Option<StreamId> {
        if now_ms > self.last_id.ms {
            Some(StreamId::new(now_ms, 0))
        } else {
            self.last_id.incr()
        }
    }

    /// Appends an entry. `id`: `None` to generate one at `now_ms`; else the requested
    /// ID and whether its sequence was given (`ms-*` picks it). Returns the ID used.
    pub fn add(
        &mut self,
        id: Option<ParsedId>,
        pairs: &[&[u8]],
        now_ms: u64,
        limits: NodeLimits,
    ) -> Result<StreamId, AddError> {
        let id = match id {
            None => self.next_id(now_ms).ok_or(AddError::IdTooSmall)?,
            Some(ParsedId { id, seq_given: true }) => {
                if id <= self.last_id {
                    return Err(AddError::IdTooSmall);
                }
                id
            }
            Some(ParsedId { id, seq_given: false }) => {
                if id.ms == self.last_id.ms {
                    if self.last_id.seq == u64::MAX {
                        return Err(AddError::SeqExhausted);
                    }
                    StreamId::new(id.ms, self.last_id.seq + 1)
                } else if id.ms < self.last_id.ms {
                    return Err(AddError::IdTooSmall);
                } else {
                    id
                }
            }
        };
        self.entries.append(id, pairs, limits);
        if self.entries.len() == 1 {
            self.first_id = id;
        }
        self.last_id = id;
        self.entries_added += 1;
        Ok(id)
    }

    /// Deletes entry `id` (XDEL): updates the max deleted ID; the first ID is refreshed
    /// by [`Stream::refresh_first_id`].
    pub fn delete(&mut self, id: StreamId) -> bool {
        if !self.entries.delete(id) {
            return false;
        }
        if id > self.max_deleted_id {
            self.max_deleted_id = id;
        }
        true
    }

    /// Recomputes the first ID after deletions.
    pub fn refresh_first_id(&mut self) {
        self.first_id = self.entries.edge(false).unwrap_or(StreamId::ZERO);
    }

    /// Trims (XADD/XTRIM); returns the number of entries removed.
    pub fn trim(&mut self, how: Trim, approx: bool, limit: u64) -> u64 {
        let n = self.entries.trim(how, approx, limit);
        self.refresh_first_id();
        n
    }

    /// Redis's `streamLastValidID`: the last live entry's ID, 0-0 when empty.
    pub fn last_valid_id(&self) -> StreamId {
        self.entries.edge(true).unwrap_or(StreamId::ZERO)
    }

    /// The groups by name.
    pub fn groups(&self) -> &VecMap<SBytes, Group> {
        &self.groups
    }

    /// A group by name.
    pub fn group(&self, name: &[u8]) -> Option<&Group> {
        self.groups.get(name)
    }

    /// A group by name, mutably.
    pub fn group_mut(&mut self, name: &[u8]) -> Option<GroupMut<'_>> {
        let group = self.groups.get_mut(name)?;
        let before = group.heap();
        Some(GroupMut { group, total: &mut self.groups_heap, before })
    }

    /// The entries and a group, both borrowed (reads that deliver).
    pub fn entries_and_group(&mut self, name: &[u8]) -> Option<(&Entries, GroupMut<'_>)> {
        let group = self.groups.get_mut(name)?;
        let before = group.heap();
        Some((&self.entries, GroupMut { group, total: &mut self.groups_heap, before }))
    }

    /// Creates a group; false if the name is taken.
    pub fn create_group(&mut self, name: &[u8], last_id: StreamId, entries_read: i64) -> bool {
        if self.groups.contains_key(name) {
            return false;
        }
        let name = SBytes::new(name);
        self.groups_heap += name.heap_size();
        self.groups.insert(name, Group::new(last_id, entries_read));
        true
    }

    /// Destroys a group; whether it existed.
    pub fn destroy_group(&mut self, name: &[u8]) -> bool {
        match self.groups.remove_entry(name) {
            Some((key, g)) => {
                self.groups_heap -= key.heap_size() + g.heap();
                true
            }
            None => false,
        }
    }

    /// Redis's `streamEstimateDistanceFromFirstEverEntry`: the read counter of `id`, or
    /// [`INVALID_ENTRIES_READ`] when it cannot be known.
    pub fn estimate_distance(&self, id: StreamId) -> i64 {
        if self.entries_added == 0 {
            return 0;
        }
        let added = self.entries_added as i64;
        if self.is_empty() && id <= self.last_id {
            return added;
        }
        if id == self.last_id {
            return added;
        } else if id > self.last_id {
            return INVALID_ENTRIES_READ;
        }
        if self.max_deleted_id.is_zero() || self.max_deleted_id < self.first_id {
            if id < self.first_id {
                return added - self.len() as i64;
            } else if id == self.first_id {
                return added - self.len() as i64 + 1;
            }
        }
        INVALID_ENTRIES_READ
    }

    /// Redis's `streamRangeHasTombstones` for `[start, MAX]`.
    pub fn has_tombstones_from(&self, start: StreamId) -> bool {
        if self.is_empty() || self.max_deleted_id.is_zero() {
            return false;
        }
        if self.first_id > self.max_deleted_id {
            return false;
        }
        start <= self.max_deleted_id
    }

    /// Redis's `streamReplyWithCGLag`: the group's lag, `None` when unknown.
    pub fn group_lag(&self, g: &Group) -> Option<i64> {
        if self.entries_added == 0 {
            return Some(0);
        }
        if g.entries_read != INVALID_ENTRIES_READ && !self.has_tombstones_from(g.last_id) {
            return Some(self.entries_added as i64 - g.entries_read);
        }
        let read = self.estimate_distance(g.last_id);
        (read != INVALID_ENTRIES_READ).then(|| self.entries_added as i64 - read)
    }

    /// Advances a group's last ID and read counter to the delivered `id` (from
    /// `streamReplyWithRange`).
    pub fn advance_read(&self, last_id: &mut StreamId, entries_read: &mut i64, id: StreamId) {
        if id > *last_id {
            if *entries_read != INVALID_ENTRIES_READ && !self.has_tombstones_from(id) {
                *entries_read += 1;
            } else if self.entries_added != 0 {
                *entries_read = self.estimate_distance(id);
            }
            *last_id = id;
        }
    }

    /// Number of radix-tree nodes Redis's rax would use for the node keys (16-byte
    /// big-endian IDs), for `XINFO STREAM`: a compressed trie count.
    pub fn rax_nodes(&self) -> usize {
        let keys: Vec<[u8; 16]> = self
            .entries
            .node_keys()
            .map(|k| {
                let mut b = [0u8; 16];
                b[..8].copy_from_slice(&k.ms.to_be_bytes());
                b[8..].copy_from_slice(&k.seq.to_be_bytes());
                b
            })
            .collect();
        if keys.is_empty() {
            return 1;
        }
        rax_count(&keys, 0)
    }
}

/// Nodes of a rax holding `keys` (sorted, distinct, same length) from byte `depth`.
fn rax_count(keys: &[[u8; 16]], depth: usize) -> usize {
    if depth == 16 {
        return 1;
    }
    if keys.len() == 1 {
        // One compressed node with the rest, then the key node.
        return 2;
    }
    // Longest common prefix from depth.
    let (first, last) = (&keys[0], &keys[keys.len() - 1]);
    let mut d = depth;
    while d < 16 && first[d] == last[d] {
        d += 1;
    }
    if d > depth {
        return 1 + rax_count(keys, d);
    }
    let mut n = 1;
    let mut i = 0;
    while i < keys.len() {
        let c = keys[i][depth];
        let mut j = i;
        while j < keys.len() && keys[j][depth] == c {
            j += 1;
        }
        n += rax_count(&keys[i..j], depth + 1);
        i = j;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_keep_rising_when_the_clock_goes_back() {
        let mut s = Stream::new();
        assert_eq!(s.add(None, &[b"f", b"v"], 100, NodeLimits::default()), Ok(StreamId::new(100, 0)));
        assert_eq!(s.add(None, &[b"f", b"v"], 90, NodeLimits::default()), Ok(StreamId::new(100, 1)));
        assert_eq!(s.add(None, &[b"f", b"v"], 101, NodeLimits::default()), Ok(StreamId::new(101, 0)));
        let auto = |ms| Some(ParsedId { id: StreamId::new(ms, 0), seq_given: false });
        assert_eq!(s.add(auto(101), &[b"f", b"v"], 0, NodeLimits::default()), Ok(StreamId::new(101, 1)));
        assert_eq!(s.add(auto(100), &[b"f", b"v"], 0, NodeLimits::default()), Err(AddError::IdTooSmall));
        assert_eq!(s.add(auto(200), &[b"f", b"v"], 0, NodeLimits::default()), Ok(StreamId::new(200, 0)));
        let exact = |ms, seq| Some(ParsedId { id: StreamId::new(ms, seq), seq_given: true });
        assert_eq!(s.add(exact(200, 0), &[b"f", b"v"], 0, NodeLimits::default()), Err(AddError::IdTooSmall));
        assert_eq!(s.len(), 5);
        assert_eq!(s.entries_added, 5);
        assert_eq!(s.first_id, StreamId::new(100, 0));
        let mut e = Stream::new();
        assert_eq!(e.add(auto(0), &[b"f", b"v"], 0, NodeLimits::default()), Ok(StreamId::new(0, 1)));
    }

    #[test]
    fn heap_count_follows_mutations() {
        let mut s = Stream::new();
        let empty = s.heap_size();
        for i in 0..1000u64 {
            s.add(None, &[b"field", b"value"], i + 1, NodeLimits::default()).unwrap();
        }
        let full = s.heap_size();
        assert!(full > empty + 1000 * 8, "{}", full);
        assert!(s.create_group(b"g", StreamId::ZERO, 0));
        {
            let mut g = s.group_mut(b"g").unwrap();
            g.touch_consumer(b"c", 5);
            for i in 1..=100 {
                g.deliver(StreamId::new(i, 0), b"c", 5);
            }
        }
        let with_pel = s.heap_size();
        assert!(with_pel > full + 100 * 32);
        assert!(s.destroy_group(b"g"));
        assert_eq!(s.heap_size(), full);
        s.trim(Trim::MaxLen(0), false, 0);
        assert!(s.heap_size() <= empty + 64);
    }

    #[test]
    fn rax_node_counts() {
        let one = [[0u8; 16]];
        assert_eq!(rax_count(&one, 0), 2);
        let mut a = [0u8; 16];
        let mut b = [0u8; 16];
        a[15] = 1;
        b[15] = 2;
        // compressed prefix, branch, two key nodes
        assert_eq!(rax_count(&[a, b], 0), 4);
    }
}
