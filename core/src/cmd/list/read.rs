//! LLEN LRANGE LINDEX LPOS.

use super::{bulk, is_c, list_mut, push_elem, read_list, Ctx};
use crate::cmd::Args;
use crate::error::{CmdError, CmdResult};
use crate::numfmt::parse_i64;
use crate::reply::{BulkArray, Reply};
use crate::types::list::{List, Needle};

/// `LLEN key`: 0 for a missing key.
pub fn llen(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    match read_list(ctx, args.take())? {
        None => Ok(Reply::Int(0)),
        Some(slot) => Ok(Reply::Int(list_mut(ctx, slot)?.len() as i64)),
    }
}

/// Redis's `addListRangeReply`: elements `start..=end` (negative: from the tail),
/// clamped to the list, empty when the range is.
pub(super) fn range_reply(l: &List, start: i64, end: i64) -> Reply {
    let len = l.len() as i64;
    let mut start = if start < 0 { len + start } else { start };
    let mut end = if end < 0 { len + end } else { end };
    if start < 0 {
        start = 0;
    }
    if start > end || start >= len {
        return Reply::Array(Vec::new());
    }
    if end >= len {
        end = len - 1;
    }
    let n = (end - start + 1) as usize;
    let mut out = BulkArray::with_capacity(n * 16);
    for e in l.iter_from(start as usize, true).take(n) {
        push_elem(&mut out, e);
    }
    Reply::BulkArray(out)
}

/// `LRANGE key start stop`: the indexes are parsed before the key is looked up.
pub fn lrange(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let key = args.take();
    let (start, end) = (args.next_i64()?, args.next_i64()?);
    match read_list(ctx, key)? {
        None => Ok(Reply::Array(Vec::new())),
        Some(slot) => Ok(range_reply(list_mut(ctx, slot)?, start, end)),
    }
}

/// `LINDEX key index`: nil when missing or out of range; the key is looked up before the
/// index is parsed.
pub fn lindex(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (key, index) = (args.take(), args.take());
    let Some(slot) = read_list(ctx, key)? else {
        return Ok(Reply::Nil);
    };
    let index = parse_i64(index).ok_or(CmdError::NotInteger)?;
    Ok(list_mut(ctx, slot)?.get(index).map_or(Reply::Nil, bulk))
}

/// LPOS options: RANK (non-zero; negative searches from the tail), COUNT (-1: not
/// given), MAXLEN (0: no limit).
struct LposOptions {
    rank: i64,
    count: i64,
    maxlen: i64,
}

/// Parses LPOS's options in Redis's order and wording (each non-negative option's
/// parse failure also says "can't be negative").
fn lpos_options(args: &mut Args) -> Result<LposOptions, CmdError> {
    let mut o = LposOptions { rank: 1, count: -1, maxlen: 0 };
    let non_negative = |a: &[u8], msg: &'static str| parse_i64(a).filter(|n| *n >= 0).ok_or(CmdError::other(msg));
    while let Some(opt) = args.next() {
        let more = args.has_more();
        if is_c(opt, "rank") && more {
            o.rank = args.next_i64()?;
            if o.rank == 0 {
                return Err(CmdError::other(
                    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... \
                     or use negative to start from the end of the list",
                ));
            }
        } else if is_c(opt, "count") && more {
            o.count = non_negative(args.take(), "ERR COUNT can't be negative")?;
        } else if is_c(opt, "maxlen") && more {
            o.maxlen = non_negative(args.take(), "ERR MAXLEN can't be negative")?;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    Ok(o)
}

/// `LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]`: the index of the
/// rank-th match (nil when none), or with COUNT an array of up to `num-matches` indexes
/// (all for 0). Redis's arithmetic is kept for RANK -9223372036854775808 (it stays
/// negative when negated: every match from the tail counts).
pub fn lpos(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (key, element) = (args.take(), args.take());
    let needle = Needle::new(element);
    let o = lpos_options(args)?;
    let from_tail = o.rank < 0;
    let rank = if from_tail { o.rank.wrapping_neg() } else { o.rank };
    let Some(slot) = read_list(ctx, key)? else {
        return Ok(if o.count != -1 { Reply::Array(Vec::new()) } else { Reply::Nil });
    };
    let l = list_mut(ctx, slot)?;
    let len = l.len() as i64;
    let iter = if from_tail { l.iter_from(l.len() - 1, false) } else { l.iter() };
    let (mut index, mut matches, mut found) = (0i64, 0i64, -1i64);
    let mut out = Vec::new();
    for e in iter {
        if o.maxlen != 0 && index >= o.maxlen {
            break;
        }
        if e.matches(&needle) {
            matches += 1;
            let at = if from_tail { len - index - 1 } else { index };
            if matches >= rank {
                if o.count == -1 {
                    found = at;
                    break;
                }
                out.push(Reply::Int(at));
                if o.count != 0 && matches.wrapping_sub(rank).wrapping_add(1) >= o.count {
                    break;
                }
            }
        }
        index += 1;
    }
    Ok(if o.count != -1 {
        Reply::Array(out)
    } else if found != -1 {
        Reply::Int(found)
    } else {
        Reply::Nil
    })
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{r, r3};
    use crate::testkit::TestEngine;

    const WRONGTYPE: &str = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

    #[test]
    fn llen_lrange_lindex() {
        let mut t = TestEngine::new();
        t.cmd(&["SET", "s", "x"]);
        assert_eq!(r(&mut t, "LLEN s"), WRONGTYPE);
        assert_eq!(r(&mut t, "LLEN nx"), ":0\r\n");
        assert_eq!(r(&mut t, "LRANGE s x 1"), "-ERR value is not an integer or out of range\r\n");
        assert_eq!(r(&mut t, "LRANGE nx x 1"), "-ERR value is not an integer or out of range\r\n");
        assert_eq!(r(&mut t, "LRANGE nx 0 1"), "*0\r\n");
        assert_eq!(r(&mut t, "LRANGE s 0 1"), WRONGTYPE);
        assert_eq!(r(&mut t, "LINDEX nx abc"), "$-1\r\n");
        assert_eq!(r(&mut t, "LINDEX s abc"), WRONGTYPE);
        r(&mut t, "RPUSH l a z b LAST");
        assert_eq!(r(&mut t, "LINDEX l abc"), "-ERR value is not an integer or out of range\r\n");
        assert_eq!(r(&mut t, "LRANGE l -100 100"), "*4\r\n$1\r\na\r\n$1\r\nz\r\n$1\r\nb\r\n$4\r\nLAST\r\n");
        assert_eq!(r(&mut t, "LRANGE l 2 1"), "*0\r\n");
        assert_eq!(r(&mut t, "LRANGE l -1 -2"), "*0\r\n");
        assert_eq!(r(&mut t, "LRANGE l 9223372036854775807 -9223372036854775808"), "*0\r\n");
        assert_eq!(
            r(&mut t, "LRANGE l -9223372036854775808 9223372036854775807"),
            "*4\r\n$1\r\na\r\n$1\r\nz\r\n$1\r\nb\r\n$4\r\nLAST\r\n"
        );
        assert_eq!(r(&mut t, "LRANGE l -2 -1"), "*2\r\n$1\r\nb\r\n$4\r\nLAST\r\n");
        assert_eq!(r(&mut t, "LINDEX l -1"), "$4\r\nLAST\r\n");
        assert_eq!(r(&mut t, "LINDEX l 9223372036854775807"), "$-1\r\n");
        assert_eq!(r(&mut t, "LINDEX l -9223372036854775808"), "$-1\r\n");
        assert_eq!(r(&mut t, "LLEN l"), ":4\r\n");
        r(&mut t, "HELLO 3");
        assert_eq!(r3(&mut t, "LINDEX nx 0"), "_\r\n");
        assert_eq!(r3(&mut t, "LINDEX l 10"), "_\r\n");
    }

    #[test]
    fn lpos_options_and_errors_like_redis() {
        let mut t = TestEngine::new();
        r(&mut t, "RPUSH l a b a c a d a");
        let rank0 = "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list\r\n";
        assert_eq!(r(&mut t, "LPOS l a RANK 0"), rank0);
        assert_eq!(r(&mut t, "LPOS nx a RANK 0"), rank0);
        assert_eq!(r(&mut t, "LPOS l a COUNT -1"), "-ERR COUNT can't be negative\r\n");
        assert_eq!(r(&mut t, "LPOS l a COUNT x"), "-ERR COUNT can't be negative\r\n");
        assert_eq!(r(&mut t, "LPOS l a MAXLEN -1"), "-ERR MAXLEN can't be negative\r\n");
        assert_eq!(r(&mut t, "LPOS l a RANK x"), "-ERR value is not an integer or out of range\r\n");
        assert_eq!(r(&mut t, "LPOS l a rank"), "-ERR syntax error\r\n");
        assert_eq!(r(&mut t, "LPOS l a foo"), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["LPOS", "l", "a", "RANK\0zz", "1"]), ":0\r\n");
        assert_eq!(r(&mut t, "LPOS l a RANK -9223372036854775808"), ":6\r\n");
        assert_eq!(r(&mut t, "LPOS l a RANK -9223372036854775808 COUNT 1"), "*4\r\n:6\r\n:4\r\n:2\r\n:0\r\n");
        assert_eq!(r(&mut t, "LPOS l a RANK -9223372036854775808 COUNT 2 MAXLEN 3"), "*2\r\n:6\r\n:4\r\n");
        assert_eq!(r(&mut t, "LPOS l a RANK 9223372036854775807"), "$-1\r\n");
        assert_eq!(r(&mut t, "LPOS l a RANK -9223372036854775807 COUNT 0"), "*0\r\n");
        assert_eq!(r(&mut t, "LPOS l a COUNT 0 MAXLEN 2"), "*1\r\n:0\r\n");
        assert_eq!(r(&mut t, "LPOS l a RANK 2 COUNT 0"), "*3\r\n:2\r\n:4\r\n:6\r\n");
        assert_eq!(r(&mut t, "LPOS l a RANK -2 COUNT 2"), "*2\r\n:4\r\n:2\r\n");
        assert_eq!(r(&mut t, "LPOS l z COUNT 2"), "*0\r\n");
        assert_eq!(r(&mut t, "LPOS l z"), "$-1\r\n");
        assert_eq!(r(&mut t, "LPOS l a RANK 1 RANK 2"), ":2\r\n");
        assert_eq!(r(&mut t, "LPOS l a COUNT 1 COUNT 0"), "*4\r\n:0\r\n:2\r\n:4\r\n:6\r\n");
        assert_eq!(r(&mut t, "LPOS l d MAXLEN 5"), "$-1\r\n");
        assert_eq!(r(&mut t, "LPOS nx z COUNT 1"), "*0\r\n");
        t.cmd(&["SET", "s", "x"]);
        assert_eq!(r(&mut t, "LPOS s x"), WRONGTYPE);
        r(&mut t, "HELLO 3");
        assert_eq!(r3(&mut t, "LPOS l z"), "_\r\n");
        assert_eq!(r3(&mut t, "LPOS nx z"), "_\r\n");
    }

    #[test]
    fn integer_elements_compare_by_their_text() {
        let mut t = TestEngine::new();
        r(&mut t, "RPUSH l 1 01 -0 10 1");
        assert_eq!(r(&mut t, "LPOS l 1 COUNT 0"), "*2\r\n:0\r\n:4\r\n");
        assert_eq!(r(&mut t, "LPOS l 01"), ":1\r\n");
        assert_eq!(r(&mut t, "LPOS l -0"), ":2\r\n");
        assert_eq!(r(&mut t, "LPOS l 0"), "$-1\r\n");
    }
}
