//! `Listpack`: the small sorted-set encoding (Redis's `listpack` of member/score pairs).
//!
//! Elements sit in one vector in sorted order, members inline when short, so a small set
//! is one allocation. Like Redis's listpack, lookups by member scan linearly and
//! inserts shift; it is only used up to `zset-max-listpack-entries` elements.
//!
//! Redis keeps listpack scores as text and reads them back with `strtod`, which sets
//! `errno` to `ERANGE` for a subnormal score; SORT later trips over that stale `errno`
//! (see `EngineState::errno_erange`). So the reads Redis makes are recorded: a read of a
//! subnormal score raises [`Listpack::take_erange`].

use std::cell::Cell;

use crate::bytes::SBytes;

/// Whether `(score, member)` sorts before `(s, m)` (Redis's order, `-0 == 0`).
#[inline]
pub fn before(score: f64, member: &[u8], s: f64, m: &[u8]) -> bool {
    score < s || (score == s && member < m)
}

/// Whether reading `score` back from text makes `strtod` report `ERANGE`.
#[inline]
pub fn is_subnormal(score: f64) -> bool {
    score != 0.0 && score.abs() < f64::MIN_POSITIVE
}

/// The score as a listpack stores it: Redis 7.0 writes scores as text, and `-0`
/// (an integral value) is printed as `0`.
#[inline]
fn stored(score: f64) -> f64 {
    if score == 0.0 {
        0.0
    } else {
        score
    }
}

/// A small sorted set: `(member, score)` pairs in order.
#[derive(Clone, Debug, Default)]
pub struct Listpack {
    items: Vec<(SBytes, f64)>,
    /// How many scores are subnormal (0 almost always: then reads need no check).
    subnormals: u32,
    /// A subnormal score was read since the last `take_erange`.
    erange: Cell<bool>,
}

impl Listpack {
    /// An empty listpack.
    pub fn new() -> Self {
        Listpack::default()
    }

    /// Number of elements.
    #[inline]
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether it holds nothing.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Position of `member` (Redis's `zzlFind`: a linear scan).
    #[inline]
    pub fn find(&self, member: &[u8]) -> Option<usize> {
        self.items.iter().position(|(m, _)| m.as_slice() == member)
    }

    /// The element at position `i` (no score read is recorded).
    #[inline]
    pub fn get(&self, i: usize) -> (&[u8], f64) {
        let (m, s) = &self.items[i];
        (m.as_slice(), *s)
    }

    /// Records that Redis reads a score with `strtod` (`zzlGetScore`).
    #[inline]
    pub fn mark(&self, score: f64) {
        if self.subnormals > 0 && is_subnormal(score) {
            self.erange.set(true);
        }
    }

    /// The score at position `i`, recorded as read.
    #[inline]
    pub fn read(&self, i: usize) -> f64 {
        let s = self.items[i].1;
        self.mark(s);
        s
    }

    /// Whether a subnormal score was read since the last call.
    pub fn take_erange(&self) -> bool {
        self.erange.replace(false)
    }

    fn count(&mut self, score: f64, delta: i32) {
        if is_subnormal(score) {
            self.subnormals = (self.subnormals as i32 + delta) as u32;
        }
    }

    /// Inserts a member that is not present at its sorted position (`zzlInsert`, which
    /// reads the scores it walks past and the one it stops at).
    pub fn insert(&mut self, member: SBytes, score: f64) {
        let score = stored(score);
        let at = self.items.partition_point(|(m, s)| before(*s, m, score, &member));
        if self.subnormals > 0 {
            for i in 0..(at + 1).min(self.items.len()) {
                self.read(i);
            }
        }
        self.count(score, 1);
        self.items.insert(at, (member, score));
    }

    /// Removes the element at position `i`.
    pub fn remove_at(&mut self, i: usize) -> (SBytes, f64) {
        let e = self.items.remove(i);
        self.count(e.1, -1);
        e
    }

    /// Removes positions `range`.
    pub fn remove_range(&mut self, range: std::ops::Range<usize>) {
        if self.subnormals > 0 {
            let gone = self.items[range.clone()].iter().filter(|(_, s)| is_subnormal(*s)).count();
            self.subnormals -= gone as u32;
        }
        self.items.drain(range);
    }

    /// Changes the score of the element at `i`, moving it to its new place.
    pub fn update_score(&mut self, i: usize, score: f64) {
        let (m, _) = self.remove_at(i);
        self.insert(m, score);
    }

    /// All elements in order.
    #[inline]
    pub fn items(&self) -> &[(SBytes, f64)] {
        &self.items
    }

    /// Moves the elements out, in order.
    pub fn into_items(self) -> Vec<(SBytes, f64)> {
        self.items
    }

    /// A listpack from elements already in sorted order.
    pub fn from_sorted(mut items: Vec<(SBytes, f64)>) -> Self {
        let mut subnormals = 0;
        for it in items.iter_mut() {
            it.1 = stored(it.1);
            subnormals += is_subnormal(it.1) as u32;
        }
        debug_assert!(items.windows(2).all(|w| before(w[0].1, &w[0].0, w[1].1, &w[1].0)));
        Listpack { items, subnormals, erange: Cell::new(false) }
    }

    /// Heap bytes owned.
    pub fn heap_size(&self) -> usize {
        self.items.capacity() * std::mem::size_of::<(SBytes, f64)>()
            + self.items.iter().map(|(m, _)| m.heap_size()).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_score_then_member_order() {
        let mut l = Listpack::new();
        for (m, s) in [("b", 1.0), ("a", 1.0), ("z", -1.0), ("c", 0.5)] {
            l.insert(SBytes::new(m.as_bytes()), s);
        }
        let order: Vec<&[u8]> = l.items().iter().map(|(m, _)| m.as_slice()).collect();
        assert_eq!(order, vec![&b"z"[..], b"c", b"a", b"b"]);
        let i = l.find(b"z").unwrap();
        l.update_score(i, 2.0);
        assert_eq!(l.get(3), (&b"z"[..], 2.0));
        assert_eq!(l.find(b"q"), None);
        l.insert(SBytes::new(b"n"), -0.0);
        assert!(l.get(l.find(b"n").unwrap()).1.is_sign_positive());
    }

    #[test]
    fn subnormal_reads_are_recorded() {
        let mut l = Listpack::new();
        l.insert(SBytes::new(b"t"), 5e-324);
        l.insert(SBytes::new(b"big"), 10.0);
        assert!(l.take_erange(), "inserting after it walks past the subnormal");
        l.insert(SBytes::new(b"low"), -1.0);
        assert!(l.take_erange(), "inserting first reads the old first score, the subnormal");
        l.insert(SBytes::new(b"lower"), -2.0);
        assert!(!l.take_erange());
        l.read(0);
        assert!(!l.take_erange());
        l.read(2);
        assert!(l.take_erange());
        l.remove_at(2);
        l.insert(SBytes::new(b"x"), 20.0);
        assert!(!l.take_erange());
    }
}
