//! Stream entry IDs (`<ms>-<seq>`) and Redis 7.0's ID parsing (`streamGenericParseIDOrReply`).

use std::fmt;

/// A stream entry ID: milliseconds and sequence number, ordered as a pair.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StreamId {
    /// Milliseconds part.
    pub ms: u64,
    /// Sequence part.
    pub seq: u64,
}

impl StreamId {
    /// `0-0`.
    pub const ZERO: StreamId = StreamId { ms: 0, seq: 0 };
    /// The largest ID (`+`).
    pub const MAX: StreamId = StreamId { ms: u64::MAX, seq: u64::MAX };

    /// An ID from its parts.
    pub const fn new(ms: u64, seq: u64) -> StreamId {
        StreamId { ms, seq }
    }

    /// Redis's `streamIncrID`: the next ID, `None` after `MAX`.
    pub fn incr(self) -> Option<StreamId> {
        if self.seq == u64::MAX {
            if self.ms == u64::MAX {
                None
            } else {
                Some(StreamId::new(self.ms + 1, 0))
            }
        } else {
            Some(StreamId::new(self.ms, self.seq + 1))
        }
    }

    /// Redis's `streamDecrID`: the previous ID, `None` before `0-0`.
    pub fn decr(self) -> Option<StreamId> {
        if self.seq == 0 {
            if self.ms == 0 {
                None
            } else {
                Some(StreamId::new(self.ms - 1, u64::MAX))
            }
        } else {
            Some(StreamId::new(self.ms, self.seq - 1))
        }
    }

    /// Whether this is `0-0`.
    pub fn is_zero(self) -> bool {
        self == StreamId::ZERO
    }

    /// The ID as Redis prints it (`ms-seq`).
    pub fn to_bytes(self) -> Vec<u8> {
        let mut out = Vec::with_capacity(24);
        push_u64(&mut out, self.ms);
        out.push(b'-');
        push_u64(&mut out, self.seq);
        out
    }
}

/// Appends the decimal digits of `v`.
fn push_u64(out: &mut Vec<u8>, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

/// An ID argument as parsed: the ID and whether its sequence was given (`ms-*` leaves
/// it to XADD).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParsedId {
    /// The ID (sequence 0 for `ms-*`).
    pub id: StreamId,
    /// False only for `ms-*` (when allowed).
    pub seq_given: bool,
}

/// C's `strtoull` over a whole C string, as Redis's `string2ull` uses it after its fast
/// path: leading white space, an optional sign (a minus wraps), decimal digits to the
/// end; `None` on overflow or junk.
fn strtoull_full(s: &[u8]) -> Option<u64> {
    let mut i = 0;
    while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r') {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        neg = s[i] == b'-';
        i += 1;
    }
    if i == s.len() {
        return None;
    }
    let mut v: u64 = 0;
    for &c in &s[i..] {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add((c - b'0') as u64)?;
    }
    Some(if neg { v.wrapping_neg() } else { v })
}

/// Redis's `string2ull`: a canonical `long long` must not be negative; anything else goes
/// through `strtoull`.
fn string2ull(s: &[u8]) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    if let Some(n) = crate::numfmt::parse_i64(s) {
        return if n < 0 { None } else { Some(n as u64) };
    }
    strtoull_full(s)
}

/// Redis's `streamGenericParseIDOrReply`: `-`, `+` (unless `strict`), `ms`, `ms-seq`, and
/// with `allow_auto_seq` `ms-*`. The argument is read as a C string of at most 127 bytes.
/// `missing_seq` is the sequence of a bare `ms`.
pub fn parse_id(arg: &[u8], missing_seq: u64, strict: bool, allow_auto_seq: bool) -> Option<ParsedId> {
    if arg.len() > 127 {
        return None;
    }
    let s = &arg[..arg.iter().position(|&c| c == 0).unwrap_or(arg.len())];
    if s == b"-" || s == b"+" {
        if strict {
            return None;
        }
        let id = if s == b"-" { StreamId::ZERO } else { StreamId::MAX };
        return Some(ParsedId { id, seq_given: true });
    }
    let (ms_part, seq_part) = match s.iter().position(|&c| c == b'-') {
        Some(d) => (&s[..d], Some(&s[d + 1..])),
        None => (s, None),
    };
    let ms = string2ull(ms_part)?;
    match seq_part {
        Some(b"*") if allow_auto_seq => Some(ParsedId { id: StreamId::new(ms, 0), seq_given: false }),
        Some(p) => Some(ParsedId { id: StreamId::new(ms, string2ull(p)?), seq_given: true }),
        None => Some(ParsedId { id: StreamId::new(ms, missing_seq), seq_given: true }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Option<StreamId> {
        parse_id(s.as_bytes(), 0, true, false).map(|p| p.id)
    }

    #[test]
    fn parses_like_redis() {
        assert_eq!(p("1-2"), Some(StreamId::new(1, 2)));
        assert_eq!(p("5"), Some(StreamId::new(5, 0)));
        assert_eq!(parse_id(b"5", u64::MAX, false, false).unwrap().id, StreamId::new(5, u64::MAX));
        assert_eq!(p("-"), None);
        assert_eq!(parse_id(b"+", 0, false, false).unwrap().id, StreamId::MAX);
        assert_eq!(p("18446744073709551615-18446744073709551615"), Some(StreamId::MAX));
        assert_eq!(p("18446744073709551616"), None);
        assert_eq!(p(" 5"), Some(StreamId::new(5, 0)));
        assert_eq!(p("+5"), Some(StreamId::new(5, 0)));
        assert_eq!(p("007-1"), Some(StreamId::new(7, 1)));
        assert_eq!(p("1--5"), None);
        assert_eq!(p("1- -5"), Some(StreamId::new(1, 5u64.wrapping_neg())));
        assert_eq!(p("a"), None);
        assert_eq!(p(""), None);
        assert_eq!(p("1-"), None);
        assert_eq!(p("1-*"), None);
        assert_eq!(parse_id(b"1-*", 0, true, true), Some(ParsedId { id: StreamId::new(1, 0), seq_given: false }));
        assert_eq!(p("1-2\0junk"), Some(StreamId::new(1, 2)));
        assert_eq!(StreamId::new(1, u64::MAX).incr(), Some(StreamId::new(2, 0)));
        assert_eq!(StreamId::MAX.incr(), None);
        assert_eq!(StreamId::new(2, 0).decr(), Some(StreamId::new(1, u64::MAX)));
        assert_eq!(StreamId::ZERO.decr(), None);
        assert_eq!(StreamId::MAX.to_bytes(), b"18446744073709551615-18446744073709551615");
        assert_eq!(StreamId::new(0, 7).to_bytes(), b"0-7");
    }
}
