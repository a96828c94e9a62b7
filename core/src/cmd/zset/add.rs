//! ZADD and ZINCRBY (Redis's `zaddGenericCommand`).

use super::{limits, parse_double, sync_errno, write_slot, zset, Ctx};
use crate::cmd::Args;
use crate::error::{CmdError, CmdResult};
use crate::reply::Reply;
use crate::types::zset::{AddFlags, Added, ZSet};
use crate::types::Value;

/// `ERR resulting score is not a number (NaN)`.
fn nan_error() -> CmdError {
    CmdError::other("ERR resulting score is not a number (NaN)")
}

/// The body of ZADD and ZINCRBY (`incr` set): options, then score/member pairs. Every
/// score is parsed before the key is touched, so a bad one changes nothing.
fn zadd_generic(ctx: &mut Ctx, args: &mut Args, incr: bool) -> CmdResult {
    let key = args.take();
    let mut flags = AddFlags { incr, ..AddFlags::default() };
    let mut ch = false;
    loop {
        if args.eat_c("nx") {
            flags.nx = true;
        } else if args.eat_c("xx") {
            flags.xx = true;
        } else if args.eat_c("ch") {
            ch = true;
        } else if args.eat_c("incr") {
            flags.incr = true;
        } else if args.eat_c("gt") {
            flags.gt = true;
        } else if args.eat_c("lt") {
            flags.lt = true;
        } else {
            break;
        }
    }
    let pairs = args.take_rest();
    if pairs.is_empty() || !pairs.len().is_multiple_of(2) {
        return Err(CmdError::Syntax);
    }
    if flags.nx && flags.xx {
        return Err(CmdError::other("ERR XX and NX options at the same time are not compatible"));
    }
    if (flags.gt && flags.nx) || (flags.lt && flags.nx) || (flags.gt && flags.lt) {
        return Err(CmdError::other("ERR GT, LT, and/or NX options at the same time are not compatible"));
    }
    if flags.incr && pairs.len() > 2 {
        return Err(CmdError::other("ERR INCR option supports a single increment-element pair"));
    }
    // Scores of the usual one to four pairs stay on the stack.
    let n = pairs.len() / 2;
    let (mut inline, mut heap) = ([0.0f64; 4], Vec::new());
    let scores: &mut [f64] = if n <= inline.len() {
        &mut inline[..n]
    } else {
        heap.resize(n, 0.0);
        &mut heap
    };
    for (pair, score) in pairs.chunks_exact(2).zip(scores.iter_mut()) {
        *score = parse_double(ctx, pair[0]).ok_or(CmdError::NotFloat)?;
    }
    let scores: &[f64] = scores;

    let slot = match write_slot(ctx, key)? {
        Some(slot) => slot,
        None if flags.xx => return Ok(add_reply(flags.incr, ch, 0, 0, None)),
        None => {
            let value = ZSet::new_for(limits(ctx), pairs[1].len());
            let access = ctx.st.new_access();
            ctx.db().keys.insert_new(crate::bytes::SBytes::new(key), Value::ZSet(Box::new(value)), access)
        }
    };
    if !flags.incr && unchanged(ctx, slot, pairs, scores) {
        // Every member is there with that score: nothing changes whatever the flags (a
        // shared borrow, so the entry is not marked for re-measuring).
        sync_errno(ctx, slot);
        ctx.changes(0);
        return Ok(add_reply(false, ch, 0, 0, None));
    }
    let lim = limits(ctx);
    let z = zset(ctx, slot);
    let (mut added, mut updated) = (0i64, 0i64);
    let mut last = None;
    let mut nan = false;
    for (pair, &score) in pairs.chunks_exact(2).zip(scores) {
        match z.add(pair[1], score, flags, lim) {
            Ok(Added::New(s)) => {
                added += 1;
                last = Some(s);
            }
            Ok(Added::Changed(s)) => {
                updated += 1;
                last = Some(s);
            }
            Ok(Added::Same(s)) => last = Some(s),
            Ok(Added::Skipped) => last = None,
            Err(_) => {
                nan = true;
                break;
            }
        }
    }
    sync_errno(ctx, slot);
    if added > 0 || updated > 0 {
        ctx.key_event(crate::config::notify::ZSET, if flags.incr { "zincr" } else { "zadd" }, key);
    }
    // Redis counts nothing when a NaN stops the command.
    ctx.changes(if nan { 0 } else { (added + updated) as u64 });
    if nan {
        return Err(nan_error());
    }
    Ok(add_reply(flags.incr, ch, added, updated, last))
}

/// Whether every `(score, member)` pair is already in the sorted set in `slot` with that
/// very score (`ZSet::score` reads as `zsetScore` does, recording a listpack's `errno`).
fn unchanged(ctx: &mut Ctx, slot: u32, pairs: &[&[u8]], scores: &[f64]) -> bool {
    let Value::ZSet(z) = &ctx.db().keys.entry(slot).value else {
        return false;
    };
    pairs.chunks_exact(2).zip(scores).all(|(pair, &score)| z.score(pair[1]).is_some_and(|cur| cur == score))
}

/// ZADD's reply: the new score (nil when nothing was done) with INCR, else the count
/// of added (with CH: added or changed) members.
fn add_reply(incr: bool, ch: bool, added: i64, updated: i64, last: Option<f64>) -> Reply {
    if incr {
        last.map_or(Reply::Nil, Reply::Double)
    } else {
        Reply::Int(if ch { added + updated } else { added })
    }
}

/// `ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]`.
pub fn zadd(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    zadd_generic(ctx, args, false)
}

/// `ZINCRBY key increment member`: the new score.
pub fn zincrby(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    zadd_generic(ctx, args, true)
}

#[cfg(test)]
mod tests {
    use crate::testkit::TestEngine;

    #[test]
    fn zadd_counts_and_flags() {
        let mut t = TestEngine::new();
        assert_eq!(t.resp(&["ZADD", "z", "1", "a", "2", "b", "3", "c"]), ":3\r\n");
        assert_eq!(t.resp(&["ZADD", "z", "CH", "5", "a", "2", "b", "9", "new"]), ":2\r\n");
        assert_eq!(
            t.resp(&["ZADD", "z", "NX", "XX", "1", "a"]),
            "-ERR XX and NX options at the same time are not compatible\r\n"
        );
        assert_eq!(
            t.resp(&["ZADD", "z", "nx", "gt", "1", "a"]),
            "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n"
        );
        assert_eq!(
            t.resp(&["ZADD", "z", "INCR", "1", "a", "2", "b"]),
            "-ERR INCR option supports a single increment-element pair\r\n"
        );
        assert_eq!(t.resp(&["ZADD", "z", "1", "a", "2"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["ZADD", "z", "1e400", "a"]), "-ERR value is not a valid float\r\n");
        assert_eq!(t.resp(&["ZADD", "z", " 1", "a"]), "-ERR value is not a valid float\r\n");
        assert_eq!(t.resp(&["ZADD", "z", "0x10", "x"]), ":1\r\n");
        assert_eq!(t.resp(&["ZSCORE", "z", "x"]), "$2\r\n16\r\n");
        assert_eq!(t.resp(&["ZADD", "z", "XX", "INCR", "1", "nonexist"]), "$-1\r\n");
        assert_eq!(t.resp(&["ZADD", "nokey", "XX", "1", "a"]), ":0\r\n");
        assert_eq!(t.resp(&["EXISTS", "nokey"]), ":0\r\n");
    }

    #[test]
    fn zincrby_formats_scores_like_redis() {
        let mut t = TestEngine::new();
        assert_eq!(t.resp(&["ZINCRBY", "z", "0.1", "f"]), "$19\r\n0.10000000000000001\r\n");
        assert_eq!(t.resp(&["ZINCRBY", "z", "0.1", "f"]), "$19\r\n0.20000000000000001\r\n");
        assert_eq!(t.resp(&["ZINCRBY", "z", "0.1", "f"]), "$19\r\n0.30000000000000004\r\n");
        assert_eq!(t.resp(&["ZADD", "z", "inf", "i"]), ":1\r\n");
        assert_eq!(t.resp(&["ZINCRBY", "z", "-inf", "i"]), "-ERR resulting score is not a number (NaN)\r\n");
        assert_eq!(t.resp(&["ZADD", "z", "GT", "INCR", "0", "f"]), "$-1\r\n");
        // "nx" is read as an option, leaving an odd number of arguments.
        assert_eq!(t.resp(&["ZINCRBY", "z", "nx", "f"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["ZINCRBY", "z", "1", "nx"]), "$1\r\n1\r\n");
        assert_eq!(t.resp3(&["ZINCRBY", "z", "1", "f"]), ",1.3\r\n");
    }

    #[test]
    fn signed_zero_is_lost_in_listpack_kept_in_skiplist() {
        let mut t = TestEngine::new();
        assert_eq!(t.resp(&["ZINCRBY", "l", "-0", "a"]), "$2\r\n-0\r\n");
        assert_eq!(t.resp(&["ZSCORE", "l", "a"]), "$1\r\n0\r\n");
        t.cmd(&["CONFIG", "SET", "zset-max-listpack-entries", "0"]);
        assert_eq!(t.resp(&["ZADD", "s", "-0", "a"]), ":1\r\n");
        assert_eq!(t.resp(&["ZSCORE", "s", "a"]), "$2\r\n-0\r\n");
        assert_eq!(t.resp(&["ZADD", "s", "0", "a"]), ":0\r\n");
        assert_eq!(t.resp(&["OBJECT", "ENCODING", "s"]), "$8\r\nskiplist\r\n");
    }

    #[test]
    fn type_errors_come_after_syntax_and_scores() {
        let mut t = TestEngine::new();
        t.cmd(&["SET", "s", "v"]);
        assert_eq!(t.resp(&["ZADD", "s", "foo", "a"]), "-ERR value is not a valid float\r\n");
        assert_eq!(
            t.resp(&["ZADD", "s", "XX", "1", "a"]),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
        );
    }
}
