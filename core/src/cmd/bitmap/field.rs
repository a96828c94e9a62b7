//! BITFIELD and BITFIELD_RO.

use super::{bit_offset, raw_mut, read_string, string_at, string_for_write};
use crate::cmd::{is_c, Args, Ctx};
use crate::config::notify;
use crate::error::{CmdError, CmdResult};
use crate::numfmt::parse_i64;
use crate::reply::Reply;

/// What to do when INCRBY or SET leaves the field's range.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Overflow {
    Wrap,
    Sat,
    Fail,
}

/// One parsed subcommand.
struct FieldOp {
    /// `None` for GET; else the SET value or INCRBY increment.
    write: Option<(bool, i64)>,
    offset: u64,
    bits: u32,
    signed: bool,
    overflow: Overflow,
}

/// `BITFIELD key [GET type offset | SET type offset value | INCRBY type offset incr |
/// OVERFLOW WRAP|SAT|FAIL] ...`: one reply per GET/SET/INCRBY (nil on a FAIL overflow).
pub fn bitfield(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    bitfield_generic(ctx, args, false)
}

/// `BITFIELD_RO key [GET type offset] ...`: the read-only form.
pub fn bitfield_ro(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    bitfield_generic(ctx, args, true)
}

/// `getBitfieldTypeFromArgument`: `i1`..`i64` or `u1`..`u63`.
fn field_type(arg: &[u8]) -> Result<(bool, u32), CmdError> {
    const ERR: &str =
        "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";
    let signed = match arg.first() {
        Some(b'i') => true,
        Some(b'u') => false,
        _ => return Err(CmdError::other(ERR)),
    };
    let digits = &arg[1..];
    let digits = &digits[..digits.iter().position(|&c| c == 0).unwrap_or(digits.len())];
    match parse_i64(digits) {
        Some(n) if n >= 1 && n <= if signed { 64 } else { 63 } => Ok((signed, n as u32)),
        _ => Err(CmdError::other(ERR)),
    }
}

/// Parses the subcommands in Redis's order of checks.
fn parse_ops(ctx: &Ctx, argv: &[&[u8]]) -> Result<Vec<FieldOp>, CmdError> {
    let mut ops = Vec::new();
    let mut overflow = Overflow::Wrap;
    let mut j = 0;
    while j < argv.len() {
        let (sub, rem) = (argv[j], argv.len() - j - 1);
        let write = if is_c(sub, "get") && rem >= 2 {
            false
        } else if (is_c(sub, "set") || is_c(sub, "incrby")) && rem >= 3 {
            true
        } else if is_c(sub, "overflow") && rem >= 1 {
            let kind = argv[j + 1];
            overflow = if is_c(kind, "wrap") {
                Overflow::Wrap
            } else if is_c(kind, "sat") {
                Overflow::Sat
            } else if is_c(kind, "fail") {
                Overflow::Fail
            } else {
                return Err(CmdError::other("ERR Invalid OVERFLOW type specified"));
            };
            j += 2;
            continue;
        } else {
            return Err(CmdError::Syntax);
        };
        let (signed, bits) = field_type(argv[j + 1])?;
        let offset = bit_offset(ctx, argv[j + 2], Some(bits))?;
        let write = if write {
            let v = parse_i64(argv[j + 3]).ok_or(CmdError::NotInteger)?;
            Some((is_c(sub, "incrby"), v))
        } else {
            None
        };
        ops.push(FieldOp { write, offset, bits, signed, overflow });
        j += if write.is_some() { 4 } else { 3 };
    }
    Ok(ops)
}

/// `bitfieldGeneric`.
fn bitfield_generic(ctx: &mut Ctx, args: &mut Args, read_only: bool) -> CmdResult {
    let key = args.take();
    let ops = parse_ops(ctx, args.take_rest())?;
    let highest = ops.iter().filter(|o| o.write.is_some()).map(|o| o.offset + o.bits as u64 - 1).max();
    let Some(highest) = highest else {
        // Only GETs: a read lookup.
        let s = match read_string(ctx, key)? {
            Some(slot) => string_at(ctx, slot)?.into_owned(),
            None => Vec::new(),
        };
        let out = ops.iter().map(|op| Reply::Int(get_value(&s, op))).collect();
        return Ok(Reply::Array(out));
    };
    if read_only {
        return Err(CmdError::other("ERR BITFIELD_RO only supports the GET subcommand"));
    }
    let (slot, dirty) = string_for_write(ctx, key, highest)?;
    let s = raw_mut(ctx, slot);
    let mut changes = 0;
    let mut out = Vec::with_capacity(ops.len());
    for op in &ops {
        let Some((incr, v)) = op.write else {
            out.push(Reply::Int(get_value(s, op)));
            continue;
        };
        let old = get_bits(s, op.offset, op.bits);
        let result = if op.signed { write_signed(old, incr, v, op) } else { write_unsigned(old, incr, v, op) };
        match result {
            Some((reply, new)) => {
                out.push(Reply::Int(reply));
                set_bits(s, op.offset, op.bits, new);
                if dirty || new != old {
                    changes += 1;
                }
            }
            None => out.push(Reply::Nil),
        }
    }
    if changes > 0 {
        ctx.key_event(notify::STRING, "setbit", key);
        // Redis's `server.dirty += changes`: one per SET/INCRBY that wrote.
        ctx.changes(changes as u64);
    }
    Ok(Reply::Array(out))
}

/// GET: the field read from `s` (zero-padded past its end).
fn get_value(s: &[u8], op: &FieldOp) -> i64 {
    let byte = (op.offset >> 3) as usize;
    let mut buf = [0u8; 9];
    if byte < s.len() {
        let n = (s.len() - byte).min(9);
        buf[..n].copy_from_slice(&s[byte..byte + n]);
    }
    let raw = get_bits(&buf, op.offset & 7, op.bits);
    if op.signed {
        sign_extend(raw, op.bits)
    } else {
        raw as i64
    }
}

/// `getUnsignedBitfield`: `bits` bits from bit `offset`, most significant first.
fn get_bits(s: &[u8], offset: u64, bits: u32) -> u64 {
    let mut value = 0u64;
    for i in 0..bits as u64 {
        let o = offset + i;
        let bit = (s[(o >> 3) as usize] >> (7 - (o & 7))) & 1;
        value = (value << 1) | bit as u64;
    }
    value
}

/// `setUnsignedBitfield`: writes the low `bits` bits of `value` at bit `offset`.
fn set_bits(s: &mut [u8], offset: u64, bits: u32, value: u64) {
    for i in 0..bits as u64 {
        let bit = (value >> (bits as u64 - 1 - i)) & 1;
        let o = offset + i;
        let mask = 1u8 << (7 - (o & 7));
        let b = &mut s[(o >> 3) as usize];
        *b = (*b & !mask) | ((bit as u8) << (7 - (o & 7)));
    }
}

/// The two's complement reading of the low `bits` bits of `raw`.
fn sign_extend(raw: u64, bits: u32) -> i64 {
    if bits < 64 && raw & (1 << (bits - 1)) != 0 {
        (raw | (u64::MAX << bits)) as i64
    } else {
        raw as i64
    }
}

/// A signed SET or INCRBY on the field holding `old_raw`: `(reply, new raw bits)`, or
/// `None` on a FAIL overflow.
fn write_signed(old_raw: u64, incr: bool, v: i64, op: &FieldOp) -> Option<(i64, u64)> {
    let old = sign_extend(old_raw, op.bits);
    let (value, by) = if incr { (old, v) } else { (v, 0) };
    let (overflow, limit) = signed_overflow(value, by, op.bits, op.overflow);
    if overflow && op.overflow == Overflow::Fail {
        return None;
    }
    let new = if overflow { limit } else { value.wrapping_add(by) };
    // The stored bits, so that an unchanged field compares equal.
    let stored = new as u64 & !(u64::MAX.checked_shl(op.bits).unwrap_or(0));
    Some((if incr { new } else { old }, stored))
}

/// An unsigned SET or INCRBY, like [`write_signed`].
fn write_unsigned(old: u64, incr: bool, v: i64, op: &FieldOp) -> Option<(i64, u64)> {
    let (value, by) = if incr { (old, v) } else { (v as u64, 0) };
    let (overflow, limit) = unsigned_overflow(value, by, op.bits, op.overflow);
    if overflow && op.overflow == Overflow::Fail {
        return None;
    }
    let new = if overflow { limit } else { value.wrapping_add(by as u64) };
    Some((if incr { new as i64 } else { old as i64 }, new))
}

/// `checkUnsignedBitfieldOverflow`: whether `value + incr` leaves `bits` bits, and the
/// value WRAP or SAT gives instead.
fn unsigned_overflow(value: u64, incr: i64, bits: u32, kind: Overflow) -> (bool, u64) {
    let max = if bits == 64 { u64::MAX } else { (1u64 << bits) - 1 };
    let max_incr = max.wrapping_sub(value) as i64;
    let min_incr = value.wrapping_neg() as i64;
    let wrap = || value.wrapping_add(incr as u64) & !(u64::MAX.checked_shl(bits).unwrap_or(0));
    if value > max || (incr > 0 && incr > max_incr) {
        (true, if kind == Overflow::Sat { max } else { wrap() })
    } else if incr < 0 && incr < min_incr {
        (true, if kind == Overflow::Sat { 0 } else { wrap() })
    } else {
        (false, 0)
    }
}

/// `checkSignedBitfieldOverflow`, like [`unsigned_overflow`].
fn signed_overflow(value: i64, incr: i64, bits: u32, kind: Overflow) -> (bool, i64) {
    let max = if bits == 64 { i64::MAX } else { (1i64 << (bits - 1)) - 1 };
    let min = -max - 1;
    let max_incr = (max as u64).wrapping_sub(value as u64) as i64;
    let min_incr = min.wrapping_sub(value);
    let wrap = || {
        let c = (value as u64).wrapping_add(incr as u64);
        if bits < 64 {
            sign_extend(c & !(u64::MAX << bits), bits)
        } else {
            c as i64
        }
    };
    if value > max || (bits != 64 && incr > max_incr) || (value >= 0 && incr > 0 && incr > max_incr) {
        (true, if kind == Overflow::Sat { max } else { wrap() })
    } else if value < min || (bits != 64 && incr < min_incr) || (value < 0 && incr < 0 && incr < min_incr) {
        (true, if kind == Overflow::Sat { min } else { wrap() })
    } else {
        (false, 0)
    }
}
