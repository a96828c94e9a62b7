//! DEL, UNLINK, EXISTS, TYPE, TOUCH, KEYS, RANDOMKEY.

use super::lookup_notouch;
use crate::cmd::{Args, Ctx};
use crate::config::notify;
use crate::error::CmdResult;
use crate::reply::Reply;
use crate::util::glob::glob_match;

/// Removes each listed key that exists; counts the removed ones (a key named twice
/// counts once, as it is gone the second time).
fn delete_keys(ctx: &mut Ctx, args: &mut Args, lazy: bool) -> CmdResult {
    let now = ctx.now_ms();
    let mut n = 0;
    for key in args.take_rest() {
        if let Some(entry) = ctx.db().remove(key, now) {
            if lazy && crate::types::effort::freed_lazily(&entry.value) {
                ctx.st.stats.lazyfreed_objects += 1;
            }
            ctx.key_event(notify::GENERIC, "del", key);
            n += 1;
        }
    }
    Ok(Reply::Int(n))
}

/// `DEL key [key ...]`: the number of keys removed.
pub fn del(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let lazy = ctx.st.config.lazyfree_lazy_user_del;
    delete_keys(ctx, args, lazy)
}

/// `UNLINK key [key ...]`: DEL. Memory is freed at once (there is no background thread);
/// what Redis would free lazily counts in `lazyfreed_objects`.
pub fn unlink(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    delete_keys(ctx, args, true)
}

/// `EXISTS key [key ...]`: how many of the arguments exist (duplicates count each time).
pub fn exists(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let mut n = 0;
    for key in args.take_rest() {
        if lookup_notouch(ctx, key).is_some() {
            n += 1;
        }
    }
    Ok(Reply::Int(n))
}

/// `TYPE key`: the value's type name, `none` when missing.
pub fn r#type(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let key = args.take();
    let name = match lookup_notouch(ctx, key) {
        Some(slot) => ctx.db().keys.entry(slot).value.type_name(),
        None => "none",
    };
    Ok(Reply::simple(name))
}

/// `TOUCH key [key ...]`: updates access times; the number of keys that exist.
pub fn touch(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let mut n = 0;
    for key in args.take_rest() {
        if ctx.lookup_read(key).is_some() {
            n += 1;
        }
    }
    Ok(Reply::Int(n))
}

/// `KEYS pattern`: every live key matching the glob. A lone `*` matches every key,
/// even the empty one (the matcher alone would not). Expired keys are skipped, not
/// removed (Redis 7.0 `keyIsExpired`).
pub fn keys(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let pattern = args.take();
    let all = pattern == b"*";
    let now = ctx.now_ms();
    let ks = &ctx.db().keys;
    let mut out = Vec::new();
    for slot in 0..ks.len() as u32 {
        let key = ks.entry(slot).key.as_slice();
        if !(all || glob_match(pattern, key, false)) {
            continue;
        }
        if matches!(ks.expire_at(slot), Some(at) if at <= now) {
            continue;
        }
        out.push(Reply::bulk(key));
    }
    Ok(Reply::Array(out))
}

/// `RANDOMKEY`: a uniformly random live key, or nil when the database is empty.
pub fn randomkey(ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    let now = ctx.now_ms();
    let st = &mut *ctx.st;
    let db = &mut st.dbs[ctx.client.db];
    Ok(match db.random_key(now, &mut st.rng) {
        Some(slot) => Reply::bulk(&db.keys.entry(slot).key),
        None => Reply::Nil,
    })
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{put, put_bytes};
    use crate::testkit::TestEngine;

    #[test]
    fn del_and_unlink_count_removed_keys_once() {
        let mut t = TestEngine::new();
        put(&mut t, 0, "a", "1");
        put(&mut t, 0, "b", "2");
        assert_eq!(t.resp(&["DEL", "a", "a", "nokey"]), ":1\r\n");
        assert_eq!(t.resp(&["UNLINK", "b", "b"]), ":1\r\n");
        assert_eq!(t.resp(&["DEL", "a"]), ":0\r\n");
        assert_eq!(t.resp(&["DEL"]), "-ERR wrong number of arguments for 'del' command\r\n");
        assert_eq!(t.resp(&["UNLINK"]), "-ERR wrong number of arguments for 'unlink' command\r\n");
    }

    #[test]
    fn del_of_expired_key_counts_zero() {
        let mut t = TestEngine::new();
        put(&mut t, 0, "a", "1");
        assert_eq!(t.resp(&["PEXPIRE", "a", "10"]), ":1\r\n");
        t.advance_ms(10);
        assert_eq!(t.resp(&["DEL", "a"]), ":0\r\n");
        assert_eq!(t.eng.state.expired_keys(), 1);
    }

    #[test]
    fn exists_counts_duplicates_and_hits() {
        let mut t = TestEngine::new();
        put(&mut t, 0, "a", "1");
        assert_eq!(t.resp(&["EXISTS", "a", "a", "nokey", "a"]), ":3\r\n");
        assert_eq!(t.eng.state.stats.keyspace_hits, 3);
        assert_eq!(t.eng.state.stats.keyspace_misses, 1);
        assert_eq!(t.resp(&["EXISTS"]), "-ERR wrong number of arguments for 'exists' command\r\n");
    }

    #[test]
    fn type_reports_string_or_none() {
        let mut t = TestEngine::new();
        put(&mut t, 0, "a", "1");
        assert_eq!(t.resp(&["TYPE", "a"]), "+string\r\n");
        assert_eq!(t.resp(&["TYPE", "nokey"]), "+none\r\n");
        assert_eq!(t.resp(&["TYPE", "a", "b"]), "-ERR wrong number of arguments for 'type' command\r\n");
    }

    #[test]
    fn touch_counts_existing_and_updates_access() {
        let mut t = TestEngine::new();
        put(&mut t, 0, "a", "1");
        t.advance_ms(5000);
        assert_eq!(t.resp(&["OBJECT", "IDLETIME", "a"]), ":5\r\n");
        assert_eq!(t.resp(&["TOUCH", "a", "a", "b"]), ":2\r\n");
        assert_eq!(t.resp(&["OBJECT", "IDLETIME", "a"]), ":0\r\n");
    }

    #[test]
    fn keys_matches_glob_and_lone_star_matches_empty_key() {
        let mut t = TestEngine::new();
        put(&mut t, 0, "", "e");
        put(&mut t, 0, "a", "1");
        put(&mut t, 0, "user:1", "x");
        assert_eq!(t.resp(&["KEYS", "*"]), "*3\r\n$0\r\n\r\n$1\r\na\r\n$6\r\nuser:1\r\n");
        assert_eq!(t.resp(&["KEYS", "**"]), "*2\r\n$1\r\na\r\n$6\r\nuser:1\r\n");
        assert_eq!(t.resp(&["KEYS", "?"]), "*1\r\n$1\r\na\r\n");
        assert_eq!(t.resp(&["KEYS", "user:*"]), "*1\r\n$6\r\nuser:1\r\n");
        assert_eq!(t.resp(&["KEYS", "nomatch"]), "*0\r\n");
        assert_eq!(t.resp(&["KEYS"]), "-ERR wrong number of arguments for 'keys' command\r\n");
    }

    #[test]
    fn keys_skips_expired_without_removing() {
        let mut t = TestEngine::new();
        put(&mut t, 0, "a", "1");
        put(&mut t, 0, "b", "1");
        assert_eq!(t.resp(&["PEXPIRE", "a", "5"]), ":1\r\n");
        t.advance_ms(5);
        assert_eq!(t.resp(&["KEYS", "*"]), "*1\r\n$1\r\nb\r\n");
        assert_eq!(t.eng.state.dbs[0].keys.len(), 2);
        assert_eq!(t.eng.state.expired_keys(), 0);
    }

    #[test]
    fn randomkey_is_uniform_and_nil_when_empty() {
        let mut t = TestEngine::new();
        assert_eq!(t.resp(&["RANDOMKEY"]), "$-1\r\n");
        for k in ["a", "b", "c", "d"] {
            put(&mut t, 0, k, "v");
        }
        let mut counts = std::collections::HashMap::new();
        for _ in 0..4000 {
            *counts.entry(t.resp(&["RANDOMKEY"])).or_insert(0) += 1;
        }
        assert_eq!(counts.len(), 4);
        for (k, n) in counts {
            assert!((800..1200).contains(&n), "{} {}", k, n);
        }
        assert_eq!(t.resp(&["RANDOMKEY", "x"]), "-ERR wrong number of arguments for 'randomkey' command\r\n");
    }

    #[test]
    fn randomkey_removes_expired_keys_it_meets() {
        let mut t = TestEngine::new();
        put(&mut t, 0, "a", "1");
        put(&mut t, 0, "b", "1");
        assert_eq!(t.resp(&["PEXPIRE", "a", "5"]), ":1\r\n");
        assert_eq!(t.resp(&["PEXPIRE", "b", "5"]), ":1\r\n");
        t.advance_ms(5);
        assert_eq!(t.resp(&["RANDOMKEY"]), "$-1\r\n");
        assert_eq!(t.eng.state.expired_keys(), 2);
        put_bytes(&mut t, 0, b"bin\x00key", "v");
        assert_eq!(t.cmd(&["RANDOMKEY"]).to_resp(2), b"$7\r\nbin\x00key\r\n");
    }

    /// Which commands count keyspace hits and misses, as checked with INFO on Redis.
    #[test]
    fn keyspace_hit_and_miss_counting_matches_redis() {
        let cases: &[(&[&str], (u64, u64))] = &[
            (&["TYPE", "a"], (1, 0)),
            (&["TYPE", "nokey"], (0, 1)),
            (&["TOUCH", "a", "nokey"], (1, 1)),
            (&["COPY", "a", "zz"], (1, 0)),
            (&["COPY", "nokey", "zz"], (0, 1)),
            (&["SCAN", "0", "TYPE", "string"], (1, 0)),
            (&["SCAN", "0"], (0, 0)),
            (&["RENAME", "a", "a2"], (0, 0)),
            (&["EXPIRE", "a", "100"], (0, 0)),
            (&["PERSIST", "a"], (0, 0)),
            (&["MOVE", "a", "3"], (0, 0)),
            (&["DEL", "zz"], (0, 0)),
            (&["KEYS", "*"], (0, 0)),
            (&["RANDOMKEY"], (0, 0)),
        ];
        for (args, want) in cases {
            let mut t = TestEngine::new();
            put(&mut t, 0, "a", "1");
            assert!(!t.cmd(args).is_error(), "{:?}", args);
            let s = &t.eng.state.stats;
            assert_eq!((s.keyspace_hits, s.keyspace_misses), *want, "{:?}", args);
        }
    }
}
