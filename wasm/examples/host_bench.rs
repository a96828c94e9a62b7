//! Native micro benchmark of the path one npm `db.call` takes inside the module
//! (`Host::call`: argument layout parsing, `Engine::execute`, RESP encoding of the reply).
//!
//! `cargo run -p cinder-wasm --release --example host_bench [-- N [COMMAND...]]` prints ns per call for
//! PING/GET/SET/INCR/HSET/HGET on a 10,000-key keyspace; under `valgrind --tool=callgrind` it gives
//! stable instruction counts on a noisy machine.
use std::time::Instant;

use cinder_core::config::Config;
use cinder_wasm::clock::ClockMode;
use cinder_wasm::host::Host;

/// Lays `args` out in the host's input buffer the way the JS wrapper does.
fn pack(h: &mut Host, args: &[&[u8]]) -> usize {
    h.write_args(args)
}

fn run(h: &mut Host, n: usize, keys: &[Vec<u8>], name: &str, mk: impl Fn(&[u8]) -> Vec<&[u8]>) {
    let only: Vec<String> = std::env::args().skip(2).collect();
    if !only.is_empty() && !only.iter().any(|o| o.eq_ignore_ascii_case(name)) {
        return;
    }
    let t0 = Instant::now();
    for i in 0..n {
        let key = &keys[i % keys.len()];
        let args = mk(key);
        let len = pack(h, &args);
        let r = h.call(0, args.len(), len, 0).expect("call");
        std::hint::black_box(r);
    }
    let ns = t0.elapsed().as_nanos() as f64 / n as f64;
    println!("{name:>6}: {ns:7.1} ns/call");
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    let mut h = Host::new(Config::default(), 1, 1_000_000_000, ClockMode::Manual).unwrap();
    let keys: Vec<Vec<u8>> = (0..10_000).map(|i| format!("key:{i}").into_bytes()).collect();
    let value = b"vvvvvvvvvvvvvvvv";
    for k in &keys {
        let len = pack(&mut h, &[b"SET", k, value]);
        h.call(0, 3, len, 0).expect("prefill");
    }
    run(&mut h, n, &keys, "PING", |_| vec![b"PING"]);
    run(&mut h, n, &keys, "SET", |k| vec![b"SET", k, value]);
    run(&mut h, n, &keys, "GET", |k| vec![b"GET", k]);
    run(&mut h, n, &keys, "INCR", |_| vec![b"INCR", b"counter"]);
    run(&mut h, n, &keys, "HSET", |k| vec![b"HSET", b"hash", k, value]);
    run(&mut h, n, &keys, "HGET", |k| vec![b"HGET", b"hash", k]);
}
