//! The server's [`MigrateLink`]: MIGRATE's blocking connections to target instances,
//! cached by `host:port` as Redis's `migrate_cached_sockets` (at most 64, closed after
//! 10 seconds unused by the cron). The whole server waits while MIGRATE runs, as Redis.

use cinder_core::cmd::keyspace::migrate::{ConnectError, LinkError, MigrateLink};
use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// Cached connections at most (`MIGRATE_SOCKET_CACHE_ITEMS`).
const CACHE_ITEMS: usize = 64;
/// Seconds unused before the cron closes a connection (`MIGRATE_SOCKET_CACHE_TTL`).
const CACHE_TTL: Duration = Duration::from_secs(10);
/// `syncReadLine`'s buffer: lines are cut at 1023 bytes.
const LINE_MAX: usize = 1023;

/// One cached connection.
struct Cached {
    /// `None` when the connect failed after the address resolved: Redis's blocking connect
    /// still hands the socket over and the write then fails (timed out or not).
    stream: Option<TcpStream>,
    connect_timed_out: bool,
    last_db: Option<i64>,
    last_use: Instant,
    /// Bytes read past the last line.
    buf: Vec<u8>,
}

/// The cache of MIGRATE connections.
#[derive(Default)]
pub struct Link {
    socks: HashMap<Vec<u8>, Cached>,
}

/// `host:port`, the cache key.
fn name(host: &[u8], port: &[u8]) -> Vec<u8> {
    let mut n = host.to_vec();
    n.push(b':');
    n.extend_from_slice(port);
    n
}

/// C's `atoi` of the port argument.
fn atoi(s: &[u8]) -> u16 {
    let s = std::str::from_utf8(s).unwrap_or("").trim_start();
    let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
    digits.parse::<u64>().map_or(0, |v| v as u16)
}

/// A timeout in milliseconds as a (non-zero) duration.
fn dur(ms: u64) -> Duration {
    Duration::from_millis(ms.max(1))
}

fn io_err(e: &std::io::Error) -> LinkError {
    match e.kind() {
        ErrorKind::WouldBlock | ErrorKind::TimedOut => LinkError::TimedOut,
        _ => LinkError::Broken,
    }
}

impl Link {
    fn get(&mut self, host: &[u8], port: &[u8]) -> Option<&mut Cached> {
        self.socks.get_mut(&name(host, port))
    }
}

impl MigrateLink for Link {
    fn connect(&mut self, host: &[u8], port: &[u8], timeout_ms: u64) -> Result<Option<i64>, ConnectError> {
        let key = name(host, port);
        if let Some(c) = self.socks.get_mut(&key) {
            c.last_use = Instant::now();
            return Ok(c.last_db);
        }
        if self.socks.len() >= CACHE_ITEMS {
            if let Some(k) = self.socks.keys().next().cloned() {
                self.socks.remove(&k);
            }
        }
        let host_s = std::str::from_utf8(host).map_err(|_| ConnectError)?;
        let addrs: Vec<_> = (host_s, atoi(port)).to_socket_addrs().map_err(|_| ConnectError)?.collect();
        if addrs.is_empty() {
            return Err(ConnectError);
        }
        // Redis's non-blocking connect keeps the first resolved address whatever happens
        // to it: a refused or timed-out connect shows up as a failed write.
        let (stream, timed_out) = match TcpStream::connect_timeout(&addrs[0], dur(timeout_ms)) {
            Ok(s) => (Some(s), false),
            Err(e) => (None, io_err(&e) == LinkError::TimedOut),
        };
        if let Some(s) = &stream {
            let _ = s.set_nodelay(true);
        }
        let c =
            Cached { stream, connect_timed_out: timed_out, last_db: None, last_use: Instant::now(), buf: Vec::new() };
        self.socks.insert(key, c);
        Ok(None)
    }

    fn write(&mut self, host: &[u8], port: &[u8], bytes: &[u8], timeout_ms: u64) -> Result<(), LinkError> {
        let c = self.get(host, port).ok_or(LinkError::Broken)?;
        let Some(s) = c.stream.as_mut() else {
            if c.connect_timed_out {
                std::thread::sleep(dur(timeout_ms));
                return Err(LinkError::TimedOut);
            }
            return Err(LinkError::Broken);
        };
        let start = Instant::now();
        for chunk in bytes.chunks(64 * 1024) {
            let left = dur(timeout_ms).saturating_sub(start.elapsed());
            if left.is_zero() {
                return Err(LinkError::TimedOut);
            }
            s.set_write_timeout(Some(left)).map_err(|e| io_err(&e))?;
            s.write_all(chunk).map_err(|e| io_err(&e))?;
        }
        Ok(())
    }

    fn read_line(&mut self, host: &[u8], port: &[u8], timeout_ms: u64) -> Result<Vec<u8>, LinkError> {
        let c = self.get(host, port).ok_or(LinkError::Broken)?;
        let s = c.stream.as_mut().ok_or(LinkError::Broken)?;
        loop {
            if let Some(i) = c.buf.iter().take(LINE_MAX + 1).position(|&b| b == b'\n') {
                let mut line: Vec<u8> = c.buf.drain(..=i).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(line);
            }
            if c.buf.len() >= LINE_MAX {
                return Ok(c.buf.drain(..LINE_MAX).collect());
            }
            s.set_read_timeout(Some(dur(timeout_ms))).map_err(|e| io_err(&e))?;
            let mut chunk = [0u8; 4096];
            match s.read(&mut chunk) {
                Ok(0) => return Err(LinkError::Broken),
                Ok(n) => c.buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(io_err(&e)),
            }
        }
    }

    fn set_last_db(&mut self, host: &[u8], port: &[u8], db: Option<i64>) {
        if let Some(c) = self.get(host, port) {
            c.last_db = db;
        }
    }

    fn close(&mut self, host: &[u8], port: &[u8]) {
        self.socks.remove(&name(host, port));
    }

    fn cached(&self) -> usize {
        self.socks.len()
    }

    fn close_idle(&mut self) {
        self.socks.retain(|_, c| c.last_use.elapsed() <= CACHE_TTL);
    }
}
