//! Multi-connection scenarios against both servers: after every step, whatever each
//! connection received (complete replies, pushes, or the connection closing) is recorded,
//! and the two transcripts must be identical byte for byte (used by `tests/blocking.rs`
//! and `tests/pubsub.rs`).
//!
//! Step syntax: `N: command args` sends a command on connection N (opened on first use;
//! arguments split on spaces, `$name` replaced by a captured value); `N: @id name`
//! captures connection N's `CLIENT ID` (not compared: ids differ); `N: @quiet cmd` runs a
//! command whose reply is not compared (HELLO shows the id); `@sleep MS` waits;
//! `N: @close` closes connection N; `N: @pipe cmd1 | cmd2` sends commands in one write;
//! `N: @async cmd` sends a command without waiting for its reply (a paused client). MONITOR
//! lines are compared with their time and client address masked.
//!
//! A step is complete once the connection that sent a (non-blocking) command has its
//! reply and then every connection has been quiet for 40 ms: the replies land in the step
//! that caused them even when a loaded machine answers slowly.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::conn::{Conn, Outcome};
use crate::resp::{as_int, encode_command};
use crate::server::{Kind, Server};
use crate::text::escape_window;

/// How long all connections must stay quiet before a step's replies count as complete.
const SETTLE: Duration = Duration::from_millis(40);
/// How long a step waits for the reply to its own command before settling anyway (a
/// loaded machine can take far longer than SETTLE to answer).
const OWN_REPLY_WAIT: Duration = Duration::from_secs(5);
/// Wait for a reply on one connection during one polling round.
const POLL: Duration = Duration::from_millis(2);

fn argv(line: &str, vars: &HashMap<String, String>) -> Vec<Vec<u8>> {
    line.split(' ')
        .filter(|a| !a.is_empty())
        .map(|a| match a.strip_prefix('$') {
            // A bare `$` is an argument (XREAD's "new entries only").
            Some(name) if !name.is_empty() => {
                vars.get(name).unwrap_or_else(|| panic!("no captured ${name}")).clone().into_bytes()
            }
            _ => a.as_bytes().to_vec(),
        })
        .collect()
}

/// Whether a command may legitimately leave its own connection without a reply for a
/// while (it blocks): then a step only settles, it does not wait for that reply.
fn may_block(argv: &[Vec<u8>]) -> bool {
    let name = argv.first().map(|a| a.to_ascii_uppercase()).unwrap_or_default();
    let blocking: [&[u8]; 9] =
        [b"BLPOP", b"BRPOP", b"BLMOVE", b"BRPOPLPUSH", b"BLMPOP", b"BZPOPMIN", b"BZPOPMAX", b"BZMPOP", b"WAIT"];
    blocking.contains(&name.as_slice())
        || ((name == b"XREAD" || name == b"XREADGROUP") && argv.iter().any(|a| a.eq_ignore_ascii_case(b"BLOCK")))
}

/// Runs `steps` on a fresh server of `kind`; returns the transcript.
pub fn transcript(kind: Kind, steps: &[&str]) -> Vec<String> {
    let server = Server::start(kind);
    let mut conns: Vec<Option<Conn>> = Vec::new();
    let mut vars: HashMap<String, String> = HashMap::new();
    let mut out = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        // The connection whose own reply the step waits for (not for blocking commands,
        // pipelines, closes and sleeps).
        let mut awaits_reply_on: Option<usize> = None;
        if let Some(ms) = step.strip_prefix("@sleep ") {
            std::thread::sleep(Duration::from_millis(ms.parse().unwrap()));
        } else {
            let (n, cmd) = step.split_once(": ").unwrap_or_else(|| panic!("bad step {step:?}"));
            let n: usize = n.parse().unwrap();
            while conns.len() <= n {
                conns.push(None);
            }
            if conns[n].is_none() {
                conns[n] = Some(Conn::connect(server.port).expect("connect"));
            }
            let conn = conns[n].as_mut().unwrap();
            if let Some(name) = cmd.strip_prefix("@id ") {
                conn.send(&encode_command(&argv("CLIENT ID", &vars))).unwrap();
                let Outcome::Reply(r) = conn.read_reply(Duration::from_secs(5)) else {
                    panic!("{}: no CLIENT ID reply", server.name)
                };
                vars.insert(name.to_string(), as_int(&r).expect("CLIENT ID is an integer").to_string());
                continue;
            } else if let Some(c) = cmd.strip_prefix("@quiet ") {
                conn.send(&encode_command(&argv(c, &vars))).unwrap();
                if !matches!(conn.read_reply(Duration::from_secs(5)), Outcome::Reply(_)) {
                    panic!("{}: no reply to {c}", server.name);
                }
                continue;
            } else if cmd == "@close" {
                conns[n] = None;
            } else if let Some(c) = cmd.strip_prefix("@async ") {
                // Sent without waiting for its reply (a client CLIENT PAUSE holds).
                conn.send(&encode_command(&argv(c, &vars))).unwrap();
            } else if let Some(cmds) = cmd.strip_prefix("@pipe ") {
                let bytes: Vec<u8> = cmds.split(" | ").flat_map(|c| encode_command(&argv(c, &vars))).collect();
                conn.send(&bytes).unwrap();
            } else {
                let args = argv(cmd, &vars);
                conn.send(&encode_command(&args)).unwrap();
                if !may_block(&args) {
                    awaits_reply_on = Some(n);
                }
            }
        }
        // Collect what every connection received because of this step: poll them in turn
        // until none has said anything for SETTLE.
        let mut got: Vec<Vec<String>> = vec![Vec::new(); conns.len()];
        let started = Instant::now();
        let mut quiet_since = started;
        while quiet_since.elapsed() < SETTLE || (awaits_reply_on.is_some() && started.elapsed() < OWN_REPLY_WAIT) {
            for (k, c) in conns.iter_mut().enumerate() {
                let Some(conn) = c else {
                    continue;
                };
                match conn.read_reply(POLL) {
                    Outcome::NoReply => {}
                    Outcome::Reply(b) => {
                        let b = mask_monitor_line(&b);
                        got[k].push(format!("\"{}\"", escape_window(&b, 0, 500)));
                        quiet_since = Instant::now();
                        if awaits_reply_on == Some(k) {
                            awaits_reply_on = None;
                        }
                    }
                    other => {
                        got[k].push(other.show(0));
                        *c = None;
                        quiet_since = Instant::now();
                        if awaits_reply_on == Some(k) {
                            awaits_reply_on = None;
                        }
                    }
                }
            }
        }
        for (k, replies) in got.into_iter().enumerate() {
            for r in replies {
                out.push(format!("step {} `{}`: conn {}: {}", i + 1, step, k, r));
            }
        }
    }
    out
}

/// A MONITOR line (`+<sec>.<usec> [<db> <addr>] ...`) with its time and client address
/// masked (`[0 lua]` kept): they differ between servers; the rest must not.
fn mask_monitor_line(b: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(b);
    let Some(rest) = text.strip_prefix('+') else {
        return b.to_vec();
    };
    let Some((ts, after)) = rest.split_once(" [") else {
        return b.to_vec();
    };
    let is_ts = ts.split_once('.').is_some_and(|(s, us)| {
        !s.is_empty()
            && s.bytes().all(|c| c.is_ascii_digit())
            && us.len() == 6
            && us.bytes().all(|c| c.is_ascii_digit())
    });
    let Some((origin, tail)) = after.split_once("] ") else {
        return b.to_vec();
    };
    if !is_ts {
        return b.to_vec();
    }
    let (db, addr) = origin.split_once(' ').unwrap_or((origin, ""));
    let addr = if addr == "lua" { "lua" } else { "<addr>" };
    format!("+<time> [{} {}] {}", db, addr, tail).into_bytes()
}

/// Runs a scenario on both servers and compares the transcripts.
pub fn scenario(name: &str, steps: &[&str]) {
    let redis = transcript(Kind::Redis, steps);
    let cinder = transcript(Kind::Cinder, steps);
    if redis != cinder {
        let mut report = format!("scenario {name}: transcripts differ\n");
        let n = redis.len().max(cinder.len());
        for i in 0..n {
            let (r, c) = (redis.get(i), cinder.get(i));
            let mark = if r == c { "  " } else { "!!" };
            report += &format!("{mark} redis:  {}\n{mark} cinder: {}\n", r.map_or("-", |s| s), c.map_or("-", |s| s));
        }
        panic!("{report}");
    }
}
