//! MIGRATE between Cinder and real redis-server 7.0.15, compared with real Redis
//! migrating to real Redis:
//!
//! - `cinder_to_redis`: the same scenario (single key, NOKEY, BUSYKEY, REPLACE, COPY,
//!   KEYS with TTLs into another db, validation errors, AUTH against requirepass, AUTH2
//!   with an ACL user, a listener that never answers, a closed port, an unresolvable host,
//!   INFO migrate_cached_sockets) from a Cinder source and from a Redis source, each to
//!   fresh real Redis targets; the transcripts (source replies and target contents) must
//!   match byte for byte.
//! - `redis_to_cinder`: a real Redis source migrating into a Cinder target and into a
//!   Redis target (RESTORE, SELECT, REPLACE, AUTH with requirepass).

use std::net::TcpListener;

use cinder_parity::conn::{Conn, Outcome};
use cinder_parity::server::{Kind, Server};

fn argv(s: &[&str]) -> Vec<Vec<u8>> {
    s.iter().map(|a| a.as_bytes().to_vec()).collect()
}

/// Runs `cmd` on `conn` and appends `label: reply` to the transcript.
fn step(t: &mut Vec<String>, label: &str, conn: &mut Conn, cmd: &[&str]) -> Vec<u8> {
    let out = conn.call(&argv(cmd));
    let bytes = match &out {
        Outcome::Reply(b) => b.clone(),
        other => other.show(0).into_bytes(),
    };
    // Ports differ between runs: MIGRATE is shown from its key argument on.
    let shown = if cmd[0] == "MIGRATE" && cmd.len() > 3 { &cmd[3..] } else { cmd };
    t.push(format!("{label} {shown:?} -> {}", String::from_utf8_lossy(&bytes).escape_debug()));
    bytes
}

/// A listener that accepts connections and never answers.
fn silent_listener() -> (TcpListener, u16) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    (l, port)
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// A redis-server on a fixed port that can be restarted on it.
struct Restartable {
    port: u16,
    child: std::process::Child,
}

impl Restartable {
    fn spawn(port: u16) -> std::process::Child {
        let child = std::process::Command::new(cinder_parity::server::redis_server_bin())
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        for _ in 0..200 {
            if Conn::connect(port).is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        child
    }

    fn start() -> Restartable {
        let port = cinder_parity::server::free_port();
        Restartable { port, child: Self::spawn(port) }
    }

    fn restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.child = Self::spawn(self.port);
    }
}

impl Drop for Restartable {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The scenario from `src` to fresh Redis targets; returns the transcript.
fn scenario(src_kind: Kind) -> Vec<String> {
    let src = Server::start(src_kind);
    let dst = Server::start(Kind::Redis);
    let auth_dst = Server::start(Kind::Redis);
    let acl_dst = Server::start(Kind::Redis);
    let (_silent, silent_port) = silent_listener();
    let closed = closed_port();
    let mut s = Conn::connect(src.port).unwrap();
    let mut d = Conn::connect(dst.port).unwrap();
    let mut t = Vec::new();
    let dp = dst.port.to_string();
    let dp = dp.as_str();
    let h = "127.0.0.1";

    step(&mut t, "src", &mut s, &["SET", "a", "1"]);
    step(&mut t, "src", &mut s, &["MIGRATE", h, dp, "a", "0", "1000"]);
    step(&mut t, "src", &mut s, &["EXISTS", "a"]);
    step(&mut t, "dst", &mut d, &["GET", "a"]);
    step(&mut t, "src", &mut s, &["MIGRATE", h, dp, "a", "0", "1000"]);
    step(&mut t, "src", &mut s, &["SET", "a", "2"]);
    step(&mut t, "src", &mut s, &["MIGRATE", h, dp, "a", "0", "1000"]);
    step(&mut t, "src", &mut s, &["MIGRATE", h, dp, "a", "0", "1000", "COPY", "REPLACE"]);
    step(&mut t, "src", &mut s, &["EXISTS", "a"]);
    step(&mut t, "dst", &mut d, &["GET", "a"]);
    step(&mut t, "src", &mut s, &["RPUSH", "l", "x", "y", "z"]);
    step(&mut t, "src", &mut s, &["HSET", "h", "f", "v"]);
    step(&mut t, "src", &mut s, &["SET", "e", "v", "PX", "100000"]);
    step(&mut t, "src", &mut s, &["MIGRATE", h, dp, "", "3", "5000", "KEYS", "l", "missing", "h", "e"]);
    step(&mut t, "src", &mut s, &["DBSIZE"]);
    step(&mut t, "dst", &mut d, &["SELECT", "3"]);
    step(&mut t, "dst", &mut d, &["LRANGE", "l", "0", "-1"]);
    step(&mut t, "dst", &mut d, &["HGETALL", "h"]);
    let pttl = d.call(&argv(&["PTTL", "e"]));
    let ok = matches!(&pttl, Outcome::Reply(b) if b.starts_with(b":9") || b.starts_with(b":10"));
    t.push(format!("dst PTTL e in (90000, 100000]: {ok}"));
    step(&mut t, "src", &mut s, &["MIGRATE", h, dp, "", "3", "5000", "KEYS", "nope"]);
    step(&mut t, "src", &mut s, &["MIGRATE", h, dp, "", "3", "5000", "KEYS"]);
    // Validation, in Redis's order.
    for cmd in [
        &["MIGRATE", h, dp, "a", "0", "1000", "KEYS", "a"][..],
        &["MIGRATE", h, dp, "", "0", "1000", "AUTH"],
        &["MIGRATE", h, dp, "", "0", "1000", "AUTH2", "u"],
        &["MIGRATE", h, dp, "a", "x", "y", "BOGUS"],
        &["MIGRATE", h, dp, "a", "x", "y"],
        &["MIGRATE", h, dp, "a", "x", "0"],
        &["MIGRATE", h, dp, "a", "0"],
        &["MIGRATE", h, dp, "nokey", "0", "-5"],
    ] {
        step(&mut t, "src", &mut s, cmd);
    }
    for cmd in [
        &["COMMAND", "GETKEYS", "MIGRATE", h, "1", "", "0", "5", "KEYS", "a", "b"][..],
        &["COMMAND", "GETKEYS", "MIGRATE", h, "1", "k", "0", "5"],
        &["COMMAND", "GETKEYS", "MIGRATE", h, "1", "k", "0", "5", "KEYS", "a"],
        &["COMMAND", "GETKEYS", "MIGRATE", h, "1", "", "0", "5", "AUTH", "keys", "x"],
        &["COMMAND", "GETKEYS", "MIGRATE", h, "1", "", "0", "5", "KEYS"],
        &["COMMAND", "GETKEYS", "MIGRATE", h, "1", "", "0", "5"],
    ] {
        step(&mut t, "src", &mut s, cmd);
    }
    // Inside MULTI.
    step(&mut t, "src", &mut s, &["SET", "m", "1"]);
    step(&mut t, "src", &mut s, &["MULTI"]);
    step(&mut t, "src", &mut s, &["MIGRATE", h, dp, "m", "0", "1000"]);
    step(&mut t, "src", &mut s, &["EXISTS", "m"]);
    step(&mut t, "src", &mut s, &["EXEC"]);
    step(&mut t, "dst", &mut d, &["SELECT", "0"]);
    step(&mut t, "dst", &mut d, &["GET", "m"]);
    // Target errors.
    step(&mut t, "src", &mut s, &["SET", "b", "1"]);
    step(&mut t, "src", &mut s, &["MIGRATE", h, dp, "b", "99", "1000"]);
    step(&mut t, "src", &mut s, &["MIGRATE", h, dp, "b", "-1", "1000"]);
    step(&mut t, "src", &mut s, &["MIGRATE", h, dp, "b", "-1", "1000", "REPLACE"]);
    step(&mut t, "src", &mut s, &["MIGRATE", h, dp, "b", "0", "1000", "AUTH", "nopass"]);
    step(&mut t, "src", &mut s, &["EXISTS", "b"]);
    // AUTH against requirepass.
    let mut a = Conn::connect(auth_dst.port).unwrap();
    step(&mut t, "adst", &mut a, &["CONFIG", "SET", "requirepass", "sekret"]);
    let ap = auth_dst.port.to_string();
    step(&mut t, "src", &mut s, &["MIGRATE", h, &ap, "b", "0", "1000", "AUTH", "wrong"]);
    step(&mut t, "src", &mut s, &["MIGRATE", h, &ap, "b", "0", "1000"]);
    step(&mut t, "src", &mut s, &["MIGRATE", h, &ap, "b", "0", "1000", "AUTH", "sekret"]);
    step(&mut t, "src", &mut s, &["EXISTS", "b"]);
    // AUTH2 with an ACL user.
    let mut c = Conn::connect(acl_dst.port).unwrap();
    step(&mut t, "acl", &mut c, &["ACL", "SETUSER", "mig", "on", ">pw", "~*", "+@all"]);
    step(&mut t, "acl", &mut c, &["ACL", "SETUSER", "default", "off"]);
    let cp = acl_dst.port.to_string();
    step(&mut t, "src", &mut s, &["SET", "c", "1"]);
    step(&mut t, "src", &mut s, &["MIGRATE", h, &cp, "c", "0", "1000", "AUTH2", "mig", "bad"]);
    step(&mut t, "src", &mut s, &["MIGRATE", h, &cp, "c", "0", "1000", "AUTH2", "mig", "pw"]);
    step(&mut t, "src", &mut s, &["EXISTS", "c"]);
    // Socket failures.
    let sp = silent_port.to_string();
    let cl = closed.to_string();
    step(&mut t, "src", &mut s, &["SET", "d", "1"]);
    step(&mut t, "src", &mut s, &["MIGRATE", h, &sp, "d", "0", "200"]);
    step(&mut t, "src", &mut s, &["MIGRATE", h, &cl, "d", "0", "200"]);
    step(&mut t, "src", &mut s, &["MIGRATE", "nosuchhost.invalid", dp, "d", "0", "200"]);
    step(&mut t, "src", &mut s, &["EXISTS", "d"]);
    // A cached connection whose target restarted: the write or first read fails, Redis
    // reconnects once and succeeds.
    let mut restarting = Restartable::start();
    let rp = restarting.port.to_string();
    step(&mut t, "src", &mut s, &["MIGRATE", h, &rp, "d", "0", "1000", "COPY"]);
    restarting.restart();
    step(&mut t, "src", &mut s, &["MIGRATE", h, &rp, "d", "0", "1000", "COPY"]);
    let info = s.call(&argv(&["INFO", "stats"]));
    let line = info
        .bytes()
        .and_then(|b| String::from_utf8_lossy(b).lines().find(|l| l.starts_with("migrate_cached")).map(str::to_owned));
    t.push(format!("src {line:?}"));
    t
}

#[test]
fn cinder_to_redis() {
    let reference = scenario(Kind::Redis);
    let candidate = scenario(Kind::Cinder);
    if std::env::var_os("PARITY_VERBOSE").is_some() {
        eprintln!("{}", reference.join("\n"));
    }
    let mut diffs = Vec::new();
    for (i, (r, c)) in reference.iter().zip(&candidate).enumerate() {
        if r != c {
            diffs.push(format!("step {i}:\n  redis:  {r}\n  cinder: {c}"));
        }
    }
    assert_eq!(reference.len(), candidate.len());
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}

/// A Redis source migrating into a target of `kind`.
fn into(kind: Kind) -> Vec<String> {
    let src = Server::start(Kind::Redis);
    let dst = Server::start(kind);
    let mut s = Conn::connect(src.port).unwrap();
    let mut d = Conn::connect(dst.port).unwrap();
    let mut t = Vec::new();
    let dp = dst.port.to_string();
    let dp = dp.as_str();
    let h = "127.0.0.1";
    step(&mut t, "src", &mut s, &["SET", "a", "1"]);
    step(&mut t, "src", &mut s, &["ZADD", "z", "1", "m", "2", "n"]);
    step(&mut t, "src", &mut s, &["XADD", "x", "1-1", "f", "v"]);
    step(&mut t, "src", &mut s, &["SADD", "s", "1", "2", "3"]);
    step(&mut t, "src", &mut s, &["MIGRATE", h, dp, "", "5", "1000", "KEYS", "a", "z", "x", "s"]);
    step(&mut t, "dst", &mut d, &["SELECT", "5"]);
    step(&mut t, "dst", &mut d, &["GET", "a"]);
    step(&mut t, "dst", &mut d, &["ZRANGE", "z", "0", "-1", "WITHSCORES"]);
    step(&mut t, "dst", &mut d, &["XRANGE", "x", "-", "+"]);
    step(&mut t, "dst", &mut d, &["SMEMBERS", "s"]);
    step(&mut t, "dst", &mut d, &["OBJECT", "ENCODING", "s"]);
    step(&mut t, "src", &mut s, &["SET", "a", "2", "EX", "1000"]);
    step(&mut t, "src", &mut s, &["MIGRATE", h, dp, "a", "5", "1000", "COPY"]);
    step(&mut t, "src", &mut s, &["MIGRATE", h, dp, "a", "5", "1000", "REPLACE"]);
    step(&mut t, "dst", &mut d, &["GET", "a"]);
    let ttl = d.call(&argv(&["TTL", "a"]));
    t.push(format!(
        "dst TTL a ~1000: {}",
        matches!(&ttl, Outcome::Reply(b) if b.starts_with(b":99") || b == b":1000\r\n")
    ));
    step(&mut t, "src", &mut s, &["SET", "f", "1"]);
    step(&mut t, "src", &mut s, &["MIGRATE", h, dp, "f", "200", "1000"]);
    step(&mut t, "src", &mut s, &["MIGRATE", h, dp, "f", "-1", "1000"]);
    step(&mut t, "src", &mut s, &["EXISTS", "f"]);
    // A target with requirepass set before the first connection.
    let auth_dst = Server::start(kind);
    let mut a = Conn::connect(auth_dst.port).unwrap();
    step(&mut t, "adst", &mut a, &["CONFIG", "SET", "requirepass", "pw"]);
    let ap = auth_dst.port.to_string();
    let ap = ap.as_str();
    for (key, auth) in [
        ("b1", &["AUTH", "nope"][..]),
        ("b2", &[]),
        ("b3", &["AUTH", "pw"]),
        ("b4", &["AUTH2", "default", "pw"]),
        ("b5", &["AUTH2", "default", "bad"]),
        ("b6", &["AUTH2", "nosuchuser", "pw"]),
    ] {
        step(&mut t, "src", &mut s, &["SET", key, "1"]);
        let mut cmd = vec!["MIGRATE", h, ap, key, "2", "1000"];
        cmd.extend_from_slice(auth);
        step(&mut t, "src", &mut s, &cmd);
        step(&mut t, "src", &mut s, &["EXISTS", key]);
    }
    step(&mut t, "adst", &mut a, &["AUTH", "pw"]);
    step(&mut t, "adst", &mut a, &["SELECT", "2"]);
    step(&mut t, "adst", &mut a, &["DBSIZE"]);
    for k in ["b1", "b2", "b3", "b4", "b5", "b6"] {
        step(&mut t, "adst", &mut a, &["EXISTS", k]);
    }
    t
}

#[test]
fn redis_to_cinder() {
    let reference = into(Kind::Redis);
    let candidate = into(Kind::Cinder);
    if std::env::var_os("PARITY_VERBOSE").is_some() {
        eprintln!("{}", reference.join("\n"));
    }
    let mut diffs = Vec::new();
    for (i, (r, c)) in reference.iter().zip(&candidate).enumerate() {
        if r != c {
            diffs.push(format!("step {i}:\n  redis:  {r}\n  cinder: {c}"));
        }
    }
    assert_eq!(reference.len(), candidate.len());
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}
