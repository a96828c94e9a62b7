//! ZPOPMIN, ZPOPMAX and ZMPOP (Redis's `genericZpopCommand` and `zmpopGenericCommand`).

use super::{is_c, removed_members, write_slot, zset, Ctx};
use crate::cmd::Args;
use crate::error::{CmdError, CmdResult};
use crate::numfmt::parse_i64;
use crate::reply::Reply;

/// How a pop reply is shaped.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    /// `member score ...` in one flat array (ZPOPMIN/MAX in RESP2, or without a count).
    Flat,
    /// `[[member, score], ...]` (ZPOPMIN/MAX with a count in RESP3).
    Nested,
    /// `[key, [[member, score], ...]]` (ZMPOP, BZMPOP).
    WithKey,
    /// `[key, member, score]` (BZPOPMIN, BZPOPMAX).
    KeyFlat,
}

/// Pops up to `count` elements from the sorted set in `slot` (from the back with
/// `max`), deleting the key once empty, and builds the reply.
pub(super) fn pop_from(ctx: &mut Ctx, slot: u32, key: &[u8], max: bool, count: usize, shape: Shape) -> Reply {
    let z = zset(ctx, slot);
    let n = count.min(z.len());
    let flat = matches!(shape, Shape::Flat | Shape::KeyFlat);
    let mut items = Vec::with_capacity(if flat { n * 2 + 1 } else { n });
    if shape == Shape::KeyFlat {
        items.push(Reply::bulk(key));
    }
    for _ in 0..n {
        let Some((m, s)) = z.pop(max) else { break };
        if flat {
            items.push(Reply::bulk(&m));
            items.push(Reply::Double(s));
        } else {
            items.push(Reply::Array(vec![Reply::bulk(&m), Reply::Double(s)]));
        }
    }
    removed_members(ctx, slot, if max { "zpopmax" } else { "zpopmin" }, n as u64);
    match shape {
        Shape::WithKey => Reply::Array(vec![Reply::bulk(key), Reply::Array(items)]),
        _ => Reply::Array(items),
    }
}

/// Names a pop's effect for propagation: `ZPOPMIN`/`ZPOPMAX key [count]`, the count
/// capped at the size of the sorted set in `slot` (what Redis replicates for BZPOPMIN,
/// BZPOPMAX, [B]ZMPOP and their served waits).
pub(super) fn name_zpop(ctx: &mut Ctx, slot: u32, key: &[u8], max: bool, count: Option<usize>) {
    if !ctx.st.propagation.is_enabled() {
        return;
    }
    let name: &[u8] = if max { b"ZPOPMAX" } else { b"ZPOPMIN" };
    match count {
        Some(n) => {
            let n = n.min(zset(ctx, slot).len());
            let mut buf = [0u8; 20];
            ctx.propagate_as(&[name, key, crate::numfmt::format_i64(n as i64, &mut buf)]);
        }
        None => ctx.propagate_as(&[name, key]),
    }
}

/// The first of `keys` holding a sorted set (type-checked in order, stopping at the
/// first existing key of another type).
pub(super) fn first_nonempty(ctx: &mut Ctx, keys: &[&[u8]]) -> Result<Option<(u32, usize)>, CmdError> {
    for (i, key) in keys.iter().enumerate() {
        if let Some(slot) = write_slot(ctx, key)? {
            return Ok(Some((slot, i)));
        }
    }
    Ok(None)
}

/// ZPOPMIN and ZPOPMAX.
fn zpop_generic(ctx: &mut Ctx, args: &mut Args, max: bool) -> CmdResult {
    let (key, count) = (args.take(), args.next());
    args.finish()?;
    let count = match count.map(parse_i64) {
        None => None,
        Some(Some(n)) if n >= 0 => Some(n as u64),
        Some(_) => return Err(CmdError::MustBePositive),
    };
    let Some(slot) = write_slot(ctx, key)? else { return Ok(Reply::Array(Vec::new())) };
    if count == Some(0) {
        return Ok(Reply::Array(Vec::new()));
    }
    let shape = if ctx.client.resp >= 3 && count.is_some() { Shape::Nested } else { Shape::Flat };
    let n = usize::try_from(count.unwrap_or(1)).unwrap_or(usize::MAX);
    Ok(pop_from(ctx, slot, key, max, n, shape))
}

/// `ZPOPMIN key [count]`: removes and returns the lowest-scored members.
pub fn zpopmin(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    zpop_generic(ctx, args, false)
}

/// `ZPOPMAX key [count]`: removes and returns the highest-scored members.
pub fn zpopmax(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    zpop_generic(ctx, args, true)
}

/// The parsed arguments of ZMPOP/BZMPOP after `numkeys`.
pub(super) struct MpopArgs<'a> {
    /// The keys.
    pub keys: &'a [&'a [u8]],
    /// Pop the highest scores.
    pub max: bool,
    /// Elements to pop.
    pub count: usize,
}

/// Redis's `zmpopGenericCommand` argument parsing, from the `numkeys` argument on.
pub(super) fn parse_mpop<'a>(args: &mut Args<'a>) -> Result<MpopArgs<'a>, CmdError> {
    let numkeys = match parse_i64(args.take()) {
        Some(n) if n >= 1 => n as u64,
        _ => return Err(CmdError::other("ERR numkeys should be greater than 0")),
    };
    // The keys and then the MIN|MAX word must be there.
    if numkeys >= args.remaining() as u64 {
        return Err(CmdError::Syntax);
    }
    let keys = args.take_n(numkeys as usize);
    let max = if args.eat_c("min") {
        false
    } else if args.eat_c("max") {
        true
    } else {
        return Err(CmdError::Syntax);
    };
    let mut count: Option<usize> = None;
    while let Some(opt) = args.next() {
        if count.is_none() && is_c(opt, "count") && args.has_more() {
            match parse_i64(args.take()) {
                Some(n) if n >= 1 => count = Some(usize::try_from(n).unwrap_or(usize::MAX)),
                _ => return Err(CmdError::other("ERR count should be greater than 0")),
            }
        } else {
            return Err(CmdError::Syntax);
        }
    }
    Ok(MpopArgs { keys, max, count: count.unwrap_or(1) })
}

/// `ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]`: pops from the first non-empty
/// sorted set; `[key, [[member, score], ...]]`, or a nil array.
pub fn zmpop(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let p = parse_mpop(args)?;
    match first_nonempty(ctx, p.keys)? {
        Some((slot, i)) => {
            // Always replicated as ZPOPMIN/ZPOPMAX with a count.
            name_zpop(ctx, slot, p.keys[i], p.max, Some(p.count));
            Ok(pop_from(ctx, slot, p.keys[i], p.max, p.count, Shape::WithKey))
        }
        None => Ok(Reply::NilArray),
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::TestEngine;

    #[test]
    fn pops_and_shapes() {
        let mut t = TestEngine::new();
        t.cmd(&["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"]);
        assert_eq!(t.resp(&["ZPOPMIN", "z"]), "*2\r\n$1\r\na\r\n$1\r\n1\r\n");
        t.cmd(&["HELLO", "3"]);
        assert_eq!(t.resp3(&["ZPOPMIN", "z"]), "*2\r\n$1\r\nb\r\n,2\r\n");
        assert_eq!(t.resp3(&["ZPOPMAX", "z", "1"]), "*1\r\n*2\r\n$1\r\ne\r\n,5\r\n");
        t.cmd(&["HELLO", "2"]);
        assert_eq!(t.resp(&["ZPOPMAX", "z", "0"]), "*0\r\n");
        assert_eq!(t.resp(&["ZPOPMAX", "z", "-1"]), "-ERR value is out of range, must be positive\r\n");
        assert_eq!(t.resp(&["ZPOPMAX", "z", "1", "2"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["ZPOPMIN", "nokey"]), "*0\r\n");
        assert_eq!(t.resp(&["ZPOPMIN", "z", "10"]), "*4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n");
        assert_eq!(t.resp(&["EXISTS", "z"]), ":0\r\n");
    }

    #[test]
    fn zmpop_parsing_and_replies() {
        let mut t = TestEngine::new();
        t.cmd(&["ZADD", "z", "1", "a", "2", "b", "3", "c"]);
        assert_eq!(t.resp(&["ZMPOP", "0", "z", "MIN"]), "-ERR numkeys should be greater than 0\r\n");
        assert_eq!(t.resp(&["ZMPOP", "1", "z", "MIN", "COUNT", "0"]), "-ERR count should be greater than 0\r\n");
        assert_eq!(t.resp(&["ZMPOP", "1", "z", "MIN", "COUNT", "1", "COUNT", "1"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["ZMPOP", "2", "z", "MIN"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["ZMPOP", "9223372036854775807", "z", "MIN"]), "-ERR syntax error\r\n");
        assert_eq!(
            t.resp(&["ZMPOP", "2", "nokey", "z", "MAX", "COUNT", "2"]),
            "*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n"
        );
        assert_eq!(t.resp(&["ZMPOP", "1", "nokey", "MIN"]), "*-1\r\n");
        t.cmd(&["HELLO", "3"]);
        assert_eq!(t.resp3(&["ZMPOP", "1", "z", "MIN"]), "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n,1\r\n");
        assert_eq!(t.resp(&["EXISTS", "z"]), ":0\r\n");
    }
}
