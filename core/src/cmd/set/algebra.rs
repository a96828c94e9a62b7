//! SINTER, SINTERCARD, SUNION, SDIFF and their STORE forms (and SMEMBERS, which Redis
//! 7.0 serves as a one-key SINTER), following `sinterGenericCommand` and
//! `sunionDiffGenericCommand`: every key is looked up and type-checked first, results are
//! built as a new set that starts as an `intset`, and replies list that set's members
//! (so an all-integer result comes out ascending, exactly as in Redis).

use super::{bulk, check_set, delete, limits, store};
use crate::cmd::{is, Args, Ctx};
use crate::error::{CmdError, CmdResult};
use crate::numfmt::parse_i64;
use crate::reply::Reply;
use crate::types::set::{Set, SetLimits};
use crate::types::Value;

/// Looks up every key for reading (hits and misses counted), stopping at the first that
/// is not a set. `None` stands for a missing key.
fn lookup_all(ctx: &mut Ctx, keys: &[&[u8]]) -> Result<Vec<Option<u32>>, CmdError> {
    let mut slots = Vec::with_capacity(keys.len());
    for key in keys {
        let slot = ctx.lookup_read(key);
        if let Some(s) = slot {
            check_set(ctx, s)?;
        }
        slots.push(slot);
    }
    Ok(slots)
}

/// The sets in the given slots of the client's database.
fn sets_in<'a>(ctx: &'a mut Ctx, slots: &[Option<u32>]) -> Vec<Option<&'a Set>> {
    let keys = &ctx.st.dbs[ctx.client.db].keys;
    slots
        .iter()
        .map(|s| {
            s.map(|s| match &keys.entry(s).value {
                Value::Set(set) => &**set,
                _ => unreachable!("slot was checked to hold a set"),
            })
        })
        .collect()
}

/// What an intersection produces.
enum InterOut {
    /// The members, for the reply.
    Reply,
    /// Only how many (SINTERCARD), stopping at `limit` when it is not 0.
    Count(usize),
    /// A new set (SINTERSTORE).
    Store,
}

/// Intersects the sets (all present), walking the smallest (the first of the smallest,
/// as Redis's stable sort leaves it) and testing the others.
fn intersect(sets: &mut [&Set], out: InterOut, lim: &SetLimits) -> (Vec<Reply>, usize, Set) {
    crate::util::sort::sort_by_key(sets, |s| s.len());
    let first = sets[0];
    let mut members = Vec::new();
    let mut count = 0usize;
    let mut dst = Set::new_ints();
    for m in first.iter() {
        let everywhere = sets[1..].iter().all(|s| std::ptr::eq(*s, first) || s.contains_member(m));
        if !everywhere {
            continue;
        }
        count += 1;
        match out {
            InterOut::Reply => members.push(bulk(m)),
            InterOut::Store => {
                dst.add_member(m, lim);
            }
            InterOut::Count(limit) => {
                if limit != 0 && count >= limit {
                    break;
                }
            }
        }
    }
    (members, count, dst)
}

/// `sinterGenericCommand` for the keys, with an optional destination.
fn sinter_generic(ctx: &mut Ctx, keys: &[&[u8]], out: InterOut, dst_key: Option<&[u8]>) -> CmdResult {
    let slots = lookup_all(ctx, keys)?;
    let lim = limits(ctx);
    if slots.iter().any(Option::is_none) {
        return Ok(match out {
            InterOut::Reply => Reply::Set(Vec::new()),
            InterOut::Count(_) => Reply::Int(0),
            InterOut::Store => {
                delete(ctx, dst_key.expect("store has a destination"));
                Reply::Int(0)
            }
        });
    }
    let mut sets: Vec<&Set> = sets_in(ctx, &slots).into_iter().flatten().collect();
    let is_store = matches!(out, InterOut::Store);
    let is_reply = matches!(out, InterOut::Reply);
    let (members, count, dst) = intersect(&mut sets, out, &lim);
    if is_reply {
        return Ok(Reply::Set(members));
    }
    if !is_store {
        return Ok(Reply::Int(count as i64));
    }
    let dst_key = dst_key.expect("store has a destination");
    if dst.is_empty() {
        delete(ctx, dst_key);
        return Ok(Reply::Int(0));
    }
    let n = dst.len() as i64;
    store(ctx, dst_key, dst, "sinterstore");
    Ok(Reply::Int(n))
}

/// `SMEMBERS key`: every member (Redis 7.0 runs SINTER with one key).
pub fn smembers(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    sinter_generic(ctx, args.take_n(1), InterOut::Reply, None)
}

/// `SINTER key [key ...]`: the members present in every set.
pub fn sinter(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    sinter_generic(ctx, args.take_rest(), InterOut::Reply, None)
}

/// `SINTERSTORE destination key [key ...]`: stores the intersection; its size.
pub fn sinterstore(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let dst = args.take();
    sinter_generic(ctx, args.take_rest(), InterOut::Store, Some(dst))
}

/// `SINTERCARD numkeys key [key ...] [LIMIT limit]`: the intersection's size, counting
/// at most `limit` (0: no limit).
pub fn sintercard(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let numkeys = parse_i64(args.take())
        .filter(|&n| n >= 1)
        .ok_or_else(|| CmdError::other("ERR numkeys should be greater than 0"))?;
    if numkeys > args.remaining() as i64 {
        return Err(CmdError::other("ERR Number of keys can't be greater than number of args"));
    }
    let keys = args.take_n(numkeys as usize);
    let mut limit = 0usize;
    while let Some(opt) = args.next() {
        if is(opt, "limit") && args.has_more() {
            let l = parse_i64(args.take())
                .filter(|&n| n >= 0)
                .ok_or_else(|| CmdError::other("ERR LIMIT can't be negative"))?;
            limit = usize::try_from(l).unwrap_or(usize::MAX);
        } else {
            return Err(CmdError::Syntax);
        }
    }
    sinter_generic(ctx, keys, InterOut::Count(limit), None)
}

/// Union or difference.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Union,
    Diff,
}

/// Which STORE event a union/difference publishes.
enum OpEvent {
    Union,
    Diff,
}

/// `sunionDiffGenericCommand`: builds the result set, then replies with it or stores it.
fn sunion_diff(ctx: &mut Ctx, keys: &[&[u8]], op: Op, dst_key: Option<&[u8]>) -> CmdResult {
    let slots = lookup_all(ctx, keys)?;
    let lim = limits(ctx);
    let sets = sets_in(ctx, &slots);
    let mut dst = Set::new_ints();
    let op_event = match op {
        Op::Union => OpEvent::Union,
        Op::Diff => OpEvent::Diff,
    };
    match (op, sets[0]) {
        (Op::Union, _) => {
            for s in sets.iter().flatten() {
                for m in s.iter() {
                    dst.add_member(m, &lim);
                }
            }
        }
        (Op::Diff, None) => {}
        (Op::Diff, Some(first)) => {
            // Redis picks the algorithm by estimated work: 1 walks the first set and
            // probes the others; 2 copies the first set and removes the others' members.
            // They can leave different encodings, so the choice is replicated.
            let present = sets.iter().flatten();
            let one: u64 = present.clone().map(|_| first.len() as u64).sum::<u64>() / 2;
            let two: u64 = present.map(|s| s.len() as u64).sum();
            if one <= two {
                for m in first.iter() {
                    let elsewhere = sets[1..].iter().flatten().any(|s| std::ptr::eq(*s, first) || s.contains_member(m));
                    if !elsewhere {
                        dst.add_member(m, &lim);
                    }
                }
            } else {
                for m in first.iter() {
                    dst.add_member(m, &lim);
                }
                for s in sets[1..].iter().flatten() {
                    if dst.is_empty() {
                        break;
                    }
                    for m in s.iter() {
                        dst.remove(&m.to_vec());
                    }
                }
            }
        }
    }
    let Some(dst_key) = dst_key else {
        return Ok(Reply::Set(dst.iter().map(bulk).collect()));
    };
    if dst.is_empty() {
        delete(ctx, dst_key);
        return Ok(Reply::Int(0));
    }
    let n = dst.len() as i64;
    let event = match op_event {
        OpEvent::Union => "sunionstore",
        OpEvent::Diff => "sdiffstore",
    };
    store(ctx, dst_key, dst, event);
    Ok(Reply::Int(n))
}

/// `SUNION key [key ...]`: members of any set.
pub fn sunion(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    sunion_diff(ctx, args.take_rest(), Op::Union, None)
}

/// `SUNIONSTORE destination key [key ...]`: stores the union; its size.
pub fn sunionstore(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let dst = args.take();
    sunion_diff(ctx, args.take_rest(), Op::Union, Some(dst))
}

/// `SDIFF key [key ...]`: members of the first set in none of the others.
pub fn sdiff(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    sunion_diff(ctx, args.take_rest(), Op::Diff, None)
}

/// `SDIFFSTORE destination key [key ...]`: stores the difference; its size.
pub fn sdiffstore(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let dst = args.take();
    sunion_diff(ctx, args.take_rest(), Op::Diff, Some(dst))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{run, WRONGTYPE};
    use crate::testkit::TestEngine;

    #[test]
    fn inter_union_diff() {
        let mut t = TestEngine::new();
        t.cmd(&["SADD", "a", "1", "2", "3", "4", "5"]);
        t.cmd(&["SADD", "b", "4", "5", "6", "7"]);
        t.cmd(&["SADD", "c", "5", "7", "9"]);
        t.cmd(&["SET", "str", "x"]);
        run(
            &mut t,
            &[
                (&["SINTER", "c", "b", "a"], "*1\r\n$1\r\n5\r\n"),
                (&["SINTER", "a", "nokey"], "*0\r\n"),
                (&["SINTER", "nokey", "str"], WRONGTYPE),
                (
                    &["SUNION", "a", "c"],
                    "*7\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n$1\r\n7\r\n$1\r\n9\r\n",
                ),
                (&["SDIFF", "a", "b", "c"], "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"),
                (&["SDIFF", "a", "a"], "*0\r\n"),
                (&["SINTERCARD", "2", "a", "b"], ":2\r\n"),
                (&["SINTERCARD", "2", "a", "b", "LIMIT", "1"], ":1\r\n"),
                (&["SINTERCARD", "0", "a"], "-ERR numkeys should be greater than 0\r\n"),
                (&["SINTERCARD", "3", "a", "b"], "-ERR Number of keys can't be greater than number of args\r\n"),
                (&["SINTERCARD", "1", "a", "LIMIT", "-1"], "-ERR LIMIT can't be negative\r\n"),
                (&["SINTERCARD", "1", "a", "FOO", "1"], "-ERR syntax error\r\n"),
                (&["SINTERSTORE", "str", "a", "b"], ":2\r\n"),
                (&["SMEMBERS", "str"], "*2\r\n$1\r\n4\r\n$1\r\n5\r\n"),
                (&["SINTERSTORE", "str", "a", "nokey"], ":0\r\n"),
                (&["EXISTS", "str"], ":0\r\n"),
                (&["SUNIONSTORE", "a", "a", "c"], ":7\r\n"),
            ],
        );
    }

    /// SDIFFSTORE's second algorithm copies the first set and removes members, so a copy
    /// that once held a string stays a hashtable (as in Redis).
    #[test]
    fn sdiff_algorithm_decides_the_encoding() {
        let mut t = TestEngine::new();
        t.cmd(&["SADD", "big1", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "a"]);
        t.cmd(&["SADD", "small1", "a"]);
        t.cmd(&["SADD", "small2", "zz"]);
        // Work estimates 11*3/2 > 11+1+1: copy and remove.
        run(
            &mut t,
            &[
                (&["SDIFFSTORE", "r", "big1", "small1", "small2"], ":10\r\n"),
                (&["OBJECT", "ENCODING", "r"], "$9\r\nhashtable\r\n"),
            ],
        );
        // 11*2/2 <= 11+1: walk the first set, adding only the result.
        run(
            &mut t,
            &[
                (&["SDIFFSTORE", "r2", "big1", "small1"], ":10\r\n"),
                (&["OBJECT", "ENCODING", "r2"], "$6\r\nintset\r\n"),
            ],
        );
    }
}
