//! `SBytes`: an immutable, binary-safe byte string that keeps short values inline.
//!
//! Keys and most string values are short (the benchmark's are 10 and 16 bytes), so
//! storing them inside the keyspace entry instead of behind a heap pointer saves an
//! allocation and ~32 bytes per key. Longer strings live in a boxed slice.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

/// How many bytes fit inline (the whole value is 24 bytes: tag, length, data).
pub const INLINE_CAP: usize = 22;

/// A byte string of any length; up to [`INLINE_CAP`] bytes are stored inline.
#[derive(Clone)]
pub enum SBytes {
    /// Short string stored in place.
    Inline { len: u8, buf: [u8; INLINE_CAP] },
    /// Longer string on the heap.
    Heap(Box<[u8]>),
}

impl SBytes {
    /// Copies `bytes` into a new value.
    #[inline]
    pub fn new(bytes: &[u8]) -> Self {
        if bytes.len() <= INLINE_CAP {
            let mut buf = [0u8; INLINE_CAP];
            buf[..bytes.len()].copy_from_slice(bytes);
            SBytes::Inline { len: bytes.len() as u8, buf }
        } else {
            SBytes::Heap(bytes.into())
        }
    }

    /// Takes ownership of a vector (inlined when short).
    pub fn from_vec(v: Vec<u8>) -> Self {
        if v.len() <= INLINE_CAP {
            Self::new(&v)
        } else {
            SBytes::Heap(v.into_boxed_slice())
        }
    }

    /// The bytes.
    #[inline]
    pub fn as_slice(&self) -> &[u8] {
        match self {
            SBytes::Inline { len, buf } => &buf[..*len as usize],
            SBytes::Heap(b) => b,
        }
    }

    /// Heap bytes owned beyond the inline struct (for memory accounting).
    pub fn heap_size(&self) -> usize {
        match self {
            SBytes::Inline { .. } => 0,
            SBytes::Heap(b) => b.len(),
        }
    }
}

impl Deref for SBytes {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl Borrow<[u8]> for SBytes {
    fn borrow(&self) -> &[u8] {
        self.as_slice()
    }
}

impl PartialEq for SBytes {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}
impl Eq for SBytes {}

impl PartialOrd for SBytes {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for SBytes {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_slice().cmp(other.as_slice())
    }
}

impl Hash for SBytes {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state)
    }
}

impl fmt::Debug for SBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.as_slice()))
    }
}

impl From<&[u8]> for SBytes {
    fn from(b: &[u8]) -> Self {
        SBytes::new(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_is_24_bytes() {
        assert_eq!(std::mem::size_of::<SBytes>(), 24);
    }

    #[test]
    fn round_trips_short_and_long() {
        for n in [0, 1, 21, 22, 23, 100] {
            let v: Vec<u8> = (0..n as u8).collect();
            assert_eq!(SBytes::new(&v).as_slice(), &v[..]);
            assert_eq!(SBytes::from_vec(v.clone()).as_slice(), &v[..]);
        }
    }
}
