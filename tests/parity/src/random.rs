//! Seeded randomized differential testing: random command sequences over a small key
//! space (strings, keyspace, expiry, INCR family, ranges, multi-key, RENAME/COPY/MOVE),
//! run on both servers, every reply compared.
//!
//! Expiry without races: short TTLs are chosen so every deadline falls on a grid of
//! `GRID_MS` wall-clock milliseconds, and commands are only sent in the middle of a grid
//! cell (never within `GUARD_MS` of a grid point). Both servers therefore agree on whether
//! a key has expired, even though they run each command a fraction of a millisecond apart.
//! Relative deadlines land on the grid point plus the command's lag (under a millisecond,
//! different per server); absolute ones (PXAT, PEXPIREAT) exactly `ABS_OFFSET_MS` after
//! it, so GT/LT comparisons, which use absolute forms only, never compare two deadlines
//! that could order differently on the two servers. Second-resolution TTLs are long (they
//! never expire during a run); TTL-like replies are compared with a small tolerance.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::compare::differ;
use crate::runner::{scan_all, Clients};
use crate::script::Mode;
use crate::server::Pair;
use crate::text::format_command;

#[path = "random_zset.rs"]
mod random_zset;

/// Spacing of expiry deadlines, in milliseconds.
pub const GRID_MS: u64 = 100;
/// No command is sent within this many milliseconds of a grid point.
pub const GUARD_MS: u64 = 20;
/// Offset of absolute short deadlines (PXAT, PEXPIREAT) from their grid point.
pub const ABS_OFFSET_MS: u64 = 8;

/// SplitMix64: small, fast, good enough for test generation, reproducible from a seed.
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % (hi - lo + 1) as u64) as i64
    }

    /// True with probability `pct`/100.
    pub fn chance(&mut self, pct: usize) -> bool {
        self.below(100) < pct
    }

    /// One element of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Milliseconds since the Unix epoch (the clock both servers use for expiry).
pub fn unix_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// Sleeps until the current time is at least `GUARD_MS` away from any grid point.
fn wait_for_safe_time() {
    let phase = unix_ms() % GRID_MS;
    if phase < GUARD_MS {
        std::thread::sleep(Duration::from_millis(GUARD_MS - phase));
    } else if phase > GRID_MS - GUARD_MS {
        std::thread::sleep(Duration::from_millis(GRID_MS - phase + GUARD_MS));
    }
}

const KEYS: &[&[u8]] = &[b"k0", b"k1", b"k2", b"k3", b"k4", b"\x00b\r\n"];

const VALUES: &[&[u8]] = &[
    b"",
    b"0",
    b"1",
    b"-1",
    b"7",
    b"42",
    b"-17",
    b"9223372036854775807",
    b"-9223372036854775808",
    b"9223372036854775806",
    b"4611686018427387904",
    b"1.5",
    b"-0.25",
    b"3e2",
    b"0.1",
    b"10.00",
    b"1e-5",
    b" 1",
    b"1 ",
    b"+1",
    b"01",
    b"0x1f",
    b"abc",
    b"hello world",
    b"\x00\xff\r\n",
    b"inf",
    b"nan",
    b"-0",
    b"12345678901234567890",
    b"0123456789012345678901234567890123456789abcd",
    b"0123456789012345678901234567890123456789abcde",
];

const INT_DELTAS: &[&[u8]] = &[
    b"1",
    b"-1",
    b"0",
    b"5",
    b"-100",
    b"9223372036854775807",
    b"-9223372036854775808",
    b"4611686018427387904",
    b"abc",
    b"1.5",
    b"",
    b" 2",
    b"99999999999999999999",
];

const FLOAT_DELTAS: &[&[u8]] = &[
    b"0.1",
    b"-1.5",
    b"1e3",
    b"5",
    b"-0",
    b"abc",
    b"inf",
    b"-inf",
    b"nan",
    b"1e308",
    b"3.0e-2",
    b"10",
    b"0.0000001",
    b"",
    b"1.7976931348623157e308",
    b" 1",
];

const PATTERNS: &[&[u8]] = &[b"*", b"k*", b"k[0-2]", b"?1", b"*\x00*", b"k[^1]", b"nomatch*", b"k\\1"];

/// One generated step: the command and how to compare its replies.
pub struct Op {
    /// The command.
    pub argv: Vec<Vec<u8>>,
    /// How to compare; `None` means "iterate as SCAN and compare key sets".
    pub mode: Option<Mode>,
}

/// Builds random commands; keeps the RNG and nothing else, so a seed fully determines
/// the sequence except for wall-clock-relative TTL values.
pub struct Gen {
    pub rng: Rng,
}

fn b(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

impl Gen {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Gen {
        Gen { rng: Rng::new(seed) }
    }

    pub(crate) fn word(&mut self, items: &[&str]) -> Vec<u8> {
        b(items[self.rng.below(items.len())])
    }

    pub(crate) fn key(&mut self) -> Vec<u8> {
        self.rng.pick(KEYS).to_vec()
    }

    pub(crate) fn value(&mut self) -> Vec<u8> {
        if self.rng.chance(20) {
            let len = self.rng.below(70);
            (0..len).map(|_| b"abcxyz0123456789"[self.rng.below(16)]).collect()
        } else {
            self.rng.pick(VALUES).to_vec()
        }
    }

    /// A relative millisecond TTL whose deadline lands on a grid point 1–6 cells ahead.
    fn grid_ttl_ms(&mut self, now: u64) -> i64 {
        let cells = self.rng.range(1, 5) as u64;
        ((now / GRID_MS + cells) * GRID_MS - now) as i64
    }

    /// An absolute millisecond deadline `ABS_OFFSET_MS` after a grid point 1–5 cells
    /// ahead: exact on both servers and never equal to a relative deadline (which lands
    /// on the grid point plus the sub-millisecond lag of the command).
    fn abs_short_ms(&mut self, now: u64) -> u64 {
        (now / GRID_MS + self.rng.range(1, 5) as u64) * GRID_MS + ABS_OFFSET_MS
    }

    /// An expiry option for SET/GETEX: (word, value).
    fn expiry(&mut self, now: u64) -> (Vec<u8>, Vec<u8>) {
        let long_s = self.rng.range(100, 100_000);
        match self.rng.below(9) {
            0 | 1 => (b("EX"), b(&long_s.to_string())),
            2 | 3 => (b("PX"), b(&self.grid_ttl_ms(now).to_string())),
            4 => (b("EXAT"), b(&(now / 1000 + long_s as u64).to_string())),
            5 => (b("PXAT"), b(&self.abs_short_ms(now).to_string())),
            6 => (b("PXAT"), b(&(now - self.rng.range(1000, 100_000) as u64).to_string())),
            7 => {
                (self.word(&["EX", "PX", "EXAT", "PXAT"]), self.word(&["0", "-1", "abc", "9223372036854775807", "1.5"]))
            }
            _ => (b("EX"), b(&self.rng.range(1_000_000, 9_000_000).to_string())),
        }
    }

    /// The next random command.
    pub fn next(&mut self, now: u64) -> Op {
        if let Some(op) = crate::random_list::maybe_next(self)
            .or_else(|| crate::random_hash::maybe_hash_op(self))
            .or_else(|| crate::random_set::maybe_set_op(self))
            .or_else(|| crate::random_stream::maybe_stream_op(self))
        {
            return op;
        }
        if self.rng.chance(30) {
            return random_zset::next(self);
        }
        let r = &mut self.rng;
        let w = r.below(100);
        let exact = |argv: Vec<Vec<u8>>| Op { argv, mode: Some(Mode::Exact) };
        match w {
            0..=11 => {
                let mut argv = vec![b("SET"), self.key(), self.value()];
                let mut opts: Vec<Vec<Vec<u8>>> = Vec::new();
                if self.rng.chance(45) {
                    let (w, v) = self.expiry(now);
                    opts.push(vec![w, v]);
                }
                if self.rng.chance(10) {
                    opts.push(vec![b("KEEPTTL")]);
                }
                if self.rng.chance(30) {
                    opts.push(vec![self.word(&["NX", "XX", "nx", "xx"])]);
                }
                if self.rng.chance(25) {
                    opts.push(vec![b("GET")]);
                }
                if self.rng.chance(3) {
                    opts.push(vec![self.word(&["BOGUS", "EX", "PX", "KEEPTTL", "NX"])]);
                }
                while !opts.is_empty() {
                    let i = self.rng.below(opts.len());
                    argv.extend(opts.remove(i));
                }
                exact(argv)
            }
            12..=17 => exact(vec![self.word(&["GET", "STRLEN", "TYPE", "GETDEL", "PERSIST"]), self.key()]),
            18..=20 => {
                let mut argv = vec![b("GETEX"), self.key()];
                match self.rng.below(4) {
                    0 => {}
                    1 => argv.push(b("PERSIST")),
                    2 => {
                        let (w, v) = self.expiry(now);
                        argv.extend([w, v]);
                    }
                    _ => argv.extend([self.word(&["EX", "PERSIST", "KEEPTTL"]), b("10"), b("PX")]),
                }
                exact(argv)
            }
            21..=23 => exact(vec![self.word(&["GETSET", "SETNX", "APPEND"]), self.key(), self.value()]),
            24..=25 => {
                if self.rng.chance(50) {
                    let secs = self.rng.pick(&["100", "5000", "0", "-1", "abc", "9223372036854775807"]);
                    exact(vec![b("SETEX"), self.key(), b(secs), self.value()])
                } else {
                    let ms = if self.rng.chance(80) { self.grid_ttl_ms(now).to_string() } else { "0".into() };
                    exact(vec![b("PSETEX"), self.key(), b(&ms), self.value()])
                }
            }
            26..=33 => {
                let cmd = self.rng.pick(&["INCR", "DECR", "INCRBY", "DECRBY", "INCRBYFLOAT"]).to_string();
                let mut argv = vec![b(&cmd), self.key()];
                match cmd.as_str() {
                    "INCRBY" | "DECRBY" => argv.push(self.rng.pick(INT_DELTAS).to_vec()),
                    "INCRBYFLOAT" => argv.push(self.rng.pick(FLOAT_DELTAS).to_vec()),
                    _ => {}
                }
                exact(argv)
            }
            34..=38 => {
                let off = if self.rng.chance(95) {
                    self.rng.range(0, 40).to_string()
                } else {
                    self.rng.pick(&["-1", "536870912", "abc", "536870911"]).to_string()
                };
                let v = if off == "536870911" { Vec::new() } else { self.value() };
                exact(vec![b("SETRANGE"), self.key(), b(&off), v])
            }
            39..=43 => {
                let cmd = if self.rng.chance(80) { "GETRANGE" } else { "SUBSTR" };
                let s = self.rng.range(-60, 60).to_string();
                let e = self.rng.range(-60, 60).to_string();
                exact(vec![b(cmd), self.key(), b(&s), b(&e)])
            }
            44..=48 => {
                let cmd = self.rng.pick(&["MSET", "MSETNX", "MGET", "MGET"]).to_string();
                let n = self.rng.range(1, 4);
                let mut argv = vec![b(&cmd)];
                for _ in 0..n {
                    argv.push(self.key());
                    if cmd != "MGET" {
                        argv.push(self.value());
                    }
                }
                if cmd != "MGET" && self.rng.chance(5) {
                    argv.pop();
                }
                exact(argv)
            }
            49..=53 => {
                let cmd = self.rng.pick(&["RENAME", "RENAMENX", "COPY", "COPY", "MOVE"]).to_string();
                let mut argv = vec![b(&cmd), self.key()];
                if cmd == "MOVE" {
                    argv.push(self.word(&["1", "0", "1", "16", "-1", "x"]));
                } else {
                    argv.push(self.key());
                }
                if cmd == "COPY" {
                    if self.rng.chance(40) {
                        argv.extend([b("DB"), self.word(&["0", "1", "1", "99", "x"])]);
                    }
                    if self.rng.chance(40) {
                        argv.push(b("REPLACE"));
                    }
                }
                exact(argv)
            }
            54..=58 => {
                let cmd = self.rng.pick(&["EXISTS", "DEL", "UNLINK", "TOUCH", "EXISTS"]).to_string();
                let n = self.rng.range(1, 4);
                let mut argv = vec![b(&cmd)];
                for _ in 0..n {
                    argv.push(self.key());
                }
                exact(argv)
            }
            59..=66 => {
                let mut flags = Vec::new();
                if self.rng.chance(35) {
                    flags.push(self.word(&["NX", "XX", "GT", "LT", "gt"]));
                    if self.rng.chance(10) {
                        flags.push(self.word(&["NX", "XX", "GT", "LT"]));
                    }
                }
                let mut cmd = self.rng.pick(&["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT", "PEXPIRE"]).to_string();
                // GT/LT compare deadlines: only exact (absolute) ones compare the same way
                // on both servers, so those commands use the *AT forms.
                if flags.iter().any(|f| f.eq_ignore_ascii_case(b"GT") || f.eq_ignore_ascii_case(b"LT")) {
                    cmd = format!("{cmd}AT").replace("ATAT", "AT");
                }
                let t: String = match (cmd.as_str(), self.rng.below(10)) {
                    (_, 0) => self
                        .rng
                        .pick(&["0", "-5", "abc", "9223372036854775807", "-9223372036854775808", "1.5"])
                        .to_string(),
                    ("EXPIRE", _) => self.rng.range(100, 100_000).to_string(),
                    ("PEXPIRE", _) => self.grid_ttl_ms(now).to_string(),
                    ("EXPIREAT", 1) => (now / 1000 - 10).to_string(),
                    ("EXPIREAT", _) => (now / 1000 + self.rng.range(100, 100_000) as u64).to_string(),
                    ("PEXPIREAT", 1) => (now - 5000).to_string(),
                    ("PEXPIREAT", 2 | 3) => (now + self.rng.range(100_000, 100_000_000) as u64).to_string(),
                    _ => self.abs_short_ms(now).to_string(),
                };
                let mut argv = vec![b(&cmd), self.key(), b(&t)];
                argv.extend(flags);
                exact(argv)
            }
            67..=72 => {
                let cmd = self.rng.pick(&["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"]).to_string();
                let tol = if cmd.starts_with('P') { 30 } else { 1 };
                Op { argv: vec![b(&cmd), self.key()], mode: Some(Mode::Approx(tol)) }
            }
            73..=75 => Op { argv: vec![b("KEYS"), self.rng.pick(PATTERNS).to_vec()], mode: Some(Mode::Unordered) },
            76..=77 => {
                let mut argv = vec![b("SCAN"), b("0")];
                if self.rng.chance(60) {
                    argv.extend([b("MATCH"), self.rng.pick(PATTERNS).to_vec()]);
                }
                if self.rng.chance(60) {
                    argv.extend([b("COUNT"), b(&self.rng.range(1, 5).to_string())]);
                }
                if self.rng.chance(30) {
                    argv.extend([b("TYPE"), self.word(&["string", "list", "STRING"])]);
                }
                Op { argv, mode: None }
            }
            78..=80 => exact(vec![b("OBJECT"), b("ENCODING"), self.key()]),
            81..=83 => exact(vec![b("SELECT"), self.word(&["0", "1", "0", "1", "16"])]),
            84 => exact(vec![b("SWAPDB"), b("0"), b("1")]),
            // DBSIZE is left out: it counts expired keys until they are reclaimed, which
            // depends on when each server's active expiry cycle runs.
            85 => {
                if self.rng.chance(40) {
                    exact(vec![b("FLUSHDB")])
                } else {
                    let mut argv = vec![b("EXISTS")];
                    argv.extend(KEYS.iter().map(|k| k.to_vec()));
                    exact(argv)
                }
            }
            86..=88 => {
                let mut argv = vec![b("LCS"), self.key(), self.key()];
                match self.rng.below(4) {
                    0 => argv.push(b("LEN")),
                    1 => argv.extend([
                        b("IDX"),
                        b("MINMATCHLEN"),
                        b(&self.rng.range(0, 3).to_string()),
                        b("WITHMATCHLEN"),
                    ]),
                    2 => argv.push(b("IDX")),
                    _ => {}
                }
                exact(argv)
            }
            _ => exact(vec![self.word(&["GET", "EXISTS", "TTL"]), self.key()]),
        }
    }
}

/// Outcome of one seed's run.
pub struct RunFailure {
    /// The seed.
    pub seed: u64,
    /// What went wrong, with the command history.
    pub report: String,
}

/// Runs `ops` random commands from `seed` on fresh connections to `pair` (after FLUSHALL),
/// then compares the final contents of the key space. Stops at the first mismatch.
pub fn run_seed(pair: &mut Pair, seed: u64, ops: usize) -> Result<(), RunFailure> {
    let mut clients = Clients::new(pair).map_err(|e| RunFailure { seed, report: format!("connect: {e}") })?;
    let mut gen = Gen::new(seed);
    let mut history: Vec<String> = Vec::new();
    let fail = |history: &[String], what: String| {
        let start = history.len().saturating_sub(80);
        let mut report = format!(
            "seed {seed}: {what}\nlast {} of {} commands (script syntax):\n",
            history.len() - start,
            history.len()
        );
        for (i, h) in history.iter().enumerate().skip(start) {
            report.push_str(&format!("  #{:<5} {h}\n", i + 1));
        }
        let path = std::env::temp_dir().join(format!("cinder-parity-seed-{seed}.redis"));
        if std::fs::write(&path, history.join("\n") + "\n").is_ok() {
            report.push_str(&format!("full history: {}\n", path.display()));
        }
        RunFailure { seed, report }
    };
    clients.call(&[b("FLUSHALL")]);
    for _ in 0..ops {
        if gen.rng.chance(1) && gen.rng.chance(50) {
            // Let a grid point pass now and then, so short TTLs expire during the run.
            std::thread::sleep(Duration::from_millis(GRID_MS));
            history.push(format!("@sleep {GRID_MS}"));
        }
        wait_for_safe_time();
        let op = gen.next(unix_ms());
        let started = Instant::now();
        let line = match op.mode {
            None => format!("@scanall {}", format_command(&op.argv)),
            Some(Mode::Unordered) => format!("@unordered {}", format_command(&op.argv)),
            Some(Mode::Approx(n)) => format!("@approx {n} {}", format_command(&op.argv)),
            Some(_) => format_command(&op.argv),
        };
        history.push(line);
        let diff = match op.mode {
            None => {
                let a = scan_all(&mut clients, &op.argv, 0);
                let c = scan_all(&mut clients, &op.argv, 1);
                (a != c).then(|| format!("redis:  {a}\n  cinder: {c}"))
            }
            Some(mode) => {
                let (a, c) = clients.call(&op.argv);
                differ(mode, &a, &c).map(|at| format!("redis:  {}\n  cinder: {}", a.show(at), c.show(at)))
            }
        };
        if let Some(d) = diff {
            let slow = started.elapsed();
            let note = if slow > Duration::from_millis(GUARD_MS / 2) {
                format!(" (the command took {slow:?}: a timing race is possible)")
            } else {
                String::new()
            };
            return Err(fail(&history, format!("mismatch{note}\n  {}\n  {d}", history.last().unwrap())));
        }
    }
    // Final state: every key of the pool in both databases.
    for db in ["0", "1"] {
        wait_for_safe_time();
        let select = vec![b("SELECT"), b(db)];
        history.push(format_command(&select));
        clients.call(&select);
        for key in KEYS {
            for (cmd, mode) in [
                ("GET", Mode::Exact),
                ("PTTL", Mode::Approx(30)),
                ("HGETALL", Mode::Unordered),
                ("SMEMBERS", Mode::Unordered),
                ("LRANGE", Mode::Exact),
            ] {
                wait_for_safe_time();
                let mut argv = vec![b(cmd), key.to_vec()];
                if cmd == "LRANGE" {
                    argv.extend([b("0"), b("-1")]);
                }
                history.push(format_command(&argv));
                let (a, c) = clients.call(&argv);
                if let Some(at) = differ(mode, &a, &c) {
                    return Err(fail(
                        &history,
                        format!(
                            "final state differs in db {db}: {}\n  redis:  {}\n  cinder: {}",
                            format_command(&argv),
                            a.show(at),
                            c.show(at)
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The reference server's `expired_keys` counter (to show that expiry was exercised).
pub fn redis_expired_keys(pair: &Pair) -> Option<u64> {
    let mut conn = crate::conn::Conn::connect(pair.redis.port).ok()?;
    let reply = conn.call(&[b("INFO"), b("stats")]);
    let text = String::from_utf8_lossy(crate::resp::as_bulk(reply.bytes()?)?).into_owned();
    text.lines().find_map(|l| l.strip_prefix("expired_keys:")).and_then(|v| v.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_reproducible() {
        let now = 1_700_000_000_000;
        let (mut a, mut b) = (Gen::new(7), Gen::new(7));
        for _ in 0..500 {
            assert_eq!(a.next(now).argv, b.next(now).argv);
        }
    }

    #[test]
    fn grid_ttls_land_on_the_grid() {
        let mut g = Gen::new(1);
        for now in [1_700_000_000_017u64, 1_700_000_000_199] {
            let ttl = g.grid_ttl_ms(now);
            assert!(ttl > 0);
            assert_eq!((now + ttl as u64) % GRID_MS, 0);
        }
    }
}
