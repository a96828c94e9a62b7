//! The active expiry cycle across databases (Redis 7.0 `activeExpireCycle`, slow mode).
//!
//! Redis bounds the cycle by CPU time (25% of a cron period at `active-expire-effort` 1).
//! The core has no clock of its own, so the time limit becomes a deterministic budget
//! of keys sampled per cycle ([`SAMPLES_PER_MS`] per millisecond of Redis's limit).

use super::Db;

/// Keys the cycle may sample per millisecond of Redis's time limit. Sampling a key and
/// removing it costs well under a microsecond here, so this keeps a cycle within the
/// share of the period Redis allows.
pub const SAMPLES_PER_MS: usize = 1000;
/// Databases visited per cycle (Redis `CRON_DBS_PER_CALL`).
const DBS_PER_CALL: usize = 16;

/// The cycle's tuning, derived from `active-expire-effort` and `hz` as in Redis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CycleLimits {
    /// Keys per sampling round (Redis: 20 at effort 1, +5 per effort step).
    pub keys_per_loop: usize,
    /// A database gets another round while more than this percent of a round expired.
    pub acceptable_stale: usize,
    /// Keys the whole cycle may sample (all databases together).
    pub max_samples: usize,
}

impl CycleLimits {
    /// Limits for `active-expire-effort` `effort` (1..=10) and timer frequency `hz`.
    pub fn new(effort: i64, hz: i64) -> CycleLimits {
        let e = (effort.clamp(1, 10) - 1) as usize;
        let hz = hz.max(1) as usize;
        // Redis: ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC (25) + 2 per effort step, of 1/hz s.
        let time_limit_us = ((25 + 2 * e) * 1_000_000 / hz / 100).max(1);
        CycleLimits {
            keys_per_loop: 20 + 20 / 4 * e,
            acceptable_stale: 10 - e,
            max_samples: (time_limit_us * SAMPLES_PER_MS / 1000).max(1),
        }
    }
}

/// What one cycle did over all databases.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CycleStats {
    /// Keys sampled.
    pub sampled: usize,
    /// Keys removed.
    pub expired: usize,
}

/// State kept between cycles.
#[derive(Clone, Debug, Default)]
pub struct ExpireCycle {
    /// The database the next cycle starts with.
    next_db: usize,
    /// Whether the last cycle ran out of budget (the next one then visits every database).
    last_hit_limit: bool,
    /// Cycles stopped by the budget (`INFO stats` `expired_time_cap_reached_count`).
    pub time_cap_reached: u64,
}

impl ExpireCycle {
    /// Runs one cycle over `dbs` at `now_ms`. Like Redis it visits up to 16 databases,
    /// resuming where the previous cycle stopped, and stops everything when the budget
    /// is spent.
    pub fn run(&mut self, dbs: &mut [Db], now_ms: u64, limits: CycleLimits) -> CycleStats {
        let mut total = CycleStats::default();
        if dbs.is_empty() {
            return total;
        }
        let per_call = if self.last_hit_limit { dbs.len() } else { DBS_PER_CALL.min(dbs.len()) };
        self.last_hit_limit = false;
        let n = dbs.len();
        for _ in 0..per_call {
            let db = &mut dbs[self.next_db % n];
            self.next_db = (self.next_db + 1) % n;
            let left = limits.max_samples.saturating_sub(total.sampled);
            let st = db.active_expire(now_ms, limits.keys_per_loop, limits.acceptable_stale, left);
            total.sampled += st.sampled;
            total.expired += st.expired;
            if st.budget_exhausted {
                self.last_hit_limit = true;
                self.time_cap_reached += 1;
                break;
            }
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Value;

    #[test]
    fn limits_follow_redis_effort_scaling() {
        let l = CycleLimits::new(1, 10);
        assert_eq!((l.keys_per_loop, l.acceptable_stale, l.max_samples), (20, 10, 25_000));
        let l = CycleLimits::new(10, 100);
        assert_eq!((l.keys_per_loop, l.acceptable_stale, l.max_samples), (65, 1, 4_300));
    }

    fn fill(db: &mut Db, prefix: &str, n: usize, at: Option<u64>) {
        for i in 0..n {
            let s = db.set(format!("{}{}", prefix, i).as_bytes(), Value::Int(1), false, 0, 0);
            if let Some(at) = at {
                db.keys.set_expire(s, at);
            }
        }
    }

    #[test]
    fn budget_stops_the_cycle_and_next_cycle_resumes_at_next_db() {
        let mut dbs: Vec<Db> = (0..3).map(Db::new).collect();
        for db in dbs.iter_mut() {
            fill(db, "e", 100, Some(10));
        }
        let limits = CycleLimits { keys_per_loop: 20, acceptable_stale: 10, max_samples: 150 };
        let mut cyc = ExpireCycle::default();
        let st = cyc.run(&mut dbs, 50, limits);
        // db 0 is emptied (100), db 1 stops after the round that crossed the budget.
        assert_eq!(st, CycleStats { sampled: 160, expired: 160 });
        assert_eq!(cyc.time_cap_reached, 1);
        assert_eq!((dbs[0].keys.len(), dbs[1].keys.len(), dbs[2].keys.len()), (0, 40, 100));
        // Resumes at db 2, then wraps to db 0 (empty) and db 1.
        let st = cyc.run(&mut dbs, 50, limits);
        assert_eq!(st, CycleStats { sampled: 140, expired: 140 });
        assert_eq!(cyc.time_cap_reached, 1);
        assert_eq!((dbs[0].keys.len(), dbs[1].keys.len(), dbs[2].keys.len()), (0, 0, 0));
    }
}

/// The cycle as the engine runs it on `tick`, with the manual test clock.
#[cfg(test)]
mod engine_tests {
    use crate::testkit::TestEngine;
    use crate::types::Value;

    fn put(t: &mut TestEngine, db: usize, key: &str, ttl_ms: Option<u64>) {
        let st = &mut t.eng.state;
        let now = st.now_ms();
        let slot = st.dbs[db].set(key.as_bytes(), Value::Int(1), false, now, 0);
        if let Some(ttl) = ttl_ms {
            st.dbs[db].keys.set_expire(slot, now + ttl);
        }
    }

    fn len(t: &TestEngine, db: usize) -> usize {
        t.eng.state.dbs[db].keys.len()
    }

    #[test]
    fn keys_vanish_after_ticks_without_being_accessed() {
        let mut t = TestEngine::new();
        for i in 0..100 {
            put(&mut t, 0, &format!("ttl:{}", i), Some(100));
            put(&mut t, 0, &format!("keep:{}", i), None);
            put(&mut t, 5, &format!("ttl:{}", i), Some(100));
        }
        t.advance_ms(99);
        t.tick();
        assert_eq!((len(&t, 0), len(&t, 5)), (200, 100));
        assert_eq!(t.eng.state.expired_keys(), 0);
        t.advance_ms(1);
        t.tick();
        // Every sampled round is 100% stale, so one tick clears both databases.
        assert_eq!((len(&t, 0), len(&t, 5)), (100, 0));
        assert_eq!(t.eng.state.expired_keys(), 200);
        assert_eq!((t.eng.state.stats.keyspace_hits, t.eng.state.stats.keyspace_misses), (0, 0));
        for i in 0..100 {
            let key = format!("keep:{}", i);
            assert!(t.eng.state.dbs[0].keys.find(key.as_bytes()).is_some(), "{}", key);
        }
        // 100% stale this cycle: the running average moved 5% towards 1.
        assert!((t.eng.state.stats.expired_stale_perc - 0.05).abs() < 1e-9);
        t.tick();
        assert_eq!(len(&t, 0), 100);
        assert_eq!(t.eng.state.expired_keys(), 200);
    }

    #[test]
    fn disabled_active_expiry_leaves_keys_to_lazy_expiry() {
        let mut t = TestEngine::new();
        put(&mut t, 0, "a", Some(10));
        t.eng.state.active_expire_enabled = false;
        t.advance_ms(10);
        t.tick();
        assert_eq!(len(&t, 0), 1);
        assert_eq!(t.resp(&["EXISTS", "a"]), ":0\r\n");
        assert_eq!(t.eng.state.expired_keys(), 1);
    }

    #[test]
    fn big_backlog_is_cleared_over_several_bounded_ticks() {
        let mut t = TestEngine::new();
        for i in 0..60_000 {
            put(&mut t, 0, &format!("k{}", i), Some(1));
        }
        put(&mut t, 0, "live", Some(1_000_000));
        t.advance_ms(1);
        // hz 10, effort 1: 25 ms of Redis time = 25,000 samples, rounds of 20.
        t.tick();
        let expired = t.eng.state.expired_keys();
        // The budget counts samples; the one live key may be among them.
        assert!((24_999..=25_000).contains(&expired), "{}", expired);
        assert_eq!(len(&t, 0) as u64, 60_001 - expired);
        assert_eq!(t.eng.state.expire_cycle.time_cap_reached, 1);
        t.tick();
        t.tick();
        assert_eq!(len(&t, 0), 1);
        assert_eq!(t.eng.state.expired_keys(), 60_000);
        assert_eq!(t.eng.state.expire_cycle.time_cap_reached, 2);
        assert_eq!(t.resp(&["PTTL", "live"]), ":999999\r\n");
    }
}
