//! `PackedPairs`: field/value pairs packed back to back in one byte vector, in insertion
//! order: the `listpack` encoding of small hashes.
//!
//! Like Redis's listpack, lookups are linear scans (hashes stay packed only up to
//! `hash-max-listpack-entries` fields of at most `hash-max-listpack-value` bytes), new
//! fields are appended, updates keep a field's position and deletions close the gap, so
//! replies list fields in exactly the order Redis does. Each string costs its bytes plus
//! a one-byte length for strings under 128 bytes.

use crate::types::arena::{get_varint, put_varint, varint_len};

/// Pairs of byte strings in insertion order.
#[derive(Clone, Debug, Default)]
pub struct PackedPairs {
    buf: Vec<u8>,
    len: u32,
}

/// A pair found in the buffer: where its record starts and ends, where the value starts.
#[derive(Clone, Copy)]
struct Found {
    start: usize,
    value_at: usize,
    end: usize,
}

/// Reads one length-prefixed string at `at`: (string range start, end).
#[inline]
fn read_str(buf: &[u8], at: usize) -> (usize, usize) {
    let (n, w) = get_varint(&buf[at..]);
    (at + w, at + w + n)
}

fn push_str(buf: &mut Vec<u8>, s: &[u8]) {
    let mut tmp = [0u8; 10];
    let w = put_varint(&mut tmp, s.len());
    buf.extend_from_slice(&tmp[..w]);
    buf.extend_from_slice(s);
}

impl PackedPairs {
    /// No pairs.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of pairs.
    #[inline]
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether there are no pairs.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn find(&self, field: &[u8]) -> Option<Found> {
        let b = &self.buf;
        let mut at = 0;
        while at < b.len() {
            let (fs, fe) = read_str(b, at);
            let (_, ve) = read_str(b, fe);
            if &b[fs..fe] == field {
                return Some(Found { start: at, value_at: fe, end: ve });
            }
            at = ve;
        }
        None
    }

    /// The value of `field`.
    pub fn get(&self, field: &[u8]) -> Option<&[u8]> {
        self.find(field).map(|f| {
            let (vs, ve) = read_str(&self.buf, f.value_at);
            &self.buf[vs..ve]
        })
    }

    /// Sets `field` to `value`; returns true when the field is new (appended last),
    /// false when an existing value was replaced in place.
    pub fn set(&mut self, field: &[u8], value: &[u8]) -> bool {
        match self.find(field) {
            Some(f) => {
                let mut enc = Vec::with_capacity(varint_len(value.len()) + value.len());
                push_str(&mut enc, value);
                self.buf.splice(f.value_at..f.end, enc);
                false
            }
            None => {
                self.buf.reserve(varint_len(field.len()) + field.len() + varint_len(value.len()) + value.len());
                push_str(&mut self.buf, field);
                push_str(&mut self.buf, value);
                self.len += 1;
                true
            }
        }
    }

    /// Appends a pair whose field the caller knows is absent (loading, where duplicates
    /// were ruled out already): no scan.
    pub fn push_new(&mut self, field: &[u8], value: &[u8]) {
        self.buf.reserve(varint_len(field.len()) + field.len() + varint_len(value.len()) + value.len());
        push_str(&mut self.buf, field);
        push_str(&mut self.buf, value);
        self.len += 1;
    }

    /// Removes `field`; returns whether it was present.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match self.find(field) {
            Some(f) => {
                self.buf.drain(f.start..f.end);
                self.len -= 1;
                true
            }
            None => false,
        }
    }

    /// The pairs in order.
    pub fn iter(&self) -> PackedIter<'_> {
        PackedIter { buf: &self.buf, at: 0 }
    }

    /// Heap bytes held.
    pub fn heap_size(&self) -> usize {
        self.buf.capacity()
    }
}

/// Iterator over [`PackedPairs`] in order.
pub struct PackedIter<'a> {
    buf: &'a [u8],
    at: usize,
}

impl<'a> Iterator for PackedIter<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        if self.at >= self.buf.len() {
            return None;
        }
        let (fs, fe) = read_str(self.buf, self.at);
        let (vs, ve) = read_str(self.buf, fe);
        self.at = ve;
        Some((&self.buf[fs..fe], &self.buf[vs..ve]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_insertion_order_through_updates_and_deletes() {
        let mut p = PackedPairs::new();
        assert!(p.set(b"a", b"1"));
        assert!(p.set(b"b", b""));
        assert!(p.set(b"c", &[b'x'; 200]));
        assert!(!p.set(b"a", &[b'y'; 300]));
        assert_eq!(p.get(b"a"), Some(&[b'y'; 300][..]));
        assert_eq!(p.get(b"b"), Some(&b""[..]));
        assert_eq!(p.get(b"d"), None);
        assert!(p.remove(b"b"));
        assert!(!p.remove(b"b"));
        assert!(p.set(b"b", b"2"));
        let order: Vec<&[u8]> = p.iter().map(|(f, _)| f).collect();
        assert_eq!(order, vec![&b"a"[..], b"c", b"b"]);
        assert_eq!(p.len(), 3);
        assert!(!p.set(b"a", b"1"));
        assert_eq!(p.get(b"a"), Some(&b"1"[..]));
        assert_eq!(p.iter().count(), 3);
    }
}
