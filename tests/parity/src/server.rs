//! Starting and stopping the two servers under test on free loopback ports.
//!
//! Both servers are started with the same options: `--port P --bind 127.0.0.1 --save ''
//! --appendonly no --enable-debug-command yes --dir <temp dir>`.
//!
//! `Server` owns the child process and kills it on drop, so servers stop at the end of a
//! test even when it panics.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Which implementation a server process runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The reference, Debian's redis-server 7.0.
    Redis,
    /// cinder-server (or a second redis-server in self-test mode).
    Cinder,
}

/// A running server process; killed and reaped on drop.
pub struct Server {
    child: Child,
    /// Loopback TCP port it listens on.
    pub port: u16,
    /// Name for reports ("redis" / "cinder").
    pub name: &'static str,
    dir: PathBuf,
    exited: Option<std::process::ExitStatus>,
}

/// Whether `CINDER_PARITY_SELFTEST=1` asks to compare redis against redis.
pub fn selftest() -> bool {
    std::env::var("CINDER_PARITY_SELFTEST").is_ok_and(|v| v == "1")
}

/// Whether `CINDER_PARITY_TARGET=npm` asks to test `npx cinderkv` (the npm package's server
/// on the wasm engine, `bin/cinderkv.mjs` over `dist/`, built by `npm run build`) in place of
/// cinder-server.
pub fn npm_target() -> bool {
    std::env::var("CINDER_PARITY_TARGET").is_ok_and(|v| v == "npm")
}

/// `node bin/cinderkv.mjs` of this checkout (`NODE` overrides the node executable).
fn npm_server_command() -> Command {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let bin = root.join("bin/cinderkv.mjs");
    assert!(root.join("dist/server/cli.js").is_file(), "CINDER_PARITY_TARGET=npm needs dist/: run npm run build");
    let mut cmd = Command::new(std::env::var_os("NODE").unwrap_or_else(|| "node".into()));
    cmd.arg(bin);
    cmd
}

/// A port that was free a moment ago (bound to port 0, then released).
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().unwrap().port()
}

/// The redis-server executable: `REDIS_SERVER_BIN` or `redis-server` on PATH.
pub fn redis_server_bin() -> PathBuf {
    std::env::var_os("REDIS_SERVER_BIN").map(PathBuf::from).unwrap_or_else(|| "redis-server".into())
}

/// The cargo profile directory holding this test executable (`target/debug`).
fn profile_dir() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let deps = exe.parent()?;
    let dir = if deps.file_name()? == "deps" { deps.parent()? } else { deps };
    Some(dir.to_path_buf())
}

static BUILD_LOCK: Mutex<Option<PathBuf>> = Mutex::new(None);

/// The cinder-server executable: `CINDER_SERVER_BIN`, else the workspace's own binary in
/// this test's target dir, brought up to date once per test process with
/// `cargo build -p cinder-server` (same profile as the tests), so a run never tests a stale
/// server. Without cargo, an existing `target/{debug,release}/cinder-server` is used.
pub fn cinder_server_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("CINDER_SERVER_BIN") {
        return PathBuf::from(p);
    }
    let mut cached = BUILD_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(p) = cached.as_ref() {
        return p.clone();
    }
    let profile = profile_dir().expect("cannot locate the target directory");
    let target = profile.parent().unwrap_or(&profile).to_path_buf();
    let release = profile.file_name().is_some_and(|n| n == "release");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut build = Command::new(cargo);
    build.args(["build", "--quiet", "-p", "cinder-server"]).current_dir(&root).env("CARGO_TARGET_DIR", &target);
    if release {
        build.arg("--release");
    }
    let built = build.status().map(|s| s.success());
    let candidates = [profile.join("cinder-server"), target.join("release/cinder-server")];
    let bin = match (built, candidates.iter().find(|p| p.is_file())) {
        (Ok(true), _) => profile.join("cinder-server"),
        (Err(_), Some(p)) => p.clone(),
        (Ok(false), _) => panic!("cargo build -p cinder-server failed"),
        (Err(e), None) => panic!("no cinder-server binary and cannot run cargo: {e}"),
    };
    *cached = Some(bin.clone());
    bin
}

impl Server {
    /// Starts a server of `kind` on a free port and waits until it answers.
    pub fn start(kind: Kind) -> Server {
        let mut last_err = String::new();
        for _ in 0..5 {
            match Self::try_start(kind) {
                Ok(s) => return s,
                Err(e) => last_err = e,
            }
        }
        panic!("could not start {kind:?} server: {last_err}");
    }

    fn try_start(kind: Kind) -> Result<Server, String> {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("cinder-parity-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let log = std::fs::File::create(dir.join("server.log")).map_err(|e| e.to_string())?;
        let redis = kind == Kind::Redis || selftest();
        // Both get the same options, so configuration they report (CONFIG GET save,
        // bind, ...) can be compared.
        let mut cmd = if redis {
            Command::new(redis_server_bin())
        } else if npm_target() {
            npm_server_command()
        } else {
            Command::new(cinder_server_bin())
        };
        cmd.args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", ""])
            .args(["--appendonly", "no", "--enable-debug-command", "yes", "--dir"])
            .arg(&dir)
            .current_dir(&dir);
        let name = if kind == Kind::Redis { "redis" } else { "cinder" };
        let child = cmd
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("spawn {name}: {e}"))?;
        let mut server = Server { child, port, name, dir, exited: None };
        server.wait_ready()?;
        Ok(server)
    }

    /// Polls until the server answers a PING with any complete reply.
    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("{} exited at start ({status}): {}", self.name, self.log_tail()));
            }
            // `npx cinderkv` takes a moment to start, time enough for another test's server to
            // take the same free port and answer the PING: wait for its own "Ready" line first.
            if self.name == "cinder" && npm_target() && !self.log_tail().contains("Ready to accept connections") {
                std::thread::sleep(Duration::from_millis(20));
                continue;
            }
            if let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) {
                let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
                let mut buf = [0u8; 256];
                if s.write_all(b"*1\r\n$4\r\nPING\r\n").is_ok() && s.read(&mut buf).is_ok_and(|n| n > 0) {
                    return Ok(());
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(format!("{} did not answer on port {}: {}", self.name, self.port, self.log_tail()))
    }

    /// Whether the process is still running.
    pub fn is_alive(&mut self) -> bool {
        if self.exited.is_none() {
            if let Ok(Some(status)) = self.child.try_wait() {
                self.exited = Some(status);
            }
        }
        self.exited.is_none()
    }

    /// Whether the process was running at the last `is_alive` check (no new check).
    pub fn is_alive_hint(&self) -> bool {
        self.exited.is_none()
    }

    /// Process id of the server.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The last lines the server wrote to stdout/stderr (panic messages, start errors).
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The reference and the server under test, started together.
pub struct Pair {
    /// Real redis-server.
    pub redis: Server,
    /// cinder-server (a second redis-server in self-test mode).
    pub cinder: Server,
}

impl Pair {
    /// Starts both servers.
    pub fn start() -> Pair {
        let cinder = Server::start(Kind::Cinder);
        let redis = Server::start(Kind::Redis);
        Pair { redis, cinder }
    }

    /// Two real redis-servers, whatever the environment says (tests of the harness).
    pub fn start_reference_twice() -> Pair {
        let mut a = Server::start(Kind::Redis);
        let b = Server::start(Kind::Redis);
        a.name = "redis (second)";
        Pair { redis: b, cinder: a }
    }
}
