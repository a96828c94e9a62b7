//! Cost per command of the stream rows of `bench/streams.sh` inside the engine (no
//! network): XADD `*`, XRANGE of 10 entries, XREADGROUP COUNT 10 and XACK, with the
//! replies encoded to RESP2 as a server would.
//!
//! Run: `cargo run --release -p cinder-core --example stream_costs`

use std::time::Instant;

use cinder_core::{ConnInfo, Engine, EngineOptions};

/// Runs `f` `n` times and prints nanoseconds per call.
fn time(name: &str, n: u64, mut f: impl FnMut(u64)) {
    let start = Instant::now();
    for i in 0..n {
        f(i);
    }
    println!("{:<32} {:>8.0} ns", name, start.elapsed().as_nanos() as f64 / n as f64);
}

fn main() {
    let mut eng = Engine::new(EngineOptions { seed: 1, now_us: 1_700_000_000_000_000, ..Default::default() });
    let c = eng.connect(ConnInfo::default()).expect("connect");
    let mut out = Vec::new();
    let n = 1_000_000;
    eng.execute(c, &[b"SET", b"k", b"v"]);
    time("GET k (baseline)", n, |_| {
        out.clear();
        eng.execute(c, &[b"GET", b"k"]).encode(2, &mut out);
    });
    time("XADD s * f v", n, |_| {
        out.clear();
        eng.execute(c, &[b"XADD", b"s", b"*", b"f", b"v"]).encode(2, &mut out);
    });
    time("XRANGE s - + COUNT 10", n, |_| {
        out.clear();
        eng.execute(c, &[b"XRANGE", b"s", b"-", b"+", b"COUNT", b"10"]).encode(2, &mut out);
    });
    eng.execute(c, &[b"XGROUP", b"CREATE", b"s", b"g", b"0"]);
    time("XREADGROUP COUNT 10 >", n / 10, |_| {
        out.clear();
        eng.execute(c, &[b"XREADGROUP", b"GROUP", b"g", b"c", b"COUNT", b"10", b"STREAMS", b"s", b">"])
            .encode(2, &mut out);
    });
    let now = 1_700_000_000_000u64;
    time("XACK one pending id", n / 10, |i| {
        out.clear();
        let id = format!("{}-{}", now, i * 7 % (n / 10));
        eng.execute(c, &[b"XACK", b"s", b"g", id.as_bytes()]).encode(2, &mut out);
    });
}
