//! Databases: the keyspace plus lazy and active expiry.

pub mod keyspace;
pub mod paged;

pub use keyspace::{Entry, Keyspace};

use crate::bytes::SBytes;
use crate::rng::Rng;
use crate::types::Value;

/// How many keys one active-expiry round samples per database (Redis: 20).
const EXPIRE_SAMPLE: usize = 20;
/// Stop sampling a database when fewer than this percent of samples were expired (Redis 7.0: 10).
const ACCEPTABLE_STALE_PERCENT: usize = 10;

/// One logical database (`SELECT n`).
pub struct Db {
    /// Its keys.
    pub keys: Keyspace,
    /// Keys removed because their TTL passed (lazily or actively) since the last reset.
    pub expired_keys: u64,
    /// Running average TTL of sampled keys, as `INFO keyspace` `avg_ttl` reports it.
    pub avg_ttl: u64,
}

/// What an active-expiry pass over one database did.
#[derive(Default, Debug, Clone, Copy)]
pub struct ExpireCycleStats {
    /// Keys sampled.
    pub sampled: usize,
    /// Keys removed.
    pub expired: usize,
}

impl Db {
    /// An empty database; `seed` keys its hash function.
    pub fn new(seed: u64) -> Self {
        Db { keys: Keyspace::new(seed), expired_keys: 0, avg_ttl: 0 }
    }

    /// The slot of a live `key`: an expired key is removed and reported absent.
    #[inline]
    pub fn lookup(&mut self, key: &[u8], now_ms: u64) -> Option<u32> {
        let slot = self.keys.find(key)?;
        match self.keys.expire_at(slot) {
            Some(at) if at <= now_ms => {
                self.keys.remove(slot);
                self.expired_keys += 1;
                None
            }
            _ => Some(slot),
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
            None => self.keys.insert_new(SBytes::new(key), value, access),
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

    /// One active-expiry pass in the spirit of Redis's `activeExpireCycle`: sample keys
    /// with a TTL, remove the expired ones, and go on while more than 10% of a sample
    /// was expired, sampling at most `budget` keys.
    pub fn active_expire(&mut self, now_ms: u64, rng: &mut Rng, budget: usize) -> ExpireCycleStats {
        let mut st = ExpireCycleStats::default();
        let mut ttl_sum: u64 = 0;
        let mut ttl_samples: u64 = 0;
        while st.sampled < budget {
            let n = self.keys.expires_len();
            if n == 0 {
                break;
            }
            let round = EXPIRE_SAMPLE.min(n);
            let mut expired_now = 0;
            for _ in 0..round {
                let n = self.keys.expires_len();
                if n == 0 {
                    break;
                }
                let i = rng.below(n as u64) as usize;
                let (slot, at) = self.keys.expire_entry(i);
                st.sampled += 1;
                if at <= now_ms {
                    self.keys.remove(slot);
                    self.expired_keys += 1;
                    expired_now += 1;
                } else {
                    ttl_sum += at - now_ms;
                    ttl_samples += 1;
                }
            }
            st.expired += expired_now;
            if expired_now * 100 <= round * ACCEPTABLE_STALE_PERCENT {
                break;
            }
        }
        if ttl_samples > 0 {
            // Redis: a running average weighted 2% towards the new sample mean.
            let avg = ttl_sum / ttl_samples;
            self.avg_ttl = if self.avg_ttl == 0 { avg } else { (self.avg_ttl / 50) * 49 + avg / 50 };
        }
        if self.keys.expires_len() == 0 {
            self.avg_ttl = 0;
        }
        st
    }

    /// Rough bytes held by this database: structure plus values' heap data.
    /// (The memory-accounting issue replaces this with a running total.)
    pub fn memory_estimate(&self) -> usize {
        self.keys.overhead_bytes()
            + self.keys.iter().map(|e| e.key.heap_size() + e.value.heap_size()).sum::<usize>()
    }

    /// Removes every key.
    pub fn clear(&mut self) {
        self.keys.clear();
        self.avg_ttl = 0;
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

    #[test]
    fn active_expiry_clears_most_expired_keys_without_access() {
        let mut db = Db::new(0);
        let mut rng = Rng::new(3);
        for i in 0..1000 {
            let s = db.set(format!("k{}", i).as_bytes(), Value::Int(i), false, 0, 0);
            db.keys.set_expire(s, if i < 900 { 10 } else { 1_000_000 });
        }
        let mut rounds = 0;
        while db.keys.len() > 100 && rounds < 100 {
            db.active_expire(50, &mut rng, 200);
            rounds += 1;
        }
        assert!(db.keys.len() <= 110, "left {}", db.keys.len());
        assert!(db.keys.len() >= 100);
        assert_eq!(db.expired_keys as usize, 1000 - db.keys.len());
    }
}
