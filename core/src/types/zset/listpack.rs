//! `Listpack`: the small sorted-set encoding (Redis's `listpack` of member/score pairs).
//!
//! Elements sit in one vector in sorted order, members inline when short, so a small set
//! is one allocation. Like Redis's listpack, lookups by member scan linearly and
//! inserts shift; it is only used up to `zset-max-listpack-entries` elements.

use crate::bytes::SBytes;

/// Whether `(score, member)` sorts before `(s, m)` (Redis's order, `-0 == 0`).
#[inline]
pub fn before(score: f64, member: &[u8], s: f64, m: &[u8]) -> bool {
    score < s || (score == s && member < m)
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
}

impl Listpack {
    /// An empty listpack.
    pub fn new() -> Self {
        Listpack { items: Vec::new() }
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

    /// The element at position `i`.
    #[inline]
    pub fn get(&self, i: usize) -> (&[u8], f64) {
        let (m, s) = &self.items[i];
        (m.as_slice(), *s)
    }

    /// Inserts a member that is not present at its sorted position (`zzlInsert`).
    pub fn insert(&mut self, member: SBytes, score: f64) {
        let score = stored(score);
        let at = self.items.partition_point(|(m, s)| before(*s, m, score, &member));
        self.items.insert(at, (member, score));
    }

    /// Removes the element at position `i`.
    pub fn remove_at(&mut self, i: usize) -> (SBytes, f64) {
        self.items.remove(i)
    }

    /// Removes positions `range`.
    pub fn remove_range(&mut self, range: std::ops::Range<usize>) {
        self.items.drain(range);
    }

    /// Changes the score of the element at `i`, moving it to its new place.
    pub fn update_score(&mut self, i: usize, score: f64) {
        let (m, _) = self.items.remove(i);
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
        for it in items.iter_mut() {
            it.1 = stored(it.1);
        }
        debug_assert!(items.windows(2).all(|w| before(w[0].1, &w[0].0, w[1].1, &w[1].0)));
        Listpack { items }
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
}
