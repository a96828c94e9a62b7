//! Instruction-count probe of the host path through `Session` (run under callgrind):
//! `input-set`/`input-get` feed one RESP command at a time to `Session::run_input` as a
//! socket host does; `command-set`/`command-get` run split arguments through
//! `Session::run_command` as a request/response host does. 200,000 commands each.
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

fn main() {
    let mut eng = Engine::new(EngineOptions { seed: 1, now_us: 1_700_000_000_000_000, ..Default::default() });
    let h = eng.connect(ConnInfo::default()).expect("connect");
    let what = std::env::args().nth(1).unwrap_or_default();
    let keys: Vec<Vec<u8>> = (0..10_000).map(|i| format!("key:{i:06}").into_bytes()).collect();
    let mut session = Session::new();
    let mut parser = cinder_core::resp::RequestParser::new();
    let mut input = Vec::new();
    let mut out = Vec::new();
    let mut total = 0;
    for i in 0..200_000 {
        let k = &keys[i % keys.len()];
        let outcome = match what.as_str() {
            "input-set" | "input-get" => {
                input.clear();
                if what == "input-set" {
                    input.extend_from_slice(b"*3\r\n$3\r\nSET\r\n$10\r\n");
                    input.extend_from_slice(k);
                    input.extend_from_slice(b"\r\n$16\r\nvalue-0123456789\r\n");
                } else {
                    input.extend_from_slice(b"*2\r\n$3\r\nGET\r\n$10\r\n");
                    input.extend_from_slice(k);
                    input.extend_from_slice(b"\r\n");
                }
                session.run_input(&mut eng, h, &mut parser, &input, &mut out, &mut Alone).outcome
            }
            "command-set" => session.run_command(&mut eng, h, &[b"SET", k, b"value-0123456789"], &mut out, &mut Alone),
            "command-get" => session.run_command(&mut eng, h, &[b"GET", k], &mut out, &mut Alone),
            _ => panic!("usage: session_path input-set|input-get|command-set|command-get"),
        };
        assert_eq!(outcome, Outcome::Done);
        total += out.len();
        out.clear();
    }
    println!("{total} reply bytes");
}
