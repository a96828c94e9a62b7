//! The propagation hook's test consumer: a replica engine that applies what the master
//! propagates (each operation in its database) must end with the same data, under a
//! random workload over every type, with random picks (SPOP), relative expiries, lazy
//! and active expiry, blocked clients served later, MULTI/EXEC and database moves.

use crate::client::{ClientHandle, ConnInfo};
use crate::engine::{Engine, EngineOptions};
use crate::propagate::Op;
use crate::reply::Reply;
use crate::rng::Rng;
use crate::testkit::T0_US;

/// A master, its replica (a different seed, so random picks differ unless propagated as
/// effects) and the replica's link client.
struct Pair {
    master: Engine,
    clients: Vec<ClientHandle>,
    replica: Engine,
    link: ClientHandle,
    link_db: usize,
    now_us: u64,
    applied: Vec<Op>,
}

impl Pair {
    fn new() -> Pair {
        let mut master = Engine::new(EngineOptions { seed: 1, now_us: T0_US, ..Default::default() });
        master.set_propagation(true);
        let clients = (0..3).map(|_| master.connect(ConnInfo::default()).unwrap()).collect();
        let mut replica = Engine::new(EngineOptions { seed: 99, now_us: T0_US, ..Default::default() });
        let link = replica.connect(ConnInfo::default()).unwrap();
        Pair { master, clients, replica, link, link_db: 0, now_us: T0_US, applied: Vec::new() }
    }

    fn run(&mut self, client: usize, argv: &[&[u8]]) -> Reply {
        let r = self.master.execute(self.clients[client], argv);
        if std::env::var_os("CINDER_REPLICA_EVERY").is_some() {
            let line: Vec<String> = argv.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect();
            eprintln!("{client}: {} -> {r:?}", line.join(" "));
        }
        self.master.take_wakeups();
        self.master.take_pushes();
        self.apply();
        r
    }

    /// Applies what the master propagated, as a replica link does (SELECT when the
    /// database changes).
    fn apply(&mut self) {
        self.replica.set_time_us(self.now_us);
        for op in self.master.take_propagated() {
            if op.db != self.link_db {
                let db = op.db.to_string();
                // Inside a unit's MULTI the SELECT is queued, as on a Redis replica.
                let r = self.replica.execute(self.link, &[b"SELECT", db.as_bytes()]);
                assert!(r == Reply::ok() || r == Reply::Simple("QUEUED".into()), "{r:?}");
                self.link_db = op.db;
            }
            let argv: Vec<&[u8]> = op.argv.iter().map(|a| a.as_slice()).collect();
            let r = self.replica.execute(self.link, &argv);
            assert!(!r.is_error(), "replica refused {:?}: {:?}", show(&op.argv), r);
            self.applied.push(op);
        }
    }

    fn advance_ms(&mut self, ms: u64, tick: bool) {
        self.now_us += ms * 1000;
        if tick {
            self.master.tick(self.now_us);
        } else {
            self.master.set_time_us(self.now_us);
        }
        self.master.take_wakeups();
        self.apply();
    }
}

fn show(argv: &[Vec<u8>]) -> String {
    argv.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect::<Vec<_>>().join(" ")
}

/// Every database's keys with their type, value and TTL, as text (reading expires keys
/// lazily on both sides alike).
fn dump(eng: &mut Engine, c: ClientHandle) -> String {
    let mut out = String::new();
    let text = |r: Reply| String::from_utf8_lossy(&r.to_resp(2)).into_owned();
    for db in 0..16 {
        let dbs = db.to_string();
        eng.execute(c, &[b"SELECT", dbs.as_bytes()]);
        let Reply::Array(keys) = eng.execute(c, &[b"KEYS", b"*"]) else { panic!("KEYS") };
        let mut keys: Vec<Vec<u8>> = keys
            .into_iter()
            .map(|k| match k {
                Reply::Bulk(b) => b,
                other => panic!("{other:?}"),
            })
            .collect();
        keys.sort();
        for k in keys {
            let ty = text(eng.execute(c, &[b"TYPE", &k]));
            let value = match ty.as_str() {
                "+string\r\n" => vec![text(eng.execute(c, &[b"GET", &k]))],
                "+list\r\n" => vec![text(eng.execute(c, &[b"LRANGE", &k, b"0", b"-1"]))],
                "+zset\r\n" => vec![text(eng.execute(c, &[b"ZRANGE", &k, b"0", b"-1", b"WITHSCORES"]))],
                "+stream\r\n" => stream_state(eng, c, &k),
                "+hash\r\n" => match eng.execute(c, &[b"HGETALL", &k]) {
                    Reply::Map(pairs) => sorted(pairs.iter().map(|(f, v)| format!("{f:?}={v:?}")).collect()),
                    other => panic!("{other:?}"),
                },
                "+set\r\n" => match eng.execute(c, &[b"SMEMBERS", &k]) {
                    Reply::Set(items) | Reply::Array(items) => sorted(items.iter().map(|m| format!("{m:?}")).collect()),
                    other => panic!("{other:?}"),
                },
                other => vec![other.to_string()],
            };
            let ttl = text(eng.execute(c, &[b"PEXPIRETIME", &k]));
            out.push_str(&format!("{db} {} {ty:?} {value:?} {ttl:?}\n", String::from_utf8_lossy(&k)));
        }
    }
    out
}

/// A stream's entries, its last ID and, per group, what a replica can rebuild: name,
/// pending count, last delivered ID, the consumers with pending entries and the pending
/// entries (owner, idle time, delivery count). Left out, as Redis 7.0.15 does not
/// replicate them: the groups' `entries-read` and `lag` (a delivery goes out as `XCLAIM
/// ... LASTID`, which moves a replica's last delivered ID without its read counter),
/// and the count of consumers (a consumer with nothing pending can exist on the master
/// only: XREADGROUP creates it unpropagated when a history read, or a blocked read served
/// after SWAPDB or a trimming XADD, delivers nothing).
fn stream_state(eng: &mut Engine, c: ClientHandle, k: &[u8]) -> Vec<String> {
    let text = |r: Reply| String::from_utf8_lossy(&r.to_resp(2)).into_owned();
    let mut out = vec![text(eng.execute(c, &[b"XRANGE", k, b"-", b"+"]))];
    if let Reply::Map(info) = eng.execute(c, &[b"XINFO", b"STREAM", k]) {
        for (f, v) in info {
            if matches!(&f, Reply::Bulk(b) if b.as_slice() == b"last-generated-id" || b.as_slice() == b"length") {
                out.push(format!("{f:?}={v:?}"));
            }
        }
    }
    let Reply::Array(groups) = eng.execute(c, &[b"XINFO", b"GROUPS", k]) else { panic!("XINFO GROUPS") };
    for g in groups {
        let Reply::Map(fields) = g else { panic!("{g:?}") };
        let mut name = Vec::new();
        for (f, v) in fields {
            let Reply::Bulk(f) = f else { continue };
            if f.as_slice() == b"name" {
                if let Reply::Bulk(n) = &v {
                    name = n.clone();
                }
            }
            if !matches!(f.as_slice(), b"entries-read" | b"lag" | b"consumers") {
                out.push(format!("{}={v:?}", String::from_utf8_lossy(&f)));
            }
        }
        out.push(text(eng.execute(c, &[b"XPENDING", k, &name])));
        out.push(text(eng.execute(c, &[b"XPENDING", k, &name, b"-", b"+", b"1000"])));
    }
    out
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn assert_same(p: &mut Pair, step: usize) {
    let c = p.clients[2];
    let m = dump(&mut p.master, c);
    p.apply();
    let r = dump(&mut p.replica, p.link);
    p.link_db = 15;
    assert_eq!(m, r, "replica differs after step {step}");
}

/// A random command over a few keys of every type.
fn random_command(rng: &mut Rng) -> Vec<Vec<u8>> {
    let key = |rng: &mut Rng, prefix: &str| format!("{prefix}{}", rng.below(3));
    let n = |rng: &mut Rng, m: u64| rng.below(m).to_string();
    let words: Vec<String> = match rng.below(48) {
        0 => vec!["SET".into(), key(rng, "s"), n(rng, 100)],
        1 => vec!["SET".into(), key(rng, "s"), n(rng, 100), "EX".into(), (1 + rng.below(3)).to_string()],
        2 => vec!["INCRBY".into(), key(rng, "s"), n(rng, 10)],
        3 => vec!["INCRBYFLOAT".into(), key(rng, "s"), "1.5".into()],
        4 => vec!["APPEND".into(), key(rng, "s"), "x".into()],
        5 => {
            let prefix = if rng.below(2) == 0 { "s" } else { "l" };
            vec!["EXPIRE".into(), key(rng, prefix), n(rng, 4)]
        }
        6 => vec!["PEXPIRE".into(), key(rng, "h"), (500 + rng.below(3000)).to_string()],
        7 => vec!["PERSIST".into(), key(rng, "s")],
        8 => vec!["DEL".into(), key(rng, "s"), key(rng, "l")],
        9 => vec!["RPUSH".into(), key(rng, "l"), n(rng, 100), n(rng, 100)],
        10 => vec!["LPOP".into(), key(rng, "l")],
        11 => vec!["LMOVE".into(), key(rng, "l"), key(rng, "l"), "LEFT".into(), "RIGHT".into()],
        12 => vec!["HSET".into(), key(rng, "h"), n(rng, 5), n(rng, 100)],
        13 => vec!["HDEL".into(), key(rng, "h"), n(rng, 5)],
        14 => vec!["HINCRBYFLOAT".into(), key(rng, "h"), n(rng, 5), "0.25".into()],
        15 => vec!["SADD".into(), key(rng, "t"), n(rng, 20), n(rng, 20), "a".into()],
        16 => vec!["SPOP".into(), key(rng, "t")],
        17 => vec!["SPOP".into(), key(rng, "t"), n(rng, 4)],
        18 => vec!["SMOVE".into(), key(rng, "t"), key(rng, "t"), n(rng, 20)],
        19 => vec!["ZADD".into(), key(rng, "z"), n(rng, 50), n(rng, 10)],
        20 => vec!["ZPOPMIN".into(), key(rng, "z")],
        21 => vec!["ZINCRBY".into(), key(rng, "z"), "2".into(), n(rng, 10)],
        22 => vec!["XADD".into(), key(rng, "x"), "*".into(), "f".into(), n(rng, 9)],
        23 => vec!["XTRIM".into(), key(rng, "x"), "MAXLEN".into(), n(rng, 4)],
        24 => vec!["RENAME".into(), key(rng, "s"), key(rng, "s")],
        25 => vec!["COPY".into(), key(rng, "l"), key(rng, "l"), "DB".into(), n(rng, 2), "REPLACE".into()],
        26 => vec!["MOVE".into(), key(rng, "h"), n(rng, 2)],
        27 => vec!["SELECT".into(), n(rng, 2)],
        28 => vec!["SWAPDB".into(), "0".into(), "1".into()],
        29 => vec!["GET".into(), key(rng, "s")],
        30 => vec!["SUNIONSTORE".into(), key(rng, "t"), key(rng, "t"), key(rng, "t")],
        31 => vec!["ZUNIONSTORE".into(), key(rng, "z"), "2".into(), key(rng, "z"), key(rng, "z")],
        32 => vec!["GETEX".into(), key(rng, "s"), "PX".into(), (100 + rng.below(2000)).to_string()],
        34 => vec!["GETEX".into(), key(rng, "s"), "EX".into(), (1 + rng.below(3)).to_string()],
        35 => vec!["GETEX".into(), key(rng, "s"), "PERSIST".into()],
        36 => vec!["GETDEL".into(), key(rng, "s")],
        37 => {
            vec!["SET".into(), key(rng, "s"), n(rng, 100), "PX".into(), (1 + rng.below(2000)).to_string(), "GET".into()]
        }
        38 => vec!["SETEX".into(), key(rng, "s"), (1 + rng.below(3)).to_string(), n(rng, 100)],
        39 => vec![
            "XADD".into(),
            key(rng, "x"),
            "MAXLEN".into(),
            "~".into(),
            n(rng, 6),
            "*".into(),
            "f".into(),
            n(rng, 9),
        ],
        40 => vec!["XGROUP".into(), "CREATE".into(), key(rng, "x"), "g".into(), "0".into(), "MKSTREAM".into()],
        41 => {
            let c = format!("c{}", rng.below(3));
            vec!["XREADGROUP".into(), "GROUP".into(), "g".into(), c, "COUNT".into(), (1 + rng.below(3)).to_string()]
                .into_iter()
                .chain(["STREAMS".into(), key(rng, "x"), ">".into()])
                .collect()
        }
        42 => vec![
            "XREADGROUP".into(),
            "GROUP".into(),
            "g".into(),
            "n".into(),
            "NOACK".into(),
            "COUNT".into(),
            "1".into(),
            "STREAMS".into(),
            key(rng, "x"),
            ">".into(),
        ],
        43 => vec![
            "XAUTOCLAIM".into(),
            key(rng, "x"),
            "g".into(),
            format!("c{}", rng.below(3)),
            "0".into(),
            "0".into(),
            "COUNT".into(),
            (1 + rng.below(3)).to_string(),
        ],
        44 => vec!["XGROUP".into(), "DELCONSUMER".into(), key(rng, "x"), "g".into(), format!("c{}", rng.below(3))],
        45 => vec!["XGROUP".into(), "SETID".into(), key(rng, "x"), "g".into(), "0".into()],
        46 if rng.below(4) == 0 => vec!["FLUSHDB".into()],
        46 => vec!["XACK".into(), key(rng, "x"), "g".into(), "0-1".into()],
        33 => vec!["SETRANGE".into(), key(rng, "s"), n(rng, 4), "yz".into()],
        _ => vec!["INCRBYFLOAT".into(), key(rng, "s"), "-0.5".into()],
    };
    words.into_iter().map(String::into_bytes).collect()
}

/// Claims, acknowledgements and deletions of pending stream entries, on IDs the master
/// reports (XPENDING, XRANGE: reads, not propagated).
fn stream_claims(p: &mut Pair, rng: &mut Rng) {
    let key = format!("x{}", rng.below(3));
    let k = key.as_bytes();
    let ids = |r: Reply| -> Vec<Vec<u8>> {
        match r {
            Reply::Array(items) => items
                .into_iter()
                .filter_map(|e| match e {
                    Reply::Array(mut f) if !f.is_empty() => match f.swap_remove(0) {
                        Reply::Bulk(id) => Some(id),
                        _ => None,
                    },
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    };
    let pending = ids(p.master.execute(p.clients[0], &[b"XPENDING", k, b"g", b"-", b"+", b"10"]));
    let entries = ids(p.master.execute(p.clients[0], &[b"XRANGE", k, b"-", b"+", b"COUNT", b"10"]));
    let pick = |rng: &mut Rng, v: &[Vec<u8>]| v.get(rng.below(v.len().max(1) as u64) as usize).cloned();
    let id = match rng.below(2) {
        0 => pick(rng, &pending),
        _ => pick(rng, &entries),
    }
    .unwrap_or_else(|| b"0-1".to_vec());
    let consumer = format!("c{}", rng.below(3));
    let c = consumer.as_bytes();
    match rng.below(7) {
        0 => p.run(0, &[b"XCLAIM", k, b"g", c, b"0", &id]),
        1 => p.run(0, &[b"XCLAIM", k, b"g", c, b"0", &id, b"FORCE", b"RETRYCOUNT", b"5"]),
        2 => p.run(0, &[b"XCLAIM", k, b"g", c, b"0", &id, b"JUSTID", b"LASTID", &id]),
        3 => p.run(0, &[b"XCLAIM", k, b"g", c, b"1000", &id, b"IDLE", b"500"]),
        4 => p.run(0, &[b"XACK", k, b"g", &id]),
        // A pending entry whose stream entry goes: the next claim drops it.
        5 => p.run(0, &[b"XDEL", k, &id]),
        _ => p.run(0, &[b"XGROUP", b"CREATECONSUMER", k, b"g", c]),
    };
}

#[test]
fn a_replica_applying_the_propagated_stream_has_the_same_data() {
    // Words seen in propagated operations, over all seeds (the workload reaches every rule).
    let mut seen = std::collections::HashSet::new();
    for seed in 1..=12u64 {
        let mut p = Pair::new();
        let mut rng = Rng::new(seed);
        for step in 0..1000 {
            match rng.below(20) {
                0 => p.advance_ms(rng.below(1500), rng.below(2) == 0),
                1 => {
                    // A client blocks; another one serves it later.
                    let key = format!("l{}", rng.below(3));
                    let kinds = [&b"BLPOP"[..], b"BRPOP", b"BLMOVE", b"BZPOPMIN", b"BLMPOP", b"XREADGROUP", b"NOACK"];
                    let kind: &[u8] = kinds[rng.below(kinds.len() as u64) as usize];
                    let argv: Vec<&[u8]> = match kind {
                        b"BLMOVE" => vec![kind, key.as_bytes(), b"l9", b"RIGHT", b"LEFT", b"0"],
                        b"BZPOPMIN" => vec![kind, b"z0", b"0"],
                        b"BLMPOP" => vec![kind, b"0", b"1", key.as_bytes(), b"RIGHT", b"COUNT", b"2"],
                        // Served by a later XADD: XCLAIMs (or, with NOACK, the consumer's
                        // creation and XGROUP SETID).
                        b"XREADGROUP" => {
                            vec![kind, b"GROUP", b"g", b"c1", b"COUNT", b"2", b"BLOCK", b"0", b"STREAMS", b"x0", b">"]
                        }
                        b"NOACK" => {
                            vec![b"XREADGROUP", b"GROUP", b"g", b"b", b"NOACK", b"BLOCK", b"0", b"STREAMS", b"x1", b">"]
                        }
                        _ => vec![kind, key.as_bytes(), b"0"],
                    };
                    let c = p.clients[1];
                    if !p.master.is_blocked(c) {
                        p.run(1, &argv);
                    }
                }
                3 => stream_claims(&mut p, &mut rng),
                4 => {
                    // Absolute times.
                    let key = format!("s{}", rng.below(3));
                    let s = (p.now_us / 1_000_000 + rng.below(4)).to_string();
                    let ms = (p.now_us / 1000 + rng.below(3000)).to_string();
                    match rng.below(4) {
                        0 => p.run(0, &[b"SET", key.as_bytes(), b"v", b"EXAT", s.as_bytes()]),
                        1 => p.run(0, &[b"SET", key.as_bytes(), b"v", b"PXAT", ms.as_bytes(), b"GET"]),
                        2 => p.run(0, &[b"GETEX", key.as_bytes(), b"EXAT", s.as_bytes()]),
                        _ => p.run(0, &[b"EXPIREAT", key.as_bytes(), s.as_bytes(), b"GT"]),
                    };
                }
                2 => {
                    p.run(0, &[b"MULTI"]);
                    for _ in 0..1 + rng.below(3) {
                        let cmd = random_command(&mut rng);
                        let argv: Vec<&[u8]> = cmd.iter().map(|a| a.as_slice()).collect();
                        p.run(0, &argv);
                    }
                    p.run(0, &[b"EXEC"]);
                }
                _ => {
                    let cmd = random_command(&mut rng);
                    let argv: Vec<&[u8]> = cmd.iter().map(|a| a.as_slice()).collect();
                    p.run(0, &argv);
                }
            }
            if step % 50 == 49 || std::env::var_os("CINDER_REPLICA_EVERY").is_some() {
                assert_same(&mut p, step);
            }
        }
        assert_same(&mut p, 1000);
        assert!(p.applied.len() > 100, "seed {seed}: only {} operations propagated", p.applied.len());
        if std::env::var_os("CINDER_REPLICA_SHOW").is_some() {
            let mut names = std::collections::BTreeMap::new();
            for o in &p.applied {
                *names.entry(String::from_utf8_lossy(&o.argv[0]).into_owned()).or_insert(0) += 1;
            }
            eprintln!("seed {seed}: {names:?}");
        }
        for op in &p.applied {
            for word in &op.argv {
                seen.insert(word.clone());
            }
        }
    }
    for word in [
        "XCLAIM",
        "SETID",
        "CREATECONSUMER",
        "PXAT",
        "PEXPIREAT",
        "PERSIST",
        "LPOP",
        "RPOP",
        "ZPOPMIN",
        "SREM",
        "KEEPTTL",
        "FLUSHDB",
        "=",
    ] {
        assert!(seen.contains(word.as_bytes()), "no {word} propagated");
    }
}

#[test]
fn effects_not_requests_are_propagated() {
    let mut p = Pair::new();
    let ops = |p: &mut Pair| -> Vec<String> { std::mem::take(&mut p.applied).iter().map(|o| show(&o.argv)).collect() };
    p.run(0, &[b"SADD", b"s", b"a"]);
    p.run(0, &[b"SPOP", b"s"]);
    p.run(0, &[b"SET", b"k", b"v"]);
    p.run(0, &[b"EXPIRE", b"k", b"10"]);
    p.run(0, &[b"GET", b"k"]);
    p.run(0, &[b"EXPIRE", b"missing", b"10"]);
    let at = (T0_US / 1000 + 10_000).to_string();
    assert_eq!(
        ops(&mut p),
        vec!["SADD s a".to_string(), "SREM s a".into(), "SET k v".into(), format!("PEXPIREAT k {at}")]
    );
    // Lazy expiry propagates a DEL in the unit of the command that found the key
    // expired, ahead of its effect (Redis 7.0.15 wraps the two in MULTI/EXEC); alone, it
    // is not wrapped.
    p.advance_ms(10_001, false);
    p.run(0, &[b"SET", b"k", b"again"]);
    assert_eq!(ops(&mut p), vec!["MULTI", "DEL k", "SET k again", "EXEC"]);
    p.run(0, &[b"SET", b"k2", b"v", b"PX", b"5"]);
    p.advance_ms(6, false);
    p.run(0, &[b"GET", b"k2"]);
    let at = (T0_US / 1000 + 10_001 + 5).to_string();
    assert_eq!(ops(&mut p), vec![format!("SET k2 v PXAT {at}"), "DEL k2".into()]);
    // A transaction with two writes is wrapped; a served BLPOP replays as LPOP.
    p.run(0, &[b"MULTI"]);
    p.run(0, &[b"INCR", b"n"]);
    p.run(0, &[b"GET", b"n"]);
    p.run(0, &[b"INCR", b"n"]);
    p.run(0, &[b"EXEC"]);
    assert_eq!(ops(&mut p), vec!["MULTI", "INCR n", "INCR n", "EXEC"]);
    assert_eq!(p.run(1, &[b"BLPOP", b"q", b"0"]), Reply::Blocked);
    p.run(0, &[b"RPUSH", b"q", b"x"]);
    assert_eq!(ops(&mut p), vec!["RPUSH q x", "LPOP q"]);
    // Another database is named with each operation.
    p.run(0, &[b"SELECT", b"3"]);
    p.run(0, &[b"SET", b"k3", b"v"]);
    assert_eq!(p.applied.last().map(|o| o.db), Some(3));
}
