//! `Session`: the sequence a host runs around [`Engine::execute`], written once for every
//! host (the native server, the wasm package).
//!
//! For each command: parse it from the client's input with the limits of the current
//! configuration, run it, then write in Redis's order the client's own pushes (pub/sub
//! confirmations, keyspace events it caused), its reply, and the pushes Redis sends after
//! the reply (client-side caching invalidations of its own writes); carry out what the
//! command asked of the host (QUIT, CLIENT KILL, SHUTDOWN, DEBUG SLEEP), and give the reply
//! and argument buffers back for reuse. What reaches other clients (their pushes, the
//! replies of blocked clients whose wait ended) goes through the host's [`Hooks`], since
//! only the host knows where their connections are. Nothing here does I/O.

use crate::client::ClientHandle;
use crate::engine::{Engine, HostAction};
use crate::persist::{job_reply, Job, ShutdownFlags};
use crate::reply::Reply;
use crate::resp::{split_args_into, Parse, ParseLimits, ProtocolError, RequestParser};

/// Argument vectors larger than this (in slots) are not kept between commands.
const ARGV_KEEP_MAX: usize = 4096;

/// What the session needs from its host: delivery to other clients and the host actions
/// only the host can carry out.
pub trait Hooks {
    /// A push (pub/sub message, keyspace event, invalidation) for client `to` that the
    /// session does not write into the running client's output.
    fn push(&mut self, engine: &Engine, to: ClientHandle, push: Reply);
    /// The reply of blocked client `to`, whose wait ended (served, timed out, unblocked;
    /// `Reply::NoReply` when nothing is to be sent). The client may run its input again.
    fn wakeup(&mut self, engine: &Engine, to: ClientHandle, reply: Reply);
    /// A push that follows a wake-up reply in the wake-up stream (the invalidation of a
    /// key the served client changed itself, which Redis sends after that reply). Write
    /// it after the wake-ups passed before it; it ends no wait.
    fn wakeup_push(&mut self, engine: &Engine, to: ClientHandle, push: Reply) {
        self.push(engine, to, push);
    }
    /// Close client `h`'s connection, which is not the running one (CLIENT KILL).
    fn close(&mut self, engine: &mut Engine, h: ClientHandle);
    /// Pause for `us` microseconds (DEBUG SLEEP), setting the engine's time afterwards.
    fn sleep(&mut self, engine: &mut Engine, us: u64);
    /// Carry out persistence work (SAVE, BGSAVE, BGREWRITEAOF, DEBUG RELOAD, turning the
    /// AOF on or off), updating `engine.state.persist`; `Err` is the reason for the log
    /// (the command's reply becomes [`crate::persist::job_reply`]'s). Hosts without
    /// files keep the default: everything fails but DEBUG RELOAD, which has nothing to do.
    fn persist(&mut self, engine: &mut Engine, job: Job) -> Result<(), String> {
        match job {
            Job::Reload { .. } | Job::AppendOnly(false) | Job::FlushAll | Job::DeleteHistory | Job::ShutdownAborted => {
                Ok(())
            }
            // No listeners: a new port or bind address is only recorded.
            Job::Listen => {
                engine.state.persist.config_backup = None;
                Ok(())
            }
            Job::RewriteConfig => Err("ERR Rewriting config file: not available in this host".into()),
            _ => Err("persistence is not available in this host".into()),
        }
    }
    /// Carry out replication work (see [`crate::repl::ReplJob`]). Hosts without sockets
    /// keep the default: nothing happens (their replicas never get data).
    fn replication(&mut self, engine: &mut Engine, job: crate::repl::ReplJob) {
        let _ = (engine, job);
    }
    /// Prepare to stop (SHUTDOWN): the final save when `flags` want one, the AOF's last
    /// fsync. `Err` (without FORCE) cancels the shutdown and the client gets an error.
    fn shutdown(&mut self, engine: &mut Engine, flags: ShutdownFlags) -> Result<(), String> {
        let _ = (engine, flags);
        Ok(())
    }
}

/// How a command (or a run of input) ended, for the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Replies are written; the client can run more (after input: no complete command left).
    Done,
    /// The last command blocks: no reply now, it comes through [`Hooks::wakeup`]; the
    /// client's further input must wait until then.
    Blocked,
    /// Close the connection once its output is written (QUIT, CLIENT KILL of itself).
    Close,
    /// SHUTDOWN ran: its reply is not written and the host stops.
    Shutdown,
    /// The input broke the protocol: the error reply is written and the rest of the input
    /// was consumed (Redis then closes the connection).
    ProtocolError,
}

/// What [`Session::run_input`] did: how many input bytes it consumed and why it stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fed {
    /// Bytes of the input consumed by complete commands; the rest must be passed again
    /// (with more bytes appended) on the next call.
    pub used: usize,
    /// Why it stopped.
    pub outcome: Outcome,
}

/// The per-command host sequence with the buffers it reuses between commands. One per
/// engine; connections keep only their [`RequestParser`] and their input and output bytes.
#[derive(Default)]
pub struct Session {
    /// Argument slices of the running command (kept empty between commands).
    argv: Vec<&'static [u8]>,
    /// Unescaped arguments of a [`Session::run_line`] line, and their ranges.
    line_buf: Vec<u8>,
    line_spans: Vec<std::ops::Range<usize>>,
}

/// An empty vector reusing `v`'s allocation for borrowed slices of another lifetime (the
/// argument vector is rebuilt for every command without allocating).
fn recycle<'b>(mut v: Vec<&[u8]>) -> Vec<&'b [u8]> {
    v.clear();
    v.into_iter().map(|_| -> &'b [u8] { unreachable!("the vector is empty") }).collect()
}

/// The RESP version client `h` speaks (2 when it is gone).
#[inline]
fn resp_of(engine: &Engine, h: ClientHandle) -> u8 {
    engine.client(h).map_or(2, |c| c.resp)
}

impl Session {
    /// A session with empty buffers.
    pub fn new() -> Session {
        Session::default()
    }

    /// The request limits for client `h` under the current configuration
    /// (`proto-max-bulk-len`, and the tighter ones before AUTH); `None` when it is gone.
    #[inline]
    pub fn parse_limits(engine: &Engine, h: ClientHandle) -> Option<ParseLimits> {
        let client = engine.client(h)?;
        let config = &engine.state.config;
        Some(ParseLimits {
            proto_max_bulk_len: config.proto_max_bulk_len,
            auth_required: engine.state.acl.auth_required() && !client.authenticated,
        })
    }

    /// Runs every complete command at the start of `input` for client `h`, as bytes arriving
    /// on a socket: replies and the client's own pushes are appended to `out` in Redis's
    /// order. `parser` is the connection's, holding the progress of a partial command.
    /// Stops at an incomplete command, after a command that blocks or asks to close the
    /// connection, at SHUTDOWN or at a protocol error.
    pub fn run_input<H: Hooks>(
        &mut self,
        engine: &mut Engine,
        h: ClientHandle,
        parser: &mut RequestParser,
        input: &[u8],
        out: &mut Vec<u8>,
        hooks: &mut H,
    ) -> Fed {
        let mut used = 0;
        while used < input.len() {
            let Some(limits) = Session::parse_limits(engine, h) else {
                return Fed { used, outcome: Outcome::Close };
            };
            let rest = &input[used..];
            match parser.parse(rest, &limits) {
                Parse::Incomplete => break,
                Parse::Error(e) => {
                    e.write_reply(out);
                    // Counted like any error reply (total_error_replies, errorstat_ERR).
                    engine.state.stats.record_error("ERR");
                    parser.reset();
                    return Fed { used: input.len(), outcome: Outcome::ProtocolError };
                }
                Parse::Command(n) => {
                    used += n;
                    if parser.argc() == 0 {
                        continue;
                    }
                    let mut argv = recycle(std::mem::take(&mut self.argv));
                    parser.argv(rest, &mut argv);
                    let reply = engine.execute(h, &argv);
                    self.keep_argv(argv);
                    let outcome = finish::<H, true>(engine, h, &reply, out, hooks);
                    // GET/HGET reuse the buffer of the last bulk reply.
                    engine.recycle(reply);
                    if outcome != Outcome::Done {
                        return Fed { used, outcome };
                    }
                }
            }
        }
        Fed { used, outcome: Outcome::Done }
    }

    /// Runs one command already split into arguments for client `h`, as a request/response
    /// API does: its reply (if any) is appended to `out`. All pushes, the client's own
    /// included, stay with the engine for [`Session::deliver`], which hands them to the
    /// host's [`Hooks::push`].
    #[inline]
    pub fn run_command<H: Hooks>(
        &mut self,
        engine: &mut Engine,
        h: ClientHandle,
        argv: &[&[u8]],
        out: &mut Vec<u8>,
        hooks: &mut H,
    ) -> Outcome {
        let reply = engine.execute(h, argv);
        let outcome = finish::<H, false>(engine, h, &reply, out, hooks);
        engine.recycle(reply);
        outcome
    }

    /// Splits `line` like redis-cli (and Redis's inline commands: quotes and escapes) and
    /// runs it as [`Session::run_command`]. A blank line runs nothing; unbalanced quotes
    /// get Redis's protocol error reply (the outcome is then [`Outcome::ProtocolError`]).
    pub fn run_line<H: Hooks>(
        &mut self,
        engine: &mut Engine,
        h: ClientHandle,
        line: &[u8],
        out: &mut Vec<u8>,
        hooks: &mut H,
    ) -> Outcome {
        self.line_buf.clear();
        self.line_spans.clear();
        if split_args_into(line, &mut self.line_buf, &mut self.line_spans).is_err() {
            ProtocolError::UnbalancedQuotes.write_reply(out);
            return Outcome::ProtocolError;
        }
        if self.line_spans.is_empty() {
            return Outcome::Done;
        }
        let buf = &self.line_buf;
        let mut argv = recycle(std::mem::take(&mut self.argv));
        argv.extend(self.line_spans.iter().map(|r| &buf[r.clone()]));
        let reply = engine.execute(h, &argv);
        let argv: Vec<&'static [u8]> = recycle(argv);
        self.keep_argv(argv);
        let outcome = finish::<H, false>(engine, h, &reply, out, hooks);
        engine.recycle(reply);
        outcome
    }

    /// Hands what the engine holds for clients to the host: pushes through [`Hooks::push`],
    /// then the replies of clients whose wait ended through [`Hooks::wakeup`]. Call it after
    /// commands, ticks and time changes.
    #[inline]
    pub fn deliver<H: Hooks>(&mut self, engine: &mut Engine, hooks: &mut H) {
        if engine.has_pushes() || engine.has_wakeups() {
            deliver_pending(engine, hooks);
        }
    }

    /// Keeps the allocation of an argument vector for the next command (unless it is huge).
    #[inline]
    fn keep_argv(&mut self, argv: Vec<&[u8]>) {
        if argv.capacity() <= ARGV_KEEP_MAX {
            self.argv = recycle(argv);
        }
    }
}

/// The out-of-line part of [`Session::deliver`].
#[inline(never)]
fn deliver_pending<H: Hooks>(engine: &mut Engine, hooks: &mut H) {
    if engine.has_pushes() {
        for (to, push) in engine.take_pushes() {
            hooks.push(engine, to, push);
        }
    }
    if engine.has_wakeups() {
        for (to, reply) in engine.take_wakeups() {
            if let Reply::Push(_) = reply {
                hooks.wakeup_push(engine, to, reply);
            } else {
                hooks.wakeup(engine, to, reply);
            }
        }
    }
}

/// Everything after `execute` for client `h` but the recycling of `reply`: pushes, reply,
/// late pushes, host actions. With `INLINE` the client's own pushes go into `out` around
/// the reply (a socket); without, every push stays with the engine for [`Session::deliver`].
#[inline(always)]
fn finish<H: Hooks, const INLINE: bool>(
    engine: &mut Engine,
    h: ClientHandle,
    reply: &Reply,
    out: &mut Vec<u8>,
    hooks: &mut H,
) -> Outcome {
    // Without INLINE, `late` is statically `None`: no vector to drop on every command.
    let late = if INLINE {
        // Taken before the others: they follow the reply (own client-side caching
        // invalidations); the rest of the outbox precedes it.
        let late = if engine.has_late_pushes() { Some(engine.take_late_pushes()) } else { None };
        if engine.has_pushes() {
            let resp = resp_of(engine, h);
            for (to, push) in engine.take_pushes() {
                if to == h {
                    push.encode(resp, out);
                } else {
                    hooks.push(engine, to, push);
                }
            }
        }
        late
    } else {
        None
    };
    let mut outcome = if matches!(reply, Reply::Blocked) { Outcome::Blocked } else { Outcome::Done };
    // A reply replaced by the outcome of host work (a failed SAVE or SHUTDOWN).
    let mut replaced: Option<Reply> = None;
    // A host job may queue more actions (ACL LOAD closes the clients of replaced users).
    while engine.has_actions() {
        for action in engine.take_actions() {
            match action {
                HostAction::Close(x) if x == h => {
                    if outcome == Outcome::Done {
                        outcome = Outcome::Close;
                    }
                }
                HostAction::Close(x) => hooks.close(engine, x),
                HostAction::Shutdown(flags) => match hooks.shutdown(engine, flags) {
                    Ok(()) => outcome = Outcome::Shutdown,
                    Err(_) => replaced = Some(Reply::error(crate::persist::SHUTDOWN_FAILED)),
                },
                HostAction::Sleep(us) => hooks.sleep(engine, us),
                HostAction::Repl(job) => hooks.replication(engine, job),
                HostAction::Persist(job) => {
                    let result = hooks.persist(engine, job);
                    if let Some(r) = job_reply(job, &result) {
                        replaced = Some(r);
                    }
                }
            }
        }
    }
    let reply = replaced.as_ref().unwrap_or(reply);
    if outcome == Outcome::Shutdown {
        // SHUTDOWN's reply is not sent.
        return outcome;
    }
    let client = engine.client(h);
    let resp = client.map_or(2, |c| c.resp);
    if outcome != Outcome::Blocked {
        reply.encode(resp, out);
    }
    if let Some(late) = late {
        for (to, push) in late {
            if to == h {
                push.encode(resp, out);
            } else {
                hooks.push(engine, to, push);
            }
        }
    }
    if outcome == Outcome::Done && !matches!(client, Some(c) if !c.close_requested) {
        outcome = Outcome::Close;
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::{ConnInfo, EngineOptions};

    /// Hooks that record what the session hands over.
    #[derive(Default)]
    struct Log {
        pushes: Vec<(ClientHandle, Vec<u8>)>,
        wakeups: Vec<(ClientHandle, Vec<u8>)>,
        closed: Vec<ClientHandle>,
        slept: u64,
    }

    impl Hooks for Log {
        fn push(&mut self, engine: &Engine, to: ClientHandle, push: Reply) {
            let mut v = Vec::new();
            push.encode(resp_of(engine, to), &mut v);
            self.pushes.push((to, v));
        }
        fn wakeup(&mut self, engine: &Engine, to: ClientHandle, reply: Reply) {
            let mut v = Vec::new();
            reply.encode(resp_of(engine, to), &mut v);
            self.wakeups.push((to, v));
        }
        fn close(&mut self, engine: &mut Engine, h: ClientHandle) {
            self.closed.push(h);
            engine.disconnect(h);
        }
        fn sleep(&mut self, engine: &mut Engine, us: u64) {
            self.slept += us;
            let now = engine.state.now_us + us;
            engine.set_time_us(now);
        }
    }

    /// An engine with `config`, a session and hooks.
    struct Rig {
        engine: Engine,
        session: Session,
        log: Log,
    }

    impl Rig {
        fn new() -> Rig {
            Rig::with(Config::default())
        }

        fn with(config: Config) -> Rig {
            let engine = Engine::new(EngineOptions { seed: 1, now_us: 1_000_000, config, ..Default::default() });
            Rig { engine, session: Session::new(), log: Log::default() }
        }

        fn connect(&mut self) -> ClientHandle {
            self.engine.connect(ConnInfo::default()).unwrap()
        }

        /// Runs `input` through `run_input`; returns the output text and what it did.
        fn feed(&mut self, h: ClientHandle, parser: &mut RequestParser, input: &[u8]) -> (String, Fed) {
            let mut out = Vec::new();
            let fed = self.session.run_input(&mut self.engine, h, parser, input, &mut out, &mut self.log);
            (String::from_utf8_lossy(&out).into_owned(), fed)
        }

        fn call(&mut self, h: ClientHandle, args: &[&str]) -> (String, Outcome) {
            let argv: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
            let mut out = Vec::new();
            let o = self.session.run_command(&mut self.engine, h, &argv, &mut out, &mut self.log);
            (String::from_utf8_lossy(&out).into_owned(), o)
        }

        fn deliver(&mut self) {
            self.session.deliver(&mut self.engine, &mut self.log);
        }
    }

    fn done(used: usize) -> Fed {
        Fed { used, outcome: Outcome::Done }
    }

    #[test]
    fn pipelines_run_in_order() {
        let mut r = Rig::new();
        let c = r.connect();
        let mut p = RequestParser::new();
        let input = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\nGET k\r\n\r\nINCR k\r\n";
        let (out, fed) = r.feed(c, &mut p, input);
        assert_eq!(out, "+OK\r\n$1\r\nv\r\n-ERR value is not an integer or out of range\r\n");
        assert_eq!(fed, done(input.len()));
    }

    #[test]
    fn partial_input_waits_for_the_rest() {
        let mut r = Rig::new();
        let c = r.connect();
        let mut p = RequestParser::new();
        let mut buf = b"PING\r\n*2\r\n$4\r\nECHO\r\n$5\r\nhel".to_vec();
        let (out, fed) = r.feed(c, &mut p, &buf);
        assert_eq!((out.as_str(), fed), ("+PONG\r\n", done(6)));
        buf.drain(..6);
        let (out, fed) = r.feed(c, &mut p, &buf);
        assert_eq!((out.as_str(), fed), ("", done(0)));
        buf.extend_from_slice(b"lo\r\n");
        let (out, fed) = r.feed(c, &mut p, &buf);
        assert_eq!((out.as_str(), fed), ("$5\r\nhello\r\n", done(buf.len())));
    }

    #[test]
    fn blocked_client_holds_its_input_until_woken() {
        let mut r = Rig::new();
        let c = r.connect();
        let other = r.connect();
        let mut p = RequestParser::new();
        let input = b"BLPOP q 0\r\nPING\r\n";
        let (out, fed) = r.feed(c, &mut p, input);
        assert_eq!((out.as_str(), fed), ("", Fed { used: 11, outcome: Outcome::Blocked }));
        assert!(r.log.wakeups.is_empty());
        assert_eq!(r.call(other, &["RPUSH", "q", "x"]), (":1\r\n".into(), Outcome::Done));
        r.deliver();
        assert_eq!(r.log.wakeups, vec![(c, b"*2\r\n$1\r\nq\r\n$1\r\nx\r\n".to_vec())]);
        let (out, fed) = r.feed(c, &mut p, &input[11..]);
        assert_eq!((out.as_str(), fed), ("+PONG\r\n", done(6)));
    }

    #[test]
    fn quit_stops_the_input_after_its_reply() {
        let mut r = Rig::new();
        let c = r.connect();
        let mut p = RequestParser::new();
        let (out, fed) = r.feed(c, &mut p, b"PING\r\nQUIT\r\nPING\r\n");
        assert_eq!((out.as_str(), fed), ("+PONG\r\n+OK\r\n", Fed { used: 12, outcome: Outcome::Close }));
        assert_eq!(r.call(c, &["QUIT"]).1, Outcome::Close);
    }

    #[test]
    fn client_kill_goes_to_the_host() {
        let mut r = Rig::new();
        let c = r.connect();
        let other = r.connect();
        assert_eq!(r.call(c, &["CLIENT", "KILL", "ID", "2"]), (":1\r\n".into(), Outcome::Done));
        assert_eq!(r.log.closed, vec![other]);
        assert_eq!(r.call(c, &["CLIENT", "KILL", "ID", "1", "SKIPME", "no"]), (":1\r\n".into(), Outcome::Close));
    }

    #[test]
    fn shutdown_writes_no_reply() {
        let mut r = Rig::new();
        let c = r.connect();
        let mut p = RequestParser::new();
        let (out, fed) = r.feed(c, &mut p, b"PING\r\nSHUTDOWN NOSAVE\r\nPING\r\n");
        assert_eq!((out.as_str(), fed), ("+PONG\r\n", Fed { used: 23, outcome: Outcome::Shutdown }));
    }

    #[test]
    fn debug_sleep_goes_to_the_host() {
        let mut config = Config::default();
        config.set(crate::config::find_param(b"enable-debug-command").unwrap(), b"yes").unwrap();
        let mut r = Rig::with(config);
        let c = r.connect();
        assert_eq!(r.call(c, &["DEBUG", "SLEEP", "0.25"]), ("+OK\r\n".into(), Outcome::Done));
        assert_eq!(r.log.slept, 250_000);
    }

    #[test]
    fn own_pushes_precede_the_reply_and_others_go_to_the_host() {
        let mut r = Rig::new();
        let c = r.connect();
        let other = r.connect();
        let mut p = RequestParser::new();
        assert_eq!(r.call(other, &["SUBSCRIBE", "ch"]), (String::new(), Outcome::Done));
        let (out, _) = r.feed(c, &mut p, b"HELLO 3\r\n");
        assert!(out.starts_with("%7"));
        let (out, _) = r.feed(c, &mut p, b"SUBSCRIBE ch\r\nPUBLISH ch x\r\n");
        assert_eq!(
            out,
            ">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nx\r\n:2\r\n"
        );
        // The request/response client's own confirmation waited for `deliver`.
        r.deliver();
        assert_eq!(
            r.log.pushes,
            vec![
                (other, b"*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n".to_vec()),
                (other, b"*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nx\r\n".to_vec())
            ]
        );
    }

    #[test]
    fn own_invalidations_follow_the_reply() {
        let mut r = Rig::new();
        let c = r.connect();
        let mut p = RequestParser::new();
        r.feed(c, &mut p, b"HELLO 3\r\n");
        let (out, _) = r.feed(c, &mut p, b"CLIENT TRACKING on\r\nGET k\r\n");
        assert_eq!(out, "+OK\r\n_\r\n");
        let (out, _) = r.feed(c, &mut p, b"SET k 1\r\nPING\r\n");
        assert_eq!(out, "+OK\r\n>2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n+PONG\r\n");
    }

    #[test]
    fn protocol_errors_are_answered_and_consume_the_input() {
        let mut r = Rig::new();
        let c = r.connect();
        let mut p = RequestParser::new();
        let input = b"PING\r\n*x\r\nPING\r\n";
        let (out, fed) = r.feed(c, &mut p, input);
        assert_eq!(out, "+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n");
        assert_eq!(fed, Fed { used: input.len(), outcome: Outcome::ProtocolError });
        assert_eq!(r.engine.state.stats.error_replies, 1);
        // The parser starts afresh.
        assert_eq!(r.feed(c, &mut p, b"PING\r\n").0, "+PONG\r\n");
    }

    #[test]
    fn parse_limits_follow_config_and_auth() {
        let mut config = Config::default();
        config.set(crate::config::find_param(b"requirepass").unwrap(), b"pw").unwrap();
        let mut r = Rig::with(config);
        let c = r.connect();
        assert!(Session::parse_limits(&r.engine, c).unwrap().auth_required);
        let mut p = RequestParser::new();
        assert_eq!(r.feed(c, &mut p, b"*20\r\n").0, "-ERR Protocol error: unauthenticated multibulk length\r\n");
        assert_eq!(r.call(c, &["AUTH", "pw"]).0, "+OK\r\n");
        assert!(!Session::parse_limits(&r.engine, c).unwrap().auth_required);
        r.call(c, &["CONFIG", "SET", "proto-max-bulk-len", "1mb"]);
        assert_eq!(Session::parse_limits(&r.engine, c).unwrap().proto_max_bulk_len, 1 << 20);
    }

    #[test]
    fn lines_split_like_redis_cli() {
        let mut r = Rig::new();
        let c = r.connect();
        let mut out = Vec::new();
        let o = r.session.run_line(&mut r.engine, c, br#"SET k "a b""#, &mut out, &mut r.log);
        assert_eq!((out.as_slice(), o), (&b"+OK\r\n"[..], Outcome::Done));
        out.clear();
        assert_eq!(r.session.run_line(&mut r.engine, c, b"  ", &mut out, &mut r.log), Outcome::Done);
        assert!(out.is_empty());
        let o = r.session.run_line(&mut r.engine, c, br#"GET "k"#, &mut out, &mut r.log);
        assert_eq!(o, Outcome::ProtocolError);
        assert_eq!(out, b"-ERR Protocol error: unbalanced quotes in request\r\n");
    }

    #[test]
    fn blocked_command_through_run_command_writes_nothing() {
        let mut r = Rig::new();
        let c = r.connect();
        assert_eq!(r.call(c, &["BLPOP", "q", "1"]), (String::new(), Outcome::Blocked));
        r.engine.set_time_us(2_002_000);
        r.deliver();
        assert_eq!(r.log.wakeups, vec![(c, b"*-1\r\n".to_vec())]);
    }

    #[test]
    fn huge_argument_vectors_are_not_kept() {
        let mut r = Rig::new();
        let c = r.connect();
        let mut cmd = b"DEL".to_vec();
        for i in 0..5000 {
            cmd.extend_from_slice(format!(" k{i}").as_bytes());
        }
        cmd.extend_from_slice(b"\r\n");
        let mut p = RequestParser::new();
        assert_eq!(r.feed(c, &mut p, &cmd).0, ":0\r\n");
        assert_eq!(r.session.argv.capacity(), 0);
        r.feed(c, &mut p, b"PING\r\n");
        assert!(r.session.argv.capacity() > 0);
    }
}
