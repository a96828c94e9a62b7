//! Sorted-set commands, following Redis 7.0's `t_zset.c`: the same argument parsing
//! order (arity, syntax, numbers, then the key's type), the same encodings and the same
//! reply shapes in RESP2 and RESP3. One file per family; the command table calls the
//! handlers through the re-exports below.

mod add;
mod blocking;
mod pop;
mod range;
mod read;
mod remove;
mod setops;

pub use add::{zadd, zincrby};
pub use blocking::{bzmpop, bzpopmax, bzpopmin};
pub use pop::{zmpop, zpopmax, zpopmin};
pub use range::{zrange, zrangebylex, zrangebyscore, zrangestore, zrevrange, zrevrangebylex, zrevrangebyscore};
pub use read::{zcard, zcount, zlexcount, zmscore, zrandmember, zrank, zrevrank, zscan, zscore};
pub use remove::{zrem, zremrangebylex, zremrangebyrank, zremrangebyscore};
pub use setops::{zdiff, zdiffstore, zinter, zintercard, zinterstore, zunion, zunionstore};

use super::{is_c, Ctx};
use crate::bytes::SBytes;
use crate::config::notify;
use crate::error::CmdError;
use crate::reply::{BulkArray, Reply};
use crate::types::zset::{LexBound, LexRange, Limits, ScoreRange, ZSet};
use crate::types::Value;
use crate::util::strtod::strtod;

/// The encoding thresholds from the config.
pub(crate) fn limits(ctx: &Ctx) -> Limits {
    Limits { max_entries: ctx.st.config.zset_max_listpack_entries, max_value: ctx.st.config.zset_max_listpack_value }
}

/// `lookupKeyRead` + `checkType`: the slot of the sorted set `key`, `None` when missing.
pub(crate) fn read_slot(ctx: &mut Ctx, key: &[u8]) -> Result<Option<u32>, CmdError> {
    ctx.read_typed(key, |v| matches!(v, Value::ZSet(_)))
}

/// `lookupKeyWrite` + `checkType`.
fn write_slot(ctx: &mut Ctx, key: &[u8]) -> Result<Option<u32>, CmdError> {
    ctx.write_typed(key, |v| matches!(v, Value::ZSet(_)))
}

/// The sorted set in `slot` (checked by `read_slot`/`write_slot`).
pub(crate) fn zset<'a>(ctx: &'a mut Ctx, slot: u32) -> &'a mut ZSet {
    match &mut ctx.db().keys.entry_mut(slot).value {
        Value::ZSet(z) => z,
        _ => unreachable!("slot checked to hold a sorted set"),
    }
}

/// Moves the `strtod` range error recorded by the sorted set in `slot` into the
/// engine's emulated `errno` (see `EngineState::errno_erange`).
fn sync_errno(ctx: &mut Ctx, slot: u32) {
    // A shared borrow: the recorded flag is a `Cell`, and `entry_mut` would mark the
    // entry for re-measuring although nothing changed.
    let erange = match &ctx.db().keys.entry(slot).value {
        Value::ZSet(z) => z.take_erange(),
        _ => false,
    };
    ctx.st.errno_erange |= erange;
}

/// After a command removed members from the sorted set in `slot`: its `event`, then
/// the key's deletion if the set became empty (`del` event), and `signalModifiedKey`.
/// The set's recorded `errno` effect is kept first. `n` members went: Redis's
/// `server.dirty += n`.
fn removed_members(ctx: &mut Ctx, slot: u32, event: &'static str, n: u64) {
    ctx.changes(n);
    sync_errno(ctx, slot);
    let emptied = zset(ctx, slot).is_empty();
    if !ctx.st.key_hooks_active() {
        if emptied {
            ctx.db().keys.remove(slot);
        }
        ctx.st.count_change();
        return;
    }
    let key = ctx.db().keys.entry(slot).key.clone();
    ctx.notify(notify::ZSET, event, &key);
    if emptied {
        ctx.db().keys.remove(slot);
        ctx.notify(notify::GENERIC, "del", &key);
    }
    ctx.signal_modified_key(&key);
}

/// Redis's `setKey` for a store command's result: replaces any value (of any type) under
/// `key` and removes its TTL; then the command's `event`.
pub(crate) fn store(ctx: &mut Ctx, key: &[u8], value: ZSet, event: &'static str) {
    let value = Value::ZSet(Box::new(value));
    match ctx.lookup_write(key) {
        Some(slot) => {
            let keys = &mut ctx.db().keys;
            keys.clear_expire(slot);
            keys.entry_mut(slot).value = value;
        }
        None => {
            let access = ctx.st.new_access();
            ctx.db().keys.insert_new(SBytes::new(key), value, access);
        }
    }
    ctx.key_event(notify::ZSET, event, key);
}

/// Deletes `key` if it exists (a store command with an empty result).
pub(crate) fn delete_key(ctx: &mut Ctx, key: &[u8]) {
    if let Some(slot) = ctx.lookup_write(key) {
        ctx.db().keys.remove(slot);
        ctx.key_event(notify::GENERIC, "del", key);
    }
}

/// Redis's `zslParseRange` for one end: `(` makes it exclusive; then C's `strtod` must
/// stop at the end of the C string (so leading spaces, `""`, `0x10` and `1e400` pass).
/// Returns the bound (if valid) and whether `strtod` set `ERANGE`.
fn parse_score_bound(arg: &[u8]) -> (Option<(f64, bool)>, bool) {
    let (ex, body) = match arg.first() {
        Some(b'(') => (true, &arg[1..]),
        _ => (false, arg),
    };
    // util::strtod reads a C string: `end` stops at a NUL byte, where Redis's check ends.
    let p = strtod(body);
    let at_end = p.end == body.len() || body[p.end] == 0;
    ((at_end && !p.value.is_nan()).then_some((p.value, ex)), p.erange)
}

/// A score range from `min` and `max`, or `ERR min or max is not a float`. Like Redis,
/// the parse leaves a range error in the emulated `errno` (never clears it).
fn parse_score_range(ctx: &mut Ctx, min: &[u8], max: &[u8]) -> Result<ScoreRange, CmdError> {
    let (lo, lo_erange) = parse_score_bound(min);
    ctx.st.errno_erange |= lo_erange;
    let Some((min, minex)) = lo else { return Err(CmdError::other("ERR min or max is not a float")) };
    let (hi, hi_erange) = parse_score_bound(max);
    ctx.st.errno_erange |= hi_erange;
    let Some((max, maxex)) = hi else { return Err(CmdError::other("ERR min or max is not a float")) };
    Ok(ScoreRange { min, max, minex, maxex })
}

/// Redis's `getDoubleFromObjectOrReply` (`string2d`): the value, recording the `errno`
/// it leaves.
fn parse_double(ctx: &mut Ctx, arg: &[u8]) -> Option<f64> {
    let (v, erange) = crate::numfmt::string2d(arg);
    ctx.st.errno_erange = erange;
    v
}

/// Redis's `zslParseLexRangeItem`: `+`, `-` (alone, as C strings), `[member` or
/// `(member`.
fn parse_lex_bound(arg: &[u8]) -> Option<(LexBound<'_>, bool)> {
    let alone = arg.len() == 1 || arg.get(1) == Some(&0);
    match arg.first() {
        Some(b'+') if alone => Some((LexBound::Max, true)),
        Some(b'-') if alone => Some((LexBound::Min, true)),
        Some(b'(') => Some((LexBound::Str(&arg[1..]), true)),
        Some(b'[') => Some((LexBound::Str(&arg[1..]), false)),
        _ => None,
    }
}

/// A lex range from `min` and `max`, or `ERR min or max not valid string range item`.
fn parse_lex_range<'a>(min: &'a [u8], max: &'a [u8]) -> Result<LexRange<'a>, CmdError> {
    match (parse_lex_bound(min), parse_lex_bound(max)) {
        (Some((min, minex)), Some((max, maxex))) => Ok(LexRange { min, max, minex, maxex }),
        _ => Err(CmdError::other("ERR min or max not valid string range item")),
    }
}

/// A score as ZSCAN prints it: a listpack holds integral scores within +-2^62 as
/// integers (Redis's `double2ll`) and prints them so; anything else prints as
/// `d2string` does, which is `%.17g` (`-0` included).
fn scan_score(score: f64, listpack: bool) -> Vec<u8> {
    const LIMIT: f64 = (i64::MAX / 2) as f64;
    if listpack && (-LIMIT..=LIMIT).contains(&score) && (score as i64) as f64 == score {
        crate::numfmt::i64_bytes(score as i64)
    } else {
        crate::numfmt::fmt_double(score).into_bytes()
    }
}

/// Collects `(member, score)` replies: flat in RESP2 (`member score ...`, encoded into one
/// [`BulkArray`]), pairs in RESP3 (`[member, score] ...`), or members only.
enum Scored {
    /// Bulk strings only (members, and in RESP2 the scores as text).
    Flat { out: BulkArray, withscores: bool },
    /// RESP3 with scores: `[member, double]` pairs.
    Nested(Vec<Reply>),
}

impl Scored {
    /// A collector for `ctx`'s protocol; `capacity` is a hint in elements.
    fn new(ctx: &Ctx, withscores: bool, capacity: usize) -> Scored {
        let capacity = capacity.min(1 << 16);
        if withscores && ctx.client.resp >= 3 {
            Scored::Nested(Vec::with_capacity(capacity))
        } else {
            Scored::Flat { out: BulkArray::with_capacity(capacity * if withscores { 48 } else { 24 }), withscores }
        }
    }

    #[inline]
    fn push(&mut self, member: &[u8], score: f64) {
        match self {
            Scored::Flat { out, withscores } => {
                out.push(member);
                if *withscores {
                    out.push(crate::numfmt::fmt_double(score).as_bytes());
                }
            }
            Scored::Nested(items) => items.push(Reply::Array(vec![Reply::bulk(member), Reply::Double(score)])),
        }
    }

    fn reply(self) -> Reply {
        match self {
            Scored::Flat { out, .. } => Reply::BulkArray(out),
            Scored::Nested(items) => Reply::Array(items),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_bounds_follow_strtod() {
        let b = |s: &[u8]| parse_score_bound(s).0;
        assert_eq!(b(b"(1.5"), Some((1.5, true)));
        assert_eq!(b(b""), Some((0.0, false)));
        assert_eq!(b(b"("), Some((0.0, true)));
        assert_eq!(b(b" 2"), Some((2.0, false)));
        assert_eq!(b(b"2 "), None);
        assert_eq!(b(b"2\0junk"), Some((2.0, false)));
        assert_eq!(b(b"nan"), None);
        assert_eq!(b(b"1e400"), Some((f64::INFINITY, false)));
        assert!(parse_score_bound(b"1e400").1);
        assert_eq!(b(b"-inf"), Some((f64::NEG_INFINITY, false)));
    }

    #[test]
    fn lex_bounds() {
        assert_eq!(parse_lex_bound(b"+"), Some((LexBound::Max, true)));
        assert_eq!(parse_lex_bound(b"-\0x"), Some((LexBound::Min, true)));
        assert_eq!(parse_lex_bound(b"-x"), None);
        assert_eq!(parse_lex_bound(b""), None);
        assert_eq!(parse_lex_bound(b"["), Some((LexBound::Str(b""), false)));
        assert_eq!(parse_lex_bound(b"(a"), Some((LexBound::Str(b"a"), true)));
        assert_eq!(parse_lex_bound(b"a"), None);
    }
}
