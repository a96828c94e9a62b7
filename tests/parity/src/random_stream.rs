//! Stream commands for the randomized differential test: explicit IDs from a small
//! range (so XADD both succeeds and fails), every trimming option, ranges with exclusive
//! bounds, consumer groups (create, read new and history, ack, claim, autoclaim) and the
//! time-free parts of XPENDING/XINFO. Half the time on the shared key pool, so stream and
//! other types meet (WRONGTYPE both ways).

use crate::random::{Gen, Op};
use crate::script::Mode;

const STREAM_KEYS: &[&[u8]] = &[b"x0", b"x1"];
const GROUPS: &[&str] = &["g1", "g2", "nog"];
const CONSUMERS: &[&str] = &["c1", "c2", "c3"];
const FIELDS: &[&str] = &["f", "g", "name", "", "1", "-5"];
const VALUES: &[&str] = &["v", "1", "100", "-3", "", "x y", "long-value-long-value-long-value-long-value-long-value"];
const COUNTS: &[&str] = &["0", "1", "2", "3", "10", "-1", "x"];

fn b(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

fn word(g: &mut Gen, items: &[&str]) -> Vec<u8> {
    g.rng.pick(items).as_bytes().to_vec()
}

fn key(g: &mut Gen) -> Vec<u8> {
    if g.rng.chance(50) {
        g.key()
    } else {
        g.rng.pick(STREAM_KEYS).to_vec()
    }
}

/// An ID near the ones in use: `ms-seq`, `ms`, now and then `ms-*` (XADD only), a
/// special form or junk.
fn id(g: &mut Gen, auto_ok: bool) -> Vec<u8> {
    let ms = g.rng.range(0, 40);
    match g.rng.below(20) {
        0 if auto_ok => format!("{ms}-*").into_bytes(),
        1 => word(g, &["0-0", "0", "18446744073709551615-18446744073709551615", "abc", "-", "+", "1-x"]),
        2 | 3 => format!("{ms}").into_bytes(),
        _ => format!("{ms}-{}", g.rng.range(0, 3)).into_bytes(),
    }
}

/// A range bound: an ID, `-`/`+`, or exclusive.
fn bound(g: &mut Gen) -> Vec<u8> {
    match g.rng.below(6) {
        0 => b("-"),
        1 => b("+"),
        2 => {
            let mut v = b("(");
            v.extend(id(g, false));
            v
        }
        _ => id(g, false),
    }
}

fn trim_opts(g: &mut Gen, argv: &mut Vec<Vec<u8>>) {
    let minid = g.rng.chance(40);
    argv.push(b(if minid { "MINID" } else { "MAXLEN" }));
    let approx = g.rng.chance(40);
    match g.rng.below(3) {
        0 => argv.push(b(if approx { "~" } else { "=" })),
        1 if approx => argv.push(b("~")),
        _ => {}
    }
    argv.push(if minid { id(g, false) } else { b(&g.rng.range(-1, 12).to_string()) });
    if g.rng.chance(25) {
        argv.push(b("LIMIT"));
        argv.push(b(&g.rng.range(-1, 5).to_string()));
    }
}

/// Maybe a random stream command (about one step in eight).
pub fn maybe_stream_op(g: &mut Gen) -> Option<Op> {
    if !g.rng.chance(12) {
        return None;
    }
    Some(Op { argv: next(g), mode: Some(Mode::Exact) })
}

fn next(g: &mut Gen) -> Vec<Vec<u8>> {
    let key = key(g);
    match g.rng.below(100) {
        0..=29 => {
            let mut argv = vec![b("XADD"), key];
            if g.rng.chance(10) {
                argv.push(b("NOMKSTREAM"));
            }
            if g.rng.chance(20) {
                trim_opts(g, &mut argv);
            }
            argv.push(id(g, true));
            let n = if g.rng.chance(5) { 0 } else { g.rng.range(1, 3) };
            for _ in 0..n {
                argv.push(word(g, FIELDS));
                argv.push(word(g, VALUES));
            }
            argv
        }
        30..=33 => {
            let mut argv = vec![b("XDEL"), key];
            for _ in 0..g.rng.range(1, 3) {
                argv.push(id(g, false));
            }
            argv
        }
        34..=37 => {
            let mut argv = vec![b("XTRIM"), key];
            trim_opts(g, &mut argv);
            argv
        }
        38..=45 => {
            let cmd = if g.rng.chance(50) { "XRANGE" } else { "XREVRANGE" };
            let mut argv = vec![b(cmd), key, bound(g), bound(g)];
            if g.rng.chance(40) {
                argv.push(b("COUNT"));
                argv.push(word(g, COUNTS));
            }
            argv
        }
        46..=48 => vec![b("XLEN"), key],
        49..=52 => {
            let mut argv = vec![b("XREAD")];
            if g.rng.chance(40) {
                argv.push(b("COUNT"));
                argv.push(word(g, COUNTS));
            }
            argv.push(b("STREAMS"));
            let other = g.rng.pick(STREAM_KEYS).to_vec();
            let two = g.rng.chance(30);
            argv.push(key);
            if two {
                argv.push(other);
            }
            for _ in 0..(1 + two as usize) {
                argv.push(if g.rng.chance(20) { b("$") } else { id(g, false) });
            }
            argv
        }
        53..=60 => {
            let sub = g.rng.below(10);
            let grp = word(g, GROUPS);
            match sub {
                0..=3 => {
                    let mut argv =
                        vec![b("XGROUP"), b("CREATE"), key, grp, if g.rng.chance(30) { b("$") } else { id(g, false) }];
                    if g.rng.chance(40) {
                        argv.push(b("MKSTREAM"));
                    }
                    if g.rng.chance(20) {
                        argv.push(b("ENTRIESREAD"));
                        argv.push(b(&g.rng.range(-2, 6).to_string()));
                    }
                    argv
                }
                4 | 5 => {
                    let mut argv =
                        vec![b("XGROUP"), b("SETID"), key, grp, if g.rng.chance(30) { b("$") } else { id(g, false) }];
                    if g.rng.chance(30) {
                        argv.push(b("ENTRIESREAD"));
                        argv.push(b(&g.rng.range(-2, 6).to_string()));
                    }
                    argv
                }
                6 => vec![b("XGROUP"), b("DESTROY"), key, grp],
                7 => vec![b("XGROUP"), b("CREATECONSUMER"), key, grp, word(g, CONSUMERS)],
                _ => vec![b("XGROUP"), b("DELCONSUMER"), key, grp, word(g, CONSUMERS)],
            }
        }
        61..=72 => {
            let mut argv = vec![b("XREADGROUP"), b("GROUP"), word(g, GROUPS), word(g, CONSUMERS)];
            if g.rng.chance(50) {
                argv.push(b("COUNT"));
                argv.push(word(g, COUNTS));
            }
            if g.rng.chance(15) {
                argv.push(b("NOACK"));
            }
            argv.push(b("STREAMS"));
            argv.push(key);
            argv.push(if g.rng.chance(70) { b(">") } else { id(g, false) });
            argv
        }
        73..=78 => {
            let mut argv = vec![b("XACK"), key, word(g, GROUPS)];
            for _ in 0..g.rng.range(1, 3) {
                argv.push(id(g, false));
            }
            argv
        }
        79..=81 => vec![b("XPENDING"), key, word(g, GROUPS)],
        82..=86 => {
            let mut argv = vec![b("XCLAIM"), key, word(g, GROUPS), word(g, CONSUMERS), b("0")];
            for _ in 0..g.rng.range(1, 3) {
                argv.push(id(g, false));
            }
            argv.push(b("JUSTID"));
            if g.rng.chance(30) {
                argv.push(b("FORCE"));
            }
            if g.rng.chance(20) {
                argv.push(b("RETRYCOUNT"));
                argv.push(b(&g.rng.range(-1, 4).to_string()));
            }
            if g.rng.chance(20) {
                argv.push(b("LASTID"));
                argv.push(id(g, false));
            }
            argv
        }
        87..=90 => {
            let mut argv = vec![b("XAUTOCLAIM"), key, word(g, GROUPS), word(g, CONSUMERS), b("0"), bound(g)];
            if g.rng.chance(60) {
                argv.push(b("COUNT"));
                argv.push(word(g, COUNTS));
            }
            if g.rng.chance(70) {
                argv.push(b("JUSTID"));
            }
            argv
        }
        91..=94 => vec![b("XINFO"), b("GROUPS"), key],
        95..=97 => vec![b("XINFO"), b("STREAM"), key],
        _ => {
            let mut argv = vec![b("XSETID"), key, id(g, false)];
            if g.rng.chance(30) {
                argv.push(b("ENTRIESADDED"));
                argv.push(b(&g.rng.range(-1, 20).to_string()));
            }
            if g.rng.chance(20) {
                argv.push(b("MAXDELETEDID"));
                argv.push(id(g, false));
            }
            argv
        }
    }
}
