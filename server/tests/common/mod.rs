//! What the server's end-to-end tests share: a small RESP client (`Conn`, `V`), free
//! loopback ports and temporary folders removed on drop.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Debian's redis-server 7.0.15, the reference.
pub const REDIS: &str = "/usr/bin/redis-server";

/// A RESP value, enough for these tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum V {
    S(String),
    E(String),
    I(i64),
    B(Option<Vec<u8>>),
    A(Vec<V>),
}

impl V {
    pub fn text(&self) -> String {
        match self {
            V::S(s) | V::E(s) => s.clone(),
            V::I(i) => i.to_string(),
            V::B(Some(b)) => String::from_utf8_lossy(b).into_owned(),
            V::B(None) => "(nil)".into(),
            V::A(a) => a.iter().map(|v| v.text()).collect::<Vec<_>>().join(","),
        }
    }
}

pub struct Conn {
    pub r: BufReader<TcpStream>,
    pub w: TcpStream,
}

impl Conn {
    pub fn new(port: u16) -> std::io::Result<Conn> {
        let s = TcpStream::connect(("127.0.0.1", port))?;
        s.set_read_timeout(Some(Duration::from_secs(20)))?;
        Ok(Conn { r: BufReader::new(s.try_clone()?), w: s })
    }

    pub fn send(&mut self, args: &[&str]) -> std::io::Result<()> {
        let mut out = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            out.extend_from_slice(format!("${}\r\n{}\r\n", a.len(), a).as_bytes());
        }
        self.w.write_all(&out)
    }

    pub fn read(&mut self) -> std::io::Result<V> {
        let mut line = String::new();
        if self.r.read_line(&mut line)? == 0 {
            return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "closed"));
        }
        let line = line.trim_end_matches("\r\n");
        let (t, rest) = line.split_at(1);
        Ok(match t {
            "+" => V::S(rest.into()),
            "-" => V::E(rest.into()),
            ":" => V::I(rest.parse().unwrap()),
            "$" => {
                let n: i64 = rest.parse().unwrap();
                if n < 0 {
                    V::B(None)
                } else {
                    let mut b = vec![0; n as usize + 2];
                    self.r.read_exact(&mut b)?;
                    b.truncate(n as usize);
                    V::B(Some(b))
                }
            }
            "*" => {
                let n: i64 = rest.parse().unwrap();
                let mut a = Vec::new();
                for _ in 0..n.max(0) {
                    a.push(self.read()?);
                }
                V::A(a)
            }
            _ => panic!("bad reply line {line:?}"),
        })
    }

    pub fn cmd(&mut self, args: &[&str]) -> V {
        self.send(args).unwrap();
        self.read().unwrap()
    }

    pub fn t(&mut self, args: &[&str]) -> String {
        self.cmd(args).text()
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A fresh temporary folder, removed when the returned guard drops (at the end of the test,
/// after its servers: declare it first).
pub fn temp_dir(prefix: &str, name: &str) -> TempDir {
    let d = std::env::temp_dir().join(format!("cinder-{}-{}-{}-{}", prefix, name, std::process::id(), free_port()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    TempDir(d)
}

/// A folder removed on drop.
pub struct TempDir(pub PathBuf);

impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// An INFO field of `section`.
pub fn info_field(c: &mut Conn, section: &str, field: &str) -> String {
    let text = c.t(&["INFO", section]);
    text.lines().find_map(|l| l.strip_prefix(&format!("{field}:")).map(|v| v.trim().to_string())).unwrap_or_default()
}

/// A server process (cinder-server or redis-server) on a loopback port, killed on drop.
pub struct Srv {
    pub child: Child,
    pub port: u16,
    pub log: PathBuf,
}

impl Srv {
    /// Starts `bin` in `dir` with `args`; `Err(log)` when it exits instead of serving.
    pub fn try_start(bin: &str, dir: &Path, args: &[&str]) -> Result<Srv, String> {
        Srv::try_start_on(bin, dir, free_port(), args)
    }

    /// [`Srv::try_start`] on a given port.
    pub fn try_start_on(bin: &str, dir: &Path, port: u16, args: &[&str]) -> Result<Srv, String> {
        let log = dir.join(format!("server-{port}.log"));
        let out = std::fs::File::create(&log).unwrap();
        let mut child = Command::new(bin)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--dir"])
            .arg(dir)
            .args(args)
            .current_dir(dir)
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(_st) = child.try_wait().unwrap() {
                return Err(std::fs::read_to_string(&log).unwrap_or_default());
            }
            if let Ok(mut c) = Conn::new(port) {
                // Our own server (not another test's that took the port first).
                let ours = format!("process_id:{}\r\n", child.id());
                if c.send(&["INFO", "server"]).is_ok() && c.read().is_ok_and(|v| v.text().contains(&ours)) {
                    return Ok(Srv { child, port, log });
                }
            }
            assert!(Instant::now() < deadline, "server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn start(dir: &Path, args: &[&str]) -> Srv {
        Srv::try_start(env!("CARGO_BIN_EXE_cinder-server"), dir, args).unwrap_or_else(|log| panic!("exited: {log}"))
    }

    pub fn redis(dir: &Path, args: &[&str]) -> Srv {
        Srv::try_start(REDIS, dir, args).unwrap_or_else(|log| panic!("redis exited: {log}"))
    }

    pub fn conn(&self) -> Conn {
        Conn::new(self.port).unwrap()
    }

    pub fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SHUTDOWN with `args`; waits for the exit.
    pub fn shutdown(mut self, args: &[&str]) {
        let mut c = self.conn();
        let mut cmd = vec!["SHUTDOWN"];
        cmd.extend_from_slice(args);
        let _ = c.send(&cmd);
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "no exit after SHUTDOWN");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Srv {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn have_redis() -> bool {
    Path::new(REDIS).exists()
}
