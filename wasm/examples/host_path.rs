//! Instruction-count probe of the wasm host's per-command path, built natively (run under
//! callgrind): `call-set`, `call-get`, `feed-set`, `feed-get`, 200,000 commands each.
use cinder_core::config::Config;
use cinder_wasm::clock::ClockMode;
use cinder_wasm::host::Host;

/// Lays `args` out in the host's input buffer the way the JS wrapper does.
fn pack(h: &mut Host, args: &[&[u8]]) -> usize {
    h.write_args(args)
}

fn main() {
    let mut h = Host::new(Config::default(), 1, 1_700_000_000_000_000, ClockMode::Manual).expect("host");
    let what = std::env::args().nth(1).unwrap_or_default();
    let keys: Vec<Vec<u8>> = (0..10_000).map(|i| format!("key:{i:06}").into_bytes()).collect();
    let n = 200_000;
    let mut total = 0usize;
    let mut line = Vec::new();
    for i in 0..n {
        let k = &keys[i % keys.len()];
        let r = match what.as_str() {
            "call-set" => {
                let len = pack(&mut h, &[b"SET", k, b"value-0123456789"]);
                h.call(0, 3, len, 0)
            }
            "call-get" => {
                let len = pack(&mut h, &[b"GET", k]);
                h.call(0, 2, len, 0)
            }
            "feed-set" | "feed-get" => {
                line.clear();
                if what == "feed-set" {
                    line.extend_from_slice(b"*3\r\n$3\r\nSET\r\n$10\r\n");
                    line.extend_from_slice(k);
                    line.extend_from_slice(b"\r\n$16\r\nvalue-0123456789\r\n");
                } else {
                    line.extend_from_slice(b"*2\r\n$3\r\nGET\r\n$10\r\n");
                    line.extend_from_slice(k);
                    line.extend_from_slice(b"\r\n");
                }
                h.reserve_input(line.len());
                h.input[..line.len()].copy_from_slice(&line);
                h.feed(0, line.len(), 0)
            }
            _ => panic!("usage: host_path call-set|call-get|feed-set|feed-get"),
        };
        total += r.expect("reply");
    }
    println!("{total} reply bytes");
}
