//! Hash commands for the random differential test (see [`crate::random`]): HSET and
//! friends over a small pool of fields on the shared key pool (so types collide), values
//! long enough now and then to convert a hash to a hashtable. Replies whose order is the
//! hash table's own are compared unordered; random picks only by shape, or exactly when
//! they cover the whole hash.

use crate::random::{Gen, Op};
use crate::script::Mode;

const FIELDS: &[&[u8]] = &[b"f0", b"f1", b"f2", b"f3", b"field-4", b"", b"\x00f", b"9"];

const INCRS: &[&[u8]] = &[b"1", b"-3", b"0", b"9223372036854775807", b"abc", b"1.5", b"-9223372036854775808"];

const FLOAT_INCRS: &[&[u8]] = &[b"0.5", b"-1.25", b"1e3", b"abc", b"inf", b"3", b"1e308", b"-0"];

impl Gen {
    fn field(&mut self) -> Vec<u8> {
        if self.rng.chance(10) {
            format!("x{}", self.rng.below(200)).into_bytes()
        } else {
            self.rng.pick(FIELDS).to_vec()
        }
    }
}

fn b(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

/// A hash command, or `None` (most of the time) to let other generators choose.
pub fn maybe_hash_op(g: &mut Gen) -> Option<Op> {
    if !g.rng.chance(12) {
        return None;
    }
    let exact = |argv: Vec<Vec<u8>>| Some(Op { argv, mode: Some(Mode::Exact) });
    let unordered = |argv: Vec<Vec<u8>>| Some(Op { argv, mode: Some(Mode::Unordered) });
    let key = g.key();
    match g.rng.below(20) {
        0..=4 => {
            let cmd = g.word(&["HSET", "HSET", "HMSET"]);
            let mut argv = vec![cmd, key];
            for _ in 0..g.rng.range(1, 4) {
                argv.push(g.field());
                argv.push(g.value());
            }
            if g.rng.chance(3) {
                argv.pop();
            }
            exact(argv)
        }
        5 => exact(vec![b("HSETNX"), key, g.field(), g.value()]),
        6 | 7 => exact(vec![g.word(&["HGET", "HEXISTS", "HSTRLEN"]), key, g.field()]),
        8 => {
            let mut argv = vec![g.word(&["HMGET", "HDEL"]), key];
            for _ in 0..g.rng.range(1, 3) {
                argv.push(g.field());
            }
            exact(argv)
        }
        9 => exact(vec![b("HLEN"), key]),
        10 | 11 => unordered(vec![g.word(&["HKEYS", "HVALS", "HGETALL"]), key]),
        12 => exact(vec![b("HINCRBY"), key, g.field(), g.rng.pick(INCRS).to_vec()]),
        13 => exact(vec![b("HINCRBYFLOAT"), key, g.field(), g.rng.pick(FLOAT_INCRS).to_vec()]),
        14 | 15 => {
            // Whole-hash answers are deterministic (as a multiset); others only by shape.
            let (count, mode) = match g.rng.below(4) {
                0 => (g.rng.range(300, 1000).to_string(), Mode::Unordered),
                1 => (g.rng.range(-5, 5).to_string(), Mode::Shape),
                2 => ("x".to_string(), Mode::Exact),
                _ => (String::new(), Mode::Shape),
            };
            let mut argv = vec![b("HRANDFIELD"), key];
            if !count.is_empty() {
                argv.push(b(&count));
                if g.rng.chance(50) {
                    argv.push(g.word(&["WITHVALUES", "withvalues", "WITHVALUE"]));
                }
            }
            Some(Op { argv, mode: Some(mode) })
        }
        16 | 17 => {
            let mut argv = vec![b("HSCAN"), key, b("0")];
            if g.rng.chance(40) {
                argv.extend([b("MATCH"), g.word(&["f*", "*", "x1*", "?"])]);
            }
            if g.rng.chance(40) {
                argv.extend([b("COUNT"), b(&g.rng.range(1, 5).to_string())]);
            }
            Some(Op { argv, mode: None })
        }
        _ => exact(vec![b("HDEL"), key, g.field()]),
    }
}
