//! ZREM and ZREMRANGEBYRANK / ZREMRANGEBYSCORE / ZREMRANGEBYLEX
//! (Redis's `zremCommand` and `zremrangeGenericCommand`).

use super::{parse_lex_range, parse_score_range, removed_members, write_slot, zset, Ctx};
use crate::cmd::Args;
use crate::error::CmdResult;
use crate::reply::Reply;

/// `ZREM key member [member ...]`: how many members were removed.
pub fn zrem(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let Some(slot) = write_slot(ctx, args.take())? else { return Ok(Reply::Int(0)) };
    let z = zset(ctx, slot);
    let mut removed = 0;
    for m in args.take_rest() {
        if z.remove(m) {
            removed += 1;
            if z.is_empty() {
                break;
            }
        }
    }
    if removed > 0 {
        removed_members(ctx, slot, "zrem", removed as u64);
    }
    Ok(Reply::Int(removed))
}

/// `ZREMRANGEBYRANK key start stop`.
pub fn zremrangebyrank(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let key = args.take();
    let (start, end) = (args.next_i64()?, args.next_i64()?);
    let Some(slot) = write_slot(ctx, key)? else { return Ok(Reply::Int(0)) };
    let z = zset(ctx, slot);
    let len = z.len() as i64;
    let mut start = if start < 0 { len + start } else { start };
    let mut end = if end < 0 { len + end } else { end };
    if start < 0 {
        start = 0;
    }
    if start > end || start >= len {
        return Ok(Reply::Int(0));
    }
    if end >= len {
        end = len - 1;
    }
    let n = z.remove_rank_range(start as usize, end as usize);
    if n > 0 {
        removed_members(ctx, slot, "zremrangebyrank", n as u64);
    }
    Ok(Reply::Int(n as i64))
}

/// `ZREMRANGEBYSCORE key min max`.
pub fn zremrangebyscore(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (key, min, max) = (args.take(), args.take(), args.take());
    let range = parse_score_range(ctx, min, max)?;
    let Some(slot) = write_slot(ctx, key)? else { return Ok(Reply::Int(0)) };
    let n = zset(ctx, slot).remove_score_range(&range);
    if n > 0 {
        removed_members(ctx, slot, "zremrangebyscore", n as u64);
    } else {
        super::sync_errno(ctx, slot);
    }
    Ok(Reply::Int(n as i64))
}

/// `ZREMRANGEBYLEX key min max`.
pub fn zremrangebylex(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (key, min, max) = (args.take(), args.take(), args.take());
    let range = parse_lex_range(min, max)?;
    let Some(slot) = write_slot(ctx, key)? else { return Ok(Reply::Int(0)) };
    let n = zset(ctx, slot).remove_lex_range(&range);
    if n > 0 {
        removed_members(ctx, slot, "zremrangebylex", n as u64);
    } else {
        super::sync_errno(ctx, slot);
    }
    Ok(Reply::Int(n as i64))
}

#[cfg(test)]
mod tests {
    use crate::testkit::TestEngine;

    #[test]
    fn removals_delete_empty_keys() {
        let mut t = TestEngine::new();
        t.cmd(&["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"]);
        assert_eq!(t.resp(&["ZREM", "z", "a", "x", "a"]), ":1\r\n");
        assert_eq!(t.resp(&["ZREMRANGEBYRANK", "z", "0", "0"]), ":1\r\n");
        assert_eq!(t.resp(&["ZREMRANGEBYRANK", "z", "5", "10"]), ":0\r\n");
        assert_eq!(t.resp(&["ZREMRANGEBYRANK", "z", "x", "0"]), "-ERR value is not an integer or out of range\r\n");
        assert_eq!(t.resp(&["ZREMRANGEBYSCORE", "z", "-inf", "(4"]), ":1\r\n");
        assert_eq!(t.resp(&["ZREMRANGEBYSCORE", "z", "x", "1"]), "-ERR min or max is not a float\r\n");
        assert_eq!(t.resp(&["ZREMRANGEBYLEX", "z", "a", "b"]), "-ERR min or max not valid string range item\r\n");
        assert_eq!(t.resp(&["ZREMRANGEBYLEX", "z", "-", "+"]), ":2\r\n");
        assert_eq!(t.resp(&["EXISTS", "z"]), ":0\r\n");
        assert_eq!(t.resp(&["ZREM", "z", "a"]), ":0\r\n");
    }

    #[test]
    fn skiplist_removals() {
        let mut t = TestEngine::new();
        for i in 0..200 {
            t.cmd(&["ZADD", "z", &i.to_string(), &format!("m{:03}", i)]);
        }
        assert_eq!(t.resp(&["OBJECT", "ENCODING", "z"]), "$8\r\nskiplist\r\n");
        assert_eq!(t.resp(&["ZREMRANGEBYSCORE", "z", "(10", "20"]), ":10\r\n");
        assert_eq!(t.resp(&["ZREMRANGEBYLEX", "z", "[m100", "(m150"]), ":50\r\n");
        assert_eq!(t.resp(&["ZREMRANGEBYRANK", "z", "-10", "-1"]), ":10\r\n");
        assert_eq!(t.resp(&["ZCARD", "z"]), ":130\r\n");
        assert_eq!(t.resp(&["ZRANGE", "z", "9", "10"]), "*2\r\n$4\r\nm009\r\n$4\r\nm010\r\n");
        assert_eq!(t.resp(&["OBJECT", "ENCODING", "z"]), "$8\r\nskiplist\r\n");
    }
}
