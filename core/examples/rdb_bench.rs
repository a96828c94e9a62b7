//! RDB save and load time, Cinder's `rdb` module against real redis-server 7.0.15 on the
//! same data: 1,000,000 string keys, and 100 collections of 100,000 elements (25 lists,
//! 25 hashes, 25 sets, 25 sorted sets).
//!
//! Cinder: `engine::rdb::save` into a file (written and fsynced) and `engine::rdb::load`
//! of it. Redis: the same file loaded at start-up (its log's "DB loaded from disk" time)
//! and `SAVE` (which writes, fsyncs and renames), median of `--rounds` runs each.
//!
//! Run: `cargo run --release -p cinder-core --example rdb_bench [-- --rounds 3 --quick]`

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cinder_core::engine::rdb;
use cinder_core::rdb::{LoadOptions, SaveOptions};
use cinder_core::{ConnInfo, Engine, EngineOptions};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn engine() -> Engine {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_micros() as u64;
    Engine::new(EngineOptions { seed: 1, now_us: now, ..Default::default() })
}

fn fill_strings(eng: &mut Engine, n: usize) {
    let c = eng.connect(ConnInfo::default()).unwrap();
    for i in 0..n {
        let k = format!("key:{:012}", i);
        let v = format!("value:{}", i);
        eng.execute(c, &[b"SET", k.as_bytes(), v.as_bytes()]);
    }
}

fn fill_collections(eng: &mut Engine, per_type: usize, n: usize) {
    let c = eng.connect(ConnInfo::default()).unwrap();
    let batch = 1000;
    for t in 0..4 {
        for j in 0..per_type {
            let key = format!("coll:{}:{}", t, j);
            for start in (0..n).step_by(batch) {
                let mut argv: Vec<Vec<u8>> = match t {
                    0 => vec![b"RPUSH".to_vec(), key.clone().into_bytes()],
                    1 => vec![b"HSET".to_vec(), key.clone().into_bytes()],
                    2 => vec![b"SADD".to_vec(), key.clone().into_bytes()],
                    _ => vec![b"ZADD".to_vec(), key.clone().into_bytes()],
                };
                for i in start..(start + batch).min(n) {
                    match t {
                        0 | 2 => argv.push(format!("element:{}", i).into_bytes()),
                        1 => {
                            argv.push(format!("field:{}", i).into_bytes());
                            argv.push(format!("value:{}", i).into_bytes());
                        }
                        _ => {
                            argv.push(format!("{}", (i * 7919) % 100_000).into_bytes());
                            argv.push(format!("member:{}", i).into_bytes());
                        }
                    }
                }
                let refs: Vec<&[u8]> = argv.iter().map(|a| a.as_slice()).collect();
                eng.execute(c, &refs);
            }
        }
    }
}

struct Redis {
    child: Child,
    port: u16,
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn call(port: u16, cmd: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let parts: Vec<&str> = cmd.split(' ').collect();
    let mut req = format!("*{}\r\n", parts.len());
    for p in parts {
        req.push_str(&format!("${}\r\n{}\r\n", p.len(), p));
    }
    s.write_all(req.as_bytes()).unwrap();
    let mut buf = vec![0u8; 1 << 16];
    let n = s.read(&mut buf).unwrap();
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

/// Starts redis-server on `dir/file` and returns it with its load time (seconds).
fn redis_load(dir: &Path, file: &str) -> (Redis, f64) {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let log = dir.join("redis.log");
    let _ = std::fs::remove_file(&log);
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .args(["--dbfilename", file, "--logfile"])
        .arg(&log)
        .arg("--dir")
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server");
    let r = Redis { child, port };
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if let Some(l) = text.lines().find(|l| l.contains("DB loaded from disk:")) {
            let secs: f64 =
                l.split("DB loaded from disk: ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
            while TcpStream::connect(("127.0.0.1", port)).is_err() {
                std::thread::sleep(Duration::from_millis(10));
            }
            return (r, secs);
        }
        assert!(Instant::now() < deadline, "redis did not load");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn run(name: &str, eng: &Engine, dir: &Path, rounds: usize) {
    let path = dir.join(format!("{}.rdb", name));
    let mut save = Vec::new();
    let mut bytes = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        let mut f = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&path).unwrap());
        rdb::save(eng, &SaveOptions::default(), &mut f).unwrap();
        let f = f.into_inner().unwrap();
        f.sync_all().unwrap();
        save.push(t.elapsed().as_secs_f64());
        drop(f);
        bytes = std::fs::read(&path).unwrap();
    }
    let mut load = Vec::new();
    for _ in 0..rounds {
        let mut e = engine();
        let t = Instant::now();
        let data = std::fs::read(&path).unwrap();
        rdb::load(&mut e, &data, &LoadOptions::default()).unwrap();
        load.push(t.elapsed().as_secs_f64());
    }
    let mut rload = Vec::new();
    let mut rsave = Vec::new();
    for _ in 0..rounds {
        let (r, secs) = redis_load(dir, &format!("{}.rdb", name));
        rload.push(secs);
        let t = Instant::now();
        let reply = call(r.port, "SAVE");
        assert!(reply.starts_with("+OK"), "{}", reply);
        rsave.push(t.elapsed().as_secs_f64());
        // Keep our own file for the next round.
        std::fs::write(&path, &bytes).unwrap();
    }
    let (s, l, rs, rl) = (median(save), median(load), median(rsave), median(rload));
    println!(
        "| {} | {:.1} MB | {:.3} s | {:.3} s | {:.2}x | {:.3} s | {:.3} s | {:.2}x |",
        name,
        bytes.len() as f64 / 1e6,
        s,
        rs,
        rs / s,
        l,
        rl,
        rl / l
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rounds =
        args.iter().position(|a| a == "--rounds").and_then(|i| args.get(i + 1)).map_or(3, |v| v.parse().unwrap());
    let quick = args.iter().any(|a| a == "--quick");
    let dir: PathBuf = std::env::temp_dir().join(format!("cinder-rdb-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    println!("| dataset | file | cinder save | redis SAVE | ratio | cinder load | redis load | ratio |");
    println!("|---|---|---|---|---|---|---|---|");
    let (strings, per_type, elems) = if quick { (100_000, 2, 10_000) } else { (1_000_000, 25, 100_000) };
    let mut e = engine();
    fill_strings(&mut e, strings);
    run(&format!("{}-strings", strings), &e, &dir, rounds);
    drop(e);
    let mut e = engine();
    fill_collections(&mut e, per_type, elems);
    run(&format!("{}x{}-collections", per_type * 4, elems), &e, &dir, rounds);
    let _ = std::fs::remove_dir_all(&dir);
}
