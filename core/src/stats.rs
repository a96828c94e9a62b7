//! Server-wide counters reported by `INFO` and reset by `CONFIG RESETSTAT`.

use crate::util::vecmap::VecMap;

/// Redis keeps at most this many distinct error codes in `INFO errorstats`.
const MAX_ERROR_CODES: usize = 128;

/// Per-command counters (`INFO commandstats`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CmdStat {
    /// Times the command ran.
    pub calls: u64,
    /// Times it was refused before running (arity, authentication).
    pub rejected: u64,
    /// Times it ran and replied with an error.
    pub failed: u64,
    /// Microseconds spent running it (from the host's clock).
    pub usec: u64,
}

/// Per-command counters for every command of the table, indexed by `CommandSpec::id`
/// (an array, not a map by name: it is updated on every command).
#[derive(Clone, Debug)]
pub struct CmdStats(Box<[CmdStat]>);

/// Something with a dense command number below the table's size (the command table's
/// specs): what [`CmdStats`] is indexed by, without this module knowing the table.
pub trait CommandId {
    /// The command's number.
    fn command_id(&self) -> usize;
}

impl CmdStats {
    /// Zeroed counters for `count` commands.
    pub fn new(count: usize) -> CmdStats {
        CmdStats(vec![CmdStat::default(); count].into_boxed_slice())
    }

    /// The counters of `cmd`.
    #[inline]
    pub fn get(&self, cmd: &impl CommandId) -> &CmdStat {
        &self.0[cmd.command_id()]
    }

    /// The counters of `cmd`, to update.
    #[inline]
    pub fn of(&mut self, cmd: &impl CommandId) -> &mut CmdStat {
        &mut self.0[cmd.command_id()]
    }

    /// Zeroes every counter (`CONFIG RESETSTAT`).
    pub fn clear(&mut self) {
        self.0.fill(CmdStat::default());
    }
}

/// Counters kept by the engine.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Commands run.
    pub commands_processed: u64,
    /// Connections accepted.
    pub connections_received: u64,
    /// Connections refused (maxclients).
    pub rejected_connections: u64,
    /// Clients closed by `maxmemory-clients` (`evicted_clients`).
    pub evicted_clients: u64,
    /// Successful key lookups by read commands.
    pub keyspace_hits: u64,
    /// Failed key lookups by read commands.
    pub keyspace_misses: u64,
    /// Values Redis would have freed in its background thread (INFO `lazyfreed_objects`:
    /// see `types::effort`).
    pub lazyfreed_objects: u64,
    /// Keys evicted for maxmemory.
    pub evicted_keys: u64,
    /// Error replies sent.
    pub error_replies: u64,
    /// RESTORE payloads validated deeply (`sanitize-dump-payload`: INFO
    /// `dump_payload_sanitizations`).
    pub dump_payload_sanitizations: u64,
    /// Running average share (0..1) of sampled keys found expired by active expiry.
    pub expired_stale_perc: f64,
    /// Highest `used_memory` seen (bytes).
    pub used_memory_peak: usize,
    /// Error replies by error code (the first word, e.g. `ERR`, `WRONGTYPE`).
    pub errors_by_code: VecMap<String, u64>,
}

impl Stats {
    /// Counts one error reply with full text `text` (`"ERR ..."`), in total and by code.
    pub fn record_error(&mut self, text: &str) {
        self.error_replies += 1;
        let code = text.split(' ').next().unwrap_or("");
        if let Some(n) = self.errors_by_code.get_mut(code) {
            *n += 1;
        } else if self.errors_by_code.len() < MAX_ERROR_CODES {
            self.errors_by_code.insert(code.to_string(), 1);
        }
    }

    /// Raises the memory peak to `used` if it is higher; returns the peak.
    pub fn observe_memory(&mut self, used: usize) -> usize {
        self.used_memory_peak = self.used_memory_peak.max(used);
        self.used_memory_peak
    }

    /// `CONFIG RESETSTAT`: zeroes every counter; the memory peak restarts at `used_memory`.
    pub fn reset(&mut self, used_memory: usize) {
        *self = Stats { used_memory_peak: used_memory, ..Stats::default() };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_counted_by_code() {
        let mut s = Stats::default();
        s.record_error("ERR syntax error");
        s.record_error("WRONGTYPE Operation against a key");
        s.record_error("ERR other");
        assert_eq!(s.error_replies, 3);
        assert_eq!(s.errors_by_code.get("ERR"), Some(&2));
        assert_eq!(s.errors_by_code.get("WRONGTYPE"), Some(&1));
    }

    #[test]
    fn reset_keeps_current_memory_as_peak() {
        let mut s = Stats { commands_processed: 5, ..Default::default() };
        assert_eq!(s.observe_memory(100), 100);
        assert_eq!(s.observe_memory(50), 100);
        s.reset(70);
        assert_eq!(s.commands_processed, 0);
        assert_eq!(s.used_memory_peak, 70);
    }
}
