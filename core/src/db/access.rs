//! The `Entry::access` field, as Redis keeps its `robj.lru` bits (evict.c).
//!
//! Under an LRU (or non-LFU) `maxmemory-policy` it holds the 24-bit LRU clock in seconds
//! of the last access. Under an LFU policy it holds `(minutes << 8) | counter`: a 16-bit
//! "last decrement time" in minutes and an 8-bit logarithmic access counter. The bits are
//! not converted when the policy changes, exactly like Redis ("LRU and LFU data will take
//! some time to adjust").

use crate::config::EvictionPolicy;
use crate::rng::Rng;

/// Largest LRU clock value (24 bits).
pub const LRU_CLOCK_MAX: u32 = (1 << 24) - 1;
/// Counter of a freshly created object under LFU (Redis `LFU_INIT_VAL`).
pub const LFU_INIT_VAL: u32 = 5;

/// Whether `policy` tracks access frequency (LFU) rather than recency.
#[inline]
pub fn is_lfu(policy: EvictionPolicy) -> bool {
    matches!(policy, EvictionPolicy::AllKeysLfu | EvictionPolicy::VolatileLfu)
}

/// Redis's `LRU_CLOCK()` at `now_ms`: seconds, wrapping at 24 bits.
#[inline]
pub fn lru_clock(now_ms: u64) -> u32 {
    ((now_ms / 1000) & LRU_CLOCK_MAX as u64) as u32
}

/// Redis's `estimateObjectIdleTime`: milliseconds since the LRU clock `access`.
pub fn idle_ms(access: u32, now_ms: u64) -> u64 {
    let clock = lru_clock(now_ms) as u64;
    let access = (access & LRU_CLOCK_MAX) as u64;
    let secs = if clock >= access { clock - access } else { clock + (LRU_CLOCK_MAX as u64 - access) };
    secs * 1000
}

/// Redis's `LFUGetTimeInMinutes`: Unix minutes, wrapping at 16 bits.
#[inline]
fn lfu_minutes(now_ms: u64) -> u32 {
    ((now_ms / 60_000) & 0xFFFF) as u32
}

/// The access bits of a new object under an LFU policy.
#[inline]
pub fn lfu_new(now_ms: u64) -> u32 {
    (lfu_minutes(now_ms) << 8) | LFU_INIT_VAL
}

/// Redis's `LFUDecrAndReturn`: the counter after one decrement per `decay_minutes`
/// elapsed since the stored time (no decay when `decay_minutes` is 0).
pub fn lfu_counter(access: u32, now_ms: u64, decay_minutes: i64) -> u32 {
    let ldt = (access >> 8) & 0xFFFF;
    let counter = access & 0xFF;
    let now = lfu_minutes(now_ms);
    let elapsed = if now >= ldt { now - ldt } else { 65535 - ldt + now };
    let periods = if decay_minutes > 0 { elapsed as i64 / decay_minutes } else { 0 };
    (counter as i64 - periods).max(0) as u32
}

/// Redis's `LFULogIncr`: increments `counter` with probability `1/((counter-5)*factor+1)`.
fn lfu_log_incr(counter: u32, log_factor: i64, rng: &mut Rng) -> u32 {
    if counter >= 255 {
        return 255;
    }
    let base = counter.saturating_sub(LFU_INIT_VAL) as f64;
    let p = 1.0 / (base * log_factor as f64 + 1.0);
    if rng.next_f64() < p {
        counter + 1
    } else {
        counter
    }
}

/// The access bits after an access at `now_ms` under `policy` (Redis's `lookupKey` touch).
#[inline]
pub fn touched(access: u32, policy: EvictionPolicy, now_ms: u64, decay: i64, log_factor: i64, rng: &mut Rng) -> u32 {
    if is_lfu(policy) {
        let c = lfu_log_incr(lfu_counter(access, now_ms, decay), log_factor, rng);
        (lfu_minutes(now_ms) << 8) | c
    } else {
        lru_clock(now_ms)
    }
}

/// The access bits of an object created at `now_ms` under `policy`.
#[inline]
pub fn fresh(policy: EvictionPolicy, now_ms: u64) -> u32 {
    if is_lfu(policy) {
        lfu_new(now_ms)
    } else {
        lru_clock(now_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_time_wraps_like_redis() {
        let now = 5_000_000; // clock 5000 s
        assert_eq!(idle_ms(lru_clock(now), now), 0);
        assert_eq!(idle_ms(4990, now), 10_000);
        // An access stamped just before the 24-bit clock wrapped.
        assert_eq!(idle_ms(LRU_CLOCK_MAX - 1, now), (5000 + 1) * 1000);
    }

    #[test]
    fn lfu_counter_decays_per_period() {
        let t0 = 600_000_000; // minute 10000
        let a = lfu_new(t0);
        assert_eq!(lfu_counter(a, t0, 1), 5);
        assert_eq!(lfu_counter(a, t0 + 2 * 60_000, 1), 3);
        assert_eq!(lfu_counter(a, t0 + 2 * 60_000, 2), 4);
        assert_eq!(lfu_counter(a, t0 + 100 * 60_000, 1), 0);
        assert_eq!(lfu_counter(a, t0 + 100 * 60_000, 0), 5);
    }

    #[test]
    fn lfu_touch_increments_new_counter_and_saturates() {
        let mut rng = Rng::new(1);
        let t0 = 600_000_000;
        // At the initial value the increment probability is 1.
        let a = touched(lfu_new(t0), EvictionPolicy::AllKeysLfu, t0, 1, 10, &mut rng);
        assert_eq!(lfu_counter(a, t0, 1), 6);
        let full = (lfu_minutes(t0) << 8) | 255;
        let b = touched(full, EvictionPolicy::VolatileLfu, t0, 1, 10, &mut rng);
        assert_eq!(b & 0xFF, 255);
        assert_eq!(touched(full, EvictionPolicy::AllKeysLru, 7_000, 1, 10, &mut rng), 7);
    }
}
