//! BITCOUNT.

use super::{bit_unit, byte_range, int, popcount, read_string, string_at};
use crate::cmd::{Args, Ctx};
use crate::error::{CmdError, CmdResult};
use crate::numfmt::parse_i64;

/// `BITCOUNT key [start end [BYTE|BIT]]`: the set bits in a byte or bit range
/// (negative indexes count from the end).
pub fn bitcount(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let key = args.take();
    let Some(slot) = read_string(ctx, key)? else {
        return int(0);
    };
    let rest = args.take_rest();
    let s = string_at(ctx, slot)?;
    let len = s.len() as i64;
    let (mut first_mask, mut last_mask) = (0u8, 0u8);
    let (start, end) = match rest.len() {
        0 => (0, len - 1),
        2 | 3 => {
            let start = parse_i64(rest[0]).ok_or(CmdError::NotInteger)?;
            let end = parse_i64(rest[1]).ok_or(CmdError::NotInteger)?;
            if start < 0 && end < 0 && start > end {
                return int(0);
            }
            let is_bit = match rest.get(2) {
                Some(unit) => bit_unit(unit)?,
                None => false,
            };
            let r = byte_range(start, end, len, is_bit);
            (first_mask, last_mask) = (r.2, r.3);
            (r.0, r.1)
        }
        _ => return Err(CmdError::Syntax),
    };
    if start > end {
        return int(0);
    }
    let (start, end) = (start as usize, end as usize);
    let mut count = popcount(&s[start..=end]);
    count -= (s[start] & first_mask).count_ones() as u64;
    count -= (s[end] & last_mask).count_ones() as u64;
    int(count as i64)
}
