//! OBJECT ENCODING | FREQ | IDLETIME | REFCOUNT | HELP.

use super::lookup_notouch_nonotify;
use crate::cmd::{Args, Ctx};
use crate::config::EvictionPolicy;
use crate::db::access;
use crate::error::{CmdError, CmdResult};
use crate::reply::Reply;
use crate::types::Value;

/// Redis's `OBJ_SHARED_REFCOUNT`: the refcount reported for shared objects.
const SHARED_REFCOUNT: i64 = i32::MAX as i64;
/// Integers in `0..SHARED_INTEGERS` are shared objects in Redis (`OBJ_SHARED_INTEGERS`).
const SHARED_INTEGERS: i64 = 10_000;

/// Looks up the key argument without touching it; `Err(nil)` when missing (OBJECT
/// replies nil for a missing key before any policy check).
fn lookup(ctx: &mut Ctx, args: &mut Args) -> Result<u32, Reply> {
    lookup_notouch_nonotify(ctx, args.take()).ok_or(Reply::Nil)
}

/// `OBJECT ENCODING key`: the value's internal representation name.
pub fn object_encoding(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let slot = match lookup(ctx, args) {
        Ok(s) => s,
        Err(nil) => return Ok(nil),
    };
    Ok(Reply::bulk(ctx.db().keys.entry(slot).value.encoding().as_bytes()))
}

/// `OBJECT REFCOUNT key`: 1, or `INT_MAX` for the small integers Redis shares (when
/// the `maxmemory` settings allow sharing integers).
pub fn object_refcount(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let slot = match lookup(ctx, args) {
        Ok(s) => s,
        Err(nil) => return Ok(nil),
    };
    let c = &ctx.st.config;
    // Redis stops sharing integers when maxmemory is set with an LRU or LFU policy
    // (every key then needs its own access bits).
    let lru = matches!(c.maxmemory_policy, EvictionPolicy::AllKeysLru | EvictionPolicy::VolatileLru);
    let may_share = c.maxmemory == 0 || !(lru || access::is_lfu(c.maxmemory_policy));
    let shared = may_share
        && matches!(ctx.st.dbs[ctx.client.db].keys.entry(slot).value, Value::Int(n) if (0..SHARED_INTEGERS).contains(&n));
    Ok(Reply::Int(if shared { SHARED_REFCOUNT } else { 1 }))
}

/// `OBJECT IDLETIME key`: seconds since the last access (not under an LFU policy).
pub fn object_idletime(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let slot = match lookup(ctx, args) {
        Ok(s) => s,
        Err(nil) => return Ok(nil),
    };
    if access::is_lfu(ctx.st.config.maxmemory_policy) {
        return Err(CmdError::other(
            "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
        ));
    }
    let now = ctx.now_ms();
    let a = ctx.db().keys.entry(slot).access;
    Ok(Reply::Int((access::idle_ms(a, now) / 1000) as i64))
}

/// `OBJECT FREQ key`: the logarithmic access counter (only under an LFU policy).
pub fn object_freq(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let slot = match lookup(ctx, args) {
        Ok(s) => s,
        Err(nil) => return Ok(nil),
    };
    if !access::is_lfu(ctx.st.config.maxmemory_policy) {
        return Err(CmdError::other(
            "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
        ));
    }
    let now = ctx.now_ms();
    let decay = ctx.st.config.lfu_decay_time;
    let a = ctx.db().keys.entry(slot).access;
    Ok(Reply::Int(access::lfu_counter(a, now, decay) as i64))
}

/// `OBJECT HELP`.
pub fn object_help(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    const LINES: &[&str] = &[
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        "HELP",
        "    Prints this help.",
    ];
    Ok(Reply::Array(LINES.iter().map(|l| Reply::simple(l)).collect()))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::put;
    use crate::config::EvictionPolicy;
    use crate::testkit::TestEngine;

    const NOT_LFU: &str = "-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n";
    const IS_LFU: &str = "-ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n";

    #[test]
    fn encoding_and_refcount() {
        let mut t = TestEngine::new();
        put(&mut t, 0, "a", "1");
        put(&mut t, 0, "big", "12345");
        put(&mut t, 0, "s", "hello");
        put(&mut t, 0, "long", &"x".repeat(45));
        assert_eq!(t.resp(&["OBJECT", "ENCODING", "a"]), "$3\r\nint\r\n");
        assert_eq!(t.resp(&["object", "encoding", "s"]), "$6\r\nembstr\r\n");
        assert_eq!(t.resp(&["OBJECT", "ENCODING", "long"]), "$3\r\nraw\r\n");
        assert_eq!(t.resp(&["OBJECT", "ENCODING", "nokey"]), "$-1\r\n");
        assert_eq!(t.resp3(&["OBJECT", "ENCODING", "nokey"]), "_\r\n");
        assert_eq!(t.resp(&["OBJECT", "REFCOUNT", "a"]), ":2147483647\r\n");
        assert_eq!(t.resp(&["OBJECT", "REFCOUNT", "big"]), ":1\r\n");
        assert_eq!(t.resp(&["OBJECT", "REFCOUNT", "s"]), ":1\r\n");
        assert_eq!(t.resp(&["OBJECT", "REFCOUNT", "nokey"]), "$-1\r\n");
        t.eng.state.config.maxmemory = 1 << 30;
        t.eng.state.config.maxmemory_policy = EvictionPolicy::AllKeysLru;
        assert_eq!(t.resp(&["OBJECT", "REFCOUNT", "a"]), ":1\r\n");
    }

    #[test]
    fn idletime_and_freq_depend_on_policy() {
        let mut t = TestEngine::new();
        put(&mut t, 0, "s", "hello");
        t.advance_ms(7_500);
        assert_eq!(t.resp(&["OBJECT", "IDLETIME", "s"]), ":7\r\n");
        assert_eq!(t.resp(&["OBJECT", "FREQ", "s"]), NOT_LFU);
        assert_eq!(t.resp(&["OBJECT", "FREQ", "nokey"]), "$-1\r\n");
        t.eng.state.config.maxmemory_policy = EvictionPolicy::AllKeysLfu;
        assert_eq!(t.resp(&["OBJECT", "IDLETIME", "s"]), IS_LFU);
        assert_eq!(t.resp(&["OBJECT", "IDLETIME", "nokey"]), "$-1\r\n");
        // LRU bits read as LFU data: a counter long decayed, like Redis after a switch.
        assert_eq!(t.resp(&["OBJECT", "FREQ", "s"]), ":0\r\n");
        put(&mut t, 0, "t", "v");
        assert_eq!(t.resp(&["OBJECT", "FREQ", "t"]), ":5\r\n");
        // The first access from the initial value always increments.
        assert_eq!(t.resp(&["TOUCH", "t"]), ":1\r\n");
        assert_eq!(t.resp(&["OBJECT", "FREQ", "t"]), ":6\r\n");
        t.advance_ms(3 * 60_000);
        assert_eq!(t.resp(&["OBJECT", "FREQ", "t"]), ":3\r\n");
        t.eng.state.config.maxmemory_policy = EvictionPolicy::VolatileLfu;
        assert_eq!(t.resp(&["OBJECT", "FREQ", "t"]), ":3\r\n");
    }

    #[test]
    fn object_lookups_count_stats_but_do_not_touch() {
        let mut t = TestEngine::new();
        put(&mut t, 0, "s", "hello");
        t.advance_ms(2_000);
        assert_eq!(t.resp(&["OBJECT", "ENCODING", "s"]), "$6\r\nembstr\r\n");
        assert_eq!(t.resp(&["OBJECT", "IDLETIME", "s"]), ":2\r\n");
        assert_eq!(t.eng.state.stats.keyspace_hits, 2);
    }

    #[test]
    fn help_and_subcommand_errors() {
        let mut t = TestEngine::new();
        let help = t.resp(&["OBJECT", "HELP"]);
        assert!(help.starts_with(
            "*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+ENCODING <key>\r\n"
        ));
        assert!(help.ends_with("+HELP\r\n+    Prints this help.\r\n"));
        assert_eq!(t.resp(&["OBJECT", "foo"]), "-ERR unknown subcommand 'foo'. Try OBJECT HELP.\r\n");
        assert_eq!(t.resp(&["OBJECT", "encoding"]), "-ERR wrong number of arguments for 'object|encoding' command\r\n");
        assert_eq!(t.resp(&["OBJECT", "help", "x"]), "-ERR wrong number of arguments for 'object|help' command\r\n");
        assert_eq!(t.resp(&["OBJECT"]), "-ERR wrong number of arguments for 'object' command\r\n");
    }
}
