//! Bitmap commands (SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD, BITFIELD_RO),
//! following Redis 7.0's `bitops.c`: bitmaps are plain strings, grown with zero bytes,
//! with the same validation order, error texts, events and encodings.

mod count;
mod field;
mod op;
mod pos;
mod setbit;

pub use count::bitcount;
pub use field::{bitfield, bitfield_ro};
pub use op::bitop;
pub use pos::bitpos;
pub use setbit::{getbit, setbit};

use super::Ctx;
use crate::bytes::SBytes;
use crate::error::{CmdError, CmdResult};
use crate::numfmt::parse_i64;
use crate::types::Value;
use std::borrow::Cow;

/// The error of a bad bit offset (`getBitOffsetFromArgument`).
const BAD_OFFSET: &str = "ERR bit offset is not an integer or out of range";

/// Redis's `getBitOffsetFromArgument`: a bit offset, below `proto-max-bulk-len` bytes.
/// With `hash_bits` (BITFIELD), `#N` means `N * hash_bits`.
fn bit_offset(ctx: &Ctx, arg: &[u8], hash_bits: Option<u32>) -> Result<u64, CmdError> {
    let (digits, mul) = match (arg.first(), hash_bits) {
        (Some(b'#'), Some(bits)) => (&arg[1..], bits as i64),
        _ => (arg, 1),
    };
    let n = parse_i64(digits).ok_or(CmdError::other(BAD_OFFSET))?.wrapping_mul(mul);
    if n < 0 || (n >> 3) as u64 >= ctx.st.config.proto_max_bulk_len {
        return Err(CmdError::other(BAD_OFFSET));
    }
    Ok(n as u64)
}

/// The bytes of the string in `slot` (an integer formatted), or `WRONGTYPE`.
fn string_at<'a>(ctx: &'a mut Ctx<'_>, slot: u32) -> Result<Cow<'a, [u8]>, CmdError> {
    ctx.db().keys.entry(slot).value.string_bytes().ok_or(CmdError::WrongType)
}

/// `lookupKeyRead` + `checkType` for a string: its slot, `None` when missing.
fn read_string(ctx: &mut Ctx, key: &[u8]) -> Result<Option<u32>, CmdError> {
    ctx.read_typed(key, Value::is_string)
}

/// Redis's `lookupStringForBitCommand`: the string in `key` made `raw` and grown with
/// zero bytes so that bit `maxbit` exists (created when missing). Returns its slot and
/// whether it was created or grown.
fn string_for_write(ctx: &mut Ctx, key: &[u8], maxbit: u64) -> Result<(u32, bool), CmdError> {
    // The offset was checked against proto-max-bulk-len, so this fits in usize.
    let need = (maxbit >> 3) as usize + 1;
    let Some(slot) = ctx.write_typed(key, Value::is_string)? else {
        let access = ctx.st.new_access();
        let slot = ctx.db().keys.insert_new(SBytes::new(key), Value::Raw(vec![0; need]), access);
        return Ok((slot, true));
    };
    let raw = raw_mut(ctx, slot);
    let grew = raw.len() < need;
    if grew {
        raw.resize(need, 0);
    }
    Ok((slot, grew))
}

/// The string in `slot` as a growable `raw` string (`dbUnshareStringValue`). The value
/// must be a string.
fn raw_mut<'a>(ctx: &'a mut Ctx, slot: u32) -> &'a mut Vec<u8> {
    let value = &mut ctx.db().keys.entry_mut(slot).value;
    if !matches!(value, Value::Raw(_)) {
        let bytes = value.string_bytes().map(|b| b.into_owned()).unwrap_or_default();
        *value = Value::Raw(bytes);
    }
    match value {
        Value::Raw(v) => v,
        _ => unreachable!("value was just made raw"),
    }
}

/// The number of set bits in `bytes`, a word at a time.
pub fn popcount(bytes: &[u8]) -> u64 {
    let mut chunks = bytes.chunks_exact(32);
    let mut n = 0u64;
    for c in &mut chunks {
        let w = |i: usize| u64::from_ne_bytes(c[i..i + 8].try_into().expect("8 bytes"));
        n += (w(0).count_ones() + w(8).count_ones() + w(16).count_ones() + w(24).count_ones()) as u64;
    }
    let mut words = chunks.remainder().chunks_exact(8);
    for c in &mut words {
        n += u64::from_ne_bytes(c.try_into().expect("8 bytes")).count_ones() as u64;
    }
    n + words.remainder().iter().map(|b| b.count_ones() as u64).sum::<u64>()
}

/// Redis's `redisBitpos`: the position of the first bit equal to `bit` in `bytes`. For
/// a 1 that is missing: -1; for a 0 that is missing: the bit just past the end (the
/// string is taken as zero-padded on the right).
pub fn first_bit(bytes: &[u8], bit: bool) -> i64 {
    let skip = if bit { 0u8 } else { 0xff };
    let mut words = bytes.chunks_exact(8);
    let mut pos = 0i64;
    for w in &mut words {
        if w != [skip; 8] {
            break;
        }
        pos += 64;
    }
    let start = pos as usize / 8;
    for (i, &b) in bytes[start..].iter().enumerate() {
        if b != skip {
            let lead = if bit { b.leading_zeros() } else { (!b).leading_zeros() };
            return ((start + i) * 8) as i64 + lead as i64;
        }
    }
    if bit {
        -1
    } else {
        (bytes.len() * 8) as i64
    }
}

/// Parses `BIT|BYTE` (C string compare): `Ok(true)` for BIT.
fn bit_unit(arg: &[u8]) -> Result<bool, CmdError> {
    if super::is_c(arg, "bit") {
        Ok(true)
    } else if super::is_c(arg, "byte") {
        Ok(false)
    } else {
        Err(CmdError::Syntax)
    }
}

/// A handler's result of a plain integer.
fn int(n: i64) -> CmdResult {
    Ok(crate::reply::Reply::Int(n))
}

#[cfg(test)]
mod tests;

/// Redis's range normalisation for BITCOUNT and BITPOS: negative indexes from the end,
/// clamped to the string, in bytes or (`is_bit`) bits. Returns the first and last byte and
/// the masks of the bits outside the range in those bytes (0 for a byte range).
pub(super) fn byte_range(mut start: i64, mut end: i64, len: i64, is_bit: bool) -> (i64, i64, u8, u8) {
    let total = if is_bit { len << 3 } else { len };
    if start < 0 {
        start = start.saturating_add(total);
    }
    if end < 0 {
        end = end.saturating_add(total);
    }
    start = start.max(0);
    end = end.max(0);
    if end >= total {
        end = total - 1;
    }
    if is_bit && start <= end {
        let first_mask = !((1u32 << (8 - (start & 7))) - 1) as u8;
        let last_mask = ((1u32 << (7 - (end & 7))) - 1) as u8;
        (start >> 3, end >> 3, first_mask, last_mask)
    } else {
        (start, end, 0, 0)
    }
}
