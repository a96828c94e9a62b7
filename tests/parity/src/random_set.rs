//! Set commands (and SORT over sets) for the random differential test (see
//! [`crate::random`]): members from a small pool of integers and strings, so sets switch
//! between intset and hashtable. Replies in hash-table order are compared unordered;
//! random picks only by shape, or when they take the whole set.

use crate::random::{Gen, Op};
use crate::script::Mode;

const MEMBERS: &[&[u8]] =
    &[b"1", b"2", b"3", b"10", b"-7", b"9223372036854775807", b"a", b"b", b"hello", b"", b"01", b"1.5", b"\x00z"];

impl Gen {
    fn member(&mut self) -> Vec<u8> {
        if self.rng.chance(15) {
            self.rng.range(-50, 600).to_string().into_bytes()
        } else {
            self.rng.pick(MEMBERS).to_vec()
        }
    }

    fn keys(&mut self, min: i64, max: i64) -> Vec<Vec<u8>> {
        (0..self.rng.range(min, max)).map(|_| self.key()).collect()
    }
}

fn b(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

/// A set command, or `None` (most of the time) to let other generators choose.
pub fn maybe_set_op(g: &mut Gen) -> Option<Op> {
    if !g.rng.chance(14) {
        return None;
    }
    let exact = |argv: Vec<Vec<u8>>| Some(Op { argv, mode: Some(Mode::Exact) });
    let unordered = |argv: Vec<Vec<u8>>| Some(Op { argv, mode: Some(Mode::Unordered) });
    let key = g.key();
    match g.rng.below(24) {
        0..=4 => {
            let mut argv = vec![b("SADD"), key];
            for _ in 0..g.rng.range(1, 5) {
                argv.push(g.member());
            }
            exact(argv)
        }
        5 | 6 => {
            let mut argv = vec![g.word(&["SREM", "SMISMEMBER"]), key];
            for _ in 0..g.rng.range(1, 3) {
                argv.push(g.member());
            }
            exact(argv)
        }
        7 if g.rng.chance(60) => exact(vec![b("SISMEMBER"), key, g.member()]),
        7 => exact(vec![b("SCARD"), key]),
        8 => exact(vec![b("SMOVE"), key, g.key(), g.member()]),
        9 => unordered(vec![b("SMEMBERS"), key]),
        10 | 11 => {
            let mut argv = vec![g.word(&["SINTER", "SUNION", "SDIFF"]), key];
            argv.extend(g.keys(0, 2));
            unordered(argv)
        }
        12 | 13 => {
            let mut argv = vec![g.word(&["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"]), key, g.key()];
            argv.extend(g.keys(0, 2));
            exact(argv)
        }
        14 => {
            let ks = g.keys(1, 3);
            let mut argv = vec![b("SINTERCARD"), b(&ks.len().to_string())];
            argv.extend(ks);
            if g.rng.chance(40) {
                argv.extend([b("LIMIT"), g.word(&["0", "1", "2", "-1"])]);
            }
            exact(argv)
        }
        15 | 16 => {
            let (cmd, count, mode) = match g.rng.below(5) {
                0 => ("SRANDMEMBER", g.rng.range(700, 2000).to_string(), Mode::Unordered),
                1 => ("SRANDMEMBER", g.rng.range(-4, 4).to_string(), Mode::Shape),
                2 => ("SPOP", g.rng.range(700, 2000).to_string(), Mode::Unordered),
                3 => ("SRANDMEMBER", String::new(), Mode::Shape),
                _ => match (*g.rng.pick(&["SPOP", "SRANDMEMBER"]), *g.rng.pick(&["x", "-1", "0"])) {
                    // SRANDMEMBER -1 picks a random member: only its shape is comparable.
                    ("SRANDMEMBER", "-1") => ("SRANDMEMBER", "-1".to_string(), Mode::Shape),
                    (cmd, count) => (cmd, count.to_string(), Mode::Exact),
                },
            };
            let mut argv = vec![b(cmd), key];
            if !count.is_empty() {
                argv.push(b(&count));
            }
            Some(Op { argv, mode: Some(mode) })
        }
        17 | 18 => {
            let mut argv = vec![b("SSCAN"), key, b("0")];
            if g.rng.chance(40) {
                argv.extend([b("MATCH"), g.word(&["1*", "*", "a", "?"])]);
            }
            if g.rng.chance(40) {
                argv.extend([b("COUNT"), b(&g.rng.range(1, 5).to_string())]);
            }
            Some(Op { argv, mode: None })
        }
        _ => {
            // SORT: numeric sorts are total orders (ties broken bytewise); ALPHA ones can
            // tie on members equal up to a NUL byte, so they are compared unordered.
            let mut argv = vec![g.word(&["SORT", "SORT", "SORT_RO"]), key];
            let alpha = g.rng.chance(40);
            if alpha {
                argv.push(b("ALPHA"));
            } else if g.rng.chance(40) {
                argv.extend([b("LIMIT"), b(&g.rng.range(-1, 4).to_string()), b(&g.rng.range(-1, 4).to_string())]);
            }
            if g.rng.chance(30) {
                argv.push(g.word(&["DESC", "ASC"]));
            }
            if g.rng.chance(5) {
                argv.push(g.word(&["BOGUS", "LIMIT"]));
            }
            Some(Op { argv, mode: Some(if alpha { Mode::Unordered } else { Mode::Exact }) })
        }
    }
}
