//! Legacy encodings RDB files still carry (Redis 7.0 loads and converts them): ziplists
//! (ziplist.c), zipmaps (zipmap.c) and intsets (intset.c, also written by 7.0). Each
//! parser validates deeply and never panics.

use super::listpack::LpEntry;
use super::RdbError;

fn bad(what: &str) -> RdbError {
    RdbError::corrupt(format!("{} integrity check failed.", what))
}

/// Validates a ziplist and returns its elements (`ziplistValidateIntegrity`, deep).
pub fn ziplist(zl: &[u8]) -> Result<Vec<LpEntry<'_>>, RdbError> {
    let err = || bad("Ziplist");
    if zl.len() < 11 {
        return Err(err());
    }
    let le32 = |a: usize| u32::from_le_bytes([zl[a], zl[a + 1], zl[a + 2], zl[a + 3]]) as usize;
    if le32(0) != zl.len() || zl[zl.len() - 1] != 0xFF {
        return Err(err());
    }
    let tail = le32(4);
    let declared = u16::from_le_bytes([zl[8], zl[9]]) as usize;
    let end = zl.len() - 1;
    let mut out = Vec::with_capacity(declared.min(zl.len()));
    let mut p = 10;
    let mut prev_len = 0usize;
    let mut last = 10;
    let get = |a: usize, n: usize| zl.get(a..a + n).filter(|_| a + n <= end).ok_or_else(err);
    while p < end {
        // prevlen
        let (plen, ph) = if zl[p] < 254 {
            (zl[p] as usize, 1)
        } else if zl[p] == 254 {
            let b = get(p + 1, 4)?;
            (u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize, 5)
        } else {
            return Err(err());
        };
        if plen != prev_len {
            return Err(err());
        }
        let q = p + ph;
        let e = *get(q, 1)?.first().ok_or_else(err)?;
        let (entry, hl, body) = match e >> 6 {
            0 => {
                let l = (e & 0x3F) as usize;
                (LpEntry::Str(get(q + 1, l)?), 1, l)
            }
            1 => {
                let l = (((e & 0x3F) as usize) << 8) | get(q + 1, 1)?[0] as usize;
                (LpEntry::Str(get(q + 2, l)?), 2, l)
            }
            2 => {
                if e != 0x80 {
                    return Err(err());
                }
                let b = get(q + 1, 4)?;
                let l = u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize;
                (LpEntry::Str(get(q + 5, l)?), 5, l)
            }
            _ => {
                let int = |n: usize| -> Result<&[u8], RdbError> { get(q + 1, n) };
                match e {
                    0xC0 => {
                        let b = int(2)?;
                        (LpEntry::Int(i16::from_le_bytes([b[0], b[1]]) as i64), 1, 2)
                    }
                    0xD0 => {
                        let b = int(4)?;
                        (LpEntry::Int(i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i64), 1, 4)
                    }
                    0xE0 => {
                        let b = int(8)?;
                        let mut a = [0u8; 8];
                        a.copy_from_slice(b);
                        (LpEntry::Int(i64::from_le_bytes(a)), 1, 8)
                    }
                    0xF0 => {
                        let b = int(3)?;
                        (LpEntry::Int((i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8) as i64), 1, 3)
                    }
                    0xFE => (LpEntry::Int(int(1)?[0] as i8 as i64), 1, 1),
                    0xF1..=0xFD => (LpEntry::Int((e & 0x0F) as i64 - 1), 1, 0),
                    _ => return Err(err()),
                }
            }
        };
        let len = ph + hl + body;
        last = p;
        prev_len = len;
        p += len;
        out.push(entry);
    }
    if p != end || (!out.is_empty() && last != tail) || (out.is_empty() && tail != 10) {
        return Err(err());
    }
    if declared != 65535 && declared != out.len() {
        return Err(err());
    }
    Ok(out)
}

/// Validates a zipmap and returns its (field, value) pairs (`zipmapValidateIntegrity`).
pub fn zipmap(zm: &[u8]) -> Result<Vec<(&[u8], &[u8])>, RdbError> {
    let err = || bad("Zipmap");
    if zm.len() < 2 || zm[zm.len() - 1] != 0xFF {
        return Err(err());
    }
    let end = zm.len() - 1;
    let declared = zm[0] as usize;
    let mut p = 1;
    let get = |a: usize, n: usize| zm.get(a..a + n).filter(|_| a + n <= end).ok_or_else(err);
    let len_at = |p: usize| -> Result<(usize, usize), RdbError> {
        let b = get(p, 1)?[0];
        match b {
            0..=253 => Ok((b as usize, 1)),
            254 => {
                let x = get(p + 1, 4)?;
                Ok((u32::from_le_bytes([x[0], x[1], x[2], x[3]]) as usize, 5))
            }
            _ => Err(err()),
        }
    };
    let mut out = Vec::new();
    while p < end {
        let (fl, w) = len_at(p)?;
        let f = get(p + w, fl)?;
        p += w + fl;
        let (vl, w) = len_at(p)?;
        let free = get(p + w, 1)?[0] as usize;
        let v = get(p + w + 1, vl)?;
        get(p + w + 1 + vl, free)?;
        p += w + 1 + vl + free;
        out.push((f, v));
    }
    if p != end || (declared < 254 && declared != out.len()) {
        return Err(err());
    }
    Ok(out)
}

/// Validates an intset blob and returns its members (`intsetValidateIntegrity`, deep:
/// ascending and distinct).
pub fn intset(blob: &[u8]) -> Result<Vec<i64>, RdbError> {
    intset_with_width(blob).map(|(v, _)| v)
}

/// [`intset`] plus the blob's bytes per member.
pub fn intset_with_width(blob: &[u8]) -> Result<(Vec<i64>, u8), RdbError> {
    let err = || bad("Intset");
    if blob.len() < 8 {
        return Err(err());
    }
    let enc = u32::from_le_bytes([blob[0], blob[1], blob[2], blob[3]]) as usize;
    let n = u32::from_le_bytes([blob[4], blob[5], blob[6], blob[7]]) as usize;
    if !matches!(enc, 2 | 4 | 8) || (n as u64) * enc as u64 + 8 != blob.len() as u64 || n == 0 {
        return Err(err());
    }
    let mut out = Vec::with_capacity(n);
    for c in blob[8..].chunks_exact(enc) {
        let v = match enc {
            2 => i16::from_le_bytes([c[0], c[1]]) as i64,
            4 => i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as i64,
            _ => i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]),
        };
        if out.last().is_some_and(|&l| l >= v) {
            return Err(err());
        }
        out.push(v);
    }
    Ok((out, enc as u8))
}

/// The intset blob of ascending distinct `members` with `width` bytes per member (at
/// least the smallest encoding that holds them all).
pub fn intset_blob(members: &[i64], width: u8) -> Vec<u8> {
    let need: usize = if members.iter().all(|&v| (i16::MIN as i64..=i16::MAX as i64).contains(&v)) {
        2
    } else if members.iter().all(|&v| (i32::MIN as i64..=i32::MAX as i64).contains(&v)) {
        4
    } else {
        8
    };
    let enc = need.max(width as usize);
    let mut out = Vec::with_capacity(8 + enc * members.len());
    out.extend_from_slice(&(enc as u32).to_le_bytes());
    out.extend_from_slice(&(members.len() as u32).to_le_bytes());
    for &v in members {
        out.extend_from_slice(&v.to_le_bytes()[..enc]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intset_round_trip() {
        for m in [vec![1i64, 2, 3], vec![-70000, 5], vec![i64::MIN, 0, i64::MAX]] {
            assert_eq!(intset(&intset_blob(&m, 2)).unwrap(), m);
            assert_eq!(intset(&intset_blob(&m, 8)).unwrap(), m);
        }
        assert!(intset(&[2, 0, 0, 0, 2, 0, 0, 0, 5, 0, 1, 0]).is_err());
    }

    #[test]
    fn ziplist_of_small_ints_and_strings() {
        // zlbytes, zltail, zllen=2, entry "a" (prev 0, 6-bit str), entry 5 (imm), end
        let mut zl = vec![0u8; 10];
        zl.extend_from_slice(&[0, 0x01, b'a']);
        zl.extend_from_slice(&[3, 0xF6]);
        zl.push(0xFF);
        let n = zl.len() as u32;
        zl[..4].copy_from_slice(&n.to_le_bytes());
        zl[4..8].copy_from_slice(&13u32.to_le_bytes());
        zl[8..10].copy_from_slice(&2u16.to_le_bytes());
        assert_eq!(ziplist(&zl).unwrap(), vec![LpEntry::Str(b"a"), LpEntry::Int(5)]);
        for i in 0..zl.len() {
            let _ = ziplist(&zl[..i]);
        }
    }
}
