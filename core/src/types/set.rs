//! `Set`: the set value type, `intset` ([`IntSet`]) while it holds only integers and at
//! most `set-max-intset-entries` members, else `hashtable` ([`StrTable`]). Redis 7.0 has
//! no listpack sets; conversion is one way, exactly when Redis converts.

use crate::numfmt::{parse_i64, write_i64};
use crate::rng::Rng;
use crate::types::intset::IntSet;
use crate::types::table::StrTable;

/// The threshold (`set-max-intset-entries`) and hash seed a conversion needs.
#[derive(Clone, Copy, Debug)]
pub struct SetLimits {
    /// `set-max-intset-entries`.
    pub max_intset: u64,
    /// Seed for the hash function of a new `hashtable`.
    pub seed: u64,
}

/// A set value.
#[derive(Clone, Debug)]
pub enum Set {
    /// Sorted integers (`intset`).
    Ints(IntSet),
    /// A compact hash table of byte strings (`hashtable`).
    Table(StrTable<false>),
}

/// One member as stored: an integer of an `intset` or the bytes of a `hashtable` member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Member<'a> {
    /// A member of an `intset`.
    Int(i64),
    /// A member of a `hashtable`.
    Bytes(&'a [u8]),
}

impl Member<'_> {
    /// Appends the member's string form to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        match self {
            Member::Int(n) => write_i64(out, *n),
            Member::Bytes(b) => out.extend_from_slice(b),
        }
    }

    /// The member's string form.
    pub fn to_vec(&self) -> Vec<u8> {
        match self {
            Member::Int(n) => {
                let mut v = Vec::with_capacity(20);
                write_i64(&mut v, *n);
                v
            }
            Member::Bytes(b) => b.to_vec(),
        }
    }
}

impl Set {
    /// Redis's `setTypeCreate`: an empty `intset` when `first` is an integer, else an
    /// empty `hashtable`.
    pub fn new_for(first: &[u8], seed: u64) -> Set {
        if parse_i64(first).is_some() {
            Set::Ints(IntSet::new())
        } else {
            Set::Table(StrTable::new(seed))
        }
    }

    /// An empty `intset` (the start of every SINTERSTORE/SUNIONSTORE/SDIFFSTORE result).
    pub fn new_ints() -> Set {
        Set::Ints(IntSet::new())
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        match self {
            Set::Ints(s) => s.len(),
            Set::Table(t) => t.len(),
        }
    }

    /// Whether there are no members.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `OBJECT ENCODING` name.
    pub fn encoding(&self) -> &'static str {
        match self {
            Set::Ints(_) => "intset",
            Set::Table(_) => "hashtable",
        }
    }

    /// Whether `member` is in the set.
    pub fn contains(&self, member: &[u8]) -> bool {
        match self {
            Set::Ints(s) => parse_i64(member).is_some_and(|n| s.contains(n)),
            Set::Table(t) => t.find(member).is_some(),
        }
    }

    /// Whether the member of another set is in this one (no formatting for two intsets).
    pub fn contains_member(&self, m: Member<'_>) -> bool {
        match (self, m) {
            (Set::Ints(s), Member::Int(n)) => s.contains(n),
            (_, Member::Bytes(b)) => self.contains(b),
            (Set::Table(t), Member::Int(n)) => {
                let mut buf = Vec::with_capacity(20);
                write_i64(&mut buf, n);
                t.find(&buf).is_some()
            }
        }
    }

    /// Converts an `intset` to a `hashtable` (no-op if already one).
    pub fn convert(&mut self, seed: u64) {
        if let Set::Ints(s) = self {
            let mut t = StrTable::with_capacity(seed, s.len());
            let mut buf = Vec::with_capacity(20);
            for &n in s.as_slice() {
                buf.clear();
                write_i64(&mut buf, n);
                t.insert_new(&buf, b"");
            }
            *self = Set::Table(t);
        }
    }

    /// Redis's `setTypeAdd`: adds `member`, converting an `intset` that meets a
    /// non-integer or grows past `set-max-intset-entries`. Returns whether it was new.
    pub fn add(&mut self, member: &[u8], lim: &SetLimits) -> bool {
        if let Set::Ints(s) = self {
            match parse_i64(member) {
                Some(n) => {
                    let added = s.insert(n);
                    if added && s.len() as u64 > lim.max_intset {
                        self.convert(lim.seed);
                    }
                    return added;
                }
                None => self.convert(lim.seed),
            }
        }
        match self {
            Set::Table(t) => {
                if t.find(member).is_some() {
                    false
                } else {
                    t.insert_new(member, b"");
                    true
                }
            }
            Set::Ints(_) => unreachable!("converted above"),
        }
    }

    /// Adds a member taken from another set (no parsing for integers).
    pub fn add_member(&mut self, m: Member<'_>, lim: &SetLimits) -> bool {
        match (&mut *self, m) {
            (Set::Ints(s), Member::Int(n)) => {
                let added = s.insert(n);
                if added && s.len() as u64 > lim.max_intset {
                    self.convert(lim.seed);
                }
                added
            }
            (_, Member::Bytes(b)) => self.add(b, lim),
            (Set::Table(_), Member::Int(_)) => self.add(&m.to_vec(), lim),
        }
    }

    /// Removes `member`; returns whether it was present.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match self {
            Set::Ints(s) => parse_i64(member).is_some_and(|n| s.remove(n)),
            Set::Table(t) => t.remove_key(member),
        }
    }

    /// Every member in storage order (ascending for an `intset`).
    pub fn iter(&self) -> SetIter<'_> {
        SetIter { set: self, i: 0 }
    }

    /// The member at position `i` of [`Set::iter`]'s order (`i < len()`), O(1).
    #[inline]
    pub fn at(&self, i: usize) -> Member<'_> {
        match self {
            Set::Ints(s) => Member::Int(s.get(i)),
            Set::Table(t) => Member::Bytes(t.key(i as u32)),
        }
    }

    /// A uniformly random member; the set must not be empty.
    pub fn random(&self, rng: &mut Rng) -> Member<'_> {
        self.at(rng.below(self.len() as u64) as usize)
    }

    /// Removes a uniformly random member and returns it; the set must not be empty.
    pub fn pop_random(&mut self, rng: &mut Rng) -> Vec<u8> {
        let i = rng.below(self.len() as u64) as usize;
        let m = self.at(i).to_vec();
        match self {
            Set::Ints(s) => s.remove_at(i),
            Set::Table(t) => t.remove(i as u32),
        }
        m
    }

    /// Heap bytes held.
    pub fn heap_size(&self) -> usize {
        match self {
            Set::Ints(s) => s.heap_size(),
            Set::Table(t) => t.heap_size(),
        }
    }
}

/// Iterator over a [`Set`]'s members.
pub struct SetIter<'a> {
    set: &'a Set,
    i: usize,
}

impl<'a> Iterator for SetIter<'a> {
    type Item = Member<'a>;

    #[inline]
    fn next(&mut self) -> Option<Member<'a>> {
        if self.i < self.set.len() {
            let m = self.set.at(self.i);
            self.i += 1;
            Some(m)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIM: SetLimits = SetLimits { max_intset: 3, seed: 7 };

    #[test]
    fn intset_until_a_string_or_too_many() {
        let mut s = Set::new_for(b"3", 1);
        for m in ["3", "1", "2", "1"] {
            s.add(m.as_bytes(), &LIM);
        }
        assert_eq!(s.encoding(), "intset");
        let order: Vec<Vec<u8>> = s.iter().map(|m| m.to_vec()).collect();
        assert_eq!(order, vec![b"1".to_vec(), b"2".to_vec(), b"3".to_vec()]);
        assert!(s.contains(b"2") && !s.contains(b"02") && !s.contains(b"x"));
        s.add(b"4", &LIM);
        assert_eq!(s.encoding(), "hashtable");
        assert!(s.contains(b"4") && s.contains(b"1"));
        assert!(s.contains_member(Member::Int(2)));
        let mut t = Set::new_for(b"1", 1);
        t.add(b"1", &LIM);
        t.add(b"a", &LIM);
        assert_eq!(t.encoding(), "hashtable");
        assert!(t.remove(b"1") && !t.remove(b"1"));
        assert_eq!(Set::new_for(b"01", 1).encoding(), "hashtable");
    }
}
