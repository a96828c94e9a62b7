//! Set commands, following Redis 7.0's `t_set.c`: `intset` while a set holds only
//! integers (replies list them ascending), `hashtable` otherwise (see `types::set`); a
//! key whose last member is removed is deleted.

mod algebra;
mod random;

pub use algebra::{sdiff, sdiffstore, sinter, sintercard, sinterstore, smembers, sunion, sunionstore};
pub use random::{spop, srandmember};

use super::{collscan, Args, Ctx};
use crate::bytes::SBytes;
use crate::config::notify;
use crate::error::{CmdError, CmdResult};
use crate::reply::Reply;
use crate::types::set::{Member, Set, SetLimits};
use crate::types::Value;

/// The conversion threshold from the config, and a seed for a new table's hash function
/// (peeked from the engine RNG without advancing it, so random picks are unaffected).
fn limits(ctx: &Ctx) -> SetLimits {
    SetLimits { max_intset: ctx.st.config.set_max_intset_entries, seed: ctx.st.rng.clone().next_u64() }
}

/// Checks that `slot` holds a set.
fn check_set(ctx: &mut Ctx, slot: u32) -> Result<u32, CmdError> {
    ctx.check_type(slot, |v| matches!(v, Value::Set(_)))
}

/// The slot of the set at `key` for reading (hit/miss counted): `None` when missing,
/// `WRONGTYPE` for another type.
fn read(ctx: &mut Ctx, key: &[u8]) -> Result<Option<u32>, CmdError> {
    ctx.read_typed(key, |v| matches!(v, Value::Set(_)))
}

/// The slot of the set at `key` for writing: `None` when missing.
fn write(ctx: &mut Ctx, key: &[u8]) -> Result<Option<u32>, CmdError> {
    ctx.write_typed(key, |v| matches!(v, Value::Set(_)))
}

/// The set in `slot` (which a lookup above returned).
fn set_at<'a>(ctx: &'a mut Ctx, slot: u32) -> &'a mut Set {
    match &mut ctx.db().keys.entry_mut(slot).value {
        Value::Set(s) => s,
        _ => unreachable!("slot was checked to hold a set"),
    }
}

/// Redis's `setKey` for a computed set: replaces whatever `key` holds (any type, TTL
/// removed), or creates it; then the STORE command's `event`.
fn store(ctx: &mut Ctx, key: &[u8], set: Set, event: &'static str) {
    let value = Value::Set(Box::new(set));
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
    ctx.key_event(notify::SET, event, key);
}

/// Removes `key` if it exists (a STORE whose result is empty); lazy expiry applies.
fn delete(ctx: &mut Ctx, key: &[u8]) {
    let now = ctx.now_ms();
    if ctx.db().remove(key, now).is_some() {
        ctx.key_event(notify::GENERIC, "del", key);
    }
}

/// A member as a bulk reply.
fn bulk(m: Member<'_>) -> Reply {
    Reply::Bulk(m.to_vec())
}

/// `SADD key member [member ...]`: the number of members added.
pub fn sadd(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let key = args.take();
    let members = args.take_rest();
    let lim = limits(ctx);
    let slot = match write(ctx, key)? {
        Some(s) => s,
        None => {
            let set = Set::new_for(members[0], lim.seed);
            let access = ctx.st.new_access();
            ctx.db().keys.insert_new(SBytes::new(key), Value::Set(Box::new(set)), access)
        }
    };
    let set = set_at(ctx, slot);
    let added = members.iter().filter(|m| set.add(m, &lim)).count();
    if added > 0 {
        ctx.key_event(notify::SET, "sadd", key);
    }
    ctx.changes(added as u64);
    Ok(Reply::Int(added as i64))
}

/// `SREM key member [member ...]`: the number removed; an emptied key is deleted.
pub fn srem(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let key = args.take();
    let Some(slot) = write(ctx, key)? else { return Ok(Reply::Int(0)) };
    let set = set_at(ctx, slot);
    let mut removed = 0;
    let mut key_removed = false;
    for m in args.take_rest() {
        if set.remove(m) {
            removed += 1;
            if set.is_empty() {
                ctx.db().keys.remove(slot);
                key_removed = true;
                break;
            }
        }
    }
    if removed > 0 {
        ctx.key_event(notify::SET, "srem", key);
        if key_removed {
            ctx.notify(notify::GENERIC, "del", key);
        }
    }
    ctx.changes(removed as u64);
    Ok(Reply::Int(removed))
}

/// `SISMEMBER key member`: 1 or 0.
pub fn sismember(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (key, member) = (args.take(), args.take());
    let Some(slot) = read(ctx, key)? else { return Ok(Reply::Int(0)) };
    Ok(Reply::Int(set_at(ctx, slot).contains(member) as i64))
}

/// `SMISMEMBER key member [member ...]`: 1 or 0 per member.
pub fn smismember(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let key = args.take();
    let members = args.take_rest();
    let Some(slot) = read(ctx, key)? else {
        return Ok(Reply::Array(vec![Reply::Int(0); members.len()]));
    };
    let set = set_at(ctx, slot);
    Ok(Reply::Array(members.iter().map(|m| Reply::Int(set.contains(m) as i64)).collect()))
}

/// `SCARD key`: the number of members.
pub fn scard(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let Some(slot) = read(ctx, args.take())? else { return Ok(Reply::Int(0)) };
    Ok(Reply::Int(set_at(ctx, slot).len() as i64))
}

/// `SMOVE source destination member`: 1 if moved (or present when both are the same
/// key), 0 otherwise. A missing source answers 0 before the destination's type is checked.
pub fn smove(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (src_key, dst_key, member) = (args.take(), args.take(), args.take());
    let src = ctx.lookup_write(src_key);
    let dst = ctx.lookup_write(dst_key);
    let Some(src) = src else { return Ok(Reply::Int(0)) };
    check_set(ctx, src)?;
    if let Some(d) = dst {
        check_set(ctx, d)?;
    }
    if dst == Some(src) {
        return Ok(Reply::Int(set_at(ctx, src).contains(member) as i64));
    }
    let set = set_at(ctx, src);
    if !set.remove(member) {
        return Ok(Reply::Int(0));
    }
    let src_emptied = set.is_empty();
    ctx.notify(notify::SET, "srem", src_key);
    if src_emptied {
        ctx.db().keys.remove(src);
        ctx.notify(notify::GENERIC, "del", src_key);
    }
    ctx.signal_modified_key(src_key);
    let lim = limits(ctx);
    let dst = match dst {
        Some(d) => d,
        None => {
            let access = ctx.st.new_access();
            let set = Set::new_for(member, lim.seed);
            ctx.db().keys.insert_new(SBytes::new(dst_key), Value::Set(Box::new(set)), access)
        }
    };
    if set_at(ctx, dst).add(member, &lim) {
        ctx.key_event(notify::SET, "sadd", dst_key);
    }
    Ok(Reply::Int(1))
}

/// `SSCAN key cursor [MATCH pattern] [COUNT count]`: `[cursor, [member ...]]`.
pub fn sscan(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let key = args.take();
    let cursor = collscan::cursor(ctx, args.take())?;
    let Some(slot) = read(ctx, key)? else { return Ok(collscan::empty()) };
    let opts = collscan::options(args)?;
    let mut out = Vec::new();
    let next = match &*set_at(ctx, slot) {
        Set::Ints(s) => {
            for &n in s.as_slice() {
                let m = Member::Int(n).to_vec();
                if opts.matches(&m) {
                    out.push(Reply::Bulk(m));
                }
            }
            0
        }
        Set::Table(t) => {
            let (next, slots) = t.scan_slots(cursor, opts.count);
            for s in slots.rev() {
                let m = t.key(s);
                if opts.matches(m) {
                    out.push(Reply::bulk(m));
                }
            }
            next
        }
    };
    Ok(collscan::reply(next, out))
}

#[cfg(test)]
mod tests {
    use crate::testkit::TestEngine;

    pub(super) const WRONGTYPE: &str = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

    pub(super) fn run(t: &mut TestEngine, cases: &[(&[&str], &str)]) {
        for (argv, want) in cases {
            assert_eq!(t.resp(argv), *want, "{:?}", argv);
        }
    }

    #[test]
    fn add_remove_members_and_encodings() {
        let mut t = TestEngine::new();
        run(
            &mut t,
            &[
                (&["SADD", "s", "3", "1", "2", "1"], ":3\r\n"),
                (&["SMEMBERS", "s"], "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"),
                (&["OBJECT", "ENCODING", "s"], "$6\r\nintset\r\n"),
                (&["SISMEMBER", "s", "02"], ":0\r\n"),
                (&["SMISMEMBER", "s", "1", "9", "abc"], "*3\r\n:1\r\n:0\r\n:0\r\n"),
                (&["SMISMEMBER", "nokey", "1"], "*1\r\n:0\r\n"),
                (&["SADD", "s", "x"], ":1\r\n"),
                (&["OBJECT", "ENCODING", "s"], "$9\r\nhashtable\r\n"),
                (&["SREM", "s", "x", "y"], ":1\r\n"),
                (&["OBJECT", "ENCODING", "s"], "$9\r\nhashtable\r\n"),
                (&["SCARD", "s"], ":3\r\n"),
                (&["SREM", "s", "1", "2", "3"], ":3\r\n"),
                (&["EXISTS", "s"], ":0\r\n"),
                (&["SADD", "w", "-0"], ":1\r\n"),
                (&["OBJECT", "ENCODING", "w"], "$9\r\nhashtable\r\n"),
                (&["SET", "str", "v"], "+OK\r\n"),
                (&["SADD", "str", "a"], WRONGTYPE),
                (&["SCARD", "str"], WRONGTYPE),
                (&["GET", "w"], WRONGTYPE),
            ],
        );
        t.cmd(&["CONFIG", "SET", "set-max-intset-entries", "2"]);
        run(
            &mut t,
            &[
                (&["SADD", "i", "1", "2"], ":2\r\n"),
                (&["OBJECT", "ENCODING", "i"], "$6\r\nintset\r\n"),
                (&["SADD", "i", "3"], ":1\r\n"),
                (&["OBJECT", "ENCODING", "i"], "$9\r\nhashtable\r\n"),
            ],
        );
        t.cmd(&["SADD", "r", "1"]);
        t.cmd(&["HELLO", "3"]);
        assert_eq!(t.resp3(&["SMEMBERS", "r"]), "~1\r\n$1\r\n1\r\n");
        assert_eq!(t.resp3(&["SMEMBERS", "nokey"]), "~0\r\n");
    }

    #[test]
    fn smove_cases() {
        let mut t = TestEngine::new();
        t.cmd(&["SADD", "a", "1", "2"]);
        t.cmd(&["SET", "str", "x"]);
        run(
            &mut t,
            &[
                (&["SMOVE", "nokey", "str", "1"], ":0\r\n"),
                (&["SMOVE", "a", "str", "1"], WRONGTYPE),
                (&["SMOVE", "str", "a", "1"], WRONGTYPE),
                (&["SMOVE", "a", "a", "1"], ":1\r\n"),
                (&["SMOVE", "a", "a", "9"], ":0\r\n"),
                (&["SMOVE", "a", "b", "9"], ":0\r\n"),
                (&["SMOVE", "a", "b", "1"], ":1\r\n"),
                (&["OBJECT", "ENCODING", "b"], "$6\r\nintset\r\n"),
                (&["SMOVE", "a", "b", "2"], ":1\r\n"),
                (&["EXISTS", "a"], ":0\r\n"),
                (&["SMEMBERS", "b"], "*2\r\n$1\r\n1\r\n$1\r\n2\r\n"),
            ],
        );
    }

    #[test]
    fn sscan_intset_whole() {
        let mut t = TestEngine::new();
        t.cmd(&["SADD", "s", "10", "2", "300"]);
        run(
            &mut t,
            &[
                (&["SSCAN", "s", "5"], "*2\r\n$1\r\n0\r\n*3\r\n$1\r\n2\r\n$2\r\n10\r\n$3\r\n300\r\n"),
                (&["SSCAN", "s", "0", "MATCH", "3*"], "*2\r\n$1\r\n0\r\n*1\r\n$3\r\n300\r\n"),
                (&["SSCAN", "nokey", "0", "foo"], "*2\r\n$1\r\n0\r\n*0\r\n"),
                (&["SSCAN", "s", "0", "foo"], "-ERR syntax error\r\n"),
            ],
        );
    }
}
