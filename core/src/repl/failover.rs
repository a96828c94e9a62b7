//! The coordinated failover's state (Redis 7.0's `failover_state` and friends): FAILOVER
//! pauses writes, waits for a replica to acknowledge the whole stream, then turns this
//! master into a replica of it, asking it with `PSYNC ... FAILOVER` to become the master.

/// Where a coordinated failover stands (Redis's `FAILOVER_*`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FailoverState {
    /// None running (`no-failover`).
    #[default]
    None,
    /// Writes paused, waiting for a replica to catch up (`waiting-for-sync`).
    WaitForSync,
    /// Connecting to the target as its replica with `PSYNC ... FAILOVER`
    /// (`failover-in-progress`).
    InProgress,
}

impl FailoverState {
    /// The name INFO's `master_failover_state` prints.
    pub fn name(self) -> &'static str {
        match self {
            FailoverState::None => "no-failover",
            FailoverState::WaitForSync => "waiting-for-sync",
            FailoverState::InProgress => "failover-in-progress",
        }
    }
}

/// A failover's parameters and state.
#[derive(Clone, Debug, Default)]
pub struct Failover {
    /// The state.
    pub state: FailoverState,
    /// The chosen replica (`TO host port`, or the first caught up one).
    pub target: Option<(String, u16)>,
    /// When waiting ends, ms (0: never).
    pub end_ms: u64,
    /// `FORCE`: fail over to the target at the timeout even if it is behind.
    pub force: bool,
}

impl Failover {
    /// Whether a failover is running.
    #[inline]
    pub fn active(&self) -> bool {
        self.state != FailoverState::None
    }

    /// Redis's `clearFailoverState` (the caller lifts the write pause).
    pub fn clear(&mut self) {
        *self = Failover::default();
    }
}
