//! Read-only sorted-set commands: ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ZCOUNT ZLEXCOUNT
//! ZRANDMEMBER ZSCAN.

use super::{parse_lex_range, parse_score_range, read_slot, scan_score, sync_errno, zset, Ctx, Scored};
use crate::cmd::{collscan, Args};
use crate::error::{CmdError, CmdResult};
use crate::numfmt::parse_i64;
use crate::reply::Reply;
use crate::types::zset::ZSet;
use crate::util::sample::{distinct_indexes, MAX_RANDOM_PICKS};

/// `ZCARD key`: the number of members (0 when missing).
pub fn zcard(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    Ok(match read_slot(ctx, args.take())? {
        Some(slot) => Reply::Int(zset(ctx, slot).len() as i64),
        None => Reply::Int(0),
    })
}

/// `ZSCORE key member`: the score, or nil.
pub fn zscore(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (key, member) = (args.take(), args.take());
    let Some(slot) = read_slot(ctx, key)? else { return Ok(Reply::Nil) };
    let reply = zset(ctx, slot).score(member).map_or(Reply::Nil, Reply::Double);
    sync_errno(ctx, slot);
    Ok(reply)
}

/// `ZMSCORE key member [member ...]`: one score or nil per member.
pub fn zmscore(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let slot = read_slot(ctx, args.take())?;
    let members = args.take_rest();
    let out = match slot {
        Some(slot) => {
            let z = zset(ctx, slot);
            let out = members.iter().map(|m| z.score(m).map_or(Reply::Nil, Reply::Double)).collect();
            sync_errno(ctx, slot);
            out
        }
        None => vec![Reply::Nil; members.len()],
    };
    Ok(Reply::Array(out))
}

/// ZRANK and ZREVRANK.
fn rank_generic(ctx: &mut Ctx, args: &mut Args, rev: bool) -> CmdResult {
    let (key, member) = (args.take(), args.take());
    let Some(slot) = read_slot(ctx, key)? else { return Ok(Reply::Nil) };
    let z = zset(ctx, slot);
    let len = z.len();
    Ok(match z.rank(member) {
        Some((r, _)) => Reply::Int(if rev { len - 1 - r } else { r } as i64),
        None => Reply::Nil,
    })
}

/// `ZRANK key member`: the 0-based rank by ascending score, or nil.
pub fn zrank(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    rank_generic(ctx, args, false)
}

/// `ZREVRANK key member`: the 0-based rank by descending score, or nil.
pub fn zrevrank(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    rank_generic(ctx, args, true)
}

/// `ZCOUNT key min max`: members with a score in the range.
pub fn zcount(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (key, min, max) = (args.take(), args.take(), args.take());
    let range = parse_score_range(ctx, min, max)?;
    Ok(match read_slot(ctx, key)? {
        Some(slot) => {
            let n = zset(ctx, slot).count_in_score(&range);
            sync_errno(ctx, slot);
            Reply::Int(n as i64)
        }
        None => Reply::Int(0),
    })
}

/// `ZLEXCOUNT key min max`: members in the lexicographic range.
pub fn zlexcount(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (key, min, max) = (args.take(), args.take(), args.take());
    let range = parse_lex_range(min, max)?;
    Ok(match read_slot(ctx, key)? {
        Some(slot) => Reply::Int(zset(ctx, slot).count_in_lex(&range) as i64),
        None => Reply::Int(0),
    })
}

/// `ZRANDMEMBER key [count [WITHSCORES]]`: one random member (nil when missing), or
/// with a count: that many distinct members (positive), or that many picks with
/// repetitions (negative).
pub fn zrandmember(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let key = args.take();
    let Some(count) = args.next() else {
        let Some(slot) = read_slot(ctx, key)? else { return Ok(Reply::Nil) };
        let len = zset(ctx, slot).len() as u64;
        let r = ctx.st.rng.below(len) as usize;
        return Ok(Reply::bulk(zset(ctx, slot).at_rank(r).0));
    };
    let count = parse_i64(count).ok_or(CmdError::NotInteger)?;
    if count == i64::MIN {
        return Err(CmdError::other(
            "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
        ));
    }
    let withscores = args.eat_c("withscores");
    args.finish()?;
    if withscores && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
        return Err(CmdError::other("ERR value is out of range"));
    }
    let Some(slot) = read_slot(ctx, key)? else { return Ok(Reply::Array(Vec::new())) };
    if count == 0 {
        return Ok(Reply::Array(Vec::new()));
    }
    let len = zset(ctx, slot).len();
    let wanted = count.unsigned_abs();
    let mut out = Scored::new(ctx, withscores, wanted.min(len as u64) as usize);
    // Redis reads listpack scores of the picks when replying them, and of every member
    // when it walks the whole set (returning it all, or copying it to pick from).
    let reads_all = count > 0 && wanted != 1 && wanted.saturating_mul(3) > len as u64;
    if count < 0 || wanted == 1 {
        // Picks with repetition, in random order.
        if wanted > MAX_RANDOM_PICKS {
            return Err(CmdError::other("ERR count is too large for a single reply"));
        }
        for _ in 0..wanted {
            let r = ctx.st.rng.below(len as u64) as usize;
            let z = zset(ctx, slot);
            let (m, s) = z.at_rank(r);
            if withscores {
                z.mark(s);
            }
            out.push(m, s);
        }
    } else if wanted >= len as u64 {
        // The whole set, walked from the back like Redis's zset iterator.
        let z = zset(ctx, slot);
        for (m, s) in z.iter_from(len - 1, true) {
            z.mark(s);
            out.push(m, s);
        }
    } else {
        let ranks = distinct_indexes(len, wanted as usize, &mut ctx.st.rng);
        let z = zset(ctx, slot);
        if reads_all {
            z.iter().for_each(|(_, s)| z.mark(s));
        }
        for r in ranks {
            let (m, s) = z.at_rank(r);
            if withscores {
                z.mark(s);
            }
            out.push(m, s);
        }
    }
    sync_errno(ctx, slot);
    Ok(out.reply())
}

/// `ZSCAN key cursor [MATCH pattern] [COUNT count]`: `[cursor, [member, score, ...]]`
/// with scores as strings. A listpack is returned whole (cursor 0); a skiplist is walked
/// by its own cursor.
pub fn zscan(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let key = args.take();
    let cursor = collscan::cursor(ctx, args.take())?;
    let Some(slot) = read_slot(ctx, key)? else { return Ok(collscan::empty()) };
    let opts = collscan::options(args)?;
    let mut items = Vec::new();
    let z = zset(ctx, slot);
    let listpack = matches!(z, ZSet::Listpack(_));
    let next = z.scan(cursor, opts.count, |m, s| {
        if opts.matches(m) {
            items.push(Reply::bulk(m));
            items.push(Reply::Bulk(scan_score(s, listpack)));
        }
    });
    Ok(collscan::reply(next, items))
}

#[cfg(test)]
mod tests {
    use crate::testkit::TestEngine;

    const WRONGTYPE: &str = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

    #[test]
    fn scores_ranks_counts() {
        let mut t = TestEngine::new();
        t.cmd(&["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"]);
        assert_eq!(t.resp(&["ZCARD", "z"]), ":5\r\n");
        assert_eq!(t.resp(&["ZCARD", "nokey"]), ":0\r\n");
        assert_eq!(t.resp(&["ZRANK", "z", "c"]), ":2\r\n");
        assert_eq!(t.resp(&["ZREVRANK", "z", "d"]), ":1\r\n");
        assert_eq!(t.resp(&["ZRANK", "z", "x"]), "$-1\r\n");
        assert_eq!(t.resp3(&["ZRANK", "nokey", "x"]), "_\r\n");
        assert_eq!(t.resp(&["ZMSCORE", "z", "a", "x"]), "*2\r\n$1\r\n1\r\n$-1\r\n");
        assert_eq!(t.resp3(&["ZMSCORE", "nokey", "a"]), "*1\r\n_\r\n");
        assert_eq!(t.resp(&["ZCOUNT", "z", "(1", "(5"]), ":3\r\n");
        assert_eq!(t.resp(&["ZCOUNT", "z", "x", "1"]), "-ERR min or max is not a float\r\n");
        assert_eq!(t.resp(&["ZLEXCOUNT", "z", "[b", "(d"]), ":2\r\n");
        assert_eq!(t.resp(&["ZLEXCOUNT", "z", "a", "b"]), "-ERR min or max not valid string range item\r\n");
        t.cmd(&["SET", "s", "x"]);
        assert_eq!(t.resp(&["ZCOUNT", "s", "x", "1"]), "-ERR min or max is not a float\r\n");
        assert_eq!(t.resp(&["ZCOUNT", "s", "0", "1"]), WRONGTYPE);
        assert_eq!(t.resp(&["ZSCORE", "s", "a"]), WRONGTYPE);
    }

    #[test]
    fn randmember_shapes_and_errors() {
        let mut t = TestEngine::new();
        t.cmd(&["ZADD", "z", "1", "a", "2", "b", "3", "c"]);
        assert_eq!(
            t.resp(&["ZRANDMEMBER", "z", "5", "WITHSCORES"]),
            "*6\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n1\r\n"
        );
        assert!(t.resp(&["ZRANDMEMBER", "z", "-5"]).starts_with("*5\r\n"));
        assert_eq!(t.resp(&["ZRANDMEMBER", "z", "0"]), "*0\r\n");
        assert_eq!(t.resp(&["ZRANDMEMBER", "nokey"]), "$-1\r\n");
        assert_eq!(t.resp(&["ZRANDMEMBER", "nokey", "1"]), "*0\r\n");
        assert_eq!(t.resp(&["ZRANDMEMBER", "z", "1", "foo"]), "-ERR syntax error\r\n");
        assert_eq!(
            t.resp(&["ZRANDMEMBER", "z", "-9223372036854775808"]),
            "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n"
        );
        assert_eq!(
            t.resp(&["ZRANDMEMBER", "z", "-4611686018427387904", "WITHSCORES"]),
            "-ERR value is out of range\r\n"
        );
        assert_eq!(
            t.resp(&["ZRANDMEMBER", "z", "-4611686018427387903", "WITHSCORES"]),
            "-ERR count is too large for a single reply\r\n"
        );
        let r = t.resp(&["ZRANDMEMBER", "z", "2"]);
        assert!(r.starts_with("*2\r\n"));
        let lines: Vec<&str> = r.split("\r\n").collect();
        assert_ne!(lines[2], lines[4], "distinct members");
        t.cmd(&["HELLO", "3"]);
        assert!(t.resp3(&["ZRANDMEMBER", "z", "2", "WITHSCORES"]).starts_with("*2\r\n*2\r\n"));
    }

    #[test]
    fn zscan_listpack_and_errors() {
        let mut t = TestEngine::new();
        t.cmd(&["ZADD", "z", "1", "a", "2.5", "b", "-0", "c", "1e17", "big", "1e19", "huge"]);
        assert_eq!(
            t.resp(&["ZSCAN", "z", "0", "MATCH", "b*"]),
            "*2\r\n$1\r\n0\r\n*4\r\n$1\r\nb\r\n$3\r\n2.5\r\n$3\r\nbig\r\n$18\r\n100000000000000000\r\n"
        );
        assert_eq!(t.resp(&["ZSCAN", "z", "0", "MATCH", "h*"]), "*2\r\n$1\r\n0\r\n*2\r\n$4\r\nhuge\r\n$5\r\n1e+19\r\n");
        assert_eq!(t.resp(&["ZSCAN", "z", "0", "COUNT", "0"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["ZSCAN", "z", "x"]), "-ERR invalid cursor\r\n");
        assert_eq!(t.resp(&["ZSCAN", "nokey", "0", "foo"]), "*2\r\n$1\r\n0\r\n*0\r\n");
    }

    #[test]
    fn zscan_skiplist_visits_everything() {
        let mut t = TestEngine::new();
        for i in 0..300 {
            t.cmd(&["ZADD", "z", &i.to_string(), &format!("m{}", i)]);
        }
        let mut cursor = "0".to_string();
        let mut seen = std::collections::HashSet::new();
        loop {
            let r = t.cmd(&["ZSCAN", "z", &cursor, "COUNT", "7"]);
            let crate::reply::Reply::Array(parts) = r else { panic!() };
            let crate::reply::Reply::Bulk(c) = &parts[0] else { panic!() };
            let crate::reply::Reply::Array(items) = &parts[1] else { panic!() };
            for pair in items.chunks(2) {
                if let crate::reply::Reply::Bulk(m) = &pair[0] {
                    seen.insert(m.clone());
                }
            }
            cursor = String::from_utf8(c.clone()).unwrap();
            if cursor == "0" {
                break;
            }
        }
        assert_eq!(seen.len(), 300);
    }
}
