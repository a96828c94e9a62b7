//! Running a script (Redis's `scriptPrepareForRun` / `scriptCall` / `scriptInterrupt`):
//! the checks before a run, the script client that runs its `redis.call`s through
//! [`crate::cmd::call`] with Redis's checks per call, the conversions between replies
//! and the Lua crate's values, and busy scripts (the count hook asks the host, through
//! [`BusyHost`], to serve other clients while a script runs past
//! `busy-reply-threshold`).

use cinder_lua::{Host, LogLevel, Resp, Value, Wire};

use super::flags::{ALLOW_OOM, EVAL_COMPAT_MODE, NO_WRITES};
use crate::client::{Client, ClientHandle, ClientTable, ConnInfo};
use crate::cmd::{self, flags, Ctx};
use crate::engine::{EngineState, HostAction};
use crate::numfmt::{parse_f64, parse_i64};
use crate::reply::Reply;

/// The script running now (Redis's `curr_run_ctx`).
#[derive(Clone, Debug)]
pub struct Running {
    /// Run by EVAL (else by FCALL): decides SCRIPT KILL vs FUNCTION KILL and the BUSY text.
    pub eval: bool,
    /// The script's SHA-1 or the function's name.
    pub name: Vec<u8>,
    /// The caller's command (FUNCTION STATS); empty for EVAL.
    pub command: Vec<Vec<u8>>,
    /// When it started, by the host's clock (µs).
    pub start_us: u64,
    /// Write commands are refused (`*_RO`, `no-writes`).
    pub read_only: bool,
    /// `allow-oom`: denyoom commands run over `maxmemory`.
    pub allow_oom: bool,
    /// A write command ran: the script can no longer be killed.
    pub write_dirty: bool,
    /// It ran past `busy-reply-threshold`: other clients get `-BUSY`.
    pub timed_out: bool,
    /// SCRIPT KILL / FUNCTION KILL asked it to stop.
    pub killed: bool,
    /// `redis.set_repl` flags (3: AOF and replicas).
    pub repl: i32,
}

/// What a host provides for busy scripts: a clock, and serving other clients while a
/// script runs past `busy-reply-threshold`.
pub trait BusyHost {
    /// The current time in microseconds (the engine's own time stands still during a
    /// command).
    fn now_us(&mut self) -> u64;
    /// Called from the script's count hook (every 100,000 Lua instructions) once the
    /// script has run past `busy-reply-threshold`: serve other clients' input through
    /// [`Busy::execute`] (they get `-BUSY` except for SCRIPT KILL, FUNCTION KILL,
    /// SHUTDOWN NOSAVE and the other `allow-busy` commands) and return `Ok` to let the
    /// script go on, or `Err(text)` to end it with that error (a host that cannot serve
    /// others stops the script instead).
    fn serve(&mut self, busy: &mut Busy<'_>) -> Result<(), Vec<u8>>;

    /// Logs a warning (the "Slow script detected" line when a script times out).
    fn warn(&mut self, _message: &str) {}
}

/// The engine as a busy host sees it while a script runs: only other clients' commands,
/// checked for what runs while busy.
pub struct Busy<'a> {
    st: &'a mut EngineState,
    clients: &'a mut ClientTable,
}

impl Busy<'_> {
    /// Runs a command of client `h` (another client than the script's caller) while the
    /// script is busy: `-BUSY` unless it is allowed then.
    pub fn execute(&mut self, h: ClientHandle, argv: &[&[u8]]) -> Reply {
        let Some(mut c) = self.clients.take(h) else {
            return Reply::error("ERR unknown client");
        };
        let reply = if argv.is_empty() { Reply::NoReply } else { cmd::dispatch(self.st, &mut c, self.clients, argv) };
        if let Reply::Error(text) = &reply {
            self.st.stats.record_error(text);
        }
        self.clients.put_back(h, c);
        reply
    }

    /// Registers a connection accepted while the script is busy (see `Engine::connect`).
    pub fn connect(&mut self, conn: ConnInfo) -> Result<ClientHandle, Reply> {
        crate::engine::connect_client(self.st, self.clients, conn)
    }

    /// Forgets a connection that went away while the script is busy (see
    /// `Engine::disconnect`; the caller's own connection is kept until the script ends).
    pub fn disconnect(&mut self, h: ClientHandle) {
        if let Some(c) = self.clients.get_mut(h) {
            crate::cmd::blocking::cancel(self.st, c);
            crate::cmd::transactions::discard_transaction(self.st, c);
            self.st.pubsub.forget(c.handle, &mut c.pubsub);
            self.st.tracking.disable(c.id, &mut c.tracking);
        }
        self.clients.remove(h);
    }

    /// The RESP version client `h` speaks.
    pub fn resp_of(&self, h: ClientHandle) -> u8 {
        self.clients.get(h).map_or(2, |c| c.resp)
    }

    /// The request limits for client `h` (see `Session::parse_limits`); `None` when it
    /// is gone.
    pub fn parse_limits(&self, h: ClientHandle) -> Option<crate::resp::ParseLimits> {
        let c = self.clients.get(h)?;
        Some(crate::resp::ParseLimits {
            proto_max_bulk_len: self.st.config.proto_max_bulk_len,
            auth_required: self.st.acl.auth_required() && !c.authenticated,
        })
    }

    /// The actions commands run while busy asked for (SHUTDOWN, closing a client).
    pub fn take_actions(&mut self) -> Vec<HostAction> {
        std::mem::take(&mut self.st.actions)
    }

    /// The engine state (configuration, statistics), read-only.
    pub fn state(&self) -> &EngineState {
        self.st
    }
}

/// What runs: an EVAL script by SHA-1, or a library function.
pub(crate) enum Target<'a> {
    /// `f_<sha>` in the EVAL interpreter.
    Eval(&'a [u8; 40]),
    /// A function of a library in the functions' interpreter.
    Function {
        /// The library's name.
        library: &'a [u8],
        /// The function's name.
        name: &'a [u8],
        /// The caller's command (FUNCTION STATS shows it).
        command: &'a [&'a [u8]],
    },
}

/// The error of a script killed by SCRIPT KILL / FUNCTION KILL.
const KILLED: &[u8] = b"ERR Script killed by user with SCRIPT KILL...";

/// Redis's `scriptPrepareForRun` checks for a script with `script_flags` run by a `*_RO`
/// command (`ro`) or not; `Err` is the reply.
pub(crate) fn prepare_checks(st: &EngineState, script_flags: u32, ro: bool) -> Result<(), Reply> {
    if script_flags & EVAL_COMPAT_MODE != 0 {
        return Ok(());
    }
    if script_flags & NO_WRITES == 0 {
        if st.repl.is_replica() && st.config.replica_read_only {
            return Err(Reply::error("READONLY Can not run script with write flag on readonly replica"));
        }
        if let Some(e) = st.persist.script_write_denied(&st.config) {
            return Err(Reply::error(e));
        }
        if ro {
            return Err(Reply::error("ERR Can not execute a script with write flag using *_ro command."));
        }
    }
    if st.scripting.pre_command_oom && st.config.maxmemory != 0 && script_flags & (ALLOW_OOM | NO_WRITES) == 0 {
        return Err(Reply::error(
            "OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'",
        ));
    }
    Ok(())
}

/// Runs a script for the caller in `ctx` with `keys` and `args` (the checks of
/// [`prepare_checks`] passed) and returns its reply.
pub(crate) fn run(ctx: &mut Ctx, target: Target, script_flags: u32, ro: bool, keys: &[&[u8]], args: &[&[u8]]) -> Reply {
    let compat = script_flags & EVAL_COMPAT_MODE != 0;
    let eval = matches!(target, Target::Eval(_));
    let st = &mut *ctx.st;
    let mut vm = match if eval { st.scripting.eval_vm.take() } else { st.scripting.func_vm.take() } {
        Some(vm) => vm,
        None => st.scripting.new_vm(eval),
    };
    let now = st.scripting.busy_host.as_mut().map_or(st.now_us, |b| b.now_us());
    let mut sc = st.scripting.script_client.take().unwrap_or_else(|| script_client(st.now_ms()));
    sc.db = ctx.client.db;
    sc.user = ctx.client.user;
    sc.resp = 2;
    let (name, command) = match &target {
        Target::Eval(sha) => (sha.to_vec(), Vec::new()),
        Target::Function { name, command, .. } => (name.to_vec(), command.iter().map(|a| a.to_vec()).collect()),
    };
    st.scripting.running = Some(Running {
        eval,
        name,
        command,
        start_us: now,
        read_only: ro || (!compat && script_flags & NO_WRITES != 0),
        allow_oom: !compat && script_flags & ALLOW_OOM != 0,
        write_dirty: false,
        timed_out: false,
        killed: false,
        repl: 3,
    });
    let client_resp = if ctx.client.resp >= 3 { Resp::Three } else { Resp::Two };
    let mut host = ScriptHost { st, caller: ctx.client, clients: ctx.clients, sc: &mut sc, keys };
    let value = match target {
        Target::Eval(sha) => vm.call_eval_function(sha, keys, args, client_resp, &mut host),
        Target::Function { library, name, .. } => {
            vm.call_library_function(library, name, keys, args, client_resp, &mut host)
        }
    };
    let st = &mut *ctx.st;
    st.scripting.running = None;
    st.scripting.error_counted = matches!(value, Value::Error(_)) && vm.last_error_ignores_stats();
    if eval {
        st.scripting.eval_vm = Some(vm);
    } else {
        st.scripting.func_vm = Some(vm);
    }
    sc.multi = None;
    st.scripting.script_client = Some(sc);
    // The EVAL or FCALL itself is never propagated: its commands were.
    ctx.prevent_propagation();
    value_to_reply(value)
}

/// The client a script's commands run as: no connection, blocking denied.
fn script_client(now_ms: u64) -> Box<Client> {
    let mut c = Client::new(0, ConnInfo { addr: String::new(), laddr: String::new(), fd: -1 }, now_ms, true);
    c.deny_blocking = true;
    c.script = true;
    Box::new(c)
}

/// Commands Redis 7.0 flags `CMD_MAY_REPLICATE` (COMMAND INFO does not show the flag,
/// so the table built from it lacks it): read-only scripts may not run them.
fn may_replicate(name: &str) -> bool {
    matches!(name, "pfcount" | "publish" | "spublish" | "eval" | "evalsha" | "fcall")
}

/// The Lua crate's view of the engine while a script runs.
struct ScriptHost<'a> {
    st: &'a mut EngineState,
    caller: &'a mut Client,
    clients: &'a mut ClientTable,
    sc: &'a mut Client,
    /// The keys the script declared (the caller's command's keys).
    keys: &'a [&'a [u8]],
}

impl ScriptHost<'_> {
    fn running(&mut self) -> &mut Running {
        self.st.scripting.running.get_or_insert_with(|| Running {
            eval: true,
            name: Vec::new(),
            command: Vec::new(),
            start_us: 0,
            read_only: false,
            allow_oom: false,
            write_dirty: false,
            timed_out: false,
            killed: false,
            repl: 3,
        })
    }

    /// Redis's `scriptCall` checks: `Err` is the error the call gets.
    fn check(&mut self, spec: &cmd::CommandSpec, argv: &[&[u8]]) -> Result<(), std::borrow::Cow<'static, str>> {
        if spec.has(flags::NOSCRIPT) {
            return Err("ERR This Redis command is not allowed from script".into());
        }
        // Redis's scriptVerifyACL: the caller's user, logged with the caller's info.
        if !self.st.acl.unrestricted(self.caller.user) {
            let ctx = crate::acl::Context::Lua;
            if let Err(d) = cmd::acl_perm::check(self.st, self.caller.user, self.caller, spec, argv, ctx) {
                return Err(format!("ERR The user executing the script {}", cmd::acl_perm::short_message(d)).into());
            }
        }
        let maxmemory = self.st.config.maxmemory;
        let oom = self.st.scripting.pre_command_oom;
        let r = self.running();
        if r.read_only && (spec.has(flags::WRITE | flags::MAY_REPLICATE) || may_replicate(spec.name)) {
            return Err("ERR Write commands are not allowed from read-only scripts.".into());
        }
        if spec.has(flags::WRITE) && !r.write_dirty {
            // Redis's scriptVerifyWriteCommandAllow: no first write while persisting fails.
            if self.st.repl.is_replica() && self.st.config.replica_read_only && !self.caller.loader {
                return Err(crate::repl::READONLY_ERR.into());
            }
            if let Some(e) = self.st.persist.write_denied(&self.st.config) {
                return Err(e.into());
            }
            if !self.st.repl.enough_good_replicas(&self.st.config, self.st.now_ms()) {
                return Err(crate::repl::NOREPLICAS_ERR.into());
            }
        }
        let r = self.running();
        if !r.allow_oom && maxmemory != 0 && !r.write_dirty && oom && spec.has(flags::DENYOOM) {
            return Err("OOM command not allowed when used memory > 'maxmemory'.".into());
        }
        if spec.has(flags::WRITE) {
            r.write_dirty = true;
        }
        Ok(())
    }
}

impl ScriptHost<'_> {
    /// Redis's `scriptCall`: the checks, then the command through `cmd::call` as the
    /// script client. `Err` is a refusal as the value the script gets.
    fn execute(&mut self, argv: &[&[u8]], resp: Resp) -> Result<Reply, Value> {
        if argv.is_empty() {
            return Err(Value::Error(b"ERR Please specify at least one argument for this redis lib call".to_vec()));
        }
        let spec = match cmd::lookup_argv(argv) {
            Ok(s) if s.arity_ok(argv.len()) => s,
            Ok(s) => {
                self.st.cmd_calls.of(s).rejected += 1;
                self.st.stats.record_error("ERR");
                return Err(Value::Error(b"ERR Wrong number of args calling Redis command from script".to_vec()));
            }
            Err(_) => {
                self.st.stats.record_error("ERR");
                return Err(Value::Error(b"ERR Unknown Redis command called from script".to_vec()));
            }
        };
        if let Err(e) = self.check(spec, argv) {
            self.st.cmd_calls.of(spec).rejected += 1;
            self.st.stats.record_error(&e);
            return Err(Value::Error(e.as_bytes().to_vec()));
        }
        let repl = self.running().repl;
        let mark = self.st.propagation.unit_len();
        self.sc.resp = if resp == Resp::Three { 3 } else { 2 };
        self.sc.last_interaction_ms = self.st.now_ms();
        let reply = cmd::call(self.st, self.sc, self.clients, spec, argv);
        if repl != 3 && self.st.propagation.is_enabled() {
            // REPL_NONE drops the call's effects; REPL_REPLICA sends them to the
            // replicas only; REPL_AOF (no AOF-only target yet) to every consumer.
            let target = match repl {
                0 => None,
                2 => Some(crate::propagate::Target::Replicas),
                _ => Some(crate::propagate::Target::All),
            };
            self.st.propagation.retarget_since(mark, target);
        }
        // Redis's call(): a read from a script makes the caller track the keys of its own
        // command (`trackingRememberKeys(script_caller)`): the script's declared keys.
        if self.caller.tracking.is_some() && spec.has(flags::READONLY) {
            crate::engine::remember_script_keys(self.st, self.caller, self.keys);
        }
        if let Reply::Error(text) = &reply {
            self.st.stats.record_error(text);
        }
        Ok(reply)
    }
}

impl Host for ScriptHost<'_> {
    fn call(&mut self, argv: &[&[u8]], resp: Resp) -> Value {
        match self.execute(argv, resp) {
            Ok(reply) => reply_to_value(&reply, self.sc.resp),
            Err(v) => v,
        }
    }

    fn call_wire(&mut self, argv: &[&[u8]], resp: Resp, out: &mut Wire<'_>) {
        match self.execute(argv, resp) {
            Ok(reply) => reply_to_wire(&reply, self.sc.resp, out),
            Err(v) => out.value(&v),
        }
    }

    fn log(&mut self, level: LogLevel, message: &[u8]) {
        super::script_log(self.st, level, message);
    }

    fn set_repl(&mut self, flags: i32) -> Result<(), Vec<u8>> {
        self.running().repl = flags;
        Ok(())
    }

    fn acl_check_cmd(&mut self, argv: &[&[u8]]) -> Result<bool, Vec<u8>> {
        match argv.first().map(|_| cmd::lookup_argv(argv)) {
            Some(Ok(spec)) => Ok(self.st.acl.check(self.caller.user, &mut cmd::acl_perm::Req::new(spec, argv)).is_ok()),
            _ => Err(b"ERR Invalid command passed to redis.acl_check_cmd()".to_vec()),
        }
    }

    fn on_hook(&mut self) -> Result<(), Vec<u8>> {
        let Some(mut host) = self.st.scripting.busy_host.take() else {
            return Ok(());
        };
        let now = host.now_us();
        let threshold_ms = self.st.config.busy_reply_threshold.max(0) as u64;
        let r = self.running();
        let elapsed_ms = now.saturating_sub(r.start_us) / 1000;
        if !r.timed_out && elapsed_ms >= threshold_ms {
            r.timed_out = true;
            // Redis's scriptInterrupt: the Lua function of an EVAL is `f_<sha1>`.
            let (kill, prefix) = if r.eval { ("SCRIPT KILL", "f_") } else { ("FUNCTION KILL", "") };
            host.warn(&format!(
                "Slow script detected: still in execution after {} milliseconds. You can try killing the script using the {} command. Script name is: {}{}.",
                elapsed_ms,
                kill,
                prefix,
                String::from_utf8_lossy(&r.name)
            ));
        }
        let r = self.running();
        let mut result = Ok(());
        if r.timed_out {
            // Others run at the current time; the script keeps its own snapshot.
            let script_now = self.st.now_us;
            self.st.now_us = now;
            let mut busy = Busy { st: self.st, clients: self.clients };
            result = host.serve(&mut busy);
            self.st.now_us = script_now;
            if self.running().killed {
                result = Err(KILLED.to_vec());
            }
        }
        self.st.scripting.busy_host = Some(host);
        result
    }
}

/// A command's reply as Lua sees it: its protocol text (in `resp`) read back, as Redis
/// converts it.
fn reply_to_value(reply: &Reply, resp: u8) -> Value {
    let mut buf = Vec::new();
    reply.encode(resp, &mut buf);
    let mut pos = 0;
    resp_to_value(&buf, &mut pos).unwrap_or(Value::Nil)
}

/// [`reply_to_value`] written straight into the Lua crate's wire format: the common reply
/// shapes directly, the rest through the protocol text (the same result either way).
fn reply_to_wire(reply: &Reply, resp: u8, out: &mut Wire<'_>) {
    let start = out.len();
    if !direct_to_wire(reply, resp, out) {
        out.truncate(start);
        out.value(&reply_to_value(reply, resp));
    }
}

/// Writes the replies whose conversion needs no protocol text (what [`resp_to_value`]
/// would read back from their encoding); false for any other.
fn direct_to_wire(reply: &Reply, resp: u8, out: &mut Wire<'_>) -> bool {
    match reply {
        Reply::Simple(s) if !s.as_bytes().windows(2).any(|w| w == b"\r\n") => out.status(s.as_bytes()),
        Reply::Error(s) => out.error(&crate::reply::sanitize_error(s)),
        Reply::Int(n) => out.int(*n),
        Reply::Bulk(b) => out.bulk(b),
        Reply::Nil => out.nil(),
        Reply::NilArray if resp < 3 => out.nil_array(),
        Reply::Array(items) => {
            out.array(items.len());
            return items.iter().all(|it| direct_to_wire(it, resp, out));
        }
        Reply::Map(pairs) if resp < 3 => {
            out.array(pairs.len() * 2);
            return pairs.iter().all(|(k, v)| direct_to_wire(k, resp, out) && direct_to_wire(v, resp, out));
        }
        Reply::BulkArray(a) => {
            let (bytes, count) = a.encoded();
            out.array(count);
            let mut pos = 0;
            for _ in 0..count {
                match resp_to_value(bytes, &mut pos) {
                    Some(v) => out.value(&v),
                    None => return false,
                }
            }
        }
        _ => return false,
    }
    true
}

/// A script's result as a reply to its caller. Iterative: a script may return thousands
/// of nested tables (Redis stops at its Lua stack limit, about 8,000 levels).
pub(crate) fn value_to_reply(v: Value) -> Reply {
    /// A container being filled.
    enum Open {
        Array(Vec<Reply>, std::vec::IntoIter<Value>, bool),
        Map(Vec<(Reply, Reply)>, std::vec::IntoIter<(Value, Value)>, Option<Value>),
    }
    let mut stack: Vec<Open> = Vec::new();
    let mut next = Some(v);
    loop {
        // Descend into `next`, or produce a finished reply.
        let mut done = match next.take() {
            Some(Value::Array(items)) => {
                stack.push(Open::Array(Vec::with_capacity(items.len()), items.into_iter(), false));
                None
            }
            Some(Value::Set(items)) => {
                stack.push(Open::Array(Vec::with_capacity(items.len()), items.into_iter(), true));
                None
            }
            Some(Value::Map(pairs)) => {
                stack.push(Open::Map(Vec::with_capacity(pairs.len()), pairs.into_iter(), None));
                None
            }
            Some(leaf) => Some(leaf_to_reply(leaf)),
            None => None,
        };
        // Hand finished replies to their parents; find the next child to convert.
        loop {
            let Some(top) = stack.last_mut() else {
                return done.unwrap_or(Reply::Nil);
            };
            match top {
                Open::Array(out, it, _) => {
                    if let Some(r) = done.take() {
                        out.push(r);
                    }
                    if let Some(child) = it.next() {
                        next = Some(child);
                        break;
                    }
                }
                Open::Map(out, it, value) => {
                    if let Some(r) = done.take() {
                        match out.last_mut() {
                            Some((_, v)) if matches!(v, Reply::NoReply) => *v = r,
                            _ => out.push((r, Reply::NoReply)),
                        }
                    }
                    if let Some(v) = value.take() {
                        next = Some(v);
                        break;
                    }
                    if let Some((k, v)) = it.next() {
                        *value = Some(v);
                        next = Some(k);
                        break;
                    }
                }
            }
            done = Some(match stack.pop() {
                Some(Open::Array(out, _, false)) => Reply::Array(out),
                Some(Open::Array(out, _, true)) => Reply::Set(out),
                Some(Open::Map(out, _, _)) => Reply::Map(out),
                None => Reply::Nil,
            });
        }
    }
}

/// A value that holds no other values, as a reply.
fn leaf_to_reply(v: Value) -> Reply {
    match v {
        Value::Nil => Reply::Nil,
        Value::NilArray => Reply::NilArray,
        Value::Int(n) => Reply::Int(n),
        Value::Bulk(b) => Reply::Bulk(b),
        Value::Status(s) => Reply::Simple(String::from_utf8_lossy(&s).into_owned().into()),
        Value::Error(e) => Reply::Error(String::from_utf8_lossy(&e).into_owned().into()),
        Value::Bool(b) => Reply::Bool(b),
        Value::Double(d) => Reply::Double(d),
        Value::BigNumber(n) => Reply::BigNumber(n),
        Value::Verbatim(fmt, b) => Reply::Verbatim(if &fmt == b"mkd" { "mkd" } else { "txt" }, b),
        Value::Array(_) | Value::Set(_) | Value::Map(_) => Reply::Nil,
    }
}

/// Parses one RESP2/RESP3 reply at `*pos` into a value (what a command's reply looks like
/// to Lua: Redis converts its protocol text).
pub(crate) fn resp_to_value(buf: &[u8], pos: &mut usize) -> Option<Value> {
    let t = *buf.get(*pos)?;
    let end = *pos + buf[*pos..].windows(2).position(|w| w == b"\r\n")?;
    let line = &buf[*pos + 1..end];
    *pos = end + 2;
    let count = |line: &[u8]| parse_i64(line);
    Some(match t {
        b'+' => Value::Status(line.to_vec()),
        b'-' => Value::Error(line.to_vec()),
        b':' => Value::Int(parse_i64(line)?),
        b'$' | b'=' => {
            let n = count(line)?;
            if n < 0 {
                return Some(Value::Nil);
            }
            let n = n as usize;
            let data = buf.get(*pos..*pos + n)?.to_vec();
            *pos += n + 2;
            if t == b'=' && data.len() >= 4 {
                let mut fmt = [0u8; 3];
                fmt.copy_from_slice(&data[..3]);
                Value::Verbatim(fmt, data[4..].to_vec())
            } else {
                Value::Bulk(data)
            }
        }
        b'*' | b'~' | b'>' => {
            let n = count(line)?;
            if n < 0 {
                return Some(Value::NilArray);
            }
            let mut items = Vec::with_capacity(n as usize);
            for _ in 0..n {
                items.push(resp_to_value(buf, pos)?);
            }
            if t == b'~' {
                Value::Set(items)
            } else {
                Value::Array(items)
            }
        }
        b'%' => {
            let n = count(line)?;
            let mut pairs = Vec::with_capacity(n.max(0) as usize);
            for _ in 0..n {
                let k = resp_to_value(buf, pos)?;
                let v = resp_to_value(buf, pos)?;
                pairs.push((k, v));
            }
            Value::Map(pairs)
        }
        b'_' => Value::Nil,
        b'#' => Value::Bool(line == b"t"),
        b',' => Value::Double(match line {
            b"inf" => f64::INFINITY,
            b"-inf" => f64::NEG_INFINITY,
            b"nan" => f64::NAN,
            _ => parse_f64(line)?,
        }),
        b'(' => Value::BigNumber(line.to_vec()),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &[u8]) -> Value {
        let mut pos = 0;
        let v = resp_to_value(s, &mut pos).unwrap();
        assert_eq!(pos, s.len());
        v
    }

    #[test]
    fn protocol_to_values() {
        assert_eq!(parse(b"+OK\r\n"), Value::Status(b"OK".to_vec()));
        assert_eq!(parse(b"-ERR x\r\n"), Value::Error(b"ERR x".to_vec()));
        assert_eq!(parse(b":-5\r\n"), Value::Int(-5));
        assert_eq!(parse(b"$-1\r\n"), Value::Nil);
        assert_eq!(parse(b"*-1\r\n"), Value::NilArray);
        assert_eq!(parse(b"$2\r\na\n\r\n"), Value::Bulk(b"a\n".to_vec()));
        assert_eq!(
            parse(b"*2\r\n$1\r\na\r\n*1\r\n:1\r\n"),
            Value::Array(vec![Value::Bulk(b"a".to_vec()), Value::Array(vec![Value::Int(1)])])
        );
        assert_eq!(parse(b"%1\r\n+k\r\n#t\r\n"), Value::Map(vec![(Value::Status(b"k".to_vec()), Value::Bool(true))]));
        assert_eq!(parse(b"~1\r\n_\r\n"), Value::Set(vec![Value::Nil]));
        assert_eq!(parse(b",1.5\r\n"), Value::Double(1.5));
        assert_eq!(parse(b",-inf\r\n"), Value::Double(f64::NEG_INFINITY));
        assert_eq!(parse(b"(123\r\n"), Value::BigNumber(b"123".to_vec()));
        assert_eq!(parse(b"=7\r\ntxt:abc\r\n"), Value::Verbatim(*b"txt", b"abc".to_vec()));
    }

    #[test]
    fn replies_reach_lua_the_same_directly_or_through_the_protocol() {
        let mut ba = crate::reply::BulkArray::with_capacity(16);
        ba.push(b"x");
        ba.push(b"");
        let replies = vec![
            Reply::Simple("OK".into()),
            Reply::Simple("a\r\nb".into()),
            Reply::error("ERR bad\r\nthing"),
            Reply::Int(-7),
            Reply::Bulk(b"v\r\n".to_vec()),
            Reply::Nil,
            Reply::NilArray,
            Reply::Array(vec![Reply::Int(1), Reply::Array(vec![Reply::Nil, Reply::Bulk(b"k".to_vec())])]),
            Reply::Array(vec![Reply::Int(1), Reply::Double(1.5), Reply::Bool(true)]),
            Reply::Map(vec![(Reply::Bulk(b"f".to_vec()), Reply::Int(2))]),
            Reply::Set(vec![Reply::Int(3)]),
            Reply::BulkArray(ba),
            Reply::Double(2.5),
            Reply::Verbatim("txt", b"hi".to_vec()),
            Reply::BigNumber(b"12".to_vec()),
        ];
        for resp in [2u8, 3] {
            for r in &replies {
                let (mut direct, mut slow) = (Vec::new(), Vec::new());
                reply_to_wire(r, resp, &mut Wire::new(&mut direct));
                Wire::new(&mut slow).value(&reply_to_value(r, resp));
                assert_eq!(direct, slow, "{r:?} RESP{resp}");
            }
        }
    }

    #[test]
    fn values_to_replies() {
        let v = Value::Array(vec![Value::Status(b"OK".to_vec()), Value::BigNumber(b"1".to_vec()), Value::Bool(false)]);
        assert_eq!(value_to_reply(v).to_resp(2), b"*3\r\n+OK\r\n$1\r\n1\r\n:0\r\n");
        let m = Value::Map(vec![
            (Value::Bulk(b"a".to_vec()), Value::Array(vec![Value::Int(1), Value::Set(vec![])])),
            (Value::Int(2), Value::Map(vec![])),
        ]);
        assert_eq!(value_to_reply(m).to_resp(3), b"%2\r\n$1\r\na\r\n*2\r\n:1\r\n~0\r\n:2\r\n%0\r\n");
        assert_eq!(value_to_reply(Value::Array(vec![])).to_resp(2), b"*0\r\n");
        // Deep nesting (a script returning a table that holds itself): the conversion
        // does not recurse; encoding and dropping the reply do, within a main thread's
        // stack (the test thread's default is smaller).
        let t = std::thread::Builder::new().stack_size(16 << 20).spawn(|| {
            let mut deep = Value::Error(b"ERR reached lua stack limit".to_vec());
            for _ in 0..8000 {
                deep = Value::Array(vec![deep]);
            }
            let r = value_to_reply(deep);
            assert!(r.to_resp(2).starts_with(b"*1\r\n*1\r\n"));
        });
        t.unwrap().join().unwrap();
    }
}
