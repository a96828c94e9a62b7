//! BITPOS.

use super::{bit_unit, byte_range, first_bit, int, read_string, string_at};
use crate::cmd::{Args, Ctx};
use crate::error::{CmdError, CmdResult};
use crate::numfmt::parse_i64;

/// `BITPOS key bit [start [end [BYTE|BIT]]]`: the first bit set to `bit` in a range.
/// Without an explicit end, the string counts as followed by zero bits.
pub fn bitpos(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (key, bit) = (args.take(), args.take());
    let bit = match parse_i64(bit).ok_or(CmdError::NotInteger)? {
        0 => false,
        1 => true,
        _ => return Err(CmdError::other("ERR The bit argument must be 1 or 0.")),
    };
    let Some(slot) = read_string(ctx, key)? else {
        return int(if bit { -1 } else { 0 });
    };
    let rest = args.take_rest();
    let s = string_at(ctx, slot)?;
    let len = s.len() as i64;
    let (mut first_mask, mut last_mask) = (0u8, 0u8);
    let mut end_given = false;
    let (start, end) = match rest.len() {
        0 => (0, len - 1),
        1..=3 => {
            let start = parse_i64(rest[0]).ok_or(CmdError::NotInteger)?;
            let is_bit = match rest.get(2) {
                Some(unit) => bit_unit(unit)?,
                None => false,
            };
            let end = match rest.get(1) {
                Some(e) => {
                    end_given = true;
                    parse_i64(e).ok_or(CmdError::NotInteger)?
                }
                None if is_bit => (len << 3) + 7,
                None => len - 1,
            };
            let r = byte_range(start, end, len, is_bit);
            (first_mask, last_mask) = (r.2, r.3);
            (r.0, r.1)
        }
        _ => return Err(CmdError::Syntax),
    };
    if start > end {
        return int(-1);
    }
    let mut start = start as usize;
    let end = end as usize;
    let mut bytes = end - start + 1;
    let pos = scan(&s, &mut start, &mut bytes, end, bit, first_mask, last_mask);
    // With an explicit end, the bits right of the range are not zero padding.
    if end_given && !bit && pos == (bytes as i64) << 3 {
        return int(-1);
    }
    int(if pos != -1 { pos + ((start as i64) << 3) } else { pos })
}

/// The search of `bitposCommand` over bytes `start..=end`, with the edge bytes masked
/// in bit mode. Leaves `start` and `bytes` where the answer is relative to.
fn scan(s: &[u8], start: &mut usize, bytes: &mut usize, end: usize, bit: bool, first: u8, last: u8) -> i64 {
    let masked = |b: u8, mask: u8| if bit { b & !mask } else { b | mask };
    if first != 0 {
        let mut tmp = masked(s[*start], first);
        if last != 0 && *bytes == 1 {
            tmp = masked(tmp, last);
        }
        let pos = first_bit(&[tmp], bit);
        if *bytes == 1 || (pos != -1 && pos != 8) {
            return pos;
        }
        *start += 1;
        *bytes -= 1;
    }
    let cur = *bytes - usize::from(last != 0);
    if cur > 0 {
        let pos = first_bit(&s[*start..*start + cur], bit);
        if *bytes == cur || (pos != -1 && pos != (cur as i64) << 3) {
            return pos;
        }
        *start += cur;
        *bytes -= cur;
    }
    first_bit(&[masked(s[end], last)], bit)
}
