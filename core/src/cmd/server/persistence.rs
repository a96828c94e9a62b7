//! SAVE, BGSAVE, BGREWRITEAOF, LASTSAVE and SHUTDOWN: the replies are decided here from
//! the persistence state ([`crate::persist`]); the file work is a host action.

use crate::cmd::{is, Args, Ctx};
use crate::engine::HostAction;
use crate::error::{CmdError, CmdResult};
use crate::persist::{Child, Job, ShutdownFlags};
use crate::reply::Reply;

/// `LASTSAVE`: Unix time of the last successful save (the start time before any).
pub fn lastsave(ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Ok(Reply::Int(ctx.st.persist.lastsave_s as i64))
}

/// `SAVE`: the host writes the snapshot before the reply (`-ERR` when it fails).
pub fn save(ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    if ctx.st.persist.child == Child::Rdb {
        return Err(CmdError::other("ERR Background save already in progress"));
    }
    ctx.st.actions.push(HostAction::Persist(Job::Save));
    Ok(Reply::ok())
}

/// `BGSAVE [SCHEDULE]`: a child process writes the snapshot (Redis's `bgsaveCommand`).
pub fn bgsave(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let mut schedule = false;
    if args.remaining() > 0 {
        if args.remaining() == 1 && args.peek().is_some_and(|a| is(a, "schedule")) {
            schedule = true;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let in_exec = ctx.client.multi.is_some();
    let p = &mut ctx.st.persist;
    if p.child == Child::Rdb {
        return Err(CmdError::other("ERR Background save already in progress"));
    }
    if p.child != Child::None || in_exec {
        if schedule || in_exec {
            p.bgsave_scheduled = true;
            return Ok(Reply::simple("Background saving scheduled"));
        }
        return Err(CmdError::other(
            "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to \
             schedule a BGSAVE whenever possible.",
        ));
    }
    ctx.st.actions.push(HostAction::Persist(Job::Bgsave));
    Ok(Reply::simple("Background saving started"))
}

/// `BGREWRITEAOF` (Redis's `bgrewriteaofCommand`).
pub fn bgrewriteaof(ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    let in_exec = ctx.client.multi.is_some();
    let p = &mut ctx.st.persist;
    if p.child == Child::Aof {
        return Err(CmdError::other("ERR Background append only file rewriting already in progress"));
    }
    if p.child != Child::None || in_exec {
        p.aof_rewrite_scheduled = true;
        p.aof_rewrites_consecutive_failures = 0;
        return Ok(Reply::simple("Background append only file rewriting scheduled"));
    }
    ctx.st.actions.push(HostAction::Persist(Job::RewriteAof));
    Ok(Reply::simple("Background append only file rewriting started"))
}

/// `SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]`: asks the host to stop after its final
/// save; no reply is sent unless the save fails without FORCE.
pub fn shutdown(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let mut flags = ShutdownFlags::default();
    let mut abort = false;
    while let Some(a) = args.next() {
        if is(a, "nosave") {
            flags.nosave = true;
        } else if is(a, "save") {
            flags.save = true;
        } else if is(a, "now") {
            flags.now = true;
        } else if is(a, "force") {
            flags.force = true;
        } else if is(a, "abort") {
            abort = true;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    if (abort && flags != ShutdownFlags::default()) || (flags.nosave && flags.save) {
        return Err(CmdError::Syntax);
    }
    if abort {
        if !ctx.st.persist.shutdown_pending {
            return Err(CmdError::other("ERR No shutdown in progress."));
        }
        ctx.st.persist.shutdown_pending = false;
        ctx.st.actions.push(HostAction::Persist(crate::persist::Job::ShutdownAborted));
        return Ok(Reply::ok());
    }
    // A busy script: only SHUTDOWN NOSAVE stops the server.
    if !flags.nosave {
        if let Some(e) = ctx.st.scripting.busy_error() {
            return Err(CmdError::other(e));
        }
    }
    ctx.st.actions.push(HostAction::Shutdown(flags));
    Ok(Reply::NoReply)
}

#[cfg(test)]
mod tests {
    use crate::engine::HostAction;
    use crate::persist::{Child, Job, ShutdownFlags};
    use crate::testkit::{TestEngine, T0_US};

    #[test]
    fn lastsave_is_the_start_time() {
        let mut t = TestEngine::new();
        t.advance_ms(1500);
        assert_eq!(t.resp(&["LASTSAVE"]), format!(":{}\r\n", T0_US / 1_000_000));
    }

    #[test]
    fn shutdown_options() {
        let mut t = TestEngine::new();
        assert_eq!(t.resp(&["SHUTDOWN", "ABORT"]), "-ERR No shutdown in progress.\r\n");
        assert_eq!(t.resp(&["SHUTDOWN", "FOO"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["SHUTDOWN", "NOSAVE", "SAVE"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["SHUTDOWN", "ABORT", "NOW"]), "-ERR syntax error\r\n");
        assert!(t.eng.take_actions().is_empty());
        assert_eq!(t.resp(&["SHUTDOWN", "NOSAVE", "NOW", "FORCE"]), "");
        let flags = ShutdownFlags { nosave: true, now: true, force: true, save: false };
        assert_eq!(t.eng.take_actions(), vec![HostAction::Shutdown(flags)]);
    }

    #[test]
    fn save_and_bgsave_replies() {
        let mut t = TestEngine::new();
        assert_eq!(t.resp(&["SAVE"]), "+OK\r\n");
        assert_eq!(t.eng.take_actions(), vec![HostAction::Persist(Job::Save)]);
        assert_eq!(t.resp(&["BGSAVE", "x"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["BGSAVE"]), "+Background saving started\r\n");
        assert_eq!(t.eng.take_actions(), vec![HostAction::Persist(Job::Bgsave)]);
        t.eng.state.persist.child = Child::Rdb;
        assert_eq!(t.resp(&["BGSAVE"]), "-ERR Background save already in progress\r\n");
        assert_eq!(t.resp(&["SAVE"]), "-ERR Background save already in progress\r\n");
        assert_eq!(t.resp(&["BGREWRITEAOF"]), "+Background append only file rewriting scheduled\r\n");
        assert!(t.eng.state.persist.aof_rewrite_scheduled);
        t.eng.state.persist.child = Child::Aof;
        assert!(t.resp(&["BGSAVE"]).starts_with("-ERR Another child process is active (AOF?)"));
        assert_eq!(t.resp(&["BGSAVE", "SCHEDULE"]), "+Background saving scheduled\r\n");
        assert_eq!(t.resp(&["BGREWRITEAOF"]), "-ERR Background append only file rewriting already in progress\r\n");
        assert!(t.eng.take_actions().is_empty());
    }

    #[test]
    fn misconf_refuses_writes_and_ping() {
        let mut t = TestEngine::new();
        t.eng.state.persist.last_bgsave_ok = false;
        let misconf = format!("-{}\r\n", crate::persist::MISCONF_RDB);
        assert_eq!(t.resp(&["SET", "k", "v"]), misconf);
        assert_eq!(t.resp(&["PING"]), misconf);
        assert_eq!(t.resp(&["GET", "k"]), "$-1\r\n");
        t.cmd(&["CONFIG", "SET", "stop-writes-on-bgsave-error", "no"]);
        assert_eq!(t.resp(&["SET", "k", "v"]), "+OK\r\n");
    }

    /// SHUTDOWN ABORT cancels a signal shutdown held by DEBUG PAUSE-CRON.
    #[test]
    fn shutdown_abort_cancels_a_pending_signal() {
        let mut t = TestEngine::new();
        assert_eq!(t.resp(&["SHUTDOWN", "ABORT"]), "-ERR No shutdown in progress.\r\n");
        t.eng.state.persist.cron_paused = true;
        t.eng.state.persist.shutdown_pending = true;
        assert_eq!(t.resp(&["SHUTDOWN", "ABORT"]), "+OK\r\n");
        assert!(!t.eng.state.persist.shutdown_pending);
        assert!(matches!(t.eng.take_actions()[..], [HostAction::Persist(Job::ShutdownAborted)]));
    }

    /// Scripts under MISCONF, as Redis 7.0.15: a shebang script that may write is refused
    /// before it runs, a script without one fails at its first write, reads pass.
    #[test]
    fn misconf_refuses_script_writes() {
        let mut t = TestEngine::new();
        t.cmd(&["SET", "x", "x"]);
        t.eng.state.persist.last_bgsave_ok = false;
        let misconf = format!("-{}\r\n", crate::persist::MISCONF_RDB);
        assert_eq!(t.resp(&["EVAL", "#!lua\nreturn redis.call('set','x',1)", "1", "x"]), misconf);
        let r = t.resp(&["EVAL", "return redis.call('set','x',1)", "1", "x"]);
        assert!(r.starts_with(&misconf[..misconf.len() - 2]), "{r}");
        assert_eq!(t.resp(&["EVAL", "return redis.call('get','x')", "1", "x"]), "$1\r\nx\r\n");
        assert_eq!(t.resp(&["EVAL", "#!lua flags=no-writes\nreturn redis.call('get','x')", "1", "x"]), "$1\r\nx\r\n");
    }

    #[test]
    fn dirty_counts_changes() {
        let mut t = TestEngine::new();
        t.cmd(&["SET", "a", "1"]);
        t.cmd(&["SET", "b", "1"]);
        t.cmd(&["GET", "a"]);
        assert_eq!(t.eng.state.persist.dirty, 2);
    }

    /// Redis's `server.dirty += n` per command: elements, fields, members, not keys.
    #[test]
    fn dirty_counts_elements_like_redis() {
        let mut t = TestEngine::new();
        let step = |t: &mut TestEngine, line: &str, n: u64| {
            let before = t.eng.state.persist.dirty;
            t.cmd(&line.split(' ').collect::<Vec<_>>());
            assert_eq!(t.eng.state.persist.dirty - before, n, "{}", line);
        };
        step(&mut t, "RPUSH l a b c", 3);
        step(&mut t, "LTRIM l 0 -1", 0);
        step(&mut t, "RPOPLPUSH l l2", 1);
        step(&mut t, "HSET h a 1 b 2", 2);
        step(&mut t, "HSET h a 1", 1);
        step(&mut t, "SADD s a b a", 2);
        step(&mut t, "ZADD z 1 a 2 b", 2);
        step(&mut t, "RENAME z z2", 1);
        step(&mut t, "EVAL redis.call('sadd','s2','x','y');redis.call('hset','h','q',1) 0", 3);
        step(&mut t, "MULTI", 0);
        step(&mut t, "RPUSH l x y", 0);
        step(&mut t, "EXEC", 2);
        step(&mut t, "FLUSHALL", 6);
    }

    /// A served BLPOP counts no change in Redis (the push counted), a BLMPOP its pops.
    #[test]
    fn served_blocked_pops_count_like_redis() {
        let mut t = TestEngine::new();
        let (a, b) = (t.connect(), t.connect());
        assert_eq!(t.run_as(a, "BLPOP k 0"), crate::reply::Reply::Blocked);
        assert_eq!(t.run_as(b, "BLMPOP 0 1 m LEFT COUNT 2"), crate::reply::Reply::Blocked);
        t.cmd(&["RPUSH", "k", "a", "b"]);
        assert_eq!(t.eng.state.persist.dirty, 2);
        t.cmd(&["RPUSH", "m", "a", "b", "c"]);
        assert_eq!(t.eng.state.persist.dirty, 7);
    }
}
