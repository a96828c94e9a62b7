//! SETBIT and GETBIT.

use super::{bit_offset, int, raw_mut, read_string, string_at, string_for_write};
use crate::cmd::{Args, Ctx};
use crate::config::notify;
use crate::error::{CmdError, CmdResult};
use crate::numfmt::parse_i64;

/// `SETBIT key offset value`: sets or clears one bit, growing the string with zero
/// bytes; the bit's old value. The `setbit` event fires only when something changed.
pub fn setbit(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (key, offset, value) = (args.take(), args.take(), args.take());
    let offset = bit_offset(ctx, offset, None)?;
    let on = match parse_i64(value) {
        Some(v @ (0 | 1)) => v == 1,
        _ => return Err(CmdError::other("ERR bit is not an integer or out of range")),
    };
    let (slot, dirty) = string_for_write(ctx, key, offset)?;
    let raw = raw_mut(ctx, slot);
    let byte = (offset >> 3) as usize;
    let mask = 1u8 << (7 - (offset & 7));
    let old = raw[byte] & mask != 0;
    if dirty || old != on {
        if on {
            raw[byte] |= mask;
        } else {
            raw[byte] &= !mask;
        }
        ctx.key_event(notify::STRING, "setbit", key);
    }
    int(old as i64)
}

/// `GETBIT key offset`: one bit (0 past the end or for a missing key).
pub fn getbit(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (key, offset) = (args.take(), args.take());
    let offset = bit_offset(ctx, offset, None)?;
    let Some(slot) = read_string(ctx, key)? else {
        return int(0);
    };
    let s = string_at(ctx, slot)?;
    let byte = (offset >> 3) as usize;
    let bit = s.get(byte).is_some_and(|b| b & (1 << (7 - (offset & 7))) != 0);
    int(bit as i64)
}
