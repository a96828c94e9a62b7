//! Reads EVAL scripts (one per line, `\n` written as `\\n`) from stdin and prints each result as RESP2 bytes, one
//! result per line (hex), for differential checks against a real Redis (lua/tests/diff/diff_redis.py).
//! `redis.call` answers `PONG`/echo only, or, with `REDIS_PORT` set, forwards every command to that real Redis
//! (over a RESP2 or a RESP3 connection, as the script's `redis.setresp` asks).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

use cinder_lua::{sha1_hex, Host, LogLevel, Lua, Resp, Value};

struct Echo {
    conns: Option<(BufReader<TcpStream>, BufReader<TcpStream>)>,
}

fn read_line(r: &mut BufReader<TcpStream>) -> Vec<u8> {
    let mut line = Vec::new();
    r.read_until(b'\n', &mut line).unwrap();
    line.truncate(line.len().saturating_sub(2));
    line
}

/// One RESP2/RESP3 reply as a `Value`.
fn read_reply(r: &mut BufReader<TcpStream>) -> Value {
    let line = read_line(r);
    let rest = String::from_utf8_lossy(&line[1..]).to_string();
    let n = || rest.parse::<i64>().unwrap_or(0);
    let bulk = |r: &mut BufReader<TcpStream>, n: i64| {
        let mut b = vec![0u8; n as usize + 2];
        r.read_exact(&mut b).unwrap();
        b.truncate(n as usize);
        b
    };
    match line[0] {
        b'+' => Value::Status(line[1..].to_vec()),
        b'-' => Value::Error(line[1..].to_vec()),
        b':' => Value::Int(n()),
        b'$' if n() < 0 => Value::Nil,
        b'$' => Value::Bulk(bulk(r, n())),
        b'*' if n() < 0 => Value::NilArray,
        b'*' => Value::Array((0..n()).map(|_| read_reply(r)).collect()),
        b'~' => Value::Set((0..n()).map(|_| read_reply(r)).collect()),
        b'%' => Value::Map((0..n()).map(|_| (read_reply(r), read_reply(r))).collect()),
        b'_' => Value::Nil,
        b'#' => Value::Bool(line[1] == b't'),
        b',' => Value::Double(match rest.as_str() {
            "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            s => s.parse().unwrap_or(f64::NAN),
        }),
        b'(' => Value::BigNumber(line[1..].to_vec()),
        b'=' => {
            let b = bulk(r, n());
            Value::Verbatim([b[0], b[1], b[2]], b[4..].to_vec())
        }
        _ => Value::Nil,
    }
}

fn send(r: &mut BufReader<TcpStream>, argv: &[&[u8]]) -> Value {
    let mut req = format!("*{}\r\n", argv.len()).into_bytes();
    for a in argv {
        req.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        req.extend_from_slice(a);
        req.extend_from_slice(b"\r\n");
    }
    r.get_mut().write_all(&req).unwrap();
    read_reply(r)
}

impl Host for Echo {
    fn call(&mut self, argv: &[&[u8]], resp: Resp) -> Value {
        if let Some((two, three)) = &mut self.conns {
            return send(if resp == Resp::Three { three } else { two }, argv);
        }
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
    let conns = std::env::var("REDIS_PORT").ok().map(|p| {
        let connect = || BufReader::new(TcpStream::connect(("127.0.0.1", p.parse::<u16>().unwrap())).unwrap());
        let two = connect();
        let mut three = connect();
        send(&mut three, &[b"HELLO", b"3"]);
        (two, three)
    });
    let mut host = Echo { conns };
    for line in std::io::stdin().lock().lines() {
        let script = line.unwrap().replace("\\n", "\n");
        let sha = sha1_hex(script.as_bytes());
        let v = match lua.create_eval_function(&sha, script.as_bytes()) {
            Err(e) => Value::Error(e),
            Ok(()) => lua.call_eval_function(&sha, &[b"k1"], &[b"a1", b"2"], Resp::Two, &mut host),
        };
        let mut out = Vec::new();
        resp2(&v, &mut out);
        println!("{}", out.iter().map(|b| format!("{b:02x}")).collect::<String>());
    }
}
