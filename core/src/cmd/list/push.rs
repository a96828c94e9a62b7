//! LPUSH RPUSH LPUSHX RPUSHX LINSERT LSET.

use super::{create_list, list_mut, write_list, Ctx};
use crate::cmd::Args;
use crate::config::notify;
use crate::error::{CmdError, CmdResult};
use crate::numfmt::parse_i64;
use crate::reply::Reply;
use crate::types::list::{End, Needle};

/// Redis's `pushGenericCommand`: pushes every element at `end`, creating the list unless
/// `existing_only` (the X variants reply 0 for a missing key). Replies the new length.
fn push_generic(ctx: &mut Ctx, args: &mut Args, end: End, existing_only: bool) -> CmdResult {
    let key = args.take();
    let slot = match write_list(ctx, key)? {
        Some(s) => s,
        None if existing_only => return Ok(Reply::Int(0)),
        None => create_list(ctx, key),
    };
    let l = list_mut(ctx, slot)?;
    let values = args.take_rest();
    for v in values {
        l.push(end, v);
    }
    let n = l.len();
    ctx.key_event(notify::LIST, super::push_event(end), key);
    ctx.changes(values.len() as u64);
    Ok(Reply::Int(n as i64))
}

/// `LPUSH key element [element ...]`.
pub fn lpush(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    push_generic(ctx, args, End::Head, false)
}

/// `RPUSH key element [element ...]`.
pub fn rpush(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    push_generic(ctx, args, End::Tail, false)
}

/// `LPUSHX key element [element ...]`: only onto an existing list.
pub fn lpushx(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    push_generic(ctx, args, End::Head, true)
}

/// `RPUSHX key element [element ...]`: only onto an existing list.
pub fn rpushx(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    push_generic(ctx, args, End::Tail, true)
}

/// `LINSERT key BEFORE|AFTER pivot element`: the new length, -1 when the pivot is not
/// found, 0 for a missing key. The position word is checked first.
pub fn linsert(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let key = args.take();
    let after = if args.eat_c("after") {
        true
    } else if args.eat_c("before") {
        false
    } else {
        return Err(CmdError::Syntax);
    };
    let (pivot, element) = (args.take(), args.take());
    let Some(slot) = write_list(ctx, key)? else {
        return Ok(Reply::Int(0));
    };
    let l = list_mut(ctx, slot)?;
    if l.insert_by_pivot(&Needle::new(pivot), element, after) {
        let n = l.len();
        ctx.key_event(notify::LIST, "linsert", key);
        Ok(Reply::Int(n as i64))
    } else {
        Ok(Reply::Int(-1))
    }
}

/// `LSET key index element`: `ERR no such key` for a missing key (checked before the
/// index), `ERR index out of range`.
pub fn lset(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (key, index, element) = (args.take(), args.take(), args.take());
    let Some(slot) = write_list(ctx, key)? else {
        return Err(CmdError::NoSuchKey);
    };
    let index = parse_i64(index).ok_or(CmdError::NotInteger)?;
    if list_mut(ctx, slot)?.set(index, element) {
        ctx.key_event(notify::LIST, "lset", key);
        Ok(Reply::ok())
    } else {
        Err(CmdError::other("ERR index out of range"))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::r;
    use crate::testkit::TestEngine;

    const WRONGTYPE: &str = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

    #[test]
    fn pushes_reply_lengths_and_keep_order() {
        let mut t = TestEngine::new();
        assert_eq!(r(&mut t, "RPUSH l a b c"), ":3\r\n");
        assert_eq!(r(&mut t, "LPUSH l x y"), ":5\r\n");
        assert_eq!(r(&mut t, "LRANGE l 0 -1"), "*5\r\n$1\r\ny\r\n$1\r\nx\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
        assert_eq!(r(&mut t, "LPUSHX nx a"), ":0\r\n");
        assert_eq!(r(&mut t, "EXISTS nx"), ":0\r\n");
        assert_eq!(r(&mut t, "RPUSHX l z"), ":6\r\n");
        assert_eq!(r(&mut t, "TYPE l"), "+list\r\n");
        assert_eq!(r(&mut t, "OBJECT ENCODING l"), "$9\r\nquicklist\r\n");
        t.cmd(&["SET", "s", "x"]);
        for c in ["LPUSH s a", "RPUSH s a", "LPUSHX s a", "RPUSHX s a"] {
            assert_eq!(r(&mut t, c), WRONGTYPE, "{}", c);
        }
    }

    #[test]
    fn linsert_like_redis() {
        let mut t = TestEngine::new();
        t.cmd(&["SET", "s", "x"]);
        assert_eq!(r(&mut t, "LINSERT s middle p e"), "-ERR syntax error\r\n");
        assert_eq!(r(&mut t, "LINSERT nx middle p e"), "-ERR syntax error\r\n");
        assert_eq!(r(&mut t, "LINSERT nx before p e"), ":0\r\n");
        assert_eq!(r(&mut t, "LINSERT s before p e"), WRONGTYPE);
        r(&mut t, "RPUSH l a b c");
        assert_eq!(t.resp(&["LINSERT", "l", "BEFORE\0x", "b", "z"]), ":4\r\n");
        assert_eq!(r(&mut t, "LINSERT l after zz q"), ":-1\r\n");
        assert_eq!(r(&mut t, "LINSERT l AFTER c d"), ":5\r\n");
        assert_eq!(r(&mut t, "LRANGE l 0 -1"), "*5\r\n$1\r\na\r\n$1\r\nz\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n");
    }

    #[test]
    fn lset_like_redis() {
        let mut t = TestEngine::new();
        t.cmd(&["SET", "s", "x"]);
        assert_eq!(r(&mut t, "LSET nx x a"), "-ERR no such key\r\n");
        assert_eq!(r(&mut t, "LSET s x a"), WRONGTYPE);
        r(&mut t, "RPUSH l a b c");
        assert_eq!(r(&mut t, "LSET l x a"), "-ERR value is not an integer or out of range\r\n");
        assert_eq!(r(&mut t, "LSET l 3 a"), "-ERR index out of range\r\n");
        assert_eq!(r(&mut t, "LSET l -4 a"), "-ERR index out of range\r\n");
        assert_eq!(r(&mut t, "LSET l -9223372036854775808 a"), "-ERR index out of range\r\n");
        assert_eq!(r(&mut t, "LSET l -1 LAST"), "+OK\r\n");
        assert_eq!(r(&mut t, "LSET l 0 12"), "+OK\r\n");
        assert_eq!(r(&mut t, "LRANGE l 0 -1"), "*3\r\n$2\r\n12\r\n$1\r\nb\r\n$4\r\nLAST\r\n");
    }
}
