//! Serving other clients while a script is busy (Redis's `processEventsWhileBlocked`).
//!
//! The core calls [`ServerBusy::serve`] from a running script's count hook once the script
//! has run past `busy-reply-threshold`. The connections are lent to it for the duration
//! of each command batch (`Server::run_conn`; the running connection stays out): it reads
//! what every other connection has sent, runs each complete command through
//! `Busy::execute` (`-BUSY` but for SCRIPT KILL, FUNCTION KILL, SHUTDOWN NOSAVE and the
//! other `allow-busy` commands) and writes the replies at once. SHUTDOWN NOSAVE ends the
//! process there, as in Redis.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{SystemTime, UNIX_EPOCH};

use cinder_core::cmd::scripting::run::Busy;
use cinder_core::cmd::scripting::BusyHost;
use cinder_core::resp::Parse;
use cinder_core::{ConnInfo, HostAction, Reply};
use mio::{Interest, Registry, Token};
use std::os::fd::AsRawFd;

use crate::conn::{Conn, ReadResult};

/// The connections lent by the loop, and what serving them left for it.
#[derive(Default)]
pub struct Lent {
    /// The loop's connection slots (the running connection's slot is empty).
    pub conns: Vec<Option<Conn>>,
    /// Slots whose peer went away while the script ran: the loop closes them.
    pub closed: Vec<usize>,
    /// The loop's listeners (connections arriving while a script is busy are accepted).
    pub listeners: Vec<crate::listen::Listener>,
    /// Slots of connections accepted while the script ran: the loop indexes them.
    pub accepted: Vec<usize>,
}

/// The loop's [`BusyHost`]: the OS clock, and the lent connections.
pub struct ServerBusy {
    /// Shared with the loop, which lends its connections here around each command batch.
    pub lent: Rc<RefCell<Lent>>,
    /// The loop's poll registry, for connections accepted while busy.
    pub registry: Registry,
    /// The clock reading (ms) of the last call.
    pub now_ms: u64,
}

impl BusyHost for ServerBusy {
    fn now_us(&mut self) -> u64 {
        let us = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros() as u64);
        self.now_ms = us / 1000;
        us
    }

    fn warn(&mut self, message: &str) {
        crate::log::warning(message);
    }

    fn serve(&mut self, busy: &mut Busy<'_>) -> Result<(), Vec<u8>> {
        let Ok(mut lent) = self.lent.try_borrow_mut() else {
            return Ok(());
        };
        let Lent { conns, closed, listeners, accepted } = &mut *lent;
        for l in listeners.iter() {
            while let Ok((mut stream, peer)) = l.sock.accept() {
                let tls = match l.tls {
                    true => match crate::tls::accept() {
                        Some(t) => Some(t),
                        None => continue,
                    },
                    false => None,
                };
                let _ = stream.set_nodelay(true);
                let info = ConnInfo {
                    addr: peer.to_string(),
                    laddr: stream.local_addr().map(|a| a.to_string()).unwrap_or_default(),
                    fd: stream.as_raw_fd() as i64,
                };
                let Ok(handle) = busy.connect(info) else { continue };
                let idx = conns.len();
                if self.registry.register(&mut stream, Token(idx), Interest::READABLE).is_err() {
                    busy.disconnect(handle);
                    continue;
                }
                let mut conn = Conn::new(stream, handle, self.now_ms);
                conn.tls = tls;
                conns.push(Some(conn));
                accepted.push(idx);
            }
        }
        for (idx, slot) in conns.iter_mut().enumerate() {
            let Some(conn) = slot.as_mut() else { continue };
            if conn.blocked || conn.close_after_write || closed.contains(&idx) {
                continue;
            }
            loop {
                match conn.read_some() {
                    Ok(ReadResult::Data { drained }) => {
                        if drained {
                            break;
                        }
                    }
                    Ok(ReadResult::WouldBlock) => break,
                    Ok(ReadResult::Eof) | Err(_) => {
                        closed.push(idx);
                        break;
                    }
                }
            }
            run_busy_input(conn, busy);
            match conn.write_pending() {
                Ok(true) if conn.close_after_write => closed.push(idx),
                Ok(_) => {}
                Err(_) => closed.push(idx),
            }
        }
        Ok(())
    }
}

/// Runs every complete command in `conn`'s query buffer while a script is busy.
fn run_busy_input(conn: &mut Conn, busy: &mut Busy<'_>) {
    while conn.rstart < conn.rend && !conn.close_after_write {
        let Some(limits) = busy.parse_limits(conn.handle) else {
            conn.close_after_write = true;
            return;
        };
        let rest = &conn.rbuf[conn.rstart..conn.rend];
        match conn.parser.parse(rest, &limits) {
            Parse::Incomplete => break,
            Parse::Error(e) => {
                e.write_reply(&mut conn.wbuf);
                conn.parser.reset();
                conn.rstart = conn.rend;
                conn.close_after_write = true;
            }
            Parse::Command(n) => {
                conn.rstart += n;
                if conn.parser.argc() == 0 {
                    continue;
                }
                let mut argv: Vec<&[u8]> = Vec::new();
                conn.parser.argv(rest, &mut argv);
                let reply = busy.execute(conn.handle, &argv);
                for action in busy.take_actions() {
                    match action {
                        // SHUTDOWN NOSAVE while busy: Redis exits at once.
                        HostAction::Shutdown(_) => std::process::exit(0),
                        // QUIT (allowed while busy): close once the reply is written.
                        HostAction::Close(h) if h == conn.handle => conn.close_after_write = true,
                        _ => {}
                    }
                }
                if !matches!(reply, Reply::NoReply | Reply::Blocked) {
                    reply.encode(busy.resp_of(conn.handle), &mut conn.wbuf);
                }
            }
        }
    }
    conn.after_input();
}
