//! Instruction-count probe of the engine's hot path (run under callgrind): SET, GET, INCR,
//! LPUSH and HSET through `Engine::execute` with RESP2 encoding, 200,000 each.
use cinder_core::{ConnInfo, Engine, EngineOptions};

fn main() {
    let mut eng = Engine::new(EngineOptions { seed: 1, now_us: 1_700_000_000_000_000, ..Default::default() });
    let c = eng.connect(ConnInfo::default()).expect("connect");
    let mut out = Vec::new();
    let what = std::env::args().nth(1).unwrap_or_default();
    let keys: Vec<Vec<u8>> = (0..10_000).map(|i| format!("key:{i:06}").into_bytes()).collect();
    let n = 200_000;
    for i in 0..n {
        let k = &keys[i % keys.len()];
        out.clear();
        let r = match what.as_str() {
            "set" => eng.execute(c, &[b"SET", k, b"value-0123456789"]),
            "get" => eng.execute(c, &[b"GET", k]),
            "incr" => eng.execute(c, &[b"INCR", k]),
            "lpush" => eng.execute(c, &[b"LPUSH", b"list", b"element-0123456"]),
            "hset" => eng.execute(c, &[b"HSET", b"hash", k, b"v"]),
            _ => eng.execute(c, &[b"PING"]),
        };
        r.encode(2, &mut out);
    }
}
