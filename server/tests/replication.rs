//! Replication end to end against Debian's redis-server 7.0.15 (skipped when
//! `/usr/bin/redis-server` is missing): a Redis replica of `cinder-server` and a
//! `cinder-server` replica of Redis under a random write load over every type (TTLs,
//! scripts, transactions, several databases), compared key by key (typed reads and TTL);
//! restarts with partial and full resynchronization; WAIT; `redis-cli --rdb`; a link that
//! drops mid-RDB, a corrupt stream and a vanished master.
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::*;

/// Waits until `f` holds (polling), or panics with `what`.
fn wait_until(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A small deterministic generator.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// `n` random writes over every type, in databases 0..4, with TTLs (some that pass
/// during the test), scripts and transactions.
fn workload(c: &mut Conn, seed: u64, n: usize) {
    let mut g = Lcg(seed);
    for i in 0..n {
        let db = g.next(4).to_string();
        c.cmd(&["SELECT", &db]);
        let k = format!("k{}", g.next(60));
        let v = format!("v{}", g.next(1000));
        let num = g.next(100).to_string();
        match g.next(24) {
            0 => c.cmd(&["SET", &k, &v]),
            1 => c.cmd(&["SET", &k, &v, "EX", "1000"]),
            2 => c.cmd(&["SET", &k, &v, "PX", "150"]),
            3 => c.cmd(&["INCRBY", &format!("n{}", g.next(10)), &num]),
            4 => c.cmd(&["APPEND", &k, &v]),
            5 => c.cmd(&["RPUSH", &format!("l{}", g.next(10)), &v, &num]),
            6 => c.cmd(&["LPOP", &format!("l{}", g.next(10))]),
            7 => c.cmd(&["SADD", &format!("s{}", g.next(10)), &v, &num]),
            8 => c.cmd(&["SREM", &format!("s{}", g.next(10)), &v]),
            9 => c.cmd(&["HSET", &format!("h{}", g.next(10)), &num, &v]),
            10 => c.cmd(&["HDEL", &format!("h{}", g.next(10)), &num]),
            11 => c.cmd(&["ZADD", &format!("z{}", g.next(10)), &num, &v]),
            12 => c.cmd(&["ZINCRBY", &format!("z{}", g.next(10)), "1.5", &v]),
            13 => c.cmd(&["XADD", &format!("x{}", g.next(5)), "*", "f", &v]),
            14 => c.cmd(&["XTRIM", &format!("x{}", g.next(5)), "MAXLEN", "5"]),
            15 => c.cmd(&["EXPIRE", &k, "500"]),
            16 => c.cmd(&["PERSIST", &k]),
            17 => c.cmd(&["DEL", &k]),
            18 => c.cmd(&[
                "EVAL",
                "redis.call('set', KEYS[1], ARGV[1]) return redis.call('incr', KEYS[2])",
                "2",
                &k,
                &format!("n{}", g.next(10)),
                &v,
            ]),
            19 => {
                c.cmd(&["MULTI"]);
                c.cmd(&["SET", &k, &v]);
                c.cmd(&["LPUSH", &format!("l{}", g.next(10)), &v]);
                c.cmd(&["EXEC"])
            }
            20 => c.cmd(&["SETBIT", &format!("b{}", g.next(5)), &g.next(200).to_string(), "1"]),
            21 => c.cmd(&["PFADD", &format!("p{}", g.next(3)), &v]),
            22 => c.cmd(&["GETEX", &k, "PX", &(100 + g.next(100000)).to_string()]),
            _ => c.cmd(&["SPOP", &format!("s{}", g.next(10))]),
        };
        if i % 500 == 0 {
            c.cmd(&["PING"]);
        }
    }
    c.cmd(&["SELECT", "0"]);
}

/// Every key of databases 0..4 with a typed reading of its value and its absolute expiry
/// (PEXPIRETIME, -1 for none). Keys that expire before `cutoff_ms` are left out: they may
/// expire between the two readings (their expiry is the same absolute time on both
/// sides, so both leave them out).
fn dataset(c: &mut Conn, cutoff_ms: i64) -> Vec<(String, String, i64)> {
    let mut out = Vec::new();
    for db in 0..4 {
        c.cmd(&["SELECT", &db.to_string()]);
        let V::A(keys) = c.cmd(&["KEYS", "*"]) else { panic!("KEYS") };
        let mut keys: Vec<String> = keys.iter().map(|k| k.text()).collect();
        keys.sort();
        for k in keys {
            let at = match c.cmd(&["PEXPIRETIME", &k]) {
                V::I(at) => at,
                v => panic!("PEXPIRETIME {v:?}"),
            };
            if at == -2 || (at >= 0 && at < cutoff_ms) {
                continue;
            }
            let ty = c.t(&["TYPE", &k]);
            let val = match ty.as_str() {
                "string" => c.t(&["GET", &k]),
                "list" => c.t(&["LRANGE", &k, "0", "-1"]),
                "set" => {
                    let V::A(m) = c.cmd(&["SMEMBERS", &k]) else { panic!() };
                    let mut m: Vec<String> = m.iter().map(|x| x.text()).collect();
                    m.sort();
                    m.join(",")
                }
                "hash" => {
                    let V::A(m) = c.cmd(&["HGETALL", &k]) else { panic!() };
                    let mut pairs: Vec<String> =
                        m.chunks(2).map(|p| format!("{}={}", p[0].text(), p[1].text())).collect();
                    pairs.sort();
                    pairs.join(",")
                }
                "zset" => c.t(&["ZRANGE", &k, "0", "-1", "WITHSCORES"]),
                "stream" => c.t(&["XRANGE", &k, "-", "+"]),
                other => other.to_string(),
            };
            out.push((format!("{db}:{k}"), format!("{ty}:{val}"), at));
        }
    }
    c.cmd(&["SELECT", "0"]);
    out
}

/// Now plus a minute, in ms, by `c`'s clock.
fn cutoff(c: &mut Conn) -> i64 {
    let V::A(t) = c.cmd(&["TIME"]) else { panic!("TIME") };
    let s: i64 = t[0].text().parse().unwrap();
    let us: i64 = t[1].text().parse().unwrap();
    s * 1000 + us / 1000 + 60_000
}

/// Asserts the two datasets are equal: keys, typed values, absolute expiry times.
fn assert_same(master: &mut Conn, replica: &mut Conn) {
    let cut = cutoff(master);
    let (a, b) = (dataset(master, cut), dataset(replica, cut));
    let keys_a: Vec<&String> = a.iter().map(|x| &x.0).collect();
    let keys_b: Vec<&String> = b.iter().map(|x| &x.0).collect();
    assert_eq!(keys_a, keys_b, "key sets differ");
    for (x, y) in a.iter().zip(b.iter()) {
        assert_eq!(x.1, y.1, "value of {}", x.0);
        assert_eq!(x.2, y.2, "expiry time of {}", x.0);
    }
    assert!(a.len() > 50, "too few keys: {}", a.len());
}

/// Waits until the master's replicas acknowledged everything (WAIT) and the replica's
/// offset reached the master's.
fn settle(master: &mut Conn, replica: &mut Conn) {
    // Keys with short TTLs expire on the master and reach the replica as DELs.
    std::thread::sleep(Duration::from_millis(400));
    for db in 0..4 {
        master.cmd(&["SELECT", &db.to_string()]);
        let V::A(keys) = master.cmd(&["KEYS", "*"]) else { panic!() };
        for k in keys {
            master.cmd(&["EXISTS", &k.text()]);
        }
    }
    master.cmd(&["SELECT", "0"]);
    wait_until("replica offset", 30, || {
        let m = info_field(master, "replication", "master_repl_offset");
        let r = info_field(replica, "replication", "slave_repl_offset");
        m == r
    });
}

#[test]
fn redis_replica_of_cinder_full_then_partial_resync() {
    if !have_redis() {
        return;
    }
    for diskless in ["no", "yes"] {
        redis_replica_of_cinder(diskless);
    }
}

fn redis_replica_of_cinder(diskless: &str) {
    let dir = temp_dir("repl", "master");
    let rdir = temp_dir("repl", "replica");
    let master = Srv::start(&dir, &["--save", "", "--repl-diskless-sync", diskless, "--repl-diskless-sync-delay", "0"]);
    let mut m = master.conn();
    workload(&mut m, 1, 3000);
    let port = master.port.to_string();
    let replica = Srv::redis(&rdir, &["--save", "", "--replicaof", "127.0.0.1", &port]);
    let mut r = replica.conn();
    // Writes while the replica synchronizes.
    workload(&mut m, 2, 2000);
    wait_until("link up", 30, || info_field(&mut r, "replication", "master_link_status") == "up");
    workload(&mut m, 3, 1000);
    assert_eq!(m.t(&["WAIT", "1", "5000"]), "1");
    settle(&mut m, &mut r);
    assert_same(&mut m, &mut r);
    assert_eq!(r.t(&["SET", "x", "1"]), "READONLY You can't write against a read only replica.");
    assert_eq!(info_field(&mut m, "stats", "sync_full"), "1");
    assert!(m.t(&["ROLE"]).starts_with("master,"));
    // Restart the replica: it keeps the replication id and offset in its RDB and
    // continues from the backlog.
    replica.shutdown(&["SAVE"]);
    workload(&mut m, 4, 1000);
    let replica = Srv::redis(&rdir, &["--save", "", "--replicaof", "127.0.0.1", &port]);
    let mut r = replica.conn();
    wait_until("link up again", 30, || info_field(&mut r, "replication", "master_link_status") == "up");
    assert_eq!(info_field(&mut m, "stats", "sync_partial_ok"), "1");
    assert_eq!(info_field(&mut m, "stats", "sync_full"), "1");
    workload(&mut m, 5, 500);
    settle(&mut m, &mut r);
    assert_same(&mut m, &mut r);
    assert!(replica.log().contains("Successful partial resynchronization with master."));
}

#[test]
fn cinder_replica_of_redis_and_master_restart() {
    if !have_redis() {
        return;
    }
    let dir = temp_dir("repl", "rmaster");
    let rdir = temp_dir("repl", "creplica");
    for diskless in ["no", "yes"] {
        let master =
            Srv::redis(&dir, &["--save", "", "--repl-diskless-sync", diskless, "--repl-diskless-sync-delay", "0"]);
        let mut m = master.conn();
        workload(&mut m, 10, 3000);
        let port = master.port.to_string();
        let replica = Srv::start(&rdir, &["--save", "", "--replicaof", "127.0.0.1", &port]);
        let mut r = replica.conn();
        workload(&mut m, 11, 1000);
        wait_until("link up", 30, || info_field(&mut r, "replication", "master_link_status") == "up");
        workload(&mut m, 12, 1000);
        assert_eq!(m.t(&["WAIT", "1", "5000"]), "1");
        settle(&mut m, &mut r);
        assert_same(&mut m, &mut r);
        assert!(r.t(&["ROLE"]).starts_with("slave,127.0.0.1,"));
        assert_eq!(r.t(&["SET", "x", "1"]), "READONLY You can't write against a read only replica.");
        // The replica restarts from its own RDB (with the replication id and offset) and
        // continues from the master's backlog.
        let rport = replica.port;
        replica.shutdown(&["SAVE"]);
        workload(&mut m, 14, 500);
        let replica = Srv::try_start_on(
            env!("CARGO_BIN_EXE_cinder-server"),
            &rdir,
            rport,
            &["--save", "", "--replicaof", "127.0.0.1", &port],
        )
        .unwrap();
        let mut r = replica.conn();
        wait_until("link up after replica restart", 30, || {
            info_field(&mut r, "replication", "master_link_status") == "up"
        });
        assert_eq!(info_field(&mut m, "stats", "sync_partial_ok"), "1");
        settle(&mut m, &mut r);
        assert_same(&mut m, &mut r);
        // The master restarts empty with a new id: a full resync replaces the data.
        let mport = master.port;
        master.kill9();
        wait_until("link down", 30, || info_field(&mut r, "replication", "master_link_status") == "down");
        assert_ne!(info_field(&mut r, "replication", "master_link_down_since_seconds"), "");
        let master = Srv::try_start_on(REDIS, &dir, mport, &["--save", ""]).unwrap();
        let mut m = master.conn();
        workload(&mut m, 13, 1500);
        wait_until("link up after restart", 30, || info_field(&mut r, "replication", "master_link_status") == "up");
        settle(&mut m, &mut r);
        assert_same(&mut m, &mut r);
        assert_eq!(
            info_field(&mut r, "replication", "master_replid"),
            info_field(&mut m, "replication", "master_replid")
        );
        assert!(replica.log().contains("Full resync from master"));
        assert_eq!(info_field(&mut m, "stats", "sync_full"), "1");
        replica.shutdown(&["NOSAVE"]);
        let _ = std::fs::remove_file(rdir.join("dump.rdb"));
        master.shutdown(&["NOSAVE"]);
    }
}

#[test]
fn wait_and_redis_cli_rdb() {
    if !have_redis() {
        return;
    }
    let dir = temp_dir("repl", "tools");
    let master = Srv::start(&dir, &["--save", ""]);
    let mut m = master.conn();
    assert_eq!(m.t(&["WAIT", "0", "0"]), "0");
    assert_eq!(m.t(&["WAIT", "1", "100"]), "0");
    workload(&mut m, 20, 2000);
    let out = dir.join("dump-cli.rdb");
    let st = Command::new("redis-cli")
        .args(["-p", &master.port.to_string(), "--rdb"])
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success());
    let st = Command::new("redis-check-rdb").arg(&out).stdout(Stdio::null()).status().unwrap();
    assert!(st.success(), "redis-check-rdb refused the file");
    // The file loads into a server with the same data.
    let rdir = temp_dir("repl", "tools-load");
    std::fs::copy(&out, rdir.join("dump.rdb")).unwrap();
    let loaded = Srv::redis(&rdir, &["--save", ""]);
    let mut l = loaded.conn();
    let cut = cutoff(&mut m);
    assert_eq!(dataset(&mut m, cut), dataset(&mut l, cut));
    // Two replicas acknowledge.
    let r1dir = temp_dir("repl", "w1");
    let r2dir = temp_dir("repl", "w2");
    let port = master.port.to_string();
    let r1 = Srv::redis(&r1dir, &["--save", "", "--replicaof", "127.0.0.1", &port]);
    let r2 = Srv::start(&r2dir, &["--save", "", "--replicaof", "127.0.0.1", &port]);
    let (mut c1, mut c2) = (r1.conn(), r2.conn());
    wait_until("links", 30, || {
        info_field(&mut c1, "replication", "master_link_status") == "up"
            && info_field(&mut c2, "replication", "master_link_status") == "up"
    });
    m.cmd(&["SET", "w", "1"]);
    assert_eq!(m.t(&["WAIT", "2", "5000"]), "2");
    assert_eq!(m.t(&["WAIT", "3", "200"]), "2");
    assert_eq!(info_field(&mut m, "replication", "connected_slaves"), "2");
    // The Cinder replica applied the write too.
    assert_eq!(c2.t(&["GET", "w"]), "1");
}

/// A fake master: accepts one connection, answers the handshake, then runs `then`.
fn fake_master(then: impl FnOnce(&mut TcpStream) + Send + 'static) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        let mut r = BufReader::new(s.try_clone().unwrap());
        // PING, REPLCONF x2, PSYNC: four commands.
        let mut seen = 0;
        let mut line = String::new();
        while seen < 4 {
            line.clear();
            if r.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if line.starts_with('*') {
                let n: usize = line[1..].trim().parse().unwrap();
                for _ in 0..n * 2 {
                    line.clear();
                    r.read_line(&mut line).unwrap();
                }
                seen += 1;
                let reply = if seen == 1 { "+PONG\r\n" } else { "+OK\r\n" };
                if seen < 4 {
                    s.write_all(reply.as_bytes()).unwrap();
                }
            }
        }
        then(&mut s);
        std::thread::sleep(Duration::from_millis(300));
    });
    port
}

#[test]
fn bad_links_leave_the_data_and_say_so() {
    let dir = temp_dir("repl", "bad");
    let replica = Srv::start(&dir, &["--save", ""]);
    let mut r = replica.conn();
    r.cmd(&["SET", "keep", "me"]);
    // The link drops in the middle of the RDB.
    let port = fake_master(|s| {
        s.write_all(b"+FULLRESYNC 0123456789012345678901234567890123456789 0\r\n$1000\r\nREDIS0010").unwrap();
    });
    assert_eq!(r.t(&["REPLICAOF", "127.0.0.1", &port.to_string()]), "OK");
    wait_until("mid-RDB drop logged", 20, || replica.log().contains("I/O error trying to sync with MASTER"));
    assert_eq!(info_field(&mut r, "replication", "master_link_status"), "down");
    assert_eq!(r.t(&["GET", "keep"]), "me");
    // A corrupt stream after +CONTINUE.
    let port = fake_master(|s| {
        s.write_all(b"+CONTINUE\r\n*1\r\n$4\r\nPING\r\n*x\r\n").unwrap();
    });
    assert_eq!(r.t(&["REPLICAOF", "127.0.0.1", &port.to_string()]), "OK");
    wait_until("protocol error logged", 20, || replica.log().contains("Protocol error"));
    assert_eq!(r.t(&["GET", "keep"]), "me");
    // A master that vanished: the link stays down, stale data served or refused.
    let gone = free_port();
    assert_eq!(r.t(&["REPLICAOF", "127.0.0.1", &gone.to_string()]), "OK");
    wait_until("connect error logged", 20, || replica.log().contains("Error condition on socket for SYNC"));
    assert_eq!(info_field(&mut r, "replication", "master_link_status"), "down");
    assert_eq!(r.t(&["GET", "keep"]), "me");
    assert_eq!(r.t(&["CONFIG", "SET", "replica-serve-stale-data", "no"]), "OK");
    assert_eq!(
        r.t(&["GET", "keep"]),
        "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."
    );
    assert!(r.t(&["ROLE"]).starts_with("slave,127.0.0.1,"));
    assert_eq!(r.t(&["REPLICAOF", "NO", "ONE"]), "OK");
    assert_eq!(r.t(&["SET", "keep", "again"]), "OK");
}

#[test]
fn failover_target_refusing_psync_aborts_back_to_master() {
    let dir = temp_dir("repl", "forej");
    let cinder = Srv::start(&dir, &["--save", "", "--repl-diskless-sync-delay", "0"]);
    let mut c = cinder.conn();
    c.cmd(&["SET", "k", "v"]);
    // The target: a fake replica that syncs, acknowledges everything, then refuses PSYNC
    // FAILOVER on the port it announced.
    let target = fake_master(|s| s.write_all(b"-ERR no thanks\r\n").unwrap());
    let mut rs = TcpStream::connect(("127.0.0.1", cinder.port)).unwrap();
    let t = target.to_string();
    let cmd = |s: &mut TcpStream, a: &[&str]| {
        let mut b = format!("*{}\r\n", a.len());
        for x in a {
            b.push_str(&format!("${}\r\n{}\r\n", x.len(), x));
        }
        s.write_all(b.as_bytes()).unwrap();
    };
    cmd(&mut rs, &["REPLCONF", "listening-port", &t, "ip-address", "127.0.0.1", "capa", "eof"]);
    cmd(&mut rs, &["PSYNC", "?", "-1"]);
    let mut drain = rs.try_clone().unwrap();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while matches!(std::io::Read::read(&mut drain, &mut buf), Ok(n) if n > 0) {}
    });
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = stop.clone();
    let port = cinder.port;
    let acker = std::thread::spawn(move || {
        let mut q = Conn::new(port).unwrap();
        while !flag.load(std::sync::atomic::Ordering::Relaxed) {
            let off = info_field(&mut q, "replication", "master_repl_offset");
            cmd(&mut rs, &["REPLCONF", "ACK", &off]);
            std::thread::sleep(Duration::from_millis(50));
        }
    });
    wait_until("fake replica online", 30, || info_field(&mut c, "replication", "slave0").contains("state=online"));
    assert_eq!(c.t(&["FAILOVER", "TO", "127.0.0.1", &t]), "OK");
    wait_until("refused and aborted", 30, || cinder.log().contains("FAILOVER aborted"));
    wait_until("master again", 30, || {
        c.t(&["ROLE"]).starts_with("master,")
            && info_field(&mut c, "replication", "master_failover_state") == "no-failover"
    });
    assert_eq!(c.t(&["SET", "k", "w"]), "OK");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    acker.join().unwrap();
}

#[test]
fn chained_redis_cinder_redis() {
    if !have_redis() {
        return;
    }
    let (d1, d2, d3) = (temp_dir("repl", "chain1"), temp_dir("repl", "chain2"), temp_dir("repl", "chain3"));
    let top = Srv::redis(&d1, &["--save", "", "--repl-diskless-sync-delay", "0"]);
    let mut m = top.conn();
    workload(&mut m, 30, 1500);
    let mid = Srv::start(&d2, &["--save", "", "--replicaof", "127.0.0.1", &top.port.to_string()]);
    let mut c = mid.conn();
    wait_until("mid link", 30, || info_field(&mut c, "replication", "master_link_status") == "up");
    let leaf = Srv::redis(&d3, &["--save", "", "--replicaof", "127.0.0.1", &mid.port.to_string()]);
    let mut l = leaf.conn();
    workload(&mut m, 31, 1500);
    wait_until("leaf link", 30, || info_field(&mut l, "replication", "master_link_status") == "up");
    workload(&mut m, 32, 500);
    settle(&mut m, &mut c);
    settle(&mut m, &mut l);
    assert_same(&mut m, &mut l);
    // The leaf got the top master's stream through Cinder's backlog, byte for byte.
    assert_eq!(info_field(&mut l, "replication", "master_replid"), info_field(&mut m, "replication", "master_replid"));
}

#[test]
fn redis_master_fails_over_to_cinder() {
    if !have_redis() {
        return;
    }
    let (d1, d2) = (temp_dir("repl", "fo1"), temp_dir("repl", "fo2"));
    let redis = Srv::redis(&d1, &["--save", "", "--repl-diskless-sync-delay", "0"]);
    let mut m = redis.conn();
    workload(&mut m, 40, 1000);
    let cinder = Srv::start(&d2, &["--save", "", "--replicaof", "127.0.0.1", &redis.port.to_string()]);
    let mut c = cinder.conn();
    wait_until("link", 30, || info_field(&mut c, "replication", "master_link_status") == "up");
    workload(&mut m, 41, 500);
    wait_until("replica online", 30, || info_field(&mut m, "replication", "slave0").contains("state=online"));
    assert_eq!(m.t(&["FAILOVER", "TO", "127.0.0.1", &cinder.port.to_string()]), "OK");
    // The old master continues as Cinder's replica, with a partial resync.
    wait_until("roles swapped", 30, || {
        c.t(&["ROLE"]).starts_with("master,") && info_field(&mut m, "replication", "master_link_status") == "up"
    });
    assert_eq!(info_field(&mut c, "stats", "sync_partial_ok"), "1");
    assert!(cinder.log().contains("MASTER MODE enabled"));
    workload(&mut c, 42, 1000);
    settle(&mut c, &mut m);
    assert_same(&mut c, &mut m);
}

#[test]
fn cinder_master_fails_over_to_redis() {
    if !have_redis() {
        return;
    }
    let (d1, d2) = (temp_dir("repl", "cfo1"), temp_dir("repl", "cfo2"));
    let cinder = Srv::start(&d1, &["--save", "", "--repl-diskless-sync-delay", "0"]);
    let mut c = cinder.conn();
    assert_eq!(c.t(&["FAILOVER"]), "ERR FAILOVER requires connected replicas.");
    workload(&mut c, 50, 1000);
    let redis = Srv::redis(
        &d2,
        &["--save", "", "--enable-debug-command", "yes", "--replicaof", "127.0.0.1", &cinder.port.to_string()],
    );
    let mut r = redis.conn();
    wait_until("link", 30, || info_field(&mut r, "replication", "master_link_status") == "up");
    workload(&mut c, 51, 500);
    wait_until("replica online", 30, || info_field(&mut c, "replication", "slave0").contains("state=online"));
    let rport = redis.port.to_string();
    assert_eq!(c.t(&["FAILOVER", "TO", "127.0.0.1", "1"]), "ERR FAILOVER target HOST and PORT is not a replica.");
    assert_eq!(
        c.t(&["FAILOVER", "TO", "127.0.0.1", &rport, "FORCE"]),
        "ERR FAILOVER with force option requires both a timeout and target HOST and IP."
    );
    // The replica stops acknowledging (DEBUG SLEEP) while a write is not yet acknowledged:
    // FAILOVER waits, pausing writes, until ABORT or its TIMEOUT.
    let port = redis.port;
    let sleeper = std::thread::spawn(move || {
        let mut s = Conn::new(port).unwrap();
        s.t(&["DEBUG", "SLEEP", "3"])
    });
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(c.t(&["SET", "pending", "1"]), "OK");
    assert_eq!(c.t(&["FAILOVER", "TO", "127.0.0.1", &rport, "TIMEOUT", "600"]), "OK");
    assert_eq!(info_field(&mut c, "replication", "master_failover_state"), "waiting-for-sync");
    assert_eq!(c.t(&["FAILOVER"]), "ERR FAILOVER already in progress.");
    assert_eq!(c.t(&["REPLICAOF", "NO", "ONE"]), "ERR REPLICAOF not allowed while failing over.");
    std::thread::sleep(Duration::from_millis(900));
    assert_eq!(info_field(&mut c, "replication", "master_failover_state"), "no-failover", "timed out");
    assert_eq!(c.t(&["SET", "pending", "2"]), "OK");
    assert_eq!(c.t(&["FAILOVER"]), "OK");
    assert_eq!(info_field(&mut c, "replication", "master_failover_state"), "waiting-for-sync");
    assert_eq!(c.t(&["FAILOVER", "ABORT"]), "OK");
    assert_eq!(info_field(&mut c, "replication", "master_failover_state"), "no-failover");
    assert_eq!(c.t(&["SET", "pending", "3"]), "OK");
    assert_eq!(sleeper.join().unwrap(), "OK");
    assert_eq!(c.t(&["FAILOVER", "ABORT"]), "ERR No failover in progress.");
    // The real failover: Redis becomes the master, Cinder its replica (partial resync).
    // The replica is held back again so that a write arrives while FAILOVER waits: it is
    // postponed, and answered -READONLY once Cinder is a replica.
    let sleeper = std::thread::spawn(move || Conn::new(port).unwrap().t(&["DEBUG", "SLEEP", "2"]));
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(c.t(&["SET", "pending", "4"]), "OK");
    assert_eq!(c.t(&["FAILOVER", "TO", "127.0.0.1", &rport, "TIMEOUT", "20000"]), "OK");
    let cport = cinder.port;
    let writer = std::thread::spawn(move || Conn::new(cport).unwrap().t(&["SET", "late", "1"]));
    assert_eq!(sleeper.join().unwrap(), "OK");
    assert_eq!(writer.join().unwrap(), "READONLY You can't write against a read only replica.");
    wait_until("roles swapped", 30, || {
        r.t(&["ROLE"]).starts_with("master,")
            && info_field(&mut c, "replication", "master_link_status") == "up"
            && info_field(&mut c, "replication", "master_failover_state") == "no-failover"
    });
    assert_eq!(info_field(&mut c, "replication", "role"), "slave");
    assert_eq!(info_field(&mut c, "replication", "master_port"), rport);
    assert_eq!(info_field(&mut r, "replication", "role"), "master");
    assert_eq!(info_field(&mut r, "stats", "sync_partial_ok"), "1");
    assert_eq!(c.t(&["SET", "x", "1"]), "READONLY You can't write against a read only replica.");
    workload(&mut r, 53, 1000);
    settle(&mut r, &mut c);
    assert_same(&mut r, &mut c);
}

#[test]
fn reconnection_continues_in_the_selected_database() {
    if !have_redis() {
        return;
    }
    let (d1, d2) = (temp_dir("repl", "db1"), temp_dir("repl", "db2"));
    let redis = Srv::redis(&d1, &["--save", "", "--repl-diskless-sync-delay", "0"]);
    let mut m = redis.conn();
    let cinder = Srv::start(&d2, &["--save", "", "--replicaof", "127.0.0.1", &redis.port.to_string()]);
    let mut c = cinder.conn();
    wait_until("link", 30, || info_field(&mut c, "replication", "master_link_status") == "up");
    m.cmd(&["SELECT", "3"]);
    m.cmd(&["SET", "a", "1"]);
    assert_eq!(m.t(&["WAIT", "1", "5000"]), "1");
    // The link drops (CLIENT KILL of the master client); the stream goes on in db 3
    // without a new SELECT.
    let addr = format!("127.0.0.1:{}", redis.port);
    assert_eq!(c.t(&["CLIENT", "KILL", &addr]), "OK");
    m.cmd(&["SET", "b", "2"]);
    wait_until("partial resync", 30, || {
        info_field(&mut m, "stats", "sync_partial_ok") == "1"
            && info_field(&mut c, "replication", "master_link_status") == "up"
    });
    assert_eq!(m.t(&["WAIT", "1", "5000"]), "1");
    c.cmd(&["SELECT", "3"]);
    assert_eq!(c.t(&["GET", "b"]), "2");
    c.cmd(&["SELECT", "0"]);
    assert_eq!(c.t(&["DBSIZE"]), "0");
}
