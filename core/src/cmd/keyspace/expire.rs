//! EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT, TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST.

use super::{c_str, lookup_notouch};
use crate::cmd::{is, Args, Ctx};
use crate::config::notify;
use crate::error::{CmdError, CmdResult};
use crate::numfmt::parse_i64;
use crate::reply::Reply;

/// The NX / XX / GT / LT conditions of the EXPIRE family.
#[derive(Default, Clone, Copy)]
struct Conditions {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
}

impl Conditions {
    /// Redis's `parseExtendedExpireArgumentsOrReply`: every option after the time, then
    /// the compatibility checks.
    fn parse(opts: &[&[u8]]) -> Result<Conditions, CmdError> {
        let mut c = Conditions::default();
        for &o in opts {
            if is(o, "nx") {
                c.nx = true;
            } else if is(o, "xx") {
                c.xx = true;
            } else if is(o, "gt") {
                c.gt = true;
            } else if is(o, "lt") {
                c.lt = true;
            } else {
                return Err(CmdError::other(format!("ERR Unsupported option {}", c_str(o))));
            }
        }
        if c.nx && (c.xx || c.gt || c.lt) {
            return Err(CmdError::other("ERR NX and XX, GT or LT options at the same time are not compatible"));
        }
        if c.gt && c.lt {
            return Err(CmdError::other("ERR GT and LT options at the same time are not compatible"));
        }
        Ok(c)
    }

    /// Whether a key whose current expiry is `current` (ms, `None` = persistent) may get
    /// the new expiry `when`. A persistent key counts as an infinite TTL.
    fn allow(self, current: Option<u64>, when: i64) -> bool {
        let when = when as i128;
        match current.map(|c| c as i128) {
            None => !(self.xx || self.gt),
            Some(cur) => !(self.nx || (self.gt && when <= cur) || (self.lt && when >= cur)),
        }
    }
}

/// The common body of the EXPIRE family (Redis's `expireGenericCommand`): `base_ms` is
/// added to the time argument, which is in seconds when `seconds`.
fn expire_generic(ctx: &mut Ctx, args: &mut Args, base_ms: i64, seconds: bool) -> CmdResult {
    let (key, when) = (args.take(), args.take());
    // The options are checked before the time.
    let opts = args.take_rest();
    let cond = Conditions::parse(opts)?;
    let mut when = parse_i64(when).ok_or(CmdError::NotInteger)?;
    let invalid = || CmdError::InvalidExpire(ctx.cmd.name.to_string());
    if seconds {
        when = when.checked_mul(1000).ok_or_else(invalid)?;
    }
    when = when.checked_add(base_ms).ok_or_else(invalid)?;

    let Some(slot) = ctx.lookup_write(key) else {
        return Ok(Reply::Int(0));
    };
    let now = ctx.now_ms();
    let db = ctx.db();
    if !cond.allow(db.keys.expire_at(slot), when) {
        return Ok(Reply::Int(0));
    }
    if when <= now as i64 {
        // A time in the past deletes the key (a deletion, not an expiry, in the stats).
        db.keys.remove(slot);
        ctx.key_event(notify::GENERIC, "del", key);
        // Replicated as an explicit DEL (UNLINK under lazyfree-lazy-expire).
        let del: &[u8] = if ctx.st.config.lazyfree_lazy_expire { b"UNLINK" } else { b"DEL" };
        ctx.propagate_as(&[del, key]);
    } else {
        db.keys.set_expire(slot, when as u64);
        ctx.key_event(notify::GENERIC, "expire", key);
        // A relative time replays as the absolute one (Redis's PEXPIREAT rewrite of the
        // name and the time; the options stay). PEXPIREAT goes out as sent.
        if (base_ms != 0 || seconds) && ctx.st.propagation.is_enabled() {
            let mut n = [0u8; 20];
            let mut argv: Vec<&[u8]> = vec![b"PEXPIREAT", key, crate::numfmt::format_i64(when, &mut n)];
            argv.extend_from_slice(opts);
            ctx.propagate_as(&argv);
        }
    }
    Ok(Reply::Int(1))
}

/// The current time as Redis's `mstime()` (signed).
fn now_i64(ctx: &Ctx) -> i64 {
    ctx.now_ms().min(i64::MAX as u64) as i64
}

/// `EXPIRE key seconds [NX|XX|GT|LT]`: 1 if the timeout was set (or the key deleted).
pub fn expire(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let now = now_i64(ctx);
    expire_generic(ctx, args, now, true)
}

/// `PEXPIRE key milliseconds [NX|XX|GT|LT]`.
pub fn pexpire(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let now = now_i64(ctx);
    expire_generic(ctx, args, now, false)
}

/// `EXPIREAT key unix-time-seconds [NX|XX|GT|LT]`.
pub fn expireat(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    expire_generic(ctx, args, 0, true)
}

/// `PEXPIREAT key unix-time-milliseconds [NX|XX|GT|LT]`.
pub fn pexpireat(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    expire_generic(ctx, args, 0, false)
}

/// The common body of TTL and friends (Redis's `ttlGenericCommand`): -2 for a missing
/// key, -1 without a TTL, else the remaining (or absolute, `absolute`) time in ms or in
/// seconds rounded to nearest.
fn ttl_generic(ctx: &mut Ctx, args: &mut Args, millis: bool, absolute: bool) -> CmdResult {
    let Some(slot) = lookup_notouch(ctx, args.take()) else {
        return Ok(Reply::Int(-2));
    };
    let now = ctx.now_ms();
    let Some(at) = ctx.db().keys.expire_at(slot) else {
        return Ok(Reply::Int(-1));
    };
    let t = if absolute { at } else { at.saturating_sub(now) };
    let out = if millis { t } else { t.saturating_add(500) / 1000 };
    Ok(Reply::Int(out.min(i64::MAX as u64) as i64))
}

/// `TTL key`: seconds to live.
pub fn ttl(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    ttl_generic(ctx, args, false, false)
}

/// `PTTL key`: milliseconds to live.
pub fn pttl(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    ttl_generic(ctx, args, true, false)
}

/// `EXPIRETIME key`: the expiry as a Unix time in seconds.
pub fn expiretime(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    ttl_generic(ctx, args, false, true)
}

/// `PEXPIRETIME key`: the expiry as a Unix time in milliseconds.
pub fn pexpiretime(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    ttl_generic(ctx, args, true, true)
}

/// `PERSIST key`: 1 if a TTL was removed.
pub fn persist(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let key = args.take();
    let Some(slot) = ctx.lookup_write(key) else {
        return Ok(Reply::Int(0));
    };
    if !ctx.db().keys.clear_expire(slot) {
        return Ok(Reply::Int(0));
    }
    ctx.key_event(notify::GENERIC, "persist", key);
    Ok(Reply::Int(1))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::put;
    use crate::testkit::{TestEngine, T0_US};

    const T0_MS: u64 = T0_US / 1000;

    fn engine_with_k() -> TestEngine {
        let mut t = TestEngine::new();
        put(&mut t, 0, "k", "v");
        t
    }

    #[test]
    fn option_errors_come_before_integer_and_key_checks() {
        let mut t = engine_with_k();
        assert_eq!(t.resp(&["EXPIRE", "k", "abc", "foo"]), "-ERR Unsupported option foo\r\n");
        assert_eq!(t.resp(&["EXPIRE", "nokey", "10", "foo"]), "-ERR Unsupported option foo\r\n");
        assert_eq!(t.resp(&["EXPIRE", "nokey", "abc"]), "-ERR value is not an integer or out of range\r\n");
        assert_eq!(
            t.resp(&["EXPIRE", "k", "10", "nx", "xx"]),
            "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"
        );
        assert_eq!(
            t.resp(&["PEXPIRE", "k", "10", "lt", "NX"]),
            "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"
        );
        assert_eq!(
            t.resp(&["EXPIREAT", "k", "10", "gt", "lt"]),
            "-ERR GT and LT options at the same time are not compatible\r\n"
        );
        // An unknown option wins over an incompatible pair seen before it.
        assert_eq!(t.resp(&["EXPIRE", "k", "10", "nx", "xx", "zz"]), "-ERR Unsupported option zz\r\n");
        assert_eq!(t.cmd_bytes(&[b"EXPIRE", b"k", b"1", b"a\x00b"]).to_resp(2), b"-ERR Unsupported option a\r\n");
        assert_eq!(t.resp(&["EXPIRE", "k"]), "-ERR wrong number of arguments for 'expire' command\r\n");
        assert_eq!(t.resp(&["TTL", "k"]), ":-1\r\n");
    }

    #[test]
    fn overflow_is_an_invalid_expire_time() {
        let mut t = engine_with_k();
        let cases = [
            ("EXPIRE", "9223372036854775807", "expire"),
            ("EXPIRE", "-9223372036854776", "expire"),
            ("PEXPIRE", "9223372036854775807", "pexpire"),
            ("PEXPIRE", "9223372036854775000", "pexpire"),
            ("EXPIREAT", "9223372036854776", "expireat"),
        ];
        for (cmd, n, name) in cases {
            assert_eq!(t.resp(&[cmd, "k", n]), format!("-ERR invalid expire time in '{}' command\r\n", name));
        }
        assert_eq!(t.resp(&["PEXPIREAT", "k", "9223372036854775807"]), ":1\r\n");
        assert_eq!(t.resp(&["PEXPIRETIME", "k"]), ":9223372036854775807\r\n");
        assert_eq!(t.resp(&["EXPIRETIME", "k"]), ":9223372036854776\r\n");
        assert_eq!(t.resp(&["EXPIREAT", "k", "9223372036854775"]), ":1\r\n");
        assert_eq!(t.resp(&["PEXPIRETIME", "k"]), ":9223372036854775000\r\n");
        // Huge negative times within range delete the key.
        assert_eq!(t.resp(&["EXPIRE", "k", "-9223372036854775"]), ":1\r\n");
        assert_eq!(t.resp(&["EXISTS", "k"]), ":0\r\n");
    }

    #[test]
    fn ttl_family_reports_relative_and_absolute_times() {
        let mut t = engine_with_k();
        assert_eq!(t.resp(&["TTL", "nokey"]), ":-2\r\n");
        assert_eq!(t.resp(&["PTTL", "nokey"]), ":-2\r\n");
        assert_eq!(t.resp(&["EXPIRETIME", "nokey"]), ":-2\r\n");
        assert_eq!(t.resp(&["PEXPIRETIME", "nokey"]), ":-2\r\n");
        assert_eq!(t.resp(&["PTTL", "k"]), ":-1\r\n");
        assert_eq!(t.resp(&["EXPIRETIME", "k"]), ":-1\r\n");
        assert_eq!(t.resp(&["PEXPIRE", "k", "1499"]), ":1\r\n");
        assert_eq!(t.resp(&["TTL", "k"]), ":1\r\n");
        assert_eq!(t.resp(&["PTTL", "k"]), ":1499\r\n");
        assert_eq!(t.resp(&["PEXPIRE", "k", "1500"]), ":1\r\n");
        assert_eq!(t.resp(&["TTL", "k"]), ":2\r\n");
        assert_eq!(t.resp(&["PEXPIRETIME", "k"]), format!(":{}\r\n", T0_MS + 1500));
        assert_eq!(t.resp(&["EXPIRETIME", "k"]), format!(":{}\r\n", (T0_MS + 2000) / 1000));
        t.advance_ms(1499);
        assert_eq!(t.resp(&["PTTL", "k"]), ":1\r\n");
        assert_eq!(t.resp(&["TTL", "k"]), ":0\r\n");
        t.advance_ms(1);
        assert_eq!(t.resp(&["PTTL", "k"]), ":-2\r\n");
        assert_eq!(t.eng.state.expired_keys(), 1);
    }

    #[test]
    fn seconds_and_absolute_variants_set_the_same_expiry() {
        let mut t = engine_with_k();
        assert_eq!(t.resp(&["EXPIRE", "k", "100"]), ":1\r\n");
        assert_eq!(t.resp(&["PTTL", "k"]), ":100000\r\n");
        let at = (T0_MS / 1000 + 200).to_string();
        assert_eq!(t.resp(&["EXPIREAT", "k", &at]), ":1\r\n");
        assert_eq!(t.resp(&["PTTL", "k"]), ":200000\r\n");
        let at = (T0_MS + 300).to_string();
        assert_eq!(t.resp(&["PEXPIREAT", "k", &at]), ":1\r\n");
        assert_eq!(t.resp(&["PTTL", "k"]), ":300\r\n");
        assert_eq!(t.resp(&["EXPIRE", "nokey", "100"]), ":0\r\n");
    }

    #[test]
    fn conditions_nx_xx_gt_lt() {
        let mut t = engine_with_k();
        assert_eq!(t.resp(&["EXPIRE", "k", "10", "xx"]), ":0\r\n");
        assert_eq!(t.resp(&["EXPIRE", "k", "10", "gt"]), ":0\r\n");
        assert_eq!(t.resp(&["EXPIRE", "k", "10", "xx", "gt"]), ":0\r\n");
        assert_eq!(t.resp(&["TTL", "k"]), ":-1\r\n");
        assert_eq!(t.resp(&["EXPIRE", "k", "100", "lt"]), ":1\r\n");
        assert_eq!(t.resp(&["EXPIRE", "k", "200", "nx"]), ":0\r\n");
        assert_eq!(t.resp(&["EXPIRE", "k", "200", "xx"]), ":1\r\n");
        assert_eq!(t.resp(&["EXPIRE", "k", "200", "gt"]), ":0\r\n");
        assert_eq!(t.resp(&["EXPIRE", "k", "300", "GT"]), ":1\r\n");
        assert_eq!(t.resp(&["EXPIRE", "k", "300", "lt"]), ":0\r\n");
        assert_eq!(t.resp(&["EXPIRE", "k", "50", "Lt", "xx"]), ":1\r\n");
        assert_eq!(t.resp(&["TTL", "k"]), ":50\r\n");
        assert_eq!(t.resp(&["PERSIST", "k"]), ":1\r\n");
        assert_eq!(t.resp(&["EXPIRE", "k", "50", "nx"]), ":1\r\n");
    }

    #[test]
    fn past_times_delete_the_key() {
        let mut t = engine_with_k();
        // GT never passes on a persistent key, even for a past time.
        assert_eq!(t.resp(&["EXPIRE", "k", "-1", "gt"]), ":0\r\n");
        assert_eq!(t.resp(&["EXPIRE", "k", "-1", "lt"]), ":1\r\n");
        assert_eq!(t.resp(&["EXISTS", "k"]), ":0\r\n");
        for args in
            [&["EXPIRE", "k", "0"][..], &["PEXPIRE", "k", "0"], &["EXPIREAT", "k", "1"], &["PEXPIREAT", "k", "0", "nx"]]
        {
            put(&mut t, 0, "k", "v");
            assert_eq!(t.resp(args), ":1\r\n", "{:?}", args);
            assert_eq!(t.resp(&["EXISTS", "k"]), ":0\r\n");
        }
        // A deletion, not an expiry.
        assert_eq!(t.eng.state.expired_keys(), 0);
    }

    #[test]
    fn persist_removes_ttl_once() {
        let mut t = engine_with_k();
        assert_eq!(t.resp(&["PERSIST", "k"]), ":0\r\n");
        assert_eq!(t.resp(&["PEXPIRE", "k", "100000"]), ":1\r\n");
        assert_eq!(t.resp(&["PERSIST", "k"]), ":1\r\n");
        assert_eq!(t.resp(&["PERSIST", "k"]), ":0\r\n");
        assert_eq!(t.resp(&["PERSIST", "nokey"]), ":0\r\n");
        assert_eq!(t.resp(&["TTL", "k"]), ":-1\r\n");
    }

    #[test]
    fn ttl_counts_hits_without_touching() {
        let mut t = engine_with_k();
        t.advance_ms(3000);
        assert_eq!(t.resp(&["TTL", "k"]), ":-1\r\n");
        assert_eq!(t.resp(&["TTL", "nokey"]), ":-2\r\n");
        assert_eq!((t.eng.state.stats.keyspace_hits, t.eng.state.stats.keyspace_misses), (1, 1));
        assert_eq!(t.resp(&["OBJECT", "IDLETIME", "k"]), ":3\r\n");
    }
}
