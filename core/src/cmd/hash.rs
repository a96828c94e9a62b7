//! Hash commands (HSET, HGET, HINCRBY, HRANDFIELD, HSCAN, ...), following Redis 7.0's
//! `t_hash.c`: argument errors before type errors where Redis parses first, the same
//! `listpack` -> `hashtable` conversions (see `types::hash`), and a key whose last field
//! is deleted is removed.

use super::{collscan, Args, Ctx};
use crate::bytes::SBytes;
use crate::config::notify;
use crate::error::{CmdError, CmdResult};
use crate::numfmt::{i64_bytes, parse_i64};
use crate::reply::Reply;
use crate::types::hash::{Hash, HashLimits};
use crate::types::Value;
use crate::util::longdouble::LongDouble;
use crate::util::sample::{distinct_indexes, MAX_RANDOM_PICKS};

// ---------------------------------------------------------------------------------------
// Lookups
// ---------------------------------------------------------------------------------------

/// The conversion thresholds from the config, and a seed for a new table's hash function
/// (peeked from the engine RNG without advancing it, so random picks are unaffected).
fn limits(ctx: &Ctx) -> HashLimits {
    let c = &ctx.st.config;
    HashLimits {
        max_entries: c.hash_max_listpack_entries,
        max_value: c.hash_max_listpack_value,
        seed: ctx.st.rng.clone().next_u64(),
    }
}

/// The slot of the hash at `key` for reading (hit/miss counted): `None` when missing,
/// `WRONGTYPE` for another type.
fn read(ctx: &mut Ctx, key: &[u8]) -> Result<Option<u32>, CmdError> {
    ctx.read_typed(key, |v| matches!(v, Value::Hash(_)))
}

/// The slot of the hash at `key` for writing: `None` when missing.
fn write(ctx: &mut Ctx, key: &[u8]) -> Result<Option<u32>, CmdError> {
    ctx.write_typed(key, |v| matches!(v, Value::Hash(_)))
}

/// Redis's `hashTypeLookupWriteOrCreate`: the hash at `key`, created empty if missing.
fn write_or_create(ctx: &mut Ctx, key: &[u8]) -> Result<u32, CmdError> {
    match write(ctx, key)? {
        Some(slot) => Ok(slot),
        None => {
            let access = ctx.st.new_access();
            Ok(ctx.db().keys.insert_new(SBytes::new(key), Value::Hash(Box::default()), access))
        }
    }
}

/// The hash in `slot` (which a lookup above returned).
fn hash_at<'a>(ctx: &'a mut Ctx, slot: u32) -> &'a mut Hash {
    match &mut ctx.db().keys.entry_mut(slot).value {
        Value::Hash(h) => h,
        _ => unreachable!("slot was checked to hold a hash"),
    }
}

// ---------------------------------------------------------------------------------------
// Setting and reading fields
// ---------------------------------------------------------------------------------------

/// Sets the key's field/value pairs; returns how many fields were new.
fn set_pairs(ctx: &mut Ctx, args: &mut Args) -> Result<i64, CmdError> {
    let key = args.take();
    let pairs = args.take_rest();
    if pairs.len() % 2 == 1 {
        return Err(CmdError::Arity(ctx.cmd.name.to_string()));
    }
    let slot = write_or_create(ctx, key)?;
    let lim = limits(ctx);
    let h = hash_at(ctx, slot);
    let mut added = 0;
    for pair in pairs.chunks_exact(2) {
        if h.set(pair[0], pair[1], &lim) {
            added += 1;
        }
    }
    ctx.key_event(notify::HASH, "hset", key);
    // Redis counts every pair, new or not.
    ctx.changes((pairs.len() / 2) as u64);
    Ok(added)
}

/// `HSET key field value [field value ...]`: the number of new fields.
pub fn hset(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    set_pairs(ctx, args).map(Reply::Int)
}

/// `HMSET key field value [field value ...]`: HSET replying OK.
pub fn hmset(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    set_pairs(ctx, args).map(|_| Reply::ok())
}

/// `HSETNX key field value`: 1 if the field was set, 0 if it existed.
pub fn hsetnx(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (key, field, value) = (args.take(), args.take(), args.take());
    let slot = write_or_create(ctx, key)?;
    let lim = limits(ctx);
    let h = hash_at(ctx, slot);
    if h.contains(field) {
        return Ok(Reply::Int(0));
    }
    h.set(field, value, &lim);
    ctx.key_event(notify::HASH, "hset", key);
    Ok(Reply::Int(1))
}

/// `HGET key field`: the value or nil.
pub fn hget(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (key, field) = (args.take(), args.take());
    let Some(slot) = read(ctx, key)? else { return Ok(Reply::Nil) };
    let spare = std::mem::take(&mut ctx.st.spare_bulk);
    match hash_at(ctx, slot).get(field) {
        Some(v) => Ok(Reply::bulk_into(spare, v)),
        None => {
            ctx.st.spare_bulk = spare;
            Ok(Reply::Nil)
        }
    }
}

/// `HMGET key field [field ...]`: one value or nil per field.
pub fn hmget(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let key = args.take();
    let fields = args.take_rest();
    let Some(slot) = read(ctx, key)? else {
        return Ok(Reply::Array(vec![Reply::Nil; fields.len()]));
    };
    let h = hash_at(ctx, slot);
    Ok(Reply::Array(fields.iter().map(|f| Reply::bulk_or_nil(h.get(f))).collect()))
}

/// `HDEL key field [field ...]`: how many fields were removed; an emptied key is deleted.
pub fn hdel(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let key = args.take();
    let Some(slot) = write(ctx, key)? else { return Ok(Reply::Int(0)) };
    let h = hash_at(ctx, slot);
    let mut removed = 0;
    let mut key_removed = false;
    for f in args.take_rest() {
        if h.remove(f) {
            removed += 1;
            if h.is_empty() {
                ctx.db().keys.remove(slot);
                key_removed = true;
                break;
            }
        }
    }
    if removed > 0 {
        ctx.key_event(notify::HASH, "hdel", key);
        if key_removed {
            ctx.notify(notify::GENERIC, "del", key);
        }
    }
    ctx.changes(removed as u64);
    Ok(Reply::Int(removed))
}

/// `HLEN key`: the number of fields.
pub fn hlen(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let Some(slot) = read(ctx, args.take())? else { return Ok(Reply::Int(0)) };
    Ok(Reply::Int(hash_at(ctx, slot).len() as i64))
}

/// `HEXISTS key field`: 1 or 0.
pub fn hexists(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (key, field) = (args.take(), args.take());
    let Some(slot) = read(ctx, key)? else { return Ok(Reply::Int(0)) };
    Ok(Reply::Int(hash_at(ctx, slot).contains(field) as i64))
}

/// `HSTRLEN key field`: the value's length, 0 when missing.
pub fn hstrlen(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (key, field) = (args.take(), args.take());
    let Some(slot) = read(ctx, key)? else { return Ok(Reply::Int(0)) };
    Ok(Reply::Int(hash_at(ctx, slot).get(field).map_or(0, |v| v.len() as i64)))
}

/// `HKEYS key`: every field.
pub fn hkeys(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let Some(slot) = read(ctx, args.take())? else { return Ok(Reply::Array(Vec::new())) };
    Ok(Reply::Array(hash_at(ctx, slot).iter().map(|(f, _)| Reply::bulk(f)).collect()))
}

/// `HVALS key`: every value.
pub fn hvals(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let Some(slot) = read(ctx, args.take())? else { return Ok(Reply::Array(Vec::new())) };
    Ok(Reply::Array(hash_at(ctx, slot).iter().map(|(_, v)| Reply::bulk(v)).collect()))
}

/// `HGETALL key`: a map of fields to values (a flat array in RESP2).
pub fn hgetall(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let Some(slot) = read(ctx, args.take())? else { return Ok(Reply::Map(Vec::new())) };
    Ok(Reply::Map(hash_at(ctx, slot).iter().map(|(f, v)| (Reply::bulk(f), Reply::bulk(v))).collect()))
}

// ---------------------------------------------------------------------------------------
// Counters
// ---------------------------------------------------------------------------------------

/// `HINCRBY key field increment`: the new integer value.
pub fn hincrby(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (key, field) = (args.take(), args.take());
    let incr = args.next_i64()?;
    let slot = write_or_create(ctx, key)?;
    let lim = limits(ctx);
    let h = hash_at(ctx, slot);
    let current = match h.get(field) {
        Some(v) => parse_i64(v).ok_or_else(|| CmdError::other("ERR hash value is not an integer"))?,
        None => 0,
    };
    let new = current.checked_add(incr).ok_or(CmdError::Overflow)?;
    h.set(field, &i64_bytes(new), &lim);
    ctx.key_event(notify::HASH, "hincrby", key);
    Ok(Reply::Int(new))
}

/// `HINCRBYFLOAT key field increment`: the new value, computed in x87 `long double`
/// precision and formatted as Redis does (see `util::longdouble`).
pub fn hincrbyfloat(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    // string2ld clears errno before strtold (see `EngineState::errno_erange`).
    ctx.st.errno_erange = false;
    let (key, field) = (args.take(), args.take());
    let incr = LongDouble::parse(args.take()).ok_or(CmdError::NotFloat)?;
    if incr.is_nan_or_inf() {
        return Err(CmdError::other("ERR value is NaN or Infinity"));
    }
    let slot = write_or_create(ctx, key)?;
    let lim = limits(ctx);
    let h = hash_at(ctx, slot);
    let current = match h.get(field) {
        Some(v) => LongDouble::parse(v).ok_or_else(|| CmdError::other("ERR hash value is not a float"))?,
        None => LongDouble::ZERO,
    };
    let sum = current + incr;
    if sum.is_nan_or_inf() {
        return Err(CmdError::other("ERR increment would produce NaN or Infinity"));
    }
    let text = sum.to_human();
    h.set(field, &text, &lim);
    ctx.key_event(notify::HASH, "hincrbyfloat", key);
    // Always replicated as HSET with the final value.
    ctx.propagate_as(&[b"HSET", key, field, &text]);
    Ok(Reply::Bulk(text))
}

// ---------------------------------------------------------------------------------------
// HRANDFIELD
// ---------------------------------------------------------------------------------------

/// A field, or a field and its value: a flat pair in RESP2, a nested array in RESP3.
fn push_pick(out: &mut Vec<Reply>, f: &[u8], v: &[u8], with_values: bool, resp3: bool) {
    if !with_values {
        out.push(Reply::bulk(f));
    } else if resp3 {
        out.push(Reply::Array(vec![Reply::bulk(f), Reply::bulk(v)]));
    } else {
        out.push(Reply::bulk(f));
        out.push(Reply::bulk(v));
    }
}

/// `HRANDFIELD key [count [WITHVALUES]]`: one random field (nil when missing), or with a
/// count: up to `count` distinct fields, or `-count` fields that may repeat.
pub fn hrandfield(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let key = args.take();
    let Some(count) = args.next() else {
        let Some(slot) = read(ctx, key)? else { return Ok(Reply::Nil) };
        let st = &mut *ctx.st;
        let h = match &st.dbs[ctx.client.db].keys.entry(slot).value {
            Value::Hash(h) => h,
            _ => unreachable!("slot was checked to hold a hash"),
        };
        return Ok(Reply::bulk(h.random_pair(&mut st.rng).0));
    };
    let l = parse_i64(count).ok_or(CmdError::NotInteger)?;
    if l == i64::MIN {
        return Err(CmdError::other(
            "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
        ));
    }
    let with_values = args.eat("withvalues");
    args.finish()?;
    if with_values && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&l) {
        return Err(CmdError::other("ERR value is out of range"));
    }
    let Some(slot) = read(ctx, key)? else { return Ok(Reply::Array(Vec::new())) };
    let resp3 = ctx.client.resp >= 3;
    let (count, unique) = (l.unsigned_abs(), l >= 0);
    if count == 0 {
        return Ok(Reply::Array(Vec::new()));
    }
    let st = &mut *ctx.st;
    let h = match &st.dbs[ctx.client.db].keys.entry(slot).value {
        Value::Hash(h) => h,
        _ => unreachable!("slot was checked to hold a hash"),
    };
    let size = h.len();
    let mut out = Vec::new();
    if !unique || count == 1 {
        // Picks with repetition, in pick order.
        if count > MAX_RANDOM_PICKS {
            return Err(CmdError::other("ERR count is too large for a single reply"));
        }
        let pairs: Vec<(&[u8], &[u8])> = match &**h {
            Hash::Packed(p) => p.iter().collect(),
            Hash::Table(_) => Vec::new(),
        };
        for _ in 0..count {
            let (f, v) = match &**h {
                Hash::Packed(_) => pairs[st.rng.below(size as u64) as usize],
                Hash::Table(t) => t.pair(t.random_slot(&mut st.rng)),
            };
            push_pick(&mut out, f, v, with_values, resp3);
        }
    } else if count as usize >= size {
        // The whole hash, in storage order.
        for (f, v) in h.iter() {
            push_pick(&mut out, f, v, with_values, resp3);
        }
    } else {
        // Distinct picks; a listpack returns them in its own order, like Redis's
        // lpRandomPairsUnique.
        let mut picks = distinct_indexes(size, count as usize, &mut st.rng);
        match &**h {
            Hash::Packed(p) => {
                crate::util::sort::sort(&mut picks);
                let mut next = picks.iter().peekable();
                for (i, (f, v)) in p.iter().enumerate() {
                    if next.peek() == Some(&&i) {
                        next.next();
                        push_pick(&mut out, f, v, with_values, resp3);
                    }
                }
            }
            Hash::Table(t) => {
                for i in picks {
                    let (f, v) = t.pair(i as u32);
                    push_pick(&mut out, f, v, with_values, resp3);
                }
            }
        }
    }
    Ok(Reply::Array(out))
}

// ---------------------------------------------------------------------------------------
// HSCAN
// ---------------------------------------------------------------------------------------

/// `HSCAN key cursor [MATCH pattern] [COUNT count]`: `[cursor, [field, value, ...]]`.
pub fn hscan(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let key = args.take();
    let cursor = collscan::cursor(ctx, args.take())?;
    let Some(slot) = read(ctx, key)? else { return Ok(collscan::empty()) };
    let opts = collscan::options(args)?;
    let mut out = Vec::new();
    let mut push = |f: &[u8], v: &[u8]| {
        if opts.matches(f) {
            out.push(Reply::bulk(f));
            out.push(Reply::bulk(v));
        }
    };
    let next = match &*hash_at(ctx, slot) {
        Hash::Packed(p) => {
            p.iter().for_each(|(f, v)| push(f, v));
            0
        }
        Hash::Table(t) => {
            let (next, slots) = t.scan_slots(cursor, opts.count);
            for s in slots.rev() {
                let (f, v) = t.pair(s);
                push(f, v);
            }
            next
        }
    };
    Ok(collscan::reply(next, out))
}

#[cfg(test)]
mod tests {
    use crate::testkit::TestEngine;

    const WRONGTYPE: &str = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

    fn run(t: &mut TestEngine, cases: &[(&[&str], &str)]) {
        for (argv, want) in cases {
            assert_eq!(t.resp(argv), *want, "{:?}", argv);
        }
    }

    #[test]
    fn set_get_and_listpack_order() {
        let mut t = TestEngine::new();
        run(
            &mut t,
            &[
                (&["HSET", "h", "a", "1", "b", "2"], ":2\r\n"),
                (&["HSET", "h", "a", "x", "c", "3"], ":1\r\n"),
                (&["HDEL", "h", "b"], ":1\r\n"),
                (&["HSET", "h", "b", "4"], ":1\r\n"),
                (&["HGETALL", "h"], "*6\r\n$1\r\na\r\n$1\r\nx\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n4\r\n"),
                (&["HMGET", "h", "a", "zz"], "*2\r\n$1\r\nx\r\n$-1\r\n"),
                (&["HMGET", "nokey", "a"], "*1\r\n$-1\r\n"),
                (&["HGET", "h", "zz"], "$-1\r\n"),
                (&["HSTRLEN", "h", "a"], ":1\r\n"),
                (&["HLEN", "h"], ":3\r\n"),
                (&["HEXISTS", "h", "c"], ":1\r\n"),
                (&["HSETNX", "h", "c", "9"], ":0\r\n"),
                (&["HMSET", "h", "d", "5"], "+OK\r\n"),
                (&["HSET", "h", "f"], "-ERR wrong number of arguments for 'hset' command\r\n"),
                (&["HMSET", "h", "f", "v", "g"], "-ERR wrong number of arguments for 'hmset' command\r\n"),
                (&["OBJECT", "ENCODING", "h"], "$8\r\nlistpack\r\n"),
                (&["HDEL", "h", "a", "b", "c", "d", "zz"], ":4\r\n"),
                (&["EXISTS", "h"], ":0\r\n"),
                (&["SET", "s", "v"], "+OK\r\n"),
                (&["HGET", "s", "f"], WRONGTYPE),
                (&["HSET", "s", "f", "v"], WRONGTYPE),
            ],
        );
        t.cmd(&["HSET", "m", "k", "v"]);
        assert_eq!(t.resp3(&["HGETALL", "m"]), "%1\r\n$1\r\nk\r\n$1\r\nv\r\n");
        assert_eq!(t.resp3(&["HGETALL", "nokey"]), "%0\r\n");
        assert_eq!(t.resp3(&["HMGET", "m", "x"]), "*1\r\n_\r\n");
    }

    #[test]
    fn converts_like_redis() {
        let mut t = TestEngine::new();
        t.cmd(&["CONFIG", "SET", "hash-max-listpack-entries", "2"]);
        t.cmd(&["CONFIG", "SET", "hash-max-listpack-value", "4"]);
        run(
            &mut t,
            &[
                (&["HSET", "h", "a", "1", "a", "2", "b", "1"], ":2\r\n"),
                (&["OBJECT", "ENCODING", "h"], "$8\r\nlistpack\r\n"),
                (&["HSET", "h", "c", "1"], ":1\r\n"),
                (&["OBJECT", "ENCODING", "h"], "$9\r\nhashtable\r\n"),
                (&["HDEL", "h", "a", "b"], ":2\r\n"),
                (&["OBJECT", "ENCODING", "h"], "$9\r\nhashtable\r\n"),
                (&["HSET", "v", "a", "1"], ":1\r\n"),
                (&["HSETNX", "v", "a", "12345"], ":0\r\n"),
                (&["OBJECT", "ENCODING", "v"], "$8\r\nlistpack\r\n"),
                (&["HINCRBY", "v", "abcde", "1"], ":1\r\n"),
                (&["OBJECT", "ENCODING", "v"], "$9\r\nhashtable\r\n"),
                (&["HGET", "v", "abcde"], "$1\r\n1\r\n"),
            ],
        );
    }

    #[test]
    fn counters() {
        let mut t = TestEngine::new();
        run(
            &mut t,
            &[
                (&["HINCRBY", "h", "n", "5"], ":5\r\n"),
                (&["HINCRBY", "h", "n", "abc"], "-ERR value is not an integer or out of range\r\n"),
                (&["HSET", "h", "s", "x", "big", "9223372036854775807", "z", "-0"], ":3\r\n"),
                (&["HINCRBY", "h", "s", "1"], "-ERR hash value is not an integer\r\n"),
                (&["HINCRBY", "h", "z", "1"], "-ERR hash value is not an integer\r\n"),
                (&["HINCRBY", "h", "big", "1"], "-ERR increment or decrement would overflow\r\n"),
                (&["HINCRBYFLOAT", "h", "big", "1"], "$19\r\n9223372036854775808\r\n"),
                (&["HINCRBYFLOAT", "h", "f", "0.1"], "$3\r\n0.1\r\n"),
                (&["HINCRBYFLOAT", "h", "f", "0.2"], "$3\r\n0.3\r\n"),
                (&["HINCRBYFLOAT", "h", "s", "1"], "-ERR hash value is not a float\r\n"),
                (&["HINCRBYFLOAT", "h", "f", "inf"], "-ERR value is NaN or Infinity\r\n"),
                (&["HINCRBYFLOAT", "h", "f", "nan"], "-ERR value is not a valid float\r\n"),
                (&["SET", "str", "x"], "+OK\r\n"),
                (&["HINCRBYFLOAT", "str", "f", "abc"], "-ERR value is not a valid float\r\n"),
                (&["HINCRBYFLOAT", "str", "f", "1"], WRONGTYPE),
                (&["HINCRBY", "str", "f", "abc"], "-ERR value is not an integer or out of range\r\n"),
            ],
        );
        t.cmd(&["HSET", "h", "e", "1e4932"]);
        assert_eq!(t.resp(&["HINCRBYFLOAT", "h", "e", "1e4932"]), "-ERR increment would produce NaN or Infinity\r\n");
    }

    #[test]
    fn hrandfield_arguments_and_whole_hash() {
        let mut t = TestEngine::new();
        t.cmd(&["HSET", "h", "a", "1", "b", "2"]);
        run(
            &mut t,
            &[
                (&["HRANDFIELD", "nokey"], "$-1\r\n"),
                (&["HRANDFIELD", "nokey", "3"], "*0\r\n"),
                (&["HRANDFIELD", "h", "0"], "*0\r\n"),
                (&["HRANDFIELD", "h", "5", "WITHVALUES"], "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n"),
                (&["HRANDFIELD", "h", "x"], "-ERR value is not an integer or out of range\r\n"),
                (
                    &["HRANDFIELD", "nokey", "-9223372036854775808"],
                    "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n",
                ),
                (&["HRANDFIELD", "h", "4611686018427387904", "WITHVALUES"], "-ERR value is out of range\r\n"),
                (&["HRANDFIELD", "h", "1", "WITHVALUE"], "-ERR syntax error\r\n"),
            ],
        );
        t.cmd(&["HELLO", "3"]);
        assert_eq!(
            t.resp3(&["HRANDFIELD", "h", "2", "WITHVALUES"]),
            "*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n"
        );
        t.cmd(&["HELLO", "2"]);
        // Negative counts repeat: the one-field hash answers the same pair every time.
        t.cmd(&["HSET", "one", "f", "v"]);
        assert_eq!(
            t.resp(&["HRANDFIELD", "one", "-2", "WITHVALUES"]),
            "*4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\nf\r\n$1\r\nv\r\n"
        );
        // Distinct picks from a listpack come out in its order.
        t.cmd(&["HSET", "five", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5"]);
        for _ in 0..20 {
            let r = t.resp(&["HRANDFIELD", "five", "3"]);
            let fields: Vec<&str> = r.split("\r\n").filter(|l| l.len() == 1).collect();
            let mut sorted = fields.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(fields, sorted, "{}", r);
            assert_eq!(fields.len(), 3);
        }
    }

    #[test]
    fn hscan_listpack_whole_and_table_never_misses() {
        let mut t = TestEngine::new();
        t.cmd(&["HSET", "h", "a", "1", "b", "2"]);
        assert_eq!(
            t.resp(&["HSCAN", "h", "7", "COUNT", "1"]),
            "*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n"
        );
        assert_eq!(t.resp(&["HSCAN", "nokey", "0", "COUNT", "0"]), "*2\r\n$1\r\n0\r\n*0\r\n");
        assert_eq!(t.resp(&["HSCAN", "h", "0", "COUNT", "0"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["HSCAN", "h", "x"]), "-ERR invalid cursor\r\n");
        assert_eq!(t.resp(&["HSCAN", "h", "0", "TYPE", "hash"]), "-ERR syntax error\r\n");
        let mut args = vec!["HSET".to_string(), "big".to_string()];
        for i in 0..600 {
            args.extend([format!("keep{}", i), "v".into(), format!("drop{}", i), "v".into()]);
        }
        t.cmd(&args.iter().map(String::as_str).collect::<Vec<_>>());
        let mut seen = std::collections::HashSet::new();
        let (mut cursor, mut dropped) = ("0".to_string(), 0);
        loop {
            let reply = t.cmd(&["HSCAN", "big", &cursor, "COUNT", "20"]);
            let crate::reply::Reply::Array(parts) = reply else { panic!() };
            let (crate::reply::Reply::Bulk(next), crate::reply::Reply::Array(items)) = (&parts[0], &parts[1]) else {
                panic!()
            };
            for pair in items.chunks(2) {
                if let crate::reply::Reply::Bulk(f) = &pair[0] {
                    seen.insert(String::from_utf8(f.clone()).unwrap());
                }
            }
            for _ in 0..5 {
                if dropped < 600 {
                    t.cmd(&["HDEL", "big", &format!("drop{}", (dropped * 7) % 600)]);
                    dropped += 1;
                }
            }
            cursor = String::from_utf8(next.clone()).unwrap();
            if cursor == "0" {
                break;
            }
        }
        assert!((0..600).all(|i| seen.contains(&format!("keep{}", i))));
    }
}
