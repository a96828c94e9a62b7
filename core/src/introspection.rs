//! What the engine keeps for looking at itself: the slow log, the latency monitor, the
//! per-command latency histograms and the MONITOR clients (one field of `EngineState`).
//!
//! Durations come from the host's monotonic clock (`HostInfo::monotonic_us`): the core
//! reads it around each command's handler (`cmd::observe`), never a clock of its own.

use crate::latency::{Histograms, LatencyMonitor};
use crate::monitor::Monitors;
use crate::slowlog::SlowLog;

/// The engine's introspection state.
#[derive(Clone, Debug, Default)]
pub struct Introspection {
    /// `SLOWLOG`.
    pub slowlog: SlowLog,
    /// `LATENCY` events.
    pub latency: LatencyMonitor,
    /// `latency-tracking` histograms by command number.
    pub histograms: Histograms,
    /// Clients in MONITOR mode.
    pub monitors: Monitors,
    /// Arguments of the running command to show as `(redacted)` in the slow log and to
    /// monitors (Redis's `redactClientCommandArgument`), by index.
    pub redacted: Vec<usize>,
}

impl Introspection {
    /// `argv` with the redacted arguments replaced by `(redacted)`.
    pub fn redact<'a>(&self, argv: &[&'a [u8]]) -> Vec<&'a [u8]> {
        let mut v = argv.to_vec();
        for &i in &self.redacted {
            if let Some(a) = v.get_mut(i) {
                *a = b"(redacted)";
            }
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_replaces_named_arguments() {
        let i = Introspection { redacted: vec![1, 5], ..Default::default() };
        assert_eq!(i.redact(&[b"auth", b"pw"]), [&b"auth"[..], b"(redacted)"]);
    }
}
