//! The server's replication I/O. Master side: replicas' connections get `+FULLRESYNC`
//! and an RDB made by a forked child (written to a temporary file, then sent as
//! `$<len>`), or `+CONTINUE` and the backlog; afterwards every loop iteration copies the
//! new part of the backlog (the stream the core encodes from the propagation hook) into
//! each replica's output. Replica side: [`link`] runs the handshake and transfer on a
//! thread; the loop loads the RDB and runs the stream through the engine as the master
//! client, counting offsets, feeding its own backlog, acknowledging. The protocol state
//! is the core's (`cinder_core::repl`).

mod diskless;
pub mod link;

use std::collections::HashMap;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;

use cinder_core::repl::failover::FailoverState;
use cinder_core::repl::{stream::encode_command, LinkState, Psync, ReplJob, ReplicaState};
use cinder_core::{ClientHandle, ConnInfo, Engine, Reply};

use crate::log::{notice, warning};
use crate::persist::child::{self, Exit};
use crate::server::Server;

/// Token of the waker the link thread uses.
pub const WAKER_TOKEN: usize = usize::MAX / 2 - 1;

/// Where a replica's stream stands.
struct Feed {
    /// Offset of the next stream byte it needs.
    next: u64,
    /// Stream bytes held back until its RDB is sent.
    pending: Vec<u8>,
    /// Its RDB is sent: the stream goes straight to its output.
    online: bool,
    /// It asked with PSYNC (gets `+FULLRESYNC`).
    is_psync: bool,
    /// Waiting for a child to start.
    waiting: bool,
    /// After a diskless transfer: goes online at its next ACK (count of ACKs before).
    await_ack: Option<u64>,
}

/// An RDB child for replicas.
struct SyncChild {
    pid: i32,
    /// The RDB file (disk target), or `None` (diskless: written to the sockets).
    path: Option<String>,
    replicas: Vec<ClientHandle>,
}

/// The replica side's state in the loop.
struct MasterSide {
    link: Option<link::Link>,
    writer: Option<std::net::TcpStream>,
    /// Unparsed stream bytes.
    buf: Vec<u8>,
    /// Bytes of a transaction the master client is inside (not counted yet).
    in_multi: Vec<u8>,
    /// When to try connecting again, ms.
    retry_at_ms: u64,
    last_ack_ms: u64,
}

/// Host-side replication state.
pub struct Repl {
    feeds: HashMap<ClientHandle, Feed>,
    child: Option<SyncChild>,
    /// Jobs the commands asked for, carried out after the connection's input ran.
    pub jobs: Vec<ReplJob>,
    last_ping_ms: u64,
    /// When the delayed diskless transfer starts (`repl-diskless-sync-delay`), ms.
    diskless_start_at: Option<u64>,
    master: MasterSide,
    tx: Sender<link::Msg>,
    rx: Receiver<link::Msg>,
    waker: Option<Arc<mio::Waker>>,
}

impl Repl {
    /// Nothing attached; `waker` wakes the poll when the link has news.
    pub fn new(waker: Option<Arc<mio::Waker>>) -> Repl {
        let (tx, rx) = channel();
        Repl {
            feeds: HashMap::new(),
            child: None,
            jobs: Vec::new(),
            last_ping_ms: 0,
            diskless_start_at: None,
            master: MasterSide {
                link: None,
                writer: None,
                buf: Vec::new(),
                in_multi: Vec::new(),
                retry_at_ms: 0,
                last_ack_ms: 0,
            },
            tx,
            rx,
            waker,
        }
    }

    /// Whether `h` is a replica's connection.
    pub fn is_replica(&self, h: ClientHandle) -> bool {
        self.feeds.contains_key(&h)
    }

    /// A connection went away.
    pub fn forget(&mut self, h: ClientHandle) {
        self.feeds.remove(&h);
    }
}

fn now_ms(engine: &Engine) -> u64 {
    engine.state.now_us / 1000
}

impl Server {
    /// `replicaof` in the configuration, before the data set loads (a replica keeps the
    /// expired keys of its RDB).
    pub fn set_replicaof(&mut self, replicaof: &Option<(String, u16)>) {
        if let Some((host, port)) = replicaof {
            cinder_core::cmd::server::replication::set_master(&mut self.engine.state, host.clone(), *port);
        }
    }

    /// After loading the data set at start: `replicaof` in the configuration connects
    /// (continuing from the replication id and offset the RDB kept); a master keeps
    /// them as its previous history.
    pub fn start_replication(&mut self, replicaof: Option<(String, u16)>) {
        let size = self.engine.state.config.repl_backlog_size as usize;
        if replicaof.is_some() {
            for db in self.engine.state.dbs.iter_mut() {
                db.keep_expired = true;
            }
            self.engine.state.repl.restore_loaded(size);
            self.effects.repl.jobs.push(ReplJob::Connect);
            self.repl_jobs();
        } else if self.engine.state.repl.loaded_info.is_some() {
            self.engine.state.repl.restore_loaded(size);
            cinder_core::cmd::server::replication::start_stream(&mut self.engine.state);
        }
    }

    /// The target answered PSYNC FAILOVER with CONTINUE or FULLRESYNC: the failover is
    /// done (Redis's clearFailoverState in syncWithMaster).
    fn failover_accepted(&mut self) {
        if self.engine.state.repl.failover.state == FailoverState::InProgress {
            notice("FAILOVER: the target accepted PSYNC FAILOVER; now its replica.");
            cinder_core::cmd::server::failover::clear(&mut self.engine.state);
            cinder_core::cmd::server::pause::release_postponed(&mut self.engine);
        }
    }

    /// Replication jobs the engine's cron asked for (FAILOVER's step), run now.
    pub(crate) fn failover_jobs(&mut self) {
        let mut rest = Vec::new();
        for a in self.engine.take_actions() {
            match a {
                cinder_core::engine::HostAction::Repl(job) => self.effects.repl.jobs.push(job),
                other => rest.push(other),
            }
        }
        self.engine.state.actions.extend(rest);
        if !self.effects.repl.jobs.is_empty() {
            self.repl_jobs();
        }
    }

    /// Carries out the replication jobs commands asked for.
    pub(crate) fn repl_jobs(&mut self) {
        while !self.effects.repl.jobs.is_empty() {
            let jobs = std::mem::take(&mut self.effects.repl.jobs);
            for job in jobs {
                match job {
                    ReplJob::Attach { client, psync, is_psync } => self.repl_attach(client, psync, is_psync),
                    ReplJob::Connect => {
                        let m = self.engine.state.repl.master.as_ref().map(|m| (m.host.clone(), m.port));
                        if let Some((host, port)) = m {
                            notice(&format!("Connecting to MASTER {}:{}", host, port));
                        }
                        self.repl_drop_master_link("REPLICAOF");
                        self.effects.repl.master.retry_at_ms = 0;
                        self.repl_connect();
                    }
                    ReplJob::BecomeMaster => {
                        self.repl_drop_master_link("REPLICAOF NO ONE");
                        notice("MASTER MODE enabled (user request)");
                        // Replicas must learn the new id: they reconnect and continue.
                        let hs: Vec<ClientHandle> = self.effects.repl.feeds.keys().copied().collect();
                        for h in hs {
                            self.repl_close_replica(h);
                        }
                    }
                    ReplJob::SendAck => self.repl_send_ack(),
                }
            }
        }
    }

    fn repl_attach(&mut self, h: ClientHandle, psync: Psync, is_psync: bool) {
        let peer = self.engine.client(h).map(|c| c.conn.addr.clone()).unwrap_or_default();
        notice(&format!("Replica {} asks for synchronization", peer));
        match psync {
            Psync::Continue { from } => {
                let bytes = self.engine.state.repl.master_repl_offset + 1 - from;
                notice(&format!(
                    "Partial resynchronization request from {} accepted. Sending {} bytes of backlog starting from \
                     offset {}.",
                    peer, bytes, from
                ));
                self.effects.repl.feeds.insert(
                    h,
                    Feed { next: from, pending: Vec::new(), online: true, is_psync, waiting: false, await_ack: None },
                );
                self.repl_pump();
            }
            Psync::Full => {
                notice(&format!("Full resync requested by replica {}", peer));
                self.effects.repl.feeds.insert(
                    h,
                    Feed { next: 0, pending: Vec::new(), online: false, is_psync, waiting: true, await_ack: None },
                );
                let cfg = &self.engine.state.config;
                if cfg.repl_diskless_sync && cfg.repl_diskless_sync_delay > 0 {
                    // Wait for more replicas to share the transfer (Redis's
                    // `repl-diskless-sync-delay`); the cron starts it.
                    if self.effects.repl.diskless_start_at.is_none() {
                        let at = now_ms(&self.engine) + cfg.repl_diskless_sync_delay as u64 * 1000;
                        self.effects.repl.diskless_start_at = Some(at);
                    }
                    let max = cfg.repl_diskless_sync_max_replicas;
                    let waiting = self.effects.repl.feeds.values().filter(|f| f.waiting).count() as i64;
                    if max > 0 && waiting >= max && self.effects.repl.child.is_none() {
                        self.repl_start_child();
                    }
                } else if self.effects.repl.child.is_none() {
                    self.repl_start_child();
                }
            }
        }
    }

    /// Forks the RDB child for every replica waiting for one (Redis's
    /// `startBgsaveForReplication`): to the sockets when `repl-diskless-sync` is on and
    /// every replica understands `$EOF:`, else to a file sent afterwards.
    fn repl_start_child(&mut self) {
        self.effects.repl.diskless_start_at = None;
        let waiting: Vec<ClientHandle> =
            self.effects.repl.feeds.iter().filter(|(_, f)| f.waiting).map(|(h, _)| *h).collect();
        if waiting.is_empty() {
            return;
        }
        let diskless = self.engine.state.config.repl_diskless_sync
            && waiting
                .iter()
                .all(|h| self.engine.state.repl.replicas.iter().any(|r| r.handle == *h && r.conf.capa_eof));
        // The RDB is the data set as of this offset: the stream continues from the next byte.
        self.engine.state.feed_replication();
        let offset = self.engine.state.repl.master_repl_offset;
        let replid = self.engine.state.repl.replid.clone();
        // +FULLRESYNC goes first (before the child writes to the same sockets).
        let mut fds = Vec::new();
        for h in &waiting {
            if let Some(f) = self.effects.repl.feeds.get_mut(h) {
                if f.is_psync {
                    let line = format!("+FULLRESYNC {} {}\r\n", replid, offset);
                    self.repl_write(*h, line.as_bytes());
                }
            }
            if let Some(conn) = self.by_handle.get(h).and_then(|&i| self.conns[i].as_ref()) {
                fds.push(std::os::fd::AsRawFd::as_raw_fd(&conn.stream));
            }
        }
        let path = format!("temp-repl-{}-{}.rdb", std::process::id(), offset);
        let eng: &Engine = &self.engine;
        let dest = path.clone();
        let mark = cinder_core::repl::random_replid(&mut cinder_core::rng::Rng::new(
            self.engine.state.now_us ^ offset.rotate_left(17),
        ));
        let spawned = child::spawn(|| {
            let c = &eng.state.config;
            let opts = cinder_core::rdb::SaveOptions {
                compression: c.rdbcompression,
                checksum: c.rdbchecksum,
                ..Default::default()
            };
            if diskless {
                let mut w = diskless::Fanout::new(fds);
                std::io::Write::write_all(&mut w, format!("$EOF:{}\r\n", mark).as_bytes())
                    .map_err(|e| e.to_string())?;
                cinder_core::engine::rdb::save(eng, &opts, &mut w).map_err(|e| e.to_string())?;
                std::io::Write::write_all(&mut w, mark.as_bytes()).map_err(|e| e.to_string())?;
                std::io::Write::flush(&mut w).map_err(|e| e.to_string())?;
                return Ok(());
            }
            let f = std::fs::File::create(&dest).map_err(|e| e.to_string())?;
            let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
            cinder_core::engine::rdb::save(eng, &opts, &mut w).map_err(|e| e.to_string())?;
            std::io::Write::flush(&mut w).map_err(|e| e.to_string())?;
            Ok(())
        });
        match spawned {
            Ok((pid, _)) => {
                notice(&format!(
                    "Starting BGSAVE for SYNC with target: {}",
                    if diskless { "replicas sockets" } else { "disk" }
                ));
                notice(&format!("Background RDB transfer started by pid {}", pid));
                for h in &waiting {
                    if let Some(f) = self.effects.repl.feeds.get_mut(h) {
                        f.waiting = false;
                        f.next = offset + 1;
                    }
                    if let Some(r) = self.engine.state.repl.replica_mut(*h) {
                        r.state = ReplicaState::SendBulk;
                    }
                }
                // Databases are selected afresh after a full resync.
                self.engine.state.repl.selected_db = None;
                let path = (!diskless).then_some(path);
                self.effects.repl.child = Some(SyncChild { pid, path, replicas: waiting });
            }
            Err(e) => {
                warning(&format!("Can't save in background: fork: {}", e));
                for h in waiting {
                    self.repl_close_replica(h);
                }
            }
        }
    }

    /// Appends bytes to a connection's output and writes.
    fn repl_write(&mut self, h: ClientHandle, bytes: &[u8]) {
        if let Some(&idx) = self.by_handle.get(&h) {
            if let Some(conn) = self.conns[idx].as_mut() {
                conn.wbuf.extend_from_slice(bytes);
            }
            self.write_out(idx);
        }
    }

    fn repl_close_replica(&mut self, h: ClientHandle) {
        self.effects.repl.feeds.remove(&h);
        if let Some(&idx) = self.by_handle.get(&h) {
            self.close_now(idx);
        }
    }

    /// A replica's RDB child ended (Redis's `updateSlavesWaitingBgsave`).
    fn repl_child_done(&mut self, exit: Exit) {
        let Some(c) = self.effects.repl.child.take() else {
            return;
        };
        let ok = exit == Exit::Code(0);
        let data = match (&c.path, ok) {
            (Some(p), true) => std::fs::read(p).ok(),
            _ => None,
        };
        if let Some(p) = &c.path {
            let _ = std::fs::remove_file(p);
        }
        if !ok || (c.path.is_some() && data.is_none()) {
            warning("SYNC failed. BGSAVE child returned an error");
            for h in c.replicas {
                self.repl_close_replica(h);
            }
            self.repl_start_child();
            return;
        }
        notice("Background RDB transfer terminated with success");
        let now = now_ms(&self.engine);
        for h in c.replicas {
            let acks = self.engine.state.repl.replica_mut(h).map_or(0, |r| r.acks);
            let Some(f) = self.effects.repl.feeds.get_mut(&h) else {
                continue;
            };
            match &data {
                Some(data) => {
                    let mut out = format!("${}\r\n", data.len()).into_bytes();
                    out.extend_from_slice(data);
                    out.append(&mut f.pending);
                    f.online = true;
                    if let Some(r) = self.engine.state.repl.replica_mut(h) {
                        r.state = ReplicaState::Online;
                        r.ack_time_ms = now;
                    }
                    notice("Synchronization with replica succeeded");
                    self.repl_write(h, &out);
                }
                None => {
                    // Diskless: the stream starts at the replica's first ACK, once it
                    // loaded the RDB (the end mark must be the last bytes it reads).
                    f.await_ack = Some(acks);
                    notice("Streamed RDB transfer with replica succeeded (socket). Waiting for REPLCONF ACK from replica to enable streaming");
                }
            }
        }
        // Replicas that came while the child ran get the next one.
        self.repl_start_child();
    }

    /// Diskless replicas whose first ACK after the RDB arrived go online.
    fn repl_online_on_ack(&mut self) {
        let mut ready = Vec::new();
        for (h, f) in self.effects.repl.feeds.iter() {
            if let Some(before) = f.await_ack {
                if self.engine.state.repl.replicas.iter().any(|r| r.handle == *h && r.acks > before) {
                    ready.push(*h);
                }
            }
        }
        for h in ready {
            let mut pending = Vec::new();
            if let Some(f) = self.effects.repl.feeds.get_mut(&h) {
                f.await_ack = None;
                f.online = true;
                pending = std::mem::take(&mut f.pending);
            }
            if let Some(r) = self.engine.state.repl.replica_mut(h) {
                r.state = ReplicaState::Online;
            }
            notice("Synchronization with replica succeeded");
            self.repl_write(h, &pending);
        }
    }

    /// Each loop iteration: feed the stream, copy it to the replicas, apply what the
    /// master sent.
    pub(crate) fn repl_pump(&mut self) {
        self.repl_from_master();
        if !self.engine.state.repl.wants_stream() {
            return;
        }
        if self.effects.persist.aof_on() {
            self.engine.state.feed_replication();
        } else {
            // Nobody else consumes the hook: drop what the stream has taken.
            let _ = self.engine.take_propagated();
        }
        if std::mem::take(&mut self.engine.state.repl.get_ack) && !self.engine.state.repl.is_replica() {
            let mut b = Vec::new();
            encode_command(&mut b, &[&b"REPLCONF"[..], b"GETACK", b"*"]);
            self.engine.state.repl.feed_raw(&b);
        }
        if self.effects.repl.feeds.is_empty() {
            return;
        }
        if self.effects.repl.feeds.values().any(|f| f.await_ack.is_some()) {
            self.repl_online_on_ack();
        }
        let end = self.engine.state.repl.master_repl_offset;
        let mut drop = Vec::new();
        let mut touched = Vec::new();
        let Some(backlog) = self.engine.state.repl.backlog.as_ref() else {
            return;
        };
        for (h, f) in self.effects.repl.feeds.iter_mut() {
            if f.waiting || f.next > end {
                continue;
            }
            if f.online {
                let Some(&idx) = self.by_handle.get(h) else {
                    continue;
                };
                let Some(conn) = self.conns[idx].as_mut() else {
                    continue;
                };
                if !backlog.copy_from(f.next, &mut conn.wbuf) {
                    drop.push(*h);
                    continue;
                }
                touched.push(idx);
            } else if !backlog.copy_from(f.next, &mut f.pending) {
                drop.push(*h);
                continue;
            }
            f.next = end + 1;
        }
        for idx in touched {
            self.write_out(idx);
        }
        for h in drop {
            warning("Client scheduled to be closed ASAP for overcoming of output buffer limits (replica fell behind the backlog).");
            self.repl_close_replica(h);
        }
    }

    /// Periodic work (Redis's `replicationCron`): reap the RDB child, PING the replicas,
    /// free an unused backlog, reconnect to the master, acknowledge.
    pub(crate) fn repl_cron(&mut self) {
        if let Some(c) = &self.effects.repl.child {
            if let Some(exit) = child::try_wait(c.pid) {
                self.repl_child_done(exit);
            }
        }
        let now = now_ms(&self.engine);
        if self.effects.repl.child.is_none() && self.effects.repl.diskless_start_at.is_some_and(|at| now >= at) {
            self.repl_start_child();
        }
        let cfg = &self.engine.state.config;
        let (ping_ms, ttl_ms, size) =
            (cfg.repl_ping_replica_period as u64 * 1000, cfg.repl_backlog_ttl as u64 * 1000, cfg.repl_backlog_size);
        let st = &mut self.engine.state;
        if let Some(b) = st.repl.backlog.as_mut() {
            if b.size() != size as usize && size as usize >= 16 * 1024 {
                b.resize(size as usize);
            }
        }
        if !st.repl.is_replica()
            && !st.repl.replicas.is_empty()
            && now.saturating_sub(self.effects.repl.last_ping_ms) >= ping_ms
        {
            self.effects.repl.last_ping_ms = now;
            let mut b = Vec::new();
            encode_command(&mut b, &[&b"PING"[..]]);
            st.repl.feed_raw(&b);
        }
        if !st.repl.is_replica()
            && st.repl.replicas.is_empty()
            && st.repl.backlog.is_some()
            && ttl_ms > 0
            && st.repl.no_replicas_since_ms > 0
            && now.saturating_sub(st.repl.no_replicas_since_ms) > ttl_ms
        {
            // Redis keeps the id but changes it, since the history is gone.
            st.repl.replid = cinder_core::repl::random_replid(&mut st.rng);
            st.repl.clear_replid2();
            st.repl.free_backlog();
            notice(&format!("Replication backlog freed after {} seconds without connected replicas.", ttl_ms / 1000));
        }
        // Replicas that stopped acknowledging (Redis's replicationCron).
        let timeout_ms = st.config.repl_timeout as u64 * 1000;
        let timed_out: Vec<(ClientHandle, String)> = st
            .repl
            .replicas
            .iter()
            .filter(|r| r.state == ReplicaState::Online && now.saturating_sub(r.ack_time_ms) > timeout_ms)
            .filter(|r| self.effects.repl.feeds.get(&r.handle).is_some_and(|f| f.is_psync))
            .map(|r| (r.handle, format!("{}:{}", r.peer_ip, r.conf.listening_port)))
            .collect();
        for (h, name) in timed_out {
            warning(&format!("Disconnecting timedout replica (streaming sync): {}", name));
            self.repl_close_replica(h);
        }
        let st = &mut self.engine.state;
        if let Some(m) = &st.repl.master {
            if m.state == LinkState::Connect && now >= self.effects.repl.master.retry_at_ms {
                self.repl_connect();
            } else if m.state == LinkState::Connected
                && now.saturating_sub(self.effects.repl.master.last_ack_ms) >= 1000
            {
                self.repl_send_ack();
            }
        }
        self.repl_pump();
    }

    /// Starts the link thread to the configured master.
    fn repl_connect(&mut self) {
        let st = &mut self.engine.state;
        let Some(m) = st.repl.master.as_mut() else {
            return;
        };
        m.state = LinkState::Connecting;
        let cfg = &st.config;
        let params = link::Params {
            host: m.host.clone(),
            port: m.port,
            auth: cfg.masterauth.clone(),
            user: cfg.masteruser.clone(),
            listening_port: if cfg.replica_announce_port > 0 {
                cfg.replica_announce_port as u16
            } else {
                cfg.port as u16
            },
            announce_ip: cfg.replica_announce_ip.clone(),
            psync: (st.repl.replid.clone(), st.repl.master_repl_offset + 1),
            timeout_s: cfg.repl_timeout as u64,
            failover: st.repl.failover.state == FailoverState::InProgress,
        };
        notice(&format!("Trying a partial resynchronization (request {}:{}).", params.psync.0, params.psync.1));
        let waker = self.effects.repl.waker.clone();
        let wake: Arc<dyn Fn() + Send + Sync> = Arc::new(move || {
            if let Some(w) = &waker {
                let _ = w.wake();
            }
        });
        self.effects.repl.master.link = Some(link::start(params, self.effects.repl.tx.clone(), wake));
    }

    /// CLIENT KILL of the master client: the link drops and reconnects at once,
    /// continuing with PSYNC.
    pub(crate) fn repl_client_killed(&mut self, h: ClientHandle) {
        if self.engine.state.repl.master.as_ref().and_then(|m| m.client) != Some(h) {
            return;
        }
        self.repl_drop_master_link("client killed");
        let now = now_ms(&self.engine);
        if let Some(m) = self.engine.state.repl.master.as_mut() {
            m.state = LinkState::Connect;
            m.down_since_ms = now;
        }
        self.effects.repl.master.retry_at_ms = now;
    }

    /// Ends the link to the master (the master client goes; the data stays).
    fn repl_drop_master_link(&mut self, why: &str) {
        let side = &mut self.effects.repl.master;
        let had = side.link.take().is_some();
        side.writer = None;
        side.buf.clear();
        side.in_multi.clear();
        // Messages of the old link are stale.
        while self.effects.repl.rx.try_recv().is_ok() {}
        if let Some(h) = self.engine.state.repl.master.as_mut().and_then(|m| m.client.take()) {
            self.engine.disconnect(h);
        }
        if had {
            notice(&format!("Connection with master lost ({}).", why));
        }
    }

    fn repl_send_ack(&mut self) {
        self.engine.state.repl.ack_requested = false;
        let off = self.engine.state.repl.master_repl_offset.to_string();
        self.effects.repl.master.last_ack_ms = now_ms(&self.engine);
        if let Some(w) = self.effects.repl.master.writer.as_mut() {
            let mut b = Vec::new();
            encode_command(&mut b, &[&b"REPLCONF"[..], b"ACK", off.as_bytes()]);
            let _ = std::io::Write::write_all(w, &b);
        }
    }

    /// Applies what the link thread sent.
    fn repl_from_master(&mut self) {
        loop {
            let msg = match self.effects.repl.rx.try_recv() {
                Ok(m) => m,
                Err(_) => return,
            };
            if self.engine.state.repl.master.is_none() {
                continue;
            }
            let now = now_ms(&self.engine);
            match msg {
                link::Msg::Writer(w) => {
                    self.effects.repl.master.writer = Some(w);
                    if let Some(m) = self.engine.state.repl.master.as_mut() {
                        m.state = LinkState::Handshake;
                        m.last_io_ms = now;
                    }
                }
                link::Msg::TransferStarted(size) => {
                    if let Some(m) = self.engine.state.repl.master.as_mut() {
                        m.state = LinkState::Transfer;
                        m.transfer_size = size;
                        m.transfer_read = 0;
                        m.transfer_last_io_ms = now;
                    }
                }
                link::Msg::TransferProgress(n) => {
                    if let Some(m) = self.engine.state.repl.master.as_mut() {
                        m.transfer_read = n;
                        m.transfer_last_io_ms = now;
                    }
                }
                link::Msg::Full { replid, offset, rdb } => {
                    self.failover_accepted();
                    self.repl_full_sync(replid, offset, rdb)
                }
                link::Msg::Continue(new_id) => {
                    self.failover_accepted();
                    let r = &mut self.engine.state.repl;
                    if let Some(id) = new_id {
                        if id != r.replid {
                            r.shift_replid(id.clone());
                            notice(&format!("Master replication ID changed to {}", id));
                            // Our replicas must learn the new id.
                            let hs: Vec<ClientHandle> = self.effects.repl.feeds.keys().copied().collect();
                            for h in hs {
                                self.repl_close_replica(h);
                            }
                        }
                    }
                    let size = self.engine.state.config.repl_backlog_size as usize;
                    self.engine.state.repl.ensure_backlog(size);
                    self.repl_link_up();
                }
                link::Msg::Data(bytes) => {
                    if let Some(m) = self.engine.state.repl.master.as_mut() {
                        m.last_io_ms = now;
                        m.read_offset += bytes.len() as u64;
                    }
                    self.effects.repl.master.buf.extend_from_slice(&bytes);
                    self.repl_apply_stream();
                }
                link::Msg::Down(why) => {
                    self.repl_drop_master_link(&why);
                    // Redis aborts when the target refuses PSYNC FAILOVER; other link
                    // errors retry the connection (FAILOVER ABORT ends that).
                    if self.engine.state.repl.failover.state == FailoverState::InProgress
                        && why.starts_with("Unexpected reply to PSYNC")
                    {
                        // Redis's abortFailover: the target refused (or never got) the
                        // PSYNC FAILOVER; back to a master.
                        warning(&format!("FAILOVER aborted: {}", why));
                        cinder_core::cmd::server::failover::abort(
                            &mut self.engine.state,
                            "Failover target rejected psync request",
                        );
                        self.failover_jobs();
                        continue;
                    }
                    if let Some(m) = self.engine.state.repl.master.as_mut() {
                        if m.state == LinkState::Connected || m.down_since_ms == 0 {
                            m.down_since_ms = now;
                        }
                        m.state = LinkState::Connect;
                    }
                    self.effects.repl.master.retry_at_ms = now + 1000;
                }
            }
        }
    }

    /// `+FULLRESYNC` done: replace the data set with the master's RDB.
    fn repl_full_sync(&mut self, replid: String, offset: u64, rdb: Vec<u8>) {
        notice("MASTER <-> REPLICA sync: Flushing old data");
        notice("MASTER <-> REPLICA sync: Loading DB in memory");
        let propagating = self.engine.state.propagation.is_enabled();
        self.engine.state.propagation.set_enabled(false);
        self.engine.state.persist.loading = true;
        let r = cinder_core::engine::rdb::load(
            &mut self.engine,
            &rdb,
            &cinder_core::rdb::LoadOptions { replace: true, skip_expired: false, ..Default::default() },
        );
        self.engine.state.persist.loading = false;
        self.engine.state.propagation.set_enabled(propagating);
        if let Err(e) = r {
            warning(&format!("Failed trying to load the MASTER synchronization DB from disk: {}", e));
            self.repl_drop_master_link("bad RDB");
            if let Some(m) = self.engine.state.repl.master.as_mut() {
                m.state = LinkState::Connect;
            }
            self.effects.repl.master.retry_at_ms = now_ms(&self.engine) + 1000;
            return;
        }
        for db in self.engine.state.dbs.iter_mut() {
            db.keep_expired = true;
        }
        // Keep a copy on disk, as Redis's disk-based load does.
        let _ = std::fs::write(&self.engine.state.config.dbfilename, &rdb);
        let size = self.engine.state.config.repl_backlog_size as usize;
        let r = &mut self.engine.state.repl;
        r.replid = replid;
        r.clear_replid2();
        r.master_repl_offset = offset;
        r.stream_db = 0;
        r.backlog = None;
        r.ensure_backlog(size);
        if let Some(m) = r.master.as_mut() {
            m.read_offset = offset;
        }
        // Sub-replicas must resync from the new data set.
        let hs: Vec<ClientHandle> = self.effects.repl.feeds.keys().copied().collect();
        for h in hs {
            self.repl_close_replica(h);
        }
        notice("MASTER <-> REPLICA sync: Finished with success");
        self.repl_link_up();
    }

    /// The link is streaming: the master client exists.
    fn repl_link_up(&mut self) {
        self.effects.repl.master.buf.clear();
        let addr = self.engine.state.repl.master.as_ref().map(|m| format!("{}:{}", m.host, m.port)).unwrap_or_default();
        let h = match self.engine.connect(ConnInfo { addr, laddr: String::new(), fd: -1 }) {
            Ok(h) => h,
            Err(_) => return,
        };
        let db = self.engine.state.repl.stream_db.min(self.engine.state.dbs.len().saturating_sub(1));
        if let Some(c) = self.engine.client_mut(h) {
            c.loader = true;
            c.authenticated = true;
            // The stream continues in the database it last selected.
            c.db = db;
        }
        if let Some(m) = self.engine.state.repl.master.as_mut() {
            m.client = Some(h);
            m.state = LinkState::Connected;
            m.down_since_ms = 0;
        }
        self.repl_send_ack();
    }

    /// Runs every complete command of the master's stream as the master client.
    fn repl_apply_stream(&mut self) {
        let Some(h) = self.engine.state.repl.master.as_ref().and_then(|m| m.client) else {
            return;
        };
        let mut buf = std::mem::take(&mut self.effects.repl.master.buf);
        let mut pos = 0;
        let real_now = self.engine.state.now_us;
        loop {
            match parse_command(&buf[pos..]) {
                Ok(Some((argv, used))) if argv.is_empty() => {
                    self.engine.state.repl.feed_raw(&buf[pos..pos + used]);
                    pos += used;
                }
                Ok(Some((argv, used))) => {
                    let args: Vec<&[u8]> = argv.iter().map(|a| a.as_slice()).collect();
                    // The master decides expiry: its commands see every key (clock 0 is
                    // before any TTL), as Redis's master client.
                    self.engine.state.now_us = 0;
                    let reply = self.engine.execute(h, &args);
                    self.engine.state.now_us = real_now;
                    if let Reply::Error(e) = &reply {
                        // Redis's afterErrorReply for the master client.
                        let name = cinder_core::cmd::lookup_argv(&args).map_or("<unknown>", |s| s.name);
                        warning(&format!(
                            "== CRITICAL == This replica is sending an error to its master: '{}' after processing the \
                             command '{}'",
                            e, name
                        ));
                    }
                    self.engine.recycle(reply);
                    for a in self.engine.take_actions() {
                        if let cinder_core::engine::HostAction::Repl(ReplJob::SendAck) = a {
                            self.effects.repl.jobs.push(ReplJob::SendAck);
                        }
                    }
                    // Counted (and relayed) at transaction boundaries only, as Redis's
                    // reploff: a link lost inside MULTI resumes from the MULTI.
                    let side = &mut self.effects.repl.master;
                    side.in_multi.extend_from_slice(&buf[pos..pos + used]);
                    if self.engine.client(h).is_some_and(|c| c.multi.is_none()) {
                        let bytes = std::mem::take(&mut side.in_multi);
                        self.engine.state.repl.feed_raw(&bytes);
                        if self.engine.state.repl.backlog.is_none() {
                            self.engine.state.repl.master_repl_offset += bytes.len() as u64;
                        }
                    }
                    pos += used;
                }
                Ok(None) => break,
                Err(e) => {
                    warning(&format!("Protocol error ({}) from client: master. Closing the link.", e));
                    self.repl_drop_master_link("protocol error");
                    let now = now_ms(&self.engine);
                    if let Some(m) = self.engine.state.repl.master.as_mut() {
                        m.state = LinkState::Connect;
                        m.down_since_ms = now;
                    }
                    self.effects.repl.master.retry_at_ms = now_ms(&self.engine) + 1000;
                    return;
                }
            }
        }
        buf.drain(..pos);
        self.effects.repl.master.buf = buf;
        if let Some(c) = self.engine.client(h) {
            self.engine.state.repl.stream_db = c.db;
        }
        self.repl_jobs();
    }
}

/// Parses one RESP multibulk command (or an inline line, or a bare newline); `Ok(None)`
/// when incomplete.
fn parse_command(b: &[u8]) -> Result<Option<(Vec<Vec<u8>>, usize)>, String> {
    if b.is_empty() {
        return Ok(None);
    }
    let line_end = |from: usize| b[from..].windows(2).position(|w| w == b"\r\n").map(|p| from + p);
    if b[0] != b'*' {
        let Some(end) = b.iter().position(|&c| c == b'\n') else {
            return Ok(None);
        };
        let line = String::from_utf8_lossy(&b[..end]).trim().to_string();
        let argv: Vec<Vec<u8>> = line.split_whitespace().map(|s| s.as_bytes().to_vec()).collect();
        return Ok(Some((argv, end + 1)));
    }
    let Some(e) = line_end(1) else {
        return Ok(None);
    };
    let n: usize = std::str::from_utf8(&b[1..e]).ok().and_then(|s| s.parse().ok()).ok_or("invalid multibulk length")?;
    let mut pos = e + 2;
    let mut argv = Vec::with_capacity(n);
    for _ in 0..n {
        if pos >= b.len() {
            return Ok(None);
        }
        if b[pos] != b'$' {
            return Err(format!("expected '$', got '{}'", b[pos] as char));
        }
        let Some(e) = line_end(pos + 1) else {
            return Ok(None);
        };
        let len: usize =
            std::str::from_utf8(&b[pos + 1..e]).ok().and_then(|s| s.parse().ok()).ok_or("invalid bulk length")?;
        let start = e + 2;
        if b.len() < start + len + 2 {
            return Ok(None);
        }
        argv.push(b[start..start + len].to_vec());
        pos = start + len + 2;
    }
    Ok(Some((argv, pos)))
}
