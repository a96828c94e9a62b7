//! `IntSet`: a sorted array of distinct 64-bit integers, Redis's `intset` encoding of
//! small all-integer sets. Members stay sorted, so replies list them ascending, as Redis.

/// Sorted distinct integers.
#[derive(Clone, Debug, Default)]
pub struct IntSet {
    v: Vec<i64>,
    /// Redis's intset encoding in bytes per member (2, 4 or 8; 0 while nothing was ever
    /// added): it grows with the widest member added and never shrinks, as Redis's
    /// `intsetUpgradeAndAdd`, so an RDB image of the set matches Redis's byte for byte.
    width: u8,
}

/// Bytes per member of the smallest intset encoding holding `n`.
fn width_of(n: i64) -> u8 {
    if (i16::MIN as i64..=i16::MAX as i64).contains(&n) {
        2
    } else if (i32::MIN as i64..=i32::MAX as i64).contains(&n) {
        4
    } else {
        8
    }
}

impl IntSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of members.
    #[inline]
    pub fn len(&self) -> usize {
        self.v.len()
    }

    /// Whether there are no members.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.v.is_empty()
    }

    /// Whether `n` is a member.
    #[inline]
    pub fn contains(&self, n: i64) -> bool {
        self.v.binary_search(&n).is_ok()
    }

    /// Adds `n`; returns whether it was new.
    pub fn insert(&mut self, n: i64) -> bool {
        self.width = self.width.max(width_of(n));
        match self.v.binary_search(&n) {
            Ok(_) => false,
            Err(i) => {
                self.v.insert(i, n);
                true
            }
        }
    }

    /// Removes `n`; returns whether it was present.
    pub fn remove(&mut self, n: i64) -> bool {
        match self.v.binary_search(&n) {
            Ok(i) => {
                self.v.remove(i);
                true
            }
            Err(_) => false,
        }
    }

    /// Removes the member at position `i` in ascending order.
    pub fn remove_at(&mut self, i: usize) {
        self.v.remove(i);
    }

    /// The member at position `i` in ascending order.
    #[inline]
    pub fn get(&self, i: usize) -> i64 {
        self.v[i]
    }

    /// Redis's encoding of this intset: bytes per member (2, 4 or 8).
    pub fn width(&self) -> u8 {
        self.width.max(2)
    }

    /// Widens the encoding to at least `w` bytes per member (an RDB image's encoding).
    pub fn widen(&mut self, w: u8) {
        self.width = self.width.max(w);
    }

    /// The members, ascending.
    pub fn as_slice(&self) -> &[i64] {
        &self.v
    }

    /// Heap bytes held.
    pub fn heap_size(&self) -> usize {
        self.v.capacity() * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_sorted_and_distinct() {
        let mut s = IntSet::new();
        for n in [5, -3, 5, i64::MAX, i64::MIN, 0] {
            s.insert(n);
        }
        assert_eq!(s.as_slice(), &[i64::MIN, -3, 0, 5, i64::MAX]);
        assert!(s.remove(0) && !s.remove(0));
        assert!(s.contains(-3) && !s.contains(1));
    }
}
