//! MULTI, EXEC, DISCARD, WATCH, UNWATCH (Redis 7.0 `multi.c`) and the queueing step
//! [`intercept`] that `cmd::dispatch` calls once, after its own checks.
//!
//! - Inside MULTI every command but EXEC, DISCARD, MULTI, WATCH, QUIT and RESET is
//!   checked (existence, arity, auth, `no-multi`) and queued (`+QUEUED`). A failed check
//!   replies its error and flags the transaction ([`flag_transaction`]): EXEC then
//!   answers `EXECABORT` and runs nothing.
//! - EXEC runs the queue through [`super::call`] (the same handler call and statistics as
//!   any command) with blocking denied, so blocking commands answer as their non-blocking
//!   form. Errors at run time are array elements; nothing is rolled back.
//! - WATCH state lives in `EngineState::watches` (see [`crate::watch`]).

use super::{Args, CommandSpec, Ctx};
use crate::client::Client;
use crate::engine::EngineState;
use crate::error::{CmdError, CmdResult};
use crate::reply::Reply;

/// A client's open transaction (between MULTI and EXEC/DISCARD).
#[derive(Debug, Default)]
pub struct MultiState {
    /// Queued commands with their arguments (name included).
    pub queue: Vec<(&'static CommandSpec, Vec<Vec<u8>>)>,
    /// A command failed its checks while queueing (Redis's `CLIENT_DIRTY_EXEC`).
    pub dirty_exec: bool,
}

impl MultiState {
    /// Bytes held by the queued arguments (`CLIENT LIST` `multi-mem`).
    pub fn argv_bytes(&self) -> usize {
        self.queue.iter().map(|(_, a)| a.iter().map(|x| x.len()).sum::<usize>()).sum()
    }
}

/// Redis's `flagTransaction`: a command was rejected while the client is in MULTI, so
/// its EXEC must abort. Call it wherever a command is refused before running.
#[inline]
pub fn flag_transaction(client: &mut Client) {
    if let Some(m) = client.multi.as_mut() {
        m.dirty_exec = true;
    }
}

/// Commands that run at once even inside MULTI (Redis's `processCommand` list).
fn runs_inside_multi(spec: &CommandSpec) -> bool {
    matches!(spec.name, "exec" | "discard" | "multi" | "watch" | "quit" | "reset")
}

/// Called by `dispatch` after the existence, arity and auth checks passed, before the
/// handler, with Redis's remaining checks in order: inside MULTI, `no-multi` commands are
/// refused; a RESP2 client in subscribed mode may only run the pub/sub commands, PING,
/// QUIT and RESET; inside MULTI the command is then queued. Returns the reply, or `None`
/// to let the command run now.
#[inline]
pub fn intercept(
    st: &mut EngineState,
    client: &mut Client,
    spec: &'static CommandSpec,
    argv: &[&[u8]],
) -> Option<Reply> {
    let _ = st;
    if client.multi.is_none() {
        return super::pubsub::subscribed_mode_error(client, spec);
    }
    if spec.has(super::flags::NO_MULTI) {
        flag_transaction(client);
        return Some(Reply::error("ERR Command not allowed inside a transaction"));
    }
    if let Some(e) = super::pubsub::subscribed_mode_error(client, spec) {
        flag_transaction(client);
        return Some(e);
    }
    if runs_inside_multi(spec) {
        return None;
    }
    let multi = client.multi.as_mut()?;
    multi.queue.push((spec, argv.iter().map(|a| a.to_vec()).collect()));
    Some(Reply::simple("QUEUED"))
}

/// Whether a command is refused when memory stays over `maxmemory` after eviction
/// (Redis's `processCommand`): `denyoom` commands; inside MULTI every command but EXEC,
/// DISCARD, QUIT and RESET (queueing must not grow memory); EXEC when a queued command is
/// `denyoom`.
pub fn rejected_on_oom(client: &Client, spec: &CommandSpec) -> bool {
    if spec.has(super::flags::DENYOOM) {
        return true;
    }
    let Some(multi) = client.multi.as_deref() else {
        return false;
    };
    match spec.name {
        "exec" => multi.queue.iter().any(|(s, _)| s.has(super::flags::DENYOOM)),
        "discard" | "quit" | "reset" => false,
        _ => true,
    }
}

/// A rejected EXEC (Redis's `execCommandAbort`): the transaction is discarded and the
/// error becomes `EXECABORT Transaction discarded because of: <error>` (an implied `ERR `
/// dropped). Other rejections pass unchanged.
pub fn reject_exec(
    st: &mut EngineState,
    client: &mut Client,
    spec: &CommandSpec,
    argv: &[&[u8]],
    error: Reply,
) -> Reply {
    if spec.name != "exec" || client.multi.is_none() {
        return error;
    }
    discard_transaction(st, client);
    // Redis's `execCommandAbort`: monitors saw MULTI, they see this EXEC end it.
    if st.introspection.monitors.any() {
        super::observe::feed_monitors(st, client, argv);
    }
    let Reply::Error(text) = error else {
        return error;
    };
    let text = text.strip_prefix("ERR ").unwrap_or(&text);
    Reply::error(format!("EXECABORT Transaction discarded because of: {}", text))
}

/// Leaves MULTI and forgets the watched keys (DISCARD, EXEC, RESET, disconnect).
pub fn discard_transaction(st: &mut EngineState, client: &mut Client) {
    client.multi = None;
    st.watches.unwatch_all(client.handle);
}

/// `MULTI`.
pub fn multi(ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    if ctx.client.multi.is_some() {
        return Err(CmdError::other("ERR MULTI calls can not be nested"));
    }
    ctx.client.multi = Some(Box::default());
    Ok(Reply::ok())
}

/// `DISCARD`.
pub fn discard(ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    if ctx.client.multi.is_none() {
        return Err(CmdError::other("ERR DISCARD without MULTI"));
    }
    discard_transaction(ctx.st, ctx.client);
    Ok(Reply::ok())
}

/// `EXEC`: runs the queued commands atomically, or fails (watched key touched: null
/// array; errors while queueing: EXECABORT).
pub fn exec(ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    let Some(multi) = ctx.client.multi.as_deref() else {
        return Err(CmdError::other("ERR EXEC without MULTI"));
    };
    let dirty_exec = multi.dirty_exec;
    let h = ctx.client.handle;
    let now = ctx.st.now_ms();
    let cas_dirty = ctx.st.watches.is_dirty(h, &ctx.st.dbs, now);
    ctx.st.watches.unwatch_all(h);
    if dirty_exec || cas_dirty {
        ctx.client.multi = None;
        return if dirty_exec {
            Err(CmdError::other("EXECABORT Transaction discarded because of previous errors."))
        } else {
            Ok(Reply::NilArray)
        };
    }
    // The client stays in MULTI while the queue runs (`CLIENT LIST` shows `flags=x` and
    // the queued count, `cmd=exec`, as in Redis).
    let deny = std::mem::replace(&mut ctx.client.deny_blocking, true);
    let count = ctx.client.multi.as_ref().map_or(0, |m| m.queue.len());
    let mut replies = Vec::with_capacity(count);
    for i in 0..count {
        let Some((spec, argv)) = ctx.client.multi.as_ref().and_then(|m| m.queue.get(i)).map(|(s, a)| (*s, a.clone()))
        else {
            break;
        };
        let argv: Vec<&[u8]> = argv.iter().map(|a| a.as_slice()).collect();
        let mark = ctx.st.pubsub.pushes_len();
        // Redis's execCommand: the ACL may have changed since the command was queued.
        let denied = if ctx.st.acl.unrestricted(ctx.client.user) || ctx.client.loader {
            None
        } else {
            let ctx_multi = crate::acl::Context::Multi;
            super::acl_perm::check(ctx.st, ctx.client.user, ctx.client, spec, &argv, ctx_multi).err()
        };
        let reply = match denied {
            Some(d) => Reply::error(format!(
                "NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. \
                 This command is no longer allowed for the following reason: {}",
                match d {
                    crate::acl::Denied::Command => "no permission to execute the command or subcommand",
                    crate::acl::Denied::Key(_) => "no permission to touch the specified keys",
                    crate::acl::Denied::Channel(_) => "no permission to access one of the channels used as arguments",
                }
            )),
            None => super::call(ctx.st, ctx.client, ctx.clients, spec, &argv),
        };
        if let Reply::Error(text) = &reply {
            if !std::mem::take(&mut ctx.st.scripting.error_counted) {
                ctx.st.stats.record_error(text);
            }
        }
        if reply == Reply::NoReply {
            // SUBSCRIBE and friends answer with pushes: they are this command's elements.
            replies.extend(ctx.st.pubsub.take_own_pushes_from(ctx.client.handle, mark));
        } else {
            replies.push(reply);
        }
    }
    ctx.client.deny_blocking = deny;
    ctx.client.multi = None;
    Ok(Reply::Array(replies))
}

/// `WATCH key [key ...]`.
pub fn watch(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    if ctx.client.multi.is_some() {
        return Err(CmdError::other("ERR WATCH inside MULTI is not allowed"));
    }
    let db = ctx.client.db;
    let now = ctx.st.now_ms();
    while let Some(key) = args.next() {
        let expired = crate::watch::key_is_expired(&ctx.st.dbs[db], key, now);
        ctx.st.watches.watch(ctx.client.handle, db, key, expired);
    }
    Ok(Reply::ok())
}

/// `UNWATCH`.
pub fn unwatch(ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    ctx.st.watches.unwatch_all(ctx.client.handle);
    Ok(Reply::ok())
}

#[cfg(test)]
mod tests {
    use crate::testkit::TestEngine;

    #[test]
    fn queue_exec_and_runtime_errors() {
        let mut t = TestEngine::new();
        assert_eq!(t.resp(&["MULTI"]), "+OK\r\n");
        assert_eq!(t.resp(&["SET", "a", "x"]), "+QUEUED\r\n");
        assert_eq!(t.resp(&["INCR", "a"]), "+QUEUED\r\n");
        assert_eq!(t.resp(&["GET", "a"]), "+QUEUED\r\n");
        assert_eq!(t.resp(&["EXEC"]), "*3\r\n+OK\r\n-ERR value is not an integer or out of range\r\n$1\r\nx\r\n");
        assert_eq!(t.resp(&["EXEC"]), "-ERR EXEC without MULTI\r\n");
    }

    #[test]
    fn queue_time_errors_abort() {
        let mut t = TestEngine::new();
        t.cmd(&["MULTI"]);
        assert_eq!(t.resp(&["SET", "a"]), "-ERR wrong number of arguments for 'set' command\r\n");
        assert_eq!(t.resp(&["SHUTDOWN"]), "-ERR Command not allowed inside a transaction\r\n");
        t.cmd(&["SET", "a", "1"]);
        assert_eq!(t.resp(&["EXEC"]), "-EXECABORT Transaction discarded because of previous errors.\r\n");
        assert_eq!(t.resp(&["EXISTS", "a"]), ":0\r\n");
    }

    #[test]
    fn watch_is_invalidated_by_other_clients_and_expiry() {
        let mut t = TestEngine::new();
        let other = t.connect();
        t.cmd(&["SET", "k", "1"]);
        t.cmd(&["WATCH", "k"]);
        t.run_as(other, "SET k 2");
        t.cmd(&["MULTI"]);
        t.cmd(&["PING"]);
        assert_eq!(t.resp(&["EXEC"]), "*-1\r\n");
        assert_eq!(t.resp3(&["EXEC"]), "-ERR EXEC without MULTI\r\n");
        // Active expiry of a watched key.
        t.cmd(&["SET", "k", "1", "PX", "10"]);
        t.cmd(&["WATCH", "k"]);
        t.advance_ms(20);
        t.tick();
        assert_eq!(t.eng.state.dbs[0].keys.len(), 0);
        t.cmd(&["MULTI"]);
        assert_eq!(t.resp(&["EXEC"]), "*-1\r\n");
        // Not watched any more: a later change does not matter.
        t.cmd(&["MULTI"]);
        t.run_as(other, "SET k 3");
        assert_eq!(t.resp(&["EXEC"]), "*0\r\n");
        // Disconnecting forgets the watches.
        t.run_as(other, "WATCH k");
        t.eng.disconnect(other);
        assert!(!t.eng.state.watches.any());
    }

    #[test]
    fn client_list_shows_the_transaction() {
        let mut t = TestEngine::new();
        let other = t.connect();
        t.cmd(&["MULTI"]);
        t.cmd(&["SET", "a", "1"]);
        let list = String::from_utf8(t.run_as(other, "CLIENT LIST").to_resp(2)).unwrap();
        let line = list.lines().find(|l| l.contains("id=1 ")).unwrap().to_string();
        assert!(line.contains(" flags=x ") && line.contains(" multi=1 "), "{}", line);
        t.cmd(&["CLIENT", "INFO"]);
        let r = String::from_utf8(t.cmd(&["EXEC"]).to_resp(2)).unwrap();
        assert!(r.contains(" flags=x ") && r.contains(" multi=2 ") && r.contains(" cmd=exec "), "{}", r);
        let after = String::from_utf8(t.cmd(&["CLIENT", "INFO"]).to_resp(2)).unwrap();
        assert!(after.contains(" flags=N ") && after.contains(" multi=-1 "), "{}", after);
    }

    #[test]
    fn blocking_commands_do_not_block_in_exec() {
        let mut t = TestEngine::new();
        t.cmd(&["MULTI"]);
        t.cmd(&["BLPOP", "l", "0"]);
        t.cmd(&["BZPOPMIN", "z", "0"]);
        assert_eq!(t.resp(&["EXEC"]), "*2\r\n*-1\r\n*-1\r\n");
        assert!(!t.eng.is_blocked(t.client));
    }
}
