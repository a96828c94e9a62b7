//! Bitmap command tests; expected replies were taken from Redis 7.0.15.

use super::{first_bit, popcount};
use crate::testkit::TestEngine;

/// Runs each `(command, expected RESP2)` pair; commands are split on spaces.
fn check(t: &mut TestEngine, script: &[(&str, &str)]) {
    for (cmd, want) in script {
        let args: Vec<&str> = cmd.split(' ').collect();
        assert_eq!(t.resp(&args), *want, "{}", cmd);
    }
}

fn encoding(t: &mut TestEngine, key: &str) -> &'static str {
    let now = t.eng.state.now_ms();
    t.eng.state.dbs[0].get(key.as_bytes(), now).map_or("none", |v| v.encoding())
}

#[test]
fn popcount_and_first_bit_match_a_bit_loop() {
    let mut x = 0x9e3779b97f4a7c15u64;
    for len in 0..100 {
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                match x % 3 {
                    0 => 0,
                    1 => 0xff,
                    _ => x as u8,
                }
            })
            .collect();
        let bits: Vec<bool> = bytes.iter().flat_map(|b| (0..8).map(move |i| b & (0x80 >> i) != 0)).collect();
        assert_eq!(popcount(&bytes), bits.iter().filter(|&&b| b).count() as u64);
        let one = bits.iter().position(|&b| b).map_or(-1, |p| p as i64);
        let zero = bits.iter().position(|&b| !b).unwrap_or(bits.len()) as i64;
        assert_eq!(first_bit(&bytes, true), one);
        assert_eq!(first_bit(&bytes, false), zero);
    }
}

#[test]
fn setbit_getbit() {
    let mut t = TestEngine::new();
    check(
        &mut t,
        &[
            ("SETBIT k 7 1", ":0\r\n"),
            ("GET k", "$1\r\n\x01\r\n"),
            ("SETBIT k 7 1", ":1\r\n"),
            ("SETBIT k 100 0", ":0\r\n"),
            ("STRLEN k", ":13\r\n"),
            ("GETBIT k 7", ":1\r\n"),
            ("GETBIT k 1000000", ":0\r\n"),
            ("GETBIT nokey 0", ":0\r\n"),
            ("SETBIT k -1 1", "-ERR bit offset is not an integer or out of range\r\n"),
            ("SETBIT k 4294967296 1", "-ERR bit offset is not an integer or out of range\r\n"),
            ("SETBIT k 0 2", "-ERR bit is not an integer or out of range\r\n"),
            ("SETBIT k x 2", "-ERR bit offset is not an integer or out of range\r\n"),
            ("GETBIT k #1", "-ERR bit offset is not an integer or out of range\r\n"),
            ("LPUSH l a", ":1\r\n"),
            ("SETBIT l 0 1", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
            ("GETBIT l 0", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
            ("SET n 1", "+OK\r\n"),
            ("GETBIT n 2", ":1\r\n"),
            ("GETBIT n 7", ":1\r\n"),
            ("GETBIT n 6", ":0\r\n"),
        ],
    );
    assert_eq!(encoding(&mut t, "n"), "int");
    check(&mut t, &[("SETBIT n 6 1", ":0\r\n"), ("GET n", "$1\r\n3\r\n")]);
    assert_eq!(encoding(&mut t, "n"), "raw");
    assert_eq!(encoding(&mut t, "k"), "raw");
}

#[test]
fn bitcount_ranges() {
    let mut t = TestEngine::new();
    check(
        &mut t,
        &[
            ("SET s foobar", "+OK\r\n"),
            ("BITCOUNT s", ":26\r\n"),
            ("BITCOUNT s 0 0", ":4\r\n"),
            ("BITCOUNT s 1 1", ":6\r\n"),
            ("BITCOUNT s 1 1 BYTE", ":6\r\n"),
            ("BITCOUNT s 5 30 BIT", ":17\r\n"),
            ("BITCOUNT s -2 -1", ":7\r\n"),
            ("BITCOUNT s -1 -2 BAD", ":0\r\n"),
            ("BITCOUNT s 0 -1 BAD", "-ERR syntax error\r\n"),
            ("BITCOUNT s 0", "-ERR syntax error\r\n"),
            ("BITCOUNT s a 1", "-ERR value is not an integer or out of range\r\n"),
            ("BITCOUNT nokey 0", ":0\r\n"),
            ("BITCOUNT s 100 200", ":0\r\n"),
        ],
    );
}

#[test]
fn bitpos_edges() {
    let mut t = TestEngine::new();
    t.cmd_bytes(&[b"SET", b"s", b"\xff\xf0\x00"]);
    t.cmd_bytes(&[b"SET", b"f", b"\xff\xff\xff"]);
    check(
        &mut t,
        &[
            ("BITPOS s 0", ":12\r\n"),
            ("BITPOS s 1 2", ":-1\r\n"),
            ("BITPOS s 0 2 -1 BIT", ":12\r\n"),
            ("BITPOS s 1 7 15 BIT", ":7\r\n"),
            ("BITPOS f 0", ":24\r\n"),
            ("BITPOS f 0 0", ":24\r\n"),
            ("BITPOS f 0 0 -1", ":-1\r\n"),
            ("BITPOS f 0 0 -1 BIT", ":-1\r\n"),
            ("BITPOS nokey 0", ":0\r\n"),
            ("BITPOS nokey 1", ":-1\r\n"),
            ("BITPOS nokey 1 x y z", ":-1\r\n"),
            ("BITPOS s 2", "-ERR The bit argument must be 1 or 0.\r\n"),
            ("BITPOS s 1 0 1 BAD", "-ERR syntax error\r\n"),
            ("BITPOS s 1 0 x BAD", "-ERR syntax error\r\n"),
        ],
    );
}

#[test]
fn bitop_ops() {
    let mut t = TestEngine::new();
    check(
        &mut t,
        &[
            ("SET a abc", "+OK\r\n"),
            ("SET b x", "+OK\r\n"),
            ("BITOP AND d a b", ":3\r\n"),
            ("GET d", "$3\r\n`\x00\x00\r\n"),
            ("BITOP NOT d a b", "-ERR BITOP NOT must be called with a single source key.\r\n"),
            ("BITOP FOO d a", "-ERR syntax error\r\n"),
            ("EXPIRE d 100", ":1\r\n"),
            ("BITOP OR d a nokey", ":3\r\n"),
            ("TTL d", ":-1\r\n"),
            ("BITOP XOR d nokey nokey2", ":0\r\n"),
            ("EXISTS d", ":0\r\n"),
        ],
    );
    t.cmd(&["BITOP", "NOT", "d", "b"]);
    assert_eq!(encoding(&mut t, "d"), "raw");
}

#[test]
fn bitfield_ops() {
    let mut t = TestEngine::new();
    check(
        &mut t,
        &[
            ("BITFIELD k SET i8 0 -1 GET u8 0 GET i8 0", "*3\r\n:0\r\n:255\r\n:-1\r\n"),
            ("BITFIELD k INCRBY u2 100 1 OVERFLOW SAT INCRBY u2 102 5", "*2\r\n:1\r\n:3\r\n"),
            ("BITFIELD k OVERFLOW FAIL INCRBY i8 0 -128", "*1\r\n$-1\r\n"),
            ("BITFIELD k OVERFLOW WRAP INCRBY i8 0 -128", "*1\r\n:127\r\n"),
            ("BITFIELD k GET i64 0 GET u63 #1", "*2\r\n:9151314442816847872\r\n:29360128\r\n"),
            (
                "BITFIELD k GET u64 0",
                "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n",
            ),
            ("BITFIELD k OVERFLOW foo", "-ERR Invalid OVERFLOW type specified\r\n"),
            ("BITFIELD k GET i8", "-ERR syntax error\r\n"),
            ("BITFIELD k SET i8 0 x", "-ERR value is not an integer or out of range\r\n"),
            ("BITFIELD_RO k SET i8 0 1", "-ERR BITFIELD_RO only supports the GET subcommand\r\n"),
            ("BITFIELD_RO k GET i8 #1", "*1\r\n:0\r\n"),
            ("BITFIELD k", "*0\r\n"),
            ("BITFIELD nokey GET i8 0", "*1\r\n:0\r\n"),
            ("EXISTS nokey", ":0\r\n"),
            ("BITFIELD k SET u8 #-1 1", "-ERR bit offset is not an integer or out of range\r\n"),
            ("BITFIELD k OVERFLOW SAT SET u8 8 -1 SET i4 16 100", "*2\r\n:0\r\n:0\r\n"),
            ("BITFIELD k GET u8 8 GET i4 16", "*2\r\n:255\r\n:7\r\n"),
        ],
    );
}
