//! RENAME, RENAMENX, COPY, MOVE.

use super::db_index;
use crate::bytes::SBytes;
use crate::cmd::{is, Args, Ctx};
use crate::config::notify;
use crate::db::access;
use crate::error::{CmdError, CmdResult};
use crate::events::Effect;
use crate::reply::Reply;

/// `ERR source and destination objects are the same`.
fn same_object() -> CmdError {
    CmdError::other("ERR source and destination objects are the same")
}

/// Redis's `lookupKeyWrite` on database `db` (which need not be the selected one):
/// lazy expiry and an access-time update.
fn lookup_write_in(ctx: &mut Ctx, db: usize, key: &[u8]) -> Option<u32> {
    let st = &mut *ctx.st;
    let now = st.now_us / 1000;
    let slot = st.dbs[db].lookup(key, now)?;
    let c = &st.config;
    let a = st.dbs[db].keys.access_mut(slot);
    *a = access::touched(*a, c.maxmemory_policy, now, c.lfu_decay_time, c.lfu_log_factor, &mut st.rng);
    Some(slot)
}

/// The common body of RENAME and RENAMENX (Redis's `renameGenericCommand`). The value
/// keeps its TTL and access bits under the new name.
fn rename_generic(ctx: &mut Ctx, args: &mut Args, nx: bool) -> CmdResult {
    let (src, dst) = (args.take(), args.take());
    let Some(slot) = ctx.lookup_write(src) else {
        return Err(CmdError::NoSuchKey);
    };
    let done = if nx { Reply::Int(1) } else { Reply::ok() };
    if src == dst {
        return Ok(if nx { Reply::Int(0) } else { Reply::ok() });
    }
    let expire = ctx.db().keys.expire_at(slot);
    if ctx.lookup_write(dst).is_some() {
        if nx {
            return Ok(Reply::Int(0));
        }
        ctx.db().keys.remove_key(dst);
    }
    let ks = &mut ctx.db().keys;
    let Some(entry) = ks.remove_key(src) else {
        return Err(CmdError::NoSuchKey);
    };
    let slot = ks.insert_new(SBytes::new(dst), entry.value, entry.access);
    if let Some(at) = expire {
        ks.set_expire(slot, at);
    }
    ctx.signal_modified_key(src);
    ctx.signal_modified_key(dst);
    ctx.notify(notify::GENERIC, "rename_from", src);
    ctx.notify(notify::GENERIC, "rename_to", dst);
    // Two keys changed; Redis counts one.
    ctx.changes(1);
    Ok(done)
}

/// `RENAME key newkey`: OK; `ERR no such key` when `key` is missing.
pub fn rename(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    rename_generic(ctx, args, false)
}

/// `RENAMENX key newkey`: 1 if renamed, 0 when `newkey` exists (or is `key`).
pub fn renamenx(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    rename_generic(ctx, args, true)
}

/// `COPY source destination [DB destination-db] [REPLACE]`: 1 if copied. The copy is a
/// new object (fresh access bits) with the source's TTL.
pub fn copy(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (src, dst) = (args.take(), args.take());
    let src_db = ctx.client.db;
    let mut dst_db = src_db;
    let mut replace = false;
    while let Some(opt) = args.next() {
        if is(opt, "replace") {
            replace = true;
        } else if is(opt, "db") && args.has_more() {
            dst_db = db_index(ctx, args.take())?;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    if src_db == dst_db && src == dst {
        return Err(same_object());
    }
    let Some(slot) = ctx.lookup_read(src) else {
        return Ok(Reply::Int(0));
    };
    let entry = ctx.db().keys.entry(slot);
    let value = entry.value.clone();
    let expire = ctx.db().keys.expire_at(slot);
    if lookup_write_in(ctx, dst_db, dst).is_some() {
        if !replace {
            return Ok(Reply::Int(0));
        }
        ctx.st.dbs[dst_db].keys.remove_key(dst);
    }
    let fresh = ctx.st.new_access();
    let ks = &mut ctx.st.dbs[dst_db].keys;
    let slot = ks.insert_new(SBytes::new(dst), value, fresh);
    if let Some(at) = expire {
        ks.set_expire(slot, at);
    }
    ctx.record(dst_db, dst, Effect::Modified);
    ctx.record(dst_db, dst, Effect::Notify(notify::GENERIC, "copy_to"));
    Ok(Reply::Int(1))
}

/// `MOVE key db`: 1 if the key moved to database `db` (with its TTL), 0 when it is
/// missing or `db` already has it.
pub fn r#move(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let key = args.take();
    let dst_db = db_index(ctx, args.take())?;
    if dst_db == ctx.client.db {
        return Err(same_object());
    }
    let Some(slot) = ctx.lookup_write(key) else {
        return Ok(Reply::Int(0));
    };
    let expire = ctx.db().keys.expire_at(slot);
    if lookup_write_in(ctx, dst_db, key).is_some() {
        return Ok(Reply::Int(0));
    }
    let Some(entry) = ctx.db().keys.remove_key(key) else {
        return Ok(Reply::Int(0));
    };
    let ks = &mut ctx.st.dbs[dst_db].keys;
    let slot = ks.insert_new(entry.key, entry.value, entry.access);
    if let Some(at) = expire {
        ks.set_expire(slot, at);
    }
    let src_db = ctx.client.db;
    ctx.record(src_db, key, Effect::Modified);
    ctx.record(dst_db, key, Effect::Modified);
    ctx.record(src_db, key, Effect::Notify(notify::GENERIC, "move_from"));
    ctx.record(dst_db, key, Effect::Notify(notify::GENERIC, "move_to"));
    // Two keys changed; Redis counts one.
    ctx.changes(1);
    Ok(Reply::Int(1))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{put, select};
    use crate::testkit::TestEngine;

    const SAME: &str = "-ERR source and destination objects are the same\r\n";
    const RANGE: &str = "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n";

    fn get(t: &mut TestEngine, db: usize, key: &str) -> Option<String> {
        let now = t.eng.state.now_ms();
        let v = t.eng.state.dbs[db].get(key.as_bytes(), now)?;
        Some(String::from_utf8(v.string_bytes()?.into_owned()).unwrap())
    }

    #[test]
    fn rename_same_key_and_missing_key() {
        let mut t = TestEngine::new();
        put(&mut t, 0, "a", "1");
        assert_eq!(t.resp(&["RENAME", "a", "a"]), "+OK\r\n");
        assert_eq!(t.resp(&["RENAMENX", "a", "a"]), ":0\r\n");
        assert_eq!(t.resp(&["RENAME", "nokey", "nokey"]), "-ERR no such key\r\n");
        assert_eq!(t.resp(&["RENAMENX", "nokey", "x"]), "-ERR no such key\r\n");
        assert_eq!(t.resp(&["RENAME", "a"]), "-ERR wrong number of arguments for 'rename' command\r\n");
        assert_eq!(get(&mut t, 0, "a").as_deref(), Some("1"));
    }

    #[test]
    fn rename_carries_ttl_and_overwrites() {
        let mut t = TestEngine::new();
        put(&mut t, 0, "a", "1");
        put(&mut t, 0, "b", "2");
        assert_eq!(t.resp(&["PEXPIRE", "b", "5000"]), ":1\r\n");
        assert_eq!(t.resp(&["PEXPIRE", "a", "100000"]), ":1\r\n");
        assert_eq!(t.resp(&["RENAMENX", "a", "b"]), ":0\r\n");
        assert_eq!(t.resp(&["RENAME", "a", "b"]), "+OK\r\n");
        assert_eq!(t.resp(&["EXISTS", "a"]), ":0\r\n");
        assert_eq!(t.resp(&["PTTL", "b"]), ":100000\r\n");
        assert_eq!(get(&mut t, 0, "b").as_deref(), Some("1"));
        assert_eq!(t.resp(&["RENAMENX", "b", "c"]), ":1\r\n");
        assert_eq!(t.resp(&["PTTL", "c"]), ":100000\r\n");
        // A persistent source makes a persistent destination.
        put(&mut t, 0, "p", "x");
        assert_eq!(t.resp(&["RENAME", "p", "c"]), "+OK\r\n");
        assert_eq!(t.resp(&["PTTL", "c"]), ":-1\r\n");
        assert_eq!(t.eng.state.dbs[0].keys.len(), 1);
    }

    #[test]
    fn rename_of_expired_source_is_no_such_key() {
        let mut t = TestEngine::new();
        put(&mut t, 0, "a", "1");
        assert_eq!(t.resp(&["PEXPIRE", "a", "1"]), ":1\r\n");
        t.advance_ms(1);
        assert_eq!(t.resp(&["RENAME", "a", "b"]), "-ERR no such key\r\n");
    }

    #[test]
    fn copy_errors_in_redis_order() {
        let mut t = TestEngine::new();
        put(&mut t, 0, "c", "v");
        assert_eq!(t.resp(&["COPY", "c", "c"]), SAME);
        assert_eq!(t.resp(&["COPY", "nokey", "nokey"]), SAME);
        assert_eq!(t.resp(&["COPY", "c", "d", "db"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["COPY", "c", "d", "foo"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["COPY", "c", "d", "db", "16"]), "-ERR DB index is out of range\r\n");
        assert_eq!(t.resp(&["COPY", "c", "d", "db", "-1"]), "-ERR DB index is out of range\r\n");
        assert_eq!(t.resp(&["COPY", "c", "d", "db", "abc"]), "-ERR value is not an integer or out of range\r\n");
        assert_eq!(t.resp(&["COPY", "c", "d", "db", "99999999999"]), RANGE);
        assert_eq!(t.resp(&["COPY", "c", "d", "db", "1", "foo"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["COPY", "c", "d", "foo", "db", "16"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["COPY", "c", "d", "db", "16", "foo"]), "-ERR DB index is out of range\r\n");
        assert_eq!(t.resp(&["COPY", "c"]), "-ERR wrong number of arguments for 'copy' command\r\n");
        assert_eq!(t.resp(&["COPY", "nokey", "d"]), ":0\r\n");
        assert_eq!(t.eng.state.dbs[0].keys.len(), 1);
    }

    #[test]
    fn copy_within_and_across_databases() {
        let mut t = TestEngine::new();
        put(&mut t, 0, "c", "v");
        put(&mut t, 0, "b", "old");
        assert_eq!(t.resp(&["PEXPIRE", "c", "100000"]), ":1\r\n");
        assert_eq!(t.resp(&["COPY", "c", "b"]), ":0\r\n");
        assert_eq!(t.resp(&["COPY", "c", "b", "REPLACE"]), ":1\r\n");
        assert_eq!(get(&mut t, 0, "b").as_deref(), Some("v"));
        assert_eq!(t.resp(&["PTTL", "b"]), ":100000\r\n");
        assert_eq!(t.resp(&["COPY", "c", "c", "db", "1"]), ":1\r\n");
        assert_eq!(t.resp(&["COPY", "c", "e", "DB", "1", "replace", "replace"]), ":1\r\n");
        assert_eq!(get(&mut t, 1, "c").as_deref(), Some("v"));
        assert_eq!(get(&mut t, 1, "e").as_deref(), Some("v"));
        select(&mut t, 1);
        assert_eq!(t.resp(&["PTTL", "e"]), ":100000\r\n");
        // The copy is a distinct value.
        assert_eq!(t.resp(&["DEL", "c"]), ":1\r\n");
        select(&mut t, 0);
        assert_eq!(get(&mut t, 0, "c").as_deref(), Some("v"));
    }

    #[test]
    fn move_errors_and_moves() {
        let mut t = TestEngine::new();
        put(&mut t, 0, "c", "v");
        assert_eq!(t.resp(&["MOVE", "c", "0"]), SAME);
        assert_eq!(t.resp(&["MOVE", "nokey", "0"]), SAME);
        assert_eq!(t.resp(&["MOVE", "c", "16"]), "-ERR DB index is out of range\r\n");
        assert_eq!(t.resp(&["MOVE", "c", "abc"]), "-ERR value is not an integer or out of range\r\n");
        assert_eq!(t.resp(&["MOVE", "c", "99999999999"]), RANGE);
        assert_eq!(t.resp(&["MOVE", "nokey", "1"]), ":0\r\n");
        put(&mut t, 1, "c", "other");
        assert_eq!(t.resp(&["MOVE", "c", "1"]), ":0\r\n");
        put(&mut t, 0, "x", "1");
        assert_eq!(t.resp(&["PEXPIRE", "x", "100000"]), ":1\r\n");
        assert_eq!(t.resp(&["MOVE", "x", "2"]), ":1\r\n");
        assert_eq!(t.resp(&["EXISTS", "x"]), ":0\r\n");
        select(&mut t, 2);
        assert_eq!(t.resp(&["PTTL", "x"]), ":100000\r\n");
        assert_eq!(get(&mut t, 2, "x").as_deref(), Some("1"));
        assert_eq!(t.resp(&["MOVE", "x"]), "-ERR wrong number of arguments for 'move' command\r\n");
    }
}

#[cfg(test)]
mod copy_tests {
    use crate::testkit::TestEngine;

    #[test]
    /// A copied hashtable hash keeps the memory accounting's invariants (was a panic).
    fn copy_hashtable_hash() {
        let mut t = TestEngine::new();
        t.cmd(&["HSET", "big", "f0", "v0", "f1", "v1", "f2", "v2", "f3", "v3", "f4", "v4", "f5", "v5"]);
        t.cmd(&["CONFIG", "SET", "hash-max-listpack-entries", "4"]);
        t.cmd(&["HSET", "big", "f13", "v13"]);
        t.cmd(&["HDEL", "big", "f0", "f1", "nofield"]);
        t.cmd(&["HINCRBY", "big", "counter", "5"]);
        assert_eq!(t.resp(&["COPY", "big", "bigcopy"]), ":1\r\n");
        assert_eq!(t.resp(&["HGET", "bigcopy", "counter"]), "$1\r\n5\r\n");
        t.cmd(&["ZADD", "z", "1", "a"]);
        t.cmd(&["CONFIG", "SET", "zset-max-listpack-entries", "0"]);
        t.cmd(&["ZADD", "z", "2", "b"]);
        assert_eq!(t.resp(&["COPY", "z", "zcopy"]), ":1\r\n");
        assert_eq!(t.resp(&["ZCARD", "zcopy"]), ":2\r\n");
    }
}
