//! SCAN cursor [MATCH pattern] [COUNT count] [TYPE type].
//!
//! The cursor walks the keyspace's slots from the top down (see `db::keyspace`): every
//! key present for the whole iteration is returned at least once. Cursor values are
//! Cinder's own (a slot bound), but 0 starts an iteration and a reply cursor of 0 ends it.

use super::lookup_notouch;
use crate::cmd::{is, Args, Ctx};
use crate::error::{CmdError, CmdResult};
use crate::reply::Reply;
use crate::util::glob::glob_match;

/// Keys visited per call when COUNT is not given (Redis: 10).
const DEFAULT_COUNT: usize = 10;

/// Parses a cursor as Redis's `parseScanCursorOrReply` does with `strtoul`: optional
/// sign and decimal digits, a negative value wrapping around, no leading space, no
/// trailing bytes, no overflow. The empty string is cursor 0.
pub(crate) fn parse_cursor(s: &[u8]) -> Option<u64> {
    let (neg, digits) = match s.first() {
        None => return Some(0),
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        Some(_) => (false, s),
    };
    if digits.is_empty() {
        return None;
    }
    let mut v: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add((c - b'0') as u64)?;
    }
    Some(if neg { v.wrapping_neg() } else { v })
}

/// `SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]`: `[next-cursor, [key ...]]`.
pub fn scan(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let cursor = crate::cmd::collscan::cursor(ctx, args.take())?;
    let mut count = DEFAULT_COUNT;
    let mut pattern: Option<&[u8]> = None;
    let mut type_name: Option<&[u8]> = None;
    while let Some(opt) = args.next() {
        let has_value = args.has_more();
        if is(opt, "count") && has_value {
            let n = args.next_i64()?;
            if n < 1 {
                return Err(CmdError::Syntax);
            }
            count = usize::try_from(n).unwrap_or(usize::MAX);
        } else if is(opt, "match") && has_value {
            let p = args.take();
            // A lone `*` matches everything, the empty key included.
            pattern = (p != b"*").then_some(p);
        } else if is(opt, "type") && has_value {
            type_name = Some(args.take());
        } else {
            return Err(CmdError::Syntax);
        }
    }

    let ks = &ctx.db().keys;
    let (next, slots) = ks.scan_slots(cursor, count);
    let found: Vec<Vec<u8>> = slots.rev().filter_map(|s| ks.slot(s)).map(|e| e.key.as_slice().to_vec()).collect();

    // Filters in Redis's order: pattern, type, then expiry (which removes the key).
    let now = ctx.now_ms();
    let mut keys = Vec::with_capacity(found.len());
    for key in found {
        if let Some(p) = pattern {
            if !glob_match(p, &key, false) {
                continue;
            }
        }
        if let Some(want) = type_name {
            let have = match lookup_notouch(ctx, &key) {
                Some(slot) => ctx.db().keys.entry(slot).value.type_name(),
                None => "none",
            };
            if !want.eq_ignore_ascii_case(have.as_bytes()) {
                continue;
            }
        }
        if ctx.db().expire_if_needed(&key, now) {
            continue;
        }
        keys.push(Reply::Bulk(key));
    }
    Ok(Reply::Array(vec![Reply::text(next.to_string()), Reply::Array(keys)]))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::put;
    use super::parse_cursor;
    use crate::reply::Reply;
    use crate::testkit::TestEngine;

    #[test]
    fn cursor_parses_like_strtoul() {
        assert_eq!(parse_cursor(b""), Some(0));
        assert_eq!(parse_cursor(b"00"), Some(0));
        assert_eq!(parse_cursor(b"+0"), Some(0));
        assert_eq!(parse_cursor(b"-1"), Some(u64::MAX));
        assert_eq!(parse_cursor(b"-18446744073709551615"), Some(1));
        assert_eq!(parse_cursor(b"18446744073709551615"), Some(u64::MAX));
        for bad in ["18446744073709551616", "-18446744073709551616", "abc", " 1", "1 ", "-", "+", "0x10", "+-1"] {
            assert_eq!(parse_cursor(bad.as_bytes()), None, "{}", bad);
        }
    }

    #[test]
    fn argument_errors() {
        let mut t = TestEngine::new();
        let syntax = "-ERR syntax error\r\n";
        assert_eq!(t.resp(&["SCAN", "abc"]), "-ERR invalid cursor\r\n");
        assert_eq!(t.resp(&["SCAN", "x", "count", "0"]), "-ERR invalid cursor\r\n");
        assert_eq!(t.resp(&["SCAN", "0", "count", "0"]), syntax);
        assert_eq!(t.resp(&["SCAN", "0", "count", "-1"]), syntax);
        assert_eq!(t.resp(&["SCAN", "0", "count", "abc"]), "-ERR value is not an integer or out of range\r\n");
        assert_eq!(
            t.resp(&["SCAN", "0", "count", "99999999999999999999"]),
            "-ERR value is not an integer or out of range\r\n"
        );
        assert_eq!(t.resp(&["SCAN", "0", "count"]), syntax);
        assert_eq!(t.resp(&["SCAN", "0", "match"]), syntax);
        assert_eq!(t.resp(&["SCAN", "0", "type"]), syntax);
        assert_eq!(t.resp(&["SCAN", "0", "foo"]), syntax);
        assert_eq!(t.resp(&["SCAN", "0", "match", "*", "count", "0", "foo"]), syntax);
        assert_eq!(t.resp(&["SCAN"]), "-ERR wrong number of arguments for 'scan' command\r\n");
    }

    #[test]
    fn small_keyspace_in_one_call_with_filters() {
        let mut t = TestEngine::new();
        put(&mut t, 0, "", "e");
        put(&mut t, 0, "a", "1");
        assert_eq!(t.resp(&["SCAN", "0"]), "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$0\r\n\r\n");
        assert_eq!(t.resp(&["SCAN", ""]), "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$0\r\n\r\n");
        assert_eq!(t.resp(&["SCAN", "0", "MATCH", "*"]), "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$0\r\n\r\n");
        assert_eq!(t.resp(&["SCAN", "0", "match", "**"]), "*2\r\n$1\r\n0\r\n*1\r\n$1\r\na\r\n");
        assert_eq!(t.resp(&["SCAN", "0", "match", "a", "match", "b"]), "*2\r\n$1\r\n0\r\n*0\r\n");
        assert_eq!(t.resp(&["SCAN", "0", "TYPE", "STRING"]), "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$0\r\n\r\n");
        assert_eq!(t.resp(&["SCAN", "0", "type", "foo"]), "*2\r\n$1\r\n0\r\n*0\r\n");
        assert_eq!(t.resp(&["SCAN", "0", "type", "string", "type", "list"]), "*2\r\n$1\r\n0\r\n*0\r\n");
        assert_eq!(t.resp3(&["SCAN", "0", "type", "list"]), "*2\r\n$1\r\n0\r\n*0\r\n");
    }

    #[test]
    fn expired_keys_are_filtered_and_removed() {
        let mut t = TestEngine::new();
        put(&mut t, 0, "a", "1");
        put(&mut t, 0, "b", "1");
        assert_eq!(t.resp(&["PEXPIRE", "a", "5"]), ":1\r\n");
        t.advance_ms(5);
        assert_eq!(t.resp(&["SCAN", "0", "MATCH", "b"]), "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nb\r\n");
        assert_eq!(t.eng.state.dbs[0].keys.len(), 2);
        assert_eq!(t.resp(&["SCAN", "0"]), "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nb\r\n");
        assert_eq!(t.eng.state.dbs[0].keys.len(), 1);
        assert_eq!(t.eng.state.expired_keys(), 1);
    }

    fn scan_step(t: &mut TestEngine, cursor: &str, count: &str) -> (String, Vec<String>) {
        match t.cmd(&["SCAN", cursor, "COUNT", count]) {
            Reply::Array(mut v) => {
                let keys = match v.pop() {
                    Some(Reply::Array(k)) => k
                        .into_iter()
                        .map(|r| match r {
                            Reply::Bulk(b) => String::from_utf8(b).unwrap(),
                            other => panic!("{:?}", other),
                        })
                        .collect(),
                    other => panic!("{:?}", other),
                };
                match v.pop() {
                    Some(Reply::Bulk(c)) => (String::from_utf8(c).unwrap(), keys),
                    other => panic!("{:?}", other),
                }
            }
            other => panic!("{:?}", other),
        }
    }

    #[test]
    fn full_iteration_with_deletes_never_misses_a_surviving_key() {
        let mut t = TestEngine::new();
        for i in 0..500 {
            put(&mut t, 0, &format!("keep:{}", i), "v");
            put(&mut t, 0, &format!("drop:{}", i), "v");
        }
        let mut seen = std::collections::HashSet::new();
        let mut cursor = "0".to_string();
        let mut calls = 0;
        let mut dropped = 0;
        loop {
            let (next, keys) = scan_step(&mut t, &cursor, "25");
            assert!(keys.len() <= 25);
            seen.extend(keys);
            for _ in 0..4 {
                if dropped < 500 {
                    let k = format!("drop:{}", (dropped * 7) % 500);
                    t.cmd(&["DEL", &k]);
                    dropped += 1;
                }
            }
            calls += 1;
            if next == "0" {
                break;
            }
            cursor = next;
        }
        assert!(calls < 100, "{}", calls);
        for i in 0..500 {
            assert!(seen.contains(&format!("keep:{}", i)), "missed keep:{}", i);
        }
    }
}
