//! Replays a file of RESP commands through `Session::run_input` as a socket host does, for
//! profiling under callgrind (e.g. BullMQ's scripts captured by bench/bullmq/capture.mjs):
//! `replay <file> [times]` runs the whole file once, then every command after the leading
//! SCRIPT LOADs `times - 1` more times, and prints the reply bytes and error count.
use cinder_core::session::{Hooks, Outcome, Session};
use cinder_core::{ClientHandle, ConnInfo, Engine, EngineOptions, Reply};

/// Hooks of a host with a single connection: nothing goes anywhere else.
struct Alone;

impl Hooks for Alone {
    fn push(&mut self, _: &Engine, _: ClientHandle, _: Reply) {}
    fn wakeup(&mut self, _: &Engine, _: ClientHandle, _: Reply) {}
    fn close(&mut self, _: &mut Engine, _: ClientHandle) {}
    fn sleep(&mut self, _: &mut Engine, _: u64) {}
}

/// The number after a RESP type byte at `*at`, moving `*at` past its line.
fn number(data: &[u8], at: &mut usize) -> usize {
    let end = *at + data[*at..].windows(2).position(|w| w == b"\r\n").expect("a RESP line");
    let n = std::str::from_utf8(&data[*at + 1..end]).expect("digits").parse().expect("a number");
    *at = end + 2;
    n
}

/// The offset of the first command that is not `SCRIPT LOAD`.
fn after_loads(data: &[u8]) -> usize {
    let mut at = 0;
    while data[at..].starts_with(b"*3\r\n$6\r\nSCRIPT\r\n") {
        for _ in 0..number(data, &mut at) {
            at += number(data, &mut at) + 2;
        }
    }
    at
}

fn main() {
    let path = std::env::args().nth(1).expect("usage: replay <file> [times]");
    let times: usize = std::env::args().nth(2).map_or(1, |t| t.parse().expect("times"));
    let data = std::fs::read(&path).expect("read the capture");
    let body = after_loads(&data);
    let mut eng = Engine::new(EngineOptions { seed: 1, now_us: 1_700_000_000_000_000, ..Default::default() });
    let h = eng.connect(ConnInfo::default()).expect("connect");
    let mut session = Session::new();
    let mut parser = cinder_core::resp::RequestParser::new();
    let mut out = Vec::new();
    let (mut total, mut errors) = (0, 0);
    for round in 0..times {
        let mut input = if round == 0 { &data[..] } else { &data[body..] };
        while !input.is_empty() {
            let fed = session.run_input(&mut eng, h, &mut parser, input, &mut out, &mut Alone);
            assert_eq!(fed.outcome, Outcome::Done);
            input = &input[fed.used..];
            errors += out.split(|&b| b == b'\n').filter(|l| l.first() == Some(&b'-')).count();
            total += out.len();
            out.clear();
        }
    }
    println!("{total} reply bytes, {errors} error lines");
}
