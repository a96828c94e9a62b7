//! `FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms]` (Redis 7.0's `failoverCommand`)
//! and its cron step (`updateFailoverStatus`): writes pause, the master waits for a
//! replica to acknowledge its whole stream, then becomes a replica of it; the host's link
//! sends `PSYNC replid offset FAILOVER`, which makes the target the master.

use crate::cmd::{is, Args, Ctx};
use crate::engine::{EngineState, HostAction};
use crate::error::{CmdError, CmdResult};
use crate::numfmt::parse_i64;
use crate::repl::failover::FailoverState;
use crate::repl::{ReplJob, ReplicaState};
use crate::reply::Reply;

/// `FAILOVER ...`.
pub fn failover(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let argv = args.take_rest();
    if argv.len() == 1 && is(argv[0], "abort") {
        if !ctx.st.repl.failover.active() {
            return Err(CmdError::other("ERR No failover in progress."));
        }
        abort(ctx.st, "Failover manually aborted");
        return Ok(Reply::ok());
    }
    let (mut timeout, mut force, mut target) = (0i64, false, None::<(String, i64)>);
    let mut j = 0;
    while j < argv.len() {
        let a = argv[j];
        if is(a, "timeout") && j + 1 < argv.len() && timeout == 0 {
            timeout = parse_i64(argv[j + 1]).ok_or(CmdError::NotInteger)?;
            if timeout <= 0 {
                return Err(CmdError::other("ERR FAILOVER timeout must be greater than 0"));
            }
            j += 2;
        } else if is(a, "to") && j + 2 < argv.len() && target.is_none() {
            let port = parse_i64(argv[j + 2]).ok_or(CmdError::NotInteger)?;
            target = Some((String::from_utf8_lossy(argv[j + 1]).into_owned(), port));
            j += 3;
        } else if is(a, "force") && !force {
            force = true;
            j += 1;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let r = &ctx.st.repl;
    if r.failover.active() {
        return Err(CmdError::other("ERR FAILOVER already in progress."));
    }
    if r.is_replica() {
        return Err(CmdError::other("ERR FAILOVER is not valid when server is a replica."));
    }
    if r.replicas.is_empty() {
        return Err(CmdError::other("ERR FAILOVER requires connected replicas."));
    }
    if force && (timeout == 0 || target.is_none()) {
        return Err(CmdError::other("ERR FAILOVER with force option requires both a timeout and target HOST and IP."));
    }
    let mut chosen = None;
    if let Some((host, port)) = target {
        let Some(x) = find_replica(ctx.st, &host, port) else {
            return Err(CmdError::other("ERR FAILOVER target HOST and PORT is not a replica."));
        };
        if ctx.st.repl.replicas[x].state != ReplicaState::Online {
            return Err(CmdError::other("ERR FAILOVER target replica is not online."));
        }
        chosen = Some((host, port as u16));
    }
    let now = ctx.now_ms();
    let f = &mut ctx.st.repl.failover;
    f.target = chosen;
    f.end_ms = if timeout > 0 { now.saturating_add(timeout as u64) } else { 0 };
    f.force = force;
    f.state = FailoverState::WaitForSync;
    ctx.st.pause.set_failover(true);
    super::pause::sync_expire_flag(ctx.st);
    Ok(Reply::ok())
}

/// Redis's `findReplica`: the replica announcing (or connected from) `host` and
/// listening on `port`.
fn find_replica(st: &EngineState, host: &str, port: i64) -> Option<usize> {
    st.repl.replicas.iter().position(|r| {
        let ip = r.conf.ip_address.as_deref().unwrap_or(&r.peer_ip);
        ip.eq_ignore_ascii_case(host) && r.conf.listening_port as i64 == port
    })
}

/// Redis's `clearFailoverState`: no failover, writes resume.
pub fn clear(st: &mut EngineState) {
    st.repl.failover.clear();
    st.pause.set_failover(false);
    super::pause::sync_expire_flag(st);
}

/// Redis's `abortFailover`: a failover already connecting to its target turns back into
/// a master.
pub fn abort(st: &mut EngineState, why: &str) {
    if !st.repl.failover.active() {
        return;
    }
    let _ = why; // The host logs; core has no I/O.
    if st.repl.failover.state == FailoverState::InProgress {
        super::replication::become_master(st);
        st.actions.push(HostAction::Repl(ReplJob::BecomeMaster));
    }
    clear(st);
}

/// Redis's `updateFailoverStatus` (each cron tick): the timeout (abort, or with FORCE
/// fail over anyway), else fail over once the target (or any replica) acknowledged the
/// whole stream. Returns whether this server just became the target's replica (the
/// caller releases blocked clients, Redis's `disconnectAllBlockedClients`).
pub fn update(st: &mut EngineState) -> bool {
    if st.repl.failover.state != FailoverState::WaitForSync {
        return false;
    }
    let now = st.now_ms();
    let f = &st.repl.failover;
    if f.end_ms != 0 && f.end_ms <= now {
        if f.force {
            if let Some((h, p)) = f.target.clone() {
                start(st, h, p);
                return true;
            }
        } else {
            abort(st, "Replica never caught up before timeout");
        }
        return false;
    }
    let off = st.repl.master_repl_offset;
    let caught_up =
        match &st.repl.failover.target {
            Some((h, p)) => find_replica(st, h, *p as i64).is_some_and(|x| st.repl.replicas[x].ack_off == off),
            None => {
                let found =
                    st.repl.replicas.iter().find(|r| r.ack_off == off).map(|r| {
                        (r.conf.ip_address.clone().unwrap_or_else(|| r.peer_ip.clone()), r.conf.listening_port)
                    });
                st.repl.failover.target = found;
                st.repl.failover.target.is_some()
            }
        };
    if caught_up {
        let (h, p) = st.repl.failover.target.clone().expect("caught up has a target");
        start(st, h, p);
    }
    caught_up
}

/// Becomes a replica of the target with the failover in progress (the host's link adds
/// `FAILOVER` to its PSYNC).
fn start(st: &mut EngineState, host: String, port: u16) {
    st.repl.failover.state = FailoverState::InProgress;
    super::replication::set_master(st, host, port);
    st.actions.push(HostAction::Repl(ReplJob::Connect));
}

#[cfg(test)]
mod tests {
    use crate::testkit::TestEngine;

    fn state(t: &mut TestEngine) -> String {
        let info = t.resp(&["INFO", "replication"]);
        info.split("\r\n").find(|l| l.starts_with("master_failover_state:")).unwrap_or("").to_string()
    }

    #[test]
    fn errors_in_redis_order() {
        let mut t = TestEngine::new();
        assert_eq!(t.resp(&["FAILOVER", "ABORT"]), "-ERR No failover in progress.\r\n");
        assert_eq!(t.resp(&["FAILOVER", "TIMEOUT", "0"]), "-ERR FAILOVER timeout must be greater than 0\r\n");
        assert_eq!(t.resp(&["FAILOVER", "TIMEOUT", "x"]), "-ERR value is not an integer or out of range\r\n");
        assert_eq!(t.resp(&["FAILOVER", "TO", "h", "x"]), "-ERR value is not an integer or out of range\r\n");
        assert_eq!(t.resp(&["FAILOVER", "FORCE", "FORCE"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["FAILOVER", "ABORT", "TIMEOUT", "5"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["FAILOVER"]), "-ERR FAILOVER requires connected replicas.\r\n");
        assert_eq!(state(&mut t), "master_failover_state:no-failover");
        assert_eq!(t.resp(&["REPLICAOF", "127.0.0.1", "6379"]), "+OK\r\n");
        assert_eq!(t.resp(&["FAILOVER"]), "-ERR FAILOVER is not valid when server is a replica.\r\n");
    }

    #[test]
    fn waits_pauses_writes_then_aborts_or_times_out() {
        let mut t = TestEngine::new();
        let r = t.connect();
        t.cmd_as(r, &["REPLCONF", "listening-port", "7001", "ip-address", "127.0.0.1"]);
        t.cmd_as(r, &["PSYNC", "?", "-1"]);
        assert_eq!(
            t.resp(&["FAILOVER", "FORCE"]),
            "-ERR FAILOVER with force option requires both a timeout and target HOST and IP.\r\n"
        );
        assert_eq!(
            t.resp(&["FAILOVER", "TO", "10.0.0.9", "7001"]),
            "-ERR FAILOVER target HOST and PORT is not a replica.\r\n"
        );
        assert_eq!(t.resp(&["FAILOVER", "TO", "127.0.0.1", "7001"]), "-ERR FAILOVER target replica is not online.\r\n");
        t.eng.state.repl.replicas[0].state = crate::repl::ReplicaState::Online;
        assert_eq!(t.resp(&["SET", "k", "v"]), "+OK\r\n");
        assert_eq!(t.resp(&["FAILOVER", "TO", "127.0.0.1", "7001", "TIMEOUT", "100"]), "+OK\r\n");
        assert_eq!(state(&mut t), "master_failover_state:waiting-for-sync");
        assert_eq!(t.resp(&["FAILOVER"]), "-ERR FAILOVER already in progress.\r\n");
        assert_eq!(t.resp(&["REPLICAOF", "no", "one"]), "-ERR REPLICAOF not allowed while failing over.\r\n");
        let c = t.connect();
        assert!(matches!(t.cmd_as(c, &["SET", "k", "w"]), crate::reply::Reply::Blocked), "writes wait");
        assert_eq!(t.resp(&["GET", "k"]), "$1\r\nv\r\n");
        // The replica never acknowledges: the timeout aborts and the write runs.
        t.advance_ms(200);
        t.tick();
        assert_eq!(state(&mut t), "master_failover_state:no-failover");
        assert_eq!(t.wakeups_resp2(), vec![(c, "+OK\r\n".to_string())]);
        assert_eq!(t.resp(&["GET", "k"]), "$1\r\nw\r\n");
        // ABORT.
        assert_eq!(t.resp(&["FAILOVER"]), "+OK\r\n");
        assert_eq!(t.resp(&["FAILOVER", "ABORT"]), "+OK\r\n");
        assert_eq!(state(&mut t), "master_failover_state:no-failover");
        assert_eq!(t.resp(&["SET", "k", "x"]), "+OK\r\n");
        // Caught up: this master becomes a replica of the target, failover in progress.
        assert_eq!(t.resp(&["FAILOVER"]), "+OK\r\n");
        let b = t.connect();
        assert!(matches!(t.cmd_as(b, &["XREAD", "BLOCK", "0", "STREAMS", "s", "$"]), crate::reply::Reply::Blocked));
        let w = t.connect();
        assert!(matches!(t.cmd_as(w, &["SET", "k", "y"]), crate::reply::Reply::Blocked));
        let off = t.eng.state.repl.master_repl_offset.to_string();
        t.cmd_as(r, &["REPLCONF", "ACK", &off]);
        t.tick();
        assert_eq!(state(&mut t), "master_failover_state:failover-in-progress");
        // Blocked clients are released (as REPLICAOF does); the postponed write still waits.
        let wakes = t.wakeups_resp2();
        assert_eq!(wakes.len(), 1, "{:?}", wakes);
        assert_eq!(wakes[0].0, b);
        assert!(wakes[0].1.starts_with("-UNBLOCKED force unblock"));
        assert!(t.resp(&["ROLE"]).starts_with("*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:7001\r\n"));
        assert_eq!(t.resp(&["FAILOVER", "ABORT"]), "+OK\r\n");
        assert!(t.resp(&["ROLE"]).starts_with("*3\r\n$6\r\nmaster\r\n"));
        // Aborted back to master: the postponed write runs.
        assert_eq!(t.wakeups_resp2(), vec![(w, "+OK\r\n".to_string())]);
        assert_eq!(t.resp(&["GET", "k"]), "$1\r\ny\r\n");
    }
}
