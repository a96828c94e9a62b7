//! Replication commands: REPLICAOF/SLAVEOF, REPLCONF, SYNC/PSYNC, ROLE, WAIT. The
//! protocol state is [`crate::repl`]; sockets, the RDB transfer and the link to a master
//! are the host's, asked for with [`HostAction::Repl`].

use crate::blocking::WaitFor;
use crate::cmd::blocking::Waiter;
use crate::cmd::{is, Args, Ctx};
use crate::engine::{EngineState, HostAction};
use crate::error::{CmdError, CmdResult};
use crate::numfmt::parse_i64;
use crate::repl::{random_replid, LinkState, MasterLink, Psync, ReplJob, ReplicaState, WaitingClient};
use crate::reply::Reply;

/// `REPLICAOF host port` / `REPLICAOF NO ONE` (and SLAVEOF): Redis's `replicaofCommand`.
pub fn replicaof(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let host = args.take();
    let port = args.take();
    if ctx.st.repl.failover.active() {
        return Err(CmdError::other("ERR REPLICAOF not allowed while failing over."));
    }
    if is(host, "no") && is(port, "one") {
        if ctx.st.repl.is_replica() {
            become_master(ctx.st);
            ctx.st.actions.push(HostAction::Repl(ReplJob::BecomeMaster));
        }
        return Ok(Reply::ok());
    }
    if ctx.st.repl.replica_mut(ctx.client.handle).is_some() {
        return Err(CmdError::other("ERR Command is not valid when client is a replica."));
    }
    let port = match parse_i64(port) {
        Some(p) if (0..=65535).contains(&p) => p as u16,
        _ => return Err(CmdError::other("ERR Invalid master port")),
    };
    let host = String::from_utf8_lossy(host).into_owned();
    if let Some(m) = &ctx.st.repl.master {
        if m.host.eq_ignore_ascii_case(&host) && m.port == port {
            return Ok(Reply::simple("OK Already connected to specified master"));
        }
    }
    set_master(ctx.st, host, port);
    unblock_all(ctx.st, ctx.clients);
    ctx.st.actions.push(HostAction::Repl(ReplJob::Connect));
    Ok(Reply::ok())
}

/// Redis's `disconnectAllBlockedClients`: a replica must not serve clients blocked while
/// it was a master (clients postponed by a pause run again when it ends).
pub fn unblock_all(st: &mut EngineState, clients: &mut crate::client::ClientTable) {
    for (h, c) in clients.iter_mut() {
        if c.wait.is_some() && !st.pause.is_postponed(h) {
            crate::cmd::blocking::finish(
                st,
                c,
                Reply::error(
                    "UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)",
                ),
                false,
            );
        }
    }
}

/// Redis's `replicationSetMaster` (the engine's side): the new master, link state
/// `connect`, expiry left to the master, and clients blocked on keys released.
pub fn set_master(st: &mut EngineState, host: String, port: u16) {
    let was_master = st.repl.master.is_none();
    let down_since = st.repl.master.as_ref().map_or(0, |m| m.down_since_ms);
    st.repl.master = Some(MasterLink {
        host,
        port,
        state: LinkState::Connect,
        last_io_ms: 0,
        down_since_ms: down_since,
        read_offset: st.repl.master_repl_offset,
        transfer_size: 0,
        transfer_read: 0,
        transfer_last_io_ms: 0,
        client: None,
    });
    if was_master {
        for db in st.dbs.iter_mut() {
            db.keep_expired = true;
        }
    }
}

/// Redis's `replicationUnsetMaster` (the engine's side): a new replication id (the old
/// one stays valid up to the current offset, for replicas that continue), expiry back.
pub fn become_master(st: &mut EngineState) {
    if st.repl.master.take().is_none() {
        return;
    }
    let id = random_replid(&mut st.rng);
    st.repl.shift_replid(id);
    st.repl.selected_db = None;
    for db in st.dbs.iter_mut() {
        db.keep_expired = false;
    }
    // Its own writes now feed the stream (a replica only relayed its master's bytes).
    if st.repl.wants_stream() {
        start_stream(st);
    }
}

/// `REPLCONF option value ...` (Redis's `replconfCommand`).
pub fn replconf(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let argv = args.take_rest();
    if !argv.len().is_multiple_of(2) {
        return Err(CmdError::Syntax);
    }
    let h = ctx.client.handle;
    for pair in argv.chunks(2) {
        let (opt, val) = (pair[0], pair[1]);
        if is(opt, "listening-port") {
            let port = parse_i64(val).ok_or(CmdError::NotInteger)?;
            conf_of(ctx.st, h).listening_port = port as u16;
        } else if is(opt, "ip-address") {
            if val.len() >= 256 {
                return Err(CmdError::other(format!(
                    "ERR REPLCONF ip-address provided by replica instance is too long: {} bytes",
                    val.len()
                )));
            }
            conf_of(ctx.st, h).ip_address = Some(String::from_utf8_lossy(val).into_owned());
        } else if is(opt, "capa") {
            if is(val, "eof") {
                conf_of(ctx.st, h).capa_eof = true;
            } else if is(val, "psync2") {
                conf_of(ctx.st, h).capa_psync2 = true;
            }
        } else if is(opt, "ack") {
            // From a replica only; never answered.
            let Some(off) = parse_i64(val) else {
                return Ok(Reply::NoReply);
            };
            let now = ctx.st.now_ms();
            if ctx.st.repl.replica_mut(h).is_none() {
                return Ok(Reply::NoReply);
            }
            ctx.st.repl.ack(h, off.max(0) as u64, now);
            serve_waiters(ctx);
            return Ok(Reply::NoReply);
        } else if is(opt, "getack") {
            if ctx.st.repl.master.as_ref().is_some_and(|m| m.client == Some(h)) {
                ctx.st.repl.ack_requested = true;
                ctx.st.actions.push(HostAction::Repl(ReplJob::SendAck));
            }
            return Ok(Reply::NoReply);
        } else if is(opt, "rdb-only") || is(opt, "rdb-filter-only") {
            // Accepted (redis-cli --rdb): the transfer is the same.
        } else {
            return Err(CmdError::other(format!("ERR Unrecognized REPLCONF option: {}", String::from_utf8_lossy(opt))));
        }
    }
    Ok(Reply::ok())
}

fn conf_of(st: &mut EngineState, h: crate::handle::ClientHandle) -> &mut crate::repl::ReplicaConf {
    if st.repl.replica_mut(h).is_some() {
        return &mut st.repl.replica_mut(h).expect("checked").conf;
    }
    st.repl.confs.entry(h).or_default()
}

/// Ends the waits of WAIT clients whose offset enough replicas acknowledged.
fn serve_waiters(ctx: &mut Ctx) {
    for (h, n) in ctx.st.repl.take_satisfied() {
        if let Some(c) = ctx.clients.get_mut(h) {
            if c.wait.as_ref().is_some_and(|w| w.spec.name == "wait") {
                crate::cmd::blocking::finish(ctx.st, c, Reply::Int(n as i64), false);
            }
        }
    }
}

/// `SYNC` and `PSYNC replid offset` (Redis's `syncCommand`): registers the replica and
/// asks the host for the backlog or a full resynchronization.
pub fn sync(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let h = ctx.client.handle;
    if ctx.st.repl.replica_mut(h).is_some() {
        return Ok(Reply::NoReply);
    }
    let is_psync = is(args.name(), "psync");
    // `PSYNC replid offset FAILOVER` from our master doing FAILOVER TO us: become a
    // master (our id is its id) and let it continue as our replica.
    if is_psync && args.all().len() > 3 && is(args.all()[3], "failover") {
        if args.all()[1] != ctx.st.repl.replid.as_bytes() {
            return Err(CmdError::other("ERR PSYNC FAILOVER replid must match my replid."));
        }
        become_master(ctx.st);
        ctx.st.actions.push(HostAction::Repl(ReplJob::BecomeMaster));
    }
    // Don't let replicas sync with us while we're failing over.
    if ctx.st.repl.failover.active() {
        return Err(CmdError::other("NOMASTERLINK Can't SYNC while failing over"));
    }
    if ctx.st.repl.is_replica() && !ctx.st.repl.link_up() {
        return Err(CmdError::other("NOMASTERLINK Can't SYNC while not connected with my master"));
    }
    let mut psync = Psync::Full;
    if is_psync {
        let replid = args.take();
        let off = parse_i64(args.take()).ok_or(CmdError::NotInteger)?;
        psync = ctx.st.repl.psync(replid, off);
    }
    let now = ctx.st.now_ms();
    let peer = peer_ip(&ctx.client.conn.addr);
    let size = ctx.st.config.repl_backlog_size as usize;
    if let Psync::Continue { .. } = psync {
        ctx.st.repl.attach(h, peer, ReplicaState::Online, now);
        ctx.st.actions.push(HostAction::Repl(ReplJob::Attach { client: h, psync: psync.clone(), is_psync }));
        let psync2 = ctx.st.repl.replica_mut(h).is_some_and(|r| r.conf.capa_psync2);
        return Ok(if psync2 {
            Reply::Simple(format!("CONTINUE {}", ctx.st.repl.replid).into())
        } else {
            Reply::simple("CONTINUE")
        });
    }
    ctx.st.repl.sync_full += 1;
    ctx.st.repl.attach(h, peer, ReplicaState::WaitBgsave, now);
    if ctx.st.repl.backlog.is_none() {
        // Redis's syncCommand: the first replica creates the backlog and a new history.
        if !ctx.st.repl.is_replica() {
            ctx.st.repl.replid = random_replid(&mut ctx.st.rng);
            ctx.st.repl.clear_replid2();
        }
        ctx.st.repl.ensure_backlog(size);
        start_stream(ctx.st);
    }
    ctx.st.actions.push(HostAction::Repl(ReplJob::Attach { client: h, psync, is_psync }));
    Ok(Reply::NoReply)
}

/// Turns the propagation hook on for the stream (the running command itself is not
/// propagated: the write flag starts clean).
pub fn start_stream(st: &mut EngineState) {
    if !st.propagation.is_enabled() {
        st.propagation.set_enabled(true);
        st.events.wrote = false;
    }
}

/// The address part of `ip:port`.
fn peer_ip(addr: &str) -> String {
    match addr.rsplit_once(':') {
        Some((ip, _)) => ip.trim_start_matches('[').trim_end_matches(']').to_string(),
        None => addr.to_string(),
    }
}

/// `ROLE` (Redis's `roleCommand`).
pub fn role(ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    let r = &ctx.st.repl;
    if let Some(m) = &r.master {
        let offset = if m.client.is_some() { r.master_repl_offset as i64 } else { -1 };
        return Ok(Reply::Array(vec![
            Reply::bulk(b"slave"),
            Reply::bulk(m.host.as_bytes()),
            Reply::Int(m.port as i64),
            Reply::bulk(m.state.name().as_bytes()),
            Reply::Int(offset),
        ]));
    }
    let replicas = r
        .replicas
        .iter()
        .map(|x| {
            let ip = x.conf.ip_address.clone().unwrap_or_else(|| x.peer_ip.clone());
            Reply::Array(vec![
                Reply::bulk(ip.as_bytes()),
                Reply::bulk(x.conf.listening_port.to_string().as_bytes()),
                Reply::bulk(x.ack_off.to_string().as_bytes()),
            ])
        })
        .collect();
    Ok(Reply::Array(vec![Reply::bulk(b"master"), Reply::Int(r.master_repl_offset as i64), Reply::Array(replicas)]))
}

/// WAIT's waiter: no keys; its timeout reply is the count acknowledged by then.
struct WaitAcks {
    offset: u64,
}

impl Waiter for WaitAcks {
    fn waits_for(&self) -> WaitFor {
        WaitFor::List
    }

    fn serve(&self, _ctx: &mut Ctx, _key: &[u8], _slot: u32) -> Option<Reply> {
        None
    }

    fn timeout_reply_in(&self, st: &EngineState) -> Reply {
        Reply::Int(st.repl.acked(self.offset) as i64)
    }
}

/// `WAIT numreplicas timeout` (Redis's `waitCommand`).
pub fn wait(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    if ctx.st.repl.is_replica() {
        return Err(CmdError::other(
            "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is \
             configured to be writable (which is not the default) writes to replicas are just local and are not \
             propagated.",
        ));
    }
    let numreplicas = parse_i64(args.take()).ok_or(CmdError::NotInteger)?;
    let ms = parse_i64(args.take()).ok_or(CmdError::other("ERR timeout is not an integer or out of range"))?;
    if ms < 0 {
        return Err(CmdError::other("ERR timeout is negative"));
    }
    let deadline = if ms > 0 { ms.wrapping_add(ctx.st.now_ms() as i64) } else { 0 };
    let offset = ctx.st.repl.woff.get(&ctx.client.handle).copied().unwrap_or(0);
    let acked = ctx.st.repl.acked(offset);
    if acked as i64 >= numreplicas || !ctx.may_block() {
        return Ok(Reply::Int(acked as i64));
    }
    let h = ctx.client.handle;
    ctx.st.repl.waiters.retain(|w| w.handle != h);
    ctx.st.repl.waiters.push(WaitingClient { handle: h, offset, numreplicas: numreplicas as usize });
    ctx.st.repl.get_ack = true;
    Ok(ctx.block(&[], deadline, Box::new(WaitAcks { offset })))
}

/// INFO's `# Replication` lines (Redis 7.0's `genRedisInfoString`), after the header.
pub fn info_section(st: &EngineState, out: &mut String) {
    use std::fmt::Write;
    let r = &st.repl;
    let now_ms = st.now_ms();
    let secs = |ms: u64| (now_ms.saturating_sub(ms) / 1000) as i64;
    let _ = write!(out, "role:{}\r\n", if r.is_replica() { "slave" } else { "master" });
    if let Some(m) = &r.master {
        let connected = m.state == LinkState::Connected;
        let (off, read_off) = if m.client.is_some() || m.last_io_ms > 0 {
            (r.master_repl_offset, m.read_offset.max(r.master_repl_offset))
        } else {
            (r.master_repl_offset.max(1), m.read_offset.max(1))
        };
        let _ = write!(
            out,
            "master_host:{}\r\nmaster_port:{}\r\nmaster_link_status:{}\r\nmaster_last_io_seconds_ago:{}\r\n\
             master_sync_in_progress:{}\r\nslave_read_repl_offset:{}\r\nslave_repl_offset:{}\r\n",
            m.host,
            m.port,
            if connected { "up" } else { "down" },
            if m.client.is_some() { secs(m.last_io_ms) } else { -1 },
            (m.state == LinkState::Transfer) as u8,
            read_off,
            off,
        );
        if m.state == LinkState::Transfer {
            let perc = if m.transfer_size > 0 { m.transfer_read as f64 / m.transfer_size as f64 * 100.0 } else { 0.0 };
            let _ = write!(
                out,
                "master_sync_total_bytes:{}\r\nmaster_sync_read_bytes:{}\r\nmaster_sync_left_bytes:{}\r\n\
                 master_sync_perc:{:.2}\r\nmaster_sync_last_io_seconds_ago:{}\r\n",
                m.transfer_size as i64,
                m.transfer_read,
                m.transfer_size as i64 - m.transfer_read as i64,
                perc,
                secs(m.transfer_last_io_ms),
            );
        }
        if !connected {
            let down = if m.down_since_ms > 0 { secs(m.down_since_ms) } else { -1 };
            let _ = write!(out, "master_link_down_since_seconds:{}\r\n", down);
        }
        let _ = write!(
            out,
            "slave_priority:{}\r\nslave_read_only:{}\r\nreplica_announced:{}\r\n",
            st.config.replica_priority, st.config.replica_read_only as u8, st.config.replica_announced as u8
        );
    }
    let _ = write!(out, "connected_slaves:{}\r\n", r.replicas.len());
    if st.config.min_replicas_to_write > 0 && st.config.min_replicas_max_lag > 0 {
        let _ = write!(out, "min_slaves_good_slaves:{}\r\n", r.good_replicas(now_ms, st.config.min_replicas_max_lag));
    }
    for (i, x) in r.replicas.iter().enumerate() {
        let ip = x.conf.ip_address.as_deref().unwrap_or(&x.peer_ip);
        let lag = if x.state == ReplicaState::Online { secs(x.ack_time_ms) } else { 0 };
        let _ = write!(
            out,
            "slave{}:ip={},port={},state={},offset={},lag={}\r\n",
            i,
            ip,
            x.conf.listening_port,
            x.state.name(),
            x.ack_off,
            lag
        );
    }
    let b = r.backlog.as_ref();
    let _ = write!(
        out,
        "master_failover_state:{}\r\nmaster_replid:{}\r\nmaster_replid2:{}\r\nmaster_repl_offset:{}\r\n\
         second_repl_offset:{}\r\nrepl_backlog_active:{}\r\nrepl_backlog_size:{}\r\n\
         repl_backlog_first_byte_offset:{}\r\nrepl_backlog_histlen:{}\r\n",
        r.failover.state.name(),
        r.replid,
        r.replid2,
        r.master_repl_offset,
        r.second_replid_offset,
        b.is_some() as u8,
        st.config.repl_backlog_size,
        b.map_or(0, |b| b.first_byte_offset()),
        b.map_or(0, |b| b.histlen()),
    );
}

#[cfg(test)]
mod tests {
    use crate::testkit::TestEngine;

    #[test]
    fn role_and_replconf_on_a_master() {
        let mut t = TestEngine::new();
        assert_eq!(t.resp(&["ROLE"]), "*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n");
        assert_eq!(t.resp(&["REPLCONF", "listening-port", "6380", "capa", "eof", "capa", "psync2"]), "+OK\r\n");
        assert_eq!(t.resp(&["REPLCONF", "listening-port"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["REPLCONF", "foo", "bar"]), "-ERR Unrecognized REPLCONF option: foo\r\n");
        assert_eq!(t.resp(&["REPLCONF", "ACK", "10"]), "");
        assert_eq!(t.resp(&["WAIT", "0", "0"]), ":0\r\n");
        assert_eq!(t.resp(&["WAIT", "x", "0"]), "-ERR value is not an integer or out of range\r\n");
        assert_eq!(t.resp(&["WAIT", "1", "-1"]), "-ERR timeout is negative\r\n");
        assert_eq!(t.resp(&["REPLICAOF", "127.0.0.1", "99999"]), "-ERR Invalid master port\r\n");
        assert_eq!(t.resp(&["REPLICAOF", "no", "one"]), "+OK\r\n");
    }

    #[test]
    fn replica_role_refuses_writes_and_wait() {
        let mut t = TestEngine::new();
        assert_eq!(t.resp(&["SET", "k", "v"]), "+OK\r\n");
        assert_eq!(t.resp(&["REPLICAOF", "127.0.0.1", "6379"]), "+OK\r\n");
        assert_eq!(t.resp(&["REPLICAOF", "127.0.0.1", "6379"]), "+OK Already connected to specified master\r\n");
        assert_eq!(t.resp(&["ROLE"]), "*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:6379\r\n$7\r\nconnect\r\n:-1\r\n");
        assert_eq!(t.resp(&["SET", "k", "v"]), "-READONLY You can't write against a read only replica.\r\n");
        assert_eq!(t.resp(&["GET", "k"]), "$1\r\nv\r\n");
        assert!(t.resp(&["WAIT", "1", "0"]).starts_with("-ERR WAIT cannot be used with replica instances."));
        assert_eq!(t.resp(&["PSYNC", "?", "-1"]), "-NOMASTERLINK Can't SYNC while not connected with my master\r\n");
        assert_eq!(t.resp(&["CONFIG", "SET", "replica-serve-stale-data", "no"]), "+OK\r\n");
        assert_eq!(
            t.resp(&["GET", "k"]),
            "-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\r\n"
        );
        assert_eq!(t.resp(&["REPLICAOF", "no", "one"]), "+OK\r\n");
        assert_eq!(t.resp(&["SET", "k", "w"]), "+OK\r\n");
    }

    #[test]
    fn becoming_a_replica_unblocks_blocked_clients() {
        let mut t = TestEngine::new();
        let c = t.connect();
        assert!(matches!(t.cmd_as(c, &["BLPOP", "foo", "0"]), crate::reply::Reply::Blocked));
        assert_eq!(t.resp(&["REPLICAOF", "127.0.0.1", "6379"]), "+OK\r\n");
        let w = t.wakeups_resp2();
        assert_eq!(
            w,
            vec![(
                c,
                "-UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)\r\n"
                    .to_string()
            )]
        );
    }

    #[test]
    fn min_replicas_to_write() {
        let mut t = TestEngine::new();
        assert_eq!(t.resp(&["CONFIG", "SET", "min-replicas-to-write", "1"]), "+OK\r\n");
        assert_eq!(t.resp(&["SET", "k", "v"]), "-NOREPLICAS Not enough good replicas to write.\r\n");
        assert_eq!(t.resp(&["GET", "k"]), "$-1\r\n");
        assert!(t
            .resp(&["EVAL", "return redis.call('set','x',1)", "0"])
            .starts_with("-NOREPLICAS Not enough good replicas to write. script:"));
        assert_eq!(t.resp(&["CONFIG", "SET", "min-replicas-to-write", "0"]), "+OK\r\n");
        assert_eq!(t.resp(&["SET", "k", "v"]), "+OK\r\n");
    }

    #[test]
    fn psync_full_then_stream_and_continue() {
        let mut t = TestEngine::new();
        assert_eq!(t.resp(&["PSYNC", "?", "-1"]), "");
        assert_eq!(t.eng.state.repl.sync_full, 1);
        assert!(t.eng.state.repl.backlog.is_some());
        t.resp(&["SET", "a", "1"]);
        let off = t.eng.state.repl.master_repl_offset;
        assert_eq!(off as usize, "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n".len());
        let id = t.eng.state.repl.replid.clone();
        let c2 = t.connect();
        let r = t.cmd_as(c2, &["PSYNC", &id, "1"]);
        assert!(matches!(r, crate::reply::Reply::Simple(ref s) if s == "CONTINUE"), "{:?}", r);
        assert_eq!(t.eng.state.repl.sync_partial_ok, 1);
    }
}
