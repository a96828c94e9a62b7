//! Persistence end to end: `cinder-server` in a temporary folder, restarted over its own
//! files (RDB and multi-part AOF), killed with SIGKILL under a write load, fed damaged
//! files, and exchanging AOF folders and RDB files with a real redis-server 7.0 (when
//! `/usr/bin/redis-server` exists).

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;
use common::*;

/// An INFO field of the persistence section.
fn info(c: &mut Conn, field: &str) -> String {
    info_field(c, "persistence", field)
}

/// Waits until INFO `field` equals `want`.
fn wait_info(c: &mut Conn, field: &str, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while info(c, field) != want {
        assert!(Instant::now() < deadline, "{field} never became {want}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A data set with every type, TTLs and several databases.
fn fill(c: &mut Conn) {
    for cmd in [
        &["SET", "s", "hello"][..],
        &["SET", "n", "12345"],
        &["SET", "ttl", "x", "EX", "1000"],
        &["RPUSH", "l", "a", "b", "c"],
        &["SADD", "set", "1", "2", "x"],
        &["HSET", "h", "f", "v", "g", "w"],
        &["ZADD", "z", "1.5", "m", "2", "n"],
        &["XADD", "st", "1-1", "f", "v"],
        &["SELECT", "3"],
        &["SET", "in3", "three"],
        &["SELECT", "0"],
    ] {
        let r = c.cmd(cmd);
        assert!(!matches!(r, V::E(_)), "{cmd:?}: {r:?}");
    }
}

fn check(c: &mut Conn) {
    // A server still loading its files answers -LOADING (real Redis accepts clients then).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while c.t(&["GET", "s"]).starts_with("LOADING") && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(c.t(&["GET", "s"]), "hello");
    assert_eq!(c.t(&["GET", "n"]), "12345");
    let ttl: i64 = c.t(&["TTL", "ttl"]).parse().unwrap();
    assert!((990..=1000).contains(&ttl), "ttl {ttl}");
    assert_eq!(c.t(&["LRANGE", "l", "0", "-1"]), "a,b,c");
    assert_eq!(c.t(&["SCARD", "set"]), "3");
    assert_eq!(c.t(&["HGET", "h", "g"]), "w");
    assert_eq!(c.t(&["ZSCORE", "z", "m"]), "1.5");
    assert_eq!(c.t(&["XLEN", "st"]), "1");
    c.cmd(&["SELECT", "3"]);
    assert_eq!(c.t(&["GET", "in3"]), "three");
    c.cmd(&["SELECT", "0"]);
}

#[test]
fn save_then_restart_keeps_the_data() {
    let dir = temp_dir("persist", "save");
    let s = Srv::start(&dir, &["--save", ""]);
    let mut c = s.conn();
    fill(&mut c);
    // Redis counts elements, fields and members: 15 here.
    assert_eq!(info(&mut c, "rdb_changes_since_last_save"), "15");
    let before: i64 = c.t(&["LASTSAVE"]).parse().unwrap();
    assert_eq!(c.t(&["SAVE"]), "OK");
    assert_eq!(info(&mut c, "rdb_changes_since_last_save"), "0");
    assert!(c.t(&["LASTSAVE"]).parse::<i64>().unwrap() >= before);
    s.shutdown(&["NOSAVE"]);
    let s = Srv::start(&dir, &["--save", ""]);
    let mut c = s.conn();
    check(&mut c);
    assert_eq!(info(&mut c, "rdb_last_load_keys_loaded"), "9");
    assert!(s.log().contains("DB loaded from disk"), "{}", s.log());
}

#[test]
fn shutdown_and_sigterm_save_with_save_points() {
    let dir = temp_dir("persist", "shutdown");
    let s = Srv::start(&dir, &["--save", "3600 1"]);
    fill(&mut s.conn());
    s.shutdown(&[]);
    let s = Srv::start(&dir, &["--save", "3600 1"]);
    let mut c = s.conn();
    check(&mut c);
    c.cmd(&["SET", "late", "1"]);
    // SIGTERM saves too.
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(s.child.id() as i32, libc::SIGTERM) };
    let mut s = s;
    let deadline = Instant::now() + Duration::from_secs(10);
    while s.child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(10));
    }
    let s = Srv::start(&dir, &["--save", ""]);
    assert_eq!(s.conn().t(&["GET", "late"]), "1");
    // SHUTDOWN NOSAVE does not.
    let mut c = s.conn();
    c.cmd(&["SET", "late", "2"]);
    s.shutdown(&["NOSAVE"]);
    let s = Srv::start(&dir, &["--save", ""]);
    assert_eq!(s.conn().t(&["GET", "late"]), "1");
}

#[test]
fn bgsave_while_writing() {
    let dir = temp_dir("persist", "bgsave");
    let s = Srv::start(&dir, &["--save", ""]);
    let mut c = s.conn();
    for i in 0..20000 {
        c.send(&["SET", &format!("k{i}"), &format!("v{i}")]).unwrap();
    }
    for _ in 0..20000 {
        c.read().unwrap();
    }
    let stop = Arc::new(AtomicBool::new(false));
    let port = s.port;
    let st = stop.clone();
    let writer = std::thread::spawn(move || {
        let mut w = Conn::new(port).unwrap();
        let mut n = 0u64;
        while !st.load(Ordering::Relaxed) {
            assert_eq!(w.t(&["SET", &format!("w{n}"), "x"]), "OK");
            n += 1;
        }
        n
    });
    assert_eq!(c.t(&["BGSAVE"]), "Background saving started");
    assert_eq!(c.t(&["BGSAVE"]), "ERR Background save already in progress");
    wait_info(&mut c, "rdb_bgsave_in_progress", "0");
    stop.store(true, Ordering::Relaxed);
    let written = writer.join().unwrap();
    assert!(written > 0);
    assert_eq!(info(&mut c, "rdb_last_bgsave_status"), "ok");
    let stats = c.t(&["INFO", "stats"]);
    assert!(stats.contains("total_forks:1"), "{stats}");
    assert!(s.log().contains("Background saving terminated with success"));
    s.kill9();
    let s = Srv::start(&dir, &["--save", ""]);
    let mut c = s.conn();
    let n: i64 = c.t(&["DBSIZE"]).parse().unwrap();
    assert!(n >= 20000, "{n}");
    assert_eq!(c.t(&["GET", "k19999"]), "v19999");
}

#[test]
fn failed_bgsave_refuses_writes_with_misconf() {
    let dir = temp_dir("persist", "misconf");
    let s = Srv::start(&dir, &["--save", "3600 1"]);
    let mut c = s.conn();
    c.cmd(&["SET", "a", "1"]);
    // The working folder disappears: the child cannot create its file.
    std::fs::remove_dir_all(&*dir).unwrap();
    assert_eq!(c.t(&["BGSAVE"]), "Background saving started");
    wait_info(&mut c, "rdb_bgsave_in_progress", "0");
    assert_eq!(info(&mut c, "rdb_last_bgsave_status"), "err");
    let misconf = c.cmd(&["SET", "a", "2"]);
    assert!(matches!(&misconf, V::E(e) if e.starts_with("MISCONF Redis is configured to save RDB snapshots")));
    assert_eq!(c.t(&["GET", "a"]), "1");
    assert_eq!(c.t(&["CONFIG", "SET", "stop-writes-on-bgsave-error", "no"]), "OK");
    assert_eq!(c.t(&["SET", "a", "2"]), "OK");
    // SAVE fails too, and SHUTDOWN (which must save) refuses to exit.
    assert_eq!(c.t(&["SAVE"]), "ERR");
    assert_eq!(c.t(&["SHUTDOWN"]), "ERR Errors trying to SHUTDOWN. Check logs.");
    assert_eq!(c.t(&["PING"]), "PONG");
}

#[test]
fn damaged_rdb_files_refuse_to_start() {
    let dir = temp_dir("persist", "badrdb");
    let s = Srv::start(&dir, &["--save", ""]);
    fill(&mut s.conn());
    s.conn().cmd(&["SAVE"]);
    s.shutdown(&["NOSAVE"]);
    let good = std::fs::read(dir.join("dump.rdb")).unwrap();
    let mut flipped = good.clone();
    flipped[good.len() / 2] ^= 0x20;
    for (what, bytes, msg) in [
        ("truncated", good[..good.len() - 20].to_vec(), "Short read"),
        ("zero-length", Vec::new(), "Short read"),
        ("bit-flipped", flipped, ""),
    ] {
        std::fs::write(dir.join("dump.rdb"), &bytes).unwrap();
        let Err(log) = Srv::try_start(env!("CARGO_BIN_EXE_cinder-server"), &dir, &["--save", ""]) else {
            panic!("{what}: started");
        };
        assert!(log.contains("Fatal error loading the DB"), "{what}: {log}");
        assert!(log.contains(msg), "{what}: {log}");
        // The file is left as it was.
        assert_eq!(std::fs::read(dir.join("dump.rdb")).unwrap(), bytes);
    }
}

fn manifest(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("appendonlydir/appendonly.aof.manifest")).unwrap()
}

#[test]
fn aof_survives_kill_and_rewrites() {
    let dir = temp_dir("persist", "aof");
    let args = ["--save", "", "--appendonly", "yes"];
    let s = Srv::start(&dir, &args);
    assert_eq!(
        manifest(&dir),
        "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
    );
    let mut c = s.conn();
    fill(&mut c);
    c.cmd(&["MULTI"]);
    c.cmd(&["INCR", "counter"]);
    c.cmd(&["INCR", "counter"]);
    c.cmd(&["EXEC"]);
    assert_eq!(info(&mut c, "aof_enabled"), "1");
    s.kill9();
    let s = Srv::start(&dir, &args);
    let mut c = s.conn();
    check(&mut c);
    assert_eq!(c.t(&["GET", "counter"]), "2");
    assert_eq!(c.t(&["BGREWRITEAOF"]), "Background append only file rewriting started");
    wait_info(&mut c, "aof_rewrite_in_progress", "0");
    assert_eq!(info(&mut c, "aof_last_bgrewrite_status"), "ok");
    assert_eq!(
        manifest(&dir),
        "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n"
    );
    c.cmd(&["SET", "after", "rewrite"]);
    s.kill9();
    let s = Srv::start(&dir, &args);
    let mut c = s.conn();
    check(&mut c);
    assert_eq!(c.t(&["GET", "after"]), "rewrite");
    let files: Vec<String> = std::fs::read_dir(dir.join("appendonlydir"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files.len(), 3, "{files:?}");
}

#[test]
fn aof_turned_on_at_run_time() {
    let dir = temp_dir("persist", "aofon");
    let s = Srv::start(&dir, &["--save", ""]);
    let mut c = s.conn();
    fill(&mut c);
    assert_eq!(c.t(&["CONFIG", "SET", "appendonly", "yes"]), "OK");
    c.cmd(&["SET", "during", "1"]);
    wait_info(&mut c, "aof_rewrite_in_progress", "0");
    c.cmd(&["SET", "after", "2"]);
    s.kill9();
    let s = Srv::start(&dir, &["--save", "", "--appendonly", "yes"]);
    let mut c = s.conn();
    check(&mut c);
    assert_eq!(c.t(&["MGET", "during", "after"]), "1,2");
}

/// Writes from several clients until killed; every acknowledged write must be there
/// after the restart (kill -9 keeps what reached the kernel: the AOF is written before
/// the reply). Returns how many were acknowledged.
fn crash_under_load(fsync: &str) -> u64 {
    let dir = temp_dir("persist", &format!("crash-{fsync}"));
    let args = ["--save", "", "--appendonly", "yes", "--appendfsync", fsync];
    let s = Srv::start(&dir, &args);
    let acked: Vec<Arc<AtomicU64>> = (0..4).map(|_| Arc::new(AtomicU64::new(0))).collect();
    let mut threads = Vec::new();
    for (t, counter) in acked.iter().enumerate() {
        let counter = counter.clone();
        let port = s.port;
        threads.push(std::thread::spawn(move || {
            let Ok(mut c) = Conn::new(port) else { return };
            for i in 0.. {
                let key = format!("t{t}:{i}");
                if c.send(&["SET", &key, &i.to_string()]).is_err() {
                    return;
                }
                match c.read() {
                    Ok(V::S(ok)) if ok == "OK" => counter.store(i + 1, Ordering::SeqCst),
                    _ => return,
                }
            }
        }));
    }
    std::thread::sleep(Duration::from_millis(1500));
    s.kill9();
    for t in threads {
        t.join().unwrap();
    }
    let s = Srv::start(&dir, &args);
    let mut c = s.conn();
    let mut total = 0;
    for (t, counter) in acked.iter().enumerate() {
        let n = counter.load(Ordering::SeqCst);
        total += n;
        if n > 0 {
            assert_eq!(c.t(&["GET", &format!("t{t}:{}", n - 1)]), (n - 1).to_string(), "{fsync}: thread {t}");
        }
    }
    total
}

#[test]
fn crash_with_appendfsync_always_keeps_every_acknowledged_write() {
    assert!(crash_under_load("always") > 0);
}

#[test]
fn crash_with_appendfsync_everysec_keeps_acknowledged_writes() {
    assert!(crash_under_load("everysec") > 0);
}

#[test]
fn truncated_and_damaged_aof() {
    let dir = temp_dir("persist", "badaof");
    let args = ["--save", "", "--appendonly", "yes"];
    let s = Srv::start(&dir, &args);
    let mut c = s.conn();
    c.cmd(&["SET", "a", "1"]);
    c.cmd(&["SET", "b", "2"]);
    s.kill9();
    let incr = dir.join("appendonlydir/appendonly.aof.1.incr.aof");
    let good = std::fs::read(&incr).unwrap();
    // A torn last command: refused without aof-load-truncated, loaded and cut with it.
    std::fs::write(&incr, &good[..good.len() - 4]).unwrap();
    let log = Srv::try_start(
        env!("CARGO_BIN_EXE_cinder-server"),
        &dir,
        &["--save", "", "--appendonly", "yes", "--aof-load-truncated", "no"],
    )
    .err()
    .expect("started on a truncated AOF");
    assert!(log.contains("Unexpected end of file reading the append only file appendonly.aof.1.incr.aof"), "{log}");
    let s = Srv::start(&dir, &args);
    assert_eq!(s.conn().t(&["MGET", "a", "b"]), "1,(nil)");
    assert!(s.log().contains("AOF appendonly.aof.1.incr.aof loaded anyway because aof-load-truncated is enabled"));
    s.kill9();
    // Garbage is a format error whatever the setting.
    let mut bad = std::fs::read(&incr).unwrap();
    bad.extend_from_slice(b"garbage\r\n");
    std::fs::write(&incr, &bad).unwrap();
    let log = Srv::try_start(env!("CARGO_BIN_EXE_cinder-server"), &dir, &args).err().expect("started");
    assert!(log.contains("Bad file format reading the append only file"), "{log}");
    // A zero-length incr file is an empty one.
    std::fs::write(&incr, b"").unwrap();
    let s = Srv::start(&dir, &args);
    assert_eq!(s.conn().t(&["DBSIZE"]), "0");
}

#[test]
fn aof_and_rdb_files_move_between_redis_and_cinder() {
    if !have_redis() {
        eprintln!("skipped: no {REDIS}");
        return;
    }
    // Real Redis writes an AOF folder (base + incr); Cinder loads it and appends.
    let dir = temp_dir("persist", "fromredis");
    let args = ["--save", "", "--appendonly", "yes"];
    let r = Srv::redis(&dir, &args);
    let mut c = r.conn();
    fill(&mut c);
    c.cmd(&["SET", "from", "redis"]);
    r.shutdown(&["NOSAVE"]);
    let s = Srv::start(&dir, &args);
    let mut c = s.conn();
    check(&mut c);
    assert_eq!(c.t(&["GET", "from"]), "redis");
    c.cmd(&["SET", "then", "cinder"]);
    c.cmd(&["SELECT", "5"]);
    c.cmd(&["RPUSH", "l5", "x"]);
    assert_eq!(c.t(&["BGREWRITEAOF"]), "Background append only file rewriting started");
    wait_info(&mut c, "aof_rewrite_in_progress", "0");
    c.cmd(&["SET", "after", "rewrite"]);
    s.shutdown(&["NOSAVE"]);
    // ... and real Redis loads what Cinder wrote.
    let r = Srv::redis(&dir, &args);
    let mut c = r.conn();
    check(&mut c);
    assert_eq!(c.t(&["MGET", "from", "then"]), "redis,cinder");
    c.cmd(&["SELECT", "5"]);
    assert_eq!(c.t(&["GET", "after"]), "rewrite");
    assert_eq!(c.t(&["LRANGE", "l5", "0", "-1"]), "x");
    r.shutdown(&["NOSAVE"]);

    // RDB both ways.
    let dir = temp_dir("persist", "rdbswap");
    let s = Srv::start(&dir, &["--save", ""]);
    fill(&mut s.conn());
    assert_eq!(s.conn().t(&["SAVE"]), "OK");
    s.shutdown(&["NOSAVE"]);
    let r = Srv::redis(&dir, &["--save", ""]);
    let mut c = r.conn();
    check(&mut c);
    c.cmd(&["SET", "r", "1"]);
    c.cmd(&["SAVE"]);
    r.shutdown(&["NOSAVE"]);
    let s = Srv::start(&dir, &["--save", ""]);
    let mut c = s.conn();
    check(&mut c);
    assert_eq!(c.t(&["GET", "r"]), "1");
}

#[test]
fn aof_base_without_rdb_preamble() {
    let dir = temp_dir("persist", "nopreamble");
    let args = ["--save", "", "--appendonly", "yes", "--aof-use-rdb-preamble", "no"];
    let s = Srv::start(&dir, &args);
    let mut c = s.conn();
    fill(&mut c);
    assert_eq!(c.t(&["BGREWRITEAOF"]), "Background append only file rewriting started");
    wait_info(&mut c, "aof_rewrite_in_progress", "0");
    assert!(manifest(&dir).starts_with("file appendonly.aof.2.base.aof seq 2 type b\n"));
    s.kill9();
    let s = Srv::start(&dir, &args);
    check(&mut s.conn());
    s.shutdown(&["NOSAVE"]);
    if have_redis() {
        let r = Srv::redis(&dir, &args);
        check(&mut r.conn());
    }
}

#[test]
fn rewrite_keeps_the_database_of_pipelined_writes() {
    let dir = temp_dir("persist", "rewritedb");
    let args = ["--save", "", "--appendonly", "yes"];
    let s = Srv::start(&dir, &args);
    let mut c = s.conn();
    // One write: SET a's effect is still unwritten when BGREWRITEAOF switches files.
    for cmd in [&["SELECT", "9"][..], &["SET", "a", "1"], &["BGREWRITEAOF"], &["SET", "b", "2"]] {
        c.send(cmd).unwrap();
    }
    for _ in 0..4 {
        c.read().unwrap();
    }
    wait_info(&mut c, "aof_rewrite_in_progress", "0");
    c.cmd(&["SET", "c", "3"]);
    s.kill9();
    let s = Srv::start(&dir, &args);
    let mut c = s.conn();
    c.cmd(&["SELECT", "9"]);
    assert_eq!(c.t(&["MGET", "a", "b", "c"]), "1,2,3");
    c.cmd(&["SELECT", "0"]);
    assert_eq!(c.t(&["DBSIZE"]), "0");
}
