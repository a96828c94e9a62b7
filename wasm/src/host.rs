//! `Host`: what the JS package drives, in plain Rust (testable natively). It owns the
//! engine, the package's connections, the clock, and two byte buffers shared with JS:
//! JS writes a command into `input`, the reply comes back RESP-encoded in `output`. The
//! per-command sequence (parsing, replies and pushes in order, host actions) is the core's
//! [`Session`]; this module keeps what is particular to the JS side: the argument layout,
//! the connections' buffers and the record format of wake-ups and pushes.
//!
//! Argument layout in `input` for [`Host::call`]: for each argument a little-endian `u32`
//! length followed by its bytes.
//!
//! Blocking commands (BLPOP, ...): a command that waits makes `call`/`exec_line` return
//! [`Status::Blocked`]; its reply comes later as a *wake-up*, collected after every entry
//! point into `wakeups` as records `[connection u32][length u32][RESP bytes]` (length
//! [`CLOSED`]: the connection was closed while waiting). Under `feed` a blocked connection
//! instead buffers its input, and its wake-up reply leads the output of its next `feed`.
//!
//! Pushes (pub/sub messages, subscribe confirmations, keyspace events) for a connection
//! come the same way as records whose connection word has [`PUSH_FLAG`] set; a connection
//! driven by `feed` gets them in its output instead (its own pushes before the reply of
//! the command that caused them), like a socket.

use cinder_core::config::{find_param, Config};
use cinder_core::resp::RequestParser;
use cinder_core::session::{Hooks, Outcome, Session};
use cinder_core::{ClientHandle, ConnInfo, Engine, EngineOptions, HostInfo, Reply};

mod batch;

use crate::clock::{Clock, ClockMode};
use crate::layout::RECORD_HEADER;

/// A command call that produced no reply now, as JS sees it (negative so it cannot be
/// mistaken for a length).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum Status {
    /// The connection was closed (QUIT, CLIENT KILL, `close()`).
    ConnectionClosed = -1,
    /// SHUTDOWN ran; the instance accepts nothing more.
    ShutDown = -2,
    /// The argument buffer does not hold what its header says (a bug on the JS side).
    BadInput = -3,
    /// The connection still waits for a blocking command's reply: it runs nothing else.
    Waiting = -5,
    /// The command blocks: its reply comes as a wake-up.
    Blocked = -6,
}

/// The length of a wake-up record for a connection closed while it waited.
pub const CLOSED: u32 = u32::MAX;

/// Set in a record's connection word: the record is a push, not a wake-up.
pub const PUSH_FLAG: u32 = 0x8000_0000;

/// Set in a record's connection word (length 0, no body): a connection driven by `feed`
/// has output waiting (a push, a wake-up reply) or was closed; a socket server feeds it
/// no bytes to collect the output, or ends its socket when it is closed.
pub const READY_FLAG: u32 = 0x4000_0000;

/// How a connection's blocked command gets its reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Wait {
    /// Not blocked.
    None,
    /// Through a wake-up record (the JS side settles a Promise).
    Record,
    /// Ahead of the connection's next `feed` output.
    Stream,
}

/// One connection of the package to the engine.
struct Conn {
    handle: ClientHandle,
    /// Incremental parser for raw RESP input (`resp()`).
    parser: RequestParser,
    /// Raw RESP bytes received but not yet run (an incomplete command, or input that
    /// arrived while a blocking command waits).
    pending: Vec<u8>,
    /// Wake-up replies and pushes for the next `feed`.
    outbox: Vec<u8>,
    wait: Wait,
    closed: bool,
    /// Driven by `feed` (raw protocol): pushes go into its output, not into records.
    raw: bool,
    /// A socket's connection ([`Host::connect_peer`]): a protocol error closes it, as Redis
    /// closes the socket after the error reply.
    socket: bool,
}

/// Appends a ready record for raw connection `id` (see [`READY_FLAG`]).
fn ready_record(out: &mut Vec<u8>, count: &mut u32, id: u32) {
    push_record(out, id | READY_FLAG, 0, &[]);
    *count += 1;
}

/// The connections, the clock and the records for JS: what the session's [`Hooks`] reach.
struct Io {
    conns: Vec<Conn>,
    clock: Clock,
    shut_down: bool,
    /// Wake-up records not yet taken by JS (see the module docs).
    wakeups: Vec<u8>,
    /// Number of records in `wakeups`.
    wakeup_count: u32,
    /// Closed socket connections' slots, reused by the next sockets (a server's connection
    /// table stays as large as its peak of open sockets; the JS side forgets closed sockets).
    free_sockets: Vec<u32>,
}

/// Engine plus session, connections, clock and shared buffers.
pub struct Host {
    engine: Engine,
    session: Session,
    io: Io,
    /// Bytes JS writes a command into.
    pub input: Vec<u8>,
    /// RESP encoding of the last reply (or replies, for `feed`).
    pub output: Vec<u8>,
    /// Kept between calls so the argument slices of a long command need no allocation.
    argv_cache: Vec<&'static [u8]>,
}

/// Empties a vector of slices and gives it back with another lifetime, keeping its allocation.
fn recycle<'b>(mut v: Vec<&[u8]>) -> Vec<&'b [u8]> {
    v.clear();
    v.into_iter().map(|_| -> &'b [u8] { unreachable!("the vector is empty") }).collect()
}

/// Applies `pairs` (name, value) on top of the default configuration like start-up
/// options: any parameter, mutable or not. `Err` names the offending option.
pub fn config_from_pairs(pairs: &[(String, String)]) -> Result<Config, String> {
    let mut config = Config::default();
    for (name, value) in pairs {
        let param = find_param(name.as_bytes()).ok_or_else(|| format!("unknown CONFIG parameter '{}'", name))?;
        config
            .set(param, value.as_bytes())
            .map_err(|reason| format!("invalid value '{}' for CONFIG parameter '{}': {}", value, name, reason))?;
    }
    Ok(config)
}

impl Io {
    /// The index of the open connection of client `h`. A closed connection's handle can be
    /// reused by a later one: only open ones match.
    fn find(&self, h: ClientHandle) -> Option<usize> {
        self.conns.iter().position(|c| c.handle == h && !c.closed)
    }

    /// Closes connection `id` (no effect when already closed). A wait it was in ends with
    /// a [`CLOSED`] wake-up record.
    fn disconnect(&mut self, engine: &mut Engine, id: u32) {
        if let Some(c) = self.conns.get_mut(id as usize) {
            if !c.closed {
                c.closed = true;
                c.pending = Vec::new();
                c.outbox = Vec::new();
                if c.wait == Wait::Record {
                    push_record(&mut self.wakeups, id, CLOSED, &[]);
                    self.wakeup_count += 1;
                }
                if c.raw {
                    ready_record(&mut self.wakeups, &mut self.wakeup_count, id);
                }
                if c.socket {
                    c.parser = RequestParser::new();
                    self.free_sockets.push(id);
                }
                c.wait = Wait::None;
                engine.disconnect(c.handle);
            }
        }
    }

    /// SHUTDOWN: every connection closes and nothing runs any more.
    fn shut_down(&mut self, engine: &mut Engine) {
        self.shut_down = true;
        for id in 0..self.conns.len() as u32 {
            self.disconnect(engine, id);
        }
    }
}

impl Hooks for Io {
    /// Raw connections get the push in their next (or running) `feed` output; others as a
    /// push record.
    fn push(&mut self, engine: &Engine, to: ClientHandle, push: Reply) {
        let Some(i) = self.find(to) else { return };
        let resp = engine.client(to).map_or(2, |c| c.resp);
        let c = &mut self.conns[i];
        if c.raw {
            if c.outbox.is_empty() {
                ready_record(&mut self.wakeups, &mut self.wakeup_count, i as u32);
            }
            push.encode(resp, &mut c.outbox);
        } else {
            reply_record(&mut self.wakeups, i as u32 | PUSH_FLAG, resp, &push);
            self.wakeup_count += 1;
        }
    }

    fn wakeup(&mut self, engine: &Engine, to: ClientHandle, reply: Reply) {
        let Some(i) = self.find(to) else { return };
        let resp = engine.client(to).map_or(2, |c| c.resp);
        let c = &mut self.conns[i];
        match c.wait {
            Wait::Record => {
                reply_record(&mut self.wakeups, i as u32, resp, &reply);
                self.wakeup_count += 1;
            }
            Wait::Stream => {
                if c.outbox.is_empty() {
                    ready_record(&mut self.wakeups, &mut self.wakeup_count, i as u32);
                }
                reply.encode(resp, &mut c.outbox)
            }
            Wait::None => {}
        }
        c.wait = Wait::None;
    }

    fn close(&mut self, engine: &mut Engine, h: ClientHandle) {
        if let Some(i) = self.find(h) {
            self.disconnect(engine, i as u32);
        }
    }

    /// DEBUG SLEEP moves a manual clock; a real one has moved by itself.
    fn sleep(&mut self, engine: &mut Engine, us: u64) {
        if self.clock.mode == ClockMode::Manual {
            self.clock.advance(engine, us);
        }
    }
}

impl Host {
    /// A new engine with `config`, RNG `seed`, starting at `now_us`, with connection 0 open.
    pub fn new(config: Config, seed: u64, now_us: u64, mode: ClockMode) -> Result<Host, String> {
        let host = HostInfo {
            os: "WebAssembly".into(),
            multiplexing_api: "wasm".into(),
            executable: "cinderkv".into(),
            monotonic_us: Some(crate::monoclock::monotonic_us),
            ..Default::default()
        };
        let mut engine = Engine::new(EngineOptions { seed, now_us, config, host });
        engine.state.scripting.busy_host = Some(Box::new(crate::busy::WasmBusy));
        engine.state.scripting.log_host = Some(Box::new(crate::scriptlog::ConsoleLog));
        engine.state.scripting.vm_memory_limit = crate::busy::LUA_MEMORY_LIMIT;
        let clock = Clock::new(mode, &engine, now_us);
        let mut h = Host {
            engine,
            session: Session::new(),
            io: Io {
                conns: Vec::new(),
                clock,
                shut_down: false,
                wakeups: Vec::new(),
                wakeup_count: 0,
                free_sockets: Vec::new(),
            },
            input: Vec::new(),
            output: Vec::new(),
            argv_cache: Vec::new(),
        };
        h.connect()?;
        Ok(h)
    }

    /// The engine (snapshots and the effect log: `persist`).
    pub fn engine_mut(&mut self) -> &mut Engine {
        &mut self.engine
    }

    /// Opens a connection; `Err` is the engine's refusal (`maxclients`).
    pub fn connect(&mut self) -> Result<u32, String> {
        let n = self.io.conns.len() + 1;
        self.connect_with(ConnInfo { addr: format!("js:{}", n), laddr: "js:0".into(), fd: -1 }, false)
    }

    /// Opens the connection of a socket whose peer is `addr` and local end `laddr`
    /// (`ip:port`, as CLIENT LIST and CLIENT KILL ADDR/LADDR show them); driven by `feed`.
    pub fn connect_peer(&mut self, addr: String, laddr: String, fd: i64) -> Result<u32, String> {
        let id = self.connect_with(ConnInfo { addr, laddr, fd }, true)?;
        self.io.conns[id as usize].raw = true;
        Ok(id)
    }

    fn connect_with(&mut self, info: ConnInfo, socket: bool) -> Result<u32, String> {
        let handle = self.engine.connect(info).map_err(|r| match r {
            Reply::Error(e) => e.into_owned(),
            _ => "ERR the engine refused the connection".to_string(),
        })?;
        let conn = Conn {
            handle,
            parser: RequestParser::new(),
            pending: Vec::new(),
            outbox: Vec::new(),
            wait: Wait::None,
            closed: false,
            raw: false,
            socket,
        };
        if socket {
            if let Some(id) = self.io.free_sockets.pop() {
                self.io.conns[id as usize] = conn;
                return Ok(id);
            }
        }
        self.io.conns.push(conn);
        Ok((self.io.conns.len() - 1) as u32)
    }

    /// Closes connection `id` (no effect when already closed). A wait it was in ends with
    /// a [`CLOSED`] wake-up record.
    pub fn disconnect(&mut self, id: u32) {
        self.io.disconnect(&mut self.engine, id);
    }

    /// Whether connection `id` waits for a blocking command's reply.
    pub fn is_waiting(&self, id: u32) -> bool {
        self.io.conns.get(id as usize).is_some_and(|c| c.wait != Wait::None)
    }

    /// When (ms since the epoch) the earliest blocked command times out, if one waits.
    pub fn next_deadline_ms(&self) -> Option<u64> {
        self.engine.next_block_deadline().map(|us| us / 1000)
    }

    /// Real clock: reads the time (ending the waits whose timeout passed) and runs a tick
    /// when one is due, then collects wake-ups. No effect under a manual clock.
    pub fn poll(&mut self, now_us: u64) {
        if self.io.clock.mode == ClockMode::Real && !self.io.shut_down {
            self.io.clock.observe(&mut self.engine, now_us);
            self.deliver();
        }
    }

    /// Number of wake-up and push records waiting for [`Host::take_wakeups`].
    #[inline]
    pub fn wakeup_count(&self) -> u32 {
        self.io.wakeup_count
    }

    /// Moves the wake-up records into `output` for JS; returns their total length.
    pub fn take_wakeups(&mut self) -> usize {
        self.output.clear();
        self.output.append(&mut self.io.wakeups);
        self.io.wakeup_count = 0;
        self.output.len()
    }

    /// Turns the engine's pushes and ended waits into records or `feed` output.
    #[inline]
    fn deliver(&mut self) {
        self.session.deliver(&mut self.engine, &mut self.io);
    }

    /// Whether the idle `timeout` spares connection `id`, as Redis spares blocked clients
    /// and subscribers (and connections already closed).
    pub fn idle_exempt(&self, id: u32) -> bool {
        let Some(c) = self.io.conns.get(id as usize).filter(|c| !c.closed) else { return true };
        c.wait != Wait::None || self.engine.client(c.handle).is_some_and(|x| x.pubsub.is_some())
    }

    /// The settings a socket server applies itself: `[timeout (s), client-query-buffer-limit,
    /// protected-mode (0/1), requirepass set (0/1), maxclients, shut down (0/1)]`.
    pub fn server_settings(&self) -> [f64; 6] {
        let c = &self.engine.state.config;
        [
            c.timeout as f64,
            c.client_query_buffer_limit as f64,
            c.protected_mode as u8 as f64,
            c.requirepass.is_some() as u8 as f64,
            c.maxclients as f64,
            self.io.shut_down as u8 as f64,
        ]
    }

    /// Whether connection `id` can run commands.
    pub fn is_open(&self, id: u32) -> bool {
        !self.io.shut_down && self.io.conns.get(id as usize).is_some_and(|c| !c.closed)
    }

    /// The clock mode.
    pub fn clock_mode(&self) -> ClockMode {
        self.io.clock.mode
    }

    /// The engine's time in microseconds.
    pub fn now_us(&self) -> u64 {
        self.engine.state.now_us
    }

    /// Manual clock: moves forward by `delta_us`, running the ticks due (and ending the
    /// waits that time out on the way).
    pub fn advance(&mut self, delta_us: u64) {
        self.io.clock.advance(&mut self.engine, delta_us);
        self.deliver();
    }

    /// Manual clock: sets the time (forward moves run the ticks due).
    pub fn set_time(&mut self, now_us: u64) {
        self.io.clock.set(&mut self.engine, now_us);
        self.deliver();
    }

    /// Makes sure `input` can hold `len` bytes; JS then writes straight into it.
    pub fn reserve_input(&mut self, len: usize) {
        if self.input.len() < len {
            self.input.resize(len.checked_next_power_of_two().unwrap_or(len), 0);
        }
    }

    /// Lays `args` out in `input` as [`Host::call`] reads them (each argument's length as a
    /// little-endian `u32`, then its bytes), as the JS wrapper does; returns the length.
    /// For native tests and probes.
    pub fn write_args(&mut self, args: &[&[u8]]) -> usize {
        let len: usize = args.iter().map(|a| 4 + a.len()).sum();
        self.reserve_input(len);
        let mut at = 0;
        for a in args {
            self.input[at..at + 4].copy_from_slice(&(a.len() as u32).to_le_bytes());
            self.input[at + 4..at + 4 + a.len()].copy_from_slice(a);
            at += 4 + a.len();
        }
        len
    }

    /// Shared start of every command entry: output cleared, connection checked, clock read.
    #[inline]
    fn begin(&mut self, id: u32, now_us: u64) -> Result<usize, Status> {
        if self.output.capacity() > 1 << 20 {
            self.output = Vec::new();
        } else {
            self.output.clear();
        }
        if self.io.shut_down {
            return Err(Status::ShutDown);
        }
        match self.io.conns.get(id as usize) {
            Some(c) if !c.closed => {}
            _ => return Err(Status::ConnectionClosed),
        }
        if self.io.clock.mode == ClockMode::Real {
            self.io.clock.observe(&mut self.engine, now_us);
        }
        Ok(id as usize)
    }

    /// Like [`Host::begin`], for the request/response entries: refuses a waiting connection.
    #[inline]
    fn begin_call(&mut self, id: u32, now_us: u64) -> Result<usize, Status> {
        let i = self.begin(id, now_us)?;
        if self.io.conns[i].wait != Wait::None {
            return Err(Status::Waiting);
        }
        Ok(i)
    }

    /// Runs the command whose `argc` arguments are laid out in `input[..len]` on connection
    /// `id` (`now_us`: the real time, ignored by a manual clock). Returns the length of the
    /// RESP reply in `output` (0: no reply, e.g. `CLIENT REPLY OFF`).
    pub fn call(&mut self, id: u32, argc: usize, len: usize, now_us: u64) -> Result<usize, Status> {
        let i = self.begin_call(id, now_us)?;
        let input = self.input.get(..len).ok_or(Status::BadInput)?;
        if argc == 0 {
            return Ok(0);
        }
        let handle = self.io.conns[i].handle;
        let mut at = 0usize;
        let outcome = if argc <= SMALL_ARGC {
            // Most commands: the argument slices live on the stack.
            let mut small: [&[u8]; SMALL_ARGC] = [&[]; SMALL_ARGC];
            for slot in &mut small[..argc] {
                *slot = next_arg(input, &mut at)?;
            }
            self.session.run_command(&mut self.engine, handle, &small[..argc], &mut self.output, &mut self.io)
        } else {
            let mut argv = recycle(std::mem::take(&mut self.argv_cache));
            for _ in 0..argc {
                match next_arg(input, &mut at) {
                    Ok(a) => argv.push(a),
                    Err(e) => {
                        self.argv_cache = recycle(argv);
                        return Err(e);
                    }
                }
            }
            let outcome = self.session.run_command(&mut self.engine, handle, &argv, &mut self.output, &mut self.io);
            self.argv_cache = recycle(argv);
            outcome
        };
        self.finish(i, outcome)
    }

    /// Splits `input[..len]` like redis-cli / an inline command and runs it on connection `id`.
    /// A blank line runs nothing (returns 0); unbalanced quotes give Redis's protocol error.
    pub fn exec_line(&mut self, id: u32, len: usize, now_us: u64) -> Result<usize, Status> {
        let i = self.begin_call(id, now_us)?;
        let line = self.input.get(..len).ok_or(Status::BadInput)?;
        let handle = self.io.conns[i].handle;
        let outcome = self.session.run_line(&mut self.engine, handle, line, &mut self.output, &mut self.io);
        self.finish(i, outcome)
    }

    /// Feeds raw RESP bytes `input[..len]` to connection `id` as if they arrived on a socket:
    /// every complete command runs and its reply is appended to `output`; an incomplete
    /// command waits for the next feed. A protocol error is answered like Redis and the
    /// unread input dropped (the connection stays open). After a command that blocks, the
    /// rest waits: the wake-up reply and the replies of the commands after it come with a
    /// later feed (possibly of no bytes).
    pub fn feed(&mut self, id: u32, len: usize, now_us: u64) -> Result<usize, Status> {
        let i = self.begin(id, now_us)?;
        let bytes = self.input.get(..len).ok_or(Status::BadInput)?;
        let c = &mut self.io.conns[i];
        c.raw = true;
        let mut pending = std::mem::take(&mut c.pending);
        pending.extend_from_slice(bytes);
        // Wake-up replies and pushes that came since the last feed lead.
        self.output.append(&mut c.outbox);
        if c.wait == Wait::None && !pending.is_empty() {
            let handle = c.handle;
            let mut parser = std::mem::take(&mut c.parser);
            // A pipeline's commands share clock readings (see `Engine::chain_clock`).
            self.engine.chain_clock(true);
            let fed =
                self.session.run_input(&mut self.engine, handle, &mut parser, &pending, &mut self.output, &mut self.io);
            self.engine.chain_clock(false);
            pending.drain(..fed.used);
            let c = &mut self.io.conns[i];
            c.parser = parser;
            match fed.outcome {
                Outcome::Done => {}
                Outcome::ProtocolError if c.socket => self.io.disconnect(&mut self.engine, id),
                Outcome::ProtocolError => {}
                Outcome::Blocked => c.wait = Wait::Stream,
                Outcome::Close => self.io.disconnect(&mut self.engine, id),
                Outcome::Shutdown => self.io.shut_down(&mut self.engine),
            }
        }
        let c = &mut self.io.conns[i];
        if !c.closed {
            let over = c.socket && pending.len() as u64 > self.engine.state.config.client_query_buffer_limit;
            c.pending = pending;
            if over {
                // Redis closes a client whose query buffer passed the limit, without a reply.
                self.io.disconnect(&mut self.engine, id);
            }
        }
        self.deliver();
        Ok(self.output.len())
    }

    /// After a command of `call`/`exec_line`: what its outcome means for connection `i`,
    /// then the pushes and wake-ups it caused.
    #[inline]
    fn finish(&mut self, i: usize, outcome: Outcome) -> Result<usize, Status> {
        let r = match outcome {
            Outcome::Done | Outcome::ProtocolError => Ok(self.output.len()),
            Outcome::Blocked => {
                self.io.conns[i].wait = Wait::Record;
                Err(Status::Blocked)
            }
            Outcome::Close => {
                self.io.disconnect(&mut self.engine, i as u32);
                Ok(self.output.len())
            }
            Outcome::Shutdown => {
                self.io.shut_down(&mut self.engine);
                Ok(self.output.len())
            }
        };
        self.deliver();
        r
    }
}

/// Commands with at most this many arguments are run without touching `argv_cache`.
const SMALL_ARGC: usize = 8;

/// The argument at `*at` in the [`Host::call`] layout (u32 length, bytes); advances `at`.
#[inline]
fn next_arg<'a>(input: &'a [u8], at: &mut usize) -> Result<&'a [u8], Status> {
    let header = input.get(*at..*at + 4).ok_or(Status::BadInput)?;
    let n = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
    let start = *at + 4;
    let end = start.checked_add(n).ok_or(Status::BadInput)?;
    let arg = input.get(start..end).ok_or(Status::BadInput)?;
    *at = end;
    Ok(arg)
}

/// Appends a wake-up record header (and `body`).
fn push_record(out: &mut Vec<u8>, conn: u32, len: u32, body: &[u8]) {
    out.extend_from_slice(&conn.to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(body);
}

/// Appends a record for `conn` whose body is `reply` encoded in RESP `resp` (the length
/// is patched in once the encoding is written).
fn reply_record(out: &mut Vec<u8>, conn: u32, resp: u8, reply: &Reply) {
    let at = out.len();
    push_record(out, conn, 0, &[]);
    reply.encode(resp, out);
    let header = RECORD_HEADER as usize;
    let len = (out.len() - at - header) as u32;
    out[at + 4..at + header].copy_from_slice(&len.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host() -> Host {
        Host::new(Config::default(), 1, 1_000_000_000, ClockMode::Manual).unwrap()
    }

    fn pack(h: &mut Host, args: &[&[u8]]) -> usize {
        h.write_args(args)
    }

    fn call(h: &mut Host, id: u32, args: &[&str]) -> Result<String, Status> {
        let argv: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        let len = pack(h, &argv);
        let n = h.call(id, argv.len(), len, 0)?;
        Ok(String::from_utf8_lossy(&h.output[..n]).into_owned())
    }

    fn feed(h: &mut Host, id: u32, bytes: &[u8]) -> String {
        h.reserve_input(bytes.len());
        h.input[..bytes.len()].copy_from_slice(bytes);
        let n = h.feed(id, bytes.len(), 0).unwrap();
        String::from_utf8_lossy(&h.output[..n]).into_owned()
    }

    fn exec(h: &mut Host, id: u32, line: &str) -> String {
        h.reserve_input(line.len());
        h.input[..line.len()].copy_from_slice(line.as_bytes());
        let n = h.exec_line(id, line.len(), 0).unwrap();
        String::from_utf8_lossy(&h.output[..n]).into_owned()
    }

    #[test]
    fn call_runs_commands_and_encodes_for_the_client_protocol() {
        let mut h = host();
        assert_eq!(call(&mut h, 0, &["SET", "k", "v"]).unwrap(), "+OK\r\n");
        assert_eq!(call(&mut h, 0, &["GET", "k"]).unwrap(), "$1\r\nv\r\n");
        assert_eq!(call(&mut h, 0, &["GET", "nope"]).unwrap(), "$-1\r\n");
        assert!(call(&mut h, 0, &["HELLO", "3"]).unwrap().starts_with("%7\r\n"));
        assert_eq!(call(&mut h, 0, &["GET", "nope"]).unwrap(), "_\r\n");
        assert_eq!(call(&mut h, 0, &["INCR", "k"]).unwrap(), "-ERR value is not an integer or out of range\r\n");
    }

    #[test]
    fn binary_arguments_pass_unchanged() {
        let mut h = host();
        let len = pack(&mut h, &[b"SET", b"\x00\xff", b"a\r\nb\x00"]);
        h.call(0, 3, len, 0).unwrap();
        let len = pack(&mut h, &[b"GET", b"\x00\xff"]);
        let n = h.call(0, 2, len, 0).unwrap();
        assert_eq!(&h.output[..n], b"$5\r\na\r\nb\x00\r\n");
    }

    #[test]
    fn malformed_argument_layout_is_refused() {
        let mut h = host();
        let len = pack(&mut h, &[b"GET", b"k"]);
        assert_eq!(h.call(0, 3, len, 0), Err(Status::BadInput));
        assert_eq!(h.call(0, 2, len - 1, 0), Err(Status::BadInput));
        assert_eq!(h.call(0, 2, len + (1 << 30), 0), Err(Status::BadInput));
    }

    #[test]
    fn connections_are_separate_clients() {
        let mut h = host();
        let c = h.connect().unwrap();
        assert_eq!(call(&mut h, c, &["SELECT", "1"]).unwrap(), "+OK\r\n");
        call(&mut h, c, &["SET", "k", "one"]).unwrap();
        assert_eq!(call(&mut h, 0, &["GET", "k"]).unwrap(), "$-1\r\n");
        assert_eq!(call(&mut h, 0, &["CLIENT", "ID"]).unwrap(), ":1\r\n");
        assert_eq!(call(&mut h, c, &["CLIENT", "ID"]).unwrap(), ":2\r\n");
    }

    #[test]
    fn quit_closes_only_that_connection() {
        let mut h = host();
        let c = h.connect().unwrap();
        assert_eq!(call(&mut h, c, &["QUIT"]).unwrap(), "+OK\r\n");
        assert_eq!(call(&mut h, c, &["PING"]), Err(Status::ConnectionClosed));
        assert!(!h.is_open(c));
        assert_eq!(call(&mut h, 0, &["PING"]).unwrap(), "+PONG\r\n");
    }

    #[test]
    fn client_kill_closes_the_other_connection() {
        let mut h = host();
        let c = h.connect().unwrap();
        assert_eq!(call(&mut h, 0, &["CLIENT", "KILL", "ID", "2"]).unwrap(), ":1\r\n");
        assert_eq!(call(&mut h, c, &["PING"]), Err(Status::ConnectionClosed));
    }

    #[test]
    fn shutdown_sends_no_reply_and_refuses_everything_after() {
        let mut h = host();
        assert_eq!(call(&mut h, 0, &["SHUTDOWN", "NOSAVE"]).unwrap(), "");
        assert_eq!(call(&mut h, 0, &["PING"]), Err(Status::ShutDown));
        assert!(h.connect().is_ok());
        assert!(!h.is_open(1));
    }

    #[test]
    fn feed_runs_pipelines_and_keeps_partial_commands() {
        let mut h = host();
        assert_eq!(feed(&mut h, 0, b"*1\r\n$4\r\nPING\r\nPING\r\n*2\r\n$3\r\nGET"), "+PONG\r\n+PONG\r\n");
        assert_eq!(feed(&mut h, 0, b"\r\n$1\r\nk\r\n"), "$-1\r\n");
        assert_eq!(feed(&mut h, 0, b"*x\r\nPING\r\n"), "-ERR Protocol error: invalid multibulk length\r\n");
        assert_eq!(feed(&mut h, 0, b"ECHO \"a b\"\r\n"), "$3\r\na b\r\n");
    }

    #[test]
    fn feed_writes_own_invalidations_after_the_reply() {
        let mut h = host();
        feed(&mut h, 0, b"HELLO 3\r\n");
        assert_eq!(feed(&mut h, 0, b"CLIENT TRACKING on\r\nGET k\r\n"), "+OK\r\n_\r\n");
        assert_eq!(feed(&mut h, 0, b"SET k 1\r\n"), "+OK\r\n>2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n");
    }

    #[test]
    fn feed_stops_after_quit() {
        let mut h = host();
        assert_eq!(feed(&mut h, 0, b"PING\r\nQUIT\r\nPING\r\n"), "+PONG\r\n+OK\r\n");
        assert!(!h.is_open(0));
    }

    #[test]
    fn exec_splits_like_redis_cli() {
        let mut h = host();
        assert_eq!(exec(&mut h, 0, r#"SET greeting "hello world""#), "+OK\r\n");
        assert_eq!(exec(&mut h, 0, "GET greeting"), "$11\r\nhello world\r\n");
        assert_eq!(exec(&mut h, 0, r#"SET k "\x00\xff""#), "+OK\r\n");
        assert_eq!(exec(&mut h, 0, "STRLEN k"), ":2\r\n");
        assert_eq!(exec(&mut h, 0, "   "), "");
        assert_eq!(exec(&mut h, 0, r#"GET "k"#), "-ERR Protocol error: unbalanced quotes in request\r\n");
    }

    #[test]
    fn debug_sleep_advances_a_manual_clock() {
        let config = config_from_pairs(&[("enable-debug-command".into(), "yes".into())]).unwrap();
        let mut h = Host::new(config, 1, 0, ClockMode::Manual).unwrap();
        call(&mut h, 0, &["DEBUG", "SLEEP", "1.5"]).unwrap();
        assert_eq!(h.now_us(), 1_500_000);
    }

    #[test]
    fn config_pairs_are_validated_like_config_set() {
        let c = config_from_pairs(&[("maxmemory".into(), "1mb".into()), ("databases".into(), "4".into())]).unwrap();
        assert_eq!(c.maxmemory, 1 << 20);
        assert_eq!(c.databases, 4);
        assert_eq!(
            config_from_pairs(&[("maxmemory".into(), "lots".into())]).unwrap_err(),
            "invalid value 'lots' for CONFIG parameter 'maxmemory': argument must be a memory value"
        );
        assert_eq!(config_from_pairs(&[("nope".into(), "1".into())]).unwrap_err(), "unknown CONFIG parameter 'nope'");
    }

    #[test]
    fn manual_time_drives_expiry() {
        let mut h = host();
        call(&mut h, 0, &["SET", "k", "v", "EX", "10"]).unwrap();
        h.advance(9_999_000);
        assert_eq!(call(&mut h, 0, &["PTTL", "k"]).unwrap(), ":1\r\n");
        h.advance(1000);
        assert_eq!(call(&mut h, 0, &["EXISTS", "k"]).unwrap(), ":0\r\n");
    }

    /// The wake-up records as (connection, reply text or None for CLOSED).
    fn wakeups(h: &mut Host) -> Vec<(u32, Option<String>)> {
        let n = h.take_wakeups();
        let out = h.output[..n].to_vec();
        let mut v = Vec::new();
        let mut at = 0;
        while at < out.len() {
            let conn = u32::from_le_bytes(out[at..at + 4].try_into().unwrap());
            let len = u32::from_le_bytes(out[at + 4..at + 8].try_into().unwrap());
            at += 8;
            if len == CLOSED {
                v.push((conn, None));
            } else {
                v.push((conn, Some(String::from_utf8_lossy(&out[at..at + len as usize]).into_owned())));
                at += len as usize;
            }
        }
        v
    }

    #[test]
    fn pushes_come_as_records_or_in_raw_output() {
        let mut h = host();
        let sub = h.connect().unwrap();
        assert_eq!(call(&mut h, sub, &["SUBSCRIBE", "ch"]).unwrap(), "");
        assert_eq!(
            wakeups(&mut h),
            vec![(sub | PUSH_FLAG, Some("*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n".into()))]
        );
        assert_eq!(call(&mut h, 0, &["PUBLISH", "ch", "hi"]).unwrap(), ":1\r\n");
        assert_eq!(
            wakeups(&mut h),
            vec![(sub | PUSH_FLAG, Some("*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n".into()))]
        );
        // A raw connection gets its pushes in its output, its own before the reply.
        let raw = h.connect().unwrap();
        assert!(!feed(&mut h, raw, b"HELLO 3\r\n").is_empty());
        assert_eq!(
            feed(&mut h, raw, b"SUBSCRIBE ch\r\nPUBLISH ch x\r\n"),
            ">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nx\r\n:2\r\n"
        );
        wakeups(&mut h);
        call(&mut h, 0, &["PUBLISH", "ch", "y"]).unwrap();
        assert_eq!(feed(&mut h, raw, b""), ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\ny\r\n");
    }

    #[test]
    fn blocked_call_is_woken_by_another_connection() {
        let mut h = host();
        let c = h.connect().unwrap();
        assert_eq!(call(&mut h, c, &["BLPOP", "list", "0"]), Err(Status::Blocked));
        assert!(h.is_waiting(c));
        assert_eq!(call(&mut h, c, &["PING"]), Err(Status::Waiting));
        assert_eq!(h.wakeup_count(), 0);
        assert_eq!(call(&mut h, 0, &["RPUSH", "list", "a", "b"]).unwrap(), ":2\r\n");
        assert_eq!(h.wakeup_count(), 1);
        assert_eq!(wakeups(&mut h), vec![(c, Some("*2\r\n$4\r\nlist\r\n$1\r\na\r\n".into()))]);
        assert_eq!(h.wakeup_count(), 0);
        assert!(!h.is_waiting(c));
        assert_eq!(call(&mut h, c, &["LLEN", "list"]).unwrap(), ":1\r\n");
    }

    #[test]
    fn blocked_call_times_out_when_the_manual_clock_moves() {
        let mut h = host();
        let c = h.connect().unwrap();
        assert_eq!(call(&mut h, c, &["BRPOP", "list", "1.5"]), Err(Status::Blocked));
        assert_eq!(h.next_deadline_ms(), Some(1_000_000 + 1500 + 1), "the first ms past the deadline");
        h.advance(1_500_000);
        assert_eq!(h.wakeup_count(), 0, "Redis ends the wait once the clock is past the deadline");
        h.advance(1000);
        assert_eq!(wakeups(&mut h), vec![(c, Some("*-1\r\n".into()))]);
        assert_eq!(h.next_deadline_ms(), None);
    }

    #[test]
    fn real_clock_poll_ends_waits() {
        let mut h = Host::new(Config::default(), 1, 5_000_000, ClockMode::Real).unwrap();
        let argv: Vec<&[u8]> = vec![b"BLPOP", b"k", b"0.1"];
        let len = pack(&mut h, &argv);
        assert_eq!(h.call(0, 3, len, 5_000_000), Err(Status::Blocked));
        h.poll(5_050_000);
        assert_eq!(h.wakeup_count(), 0);
        h.poll(5_101_000);
        assert_eq!(wakeups(&mut h), vec![(0, Some("*-1\r\n".into()))]);
    }

    #[test]
    fn closing_or_killing_a_waiting_connection_gives_a_closed_record() {
        let mut h = host();
        let a = h.connect().unwrap();
        let b = h.connect().unwrap();
        assert_eq!(call(&mut h, a, &["BLPOP", "x", "0"]), Err(Status::Blocked));
        assert_eq!(call(&mut h, b, &["BLPOP", "y", "0"]), Err(Status::Blocked));
        h.disconnect(a);
        assert_eq!(call(&mut h, 0, &["CLIENT", "KILL", "ID", "3"]).unwrap(), ":1\r\n");
        assert_eq!(wakeups(&mut h), vec![(a, None), (b, None)]);
        assert_eq!(call(&mut h, 0, &["RPUSH", "x", "1"]).unwrap(), ":1\r\n");
        assert_eq!(h.wakeup_count(), 0);
    }

    #[test]
    fn shutdown_ends_every_wait() {
        let mut h = host();
        let a = h.connect().unwrap();
        assert_eq!(call(&mut h, a, &["BLPOP", "x", "0"]), Err(Status::Blocked));
        assert_eq!(call(&mut h, 0, &["SHUTDOWN", "NOSAVE"]).unwrap(), "");
        assert_eq!(wakeups(&mut h), vec![(a, None)]);
    }

    #[test]
    fn feed_holds_input_behind_a_blocked_command() {
        let mut h = host();
        let c = h.connect().unwrap();
        assert_eq!(feed(&mut h, c, b"PING\r\nBLPOP q 0\r\nPING\r\n"), "+PONG\r\n");
        assert_eq!(feed(&mut h, c, b"ECHO later\r\n"), "");
        assert_eq!(call(&mut h, 0, &["LPUSH", "q", "job"]).unwrap(), ":1\r\n");
        assert_eq!(
            wakeups(&mut h),
            vec![(c | READY_FLAG, Some(String::new()))],
            "feed connections get their wake-ups in their output, announced by a ready record"
        );
        assert_eq!(feed(&mut h, c, b""), "*2\r\n$1\r\nq\r\n$3\r\njob\r\n+PONG\r\n$5\r\nlater\r\n");
    }

    #[test]
    fn socket_connections_announce_output_and_close_on_protocol_errors() {
        let mut h = host();
        let a = h.connect_peer("127.0.0.1:5000".into(), "127.0.0.1:6379".into(), 9).unwrap();
        let b = h.connect_peer("127.0.0.1:5001".into(), "127.0.0.1:6379".into(), 10).unwrap();
        assert_eq!(feed(&mut h, a, b"SUBSCRIBE ch\r\n"), "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n");
        wakeups(&mut h);
        assert_eq!(feed(&mut h, b, b"PUBLISH ch m1\r\nPUBLISH ch m2\r\n"), ":1\r\n:1\r\n");
        // One ready record however many pushes wait.
        assert_eq!(wakeups(&mut h), vec![(a | READY_FLAG, Some(String::new()))]);
        assert_eq!(
            feed(&mut h, a, b""),
            "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nm1\r\n*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nm2\r\n"
        );
        let out = feed(&mut h, b, b"CLIENT LIST ID 2\r\n");
        assert!(out.contains("addr=127.0.0.1:5000 laddr=127.0.0.1:6379 fd=9"), "{out}");
        assert!(!h.idle_exempt(b) && h.idle_exempt(a));
        assert_eq!(feed(&mut h, b, b"*x\r\n"), "-ERR Protocol error: invalid multibulk length\r\n");
        assert!(!h.is_open(b));
        assert_eq!(feed(&mut h, 0, b"CLIENT KILL ID 2\r\n"), ":1\r\n");
        assert_eq!(wakeups(&mut h), vec![(b | READY_FLAG, Some(String::new())), (a | READY_FLAG, Some(String::new()))]);
    }

    #[test]
    fn closed_sockets_slots_are_reused_by_sockets_only() {
        let mut h = host();
        let peer = |n: u16| (format!("127.0.0.1:{n}"), "127.0.0.1:6379".to_string());
        let (a, l) = peer(1);
        let s1 = h.connect_peer(a, l, 9).unwrap();
        h.disconnect(s1);
        let plain = h.connect().unwrap();
        assert_ne!(plain, s1, "an in-process connection never takes a socket's old slot");
        let (a, l) = peer(2);
        let s2 = h.connect_peer(a, l, 10).unwrap();
        assert_eq!(s2, s1);
        assert!(h.is_open(s2));
        assert_eq!(feed(&mut h, s2, b"CLIENT ID\r\n"), ":4\r\n");
        assert_eq!(call(&mut h, plain, &["PING"]).unwrap(), "+PONG\r\n");
    }

    #[test]
    fn socket_query_buffer_limit_closes_the_connection() {
        let mut h = host();
        let a = h.connect_peer("127.0.0.1:5000".into(), "127.0.0.1:6379".into(), 9).unwrap();
        feed(&mut h, a, b"CONFIG SET client-query-buffer-limit 1048576\r\n");
        assert_eq!(feed(&mut h, a, b"*2\r\n$4\r\nECHO\r\n$2000000\r\n"), "");
        assert!(h.is_open(a));
        let chunk = vec![b'x'; 1 << 20];
        assert_eq!(feed(&mut h, a, &chunk), "");
        assert!(!h.is_open(a));
    }

    #[test]
    fn client_unblock_wakes_with_a_nil() {
        let mut h = host();
        let c = h.connect().unwrap();
        assert_eq!(call(&mut h, c, &["BLMOVE", "a", "b", "LEFT", "RIGHT", "0"]), Err(Status::Blocked));
        assert_eq!(call(&mut h, 0, &["CLIENT", "UNBLOCK", "2"]).unwrap(), ":1\r\n");
        // Redis 7.0 answers a timed-out or unblocked BLMOVE with a null array.
        assert_eq!(wakeups(&mut h), vec![(c, Some("*-1\r\n".into()))]);
    }
}
