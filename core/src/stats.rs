//! Server-wide counters reported by `INFO stats` and reset by `CONFIG RESETSTAT`.

/// Counters kept by the engine.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Commands run.
    pub commands_processed: u64,
    /// Connections accepted.
    pub connections_received: u64,
    /// Connections refused (maxclients).
    pub rejected_connections: u64,
    /// Successful key lookups by read commands.
    pub keyspace_hits: u64,
    /// Failed key lookups by read commands.
    pub keyspace_misses: u64,
    /// Keys evicted for maxmemory.
    pub evicted_keys: u64,
    /// Error replies sent.
    pub error_replies: u64,
    /// Keys removed by active expiry or lazy expiry before the last reset (dbs keep their own).
    pub expired_stale_perc: f64,
}
