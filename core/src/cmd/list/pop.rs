//! LPOP RPOP LMPOP LMOVE RPOPLPUSH LREM LTRIM.

use super::{is_c, list_mut, move_element, parse_end, pop_one, pop_range, write_list, Ctx};
use crate::cmd::Args;
use crate::error::{CmdError, CmdResult};
use crate::numfmt::parse_i64;
use crate::reply::Reply;
use crate::types::list::{End, Needle};

/// Redis's `popGenericCommand`: one element (bulk or nil) or, with a count, an array
/// (nil array for a missing key, empty for count 0). The count is parsed first.
fn pop_generic(ctx: &mut Ctx, args: &mut Args, end: End) -> CmdResult {
    let (key, count) = (args.take(), args.next());
    if args.has_more() {
        return Err(CmdError::Arity(ctx.cmd.name.to_string()));
    }
    let count = match count {
        None => None,
        Some(a) => Some(parse_i64(a).filter(|n| *n >= 0).ok_or(CmdError::MustBePositive)?),
    };
    let Some(slot) = write_list(ctx, key)? else {
        return Ok(if count.is_some() { Reply::NilArray } else { Reply::Nil });
    };
    match count {
        None => Ok(Reply::Bulk(pop_one(ctx, slot, end)?)),
        Some(n) => pop_range(ctx, slot, end, n as usize),
    }
}

/// `LPOP key [count]`.
pub fn lpop(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    pop_generic(ctx, args, End::Head)
}

/// `RPOP key [count]` (with a count, the last element comes first).
pub fn rpop(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    pop_generic(ctx, args, End::Tail)
}

/// The parsed arguments of LMPOP/BLMPOP.
pub(super) struct MpopArgs<'a> {
    /// The keys, in order.
    pub keys: &'a [&'a [u8]],
    /// Which end to pop from.
    pub end: End,
    /// How many elements at most (1 when COUNT is not given).
    pub count: usize,
}

/// Redis's `lmpopGenericCommand` argument parsing, from `numkeys` on.
pub(super) fn parse_mpop<'a>(args: &mut Args<'a>) -> Result<MpopArgs<'a>, CmdError> {
    let numkeys = parse_i64(args.take())
        .filter(|n| *n >= 1)
        .ok_or(CmdError::other("ERR numkeys should be greater than 0"))? as u64;
    // The keys and then the LEFT|RIGHT word must be there.
    if numkeys >= args.remaining() as u64 {
        return Err(CmdError::Syntax);
    }
    let keys = args.take_n(numkeys as usize);
    let end = parse_end(args.take())?;
    let mut count = None;
    while let Some(a) = args.next() {
        if count.is_none() && is_c(a, "count") && args.has_more() {
            let n = parse_i64(args.take()).filter(|n| *n >= 1);
            count = Some(n.ok_or(CmdError::other("ERR count should be greater than 0"))? as usize);
        } else {
            return Err(CmdError::Syntax);
        }
    }
    Ok(MpopArgs { keys, end, count: count.unwrap_or(1) })
}

/// Pops from the first non-empty list among `keys`: `[key, [elements]]`, or `None`
/// when every key is missing. A key of another type before it is `WRONGTYPE`.
pub(super) fn mpop_first(ctx: &mut Ctx, keys: &[&[u8]], end: End, count: usize) -> Result<Option<Reply>, CmdError> {
    for &key in keys {
        if let Some(slot) = write_list(ctx, key)? {
            if ctx.st.propagation.is_enabled() {
                // Replicated as [LR]POP key count, the count capped at the length.
                let len = super::list_mut(ctx, slot)?.len();
                super::name_pop(ctx, end, key, Some(count.min(len)));
            }
            let items = pop_range(ctx, slot, end, count)?;
            return Ok(Some(Reply::Array(vec![Reply::bulk(key), items])));
        }
    }
    Ok(None)
}

/// `LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]`.
pub fn lmpop(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let a = parse_mpop(args)?;
    Ok(mpop_first(ctx, a.keys, a.end, a.count)?.unwrap_or(Reply::NilArray))
}

/// Redis's `lmoveGenericCommand`: nil when the source is missing.
pub(super) fn lmove_generic(ctx: &mut Ctx, src: &[u8], dst: &[u8], from: End, to: End) -> CmdResult {
    let Some(slot) = write_list(ctx, src)? else {
        return Ok(Reply::Nil);
    };
    move_element(ctx, slot, dst, from, to)
}

/// `LMOVE source destination LEFT|RIGHT LEFT|RIGHT`.
pub fn lmove(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (src, dst) = (args.take(), args.take());
    let from = parse_end(args.take())?;
    let to = parse_end(args.take())?;
    lmove_generic(ctx, src, dst, from, to)
}

/// `RPOPLPUSH source destination`.
pub fn rpoplpush(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    lmove_generic(ctx, args.take(), args.take(), End::Tail, End::Head)
}

/// `LREM key count element`: removes up to `count` matches from the head (negative:
/// from the tail; 0: all). The count is parsed before the key is looked up.
pub fn lrem(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let key = args.take();
    let count = args.next_i64()?;
    let element = args.take();
    let Some(slot) = write_list(ctx, key)? else {
        return Ok(Reply::Int(0));
    };
    let limit = usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX);
    let removed = list_mut(ctx, slot)?.remove_matching(&Needle::new(element), limit, count < 0);
    if removed > 0 {
        super::list_changed(ctx, slot, "lrem");
        ctx.changes(removed as u64);
    }
    Ok(Reply::Int(removed as i64))
}

/// `LTRIM key start stop`: keeps `start..=stop` (Redis's index rules); OK also for a
/// missing key.
pub fn ltrim(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let key = args.take();
    let (start, end) = (args.next_i64()?, args.next_i64()?);
    let Some(slot) = write_list(ctx, key)? else {
        return Ok(Reply::ok());
    };
    let l = list_mut(ctx, slot)?;
    let len = l.len() as i64;
    let mut start = if start < 0 { len + start } else { start };
    let mut end = if end < 0 { len + end } else { end };
    if start < 0 {
        start = 0;
    }
    let (ltrim, rtrim) = if start > end || start >= len {
        (0, len)
    } else {
        if end >= len {
            end = len - 1;
        }
        (start, len - end - 1)
    };
    l.trim(ltrim as usize, rtrim as usize);
    super::list_changed(ctx, slot, "ltrim");
    ctx.changes((ltrim + rtrim) as u64);
    if ltrim + rtrim == 0 {
        // Redis signals the key but counts no change: nothing is propagated.
        ctx.prevent_propagation();
    }
    Ok(Reply::ok())
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{r, r3};
    use crate::testkit::TestEngine;

    const WRONGTYPE: &str = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

    #[test]
    fn pop_with_and_without_count() {
        let mut t = TestEngine::new();
        r(&mut t, "RPUSH l a b c");
        assert_eq!(r(&mut t, "LPOP l 0"), "*0\r\n");
        assert_eq!(r(&mut t, "LPOP nx 0"), "*-1\r\n");
        assert_eq!(r(&mut t, "LPOP l abc"), "-ERR value is out of range, must be positive\r\n");
        assert_eq!(r(&mut t, "LPOP l -1"), "-ERR value is out of range, must be positive\r\n");
        assert_eq!(r(&mut t, "LPOP l 1 2"), "-ERR wrong number of arguments for 'lpop' command\r\n");
        assert_eq!(r(&mut t, "RPOP l 1 2"), "-ERR wrong number of arguments for 'rpop' command\r\n");
        assert_eq!(r(&mut t, "LPOP nx"), "$-1\r\n");
        assert_eq!(r(&mut t, "LPOP nx 1"), "*-1\r\n");
        assert_eq!(r(&mut t, "RPOP l 2"), "*2\r\n$1\r\nc\r\n$1\r\nb\r\n");
        assert_eq!(r(&mut t, "LPOP l"), "$1\r\na\r\n");
        assert_eq!(r(&mut t, "EXISTS l"), ":0\r\n");
        r(&mut t, "RPUSH l a b c");
        assert_eq!(r(&mut t, "LPOP l 10"), "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
        assert_eq!(r(&mut t, "EXISTS l"), ":0\r\n");
        t.cmd(&["SET", "s", "x"]);
        assert_eq!(r(&mut t, "LPOP s 0"), WRONGTYPE);
        assert_eq!(r(&mut t, "LPOP s abc"), "-ERR value is out of range, must be positive\r\n");
        r(&mut t, "HELLO 3");
        assert_eq!(r3(&mut t, "LPOP nx"), "_\r\n");
        assert_eq!(r3(&mut t, "LPOP nx 1"), "_\r\n");
        assert_eq!(r3(&mut t, "LPOP nx 0"), "_\r\n");
    }

    #[test]
    fn lmpop_like_redis() {
        let mut t = TestEngine::new();
        r(&mut t, "RPUSH l a b c d");
        assert_eq!(r(&mut t, "LMPOP 0 l left"), "-ERR numkeys should be greater than 0\r\n");
        assert_eq!(r(&mut t, "LMPOP x l left"), "-ERR numkeys should be greater than 0\r\n");
        assert_eq!(r(&mut t, "LMPOP 2 l left"), "-ERR syntax error\r\n");
        assert_eq!(r(&mut t, "LMPOP 9223372036854775807 l left"), "-ERR syntax error\r\n");
        assert_eq!(r(&mut t, "LMPOP 1 l middle"), "-ERR syntax error\r\n");
        assert_eq!(r(&mut t, "LMPOP 1 l left count 0"), "-ERR count should be greater than 0\r\n");
        assert_eq!(r(&mut t, "LMPOP 1 l left count x"), "-ERR count should be greater than 0\r\n");
        assert_eq!(r(&mut t, "LMPOP 1 l left count 2 count 1"), "-ERR syntax error\r\n");
        assert_eq!(r(&mut t, "LMPOP 1 l left COUNT"), "-ERR syntax error\r\n");
        assert_eq!(r(&mut t, "LMPOP 1 l right count 2"), "*2\r\n$1\r\nl\r\n*2\r\n$1\r\nd\r\n$1\r\nc\r\n");
        assert_eq!(r(&mut t, "LMPOP 1 nx left"), "*-1\r\n");
        assert_eq!(r(&mut t, "LMPOP 2 nx l left count 10"), "*2\r\n$1\r\nl\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n");
        assert_eq!(r(&mut t, "EXISTS l"), ":0\r\n");
        t.cmd(&["SET", "s", "x"]);
        assert_eq!(r(&mut t, "LMPOP 2 nx s left"), WRONGTYPE);
        r(&mut t, "RPUSH l2 z");
        assert_eq!(r(&mut t, "LMPOP 2 l2 s left"), "*2\r\n$2\r\nl2\r\n*1\r\n$1\r\nz\r\n");
        r(&mut t, "HELLO 3");
        assert_eq!(r3(&mut t, "LMPOP 1 nx left"), "_\r\n");
    }

    #[test]
    fn lmove_and_rpoplpush() {
        let mut t = TestEngine::new();
        t.cmd(&["SET", "s", "x"]);
        r(&mut t, "RPUSH l a b c");
        assert_eq!(r(&mut t, "LMOVE s d left left"), WRONGTYPE);
        assert_eq!(r(&mut t, "LMOVE nx s left left"), "$-1\r\n");
        assert_eq!(r(&mut t, "LMOVE l s left left"), WRONGTYPE);
        assert_eq!(r(&mut t, "LMOVE nx d up left"), "-ERR syntax error\r\n");
        assert_eq!(r(&mut t, "RPOPLPUSH l s"), WRONGTYPE);
        assert_eq!(r(&mut t, "RPOPLPUSH s l"), WRONGTYPE);
        assert_eq!(r(&mut t, "LMOVE l l left right"), "$1\r\na\r\n");
        assert_eq!(r(&mut t, "LRANGE l 0 -1"), "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\na\r\n");
        assert_eq!(r(&mut t, "RPOPLPUSH l d"), "$1\r\na\r\n");
        assert_eq!(r(&mut t, "LMOVE l d LEFT RIGHT"), "$1\r\nb\r\n");
        assert_eq!(r(&mut t, "LMOVE l d right left"), "$1\r\nc\r\n");
        assert_eq!(r(&mut t, "EXISTS l"), ":0\r\n");
        assert_eq!(r(&mut t, "LRANGE d 0 -1"), "*3\r\n$1\r\nc\r\n$1\r\na\r\n$1\r\nb\r\n");
        r(&mut t, "RPUSH one x");
        assert_eq!(r(&mut t, "RPOPLPUSH one one"), "$1\r\nx\r\n");
        assert_eq!(r(&mut t, "LRANGE one 0 -1"), "*1\r\n$1\r\nx\r\n");
    }

    #[test]
    fn lrem_and_ltrim() {
        let mut t = TestEngine::new();
        t.cmd(&["SET", "s", "x"]);
        assert_eq!(r(&mut t, "LREM s x a"), "-ERR value is not an integer or out of range\r\n");
        assert_eq!(r(&mut t, "LREM nx 0 a"), ":0\r\n");
        assert_eq!(r(&mut t, "LREM s 0 a"), WRONGTYPE);
        assert_eq!(r(&mut t, "LTRIM s x 1"), "-ERR value is not an integer or out of range\r\n");
        assert_eq!(r(&mut t, "LTRIM nx 0 1"), "+OK\r\n");
        assert_eq!(r(&mut t, "LTRIM s 0 1"), WRONGTYPE);
        r(&mut t, "RPUSH l a b a c a d a");
        assert_eq!(r(&mut t, "LREM l -2 a"), ":2\r\n");
        assert_eq!(r(&mut t, "LRANGE l 0 -1"), "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\nc\r\n$1\r\nd\r\n");
        assert_eq!(r(&mut t, "LREM l 1 a"), ":1\r\n");
        assert_eq!(r(&mut t, "LREM l -9223372036854775808 a"), ":1\r\n");
        assert_eq!(r(&mut t, "LTRIM l 1 -1"), "+OK\r\n");
        assert_eq!(r(&mut t, "LRANGE l 0 -1"), "*2\r\n$1\r\nc\r\n$1\r\nd\r\n");
        assert_eq!(r(&mut t, "LTRIM l 5 10"), "+OK\r\n");
        assert_eq!(r(&mut t, "EXISTS l"), ":0\r\n");
        r(&mut t, "RPUSH l a b c");
        assert_eq!(r(&mut t, "LTRIM l -9223372036854775808 9223372036854775807"), "+OK\r\n");
        assert_eq!(r(&mut t, "LLEN l"), ":3\r\n");
        assert_eq!(r(&mut t, "LREM l 0 b"), ":1\r\n");
        assert_eq!(r(&mut t, "LREM l 0 a"), ":1\r\n");
        assert_eq!(r(&mut t, "LREM l 0 c"), ":1\r\n");
        assert_eq!(r(&mut t, "EXISTS l"), ":0\r\n");
    }
}
