//! The sparse encoding: a run-length list of opcodes after the 16-byte header, as Redis's
//! `hyperloglog.c` writes it.
//!
//! - `ZERO` `00xxxxxx`: 1..=64 zero registers;
//! - `XZERO` `01xxxxxx yyyyyyyy`: 1..=16384 zero registers (14-bit length);
//! - `VAL` `1vvvvvxx`: 1..=4 registers of value 1..=32.
//!
//! Every function tolerates corrupt input: a malformed list is reported, never a panic.

use super::{dense, Corrupt, DENSE, DENSE_SIZE, HDR, HLL_REGISTERS};

/// Largest value a `VAL` opcode holds.
pub const VAL_MAX_VALUE: u8 = 32;
/// Longest run of a `VAL` opcode.
const VAL_MAX_LEN: usize = 4;
/// Longest run of a `ZERO` opcode.
const ZERO_MAX_LEN: usize = 64;
/// Longest run of an `XZERO` opcode.
const XZERO_MAX_LEN: usize = 16384;

/// One decoded opcode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// A run of zero registers (`ZERO` or `XZERO`) and the opcode's size in bytes.
    Zero(usize, usize),
    /// A run of `len` registers of value `v`.
    Val(u8, usize),
}

/// Decodes the opcode at `ops[p]` (an `XZERO` cut short reads its second byte as zero,
/// like the terminator Redis would read).
#[inline]
pub fn op_at(ops: &[u8], p: usize) -> Op {
    let b = ops[p];
    if b & 0x80 != 0 {
        Op::Val(((b >> 2) & 0x1f) + 1, (b & 3) as usize + 1)
    } else if b & 0x40 != 0 {
        let lo = ops.get(p + 1).copied().unwrap_or(0) as usize;
        Op::Zero((((b & 0x3f) as usize) << 8 | lo) + 1, 2)
    } else {
        Op::Zero((b & 0x3f) as usize + 1, 1)
    }
}

/// The size in bytes and the register span of an opcode.
#[inline]
fn size_span(op: Op) -> (usize, usize) {
    match op {
        Op::Zero(n, size) => (size, n),
        Op::Val(_, n) => (1, n),
    }
}

/// A `VAL` opcode byte.
#[inline]
fn val_byte(v: u8, len: usize) -> u8 {
    0x80 | ((v - 1) << 2) | (len as u8 - 1)
}

/// Appends the shortest zero-run opcode for `len` registers (ZERO up to 64, else XZERO).
fn push_zero(seq: &mut Vec<u8>, len: usize) {
    if len > ZERO_MAX_LEN {
        let l = len - 1;
        seq.push((l >> 8) as u8 | 0x40);
        seq.push((l & 0xff) as u8);
    } else {
        seq.push((len - 1) as u8);
    }
}

/// A new empty HLL (`createHLLObject`): the header then one XZERO of 16384 registers.
pub fn empty() -> Vec<u8> {
    let mut v = Vec::with_capacity(HDR + 8);
    v.extend_from_slice(b"HYLL");
    v.extend_from_slice(&[1, 0, 0, 0]);
    v.extend_from_slice(&[0; 8]);
    let mut left = HLL_REGISTERS;
    while left > 0 {
        let n = left.min(XZERO_MAX_LEN);
        push_zero(&mut v, n);
        left -= n;
    }
    v
}

/// Rewrites the sparse HLL `v` as dense (`hllSparseToDense`): header kept (the cached
/// cardinality with it), encoding byte set to dense. A list not covering exactly 16384
/// registers is corrupt and leaves `v` untouched.
pub fn to_dense(v: &mut Vec<u8>) -> Result<(), Corrupt> {
    if v.get(4) == Some(&DENSE) {
        return Ok(());
    }
    let mut out = vec![0u8; DENSE_SIZE];
    out[..HDR].copy_from_slice(&v[..HDR]);
    out[4] = DENSE;
    let mut max = [0u8; HLL_REGISTERS];
    merge_into(&v[HDR..], &mut max)?;
    for (i, &m) in max.iter().enumerate() {
        if m != 0 {
            dense::set(&mut out[HDR..], i, m);
        }
    }
    *v = out;
    Ok(())
}

/// `max[i] = max(max[i], register i)` (`hllMerge`, sparse side); corrupt when the
/// opcodes do not cover exactly 16384 registers.
pub fn merge_into(ops: &[u8], max: &mut [u8; HLL_REGISTERS]) -> Result<(), Corrupt> {
    let (mut p, mut idx) = (0usize, 0usize);
    while p < ops.len() {
        let op = op_at(ops, p);
        match op {
            Op::Zero(n, size) => {
                idx += n;
                p += size;
            }
            Op::Val(val, n) => {
                if idx + n > HLL_REGISTERS {
                    // Redis 7.0.15 as Debian ships it (with the CVE-2025-32023 fix): a VAL
                    // run past the last register is corrupt, even right after it.
                    return Err(Corrupt);
                }
                for m in &mut max[idx..idx + n] {
                    if val > *m {
                        *m = val;
                    }
                }
                idx += n;
                p += 1;
            }
        }
    }
    if idx == HLL_REGISTERS {
        Ok(())
    } else {
        Err(Corrupt)
    }
}

/// Adds the register histogram of `ops` to `histo` (`hllSparseRegHisto`); corrupt when
/// the runs do not add up to 16384 registers.
pub fn histogram(ops: &[u8], histo: &mut [i64; 64]) -> Result<(), Corrupt> {
    let (mut p, mut idx) = (0usize, 0usize);
    while p < ops.len() {
        let op = op_at(ops, p);
        let (size, n) = size_span(op);
        let v = match op {
            Op::Zero(..) => 0,
            Op::Val(v, _) => v as usize,
        };
        histo[v] += n as i64;
        idx += n;
        p += size;
    }
    if idx == HLL_REGISTERS {
        Ok(())
    } else {
        Err(Corrupt)
    }
}

/// `PFDEBUG DECODE`'s text: `z:<len>`, `Z:<len>`, `v:<value>,<len>` separated by spaces.
pub fn decode(ops: &[u8]) -> String {
    let mut parts = Vec::new();
    let mut p = 0;
    while p < ops.len() {
        let op = op_at(ops, p);
        parts.push(match op {
            Op::Zero(n, 1) => format!("z:{n}"),
            Op::Zero(n, _) => format!("Z:{n}"),
            Op::Val(v, n) => format!("v:{v},{n}"),
        });
        p += size_span(op).0;
    }
    parts.join(" ")
}

/// Raises register `index` of the sparse HLL `v` to `count` (`hllSparseSet`): `Ok(true)`
/// when it changed. Promotes `v` to dense when `count` exceeds 32 or the list would grow
/// past `max_bytes`; a corrupt list is an error.
pub fn set(v: &mut Vec<u8>, index: usize, count: u8, max_bytes: u64) -> Result<bool, Corrupt> {
    if count > VAL_MAX_VALUE {
        return promote(v, index, count);
    }
    let end = v.len();
    // Step 1: the opcode covering `index`.
    let (mut p, mut first, mut span) = (HDR, 0usize, 0usize);
    let mut prev: Option<usize> = None;
    while p < end {
        let (size, n) = size_span(op_at(v, p));
        span = n;
        if index < first + span {
            break;
        }
        prev = Some(p);
        p += size;
        first += span;
    }
    if span == 0 || p >= end {
        return Err(Corrupt);
    }
    let op = op_at(v, p);
    // Step 2: the cheap cases.
    match op {
        Op::Val(old, _) if old >= count => return Ok(false),
        Op::Val(_, 1) | Op::Zero(1, 1) => {
            v[p] = val_byte(count, 1);
            merge_adjacent(v, prev.unwrap_or(HDR));
            return Ok(true);
        }
        _ => {}
    }
    // The general case: split the opcode around `index`.
    let last = first + span - 1;
    let mut seq = Vec::with_capacity(5);
    let old_len = match op {
        Op::Zero(_, size) => {
            if index != first {
                push_zero(&mut seq, index - first);
            }
            seq.push(val_byte(count, 1));
            if index != last {
                push_zero(&mut seq, last - index);
            }
            size
        }
        Op::Val(cur, _) => {
            if index != first {
                seq.push(val_byte(cur, index - first));
            }
            seq.push(val_byte(count, 1));
            if index != last {
                seq.push(val_byte(cur, last - index));
            }
            1
        }
    };
    // Step 3: put the new sequence in place, unless the HLL grows too big.
    if seq.len() > old_len && (v.len() + seq.len() - old_len) as u64 > max_bytes {
        return promote(v, index, count);
    }
    // As Redis does it: move what follows (when there is a next opcode), set the new
    // length, then copy the sequence in. An XZERO cut short by the end of the string
    // thus loses its byte (what lands past the end is dropped).
    let next = p + old_len;
    let new_len = end + seq.len() - old_len;
    v.resize(end.max(new_len).max(p + seq.len()), 0);
    if next < end && seq.len() != old_len {
        v.copy_within(next..end, p + seq.len());
    }
    v[p..p + seq.len()].copy_from_slice(&seq);
    v.truncate(new_len);
    merge_adjacent(v, prev.unwrap_or(HDR));
    Ok(true)
}

/// Step 4 of `hllSparseSet`: merges adjacent VAL opcodes of equal value (up to 5 opcodes
/// scanned from `from`), then invalidates the cached cardinality.
fn merge_adjacent(v: &mut Vec<u8>, from: usize) {
    let mut p = from;
    let mut scan = 5;
    while p < v.len() && scan > 0 {
        scan -= 1;
        match op_at(v, p) {
            Op::Zero(_, size) => {
                p += size;
                continue;
            }
            Op::Val(a, la) => {
                if p + 1 < v.len() {
                    if let Op::Val(b, lb) = op_at(v, p + 1) {
                        if a == b && la + lb <= VAL_MAX_LEN {
                            v[p + 1] = val_byte(a, la + lb);
                            v.remove(p);
                            continue;
                        }
                    }
                }
                p += 1;
            }
        }
    }
    super::invalidate_cache(v);
}

/// Promotes `v` to dense and sets the register there.
fn promote(v: &mut Vec<u8>, index: usize, count: u8) -> Result<bool, Corrupt> {
    to_dense(v)?;
    dense::raise(&mut v[HDR..], index, count);
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_is_one_xzero() {
        let v = empty();
        assert_eq!(v.len(), 18);
        assert_eq!(decode(&v[HDR..]), "Z:16384");
    }

    #[test]
    fn set_splits_and_merges() {
        let mut v = empty();
        assert_eq!(set(&mut v, 100, 3, 3000), Ok(true));
        assert_eq!(decode(&v[HDR..]), "Z:100 v:3,1 Z:16283");
        assert_eq!(set(&mut v, 101, 3, 3000), Ok(true));
        assert_eq!(decode(&v[HDR..]), "Z:100 v:3,2 Z:16282");
        assert_eq!(set(&mut v, 101, 2, 3000), Ok(false));
        assert_eq!(set(&mut v, 0, 1, 3000), Ok(true));
        assert_eq!(decode(&v[HDR..]), "v:1,1 Z:99 v:3,2 Z:16282");
    }

    #[test]
    fn big_count_promotes() {
        let mut v = empty();
        assert_eq!(set(&mut v, 5, 40, 3000), Ok(true));
        assert_eq!(v.len(), DENSE_SIZE);
        assert_eq!(dense::get(&v[HDR..], 5), 40);
    }
}
