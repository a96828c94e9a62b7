//! `Keyspace`: one database's keys, values and expiry times.
//!
//! Layout (chosen for memory, see the foundation issue's 1M-key target):
//! - entries live in a dense, paged slab (`PagedVec<Entry>`); a key's slot index is its
//!   identity while it exists;
//! - a `hashbrown::HashTable<u32>` maps a key's hash to its slot (5 bytes a bucket);
//! - keys with a TTL also sit in a dense `expires` vector, so sampling for active expiry
//!   and eviction is O(1) per sample.
//!
//! Slots are stable while a command runs: removing a key leaves a hole, so a slot held by
//! a command stays valid whatever else the command looks up or deletes (a lookup may
//! lazily expire another key). Between commands the host-facing engine calls
//! [`Keyspace::compact`], which fills each hole with the entry from the last slot, so
//! slots stay dense. SCAN walks slots from the top down ([`Keyspace::scan_slots`]), which
//! guarantees that a key present for the whole scan is returned: a key only ever moves
//! down, into a hole. If it was not visited yet, it was below the cursor and stays below
//! it; if it was, it may be returned twice (SCAN allows duplicates). New keys are appended
//! at the top, so they may or may not be returned, as in Redis.

use std::cell::Cell;
use std::rc::Rc;

use hashbrown::HashTable;

use crate::bytes::SBytes;
use crate::db::paged::PagedVec;
use crate::types::Value;

/// Flags shared by all keyspaces of one engine, so the per-command checks ("did any
/// database record key events / need settling?") are O(1) instead of a pass over every
/// database. Set by the keyspaces, cleared by the engine.
#[derive(Debug, Default)]
pub struct Pending {
    /// Some keyspace recorded key events (see [`Keyspace::take_events`]).
    pub events: Cell<bool>,
    /// Some keyspace has dirty entries or holes (see [`Keyspace::compact`]).
    pub maintenance: Cell<bool>,
    /// `CLIENT PAUSE` is on: keys past their TTL read as missing but stay (Redis's
    /// `expireIfNeeded` while clients are paused).
    pub expire_paused: Cell<bool>,
}

/// Marks an entry without a TTL (in the low 31 bits of `Entry::expire_slot`).
const NO_EXPIRE: u32 = 0x7FFF_FFFF;
/// Bit of `Entry::expire_slot` set while the entry is in `Keyspace::dirty` (its value
/// may have changed size since it was last accounted).
const DIRTY: u32 = 0x8000_0000;

/// Bytes one key costs in the keyspace's own structures: its slab slot and its index
/// bucket (a `u32` and a control byte). `MEMORY USAGE` adds this to the key and value.
pub const SLOT_BYTES: usize = std::mem::size_of::<Option<Entry>>() + std::mem::size_of::<u32>() + 1;

/// One key with its value and bookkeeping.
#[derive(Debug)]
pub struct Entry {
    /// The key.
    pub key: SBytes,
    /// The value.
    pub value: Value,
    /// Last-access bits: 24-bit LRU clock, or LFU time and counter (see `db::access`).
    pub access: u32,
    /// Index into `Keyspace::expires`, or `NO_EXPIRE`; the top bit is the `DIRTY` flag.
    expire_slot: u32,
}

impl Entry {
    /// Heap bytes this entry owns (key and value), as memory accounting counts them.
    #[inline]
    pub fn heap_bytes(&self) -> usize {
        self.key.heap_size() + self.value.heap_size()
    }

    #[inline]
    fn expire_index(&self) -> u32 {
        self.expire_slot & !DIRTY
    }

    #[inline]
    fn set_expire_index(&mut self, i: u32) {
        self.expire_slot = (self.expire_slot & DIRTY) | i;
    }
}

#[derive(Clone, Copy, Debug)]
struct ExpireRef {
    slot: u32,
    at_ms: u64,
}

/// The keys of one database.
pub struct Keyspace {
    index: HashTable<u32>,
    entries: PagedVec<Option<Entry>>,
    /// Slots emptied since the last `compact` (holes).
    holes: Vec<u32>,
    /// Number of live entries.
    live: usize,
    expires: Vec<ExpireRef>,
    hasher: foldhash::fast::FixedState,
    /// Slots of keys added while `log_inserts` is on: the blocking machinery reads them
    /// after each command to find keys that became ready (Redis signals them in `dbAdd`).
    inserted: Vec<u32>,
    /// Whether to record added keys (on while clients wait for keys of this database).
    log_inserts: bool,
    /// Keys added (with `log_new`) or removed by expiry since the engine last looked, in
    /// order: `EngineState::flush_key_events` turns them into `new`/`expired` keyspace
    /// events and WATCH touches.
    events: Vec<(KeyEvent, SBytes)>,
    /// Engine-wide flags this keyspace raises (shared with the other keyspaces).
    pending: Rc<Pending>,
    /// Whether to record added keys in `events` (`notify-keyspace-events` has `n`).
    pub log_new: bool,
    /// Sum of the accounted `heap_bytes` of all entries (memory accounting).
    value_bytes: usize,
    /// Entries handed out mutably since the last `settle`, with their accounted size
    /// then: their size is re-measured after the command (`settle`).
    dirty: Vec<(u32, usize)>,
}

/// What happened to a key outside a command's own notifications.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyEvent {
    /// Added (Redis's `dbAdd`: the `new` event).
    New,
    /// Removed because its TTL passed (lazily or by the active cycle).
    Expired,
}

impl Keyspace {
    /// An empty keyspace whose hash function is keyed by `seed`.
    pub fn new(seed: u64) -> Self {
        Keyspace {
            index: HashTable::new(),
            entries: PagedVec::new(),
            holes: Vec::new(),
            live: 0,
            expires: Vec::new(),
            hasher: foldhash::fast::FixedState::with_seed(seed),
            inserted: Vec::new(),
            log_inserts: false,
            events: Vec::new(),
            pending: Rc::default(),
            log_new: false,
            value_bytes: 0,
            dirty: Vec::new(),
        }
    }

    #[inline]
    fn hash(&self, key: &[u8]) -> u64 {
        use std::hash::BuildHasher;
        self.hasher.hash_one(key)
    }

    /// Number of keys.
    #[inline]
    pub fn len(&self) -> usize {
        self.live
    }

    /// Number of slots, live or holes (holes exist only until the next `compact`).
    #[inline]
    pub fn slot_count(&self) -> usize {
        self.entries.len()
    }

    /// The entry in `slot`, or `None` for a hole.
    #[inline]
    pub fn slot(&self, slot: u32) -> Option<&Entry> {
        self.entries.get(slot as usize).as_ref()
    }

    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Number of keys with a TTL.
    pub fn expires_len(&self) -> usize {
        self.expires.len()
    }

    /// The slot of `key`, ignoring expiry.
    #[inline]
    pub fn find(&self, key: &[u8]) -> Option<u32> {
        let h = self.hash(key);
        let entries = &self.entries;
        self.index.find(h, |&s| entries.get(s as usize).as_ref().is_some_and(|e| e.key.as_slice() == key)).copied()
    }

    /// The entry in `slot`.
    #[inline]
    pub fn entry(&self, slot: u32) -> &Entry {
        self.entries.get(slot as usize).as_ref().expect("keyspace slot used after its key was removed")
    }

    /// The entry in `slot`, mutably. The entry's size is measured again at the next
    /// [`Keyspace::settle`] (memory accounting follows every write made through here).
    #[inline]
    pub fn entry_mut(&mut self, slot: u32) -> &mut Entry {
        let e = self.entries.get_mut(slot as usize).as_mut().expect("keyspace slot used after its key was removed");
        if e.expire_slot & DIRTY == 0 {
            e.expire_slot |= DIRTY;
            self.dirty.push((slot, e.heap_bytes()));
            self.pending.maintenance.set(true);
        }
        e
    }

    /// The access bits of the entry in `slot`, mutably (an access changes no size).
    #[inline]
    pub fn access_mut(&mut self, slot: u32) -> &mut u32 {
        &mut self.entries.get_mut(slot as usize).as_mut().expect("keyspace slot used after its key was removed").access
    }

    /// Re-measures the entries written since the last call and updates the running
    /// total. Called between commands (by [`Keyspace::compact`]) and before reading it.
    pub fn settle(&mut self) {
        for (slot, old) in self.dirty.drain(..) {
            if slot == u32::MAX {
                continue; // removed after it was written
            }
            if let Some(e) = self.entries.get_mut(slot as usize).as_mut() {
                e.expire_slot &= !DIRTY;
                self.value_bytes = self.value_bytes + e.heap_bytes() - old;
            }
        }
    }

    /// Bytes of keys and values (accounted as of the last [`Keyspace::settle`]).
    #[inline]
    pub fn value_bytes(&self) -> usize {
        self.value_bytes
    }

    /// Sum of the entries' current sizes, walked (checks the running total in tests).
    pub fn recount_value_bytes(&self) -> usize {
        self.iter().map(Entry::heap_bytes).sum()
    }

    /// Whether `settle` or `compact` has work to do.
    #[inline]
    pub fn needs_maintenance(&self) -> bool {
        !self.dirty.is_empty() || !self.holes.is_empty()
    }

    /// Inserts a key that is not present; returns its slot.
    pub fn insert_new(&mut self, key: SBytes, value: Value, access: u32) -> u32 {
        let slot = self.entries.len() as u32;
        let h = self.hash(&key);
        let e = Entry { key, value, access, expire_slot: NO_EXPIRE };
        self.value_bytes += e.heap_bytes();
        self.entries.push(Some(e));
        self.live += 1;
        let entries = &self.entries;
        let hasher = &self.hasher;
        self.index.insert_unique(h, slot, |&s| {
            use std::hash::BuildHasher;
            // The index never points at a hole.
            entries.get(s as usize).as_ref().map_or(0, |e| hasher.hash_one(e.key.as_slice()))
        });
        if self.log_inserts {
            self.inserted.push(slot);
        }
        if self.log_new {
            let key = self.entry(slot).key.clone();
            self.events.push((KeyEvent::New, key));
            self.pending.events.set(true);
        }
        slot
    }

    /// Records a key event (see [`KeyEvent`]).
    #[inline]
    pub fn log_event(&mut self, ev: KeyEvent, key: SBytes) {
        self.events.push((ev, key));
        self.pending.events.set(true);
    }

    /// Whether lazy expiry only hides keys (see [`Pending::expire_paused`]).
    #[inline]
    pub fn expire_paused(&self) -> bool {
        self.pending.expire_paused.get()
    }

    /// Shares `pending` with the engine's other keyspaces (the engine reads it).
    pub fn share_pending(&mut self, pending: Rc<Pending>) {
        self.pending = pending;
    }

    /// Whether key events wait for [`Keyspace::take_events`].
    #[inline]
    pub fn has_events(&self) -> bool {
        !self.events.is_empty()
    }

    /// The key events recorded since the last call, in order.
    pub fn take_events(&mut self) -> Vec<(KeyEvent, SBytes)> {
        std::mem::take(&mut self.events)
    }

    /// Turns the record of added keys on or off (off also forgets what was recorded).
    pub fn set_insert_log(&mut self, on: bool) {
        self.log_inserts = on;
        if !on {
            self.inserted.clear();
        }
    }

    /// Whether the record of added keys is on.
    pub fn insert_log(&self) -> bool {
        self.log_inserts
    }

    /// Whether keys were added since the last [`Keyspace::take_inserted`].
    #[inline]
    pub fn has_inserted(&self) -> bool {
        !self.inserted.is_empty()
    }

    /// Moves the slots of keys added since the last call into `out` (cleared first).
    /// A slot may have become a hole since; slots are valid until the next `compact`.
    pub fn take_inserted(&mut self, out: &mut Vec<u32>) {
        out.clear();
        std::mem::swap(out, &mut self.inserted);
    }

    /// Removes the entry in `slot` and returns it. The slot becomes a hole until the next
    /// [`Keyspace::compact`]; every other slot stays where it is.
    pub fn remove(&mut self, slot: u32) -> Entry {
        self.clear_expire(slot);
        let h = self.hash(&self.entry(slot).key);
        match self.index.find_entry(h, |&s| s == slot) {
            Ok(e) => {
                e.remove();
            }
            Err(_) => unreachable!("keyspace index out of sync"),
        }
        self.live -= 1;
        self.holes.push(slot);
        self.pending.maintenance.set(true);
        let e = self.entries.get_mut(slot as usize).take().expect("live slot");
        // The total holds the size accounted last: the one recorded when it was dirtied.
        let accounted = if e.expire_slot & DIRTY != 0 {
            let d = self.dirty.iter_mut().rev().find(|d| d.0 == slot).expect("dirty entry is listed");
            d.0 = u32::MAX;
            d.1
        } else {
            e.heap_bytes()
        };
        self.value_bytes -= accounted;
        e
    }

    /// Fills the holes left by removals with entries from the top slots, so slots are
    /// dense again. Call only between commands: it moves entries to other slots.
    #[inline]
    pub fn compact(&mut self) {
        if !self.dirty.is_empty() {
            self.settle();
        }
        if !self.holes.is_empty() {
            self.fill_holes();
        }
    }

    fn fill_holes(&mut self) {
        while let Some(hole) = self.holes.pop() {
            self.trim_trailing_holes();
            let n = self.entries.len();
            if hole as usize >= n {
                continue;
            }
            // The last slot is live (trailing holes are trimmed) and above `hole`.
            let last = (n - 1) as u32;
            let e = self.entries.pop().flatten().expect("live last slot");
            let h = self.hash(&e.key);
            if let Some(s) = self.index.find_mut(h, |&s| s == last) {
                *s = hole;
            }
            if e.expire_index() != NO_EXPIRE {
                self.expires[e.expire_index() as usize].slot = hole;
            }
            *self.entries.get_mut(hole as usize) = Some(e);
        }
        self.trim_trailing_holes();
    }

    fn trim_trailing_holes(&mut self) {
        while !self.entries.is_empty() && self.entries.get(self.entries.len() - 1).is_none() {
            self.entries.pop();
        }
    }

    /// A uniformly random live slot, or `None` when empty.
    pub fn random_slot(&self, rng: &mut crate::rng::Rng) -> Option<u32> {
        if self.live == 0 {
            return None;
        }
        loop {
            let s = rng.below(self.entries.len() as u64) as u32;
            if self.slot(s).is_some() {
                return Some(s);
            }
        }
    }

    /// Removes `key` if present and returns its entry.
    pub fn remove_key(&mut self, key: &[u8]) -> Option<Entry> {
        self.find(key).map(|s| self.remove(s))
    }

    /// The absolute expiry time (ms) of the entry in `slot`, if it has one.
    #[inline]
    pub fn expire_at(&self, slot: u32) -> Option<u64> {
        let es = self.entry(slot).expire_index();
        (es != NO_EXPIRE).then(|| self.expires[es as usize].at_ms)
    }

    /// Sets the expiry time (ms) of the entry in `slot`.
    pub fn set_expire(&mut self, slot: u32, at_ms: u64) {
        let e = self.entries.get_mut(slot as usize).as_mut().expect("keyspace slot used after its key was removed");
        if e.expire_index() != NO_EXPIRE {
            self.expires[e.expire_index() as usize].at_ms = at_ms;
        } else {
            e.set_expire_index(self.expires.len() as u32);
            self.expires.push(ExpireRef { slot, at_ms });
        }
    }

    /// Removes the TTL of the entry in `slot`; returns whether it had one.
    pub fn clear_expire(&mut self, slot: u32) -> bool {
        let es = self.entry(slot).expire_index();
        if es == NO_EXPIRE {
            return false;
        }
        self.live_entry_mut(slot).set_expire_index(NO_EXPIRE);
        self.expires.swap_remove(es as usize);
        if let Some(moved) = self.expires.get(es as usize) {
            let moved = moved.slot;
            self.live_entry_mut(moved).set_expire_index(es);
        }
        true
    }

    /// The `i`-th key with a TTL as (slot, expiry ms); `i < expires_len()`.
    pub fn expire_entry(&self, i: usize) -> (u32, u64) {
        let r = self.expires[i];
        (r.slot, r.at_ms)
    }

    /// One SCAN step: the slots to visit (to be walked from the top down) for `cursor`,
    /// at most `count` of them, and the cursor to return. Cursor 0 starts at the top
    /// slot; a cursor `c > 0` means "slots below `c` are left"; the returned cursor is 0
    /// once slot 0 is visited.
    pub fn scan_slots(&self, cursor: u64, count: usize) -> (u64, std::ops::Range<u32>) {
        let len = self.entries.len() as u64;
        let hi = if cursor == 0 { len } else { cursor.min(len) };
        let lo = hi.saturating_sub(count as u64);
        (lo, lo as u32..hi as u32)
    }

    /// Removes every key.
    pub fn clear(&mut self) {
        self.index = HashTable::new();
        self.entries = PagedVec::new();
        self.holes = Vec::new();
        self.live = 0;
        self.expires = Vec::new();
        self.inserted.clear();
        self.value_bytes = 0;
        self.dirty = Vec::new();
    }

    /// The entry in `slot` for bookkeeping that changes no size (not marked dirty).
    #[inline]
    fn live_entry_mut(&mut self, slot: u32) -> &mut Entry {
        self.entries.get_mut(slot as usize).as_mut().expect("keyspace slot used after its key was removed")
    }

    /// Iterates over all live entries in slot order.
    pub fn iter(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().flatten()
    }

    /// Structure bytes split as `MEMORY STATS` reports them: (main table: index and
    /// slots; expires table).
    pub fn overhead_split(&self) -> (usize, usize) {
        let expires = self.expires.capacity() * std::mem::size_of::<ExpireRef>();
        (self.overhead_bytes() - expires, expires)
    }

    /// Approximate bytes held by the structure itself (not the values' heap data).
    pub fn overhead_bytes(&self) -> usize {
        self.index.capacity() * (std::mem::size_of::<u32>() + 1)
            + self.entries.capacity() * std::mem::size_of::<Option<Entry>>()
            + self.expires.capacity() * std::mem::size_of::<ExpireRef>()
            + self.holes.capacity() * 4
            + self.dirty.capacity() * std::mem::size_of::<(u32, usize)>()
            + self.inserted.capacity() * 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn val(s: &str) -> Value {
        Value::from_bytes(s.as_bytes())
    }

    #[test]
    fn insert_find_remove_keep_index_consistent() {
        let mut ks = Keyspace::new(1);
        for i in 0..5000u32 {
            let k = format!("k{}", i);
            ks.insert_new(SBytes::new(k.as_bytes()), val("v"), 0);
            if i % 3 == 0 {
                let s = ks.find(k.as_bytes()).unwrap();
                ks.set_expire(s, i as u64);
            }
        }
        for i in (0..5000u32).step_by(2) {
            let k = format!("k{}", i);
            assert!(ks.remove_key(k.as_bytes()).is_some());
        }
        assert_eq!(ks.len(), 2500);
        for i in 0..5000u32 {
            let k = format!("k{}", i);
            let found = ks.find(k.as_bytes());
            assert_eq!(found.is_some(), i % 2 == 1, "{}", k);
            if let Some(s) = found {
                assert_eq!(ks.entry(s).key.as_slice(), k.as_bytes());
                assert_eq!(ks.expire_at(s), (i % 3 == 0).then_some(i as u64));
            }
        }
        assert_eq!(ks.expires_len(), (0..5000).filter(|i| i % 2 == 1 && i % 3 == 0).count());
        for i in 0..ks.expires_len() {
            let (slot, at) = ks.expire_entry(i);
            assert_eq!(ks.expire_at(slot), Some(at));
        }
    }

    /// Keys present for a whole scan are returned even when others are removed and
    /// added between the steps (the last slot moves into holes).
    #[test]
    fn scan_returns_every_key_present_throughout() {
        let mut ks = Keyspace::new(7);
        for i in 0..1000u32 {
            ks.insert_new(SBytes::new(format!("stay{}", i).as_bytes()), val("v"), 0);
            ks.insert_new(SBytes::new(format!("go{}", i).as_bytes()), val("v"), 0);
        }
        let mut seen = std::collections::HashSet::new();
        let mut cursor = 0;
        let mut step = 0u32;
        loop {
            let (next, slots) = ks.scan_slots(cursor, 7);
            for s in slots.rev() {
                seen.insert(ks.entry(s).key.as_slice().to_vec());
            }
            // Churn: remove a few "go" keys (anywhere), add new ones.
            for j in 0..3 {
                let k = format!("go{}", (step * 37 + j * 101) % 1000);
                ks.remove_key(k.as_bytes());
            }
            ks.insert_new(SBytes::new(format!("new{}", step).as_bytes()), val("v"), 0);
            // Between commands the engine compacts: keys move down into the holes.
            ks.compact();
            step += 1;
            if next == 0 {
                break;
            }
            cursor = next;
        }
        for i in 0..1000 {
            assert!(seen.contains(format!("stay{}", i).as_bytes()), "missed stay{}", i);
        }
    }

    #[test]
    fn scan_cursor_bounds() {
        let mut ks = Keyspace::new(1);
        assert_eq!(ks.scan_slots(0, 10), (0, 0..0));
        assert_eq!(ks.scan_slots(u64::MAX, 10), (0, 0..0));
        for i in 0..25u32 {
            ks.insert_new(SBytes::new(&i.to_be_bytes()), val("v"), 0);
        }
        assert_eq!(ks.scan_slots(0, 10), (15, 15..25));
        assert_eq!(ks.scan_slots(15, 10), (5, 5..15));
        assert_eq!(ks.scan_slots(5, 10), (0, 0..5));
        assert_eq!(ks.scan_slots(1000, 30), (0, 0..25));
    }

    /// A slot held by a command stays valid while the command removes other keys: a
    /// lookup that lazily expires another key must not move this one (the LCS bug).
    #[test]
    fn slots_are_stable_until_compact() {
        let mut ks = Keyspace::new(3);
        let a = ks.insert_new(SBytes::new(b"a"), val("1"), 0);
        let b = ks.insert_new(SBytes::new(b"b"), val("2"), 0);
        let c = ks.insert_new(SBytes::new(b"c"), val("3"), 0);
        ks.set_expire(c, 5);
        ks.remove(a);
        assert_eq!(ks.entry(b).key.as_slice(), b"b");
        assert_eq!(ks.entry(c).key.as_slice(), b"c");
        assert_eq!(ks.len(), 2);
        assert!(ks.slot(a).is_none());
        ks.compact();
        assert_eq!(ks.slot_count(), 2);
        let c2 = ks.find(b"c").unwrap();
        assert_eq!(ks.expire_at(c2), Some(5));
        assert_eq!(ks.iter().count(), 2);
        assert_eq!(ks.entry(ks.find(b"b").unwrap()).key.as_slice(), b"b");
    }

    #[test]
    fn entry_is_compact() {
        assert!(std::mem::size_of::<Option<Entry>>() <= 64);
        assert!(std::mem::size_of::<Entry>() <= 64, "{}", std::mem::size_of::<Entry>());
    }
}
