//! `CLIENT PAUSE timeout [WRITE|ALL]` and `CLIENT UNPAUSE` (Redis 7.0): postponing
//! commands while a pause is on, and running them again, in arrival order, when it ends.
//!
//! A postponed client is blocked (it counts in `blocked_clients`, its input waits); when
//! the pause ends its command goes through dispatch again (it may be postponed again or
//! block on keys) and the reply is handed out as a wake-up.

use crate::blocking::WaitFor;
use crate::client::Client;
use crate::cmd::blocking::{Wait, Waiter};
use crate::cmd::{flags, is, Args, CommandSpec, Ctx};
use crate::engine::{Engine, EngineState};
use crate::error::{CmdError, CmdResult};
use crate::numfmt::parse_i64;
use crate::pause::PauseType;
use crate::reply::Reply;

/// `CLIENT PAUSE timeout [WRITE|ALL]`.
pub fn client_pause(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    if args.remaining() > 2 {
        return Err(super::slowlog::subcommand_syntax(args, "CLIENT"));
    }
    let timeout = args.take();
    let kind = match args.next() {
        None => PauseType::All,
        Some(m) if is(m, "write") => PauseType::Write,
        Some(m) if is(m, "all") => PauseType::All,
        Some(_) => return Err(CmdError::other("ERR CLIENT PAUSE mode must be WRITE or ALL")),
    };
    let ms = parse_i64(timeout).ok_or(CmdError::other("ERR timeout is not an integer or out of range"))?;
    if ms < 0 {
        return Err(CmdError::other("ERR timeout is negative"));
    }
    let now = ctx.now_ms();
    let end = if ms > 0 { (ms as u64).saturating_add(now) } else { 0 };
    ctx.st.pause.pause(kind, end, now);
    sync_expire_flag(ctx.st);
    Ok(Reply::ok())
}

/// `CLIENT UNPAUSE`.
pub fn client_unpause(ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    ctx.st.pause.unpause();
    sync_expire_flag(ctx.st);
    Ok(Reply::ok())
}

/// Tells the keyspaces whether lazy expiry is paused.
pub(crate) fn sync_expire_flag(st: &EngineState) {
    st.pending.expire_paused.set(st.pause.is_paused());
}

/// Redis's `is_may_replicate_command` for `spec` run with `argv` by `client`: write or
/// may-replicate commands, scripts by their declared flags, EXEC by its queue.
pub(crate) fn may_replicate(st: &EngineState, client: &Client, spec: &CommandSpec, argv: &[&[u8]]) -> bool {
    if spec.name == "exec" {
        return client.multi.as_deref().is_some_and(|m| {
            m.queue.iter().any(|(s, a)| {
                let refs: Vec<&[u8]> = a.iter().map(|x| x.as_slice()).collect();
                command_may_replicate(st, s, &refs)
            })
        });
    }
    command_may_replicate(st, spec, argv)
}

fn command_may_replicate(st: &EngineState, spec: &CommandSpec, argv: &[&[u8]]) -> bool {
    let script = match (spec.name, argv.get(1)) {
        ("eval" | "eval_ro", Some(s)) => crate::cmd::scripting::eval::eval_declared_writes(st, false, s),
        ("evalsha" | "evalsha_ro", Some(s)) => crate::cmd::scripting::eval::eval_declared_writes(st, true, s),
        ("fcall" | "fcall_ro", Some(f)) => {
            st.scripting.libraries.function(f).map(|_| crate::cmd::scripting::function::fcall_writes(st, f))
        }
        _ => None,
    };
    script.unwrap_or_else(|| spec.has(flags::WRITE | flags::MAY_REPLICATE))
}

/// Waits for the pause to end; never served by keys.
struct Postponed;

impl Waiter for Postponed {
    fn waits_for(&self) -> WaitFor {
        WaitFor::List
    }

    fn serve(&self, _ctx: &mut Ctx, _key: &[u8], _slot: u32) -> Option<Reply> {
        None
    }
}

/// Redis's `blockClient(c, BLOCKED_POSTPONE)`: `client` waits for the pause to end, then
/// `argv` runs again.
pub(crate) fn postpone(st: &mut EngineState, client: &mut Client, spec: &'static CommandSpec, argv: &[&[u8]]) -> Reply {
    let db = client.db;
    st.blocking.register(db, client.handle, client.id, &[], 0, false);
    client.wait = Some(Box::new(Wait {
        db,
        keys: Vec::new(),
        deadline_ms: 0,
        spec,
        waiter: Box::new(Postponed),
        exec_us: 0,
        argv: Vec::new(),
    }));
    st.pause.postpone(client.handle, client.id, argv.iter().map(|a| a.to_vec()).collect());
    Reply::Blocked
}

/// Ends an expired pause (Redis's `checkClientPauseTimeoutAndReturnIfPaused`); returns
/// whether a pause is still on.
pub fn check_timeout(st: &mut EngineState) -> bool {
    let now = st.now_ms();
    let paused = st.pause.check_timeout(now);
    sync_expire_flag(st);
    paused
}

/// Runs the commands of the clients postponed by a pause that ended or eased, first
/// postponed first; their replies become wake-ups.
pub fn release_postponed(eng: &mut Engine) {
    for (h, id, argv) in eng.state.pause.take_released() {
        let Some(client) = eng.clients.get_mut(h) else { continue };
        if client.id != id || !client.is_blocked() {
            continue;
        }
        crate::cmd::blocking::cancel(&mut eng.state, client);
        let refs: Vec<&[u8]> = argv.iter().map(|a| a.as_slice()).collect();
        let reply = eng.execute(h, &refs);
        if !matches!(reply, Reply::Blocked) {
            eng.state.blocking.push_wakeup(h, reply);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::reply::Reply;
    use crate::testkit::TestEngine;

    #[test]
    fn write_pause_postpones_writes_in_order() {
        let mut t = TestEngine::new();
        let (a, b) = (t.connect(), t.connect());
        assert_eq!(t.cmd(&["CLIENT", "PAUSE", "100000", "WRITE"]), Reply::ok());
        assert_eq!(t.cmd_as(a, &["GET", "k"]), Reply::Nil);
        assert_eq!(t.cmd_as(a, &["SET", "k", "1"]), Reply::Blocked);
        assert_eq!(t.cmd_as(b, &["APPEND", "k", "2"]), Reply::Blocked);
        assert_eq!(t.cmd_as(b, &["PUBLISH", "c", "m"]), Reply::error("ERR client is blocked"));
        let Reply::Verbatim(_, info) = t.cmd(&["INFO", "clients"]) else { panic!() };
        assert!(String::from_utf8_lossy(&info).contains("blocked_clients:2"));
        assert_eq!(t.cmd(&["CLIENT", "UNPAUSE"]), Reply::ok());
        assert_eq!(t.eng.take_wakeups(), vec![(a, Reply::ok()), (b, Reply::Int(2))]);
        assert_eq!(t.cmd(&["GET", "k"]), Reply::bulk(b"12"));
    }

    #[test]
    fn pause_times_out_and_expiry_waits() {
        let mut t = TestEngine::new();
        let a = t.connect();
        t.cmd(&["SET", "k", "v", "PX", "10"]);
        t.cmd(&["CLIENT", "PAUSE", "50", "ALL"]);
        assert_eq!(t.cmd_as(a, &["PING"]), Reply::Blocked);
        let now = t.eng.state.now_us;
        t.eng.set_time_us(now + 20_000);
        // Logically expired, not removed.
        assert_eq!(t.eng.state.dbs[0].keys.len(), 1);
        t.eng.tick(now + 30_000);
        assert_eq!(t.eng.state.dbs[0].keys.len(), 1);
        t.eng.set_time_us(now + 60_000);
        assert_eq!(t.eng.take_wakeups(), vec![(a, Reply::simple("PONG"))]);
        assert_eq!(t.cmd(&["GET", "k"]), Reply::Nil);
        assert_eq!(t.eng.state.dbs[0].keys.len(), 0);
    }

    #[test]
    fn errors_follow_redis() {
        let mut t = TestEngine::new();
        assert_eq!(
            t.cmd(&["CLIENT", "PAUSE", "10", "foo"]),
            Reply::error("ERR CLIENT PAUSE mode must be WRITE or ALL")
        );
        assert_eq!(t.cmd(&["CLIENT", "PAUSE", "x"]), Reply::error("ERR timeout is not an integer or out of range"));
        assert_eq!(t.cmd(&["CLIENT", "PAUSE", "-1"]), Reply::error("ERR timeout is negative"));
        assert_eq!(
            t.cmd(&["CLIENT", "PAUSE", "1", "write", "x"]),
            Reply::error("ERR unknown subcommand or wrong number of arguments for 'PAUSE'. Try CLIENT HELP.")
        );
        // Syntax errors are answered at once during a pause.
        t.cmd(&["CLIENT", "PAUSE", "100000", "WRITE"]);
        assert_eq!(t.cmd(&["SET", "k"]), Reply::error("ERR wrong number of arguments for 'set' command"));
        t.cmd(&["CLIENT", "UNPAUSE"]);
    }
}
