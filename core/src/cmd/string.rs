//! String commands (GET, SET, INCR, APPEND, ...), following Redis 7.0's `t_string.c`:
//! the same validation order (syntax, then expire values, then types), the same
//! encodings (`int` / `embstr` / `raw`) and the same TTL rules.

use super::{is_c, Args, Ctx};
use crate::bytes::SBytes;
use crate::config::notify;
use crate::error::{CmdError, CmdResult};
use crate::numfmt::{format_i64, parse_i64};
use crate::reply::Reply;
use crate::types::Value;
use crate::util::lcs::{LcsError, LcsTable};
use crate::util::longdouble::LongDouble;

// ---------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------

/// The bytes of a string value (integers formatted into `buf`), or `WRONGTYPE`.
fn str_bytes<'a>(v: &'a Value, buf: &'a mut [u8; 20]) -> Result<&'a [u8], CmdError> {
    match v {
        Value::Int(n) => Ok(format_i64(*n, buf)),
        Value::Str(s) => Ok(s.as_slice()),
        Value::Raw(r) => Ok(r.as_slice()),
        Value::List(_) | Value::Hash(_) | Value::Set(_) | Value::ZSet(_) | Value::Stream(_) => Err(CmdError::WrongType),
    }
}

/// A bulk reply with the bytes of the string in `slot`, or `WRONGTYPE`. Built in the
/// engine's spare reply buffer ([`crate::engine::EngineState::spare_bulk`]).
fn bulk_of(ctx: &mut Ctx, slot: u32) -> CmdResult {
    let st = &mut *ctx.st;
    match st.dbs[ctx.client.db].keys.entry(slot).value.string_bytes() {
        Some(b) => Ok(Reply::bulk_into(std::mem::take(&mut st.spare_bulk), &b)),
        None => Err(CmdError::WrongType),
    }
}

/// `getGenericCommand`: a read lookup that replies with the value, nil, or `WRONGTYPE`.
/// Returns the reply and the key's slot.
fn get_generic(ctx: &mut Ctx, key: &[u8]) -> Result<(Reply, Option<u32>), CmdError> {
    match ctx.lookup_read(key) {
        None => Ok((Reply::Nil, None)),
        Some(slot) => Ok((bulk_of(ctx, slot)?, Some(slot))),
    }
}

/// Stores `value` under `key`, whose live slot (if any) the caller already looked up.
/// Without `keep_ttl` an existing TTL is removed. Returns the slot.
fn store(ctx: &mut Ctx, slot: Option<u32>, key: &[u8], value: Value, keep_ttl: bool) -> u32 {
    match slot {
        Some(slot) => {
            let keys = &mut ctx.db().keys;
            if !keep_ttl {
                keys.clear_expire(slot);
            }
            keys.entry_mut(slot).value = value;
            slot
        }
        None => {
            let access = ctx.st.new_access();
            ctx.db().keys.insert_new(SBytes::new(key), value, access)
        }
    }
}

/// `checkStringLength`: whether a string of `len + extra` bytes is allowed.
fn check_string_length(ctx: &Ctx, len: u64, extra: u64) -> Result<(), CmdError> {
    match len.checked_add(extra) {
        Some(total) if total <= ctx.st.config.proto_max_bulk_len => Ok(()),
        _ => Err(CmdError::StringTooLong),
    }
}

/// Turns the value in `slot` into a growable `raw` string (Redis's
/// `dbUnshareStringValue`) and returns it. The value must be a string.
fn unshare_raw<'a>(ctx: &'a mut Ctx, slot: u32, reserve: usize) -> &'a mut Vec<u8> {
    let value = &mut ctx.db().keys.entry_mut(slot).value;
    if !matches!(value, Value::Raw(_)) {
        let mut buf = [0u8; 20];
        let bytes = str_bytes(value, &mut buf).unwrap_or_default();
        let mut v = Vec::with_capacity(bytes.len() + reserve);
        v.extend_from_slice(bytes);
        *value = Value::Raw(v);
    }
    match value {
        Value::Raw(v) => v,
        _ => unreachable!("value was just made raw"),
    }
}

// ---------------------------------------------------------------------------------------
// SET and its options
// ---------------------------------------------------------------------------------------

/// When a key set by SET/GETEX expires, as given by the client.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ExpireUnit {
    /// `EX`: seconds from now.
    Ex,
    /// `PX`: milliseconds from now.
    Px,
    /// `EXAT`: Unix time in seconds.
    ExAt,
    /// `PXAT`: Unix time in milliseconds.
    PxAt,
}

/// Options of SET (`NX XX GET KEEPTTL` + expiry) or GETEX (`PERSIST` + expiry).
#[derive(Default)]
struct SetOptions<'a> {
    nx: bool,
    xx: bool,
    get: bool,
    keep_ttl: bool,
    persist: bool,
    expire: Option<(ExpireUnit, &'a [u8])>,
}

/// Redis's `parseExtendedStringArgumentsOrReply`: options may repeat (the last expire
/// wins) but conflicting ones, unknown words and a missing expire value are syntax
/// errors. `for_set` selects SET's options, otherwise GETEX's.
fn parse_set_options<'a>(args: &mut Args<'a>, for_set: bool) -> Result<SetOptions<'a>, CmdError> {
    let mut o = SetOptions::default();
    while let Some(opt) = args.next() {
        let next = args.peek();
        let has_expire = o.expire.is_some();
        let unit = o.expire.map(|(u, _)| u);
        let expire_ok = |u: ExpireUnit| !o.keep_ttl && !o.persist && (unit.is_none() || unit == Some(u));
        if for_set && is_c(opt, "NX") && !o.xx {
            o.nx = true;
        } else if for_set && is_c(opt, "XX") && !o.nx {
            o.xx = true;
        } else if for_set && is_c(opt, "GET") {
            o.get = true;
        } else if for_set && is_c(opt, "KEEPTTL") && !has_expire {
            o.keep_ttl = true;
        } else if !for_set && is_c(opt, "PERSIST") && !has_expire {
            o.persist = true;
        } else if let (Some(u), Some(v)) = (expire_word(opt), next) {
            if !expire_ok(u) {
                return Err(CmdError::Syntax);
            }
            o.expire = Some((u, v));
            args.skip(1);
        } else {
            return Err(CmdError::Syntax);
        }
    }
    Ok(o)
}

/// The expire option an argument names, if any.
fn expire_word(opt: &[u8]) -> Option<ExpireUnit> {
    if is_c(opt, "EX") {
        Some(ExpireUnit::Ex)
    } else if is_c(opt, "PX") {
        Some(ExpireUnit::Px)
    } else if is_c(opt, "EXAT") {
        Some(ExpireUnit::ExAt)
    } else if is_c(opt, "PXAT") {
        Some(ExpireUnit::PxAt)
    } else {
        None
    }
}

/// Redis's `getExpireMillisecondsOrReply`: the absolute expiry time in ms, or
/// `ERR invalid expire time in '<cmd>' command` for non-positive values and overflow.
fn expire_at_ms(ctx: &Ctx, unit: ExpireUnit, arg: &[u8]) -> Result<u64, CmdError> {
    let invalid = || CmdError::InvalidExpire(ctx.cmd.name.to_string());
    let mut ms = parse_i64(arg).ok_or(CmdError::NotInteger)?;
    let seconds = matches!(unit, ExpireUnit::Ex | ExpireUnit::ExAt);
    if ms <= 0 || (seconds && ms > i64::MAX / 1000) {
        return Err(invalid());
    }
    if seconds {
        ms *= 1000;
    }
    if matches!(unit, ExpireUnit::Ex | ExpireUnit::Px) {
        // Redis adds in signed 64-bit arithmetic and reports the overflow.
        ms = ms.wrapping_add(ctx.now_ms() as i64);
    }
    if ms <= 0 {
        return Err(invalid());
    }
    Ok(ms as u64)
}

/// What SET-like commands answer when they write and when NX/XX stops them.
#[derive(Clone, Copy)]
enum SetReplies {
    /// `+OK`, or nil when stopped (SET, SETEX, PSETEX).
    OkOrNil,
    /// `1`, or `0` when stopped (SETNX).
    OneOrZero,
}

impl SetReplies {
    fn ok(self) -> Reply {
        match self {
            SetReplies::OkOrNil => Reply::ok(),
            SetReplies::OneOrZero => Reply::Int(1),
        }
    }

    fn aborted(self) -> Reply {
        match self {
            SetReplies::OkOrNil => Reply::Nil,
            SetReplies::OneOrZero => Reply::Int(0),
        }
    }
}

/// Redis's `setGenericCommand`.
fn set_generic(ctx: &mut Ctx, key: &[u8], val: &[u8], opts: &SetOptions, replies: SetReplies) -> CmdResult {
    let expire_at = match opts.expire {
        Some((unit, arg)) => Some(expire_at_ms(ctx, unit, arg)?),
        None => None,
    };
    let (old, slot) = if opts.get {
        let (reply, slot) = get_generic(ctx, key)?;
        (Some(reply), slot)
    } else {
        (None, ctx.lookup_write(key))
    };
    let found = slot.is_some();
    if (opts.nx && found) || (opts.xx && !found) {
        return Ok(old.unwrap_or_else(|| replies.aborted()));
    }
    let slot = store(ctx, slot, key, Value::from_bytes(val), opts.keep_ttl || expire_at.is_some());
    if let Some(at) = expire_at {
        ctx.db().keys.set_expire(slot, at);
    }
    ctx.key_event(notify::STRING, "set", key);
    if expire_at.is_some() {
        ctx.notify(notify::GENERIC, "expire", key);
    }
    Ok(old.unwrap_or_else(|| replies.ok()))
}

/// What a SET, SETEX or PSETEX that wrote propagates, as Redis 7.0.15's
/// `setGenericCommand` rewrites it: with an expiry, `SET key value PXAT <ms>` (the other
/// options dropped); SET with GET and no expiry, the request without its GET words;
/// else the request. Worked out from the request and the key's new TTL once the command
/// ran (by the propagation hook, so SET pays nothing when nobody consumes propagation).
pub(crate) fn set_effect(st: &crate::engine::EngineState, db: usize, argv: &[&[u8]]) -> Vec<Vec<u8>> {
    let owned = |v: &[&[u8]]| v.iter().map(|a| a.to_vec()).collect();
    let (key, val, expire, get) = if is_c(argv[0], "set") {
        let (mut expire, mut get) = (false, false);
        let mut i = 3;
        while i < argv.len() {
            // (Matched here rather than with `expire_word`, which stays SET's parser's own.)
            if ["ex", "px", "exat", "pxat"].iter().any(|w| is_c(argv[i], w)) {
                expire = true;
                i += 2;
            } else {
                get |= is_c(argv[i], "get");
                i += 1;
            }
        }
        (argv[1], argv[2], expire, get)
    } else {
        // SETEX / PSETEX key ttl value.
        (argv[1], argv[3], true, false)
    };
    let at = expire.then(|| st.dbs[db].keys.find(key).and_then(|slot| st.dbs[db].keys.expire_at(slot))).flatten();
    if let Some(at) = at {
        let mut n = [0u8; 20];
        return owned(&[b"SET", key, val, b"PXAT", format_i64(at as i64, &mut n)]);
    }
    if get {
        // Redis skips every argument from the fourth on that reads "get" as a C string.
        return argv.iter().enumerate().filter(|&(j, a)| j < 3 || !is_c(a, "get")).map(|(_, a)| a.to_vec()).collect();
    }
    owned(argv)
}

/// `SET key value [NX|XX] [GET] [EX s|PX ms|EXAT ts|PXAT ms-ts|KEEPTTL]`.
pub fn set(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (key, val) = (args.take(), args.take());
    let opts = parse_set_options(args, true)?;
    set_generic(ctx, key, val, &opts, SetReplies::OkOrNil)
}

/// `SETNX key value`: 1 when set, 0 when the key exists.
pub fn setnx(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let opts = SetOptions { nx: true, ..Default::default() };
    set_generic(ctx, args.take(), args.take(), &opts, SetReplies::OneOrZero)
}

/// `SETEX key seconds value`.
pub fn setex(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (key, expire, val) = (args.take(), args.take(), args.take());
    let opts = SetOptions { expire: Some((ExpireUnit::Ex, expire)), ..Default::default() };
    set_generic(ctx, key, val, &opts, SetReplies::OkOrNil)
}

/// `PSETEX key milliseconds value`.
pub fn psetex(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (key, expire, val) = (args.take(), args.take(), args.take());
    let opts = SetOptions { expire: Some((ExpireUnit::Px, expire)), ..Default::default() };
    set_generic(ctx, key, val, &opts, SetReplies::OkOrNil)
}

// ---------------------------------------------------------------------------------------
// GET family
// ---------------------------------------------------------------------------------------

/// `GET key`.
pub fn get(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    Ok(get_generic(ctx, args.take())?.0)
}

/// `GETEX key [EX s|PX ms|EXAT ts|PXAT ms-ts|PERSIST]`: the value, then the TTL change.
/// A past `EXAT`/`PXAT` deletes the key.
pub fn getex(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let key = args.take();
    let opts = parse_set_options(args, false)?;
    let Some(slot) = ctx.lookup_read(key) else {
        return Ok(Reply::Nil);
    };
    let reply = bulk_of(ctx, slot)?;
    let now = ctx.now_ms();
    match opts.expire {
        Some((unit, arg)) => {
            let at = expire_at_ms(ctx, unit, arg)?;
            let absolute = matches!(unit, ExpireUnit::ExAt | ExpireUnit::PxAt);
            if absolute && at <= now {
                ctx.db().keys.remove(slot);
                ctx.key_event(notify::GENERIC, "del", key);
                // Never propagated as is: DEL (UNLINK under lazyfree-lazy-expire).
                let del: &[u8] = if ctx.st.config.lazyfree_lazy_expire { b"UNLINK" } else { b"DEL" };
                ctx.propagate_as(&[del, key]);
            } else {
                ctx.db().keys.set_expire(slot, at);
                ctx.key_event(notify::GENERIC, "expire", key);
                let mut n = [0u8; 20];
                ctx.propagate_as(&[b"PEXPIREAT", key, crate::numfmt::format_i64(at as i64, &mut n)]);
            }
        }
        None if opts.persist && ctx.db().keys.clear_expire(slot) => {
            ctx.key_event(notify::GENERIC, "persist", key);
            ctx.propagate_as(&[b"PERSIST", key]);
        }
        None => {}
    }
    Ok(reply)
}

/// `GETDEL key`.
pub fn getdel(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let key = args.take();
    let (reply, slot) = get_generic(ctx, key)?;
    if let Some(slot) = slot {
        ctx.db().keys.remove(slot);
        ctx.key_event(notify::GENERIC, "del", key);
        // Propagated as DEL (UNLINK under lazyfree-lazy-user-del).
        let del: &[u8] = if ctx.st.config.lazyfree_lazy_user_del { b"UNLINK" } else { b"DEL" };
        ctx.propagate_as(&[del, key]);
    }
    Ok(reply)
}

/// `GETSET key value`: the old value; the new one replaces it and any TTL.
pub fn getset(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (key, value) = (args.take(), args.take());
    let (reply, slot) = get_generic(ctx, key)?;
    store(ctx, slot, key, Value::from_bytes(value), false);
    ctx.key_event(notify::STRING, "set", key);
    // Propagated as SET (Redis rewrites the command name only).
    ctx.propagate_as(&[b"SET", key, value]);
    Ok(reply)
}

/// `MGET key [key ...]`: nil for missing keys and non-strings.
pub fn mget(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let keys = args.take_rest();
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        let item = match ctx.lookup_read(key) {
            Some(slot) => bulk_of(ctx, slot).unwrap_or(Reply::Nil),
            None => Reply::Nil,
        };
        out.push(item);
    }
    Ok(Reply::Array(out))
}

/// `MSET key value [key value ...]`: replaces values and TTLs.
pub fn mset(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    mset_generic(ctx, args, false)
}

/// `MSETNX key value [key value ...]`: sets all only when none exists.
pub fn msetnx(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    mset_generic(ctx, args, true)
}

fn mset_generic(ctx: &mut Ctx, args: &mut Args, nx: bool) -> CmdResult {
    let rest = args.take_rest();
    // An odd count means a key without its value.
    if rest.len() & 1 == 1 {
        return Err(CmdError::Arity(ctx.cmd.name.to_string()));
    }
    let pairs = rest.chunks_exact(2);
    if nx {
        for p in pairs.clone() {
            if ctx.lookup_write(p[0]).is_some() {
                return Ok(Reply::Int(0));
            }
        }
    }
    for p in pairs {
        // Redis's setKey: an existing key is touched (its LFU counter survives), a new one
        // starts fresh.
        let slot = ctx.lookup_write(p[0]);
        store(ctx, slot, p[0], Value::from_bytes(p[1]), false);
        ctx.key_event(notify::STRING, "set", p[0]);
    }
    Ok(if nx { Reply::Int(1) } else { Reply::ok() })
}

/// `STRLEN key`.
pub fn strlen(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let Some(slot) = ctx.lookup_read(args.take()) else {
        return Ok(Reply::Int(0));
    };
    let mut buf = [0u8; 20];
    let len = str_bytes(&ctx.db().keys.entry(slot).value, &mut buf)?.len();
    Ok(Reply::Int(len as i64))
}

/// `GETRANGE key start end` (inclusive, negative counts from the end).
pub fn getrange(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let key = args.take();
    let (start, end) = (args.next_i64()?, args.next_i64()?);
    let empty = || Ok(Reply::Bulk(Vec::new()));
    let Some(slot) = ctx.lookup_read(key) else {
        return empty();
    };
    let mut buf = [0u8; 20];
    let s = str_bytes(&ctx.db().keys.entry(slot).value, &mut buf)?;
    if start < 0 && end < 0 && start > end {
        return empty();
    }
    let len = s.len() as i64;
    let (mut start, mut end) = (start, end);
    if start < 0 {
        start += len;
    }
    if end < 0 {
        end += len;
    }
    start = start.max(0);
    end = end.max(0);
    if end >= len {
        end = len - 1;
    }
    if start > end || len == 0 {
        return empty();
    }
    Ok(Reply::bulk(&s[start as usize..=end as usize]))
}

/// `SUBSTR key start end`: the old name of GETRANGE.
pub fn substr(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    getrange(ctx, args)
}

// ---------------------------------------------------------------------------------------
// Modifying strings in place
// ---------------------------------------------------------------------------------------

/// `APPEND key value`: the new length. A new key gets SET's encoding; an existing one
/// becomes `raw`. The TTL stays.
pub fn append(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (key, tail) = (args.take(), args.take());
    let Some(slot) = ctx.lookup_write(key) else {
        store(ctx, None, key, Value::from_bytes(tail), false);
        ctx.key_event(notify::STRING, "append", key);
        return Ok(Reply::Int(tail.len() as i64));
    };
    let mut buf = [0u8; 20];
    let len = str_bytes(&ctx.db().keys.entry(slot).value, &mut buf)?.len();
    check_string_length(ctx, len as u64, tail.len() as u64)?;
    let raw = unshare_raw(ctx, slot, tail.len());
    raw.extend_from_slice(tail);
    let n = raw.len();
    ctx.key_event(notify::STRING, "append", key);
    Ok(Reply::Int(n as i64))
}

/// `SETRANGE key offset value`: overwrites from `offset`, zero-padding as needed;
/// the new length. The TTL stays.
pub fn setrange(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (key, offset, value) = (args.take(), args.take(), args.take());
    let offset = parse_i64(offset).ok_or(CmdError::NotInteger)?;
    if offset < 0 {
        return Err(CmdError::other("ERR offset is out of range"));
    }
    let offset = offset as u64;
    let raw = match ctx.lookup_write(key) {
        None => {
            if value.is_empty() {
                return Ok(Reply::Int(0));
            }
            check_string_length(ctx, offset, value.len() as u64)?;
            let slot = store(ctx, None, key, Value::Raw(Vec::new()), false);
            unshare_raw(ctx, slot, 0)
        }
        Some(slot) => {
            let mut buf = [0u8; 20];
            let len = str_bytes(&ctx.db().keys.entry(slot).value, &mut buf)?.len();
            if value.is_empty() {
                return Ok(Reply::Int(len as i64));
            }
            check_string_length(ctx, offset, value.len() as u64)?;
            unshare_raw(ctx, slot, 0)
        }
    };
    // Within proto-max-bulk-len, so it fits in usize.
    let offset = offset as usize;
    let end = offset + value.len();
    if raw.len() < end {
        raw.resize(end, 0);
    }
    raw[offset..end].copy_from_slice(value);
    let n = raw.len();
    ctx.key_event(notify::STRING, "setrange", key);
    Ok(Reply::Int(n as i64))
}

// ---------------------------------------------------------------------------------------
// Counters
// ---------------------------------------------------------------------------------------

/// Redis's `incrDecrCommand`: adds `delta` to the integer in `key` (missing = 0),
/// stores it `int`-encoded keeping the TTL, and replies with the result.
fn incr_decr(ctx: &mut Ctx, key: &[u8], delta: i64) -> CmdResult {
    let Some(slot) = ctx.lookup_write(key) else {
        store(ctx, None, key, Value::Int(delta), false);
        ctx.key_event(notify::STRING, "incrby", key);
        return Ok(Reply::Int(delta));
    };
    let value = &mut ctx.db().keys.entry_mut(slot).value;
    let current = match value {
        Value::Int(n) => *n,
        Value::Str(s) => parse_i64(s).ok_or(CmdError::NotInteger)?,
        Value::Raw(r) => parse_i64(r).ok_or(CmdError::NotInteger)?,
        Value::List(_) | Value::Hash(_) | Value::Set(_) | Value::ZSet(_) | Value::Stream(_) => {
            return Err(CmdError::WrongType)
        }
    };
    let new = current.checked_add(delta).ok_or(CmdError::Overflow)?;
    match value {
        // In place: no drop of the old value (the usual case after the first INCR).
        Value::Int(n) => *n = new,
        other => *other = Value::Int(new),
    }
    ctx.key_event(notify::STRING, "incrby", key);
    Ok(Reply::Int(new))
}

/// `INCR key`.
pub fn incr(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    incr_decr(ctx, args.take(), 1)
}

/// `DECR key`.
pub fn decr(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    incr_decr(ctx, args.take(), -1)
}

/// `INCRBY key increment`.
pub fn incrby(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let key = args.take();
    let delta = args.next_i64()?;
    incr_decr(ctx, key, delta)
}

/// `DECRBY key decrement`.
pub fn decrby(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let key = args.take();
    let delta = args.next_i64()?;
    if delta == i64::MIN {
        return Err(CmdError::other("ERR decrement would overflow"));
    }
    incr_decr(ctx, key, -delta)
}

/// `INCRBYFLOAT key increment`: C `long double` arithmetic, stored and replied in
/// Redis's human-friendly form (`%.17Lf` without trailing zeros), never `int`-encoded.
pub fn incrbyfloat(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (key, incr) = (args.take(), args.take());
    let slot = ctx.lookup_write(key);
    if slot.is_some_and(|s| ctx.db().keys.entry(s).value.is_string()) || slot.is_none() {
        // string2ld clears errno before strtold (a long-double range error, beyond
        // 1e4932, is not modelled).
        ctx.st.errno_erange = false;
    }
    let current = match slot {
        None => LongDouble::ZERO,
        Some(slot) => match &ctx.db().keys.entry(slot).value {
            Value::Int(n) => LongDouble::from_i64(*n),
            Value::Str(s) => LongDouble::parse(s).ok_or(CmdError::NotFloat)?,
            Value::Raw(r) => LongDouble::parse(r).ok_or(CmdError::NotFloat)?,
            Value::List(_) | Value::Hash(_) | Value::Set(_) | Value::ZSet(_) | Value::Stream(_) => {
                return Err(CmdError::WrongType)
            }
        },
    };
    let incr = LongDouble::parse(incr).ok_or(CmdError::NotFloat)?;
    let sum = current + incr;
    if sum.is_nan_or_inf() {
        return Err(CmdError::other("ERR increment would produce NaN or Infinity"));
    }
    let text = sum.to_human();
    let reply = Reply::bulk(&text);
    if ctx.st.propagation.is_enabled() {
        // Always replicated as SET with the final value, so float formatting cannot
        // differ on a replica or after an AOF reload.
        ctx.propagate_as(&[b"SET", key, &text, b"KEEPTTL"]);
    }
    store(ctx, slot, key, Value::Str(SBytes::from_vec(text)), true);
    ctx.key_event(notify::STRING, "incrbyfloat", key);
    Ok(reply)
}

// ---------------------------------------------------------------------------------------
// LCS
// ---------------------------------------------------------------------------------------

/// `LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]`.
pub fn lcs(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let sa = ctx.lookup_read(args.take());
    let sb = ctx.lookup_read(args.take());
    let (mut buf_a, mut buf_b) = ([0u8; 20], [0u8; 20]);
    let db = &ctx.st.dbs[ctx.client.db];
    let not_strings = || CmdError::other("ERR The specified keys must contain string values");
    let a: &[u8] = match sa {
        Some(s) => str_bytes(&db.keys.entry(s).value, &mut buf_a).map_err(|_| not_strings())?,
        None => b"",
    };
    let b: &[u8] = match sb {
        Some(s) => str_bytes(&db.keys.entry(s).value, &mut buf_b).map_err(|_| not_strings())?,
        None => b"",
    };
    let (mut get_len, mut get_idx, mut with_match_len) = (false, false, false);
    let mut min_match_len: i64 = 0;
    while let Some(opt) = args.next() {
        if is_c(opt, "IDX") {
            get_idx = true;
        } else if is_c(opt, "LEN") {
            get_len = true;
        } else if is_c(opt, "WITHMATCHLEN") {
            with_match_len = true;
        } else if is_c(opt, "MINMATCHLEN") && args.has_more() {
            min_match_len = args.next_i64()?.max(0);
        } else {
            return Err(CmdError::Syntax);
        }
    }
    if get_len && get_idx {
        return Err(CmdError::other("ERR If you want both the length and indexes, please just use IDX."));
    }
    if a.len() as u64 >= u32::MAX as u64 - 1 || b.len() as u64 >= u32::MAX as u64 - 1 {
        return Err(CmdError::other("ERR String too long for LCS"));
    }
    let table = LcsTable::build(a, b, ctx.st.config.proto_max_bulk_len).map_err(|e| match e {
        LcsError::TooBig => {
            CmdError::other("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
        }
        LcsError::NoMemory => CmdError::other("ERR Insufficient memory, failed allocating transient memory for LCS"),
    })?;
    if get_len && !get_idx {
        return Ok(Reply::Int(table.len() as i64));
    }
    let (string, matches) = table.walk(min_match_len as u64);
    if !get_idx {
        return Ok(Reply::Bulk(string));
    }
    let pair = |x: u32, y: u32| Reply::Array(vec![Reply::Int(x as i64), Reply::Int(y as i64)]);
    let items = matches
        .iter()
        .map(|m| {
            let mut item = vec![pair(m.a_start, m.a_end), pair(m.b_start, m.b_end)];
            if with_match_len {
                item.push(Reply::Int(m.len() as i64));
            }
            Reply::Array(item)
        })
        .collect();
    Ok(Reply::Map(vec![
        (Reply::bulk(b"matches"), Reply::Array(items)),
        (Reply::bulk(b"len"), Reply::Int(table.len() as i64)),
    ]))
}

#[cfg(test)]
mod tests {
    use crate::testkit::TestEngine;

    /// Looking up the second key may lazily expire it; the first key's slot must survive.
    #[test]
    fn lcs_with_an_expired_second_key() {
        let mut t = TestEngine::new();
        t.cmd(&["SET", "live", "ohmytext"]);
        t.cmd(&["SET", "exp", "mynewtext", "PX", "10"]);
        t.cmd(&["SET", "after", "x"]);
        t.advance_ms(20);
        assert_eq!(t.resp(&["LCS", "live", "exp"]), "$0\r\n\r\n");
        assert_eq!(t.resp(&["LCS", "exp", "live", "LEN"]), ":0\r\n");
        assert_eq!(t.resp(&["GET", "after"]), "$1\r\nx\r\n");
        assert_eq!(t.resp(&["EXISTS", "live", "exp", "after"]), ":2\r\n");
    }

    /// Runs each `(command, expected RESP2)` pair; commands are split on spaces.
    fn check(t: &mut TestEngine, script: &[(&str, &str)]) {
        for (cmd, want) in script {
            let args: Vec<&str> = cmd.split(' ').collect();
            assert_eq!(t.resp(&args), *want, "{}", cmd);
        }
    }

    fn encoding(t: &mut TestEngine, key: &str) -> &'static str {
        let now = t.eng.state.now_ms();
        t.eng.state.dbs[0].get(key.as_bytes(), now).map_or("none", |v| v.encoding())
    }

    /// Remaining TTL in ms: `None` missing key, `Some(None)` no TTL.
    fn pttl(t: &mut TestEngine, key: &str) -> Option<Option<u64>> {
        let now = t.eng.state.now_ms();
        t.eng.state.dbs[0].ttl_ms(key.as_bytes(), now)
    }

    fn dbsize(t: &TestEngine) -> usize {
        t.eng.state.dbs[0].keys.len()
    }

    const NIL: &str = "$-1\r\n";
    const OK: &str = "+OK\r\n";
    const SYNTAX: &str = "-ERR syntax error\r\n";
    const NOT_INT: &str = "-ERR value is not an integer or out of range\r\n";
    const NOT_FLOAT: &str = "-ERR value is not a valid float\r\n";

    #[test]
    fn set_option_errors_in_redis_order() {
        let mut t = TestEngine::new();
        let invalid = "-ERR invalid expire time in 'set' command\r\n";
        check(
            &mut t,
            &[
                ("SET k v EX 0", invalid),
                ("SET k v EX -1", invalid),
                ("SET k v NX XX", SYNTAX),
                ("SET k v XX NX", SYNTAX),
                ("SET k v EX 1 PX 1", SYNTAX),
                ("SET k v EX 10 PXAT 20", SYNTAX),
                ("SET k v KEEPTTL EX 1", SYNTAX),
                ("SET k v EX 1 KEEPTTL", SYNTAX),
                ("SET k v EX", SYNTAX),
                ("SET k v PERSIST", SYNTAX),
                ("SET k v FOO", SYNTAX),
                ("SET k v EX 0 FOO", SYNTAX),
                ("SET k v EX abc", NOT_INT),
                ("SET k v EX 1.5", NOT_INT),
                // Seconds that overflow when turned into ms, or when now is added.
                ("SET k v EX 9223372036854776", invalid),
                ("SET k v EX 9223372036854775", invalid),
                ("SET k v PX 9223372036854775807", invalid),
                ("SET k v PX 9223372036854775806", invalid),
                ("SET k v EXAT 9223372036854776", invalid),
                ("SET k", "-ERR wrong number of arguments for 'set' command\r\n"),
            ],
        );
        assert_eq!(dbsize(&t), 0);
        check(
            &mut t,
            &[
                ("SET k v EXAT 9223372036854775", OK),
                ("SET k v PXAT 9223372036854775807", OK),
                ("SET k v GET GET", "$1\r\nv\r\n"),
                ("SET k v KEEPTTL KEEPTTL", OK),
                ("SET k v nx get", "$1\r\nv\r\n"),
            ],
        );
        // Options compare as C strings: anything after a NUL byte is ignored.
        assert_eq!(t.cmd_bytes(&[b"SET", b"n", b"v", b"NX\0abc"]).to_resp(2), b"+OK\r\n");
        assert_eq!(t.cmd_bytes(&[b"SET", b"n", b"w", b"GET\0x"]).to_resp(2), b"$1\r\nv\r\n");
    }

    #[test]
    fn set_nx_xx_get_replies() {
        let mut t = TestEngine::new();
        check(
            &mut t,
            &[
                ("SET k v XX", NIL),
                ("SET k v NX", OK),
                ("SET k v2 NX", NIL),
                ("SET k v2 NX GET", "$1\r\nv\r\n"),
                ("GET k", "$1\r\nv\r\n"),
                ("SET k v3 XX GET", "$1\r\nv\r\n"),
                ("SET k v4 GET", "$2\r\nv3\r\n"),
                ("SET nokey v XX GET", NIL),
                ("GET nokey", NIL),
                ("SET fresh v GET", NIL),
                ("GET fresh", "$1\r\nv\r\n"),
            ],
        );
        assert_eq!(t.resp3(&["SET", "k", "x", "NX"]), "_\r\n");
        assert_eq!(t.resp3(&["SET", "other", "x", "XX", "GET"]), "_\r\n");
        assert_eq!(t.resp3(&["GET", "missing"]), "_\r\n");
    }

    #[test]
    fn set_family_replies_when_writing_and_when_stopped() {
        let mut t = TestEngine::new();
        assert_eq!(t.resp(&["SETNX", "n", "1"]), ":1\r\n");
        assert_eq!(t.resp(&["SETNX", "n", "2"]), ":0\r\n");
        assert_eq!(t.resp(&["SET", "n", "3", "NX"]), "$-1\r\n");
        assert_eq!(t.resp(&["SET", "m", "3", "XX"]), "$-1\r\n");
        assert_eq!(t.resp(&["SET", "n", "4", "XX"]), "+OK\r\n");
        assert_eq!(t.resp(&["SETEX", "e", "10", "v"]), "+OK\r\n");
        assert_eq!(t.resp(&["PSETEX", "e", "10000", "w"]), "+OK\r\n");
        assert_eq!(t.resp(&["GET", "n"]), "$1\r\n4\r\n");
    }

    #[test]
    fn set_ttl_rules() {
        let mut t = TestEngine::new();
        check(&mut t, &[("SET k v EX 100", OK)]);
        assert_eq!(pttl(&mut t, "k"), Some(Some(100_000)));
        check(&mut t, &[("SET k v KEEPTTL", OK)]);
        assert_eq!(pttl(&mut t, "k"), Some(Some(100_000)));
        check(&mut t, &[("SET k v NX EX 5", NIL)]);
        assert_eq!(pttl(&mut t, "k"), Some(Some(100_000)));
        check(&mut t, &[("SET k v", OK)]);
        assert_eq!(pttl(&mut t, "k"), Some(None));
        check(&mut t, &[("SET k v EX 10 EX 20", OK)]);
        assert_eq!(pttl(&mut t, "k"), Some(Some(20_000)));
        check(&mut t, &[("SET k v PX 1500", OK)]);
        t.advance_ms(1499);
        check(&mut t, &[("GET k", "$1\r\nv\r\n")]);
        t.advance_ms(1);
        check(&mut t, &[("GET k", NIL)]);
        let at = t.eng.state.now_ms() + 2000;
        check(&mut t, &[(&format!("SET k v PXAT {}", at), OK)]);
        assert_eq!(pttl(&mut t, "k"), Some(Some(2000)));
        let at_s = t.eng.state.now_ms() / 1000 + 3;
        check(&mut t, &[(&format!("SET k v EXAT {}", at_s), OK)]);
        assert_eq!(pttl(&mut t, "k"), Some(Some(at_s * 1000 - t.eng.state.now_ms())));
        // A past PXAT is accepted; the key stays until it is looked up (Redis 7.0).
        check(&mut t, &[("SET past v PXAT 1", OK)]);
        assert_eq!(dbsize(&t), 2);
        check(&mut t, &[("GET past", NIL)]);
        assert_eq!(dbsize(&t), 1);
    }

    #[test]
    fn getex_options_and_ttl() {
        let mut t = TestEngine::new();
        let invalid = "-ERR invalid expire time in 'getex' command\r\n";
        check(
            &mut t,
            &[
                ("GETEX nokey EX", SYNTAX),
                ("GETEX nokey FOO", SYNTAX),
                ("GETEX nokey EX 1 PX 1", SYNTAX),
                ("GETEX nokey PERSIST EX 1", SYNTAX),
                ("GETEX nokey EX 1 PERSIST", SYNTAX),
                ("GETEX nokey KEEPTTL", SYNTAX),
                ("GETEX nokey NX", SYNTAX),
                ("GETEX nokey GET", SYNTAX),
                // The expire value is only checked once the key is found.
                ("GETEX nokey EX 0", NIL),
                ("GETEX nokey EX abc", NIL),
                ("SET k v", OK),
                ("GETEX k EX 0", invalid),
                ("GETEX k EX -5", invalid),
                ("GETEX k EX abc", NOT_INT),
                ("GETEX k PX 9223372036854775807", invalid),
                ("GETEX k", "$1\r\nv\r\n"),
            ],
        );
        assert_eq!(pttl(&mut t, "k"), Some(None));
        check(&mut t, &[("GETEX k EX 100", "$1\r\nv\r\n")]);
        assert_eq!(pttl(&mut t, "k"), Some(Some(100_000)));
        check(&mut t, &[("GETEX k", "$1\r\nv\r\n")]);
        assert_eq!(pttl(&mut t, "k"), Some(Some(100_000)));
        check(&mut t, &[("GETEX k PERSIST PERSIST", "$1\r\nv\r\n")]);
        assert_eq!(pttl(&mut t, "k"), Some(None));
        check(&mut t, &[("GETEX k PX 10 PX 250", "$1\r\nv\r\n")]);
        assert_eq!(pttl(&mut t, "k"), Some(Some(250)));
        let at = t.eng.state.now_ms() + 5000;
        check(&mut t, &[(&format!("GETEX k PXAT {}", at), "$1\r\nv\r\n")]);
        assert_eq!(pttl(&mut t, "k"), Some(Some(5000)));
        // A past EXAT/PXAT deletes the key right away (after replying with it).
        check(&mut t, &[("GETEX k EXAT 1", "$1\r\nv\r\n")]);
        assert_eq!(dbsize(&t), 0);
        let now = t.eng.state.now_ms();
        check(&mut t, &[("SET k v", OK), (&format!("GETEX k PXAT {}", now), "$1\r\nv\r\n")]);
        assert_eq!(dbsize(&t), 0);
        assert_eq!(t.eng.state.dbs[0].expired_keys, 0);
    }

    #[test]
    fn getdel_getset_and_set_variants() {
        let mut t = TestEngine::new();
        check(
            &mut t,
            &[
                ("GETDEL nokey", NIL),
                ("SET k v", OK),
                ("GETDEL k", "$1\r\nv\r\n"),
                ("GETDEL k", NIL),
                ("GETSET k 1", NIL),
                ("GETSET k 2", "$1\r\n1\r\n"),
                ("SET k v EX 100", OK),
                ("GETSET k 3", "$1\r\nv\r\n"),
            ],
        );
        assert_eq!(pttl(&mut t, "k"), Some(None));
        assert_eq!(encoding(&mut t, "k"), "int");
        check(
            &mut t,
            &[
                ("SETNX k 1", ":0\r\n"),
                ("SETNX n 1", ":1\r\n"),
                ("SETEX k 0 v", "-ERR invalid expire time in 'setex' command\r\n"),
                ("SETEX k -1 v", "-ERR invalid expire time in 'setex' command\r\n"),
                ("SETEX k 9223372036854775 v", "-ERR invalid expire time in 'setex' command\r\n"),
                ("SETEX k abc v", NOT_INT),
                ("SETEX k 10 v", OK),
                ("PSETEX k 0 v", "-ERR invalid expire time in 'psetex' command\r\n"),
                ("PSETEX k 9223372036854775807 v", "-ERR invalid expire time in 'psetex' command\r\n"),
                ("GET k", "$1\r\nv\r\n"),
            ],
        );
        assert_eq!(pttl(&mut t, "k"), Some(Some(10_000)));
        check(&mut t, &[("PSETEX k 1500 w", OK)]);
        assert_eq!(pttl(&mut t, "k"), Some(Some(1500)));
        t.advance_ms(1500);
        check(&mut t, &[("GET k", NIL)]);
    }

    #[test]
    fn mget_mset_msetnx() {
        let mut t = TestEngine::new();
        check(
            &mut t,
            &[
                ("MSET a", "-ERR wrong number of arguments for 'mset' command\r\n"),
                ("MSET a 1 b", "-ERR wrong number of arguments for 'mset' command\r\n"),
                ("MSETNX q 1 r", "-ERR wrong number of arguments for 'msetnx' command\r\n"),
                ("MSET a 1 b 2 a 3", OK),
                ("MGET a b c", "*3\r\n$1\r\n3\r\n$1\r\n2\r\n$-1\r\n"),
                ("MSETNX a 1 z 2", ":0\r\n"),
                ("MGET z", "*1\r\n$-1\r\n"),
                ("MSETNX x 1 y 2 x 3", ":1\r\n"),
                ("MGET x y", "*2\r\n$1\r\n3\r\n$1\r\n2\r\n"),
                ("SET t v EX 100", OK),
                ("MSET t w", OK),
            ],
        );
        assert_eq!(pttl(&mut t, "t"), Some(None));
        assert_eq!(encoding(&mut t, "a"), "int");
        assert_eq!(t.resp3(&["MGET", "a", "nokey"]), "*2\r\n$1\r\n3\r\n_\r\n");
    }

    #[test]
    fn incr_family() {
        let mut t = TestEngine::new();
        let overflow = "-ERR increment or decrement would overflow\r\n";
        check(
            &mut t,
            &[
                ("INCR n", ":1\r\n"),
                ("SET s 10", OK),
                ("APPEND s 0", ":3\r\n"),
                ("INCR s", ":101\r\n"),
                ("SET s 1.5", OK),
                ("INCR s", NOT_INT),
                ("SET s -0", OK),
                ("INCR s", NOT_INT),
                ("SET s 007", OK),
                ("INCR s", NOT_INT),
                ("SET s 9223372036854775807", OK),
                ("INCR s", overflow),
                ("INCRBY s 0", ":9223372036854775807\r\n"),
                ("DECRBY s -1", overflow),
                ("SET s -9223372036854775808", OK),
                ("DECR s", overflow),
                ("DECRBY s 1", overflow),
                ("INCRBY s -1", overflow),
                ("DECRBY n -9223372036854775808", "-ERR decrement would overflow\r\n"),
                ("DECRBY nokey -9223372036854775808", "-ERR decrement would overflow\r\n"),
                ("DECRBY n 9223372036854775807", ":-9223372036854775806\r\n"),
                ("DECRBY n 9223372036854775807", overflow),
                ("INCRBY n abc", NOT_INT),
                ("INCRBY n 1.0", NOT_INT),
                ("INCRBY n +1", NOT_INT),
                ("INCRBY n 99999999999999999999", NOT_INT),
                ("DECR d", ":-1\r\n"),
                ("INCRBY d -9223372036854775807", ":-9223372036854775808\r\n"),
            ],
        );
        assert_eq!(t.resp(&["SET", "sp", " 1"]), OK);
        assert_eq!(t.resp(&["INCR", "sp"]), NOT_INT);
        assert_eq!(t.resp(&["SET", "e", ""]), OK);
        assert_eq!(t.resp(&["INCR", "e"]), NOT_INT);
        check(&mut t, &[("SET s 5", OK), ("APPEND s 0", ":2\r\n")]);
        assert_eq!(encoding(&mut t, "s"), "raw");
        check(&mut t, &[("INCR s", ":51\r\n")]);
        assert_eq!(encoding(&mut t, "s"), "int");
        // The TTL survives.
        check(&mut t, &[("SET c 1 EX 100", OK), ("INCRBY c 5", ":6\r\n")]);
        assert_eq!(pttl(&mut t, "c"), Some(Some(100_000)));
    }

    #[test]
    fn incrbyfloat_uses_long_double() {
        let mut t = TestEngine::new();
        check(
            &mut t,
            &[
                ("SET k 10.5", OK),
                ("INCRBYFLOAT k 0.1", "$4\r\n10.6\r\n"),
                ("INCRBYFLOAT n 1", "$1\r\n1\r\n"),
                ("INCRBYFLOAT n 3.0e3", "$4\r\n3001\r\n"),
                ("SET k 5.0e3", OK),
                ("INCRBYFLOAT k 0", "$4\r\n5000\r\n"),
                ("SET z 0", OK),
                ("INCRBYFLOAT z -0.0", "$1\r\n0\r\n"),
                ("INCRBYFLOAT z -1e-30", "$1\r\n0\r\n"),
                ("INCRBYFLOAT nz -0", "$1\r\n0\r\n"),
                ("SET k 1e308", OK),
                ("INCRBYFLOAT k inf", "-ERR increment would produce NaN or Infinity\r\n"),
                ("INCRBYFLOAT k -inf", "-ERR increment would produce NaN or Infinity\r\n"),
                ("INCRBYFLOAT k nan", NOT_FLOAT),
                ("INCRBYFLOAT k abc", NOT_FLOAT),
                ("INCRBYFLOAT k 1e5000", NOT_FLOAT),
                ("INCRBYFLOAT k 1e-5000", NOT_FLOAT),
                ("SET s abc", OK),
                ("INCRBYFLOAT s 1", NOT_FLOAT),
                ("SET i 9223372036854775807", OK),
                ("INCRBYFLOAT i 1", "$19\r\n9223372036854775808\r\n"),
                ("SET x 0.1", OK),
                ("INCRBYFLOAT x 0.1", "$3\r\n0.2\r\n"),
                ("INCRBYFLOAT x 0.1", "$3\r\n0.3\r\n"),
                ("INCRBYFLOAT x 0x10", "$4\r\n16.3\r\n"),
            ],
        );
        assert_eq!(t.resp(&["INCRBYFLOAT", "k", " 1"]), NOT_FLOAT);
        assert_eq!(t.resp(&["INCRBYFLOAT", "k", ""]), NOT_FLOAT);
        let r = t.resp(&["INCRBYFLOAT", "k", "1e308"]);
        assert!(r.starts_with("$309\r\n19999999999999999999337175931169129132112"), "{}", r);
        // Never int-encoded; 44 bytes is the embstr limit.
        assert_eq!(encoding(&mut t, "n"), "embstr");
        assert_eq!(encoding(&mut t, "k"), "raw");
        // The TTL survives.
        check(&mut t, &[("SET f 1 EX 100", OK), ("INCRBYFLOAT f 1.5", "$3\r\n2.5\r\n")]);
        assert_eq!(pttl(&mut t, "f"), Some(Some(100_000)));
        assert_eq!(t.resp3(&["INCRBYFLOAT", "f", "1"]), "$3\r\n3.5\r\n");
    }

    #[test]
    fn append_strlen_and_encodings() {
        let mut t = TestEngine::new();
        check(&mut t, &[("APPEND a 123", ":3\r\n"), ("APPEND b hello", ":5\r\n")]);
        assert_eq!(encoding(&mut t, "a"), "int");
        assert_eq!(encoding(&mut t, "b"), "embstr");
        assert_eq!(t.resp(&["APPEND", "c", ""]), ":0\r\n");
        assert_eq!(encoding(&mut t, "c"), "embstr");
        check(&mut t, &[("APPEND a 4", ":4\r\n"), ("GET a", "$4\r\n1234\r\n"), ("STRLEN a", ":4\r\n")]);
        assert_eq!(encoding(&mut t, "a"), "raw");
        check(&mut t, &[("SET e 5", OK)]);
        assert_eq!(t.resp(&["APPEND", "e", ""]), ":1\r\n");
        assert_eq!(encoding(&mut t, "e"), "raw");
        check(&mut t, &[("STRLEN nokey", ":0\r\n"), ("SET i -123", OK), ("STRLEN i", ":4\r\n")]);
        check(&mut t, &[("SET x v EX 100", OK), ("APPEND x w", ":2\r\n")]);
        assert_eq!(pttl(&mut t, "x"), Some(Some(100_000)));
        let long = "a".repeat(44);
        assert_eq!(t.resp(&["SET", "l", &long]), OK);
        assert_eq!(encoding(&mut t, "l"), "embstr");
        assert_eq!(t.resp(&["SET", "l", &format!("{}a", long)]), OK);
        assert_eq!(encoding(&mut t, "l"), "raw");
        t.eng.state.config.proto_max_bulk_len = 4;
        check(
            &mut t,
            &[
                ("APPEND x abc", "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"),
                ("APPEND x ab", ":4\r\n"),
                ("APPEND new 123456", ":6\r\n"),
            ],
        );
    }

    #[test]
    fn getrange_edges() {
        let mut t = TestEngine::new();
        let empty = "$0\r\n\r\n";
        check(
            &mut t,
            &[
                ("GETRANGE nokey 0 -1", empty),
                ("GETRANGE nokey a 1", NOT_INT),
                ("SET s Hello", OK),
                ("GETRANGE s 0 -1", "$5\r\nHello\r\n"),
                ("GETRANGE s -3 -1", "$3\r\nllo\r\n"),
                ("GETRANGE s -1 -3", empty),
                ("GETRANGE s 3 1", empty),
                ("GETRANGE s 0 100", "$5\r\nHello\r\n"),
                ("GETRANGE s 10 100", empty),
                ("GETRANGE s -100 -50", "$1\r\nH\r\n"),
                ("GETRANGE s -10 -20", empty),
                ("GETRANGE s -20 -10", "$1\r\nH\r\n"),
                ("GETRANGE s 4 4", "$1\r\no\r\n"),
                ("GETRANGE s 5 5", empty),
                ("GETRANGE s 0 -100", "$1\r\nH\r\n"),
                ("GETRANGE s -9223372036854775808 9223372036854775807", "$5\r\nHello\r\n"),
                ("GETRANGE s 0 9223372036854775808", NOT_INT),
                ("SET i -123", OK),
                ("GETRANGE i 1 2", "$2\r\n12\r\n"),
                ("SUBSTR s 1 2", "$2\r\nel\r\n"),
                ("SUBSTR s -2 -1", "$2\r\nlo\r\n"),
            ],
        );
        assert_eq!(t.resp(&["SET", "em", ""]), OK);
        check(&mut t, &[("GETRANGE em 0 -1", empty), ("GETRANGE em 0 0", empty), ("GETRANGE em -1 0", empty)]);
    }

    #[test]
    fn setrange_edges() {
        let mut t = TestEngine::new();
        let too_big = "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n";
        let out_of_range = "-ERR offset is out of range\r\n";
        check(&mut t, &[("SET s Hello", OK), ("SETRANGE s -1 x", out_of_range), ("SETRANGE s a x", NOT_INT)]);
        assert_eq!(t.resp(&["SETRANGE", "nokey", "0", ""]), ":0\r\n");
        assert_eq!(t.resp(&["SETRANGE", "nokey", "-1", ""]), out_of_range);
        assert_eq!(dbsize(&t), 1);
        assert_eq!(t.resp(&["SETRANGE", "s", "100", ""]), ":5\r\n");
        assert_eq!(encoding(&mut t, "s"), "embstr");
        check(
            &mut t,
            &[
                ("SETRANGE s 1 a", ":5\r\n"),
                ("GET s", "$5\r\nHallo\r\n"),
                ("SETRANGE s 7 Z", ":8\r\n"),
                ("GET s", "$8\r\nHallo\0\0Z\r\n"),
                ("SETRANGE new 3 ab", ":5\r\n"),
                ("GET new", "$5\r\n\0\0\0ab\r\n"),
                ("SET n 123", OK),
                ("SETRANGE n 0 9", ":3\r\n"),
                ("GET n", "$3\r\n923\r\n"),
                ("SETRANGE nokey 536870912 x", too_big),
                ("SETRANGE nokey 536870911 xy", too_big),
                ("SETRANGE s 9223372036854775807 x", too_big),
            ],
        );
        assert_eq!(encoding(&mut t, "s"), "raw");
        assert_eq!(encoding(&mut t, "new"), "raw");
        assert_eq!(encoding(&mut t, "n"), "raw");
        assert_eq!(t.resp(&["SETRANGE", "s", "536870912", ""]), ":8\r\n");
        check(&mut t, &[("SET x v EX 100", OK), ("SETRANGE x 0 w", ":1\r\n")]);
        assert_eq!(pttl(&mut t, "x"), Some(Some(100_000)));
        t.eng.state.config.proto_max_bulk_len = 10;
        check(&mut t, &[("SETRANGE x 8 ab", ":10\r\n"), ("SETRANGE x 9 ab", too_big)]);
    }

    #[test]
    fn lcs_replies() {
        let mut t = TestEngine::new();
        check(
            &mut t,
            &[
                ("MSET key1 ohmytext key2 mynewtext", OK),
                ("LCS key1 key2", "$6\r\nmytext\r\n"),
                ("LCS key1 key2 LEN", ":6\r\n"),
                ("LCS key1 key2 LEN WITHMATCHLEN", ":6\r\n"),
                (
                    "LCS key1 key2 IDX",
                    "*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n",
                ),
                (
                    "LCS key1 key2 IDX MINMATCHLEN 4 WITHMATCHLEN",
                    "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n",
                ),
                (
                    "LCS key1 key2 MINMATCHLEN -5 IDX",
                    "*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n",
                ),
                ("LCS key1 key2 LEN IDX", "-ERR If you want both the length and indexes, please just use IDX.\r\n"),
                ("LCS key1 key2 MINMATCHLEN", SYNTAX),
                ("LCS key1 key2 MINMATCHLEN x", NOT_INT),
                ("LCS key1 key2 FOO", SYNTAX),
                ("LCS nokey key2", "$0\r\n\r\n"),
                ("LCS nokey nokey2 IDX", "*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n"),
                ("SET n1 12345", OK),
                ("SET n2 2x4", OK),
                (
                    "LCS n1 n2 IDX WITHMATCHLEN",
                    "*4\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:3\r\n:3\r\n*2\r\n:2\r\n:2\r\n:1\r\n*3\r\n*2\r\n:1\r\n:1\r\n*2\r\n:0\r\n:0\r\n:1\r\n$3\r\nlen\r\n:2\r\n",
                ),
            ],
        );
        assert_eq!(
            t.resp3(&["LCS", "key1", "key2", "IDX", "MINMATCHLEN", "2", "WITHMATCHLEN"]),
            "%2\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:6\r\n"
        );
        // The table size is bounded by proto-max-bulk-len (4 bytes a cell).
        t.eng.state.config.proto_max_bulk_len = 100;
        assert_eq!(
            t.resp(&["LCS", "key1", "key2", "LEN"]),
            "-ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len\r\n"
        );
        assert_eq!(t.resp(&["LCS", "key1", "key2", "FOO"]), SYNTAX);
    }

    #[test]
    fn read_commands_count_hits_and_misses() {
        let mut t = TestEngine::new();
        check(
            &mut t,
            &[
                ("SET k v", OK),
                ("GET k", "$1\r\nv\r\n"),
                ("GET nokey", NIL),
                ("MGET k nokey k", "*3\r\n$1\r\nv\r\n$-1\r\n$1\r\nv\r\n"),
            ],
        );
        assert_eq!((t.eng.state.stats.keyspace_hits, t.eng.state.stats.keyspace_misses), (3, 2));
        check(&mut t, &[("SET k w GET", "$1\r\nv\r\n"), ("INCR n", ":1\r\n"), ("APPEND k x", ":2\r\n")]);
        assert_eq!((t.eng.state.stats.keyspace_hits, t.eng.state.stats.keyspace_misses), (4, 2));
        check(&mut t, &[("LCS k nokey LEN", ":0\r\n"), ("STRLEN k", ":2\r\n"), ("GETRANGE nokey 0 1", "$0\r\n\r\n")]);
        assert_eq!((t.eng.state.stats.keyspace_hits, t.eng.state.stats.keyspace_misses), (6, 4));
    }
}
