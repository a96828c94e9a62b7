//! SPOP and SRANDMEMBER, following Redis 7.0's `spopWithCountCommand` and
//! `srandmemberWithCountCommand`: the same argument checks, reply types (SPOP with a
//! count answers a set, SRANDMEMBER an array) and strategies where they are observable
//! (a count covering the whole set returns it in order; SPOP of most of a set rebuilds
//! the set from the members that stay, which can change its encoding).

use super::{bulk, limits, read, set_at, write};
use crate::cmd::{Args, Ctx};
use crate::config::notify;
use crate::error::{CmdError, CmdResult};
use crate::numfmt::parse_i64;
use crate::reply::Reply;
use crate::types::set::{Member, Set};
use crate::types::Value;
use crate::util::sample::{distinct_indexes, MAX_RANDOM_PICKS};

/// Redis's `SPOP_MOVE_STRATEGY_MUL`: below this ratio of remaining to popped members,
/// SPOP builds a new set from the remaining ones instead of popping one by one.
const SPOP_MOVE_STRATEGY_MUL: u64 = 5;

/// The set in `slot` and the engine RNG, borrowed together.
fn set_and_rng<'a>(ctx: &'a mut Ctx, slot: u32) -> (&'a mut Set, &'a mut crate::rng::Rng) {
    let st = &mut *ctx.st;
    match &mut st.dbs[ctx.client.db].keys.entry_mut(slot).value {
        Value::Set(s) => (s, &mut st.rng),
        _ => unreachable!("slot was checked to hold a set"),
    }
}

/// Removes and returns one random member.
fn pop_one(set: &mut Set, rng: &mut crate::rng::Rng) -> Vec<u8> {
    set.pop_random(rng)
}

/// `SPOP key [count]`: removes and returns one random member (nil when missing), or up
/// to `count` distinct members as a set.
pub fn spop(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let key = args.take();
    match (args.next(), args.has_more()) {
        (None, _) => {
            let Some(slot) = write(ctx, key)? else { return Ok(Reply::Nil) };
            let (set, rng) = set_and_rng(ctx, slot);
            let m = pop_one(set, rng);
            let emptied = set.is_empty();
            ctx.notify(notify::SET, "spop", key);
            if emptied {
                ctx.db().keys.remove(slot);
                ctx.notify(notify::GENERIC, "del", key);
            }
            ctx.signal_modified_key(key);
            // The random pick replays as its effect (Redis's SREM rewrite).
            ctx.propagate_as(&[b"SREM", key, &m]);
            Ok(Reply::Bulk(m))
        }
        (Some(count), false) => spop_count(ctx, key, count),
        (Some(_), true) => Err(CmdError::Syntax),
    }
}

/// `SPOP key count`.
fn spop_count(ctx: &mut Ctx, key: &[u8], count: &[u8]) -> CmdResult {
    let count = parse_i64(count).filter(|&n| n >= 0).ok_or(CmdError::MustBePositive)? as u64;
    let Some(slot) = write(ctx, key)? else { return Ok(Reply::Set(Vec::new())) };
    if count == 0 {
        return Ok(Reply::Set(Vec::new()));
    }
    let lim = limits(ctx);
    // Redis counts the members popped.
    let size = set_at(ctx, slot).len() as u64;
    ctx.changes(count.min(size));
    ctx.notify(notify::SET, "spop", key);
    ctx.signal_modified_key(key);
    let (set, rng) = set_and_rng(ctx, slot);
    let size = set.len() as u64;
    if count >= size {
        // The whole set, in order; the key goes away.
        let all = set.iter().map(bulk).collect();
        ctx.db().keys.remove(slot);
        ctx.notify(notify::GENERIC, "del", key);
        ctx.propagate_as(&[b"DEL", key]);
        return Ok(Reply::Set(all));
    }
    let remaining = size - count;
    let mut out = Vec::with_capacity(count as usize);
    if remaining * SPOP_MOVE_STRATEGY_MUL > count {
        for _ in 0..count {
            out.push(Reply::Bulk(pop_one(set, rng)));
        }
    } else {
        // Redis moves the members that stay into a new set (created for the first one moved,
        // as `setTypeCreate` does) and returns what is left of the old one, in its order.
        // The new set is an intset exactly when every survivor is an integer and they fit;
        // otherwise the old table keeps the survivors in place, which keeps an SSCAN in
        // progress from missing any of them.
        let survivors = distinct_indexes(size as usize, remaining as usize, rng);
        let mut keep = vec![false; size as usize];
        survivors.iter().for_each(|&i| keep[i] = true);
        let is_int = |m: Member<'_>| match m {
            Member::Int(_) => true,
            Member::Bytes(b) => parse_i64(b).is_some(),
        };
        let as_intset = remaining <= lim.max_intset && survivors.iter().all(|&i| is_int(set.at(i)));
        let popped: Vec<Vec<u8>> = (0..size as usize).filter(|&i| !keep[i]).map(|i| set.at(i).to_vec()).collect();
        if as_intset && matches!(set, Set::Table(_)) {
            let mut ints = Set::new_ints();
            for &i in &survivors {
                let m = set.at(i).to_vec();
                ints.add(&m, &lim);
            }
            *set = ints;
        } else {
            for m in &popped {
                set.remove(m);
            }
        }
        out.extend(popped.into_iter().map(Reply::Bulk));
    }
    if ctx.st.propagation.is_enabled() {
        // The random picks replay as their effect: one SREM per popped member (Redis's
        // alsoPropagate), and not the SPOP itself.
        for r in &out {
            if let Reply::Bulk(m) = r {
                ctx.also_propagate(&[b"SREM", key, m]);
            }
        }
        ctx.prevent_propagation();
    }
    Ok(Reply::Set(out))
}

/// `SRANDMEMBER key [count]`: one random member (nil when missing), or up to `count`
/// distinct members, or `-count` members that may repeat, as an array.
pub fn srandmember(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (key, count) = (args.take(), args.next());
    args.finish()?;
    let Some(count) = count else {
        let Some(slot) = read(ctx, key)? else { return Ok(Reply::Nil) };
        let (set, rng) = set_and_rng(ctx, slot);
        return Ok(bulk(set.random(rng)));
    };
    let l = parse_i64(count).ok_or(CmdError::NotInteger)?;
    if l == i64::MIN {
        return Err(CmdError::other(
            "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
        ));
    }
    let Some(slot) = read(ctx, key)? else { return Ok(Reply::Array(Vec::new())) };
    let (count, unique) = (l.unsigned_abs(), l >= 0);
    if count == 0 {
        return Ok(Reply::Array(Vec::new()));
    }
    let (set, rng) = set_and_rng(ctx, slot);
    let size = set.len();
    let out: Vec<Reply> = if !unique || count == 1 {
        if count > MAX_RANDOM_PICKS {
            return Err(CmdError::other("ERR count is too large for a single reply"));
        }
        (0..count).map(|_| bulk(set.random(rng))).collect()
    } else if count >= size as u64 {
        set.iter().map(bulk).collect()
    } else {
        distinct_indexes(size, count as usize, rng).into_iter().map(|i| bulk(set.at(i))).collect()
    };
    Ok(Reply::Array(out))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{run, WRONGTYPE};
    use crate::testkit::TestEngine;

    #[test]
    fn argument_checks_and_whole_set_answers() {
        let mut t = TestEngine::new();
        t.cmd(&["SADD", "s", "3", "1", "2"]);
        t.cmd(&["SET", "str", "x"]);
        run(
            &mut t,
            &[
                (&["SRANDMEMBER", "s", "5"], "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"),
                (&["SRANDMEMBER", "nokey", "5"], "*0\r\n"),
                (&["SRANDMEMBER", "nokey"], "$-1\r\n"),
                (&["SRANDMEMBER", "s", "x"], "-ERR value is not an integer or out of range\r\n"),
                (&["SRANDMEMBER", "str", "x"], "-ERR value is not an integer or out of range\r\n"),
                (&["SRANDMEMBER", "str", "1"], WRONGTYPE),
                (&["SRANDMEMBER", "s", "1", "2"], "-ERR syntax error\r\n"),
                (&["SPOP", "s", "-1"], "-ERR value is out of range, must be positive\r\n"),
                (&["SPOP", "s", "x"], "-ERR value is out of range, must be positive\r\n"),
                (&["SPOP", "str", "0"], WRONGTYPE),
                (&["SPOP", "s", "0"], "*0\r\n"),
                (&["SPOP", "s", "1", "2"], "-ERR syntax error\r\n"),
                (&["SPOP", "s", "3"], "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"),
                (&["EXISTS", "s"], ":0\r\n"),
            ],
        );
        t.cmd(&["SADD", "one", "x"]);
        assert_eq!(t.resp(&["SRANDMEMBER", "one", "-3"]), "*3\r\n$1\r\nx\r\n$1\r\nx\r\n$1\r\nx\r\n");
        t.cmd(&["HELLO", "3"]);
        assert_eq!(t.resp3(&["SPOP", "nokey", "2"]), "~0\r\n");
        assert_eq!(t.resp3(&["SRANDMEMBER", "one", "5"]), "*1\r\n$1\r\nx\r\n");
    }

    /// Popping most of a set rebuilds it from the members that stay: a hashtable whose
    /// survivors are integers becomes an intset (Redis 7.0's SPOP case 3).
    #[test]
    fn spop_of_most_members_rebuilds_the_set() {
        let mut t = TestEngine::new();
        t.cmd(&["SADD", "h", "a", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
        t.cmd(&["SREM", "h", "a"]);
        assert_eq!(t.resp(&["OBJECT", "ENCODING", "h"]), "$9\r\nhashtable\r\n");
        let r = t.resp(&["SPOP", "h", "8"]);
        assert!(r.starts_with("*8\r\n"), "{}", r);
        assert_eq!(t.resp(&["SCARD", "h"]), ":1\r\n");
        assert_eq!(t.resp(&["OBJECT", "ENCODING", "h"]), "$6\r\nintset\r\n");
        // Popping a few pops one by one: the set keeps its encoding.
        let members: Vec<String> = (0..100).map(|i| format!("m{}", i)).collect();
        let mut argv = vec!["SADD", "w"];
        argv.extend(members.iter().map(String::as_str));
        t.cmd(&argv);
        let r = t.resp(&["SPOP", "w", "3"]);
        assert!(r.starts_with("*3\r\n"), "{}", r);
        assert_eq!(t.resp(&["SCARD", "w"]), ":97\r\n");
    }

    fn bulks(r: crate::reply::Reply) -> Vec<Vec<u8>> {
        match r {
            crate::reply::Reply::Array(v) | crate::reply::Reply::Set(v) => v
                .into_iter()
                .map(|e| match e {
                    crate::reply::Reply::Bulk(b) => b,
                    other => panic!("{:?}", other),
                })
                .collect(),
            other => panic!("{:?}", other),
        }
    }

    /// SPOP of most of a hashtable set during an SSCAN: every survivor is still returned.
    #[test]
    fn sscan_survives_a_mass_spop() {
        let mut t = TestEngine::new();
        let members: Vec<String> = (0..300).map(|i| format!("m{}", i)).collect();
        let mut argv = vec!["SADD", "s"];
        argv.extend(members.iter().map(String::as_str));
        t.cmd(&argv);
        let mut seen = std::collections::HashSet::new();
        let mut cursor = "0".to_string();
        let mut step = 0;
        loop {
            let crate::reply::Reply::Array(mut parts) = t.cmd(&["SSCAN", "s", &cursor, "COUNT", "10"]) else {
                panic!()
            };
            seen.extend(bulks(parts.pop().unwrap()));
            let crate::reply::Reply::Bulk(next) = parts.pop().unwrap() else { panic!() };
            step += 1;
            if step == 27 {
                assert_eq!(bulks(t.cmd(&["SPOP", "s", "250"])).len(), 250);
            }
            cursor = String::from_utf8(next).unwrap();
            if cursor == "0" {
                break;
            }
        }
        let left = bulks(t.cmd(&["SMEMBERS", "s"]));
        assert_eq!(left.len(), 50);
        assert!(left.iter().all(|m| seen.contains(m)));
    }
}
