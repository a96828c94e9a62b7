//! `CLIENT PAUSE`'s state (Redis 7.0's `pauseClients` for the client-command purpose):
//! the pause type (`WRITE` or `ALL`), when it ends, and the clients postponed while it
//! lasts, in the order they arrived. While a pause is on, expiry and eviction are paused.

use crate::handle::ClientHandle;

/// What is paused (ordered: a larger value is more restrictive).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum PauseType {
    /// Nothing.
    #[default]
    Off,
    /// Commands that may replicate (writes, PUBLISH, PFCOUNT, writing scripts...).
    Write,
    /// Every command.
    All,
}

/// The pause and its postponed clients.
#[derive(Clone, Debug, Default)]
pub struct Pause {
    kind: PauseType,
    end_ms: u64,
    postponed: Vec<(ClientHandle, u64, Vec<Vec<u8>>)>,
    /// FAILOVER's write pause (Redis's `PAUSE_DURING_FAILOVER` purpose), on until lifted.
    failover: bool,
    /// Set when the pause became less restrictive: the postponed clients must be run
    /// again (Redis's `unblockPostponedClients`), after the current command.
    pub release_pending: bool,
}

impl Pause {
    /// The current pause type.
    #[inline]
    pub fn kind(&self) -> PauseType {
        if self.failover {
            self.kind.max(PauseType::Write)
        } else {
            self.kind
        }
    }

    /// FAILOVER's pause of writes (with no end) on or off; lifting it releases the
    /// postponed clients.
    pub fn set_failover(&mut self, on: bool) {
        if self.failover && !on {
            self.release_pending = true;
        }
        self.failover = on;
    }

    /// Whether any pause is on (expiry and eviction wait).
    #[inline]
    pub fn is_paused(&self) -> bool {
        self.kind() != PauseType::Off
    }

    /// When the pause ends (ms), if one is on.
    pub fn end_ms(&self) -> Option<u64> {
        (self.kind != PauseType::Off).then_some(self.end_ms)
    }

    /// Redis's `pauseClients`: keeps the more restrictive type and the later end.
    pub fn pause(&mut self, kind: PauseType, end_ms: u64, now_ms: u64) {
        if self.kind != PauseType::Off {
            self.kind = self.kind.max(kind);
            self.end_ms = self.end_ms.max(end_ms);
        } else {
            self.kind = kind;
            self.end_ms = end_ms;
        }
        self.update(now_ms);
    }

    /// Redis's `unpauseClients`.
    pub fn unpause(&mut self) {
        if self.kind != PauseType::Off {
            self.kind = PauseType::Off;
            self.end_ms = 0;
            self.release_pending = true;
        }
    }

    /// Redis's `checkClientPauseTimeoutAndReturnIfPaused`: ends an expired pause;
    /// returns whether a pause is still on.
    pub fn check_timeout(&mut self, now_ms: u64) -> bool {
        if self.kind != PauseType::Off && self.end_ms < now_ms {
            self.update(now_ms);
        }
        self.is_paused()
    }

    fn update(&mut self, now_ms: u64) {
        if self.kind != PauseType::Off && self.end_ms < now_ms {
            self.kind = PauseType::Off;
            self.end_ms = 0;
            self.release_pending = true;
        }
    }

    /// Whether a command is postponed now: `may_replicate` says whether it may write
    /// or replicate (Redis's `is_may_replicate_command`).
    #[inline]
    pub fn postpones(&self, may_replicate: bool) -> bool {
        match self.kind() {
            PauseType::Off => false,
            PauseType::Write => may_replicate,
            PauseType::All => true,
        }
    }

    /// Queues a postponed client (its handle and id, as handles are reused) with the
    /// command to run again.
    pub fn postpone(&mut self, h: ClientHandle, id: u64, argv: Vec<Vec<u8>>) {
        self.postponed.push((h, id, argv));
    }

    /// Takes the postponed clients, first postponed first, when a release is pending.
    pub fn take_released(&mut self) -> Vec<(ClientHandle, u64, Vec<Vec<u8>>)> {
        if !std::mem::take(&mut self.release_pending) {
            return Vec::new();
        }
        std::mem::take(&mut self.postponed)
    }

    /// Whether `h` waits for the pause to end.
    pub fn is_postponed(&self, h: ClientHandle) -> bool {
        self.postponed.iter().any(|(x, _, _)| *x == h)
    }

    /// Number of postponed clients.
    pub fn postponed_len(&self) -> usize {
        self.postponed.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_combine_and_end_like_redis() {
        let mut p = Pause::default();
        assert!(!p.postpones(true));
        p.pause(PauseType::Write, 1000, 10);
        assert!(p.postpones(true) && !p.postpones(false));
        p.pause(PauseType::All, 500, 10);
        assert_eq!((p.kind(), p.end_ms()), (PauseType::All, Some(1000)));
        assert!(p.check_timeout(1000));
        assert!(!p.check_timeout(1001));
        assert!(p.release_pending);
        // A pause that already ended (timeout 0) is off at once.
        let mut p = Pause::default();
        p.pause(PauseType::All, 0, 10);
        assert!(!p.is_paused());
    }

    #[test]
    fn postponed_clients_are_released_in_order() {
        let mut p = Pause::default();
        p.pause(PauseType::All, 1000, 0);
        p.postpone(ClientHandle(3), 30, vec![b"a".to_vec()]);
        p.postpone(ClientHandle(1), 10, vec![]);
        assert!(p.take_released().is_empty());
        p.unpause();
        assert_eq!(p.take_released(), [(ClientHandle(3), 30, vec![b"a".to_vec()]), (ClientHandle(1), 10, vec![])]);
        assert_eq!(p.postponed_len(), 0);
    }
}
