//! XLEN, XRANGE, XREVRANGE, XDEL.

use super::{parse_bound, parse_strict, range_replies, read_slot, stream, stream_ref, write_slot, Ctx};
use crate::cmd::Args;
use crate::error::{CmdError, CmdResult};
use crate::numfmt::parse_i64;
use crate::reply::Reply;

/// `XLEN key`.
pub fn xlen(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    Ok(match read_slot(ctx, args.at(1))? {
        Some(slot) => Reply::Int(stream_ref(ctx, slot).len() as i64),
        None => Reply::Int(0),
    })
}

/// Redis's `xrangeGenericCommand`.
fn xrange_generic(ctx: &mut Ctx, args: &Args, rev: bool) -> CmdResult {
    let argv = args.all();
    let (start_arg, end_arg) = if rev { (argv[3], argv[2]) } else { (argv[2], argv[3]) };
    let start = parse_bound(start_arg, false)?;
    let end = parse_bound(end_arg, true)?;
    let mut count: i64 = -1;
    let mut j = 4;
    while j < argv.len() {
        if super::is_c(argv[j], "COUNT") && j + 1 < argv.len() {
            count = parse_i64(argv[j + 1]).ok_or(CmdError::NotInteger)?.max(0);
            j += 2;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let Some(slot) = read_slot(ctx, argv[1])? else { return Ok(Reply::Array(vec![])) };
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
    let argv = args.all();
    let Some(slot) = write_slot(ctx, argv[1])? else { return Ok(Reply::Int(0)) };
    let ids = argv[2..].iter().map(|a| parse_strict(a)).collect::<Result<Vec<_>, _>>()?;
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
        ctx.key_event(crate::config::notify::STREAM, "xdel", argv[1]);
    }
    Ok(Reply::Int(deleted))
}
