//! Hash commands (HSET, HGET, HINCRBY, HRANDFIELD, HSCAN, ...), following Redis 7.0's
//! `t_hash.c`: argument errors before type errors where Redis parses first, the same
//! `listpack` -> `hashtable` conversions (see `types::hash`), and a key whose last field
//! is deleted is removed.

use super::{collscan, Args, Ctx};
use crate::bytes::SBytes;
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
    match ctx.lookup_read(key) {
        None => Ok(None),
        Some(slot) => match ctx.db().keys.entry(slot).value {
            Value::Hash(_) => Ok(Some(slot)),
            _ => Err(CmdError::WrongType),
        },
    }
}

/// The slot of the hash at `key` for writing: `None` when missing.
fn write(ctx: &mut Ctx, key: &[u8]) -> Result<Option<u32>, CmdError> {
    match ctx.lookup_write(key) {
        None => Ok(None),
        Some(slot) => match ctx.db().keys.entry(slot).value {
            Value::Hash(_) => Ok(Some(slot)),
            _ => Err(CmdError::WrongType),
        },
    }
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

/// Sets the field/value pairs from argument 2 on; returns how many fields were new.
fn set_pairs(ctx: &mut Ctx, args: &Args) -> Result<i64, CmdError> {
    if args.argc() % 2 == 1 {
        return Err(CmdError::Arity(ctx.cmd.name.to_string()));
    }
    let slot = write_or_create(ctx, args.at(1))?;
    let lim = limits(ctx);
    let h = hash_at(ctx, slot);
    let mut added = 0;
    for pair in args.all()[2..].chunks_exact(2) {
        if h.set(pair[0], pair[1], &lim) {
            added += 1;
        }
    }
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
    let slot = write_or_create(ctx, args.at(1))?;
    let lim = limits(ctx);
    let h = hash_at(ctx, slot);
    if h.contains(args.at(2)) {
        return Ok(Reply::Int(0));
    }
    h.set(args.at(2), args.at(3), &lim);
    Ok(Reply::Int(1))
}

/// `HGET key field`: the value or nil.
pub fn hget(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let Some(slot) = read(ctx, args.at(1))? else { return Ok(Reply::Nil) };
    Ok(Reply::bulk_or_nil(hash_at(ctx, slot).get(args.at(2))))
}

/// `HMGET key field [field ...]`: one value or nil per field.
pub fn hmget(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let fields = &args.all()[2..];
    let Some(slot) = read(ctx, args.at(1))? else {
        return Ok(Reply::Array(vec![Reply::Nil; fields.len()]));
    };
    let h = hash_at(ctx, slot);
    Ok(Reply::Array(fields.iter().map(|f| Reply::bulk_or_nil(h.get(f))).collect()))
}

/// `HDEL key field [field ...]`: how many fields were removed; an emptied key is deleted.
pub fn hdel(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let Some(slot) = write(ctx, args.at(1))? else { return Ok(Reply::Int(0)) };
    let h = hash_at(ctx, slot);
    let mut removed = 0;
    for f in &args.all()[2..] {
        if h.remove(f) {
            removed += 1;
            if h.is_empty() {
                ctx.db().keys.remove(slot);
                break;
            }
        }
    }
    Ok(Reply::Int(removed))
}

/// `HLEN key`: the number of fields.
pub fn hlen(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let Some(slot) = read(ctx, args.at(1))? else { return Ok(Reply::Int(0)) };
    Ok(Reply::Int(hash_at(ctx, slot).len() as i64))
}

/// `HEXISTS key field`: 1 or 0.
pub fn hexists(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let Some(slot) = read(ctx, args.at(1))? else { return Ok(Reply::Int(0)) };
    Ok(Reply::Int(hash_at(ctx, slot).contains(args.at(2)) as i64))
}

/// `HSTRLEN key field`: the value's length, 0 when missing.
pub fn hstrlen(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let Some(slot) = read(ctx, args.at(1))? else { return Ok(Reply::Int(0)) };
    Ok(Reply::Int(hash_at(ctx, slot).get(args.at(2)).map_or(0, |v| v.len() as i64)))
}

/// `HKEYS key`: every field.
pub fn hkeys(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let Some(slot) = read(ctx, args.at(1))? else { return Ok(Reply::Array(Vec::new())) };
    Ok(Reply::Array(hash_at(ctx, slot).iter().map(|(f, _)| Reply::bulk(f)).collect()))
}

/// `HVALS key`: every value.
pub fn hvals(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let Some(slot) = read(ctx, args.at(1))? else { return Ok(Reply::Array(Vec::new())) };
    Ok(Reply::Array(hash_at(ctx, slot).iter().map(|(_, v)| Reply::bulk(v)).collect()))
}

/// `HGETALL key`: a map of fields to values (a flat array in RESP2).
pub fn hgetall(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let Some(slot) = read(ctx, args.at(1))? else { return Ok(Reply::Map(Vec::new())) };
    Ok(Reply::Map(hash_at(ctx, slot).iter().map(|(f, v)| (Reply::bulk(f), Reply::bulk(v))).collect()))
}

// ---------------------------------------------------------------------------------------
// Counters
// ---------------------------------------------------------------------------------------

/// `HINCRBY key field increment`: the new integer value.
pub fn hincrby(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let incr = parse_i64(args.at(3)).ok_or(CmdError::NotInteger)?;
    let slot = write_or_create(ctx, args.at(1))?;
    let lim = limits(ctx);
    let h = hash_at(ctx, slot);
    let field = args.at(2);
    let current = match h.get(field) {
        Some(v) => parse_i64(v).ok_or_else(|| CmdError::other("ERR hash value is not an integer"))?,
        None => 0,
    };
    let new = current.checked_add(incr).ok_or(CmdError::Overflow)?;
    h.set(field, &i64_bytes(new), &lim);
    Ok(Reply::Int(new))
}

/// `HINCRBYFLOAT key field increment`: the new value, computed in x87 `long double`
/// precision and formatted as Redis does (see `util::longdouble`).
pub fn hincrbyfloat(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let incr = LongDouble::parse(args.at(3)).ok_or(CmdError::NotFloat)?;
    if incr.is_nan_or_inf() {
        return Err(CmdError::other("ERR value is NaN or Infinity"));
    }
    let slot = write_or_create(ctx, args.at(1))?;
    let lim = limits(ctx);
    let h = hash_at(ctx, slot);
    let field = args.at(2);
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
    if args.argc() == 2 {
        let Some(slot) = read(ctx, args.at(1))? else { return Ok(Reply::Nil) };
        let st = &mut *ctx.st;
        let h = match &st.dbs[ctx.client.db].keys.entry(slot).value {
            Value::Hash(h) => h,
            _ => unreachable!("slot was checked to hold a hash"),
        };
        return Ok(Reply::bulk(h.random_pair(&mut st.rng).0));
    }
    let l = parse_i64(args.at(2)).ok_or(CmdError::NotInteger)?;
    if l == i64::MIN {
        return Err(CmdError::other(
            "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
        ));
    }
    let with_values = match args.argc() {
        3 => false,
        4 if super::is(args.at(3), "withvalues") => true,
        _ => return Err(CmdError::Syntax),
    };
    if with_values && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&l) {
        return Err(CmdError::other("ERR value is out of range"));
    }
    let Some(slot) = read(ctx, args.at(1))? else { return Ok(Reply::Array(Vec::new())) };
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
                picks.sort_unstable();
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
    let cursor = collscan::cursor(args)?;
    let Some(slot) = read(ctx, args.at(1))? else { return Ok(collscan::empty()) };
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
