//! RDB files both ways between real redis-server 7.0.15 and Cinder's `rdb` module:
//!
//! - every `tests/assets/*.rdb` of Redis's Tcl suite is loaded by a real redis-server
//!   (`--dir <tmp> --dbfilename <copy>`) and by `engine::rdb::load`; either both refuse it
//!   or every key matches (TYPE, OBJECT ENCODING, TTL, value, and DUMP bytes where the
//!   encoding makes them deterministic);
//! - a dataset with every type in both encodings, TTLs, stream groups with pending
//!   entries and all 16 databases is saved by Cinder, checked by `redis-check-rdb`, loaded
//!   by redis-server and compared; then redis-server SAVEs it and Cinder loads that file
//!   and compares again.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cinder_core::engine::rdb as erdb;
use cinder_core::rdb::{LoadOptions, SaveOptions};
use cinder_core::{ClientHandle, ConnInfo, Engine, EngineOptions};
use cinder_parity::conn::{Conn, Outcome};
use cinder_parity::resp::{as_bulk, split_aggregate};
use cinder_parity::server::{free_port, redis_server_bin};

fn now_us() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_micros() as u64
}

/// A real redis-server started on an RDB file; killed on drop.
struct Redis {
    child: Child,
    conn: Conn,
    dir: PathBuf,
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts redis-server loading `dir/file`; `Err(log)` when it refuses the file and exits.
fn start_redis(dir: &Path, file: &str, extra: &[&str]) -> Result<Redis, String> {
    let port = free_port();
    let log = dir.join("redis.log");
    let child = Command::new(redis_server_bin())
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .args(["--enable-debug-command", "yes", "--dbfilename", file, "--dir"])
        .arg(dir)
        .args(extra)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn redis-server");
    let mut child = child;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            return Err(std::fs::read_to_string(&log).unwrap_or_default());
        }
        if let Ok(mut c) = Conn::connect(port) {
            if let Outcome::Reply(r) = c.call(&[b"PING".to_vec()]) {
                if r.starts_with(b"+PONG") {
                    return Ok(Redis { child, conn: c, dir: dir.to_path_buf() });
                }
            }
        }
        assert!(Instant::now() < deadline, "redis-server did not start");
        std::thread::sleep(Duration::from_millis(30));
    }
}

/// Something that answers commands with RESP2 bytes.
trait Side {
    fn call(&mut self, args: &[&[u8]]) -> Vec<u8>;
}

impl Side for Redis {
    fn call(&mut self, args: &[&[u8]]) -> Vec<u8> {
        let argv: Vec<Vec<u8>> = args.iter().map(|a| a.to_vec()).collect();
        match self.conn.call(&argv) {
            Outcome::Reply(r) => r,
            o => panic!("redis: {:?}", o),
        }
    }
}

struct Cinder {
    eng: Engine,
    client: ClientHandle,
}

impl Cinder {
    fn new() -> Cinder {
        let config = cinder_core::config::Config { enable_debug_command: "yes".into(), ..Default::default() };
        let mut eng = Engine::new(EngineOptions { seed: 42, now_us: now_us(), config, ..Default::default() });
        let client = eng.connect(ConnInfo::default()).unwrap();
        Cinder { eng, client }
    }
}

impl Side for Cinder {
    fn call(&mut self, args: &[&[u8]]) -> Vec<u8> {
        self.eng.set_time_us(now_us());
        self.eng.execute(self.client, args).to_resp(2)
    }
}

fn elems(reply: &[u8]) -> Vec<Vec<u8>> {
    split_aggregate(reply).map(|(_, e)| e.into_iter().map(|x| x.to_vec()).collect()).unwrap_or_default()
}

fn sorted(reply: &[u8]) -> Vec<Vec<u8>> {
    let mut e = elems(reply);
    e.sort();
    e
}

/// Pairs of a flat field/value reply, sorted.
fn sorted_pairs(reply: &[u8]) -> Vec<Vec<u8>> {
    let e = elems(reply);
    let mut p: Vec<Vec<u8>> = e.chunks(2).map(|c| c.concat()).collect();
    p.sort();
    p
}

/// A description of every key of every database, for comparison.
fn describe(s: &mut dyn Side, dump_bytes: bool) -> Vec<String> {
    let mut out = Vec::new();
    for db in 0..16 {
        s.call(&[b"SELECT", db.to_string().as_bytes()]);
        let keys = sorted(&s.call(&[b"KEYS", b"*"]));
        for k in keys {
            let key = as_bulk(&k).unwrap().to_vec();
            let show = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
            let ty = s.call(&[b"TYPE", &key]);
            let enc = s.call(&[b"OBJECT", b"ENCODING", &key]);
            let pttl = cinder_parity::resp::as_int(&s.call(&[b"PTTL", &key])).unwrap();
            // TTLs: the same absolute time read a moment apart.
            let ttl = if pttl < 0 { pttl.to_string() } else { format!("~{}", pttl / 10_000) };
            let value: Vec<Vec<u8>> = match &ty[..] {
                b"+string\r\n" => vec![s.call(&[b"GET", &key])],
                b"+list\r\n" => vec![s.call(&[b"LRANGE", &key, b"0", b"-1"])],
                b"+set\r\n" => sorted(&s.call(&[b"SMEMBERS", &key])),
                b"+hash\r\n" => sorted_pairs(&s.call(&[b"HGETALL", &key])),
                b"+zset\r\n" => vec![s.call(&[b"ZRANGE", &key, b"0", b"-1", b"WITHSCORES"])],
                b"+stream\r\n" => vec![
                    s.call(&[b"XRANGE", &key, b"-", b"+"]),
                    s.call(&[b"XINFO", b"STREAM", &key, b"FULL"]),
                    s.call(&[b"XINFO", b"STREAM", &key]),
                ],
                _ => vec![b"?".to_vec()],
            };
            let deterministic = !enc.starts_with(b"$9\r\nhashtable");
            let mut dump = if dump_bytes && deterministic { s.call(&[b"DUMP", &key]) } else { Vec::new() };
            if dump_bytes && deterministic {
                // DEBUG OBJECT's serializedlength is the RDB size of the value.
                let dbg = s.call(&[b"DEBUG", b"OBJECT", &key]);
                let text = String::from_utf8_lossy(&dbg).into_owned();
                let len = text.split(' ').find(|w| w.starts_with("serializedlength:")).unwrap_or("?").to_string();
                dump.extend_from_slice(len.as_bytes());
            }
            out.push(format!(
                "db{} {} {} {} ttl {} value {} dump {}",
                db,
                show(&key),
                show(&ty).trim(),
                show(&enc).trim(),
                ttl,
                value.iter().map(|v| show(v)).collect::<Vec<_>>().join(" | "),
                dump.escape_ascii()
            ));
        }
    }
    s.call(&[b"SELECT", b"0"]);
    out
}

fn compare(redis: &mut Redis, cinder: &mut Cinder, what: &str, dump_bytes: bool) {
    let a = describe(redis, dump_bytes);
    let b = describe(cinder, dump_bytes);
    let mut diffs = Vec::new();
    for i in 0..a.len().max(b.len()) {
        if a.get(i) != b.get(i) {
            diffs.push(format!(
                "  redis:  {:.2000}\n  cinder: {:.2000}",
                a.get(i).map_or("-", |s| s),
                b.get(i).map_or("-", |s| s)
            ));
        }
    }
    assert!(diffs.is_empty(), "{}: {} key(s) differ\n{}", what, diffs.len(), diffs[..diffs.len().min(5)].join("\n"));
}

fn assets_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/redis-tests/tests/assets")
}

fn tmp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cinder-rdb-{}-{}", std::process::id(), name));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn tcl_assets_load_like_redis() {
    let dir = assets_dir();
    let Ok(rd) = std::fs::read_dir(&dir) else {
        eprintln!("no assets at {}: skipped", dir.display());
        return;
    };
    let mut names: Vec<String> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".rdb"))
        .collect();
    names.sort();
    assert!(!names.is_empty());
    let mut report = Vec::new();
    for name in &names {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        let tmp = tmp_dir(name);
        std::fs::write(tmp.join(name), &bytes).unwrap();
        let redis = start_redis(&tmp, name, &[]);
        let mut cinder = Cinder::new();
        let loaded = erdb::load(&mut cinder.eng, &bytes, &LoadOptions::default());
        match (redis, loaded) {
            (Ok(mut r), Ok(info)) => {
                compare(&mut r, &mut cinder, name, true);
                report.push(format!("{name}: loaded, {} keys match", info.keys));
            }
            (Err(_), Err(e)) => report.push(format!("{name}: refused by both ({})", e.message)),
            (Ok(_), Err(e)) => panic!("{name}: redis loads it, cinder refuses: {}", e.message),
            (Err(log), Ok(_)) => panic!("{name}: redis refuses it, cinder loads it:\n{log}"),
        }
        let _ = std::fs::remove_dir_all(&tmp);
    }
    eprintln!("{}", report.join("\n"));
}

/// Every type in both encodings, TTLs, groups with pending entries, all 16 databases.
fn populate(s: &mut dyn Side) {
    let run = |s: &mut dyn Side, args: &[&str]| {
        let argv: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        let r = s.call(&argv);
        assert!(!r.starts_with(b"-"), "{:?}: {}", args, String::from_utf8_lossy(&r));
    };
    for db in 0..16 {
        run(s, &["SELECT", &db.to_string()]);
        run(s, &["SET", &format!("db{db}"), &db.to_string()]);
    }
    run(s, &["SELECT", "0"]);
    run(s, &["SET", "int", "12345"]);
    run(s, &["SET", "big", "-9223372036854775808"]);
    run(s, &["SET", "emb", "hello"]);
    run(s, &["SET", "raw", &"abc".repeat(50)]);
    run(s, &["SET", "ttl", "v", "PX", "500000"]);
    run(s, &["RPUSH", "l", "a", "1", "-7", "70000", &"z".repeat(300)]);
    for i in 0..1000 {
        run(s, &["RPUSH", "bigl", &format!("e{i}")]);
    }
    run(s, &["EXPIRE", "bigl", "1000"]);
    run(s, &["HSET", "hlp", "a", "1", "b", "2"]);
    run(s, &["HSET", "hht", "a", &"v".repeat(100)]);
    run(s, &["SADD", "si", "1", "2", "-3"]);
    run(s, &["SADD", "sh", "a", "b", "1"]);
    run(s, &["ZADD", "zl", "1", "a", "2.5", "b"]);
    run(s, &["ZADD", "zs", "1", &"m".repeat(80), "-inf", "x"]);
    for i in 0..300 {
        run(s, &["XADD", "st", &format!("{}-1", i + 1), "f", &i.to_string(), "g", "x"]);
    }
    run(s, &["XDEL", "st", "5-1"]);
    run(s, &["XGROUP", "CREATE", "st", "grp", "0"]);
    run(s, &["XGROUP", "CREATE", "st", "grp2", "$"]);
    run(s, &["XREADGROUP", "GROUP", "grp", "alice", "COUNT", "3", "STREAMS", "st", ">"]);
    run(s, &["XREADGROUP", "GROUP", "grp", "bob", "COUNT", "2", "STREAMS", "st", ">"]);
    run(s, &["XACK", "st", "grp", "1-1"]);
    run(s, &["XGROUP", "CREATECONSUMER", "st", "grp", "carol"]);
    run(s, &["XADD", "empty-stream", "1-1", "a", "b"]);
    run(s, &["XDEL", "empty-stream", "1-1"]);
    run(s, &["SELECT", "9"]);
    run(s, &["HSET", "h9", "x", "y"]);
    run(s, &["SELECT", "0"]);
}

#[test]
fn round_trip_with_redis_both_ways() {
    let tmp = tmp_dir("roundtrip");
    let mut cinder = Cinder::new();
    populate(&mut cinder);
    let mut file = Vec::new();
    erdb::save(&cinder.eng, &SaveOptions::default(), &mut file).unwrap();
    std::fs::write(tmp.join("cinder.rdb"), &file).unwrap();
    let check = Command::new("redis-check-rdb").arg(tmp.join("cinder.rdb")).output();
    if let Ok(out) = check {
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success() && text.contains("RDB looks OK"), "redis-check-rdb:\n{text}");
    }
    let mut redis = start_redis(&tmp, "cinder.rdb", &[]).unwrap_or_else(|log| panic!("redis refused our file:\n{log}"));
    compare(&mut redis, &mut cinder, "cinder -> redis", true);
    // And back: redis writes the file, Cinder loads it.
    assert!(redis.call(&[b"SAVE"]).starts_with(b"+OK"));
    let theirs = std::fs::read(redis.dir.join("cinder.rdb")).unwrap();
    assert_ne!(theirs, file);
    let mut back = Cinder::new();
    let info = erdb::load(&mut back.eng, &theirs, &LoadOptions::default()).unwrap();
    assert!(info.keys > 20);
    compare(&mut redis, &mut back, "redis -> cinder", true);
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn eviction_metadata_round_trips() {
    for policy in ["allkeys-lru", "allkeys-lfu"] {
        let tmp = tmp_dir(policy);
        let mut cinder = Cinder::new();
        cinder.call(&[b"CONFIG", b"SET", b"maxmemory-policy", policy.as_bytes()]);
        cinder.call(&[b"SET", b"k", b"v"]);
        for _ in 0..50 {
            cinder.call(&[b"GET", b"k"]);
        }
        let mut file = Vec::new();
        erdb::save(&cinder.eng, &SaveOptions::default(), &mut file).unwrap();
        std::fs::write(tmp.join("p.rdb"), &file).unwrap();
        let mut redis = start_redis(&tmp, "p.rdb", &["--maxmemory-policy", policy]).unwrap();
        let (a, b) = if policy.ends_with("lfu") {
            (redis.call(&[b"OBJECT", b"FREQ", b"k"]), cinder.call(&[b"OBJECT", b"FREQ", b"k"]))
        } else {
            (redis.call(&[b"OBJECT", b"IDLETIME", b"k"]), cinder.call(&[b"OBJECT", b"IDLETIME", b"k"]))
        };
        let (a, b) = (String::from_utf8_lossy(&a).into_owned(), String::from_utf8_lossy(&b).into_owned());
        if policy.ends_with("lfu") {
            assert_eq!(a, b, "{policy}");
        } else {
            // Idle seconds on two clocks: a second boundary may pass between the reads.
            let secs = |s: &str| s.trim().trim_start_matches(':').parse::<i64>().unwrap_or(-100);
            assert!((secs(&a) - secs(&b)).abs() <= 1, "{policy}: redis {a:?}, cinder {b:?}");
        }
        let _ = std::fs::remove_dir_all(&tmp);
    }
}
