//! `Engine`: the whole server state as a pure state machine.
//!
//! A host creates one engine, registers connections (`connect`), sets the time before
//! running commands (`set_time_us`), runs commands (`execute`) and calls `tick` about ten
//! times a second for active expiry. Nothing here does I/O or reads a clock.

use crate::blocking::Blocking;
use crate::client::{Client, ClientHandle, ClientTable, ConnInfo};
use crate::cmd;
use crate::cmd::blocking;
use crate::config::Config;
use crate::db::evict::{self, EvictionPool};
use crate::db::expire::CycleLimits;
use crate::db::{access, Db, ExpireCycle};
use crate::pubsub::PubSub;
use crate::reply::Reply;
use crate::rng::Rng;
use crate::stats::{CmdStats, Stats};
use crate::watch::Watches;

mod caching;
pub use caching::{limit_table, remember_keys, remember_script_keys};
mod effects;
pub mod rdb;
#[cfg(test)]
mod replica_tests;

/// Largest bulk buffer [`Engine::recycle`] keeps (bigger ones are freed, not hoarded).
const SPARE_BULK_MAX: usize = 4096;

/// Something the host must do after a command (the core cannot do I/O itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostAction {
    /// Close this client's connection once its pending replies are written.
    Close(ClientHandle),
    /// Stop the server (SHUTDOWN) after its final save (see
    /// [`crate::persist::ShutdownFlags::wants_save`]); the reply is not sent unless
    /// the save fails without FORCE.
    Shutdown(crate::persist::ShutdownFlags),
    /// Persistence work only the host can do (SAVE, BGSAVE, ...): the reply the command
    /// gave stands unless the job fails (see [`crate::persist::job_reply`]).
    Persist(crate::persist::Job),
    /// Block the whole server for this many microseconds (DEBUG SLEEP).
    Sleep(u64),
    /// Replication work: links, transfers, acknowledgements (see [`crate::repl`]).
    Repl(crate::repl::ReplJob),
}

/// Facts about the host process that INFO reports and only the host knows.
#[derive(Clone, Debug, Default)]
pub struct HostInfo {
    /// OS process id (0 when there is none, e.g. wasm).
    pub process_id: u32,
    /// TCP port the server listens on (0 when none).
    pub tcp_port: u16,
    /// Path of the running executable.
    pub executable: String,
    /// Config file given at start ("" when none).
    pub config_file: String,
    /// `uname`-like OS description.
    pub os: String,
    /// Event-loop API name (`epoll`, `wasm`, ...).
    pub multiplexing_api: String,
    /// Bytes currently allocated, from the host's counting allocator (INFO's
    /// `allocator_allocated`; `used_memory` is always the engine's own accounting, so
    /// eviction behaves the same in every host). `None` when the host cannot tell.
    pub allocated_bytes: Option<fn() -> usize>,
    /// Resident set size in bytes, refreshed by the host (0 when unknown).
    pub rss_bytes: u64,
    /// The host's monotonic clock in microseconds: command durations (SLOWLOG, LATENCY,
    /// `INFO commandstats`/`latencystats`) are measured with it. `None`: all durations 0.
    pub monotonic_us: Option<fn() -> u64>,
    /// Checks and takes in a changed `tls-*` configuration (CONFIG SET); `Err` is the
    /// reason CONFIG SET gives. `None`: the host has no TLS.
    pub tls_apply: Option<fn(&crate::config::Config) -> Result<(), String>>,
    /// Largest output buffer among clients, refreshed by the host
    /// (`client_recent_max_output_buffer`).
    pub max_output_buffer: u64,
    /// Largest query buffer among clients, refreshed by the host
    /// (`client_recent_max_input_buffer`).
    pub max_input_buffer: u64,
}

/// Options a host chooses when creating an engine.
#[derive(Clone, Debug, Default)]
pub struct EngineOptions {
    /// Seed of the RNG (random picks, hash keys). Hosts pass OS randomness; tests a constant.
    pub seed: u64,
    /// Initial time in microseconds since the Unix epoch.
    pub now_us: u64,
    /// Configuration to start with.
    pub config: Config,
    /// Facts about the host for INFO.
    pub host: HostInfo,
}

/// Consecutive commands sharing clock readings: while a host runs a batch of commands in one
/// call ([`Engine::chain_clock`]), the reading that ends one command's measurement also
/// starts the next one's, so the clock is read once per command instead of twice. That
/// matters where a reading is costly (wasm: `performance.now()` through a JavaScript
/// import); a command's duration then also covers encoding its predecessor's reply.
#[derive(Debug, Default)]
pub struct ClockChain {
    /// Whether the host chains readings now.
    pub(crate) on: bool,
    /// The last reading, when it may start the next measurement.
    pub(crate) last: std::cell::Cell<Option<u64>>,
}

/// Everything but the client table: what command handlers work on.
pub struct EngineState {
    /// The databases (16 by default).
    pub dbs: Vec<Db>,
    /// Configuration parameters.
    pub config: Config,
    /// Injected randomness.
    pub rng: Rng,
    /// Current time in microseconds, set by the host.
    pub now_us: u64,
    /// When the engine started (us), for `uptime_in_seconds`.
    pub start_us: u64,
    /// Counters for INFO.
    pub stats: Stats,
    /// Actions for the host, drained with `Engine::take_actions`.
    pub actions: Vec<HostAction>,
    /// Whether `tick` runs active expiry (DEBUG SET-ACTIVE-EXPIRE).
    pub active_expire_enabled: bool,
    /// Active-expiry state kept between ticks.
    pub expire_cycle: ExpireCycle,
    /// Next `CLIENT ID`.
    pub next_client_id: u64,
    /// Snapshot and AOF bookkeeping (LASTSAVE, INFO persistence, `-MISCONF`).
    pub persist: crate::persist::Persistence,
    /// Facts about the host process.
    pub host: HostInfo,
    /// Per-command counters (`INFO commandstats`), by full command name.
    pub cmd_calls: CmdStats,
    /// Whether C's `errno` would be `ERANGE`: Redis's SORT tests `errno` after `strtod`
    /// without clearing it, so a range error left by an earlier command (a score bound
    /// like `1e400`, a ZADD score like `5e-324`) makes it fail. Parsers that Redis runs
    /// with `errno` cleared first (`string2d`, `string2ld`) set it; plain `strtod` calls
    /// (score ranges, SORT) only ever set it.
    pub errno_erange: bool,
    /// Clients blocked on keys (see [`crate::blocking`]).
    pub blocking: Blocking,
    /// Watched keys (WATCH, see [`crate::watch`]).
    pub watches: Watches,
    /// Pub/sub subscriptions and the push outbox (see [`crate::pubsub`]).
    pub pubsub: PubSub,
    /// Eviction candidates kept between evictions (see [`crate::db::evict`]).
    pub evict_pool: EvictionPool,
    /// Whether to evict right after the current command (CONFIG SET maxmemory).
    pub evict_pending: bool,
    /// Flags every keyspace raises when it has key events or maintenance pending.
    pub pending: std::rc::Rc<crate::db::keyspace::Pending>,
    /// A small buffer for the next bulk reply of GET or HGET: the host hands a reply's
    /// buffer back with [`Engine::recycle`] once it has encoded it, so hot reads do not
    /// allocate (empty, and nothing changes, for hosts that do not).
    pub spare_bulk: Vec<u8>,
    /// Clock readings shared between consecutive commands (see [`ClockChain`]).
    pub clock_chain: ClockChain,
    /// Client-side caching state (see [`crate::tracking`]).
    pub tracking: crate::tracking::Tracking,
    /// Key effects recorded and not yet drained: the event seam (see [`crate::events`]
    /// and `engine/effects.rs`).
    pub events: crate::events::EventLog,
    /// The propagation hook's queue (see [`crate::propagate`]).
    pub propagation: crate::propagate::Propagation,
    /// Scripts and functions (see [`crate::cmd::scripting`]).
    pub scripting: crate::cmd::scripting::Scripting,
    /// The host's MIGRATE connections (`None` in hosts without sockets; see
    /// [`crate::cmd::keyspace::migrate`]).
    pub migrate_link: Option<Box<dyn crate::cmd::keyspace::migrate::MigrateLink>>,
    /// SLOWLOG, LATENCY, latency histograms and MONITOR (see [`crate::introspection`]).
    pub introspection: crate::introspection::Introspection,
    /// `CLIENT PAUSE` (see [`crate::pause`]).
    pub pause: crate::pause::Pause,
    /// Replication: id, offset, backlog, replicas, WAIT, the master link (see
    /// [`crate::repl`]).
    pub repl: crate::repl::Replication,
    /// Users, permissions and the ACL log (see [`crate::acl`]).
    pub acl: crate::acl::Acl,
}

/// Bytes the engine counts before any key exists: its fixed structures (Redis reports
/// its own start-up usage as `used_memory_startup`).
pub const ENGINE_BASE_BYTES: usize = std::mem::size_of::<Engine>() + 16 * 1024;

/// A writable replica: remembers the keys a client's write command left with a TTL.
#[cold]
fn remember_own_keys(st: &mut EngineState, db: usize, argv: &[&[u8]]) {
    let Ok(spec) = cmd::lookup_argv(argv) else {
        return;
    };
    let Some(pos) = cmd::server::key_positions(spec, argv) else {
        return;
    };
    let now = st.now_ms();
    for i in pos {
        let key = argv[i];
        let d = &mut st.dbs[db];
        if d.keys.find(key).is_some_and(|slot| d.keys.expire_at(slot).is_some_and(|at| at > now)) {
            st.repl.own_keys.insert((db, key.to_vec()));
        }
    }
}

/// A writable replica's cron: expires the keys its own clients wrote with a TTL.
fn expire_own_keys(st: &mut EngineState) {
    let now = st.now_ms();
    let keys: Vec<(usize, Vec<u8>)> = st.repl.own_keys.iter().cloned().collect();
    for (db, key) in keys {
        match st.dbs.get_mut(db).and_then(|d| d.expire_own_key(&key, now)) {
            Some((_, true)) => {}
            _ => {
                st.repl.own_keys.remove(&(db, key));
            }
        }
    }
    st.drain_key_events();
}

impl EngineState {
    /// Hands the operations propagated since the last call to the replication stream
    /// (a master's `replicationFeedSlaves`). A replica proxies its master's bytes
    /// instead, so its own operations (for its AOF) are only marked.
    pub fn feed_replication(&mut self) {
        let ops = self.propagation.take_unfed();
        if self.repl.master.is_none() {
            self.repl.feed_ops(ops);
        }
    }

    /// Current time in milliseconds.
    #[inline]
    pub fn now_ms(&self) -> u64 {
        self.now_us / 1000
    }

    /// Redis's 24-bit LRU clock (seconds resolution) for the current time.
    #[inline]
    pub fn lru_clock(&self) -> u32 {
        ((self.now_ms() / 1000) & 0xFF_FFFF) as u32
    }

    /// The `Entry::access` bits for a value created now: the LRU clock, or a fresh LFU
    /// counter under an LFU `maxmemory-policy` (Redis's `createObject`).
    #[inline]
    pub fn new_access(&self) -> u32 {
        access::fresh(self.config.maxmemory_policy, self.now_ms())
    }

    /// Bytes in use (Redis's `used_memory`), from the engine's running accounting: the
    /// fixed base, each database's structures and every key and value as sized after
    /// its last write, and the script cache (Redis counts its bodies; the Lua
    /// interpreters' own memory is reported apart, as `used_memory_lua`). O(databases);
    /// the same in every host, so eviction is too.
    pub fn used_memory(&self) -> usize {
        ENGINE_BASE_BYTES
            + self.dbs.iter().map(|d| d.overhead_bytes() + d.keys.value_bytes()).sum::<usize>()
            + self.scripting.scripts_memory()
    }

    /// Bytes of keys and values only (`used_memory_dataset`).
    pub fn dataset_bytes(&self) -> usize {
        self.dbs.iter().map(|d| d.keys.value_bytes()).sum()
    }

    /// The host allocator's count of allocated bytes, when the host has one.
    pub fn allocator_bytes(&self) -> Option<usize> {
        self.host.allocated_bytes.map(|f| f())
    }

    /// Bytes to free to get under `maxmemory` (0 when within it or there is no limit).
    pub fn bytes_over_limit(&self) -> usize {
        match self.config.maxmemory as usize {
            0 => 0,
            max => self.used_memory().saturating_sub(max),
        }
    }

    /// Redis's `performEvictions`: deletes keys by `maxmemory-policy` until memory is
    /// within `maxmemory`, each evicted key signalled through the event seam. Returns
    /// `Fail` when still over the limit (noeviction, or nothing left to evict): denyoom
    /// commands are then refused. Keyspaces are compacted again afterwards: this runs
    /// before a command, which may rely on dense slots (KEYS, SCAN, RANDOMKEY).
    pub fn perform_evictions(&mut self) -> evict::EvictResult {
        if self.config.maxmemory == 0 || self.bytes_over_limit() == 0 {
            return evict::EvictResult::Ok;
        }
        // Redis's performEvictions: nothing is evicted while clients are paused.
        if self.pause.is_paused() && cmd::server::pause::check_timeout(self) {
            return evict::EvictResult::Ok;
        }
        let t0 = cmd::observe::clock_us(self);
        let settings = evict::Settings {
            policy: self.config.maxmemory_policy,
            samples: self.config.maxmemory_samples,
            lfu_decay_time: self.config.lfu_decay_time,
            now_ms: self.now_ms(),
        };
        let mut result = evict::EvictResult::Ok;
        let mut evicted = false;
        while self.bytes_over_limit() > 0 {
            let mut evictor =
                evict::Evictor { dbs: &mut self.dbs, pool: &mut self.evict_pool, rng: &mut self.rng, settings };
            let Some((db, key)) = evictor.evict_one() else {
                result = evict::EvictResult::Fail;
                break;
            };
            self.stats.evicted_keys += 1;
            self.on_key_evicted(db, &key);
            evicted = true;
        }
        if evicted {
            self.compact_keyspaces();
        }
        let ms = cmd::observe::clock_us(self).saturating_sub(t0) / 1000;
        let now_s = self.now_us / 1_000_000;
        self.introspection.latency.add_if_needed(self.config.latency_monitor_threshold, "eviction-cycle", ms, now_s);
        result
    }

    /// Re-measures written entries and fills holes, in the databases that need it
    /// (slots are stable only within a command).
    #[inline]
    pub fn compact_keyspaces(&mut self) {
        if !self.pending.maintenance.replace(false) {
            return;
        }
        for db in self.dbs.iter_mut() {
            if db.keys.needs_maintenance() {
                db.keys.compact();
            }
        }
    }

    /// Total keys expired (all databases) since the last reset.
    pub fn expired_keys(&self) -> u64 {
        self.dbs.iter().map(|d| d.expired_keys).sum()
    }
}

/// [`Engine::connect`] on the engine's parts (also used while a script is busy).
pub(crate) fn connect_client(
    st: &mut EngineState,
    clients: &mut ClientTable,
    conn: ConnInfo,
) -> Result<ClientHandle, Reply> {
    if clients.len() as u64 >= st.config.maxclients {
        st.stats.rejected_connections += 1;
        return Err(Reply::error("ERR max number of clients reached"));
    }
    let id = st.next_client_id;
    st.next_client_id += 1;
    st.stats.connections_received += 1;
    let auth = !st.acl.auth_required();
    Ok(clients.add(Client::new(id, conn, st.now_ms(), auth)))
}

/// The engine: state plus connected clients.
pub struct Engine {
    /// Data, config, stats.
    pub state: EngineState,
    /// Connected clients.
    pub clients: ClientTable,
}

impl Engine {
    /// A new engine with `opts`.
    pub fn new(opts: EngineOptions) -> Engine {
        let mut rng = Rng::new(opts.seed);
        let pending = std::rc::Rc::new(crate::db::keyspace::Pending::default());
        let dbs: Vec<Db> = (0..opts.config.databases)
            .map(|_| {
                let mut d = Db::new(rng.next_u64());
                d.keys.share_pending(pending.clone());
                d
            })
            .collect();
        let blocking = Blocking::new(dbs.len());
        let watches = Watches::new(dbs.len());
        let mut acl = crate::acl::Acl::new(cmd::acl_perm::catalog());
        acl.pubsub_all = opts.config.acl_pubsub_default == "allchannels";
        acl.set_default_password(opts.config.requirepass.as_deref());
        Engine {
            state: EngineState {
                dbs,
                config: opts.config,
                rng,
                now_us: opts.now_us,
                start_us: opts.now_us,
                stats: Stats::default(),
                actions: Vec::new(),
                active_expire_enabled: true,
                expire_cycle: ExpireCycle::default(),
                next_client_id: 1,
                persist: crate::persist::Persistence::new(opts.now_us / 1_000_000),
                host: opts.host,
                cmd_calls: CmdStats::new(cmd::table::COMMAND_COUNT),
                errno_erange: false,
                blocking,
                watches,
                pubsub: PubSub::default(),
                evict_pool: EvictionPool::default(),
                evict_pending: false,
                pending,
                spare_bulk: Vec::new(),
                clock_chain: ClockChain::default(),
                tracking: Default::default(),
                events: Default::default(),
                propagation: Default::default(),
                scripting: Default::default(),
                migrate_link: None,
                introspection: Default::default(),
                pause: Default::default(),
                repl: crate::repl::Replication::new(crate::repl::random_replid(&mut Rng::new(
                    opts.seed ^ 0x5EED_0F5E_A11D,
                ))),
                acl,
            },
            clients: ClientTable::default(),
        }
    }

    /// Sets the current time (microseconds since the Unix epoch). Blocked clients whose
    /// timeout passed get their timeout replies (see [`Engine::take_wakeups`]).
    #[inline]
    pub fn set_time_us(&mut self, now_us: u64) {
        self.state.now_us = now_us;
        if self.state.blocking.has_overdue(self.state.now_ms()) {
            blocking::expire_overdue(&mut self.state, &mut self.clients);
        }
        if self.state.pause.is_paused() && !cmd::server::pause::check_timeout(&mut self.state) {
            cmd::server::pause::release_postponed(self);
        }
    }

    /// Registers a connection. `Err` carries the error reply to send before closing it
    /// (`ERR max number of clients reached`).
    pub fn connect(&mut self, conn: ConnInfo) -> Result<ClientHandle, Reply> {
        connect_client(&mut self.state, &mut self.clients, conn)
    }

    /// Forgets a connection (cancelling its wait if it is blocked).
    pub fn disconnect(&mut self, h: ClientHandle) {
        if let Some(c) = self.clients.get_mut(h) {
            blocking::cancel(&mut self.state, c);
            cmd::transactions::discard_transaction(&mut self.state, c);
            self.state.pubsub.forget(c.handle, &mut c.pubsub);
            self.state.tracking.disable(c.id, &mut c.tracking);
            self.state.introspection.monitors.remove(h);
        }
        let now = self.state.now_ms();
        self.state.repl.detach(h, now);
        self.clients.remove(h);
    }

    /// Whether client `h` is blocked (its commands must wait; see [`crate::blocking`]).
    pub fn is_blocked(&self, h: ClientHandle) -> bool {
        self.clients.get(h).is_some_and(|c| c.is_blocked())
    }

    /// Whether blocked clients have replies waiting for [`Engine::take_wakeups`].
    #[inline]
    pub fn has_wakeups(&self) -> bool {
        self.state.blocking.has_wakeups()
    }

    /// Takes the replies of clients whose wait ended (served, timed out, unblocked), in
    /// order. The host sends each (nothing for `Reply::NoReply`) and resumes the client.
    pub fn take_wakeups(&mut self) -> Vec<(ClientHandle, Reply)> {
        self.state.blocking.take_wakeups()
    }

    /// Whether pushes (pub/sub messages, keyspace events) wait for [`Engine::take_pushes`].
    #[inline]
    pub fn has_pushes(&self) -> bool {
        self.state.pubsub.has_pushes()
    }

    /// Takes the queued pushes in order: the host writes each to its client's connection
    /// (a client's own pushes before the reply of the command that caused them). See
    /// [`crate::pubsub`].
    pub fn take_pushes(&mut self) -> Vec<(ClientHandle, Reply)> {
        self.state.pubsub.take_pushes()
    }

    /// Takes the pushes to write after the reply `execute` just returned (client-side
    /// caching invalidations of the caller's own changes, as Redis sends them after the
    /// reply). Hosts take these first, then [`Engine::take_pushes`]; a host that does not
    /// gets them from `take_pushes`, after the others.
    #[inline]
    pub fn take_late_pushes(&mut self) -> Vec<(ClientHandle, Reply)> {
        self.state.pubsub.take_late_pushes()
    }

    /// Whether pushes wait for [`Engine::take_late_pushes`].
    #[inline]
    pub fn has_late_pushes(&self) -> bool {
        self.state.pubsub.has_late_pushes()
    }

    /// When (µs) the earliest blocked client times out: call `set_time_us` or `tick` then.
    pub fn next_block_deadline(&self) -> Option<u64> {
        // The end of a CLIENT PAUSE is a deadline too (just after it: the pause ends
        // once the time is past its end).
        let pause = self.state.pause.end_ms().map(|ms| (ms + 1) * 1000);
        match (self.state.blocking.next_deadline_us(), pause) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The client behind a handle.
    #[inline]
    pub fn client(&self, h: ClientHandle) -> Option<&Client> {
        self.clients.get(h)
    }

    /// The client behind a handle, mutably (a host marking its master link's client).
    pub fn client_mut(&mut self, h: ClientHandle) -> Option<&mut Client> {
        self.clients.get_mut(h)
    }

    /// Runs one command for client `h` and returns its reply (`Reply::NoReply` when the
    /// client turned replies off, `Reply::Blocked` when it now waits: see
    /// [`crate::blocking`]). Then serves blocked clients whose keys became ready. Never
    /// panics on bad input: errors are replies.
    pub fn execute(&mut self, h: ClientHandle, argv: &[&[u8]]) -> Reply {
        let Some(mut client) = self.clients.take(h) else {
            return Reply::error("ERR unknown client");
        };
        if client.is_blocked() {
            self.clients.put_back(h, client);
            return Reply::error("ERR client is blocked");
        }
        self.state.sync_key_event_logs();
        if self.state.tracking.engaged {
            self.state.tracking.current = client.id;
        }
        // A writable replica's client writes: expired keys it touches are deleted
        // (Redis's lookupKeyWrite forcing the deletion).
        let own_write = self.state.repl.master.is_some()
            && !client.loader
            && !self.state.config.replica_read_only
            && cmd::lookup_argv(argv).is_ok_and(|s| s.has(cmd::flags::WRITE));
        if own_write {
            self.state.dbs.iter_mut().for_each(|d| d.keep_expired = false);
        }
        let state = &mut self.state;
        let clients = &mut self.clients;
        let reply = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            cmd::dispatch(state, &mut client, clients, argv)
        })) {
            Ok(r) => r,
            Err(_) => Reply::error("ERR internal error while running the command"),
        };
        if let Reply::Error(text) = &reply {
            // A script's error raised from a `redis.call` error was counted when the
            // call failed (Redis's `ignore_error_stats_update`).
            if !std::mem::take(&mut self.state.scripting.error_counted) {
                self.state.stats.record_error(text);
            }
        }
        // A blocked command's reply mode applies when its reply comes.
        let reply = if matches!(reply, Reply::Blocked) || client.reply_mode == crate::client::ReplyMode::On {
            reply
        } else {
            client.apply_reply_mode(reply)
        };
        if client.tracking.is_some() {
            caching::after_command(&mut client);
        }
        if own_write {
            self.state.dbs.iter_mut().for_each(|d| d.keep_expired = true);
            remember_own_keys(&mut self.state, client.db, argv);
        }
        self.clients.put_back(h, client);
        // The command's key events were drained by `cmd::call`, and serving blocked
        // clients drains its own.
        self.state.propagation.end_unit();
        blocking::serve_ready(&mut self.state, &mut self.clients);
        if self.state.blocking.has_overdue(self.state.now_ms()) {
            blocking::expire_overdue(&mut self.state, &mut self.clients);
        }
        self.compact_keyspaces();
        if self.state.repl.wants_stream() {
            let before = self.state.repl.master_repl_offset;
            self.state.feed_replication();
            if self.state.repl.master_repl_offset != before {
                // What WAIT waits for (Redis's `c->woff`).
                self.state.repl.woff.insert(h, self.state.repl.master_repl_offset);
            }
        }
        if self.state.evict_pending {
            // Redis's eviction time proc, started by CONFIG SET maxmemory.
            self.state.evict_pending = false;
            self.state.perform_evictions();
            self.state.drain_key_events();
            self.compact_keyspaces();
        }
        if self.state.tracking.engaged {
            if self.state.tracking.has_work() {
                caching::deliver(&mut self.state, &mut self.clients, Some(h));
            }
            self.state.tracking.current = 0;
        }
        if self.state.pause.release_pending {
            cmd::server::pause::release_postponed(self);
        }
        reply
    }

    /// Fills the holes commands left in the keyspaces (slots are stable only within a command).
    #[inline]
    fn compact_keyspaces(&mut self) {
        self.state.compact_keyspaces();
    }

    /// Turns clock chaining on for the commands a host runs next in one call (a batch), or
    /// off once the call ends (see [`ClockChain`]). Either way the chain restarts.
    pub fn chain_clock(&mut self, on: bool) {
        self.state.clock_chain.on = on;
        self.state.clock_chain.last.set(None);
    }

    /// Gives back a reply the host has finished with: a small bulk buffer is kept for the
    /// next GET/HGET reply (see [`EngineState::spare_bulk`]). Optional.
    #[inline]
    pub fn recycle(&mut self, reply: Reply) {
        match reply {
            Reply::Bulk(v) => {
                if v.capacity() <= SPARE_BULK_MAX && v.capacity() > self.state.spare_bulk.capacity() {
                    self.state.spare_bulk = v;
                }
            }
            // Nothing owned to free (the usual replies): skip the general drop glue.
            r @ (Reply::Int(_)
            | Reply::Nil
            | Reply::NilArray
            | Reply::NoReply
            | Reply::Blocked
            | Reply::Bool(_)
            | Reply::Simple(std::borrow::Cow::Borrowed(_))) => std::mem::forget(r),
            other => drop(other),
        }
    }

    /// Turns the propagation hook on or off: when on, every command that changes data
    /// queues its effect for [`Engine::take_propagated`] (see [`crate::propagate`]).
    pub fn set_propagation(&mut self, on: bool) {
        // The replication stream keeps it on while a backlog exists.
        let on = on || self.state.repl.wants_stream();
        self.state.propagation.set_enabled(on);
        self.state.events.wrote = false;
    }

    /// Takes the operations a replica or an append-only file must apply to reach this
    /// engine's data, in order, each with its database (see [`crate::propagate`]).
    pub fn take_propagated(&mut self) -> Vec<crate::propagate::Op> {
        if self.state.repl.wants_stream() {
            self.state.feed_replication();
        }
        self.state.propagation.take()
    }

    /// Whether there are actions for the host.
    #[inline]
    pub fn has_actions(&self) -> bool {
        !self.state.actions.is_empty()
    }

    /// Takes the pending host actions.
    pub fn take_actions(&mut self) -> Vec<HostAction> {
        std::mem::take(&mut self.state.actions)
    }

    /// Periodic work at time `now_us`: one active-expiry cycle with bounded effort
    /// (Redis's slow `activeExpireCycle`, see `db::expire`).
    pub fn tick(&mut self, now_us: u64) {
        self.set_time_us(now_us);
        if self.state.tracking.engaged {
            // Redis's `serverCron` keeps the table within `tracking-table-max-keys` even
            // when idle (after a CONFIG SET lowering it), with no current client.
            self.state.tracking.current = 0;
            caching::limit_table(&mut self.state);
            if self.state.tracking.has_work() {
                caching::deliver(&mut self.state, &mut self.clients, None);
            }
        }
        // Redis's replicationCron starts with updateFailoverStatus.
        if self.state.repl.failover.active() {
            if cmd::server::failover::update(&mut self.state) {
                cmd::server::replication::unblock_all(&mut self.state, &mut self.clients);
            }
            if self.state.pause.release_pending {
                cmd::server::pause::release_postponed(self);
            }
        }
        // Redis's activeExpireCycle does nothing while clients are paused.
        if !self.state.active_expire_enabled
            || (self.state.pause.is_paused() && cmd::server::pause::check_timeout(&mut self.state))
        {
            return;
        }
        if self.state.repl.is_replica() {
            // Replicas leave expiry to their master, but for keys their own clients
            // wrote (a writable replica).
            if !self.state.repl.own_keys.is_empty() {
                expire_own_keys(&mut self.state);
            }
            return;
        }
        let t0 = cmd::observe::clock_us(&self.state);
        let st = &mut self.state;
        let limits = CycleLimits::new(st.config.active_expire_effort, st.config.hz);
        let now_ms = st.now_ms();
        let r = st.expire_cycle.run(&mut st.dbs, now_ms, limits);
        // The cycle's deletions propagate one by one (Redis's propagate_no_multi).
        st.propagation.set_in_cycle(true);
        st.drain_key_events();
        st.propagation.set_in_cycle(false);
        // Expired keys are deleted keys: XREADGROUP waits on them end (Redis's
        // signalDeletedKeyAsReady from the expire cycle).
        if self.state.blocking.blocked_clients() > 0 {
            blocking::serve_ready(&mut self.state, &mut self.clients);
            self.state.drain_key_events();
        }
        self.compact_keyspaces();
        if self.state.tracking.engaged && self.state.tracking.has_work() {
            caching::deliver(&mut self.state, &mut self.clients, None);
        }
        let st = &mut self.state;
        let elapsed_ms = cmd::observe::clock_us(st).saturating_sub(t0) / 1000;
        let now_s = st.now_us / 1_000_000;
        st.introspection.latency.add_if_needed(st.config.latency_monitor_threshold, "expire-cycle", elapsed_ms, now_s);
        let perc = if r.sampled == 0 { 0.0 } else { r.expired as f64 / r.sampled as f64 };
        // Redis: a running average, 5% weight to the current cycle.
        st.stats.expired_stale_perc = perc * 0.05 + st.stats.expired_stale_perc * 0.95;
    }
}
