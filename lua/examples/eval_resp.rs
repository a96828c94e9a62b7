//! Reads EVAL scripts (one per line, `\n` written as `\\n`) from stdin and prints each result as RESP2 bytes, one
//! result per line (hex), for differential checks against a real Redis (`redis.call` answers `PONG`/echo only).

use std::io::BufRead;

use cinder_lua::{sha1_hex, Host, LogLevel, Lua, Resp, Value};

struct Echo;

impl Host for Echo {
    fn call(&mut self, argv: &[&[u8]], _resp: Resp) -> Value {
        match argv[0] {
            b"ping" => Value::Status(b"PONG".to_vec()),
            b"echo" if argv.len() == 2 => Value::Bulk(argv[1].to_vec()),
            _ => Value::Error(b"ERR Unknown Redis command called from script".to_vec()),
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

fn resp2(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Nil => out.extend_from_slice(b"$-1\r\n"),
        Value::NilArray => out.extend_from_slice(b"*-1\r\n"),
        Value::Int(i) => out.extend_from_slice(format!(":{i}\r\n").as_bytes()),
        Value::Bulk(b) | Value::BigNumber(b) | Value::Verbatim(_, b) => {
            out.extend_from_slice(format!("${}\r\n", b.len()).as_bytes());
            out.extend_from_slice(b);
            out.extend_from_slice(b"\r\n");
        }
        Value::Status(b) => {
            out.push(b'+');
            out.extend_from_slice(b);
            out.extend_from_slice(b"\r\n");
        }
        Value::Error(b) => {
            out.push(b'-');
            out.extend_from_slice(b);
            out.extend_from_slice(b"\r\n");
        }
        Value::Array(a) | Value::Set(a) => {
            out.extend_from_slice(format!("*{}\r\n", a.len()).as_bytes());
            for x in a {
                resp2(x, out);
            }
        }
        Value::Map(m) => {
            out.extend_from_slice(format!("*{}\r\n", m.len() * 2).as_bytes());
            for (k, x) in m {
                resp2(k, out);
                resp2(x, out);
            }
        }
        Value::Bool(b) => out.extend_from_slice(if *b { b":1\r\n" } else { b":0\r\n" }),
        Value::Double(d) => resp2(&Value::Bulk(format!("{d}").into_bytes()), out),
    }
}

fn main() {
    let mut lua = Lua::new_for_eval();
    for line in std::io::stdin().lock().lines() {
        let script = line.unwrap().replace("\\n", "\n");
        let sha = sha1_hex(script.as_bytes());
        let v = match lua.create_eval_function(&sha, script.as_bytes()) {
            Err(e) => Value::Error(e),
            Ok(()) => lua.call_eval_function(&sha, &[b"k1"], &[b"a1", b"2"], Resp::Two, &mut Echo),
        };
        let mut out = Vec::new();
        resp2(&v, &mut out);
        println!("{}", out.iter().map(|b| format!("{b:02x}")).collect::<String>());
    }
}
