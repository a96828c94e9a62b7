//! XLEN, XRANGE, XREVRANGE, XDEL.

use super::{parse_bound, parse_strict, range_replies, read_slot, stream, stream_ref, write_slot, Ctx};
use crate::cmd::Args;
use crate::error::{CmdError, CmdResult};
use crate::reply::Reply;

/// `XLEN key`.
pub fn xlen(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    Ok(match read_slot(ctx, args.take())? {
        Some(slot) => Reply::Int(stream_ref(ctx, slot).len() as i64),
        None => Reply::Int(0),
    })
}

/// Redis's `xrangeGenericCommand`.
fn xrange_generic(ctx: &mut Ctx, args: &mut Args, rev: bool) -> CmdResult {
    let (key, first, second) = (args.take(), args.take(), args.take());
    let (start_arg, end_arg) = if rev { (second, first) } else { (first, second) };
    let start = parse_bound(start_arg, false)?;
    let end = parse_bound(end_arg, true)?;
    let mut count: i64 = -1;
    while let Some(opt) = args.next() {
        if super::is_c(opt, "COUNT") && args.has_more() {
            count = args.next_i64()?.max(0);
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let Some(slot) = read_slot(ctx, key)? else { return Ok(Reply::Array(vec![])) };
    if count == 0 {
        return Ok(Reply::NilArray);
    }
    let count = if count < 0 { 0 } else { count as usize };
    let s = stream_ref(ctx, slot);
    Ok(Reply::Array(range_replies(&s.entries, start, end, count, rev)))
}

/// `XRANGE key start end [COUNT count]`.
pub fn xrange(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    xrange_generic(ctx, args, false)
}

/// `XREVRANGE key end start [COUNT count]`.
pub fn xrevrange(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    xrange_generic(ctx, args, true)
}

/// `XDEL key id [id ...]`: entries deleted.
pub fn xdel(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let key = args.take();
    let Some(slot) = write_slot(ctx, key)? else { return Ok(Reply::Int(0)) };
    let ids = args.take_rest().iter().map(|a| parse_strict(a)).collect::<Result<Vec<_>, _>>()?;
    let s = stream(ctx, slot);
    let mut deleted = 0;
    let mut first = false;
    for id in ids {
        if s.delete(id) {
            first |= id == s.first_id;
            deleted += 1;
        }
    }
    if deleted > 0 && (s.is_empty() || first) {
        s.refresh_first_id();
    }
    if deleted > 0 {
        ctx.key_event(crate::config::notify::STREAM, "xdel", key);
    }
    ctx.changes(deleted as u64);
    Ok(Reply::Int(deleted))
}
