//! The propagation hook against real Redis's own propagation: a redis-server writes its
//! AOF (`--appendonly yes --appendfsync always`: 7.0's multi-part AOF, whose `*.incr.aof`
//! holds the propagated commands as RESP, with SELECT when the database changes) while
//! an in-process `cinder_core::Engine` with propagation on runs the same steps. After
//! each step the operations Redis appended and the ones Cinder propagated (SELECT added
//! the same way, replica-only operations left out as the AOF leaves them out) must be
//! the same, op by op: exactly, except that absolute millisecond times (PXAT,
//! PEXPIREAT, XCLAIM's TIME, generated stream IDs) may differ by the clock skew, and
//! random picks (SPOP) are compared by shape (same commands, keys and counts), and the
//! deletions of keys met in hash or random order (SCAN, RANDOMKEY) in any order.
//!
//! Redis's active expiry is switched off (`DEBUG SET-ACTIVE-EXPIRE 0`) so a key with a
//! TTL goes only when a command finds it expired, as in the engine (never ticked here).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cinder_core::propagate::Target;
use cinder_core::{ConnInfo, Engine, EngineOptions, Reply};
use cinder_parity::conn::{Conn, Outcome};
use cinder_parity::server::{free_port, redis_server_bin};

/// How far apart two absolute millisecond times may be (the two clocks are read at
/// slightly different moments on a loaded machine).
const TIME_SLACK_MS: i64 = 5_000;

/// A redis-server writing an AOF in a temp dir; killed on drop.
struct AofRedis {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl AofRedis {
    fn start() -> AofRedis {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("cinder-prop-{}-{port}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let log = std::fs::File::create(dir.join("server.log")).unwrap();
        let child = Command::new(redis_server_bin())
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", ""])
            .args(["--appendonly", "yes", "--appendfsync", "always", "--enable-debug-command", "yes"])
            .arg("--dir")
            .arg(&dir)
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("spawn redis-server");
        let server = AofRedis { child, port, dir };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
                let mut buf = [0u8; 64];
                if s.write_all(b"*1\r\n$4\r\nPING\r\n").is_ok() && s.read(&mut buf).is_ok_and(|n| n > 0) {
                    break;
                }
            }
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        server
    }

    /// The AOF's incremental file (7.0: `appendonlydir/<name>.<n>.incr.aof`).
    fn incr_file(&self) -> PathBuf {
        let dir = self.dir.join("appendonlydir");
        std::fs::read_dir(&dir)
            .expect("appendonlydir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| p.to_string_lossy().ends_with(".incr.aof"))
            .expect("an .incr.aof file")
    }
}

impl Drop for AofRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Parses the complete RESP commands (`*N` arrays of bulks) in `buf`; returns them and
/// the bytes consumed.
fn parse_commands(buf: &[u8]) -> (Vec<Vec<Vec<u8>>>, usize) {
    fn line(buf: &[u8], at: usize) -> Option<(&[u8], usize)> {
        let end = buf[at..].windows(2).position(|w| w == b"\r\n")? + at;
        Some((&buf[at..end], end + 2))
    }
    let mut out = Vec::new();
    let mut at = 0;
    'outer: while at < buf.len() {
        let Some((head, mut p)) = line(buf, at) else { break };
        assert_eq!(head.first(), Some(&b'*'), "AOF: unexpected {:?}", String::from_utf8_lossy(head));
        let n: usize = std::str::from_utf8(&head[1..]).unwrap().parse().unwrap();
        let mut argv = Vec::with_capacity(n);
        for _ in 0..n {
            let Some((len, q)) = line(buf, p) else { break 'outer };
            let len: usize = std::str::from_utf8(&len[1..]).unwrap().parse().unwrap();
            if q + len + 2 > buf.len() {
                break 'outer;
            }
            argv.push(buf[q..q + len].to_vec());
            p = q + len + 2;
        }
        out.push(argv);
        at = p;
    }
    (out, at)
}

/// How a step's operations are compared.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    /// Word for word (absolute times within [`TIME_SLACK_MS`]).
    Exact,
    /// Random picks: the same commands on the same keys with as many arguments.
    Shape,
    /// Keys met in a random or hash order (SCAN, RANDOMKEY): the same operations in any
    /// order.
    Unordered,
}

/// The two sides: a redis-server with its AOF, and an engine with propagation on.
struct Pair {
    redis: AofRedis,
    conns: Vec<Conn>,
    aof_offset: usize,
    engine: Engine,
    clients: Vec<cinder_core::ClientHandle>,
    /// The database of the last operation written (as the AOF's `aof_selected_db`).
    selected: Option<usize>,
    /// Steps run, for reports.
    log: Vec<String>,
    /// Requests sent to Redis whose replies are still due (blocked clients).
    pending: Vec<usize>,
    /// Steps after which the two sides differed (reported together at the end).
    failures: Vec<String>,
}

fn now_us() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_micros() as u64
}

/// A step's words, split as redis-cli splits a line (quotes for scripts with spaces).
fn words(line: &str) -> Vec<Vec<u8>> {
    cinder_core::resp::split_args(line.as_bytes()).expect("balanced quotes")
}

fn show(ops: &[Vec<Vec<u8>>]) -> String {
    ops.iter()
        .map(|argv| argv.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n    ")
}

/// An absolute millisecond time (or the time part of a stream ID) in a word.
fn as_time(w: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(w).ok()?;
    let ms = s.split_once('-').map_or(s, |(ms, _)| ms);
    let n: i64 = ms.parse().ok()?;
    (n >= 1_000_000_000_000).then_some(n)
}

fn same_word(a: &[u8], b: &[u8]) -> bool {
    if a == b {
        return true;
    }
    match (as_time(a), as_time(b)) {
        // A generated stream ID's sequence part depends on the clock too: it is not
        // compared.
        (Some(x), Some(y)) => (x - y).abs() <= TIME_SLACK_MS,
        _ => false,
    }
}

fn same_ops(mode: Mode, r: &[Vec<Vec<u8>>], c: &[Vec<Vec<u8>>]) -> bool {
    if mode == Mode::Unordered {
        let (mut r, mut c) = (r.to_vec(), c.to_vec());
        r.sort();
        c.sort();
        return same_ops(Mode::Exact, &r, &c);
    }
    r.len() == c.len()
        && r.iter().zip(c).all(|(r, c)| match mode {
            Mode::Exact => r.len() == c.len() && r.iter().zip(c).all(|(a, b)| same_word(a, b)),
            Mode::Shape => r.len() == c.len() && r[0] == c[0] && r.get(1) == c.get(1),
            Mode::Unordered => unreachable!(),
        })
}

impl Pair {
    fn new(clients: usize) -> Pair {
        let redis = AofRedis::start();
        let conns: Vec<Conn> = (0..clients).map(|_| Conn::connect(redis.port).expect("connect")).collect();
        let mut engine = Engine::new(EngineOptions { seed: 7, now_us: now_us(), ..Default::default() });
        engine.set_propagation(true);
        let clients = (0..clients).map(|_| engine.connect(ConnInfo::default()).unwrap()).collect();
        let mut p = Pair {
            redis,
            conns,
            aof_offset: 0,
            engine,
            clients,
            selected: None,
            log: Vec::new(),
            pending: Vec::new(),
            failures: Vec::new(),
        };
        p.redis_only("DEBUG SET-ACTIVE-EXPIRE 0");
        p
    }

    /// A command for Redis only (setup the engine does not need).
    fn redis_only(&mut self, line: &str) {
        let r = self.conns[0].call(&words(line));
        assert!(r.bytes().is_some_and(|b| b[0] != b'-'), "{line}: {}", r.show(0));
    }

    /// What Redis appended to its AOF since the last call.
    fn redis_ops(&mut self) -> Vec<Vec<Vec<u8>>> {
        let bytes = std::fs::read(self.redis.incr_file()).unwrap_or_default();
        let (ops, used) = parse_commands(&bytes[self.aof_offset.min(bytes.len())..]);
        self.aof_offset += used;
        ops
    }

    /// What the engine propagated since the last call, as an AOF writer of a server
    /// with no replica would write it: replica-only operations (PUBLISH) are left out,
    /// and so is a MULTI/EXEC left around one operation (Redis does not count an
    /// operation nobody takes when it decides to wrap a unit: its `shouldPropagate`).
    fn cinder_ops(&mut self) -> Vec<Vec<Vec<u8>>> {
        let mut ops = self.engine.take_propagated();
        let mut i = 0;
        while i < ops.len() {
            if ops[i].argv == [b"MULTI".to_vec()] {
                let end = (i..ops.len()).find(|&j| ops[j].argv == [b"EXEC".to_vec()]).expect("EXEC");
                let kept = ops[i + 1..end].iter().filter(|o| o.target == Target::All).count();
                if kept < 2 {
                    ops.remove(end);
                    ops.remove(i);
                    continue;
                }
            }
            i += 1;
        }
        let mut out = Vec::new();
        for op in ops {
            if op.target != Target::All {
                continue;
            }
            if self.selected != Some(op.db) {
                out.push(vec![b"SELECT".to_vec(), op.db.to_string().into_bytes()]);
                self.selected = Some(op.db);
            }
            out.push(op.argv);
        }
        out
    }

    /// Runs `line` as client `c` on both sides; `block` when the command is expected to
    /// wait (its Redis reply is read later by [`Pair::settle`]).
    fn send(&mut self, c: usize, line: &str, block: bool) -> (Outcome, Reply) {
        let argv = words(line);
        let outcome = if block {
            self.conns[c].send(&cinder_parity::resp::encode_command(&argv)).unwrap();
            self.pending.push(c);
            self.wait_blocked(self.pending.len());
            Outcome::NoReply
        } else {
            self.conns[c].call(&argv)
        };
        self.engine.set_time_us(now_us());
        let refs: Vec<&[u8]> = argv.iter().map(|a| a.as_slice()).collect();
        let reply = self.engine.execute(self.clients[c], &refs);
        self.engine.take_pushes();
        self.engine.take_late_pushes();
        if block {
            assert_eq!(reply, Reply::Blocked, "{line}: the engine did not block");
        }
        (outcome, reply)
    }

    /// Waits until Redis reports `n` blocked clients (so the next command, on another
    /// connection, arrives after the block), asking on a connection of its own.
    fn wait_blocked(&mut self, n: usize) {
        let mut probe = Conn::connect(self.redis.port).expect("connect");
        let want = format!("blocked_clients:{n}\r\n");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let info = probe.call(&words("INFO clients"));
            if info.bytes().is_some_and(|b| String::from_utf8_lossy(b).contains(&want)) {
                return;
            }
            assert!(Instant::now() < deadline, "redis did not block the client: {}", info.show(0));
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Reads the replies of Redis clients that were blocked and that the engine served
    /// (Redis must have served them too); the others must still wait on both sides.
    fn settle(&mut self) {
        let woken: Vec<cinder_core::ClientHandle> = self.engine.take_wakeups().into_iter().map(|w| w.0).collect();
        let mut still = Vec::new();
        for c in std::mem::take(&mut self.pending) {
            let served = woken.contains(&self.clients[c]);
            let wait = if served { Duration::from_secs(10) } else { Duration::from_millis(20) };
            let got = self.conns[c].read_reply(wait);
            assert_eq!(
                got != Outcome::NoReply,
                served,
                "client {c}: redis {}, cinder {}",
                got.show(0),
                if served { "served it" } else { "keeps it waiting" }
            );
            if !served {
                still.push(c);
            }
        }
        self.pending = still;
    }

    /// One step: runs `line` as client `c`, then compares what both sides propagated.
    fn step(&mut self, c: usize, line: &str, mode: Mode, block: bool) {
        let (outcome, reply) = self.send(c, line, block);
        if !block {
            let r = outcome.bytes().unwrap_or_else(|| panic!("{line}: redis answered {}", outcome.show(0)));
            assert_eq!(r[0] == b'-', reply.is_error(), "{line}: redis {} / cinder {reply:?}", outcome.show(0));
        }
        self.settle();
        self.log.push(format!("{c}: {line}"));
        let r = self.redis_ops();
        let e = self.cinder_ops();
        if std::env::var_os("CINDER_PROP_SHOW").is_some() {
            eprintln!("{c}: {line}\n  redis:  {}\n  cinder: {}", show(&r), show(&e));
        }
        if !same_ops(mode, &r, &e) {
            self.failures.push(format!(
                "after `{c}: {line}` ({mode:?})\n  redis propagated:\n    {}\n  cinder propagated:\n    {}",
                show(&r),
                show(&e)
            ));
        }
    }

    /// Runs steps written as `[<client>:] [~|%|&] command`: `~` compares by shape (random
    /// picks), `%` in any order, `&` sends a command that blocks; `@sleep <ms>` waits.
    fn run(&mut self, steps: &[&str]) {
        for s in steps {
            let (c, rest) = match s.split_once(": ") {
                Some((c, rest)) if c.len() == 1 => (c.parse().unwrap(), rest),
                _ => (0, *s),
            };
            if let Some(ms) = rest.strip_prefix("@sleep ") {
                std::thread::sleep(Duration::from_millis(ms.parse().unwrap()));
                continue;
            }
            let (mode, block, line) = if let Some(l) = rest.strip_prefix("~ ") {
                (Mode::Shape, false, l)
            } else if let Some(l) = rest.strip_prefix("% ") {
                (Mode::Unordered, false, l)
            } else if let Some(l) = rest.strip_prefix("& ") {
                (Mode::Exact, true, l)
            } else {
                (Mode::Exact, false, rest)
            };
            self.step(c, line, mode, block);
        }
        assert!(self.failures.is_empty(), "{}\n(steps:\n    {})", self.failures.join("\n"), self.log.join("\n    "));
        assert!(self.pending.is_empty(), "clients still blocked at the end");
        // The AOF must not hold anything more than what was compared.
        assert!(self.redis_ops().is_empty());
    }
}

/// Absolute times a little ahead: seconds and milliseconds.
fn future() -> (String, String) {
    let ms = now_us() / 1000 + 3_600_000;
    ((ms / 1000).to_string(), ms.to_string())
}

#[test]
fn strings_expiry_and_keyspace_commands_propagate_as_redis_does() {
    let (s, ms) = future();
    let mut p = Pair::new(1);
    let steps = vec![
        "SET k v".to_string(),
        "SET k v EX 100".into(),
        "SET k v px 100000".into(),
        format!("SET k v EXAT {s}"),
        format!("SET k v PXAT {ms}"),
        "SET k v2 NX".into(),
        "SET k v3 XX GET".into(),
        "SET k v4 get KEEPTTL".into(),
        "SET k v5 XX EX 100 GET".into(),
        "SET k v6 NX EX 100".into(),
        "SETNX k2 v".into(),
        "SETEX k3 100 v".into(),
        "PSETEX k3 100000 v".into(),
        "GETEX k3".into(),
        "GETEX k3 EX 200".into(),
        "GETEX k3 PERSIST".into(),
        "GETEX k3 PERSIST".into(),
        format!("GETEX k3 PXAT {ms}"),
        "GETEX k3 EXAT 1".into(),
        "GETEX missing EX 10".into(),
        "GETDEL k2".into(),
        "GETDEL k2".into(),
        "GETSET k4 a".into(),
        "getset k4 b".into(),
        "INCRBYFLOAT f 1.5".into(),
        "INCRBYFLOAT f 1e2".into(),
        "HINCRBYFLOAT h x 0.25".into(),
        "hincrbyfloat h x 1.0e1".into(),
        "INCR n".into(),
        "APPEND n 0".into(),
        "SET e v".into(),
        "EXPIRE e 100".into(),
        "EXPIRE e 200 NX".into(),
        "expire e 300 xx".into(),
        "PEXPIRE e 400000 GT".into(),
        format!("EXPIREAT e {s}"),
        format!("pexpireat e {ms} LT"),
        format!("pexpireat e {} GT", ms.parse::<u64>().unwrap() + 1000),
        format!("PEXPIREAT e {ms}"),
        "PERSIST e".into(),
        "PERSIST e".into(),
        "EXPIRE e -1".into(),
        "EXPIRE e 10".into(),
        "SET e v".into(),
        "PEXPIREAT e 1".into(),
        "SET e v".into(),
        "EXPIREAT e 100 NX".into(),
        "SET a 1".into(),
        "RENAME a b".into(),
        "COPY b c".into(),
        "MOVE c 3".into(),
        "DEL b c nothing".into(),
        "UNLINK k".into(),
        "SELECT 2".into(),
        "SET in2 v".into(),
        "SWAPDB 2 3".into(),
        "SWAPDB 0 0".into(),
        "SET in2 v".into(),
        "SELECT 0".into(),
        "FLUSHDB".into(),
        "FLUSHDB".into(),
        "FLUSHALL".into(),
        "PUBLISH ch m".into(),
        "SPUBLISH ch m".into(),
        "SET k v".into(),
    ];
    let steps: Vec<&str> = steps.iter().map(String::as_str).collect();
    p.run(&steps);
}

#[test]
fn transactions_and_lazy_expiry_make_units_as_redis_does() {
    let mut p = Pair::new(1);
    p.run(&[
        "MULTI",
        "SET a 1",
        "EXEC",
        "MULTI",
        "SET a 1",
        "INCR a",
        "GET a",
        "EXEC",
        "MULTI",
        "GET a",
        "EXEC",
        "MULTI",
        "SELECT 1",
        "SET b 1",
        "SELECT 0",
        "SET b 2",
        "EXEC",
        "MULTI",
        "PUBLISH ch m",
        "SET c 1",
        "EXEC",
        // A command that finds keys expired propagates their DELs in its unit, ahead of
        // its own effect; a read propagates the DEL alone.
        "SET x 1 PX 50",
        "SET y 1 PX 50",
        "SET z 1 PX 50",
        "@sleep 200",
        "GET x",
        "SET y 2",
        "MGET z nothing",
        "SET x 1 PX 50",
        "SET y 1 PX 50",
        "@sleep 200",
        "DEL x y",
        "SET x 1 PX 50",
        "@sleep 200",
        "MULTI",
        "GET x",
        "SET w 1",
        "EXEC",
        // SCAN and RANDOMKEY units are never wrapped (CMD_TOUCHES_ARBITRARY_KEYS).
        "FLUSHALL",
        "SET r1 1 PX 50",
        "SET r2 1 PX 50",
        "SET r3 1",
        "@sleep 200",
        "% SCAN 0 COUNT 100",
        "SET r1 1 PX 50",
        "SET r2 1 PX 50",
        "DEL r3",
        "@sleep 200",
        "% RANDOMKEY",
        "RANDOMKEY",
    ]);
}

#[test]
fn sets_lists_and_sorted_sets_propagate_their_effects() {
    let mut p = Pair::new(1);
    p.run(&[
        "SADD s 1 2 3 4 5 6 7 8 9 10 a b c",
        "~ SPOP s",
        "~ SPOP s 1",
        "~ SPOP s 3",
        "~ SPOP s 9",
        "SPOP s 0",
        "SADD s2 x y",
        "SPOP s2 5",
        "SPOP s2",
        "SADD t a b",
        "SMOVE t u a",
        "SMOVE t u zz",
        "RPUSH l a b c d e f g h",
        "BLPOP l 0",
        "BRPOP nothing l 0",
        "BLMOVE l l2 left RIGHT 0",
        "BRPOPLPUSH l l2 0",
        "BLMPOP 0 1 l LEFT COUNT 2",
        "BLMPOP 0 2 nothing l RIGHT COUNT 10",
        "RPUSH l a b c",
        "LMPOP 1 l RIGHT",
        "LMPOP 1 l LEFT COUNT 5",
        "LMPOP 1 l LEFT COUNT 5",
        "RPOPLPUSH l2 l",
        "LMOVE l2 l left left",
        "ZADD z 1 a 2 b 3 c 4 d 5 e",
        "BZPOPMIN z 0",
        "BZPOPMAX z 0",
        "BZMPOP 0 1 z MIN COUNT 1",
        "ZMPOP 1 z MAX",
        "ZMPOP 1 z MIN COUNT 10",
        "ZADD z 1 a",
        "ZPOPMIN z",
        "ZADD z 2 b",
        "BZMPOP 0 1 z MAX COUNT 5",
    ]);
}

/// Bitmaps: SETBIT and BITFIELD propagate only when something changed (a created or
/// grown string counts), BITOP as itself when it stores or deletes, BITFIELD_RO never.
#[test]
fn bitmap_writes_propagate_only_when_they_change_something() {
    let mut p = Pair::new(1);
    p.run(&[
        "SETBIT b 0 0",
        "SETBIT b 0 0",
        "SETBIT b 0 1",
        "SETBIT b 0 1",
        "SETBIT b 100 0",
        "SET n 1",
        "SETBIT n 7 1",
        "SETBIT n 7 0",
        "BITFIELD f SET i5 0 0",
        "BITFIELD f SET i5 0 0",
        "BITFIELD f SET i5 0 1 GET u8 0",
        "BITFIELD f GET u8 0",
        "BITFIELD f OVERFLOW FAIL INCRBY u2 0 100",
        "BITFIELD g OVERFLOW FAIL INCRBY u2 0 100",
        "BITFIELD f INCRBY i5 0 0",
        "BITFIELD f SET i8 100 -1 SET i8 100 -1",
        "BITFIELD_RO f GET u8 0",
        "BITOP AND d b f",
        "BITOP OR d nothing",
        "BITOP OR d nothing",
        "BITOP NOT d f",
        "BITOP XOR b b",
        "BITFIELD f SET u8 #1 255 INCRBY u8 #1 1",
    ]);
}

#[test]
fn blocked_clients_served_later_propagate_their_effects() {
    let mut p = Pair::new(3);
    p.run(&[
        "1: & BLPOP q 0",
        "0: RPUSH q x",
        "1: & BRPOP q 0",
        "0: RPUSH q z",
        "1: & BLMOVE q q2 LEFT right 0",
        "0: RPUSH q a",
        "1: & BRPOPLPUSH q q2 0",
        "0: RPUSH q b",
        "1: & BLMPOP 0 1 q LEFT COUNT 5",
        "0: RPUSH q 1 2",
        "1: & BLMPOP 0 1 q RIGHT COUNT 1",
        "2: & BLPOP q 0",
        "0: RPUSH q 1 2 3",
        "1: & BZPOPMIN zq 0",
        "0: ZADD zq 1 a",
        "1: & BZPOPMAX zq 0",
        "0: ZADD zq 3 c",
        "1: & BZMPOP 0 1 zq MAX COUNT 3",
        "0: ZADD zq 1 a 2 b",
        "1: SELECT 4",
        "1: & BLPOP q4 0",
        "0: SELECT 4",
        "0: RPUSH q4 x",
        "0: SELECT 0",
        // Served inside a transaction's unit: the pushes are wrapped, the served pop
        // goes out after EXEC.
        "1: SELECT 0",
        "1: & BLPOP qm 0",
        "0: MULTI",
        "0: RPUSH qm a",
        "0: RPUSH qm b",
        "0: EXEC",
    ]);
}

#[test]
fn streams_and_consumer_groups_propagate_as_redis_does() {
    let mut p = Pair::new(3);
    p.run(&[
        "CONFIG SET stream-node-max-entries 4",
        "XADD x 1-1 f v",
        "XADD x 1-* f v",
        "XADD x 2 f v",
        "XADD xa * f v",
        "XADD xa * f v",
        "XADD xa MAXLEN ~ 1 * f v",
        "XADD xa MAXLEN ~ 1 LIMIT 2 * f v",
        "XADD xa MINID ~ 0 LIMIT 0 * f v",
        "XTRIM xa MAXLEN ~ 0 LIMIT 4",
        "XADD x MAXLEN ~ 100 5-1 f v",
        "XADD x 6-1 f v",
        "XADD x 7-1 f v",
        "XADD x 8-1 f v",
        "XADD x 9-1 f v",
        "XADD x MAXLEN ~ 3 10-1 f v",
        "XADD x MINID ~ 9-0 11-* f v",
        "XADD x MAXLEN = 100 12-1 f v",
        "XADD x NOMKSTREAM 13-1 f v",
        "XADD nokey NOMKSTREAM * f v",
        "XTRIM x MAXLEN ~ 100",
        "XTRIM x MAXLEN 100",
        "XADD x 14-1 f v",
        "XADD x 15-1 f v",
        "XADD x 16-1 f v",
        "XADD x 17-1 f v",
        "XTRIM x MAXLEN ~ 2",
        "XTRIM x MINID 15",
        "XTRIM x MAXLEN 0",
        "XADD x 20-1 f v",
        "XADD x 21-1 f v",
        "XADD x 22-1 f v",
        "XADD x 23-1 f v",
        "XADD x 24-1 f v",
        "XGROUP CREATE x g 0",
        "XGROUP CREATE x g2 $",
        "XGROUP CREATE y g 0 MKSTREAM",
        "XGROUP CREATECONSUMER x g c0",
        "XGROUP CREATECONSUMER x g c0",
        "XREADGROUP GROUP g c1 COUNT 1 STREAMS x >",
        "XREADGROUP GROUP g c1 COUNT 2 STREAMS x >",
        "XREADGROUP GROUP g c1 STREAMS x 0",
        "XREADGROUP GROUP g c2 NOACK COUNT 1 STREAMS x >",
        "XREADGROUP GROUP g c2 COUNT 1 STREAMS x >",
        "XREADGROUP GROUP g c1 STREAMS x >",
        "XREADGROUP GROUP g2 c9 STREAMS x >",
        "XADD x 25-1 f v",
        "XREADGROUP GROUP g2 c9 NOACK STREAMS x >",
        "XREADGROUP GROUP g c1 STREAMS x y > >",
        "XCLAIM x g c3 0 20-1",
        "XCLAIM x g c3 0 20-1 21-1 JUSTID",
        "XCLAIM x g c3 0 22-1 IDLE 1000 RETRYCOUNT 7",
        "XCLAIM x g c3 3600000 23-1",
        "XCLAIM x g c4 0 25-1 FORCE",
        "XCLAIM x g c4 0 99-1 LASTID 30-0",
        "XDEL x 21-1",
        "XCLAIM x g c5 0 21-1",
        "XDEL x 22-1",
        "XAUTOCLAIM x g c6 0 0 COUNT 2",
        "XAUTOCLAIM x g c6 0 0 JUSTID",
        "XAUTOCLAIM x g c6 3600000 0",
        "XACK x g 20-1 23-1",
        "XACK x g 20-1",
        "XPENDING x g",
        "XGROUP SETID x g 0",
        "XGROUP SETID x g $ ENTRIESREAD 3",
        "XGROUP DELCONSUMER x g c6",
        "XGROUP DELCONSUMER x g nobody",
        "XGROUP DESTROY x g2",
        "XGROUP DESTROY x g2",
        "XSETID x 100-1",
        "XDEL x 24-1 1000-1",
        // Blocked group readers served later: XCLAIM (or, with NOACK, the consumer's
        // creation and SETID) in their own unit after the XADD.
        "1: & XREADGROUP GROUP g c7 BLOCK 0 STREAMS x >",
        "0: XADD x 101-1 f v",
        "1: & XREADGROUP GROUP g c8 NOACK BLOCK 0 STREAMS x >",
        "2: & XREADGROUP GROUP g c7 COUNT 5 BLOCK 0 STREAMS x >",
        "0: XADD x 102-1 f v",
        "1: & XREAD BLOCK 0 STREAMS x $",
        "0: XADD x 103-1 f v",
        "0: XGROUP CREATE bs g $ MKSTREAM",
        "1: & XREADGROUP GROUP g c1 BLOCK 0 STREAMS bs >",
        "0: DEL bs",
    ]);
}

#[test]
fn writes_that_change_nothing_propagate_as_redis_decides() {
    let mut p = Pair::new(1);
    p.run(&[
        // Strings.
        "SET s abc",
        "APPEND s ''",
        "APPEND nos x",
        "SETRANGE s 0 ''",
        "SETRANGE nos2 0 ''",
        "SETRANGE s 1 zz",
        "INCRBY n 0",
        "DECRBY n 0",
        "DECR n",
        "MSET a 1 b 2",
        "MSETNX a 1 c 3",
        "MSETNX c 3 d 4",
        "SETNX a 1",
        "GETEX s",
        "GETEX s PERSIST",
        // Keyspace.
        "DEL nothing",
        "UNLINK nothing",
        "RENAME a a",
        "RENAMENX a b",
        "RENAMENX a e",
        "COPY e e",
        "COPY e b",
        "COPY e b REPLACE",
        "COPY e f DB 1",
        "MOVE nothing 1",
        "MOVE b 1",
        "PERSIST b",
        "EXPIRE nothing 10",
        "TOUCH a b",
        "SELECT 9",
        "SWAPDB 9 9",
        "SELECT 0",
        // Lists.
        "LPUSHX nol a",
        "RPUSH l a b c",
        "LPOP l 0",
        "LPOP nol",
        "LSET l 0 a",
        "LINSERT l BEFORE zz x",
        "LINSERT l BEFORE a x",
        "LREM l 0 zz",
        "LREM l 0 x",
        "LTRIM l 0 -1",
        "LTRIM l 1 -1",
        "LMOVE l l LEFT RIGHT",
        "RPOPLPUSH nol l",
        // Hashes.
        "HSET h f v",
        "HSET h f v",
        "HSETNX h f v",
        "HMSET h f v",
        "HDEL h nothing",
        "HINCRBY h n 0",
        // Sets.
        "SADD st a b",
        "SADD st a",
        "SREM st zz",
        "SMOVE st st a",
        "SMOVE st st2 zz",
        "SINTERSTORE dst st nothing",
        "SINTERSTORE st3 st",
        "SINTERSTORE st3 nothing",
        "SUNIONSTORE dst2 nothing",
        "SDIFFSTORE dst2 st st",
        // Sorted sets.
        "ZADD z 1 a 2 b",
        "ZADD z 1 a",
        "ZADD z NX 5 a",
        "ZADD z XX 5 zz",
        "ZADD z CH 3 a",
        "ZADD z INCR 0 a",
        "ZINCRBY z 0 a",
        "ZREM z zz",
        "ZREMRANGEBYSCORE z 100 200",
        "ZREMRANGEBYRANK z 5 10",
        "ZREMRANGEBYLEX z [x [y",
        "ZPOPMIN z 0",
        "ZPOPMIN noz",
        "ZUNIONSTORE zd 1 nothing",
        "ZINTERSTORE zd 2 z nothing",
        "ZUNIONSTORE zd 1 z",
        "ZINTERSTORE zd 2 z nothing",
        "ZDIFFSTORE zd2 1 nothing",
        "ZRANGESTORE zd3 z 0 -1",
        "ZRANGESTORE zd3 z 10 20",
        "ZRANGESTORE zd4 z 10 20",
        // SORT ... STORE.
        "RPUSH sl 3 1 2",
        "SORT sl STORE sd",
        "SORT nothing STORE sd",
        "SORT nothing STORE sd2",
        // Streams.
        "XGROUP CREATE xs g $ MKSTREAM",
        "XGROUP CREATE xs g $",
        "XGROUP SETID xs g 0",
        "XACK xs g 1-1",
        "XDEL xs 1-1",
        "XTRIM xs MAXLEN 0",
        "XSETID xs 5-5",
        // Lazy free: UNLINK instead of DEL where Redis's settings say so.
        "CONFIG SET lazyfree-lazy-expire yes",
        "CONFIG SET lazyfree-lazy-user-del yes",
        "SET k v",
        "EXPIRE k -1",
        "SET k v",
        "GETEX k PXAT 1",
        "SET k v",
        "GETDEL k",
        "SET k v PX 30",
        "@sleep 100",
        "GET k",
        "CONFIG SET lazyfree-lazy-expire no",
        "CONFIG SET lazyfree-lazy-user-del no",
    ]);
}

#[test]
fn scripts_propagate_their_effects_wrapped_as_redis_does() {
    let mut p = Pair::new(1);
    p.run(&[
        // One write: unwrapped; several: MULTI/EXEC; none: nothing; never the EVAL.
        "EVAL \"return redis.call('set', KEYS[1], ARGV[1])\" 1 a 1",
        "EVAL \"redis.call('set', 'a', 2); redis.call('incr', 'a'); return redis.call('get', 'a')\" 0",
        "EVAL \"return redis.call('get', 'a')\" 0",
        "SCRIPT LOAD \"redis.call('rpush', KEYS[1], ARGV[1]); redis.call('rpush', KEYS[1], ARGV[2]); return 1\"",
        "EVALSHA 09fef895e58a5b6d7d34c6f8d490a1211deeb859 1 l x y",
        // Effects, not requests: EXPIRE as PEXPIREAT, INCRBYFLOAT as SET KEEPTTL.
        "EVAL \"redis.call('expire', 'a', 100); return redis.call('incrbyfloat', 'f', 1.5)\" 0",
        // A SELECT inside the script moves the effects' database.
        "EVAL \"redis.call('select', 3); redis.call('set', 'in3', 1); redis.call('select', 0); return redis.call('set', 'in0', 1)\" 0",
        // A failed script keeps what it wrote before the error.
        "EVAL \"redis.call('set', 'before', 1); return redis.call('incr', 'l')\" 0",
        // redis.set_repl(redis.REPL_NONE) leaves a write out.
        "EVAL \"redis.set_repl(redis.REPL_NONE); redis.call('set', 'hidden', 1); redis.set_repl(redis.REPL_ALL); return redis.call('set', 'shown', 1)\" 0",
        // Inside MULTI the script's effects join the transaction.
        "MULTI",
        "EVAL \"return redis.call('set', 'm1', 1)\" 0",
        "SET m2 2",
        "EXEC",
        // Functions: loading is propagated as the request, calls as their effects.
        "FUNCTION LOAD \"#!lua name=plib\\nredis.register_function('pf', function(keys) redis.call('set', keys[1], 1) return redis.call('incr', keys[1]) end)\"",
        "FCALL pf 1 fk",
        "FUNCTION DELETE plib",
    ]);
}

#[test]
fn geo_commands_propagate_as_redis_does() {
    let mut p = Pair::new(1);
    p.run(&[
        "GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania",
        "GEOADD g NX CH 13.361389 38.115556 Palermo 2 2 x",
        "GEOADD g XX 1 1 nope",
        "GEOADD g 200 1 bad",
        "GEORADIUS g 15 37 200 km STORE d",
        "GEORADIUS g 15 37 200 km STOREDIST d ASC COUNT 1",
        "GEORADIUSBYMEMBER g Palermo 10 km STORE d2",
        "GEOSEARCHSTORE d3 g FROMLONLAT 15 37 BYBOX 400 400 km STOREDIST",
        "GEOSEARCHSTORE d3 g FROMLONLAT 50 50 BYRADIUS 1 m",
        "GEOSEARCHSTORE d3 g FROMLONLAT 50 50 BYRADIUS 1 m",
        "GEORADIUS nokey 1 1 1 m STORE d",
        "GEOSEARCH g FROMMEMBER Palermo BYRADIUS 10 km",
        "GEORADIUS_RO g 15 37 200 km",
    ]);
}

#[test]
fn hyperloglog_commands_propagate_as_redis_does() {
    // PFADD when a register changed; PFCOUNT of one key when it refreshed the cached
    // cardinality (flagged may-replicate); PFMERGE always; PFDEBUG TODENSE/GETREG when
    // they converted.
    let mut p = Pair::new(1);
    p.run(&[
        "PFADD h a b c",
        "PFADD h a",
        "PFADD h",
        "PFADD h2",
        "PFCOUNT h",
        "PFCOUNT h",
        "PFCOUNT h h2",
        "PFCOUNT nokey",
        "PFMERGE h3 h h2",
        "PFMERGE h3",
        "PFDEBUG TODENSE h",
        "PFDEBUG TODENSE h",
        "PFDEBUG ENCODING h2",
        "SET s foo",
        "PFADD s x",
        "SET k v",
    ]);
}
