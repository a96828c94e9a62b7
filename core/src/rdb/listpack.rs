//! Listpacks (listpack.c) as RDB stores them: a 6-byte header (total bytes u32, element
//! count u16, 65535 = unknown), entries (encoding, payload, back length), `0xFF`.
//! [`LpWriter`] builds one exactly as Redis's `lpAppend` would; [`parse`] validates one
//! deeply (`lpValidateIntegrity` with `deep`) and returns its elements.

use super::RdbError;
use crate::numfmt::parse_i64;

/// One listpack element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LpEntry<'a> {
    /// An integer-encoded element.
    Int(i64),
    /// A string element.
    Str(&'a [u8]),
}

impl LpEntry<'_> {
    /// The element as bytes (integers in decimal).
    pub fn to_vec(self) -> Vec<u8> {
        match self {
            LpEntry::Int(v) => crate::numfmt::i64_bytes(v),
            LpEntry::Str(s) => s.to_vec(),
        }
    }

    /// The element as an integer, when it is one (or a string that parses as one).
    pub fn as_int(self) -> Option<i64> {
        match self {
            LpEntry::Int(v) => Some(v),
            LpEntry::Str(s) => parse_i64(s),
        }
    }
}

/// Back-length bytes for an entry of `l` bytes (`lpEncodeBacklen`).
fn backlen_size(l: usize) -> usize {
    match l {
        0..=127 => 1,
        128..=16382 => 2,
        16383..=2097150 => 3,
        2097151..=268435454 => 4,
        _ => 5,
    }
}

fn put_backlen(out: &mut Vec<u8>, l: usize) {
    let n = backlen_size(l);
    for i in 0..n {
        let shift = 7 * (n - 1 - i);
        let g = ((l >> shift) & 127) as u8;
        out.push(if i == 0 { g } else { g | 128 });
    }
}

/// Appends one integer entry.
pub fn put_int(out: &mut Vec<u8>, v: i64) {
    let start = out.len();
    if (0..=127).contains(&v) {
        out.push(v as u8);
    } else if (-4096..=4095).contains(&v) {
        let u = (v as u16) & 0x1FFF;
        out.push(0xC0 | (u >> 8) as u8);
        out.push(u as u8);
    } else if (i16::MIN as i64..=i16::MAX as i64).contains(&v) {
        out.push(0xF1);
        out.extend_from_slice(&(v as i16).to_le_bytes());
    } else if (-(1 << 23)..(1 << 23)).contains(&v) {
        out.push(0xF2);
        out.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
    } else if (i32::MIN as i64..=i32::MAX as i64).contains(&v) {
        out.push(0xF3);
        out.extend_from_slice(&(v as i32).to_le_bytes());
    } else {
        out.push(0xF4);
        out.extend_from_slice(&v.to_le_bytes());
    }
    let l = out.len() - start;
    put_backlen(out, l);
}

/// Appends one string entry (integer-encoded when it is a canonical integer, as
/// `lpAppend` does).
pub fn put_str(out: &mut Vec<u8>, s: &[u8]) {
    if s.len() <= 20 {
        if let Some(v) = parse_i64(s) {
            return put_int(out, v);
        }
    }
    let start = out.len();
    let n = s.len();
    if n < 64 {
        out.push(0x80 | n as u8);
    } else if n < 4096 {
        out.push(0xE0 | (n >> 8) as u8);
        out.push(n as u8);
    } else {
        out.push(0xF0);
        out.extend_from_slice(&(n as u32).to_le_bytes());
    }
    out.extend_from_slice(s);
    let l = out.len() - start;
    put_backlen(out, l);
}

/// Builds a listpack.
pub struct LpWriter {
    buf: Vec<u8>,
    count: usize,
}

impl Default for LpWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl LpWriter {
    /// An empty listpack.
    pub fn new() -> Self {
        let mut buf = Vec::with_capacity(64);
        buf.extend_from_slice(&[0; 6]);
        LpWriter { buf, count: 0 }
    }

    /// Appends a string element.
    pub fn str(&mut self, s: &[u8]) {
        put_str(&mut self.buf, s);
        self.count += 1;
    }

    /// Appends an integer element.
    pub fn int(&mut self, v: i64) {
        put_int(&mut self.buf, v);
        self.count += 1;
    }

    /// Appends already-encoded entries (`n` of them).
    pub fn raw(&mut self, entries: &[u8], n: usize) {
        self.buf.extend_from_slice(entries);
        self.count += n;
    }

    /// The finished listpack bytes.
    pub fn finish(mut self) -> Vec<u8> {
        self.buf.push(0xFF);
        let total = self.buf.len() as u32;
        self.buf[..4].copy_from_slice(&total.to_le_bytes());
        let n = if self.count < 65535 { self.count as u16 } else { 65535 };
        self.buf[4..6].copy_from_slice(&n.to_le_bytes());
        self.buf
    }
}

/// Wraps node entries (a list node's bytes) in a listpack header and end marker.
pub fn wrap(entries: &[u8], n: usize) -> Vec<u8> {
    let mut w = LpWriter { buf: Vec::with_capacity(entries.len() + 7), count: 0 };
    w.buf.extend_from_slice(&[0; 6]);
    w.raw(entries, n);
    w.finish()
}

fn bad() -> RdbError {
    RdbError::corrupt("Listpack integrity check failed.".into())
}

/// Decodes the entry at `p`: the element and the offset past its back length.
fn decode_at(lp: &[u8], p: usize) -> Result<(LpEntry<'_>, usize), RdbError> {
    let get = |a: usize, n: usize| lp.get(a..a + n).ok_or_else(bad);
    let le = |b: &[u8]| {
        let mut a = [0u8; 8];
        a[..b.len()].copy_from_slice(b);
        u64::from_le_bytes(a)
    };
    let b = *lp.get(p).ok_or_else(bad)?;
    let (e, len) = if b < 0x80 {
        (LpEntry::Int(b as i64), 1)
    } else if b & 0xC0 == 0x80 {
        let l = (b & 0x3F) as usize;
        (LpEntry::Str(get(p + 1, l)?), 1 + l)
    } else if b & 0xE0 == 0xC0 {
        let u = (((b & 0x1F) as u16) << 8) | get(p + 1, 1)?[0] as u16;
        (LpEntry::Int(((u << 3) as i16 >> 3) as i64), 2)
    } else if b & 0xF0 == 0xE0 {
        let l = (((b & 0x0F) as usize) << 8) | get(p + 1, 1)?[0] as usize;
        (LpEntry::Str(get(p + 2, l)?), 2 + l)
    } else {
        match b {
            0xF0 => {
                let l = le(get(p + 1, 4)?) as usize;
                (LpEntry::Str(get(p + 5, l)?), 5 + l)
            }
            0xF1 => (LpEntry::Int(le(get(p + 1, 2)?) as u16 as i16 as i64), 3),
            0xF2 => (LpEntry::Int((((le(get(p + 1, 3)?) as u32) << 8) as i32 >> 8) as i64), 4),
            0xF3 => (LpEntry::Int(le(get(p + 1, 4)?) as u32 as i32 as i64), 5),
            0xF4 => (LpEntry::Int(le(get(p + 1, 8)?) as i64), 9),
            _ => return Err(bad()),
        }
    };
    // The back length must encode the entry's length.
    let bl = backlen_size(len);
    let back = get(p + len, bl)?;
    let mut v = 0usize;
    for (i, &g) in back.iter().enumerate() {
        if (i == 0) == (g & 128 != 0) {
            return Err(bad());
        }
        v = (v << 7) | (g & 127) as usize;
    }
    if v != len {
        return Err(bad());
    }
    Ok((e, p + len + bl))
}

/// Validates a whole listpack and returns its elements.
pub fn parse(lp: &[u8]) -> Result<Vec<LpEntry<'_>>, RdbError> {
    if lp.len() < 7 || u32::from_le_bytes([lp[0], lp[1], lp[2], lp[3]]) as usize != lp.len() {
        return Err(bad());
    }
    if lp[lp.len() - 1] != 0xFF {
        return Err(bad());
    }
    let declared = u16::from_le_bytes([lp[4], lp[5]]) as usize;
    let end = lp.len() - 1;
    let mut out = Vec::with_capacity(declared.min(lp.len() / 2));
    let mut p = 6;
    while p < end {
        let (e, next) = decode_at(&lp[..end], p)?;
        out.push(e);
        p = next;
    }
    if p != end || (declared != 65535 && declared != out.len()) {
        return Err(bad());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_parses_every_encoding() {
        let mut w = LpWriter::new();
        let long = vec![b'x'; 5000];
        let mid = vec![b'y'; 300];
        let vals: Vec<Vec<u8>> = vec![
            b"0".to_vec(),
            b"127".to_vec(),
            b"-4096".to_vec(),
            b"30000".to_vec(),
            b"-8388608".to_vec(),
            b"2147483647".to_vec(),
            b"9223372036854775807".to_vec(),
            b"".to_vec(),
            b"abc".to_vec(),
            b"007".to_vec(),
            mid.clone(),
            long.clone(),
        ];
        for v in &vals {
            w.str(v);
        }
        let lp = w.finish();
        let got: Vec<Vec<u8>> = parse(&lp).unwrap().into_iter().map(|e| e.to_vec()).collect();
        assert_eq!(got, vals);
        // Any truncation or flipped byte is an error or a different valid listpack, never a panic.
        for i in 0..lp.len() {
            let _ = parse(&lp[..i]);
            let mut c = lp.clone();
            c[i] ^= 0x5a;
            let _ = parse(&c);
        }
    }
}
