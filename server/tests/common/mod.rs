//! What the server's end-to-end tests share: a small RESP client (`Conn`, `V`), free
//! loopback ports and temporary folders removed on drop.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

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
