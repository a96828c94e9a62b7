//! Databases: the keyspace plus lazy and active expiry.

pub mod access;
pub mod evict;
pub mod expire;
pub mod keyspace;
pub mod paged;

pub use expire::ExpireCycle;
pub use keyspace::{Entry, Keyspace};

use crate::bytes::SBytes;
use crate::rng::Rng;
use crate::types::Value;

/// One logical database (`SELECT n`).
pub struct Db {
    /// Its keys.
    pub keys: Keyspace,
    /// Keys removed because their TTL passed (lazily or actively) since the last reset.
    pub expired_keys: u64,
    /// Running average TTL of sampled keys, as `INFO keyspace` `avg_ttl` reports it.
    pub avg_ttl: u64,
    /// Where active expiry resumes in the keys with a TTL.
    expires_cursor: usize,
    /// A replica's database: a key whose TTL passed reads as absent but is not deleted
    /// (its master sends the DEL), as Redis's `expireIfNeeded` with `masterhost` set.
    pub keep_expired: bool,
}

/// What an active-expiry pass over one database did.
#[derive(Default, Debug, Clone, Copy)]
pub struct ExpireCycleStats {
    /// Keys sampled.
    pub sampled: usize,
    /// Keys removed.
    pub expired: usize,
    /// Whether the pass stopped because its sample budget ran out.
    pub budget_exhausted: bool,
}

impl Db {
    /// An empty database; `seed` keys its hash function.
    pub fn new(seed: u64) -> Self {
        Db { keys: Keyspace::new(seed), expired_keys: 0, avg_ttl: 0, expires_cursor: 0, keep_expired: false }
    }

    /// The slot of a live `key`: an expired key is removed and reported absent.
    #[inline]
    pub fn lookup(&mut self, key: &[u8], now_ms: u64) -> Option<u32> {
        let slot = self.keys.find(key)?;
        if self.lookup_slot_expired(slot, now_ms) {
            None
        } else {
            Some(slot)
        }
    }

    /// The live value of `key`.
    pub fn get(&mut self, key: &[u8], now_ms: u64) -> Option<&Value> {
        let slot = self.lookup(key, now_ms)?;
        Some(&self.keys.entry(slot).value)
    }

    /// The live value of `key`, mutably.
    pub fn get_mut(&mut self, key: &[u8], now_ms: u64) -> Option<&mut Value> {
        let slot = self.lookup(key, now_ms)?;
        Some(&mut self.keys.entry_mut(slot).value)
    }

    /// Whether `key` exists (and is not expired).
    pub fn contains(&mut self, key: &[u8], now_ms: u64) -> bool {
        self.lookup(key, now_ms).is_some()
    }

    /// Stores `value` under `key`, replacing any value. With `keep_ttl` an existing TTL
    /// stays, otherwise it is removed. Returns the slot.
    pub fn set(&mut self, key: &[u8], value: Value, keep_ttl: bool, now_ms: u64, access: u32) -> u32 {
        match self.lookup(key, now_ms) {
            Some(slot) => {
                if !keep_ttl {
                    self.keys.clear_expire(slot);
                }
                let e = self.keys.entry_mut(slot);
                e.value = value;
                e.access = access;
                slot
            }
            None => {
                if self.keep_expired {
                    // A replica's logically expired key is still stored: replace it.
                    if let Some(slot) = self.keys.find(key) {
                        self.keys.remove(slot);
                    }
                }
                self.keys.insert_new(SBytes::new(key), value, access)
            }
        }
    }

    /// Removes a live `key`; returns its entry.
    pub fn remove(&mut self, key: &[u8], now_ms: u64) -> Option<Entry> {
        let slot = self.lookup(key, now_ms)?;
        Some(self.keys.remove(slot))
    }

    /// TTL of a live key in ms: `None` if missing, `Some(None)` if it has no TTL.
    pub fn ttl_ms(&mut self, key: &[u8], now_ms: u64) -> Option<Option<u64>> {
        let slot = self.lookup(key, now_ms)?;
        Some(self.keys.expire_at(slot).map(|at| at.saturating_sub(now_ms)))
    }

    /// Redis's `dbRandomKey`: a uniformly random live key, removing expired keys it
    /// meets on the way. `None` when the database is (or becomes) empty.
    pub fn random_key(&mut self, now_ms: u64, rng: &mut Rng) -> Option<u32> {
        // A replica cannot delete: after this many expired picks it returns one anyway
        // (Redis's `dbRandomKey` with `masterhost` set).
        let mut tries = 100;
        loop {
            let slot = self.keys.random_slot(rng)?;
            match self.keys.expire_at(slot) {
                Some(at) if at <= now_ms && self.keep_expired => {
                    tries -= 1;
                    if tries == 0 {
                        return Some(slot);
                    }
                }
                Some(at) if at <= now_ms => self.expire_slot(slot),
                _ => return Some(slot),
            }
        }
    }

    /// Removes `key` if it exists and its TTL has passed (Redis's `expireIfNeeded`);
    /// returns whether it did. A missing key is not "expired".
    pub fn expire_if_needed(&mut self, key: &[u8], now_ms: u64) -> bool {
        match self.keys.find(key) {
            Some(slot) => self.lookup_slot_expired(slot, now_ms),
            None => false,
        }
    }

    /// A writable replica's own key whose TTL passed: removed even though the database
    /// keeps expired keys (Redis's `expireSlaveKeys`). `None`: the key is gone;
    /// `Some(true)`: removed; `Some(false)`: it lives on (with a TTL or without).
    pub fn expire_own_key(&mut self, key: &[u8], now_ms: u64) -> Option<(bool, bool)> {
        let slot = self.keys.find(key)?;
        match self.keys.expire_at(slot) {
            Some(at) if at <= now_ms => {
                self.expire_slot(slot);
                Some((true, false))
            }
            Some(_) => Some((false, true)),
            None => Some((false, false)),
        }
    }

    /// Removes the key in `slot` because its TTL passed: counted and logged.
    fn expire_slot(&mut self, slot: u32) {
        let e = self.keys.remove(slot);
        self.expired_keys += 1;
        self.keys.log_event(keyspace::KeyEvent::Expired, e.key);
    }

    fn lookup_slot_expired(&mut self, slot: u32, now_ms: u64) -> bool {
        match self.keys.expire_at(slot) {
            Some(at) if at <= now_ms && self.keys.expire_paused() => true,
            Some(at) if at <= now_ms => {
                if !self.keep_expired {
                    self.expire_slot(slot);
                }
                true
            }
            _ => false,
        }
    }

    /// One database's share of an active-expiry cycle, as in Redis 7.0's
    /// `activeExpireCycle`: rounds of up to `keys_per_loop` keys taken in order from the
    /// keys with a TTL (a cursor that persists between cycles, like Redis's
    /// `expires_cursor`), removing the expired ones. Another round follows while more
    /// than `acceptable_stale` percent of a round was expired and fewer than
    /// `max_samples` keys were sampled. Keys without a TTL are never looked at.
    pub fn active_expire(
        &mut self,
        now_ms: u64,
        keys_per_loop: usize,
        acceptable_stale: usize,
        max_samples: usize,
    ) -> ExpireCycleStats {
        let mut st = ExpireCycleStats::default();
        loop {
            let n = self.keys.expires_len();
            if n == 0 {
                self.avg_ttl = 0;
                break;
            }
            let round = n.min(keys_per_loop);
            let (mut sampled, mut expired) = (0usize, 0usize);
            let (mut ttl_sum, mut ttl_samples) = (0u64, 0u64);
            while sampled < round {
                let len = self.keys.expires_len();
                if len == 0 {
                    break;
                }
                if self.expires_cursor >= len {
                    self.expires_cursor = 0;
                }
                let (slot, at) = self.keys.expire_entry(self.expires_cursor);
                sampled += 1;
                if at <= now_ms {
                    // The last key with a TTL moves into this position: look at it next.
                    self.expire_slot(slot);
                    expired += 1;
                } else {
                    ttl_sum = ttl_sum.saturating_add(at - now_ms);
                    ttl_samples += 1;
                    self.expires_cursor += 1;
                }
            }
            st.sampled += sampled;
            st.expired += expired;
            if let Some(avg) = ttl_sum.checked_div(ttl_samples) {
                // Redis: a running average moving 2% towards this round's mean.
                if self.avg_ttl == 0 {
                    self.avg_ttl = avg;
                }
                self.avg_ttl = (self.avg_ttl / 50) * 49 + avg / 50;
            }
            if st.sampled >= max_samples {
                st.budget_exhausted = true;
                break;
            }
            if sampled > 0 && expired * 100 / sampled <= acceptable_stale {
                break;
            }
        }
        st
    }

    /// Bytes held by this database's own structures (index, slots, TTL table), without
    /// the keys and values (those are in [`Keyspace::value_bytes`]).
    pub fn overhead_bytes(&self) -> usize {
        self.keys.overhead_bytes()
    }

    /// Removes every key.
    pub fn clear(&mut self) {
        self.keys.clear();
        self.avg_ttl = 0;
        self.expires_cursor = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lazy_expiry_removes_on_access() {
        let mut db = Db::new(0);
        let s = db.set(b"k", Value::from_bytes(b"v"), false, 0, 0);
        db.keys.set_expire(s, 100);
        assert!(db.contains(b"k", 99));
        assert!(!db.contains(b"k", 100));
        assert_eq!(db.keys.len(), 0);
        assert_eq!(db.expired_keys, 1);
    }

    fn db_with(n: i64, expiring: impl Fn(i64) -> Option<u64>) -> Db {
        let mut db = Db::new(0);
        for i in 0..n {
            let s = db.set(format!("k{}", i).as_bytes(), Value::Int(i), false, 0, 0);
            if let Some(at) = expiring(i) {
                db.keys.set_expire(s, at);
            }
        }
        db
    }

    #[test]
    fn active_expiry_clears_most_expired_keys_without_access() {
        let mut db = db_with(1000, |i| Some(if i < 900 { 10 } else { 1_000_000 }));
        let mut rounds = 0;
        while db.keys.len() > 100 && rounds < 100 {
            db.active_expire(50, 20, 10, 200);
            rounds += 1;
        }
        assert!(db.keys.len() <= 110, "left {}", db.keys.len());
        assert!(db.keys.len() >= 100);
        assert_eq!(db.expired_keys as usize, 1000 - db.keys.len());
    }

    /// The cursor walk visits every key with a TTL, so even a few expired keys among
    /// many live ones go away after enough passes (random sampling gives no such bound).
    #[test]
    fn active_expiry_cursor_reaches_every_key() {
        let mut db = db_with(1000, |i| Some(if i % 100 == 0 { 10 } else { 1_000_000 }));
        for _ in 0..50 {
            let st = db.active_expire(50, 20, 10, 10_000);
            // Never more than 10% expired in a round: one round per pass.
            assert_eq!(st.sampled, 20);
        }
        assert_eq!(db.keys.len(), 990);
        assert_eq!(db.expired_keys, 10);
    }

    #[test]
    fn active_expiry_repeats_while_stale_and_respects_budget() {
        let mut db = db_with(1000, |_| Some(10));
        let st = db.active_expire(50, 20, 10, 200);
        assert_eq!((st.sampled, st.expired, st.budget_exhausted), (200, 200, true));
        let st = db.active_expire(50, 20, 10, 100_000);
        assert_eq!((st.sampled, st.expired, st.budget_exhausted), (800, 800, false));
        assert_eq!(db.keys.len(), 0);
        assert_eq!(db.avg_ttl, 0);
    }

    #[test]
    fn active_expiry_ignores_keys_without_ttl() {
        let mut db = db_with(100, |i| (i % 2 == 0).then_some(10));
        let st = db.active_expire(50, 20, 10, 100_000);
        assert_eq!(st.expired, 50);
        assert_eq!(st.sampled, 50);
        assert_eq!(db.keys.len(), 50);
        for i in (1..100).step_by(2) {
            assert!(db.contains(format!("k{}", i).as_bytes(), u64::MAX));
        }
    }

    #[test]
    fn avg_ttl_follows_redis_formula() {
        let mut db = db_with(10, |_| Some(5_050));
        db.active_expire(50, 20, 10, 100);
        // First sample mean 5000: avg = 5000/50*49 + 5000/50.
        assert_eq!(db.avg_ttl, 5000);
        db.active_expire(1_050, 20, 10, 100);
        assert_eq!(db.avg_ttl, 100 * 49 + 4000 / 50);
    }

    #[test]
    fn random_key_skips_and_removes_expired() {
        let mut db = db_with(10, |i| (i != 7).then_some(10));
        let mut rng = Rng::new(5);
        let s = db.random_key(50, &mut rng).unwrap();
        assert_eq!(db.keys.entry(s).key.as_slice(), b"k7");
        assert_eq!(db.keys.len() as u64 + db.expired_keys, 10);
        db.keys.set_expire(s, 10);
        assert_eq!(db.random_key(50, &mut rng), None);
        assert_eq!(db.keys.len(), 0);
        assert_eq!(db.expired_keys, 10);
    }
}
