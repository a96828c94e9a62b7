//! `Hash`: the hash value type, `listpack` ([`PackedPairs`]) while small, `hashtable`
//! ([`StrTable`]) once it grows, converting exactly when Redis 7.0 does (one way).

use crate::rng::Rng;
use crate::types::packed::{PackedIter, PackedPairs};
use crate::types::table::StrTable;

/// The thresholds (`hash-max-listpack-*`) and hash seed a conversion needs.
#[derive(Clone, Copy, Debug)]
pub struct HashLimits {
    /// `hash-max-listpack-entries`.
    pub max_entries: u64,
    /// `hash-max-listpack-value`.
    pub max_value: u64,
    /// Seed for the hash function of a new `hashtable`.
    pub seed: u64,
}

/// A hash value.
#[derive(Clone, Debug)]
pub enum Hash {
    /// Small: pairs in insertion order (`listpack`).
    Packed(PackedPairs),
    /// Big: a compact hash table (`hashtable`).
    Table(StrTable<true>),
}

impl Default for Hash {
    fn default() -> Self {
        Hash::Packed(PackedPairs::new())
    }
}

impl Hash {
    /// An empty hash (`listpack`), as Redis creates one.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        match self {
            Hash::Packed(p) => p.len(),
            Hash::Table(t) => t.len(),
        }
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `OBJECT ENCODING` name.
    pub fn encoding(&self) -> &'static str {
        match self {
            Hash::Packed(_) => "listpack",
            Hash::Table(_) => "hashtable",
        }
    }

    /// The value of `field`.
    pub fn get(&self, field: &[u8]) -> Option<&[u8]> {
        match self {
            Hash::Packed(p) => p.get(field),
            Hash::Table(t) => t.find(field).map(|s| t.value(s)),
        }
    }

    /// Whether `field` exists.
    pub fn contains(&self, field: &[u8]) -> bool {
        self.get(field).is_some()
    }

    /// Converts to the `hashtable` encoding (no-op if already there).
    pub fn convert(&mut self, seed: u64) {
        if let Hash::Packed(p) = self {
            let mut t = StrTable::with_capacity(seed, p.len());
            for (f, v) in p.iter() {
                t.insert_new(f, v);
            }
            *self = Hash::Table(t);
        }
    }

    /// Redis's `hashTypeSet`: sets `field` to `value`, converting a `listpack` hash whose
    /// field or value would exceed `hash-max-listpack-value`, or whose field count would
    /// exceed `hash-max-listpack-entries`. Returns true when the field is new.
    pub fn set(&mut self, field: &[u8], value: &[u8], lim: &HashLimits) -> bool {
        if matches!(self, Hash::Packed(_)) && (field.len() as u64 > lim.max_value || value.len() as u64 > lim.max_value)
        {
            self.convert(lim.seed);
        }
        match self {
            Hash::Packed(p) => {
                let added = p.set(field, value);
                if added && p.len() as u64 > lim.max_entries {
                    self.convert(lim.seed);
                }
                added
            }
            Hash::Table(t) => match t.find(field) {
                Some(s) => {
                    t.set_value(s, value);
                    false
                }
                None => {
                    t.insert_new(field, value);
                    true
                }
            },
        }
    }

    /// Removes `field`; returns whether it existed.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match self {
            Hash::Packed(p) => p.remove(field),
            Hash::Table(t) => t.remove_key(field),
        }
    }

    /// Every (field, value) in storage order (insertion order for `listpack`).
    pub fn iter(&self) -> HashIter<'_> {
        match self {
            Hash::Packed(p) => HashIter::Packed(p.iter()),
            Hash::Table(t) => HashIter::Table(t, 0),
        }
    }

    /// A uniformly random pair; the hash must not be empty.
    pub fn random_pair(&self, rng: &mut Rng) -> (&[u8], &[u8]) {
        match self {
            Hash::Packed(p) => {
                let i = rng.below(p.len() as u64) as usize;
                p.iter().nth(i).expect("index below length")
            }
            Hash::Table(t) => t.pair(t.random_slot(rng)),
        }
    }

    /// Heap bytes held.
    pub fn heap_size(&self) -> usize {
        match self {
            Hash::Packed(p) => p.heap_size(),
            Hash::Table(t) => t.heap_size(),
        }
    }
}

/// Iterator over a [`Hash`]'s pairs.
pub enum HashIter<'a> {
    /// Over a `listpack`.
    Packed(PackedIter<'a>),
    /// Over a table, by slot.
    Table(&'a StrTable<true>, u32),
}

impl<'a> Iterator for HashIter<'a> {
    type Item = (&'a [u8], &'a [u8]);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            HashIter::Packed(it) => it.next(),
            HashIter::Table(t, i) => {
                if (*i as usize) < t.len() {
                    let p = t.pair(*i);
                    *i += 1;
                    Some(p)
                } else {
                    None
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIM: HashLimits = HashLimits { max_entries: 3, max_value: 5, seed: 1 };

    #[test]
    fn converts_when_redis_does() {
        let mut h = Hash::new();
        assert!(h.set(b"a", b"1", &LIM));
        assert!(!h.set(b"a", b"12345", &LIM));
        h.set(b"b", b"", &LIM);
        h.set(b"c", b"", &LIM);
        assert_eq!(h.encoding(), "listpack");
        h.set(b"d", b"", &LIM);
        assert_eq!(h.encoding(), "hashtable");
        assert_eq!(h.len(), 4);
        assert!(h.remove(b"a") && h.remove(b"b"));
        assert_eq!(h.encoding(), "hashtable");
        let mut v = Hash::new();
        v.set(b"a", b"123456", &LIM);
        assert_eq!(v.encoding(), "hashtable");
        let mut f = Hash::new();
        f.set(b"a", b"1", &LIM);
        f.set(b"123456", b"1", &LIM);
        assert_eq!(f.encoding(), "hashtable");
        assert_eq!(f.get(b"a"), Some(&b"1"[..]));
        assert_eq!(f.iter().count(), 2);
    }
}
