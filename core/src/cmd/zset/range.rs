//! ZRANGE and its relatives (ZRANGESTORE, ZREVRANGE, Z[REV]RANGEBYSCORE,
//! Z[REV]RANGEBYLEX): Redis's `zrangeGenericCommand` with its result handlers.

use super::{
    delete_key, is_c, limits, parse_lex_range, parse_score_range, read_slot, store, sync_errno, zset, Ctx, Scored,
};
use crate::bytes::SBytes;
use crate::cmd::Args;
use crate::error::{CmdError, CmdResult};
use crate::numfmt::parse_i64;
use crate::reply::Reply;
use crate::types::zset::{sort_elements, LexRange, ScoreRange, ZSet};

/// How the range is given.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Not fixed by the command name (ZRANGE, ZRANGESTORE): BYSCORE/BYLEX may say.
    Auto,
    /// By rank (index).
    Rank,
    /// By score.
    Score,
    /// By member (lexicographic).
    Lex,
}

/// Where the result goes.
enum Sink {
    /// To the client.
    Client(Scored),
    /// Into a sorted set (ZRANGESTORE): members, scores and the longest member.
    Store(Vec<(SBytes, f64)>, usize),
}

impl Sink {
    #[inline]
    fn push(&mut self, member: &[u8], score: f64) {
        match self {
            Sink::Client(s) => s.push(member, score),
            Sink::Store(items, maxlen) => {
                *maxlen = (*maxlen).max(member.len());
                items.push((SBytes::new(member), score));
            }
        }
    }
}

/// `zrangeGenericCommand`, from the source key on. `dst` is the destination of
/// ZRANGESTORE; `kind`/`rev` are fixed by the command name (or `Auto` /
/// `None` when options choose).
fn zrange_generic(
    ctx: &mut Ctx,
    args: &mut Args,
    dst: Option<&[u8]>,
    mut kind: Kind,
    fixed_rev: Option<bool>,
) -> CmdResult {
    let key = args.take();
    let (mut minarg, mut maxarg) = (args.take(), args.take());
    let mut withscores = false;
    let (mut offset, mut limit) = (0i64, -1i64);
    let mut rev = fixed_rev.unwrap_or(false);
    while let Some(opt) = args.next() {
        let left = args.remaining();
        if dst.is_none() && is_c(opt, "withscores") {
            withscores = true;
        } else if is_c(opt, "limit") && left >= 2 {
            offset = args.next_i64()?;
            limit = args.next_i64()?;
        } else if fixed_rev.is_none() && !rev && is_c(opt, "rev") {
            rev = true;
        } else if kind == Kind::Auto && is_c(opt, "bylex") {
            kind = Kind::Lex;
        } else if kind == Kind::Auto && is_c(opt, "byscore") {
            kind = Kind::Score;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    if kind == Kind::Auto {
        kind = Kind::Rank;
    }
    if limit != -1 && kind == Kind::Rank {
        return Err(CmdError::other(
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        ));
    }
    if withscores && kind == Kind::Lex {
        return Err(CmdError::other("ERR syntax error, WITHSCORES not supported in combination with BYLEX"));
    }
    if rev && kind != Kind::Rank {
        std::mem::swap(&mut minarg, &mut maxarg);
    }
    enum Parsed<'a> {
        Rank(i64, i64),
        Score(ScoreRange),
        Lex(LexRange<'a>),
    }
    let parsed = match kind {
        Kind::Score => Parsed::Score(parse_score_range(ctx, minarg, maxarg)?),
        Kind::Lex => Parsed::Lex(parse_lex_range(minarg, maxarg)?),
        _ => {
            Parsed::Rank(parse_i64(minarg).ok_or(CmdError::NotInteger)?, parse_i64(maxarg).ok_or(CmdError::NotInteger)?)
        }
    };

    let mut sink = match dst {
        Some(_) => Sink::Store(Vec::new(), 0),
        None => Sink::Client(Scored::new(ctx, withscores, 16)),
    };
    // Redis reads listpack scores for WITHSCORES and ZRANGESTORE (and always BYSCORE).
    let reads = withscores || dst.is_some();
    if let Some(slot) = read_slot(ctx, key)? {
        let z: &ZSet = zset(ctx, slot);
        match parsed {
            Parsed::Rank(start, end) => by_rank(z, start, end, rev, reads, &mut sink),
            Parsed::Score(r) => by_score(z, &r, offset, limit, rev, &mut sink),
            Parsed::Lex(r) => by_lex(z, &r, offset, limit, rev, reads, &mut sink),
        }
        sync_errno(ctx, slot);
    }
    match (sink, dst) {
        (Sink::Client(s), _) => Ok(s.reply()),
        (Sink::Store(mut items, maxlen), Some(dst)) => {
            let n = items.len();
            if n == 0 {
                delete_key(ctx, dst);
            } else {
                sort_elements(&mut items);
                let value = ZSet::from_sorted(items, maxlen, limits(ctx));
                store(ctx, dst, value, "zrangestore");
            }
            Ok(Reply::Int(n as i64))
        }
        (Sink::Store(..), None) => unreachable!("store sink needs a destination"),
    }
}

/// `genericZrangebyrankCommand`: indexes clamp like Redis's; with `rev` they count from
/// the back.
fn by_rank(z: &ZSet, start: i64, end: i64, rev: bool, reads: bool, sink: &mut Sink) {
    let len = z.len() as i64;
    let mut start = if start < 0 { len + start } else { start };
    let mut end = if end < 0 { len + end } else { end };
    if start < 0 {
        start = 0;
    }
    if start > end || start >= len {
        return;
    }
    if end >= len {
        end = len - 1;
    }
    let n = (end - start + 1) as usize;
    let from = if rev { (len - 1 - start) as usize } else { start as usize };
    for (m, s) in z.iter_from(from, rev).take(n) {
        if reads {
            z.mark(s);
        }
        sink.push(m, s);
    }
}

/// Skips `offset` elements (a negative offset skips everything, as Redis's
/// `while (ln && offset--)` does) and takes up to `limit` (negative: all) while `inside`.
fn emit_run<'a>(
    it: impl Iterator<Item = (&'a [u8], f64)>,
    offset: i64,
    limit: i64,
    inside: impl Fn(&[u8], f64) -> bool,
    sink: &mut Sink,
) {
    if offset < 0 {
        return;
    }
    let take = if limit < 0 { usize::MAX } else { limit as usize };
    for (m, s) in it.skip(offset as usize).take(take) {
        if !inside(m, s) {
            break;
        }
        sink.push(m, s);
    }
}

/// `genericZrangebyscoreCommand` (every element checked has its score read).
fn by_score(z: &ZSet, r: &ScoreRange, offset: i64, limit: i64, rev: bool, sink: &mut Sink) {
    if offset > 0 && offset as u64 >= z.len() as u64 {
        return;
    }
    let read = |s: f64| {
        z.mark(s);
        s
    };
    if rev {
        if let Some(at) = z.last_in_score(r) {
            emit_run(z.iter_from(at, true), offset, limit, |_, s| r.gte_min(read(s)), sink);
        }
    } else if let Some(at) = z.first_in_score(r) {
        emit_run(z.iter_from(at, false), offset, limit, |_, s| r.lte_max(read(s)), sink);
    }
}

/// `genericZrangebylexCommand` (scores are read, before the check, only when they are
/// replied or stored).
fn by_lex(z: &ZSet, r: &LexRange, offset: i64, limit: i64, rev: bool, reads: bool, sink: &mut Sink) {
    if offset > 0 && offset as u64 >= z.len() as u64 {
        return;
    }
    let read = |s: f64| {
        if reads {
            z.mark(s);
        }
    };
    if rev {
        if let Some(at) = z.last_in_lex(r) {
            emit_run(
                z.iter_from(at, true),
                offset,
                limit,
                |m, s| {
                    read(s);
                    r.gte_min(m)
                },
                sink,
            );
        }
    } else if let Some(at) = z.first_in_lex(r) {
        emit_run(
            z.iter_from(at, false),
            offset,
            limit,
            |m, s| {
                read(s);
                r.lte_max(m)
            },
            sink,
        );
    }
}

/// `ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]`.
pub fn zrange(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    zrange_generic(ctx, args, None, Kind::Auto, None)
}

/// `ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]`.
pub fn zrangestore(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let dst = args.take();
    zrange_generic(ctx, args, Some(dst), Kind::Auto, None)
}

/// `ZREVRANGE key start stop [WITHSCORES]`.
pub fn zrevrange(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    zrange_generic(ctx, args, None, Kind::Rank, Some(true))
}

/// `ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]`.
pub fn zrangebyscore(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    zrange_generic(ctx, args, None, Kind::Score, Some(false))
}

/// `ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]`.
pub fn zrevrangebyscore(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    zrange_generic(ctx, args, None, Kind::Score, Some(true))
}

/// `ZRANGEBYLEX key min max [LIMIT offset count]`.
pub fn zrangebylex(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    zrange_generic(ctx, args, None, Kind::Lex, Some(false))
}

/// `ZREVRANGEBYLEX key max min [LIMIT offset count]`.
pub fn zrevrangebylex(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    zrange_generic(ctx, args, None, Kind::Lex, Some(true))
}

#[cfg(test)]
mod tests {
    use crate::testkit::TestEngine;

    fn five() -> TestEngine {
        let mut t = TestEngine::new();
        t.cmd(&["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"]);
        t
    }

    #[test]
    fn rank_ranges() {
        let mut t = five();
        assert_eq!(
            t.resp(&["ZRANGE", "z", "1", "2", "WITHSCORES"]),
            "*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"
        );
        assert_eq!(t.resp(&["ZRANGE", "z", "0", "1", "REV"]), "*2\r\n$1\r\ne\r\n$1\r\nd\r\n");
        assert_eq!(t.resp(&["ZREVRANGE", "z", "-2", "-1"]), "*2\r\n$1\r\nb\r\n$1\r\na\r\n");
        assert_eq!(t.resp(&["ZRANGE", "z", "3", "1"]), "*0\r\n");
        assert_eq!(t.resp(&["ZRANGE", "z", "-100", "0"]), "*1\r\n$1\r\na\r\n");
        assert_eq!(t.resp(&["ZRANGE", "z", "a", "1"]), "-ERR value is not an integer or out of range\r\n");
        t.cmd(&["HELLO", "3"]);
        assert_eq!(t.resp3(&["ZRANGE", "z", "0", "0", "WITHSCORES"]), "*1\r\n*2\r\n$1\r\na\r\n,1\r\n");
    }

    #[test]
    fn option_errors() {
        let mut t = five();
        assert_eq!(
            t.resp(&["ZRANGE", "z", "1", "3", "LIMIT", "0", "1"]),
            "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n"
        );
        assert_eq!(
            t.resp(&["ZRANGE", "z", "0", "-1", "BYLEX", "WITHSCORES"]),
            "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n"
        );
        assert_eq!(t.resp(&["ZRANGE", "z", "0", "-1", "BYSCORE", "LIMIT", "1"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["ZRANGE", "z", "0", "-1", "BYSCORE", "BYLEX"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["ZRANGEBYSCORE", "z", "0", "1", "REV"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["ZRANGE", "z", "0", "1", "REV", "REV"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["ZRANGEBYSCORE", "z", "0", "1", "BYLEX"]), "-ERR syntax error\r\n");
        assert_eq!(
            t.resp(&["ZREVRANGE", "z", "0", "1", "LIMIT", "0", "1"]),
            "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n"
        );
        assert_eq!(t.resp(&["ZRANGE", "z", "x", "1", "BYSCORE"]), "-ERR min or max is not a float\r\n");
        assert_eq!(t.resp(&["ZRANGE", "z", "a", "c", "BYLEX"]), "-ERR min or max not valid string range item\r\n");
        assert_eq!(t.resp(&["ZRANGESTORE", "d", "z", "0", "-1", "WITHSCORES"]), "-ERR syntax error\r\n");
    }

    #[test]
    fn score_and_lex_ranges_with_limits() {
        let mut t = five();
        assert_eq!(t.resp(&["ZRANGE", "z", "(1", "5", "BYSCORE", "LIMIT", "1", "2"]), "*2\r\n$1\r\nc\r\n$1\r\nd\r\n");
        assert_eq!(
            t.resp(&["ZRANGE", "z", "5", "(1", "BYSCORE", "REV", "LIMIT", "1", "-1"]),
            "*3\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n"
        );
        assert_eq!(t.resp(&["ZRANGEBYSCORE", "z", "0", "inf", "LIMIT", "-1", "2"]), "*0\r\n");
        assert_eq!(t.resp(&["ZRANGEBYSCORE", "z", "", "2"]), "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
        assert_eq!(t.resp(&["ZREVRANGEBYLEX", "z", "+", "-", "LIMIT", "1", "2"]), "*2\r\n$1\r\nd\r\n$1\r\nc\r\n");
        assert_eq!(
            t.resp(&["ZRANGE", "z", "+", "-", "BYLEX", "REV"]),
            "*5\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n"
        );
        assert_eq!(t.resp(&["ZRANGE", "z", "-", "+", "BYLEX", "REV"]), "*0\r\n");
        assert_eq!(t.resp(&["ZRANGEBYLEX", "z", "[b", "(d"]), "*2\r\n$1\r\nb\r\n$1\r\nc\r\n");
    }

    #[test]
    fn rangestore_stores_or_deletes() {
        let mut t = five();
        t.cmd(&["SET", "d", "x"]);
        t.cmd(&["EXPIRE", "d", "100"]);
        assert_eq!(t.resp(&["ZRANGESTORE", "d", "z", "1", "2", "REV"]), ":2\r\n");
        assert_eq!(
            t.resp(&["ZRANGE", "d", "0", "-1", "WITHSCORES"]),
            "*4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n"
        );
        assert_eq!(t.resp(&["TTL", "d"]), ":-1\r\n");
        assert_eq!(t.resp(&["OBJECT", "ENCODING", "d"]), "$8\r\nlistpack\r\n");
        assert_eq!(t.resp(&["ZRANGESTORE", "d", "z", "10", "20"]), ":0\r\n");
        assert_eq!(t.resp(&["EXISTS", "d"]), ":0\r\n");
        assert_eq!(t.resp(&["ZRANGESTORE", "d", "nokey", "0", "-1"]), ":0\r\n");
    }
}
