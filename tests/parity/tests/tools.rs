//! Stock redis-cli and redis-benchmark must work against cinder-server unchanged: the
//! same redis-cli invocations print the same output for both servers, and
//! redis-benchmark completes without errors.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cinder_parity::server::Pair;

/// Runs a program with `stdin` input; returns (exit success, stdout + stderr). Killed
/// after `limit` so a hanging server fails the test instead of blocking it.
fn run(program: &str, args: &[String], stdin: &[u8], limit: Duration) -> (bool, String) {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {program}: {e}"));
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stdout.read_to_end(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stderr.read_to_end(&mut s);
        s
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let _ = writer.join();
    let mut text = String::from_utf8_lossy(&out_reader.join().unwrap()).into_owned();
    text.push_str(&String::from_utf8_lossy(&err_reader.join().unwrap()));
    match status {
        Some(s) => (s.success(), text),
        None => (false, format!("{text}\n(killed after {limit:?})")),
    }
}

fn args(port: u16, rest: &[&str]) -> Vec<String> {
    let mut v = vec!["-p".to_string(), port.to_string()];
    v.extend(rest.iter().map(|s| s.to_string()));
    v
}

#[test]
fn redis_cli_output_is_identical() {
    let pair = Pair::start();
    let cases: &[(&[&str], &[u8])] = &[
        (&["set", "a", "b"], b""),
        (&["get", "a"], b""),
        (&["--no-raw", "get", "a"], b""),
        (&["get", "missing"], b""),
        (&["--no-raw", "mget", "a", "missing"], b""),
        (&["incr", "a"], b""),
        (&["-n", "1", "incr", "counter"], b""),
        (&["-n", "1", "get", "counter"], b""),
        (&["ping"], b""),
        (&["echo", "hello world"], b""),
        (&["-3", "--no-raw", "get", "missing"], b""),
        (&["-3", "--no-raw", "incrbyfloat", "f", "1.5"], b""),
        (&[], b"set x 1\nget x\nexists x missing\n"),
        (&["--pipe"], b"*3\r\n$3\r\nSET\r\n$2\r\np1\r\n$1\r\nv\r\n*2\r\n$3\r\nGET\r\n$2\r\np1\r\n*1\r\n$4\r\nINCR\r\n"),
        (&["-x", "set", "fromstdin"], b"line one\nline two\n"),
        (&["get", "fromstdin"], b""),
        (&["--scan", "--pattern", "p*"], b""),
        (&["-r", "3", "incr", "rep"], b""),
        (&["--no-raw", "keys", "nomatch*"], b""),
        (&["--no-raw", "nosuchcommand", "x"], b""),
    ];
    let mut failures = Vec::new();
    for (rest, input) in cases {
        let r = run("redis-cli", &args(pair.redis.port, rest), input, Duration::from_secs(30));
        let c = run("redis-cli", &args(pair.cinder.port, rest), input, Duration::from_secs(30));
        if r != c {
            failures.push(format!("redis-cli {}\n    redis:  {:?}\n    cinder: {:?}", rest.join(" "), r, c));
        }
    }
    assert!(failures.is_empty(), "\n{}\n{} redis-cli invocation(s) differ", failures.join("\n"), failures.len());
}

#[test]
fn redis_benchmark_runs_cleanly() {
    let pair = Pair::start();
    let port = pair.cinder.port;
    for rest in [
        &["-t", "set,get", "-n", "2000", "-q"][..],
        &["-t", "ping,incr,mset", "-n", "2000", "-P", "16", "-q"],
        &["-t", "set,get", "-n", "2000", "-c", "10", "-r", "1000", "-d", "100", "-q"],
    ] {
        let (ok, out) = run("redis-benchmark", &args(port, rest), b"", Duration::from_secs(120));
        let lower = out.to_lowercase();
        assert!(ok, "redis-benchmark {} failed:\n{out}", rest.join(" "));
        assert!(
            !lower.contains("error") && !lower.contains("warn"),
            "redis-benchmark {} reported a problem:\n{out}",
            rest.join(" ")
        );
        // "ping" runs two tests: PING_INLINE and PING_MBULK.
        let tests: usize = rest[1].split(',').map(|t| if t == "ping" { 2 } else { 1 }).sum();
        let results = out.matches("requests per second").count();
        assert_eq!(results, tests, "redis-benchmark {} printed:\n{out}", rest.join(" "));
    }
}
