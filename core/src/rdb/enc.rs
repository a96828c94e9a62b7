//! RDB primitives (rdb.c): lengths, strings (integer-encoded, LZF-compressed or plain),
//! millisecond times, doubles; and a bounds-checked [`Reader`] over a byte slice that
//! never panics and never allocates more than the input can justify.

use super::RdbError;
use crate::numfmt::{format_i64, parse_i64};
use crate::util::lzf;

/// `RDB_ENCVAL` special encodings of a string length byte.
const ENC_INT8: u8 = 0;
const ENC_INT16: u8 = 1;
const ENC_INT32: u8 = 2;
const ENC_LZF: u8 = 3;

/// `rdbSaveLen`.
pub fn put_len(out: &mut Vec<u8>, len: u64) {
    if len < 1 << 6 {
        out.push(len as u8);
    } else if len < 1 << 14 {
        out.push(((len >> 8) as u8) | 0x40);
        out.push(len as u8);
    } else if len <= u32::MAX as u64 {
        out.push(0x80);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    } else {
        out.push(0x81);
        out.extend_from_slice(&len.to_be_bytes());
    }
}

/// Bytes `put_len` writes for `len`.
pub fn len_size(len: u64) -> usize {
    if len < 1 << 6 {
        1
    } else if len < 1 << 14 {
        2
    } else if len <= u32::MAX as u64 {
        5
    } else {
        9
    }
}

/// `rdbEncodeInteger`: the 2/3/5-byte form of `v`, when it fits 32 bits.
fn encode_int(v: i64, out: &mut Vec<u8>) -> bool {
    if (-(1 << 7)..1 << 7).contains(&v) {
        out.extend_from_slice(&[0xC0 | ENC_INT8, v as u8]);
    } else if (-(1 << 15)..1 << 15).contains(&v) {
        out.push(0xC0 | ENC_INT16);
        out.extend_from_slice(&(v as i16).to_le_bytes());
    } else if (-(1i64 << 31)..1i64 << 31).contains(&v) {
        out.push(0xC0 | ENC_INT32);
        out.extend_from_slice(&(v as i32).to_le_bytes());
    } else {
        return false;
    }
    true
}

/// `rdbSaveLongLongAsStringObject`.
pub fn put_int_string(out: &mut Vec<u8>, v: i64) {
    if !encode_int(v, out) {
        let mut buf = [0u8; 20];
        let s = format_i64(v, &mut buf);
        put_len(out, s.len() as u64);
        out.extend_from_slice(s);
    }
}

/// `rdbSaveRawString`: integer encoding for short canonical integers, LZF when
/// `compress` and longer than 20 bytes and it saves at least 4 bytes, else verbatim.
pub fn put_string(out: &mut Vec<u8>, s: &[u8], compress: bool) {
    if s.len() <= 11 {
        if let Some(v) = parse_i64(s) {
            if encode_int(v, out) {
                return;
            }
        }
    }
    if compress && s.len() > 20 {
        if let Some(c) = lzf::compress(s, s.len() - 4) {
            put_lzf_blob(out, &c, s.len());
            return;
        }
    }
    put_len(out, s.len() as u64);
    out.extend_from_slice(s);
}

/// `rdbSaveLzfBlob`: already-compressed bytes `c` of an `original_len`-byte string.
pub fn put_lzf_blob(out: &mut Vec<u8>, c: &[u8], original_len: usize) {
    out.push(0xC0 | ENC_LZF);
    put_len(out, c.len() as u64);
    put_len(out, original_len as u64);
    out.extend_from_slice(c);
}

/// `rdbSaveMillisecondTime`: 8 bytes little endian.
pub fn put_ms(out: &mut Vec<u8>, t: i64) {
    out.extend_from_slice(&t.to_le_bytes());
}

/// `rdbSaveBinaryDoubleValue`.
pub fn put_binary_double(out: &mut Vec<u8>, v: f64) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// A cursor over RDB bytes; every read is bounds-checked.
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// Bytes consumed so far.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Bytes left.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], RdbError> {
        if n > self.remaining() {
            return Err(RdbError::short());
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// One byte.
    pub fn u8(&mut self) -> Result<u8, RdbError> {
        Ok(self.take(1)?[0])
    }

    /// `rdbLoadLenByRef`: (length or encoding, whether it is a special encoding).
    pub fn len_enc(&mut self) -> Result<(u64, bool), RdbError> {
        let b = self.u8()?;
        match b >> 6 {
            3 => Ok(((b & 0x3F) as u64, true)),
            0 => Ok(((b & 0x3F) as u64, false)),
            1 => Ok(((((b & 0x3F) as u64) << 8) | self.u8()? as u64, false)),
            _ => match b {
                0x80 => Ok((u32::from_be_bytes(self.take(4)?.try_into().unwrap_or_default()) as u64, false)),
                0x81 => Ok((u64::from_be_bytes(self.take(8)?.try_into().unwrap_or_default()), false)),
                _ => Err(RdbError::corrupt(format!("Unknown length encoding {} in rdbLoadLen()", b >> 6))),
            },
        }
    }

    /// `rdbLoadLen` where an encoded value is an error.
    pub fn length(&mut self) -> Result<u64, RdbError> {
        match self.len_enc()? {
            (n, false) => Ok(n),
            (_, true) => Err(RdbError::corrupt("Unexpected encoded length".into())),
        }
    }

    /// A count of items each taking at least `min_item` bytes: bounded by what is left.
    pub fn count(&mut self, min_item: usize) -> Result<u64, RdbError> {
        let n = self.length()?;
        if n.saturating_mul(min_item.max(1) as u64) > self.remaining() as u64 {
            return Err(RdbError::short());
        }
        Ok(n)
    }

    /// `rdbGenericLoadStringObject`: the string's bytes (integers formatted, LZF expanded).
    pub fn string(&mut self) -> Result<std::borrow::Cow<'a, [u8]>, RdbError> {
        let (n, encoded) = self.len_enc()?;
        if !encoded {
            let n = usize::try_from(n).map_err(|_| RdbError::short())?;
            return Ok(std::borrow::Cow::Borrowed(self.take(n)?));
        }
        let v: i64 = match n as u8 {
            ENC_INT8 => self.u8()? as i8 as i64,
            ENC_INT16 => i16::from_le_bytes(self.take(2)?.try_into().unwrap_or_default()) as i64,
            ENC_INT32 => i32::from_le_bytes(self.take(4)?.try_into().unwrap_or_default()) as i64,
            ENC_LZF => {
                let clen = self.length()?;
                let len = self.length()?;
                let clen = usize::try_from(clen).map_err(|_| RdbError::short())?;
                let c = self.take(clen)?;
                // LZF expands at most ~88x (a 3-byte back reference copies 264 bytes).
                if len > (clen as u64).saturating_mul(100) + 64 || len == 0 {
                    return Err(RdbError::corrupt("Invalid LZF compressed string".into()));
                }
                return match lzf::decompress(c, len as usize) {
                    Some(v) if v.len() as u64 == len => Ok(std::borrow::Cow::Owned(v)),
                    _ => Err(RdbError::corrupt("Invalid LZF compressed string".into())),
                };
            }
            e => return Err(RdbError::corrupt(format!("Unknown RDB string encoding type {}", e))),
        };
        let mut buf = [0u8; 20];
        Ok(std::borrow::Cow::Owned(format_i64(v, &mut buf).to_vec()))
    }

    /// `rdbLoadMillisecondTime`.
    pub fn ms(&mut self) -> Result<i64, RdbError> {
        Ok(i64::from_le_bytes(self.take(8)?.try_into().unwrap_or_default()))
    }

    /// `rdbLoadTime`: 4-byte seconds.
    pub fn secs(&mut self) -> Result<i32, RdbError> {
        Ok(i32::from_le_bytes(self.take(4)?.try_into().unwrap_or_default()))
    }

    /// `rdbLoadBinaryDoubleValue`.
    pub fn binary_double(&mut self) -> Result<f64, RdbError> {
        Ok(f64::from_le_bytes(self.take(8)?.try_into().unwrap_or_default()))
    }

    /// `rdbLoadDoubleValue`: a length byte (253 NaN, 254 +inf, 255 -inf) and text.
    pub fn text_double(&mut self) -> Result<f64, RdbError> {
        match self.u8()? {
            255 => Ok(f64::NEG_INFINITY),
            254 => Ok(f64::INFINITY),
            253 => Ok(f64::NAN),
            n => {
                let s = self.take(n as usize)?;
                let p = crate::util::strtod::strtod(s);
                if p.end == 0 {
                    return Err(RdbError::corrupt("Bad double value".into()));
                }
                Ok(p.value)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_round_trip() {
        for n in [0u64, 63, 64, 16383, 16384, u32::MAX as u64, u32::MAX as u64 + 1, u64::MAX] {
            let mut v = Vec::new();
            put_len(&mut v, n);
            assert_eq!(v.len(), len_size(n));
            assert_eq!(Reader::new(&v).length().unwrap(), n);
        }
    }

    #[test]
    fn strings_round_trip() {
        for s in [&b""[..], b"0", b"-128", b"32767", b"-2147483648", b"2147483648", b"12345678901", b"007"] {
            for compress in [false, true] {
                let mut v = Vec::new();
                put_string(&mut v, s, compress);
                assert_eq!(&*Reader::new(&v).string().unwrap(), s);
            }
        }
        let long = vec![b'a'; 1000];
        let mut v = Vec::new();
        put_string(&mut v, &long, true);
        assert!(v.len() < 100);
        assert_eq!(&*Reader::new(&v).string().unwrap(), &long[..]);
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(Reader::new(&[]).length().is_err());
        assert!(Reader::new(&[0x80, 0]).length().is_err());
        assert!(Reader::new(&[5, b'a']).string().is_err());
        assert!(Reader::new(&[0xC3, 2, 0x81, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2]).string().is_err());
    }
}
