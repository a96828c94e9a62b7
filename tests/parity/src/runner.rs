//! Runs `.redis` scripts against a fresh redis/cinder pair and collects every mismatch.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use crate::compare::differ;
use crate::conn::{Conn, Outcome};
use crate::resp;
use crate::script::{parse_script, Line, Mode, Step};
use crate::server::{Pair, Server};
use crate::text::{escape, format_command};

/// One disagreement between the servers.
#[derive(Debug)]
pub struct Mismatch {
    /// `file:line`.
    pub location: String,
    /// The script line.
    pub command: String,
    /// The reference's reply, escaped.
    pub redis: String,
    /// cinder's reply, escaped.
    pub cinder: String,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}\n    redis:  {}\n    cinder: {}", self.location, self.command, self.redis, self.cinder)
    }
}

/// Client connections to both servers (one pair per `@conn` number).
pub struct Clients<'a> {
    pair: &'a mut Pair,
    vars: std::collections::HashMap<Vec<u8>, (Vec<u8>, Vec<u8>)>,
    conns: Vec<Option<(Conn, Conn)>>,
    current: usize,
}

impl<'a> Clients<'a> {
    /// Opens connection pair 0 to both servers.
    pub fn new(pair: &'a mut Pair) -> std::io::Result<Clients<'a>> {
        let mut c = Clients { pair, vars: Default::default(), conns: Vec::new(), current: 0 };
        c.select(0)?;
        Ok(c)
    }

    /// Switches to connection pair `n`, opening it when new.
    pub fn select(&mut self, n: usize) -> std::io::Result<()> {
        if self.conns.len() <= n {
            self.conns.resize_with(n + 1, || None);
        }
        if self.conns[n].is_none() {
            let r = Conn::connect(self.pair.redis.port)?;
            let c = Conn::connect(self.pair.cinder.port)?;
            self.conns[n] = Some((r, c));
        }
        self.current = n;
        Ok(())
    }

    fn both(&mut self) -> &mut (Conn, Conn) {
        self.conns[self.current].as_mut().expect("selected connection")
    }

    /// Sends `argv` to both servers and returns (redis, cinder) outcomes. A side whose
    /// connection broke (closed, timed out, garbage) is reconnected afterwards.
    pub fn call(&mut self, argv: &[Vec<u8>]) -> (Outcome, Outcome) {
        let subst = |side: usize| -> Vec<Vec<u8>> {
            argv.iter()
                .map(|a| match a.strip_prefix(b"$").and_then(|n| self.vars.get(n)) {
                    Some((r, c)) => {
                        if side == 0 {
                            r.clone()
                        } else {
                            c.clone()
                        }
                    }
                    None => a.clone(),
                })
                .collect()
        };
        let (ra, ca) = (subst(0), subst(1));
        let (r, c) = self.both();
        let a = r.call(&ra);
        let b = c.call(&ca);
        self.heal(&a, &b);
        (a, b)
    }

    /// Remembers each side's value for `$name` substitution.
    pub fn set_var(&mut self, name: &str, redis: Vec<u8>, cinder: Vec<u8>) {
        self.vars.insert(name.as_bytes().to_vec(), (redis, cinder));
    }

    /// Sends raw bytes to both and reads `n` replies from each.
    pub fn raw(&mut self, bytes: &[u8], n: usize) -> Vec<(Outcome, Outcome)> {
        let (r, c) = self.both();
        let _ = r.send(bytes);
        let _ = c.send(bytes);
        let mut out = Vec::new();
        for _ in 0..n {
            let (r, c) = self.both();
            let a = r.read_reply(crate::conn::REPLY_TIMEOUT);
            let b = c.read_reply(crate::conn::REPLY_TIMEOUT);
            let broken = a.bytes().is_none() || b.bytes().is_none();
            out.push((a, b));
            if broken {
                break;
            }
        }
        if let Some((a, b)) = out.last().cloned() {
            self.heal(&a, &b);
        }
        out
    }

    /// Checks that both servers close the connection; reconnects both.
    pub fn closed(&mut self) -> (Outcome, Outcome) {
        let (r, c) = self.both();
        let a = r.read_reply(Duration::from_secs(2));
        let b = c.read_reply(Duration::from_secs(2));
        self.reconnect();
        (a, b)
    }

    /// Replaces the current pair with fresh connections.
    pub fn reconnect(&mut self) {
        let (r, c) = self.both();
        let _ = r.reconnect();
        let _ = c.reconnect();
    }

    fn heal(&mut self, a: &Outcome, b: &Outcome) {
        let (r, c) = self.both();
        if matches!(a, Outcome::Closed | Outcome::Garbage(_)) {
            let _ = r.reconnect();
        }
        if matches!(b, Outcome::Closed | Outcome::Garbage(_)) {
            let _ = c.reconnect();
        }
    }

    /// Both servers' processes, for liveness checks.
    pub fn servers(&mut self) -> [&mut Server; 2] {
        [&mut self.pair.redis, &mut self.pair.cinder]
    }
}

/// Runs the script at `path`; panics with a report of every mismatch.
pub fn run_script_test(path: &str) {
    let mismatches = run_script(Path::new(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    if !mismatches.is_empty() {
        let mut report = String::new();
        for m in &mismatches {
            let _ = writeln!(report, "{m}");
        }
        let name = Path::new(path).file_name().unwrap().to_string_lossy();
        panic!("\n{report}{} mismatch(es) in {name}", mismatches.len());
    }
}

/// Runs a script on a fresh server pair; returns all mismatches (or a setup error).
pub fn run_script(path: &Path) -> Result<Vec<Mismatch>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let file = format!("tests/parity/scripts/{}", path.file_name().unwrap().to_string_lossy());
    run_script_text(&mut Pair::start(), &file, &text)
}

/// Runs script `text` (reported as `file`) on `pair`; returns all mismatches.
pub fn run_script_text(pair: &mut Pair, file: &str, text: &str) -> Result<Vec<Mismatch>, String> {
    let lines = parse_script(text)?;
    let file = file.to_string();
    let mut clients = Clients::new(pair).map_err(|e| format!("connect: {e}"))?;
    clients.call(&[b"FLUSHALL".to_vec()]);
    let mut out = Vec::new();
    let mut silent = 0;
    for line in &lines {
        let before = out.len();
        run_line(&mut clients, line, &file, &mut out);
        // A server that stops answering would cost REPLY_TIMEOUT per remaining line.
        silent += out[before..].iter().filter(|m| m.cinder == "(no reply)" && m.redis != m.cinder).count();
        if silent >= 3 {
            out.push(Mismatch {
                location: format!("{file}:{}", line.lineno),
                command: line.text.clone(),
                redis: String::new(),
                cinder: "cinder stopped answering (3 timeouts); rest of the script skipped".into(),
            });
            return Ok(out);
        }
        if line.step == Step::Exited {
            let deadline = std::time::Instant::now() + Duration::from_secs(5);
            let mut alive = [true, true];
            while alive != [false, false] && std::time::Instant::now() < deadline {
                let [redis, cinder] = clients.servers();
                alive = [redis.is_alive(), cinder.is_alive()];
                std::thread::sleep(Duration::from_millis(20));
            }
            if alive != [false, false] {
                let show = |a: bool| if a { "still running" } else { "exited" }.to_string();
                out.push(Mismatch {
                    location: format!("{file}:{}", line.lineno),
                    command: line.text.clone(),
                    redis: show(alive[0]),
                    cinder: show(alive[1]),
                });
            }
            return Ok(out);
        }
        let mut alive = live(&mut clients);
        if alive[0] != alive[1] {
            // One server stopped: give the other a moment in case both are shutting down.
            let deadline = std::time::Instant::now() + Duration::from_secs(2);
            while alive[0] != alive[1] && std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
                alive = live(&mut clients);
            }
        }
        if alive[0] != alive[1] {
            let tail = |s: &Server| {
                if s.is_alive_hint() {
                    "running".to_string()
                } else {
                    format!("exited; log tail:\n{}", s.log_tail())
                }
            };
            let [redis, cinder] = clients.servers();
            out.push(Mismatch {
                location: format!("{file}:{}", line.lineno),
                command: line.text.clone(),
                redis: tail(redis),
                cinder: tail(cinder),
            });
            return Ok(out);
        }
    }
    Ok(out)
}

/// Whether `PARITY_VERBOSE=1` asks to print every command with the reference's reply.
fn verbose() -> bool {
    std::env::var("PARITY_VERBOSE").is_ok_and(|v| v == "1")
}

fn live(clients: &mut Clients) -> [bool; 2] {
    let [redis, cinder] = clients.servers();
    [redis.is_alive(), cinder.is_alive()]
}

fn push(out: &mut Vec<Mismatch>, file: &str, line: &Line, mode: Mode, a: &Outcome, b: &Outcome) {
    if verbose() {
        eprintln!("{}:{}: {}\n    -> {}", file, line.lineno, line.text, a.show(0));
    }
    if let Some(at) = differ(mode, a, b) {
        out.push(Mismatch {
            location: format!("{file}:{}", line.lineno),
            command: line.text.clone(),
            redis: a.show(at),
            cinder: b.show(at),
        });
    }
}

fn run_line(clients: &mut Clients, line: &Line, file: &str, out: &mut Vec<Mismatch>) {
    match &line.step {
        Step::Command { argv, mode } => {
            let (a, b) = clients.call(argv);
            push(out, file, line, *mode, &a, &b);
            if argv[0].eq_ignore_ascii_case(b"quit") && a.bytes().is_some() {
                let (a, b) = clients.closed();
                push(out, file, line, Mode::Exact, &a, &b);
            }
        }
        Step::Masked { argv, field } => {
            let (a, b) = clients.call(argv);
            let masked = |o: Outcome| match o {
                Outcome::Reply(r) => Outcome::Reply(crate::compare::mask_field(&r, field)),
                other => other,
            };
            push(out, file, line, Mode::Exact, &masked(a), &masked(b));
        }
        Step::Capture { name, argv } => {
            let (a, b) = clients.call(argv);
            push(out, file, line, Mode::Shape, &a, &b);
            let value = |o: &Outcome| {
                let r = o.bytes().unwrap_or_default();
                resp::as_bulk(r)
                    .map(<[u8]>::to_vec)
                    .or_else(|| resp::as_int(r).map(|i| i.to_string().into_bytes()))
                    .unwrap_or_default()
            };
            clients.set_var(name, value(&a), value(&b));
        }
        Step::Picks { key, argv, distinct } => {
            let with_values = argv.iter().any(|a| a.eq_ignore_ascii_case(b"withvalues"));
            let mut sides = Vec::new();
            for side in 0..2 {
                let (r, c) = clients.both();
                let conn = if side == 0 { r } else { c };
                let u = crate::picks::universe(conn, key);
                let got = conn.call(argv);
                sides.push(crate::picks::summary(&u, &got, with_values, *distinct));
            }
            if sides[0] != sides[1] || sides[0].contains("members=false") || sides[0].contains("distinct=false") {
                out.push(Mismatch {
                    location: format!("{file}:{}", line.lineno),
                    command: line.text.clone(),
                    redis: sides[0].clone(),
                    cinder: sides[1].clone(),
                });
            }
        }
        Step::ScanAll { argv } => {
            let a = scan_all(clients, argv, 0);
            let b = scan_all(clients, argv, 1);
            if a != b {
                out.push(Mismatch {
                    location: format!("{file}:{}", line.lineno),
                    command: line.text.clone(),
                    redis: a,
                    cinder: b,
                });
            }
        }
        Step::Sleep(ms) => std::thread::sleep(Duration::from_millis(*ms)),
        Step::Raw { replies, bytes } => {
            let got = clients.raw(bytes, *replies);
            for (a, b) in &got {
                push(out, file, line, Mode::Exact, a, b);
            }
        }
        Step::Closed => {
            let (a, b) = clients.closed();
            push(out, file, line, Mode::Exact, &a, &b);
        }
        Step::Reconnect => clients.reconnect(),
        Step::Exited => {}
        Step::Conn(n) => {
            if let Err(e) = clients.select(*n) {
                out.push(Mismatch {
                    location: format!("{file}:{}", line.lineno),
                    command: line.text.clone(),
                    redis: String::new(),
                    cinder: format!("cannot connect: {e}"),
                });
            }
        }
    }
}

/// Iterates a cursor command to cursor 0 on one side (0 = redis, 1 = cinder) and returns
/// a printable summary: the sorted set of elements, or the first non-SCAN reply.
pub fn scan_all(clients: &mut Clients, argv: &[Vec<u8>], side: usize) -> String {
    let cursor_at = if argv[0].eq_ignore_ascii_case(b"scan") { 1 } else { 2 };
    if argv.len() <= cursor_at {
        return call_side(clients, argv, side).show(0);
    }
    let mut argv = argv.to_vec();
    let mut seen: Vec<Vec<u8>> = Vec::new();
    let mut cursor = b"0".to_vec();
    for round in 0..100_000 {
        argv[cursor_at] = cursor.clone();
        let got = call_side(clients, &argv, side);
        let Some((next, elems)) = got.bytes().and_then(parse_scan_reply) else {
            return format!("after {round} calls ({}): {}", format_command(&argv), got.show(0));
        };
        seen.extend(elems);
        if next == b"0" {
            seen.sort();
            seen.dedup();
            let shown: Vec<String> = seen.iter().map(|e| format!("\"{}\"", escape(e))).collect();
            return format!("{{{}}}", shown.join(", "));
        }
        cursor = next;
    }
    "(cursor never returned to 0)".into()
}

fn call_side(clients: &mut Clients, argv: &[Vec<u8>], side: usize) -> Outcome {
    let (r, c) = clients.both();
    let conn = if side == 0 { r } else { c };
    let got = conn.call(argv);
    if got.bytes().is_none() {
        let _ = conn.reconnect();
    }
    got
}

/// Splits a `[cursor, [elements...]]` reply.
fn parse_scan_reply(reply: &[u8]) -> Option<(Vec<u8>, Vec<Vec<u8>>)> {
    let (_, top) = resp::split_aggregate(reply)?;
    if top.len() != 2 {
        return None;
    }
    let cursor = resp::as_bulk(top[0])?.to_vec();
    let (_, elems) = resp::split_aggregate(top[1])?;
    let elems = elems.iter().map(|e| resp::as_bulk(e).map(<[u8]>::to_vec)).collect::<Option<_>>()?;
    Some((cursor, elems))
}
