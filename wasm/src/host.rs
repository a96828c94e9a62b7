//! `Host`: what the JS package drives, in plain Rust (testable natively). It owns the
//! engine, the package's connections, the clock, and two byte buffers shared with JS:
//! JS writes a command into `input`, the reply comes back RESP-encoded in `output`.
//!
//! Argument layout in `input` for [`Host::call`]: for each argument a little-endian `u32`
//! length followed by its bytes.

use cinder_core::config::{find_param, Config};
use cinder_core::resp::{split_args_into, Parse, ParseLimits, ProtocolError, RequestParser};
use cinder_core::{ClientHandle, ConnInfo, Engine, EngineOptions, HostAction, HostInfo, Reply};

use crate::clock::{Clock, ClockMode};

/// Outcome of a command call, as JS sees it (negative so it cannot be mistaken for a length).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum Refusal {
    /// The connection was closed (QUIT, CLIENT KILL, `close()`).
    ConnectionClosed = -1,
    /// SHUTDOWN ran; the instance accepts nothing more.
    ShutDown = -2,
    /// The argument buffer does not hold what its header says (a bug on the JS side).
    BadInput = -3,
}

/// One connection of the package to the engine.
struct Conn {
    handle: ClientHandle,
    /// Incremental parser for raw RESP input (`resp()`).
    parser: RequestParser,
    /// Raw RESP bytes received but not yet run (an incomplete command).
    pending: Vec<u8>,
    closed: bool,
}

/// Engine plus connections, clock and shared buffers.
pub struct Host {
    engine: Engine,
    conns: Vec<Conn>,
    clock: Clock,
    shut_down: bool,
    /// Bytes JS writes a command into.
    pub input: Vec<u8>,
    /// RESP encoding of the last reply (or replies, for `feed`).
    pub output: Vec<u8>,
    /// Kept between calls so argument slices need no allocation.
    argv_cache: Vec<&'static [u8]>,
    /// Scratch for `exec` (unescaped arguments).
    split_buf: Vec<u8>,
    split_spans: Vec<std::ops::Range<usize>>,
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

impl Host {
    /// A new engine with `config`, RNG `seed`, starting at `now_us`, with connection 0 open.
    pub fn new(config: Config, seed: u64, now_us: u64, mode: ClockMode) -> Result<Host, String> {
        let host = HostInfo {
            os: "WebAssembly".into(),
            multiplexing_api: "wasm".into(),
            executable: "cinderkv".into(),
            ..Default::default()
        };
        let engine = Engine::new(EngineOptions { seed, now_us, config, host });
        let clock = Clock::new(mode, &engine, now_us);
        let mut h = Host {
            engine,
            conns: Vec::new(),
            clock,
            shut_down: false,
            input: Vec::new(),
            output: Vec::new(),
            argv_cache: Vec::new(),
            split_buf: Vec::new(),
            split_spans: Vec::new(),
        };
        h.connect()?;
        Ok(h)
    }

    /// Opens a connection; `Err` is the engine's refusal (`maxclients`).
    pub fn connect(&mut self) -> Result<u32, String> {
        let n = self.conns.len() + 1;
        let info = ConnInfo { addr: format!("js:{}", n), laddr: "js:0".into(), fd: -1 };
        let handle = self.engine.connect(info).map_err(|r| match r {
            Reply::Error(e) => e.into_owned(),
            other => format!("{:?}", other),
        })?;
        self.conns.push(Conn { handle, parser: RequestParser::new(), pending: Vec::new(), closed: false });
        Ok((self.conns.len() - 1) as u32)
    }

    /// Closes connection `id` (no effect when already closed).
    pub fn disconnect(&mut self, id: u32) {
        if let Some(c) = self.conns.get_mut(id as usize) {
            if !c.closed {
                c.closed = true;
                c.pending = Vec::new();
                self.engine.disconnect(c.handle);
            }
        }
    }

    /// Whether connection `id` can run commands.
    pub fn is_open(&self, id: u32) -> bool {
        !self.shut_down && self.conns.get(id as usize).is_some_and(|c| !c.closed)
    }

    /// The clock mode.
    pub fn clock_mode(&self) -> ClockMode {
        self.clock.mode
    }

    /// The engine's time in microseconds.
    pub fn now_us(&self) -> u64 {
        self.engine.state.now_us
    }

    /// Manual clock: moves forward by `delta_us`, running the ticks due.
    pub fn advance(&mut self, delta_us: u64) {
        self.clock.advance(&mut self.engine, delta_us);
    }

    /// Manual clock: sets the time (forward moves run the ticks due).
    pub fn set_time(&mut self, now_us: u64) {
        self.clock.set(&mut self.engine, now_us);
    }

    /// Makes sure `input` can hold `len` bytes; JS then writes straight into it.
    pub fn reserve_input(&mut self, len: usize) {
        if self.input.len() < len {
            self.input.resize(len.checked_next_power_of_two().unwrap_or(len), 0);
        }
    }

    /// Shared start of every command entry: output cleared, connection checked, clock read.
    fn begin(&mut self, id: u32, now_us: u64) -> Result<usize, Refusal> {
        if self.output.capacity() > 1 << 20 {
            self.output = Vec::new();
        } else {
            self.output.clear();
        }
        if self.shut_down {
            return Err(Refusal::ShutDown);
        }
        match self.conns.get(id as usize) {
            Some(c) if !c.closed => {}
            _ => return Err(Refusal::ConnectionClosed),
        }
        if self.clock.mode == ClockMode::Real {
            self.clock.observe(&mut self.engine, now_us);
        }
        Ok(id as usize)
    }

    /// Runs the command whose `argc` arguments are laid out in `input[..len]` on connection
    /// `id` (`now_us`: the real time, ignored by a manual clock). Returns the length of the
    /// RESP reply in `output` (0: no reply, e.g. `CLIENT REPLY OFF`).
    pub fn call(&mut self, id: u32, argc: usize, len: usize, now_us: u64) -> Result<usize, Refusal> {
        let i = self.begin(id, now_us)?;
        let input = self.input.get(..len).ok_or(Refusal::BadInput)?;
        let mut argv = recycle(std::mem::take(&mut self.argv_cache));
        let mut at = 0usize;
        for _ in 0..argc {
            let header = input.get(at..at + 4).ok_or(Refusal::BadInput)?;
            let n = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
            at += 4;
            argv.push(input.get(at..at.checked_add(n).ok_or(Refusal::BadInput)?).ok_or(Refusal::BadInput)?);
            at += n;
        }
        if argv.is_empty() {
            self.argv_cache = recycle(argv);
            return Ok(0);
        }
        let handle = self.conns[i].handle;
        let reply = self.engine.execute(handle, &argv);
        self.argv_cache = recycle(argv);
        self.finish(i, &reply);
        Ok(self.output.len())
    }

    /// Splits `input[..len]` like redis-cli / an inline command and runs it on connection `id`.
    /// A blank line runs nothing (returns 0); unbalanced quotes give Redis's protocol error.
    pub fn exec_line(&mut self, id: u32, len: usize, now_us: u64) -> Result<usize, Refusal> {
        let i = self.begin(id, now_us)?;
        let line = self.input.get(..len).ok_or(Refusal::BadInput)?;
        self.split_buf.clear();
        self.split_spans.clear();
        if split_args_into(line, &mut self.split_buf, &mut self.split_spans).is_err() {
            ProtocolError::UnbalancedQuotes.write_reply(&mut self.output);
            return Ok(self.output.len());
        }
        if self.split_spans.is_empty() {
            return Ok(0);
        }
        let buf = &self.split_buf;
        let mut argv = recycle(std::mem::take(&mut self.argv_cache));
        argv.extend(self.split_spans.iter().map(|r| &buf[r.clone()]));
        let handle = self.conns[i].handle;
        let reply = self.engine.execute(handle, &argv);
        self.argv_cache = recycle(argv);
        self.finish(i, &reply);
        Ok(self.output.len())
    }

    /// Feeds raw RESP bytes `input[..len]` to connection `id` as if they arrived on a socket:
    /// every complete command runs and its reply is appended to `output`; an incomplete
    /// command waits for the next feed. A protocol error is answered like Redis and the
    /// unread input dropped (the connection stays open).
    pub fn feed(&mut self, id: u32, len: usize, now_us: u64) -> Result<usize, Refusal> {
        let i = self.begin(id, now_us)?;
        let bytes = self.input.get(..len).ok_or(Refusal::BadInput)?;
        let mut conn_pending = std::mem::take(&mut self.conns[i].pending);
        conn_pending.extend_from_slice(bytes);
        let mut parser = std::mem::take(&mut self.conns[i].parser);
        let handle = self.conns[i].handle;
        let mut start = 0usize;
        let mut argv = recycle(std::mem::take(&mut self.argv_cache));
        while start < conn_pending.len() && !self.shut_down && !self.conns[i].closed {
            let Some(client) = self.engine.client(handle) else { break };
            let limits = ParseLimits {
                proto_max_bulk_len: self.engine.state.config.proto_max_bulk_len,
                auth_required: self.engine.state.config.requirepass.is_some() && !client.authenticated,
            };
            let input = &conn_pending[start..];
            match parser.parse(input, &limits) {
                Parse::Incomplete => break,
                Parse::Error(e) => {
                    e.write_reply(&mut self.output);
                    self.engine.state.stats.record_error("ERR");
                    parser.reset();
                    start = conn_pending.len();
                }
                Parse::Command(used) => {
                    if parser.argc() > 0 {
                        parser.argv(input, &mut argv);
                        let reply = self.engine.execute(handle, &argv);
                        argv = recycle(argv);
                        self.finish(i, &reply);
                    }
                    start += used;
                }
            }
        }
        self.argv_cache = recycle(argv);
        if !self.conns[i].closed {
            conn_pending.drain(..start);
            self.conns[i].pending = conn_pending;
            self.conns[i].parser = parser;
        }
        Ok(self.output.len())
    }

    /// Encodes `reply` for connection `i` and carries out what the command asked of the host
    /// (QUIT and CLIENT KILL close connections, SHUTDOWN stops everything, DEBUG SLEEP).
    fn finish(&mut self, i: usize, reply: &Reply) {
        let resp = self.engine.client(self.conns[i].handle).map_or(2, |c| c.resp);
        if self.engine.has_actions() {
            for action in self.engine.take_actions() {
                match action {
                    HostAction::Close(h) => self.close_handle(h),
                    HostAction::Shutdown => self.shut_down = true,
                    HostAction::Sleep(us) => {
                        if self.clock.mode == ClockMode::Manual {
                            self.clock.advance(&mut self.engine, us);
                        }
                    }
                }
            }
        }
        if !self.shut_down {
            reply.encode(resp, &mut self.output);
        }
    }

    fn close_handle(&mut self, h: ClientHandle) {
        if let Some(i) = self.conns.iter().position(|c| c.handle == h && !c.closed) {
            self.disconnect(i as u32);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host() -> Host {
        Host::new(Config::default(), 1, 1_000_000_000, ClockMode::Manual).unwrap()
    }

    fn pack(h: &mut Host, args: &[&[u8]]) -> usize {
        let mut v = Vec::new();
        for a in args {
            v.extend_from_slice(&(a.len() as u32).to_le_bytes());
            v.extend_from_slice(a);
        }
        h.reserve_input(v.len());
        h.input[..v.len()].copy_from_slice(&v);
        v.len()
    }

    fn call(h: &mut Host, id: u32, args: &[&str]) -> Result<String, Refusal> {
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
        assert_eq!(h.call(0, 3, len, 0), Err(Refusal::BadInput));
        assert_eq!(h.call(0, 2, len - 1, 0), Err(Refusal::BadInput));
        assert_eq!(h.call(0, 2, len + (1 << 30), 0), Err(Refusal::BadInput));
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
        assert_eq!(call(&mut h, c, &["PING"]), Err(Refusal::ConnectionClosed));
        assert!(!h.is_open(c));
        assert_eq!(call(&mut h, 0, &["PING"]).unwrap(), "+PONG\r\n");
    }

    #[test]
    fn client_kill_closes_the_other_connection() {
        let mut h = host();
        let c = h.connect().unwrap();
        assert_eq!(call(&mut h, 0, &["CLIENT", "KILL", "ID", "2"]).unwrap(), ":1\r\n");
        assert_eq!(call(&mut h, c, &["PING"]), Err(Refusal::ConnectionClosed));
    }

    #[test]
    fn shutdown_sends_no_reply_and_refuses_everything_after() {
        let mut h = host();
        assert_eq!(call(&mut h, 0, &["SHUTDOWN", "NOSAVE"]).unwrap(), "");
        assert_eq!(call(&mut h, 0, &["PING"]), Err(Refusal::ShutDown));
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
}
