//! Configuration parameters: typed fields plus one table ([`PARAMS`]) that gives each
//! its Redis name, how to read it and how to set it, for `CONFIG GET/SET`, the server's
//! command line and redis.conf files. Names, defaults, ranges and error texts are Redis
//! 7.0's.

use crate::numfmt::parse_i64;
use crate::util::glob::glob_match;

/// `maxmemory-policy` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EvictionPolicy {
    /// Refuse writes when over the limit.
    NoEviction,
    /// Evict any key, least recently used first.
    AllKeysLru,
    /// Evict any key, least frequently used first.
    AllKeysLfu,
    /// Evict random keys.
    AllKeysRandom,
    /// Evict keys with a TTL, least recently used first.
    VolatileLru,
    /// Evict keys with a TTL, least frequently used first.
    VolatileLfu,
    /// Evict random keys with a TTL.
    VolatileRandom,
    /// Evict keys with a TTL, nearest expiry first.
    VolatileTtl,
}

/// Names of the policies in the order Redis lists them in its error message.
const POLICIES: &[(&str, EvictionPolicy)] = &[
    ("volatile-lru", EvictionPolicy::VolatileLru),
    ("volatile-lfu", EvictionPolicy::VolatileLfu),
    ("volatile-random", EvictionPolicy::VolatileRandom),
    ("volatile-ttl", EvictionPolicy::VolatileTtl),
    ("allkeys-lru", EvictionPolicy::AllKeysLru),
    ("allkeys-lfu", EvictionPolicy::AllKeysLfu),
    ("allkeys-random", EvictionPolicy::AllKeysRandom),
    ("noeviction", EvictionPolicy::NoEviction),
];

impl EvictionPolicy {
    /// The Redis name.
    pub fn name(self) -> &'static str {
        POLICIES.iter().find(|(_, p)| *p == self).map(|(n, _)| *n).unwrap_or("noeviction")
    }

    /// Whether the policy keeps LRU or LFU data per key (then integers are not shared).
    pub fn uses_lru_or_lfu(self) -> bool {
        !matches!(
            self,
            EvictionPolicy::NoEviction
                | EvictionPolicy::AllKeysRandom
                | EvictionPolicy::VolatileRandom
                | EvictionPolicy::VolatileTtl
        )
    }
}

/// Keyspace-notification class bits (`notify-keyspace-events`), as in Redis's server.h.
pub mod notify {
    /// `K`: `__keyspace@<db>__` channel.
    pub const KEYSPACE: u32 = 1 << 0;
    /// `E`: `__keyevent@<db>__` channel.
    pub const KEYEVENT: u32 = 1 << 1;
    /// `g`: generic commands (DEL, EXPIRE, RENAME, ...).
    pub const GENERIC: u32 = 1 << 2;
    /// `$`: string commands.
    pub const STRING: u32 = 1 << 3;
    /// `l`: list commands.
    pub const LIST: u32 = 1 << 4;
    /// `s`: set commands.
    pub const SET: u32 = 1 << 5;
    /// `h`: hash commands.
    pub const HASH: u32 = 1 << 6;
    /// `z`: sorted-set commands.
    pub const ZSET: u32 = 1 << 7;
    /// `x`: expired events.
    pub const EXPIRED: u32 = 1 << 8;
    /// `e`: evicted events.
    pub const EVICTED: u32 = 1 << 9;
    /// `t`: stream commands.
    pub const STREAM: u32 = 1 << 10;
    /// `m`: key-miss events (not part of `A`).
    pub const KEY_MISS: u32 = 1 << 11;
    /// Module key-loaded events (no letter).
    pub const LOADED: u32 = 1 << 12;
    /// `d`: module events.
    pub const MODULE: u32 = 1 << 13;
    /// `n`: new-key events (not part of `A`).
    pub const NEW: u32 = 1 << 14;
    /// `A`: alias for `g$lshzxetd`.
    pub const ALL: u32 = GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;

    /// Parses a class string (`"KEA"`); `None` on an unknown character.
    pub fn parse(classes: &[u8]) -> Option<u32> {
        let mut flags = 0;
        for &c in classes {
            flags |= match c {
                b'A' => ALL,
                b'g' => GENERIC,
                b'$' => STRING,
                b'l' => LIST,
                b's' => SET,
                b'h' => HASH,
                b'z' => ZSET,
                b'x' => EXPIRED,
                b'e' => EVICTED,
                b'K' => KEYSPACE,
                b'E' => KEYEVENT,
                b't' => STREAM,
                b'm' => KEY_MISS,
                b'd' => MODULE,
                b'n' => NEW,
                _ => return None,
            };
        }
        Some(flags)
    }

    /// The canonical class string Redis prints for `flags`.
    pub fn to_string(flags: u32) -> String {
        let mut s = String::new();
        if flags & ALL == ALL {
            s.push('A');
        } else {
            for (bit, c) in [
                (GENERIC, 'g'),
                (STRING, '$'),
                (LIST, 'l'),
                (SET, 's'),
                (HASH, 'h'),
                (ZSET, 'z'),
                (EXPIRED, 'x'),
                (EVICTED, 'e'),
                (STREAM, 't'),
                (MODULE, 'd'),
                (NEW, 'n'),
            ] {
                if flags & bit != 0 {
                    s.push(c);
                }
            }
        }
        for (bit, c) in [(KEYSPACE, 'K'), (KEYEVENT, 'E'), (KEY_MISS, 'm')] {
            if flags & bit != 0 {
                s.push(c);
            }
        }
        s
    }
}

/// All configuration the engine and its hosts read.
#[derive(Clone, Debug)]
pub struct Config {
    /// Memory limit in bytes (0 = none).
    pub maxmemory: u64,
    /// What to evict when over `maxmemory`.
    pub maxmemory_policy: EvictionPolicy,
    /// Keys sampled per eviction round.
    pub maxmemory_samples: i64,
    /// Eviction effort per command, 0..100.
    pub maxmemory_eviction_tenacity: i64,
    /// Client memory limit in bytes; a negative value is a percentage of `maxmemory`
    /// (Redis's encoding); 0 = none.
    pub maxmemory_clients: i64,
    /// Connection limit.
    pub maxclients: u64,
    /// Largest bulk string accepted.
    pub proto_max_bulk_len: u64,
    /// Largest query buffer of one client.
    pub client_query_buffer_limit: u64,
    /// `client-output-buffer-limit` (see [`crate::netconf`]).
    pub obuf_limits: crate::netconf::ObufLimits,
    /// The `tls-*` parameters (see [`crate::netconf`]).
    pub tls: crate::netconf::TlsConfig,
    /// `DEBUG REPLYBUFFER` settings (not a parameter).
    pub reply_buffer: crate::netconf::ReplyBufferKnobs,
    /// Password for AUTH (None: no auth).
    pub requirepass: Option<Vec<u8>>,
    /// Listening port (server host; set at start only).
    pub port: i64,
    /// Listening addresses (server host; set at start only), space separated.
    pub bind: String,
    /// Listening unix socket path (server host), "" for none.
    pub unixsocket: String,
    /// `aclfile`: where ACL LOAD / ACL SAVE read and write users (empty: none).
    pub aclfile: String,
    /// `acllog-max-len`: entries kept by ACL LOG.
    pub acllog_max_len: i64,
    /// `acl-pubsub-default`: `resetchannels` or `allchannels` for new users.
    pub acl_pubsub_default: String,
    /// Refuse non-loopback clients when no password is set.
    pub protected_mode: bool,
    /// Number of databases (immutable after start).
    pub databases: usize,
    /// Server timer frequency (kept within 1..=500 like Redis).
    pub hz: i64,
    /// Whether the timer frequency adapts to the client count.
    pub dynamic_hz: bool,
    /// Active expiry effort 1..10.
    pub active_expire_effort: i64,
    /// Incremental rehashing of the main tables.
    pub activerehashing: bool,
    /// LFU logarithmic factor.
    pub lfu_log_factor: i64,
    /// LFU decay time in minutes.
    pub lfu_decay_time: i64,
    /// Idle client timeout in seconds (0 = never).
    pub timeout: i64,
    /// TCP keepalive interval in seconds (server host).
    pub tcp_keepalive: i64,
    /// Listen backlog (server host; set at start only).
    pub tcp_backlog: i64,
    /// I/O threads (accepted; set at start only).
    pub io_threads: i64,
    /// `no`, `yes` or `local`: who may run DEBUG (set at start only).
    pub enable_debug_command: String,
    // --- persistence (server host): snapshots and the append-only file ---
    /// Snapshot points, `"<seconds> <changes> ..."` ("" = none).
    pub save: String,
    /// The append-only file is on.
    pub appendonly: bool,
    /// `always`, `everysec` or `no`.
    pub appendfsync: String,
    /// Base name of the AOF files (set at start only).
    pub appendfilename: String,
    /// Folder of the multi-part AOF, inside `dir` (set at start only).
    pub appenddirname: String,
    /// RDB file name.
    pub dbfilename: String,
    /// Working directory (snapshots and the AOF folder live there).
    pub dir: String,
    /// The AOF base is an RDB file.
    pub aof_use_rdb_preamble: bool,
    /// Rewrite the AOF when it grew by this percentage since the last rewrite (0 = never).
    pub auto_aof_rewrite_percentage: i64,
    /// ... and is at least this big.
    pub auto_aof_rewrite_min_size: i64,
    /// Load a truncated AOF's complete commands (else refuse to start).
    pub aof_load_truncated: bool,
    /// Annotate the AOF with timestamps.
    pub aof_timestamp_enabled: bool,
    /// Refuse writes after a failed BGSAVE.
    pub stop_writes_on_bgsave_error: bool,
    /// Delete the RDB used by replication when no persistence is on.
    pub rdb_del_sync_files: bool,
    /// No fsync of the AOF while a child saves.
    pub no_appendfsync_on_rewrite: bool,
    /// fsync the rewritten AOF every 4 MB.
    pub aof_rewrite_incremental_fsync: bool,
    /// fsync the snapshot every 4 MB.
    pub rdb_save_incremental_fsync: bool,
    /// Keep the AOF history files after a rewrite (testing aid).
    pub aof_disable_auto_gc: bool,
    /// Testing aid: microseconds a save spends per key (a slow BGSAVE).
    pub rdb_key_save_delay: i64,
    /// Testing aid: microseconds a load spends per key (accepted).
    pub key_load_delay: i64,
    /// Bytes loaded between event processing while loading (accepted).
    pub loading_process_events_interval_bytes: i64,
    /// Log verbosity: `debug`, `verbose`, `notice`, `warning`.
    pub loglevel: String,
    /// Log file ("" = stdout; set at start only).
    pub logfile: String,
    /// Run in the background (server host; set at start only).
    pub daemonize: bool,
    /// Cluster mode (always off; set at start only).
    pub cluster_enabled: bool,
    /// Keyspace-notification classes, bits of [`notify`].
    pub notify_keyspace_events: u32,
    /// Quicklist node limit: positive = entries, -1..-5 = 4..64 KiB.
    pub list_max_listpack_size: i64,
    /// Uncompressed quicklist nodes at each end (0 = no compression).
    pub list_compress_depth: i64,
    /// Largest hash kept as a listpack (entries).
    pub hash_max_listpack_entries: u64,
    /// Largest hash field or value kept in a listpack (bytes).
    pub hash_max_listpack_value: u64,
    /// Largest set of integers kept as an intset.
    pub set_max_intset_entries: u64,
    /// Largest sorted set kept as a listpack (entries).
    pub zset_max_listpack_entries: u64,
    /// Largest sorted-set member kept in a listpack (bytes).
    pub zset_max_listpack_value: u64,
    /// Largest sparse HyperLogLog (bytes).
    pub hll_sparse_max_bytes: u64,
    /// Largest stream node (bytes).
    pub stream_node_max_bytes: i64,
    /// Most entries in one stream node.
    pub stream_node_max_entries: i64,
    /// Free evicted values in the background (accepted).
    pub lazyfree_lazy_eviction: bool,
    /// Free expired values in the background (accepted).
    pub lazyfree_lazy_expire: bool,
    /// Free values deleted implicitly in the background (accepted).
    pub lazyfree_lazy_server_del: bool,
    /// DEL behaves like UNLINK (accepted).
    pub lazyfree_lazy_user_del: bool,
    /// FLUSHDB/FLUSHALL without a flag behave as ASYNC (accepted).
    pub lazyfree_lazy_user_flush: bool,
    /// Replicas flush asynchronously (accepted).
    pub replica_lazy_flush: bool,
    /// Replicas refuse writes.
    pub replica_read_only: bool,
    // --- replication (see `crate::repl`) ---
    /// Backlog size in bytes.
    pub repl_backlog_size: u64,
    /// Seconds without replicas before the backlog is freed (0 = never).
    pub repl_backlog_ttl: i64,
    /// Send the RDB straight to the replica's socket.
    pub repl_diskless_sync: bool,
    /// Seconds to wait for more replicas before a diskless transfer.
    pub repl_diskless_sync_delay: i64,
    /// Start the diskless transfer at once when this many replicas wait (0 = no limit).
    pub repl_diskless_sync_max_replicas: i64,
    /// `disabled`, `on-empty-db` or `swapdb` (replica side; disk loading is used).
    pub repl_diskless_load: String,
    /// Password to authenticate with the master ("" = none).
    pub masterauth: String,
    /// User to authenticate with the master ("" = default).
    pub masteruser: String,
    /// Writes need this many good replicas (0 = off).
    pub min_replicas_to_write: i64,
    /// A good replica acknowledged within this many seconds.
    pub min_replicas_max_lag: i64,
    /// A replica with its link down still answers (else `-MASTERDOWN`).
    pub replica_serve_stale_data: bool,
    /// Replication timeout in seconds.
    pub repl_timeout: i64,
    /// Seconds between the master's PINGs to its replicas.
    pub repl_ping_replica_period: i64,
    /// Address a replica announces ("" = the connection's).
    pub replica_announce_ip: String,
    /// Port a replica announces (0 = its own).
    pub replica_announce_port: i64,
    /// Replica priority for Sentinel.
    pub replica_priority: i64,
    /// Whether Sentinel lists this replica.
    pub replica_announced: bool,
    /// Disable TCP_NODELAY on replica links.
    pub repl_disable_tcp_nodelay: bool,
    /// Replicas ignore maxmemory.
    pub replica_ignore_maxmemory: bool,
    /// What a replica does when a command from its master fails: `ignore`, `panic`,
    /// `panic-on-replicas` (accepted; errors are logged).
    pub propagation_error_behavior: String,
    /// A replica ignores disk write errors (accepted).
    pub replica_ignore_disk_write_errors: bool,
    /// SLOWLOG threshold in microseconds (-1 = off).
    pub slowlog_log_slower_than: i64,
    /// SLOWLOG length.
    pub slowlog_max_len: u64,
    /// LATENCY monitor threshold in milliseconds (0 = off).
    pub latency_monitor_threshold: i64,
    /// Per-command latency percentiles in INFO (accepted).
    pub latency_tracking: bool,
    /// `latency-tracking-info-percentiles`: the percentiles `INFO latencystats` shows.
    pub latency_tracking_info_percentiles: Vec<f64>,
    /// Script busy threshold in milliseconds.
    pub busy_reply_threshold: i64,
    /// Client-side-caching tracking table size.
    pub tracking_table_max_keys: u64,
    // --- RDB (owned by the rdb module) ---
    /// `rdbcompression`: LZF-compress strings longer than 20 bytes in RDB files and DUMP.
    pub rdbcompression: bool,
    /// `rdbchecksum`: write (and check) the CRC64 at the end of RDB files.
    pub rdbchecksum: bool,
    /// `sanitize-dump-payload`: `no`, `yes` or `clients` (Cinder always validates deeply).
    pub sanitize_dump_payload: String,
    /// `DEBUG SET-SKIP-CHECKSUM-VALIDATION`: RESTORE and RDB loading ignore checksums
    /// (not a configuration parameter).
    pub skip_checksum_validation: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            maxmemory: 0,
            maxmemory_policy: EvictionPolicy::NoEviction,
            maxmemory_samples: 5,
            maxmemory_eviction_tenacity: 10,
            maxmemory_clients: 0,
            maxclients: 10000,
            proto_max_bulk_len: 512 * 1024 * 1024,
            client_query_buffer_limit: 1024 * 1024 * 1024,
            obuf_limits: Default::default(),
            tls: Default::default(),
            reply_buffer: Default::default(),
            requirepass: None,
            port: 6379,
            bind: "127.0.0.1 -::1".into(),
            unixsocket: String::new(),
            aclfile: String::new(),
            acllog_max_len: 128,
            acl_pubsub_default: "resetchannels".to_string(),
            protected_mode: true,
            databases: 16,
            hz: 10,
            dynamic_hz: true,
            active_expire_effort: 1,
            activerehashing: true,
            lfu_log_factor: 10,
            lfu_decay_time: 1,
            timeout: 0,
            tcp_keepalive: 300,
            tcp_backlog: 511,
            io_threads: 1,
            enable_debug_command: "no".into(),
            save: "3600 1 300 100 60 10000".into(),
            appendonly: false,
            appendfsync: "everysec".into(),
            appendfilename: "appendonly.aof".into(),
            appenddirname: "appendonlydir".into(),
            dbfilename: "dump.rdb".into(),
            dir: "./".into(),
            aof_use_rdb_preamble: true,
            auto_aof_rewrite_percentage: 100,
            auto_aof_rewrite_min_size: 64 * 1024 * 1024,
            aof_load_truncated: true,
            aof_timestamp_enabled: false,
            stop_writes_on_bgsave_error: true,
            rdb_del_sync_files: false,
            no_appendfsync_on_rewrite: false,
            aof_rewrite_incremental_fsync: true,
            rdb_save_incremental_fsync: true,
            aof_disable_auto_gc: false,
            rdb_key_save_delay: 0,
            key_load_delay: 0,
            loading_process_events_interval_bytes: 2 * 1024 * 1024,
            loglevel: "notice".into(),
            logfile: String::new(),
            daemonize: false,
            cluster_enabled: false,
            notify_keyspace_events: 0,
            list_max_listpack_size: -2,
            list_compress_depth: 0,
            hash_max_listpack_entries: 512,
            hash_max_listpack_value: 64,
            set_max_intset_entries: 512,
            zset_max_listpack_entries: 128,
            zset_max_listpack_value: 64,
            hll_sparse_max_bytes: 3000,
            stream_node_max_bytes: 4096,
            stream_node_max_entries: 100,
            lazyfree_lazy_eviction: false,
            lazyfree_lazy_expire: false,
            lazyfree_lazy_server_del: false,
            lazyfree_lazy_user_del: false,
            lazyfree_lazy_user_flush: false,
            replica_lazy_flush: false,
            replica_read_only: true,
            repl_backlog_size: 1024 * 1024,
            repl_backlog_ttl: 3600,
            repl_diskless_sync: true,
            repl_diskless_sync_delay: 5,
            repl_diskless_sync_max_replicas: 0,
            repl_diskless_load: "disabled".to_string(),
            masterauth: String::new(),
            masteruser: String::new(),
            min_replicas_to_write: 0,
            min_replicas_max_lag: 10,
            replica_serve_stale_data: true,
            repl_timeout: 60,
            repl_ping_replica_period: 10,
            replica_announce_ip: String::new(),
            replica_announce_port: 0,
            replica_priority: 100,
            replica_announced: true,
            repl_disable_tcp_nodelay: false,
            replica_ignore_maxmemory: true,
            propagation_error_behavior: "ignore".to_string(),
            replica_ignore_disk_write_errors: false,
            slowlog_log_slower_than: 10000,
            slowlog_max_len: 128,
            latency_monitor_threshold: 0,
            latency_tracking: true,
            latency_tracking_info_percentiles: vec![50.0, 99.0, 99.9],
            busy_reply_threshold: 5000,
            tracking_table_max_keys: 1_000_000,
            // --- RDB ---
            rdbcompression: true,
            rdbchecksum: true,
            sanitize_dump_payload: "no".into(),
            skip_checksum_validation: false,
        }
    }
}

/// How a parameter's value is parsed and printed.
pub enum Kind {
    /// Integer. Values travel as i64 bit patterns: an `unsigned` parameter's bounds and
    /// value are really u64. `memory` parameters accept `kb`/`mb`/`gb`... units.
    Num {
        /// Compare and print as unsigned (Redis's size_t/unsigned types).
        unsigned: bool,
        /// Accepts memory units (and then no plain negative numbers).
        memory: bool,
        /// Also accepts `N%` (0..=-min), stored as -N.
        percent: bool,
        /// Lowest value.
        min: i64,
        /// Highest value.
        max: i64,
        /// Reads the value.
        get: fn(&Config) -> i64,
        /// Stores a validated value.
        set: fn(&mut Config, i64),
    },
    /// `yes` / `no`.
    Bool { get: fn(&Config) -> bool, set: fn(&mut Config, bool) },
    /// One of a fixed list (case-insensitive).
    Enum { values: &'static [&'static str], get: fn(&Config) -> &str, set: fn(&mut Config, &'static str) },
    /// Text with its own validation; `Err` is Redis's reason.
    Text { get: fn(&Config) -> String, set: fn(&mut Config, &[u8]) -> Result<(), String> },
}

/// Whether and how CONFIG SET may change a parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mutability {
    /// CONFIG SET changes it.
    Mutable,
    /// Set at start only: `can't set immutable config`.
    Immutable,
    /// Refused while `enable-protected-configs` is `no` (always): `can't set protected config`.
    Protected,
}

/// One configuration parameter.
pub struct Param {
    /// Redis name.
    pub name: &'static str,
    /// Old alias Redis still accepts (listed by CONFIG GET as its own entry).
    pub alias: Option<&'static str>,
    /// Whether CONFIG SET may change it.
    pub mutability: Mutability,
    /// Value handling.
    pub kind: Kind,
}

const INT_MAX: i64 = i32::MAX as i64;
const INT_MIN: i64 = i32::MIN as i64;
const LONG_MAX: i64 = i64::MAX;

/// A mutable signed integer parameter.
macro_rules! int {
    ($name:expr, $min:expr, $max:expr, $field:ident) => {
        int!($name, None, Mutability::Mutable, $min, $max, $field)
    };
    ($name:expr, $alias:expr, $mutability:expr, $min:expr, $max:expr, $field:ident) => {
        Param {
            name: $name,
            alias: $alias,
            mutability: $mutability,
            kind: Kind::Num {
                unsigned: false,
                memory: false,
                percent: false,
                min: $min,
                max: $max,
                get: |c| c.$field as i64,
                set: |c, v| c.$field = v as _,
            },
        }
    };
}

/// A mutable unsigned parameter (`memory`: with units).
macro_rules! uint {
    ($name:expr, $alias:expr, $memory:expr, $min:expr, $max:expr, $field:ident) => {
        Param {
            name: $name,
            alias: $alias,
            mutability: Mutability::Mutable,
            kind: Kind::Num {
                unsigned: true,
                memory: $memory,
                percent: false,
                min: $min,
                max: $max,
                get: |c| c.$field as i64,
                set: |c, v| c.$field = v as _,
            },
        }
    };
}

/// A `yes`/`no` parameter.
macro_rules! boolean {
    ($name:expr, $field:ident) => {
        boolean!($name, None, Mutability::Mutable, $field)
    };
    ($name:expr, $alias:expr, $mutability:expr, $field:ident) => {
        Param {
            name: $name,
            alias: $alias,
            mutability: $mutability,
            kind: Kind::Bool { get: |c| c.$field, set: |c, v| c.$field = v },
        }
    };
}

/// A parameter holding one of fixed names, stored as a `String`.
macro_rules! enumerated {
    ($name:expr, $mutability:expr, $values:expr, $field:ident) => {
        Param {
            name: $name,
            alias: None,
            mutability: $mutability,
            kind: Kind::Enum { values: $values, get: |c| c.$field.as_str(), set: |c, v| c.$field = v.to_string() },
        }
    };
}

/// A free-text parameter stored as a `String`.
macro_rules! text {
    ($name:expr, $mutability:expr, $field:ident) => {
        Param {
            name: $name,
            alias: None,
            mutability: $mutability,
            kind: Kind::Text {
                get: |c| c.$field.clone(),
                set: |c, v| {
                    c.$field = String::from_utf8_lossy(v).into_owned();
                    Ok(())
                },
            },
        }
    };
}

/// Every supported parameter.
pub static PARAMS: &[Param] = &[
    uint!("maxmemory", None, true, 0, -1, maxmemory),
    Param {
        name: "maxmemory-policy",
        alias: None,
        mutability: Mutability::Mutable,
        kind: Kind::Enum {
            values: &[
                "volatile-lru",
                "volatile-lfu",
                "volatile-random",
                "volatile-ttl",
                "allkeys-lru",
                "allkeys-lfu",
                "allkeys-random",
                "noeviction",
            ],
            get: |c| c.maxmemory_policy.name(),
            set: |c, v| {
                if let Some((_, p)) = POLICIES.iter().find(|(n, _)| *n == v) {
                    c.maxmemory_policy = *p;
                }
            },
        },
    },
    int!("maxmemory-samples", 1, INT_MAX, maxmemory_samples),
    int!("maxmemory-eviction-tenacity", 0, 100, maxmemory_eviction_tenacity),
    Param {
        name: "maxmemory-clients",
        alias: None,
        mutability: Mutability::Mutable,
        kind: Kind::Num {
            unsigned: false,
            memory: true,
            percent: true,
            min: -100,
            max: LONG_MAX,
            get: |c| c.maxmemory_clients,
            set: |c, v| c.maxmemory_clients = v,
        },
    },
    uint!("maxclients", None, false, 1, u32::MAX as i64, maxclients),
    Param {
        name: "proto-max-bulk-len",
        alias: None,
        mutability: Mutability::Mutable,
        kind: Kind::Num {
            unsigned: false,
            memory: true,
            percent: false,
            min: 1024 * 1024,
            max: LONG_MAX,
            get: |c| c.proto_max_bulk_len as i64,
            set: |c, v| c.proto_max_bulk_len = v as u64,
        },
    },
    Param {
        name: "client-query-buffer-limit",
        alias: None,
        mutability: Mutability::Mutable,
        kind: Kind::Num {
            unsigned: false,
            memory: true,
            percent: false,
            min: 1024 * 1024,
            max: LONG_MAX,
            get: |c| c.client_query_buffer_limit as i64,
            set: |c, v| c.client_query_buffer_limit = v as u64,
        },
    },
    Param {
        name: "requirepass",
        alias: None,
        mutability: Mutability::Mutable,
        kind: Kind::Text {
            get: |c| c.requirepass.as_ref().map(|p| String::from_utf8_lossy(p).into_owned()).unwrap_or_default(),
            set: |c, v| {
                c.requirepass = if v.is_empty() { None } else { Some(v.to_vec()) };
                Ok(())
            },
        },
    },
    // Redis can re-listen on CONFIG SET port/bind; the hosts here cannot, so these are
    // start-only.
    int!("port", None, Mutability::Mutable, 0, 65535, port),
    text!("bind", Mutability::Mutable, bind),
    text!("unixsocket", Mutability::Immutable, unixsocket),
    text!("aclfile", Mutability::Immutable, aclfile),
    int!("acllog-max-len", 0, LONG_MAX, acllog_max_len),
    enumerated!("acl-pubsub-default", Mutability::Mutable, &["allchannels", "resetchannels"], acl_pubsub_default),
    boolean!("protected-mode", protected_mode),
    int!("databases", None, Mutability::Immutable, 1, INT_MAX, databases),
    Param {
        name: "hz",
        alias: None,
        mutability: Mutability::Mutable,
        kind: Kind::Num {
            unsigned: false,
            memory: false,
            percent: false,
            min: 0,
            max: INT_MAX,
            get: |c| c.hz,
            set: |c, v| c.hz = v.clamp(1, 500),
        },
    },
    boolean!("dynamic-hz", dynamic_hz),
    int!("active-expire-effort", 1, 10, active_expire_effort),
    boolean!("activerehashing", activerehashing),
    int!("lfu-log-factor", 0, INT_MAX, lfu_log_factor),
    int!("lfu-decay-time", 0, INT_MAX, lfu_decay_time),
    uint!("timeout", None, false, 0, INT_MAX, timeout),
    int!("tcp-keepalive", 0, INT_MAX, tcp_keepalive),
    int!("tcp-backlog", None, Mutability::Immutable, 0, INT_MAX, tcp_backlog),
    int!("io-threads", None, Mutability::Immutable, 1, 128, io_threads),
    enumerated!("enable-debug-command", Mutability::Immutable, &["no", "yes", "local"], enable_debug_command),
    Param {
        name: "save",
        alias: None,
        mutability: Mutability::Mutable,
        kind: Kind::Text { get: |c| c.save.clone(), set: set_save },
    },
    // --- persistence ---
    boolean!("appendonly", appendonly),
    enumerated!("appendfsync", Mutability::Mutable, &["everysec", "always", "no"], appendfsync),
    Param {
        name: "appendfilename",
        alias: None,
        mutability: Mutability::Immutable,
        kind: Kind::Text {
            get: |c| c.appendfilename.clone(),
            set: |c, v| set_base_name(&mut c.appendfilename, v, "appendfilename", false, "filename"),
        },
    },
    Param {
        name: "appenddirname",
        alias: None,
        mutability: Mutability::Immutable,
        kind: Kind::Text {
            get: |c| c.appenddirname.clone(),
            set: |c, v| set_base_name(&mut c.appenddirname, v, "appenddirname", false, "dirname"),
        },
    },
    Param {
        name: "dbfilename",
        alias: None,
        mutability: Mutability::Protected,
        kind: Kind::Text {
            get: |c| c.dbfilename.clone(),
            set: |c, v| set_base_name(&mut c.dbfilename, v, "dbfilename", true, "filename"),
        },
    },
    text!("dir", Mutability::Protected, dir),
    boolean!("aof-use-rdb-preamble", aof_use_rdb_preamble),
    int!("auto-aof-rewrite-percentage", 0, INT_MAX, auto_aof_rewrite_percentage),
    Param {
        name: "auto-aof-rewrite-min-size",
        alias: None,
        mutability: Mutability::Mutable,
        kind: Kind::Num {
            unsigned: false,
            memory: true,
            percent: false,
            min: 0,
            max: LONG_MAX,
            get: |c| c.auto_aof_rewrite_min_size,
            set: |c, v| c.auto_aof_rewrite_min_size = v,
        },
    },
    boolean!("aof-load-truncated", aof_load_truncated),
    boolean!("aof-timestamp-enabled", aof_timestamp_enabled),
    boolean!("stop-writes-on-bgsave-error", stop_writes_on_bgsave_error),
    boolean!("rdb-del-sync-files", rdb_del_sync_files),
    boolean!("no-appendfsync-on-rewrite", no_appendfsync_on_rewrite),
    boolean!("aof-rewrite-incremental-fsync", aof_rewrite_incremental_fsync),
    boolean!("rdb-save-incremental-fsync", rdb_save_incremental_fsync),
    boolean!("aof-disable-auto-gc", aof_disable_auto_gc),
    int!("rdb-key-save-delay", INT_MIN, INT_MAX, rdb_key_save_delay),
    int!("key-load-delay", INT_MIN, INT_MAX, key_load_delay),
    int!("loading-process-events-interval-bytes", 1024, INT_MAX, loading_process_events_interval_bytes),
    enumerated!("loglevel", Mutability::Mutable, &["debug", "verbose", "notice", "warning"], loglevel),
    text!("logfile", Mutability::Immutable, logfile),
    boolean!("daemonize", None, Mutability::Immutable, daemonize),
    boolean!("cluster-enabled", None, Mutability::Immutable, cluster_enabled),
    Param {
        name: "notify-keyspace-events",
        alias: None,
        mutability: Mutability::Mutable,
        kind: Kind::Text {
            get: |c| notify::to_string(c.notify_keyspace_events),
            set: |c, v| {
                c.notify_keyspace_events = notify::parse(v)
                    .ok_or_else(|| "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.".to_string())?;
                Ok(())
            },
        },
    },
    int!(
        "list-max-listpack-size",
        Some("list-max-ziplist-size"),
        Mutability::Mutable,
        INT_MIN,
        INT_MAX,
        list_max_listpack_size
    ),
    int!("list-compress-depth", 0, INT_MAX, list_compress_depth),
    uint!("hash-max-listpack-entries", Some("hash-max-ziplist-entries"), false, 0, LONG_MAX, hash_max_listpack_entries),
    uint!("hash-max-listpack-value", Some("hash-max-ziplist-value"), true, 0, LONG_MAX, hash_max_listpack_value),
    uint!("set-max-intset-entries", None, false, 0, LONG_MAX, set_max_intset_entries),
    uint!("zset-max-listpack-entries", Some("zset-max-ziplist-entries"), false, 0, LONG_MAX, zset_max_listpack_entries),
    uint!("zset-max-listpack-value", Some("zset-max-ziplist-value"), true, 0, LONG_MAX, zset_max_listpack_value),
    uint!("hll-sparse-max-bytes", None, true, 0, LONG_MAX, hll_sparse_max_bytes),
    Param {
        name: "stream-node-max-bytes",
        alias: None,
        mutability: Mutability::Mutable,
        kind: Kind::Num {
            unsigned: false,
            memory: true,
            percent: false,
            min: 0,
            max: LONG_MAX,
            get: |c| c.stream_node_max_bytes,
            set: |c, v| c.stream_node_max_bytes = v,
        },
    },
    int!("stream-node-max-entries", 0, LONG_MAX, stream_node_max_entries),
    boolean!("lazyfree-lazy-eviction", lazyfree_lazy_eviction),
    boolean!("lazyfree-lazy-expire", lazyfree_lazy_expire),
    boolean!("lazyfree-lazy-server-del", lazyfree_lazy_server_del),
    boolean!("lazyfree-lazy-user-del", lazyfree_lazy_user_del),
    boolean!("lazyfree-lazy-user-flush", lazyfree_lazy_user_flush),
    boolean!("replica-lazy-flush", Some("slave-lazy-flush"), Mutability::Mutable, replica_lazy_flush),
    boolean!("replica-read-only", Some("slave-read-only"), Mutability::Mutable, replica_read_only),
    uint!("repl-backlog-size", None, true, 1, LONG_MAX, repl_backlog_size),
    int!("repl-backlog-ttl", 0, LONG_MAX, repl_backlog_ttl),
    boolean!("repl-diskless-sync", repl_diskless_sync),
    int!("repl-diskless-sync-delay", 0, INT_MAX, repl_diskless_sync_delay),
    int!("repl-diskless-sync-max-replicas", 0, INT_MAX, repl_diskless_sync_max_replicas),
    enumerated!("repl-diskless-load", Mutability::Mutable, &["disabled", "on-empty-db", "swapdb"], repl_diskless_load),
    text!("masterauth", Mutability::Mutable, masterauth),
    text!("masteruser", Mutability::Mutable, masteruser),
    int!("min-replicas-to-write", Some("min-slaves-to-write"), Mutability::Mutable, 0, INT_MAX, min_replicas_to_write),
    int!("min-replicas-max-lag", Some("min-slaves-max-lag"), Mutability::Mutable, 0, INT_MAX, min_replicas_max_lag),
    boolean!("replica-serve-stale-data", Some("slave-serve-stale-data"), Mutability::Mutable, replica_serve_stale_data),
    int!("repl-timeout", 1, INT_MAX, repl_timeout),
    int!(
        "repl-ping-replica-period",
        Some("repl-ping-slave-period"),
        Mutability::Mutable,
        1,
        INT_MAX,
        repl_ping_replica_period
    ),
    text!("replica-announce-ip", Mutability::Mutable, replica_announce_ip),
    int!("replica-announce-port", Some("slave-announce-port"), Mutability::Mutable, 0, 65535, replica_announce_port),
    int!("replica-priority", Some("slave-priority"), Mutability::Mutable, 0, INT_MAX, replica_priority),
    boolean!("replica-announced", replica_announced),
    boolean!("repl-disable-tcp-nodelay", repl_disable_tcp_nodelay),
    boolean!("replica-ignore-maxmemory", Some("slave-ignore-maxmemory"), Mutability::Mutable, replica_ignore_maxmemory),
    enumerated!(
        "propagation-error-behavior",
        Mutability::Mutable,
        &["ignore", "panic", "panic-on-replicas"],
        propagation_error_behavior
    ),
    boolean!("replica-ignore-disk-write-errors", replica_ignore_disk_write_errors),
    int!("slowlog-log-slower-than", -1, LONG_MAX, slowlog_log_slower_than),
    uint!("slowlog-max-len", None, false, 0, LONG_MAX, slowlog_max_len),
    int!("latency-monitor-threshold", 0, LONG_MAX, latency_monitor_threshold),
    boolean!("latency-tracking", latency_tracking),
    Param {
        name: "replicaof",
        alias: Some("slaveof"),
        mutability: Mutability::Immutable,
        kind: Kind::Text {
            get: |_| String::new(),
            set: |_, v| {
                if v.is_empty() || v.eq_ignore_ascii_case(b"no one") {
                    Ok(())
                } else {
                    Err("use REPLICAOF to change the master".into())
                }
            },
        },
    },
    Param {
        name: "latency-tracking-info-percentiles",
        alias: None,
        mutability: Mutability::Mutable,
        kind: Kind::Text {
            get: |c| {
                c.latency_tracking_info_percentiles.iter().map(|p| fmt_percentile(*p)).collect::<Vec<_>>().join(" ")
            },
            set: set_percentiles,
        },
    },
    int!("busy-reply-threshold", Some("lua-time-limit"), Mutability::Mutable, 0, LONG_MAX, busy_reply_threshold),
    uint!("tracking-table-max-keys", None, false, 0, LONG_MAX, tracking_table_max_keys),
    // --- RDB ---
    boolean!("rdbcompression", rdbcompression),
    boolean!("rdbchecksum", None, Mutability::Immutable, rdbchecksum),
    enumerated!("sanitize-dump-payload", Mutability::Mutable, &["no", "yes", "clients"], sanitize_dump_payload),
];

/// A file or folder name that must not be a path (Redis's `isValidDBfilename`,
/// `isValidAOFfilename`, `isValidAOFdirname`): `what` names it in the error, `can_be_empty`
/// (dbfilename only), `kind` is "filename" or "dirname".
fn set_base_name(field: &mut String, v: &[u8], what: &str, can_be_empty: bool, kind: &str) -> Result<(), String> {
    if v.is_empty() && !can_be_empty {
        return Err(format!("{} can't be empty", what));
    }
    if v.contains(&b'/') || v.contains(&b'\\') {
        return Err(format!("{} can't be a path, just a {}", what, kind));
    }
    *field = String::from_utf8_lossy(v).into_owned();
    Ok(())
}

/// `save`: pairs of `<seconds ≥ 1> <changes ≥ 0>` separated by single spaces, or "".
/// Redis 7.0's `HIDDEN_CONFIG` parameters: CONFIG GET gives them only by exact name.
pub const HIDDEN: &[&str] = &[
    "use-exit-on-panic",
    "rdb-key-save-delay",
    "key-load-delay",
    "watchdog-period",
    "loading-process-events-interval-bytes",
];

/// A percentile as Redis prints it: `%f` without trailing zeros (`50`, `99.9`).
pub fn fmt_percentile(p: f64) -> String {
    let s = format!("{:.6}", p);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Redis's `setConfigLatencyTrackingInfoPercentilesOutputOption`: numbers split on single
/// spaces, each within 0..=100.
fn set_percentiles(c: &mut Config, v: &[u8]) -> Result<(), String> {
    let mut out = Vec::new();
    if !v.is_empty() {
        for part in v.split(|&b| b == b' ') {
            let p = crate::numfmt::parse_f64(part)
                .filter(|p| !p.is_nan())
                .ok_or("Invalid latency-tracking-info-percentiles parameters")?;
            if !(0.0..=100.0).contains(&p) {
                return Err("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]".into());
            }
            out.push(p);
        }
    }
    c.latency_tracking_info_percentiles = out;
    Ok(())
}

fn set_save(c: &mut Config, v: &[u8]) -> Result<(), String> {
    const INVALID: &str = "Invalid save parameters";
    let mut points: Vec<i64> = Vec::new();
    if !v.is_empty() {
        for (i, part) in v.split(|&b| b == b' ').enumerate() {
            let n = strtoll_full(part).ok_or(INVALID)?;
            if (i % 2 == 0 && n < 1) || (i % 2 == 1 && n < 0) {
                return Err(INVALID.into());
            }
            points.push(n);
        }
    }
    if points.len() % 2 == 1 {
        return Err(INVALID.into());
    }
    c.save = points.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(" ");
    Ok(())
}

/// C `strtoll(s, &end, 10)` that must consume all of `s`: optional leading whitespace and
/// sign, digits (none means 0), saturating on overflow.
fn strtoll_full(s: &[u8]) -> Option<i64> {
    let (neg, i) = crate::util::strtod::c_number_prefix(s);
    let digits = &s[i..];
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if digits.is_empty() {
        // No conversion: strtoll leaves the end pointer at the start of the string.
        return if s.is_empty() { Some(0) } else { None };
    }
    let mut n: i64 = 0;
    for &d in digits {
        let d = (d - b'0') as i64;
        n = match n.checked_mul(10).and_then(|n| if neg { n.checked_sub(d) } else { n.checked_add(d) }) {
            Some(n) => n,
            None => return Some(if neg { i64::MIN } else { i64::MAX }),
        };
    }
    Some(n)
}

/// Finds a parameter by name or alias (case-insensitive).
pub fn find_param(name: &[u8]) -> Option<&'static Param> {
    find_entry(name).map(|(_, p)| p)
}

/// Finds a parameter by name or alias (case-insensitive) and returns the entry's own
/// name (the alias when the alias matched), as Redis lists aliases as separate entries.
pub fn find_entry(name: &[u8]) -> Option<(&'static str, &'static Param)> {
    entries().find(|(n, _)| name.eq_ignore_ascii_case(n.as_bytes()))
}

/// Every entry CONFIG GET can list: each parameter's name, then its alias if any.
pub fn entries() -> impl Iterator<Item = (&'static str, &'static Param)> {
    PARAMS
        .iter()
        .chain(crate::netconf::PARAMS)
        .flat_map(|p| std::iter::once((p.name, p)).chain(p.alias.map(|a| (a, p))))
}

/// Parses a Redis memory value like Redis's `memtoull`: digits then an optional unit
/// (`b`, `k`, `kb`, `m`, `mb`, `g`, `gb`, any case). No digits reads as 0, too many
/// digits saturate, and the unit multiplication wraps, all as in Redis.
pub fn parse_memory(v: &[u8]) -> Option<u64> {
    if v.first() == Some(&b'-') {
        return None;
    }
    let ndigits = v.iter().take_while(|b| b.is_ascii_digit()).count();
    let unit = &v[ndigits..];
    let units: &[(&str, u64)] = &[
        ("", 1),
        ("b", 1),
        ("k", 1000),
        ("kb", 1024),
        ("m", 1_000_000),
        ("mb", 1 << 20),
        ("g", 1_000_000_000),
        ("gb", 1 << 30),
    ];
    let mul = units.iter().find(|(u, _)| unit.eq_ignore_ascii_case(u.as_bytes()))?.1;
    if ndigits >= 128 {
        return None;
    }
    let n = v[..ndigits]
        .iter()
        .try_fold(0u64, |n, d| n.checked_mul(10)?.checked_add((d - b'0') as u64))
        .unwrap_or(u64::MAX);
    Some(n.wrapping_mul(mul))
}

impl Config {
    /// The current value of `p` as CONFIG GET prints it.
    pub fn get(&self, p: &Param) -> String {
        match &p.kind {
            Kind::Num { unsigned: true, get, .. } => (get(self) as u64).to_string(),
            Kind::Num { percent: true, get, .. } if get(self) < 0 => format!("{}%", -(get(self) as i128)),
            Kind::Num { get, .. } => get(self).to_string(),
            Kind::Bool { get, .. } => if get(self) { "yes" } else { "no" }.into(),
            Kind::Enum { get, .. } => get(self).to_string(),
            Kind::Text { get, .. } => get(self),
        }
    }

    /// Sets `p` from text; `Err` is Redis's reason text (after "... - "). Mutability is
    /// not checked here (start-up settings may set anything).
    pub fn set(&mut self, p: &Param, v: &[u8]) -> Result<(), String> {
        match &p.kind {
            Kind::Num { unsigned, memory, percent, min, max, set, .. } => {
                let as_percent = || {
                    let digits = v.strip_suffix(b"%").filter(|d| !d.is_empty())?;
                    parse_i64(digits).filter(|n| *n >= 0).map(|n| -n)
                };
                let n = match (*memory, *percent) {
                    (true, _) => {
                        parse_memory(v).map(|m| m as i64).or_else(|| if *percent { as_percent() } else { None })
                    }
                    (false, true) => as_percent(),
                    (false, false) => parse_i64(v),
                };
                let n = n.ok_or(match (*memory, *percent) {
                    (true, true) => "argument must be a memory or percent value",
                    (true, false) => "argument must be a memory value",
                    _ => "argument couldn't be parsed into an integer",
                })?;
                if *percent && n < 0 {
                    if n < *min {
                        return Err(format!("percentage argument must be less or equal to {}", -(*min as i128)));
                    }
                } else if *unsigned {
                    let (n, lo, hi) = (n as u64, *min as u64, *max as u64);
                    if n < lo || n > hi {
                        return Err(format!("argument must be between {} and {} inclusive", lo, hi));
                    }
                } else if n < *min || n > *max {
                    return Err(format!("argument must be between {} and {} inclusive", min, max));
                }
                set(self, n);
            }
            Kind::Bool { set, .. } => {
                if v.eq_ignore_ascii_case(b"yes") {
                    set(self, true)
                } else if v.eq_ignore_ascii_case(b"no") {
                    set(self, false)
                } else {
                    return Err("argument must be 'yes' or 'no'".into());
                }
            }
            Kind::Enum { values, set, .. } => match values.iter().find(|n| v.eq_ignore_ascii_case(n.as_bytes())) {
                Some(name) => set(self, name),
                None => return Err(format!("argument(s) must be one of the following: {}", values.join(", "))),
            },
            Kind::Text { set, .. } => set(self, v)?,
        }
        Ok(())
    }

    /// Entries (name or alias, parameter) whose name matches the glob `pattern`.
    pub fn matching(pattern: &[u8]) -> impl Iterator<Item = (&'static str, &'static Param)> + '_ {
        entries().filter(move |(n, _)| !HIDDEN.contains(n) && glob_match(pattern, n.as_bytes(), true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(c: &mut Config, name: &str, v: &str) -> Result<(), String> {
        c.set(find_param(name.as_bytes()).unwrap(), v.as_bytes())
    }

    fn get(c: &Config, name: &str) -> String {
        c.get(find_param(name.as_bytes()).unwrap())
    }

    #[test]
    fn memory_values_parse_like_memtoull() {
        assert_eq!(parse_memory(b"1gb"), Some(1 << 30));
        assert_eq!(parse_memory(b"1Kb"), Some(1024));
        assert_eq!(parse_memory(b"5k"), Some(5000));
        assert_eq!(parse_memory(b""), Some(0));
        assert_eq!(parse_memory(b"kb"), Some(0));
        assert_eq!(parse_memory(b"-1"), None);
        assert_eq!(parse_memory(b"1.5gb"), None);
        assert_eq!(parse_memory(b"1bb"), None);
        assert_eq!(parse_memory(b"+5"), None);
        assert_eq!(parse_memory(b"99999999999999999999999"), Some(u64::MAX));
        // Redis multiplies without an overflow check.
        assert_eq!(parse_memory(b"99999999999999999999999kb"), Some(18446744073709550592));
        assert_eq!(parse_memory(b"18014398509481984kb"), Some(0));
    }

    #[test]
    fn numeric_errors_match_redis() {
        let mut c = Config::default();
        assert_eq!(set(&mut c, "hz", "x").unwrap_err(), "argument couldn't be parsed into an integer");
        assert_eq!(set(&mut c, "hz", "-1").unwrap_err(), "argument must be between 0 and 2147483647 inclusive");
        assert_eq!(set(&mut c, "maxmemory", "-1").unwrap_err(), "argument must be a memory value");
        assert_eq!(
            set(&mut c, "proto-max-bulk-len", "9999999999999999999").unwrap_err(),
            "argument must be between 1048576 and 9223372036854775807 inclusive"
        );
        assert_eq!(
            set(&mut c, "hash-max-listpack-entries", "-99999999999").unwrap_err(),
            "argument must be between 0 and 9223372036854775807 inclusive"
        );
        assert_eq!(set(&mut c, "maxclients", "0").unwrap_err(), "argument must be between 1 and 4294967295 inclusive");
        assert_eq!(set(&mut c, "maxclients", "1kb").unwrap_err(), "argument couldn't be parsed into an integer");
        set(&mut c, "hash-max-ziplist-value", "1kb").unwrap();
        assert_eq!(get(&c, "hash-max-listpack-value"), "1024");
        set(&mut c, "maxmemory", "99999999999999999999999").unwrap();
        assert_eq!(get(&c, "maxmemory"), "18446744073709551615");
    }

    #[test]
    fn percent_values_like_maxmemory_clients() {
        let mut c = Config::default();
        let pct = "argument must be a memory or percent value";
        for (v, shown) in
            [("10%", "10%"), ("100%", "100%"), ("1kb", "1024"), ("99999999999999999999", "1%"), ("0", "0")]
        {
            set(&mut c, "maxmemory-clients", v).unwrap();
            assert_eq!(get(&c, "maxmemory-clients"), shown);
        }
        for bad in ["x", "-1", "-5%", "%"] {
            assert_eq!(set(&mut c, "maxmemory-clients", bad).unwrap_err(), pct, "{}", bad);
        }
        for bad in ["101%", "200%"] {
            assert_eq!(
                set(&mut c, "maxmemory-clients", bad).unwrap_err(),
                "percentage argument must be less or equal to 100"
            );
        }
    }

    #[test]
    fn hz_is_clamped_on_set() {
        let mut c = Config::default();
        set(&mut c, "hz", "1000").unwrap();
        assert_eq!(get(&c, "hz"), "500");
        set(&mut c, "hz", "0").unwrap();
        assert_eq!(get(&c, "hz"), "1");
    }

    #[test]
    fn enums_bools_and_save() {
        let mut c = Config::default();
        assert_eq!(
            set(&mut c, "appendfsync", "x").unwrap_err(),
            "argument(s) must be one of the following: everysec, always, no"
        );
        set(&mut c, "maxmemory-policy", "ALLKEYS-LRU").unwrap();
        assert_eq!(get(&c, "maxmemory-policy"), "allkeys-lru");
        assert_eq!(set(&mut c, "protected-mode", "maybe").unwrap_err(), "argument must be 'yes' or 'no'");
        for bad in ["1 2 3", "x", "1 x", "  1   2  ", "0 1"] {
            assert_eq!(set(&mut c, "save", bad).unwrap_err(), "Invalid save parameters", "{:?}", bad);
        }
        set(&mut c, "save", "10 20 +5 0").unwrap();
        assert_eq!(get(&c, "save"), "10 20 5 0");
        set(&mut c, "save", "").unwrap();
        assert_eq!(get(&c, "save"), "");
    }

    #[test]
    fn keyspace_event_classes_round_trip_like_redis() {
        let mut c = Config::default();
        for (input, shown) in [("KEA", "AKE"), ("$lgK", "g$lK"), ("AKEmnt", "AKEm"), ("Ex", "xE"), ("", "")] {
            set(&mut c, "notify-keyspace-events", input).unwrap();
            assert_eq!(get(&c, "notify-keyspace-events"), shown);
        }
        assert_eq!(
            set(&mut c, "notify-keyspace-events", "Q").unwrap_err(),
            "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."
        );
    }

    #[test]
    fn aliases_are_separate_entries() {
        assert_eq!(find_entry(b"HASH-MAX-ZIPLIST-ENTRIES").map(|e| e.0), Some("hash-max-ziplist-entries"));
        let names: Vec<_> = Config::matching(b"*-max-*-entries").map(|(n, _)| n).collect();
        assert_eq!(
            names,
            [
                "hash-max-listpack-entries",
                "hash-max-ziplist-entries",
                "set-max-intset-entries",
                "zset-max-listpack-entries",
                "zset-max-ziplist-entries",
            ]
        );
    }
}
