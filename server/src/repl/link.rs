//! The replica side's link to its master, on a thread of its own: connect, the handshake
//! (PING, AUTH with `masterauth`/`masteruser`, REPLCONF listening-port and capa, PSYNC),
//! the RDB transfer (`$<len>` or diskless `$EOF:<mark>`), then the stream's bytes. What
//! it receives goes to the event loop through a channel (waking the poll); the loop
//! applies it to the engine. Acknowledgements are written by the loop on a clone of the
//! socket.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::time::Duration;

use crate::log::{notice, warning};

/// What the link reports to the event loop.
pub enum Msg {
    /// The handshake reached PSYNC (`master_link_status` becomes handshake/sync): the
    /// socket for acknowledgements.
    Writer(TcpStream),
    /// `+FULLRESYNC replid offset` then the whole RDB.
    Full {
        /// The master's replication id.
        replid: String,
        /// The offset the RDB corresponds to.
        offset: u64,
        /// The RDB file's bytes.
        rdb: Vec<u8>,
    },
    /// The RDB transfer started: its size (0 when unknown).
    TransferStarted(u64),
    /// RDB bytes read so far.
    TransferProgress(u64),
    /// `+CONTINUE [replid]`.
    Continue(Option<String>),
    /// Stream bytes.
    Data(Vec<u8>),
    /// The link ended; the reason for the log.
    Down(String),
}

/// What the handshake sends.
#[derive(Clone)]
pub struct Params {
    /// Master address.
    pub host: String,
    /// Master port.
    pub port: u16,
    /// `masterauth` ("" = none).
    pub auth: String,
    /// `masteruser` ("" = none).
    pub user: String,
    /// Our listening port (or `replica-announce-port`).
    pub listening_port: u16,
    /// `replica-announce-ip` ("" = none).
    pub announce_ip: String,
    /// PSYNC's replication id and offset (the first byte we need).
    pub psync: (String, u64),
    /// `repl-timeout` in seconds.
    pub timeout_s: u64,
    /// A coordinated failover is in progress: PSYNC carries `FAILOVER`, asking the
    /// master (our replica until now) to take over.
    pub failover: bool,
}

/// A running link thread; dropping it asks the thread to stop.
pub struct Link {
    stop: Arc<AtomicBool>,
    /// A clone of the socket, to shut it down at once.
    sock: Arc<std::sync::Mutex<Option<TcpStream>>>,
}

impl Drop for Link {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Ok(g) = self.sock.lock() {
            if let Some(s) = g.as_ref() {
                let _ = s.shutdown(std::net::Shutdown::Both);
            }
        }
    }
}

/// Starts the link thread; messages go to `tx`, and `wake` is called after each.
pub fn start(params: Params, tx: Sender<Msg>, wake: Arc<dyn Fn() + Send + Sync>) -> Link {
    let stop = Arc::new(AtomicBool::new(false));
    let sock = Arc::new(std::sync::Mutex::new(None));
    let (stop2, sock2) = (stop.clone(), sock.clone());
    std::thread::spawn(move || {
        let send = |m: Msg| {
            let _ = tx.send(m);
            wake();
        };
        let r = run(&params, &stop2, &sock2, &send);
        if stop2.load(Ordering::Relaxed) {
            return;
        }
        send(Msg::Down(match r {
            Ok(()) => "connection lost".into(),
            Err(e) => e,
        }));
    });
    Link { stop, sock }
}

fn io_err(e: io::Error) -> String {
    e.to_string()
}

fn send_cmd(w: &mut TcpStream, argv: &[&[u8]]) -> io::Result<()> {
    let mut out = Vec::new();
    cinder_core::repl::stream::encode_command(&mut out, argv);
    w.write_all(&out)
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut)
}

fn read_line(r: &mut BufReader<TcpStream>) -> Result<String, String> {
    let mut line = Vec::new();
    let n = r.read_until(b'\n', &mut line).map_err(|e| {
        if is_timeout(&e) {
            warning("Timeout connecting to the MASTER...");
            return "timeout".to_string();
        }
        io_err(e)
    })?;
    if n == 0 {
        return Err("connection lost".into());
    }
    while line.last().is_some_and(|c| *c == b'\n' || *c == b'\r') {
        line.pop();
    }
    Ok(String::from_utf8_lossy(&line).into_owned())
}

fn run(
    p: &Params,
    stop: &AtomicBool,
    sock: &std::sync::Mutex<Option<TcpStream>>,
    send: &dyn Fn(Msg),
) -> Result<(), String> {
    let addr =
        (p.host.as_str(), p.port).to_socket_addrs().map_err(io_err)?.next().ok_or_else(|| "no address".to_string())?;
    let timeout = Duration::from_secs(p.timeout_s.max(1));
    let stream = TcpStream::connect_timeout(&addr, timeout).map_err(|e| {
        let msg = format!("Error condition on socket for SYNC: {}", io_err(e));
        warning(&msg);
        msg
    })?;
    notice("MASTER <-> REPLICA sync started");
    let _ = stream.set_nodelay(true);
    stream.set_read_timeout(Some(timeout)).map_err(io_err)?;
    if let Ok(mut g) = sock.lock() {
        *g = stream.try_clone().ok();
    }
    let mut w = stream.try_clone().map_err(io_err)?;
    let mut r = BufReader::with_capacity(64 * 1024, stream);
    // PING: any reply but an error other than NOAUTH/NOPERM/ERR operation not permitted.
    send_cmd(&mut w, &[b"PING"]).map_err(io_err)?;
    let pong = read_line(&mut r)?;
    if pong.starts_with('-')
        && !pong.starts_with("-NOAUTH")
        && !pong.starts_with("-NOPERM")
        && !pong.starts_with("-ERR operation not permitted")
    {
        let msg = format!("Error reply to PING from master: '{}'", pong);
        warning(&msg);
        return Err(msg);
    }
    notice("Master replied to PING, replication can continue...");
    if !p.auth.is_empty() {
        if p.user.is_empty() {
            send_cmd(&mut w, &[b"AUTH", p.auth.as_bytes()]).map_err(io_err)?;
        } else {
            send_cmd(&mut w, &[b"AUTH", p.user.as_bytes(), p.auth.as_bytes()]).map_err(io_err)?;
        }
        let a = read_line(&mut r)?;
        if a.starts_with('-') {
            let msg = format!("Unable to AUTH to MASTER: {}", a);
            warning(&msg);
            return Err(msg);
        }
    }
    let port = p.listening_port.to_string();
    send_cmd(&mut w, &[b"REPLCONF", b"listening-port", port.as_bytes()]).map_err(io_err)?;
    let l = read_line(&mut r)?;
    if l.starts_with('-') {
        notice(&format!("(Non critical) Master does not understand REPLCONF listening-port: {}", l));
    }
    if !p.announce_ip.is_empty() {
        send_cmd(&mut w, &[b"REPLCONF", b"ip-address", p.announce_ip.as_bytes()]).map_err(io_err)?;
        let _ = read_line(&mut r)?;
    }
    send_cmd(&mut w, &[b"REPLCONF", b"capa", b"eof", b"capa", b"psync2"]).map_err(io_err)?;
    let l = read_line(&mut r)?;
    if l.starts_with('-') {
        notice(&format!("(Non critical) Master does not understand REPLCONF capa: {}", l));
    }
    let off = p.psync.1.to_string();
    if p.failover {
        send_cmd(&mut w, &[b"PSYNC", p.psync.0.as_bytes(), off.as_bytes(), b"FAILOVER"]).map_err(io_err)?;
    } else {
        send_cmd(&mut w, &[b"PSYNC", p.psync.0.as_bytes(), off.as_bytes()]).map_err(io_err)?;
    }
    send(Msg::Writer(w.try_clone().map_err(io_err)?));
    // Newlines are the master's keep-alives while it prepares the RDB.
    let reply = loop {
        let l = read_line(&mut r)?;
        if !l.is_empty() {
            break l;
        }
    };
    if let Some(rest) = reply.strip_prefix("+FULLRESYNC ") {
        let mut it = rest.split(' ');
        let replid = it.next().unwrap_or("").to_string();
        let offset: u64 = it.next().and_then(|o| o.parse().ok()).unwrap_or(0);
        notice(&format!("Full resync from master: {}:{}", replid, offset));
        let rdb = read_rdb(&mut r, stop, send)?;
        send(Msg::Full { replid, offset, rdb });
    } else if let Some(rest) = reply.strip_prefix("+CONTINUE") {
        let id = rest.trim();
        notice("Successful partial resynchronization with master.");
        send(Msg::Continue((!id.is_empty()).then(|| id.to_string())));
        notice("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.");
    } else {
        let msg = format!("Unexpected reply to PSYNC from master: {}", reply);
        warning(&msg);
        return Err(msg);
    }
    // The stream: no read timeout beyond repl-timeout (the master PINGs).
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        if stop.load(Ordering::Relaxed) {
            return Ok(());
        }
        let n = match r.read(&mut buf) {
            Ok(0) => return Err("connection lost".into()),
            Ok(n) => n,
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                warning("MASTER timeout: no data nor PING received...");
                return Err("timeout".into());
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io_err(e)),
        };
        send(Msg::Data(buf[..n].to_vec()));
    }
}

/// Reads the RDB payload: `$<len>\r\n<bytes>` or `$EOF:<40-byte mark>\r\n...<mark>`.
fn read_rdb(r: &mut BufReader<TcpStream>, stop: &AtomicBool, send: &dyn Fn(Msg)) -> Result<Vec<u8>, String> {
    let head = loop {
        let l = read_line(r)?;
        if !l.is_empty() {
            break l;
        }
    };
    if head.starts_with('-') {
        let msg = format!("MASTER aborted replication with an error: {}", head);
        warning(&msg);
        return Err(msg);
    }
    let Some(spec) = head.strip_prefix('$') else {
        let msg = format!("Bad protocol from MASTER, the first byte is not '$' (we received '{}'), are you sure the host and port are right?", head);
        warning(&msg);
        return Err(msg);
    };
    let fail = |e: io::Error| {
        if is_timeout(&e) {
            let msg = "Timeout receiving bulk data from MASTER... If the problem persists try to set the \
                       'repl-timeout' parameter in redis.conf to a larger value.";
            warning(msg);
            return msg.to_string();
        }
        let msg = format!("I/O error trying to sync with MASTER: {}", io_err(e));
        warning(&msg);
        msg
    };
    let lost = || io::Error::new(io::ErrorKind::UnexpectedEof, "connection lost");
    if let Some(mark) = spec.strip_prefix("EOF:") {
        let mark = mark.as_bytes().to_vec();
        notice("MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk");
        send(Msg::TransferStarted(0));
        let mut data = Vec::new();
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            if stop.load(Ordering::Relaxed) {
                return Err("stopped".into());
            }
            let n = r.read(&mut buf).map_err(fail)?;
            if n == 0 {
                return Err(fail(lost()));
            }
            data.extend_from_slice(&buf[..n]);
            send(Msg::TransferProgress(data.len() as u64));
            if data.len() >= mark.len() && data[data.len() - mark.len()..] == mark[..] {
                data.truncate(data.len() - mark.len());
                return Ok(data);
            }
        }
    }
    let len: u64 =
        spec.parse().map_err(|_| fail(io::Error::new(io::ErrorKind::InvalidData, format!("bad length {}", spec))))?;
    notice(&format!("MASTER <-> REPLICA sync: receiving {} bytes from master to disk", len));
    send(Msg::TransferStarted(len));
    let mut data = vec![0u8; len as usize];
    let mut got = 0usize;
    while got < data.len() {
        if stop.load(Ordering::Relaxed) {
            return Err("stopped".into());
        }
        let end = (got + 1024 * 1024).min(data.len());
        let n = r.read(&mut data[got..end]).map_err(fail)?;
        if n == 0 {
            return Err(fail(lost()));
        }
        got += n;
        send(Msg::TransferProgress(got as u64));
    }
    Ok(data)
}
