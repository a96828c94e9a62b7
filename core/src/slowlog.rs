//! The slow log (Redis's `slowlog.c`): the most recent commands that ran longer than
//! `slowlog-log-slower-than` microseconds, newest first, at most `slowlog-max-len` of
//! them. Arguments are kept as Redis keeps them: at most 32 (the last one then says how
//! many more there were) and at most 128 bytes each (with how many more bytes there were).

use std::collections::VecDeque;

/// Redis's `SLOWLOG_ENTRY_MAX_ARGC`.
pub const MAX_ARGC: usize = 32;
/// Redis's `SLOWLOG_ENTRY_MAX_STRING`.
pub const MAX_STRING: usize = 128;

/// One logged command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Unique, increasing id (not reset by `SLOWLOG RESET`).
    pub id: u64,
    /// Unix time in seconds when it was logged.
    pub time: u64,
    /// How long the command ran, in microseconds.
    pub duration_us: u64,
    /// The arguments, truncated as Redis truncates them.
    pub argv: Vec<Vec<u8>>,
    /// The client's `ip:port` (or the socket path).
    pub peer: String,
    /// The client's name (empty when none).
    pub name: Vec<u8>,
}

/// The slow log itself.
#[derive(Clone, Debug, Default)]
pub struct SlowLog {
    entries: VecDeque<Entry>,
    next_id: u64,
}

/// Redis's `slowlogCreateEntry` argument truncation.
pub fn truncate_argv(argv: &[&[u8]]) -> Vec<Vec<u8>> {
    let argc = argv.len();
    let kept = argc.min(MAX_ARGC);
    (0..kept)
        .map(|j| {
            if kept != argc && j == kept - 1 {
                format!("... ({} more arguments)", argc - kept + 1).into_bytes()
            } else if argv[j].len() > MAX_STRING {
                let mut s = argv[j][..MAX_STRING].to_vec();
                s.extend_from_slice(format!("... ({} more bytes)", argv[j].len() - MAX_STRING).as_bytes());
                s
            } else {
                argv[j].to_vec()
            }
        })
        .collect()
}

impl SlowLog {
    /// Redis's `slowlogPushEntryIfNeeded`: logs the command when the log is on
    /// (`slower_than >= 0`) and it ran at least `slower_than` us, then trims the log to
    /// `max_len` (0 keeps nothing). Returns whether it is in the log.
    #[allow(clippy::too_many_arguments)]
    pub fn push_if_needed(
        &mut self,
        slower_than: i64,
        max_len: u64,
        argv: &[&[u8]],
        duration_us: u64,
        time: u64,
        peer: &str,
        name: &[u8],
    ) -> bool {
        if slower_than < 0 {
            return false;
        }
        let logged = duration_us as i64 >= slower_than;
        if logged {
            let id = self.next_id;
            self.next_id += 1;
            self.entries.push_front(Entry {
                id,
                time,
                duration_us,
                argv: truncate_argv(argv),
                peer: peer.to_string(),
                name: name.to_vec(),
            });
        }
        self.trim(max_len);
        logged && max_len > 0
    }

    /// Drops the oldest entries beyond `max_len`.
    pub fn trim(&mut self, max_len: u64) {
        while self.entries.len() as u64 > max_len {
            self.entries.pop_back();
        }
    }

    /// Entries, newest first.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter()
    }

    /// Number of entries (`SLOWLOG LEN`).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the log is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Empties the log (`SLOWLOG RESET`); ids keep increasing.
    pub fn reset(&mut self) {
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_only_slow_commands_and_trims() {
        let mut log = SlowLog::default();
        assert!(!log.push_if_needed(100, 2, &[b"ping"], 99, 1, "a:1", b""));
        assert!(log.push_if_needed(100, 2, &[b"ping"], 100, 1, "a:1", b"n"));
        assert!(log.push_if_needed(0, 2, &[b"get", b"k"], 0, 2, "a:1", b""));
        assert!(log.push_if_needed(0, 2, &[b"set"], 5, 3, "a:1", b""));
        assert_eq!(log.entries().map(|e| e.id).collect::<Vec<_>>(), [2, 1]);
        // Disabled: nothing logged, nothing trimmed.
        assert!(!log.push_if_needed(-1, 1, &[b"x"], 1000, 3, "", b""));
        assert_eq!(log.len(), 2);
        // Length 0: the entry is added and trimmed at once, with the others.
        assert!(!log.push_if_needed(0, 0, &[b"x"], 1000, 3, "", b""));
        assert_eq!(log.len(), 0);
        log.push_if_needed(0, 5, &[b"x"], 1000, 3, "", b"");
        log.push_if_needed(0, 5, &[b"y"], 1000, 3, "", b"");
        log.trim(1);
        assert_eq!(log.len(), 1);
        log.reset();
        assert!(log.is_empty());
        // Ids keep counting, also over entries trimmed at once.
        log.push_if_needed(0, 5, &[b"x"], 0, 3, "", b"");
        assert_eq!(log.entries().next().unwrap().id, 6);
    }

    #[test]
    fn arguments_are_truncated_like_redis() {
        let many: Vec<Vec<u8>> = (0..35).map(|i| i.to_string().into_bytes()).collect();
        let refs: Vec<&[u8]> = many.iter().map(|v| v.as_slice()).collect();
        let t = truncate_argv(&refs);
        assert_eq!(t.len(), 32);
        assert_eq!(t[30], b"30");
        assert_eq!(t[31], b"... (4 more arguments)");
        let long = vec![b'A'; 129];
        let t = truncate_argv(&[b"sadd", &long]);
        assert_eq!(t[1], [vec![b'A'; 128], b"... (1 more bytes)".to_vec()].concat());
        let exact: Vec<&[u8]> = vec![b"x"; 32];
        assert_eq!(truncate_argv(&exact).len(), 32);
        assert_eq!(truncate_argv(&exact)[31], b"x");
    }
}
