//! Server I/O under load: deep pipelines, large values, many concurrent connections. The
//! whole reply stream of each connection must match real Redis byte for byte.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use cinder_parity::resp::{encode_command, reply_len};
use cinder_parity::server::Pair;
use cinder_parity::text::escape_window;

/// Sends `request` in one write (from a thread, so neither side blocks on full socket
/// buffers) and reads exactly `replies` complete replies; returns their bytes.
fn exchange(port: u16, request: Vec<u8>, replies: usize) -> Result<Vec<u8>, String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let sender = std::thread::spawn(move || writer.write_all(&request));
    let mut buf = Vec::new();
    let mut done = 0;
    let mut pos = 0;
    let mut chunk = vec![0u8; 1 << 16];
    while done < replies {
        match reply_len(&buf[pos..]) {
            Ok(Some(n)) => {
                pos += n;
                done += 1;
                continue;
            }
            Ok(None) => {}
            Err(e) => return Err(format!("bad RESP after {done} replies: {e}")),
        }
        match stream.read(&mut chunk) {
            Ok(0) => return Err(format!("connection closed after {done} of {replies} replies")),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) => return Err(format!("read after {done} of {replies} replies: {e}")),
        }
    }
    let _ = sender.join();
    Ok(buf)
}

fn cmd(parts: &[&[u8]]) -> Vec<u8> {
    encode_command(&parts.iter().map(|p| p.to_vec()).collect::<Vec<_>>())
}

fn assert_same(what: &str, redis: Result<Vec<u8>, String>, cinder: Result<Vec<u8>, String>) {
    let redis = redis.unwrap_or_else(|e| panic!("{what}: redis: {e}"));
    match cinder {
        Err(e) => panic!("{what}: cinder: {e}"),
        Ok(c) if c != redis => {
            let at = redis.iter().zip(&c).position(|(a, b)| a != b).unwrap_or(redis.len().min(c.len()));
            panic!(
                "{what}: reply streams differ at byte {at} (redis {} bytes, cinder {} bytes)\n    redis:  {}\n    cinder: {}",
                redis.len(),
                c.len(),
                escape_window(&redis, at, 300),
                escape_window(&c, at, 300)
            );
        }
        Ok(_) => {}
    }
}

#[test]
fn deep_pipeline_of_mixed_commands() {
    let pair = Pair::start();
    let mut req = cmd(&[b"FLUSHALL"]);
    let mut n = 1;
    for i in 0..20_000u32 {
        let key = format!("key:{}", i % 500);
        let val = format!("{}", i);
        let part = match i % 8 {
            0 => cmd(&[b"SET", key.as_bytes(), val.as_bytes()]),
            1 => cmd(&[b"GET", key.as_bytes()]),
            2 => cmd(&[b"INCR", format!("ctr:{}", i % 7).as_bytes()]),
            3 => cmd(&[b"APPEND", key.as_bytes(), b"x"]),
            4 => cmd(&[b"MGET", key.as_bytes(), b"key:1", b"missing"]),
            5 => cmd(&[b"EXISTS", key.as_bytes()]),
            6 => format!("PING {i}\r\n").into_bytes(),
            _ => cmd(&[b"STRLEN", key.as_bytes()]),
        };
        req.extend(part);
        n += 1;
    }
    let r = exchange(pair.redis.port, req.clone(), n);
    let c = exchange(pair.cinder.port, req, n);
    assert_same("20,000 pipelined commands", r, c);
}

#[test]
fn large_values_round_trip() {
    let pair = Pair::start();
    let big: Vec<u8> = (0..4 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    let mut req = cmd(&[b"SET", b"big", &big]);
    req.extend(cmd(&[b"GET", b"big"]));
    req.extend(cmd(&[b"STRLEN", b"big"]));
    req.extend(cmd(&[b"APPEND", b"big", &big[..1000]]));
    req.extend(cmd(&[b"GETRANGE", b"big", b"-1010", b"-1"]));
    req.extend(cmd(&[b"SETRANGE", b"big", b"5000000", b"tail"]));
    req.extend(cmd(&[b"GET", b"big"]));
    req.extend(cmd(&[b"MSET", b"a", &big[..100_000], b"b", &big[..200_000]]));
    req.extend(cmd(&[b"MGET", b"a", b"b", b"big"]));
    req.extend(cmd(&[b"ECHO", &big[..1_000_000]]));
    req.extend(cmd(&[b"DEL", b"big", b"a", b"b"]));
    let r = exchange(pair.redis.port, req.clone(), 11);
    let c = exchange(pair.cinder.port, req, 11);
    assert_same("large values", r, c);
}

#[test]
fn many_concurrent_connections() {
    let pair = Pair::start();
    let run = |port: u16| -> Vec<Result<Vec<u8>, String>> {
        let handles: Vec<_> = (0..64)
            .map(|c| {
                std::thread::spawn(move || {
                    let mut req = Vec::new();
                    for i in 0..200 {
                        let key = format!("conn{c}:k{}", i % 10);
                        req.extend(cmd(&[b"SET", key.as_bytes(), format!("{i}").as_bytes()]));
                        req.extend(cmd(&[b"INCR", key.as_bytes()]));
                        req.extend(cmd(&[b"GET", key.as_bytes()]));
                    }
                    req.extend(cmd(&[b"SELECT", format!("{}", c % 16).as_bytes()]));
                    req.extend(cmd(&[b"GET", b"nothing"]));
                    exchange(port, req, 602)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    };
    let r = run(pair.redis.port);
    let c = run(pair.cinder.port);
    for (i, (r, c)) in r.into_iter().zip(c).enumerate() {
        assert_same(&format!("connection {i} of 64"), r, c);
    }
}
