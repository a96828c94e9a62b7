//! FUNCTION DUMP / RESTORE payloads, byte for byte as Redis 7.0 writes them: for each
//! library `RDB_OPCODE_FUNCTION2` (245) and its code as an RDB string, then the RDB
//! version (10, two bytes little-endian) and the CRC-64 of everything before it (eight
//! bytes little-endian). Also the RDB string encoding itself (`rdbSaveRawString` /
//! `rdbGenericLoadStringObject`), small enough to live here.

use crate::numfmt::parse_i64;
use crate::rdb::crc64::crc64;
use crate::util::lzf;

/// `RDB_OPCODE_FUNCTION2`: a library (its code, shebang included).
pub const OPCODE_FUNCTION2: u8 = 245;
/// `RDB_OPCODE_FUNCTION`: a library in the format of 7.0 release candidates (name,
/// engine, optional description, code).
pub const OPCODE_FUNCTION: u8 = 246;
/// `RDB_VERSION` of Redis 7.0.
pub const RDB_VERSION: u16 = 10;

/// Appends an RDB length (`rdbSaveLen`).
pub fn save_len(out: &mut Vec<u8>, len: u64) {
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

/// Appends `s` as Redis's `rdbSaveRawString` does with `rdbcompression yes`: short
/// canonical integers as integers, strings over 20 bytes LZF-compressed when that saves
/// at least 4 bytes, else length and bytes.
pub fn save_string(out: &mut Vec<u8>, s: &[u8]) {
    if s.len() <= 11 {
        if let Some(n) = parse_i64(s).filter(|n| n.to_string().as_bytes() == s) {
            if let Ok(v) = i8::try_from(n) {
                out.extend_from_slice(&[0xC0, v as u8]);
                return;
            } else if let Ok(v) = i16::try_from(n) {
                out.push(0xC1);
                out.extend_from_slice(&v.to_le_bytes());
                return;
            } else if let Ok(v) = i32::try_from(n) {
                out.push(0xC2);
                out.extend_from_slice(&v.to_le_bytes());
                return;
            }
        }
    }
    if s.len() > 20 {
        if let Some(c) = lzf::compress(s, s.len() - 4) {
            out.push(0xC3);
            save_len(out, c.len() as u64);
            save_len(out, s.len() as u64);
            out.extend_from_slice(&c);
            return;
        }
    }
    save_len(out, s.len() as u64);
    out.extend_from_slice(s);
}

/// A cursor over RDB bytes.
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `data`.
    pub fn new(data: &'a [u8]) -> Reader<'a> {
        Reader { data, pos: 0 }
    }

    /// Bytes read so far.
    pub fn pos(&self) -> usize {
        self.pos
    }

    fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let b = self.data.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(b)
    }

    /// One byte (`rdbLoadType`).
    pub fn byte(&mut self) -> Option<u8> {
        self.bytes(1).map(|b| b[0])
    }

    /// A length or a special encoding (`rdbLoadLenByRef`): `(value, is_encoded)`.
    pub fn len_or_encoding(&mut self) -> Option<(u64, bool)> {
        let b = self.byte()?;
        Some(match b >> 6 {
            0 => ((b & 0x3F) as u64, false),
            1 => ((((b & 0x3F) as u64) << 8) | self.byte()? as u64, false),
            3 => ((b & 0x3F) as u64, true),
            _ if b == 0x80 => (u32::from_be_bytes(self.bytes(4)?.try_into().ok()?) as u64, false),
            _ if b == 0x81 => (u64::from_be_bytes(self.bytes(8)?.try_into().ok()?), false),
            _ => return None,
        })
    }

    /// A plain length (`rdbLoadLen`).
    pub fn length(&mut self) -> Option<u64> {
        match self.len_or_encoding()? {
            (n, false) => Some(n),
            _ => None,
        }
    }

    /// A string in any of its encodings (`rdbGenericLoadStringObject`).
    pub fn string(&mut self) -> Option<Vec<u8>> {
        let (n, encoded) = self.len_or_encoding()?;
        if !encoded {
            return self.bytes(usize::try_from(n).ok()?).map(|b| b.to_vec());
        }
        match n {
            0 => Some((self.byte()? as i8).to_string().into_bytes()),
            1 => Some(i16::from_le_bytes(self.bytes(2)?.try_into().ok()?).to_string().into_bytes()),
            2 => Some(i32::from_le_bytes(self.bytes(4)?.try_into().ok()?).to_string().into_bytes()),
            3 => {
                let clen = usize::try_from(self.length()?).ok()?;
                let len = usize::try_from(self.length()?).ok()?;
                let c = self.bytes(clen)?;
                if len == 0 {
                    return None;
                }
                lzf::decompress(c, len)
            }
            _ => None,
        }
    }
}

/// FUNCTION DUMP's payload for libraries with these codes.
pub fn dump<'a>(codes: impl Iterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    for code in codes {
        out.push(OPCODE_FUNCTION2);
        save_string(&mut out, code);
    }
    out.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = crc64(0, &out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// Redis's `verifyDumpPayload`: the footer's RDB version is not newer than ours and the
/// CRC-64 matches.
pub fn verify(payload: &[u8]) -> bool {
    if payload.len() < 10 {
        return false;
    }
    let footer = &payload[payload.len() - 10..];
    let ver = u16::from_le_bytes([footer[0], footer[1]]);
    if ver > RDB_VERSION {
        return false;
    }
    let crc = crc64(0, &payload[..payload.len() - 8]);
    crc.to_le_bytes() == footer[2..]
}

/// The library codes of a verified payload, in order, or FUNCTION RESTORE's error text
/// (without its `ERR ` code). Old-format libraries get their shebang rebuilt as Redis
/// does (`#!<engine> name=<name>\n<code>`).
pub fn libraries(payload: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut r = Reader::new(payload);
    let mut codes = Vec::new();
    while payload.len() - r.pos() > 10 {
        let Some(t) = r.byte() else {
            return Err("can not read data type".into());
        };
        match t {
            OPCODE_FUNCTION2 => codes.push(r.string().ok_or("Failed loading library payload")?),
            OPCODE_FUNCTION => {
                let name = r.string().ok_or("Failed loading library name")?;
                let engine = r.string().ok_or("Failed loading engine name")?;
                let has_desc = r.length().ok_or("Failed loading library description indicator")?;
                if has_desc != 0 {
                    r.string().ok_or("Failed loading library description")?;
                }
                let blob = r.string().ok_or("Failed loading library blob")?;
                let mut code = b"#!".to_vec();
                code.extend_from_slice(&engine);
                code.extend_from_slice(b" name=");
                code.extend_from_slice(&name);
                code.push(b'\n');
                code.extend_from_slice(&blob);
                codes.push(code);
            }
            _ => return Err("given type is not a function".into()),
        }
    }
    Ok(codes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_round_trip_in_every_encoding() {
        let long = b"#!lua name=lib\nredis.register_function('f', function() return 1 end)".repeat(3);
        for s in [&b""[..], b"12", b"-300", b"70000", b"012", b"hello", &[b'a'; 100], &long, &[7u8; 20000]] {
            let mut out = Vec::new();
            save_string(&mut out, s);
            let mut r = Reader::new(&out);
            assert_eq!(r.string().as_deref(), Some(s), "{:?}", s);
            assert_eq!(r.pos(), out.len());
        }
        let mut out = Vec::new();
        save_string(&mut out, b"-300");
        assert_eq!(out, [0xC1, 0xD4, 0xFE]);
    }

    #[test]
    fn dumps_verify_and_load_back() {
        let a = b"#!lua name=a\nredis.register_function('fa', function() return 1 end)";
        let p = dump([&a[..], b"#!lua name=b\n"].into_iter());
        assert!(verify(&p));
        assert_eq!(libraries(&p).unwrap(), vec![a.to_vec(), b"#!lua name=b\n".to_vec()]);
        let mut bad = p.clone();
        bad[3] ^= 1;
        assert!(!verify(&bad));
        assert!(!verify(b"short"));
        // A payload of something else.
        let mut other = vec![0u8, 1, b'x'];
        other.extend_from_slice(&RDB_VERSION.to_le_bytes());
        let crc = crc64(0, &other);
        other.extend_from_slice(&crc.to_le_bytes());
        assert_eq!(libraries(&other), Err("given type is not a function".into()));
    }
}
