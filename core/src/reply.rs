//! `Reply`: what a command answers, as a RESP3 superset that downgrades to RESP2.
//!
//! Commands build a `Reply`; the host encodes it for the client's protocol version
//! ([`Reply::encode`]) or converts it to its own values (the wasm bindings).

use std::borrow::Cow;

use crate::error::CmdError;
use crate::numfmt::{fmt_double, write_i64};

/// One reply value. Variants map to RESP3 types; RESP2 gets the nearest equivalent.
#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    /// `+OK`-style status line.
    Simple(Cow<'static, str>),
    /// Error line, the full text including its code (`ERR ...`, `WRONGTYPE ...`).
    Error(Cow<'static, str>),
    /// `:123`.
    Int(i64),
    /// Binary-safe bulk string.
    Bulk(Vec<u8>),
    /// Missing value: `$-1` in RESP2, `_` in RESP3.
    Nil,
    /// Missing aggregate: `*-1` in RESP2, `_` in RESP3.
    NilArray,
    /// Ordered aggregate.
    Array(Vec<Reply>),
    /// An array of bulk strings kept in one buffer (no allocation per element): the same
    /// bytes as an `Array` of `Bulk`s in both protocols.
    BulkArray(BulkArray),
    /// Key/value pairs: a flat array in RESP2.
    Map(Vec<(Reply, Reply)>),
    /// Unordered aggregate: an array in RESP2.
    Set(Vec<Reply>),
    /// Floating point: a bulk string formatted with `%.17g` in RESP2, `,` in RESP3.
    Double(f64),
    /// Floating point already formatted (Redis's `addReplyHumanLongDouble`, GEOPOS): a
    /// bulk string in RESP2, `,` in RESP3.
    DoubleText(Vec<u8>),
    /// Boolean: `:1`/`:0` in RESP2, `#t`/`#f` in RESP3.
    Bool(bool),
    /// Verbatim string (`=` with a 3-letter format) in RESP3, bulk in RESP2.
    Verbatim(&'static str, Vec<u8>),
    /// Big number (`(` in RESP3, a bulk string in RESP2): what a script returns as
    /// `{big_number=...}`.
    BigNumber(Vec<u8>),
    /// Out-of-band push message (`>` in RESP3, an array in RESP2).
    Push(Vec<Reply>),
    /// Nothing is sent (e.g. `CLIENT REPLY OFF`).
    NoReply,
    /// Nothing is sent yet: the client is blocked and its reply comes later through
    /// `Engine::take_wakeups` (see `crate::blocking`).
    Blocked,
}

impl Reply {
    /// The `+OK` reply.
    pub const fn ok() -> Reply {
        Reply::Simple(Cow::Borrowed("OK"))
    }

    /// A status reply from a static string.
    pub const fn simple(s: &'static str) -> Reply {
        Reply::Simple(Cow::Borrowed(s))
    }

    /// A bulk reply copying `b`.
    pub fn bulk(b: &[u8]) -> Reply {
        Reply::Bulk(b.to_vec())
    }

    /// A bulk reply copying `b` into `buf` (its old contents dropped): reusing a buffer the
    /// host gave back ([`crate::Engine::recycle`]) saves an allocation per reply.
    #[inline]
    pub fn bulk_into(mut buf: Vec<u8>, b: &[u8]) -> Reply {
        buf.clear();
        buf.extend_from_slice(b);
        Reply::Bulk(buf)
    }

    /// A bulk reply from text.
    pub fn text(s: impl Into<String>) -> Reply {
        Reply::Bulk(s.into().into_bytes())
    }

    /// A bulk reply, or `Nil` when absent.
    pub fn bulk_or_nil(b: Option<&[u8]>) -> Reply {
        b.map_or(Reply::Nil, Reply::bulk)
    }

    /// An error reply from its full text.
    pub fn error(s: impl Into<Cow<'static, str>>) -> Reply {
        Reply::Error(s.into())
    }

    /// Whether this is an error reply.
    pub fn is_error(&self) -> bool {
        matches!(self, Reply::Error(_))
    }

    /// Appends the wire encoding for protocol `resp` (2 or 3) to `out`.
    pub fn encode(&self, resp: u8, out: &mut Vec<u8>) {
        let v3 = resp >= 3;
        match self {
            Reply::Simple(s) => line(out, b'+', s.as_bytes()),
            Reply::Error(s) => line(out, b'-', &sanitize_error(s)),
            Reply::Int(n) => {
                out.push(b':');
                write_i64(out, *n);
                out.extend_from_slice(b"\r\n");
            }
            Reply::Bulk(b) => bulk(out, b),
            Reply::Nil => out.extend_from_slice(if v3 { b"_\r\n" } else { b"$-1\r\n" }),
            Reply::NilArray => out.extend_from_slice(if v3 { b"_\r\n" } else { b"*-1\r\n" }),
            Reply::Array(items) => {
                header(out, b'*', items.len());
                for it in items {
                    it.encode(resp, out);
                }
            }
            Reply::BulkArray(a) => {
                header(out, b'*', a.count);
                out.extend_from_slice(&a.encoded);
            }
            Reply::Set(items) => {
                header(out, if v3 { b'~' } else { b'*' }, items.len());
                for it in items {
                    it.encode(resp, out);
                }
            }
            Reply::Push(items) => {
                header(out, if v3 { b'>' } else { b'*' }, items.len());
                for it in items {
                    it.encode(resp, out);
                }
            }
            Reply::Map(pairs) => {
                if v3 {
                    header(out, b'%', pairs.len());
                } else {
                    header(out, b'*', pairs.len() * 2);
                }
                for (k, v) in pairs {
                    k.encode(resp, out);
                    v.encode(resp, out);
                }
            }
            Reply::Double(d) => {
                let s = fmt_double(*d);
                if v3 {
                    line(out, b',', s.as_bytes());
                } else {
                    bulk(out, s.as_bytes());
                }
            }
            Reply::DoubleText(s) => {
                if v3 {
                    line(out, b',', s);
                } else {
                    bulk(out, s);
                }
            }
            Reply::Bool(b) => {
                if v3 {
                    out.extend_from_slice(if *b { b"#t\r\n" } else { b"#f\r\n" });
                } else {
                    out.extend_from_slice(if *b { b":1\r\n" } else { b":0\r\n" });
                }
            }
            Reply::Verbatim(fmt, b) => {
                if v3 {
                    header(out, b'=', b.len() + 4);
                    out.extend_from_slice(fmt.as_bytes());
                    out.push(b':');
                    out.extend_from_slice(b);
                    out.extend_from_slice(b"\r\n");
                } else {
                    bulk(out, b);
                }
            }
            Reply::BigNumber(n) => {
                if v3 {
                    line(out, b'(', n);
                } else {
                    bulk(out, n);
                }
            }
            Reply::NoReply | Reply::Blocked => {}
        }
    }

    /// Convenience: the encoding as a fresh vector.
    pub fn to_resp(&self, resp: u8) -> Vec<u8> {
        let mut v = Vec::new();
        self.encode(resp, &mut v);
        v
    }
}

/// Bulk strings for [`Reply::BulkArray`], stored already encoded (`$len\r\nbytes\r\n`,
/// the same in RESP2 and RESP3).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BulkArray {
    encoded: Vec<u8>,
    count: usize,
}

impl BulkArray {
    /// An empty array with room for about `bytes` bytes of elements.
    pub fn with_capacity(bytes: usize) -> BulkArray {
        BulkArray { encoded: Vec::with_capacity(bytes), count: 0 }
    }

    /// The encoded elements and their number.
    pub(crate) fn encoded(&self) -> (&[u8], usize) {
        (&self.encoded, self.count)
    }

    /// Appends one bulk string.
    #[inline]
    pub fn push(&mut self, b: &[u8]) {
        bulk(&mut self.encoded, b);
        self.count += 1;
    }

    /// Appends the decimal form of `n` as a bulk string.
    #[inline]
    pub fn push_i64(&mut self, n: i64) {
        let mut buf = [0u8; 20];
        self.push(crate::numfmt::format_i64(n, &mut buf));
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The elements, in order.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> {
        let mut rest = &self.encoded[..];
        std::iter::from_fn(move || {
            // "$<len>\r\n<bytes>\r\n"
            let nl = rest.iter().position(|&c| c == b'\n')?;
            let len: usize = std::str::from_utf8(&rest[1..nl - 1]).ok()?.parse().ok()?;
            let item = &rest[nl + 1..nl + 1 + len];
            rest = &rest[nl + 1 + len + 2..];
            Some(item)
        })
    }
}

impl From<CmdError> for Reply {
    fn from(e: CmdError) -> Reply {
        Reply::Error(e.text())
    }
}

/// Redis replaces newlines in error and status text with spaces so the line stays one line.
pub(crate) fn sanitize_error(s: &str) -> Cow<'_, [u8]> {
    if s.bytes().any(|b| b == b'\r' || b == b'\n') {
        Cow::Owned(s.bytes().map(|b| if b == b'\r' || b == b'\n' { b' ' } else { b }).collect())
    } else {
        Cow::Borrowed(s.as_bytes())
    }
}

fn line(out: &mut Vec<u8>, prefix: u8, body: &[u8]) {
    out.push(prefix);
    out.extend_from_slice(body);
    out.extend_from_slice(b"\r\n");
}

#[inline]
fn header(out: &mut Vec<u8>, prefix: u8, n: usize) {
    if n < 10 {
        // Most lengths are one or two digits: no general formatting.
        out.extend_from_slice(&[prefix, b'0' + n as u8, b'\r', b'\n']);
        return;
    }
    if n < 100 {
        out.extend_from_slice(&[prefix, b'0' + (n / 10) as u8, b'0' + (n % 10) as u8, b'\r', b'\n']);
        return;
    }
    out.push(prefix);
    write_i64(out, n as i64);
    out.extend_from_slice(b"\r\n");
}

fn bulk(out: &mut Vec<u8>, b: &[u8]) {
    header(out, b'$', b.len());
    out.extend_from_slice(b);
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(r: &Reply, v: u8) -> String {
        String::from_utf8(r.to_resp(v)).unwrap()
    }

    #[test]
    fn resp2_and_resp3_encodings() {
        assert_eq!(enc(&Reply::ok(), 2), "+OK\r\n");
        assert_eq!(enc(&Reply::Nil, 2), "$-1\r\n");
        assert_eq!(enc(&Reply::Nil, 3), "_\r\n");
        assert_eq!(enc(&Reply::NilArray, 2), "*-1\r\n");
        assert_eq!(enc(&Reply::Int(-5), 2), ":-5\r\n");
        assert_eq!(enc(&Reply::bulk(b"a\r\nb"), 2), "$4\r\na\r\nb\r\n");
        for n in [9usize, 10, 42, 99, 100, 12345] {
            assert_eq!(enc(&Reply::Bulk(vec![b'x'; n]), 2), format!("${}\r\n{}\r\n", n, "x".repeat(n)));
        }
        let m = Reply::Map(vec![(Reply::bulk(b"k"), Reply::Int(1))]);
        assert_eq!(enc(&m, 2), "*2\r\n$1\r\nk\r\n:1\r\n");
        assert_eq!(enc(&m, 3), "%1\r\n$1\r\nk\r\n:1\r\n");
        assert_eq!(enc(&Reply::Double(1.5), 2), "$3\r\n1.5\r\n");
        assert_eq!(enc(&Reply::Double(f64::INFINITY), 3), ",inf\r\n");
        assert_eq!(enc(&Reply::Bool(true), 2), ":1\r\n");
        assert_eq!(enc(&Reply::Verbatim("txt", b"hi".to_vec()), 3), "=6\r\ntxt:hi\r\n");
        assert_eq!(enc(&Reply::error("ERR a\nb"), 2), "-ERR a b\r\n");
        let mut a = BulkArray::with_capacity(16);
        a.push(b"x\r\n");
        a.push_i64(-12);
        a.push(b"");
        let as_array = Reply::Array(vec![Reply::bulk(b"x\r\n"), Reply::bulk(b"-12"), Reply::bulk(b"")]);
        for v in [2, 3] {
            assert_eq!(enc(&Reply::BulkArray(a.clone()), v), enc(&as_array, v));
        }
        assert_eq!(a.iter().collect::<Vec<_>>(), vec![&b"x\r\n"[..], b"-12", b""]);
        assert_eq!(enc(&Reply::BulkArray(BulkArray::default()), 3), "*0\r\n");
    }
}
