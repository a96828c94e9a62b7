//! Pure data structures for values. They know nothing of RESP, argv or the keyspace.

pub mod arena;
pub mod effort;
pub mod hash;
pub mod hll;
pub mod intset;
pub mod list;
pub mod packed;
pub mod set;
pub mod stream;
pub mod table;
pub mod zset;

use crate::bytes::SBytes;
use crate::numfmt::{i64_bytes, parse_i64};

/// Longest string Redis stores with the `embstr` encoding.
pub const EMBSTR_MAX: usize = 44;

/// A value stored under a key. Later data-type issues add variants.
#[derive(Clone, Debug)]
pub enum Value {
    /// A string that is a canonical 64-bit integer (`OBJECT ENCODING` "int").
    Int(i64),
    /// An immutable string ("embstr" up to 44 bytes, else "raw").
    Str(SBytes),
    /// A string modified in place (APPEND, SETRANGE): "raw", with spare capacity.
    Raw(Vec<u8>),
    /// A list ("quicklist": Redis 7.0 encodes every list so).
    List(Box<list::List>),
    /// A hash (`listpack` or `hashtable`).
    Hash(Box<hash::Hash>),
    /// A set (`intset` or `hashtable`).
    Set(Box<set::Set>),
    /// A sorted set ("listpack" or "skiplist").
    ZSet(Box<zset::ZSet>),
    /// A stream ("stream").
    Stream(Box<stream::Stream>),
}

impl Value {
    /// A string value as `SET` stores it: integer-encoded when it is a canonical integer.
    pub fn from_bytes(b: &[u8]) -> Value {
        if b.len() <= 20 {
            if let Some(n) = parse_i64(b) {
                return Value::Int(n);
            }
        }
        Value::Str(SBytes::new(b))
    }

    /// The `TYPE` name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Int(_) | Value::Str(_) | Value::Raw(_) => "string",
            Value::List(_) => "list",
            Value::Hash(_) => "hash",
            Value::Set(_) => "set",
            Value::ZSet(_) => "zset",
            Value::Stream(_) => "stream",
        }
    }

    /// The `OBJECT ENCODING` name.
    pub fn encoding(&self) -> &'static str {
        match self {
            Value::Int(_) => "int",
            Value::Str(s) if s.len() <= EMBSTR_MAX => "embstr",
            Value::Str(_) | Value::Raw(_) => "raw",
            Value::List(_) => "quicklist",
            Value::Hash(h) => h.encoding(),
            Value::Set(s) => s.encoding(),
            Value::ZSet(z) => z.encoding(),
            Value::Stream(_) => "stream",
        }
    }

    /// Whether this is a string value.
    pub fn is_string(&self) -> bool {
        matches!(self, Value::Int(_) | Value::Str(_) | Value::Raw(_))
    }

    /// The string bytes (formatted for integers); `None` for non-strings.
    pub fn string_bytes(&self) -> Option<std::borrow::Cow<'_, [u8]>> {
        match self {
            Value::Int(n) => Some(std::borrow::Cow::Owned(i64_bytes(*n))),
            Value::Str(s) => Some(std::borrow::Cow::Borrowed(s.as_slice())),
            Value::Raw(v) => Some(std::borrow::Cow::Borrowed(v.as_slice())),
            _ => None,
        }
    }

    /// Bytes of heap memory owned by the value beyond its inline size.
    pub fn heap_size(&self) -> usize {
        match self {
            Value::Int(_) => 0,
            Value::Str(s) => s.heap_size(),
            Value::Raw(v) => v.capacity(),
            Value::List(l) => std::mem::size_of::<list::List>() + l.heap_size(),
            Value::Hash(h) => std::mem::size_of::<hash::Hash>() + h.heap_size(),
            Value::Set(s) => std::mem::size_of::<set::Set>() + s.heap_size(),
            Value::ZSet(z) => std::mem::size_of::<zset::ZSet>() + z.heap_size(),
            Value::Stream(s) => std::mem::size_of::<stream::Stream>() + s.heap_size(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_follow_redis() {
        assert_eq!(Value::from_bytes(b"123").encoding(), "int");
        assert_eq!(Value::from_bytes(b"-0").encoding(), "embstr");
        assert_eq!(Value::from_bytes(b"0123").encoding(), "embstr");
        assert_eq!(Value::from_bytes(&[b'a'; 44]).encoding(), "embstr");
        assert_eq!(Value::from_bytes(&[b'a'; 45]).encoding(), "raw");
    }

    #[test]
    fn value_is_small() {
        assert!(std::mem::size_of::<Value>() <= 32);
    }
}
