//! Replication's protocol state, without I/O (Redis's `replication.c` bookkeeping): the
//! replication id and offset, the backlog, the table of attached replicas and their
//! acknowledged offsets, clients waiting in WAIT, the link to a master when this server is
//! a replica, and the encoding of propagated operations into the stream. The host owns
//! the sockets, the fork and the RDB transfer, and reports what happens on them here.

pub mod backlog;
pub mod failover;
pub mod stream;

use std::collections::HashMap;

use crate::handle::ClientHandle;
use crate::propagate::Op;
use crate::rng::Rng;

pub use backlog::Backlog;

/// A replica's state as the master sees it (Redis's `SLAVE_STATE_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplicaState {
    /// Waiting for the RDB to be produced (`wait_bgsave`).
    WaitBgsave,
    /// The RDB is being sent (`send_bulk`).
    SendBulk,
    /// Receiving the stream (`online`).
    Online,
}

impl ReplicaState {
    /// The name INFO prints.
    pub fn name(self) -> &'static str {
        match self {
            ReplicaState::WaitBgsave => "wait_bgsave",
            ReplicaState::SendBulk => "send_bulk",
            ReplicaState::Online => "online",
        }
    }
}

/// What a connection said with REPLCONF before (and after) it became a replica.
#[derive(Clone, Debug, Default)]
pub struct ReplicaConf {
    /// `REPLCONF listening-port`.
    pub listening_port: u16,
    /// `REPLCONF ip-address` (announced address).
    pub ip_address: Option<String>,
    /// `REPLCONF capa eof` (diskless transfer understood).
    pub capa_eof: bool,
    /// `REPLCONF capa psync2`.
    pub capa_psync2: bool,
}

/// One attached replica.
#[derive(Clone, Debug)]
pub struct Replica {
    /// Its connection.
    pub handle: ClientHandle,
    /// Address of the connection (`ip` in INFO when none was announced).
    pub peer_ip: String,
    /// What it announced.
    pub conf: ReplicaConf,
    /// Transfer state.
    pub state: ReplicaState,
    /// Last offset it acknowledged (`REPLCONF ACK`).
    pub ack_off: u64,
    /// When it last acknowledged, ms.
    pub ack_time_ms: u64,
    /// ACKs received (a diskless replica goes online at its first after the RDB).
    pub acks: u64,
}

/// The state of this server's link to its master (Redis's `REPL_STATE_*`, grouped as
/// ROLE reports them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkState {
    /// Must connect (`connect`).
    Connect,
    /// Connecting (`connecting`).
    Connecting,
    /// Handshake (PING, AUTH, REPLCONF, PSYNC) in progress (`handshake`).
    Handshake,
    /// Receiving the RDB (`sync`).
    Transfer,
    /// Streaming (`connected`).
    Connected,
}

impl LinkState {
    /// The name ROLE prints.
    pub fn name(self) -> &'static str {
        match self {
            LinkState::Connect => "connect",
            LinkState::Connecting => "connecting",
            LinkState::Handshake => "handshake",
            LinkState::Transfer => "sync",
            LinkState::Connected => "connected",
        }
    }
}

/// This server's master, when it is a replica (Redis's `masterhost` and friends).
#[derive(Clone, Debug)]
pub struct MasterLink {
    /// Master host.
    pub host: String,
    /// Master port.
    pub port: u16,
    /// Link state.
    pub state: LinkState,
    /// Last time data came from the master, ms (0: never).
    pub last_io_ms: u64,
    /// Since when the link is down, ms (0: never up).
    pub down_since_ms: u64,
    /// Offset of the last stream byte read (`slave_read_repl_offset`).
    pub read_offset: u64,
    /// RDB transfer: total size (0 when unknown, diskless) and bytes read.
    pub transfer_size: u64,
    /// Bytes of the RDB read so far.
    pub transfer_read: u64,
    /// Last time RDB bytes arrived, ms.
    pub transfer_last_io_ms: u64,
    /// The engine client the master's stream runs as, while connected.
    pub client: Option<ClientHandle>,
}

/// A client blocked in WAIT.
#[derive(Clone, Copy, Debug)]
pub struct WaitingClient {
    /// The client.
    pub handle: ClientHandle,
    /// Offset the replicas must acknowledge.
    pub offset: u64,
    /// How many replicas it waits for.
    pub numreplicas: usize,
}

/// Outcome of PSYNC (Redis's `masterTryPartialResynchronization`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Psync {
    /// `+CONTINUE <replid>`: send the backlog from `from`.
    Continue {
        /// The first offset to send.
        from: u64,
    },
    /// `+FULLRESYNC <replid> <offset>`: an RDB is needed.
    Full,
}

/// Replication work only the host can do, asked for by commands
/// ([`crate::engine::HostAction::Repl`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplJob {
    /// Connect (again) to the master in [`Replication::master`] (REPLICAOF host port):
    /// drop any current link first.
    Connect,
    /// Drop the link to the master and every replica (REPLICAOF NO ONE).
    BecomeMaster,
    /// Connection `client` became a replica: after its reply, send the backlog from
    /// `from` ([`Psync::Continue`]), or `+FULLRESYNC` and an RDB ([`Psync::Full`];
    /// `psync` false for the old SYNC, which gets no `+FULLRESYNC` line).
    Attach {
        /// The replica's connection.
        client: ClientHandle,
        /// What to send.
        psync: Psync,
        /// PSYNC (true) or SYNC.
        is_psync: bool,
    },
    /// Send `REPLCONF ACK <offset>` to the master now (it sent GETACK).
    SendAck,
}

/// `-READONLY`: a write on a read-only replica.
pub const READONLY_ERR: &str = "READONLY You can't write against a read only replica.";
/// `-MASTERDOWN`: a replica without its master and `replica-serve-stale-data no`.
pub const MASTERDOWN_ERR: &str = "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
/// `-NOREPLICAS`: fewer good replicas than `min-replicas-to-write`.
pub const NOREPLICAS_ERR: &str = "NOREPLICAS Not enough good replicas to write.";

/// The replication state of an engine.
#[derive(Clone, Debug)]
pub struct Replication {
    /// Current replication id (40 hex digits).
    pub replid: String,
    /// The previous id (after a failover / promotion), or forty zeros.
    pub replid2: String,
    /// Up to which offset `replid2` is valid (-1: none).
    pub second_replid_offset: i64,
    /// Offset of the last byte of the stream (`master_repl_offset`).
    pub master_repl_offset: u64,
    /// The backlog, created when the first replica attaches.
    pub backlog: Option<Backlog>,
    /// Database the stream last selected (`slaveseldb`); `None` writes a SELECT next.
    pub selected_db: Option<usize>,
    /// Attached replicas, in attach order.
    pub replicas: Vec<Replica>,
    /// REPLCONF options of connections that are not (yet) replicas.
    pub confs: HashMap<ClientHandle, ReplicaConf>,
    /// The master, when this server is a replica.
    pub master: Option<MasterLink>,
    /// Clients blocked in WAIT.
    pub waiters: Vec<WaitingClient>,
    /// Ask the replicas for an ACK before sleeping (a WAIT blocked).
    pub get_ack: bool,
    /// The host must send `REPLCONF ACK` to the master now (GETACK arrived).
    pub ack_requested: bool,
    /// INFO stats: full resyncs served.
    pub sync_full: u64,
    /// INFO stats: partial resyncs accepted.
    pub sync_partial_ok: u64,
    /// INFO stats: partial resyncs refused.
    pub sync_partial_err: u64,
    /// When the last replica went away, ms (for `repl-backlog-ttl`; 0: never / has some).
    pub no_replicas_since_ms: u64,
    /// `repl-id`, `repl-offset` and `repl-stream-db` found in the RDB loaded at start.
    pub loaded_info: Option<(String, u64, i64)>,
    /// Each client's offset after its last command that fed the stream (Redis's
    /// `c->woff`, what WAIT waits for).
    pub woff: HashMap<ClientHandle, u64>,
    /// A replica: the database its master's stream last selected (kept across
    /// reconnections, as Redis's cached master client, and saved as `repl-stream-db`).
    pub stream_db: usize,
    /// Keys that clients of a writable replica wrote with a TTL: the replica expires
    /// these itself (Redis's `slaveKeysWithExpire`).
    pub own_keys: std::collections::HashSet<(usize, Vec<u8>)>,
    /// The coordinated failover (FAILOVER).
    pub failover: failover::Failover,
}

/// Forty zeros: no id.
pub const NO_REPLID: &str = "0000000000000000000000000000000000000000";

/// A random 40-hex-digit replication id.
pub fn random_replid(rng: &mut Rng) -> String {
    let mut s = String::with_capacity(40);
    while s.len() < 40 {
        s.push_str(&format!("{:016x}", rng.next_u64()));
    }
    s.truncate(40);
    s
}

impl Replication {
    /// A master with no replicas and id `replid`.
    pub fn new(replid: String) -> Replication {
        Replication {
            replid,
            replid2: NO_REPLID.to_string(),
            second_replid_offset: -1,
            master_repl_offset: 0,
            backlog: None,
            selected_db: None,
            replicas: Vec::new(),
            confs: HashMap::new(),
            master: None,
            waiters: Vec::new(),
            get_ack: false,
            ack_requested: false,
            sync_full: 0,
            sync_partial_ok: 0,
            sync_partial_err: 0,
            no_replicas_since_ms: 0,
            loaded_info: None,
            own_keys: Default::default(),
            stream_db: 0,
            woff: HashMap::new(),
            failover: Default::default(),
        }
    }

    /// What an RDB saves of replication (Redis's `rdbPopulateSaveInfo`): the id, the
    /// offset and the stream's database, for a master with a backlog or a replica.
    pub fn save_info(&self) -> Option<(String, u64, i64)> {
        if self.backlog.is_none() && !self.is_replica() {
            return None;
        }
        let db = if self.is_replica() { self.stream_db } else { self.selected_db.unwrap_or(0) };
        Some((self.replid.clone(), self.master_repl_offset, db as i64))
    }

    /// After loading an RDB with replication info at start (Redis's `loadDataFromDisk`):
    /// a replica continues from it (PSYNC with that id and offset); a master keeps it as
    /// its previous id, so its replicas can continue, with an empty backlog.
    pub fn restore_loaded(&mut self, backlog_size: usize) {
        let Some((id, offset, db)) = self.loaded_info.take() else {
            return;
        };
        if id.len() != 40 {
            return;
        }
        if self.is_replica() {
            self.replid = id;
            self.master_repl_offset = offset;
            self.stream_db = db.max(0) as usize;
        } else {
            self.replid2 = id;
            self.second_replid_offset = offset as i64 + 1;
            self.master_repl_offset = offset;
            self.backlog = None;
            self.ensure_backlog(backlog_size);
        }
    }

    /// Whether this server is a replica (`masterhost != NULL`).
    #[inline]
    pub fn is_replica(&self) -> bool {
        self.master.is_some()
    }

    /// Redis's `checkGoodReplicasStatus`: whether writes may run under
    /// `min-replicas-to-write` / `min-replicas-max-lag`.
    pub fn enough_good_replicas(&self, config: &crate::config::Config, now_ms: u64) -> bool {
        self.is_replica()
            || config.min_replicas_max_lag == 0
            || config.min_replicas_to_write == 0
            || self.good_replicas(now_ms, config.min_replicas_max_lag) as i64 >= config.min_replicas_to_write
    }

    /// Whether the link to the master is up (`repl_state == REPL_STATE_CONNECTED`).
    pub fn link_up(&self) -> bool {
        self.master.as_ref().is_some_and(|m| m.state == LinkState::Connected)
    }

    /// The replica's processed offset (`slave_repl_offset`): the stream offset.
    pub fn replica_offset(&self) -> u64 {
        self.master_repl_offset
    }

    /// Whether the stream must be produced (a backlog exists).
    #[inline]
    pub fn wants_stream(&self) -> bool {
        self.backlog.is_some()
    }

    /// Creates the backlog if there is none (Redis's `createReplicationBacklog`).
    pub fn ensure_backlog(&mut self, size: usize) {
        if self.backlog.is_none() {
            self.backlog = Some(Backlog::new(size, self.master_repl_offset));
            // A new backlog starts a new history for SELECT too.
            self.selected_db = None;
        }
    }

    /// Drops the backlog (`repl-backlog-ttl` passed without replicas).
    pub fn free_backlog(&mut self) {
        self.backlog = None;
    }

    /// Appends stream bytes to the backlog and advances the offset.
    pub fn feed_raw(&mut self, bytes: &[u8]) {
        if let Some(b) = self.backlog.as_mut() {
            b.append(bytes);
            self.master_repl_offset = b.end();
        }
    }

    /// Encodes propagated operations into the stream (a master's `replicationFeedSlaves`):
    /// SELECT when the database changes, then each command. Nothing without a backlog.
    pub fn feed_ops(&mut self, ops: &[Op]) {
        if self.backlog.is_none() || ops.is_empty() {
            return;
        }
        let mut buf = Vec::new();
        for op in ops {
            if self.selected_db != Some(op.db) {
                let db = op.db.to_string();
                stream::encode_command(&mut buf, &[&b"SELECT"[..], db.as_bytes()]);
                self.selected_db = Some(op.db);
            }
            stream::encode_command(&mut buf, &op.argv);
        }
        self.feed_raw(&buf);
    }

    /// Decides a PSYNC (Redis's `masterTryPartialResynchronization`): continue when the
    /// id is ours (or our previous one up to where it was valid) and the backlog holds
    /// `from`; counts the outcome.
    pub fn psync(&mut self, replid: &[u8], from: i64) -> Psync {
        let ours = replid == self.replid.as_bytes();
        let previous = replid == self.replid2.as_bytes() && from <= self.second_replid_offset;
        if replid == b"?" {
            return Psync::Full;
        }
        if !(ours || previous) {
            self.sync_partial_err += 1;
            return Psync::Full;
        }
        match &self.backlog {
            Some(b) if from >= 0 && b.covers(from as u64) => {
                self.sync_partial_ok += 1;
                Psync::Continue { from: from as u64 }
            }
            _ => {
                self.sync_partial_err += 1;
                Psync::Full
            }
        }
    }

    /// A new replication id, keeping the current one as the previous (Redis's
    /// `shiftReplicationId`, at promotion).
    pub fn shift_replid(&mut self, new_id: String) {
        self.replid2 = std::mem::replace(&mut self.replid, new_id);
        self.second_replid_offset = self.master_repl_offset as i64 + 1;
    }

    /// Forgets the previous id (Redis's `clearReplicationId2`).
    pub fn clear_replid2(&mut self) {
        self.replid2 = NO_REPLID.to_string();
        self.second_replid_offset = -1;
    }

    /// Registers `handle` as a replica in `state`, with the REPLCONF options it gave.
    pub fn attach(&mut self, handle: ClientHandle, peer_ip: String, state: ReplicaState, now_ms: u64) {
        let conf = self.confs.remove(&handle).unwrap_or_default();
        self.replicas.retain(|r| r.handle != handle);
        self.replicas.push(Replica { handle, peer_ip, conf, state, ack_off: 0, ack_time_ms: now_ms, acks: 0 });
        self.no_replicas_since_ms = 0;
    }

    /// The replica on `handle`.
    pub fn replica_mut(&mut self, handle: ClientHandle) -> Option<&mut Replica> {
        self.replicas.iter_mut().find(|r| r.handle == handle)
    }

    /// Forgets a connection that went away (a replica, or one that sent REPLCONF).
    pub fn detach(&mut self, handle: ClientHandle, now_ms: u64) {
        self.confs.remove(&handle);
        let before = self.replicas.len();
        self.replicas.retain(|r| r.handle != handle);
        if before > 0 && self.replicas.is_empty() {
            self.no_replicas_since_ms = now_ms;
        }
        self.waiters.retain(|w| w.handle != handle);
        self.woff.remove(&handle);
    }

    /// Records `REPLCONF ACK offset` from a replica.
    pub fn ack(&mut self, handle: ClientHandle, offset: u64, now_ms: u64) {
        if let Some(r) = self.replica_mut(handle) {
            if offset > r.ack_off {
                r.ack_off = offset;
            }
            r.ack_time_ms = now_ms;
            r.acks += 1;
        }
    }

    /// Online replicas that acknowledged at least `offset` (Redis's
    /// `replicationCountAcksByOffset`).
    pub fn acked(&self, offset: u64) -> usize {
        self.replicas.iter().filter(|r| r.state == ReplicaState::Online && r.ack_off >= offset).count()
    }

    /// Online replicas whose last ACK is at most `max_lag_s` seconds old (Redis's
    /// `refreshGoodSlavesCount`).
    pub fn good_replicas(&self, now_ms: u64, max_lag_s: i64) -> usize {
        self.replicas
            .iter()
            .filter(|r| {
                r.state == ReplicaState::Online && (now_ms.saturating_sub(r.ack_time_ms) / 1000) as i64 <= max_lag_s
            })
            .count()
    }

    /// WAIT clients whose offset enough replicas acknowledged, with the count to reply,
    /// removed from the waiting list.
    pub fn take_satisfied(&mut self) -> Vec<(ClientHandle, usize)> {
        let mut done = Vec::new();
        let mut i = 0;
        while i < self.waiters.len() {
            let w = self.waiters[i];
            let n = self.acked(w.offset);
            if n >= w.numreplicas {
                done.push((w.handle, n));
                self.waiters.remove(i);
            } else {
                i += 1;
            }
        }
        done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(n: u32) -> ClientHandle {
        ClientHandle(n)
    }

    #[test]
    fn stream_selects_databases_and_counts_offsets() {
        let mut r = Replication::new("a".repeat(40));
        r.feed_ops(&[Op::new(0, vec![b"SET".to_vec(), b"k".to_vec(), b"v".to_vec()])]);
        assert_eq!(r.master_repl_offset, 0, "no backlog, no stream");
        r.ensure_backlog(1 << 20);
        r.feed_ops(&[
            Op::new(0, vec![b"SET".to_vec(), b"k".to_vec(), b"v".to_vec()]),
            Op::new(0, vec![b"DEL".to_vec(), b"k".to_vec()]),
            Op::new(3, vec![b"DEL".to_vec(), b"k".to_vec()]),
        ]);
        let mut all = Vec::new();
        assert!(r.backlog.as_ref().unwrap().copy_from(1, &mut all));
        assert_eq!(
            String::from_utf8(all).unwrap(),
            "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n\
             *2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n"
        );
        assert_eq!(r.master_repl_offset, r.backlog.as_ref().unwrap().end());
    }

    #[test]
    fn psync_decisions() {
        let mut r = Replication::new("a".repeat(40));
        assert_eq!(r.psync(b"?", -1), Psync::Full);
        r.ensure_backlog(1 << 20);
        r.feed_raw(b"0123456789");
        let id = "a".repeat(40);
        assert_eq!(r.psync(id.as_bytes(), 1), Psync::Continue { from: 1 });
        assert_eq!(r.psync(id.as_bytes(), 11), Psync::Continue { from: 11 });
        assert_eq!(r.psync(id.as_bytes(), 12), Psync::Full);
        assert_eq!(r.psync(b"bbbb", 5), Psync::Full);
        assert_eq!((r.sync_partial_ok, r.sync_partial_err), (2, 2));
        // After a promotion the old id continues up to where it was valid.
        r.shift_replid("c".repeat(40));
        r.feed_raw(b"abc");
        assert_eq!(r.psync(id.as_bytes(), 11), Psync::Continue { from: 11 });
        assert_eq!(r.psync(id.as_bytes(), 12), Psync::Full);
        assert_eq!(r.psync("c".repeat(40).as_bytes(), 12), Psync::Continue { from: 12 });
    }

    #[test]
    fn acks_and_waiters() {
        let mut r = Replication::new("a".repeat(40));
        r.attach(h(1), "127.0.0.1".into(), ReplicaState::Online, 0);
        r.attach(h(2), "127.0.0.1".into(), ReplicaState::WaitBgsave, 0);
        r.waiters.push(WaitingClient { handle: h(9), offset: 100, numreplicas: 1 });
        assert!(r.take_satisfied().is_empty());
        r.ack(h(2), 500, 10);
        assert!(r.take_satisfied().is_empty(), "not online");
        r.ack(h(1), 100, 10);
        assert_eq!(r.take_satisfied(), vec![(h(9), 1)]);
        assert_eq!(r.acked(50), 1);
        assert_eq!(r.good_replicas(10_000, 10), 1);
        assert_eq!(r.good_replicas(12_000, 1), 0);
        r.detach(h(1), 5);
        r.detach(h(2), 6);
        assert_eq!(r.no_replicas_since_ms, 6);
    }
}
