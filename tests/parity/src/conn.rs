//! A raw TCP client connection that returns the exact bytes of each reply.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::resp;
use crate::text::escape_window;

/// How long to wait for a reply before calling it missing.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(10);
/// How long to wait when no reply is expected (`CLIENT REPLY OFF`/`SKIP`).
pub const SILENCE_TIMEOUT: Duration = Duration::from_millis(150);

/// What a server sent back for one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// One complete reply, exact bytes.
    Reply(Vec<u8>),
    /// Nothing arrived within the wait.
    NoReply,
    /// The server closed the connection.
    Closed,
    /// Bytes that are not RESP (the message says what was wrong).
    Garbage(String),
}

impl Outcome {
    /// The reply bytes, if this is a reply.
    pub fn bytes(&self) -> Option<&[u8]> {
        match self {
            Outcome::Reply(b) => Some(b),
            _ => None,
        }
    }

    /// Readable form for reports, cut around byte `focus` when long.
    pub fn show(&self, focus: usize) -> String {
        match self {
            Outcome::Reply(b) => format!("\"{}\"", escape_window(b, focus, 400)),
            Outcome::NoReply => "(no reply)".into(),
            Outcome::Closed => "(connection closed)".into(),
            Outcome::Garbage(m) => format!("(not RESP: {m})"),
        }
    }
}

/// One client connection with its unparsed input buffer and the reply mode set by
/// `CLIENT REPLY` (so the harness knows when a server is supposed to stay silent).
pub struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
    port: u16,
    replies_off: bool,
    skip_next: u32,
}

impl Conn {
    /// Connects to 127.0.0.1:`port`.
    pub fn connect(port: u16) -> std::io::Result<Conn> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_nodelay(true)?;
        Ok(Conn { stream, buf: Vec::new(), port, replies_off: false, skip_next: 0 })
    }

    /// Replaces this connection with a new one to the same port.
    pub fn reconnect(&mut self) -> std::io::Result<()> {
        *self = Conn::connect(self.port)?;
        Ok(())
    }

    /// Sends raw bytes.
    pub fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// Sends one command and reads its reply (or checks for silence when the command is
    /// one the server must not answer, per `CLIENT REPLY OFF/SKIP`).
    pub fn call(&mut self, argv: &[Vec<u8>]) -> Outcome {
        let silent = self.expect_silence(argv);
        if self.send(&resp::encode_command(argv)).is_err() {
            return Outcome::Closed;
        }
        self.read_reply(if silent { SILENCE_TIMEOUT } else { REPLY_TIMEOUT })
    }

    /// Updates the `CLIENT REPLY` state for `argv`; true when its reply must not come.
    fn expect_silence(&mut self, argv: &[Vec<u8>]) -> bool {
        let is = |i: usize, w: &str| argv.get(i).is_some_and(|a| a.eq_ignore_ascii_case(w.as_bytes()));
        let mut silent = self.replies_off || self.skip_next > 0;
        self.skip_next = self.skip_next.saturating_sub(1);
        if argv.len() == 3 && is(0, "client") && is(1, "reply") {
            if is(2, "on") {
                self.replies_off = false;
                self.skip_next = 0;
                silent = false;
            } else if is(2, "off") {
                self.replies_off = true;
                silent = true;
            } else if is(2, "skip") {
                if !self.replies_off {
                    self.skip_next = 1;
                }
                silent = true;
            }
        } else if argv.len() == 1 && is(0, "reset") {
            self.replies_off = false;
            self.skip_next = 0;
            silent = false;
        }
        silent
    }

    /// Reads one complete reply, waiting at most `timeout` for it.
    pub fn read_reply(&mut self, timeout: Duration) -> Outcome {
        let deadline = Instant::now() + timeout;
        loop {
            match resp::reply_len(&self.buf) {
                Ok(Some(n)) => return Outcome::Reply(self.buf.drain(..n).collect()),
                Ok(None) => {}
                Err(e) => {
                    let shown = escape_window(&self.buf, 0, 200);
                    self.buf.clear();
                    return Outcome::Garbage(format!("{e}: \"{shown}\""));
                }
            }
            let now = Instant::now();
            if now >= deadline {
                return if self.buf.is_empty() {
                    Outcome::NoReply
                } else {
                    let shown = escape_window(&self.buf, 0, 200);
                    Outcome::Garbage(format!("incomplete reply: \"{shown}\""))
                };
            }
            let _ = self.stream.set_read_timeout(Some(deadline - now));
            let mut chunk = [0u8; 65536];
            match self.stream.read(&mut chunk) {
                Ok(0) => {
                    return if self.buf.is_empty() {
                        Outcome::Closed
                    } else {
                        Outcome::Garbage("connection closed inside a reply".into())
                    }
                }
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => return Outcome::Closed,
            }
        }
    }
}
