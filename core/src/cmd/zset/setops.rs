//! ZUNION ZINTER ZDIFF, their STORE forms and ZINTERCARD: Redis's
//! `zunionInterDiffGenericCommand`, with its input order (inputs sorted by size for
//! union and intersection), weights, aggregation and NaN rules, so sums of floats come
//! out bit for bit as in Redis.
//!
//! Inputs are read through [`Input`]: a missing key, a sorted set, or a set whose members
//! all score 1.

use std::borrow::Cow;

use foldhash::fast::FixedState;

/// A hash map keyed by member bytes (private to one command, so a fixed seed is fine).
type HashMap<K, V> = hashbrown::HashMap<K, V, FixedState>;

use super::{delete_key, is_c, limits, parse_double, store, Ctx, Scored};
use crate::bytes::SBytes;
use crate::cmd::Args;
use crate::db::Keyspace;
use crate::error::{CmdError, CmdResult};
use crate::numfmt::parse_i64;
use crate::reply::Reply;
use crate::types::set::{Member, Set};
use crate::types::zset::{sort_elements, ZSet};
use crate::types::Value;

/// Which operation.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Union,
    Inter,
    Diff,
}

/// How scores of the same member combine.
#[derive(Clone, Copy)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

/// `zunionInterAggregate`: a sum that is NaN (`inf + -inf`) becomes 0.
#[inline]
fn aggregate(target: &mut f64, val: f64, agg: Aggregate) {
    match agg {
        Aggregate::Sum => {
            *target += val;
            if target.is_nan() {
                *target = 0.0;
            }
        }
        Aggregate::Min => {
            if val < *target {
                *target = val;
            }
        }
        Aggregate::Max => {
            if val > *target {
                *target = val;
            }
        }
    }
}

/// One input: the keyspace slot of its value (`None`: missing key) and its weight.
#[derive(Clone, Copy)]
struct Src {
    slot: Option<u32>,
    weight: f64,
}

/// A read-only view of an input value.
enum Input<'a> {
    /// A missing key: empty.
    Empty,
    /// A sorted set.
    ZSet(&'a ZSet),
    /// A set: every member scores 1.
    Set(&'a Set),
}

impl<'a> Input<'a> {
    /// The input in `slot` (already type-checked by [`accepts`]).
    fn of(keys: &'a Keyspace, slot: Option<u32>) -> Input<'a> {
        match slot.map(|s| &keys.entry(s).value) {
            Some(Value::ZSet(z)) => Input::ZSet(z),
            Some(Value::Set(s)) => Input::Set(s),
            _ => Input::Empty,
        }
    }

    /// Number of members.
    fn len(&self) -> usize {
        match self {
            Input::Empty => 0,
            Input::ZSet(z) => z.len(),
            Input::Set(s) => s.len(),
        }
    }

    /// The members with their scores (sets: score 1), in the value's order.
    fn iter(&self) -> Box<dyn Iterator<Item = (Cow<'a, [u8]>, f64)> + 'a> {
        match self {
            Input::Empty => Box::new(std::iter::empty()),
            // Redis's zset iterator starts at the last element and reads every score.
            Input::ZSet(z) => Box::new(z.iter_from(z.len().saturating_sub(1), true).map(|(m, s)| {
                z.mark(s);
                (Cow::Borrowed(m), s)
            })),
            Input::Set(s) => Box::new(s.iter().map(|m| match m {
                Member::Bytes(b) => (Cow::Borrowed(b), 1.0),
                Member::Int(_) => (Cow::Owned(m.to_vec()), 1.0),
            })),
        }
    }

    /// The score of `member` (sets: 1), if present.
    fn find(&self, member: &[u8]) -> Option<f64> {
        match self {
            Input::Empty => None,
            Input::ZSet(z) => z.score(member),
            Input::Set(s) => s.contains(member).then_some(1.0),
        }
    }
}

/// Whether a value can be an input: a sorted set or a set.
fn accepts(v: &Value) -> bool {
    matches!(v, Value::ZSet(_) | Value::Set(_))
}

/// What the command produces.
struct Outcome {
    /// Result elements (not yet sorted) and the longest member length (which decides
    /// the stored encoding, as Redis's `maxelelen`).
    items: Vec<(SBytes, f64)>,
    maxelelen: usize,
    /// ZINTERCARD's count.
    cardinality: usize,
}

/// `zunionInterDiffGenericCommand`, from `numkeys` on. `dst` is the destination of the
/// STORE forms.
fn zsetop(ctx: &mut Ctx, args: &mut Args, op: Op, dst: Option<&[u8]>, cardinality_only: bool) -> CmdResult {
    let setnum = args.next_i64()?;
    if setnum < 1 {
        return Err(CmdError::other(format!("ERR at least 1 input key is needed for '{}' command", ctx.cmd.name)));
    }
    if setnum as u64 > args.remaining() as u64 {
        return Err(CmdError::Syntax);
    }
    let setnum = setnum as usize;
    let mut srcs = Vec::with_capacity(setnum);
    for key in args.take_n(setnum) {
        // Redis 7.0 reads every source with `lookupKeyRead`, STORE variants included.
        let slot = ctx.lookup_read(key);
        if let Some(s) = slot {
            if !accepts(&ctx.db().keys.entry(s).value) {
                return Err(CmdError::WrongType);
            }
        }
        srcs.push(Src { slot, weight: 1.0 });
    }

    let mut agg = Aggregate::Sum;
    let mut withscores = false;
    let mut limit = 0usize;
    while let Some(opt) = args.next() {
        // This option and the arguments after it.
        let remaining = args.remaining() + 1;
        if op != Op::Diff && !cardinality_only && remaining > setnum && is_c(opt, "weights") {
            for src in srcs.iter_mut() {
                src.weight =
                    parse_double(ctx, args.take()).ok_or_else(|| CmdError::other("ERR weight value is not a float"))?;
            }
        } else if op != Op::Diff && !cardinality_only && remaining >= 2 && is_c(opt, "aggregate") {
            let a = args.take();
            agg = if is_c(a, "sum") {
                Aggregate::Sum
            } else if is_c(a, "min") {
                Aggregate::Min
            } else if is_c(a, "max") {
                Aggregate::Max
            } else {
                return Err(CmdError::Syntax);
            };
        } else if dst.is_none() && !cardinality_only && is_c(opt, "withscores") {
            withscores = true;
        } else if cardinality_only && remaining >= 2 && is_c(opt, "limit") {
            match parse_i64(args.take()) {
                Some(n) if n >= 0 => limit = usize::try_from(n).unwrap_or(usize::MAX),
                _ => return Err(CmdError::other("ERR LIMIT can't be negative")),
            }
        } else {
            return Err(CmdError::Syntax);
        }
    }

    let keys = &ctx.st.dbs[ctx.client.db].keys;
    if op != Op::Diff {
        // Redis sorts the inputs by size (glibc's qsort is a stable merge sort here).
        crate::util::sort::sort_by_key(&mut srcs, |s| Input::of(keys, s.slot).len());
    }
    let out = match op {
        Op::Inter => inter(keys, &srcs, agg, cardinality_only, limit),
        Op::Union => union(keys, &srcs, agg),
        Op::Diff => diff(keys, &srcs),
    };
    let erange = srcs.iter().fold(false, |e, s| match Input::of(keys, s.slot) {
        Input::ZSet(z) => z.take_erange() | e,
        _ => e,
    });
    ctx.st.errno_erange |= erange;

    if let Some(dst) = dst {
        let mut items = out.items;
        let n = items.len();
        if n == 0 {
            delete_key(ctx, dst);
        } else {
            sort_elements(&mut items);
            let value = ZSet::from_sorted(items, out.maxelelen, limits(ctx));
            let event = match op {
                Op::Union => "zunionstore",
                Op::Inter => "zinterstore",
                Op::Diff => "zdiffstore",
            };
            store(ctx, dst, value, event);
        }
        return Ok(Reply::Int(n as i64));
    }
    if cardinality_only {
        return Ok(Reply::Int(out.cardinality as i64));
    }
    let mut items = out.items;
    sort_elements(&mut items);
    let mut reply = Scored::new(ctx, withscores, items.len());
    for (m, s) in &items {
        reply.push(m, *s);
    }
    Ok(reply.reply())
}

/// The intersection: members of the smallest input found in every other one.
fn inter(keys: &Keyspace, srcs: &[Src], agg: Aggregate, cardinality_only: bool, limit: usize) -> Outcome {
    let mut out = Outcome { items: Vec::new(), maxelelen: 0, cardinality: 0 };
    let first = Input::of(keys, srcs[0].slot);
    if first.len() == 0 {
        return out;
    }
    let others: Vec<Input> = srcs[1..].iter().map(|s| Input::of(keys, s.slot)).collect();
    'members: for (m, s0) in first.iter() {
        let mut score = srcs[0].weight * s0;
        if score.is_nan() {
            score = 0.0;
        }
        for (src, input) in srcs[1..].iter().zip(&others) {
            let value = if src.slot == srcs[0].slot {
                s0 * src.weight
            } else {
                match input.find(&m) {
                    Some(v) => v * src.weight,
                    None => continue 'members,
                }
            };
            aggregate(&mut score, value, agg);
        }
        if cardinality_only {
            out.cardinality += 1;
            if limit != 0 && out.cardinality >= limit {
                break;
            }
        } else {
            out.maxelelen = out.maxelelen.max(m.len());
            out.items.push((SBytes::new(&m), score));
        }
    }
    out
}

/// The union: every member of every input, scores weighted and aggregated in input
/// order.
fn union(keys: &Keyspace, srcs: &[Src], agg: Aggregate) -> Outcome {
    let mut acc: HashMap<Cow<[u8]>, usize> = HashMap::default();
    let mut items: Vec<(SBytes, f64)> = Vec::new();
    let mut maxelelen = 0;
    for src in srcs {
        let input = Input::of(keys, src.slot);
        for (m, s) in input.iter() {
            let mut score = src.weight * s;
            if score.is_nan() {
                score = 0.0;
            }
            match acc.get(&m) {
                Some(&i) => aggregate(&mut items[i].1, score, agg),
                None => {
                    maxelelen = maxelelen.max(m.len());
                    items.push((SBytes::new(&m), score));
                    acc.insert(m, items.len() - 1);
                }
            }
        }
    }
    Outcome { items, maxelelen, cardinality: 0 }
}

/// The difference: members of the first input in none of the others, with their own
/// scores. Redis picks one of two algorithms by estimated work; the choice only shows in
/// `maxelelen` (algorithm 2 counts members it adds and later removes), so both are
/// reproduced.
fn diff(keys: &Keyspace, srcs: &[Src]) -> Outcome {
    let mut out = Outcome { items: Vec::new(), maxelelen: 0, cardinality: 0 };
    let first = Input::of(keys, srcs[0].slot);
    if first.len() == 0 {
        return out;
    }
    // zsetChooseDiffAlgorithm: the first input repeated means an empty result.
    let (mut one, mut two) = (0u64, 0u64);
    for (j, src) in srcs.iter().enumerate() {
        if j > 0 && src.slot == srcs[0].slot {
            return out;
        }
        one += first.len() as u64;
        two += Input::of(keys, src.slot).len() as u64;
    }
    one /= 2;
    if one <= two {
        // Algorithm 1: test each member of the first input against the others (Redis
        // orders them by decreasing size, which changes nothing visible).
        let others: Vec<Input> = srcs[1..].iter().map(|s| Input::of(keys, s.slot)).collect();
        for (m, s) in first.iter() {
            if others.iter().all(|o| o.find(&m).is_none()) {
                out.maxelelen = out.maxelelen.max(m.len());
                out.items.push((SBytes::new(&m), s));
            }
        }
    } else {
        // Algorithm 2: add the whole first input, then remove the others' members.
        let mut acc: HashMap<Cow<[u8]>, f64> = HashMap::with_capacity_and_hasher(first.len(), FixedState::default());
        for (m, s) in first.iter() {
            out.maxelelen = out.maxelelen.max(m.len());
            acc.insert(m, s);
        }
        for src in &srcs[1..] {
            for (m, _) in Input::of(keys, src.slot).iter() {
                acc.remove(&m);
            }
            if acc.is_empty() {
                break;
            }
        }
        out.items = acc.into_iter().map(|(m, s)| (SBytes::new(&m), s)).collect();
    }
    out
}

/// `ZUNION numkeys key [key ...] [WEIGHTS w ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]`.
pub fn zunion(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    zsetop(ctx, args, Op::Union, None, false)
}

/// `ZINTER numkeys key [key ...] [WEIGHTS w ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]`.
pub fn zinter(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    zsetop(ctx, args, Op::Inter, None, false)
}

/// `ZDIFF numkeys key [key ...] [WITHSCORES]`.
pub fn zdiff(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    zsetop(ctx, args, Op::Diff, None, false)
}

/// `ZUNIONSTORE dst numkeys key [key ...] [WEIGHTS w ...] [AGGREGATE SUM|MIN|MAX]`.
pub fn zunionstore(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let dst = args.take();
    zsetop(ctx, args, Op::Union, Some(dst), false)
}

/// `ZINTERSTORE dst numkeys key [key ...] [WEIGHTS w ...] [AGGREGATE SUM|MIN|MAX]`.
pub fn zinterstore(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let dst = args.take();
    zsetop(ctx, args, Op::Inter, Some(dst), false)
}

/// `ZDIFFSTORE dst numkeys key [key ...]`.
pub fn zdiffstore(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let dst = args.take();
    zsetop(ctx, args, Op::Diff, Some(dst), false)
}

/// `ZINTERCARD numkeys key [key ...] [LIMIT limit]`: the intersection's size.
pub fn zintercard(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    zsetop(ctx, args, Op::Inter, None, true)
}

#[cfg(test)]
mod tests {
    use crate::testkit::TestEngine;

    fn two() -> TestEngine {
        let mut t = TestEngine::new();
        t.cmd(&["ZADD", "z1", "1", "a", "2", "b", "3", "c"]);
        t.cmd(&["ZADD", "z2", "10", "b", "20", "c", "30", "d"]);
        t
    }

    #[test]
    fn union_inter_diff_with_weights_and_aggregates() {
        let mut t = two();
        assert_eq!(
            t.resp(&["ZUNION", "2", "z1", "z2", "WEIGHTS", "2", "0.5", "WITHSCORES"]),
            "*8\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n$1\r\n9\r\n$1\r\nd\r\n$2\r\n15\r\n$1\r\nc\r\n$2\r\n16\r\n"
        );
        assert_eq!(
            t.resp(&["ZUNION", "2", "z1", "z2", "AGGREGATE", "MAX", "WITHSCORES"]),
            "*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$2\r\n10\r\n$1\r\nc\r\n$2\r\n20\r\n$1\r\nd\r\n$2\r\n30\r\n"
        );
        assert_eq!(
            t.resp(&["ZINTER", "2", "z1", "z2", "WITHSCORES"]),
            "*4\r\n$1\r\nb\r\n$2\r\n12\r\n$1\r\nc\r\n$2\r\n23\r\n"
        );
        assert_eq!(
            t.resp(&["ZINTER", "2", "z1", "z2", "WEIGHTS", "inf", "-inf", "WITHSCORES"]),
            "*4\r\n$1\r\nb\r\n$1\r\n0\r\n$1\r\nc\r\n$1\r\n0\r\n"
        );
        assert_eq!(t.resp(&["ZDIFF", "2", "z1", "z2", "WITHSCORES"]), "*2\r\n$1\r\na\r\n$1\r\n1\r\n");
        assert_eq!(
            t.resp(&["ZINTER", "2", "z1", "z1", "WEIGHTS", "1", "2", "WITHSCORES"]),
            "*6\r\n$1\r\na\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n6\r\n$1\r\nc\r\n$1\r\n9\r\n"
        );
        t.cmd(&["HELLO", "3"]);
        assert_eq!(
            t.resp3(&["ZUNION", "1", "z1", "WITHSCORES"]),
            "*3\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\nc\r\n,3\r\n"
        );
    }

    #[test]
    fn errors_in_redis_order() {
        let mut t = two();
        t.cmd(&["SET", "str", "x"]);
        assert_eq!(t.resp(&["ZUNION", "0", "z1"]), "-ERR at least 1 input key is needed for 'zunion' command\r\n");
        assert_eq!(
            t.resp(&["ZUNIONSTORE", "d", "0", "z1"]),
            "-ERR at least 1 input key is needed for 'zunionstore' command\r\n"
        );
        assert_eq!(t.resp(&["ZUNION", "3", "z1", "z2"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["ZUNION", "2", "z1", "z2", "WEIGHTS", "1"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["ZUNION", "2", "z1", "z2", "WEIGHTS", "1", " 1"]), "-ERR weight value is not a float\r\n");
        assert_eq!(
            t.resp(&["ZUNION", "2", "z1", "str", "foo"]),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
        );
        assert_eq!(t.resp(&["ZDIFF", "2", "z1", "z2", "WEIGHTS", "1", "2"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["ZUNIONSTORE", "d", "2", "z1", "z2", "WITHSCORES"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["ZINTERCARD", "2", "z1", "z2", "LIMIT", "-1"]), "-ERR LIMIT can't be negative\r\n");
        assert_eq!(t.resp(&["ZINTERCARD", "2", "z1", "z2", "WITHSCORES"]), "-ERR syntax error\r\n");
    }

    #[test]
    fn store_forms_and_intercard() {
        let mut t = two();
        assert_eq!(t.resp(&["ZUNIONSTORE", "d", "2", "z1", "z2"]), ":4\r\n");
        assert_eq!(t.resp(&["OBJECT", "ENCODING", "d"]), "$8\r\nlistpack\r\n");
        assert_eq!(t.resp(&["ZINTERSTORE", "d", "2", "z1", "nokey"]), ":0\r\n");
        assert_eq!(t.resp(&["EXISTS", "d"]), ":0\r\n");
        assert_eq!(t.resp(&["ZDIFFSTORE", "d", "2", "z1", "z2"]), ":1\r\n");
        assert_eq!(t.resp(&["ZDIFFSTORE", "d", "2", "z1", "z1"]), ":0\r\n");
        assert_eq!(t.resp(&["ZINTERCARD", "2", "z1", "z2"]), ":2\r\n");
        assert_eq!(t.resp(&["ZINTERCARD", "2", "z1", "z2", "LIMIT", "1"]), ":1\r\n");
        assert_eq!(t.resp(&["ZINTERCARD", "2", "z1", "z2", "LIMIT", "0"]), ":2\r\n");
    }
}
