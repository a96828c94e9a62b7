//! Sorted-set commands for the randomized differential test (a child module of
//! `random`, so it shares its key pool: string and sorted-set commands meet on the same
//! keys and WRONGTYPE is exercised both ways).
//!
//! Every command and option is generated, with float edge cases as scores and bounds.
//! Now and then the listpack limits are changed with CONFIG SET, so small sets also take
//! the skiplist paths. Lexicographic commands only touch the `zl*` keys, whose members
//! all score 0: with mixed scores Redis's lex descent depends on its random skiplist
//! levels, so those results are not comparable (Redis documents them as unspecified).

use super::{b, Gen, Op, KEYS};
use crate::script::Mode;

/// Keys whose members always score 0 (the only keys lex commands use).
const LEX_KEYS: &[&[u8]] = &[b"zl0", b"zl1"];
/// Keys only sorted-set commands touch, so their sets grow larger.
const ZSET_KEYS: &[&[u8]] = &[b"z0", b"z1"];

const MEMBERS: &[&[u8]] = &[
    b"a",
    b"b",
    b"c",
    b"d",
    b"e",
    b"f",
    b"g",
    b"m1",
    b"m2",
    b"m10",
    b"",
    b"\x00x",
    b"1",
    b"-1",
    b"01",
    b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    b"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
];

const SCORES: &[&[u8]] = &[
    b"0",
    b"-0",
    b"1",
    b"-1",
    b"2",
    b"2.5",
    b"-2.5",
    b"3",
    b"7",
    b"10",
    b"0.1",
    b"1e3",
    b"inf",
    b"-inf",
    b"+inf",
    b"1e308",
    b"-1e308",
    b"5e-324",
    b"123456789012345678",
    b" 1",
    b"0x10",
    b"nan",
    b"abc",
    b"1e400",
    b"",
    b"1e-400",
];

const SCORE_BOUNDS: &[&[u8]] = &[
    b"-inf", b"+inf", b"inf", b"0", b"-0", b"(0", b"1", b"(1", b"2.5", b"(2.5", b"3", b"(7", b"10", b"1e3", b"(inf",
    b"(-inf", b"", b"(", b" 2", b"x", b"nan", b"0x10", b"1e400",
];

const LEX_BOUNDS: &[&[u8]] =
    &[b"-", b"+", b"[a", b"(a", b"[c", b"(c", b"[e", b"(m1", b"[m2", b"[", b"(", b"x", b"-x", b"[\x00", b"(g"];

const INDEXES: &[&str] = &["0", "1", "2", "-1", "-2", "-3", "5", "100", "-100", "x"];

fn pick(g: &mut Gen, items: &[&[u8]]) -> Vec<u8> {
    g.rng.pick(items).to_vec()
}

fn word(g: &mut Gen, items: &[&str]) -> Vec<u8> {
    g.rng.pick(items).as_bytes().to_vec()
}

/// A key: the shared pool, this generator's own keys, or (only where `lex_ok`) a lex key.
fn key(g: &mut Gen, lex_ok: bool) -> Vec<u8> {
    if lex_ok && g.rng.chance(20) {
        pick(g, LEX_KEYS)
    } else {
        data_key(g)
    }
}

/// A key that may hold any scores.
fn data_key(g: &mut Gen) -> Vec<u8> {
    if g.rng.chance(55) {
        pick(g, ZSET_KEYS)
    } else {
        pick(g, KEYS)
    }
}

fn score(g: &mut Gen) -> Vec<u8> {
    if g.rng.chance(85) {
        pick(g, &SCORES[..19])
    } else {
        pick(g, SCORES)
    }
}

/// `LIMIT offset count` (sometimes malformed).
fn limit(g: &mut Gen) -> Vec<Vec<u8>> {
    let off = word(g, &["0", "1", "2", "-1", "5", "x"]);
    let cnt = word(g, &["1", "2", "3", "-1", "0", "10"]);
    vec![b("LIMIT"), off, cnt]
}

/// Keys for the multi-key commands: `numkeys` and the keys.
fn keys(g: &mut Gen) -> Vec<Vec<u8>> {
    let n = g.rng.range(1, 3) as usize;
    let mut v = vec![b(&n.to_string())];
    for _ in 0..n {
        v.push(key(g, true));
    }
    v
}

/// The next sorted-set command.
pub fn next(g: &mut Gen) -> Op {
    let exact = |argv: Vec<Vec<u8>>| Op { argv, mode: Some(Mode::Exact) };
    match g.rng.below(100) {
        0..=17 => {
            let lex = g.rng.chance(20);
            let k = if lex { pick(g, LEX_KEYS) } else { data_key(g) };
            let mut argv = vec![b("ZADD"), k];
            if g.rng.chance(40) {
                let n = g.rng.range(1, 2);
                for _ in 0..n {
                    argv.push(word(g, &["NX", "XX", "GT", "LT", "CH", "CH", "INCR", "ch", "xx"]));
                }
            }
            let pairs = if g.rng.chance(50) { 1 } else { g.rng.range(2, 8) };
            for _ in 0..pairs {
                let s = if lex { b("0") } else { score(g) };
                argv.push(s);
                argv.push(pick(g, MEMBERS));
            }
            if lex && argv.iter().any(|a| a.eq_ignore_ascii_case(b"INCR")) {
                argv.retain(|a| !a.eq_ignore_ascii_case(b"INCR"));
            }
            if g.rng.chance(3) {
                argv.pop();
            }
            exact(argv)
        }
        18..=23 => exact(vec![b("ZINCRBY"), data_key(g), score(g), pick(g, MEMBERS)]),
        24..=27 => {
            let mut argv = vec![b("ZREM"), key(g, true)];
            for _ in 0..g.rng.range(1, 3) {
                argv.push(pick(g, MEMBERS));
            }
            exact(argv)
        }
        28..=33 => {
            let cmd = word(g, &["ZCARD", "ZSCORE", "ZMSCORE", "ZRANK", "ZREVRANK", "ZSCORE"]);
            let mut argv = vec![cmd.clone(), key(g, true)];
            if cmd != b"ZCARD" {
                argv.push(pick(g, MEMBERS));
                if cmd == b"ZMSCORE" && g.rng.chance(50) {
                    argv.push(pick(g, MEMBERS));
                }
            }
            exact(argv)
        }
        34..=36 => exact(vec![b("ZCOUNT"), key(g, true), pick(g, SCORE_BOUNDS), pick(g, SCORE_BOUNDS)]),
        37..=38 => exact(vec![b("ZLEXCOUNT"), pick(g, LEX_KEYS), pick(g, LEX_BOUNDS), pick(g, LEX_BOUNDS)]),
        39..=52 => range(g, None),
        53..=56 => {
            let dst = data_key(g);
            range(g, Some(dst))
        }
        57..=61 => {
            let cmd = word(g, &["ZPOPMIN", "ZPOPMAX"]);
            let mut argv = vec![cmd, key(g, true)];
            if g.rng.chance(50) {
                argv.push(word(g, &["0", "1", "2", "5", "-1", "x"]));
            }
            exact(argv)
        }
        62..=64 => {
            let mut argv = vec![b("ZMPOP")];
            argv.extend(keys(g));
            argv.push(word(g, &["MIN", "MAX", "min", "foo"]));
            if g.rng.chance(50) {
                argv.extend([b("COUNT"), word(g, &["1", "2", "10", "0", "x"])]);
            }
            exact(argv)
        }
        65..=67 => {
            let mut argv = vec![b("ZRANDMEMBER"), key(g, true)];
            if g.rng.chance(70) {
                argv.push(word(g, &["1", "2", "5", "-3", "0", "100", "x"]));
                if g.rng.chance(50) {
                    argv.push(b("WITHSCORES"));
                }
            }
            // Random picks: compare shapes; a count covering the whole set is exact.
            let whole = argv.get(2).is_some_and(|c| c == b"100" || c == b"0");
            Op { argv, mode: Some(if whole { Mode::Exact } else { Mode::Shape }) }
        }
        68..=73 => {
            let (cmd, min, max) = match g.rng.below(3) {
                0 => ("ZREMRANGEBYRANK", word(g, INDEXES), word(g, INDEXES)),
                1 => ("ZREMRANGEBYSCORE", pick(g, SCORE_BOUNDS), pick(g, SCORE_BOUNDS)),
                _ => ("ZREMRANGEBYLEX", pick(g, LEX_BOUNDS), pick(g, LEX_BOUNDS)),
            };
            let k = if cmd == "ZREMRANGEBYLEX" { pick(g, LEX_KEYS) } else { key(g, true) };
            exact(vec![b(cmd), k, min, max])
        }
        74..=85 => {
            let cmd = word(g, &["ZUNION", "ZINTER", "ZDIFF", "ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE", "ZINTERCARD"]);
            let store = cmd.ends_with(b"STORE");
            let mut argv = vec![cmd.clone()];
            if store {
                argv.push(data_key(g));
            }
            let ks = keys(g);
            let n = ks.len() - 1;
            argv.extend(ks);
            if g.rng.chance(3) {
                argv.push(pick(g, KEYS));
            }
            if g.rng.chance(30) {
                argv.push(b("WEIGHTS"));
                for _ in 0..n {
                    argv.push(word(g, &["1", "2", "0.5", "-1", "0", "inf", "-inf", "x"]));
                }
            }
            if g.rng.chance(30) {
                argv.extend([b("AGGREGATE"), word(g, &["SUM", "MIN", "MAX", "max", "avg"])]);
            }
            if g.rng.chance(50) {
                argv.push(b("WITHSCORES"));
            }
            if cmd == b"ZINTERCARD" && g.rng.chance(60) {
                argv.retain(|a| a != b"WITHSCORES");
                argv.extend([b("LIMIT"), word(g, &["0", "1", "2", "-1"])]);
            }
            exact(argv)
        }
        86..=88 => {
            let mut argv = vec![b("ZSCAN"), key(g, true), b("0")];
            if g.rng.chance(40) {
                argv.extend([b("MATCH"), word(g, &["*", "a*", "m?", "[a-c]", "*\x00*"])]);
            }
            if g.rng.chance(40) {
                argv.extend([b("COUNT"), word(g, &["1", "3", "100"])]);
            }
            Op { argv, mode: None }
        }
        89..=90 => {
            let (param, values): (&str, &[&str]) = if g.rng.chance(70) {
                ("zset-max-listpack-entries", &["0", "1", "3", "128", "128"])
            } else {
                ("zset-max-listpack-value", &["0", "1", "64", "64"])
            };
            exact(vec![b("CONFIG"), b("SET"), b(param), word(g, values)])
        }
        91..=94 => exact(vec![b("OBJECT"), b("ENCODING"), key(g, true)]),
        _ => exact(vec![b("ZRANGE"), key(g, true), b("0"), b("-1"), b("WITHSCORES")]),
    }
}

/// ZRANGE in all its forms (and ZRANGESTORE into `dst`), plus the older range commands.
fn range(g: &mut Gen, dst: Option<Vec<u8>>) -> Op {
    let kind = g.rng.below(3);
    let lex = kind == 2;
    let k = if lex { pick(g, LEX_KEYS) } else { key(g, true) };
    let (min, max) = match kind {
        0 => (word(g, INDEXES), word(g, INDEXES)),
        1 => (pick(g, SCORE_BOUNDS), pick(g, SCORE_BOUNDS)),
        _ => (pick(g, LEX_BOUNDS), pick(g, LEX_BOUNDS)),
    };
    let rev = g.rng.chance(40);
    let old_form = dst.is_none() && g.rng.chance(35);
    let mut argv = match (old_form, kind, rev) {
        (true, 0, false) => vec![b("ZRANGE"), k, min, max],
        (true, 0, true) => vec![b("ZREVRANGE"), k, min, max],
        (true, 1, false) => vec![b("ZRANGEBYSCORE"), k, min, max],
        (true, 1, true) => vec![b("ZREVRANGEBYSCORE"), k, max, min],
        (true, _, false) => vec![b("ZRANGEBYLEX"), k, min, max],
        (true, _, true) => vec![b("ZREVRANGEBYLEX"), k, max, min],
        (false, _, _) => {
            let mut v = match &dst {
                Some(d) => vec![b("ZRANGESTORE"), d.clone(), k],
                None => vec![b("ZRANGE"), k],
            };
            v.extend(if rev { [max, min] } else { [min, max] });
            if kind == 1 {
                v.push(b("BYSCORE"));
            } else if kind == 2 {
                v.push(b("BYLEX"));
            }
            if rev {
                v.push(b("REV"));
            }
            v
        }
    };
    if (kind != 0 || g.rng.chance(5)) && g.rng.chance(40) {
        argv.extend(limit(g));
    }
    if dst.is_none() && g.rng.chance(if lex { 5 } else { 50 }) {
        argv.push(b("WITHSCORES"));
    }
    if g.rng.chance(3) {
        argv.push(word(g, &["REV", "BYSCORE", "foo", "LIMIT"]));
    }
    Op { argv, mode: Some(Mode::Exact) }
}
