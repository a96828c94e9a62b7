//! Fuzz drivers: functions that take arbitrary bytes and panic when an invariant breaks.
//! The cargo-fuzz targets in `fuzz/` call them with coverage guidance; [`DRIVERS`] lists them
//! with input generators for `core/examples/fuzz_smoke.rs` (seeded random and mutated inputs for
//! a bounded time, on stable Rust), and the tests below call them briefly in `cargo test`.
//!
//! - [`request_parser`]: parsing a stream whole and in arbitrary chunks gives the same
//!   commands and the same final outcome, and never panics.
//! - [`inline_split`]: `split_args` never panics and quoting its output splits back equal.
//! - [`engine_ops`]: random commands (real names, plausible and raw arguments) with clock
//!   advances and ticks on two clients: no panic inside a handler (the engine turns those
//!   into "internal error" replies, which this driver treats as a failure) and every reply
//!   encodes in RESP2 and RESP3.
//! - [`rdb_payload`]: arbitrary bytes as a DUMP payload body (given a valid footer so the
//!   checksum passes) or as a whole RDB file: an error or a value, never a panic; a value
//!   accepted serializes back to a payload that restores to the same bytes, and every read
//!   command on it answers without an internal error; a file accepted saves and reloads.

use crate::client::ConnInfo;
use crate::engine::{Engine, EngineOptions};
use crate::reply::Reply;
use crate::resp::{quote_arg, split_args, Parse, ParseLimits, ProtocolError, RequestParser};
use crate::rng::Rng;

/// The final state of a parsed stream: bytes left over, or the error that ended it.
#[derive(Debug, PartialEq, Eq)]
enum End {
    Pending(usize),
    Error(ProtocolError),
}

/// Parses `data` through a host-like buffer receiving it in chunks of the given sizes.
fn parse_stream(
    data: &[u8],
    limits: &ParseLimits,
    chunks: &mut dyn Iterator<Item = usize>,
) -> (Vec<Vec<Vec<u8>>>, End) {
    let mut p = RequestParser::new();
    let mut buf: Vec<u8> = Vec::new();
    let mut fed = 0;
    let mut cmds = Vec::new();
    loop {
        let n = chunks.next().unwrap_or(data.len()).clamp(1, (data.len() - fed).max(1));
        let end = (fed + n).min(data.len());
        buf.extend_from_slice(&data[fed..end]);
        fed = end;
        loop {
            match p.parse(&buf, limits) {
                Parse::Command(used) => {
                    assert!(used > 0 && used <= buf.len(), "consumed {used} of {}", buf.len());
                    let mut argv = Vec::new();
                    p.argv(&buf, &mut argv);
                    cmds.push(argv.iter().map(|a| a.to_vec()).collect());
                    buf.drain(..used);
                }
                Parse::Incomplete => break,
                Parse::Error(e) => return (cmds, End::Error(e)),
            }
        }
        assert!(p.parsed_len() <= buf.len());
        if fed == data.len() {
            return (cmds, End::Pending(buf.len()));
        }
    }
}

/// Parser invariants on arbitrary bytes. The first byte picks limits and chunk sizes.
pub fn request_parser(data: &[u8]) {
    let Some((&flags, data)) = data.split_first() else {
        return;
    };
    let limits = ParseLimits {
        proto_max_bulk_len: if flags & 1 != 0 { 16 } else { 512 * 1024 * 1024 },
        auth_required: flags & 2 != 0,
    };
    let whole = parse_stream(data, &limits, &mut std::iter::empty());
    // Lines over 64 KiB fail or not depending on how they arrive (as in Redis): only
    // shorter streams must agree whatever the chunking.
    if data.len() > crate::resp::INLINE_MAX_SIZE {
        return;
    }
    let step = (flags >> 2) as usize + 1;
    let mut sizes = (0..).map(move |i: usize| (i * 7 + step) % (step * 3) + 1);
    let chunked = parse_stream(data, &limits, &mut sizes);
    assert_eq!(whole, chunked, "whole vs chunked parse differ");
    let byte_by_byte = parse_stream(data, &limits, &mut std::iter::repeat(1));
    assert_eq!(whole, byte_by_byte, "whole vs byte-by-byte parse differ");
}

/// Inline splitter invariants on arbitrary bytes.
pub fn inline_split(data: &[u8]) {
    let Ok(args) = split_args(data) else {
        return;
    };
    // A raw NUL ends the line (the C string ends there); a `\x00` escape inside double quotes
    // still puts a NUL byte in an argument, as in Redis's sdssplitargs.
    if let Some(nul) = data.iter().position(|&b| b == 0) {
        assert_eq!(split_args(&data[..nul]).as_ref(), Ok(&args), "a raw NUL does not end the line");
    }
    let mut line = Vec::new();
    for a in &args {
        quote_arg(a, &mut line);
        line.push(b' ');
    }
    assert_eq!(split_args(&line).as_ref(), Ok(&args), "quoted arguments do not split back");
}

/// Words that make commands get past their syntax checks.
const WORDS: &[&str] = &[
    "NX",
    "XX",
    "GT",
    "LT",
    "EX",
    "PX",
    "EXAT",
    "PXAT",
    "KEEPTTL",
    "GET",
    "PERSIST",
    "CH",
    "INCR",
    "WITHSCORES",
    "LIMIT",
    "COUNT",
    "MATCH",
    "TYPE",
    "BYSCORE",
    "BYLEX",
    "REV",
    "LEFT",
    "RIGHT",
    "BEFORE",
    "AFTER",
    "LEN",
    "IDX",
    "MINMATCHLEN",
    "WITHMATCHLEN",
    "ASYNC",
    "SYNC",
    "RESETSTAT",
    "ON",
    "OFF",
    "SKIP",
    "YES",
    "NO",
    "ID",
    "*",
    "+",
    "-",
    "(1",
    "[a",
    "inf",
    "-inf",
    "+inf",
    "nan",
    "1.5",
    "-0.5",
    "1e3",
    "maxmemory",
    "hz",
    "string",
    "list",
    "hash",
    "set",
    "zset",
];

/// Integers, from ordinary to edge values (no mid-size positives: those ask for legitimately
/// huge allocations, e.g. SETBIT at 2^32-1, which slow fuzzing without finding bugs).
const NUMBERS: &[&str] = &[
    "0",
    "1",
    "2",
    "3",
    "5",
    "10",
    "100",
    "-1",
    "-2",
    "-100",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
    "18446744073709551615",
    "00",
    "+1",
    " 1",
    "1 ",
    "0x10",
    "",
];

const KEYS: &[&str] = &["k", "k2", "{k}3", "list", "set", "hash"];

/// A reader over fuzz bytes: yields zeros once they run out.
struct Bytes<'a> {
    data: &'a [u8],
}

impl Bytes<'_> {
    fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }

    fn take(&mut self, n: usize) -> &[u8] {
        let n = n.min(self.data.len());
        let (a, b) = self.data.split_at(n);
        self.data = b;
        a
    }

    fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

/// Reply invariants: no handler panicked, and both protocol encodings work.
fn check_reply(r: &Reply, argv: &[Vec<u8>]) {
    if let Reply::Error(e) = r {
        assert!(
            !e.contains("internal error"),
            "handler panicked on {:?}",
            argv.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect::<Vec<_>>()
        );
    }
    let mut out = Vec::new();
    r.encode(2, &mut out);
    r.encode(3, &mut out);
}

/// Runs commands decoded from arbitrary bytes on a fresh engine.
pub fn engine_ops(data: &[u8]) {
    let mut eng = Engine::new(EngineOptions { seed: 7, now_us: 1_700_000_000_000_000, ..Default::default() });
    let clients =
        [eng.connect(ConnInfo::default()).expect("connect"), eng.connect(ConnInfo::default()).expect("connect")];
    let names: Vec<&'static str> = crate::cmd::all_commands().map(|c| c.name).collect();
    let mut b = Bytes { data };
    let mut who = 0usize;
    let mut steps = 0;
    while !b.is_empty() && steps < 200 {
        steps += 1;
        match b.u8() % 10 {
            0 => {
                let ms = b.u16() as u64 * if b.u8() & 1 == 0 { 1 } else { 1000 };
                let now = eng.state.now_us + ms * 1000;
                eng.set_time_us(now);
            }
            1 => {
                let now = eng.state.now_us;
                eng.tick(now);
            }
            2 => who = (who + 1) % clients.len(),
            _ => {
                let name = names[b.u16() as usize % names.len()];
                let mut argv: Vec<Vec<u8>> = name.split('|').map(|w| w.as_bytes().to_vec()).collect();
                if b.u8() & 1 == 0 {
                    argv[0].make_ascii_uppercase();
                }
                for _ in 0..b.u8() % 7 {
                    let arg = match b.u8() % 6 {
                        0 | 1 => KEYS[b.u8() as usize % KEYS.len()].as_bytes().to_vec(),
                        2 => WORDS[b.u8() as usize % WORDS.len()].as_bytes().to_vec(),
                        3 => NUMBERS[b.u8() as usize % NUMBERS.len()].as_bytes().to_vec(),
                        4 => (b.u8() as i8).to_string().into_bytes(),
                        _ => {
                            let n = b.u8() as usize % 12;
                            b.take(n).to_vec()
                        }
                    };
                    argv.push(arg);
                }
                let refs: Vec<&[u8]> = argv.iter().map(|a| a.as_slice()).collect();
                let reply = eng.execute(clients[who], &refs);
                check_reply(&reply, &argv);
                // Memory accounting follows every write (checked once keyspaces settled).
                for db in &eng.state.dbs {
                    assert_eq!(db.keys.value_bytes(), db.keys.recount_value_bytes(), "accounting after {argv:?}");
                }
                // Host actions are the host's business; drain them like a host would.
                let _ = eng.take_actions();
            }
        }
    }
}

/// Reads every part of `key` through commands: none may fail with an internal error.
fn read_all(eng: &mut Engine, c: crate::ClientHandle, key: &[u8]) {
    let cmds: &[&[&[u8]]] = &[
        &[b"TYPE", key],
        &[b"OBJECT", b"ENCODING", key],
        &[b"DEBUG", b"OBJECT", key],
        &[b"DUMP", key],
        &[b"GET", key],
        &[b"STRLEN", key],
        &[b"LRANGE", key, b"0", b"-1"],
        &[b"LINDEX", key, b"-1"],
        &[b"LPOS", key, b"1"],
        &[b"HGETALL", key],
        &[b"HGET", key, b"a"],
        &[b"SMEMBERS", key],
        &[b"SISMEMBER", key, b"1"],
        &[b"ZRANGE", key, b"0", b"-1", b"WITHSCORES"],
        &[b"ZRANGEBYLEX", key, b"-", b"+"],
        &[b"ZSCORE", key, b"a"],
        &[b"XRANGE", key, b"-", b"+"],
        &[b"XREVRANGE", key, b"+", b"-"],
        &[b"XINFO", b"STREAM", key, b"FULL"],
        &[b"XINFO", b"GROUPS", key],
        &[b"XLEN", key],
        &[b"XINFO", b"CONSUMERS", key, b"g"],
        &[b"XPENDING", key, b"g"],
        &[b"XPENDING", key, b"g", b"IDLE", b"0", b"-", b"+", b"10"],
        &[b"XAUTOCLAIM", key, b"g", b"c", b"0", b"0"],
        &[b"XCLAIM", key, b"g", b"c", b"0", b"0-1"],
        &[b"XREADGROUP", b"GROUP", b"g", b"c", b"STREAMS", key, b"0"],
        &[b"XSETID", key, b"99999999999999-0"],
        &[b"XDEL", key, b"0-1"],
        &[b"OBJECT", b"FREQ", key],
        &[b"MEMORY", b"USAGE", key],
        &[b"RPUSH", key, b"x"],
        &[b"HSET", key, b"f", b"v"],
        &[b"SADD", key, b"m"],
        &[b"ZADD", key, b"1", b"m"],
        &[b"XADD", key, b"*", b"f", b"v"],
        &[b"XTRIM", key, b"MAXLEN", b"1"],
        &[b"LPOP", key],
        &[b"SPOP", key],
        &[b"ZPOPMIN", key],
    ];
    for argv in cmds {
        let r = eng.execute(c, argv);
        if let Reply::Error(e) = &r {
            assert!(!e.contains("internal error"), "{:?}: {e}", argv);
        }
    }
}

/// RESTORE payloads and whole RDB files from arbitrary bytes (first byte: the mode).
pub fn rdb_payload(data: &[u8]) {
    use crate::rdb;
    let Some((&mode, body)) = data.split_first() else { return };
    // Small thresholds so conversions happen on small inputs.
    let cfg = crate::config::Config {
        hash_max_listpack_entries: 4,
        zset_max_listpack_entries: 4,
        set_max_intset_entries: 4,
        list_max_listpack_size: 3,
        ..Default::default()
    };
    if mode & 1 == 0 {
        let mut p = body.to_vec();
        p.extend_from_slice(&rdb::RDB_VERSION.to_le_bytes());
        let crc = rdb::crc64::crc64(0, &p);
        p.extend_from_slice(&crc.to_le_bytes());
        let lim = rdb::Limits::new(&cfg, 3);
        if let Ok(v) = rdb::restore_value(&p, &lim) {
            let again = rdb::dump_value(&v, true);
            let back = rdb::restore_value(&again, &lim).expect("a dumped value restores");
            assert_eq!(rdb::dump_value(&back, true), again, "dump is stable");
            let mut eng = Engine::new(EngineOptions {
                seed: 7,
                now_us: 1_700_000_000_000_000,
                config: cfg,
                ..Default::default()
            });
            let c = eng.connect(ConnInfo::default()).expect("connect");
            let r = eng.execute(c, &[b"RESTORE", b"k", b"0", &p]);
            assert!(matches!(r, Reply::Simple(_)), "RESTORE of a valid value: {r:?}");
            read_all(&mut eng, c, b"k");
        }
    } else {
        let mut file = b"REDIS0010".to_vec();
        file.extend_from_slice(body);
        let mut eng =
            Engine::new(EngineOptions { seed: 7, now_us: 1_700_000_000_000_000, config: cfg, ..Default::default() });
        let opts = rdb::LoadOptions { verify_checksum: false, ..Default::default() };
        if crate::engine::rdb::load(&mut eng, &file, &opts).is_ok() {
            let mut out = Vec::new();
            crate::engine::rdb::save(&eng, &rdb::SaveOptions::default(), &mut out).expect("save to a Vec");
            let mut again = Engine::new(EngineOptions { seed: 8, now_us: 1_700_000_000_000_000, ..Default::default() });
            crate::engine::rdb::load(&mut again, &out, &rdb::LoadOptions::default()).expect("our own file loads");
        }
    }
}

/// A plausible input for [`rdb_payload`]: the body of a DUMP payload of a random small
/// value of any type, or a whole file of a few of them, built by running commands.
pub fn rdb_generate(rng: &mut Rng) -> Vec<u8> {
    let mut eng =
        Engine::new(EngineOptions { seed: rng.next_u64(), now_us: 1_700_000_000_000_000, ..Default::default() });
    let c = eng.connect(ConnInfo::default()).expect("connect");
    let mut cfg_small = |name: &[u8], v: &[u8]| {
        eng.execute(c, &[b"CONFIG", b"SET", name, v]);
    };
    cfg_small(b"hash-max-listpack-entries", b"4");
    cfg_small(b"zset-max-listpack-entries", b"4");
    cfg_small(b"set-max-intset-entries", b"4");
    cfg_small(b"list-max-listpack-size", b"3");
    cfg_small(b"stream-node-max-entries", b"3");
    let n = 1 + rng.below(8);
    for i in 0..n {
        let m = format!("{}", rng.below(20)).into_bytes();
        let w = WORDS[rng.below(WORDS.len() as u64) as usize].as_bytes();
        let kind = rng.below(7);
        let argv: Vec<&[u8]> = match kind {
            0 => vec![b"SET", b"k", w],
            1 => vec![b"RPUSH", b"k", &m, w],
            2 => vec![b"HSET", b"k", &m, w],
            3 => vec![b"SADD", b"k", &m],
            4 => vec![b"SADD", b"k", w],
            5 => vec![b"ZADD", b"k", &m, w],
            _ => vec![b"XADD", b"k", b"*", w, &m],
        };
        eng.set_time_us(eng.state.now_us + 1000 * i);
        eng.execute(c, &argv);
        if kind == 6 && rng.below(3) == 0 {
            eng.execute(c, &[b"XGROUP", b"CREATE", b"k", b"g", b"0"]);
            eng.execute(c, &[b"XREADGROUP", b"GROUP", b"g", w, b"COUNT", b"1", b"STREAMS", b"k", b">"]);
        }
    }
    if rng.below(4) == 0 {
        let mut out = Vec::new();
        crate::engine::rdb::save(&eng, &crate::rdb::SaveOptions::default(), &mut out).expect("save");
        let mut v = vec![1u8];
        v.extend_from_slice(&out[9..]);
        return v;
    }
    match eng.execute(c, &[b"DUMP", b"k"]) {
        Reply::Bulk(p) if p.len() > 10 => {
            let mut v = vec![0u8];
            v.extend_from_slice(&p[..p.len() - 10]);
            v
        }
        _ => vec![0u8, 0, 1, b'x'],
    }
}

/// A fuzz driver with a generator of plausible inputs for it.
pub struct Driver {
    /// The cargo-fuzz target that calls it (`fuzz/fuzz_targets/<name>.rs`).
    pub name: &'static str,
    /// The driver: panics when an invariant breaks.
    pub run: fn(&[u8]),
    /// A random input shaped for the driver (mutations of it and of corpus inputs do the rest).
    pub generate: fn(&mut Rng) -> Vec<u8>,
}

/// Every driver, by cargo-fuzz target name. `core/examples/fuzz_smoke.rs` runs them all on
/// stable Rust and fails when a target in `fuzz/fuzz_targets/` is missing here.
pub const DRIVERS: &[Driver] = &[
    Driver { name: "resp_request", run: request_parser, generate: |rng| protocol_bytes(rng, 120) },
    Driver { name: "inline_split", run: inline_split, generate: |rng| protocol_bytes(rng, 60) },
    Driver { name: "engine_execute", run: engine_ops, generate: |rng| random_bytes(rng, 600) },
    Driver { name: "rdb_payload", run: rdb_payload, generate: rdb_generate },
];

/// Up to `max - 1` uniformly random bytes.
pub fn random_bytes(rng: &mut Rng, max: usize) -> Vec<u8> {
    let len = rng.below(max as u64) as usize;
    (0..len).map(|_| rng.next_u64() as u8).collect()
}

/// Bytes that mean something to the RESP and inline parsers.
const PROTOCOL_ALPHABET: &[u8] = b"*$\r\n\r\n0123456789-+ \"'\\xaF\0";

/// Random inputs biased towards protocol bytes.
pub fn protocol_bytes(rng: &mut Rng, max: usize) -> Vec<u8> {
    let len = rng.below(max as u64) as usize;
    let mut v: Vec<u8> = (0..len)
        .map(|_| {
            if rng.below(4) == 0 {
                rng.next_u64() as u8
            } else {
                PROTOCOL_ALPHABET[rng.below(PROTOCOL_ALPHABET.len() as u64) as usize]
            }
        })
        .collect();
    // Often start from a well-formed command, then mutate it.
    if rng.below(2) == 0 {
        let mut good = b"\x00*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\nPING \"a\\x41\" 'b'\r\n".to_vec();
        good[0] = rng.next_u64() as u8;
        for _ in 0..rng.below(4) {
            let i = rng.below(good.len() as u64) as usize;
            good[i] = PROTOCOL_ALPHABET[rng.below(PROTOCOL_ALPHABET.len() as u64) as usize];
        }
        good.extend_from_slice(&v);
        v = good;
    }
    v
}

/// Byte strings worth splicing into inputs: protocol framing and edge numbers.
const TOKENS: &[&[u8]] = &[
    b"\r\n",
    b"*",
    b"$",
    b"*-1\r\n",
    b"$-1\r\n",
    b"*0\r\n",
    b"$0\r\n\r\n",
    b"*1\r\n$4\r\nPING\r\n",
    b"\"",
    b"'",
    b"\\x",
    b"\\",
    b" ",
    b"\0",
    b"-1",
    b"0",
    b"2147483648",
    b"9223372036854775807",
    b"18446744073709551616",
];

/// Changes `data` in place by one to four random edits (bit flips, byte values, inserts, deletes,
/// duplicated ranges, protocol tokens, splices from `pool`), as a coverage-blind libFuzzer would.
/// The result is at most `max_len` bytes.
pub fn mutate(rng: &mut Rng, data: &mut Vec<u8>, pool: &[Vec<u8>], max_len: usize) {
    for _ in 0..1 + rng.below(4) {
        let len = data.len();
        let at = |rng: &mut Rng| rng.below(len as u64 + 1) as usize;
        match rng.below(9) {
            0 if len > 0 => {
                let i = rng.below(len as u64) as usize;
                data[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len as u64) as usize;
                data[i] = [0, 0xff, 0x7f, 0x80, b'0', b'9', b'\r', b'\n'][rng.below(8) as usize];
            }
            2 => {
                let i = at(rng);
                let n = 1 + rng.below(8) as usize;
                let bytes: Vec<u8> = (0..n).map(|_| rng.next_u64() as u8).collect();
                data.splice(i..i, bytes);
            }
            3 if len > 0 => {
                let i = rng.below(len as u64) as usize;
                let n = 1 + rng.below((len - i).min(16) as u64) as usize;
                data.drain(i..i + n);
            }
            4 if len > 0 => {
                let i = rng.below(len as u64) as usize;
                let n = 1 + rng.below((len - i).min(32) as u64) as usize;
                let copy = data[i..i + n].to_vec();
                let to = at(rng);
                data.splice(to..to, copy);
            }
            5 | 6 => {
                let i = at(rng);
                let t = TOKENS[rng.below(TOKENS.len() as u64) as usize];
                data.splice(i..i, t.iter().copied());
            }
            7 if !pool.is_empty() => {
                let other = &pool[rng.below(pool.len() as u64) as usize];
                let from = rng.below(other.len() as u64 + 1) as usize;
                let to = from + rng.below((other.len() - from) as u64 + 1) as usize;
                let i = at(rng);
                data.splice(i..i, other[from..to].iter().copied());
            }
            _ => {
                data.truncate(at(rng));
            }
        }
    }
    data.truncate(max_len);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_parser_random() {
        let mut rng = Rng::new(0xC1DE);
        for _ in 0..3000 {
            request_parser(&protocol_bytes(&mut rng, 120));
        }
    }

    #[test]
    fn inline_split_random() {
        let mut rng = Rng::new(0x5917);
        for _ in 0..5000 {
            inline_split(&protocol_bytes(&mut rng, 60));
        }
    }

    #[test]
    fn engine_ops_random() {
        let mut rng = Rng::new(0xE161);
        for _ in 0..1000 {
            engine_ops(&random_bytes(&mut rng, 600));
        }
    }

    /// Hand-picked edge inputs.
    #[test]
    fn rdb_payload_random() {
        let mut rng = Rng::new(0x4DB);
        for _ in 0..300 {
            let mut input = rdb_generate(&mut rng);
            rdb_payload(&input);
            for _ in 0..5 {
                mutate(&mut rng, &mut input, &[], 4096);
                rdb_payload(&input);
            }
        }
    }

    #[test]
    fn edge_inputs() {
        request_parser(b"\x00*1\r\n$1\r\n");
        request_parser(b"\x02*11\r\n");
        inline_split(b"\"\\");
        inline_split(b"PING \"a\\x00\" 'b'"); // an escaped NUL is kept (found by fuzz_smoke)
        inline_split(b"PING a\0b");
        engine_ops(b"");
    }
}
