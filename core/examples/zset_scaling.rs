//! Scaling check for sorted sets: cost per operation of ZADD, ZRANK and ZRANGE through
//! the engine at 10^3, 10^5 and 10^6 members. With a skiplist each should grow with
//! log(n) (plus cache misses), not with n.
//!
//! Run: `cargo run --release -p cinder-core --example zset_scaling`

use std::time::Instant;

use cinder_core::{ConnInfo, Engine, EngineOptions};

/// SplitMix64 for reproducible inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

fn member(i: u64) -> Vec<u8> {
    format!("member:{:012}", i).into_bytes()
}

/// Runs every command in `cmds` and returns the mean nanoseconds per command.
fn time_ns(eng: &mut Engine, c: cinder_core::ClientHandle, cmds: &[Vec<Vec<u8>>]) -> f64 {
    let start = Instant::now();
    for argv in cmds {
        let args: Vec<&[u8]> = argv.iter().map(|a| a.as_slice()).collect();
        let r = eng.execute(c, &args);
        assert!(!r.is_error(), "{:?}", r);
    }
    start.elapsed().as_nanos() as f64 / cmds.len() as f64
}

/// ZRANGE 0 99 on a 1000-member set, encoded to RESP2 as a server would.
fn zrange_100() {
    let mut eng = Engine::new(EngineOptions { seed: 1, now_us: 1_700_000_000_000_000, ..Default::default() });
    let c = eng.connect(ConnInfo::default()).expect("connect");
    for i in 0..1000u64 {
        let (s, m) = (i.to_string().into_bytes(), member(i));
        eng.execute(c, &[b"ZADD", b"r", &s, &m]);
    }
    let mut out = Vec::new();
    let n = 100_000;
    let start = Instant::now();
    for _ in 0..n {
        out.clear();
        eng.execute(c, &[b"ZRANGE", b"r", b"0", b"99"]).encode(2, &mut out);
    }
    println!(
        "ZRANGE 0 99 (1000 members) incl. RESP2 encoding: {:.0} ns/op\n",
        start.elapsed().as_nanos() as f64 / n as f64
    );
}

fn main() {
    const OPS: usize = 200_000;
    zrange_100();
    println!("| members | ZADD new (+ZREM) ns | ZADD update ns | ZRANK ns | ZRANGE r r+9 ns | log2(n) |");
    println!("|---:|---:|---:|---:|---:|---:|");
    for &n in &[1_000u64, 100_000, 1_000_000] {
        let mut eng = Engine::new(EngineOptions { seed: 1, now_us: 1_700_000_000_000_000, ..Default::default() });
        let c = eng.connect(ConnInfo::default()).expect("connect");
        let mut rng = Rng(n);
        // Load n members with random scores, 1000 per ZADD.
        let mut i = 0;
        while i < n {
            let mut argv = vec![b"ZADD".to_vec(), b"z".to_vec()];
            for j in i..(i + 1000).min(n) {
                argv.push((rng.next() % 1_000_000_000).to_string().into_bytes());
                argv.push(member(j));
            }
            let args: Vec<&[u8]> = argv.iter().map(|a| a.as_slice()).collect();
            eng.execute(c, &args);
            i += 1000;
        }
        let z = |parts: &[&[u8]]| parts.iter().map(|p| p.to_vec()).collect::<Vec<Vec<u8>>>();
        let score = |rng: &mut Rng| (rng.next() % 1_000_000_000).to_string().into_bytes();

        // New members, each removed again right away so the size stays n.
        let mut add_new = Vec::with_capacity(OPS);
        for k in 0..OPS as u64 / 2 {
            let m = member(n + 1 + k);
            add_new.push(z(&[b"ZADD", b"z", &score(&mut rng), &m]));
            add_new.push(z(&[b"ZREM", b"z", &m]));
        }
        let update: Vec<_> = (0..OPS).map(|_| z(&[b"ZADD", b"z", &score(&mut rng), &member(rng.next() % n)])).collect();
        let rank: Vec<_> = (0..OPS).map(|_| z(&[b"ZRANK", b"z", &member(rng.next() % n)])).collect();
        let range: Vec<_> = (0..OPS)
            .map(|_| {
                let r = rng.next() % (n - 10);
                z(&[b"ZRANGE", b"z", r.to_string().as_bytes(), (r + 9).to_string().as_bytes()])
            })
            .collect();
        let t_new = time_ns(&mut eng, c, &add_new) * 2.0;
        let t_upd = time_ns(&mut eng, c, &update);
        let t_rank = time_ns(&mut eng, c, &rank);
        let t_range = time_ns(&mut eng, c, &range);
        println!("| {} | {:.0} | {:.0} | {:.0} | {:.0} | {:.1} |", n, t_new, t_upd, t_rank, t_range, (n as f64).log2());
    }
}
