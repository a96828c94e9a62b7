//! The event loop: one thread, `mio` (epoll, edge-triggered) over listeners and client
//! sockets, driving a `cinder_core::Engine`.
//!
//! For each readable client: read, let the core's [`Session`] parse and run every complete
//! command in order, appending the replies to one output buffer, and write it with one
//! `write(2)` (pipelining). The engine
//! clock is set from the OS clock after every wakeup and `Engine::tick` runs `hz` times a
//! second. A blocking command (BLPOP ...) parks its connection (`Conn::blocked`): its input
//! then waits in its buffer while the loop serves the others. When the core ends the wait
//! (a push, a timeout, CLIENT UNBLOCK), [`Server::deliver`] writes the reply and
//! runs the waiting input; the poll timeout never passes the engine's next block deadline.

use std::collections::HashMap;
use std::io;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cinder_core::persist::{Job, ShutdownFlags};
use cinder_core::session::{Hooks, Outcome, Session};
use cinder_core::{ClientHandle, ConnInfo, Engine, Reply};
use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};

use crate::busy::{Lent, ServerBusy};
use crate::conn::{Conn, ReadResult};
use crate::listen::{is_local_peer, Listener, DENIED_MESSAGE, MAX_CLIENTS_MESSAGE};
use crate::obuf;

/// Tokens at and above this value name listeners; below, connection slots.
const LISTENER_BASE: usize = usize::MAX / 2;

/// Reads served to one connection per readiness event before the others get their turn
/// (a client streaming a huge pipeline must not starve the rest).
const MAX_READS_PER_TURN: usize = 16;

/// Why the loop stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// The SHUTDOWN command.
    ShutdownCommand,
    /// SIGINT.
    SigInt,
    /// SIGTERM.
    SigTerm,
}

/// Flags set by the signal handlers.
#[derive(Clone, Default)]
pub struct SignalFlags {
    /// SIGINT arrived.
    pub int: Arc<AtomicBool>,
    /// SIGTERM arrived.
    pub term: Arc<AtomicBool>,
}

/// Default busy-poll window after a batch of events, in microseconds.
const DEFAULT_SPIN_US: u64 = 50;

/// The busy-poll window: `CINDER_BUSY_POLL_US` from the environment (0 turns it off), or
/// [`DEFAULT_SPIN_US`].
fn spin_duration() -> Duration {
    let us = std::env::var("CINDER_BUSY_POLL_US").ok().and_then(|v| v.parse().ok()).unwrap_or(DEFAULT_SPIN_US);
    Duration::from_micros(us)
}

/// Microseconds since the Unix epoch from the OS clock.
fn now_us() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros() as u64)
}

/// What running commands asks of the loop: the session's [`Hooks`] in this host, collected
/// while a connection's input runs and carried out by the loop afterwards.
pub(crate) struct Effects {
    /// Other clients to disconnect now (CLIENT KILL).
    kill: Vec<ClientHandle>,
    /// Listeners bound for a new `port`/`bind` (CONFIG SET), replacing the current ones.
    new_listeners: Option<Vec<mio::net::TcpListener>>,
    /// SHUTDOWN ran.
    shutdown: bool,
    /// Pushes (pub/sub messages) for other connections, written by `deliver`.
    pushes: Vec<(ClientHandle, Reply)>,
    /// Replies of blocked clients whose wait ended, written by `deliver`.
    wakeups: Vec<(ClientHandle, Reply)>,
    /// Snapshots and the AOF.
    pub(crate) persist: crate::persist::Persist,
    /// Replication: replicas' streams, the RDB child, the link to a master.
    pub(crate) repl: crate::repl::Repl,
}

impl Hooks for Effects {
    fn push(&mut self, _: &Engine, to: ClientHandle, push: Reply) {
        self.pushes.push((to, push));
    }

    fn wakeup(&mut self, _: &Engine, to: ClientHandle, reply: Reply) {
        self.wakeups.push((to, reply));
    }

    fn wakeup_push(&mut self, _: &Engine, to: ClientHandle, push: Reply) {
        // Kept in the wake-up list, so it follows the reply it comes after.
        self.wakeups.push((to, push));
    }

    fn close(&mut self, _: &mut Engine, h: ClientHandle) {
        self.kill.push(h);
    }

    fn sleep(&mut self, engine: &mut Engine, us: u64) {
        std::thread::sleep(Duration::from_micros(us));
        engine.set_time_us(now_us());
    }

    fn persist(&mut self, engine: &mut Engine, job: Job) -> Result<(), String> {
        if job == Job::Listen {
            return self.listen(engine);
        }
        engine.set_time_us(now_us());
        self.persist.run_job(engine, job)
    }

    fn shutdown(&mut self, engine: &mut Engine, flags: ShutdownFlags) -> Result<(), String> {
        self.persist.shutdown(engine, flags)
    }

    fn replication(&mut self, _: &mut Engine, job: cinder_core::repl::ReplJob) {
        self.repl.jobs.push(job);
    }
}

impl Effects {
    /// CONFIG SET port/bind: binds the new addresses now (the reply depends on it); the
    /// loop swaps the listeners after the command. On failure the configuration before the
    /// CONFIG SET comes back.
    fn listen(&mut self, engine: &mut Engine) -> Result<(), String> {
        let backup = engine.state.persist.config_backup.take();
        let (bind, port) = (engine.state.config.bind.clone(), engine.state.config.port as u16);
        match crate::listen::bind_all(&bind, port, engine.state.config.tcp_backlog) {
            Ok(bound) => {
                engine.state.host.tcp_port = port;
                self.new_listeners = Some(bound.into_iter().map(|(l, _)| l).collect());
                Ok(())
            }
            Err(e) => {
                crate::log::warning(&e);
                let port_changed = backup.as_ref().is_some_and(|b| b.port != engine.state.config.port);
                if let Some(b) = backup {
                    engine.state.config = *b;
                }
                Err(if port_changed {
                    "ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port".into()
                } else {
                    "ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses."
                        .into()
                })
            }
        }
    }
}

/// The server: listeners, connections, engine.
pub struct Server {
    poll: Poll,
    listeners: Vec<Listener>,
    /// `tls.generation` of the configuration last seen (a change may re-listen).
    tls_generation: u64,
    pub(crate) conns: Vec<Option<Conn>>,
    free_slots: Vec<usize>,
    pub(crate) by_handle: HashMap<ClientHandle, usize>,
    /// The engine all commands run on.
    pub engine: Engine,
    /// The per-command sequence around the engine (parsing, replies, pushes, actions).
    session: Session,
    pub(crate) effects: Effects,
    /// Connections that still had input when their turn ended (edge-triggered polling will
    /// not report them again): served again on the next loop iteration.
    read_again: Vec<usize>,
    /// Connections whose replies wait for the AOF write (see [`Server::flush_queued`]).
    queued: Vec<usize>,
    signals: SignalFlags,
    /// The signal behind `persist.shutdown_pending`.
    pending_signal: StopReason,
    now_ms: u64,
    /// Where the connections are lent while a command batch runs, so a busy script can
    /// serve the others (see [`crate::busy`]).
    lent: std::rc::Rc<std::cell::RefCell<Lent>>,
}

impl Server {
    /// A server over `engine` accepting on `listeners`.
    pub fn new(mut engine: Engine, listeners: Vec<Listener>, signals: SignalFlags) -> io::Result<Server> {
        let poll = Poll::new()?;
        let lent = std::rc::Rc::new(std::cell::RefCell::new(Lent::default()));
        let registry = poll.registry().try_clone()?;
        engine.state.scripting.busy_host = Some(Box::new(ServerBusy { lent: lent.clone(), registry, now_ms: 0 }));
        engine.state.scripting.log_host = Some(Box::new(crate::log::ScriptLog));
        let waker = mio::Waker::new(poll.registry(), Token(crate::repl::WAKER_TOKEN)).ok().map(Arc::new);
        let mut listeners = listeners;
        for (i, l) in listeners.iter_mut().enumerate() {
            poll.registry().register(&mut l.sock, Token(LISTENER_BASE + i), Interest::READABLE)?;
        }
        Ok(Server {
            poll,
            listeners,
            tls_generation: engine.state.config.tls.generation,
            conns: Vec::new(),
            free_slots: Vec::new(),
            by_handle: HashMap::new(),
            engine,
            session: Session::new(),
            effects: Effects {
                kill: Vec::new(),
                shutdown: false,
                pushes: Vec::new(),
                wakeups: Vec::new(),
                persist: Default::default(),
                new_listeners: None,
                repl: crate::repl::Repl::new(waker),
            },
            read_again: Vec::new(),
            queued: Vec::new(),
            signals,
            pending_signal: StopReason::SigTerm,
            now_ms: 0,
            lent,
        })
    }

    /// Loads the data set from disk (the AOF or the RDB file) before serving; `Err` is the
    /// fatal message.
    pub fn load_data(&mut self) -> Result<(), String> {
        self.update_time();
        self.effects.persist.load_at_start(&mut self.engine)
    }

    /// After SIGTERM/SIGINT: the final save and AOF fsync, as Redis's `prepareForShutdown`
    /// without flags. `false` when that failed: the server keeps running, as Redis.
    fn shutdown_on_signal(&mut self, name: &str) -> bool {
        crate::log::warning(&format!("Received {} scheduling shutdown...", name));
        self.update_time();
        if self.effects.persist.shutdown(&mut self.engine, ShutdownFlags::default()).is_ok() {
            return true;
        }
        crate::log::warning(&format!(
            "{} received but errors trying to shut down the server, check the logs for more information",
            name
        ));
        false
    }

    /// SIGINT/SIGTERM: shut down (Redis's `shutdown_asap` in `serverCron`). While DEBUG
    /// PAUSE-CRON holds the cron, the signal stays pending (SHUTDOWN ABORT clears it).
    fn handle_signals(&mut self) -> Option<StopReason> {
        let int = self.signals.int.swap(false, Ordering::Relaxed);
        let term = self.signals.term.swap(false, Ordering::Relaxed);
        let persist = &mut self.engine.state.persist;
        if int || term {
            persist.shutdown_pending = true;
            self.pending_signal = if int { StopReason::SigInt } else { StopReason::SigTerm };
        }
        if !persist.shutdown_pending || persist.cron_paused {
            return None;
        }
        persist.shutdown_pending = false;
        let (name, stop) = match self.pending_signal {
            StopReason::SigInt => ("SIGINT", StopReason::SigInt),
            _ => ("SIGTERM", StopReason::SigTerm),
        };
        self.shutdown_on_signal(name).then_some(stop)
    }

    /// Runs until SHUTDOWN or a termination signal.
    pub fn run(&mut self) -> io::Result<StopReason> {
        let mut events = Events::with_capacity(1024);
        self.update_time();
        let mut next_tick = Instant::now() + self.tick_period();
        let spin = spin_duration();
        let mut spin_until: Option<Instant> = None;
        loop {
            let before = Instant::now();
            let timeout = match spin_until {
                _ if !self.read_again.is_empty() => Duration::ZERO,
                Some(until) if before < until => Duration::ZERO,
                _ => {
                    spin_until = None;
                    next_tick.saturating_duration_since(before).min(self.until_block_deadline())
                }
            };
            match self.poll.poll(&mut events, Some(timeout)) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
            // Busy polling: when events come faster than `spin` apart, keep polling without
            // sleeping for `spin` after each batch. Sleeping and being woken for every batch
            // costs both this process and the clients (whose sends must wake it) more than
            // the spin; under light load the waits are longer than `spin` and nothing spins.
            if !events.is_empty() && (spin_until.is_some() || before.elapsed() < spin) {
                spin_until = Some(Instant::now() + spin);
            }
            if let Some(stop) = self.handle_signals() {
                return Ok(stop);
            }
            self.update_time();
            for ev in events.iter() {
                let t = ev.token().0;
                if t == crate::repl::WAKER_TOKEN {
                    continue;
                }
                if t >= LISTENER_BASE {
                    self.accept_all(t - LISTENER_BASE);
                    continue;
                }
                if ev.is_readable() || ev.is_read_closed() || ev.is_error() {
                    if ev.is_read_closed() || ev.is_error() {
                        // The peer's FIN or RST came with this edge: read until it shows,
                        // even after a read that did not fill the buffer.
                        if let Some(c) = self.conns.get_mut(t).and_then(Option::as_mut) {
                            c.peer_closed = true;
                        }
                    }
                    self.on_readable(t);
                } else if ev.is_writable() {
                    self.on_writable(t);
                }
                if self.effects.shutdown {
                    return Ok(StopReason::ShutdownCommand);
                }
            }
            for idx in std::mem::take(&mut self.read_again) {
                self.on_readable(idx);
                if self.effects.shutdown {
                    return Ok(StopReason::ShutdownCommand);
                }
            }
            let now = Instant::now();
            if now >= next_tick {
                self.tick();
                next_tick = now + self.tick_period();
            }
            self.deliver();
            if self.effects.shutdown {
                return Ok(StopReason::ShutdownCommand);
            }
            self.repl_pump();
            self.flush_queued();
            if self.engine.state.config.maxmemory_clients != 0 {
                self.evict_clients();
            }
        }
    }

    /// With the AOF on, replies wait for the end of the loop iteration: the AOF is
    /// written (and fsynced with `appendfsync always`) once for all of them, then they go
    /// out (Redis's `beforeSleep`: `flushAppendOnlyFile` before `handleClientsWithPendingWrites`).
    fn flush_queued(&mut self) {
        if self.queued.is_empty() {
            return;
        }
        self.effects.persist.before_reply(&mut self.engine);
        for idx in std::mem::take(&mut self.queued) {
            if let Some(conn) = self.conns.get_mut(idx).and_then(Option::as_mut) {
                conn.flush_queued = false;
            }
            self.write_out(idx);
        }
    }

    /// Writes what commands and ticks left for other connections: pub/sub pushes (messages,
    /// keyspace events), then the replies of clients whose wait ended (served by another
    /// client's write, timed out, CLIENT UNBLOCK), running the input those accumulated
    /// meanwhile, until nothing is left (that input may wake others in turn); then flushes
    /// the connections written to.
    fn deliver(&mut self) {
        if self.effects.pushes.is_empty() && !self.engine.has_pushes() && !self.engine.has_wakeups() {
            return;
        }
        let mut touched: Vec<usize> = Vec::new();
        while !self.effects.shutdown {
            self.session.deliver(&mut self.engine, &mut self.effects);
            for (h, reply) in std::mem::take(&mut self.effects.pushes) {
                if let Some(idx) = self.queue_reply(h, &reply) {
                    if !touched.contains(&idx) {
                        touched.push(idx);
                    }
                }
            }
            if self.effects.wakeups.is_empty() {
                break;
            }
            for (h, reply) in std::mem::take(&mut self.effects.wakeups) {
                let Some(idx) = self.queue_reply(h, &reply) else {
                    continue;
                };
                if let Reply::Push(_) = reply {
                    // A push after a wake-up reply (`Hooks::wakeup_push`) ends no wait.
                    if !touched.contains(&idx) {
                        touched.push(idx);
                    }
                    continue;
                }
                self.resume(h);
                if self.effects.shutdown {
                    return;
                }
            }
        }
        for idx in touched {
            if !self.enforce_obuf(idx) {
                self.flush(idx);
            }
        }
    }

    /// Encodes `reply` (in the client's protocol) into the output buffer of client `h`'s
    /// connection; returns the connection's index, or `None` when it is gone.
    fn queue_reply(&mut self, h: ClientHandle, reply: &Reply) -> Option<usize> {
        let idx = *self.by_handle.get(&h)?;
        let conn = self.conns[idx].as_mut()?;
        let resp = self.engine.client(h).map_or(2, |c| c.resp);
        reply.encode(resp, &mut conn.wbuf);
        Some(idx)
    }

    /// Time left until the engine's earliest blocked client times out.
    fn until_block_deadline(&self) -> Duration {
        match self.engine.next_block_deadline() {
            None => Duration::MAX,
            Some(at_us) => Duration::from_micros(at_us.saturating_sub(now_us())),
        }
    }

    fn tick_period(&self) -> Duration {
        let hz = self.engine.state.config.hz.clamp(1, 500) as u64;
        Duration::from_micros(1_000_000 / hz)
    }

    fn update_time(&mut self) {
        let us = now_us();
        self.engine.set_time_us(us);
        self.now_ms = us / 1000;
    }

    /// Periodic work: engine cron, RSS for INFO, idle-client timeout.
    fn tick(&mut self) {
        self.update_time();
        if self.engine.state.persist.cron_paused {
            // DEBUG PAUSE-CRON: no serverCron work.
            return;
        }
        self.engine.tick(self.engine.state.now_us);
        self.failover_jobs();
        self.effects.persist.cron(&mut self.engine);
        self.repl_cron();
        if let Some(link) = self.engine.state.migrate_link.as_mut() {
            link.close_idle();
        }
        self.engine.state.host.rss_bytes = crate::hostinfo::rss_bytes();
        self.clients_cron();
        let timeout_s = self.engine.state.config.timeout;
        if timeout_s > 0 {
            let limit_ms = timeout_s as u64 * 1000;
            let now = self.now_ms;
            let idle: Vec<usize> = self
                .conns
                .iter()
                .enumerate()
                .filter_map(|(i, c)| {
                    // Like Redis, subscribers are never closed for idleness.
                    let subscribed = |c: &Conn| self.engine.client(c.handle).is_some_and(|x| x.pubsub.is_some());
                    c.as_ref()
                        .filter(|c| !c.blocked && now.saturating_sub(c.last_io_ms) > limit_ms && !subscribed(c))
                        .filter(|c| !self.effects.repl.is_replica(c.handle))
                        .map(|_| i)
                })
                .collect();
            for i in idle {
                self.close_now(i);
            }
        }
    }

    fn accept_all(&mut self, listener: usize) {
        loop {
            let tls = self.listeners[listener].tls;
            let (stream, peer) = match self.listeners[listener].sock.accept() {
                Ok(x) => x,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    eprintln!("cinder-server: accepting client connection: {}", e);
                    return;
                }
            };
            self.admit(stream, peer, tls);
        }
    }

    /// Registers a new connection, or refuses it like Redis (maxclients, protected mode).
    fn admit(&mut self, mut stream: TcpStream, peer: std::net::SocketAddr, tls: bool) {
        let _ = stream.set_nodelay(true);
        let session = match tls {
            true => match crate::tls::accept() {
                Some(s) => Some(s),
                None => return,
            },
            false => None,
        };
        let info = ConnInfo {
            addr: peer.to_string(),
            laddr: stream.local_addr().map(|a| a.to_string()).unwrap_or_default(),
            fd: stream.as_raw_fd() as i64,
        };
        let handle = match self.engine.connect(info) {
            Ok(h) => h,
            Err(_) => {
                // Best effort, as Redis: the socket is fresh so the short message fits.
                let _ = io::Write::write(&mut stream, MAX_CLIENTS_MESSAGE);
                return;
            }
        };
        let cfg = &self.engine.state.config;
        // Redis's protected mode: the default user has no password (`nopass`).
        let default_nopass = self.engine.state.acl.user(cinder_core::acl::DEFAULT_USER).nopass;
        if cfg.protected_mode && default_nopass && !is_local_peer(&peer) {
            let _ = io::Write::write(&mut stream, DENIED_MESSAGE);
            self.engine.disconnect(handle);
            // Redis counts the connection only after this check.
            let stats = &mut self.engine.state.stats;
            stats.connections_received = stats.connections_received.saturating_sub(1);
            stats.rejected_connections += 1;
            return;
        }
        let idx = match self.free_slots.pop() {
            Some(i) => i,
            None => {
                self.conns.push(None);
                self.conns.len() - 1
            }
        };
        if let Err(e) = self.poll.registry().register(&mut stream, Token(idx), Interest::READABLE) {
            eprintln!("cinder-server: registering client connection: {}", e);
            self.engine.disconnect(handle);
            self.free_slots.push(idx);
            return;
        }
        let mut conn = Conn::new(stream, handle, self.now_ms);
        conn.tls = session;
        self.conns[idx] = Some(conn);
        self.by_handle.insert(handle, idx);
    }

    /// Drops a connection at once (pending output is discarded).
    pub(crate) fn close_now(&mut self, idx: usize) {
        let Some(mut conn) = self.conns.get_mut(idx).and_then(Option::take) else {
            return;
        };
        let _ = self.poll.registry().deregister(&mut conn.stream);
        self.effects.repl.forget(conn.handle);
        self.engine.disconnect(conn.handle);
        self.by_handle.remove(&conn.handle);
        self.free_slots.push(idx);
    }

    fn on_readable(&mut self, idx: usize) {
        let limit = self.engine.state.config.client_query_buffer_limit;
        for turn in 0.. {
            let Some(conn) = self.conns.get_mut(idx).and_then(Option::as_mut) else {
                return;
            };
            if conn.close_after_write {
                break;
            }
            if turn == MAX_READS_PER_TURN {
                self.read_again.push(idx);
                break;
            }
            match conn.read_some() {
                Ok(ReadResult::Data { drained }) if conn.blocked => {
                    // Parked: the input waits; only the buffer limit applies.
                    conn.last_io_ms = self.now_ms;
                    if conn.unparsed_len() as u64 > limit {
                        obuf::log_query_limit(&self.engine, conn);
                        self.close_now(idx);
                        return;
                    }
                    obuf::sync(&mut self.engine, conn);
                    if drained && !conn.peer_closed {
                        break;
                    }
                }
                Ok(ReadResult::Data { drained }) => {
                    conn.last_io_ms = self.now_ms;
                    if conn.unparsed_len() as u64 > limit {
                        // Redis closes such a client without a reply.
                        obuf::log_query_limit(&self.engine, conn);
                        self.close_now(idx);
                        return;
                    }
                    obuf::sync(&mut self.engine, conn);
                    // Redis evicts clients before running what a read brought.
                    if self.engine.state.config.maxmemory_clients != 0 {
                        self.evict_clients();
                        if self.conns.get(idx).is_none_or(Option::is_none) {
                            return;
                        }
                    }
                    self.run_conn(idx);
                    if self.effects.shutdown {
                        return;
                    }
                    if self.enforce_obuf(idx) {
                        self.apply_kills();
                        return;
                    }
                    self.apply_kills();
                    if !self.effects.repl.jobs.is_empty() {
                        self.repl_jobs();
                    }
                    if drained && !self.conns.get(idx).and_then(Option::as_ref).is_some_and(|c| c.peer_closed) {
                        break;
                    }
                }
                Ok(ReadResult::WouldBlock) => break,
                Ok(ReadResult::Eof) | Err(_) => {
                    // Replies to what was read before the end still go out (best effort).
                    let _ = conn.write_pending();
                    self.close_now(idx);
                    return;
                }
            }
        }
        self.flush(idx);
    }

    fn on_writable(&mut self, idx: usize) {
        if let Some(conn) = self.conns.get_mut(idx).and_then(Option::as_mut) {
            conn.last_io_ms = self.now_ms;
        }
        self.flush(idx);
    }

    /// Writes a connection's pending replies; closes it when it asked to close after them.
    /// With the AOF on, they wait for [`Server::flush_queued`] (what the commands
    /// propagated reaches the AOF first).
    fn flush(&mut self, idx: usize) {
        if self.effects.persist.aof_on() {
            if let Some(conn) = self.conns.get_mut(idx).and_then(Option::as_mut) {
                if !conn.flush_queued {
                    conn.flush_queued = true;
                    self.queued.push(idx);
                }
            }
            return;
        }
        self.write_out(idx);
    }

    /// Writes a connection's pending replies now.
    pub(crate) fn write_out(&mut self, idx: usize) {
        let Some(conn) = self.conns.get_mut(idx).and_then(Option::as_mut) else {
            return;
        };
        let written = conn.write_pending();
        obuf::sync(&mut self.engine, conn);
        match written {
            Ok(true) => {
                if conn.close_after_write {
                    self.close_now(idx);
                    return;
                }
                if conn.write_interest {
                    conn.write_interest = false;
                    let _ = self.poll.registry().reregister(&mut conn.stream, Token(idx), Interest::READABLE);
                }
            }
            Ok(false) => {
                if !conn.write_interest {
                    conn.write_interest = true;
                    let _ = self.poll.registry().reregister(
                        &mut conn.stream,
                        Token(idx),
                        Interest::READABLE | Interest::WRITABLE,
                    );
                }
            }
            Err(_) => self.close_now(idx),
        }
    }

    /// Runs connection `idx`'s input ([`run_input`]) with the other connections lent to
    /// the busy-script host meanwhile; closes those whose peer left during a busy script.
    fn run_conn(&mut self, idx: usize) {
        let Some(mut conn) = self.conns.get_mut(idx).and_then(Option::take) else {
            return;
        };
        {
            let mut lent = self.lent.borrow_mut();
            lent.conns = std::mem::take(&mut self.conns);
            lent.listeners = std::mem::take(&mut self.listeners);
        }
        run_input(&mut self.engine, &mut self.session, &mut conn, &mut self.effects);
        let (closed, accepted) = {
            let mut lent = self.lent.borrow_mut();
            self.conns = std::mem::take(&mut lent.conns);
            self.listeners = std::mem::take(&mut lent.listeners);
            (std::mem::take(&mut lent.closed), std::mem::take(&mut lent.accepted))
        };
        self.conns[idx] = Some(conn);
        for i in accepted {
            if let Some(c) = self.conns[i].as_ref() {
                self.by_handle.insert(c.handle, i);
            }
        }
        for i in closed {
            self.close_now(i);
        }
        if self.engine.state.config.tls.generation != self.tls_generation {
            self.tls_generation = self.engine.state.config.tls.generation;
            self.swap_tls_listeners();
        }
    }

    fn apply_kills(&mut self) {
        if let Some(new) = self.effects.new_listeners.take() {
            // The plain listeners are replaced; the TLS ones (`tls-port`) stay.
            for l in self.listeners.iter_mut() {
                let _ = self.poll.registry().deregister(&mut l.sock);
            }
            let tls: Vec<Listener> = std::mem::take(&mut self.listeners).into_iter().filter(|l| l.tls).collect();
            self.listeners = new.into_iter().map(|sock| Listener { sock, tls: false }).chain(tls).collect();
            for (i, l) in self.listeners.iter_mut().enumerate() {
                if let Err(e) = self.poll.registry().register(&mut l.sock, Token(LISTENER_BASE + i), Interest::READABLE)
                {
                    crate::log::warning(&format!("cannot watch the new listener: {}", e));
                }
            }
        }
        while let Some(h) = self.effects.kill.pop() {
            if let Some(&idx) = self.by_handle.get(&h) {
                self.close_now(idx);
            } else {
                // The master link's client (CLIENT KILL on a replica).
                self.repl_client_killed(h);
            }
        }
    }

    /// Closes connection `idx` when its output buffer is over its class's limit (Redis's
    /// async close after a write into the buffer: nothing pending is sent). `true`: closed.
    fn enforce_obuf(&mut self, idx: usize) -> bool {
        let now_s = self.now_ms / 1000;
        let Some(conn) = self.conns.get_mut(idx).and_then(Option::as_mut) else {
            return false;
        };
        if !obuf::over(&mut self.engine, conn, now_s) {
            return false;
        }
        obuf::log_over_limit(&self.engine, conn, true);
        self.close_now(idx);
        true
    }

    /// The cron's pass over the clients (Redis's `clientsCron`): query and reply buffer
    /// resizing, buffer figures, soft output limits reached while nothing was written,
    /// the largest buffers for INFO.
    fn clients_cron(&mut self) {
        let now_s = self.now_ms / 1000;
        let (mut max_out, mut max_in) = (0u64, 0u64);
        let mut over = Vec::new();
        for (i, slot) in self.conns.iter_mut().enumerate() {
            let Some(conn) = slot.as_mut() else { continue };
            obuf::resize_query_buffer(conn, self.now_ms);
            obuf::resize_reply_buffer(conn, self.now_ms, self.engine.state.config.reply_buffer);
            max_out = max_out.max(conn.pending_output() as u64);
            max_in = max_in.max(conn.rbuf.len() as u64);
            if obuf::over(&mut self.engine, conn, now_s) {
                obuf::log_over_limit(&self.engine, conn, false);
                over.push(i);
            }
        }
        self.engine.state.host.max_output_buffer = max_out;
        self.engine.state.host.max_input_buffer = max_in;
        for i in over {
            self.close_now(i);
        }
    }

    /// `maxmemory-clients`: closes the biggest clients (never `CLIENT NO-EVICT` ones)
    /// until all of them fit the limit.
    fn evict_clients(&mut self) {
        let Some(limit) = obuf::eviction_limit(&self.engine) else {
            return;
        };
        let engine = &mut self.engine;
        let clients: Vec<(usize, u64, bool)> = self
            .conns
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                let c = c.as_ref()?;
                let mem = obuf::client_memory(engine, c);
                Some((i, mem, engine.client(c.handle).is_none_or(|x| x.no_evict)))
            })
            .collect();
        for i in obuf::pick_evictions(&clients, limit) {
            self.engine.state.stats.evicted_clients += 1;
            self.close_now(i);
        }
    }

    /// Takes the TLS listeners a CONFIG SET tls-port bound (or closes them for port 0).
    fn swap_tls_listeners(&mut self) {
        let Some(new) = crate::tls::take_new_listeners() else {
            return;
        };
        for l in self.listeners.iter_mut().filter(|l| l.tls) {
            let _ = self.poll.registry().deregister(&mut l.sock);
        }
        self.listeners.retain(|l| !l.tls);
        self.listeners.extend(new.into_iter().map(|sock| Listener { sock, tls: true }));
        for (i, l) in self.listeners.iter_mut().enumerate() {
            let token = Token(LISTENER_BASE + i);
            if l.tls {
                let _ = self.poll.registry().register(&mut l.sock, token, Interest::READABLE);
            } else {
                let _ = self.poll.registry().reregister(&mut l.sock, token, Interest::READABLE);
            }
        }
    }

    /// Unparks a connection the core woke up, runs the input it has waiting and writes.
    pub fn resume(&mut self, handle: ClientHandle) {
        let Some(&idx) = self.by_handle.get(&handle) else {
            return;
        };
        if let Some(conn) = self.conns[idx].as_mut() {
            conn.blocked = false;
            self.run_conn(idx);
        }
        self.apply_kills();
        if !self.effects.repl.jobs.is_empty() {
            self.repl_jobs();
        }
        if !self.enforce_obuf(idx) {
            self.flush(idx);
        }
    }
}

/// Runs every complete command in `conn`'s query buffer through the session, appending the
/// replies to its output buffer. Stops at a protocol error (reply, then close), when the
/// client must close (QUIT), is parked, or SHUTDOWN ran.
fn run_input(engine: &mut Engine, session: &mut Session, conn: &mut Conn, effects: &mut Effects) {
    if !conn.close_after_write && !conn.blocked && conn.rstart < conn.rend {
        let Conn { rbuf, rstart, rend, parser, wbuf, handle, .. } = conn;
        let fed = session.run_input(engine, *handle, parser, &rbuf[*rstart..*rend], wbuf, effects);
        conn.rstart += fed.used;
        match fed.outcome {
            Outcome::Done => {}
            // Parked: the reply comes with the wake-up; later input waits.
            Outcome::Blocked => conn.blocked = true,
            Outcome::Close | Outcome::ProtocolError => conn.close_after_write = true,
            Outcome::Shutdown => effects.shutdown = true,
        }
    }
    conn.after_input();
}
