//! Per-call cost of the VM path: `cargo run --release -p cinder-lua --example bench_eval` (an INCR+EXPIRE script
//! and a 10-key read script against a host that answers at once).

use std::time::Instant;

use cinder_lua::{sha1_hex, Host, LogLevel, Lua, Resp, Value};

struct Fast;

impl Host for Fast {
    fn call(&mut self, argv: &[&[u8]], _resp: Resp) -> Value {
        match argv[0] {
            b"incr" | b"expire" => Value::Int(1),
            _ => Value::Bulk(b"value".to_vec()),
        }
    }
    fn log(&mut self, _level: LogLevel, _message: &[u8]) {}
    fn set_repl(&mut self, _flags: i32) -> Result<(), Vec<u8>> {
        Ok(())
    }
    fn acl_check_cmd(&mut self, _argv: &[&[u8]]) -> Result<bool, Vec<u8>> {
        Ok(true)
    }
    fn on_hook(&mut self) -> Result<(), Vec<u8>> {
        Ok(())
    }
}

fn main() {
    let mut lua = Lua::new_for_eval();
    let scripts = [
        ("incr+expire", "local v = redis.call('incr', KEYS[1]) redis.call('expire', KEYS[1], 60) return v"),
        ("10-key read", "local r = {} for i = 1, #KEYS do r[i] = redis.call('get', KEYS[i]) end return r"),
    ];
    let keys: Vec<Vec<u8>> = (0..10).map(|i| format!("key:{i}").into_bytes()).collect();
    let key_refs: Vec<&[u8]> = keys.iter().map(|k| k.as_slice()).collect();
    for (name, body) in scripts {
        let sha = sha1_hex(body.as_bytes());
        lua.create_eval_function(&sha, body.as_bytes()).unwrap();
        let n = 200_000;
        let t0 = Instant::now();
        for _ in 0..n {
            let v = lua.call_eval_function(&sha, &key_refs, &[], Resp::Two, &mut Fast);
            assert!(!matches!(v, Value::Error(_)));
        }
        let dt = t0.elapsed();
        println!(
            "{name}: {:.2} us/call, {:.0} calls/s",
            dt.as_secs_f64() * 1e6 / n as f64,
            n as f64 / dt.as_secs_f64()
        );
    }
}
