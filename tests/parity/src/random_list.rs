//! List commands for the random differential test: every list command with valid and
//! invalid arguments over the shared key pool (so lists meet strings and expiry), hooked
//! into [`Gen::next`](crate::random::Gen::next). Blocking forms use a 10 ms timeout, so
//! they either answer at once or time out with nil (one client: nothing else can serve
//! them).

use crate::random::{Gen, Op};
use crate::script::Mode;

/// Elements: few distinct ones so LREM/LPOS/LINSERT find matches; integers in several
/// encodings and their non-canonical look-alikes; binary and empty strings.
const ELEMS: &[&[u8]] = &[
    b"a",
    b"b",
    b"c",
    b"1",
    b"01",
    b"-1",
    b"-0",
    b"",
    b"\x00\xff\r\n",
    b"9223372036854775807",
    b"4096",
    b"-4097",
    b"100000",
    b"x",
];

const COUNTS: &[&str] =
    &["0", "1", "2", "3", "5", "-1", "-2", "100", "abc", "1.5", "9223372036854775807", "-9223372036854775808"];

const INDEXES: &[&str] =
    &["0", "1", "2", "-1", "-2", "-3", "4", "-6", "20", "abc", "9223372036854775807", "-9223372036854775808"];

fn b(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

fn elem(g: &mut Gen) -> Vec<u8> {
    if g.rng.chance(10) {
        g.value()
    } else {
        g.rng.pick(ELEMS).to_vec()
    }
}

fn word(g: &mut Gen, items: &[&str]) -> Vec<u8> {
    g.rng.pick(items).as_bytes().to_vec()
}

fn side(g: &mut Gen) -> Vec<u8> {
    word(g, &["LEFT", "RIGHT", "left", "right", "LEFT", "RIGHT", "MIDDLE"])
}

fn elems(g: &mut Gen, argv: &mut Vec<Vec<u8>>, max: usize) {
    for _ in 0..1 + g.rng.below(max) {
        let e = elem(g);
        argv.push(e);
    }
}

/// A random list command about 30% of the time.
pub fn maybe_next(g: &mut Gen) -> Option<Op> {
    if !g.rng.chance(30) {
        return None;
    }
    Some(Op { argv: next(g), mode: Some(Mode::Exact) })
}

/// One random list command.
fn next(g: &mut Gen) -> Vec<Vec<u8>> {
    let w = g.rng.below(100);
    let key = g.key();
    match w {
        0..=19 => {
            let mut argv = vec![word(g, &["LPUSH", "RPUSH", "LPUSH", "RPUSH", "LPUSHX", "RPUSHX"]), key];
            elems(g, &mut argv, 6);
            argv
        }
        20..=29 => {
            let mut argv = vec![word(g, &["LPOP", "RPOP"]), key];
            if g.rng.chance(50) {
                argv.push(word(g, COUNTS));
            }
            argv
        }
        30..=37 => vec![b("LRANGE"), key, word(g, INDEXES), word(g, INDEXES)],
        38..=41 => vec![b("LLEN"), key],
        42..=46 => vec![b("LINDEX"), key, word(g, INDEXES)],
        47..=50 => vec![b("LSET"), key, word(g, INDEXES), elem(g)],
        51..=55 => {
            let pos = word(g, &["BEFORE", "AFTER", "before", "after", "AROUND"]);
            vec![b("LINSERT"), key, pos, elem(g), elem(g)]
        }
        56..=60 => vec![b("LREM"), key, word(g, COUNTS), elem(g)],
        61..=64 => vec![b("LTRIM"), key, word(g, INDEXES), word(g, INDEXES)],
        65..=71 => {
            let mut argv = vec![b("LPOS"), key, elem(g)];
            for _ in 0..g.rng.below(3) {
                match g.rng.below(4) {
                    0 => argv
                        .extend([b("RANK"), word(g, &["1", "2", "-1", "-2", "0", "3", "-9223372036854775808", "x"])]),
                    1 => argv.extend([b("COUNT"), word(g, &["0", "1", "2", "-1", "5"])]),
                    2 => argv.extend([b("MAXLEN"), word(g, &["0", "1", "3", "-1", "100"])]),
                    _ => argv.push(word(g, &["RANK", "BOGUS"])),
                }
            }
            argv
        }
        72..=79 => {
            let dst = g.key();
            if g.rng.chance(30) {
                vec![b("RPOPLPUSH"), key, dst]
            } else {
                vec![b("LMOVE"), key, dst, side(g), side(g)]
            }
        }
        80..=87 => {
            let n = 1 + g.rng.below(3);
            let mut argv = vec![b("LMPOP"), b(&n.to_string())];
            for _ in 0..n {
                let k = g.key();
                argv.push(k);
            }
            argv.push(side(g));
            if g.rng.chance(50) {
                argv.extend([b("COUNT"), word(g, &["1", "2", "5", "0", "-1", "x"])]);
            }
            if g.rng.chance(3) {
                argv[1] = word(g, &["0", "-1", "9", "x"]);
            }
            argv
        }
        88 => vec![b("OBJECT"), b("ENCODING"), key],
        // Small nodes for lists created from now on: inserts and removals cross nodes.
        89 => vec![b("CONFIG"), b("SET"), b("list-max-listpack-size"), word(g, &["1", "2", "3", "-1", "-2", "0"])],
        _ => {
            let timeout = word(g, &["0.01", "0.01", "0.01", "-1", "x"]);
            match g.rng.below(4) {
                0 => {
                    let other = g.key();
                    vec![word(g, &["BLPOP", "BRPOP"]), key, other, timeout]
                }
                1 => {
                    let dst = g.key();
                    vec![b("BLMOVE"), key, dst, side(g), side(g), timeout]
                }
                2 => {
                    let dst = g.key();
                    vec![b("BRPOPLPUSH"), key, dst, timeout]
                }
                _ => {
                    let other = g.key();
                    vec![b("BLMPOP"), timeout, b("2"), key, other, side(g), b("COUNT"), word(g, &["1", "3"])]
                }
            }
        }
    }
}
