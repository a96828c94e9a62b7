//! Eviction under `maxmemory`, as Redis 7.0's `evict.c` does it.
//!
//! Not exact LRU/LFU: before a command runs while memory is over the limit, keys are
//! sampled (`maxmemory-samples` per database) into a pool of the 16 best candidates kept
//! between calls, and the best one still present is deleted, until memory is under the
//! limit or nothing is left to evict. "Best" is the longest idle time (LRU, from the
//! 24-bit clock), the lowest decayed access counter (LFU) or the nearest expiry
//! (volatile-ttl). The random policies pick a random key, visiting databases round-robin.
//! Randomness comes from the engine's seeded RNG, so evictions replay exactly in tests.

use crate::bytes::SBytes;
use crate::config::EvictionPolicy;
use crate::db::{access, Db};
use crate::rng::Rng;

/// Candidates kept in the pool (Redis's `EVPOOL_SIZE`).
pub const POOL_SIZE: usize = 16;

/// What `EngineState::perform_evictions` achieved (Redis's `EVICT_OK` / `EVICT_FAIL`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EvictResult {
    /// Memory is within the limit (or there is no limit).
    Ok,
    /// Memory is over the limit and nothing (more) can be evicted.
    Fail,
}

/// One pool candidate: a key name in a database with its "idle" score (higher = better
/// to evict).
#[derive(Clone, Debug)]
struct Candidate {
    idle: u64,
    db: usize,
    key: SBytes,
}

/// The eviction pool (Redis's `EvictionPoolLRU`), ascending by idle score; kept between
/// evictions so good candidates found earlier are not forgotten.
#[derive(Clone, Debug, Default)]
pub struct EvictionPool {
    entries: Vec<Candidate>,
    /// Next database for the random policies (Redis's static `next_db`).
    next_db: usize,
}

impl EvictionPool {
    /// Number of candidates held (for tests and `DEBUG`).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the pool holds no candidate.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Redis's `evictionPoolPopulate` insertion: keep the pool sorted by idle score;
    /// when full, a candidate worse than all held ones is dropped, else the worst held
    /// one makes room.
    fn insert(&mut self, c: Candidate) {
        let k = self.entries.iter().position(|e| e.idle >= c.idle).unwrap_or(self.entries.len());
        if self.entries.len() < POOL_SIZE {
            self.entries.insert(k, c);
        } else if k > 0 {
            self.entries.remove(0);
            self.entries.insert(k - 1, c);
        }
    }

    /// Takes the best candidate (highest idle score), if any.
    fn pop_best(&mut self) -> Option<Candidate> {
        self.entries.pop()
    }

    /// Forgets every candidate (FLUSHALL, policy changes are harmless and keep it).
    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

/// Whether `policy` picks among all keys (else only keys with a TTL).
fn all_keys(policy: EvictionPolicy) -> bool {
    matches!(policy, EvictionPolicy::AllKeysLru | EvictionPolicy::AllKeysLfu | EvictionPolicy::AllKeysRandom)
}

/// What eviction reads of the configuration and clock.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// `maxmemory-policy`.
    pub policy: EvictionPolicy,
    /// `maxmemory-samples`.
    pub samples: i64,
    /// `lfu-decay-time`.
    pub lfu_decay_time: i64,
    /// Current time in ms.
    pub now_ms: u64,
}

/// The databases, pool and randomness eviction works on (the engine lends them).
pub struct Evictor<'a> {
    /// Every database.
    pub dbs: &'a mut [Db],
    /// Candidates kept between evictions.
    pub pool: &'a mut EvictionPool,
    /// Random picks and samples.
    pub rng: &'a mut Rng,
    /// Policy, samples, time.
    pub settings: Settings,
}

impl Evictor<'_> {
    /// One step of Redis's `performEvictions`: picks a key by the policy and deletes
    /// it; returns its database and name, or `None` when nothing is left to evict. The
    /// engine loops while memory is over `maxmemory` and signals each evicted key.
    pub fn evict_one(&mut self) -> Option<(usize, SBytes)> {
        let policy = self.settings.policy;
        if policy == EvictionPolicy::NoEviction {
            return None;
        }
        let (db, slot) = match policy {
            EvictionPolicy::AllKeysRandom | EvictionPolicy::VolatileRandom => self.pick_random(all_keys(policy)),
            _ => self.pick_from_pool(policy),
        }?;
        let entry = self.dbs[db].keys.remove(slot);
        Some((db, entry.key))
    }

    /// A random key (from the keys with a TTL unless `all`), visiting databases
    /// round-robin from the one after the last pick.
    fn pick_random(&mut self, all: bool) -> Option<(usize, u32)> {
        let n = self.dbs.len();
        for _ in 0..n {
            self.pool.next_db = (self.pool.next_db + 1) % n;
            let j = self.pool.next_db;
            let ks = &self.dbs[j].keys;
            let slot = if all {
                ks.random_slot(self.rng)
            } else if ks.expires_len() > 0 {
                let i = self.rng.below(ks.expires_len() as u64) as usize;
                Some(ks.expire_entry(i).0)
            } else {
                None
            };
            if let Some(s) = slot {
                return Some((j, s));
            }
        }
        None
    }

    /// Fills the pool from every database with keys to sample, then takes the best
    /// candidate that still exists (Redis skips "ghosts": keys deleted since sampling).
    fn pick_from_pool(&mut self, policy: EvictionPolicy) -> Option<(usize, u32)> {
        let all = all_keys(policy);
        loop {
            let mut total = 0;
            for db in 0..self.dbs.len() {
                let keys = if all { self.dbs[db].keys.len() } else { self.dbs[db].keys.expires_len() };
                if keys > 0 {
                    self.populate(db, all, policy);
                    total += keys;
                }
            }
            if total == 0 {
                return None;
            }
            while let Some(c) = self.pool.pop_best() {
                let ks = &self.dbs[c.db].keys;
                if let Some(slot) = ks.find(&c.key) {
                    if all || ks.expire_at(slot).is_some() {
                        return Some((c.db, slot));
                    }
                }
            }
        }
    }

    /// Samples `maxmemory-samples` keys of database `db` into the pool (Redis's
    /// `evictionPoolPopulate`).
    fn populate(&mut self, db: usize, all: bool, policy: EvictionPolicy) {
        let samples = self.settings.samples.max(1) as usize;
        let now = self.settings.now_ms;
        let decay = self.settings.lfu_decay_time;
        for _ in 0..samples {
            let d: &Db = &self.dbs[db];
            let ks = &d.keys;
            let slot = if all {
                match ks.random_slot(self.rng) {
                    Some(s) => s,
                    None => return,
                }
            } else {
                if ks.expires_len() == 0 {
                    return;
                }
                ks.expire_entry(self.rng.below(ks.expires_len() as u64) as usize).0
            };
            let e = ks.entry(slot);
            let idle = match policy {
                EvictionPolicy::VolatileTtl => u64::MAX - ks.expire_at(slot).unwrap_or(0),
                p if access::is_lfu(p) => 255 - access::lfu_counter(e.access, now, decay) as u64,
                _ => access::idle_ms(e.access, now),
            };
            let key = e.key.clone();
            self.pool.insert(Candidate { idle, db, key });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reply::Reply;
    use crate::testkit::TestEngine;

    /// An engine holding `n` 100-byte string keys `k0..k{n-1}`, created one second apart,
    /// under `policy`, with `maxmemory` just above what they use now.
    fn filled(policy: &str, n: usize, ttl: bool) -> TestEngine {
        let mut t = TestEngine::new();
        assert_eq!(t.cmd(&["CONFIG", "SET", "maxmemory-policy", policy]), Reply::ok());
        assert_eq!(t.cmd(&["CONFIG", "SET", "maxmemory-samples", "64"]), Reply::ok());
        let v = "v".repeat(100);
        for i in 0..n {
            let k = format!("k{i}");
            if ttl {
                // Later keys expire sooner: volatile-ttl must evict the highest numbers.
                let secs = (10_000 - 2 * i).to_string();
                t.cmd(&["SET", &k, &v, "EX", &secs]);
            } else {
                t.cmd(&["SET", &k, &v]);
            }
            t.advance_ms(1000);
        }
        let used = t.eng.state.used_memory();
        assert_eq!(t.cmd(&["CONFIG", "SET", "maxmemory", &(used + 64).to_string()]), Reply::ok());
        t
    }

    fn exists(t: &mut TestEngine, i: usize) -> bool {
        t.cmd(&["EXISTS", &format!("k{i}")]) == Reply::Int(1)
    }

    /// Adds `m` new keys (each needs an eviction) and returns which old keys survived.
    fn add_and_survivors(t: &mut TestEngine, n: usize, m: usize) -> Vec<usize> {
        let v = "v".repeat(100);
        for i in 0..m {
            assert_eq!(t.cmd(&["SET", &format!("new{i}"), &v]), Reply::ok());
        }
        (0..n).filter(|&i| exists(t, i)).collect()
    }

    #[test]
    fn noeviction_refuses_denyoom_commands_but_serves_reads_and_deletes() {
        let mut t = filled("noeviction", 20, false);
        let big = "x".repeat(1000);
        // Memory is checked before a command: this one still runs and goes over.
        assert_eq!(t.cmd(&["SET", "over", &big]), Reply::ok());
        assert_eq!(t.resp(&["SET", "more", &big]), "-OOM command not allowed when used memory > 'maxmemory'.\r\n");
        assert_eq!(t.resp(&["RPUSH", "l", &big]), "-OOM command not allowed when used memory > 'maxmemory'.\r\n");
        assert!(matches!(t.cmd(&["GET", "k1"]), Reply::Bulk(_)));
        assert_eq!(t.cmd(&["DEL", "k1"]), Reply::Int(1));
        assert_eq!(t.cmd(&["EXISTS", "more", "l"]), Reply::Int(0));
        assert_eq!(t.eng.state.stats.evicted_keys, 0);
        // Nothing half-written: the refused command left no key behind.
        assert_eq!(t.cmd(&["DBSIZE"]), Reply::Int(20));
    }

    #[test]
    fn allkeys_lru_evicts_the_least_recently_used() {
        let n = 40;
        let mut t = filled("allkeys-lru", n, false);
        // Read the older half again: now the younger half is least recently used.
        for i in 0..n / 2 {
            t.cmd(&["GET", &format!("k{i}")]);
        }
        t.advance_ms(1000);
        let alive = add_and_survivors(&mut t, n, 10);
        assert!(t.eng.state.stats.evicted_keys >= 10);
        assert!((0..n / 2).all(|i| alive.contains(&i)), "recently read keys were evicted: {alive:?}");
        assert!(t.eng.state.used_memory() <= t.eng.state.config.maxmemory as usize);
    }

    #[test]
    fn allkeys_lfu_evicts_the_least_frequently_used() {
        let n = 40;
        let mut t = filled("allkeys-lfu", n, false);
        for _ in 0..20 {
            for i in (0..n).step_by(2) {
                t.cmd(&["GET", &format!("k{i}")]);
            }
        }
        assert!(matches!(t.cmd(&["OBJECT", "FREQ", "k0"]), Reply::Int(f) if f > 5));
        let alive = add_and_survivors(&mut t, n, 10);
        assert!((0..n).step_by(2).all(|i| alive.contains(&i)), "frequently read keys were evicted: {alive:?}");
    }

    #[test]
    fn volatile_ttl_evicts_nearest_expiry_and_spares_persistent_keys() {
        let n = 30;
        let mut t = filled("volatile-ttl", n, true);
        t.cmd(&["PERSIST", "k29"]);
        let alive = add_and_survivors(&mut t, n, 8);
        assert!(alive.contains(&29), "a key without TTL was evicted");
        // The keys expiring soonest (highest numbers but the persistent one) went first.
        let gone: Vec<usize> = (0..n).filter(|i| !alive.contains(i)).collect();
        assert!(!gone.is_empty());
        assert!(gone.iter().all(|&i| i >= n - 1 - gone.len() - 2), "evicted {gone:?}");
    }

    #[test]
    fn volatile_policies_fail_without_keys_with_a_ttl() {
        for policy in ["volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"] {
            let mut t = filled(policy, 10, false);
            let big = "x".repeat(1000);
            assert_eq!(t.cmd(&["SET", "over", &big]), Reply::ok(), "{policy}");
            assert_eq!(t.cmd(&["SET", "more", &big]), Reply::from(crate::error::CmdError::Oom), "{policy}");
            assert_eq!(t.cmd(&["DBSIZE"]), Reply::Int(11), "{policy}");
        }
    }

    #[test]
    fn volatile_lru_and_lfu_evict_only_keys_with_a_ttl_by_their_measure() {
        for policy in ["volatile-lru", "volatile-lfu"] {
            let n = 40;
            let mut t = filled(policy, n, false);
            // Keys 0..20 get a TTL; of those, the even ones are read often (and recently).
            t.cmd(&["CONFIG", "SET", "maxmemory", "0"]);
            for i in 0..20 {
                t.cmd(&["EXPIRE", &format!("k{i}"), "100000"]);
            }
            // The TTL table grew: the limit is set again just above the current use.
            let used = t.eng.state.used_memory();
            t.cmd(&["CONFIG", "SET", "maxmemory", &(used + 64).to_string()]);
            t.advance_ms(5000);
            for _ in 0..20 {
                for i in (0..20).step_by(2) {
                    t.cmd(&["GET", &format!("k{i}")]);
                }
            }
            let alive = add_and_survivors(&mut t, n, 5);
            assert!((20..n).all(|i| alive.contains(&i)), "{policy}: a key without TTL was evicted: {alive:?}");
            assert!((0..20).step_by(2).all(|i| alive.contains(&i)), "{policy}: a hot key was evicted: {alive:?}");
            assert!(alive.len() < n, "{policy}: nothing evicted");
        }
    }

    #[test]
    fn random_policies_evict_within_their_key_set() {
        let mut t = filled("allkeys-random", 30, false);
        let alive = add_and_survivors(&mut t, 30, 5);
        assert!(alive.len() < 30);
        let mut t = filled("volatile-random", 30, false);
        for i in 0..10 {
            t.cmd(&["EXPIRE", &format!("k{i}"), "1000"]);
        }
        let alive = add_and_survivors(&mut t, 30, 3);
        assert!((10..30).all(|i| alive.contains(&i)), "a persistent key was evicted: {alive:?}");
    }

    #[test]
    fn lowering_maxmemory_evicts_right_after_config_set() {
        let mut t = filled("allkeys-lru", 30, false);
        // Each key's value holds 100 bytes; its slab slot stays for the next key.
        let lower = t.eng.state.used_memory() - 1000;
        assert_eq!(t.cmd(&["CONFIG", "SET", "maxmemory", &lower.to_string()]), Reply::ok());
        assert!(t.eng.state.used_memory() <= lower);
        assert!((10..=11).contains(&t.eng.state.stats.evicted_keys), "{}", t.eng.state.stats.evicted_keys);
        let info = String::from_utf8_lossy(&t.cmd(&["INFO", "stats"]).to_resp(2)).into_owned();
        assert!(info.contains(&format!("evicted_keys:{}", t.eng.state.stats.evicted_keys)));
    }

    /// Evictions before a command leave no holes for it: KEYS, SCAN and RANDOMKEY walk
    /// dense slots (a wasm build once panicked here).
    #[test]
    fn commands_after_evictions_see_dense_keyspaces() {
        for policy in ["allkeys-random", "allkeys-lru", "volatile-ttl"] {
            let mut t = filled(policy, 200, policy == "volatile-ttl");
            let v = "x".repeat(100);
            for i in 0..300 {
                t.cmd(&["SET", &format!("n{i}"), &v, "EX", "100000"]);
                let Reply::Array(keys) = t.cmd(&["KEYS", "*"]) else { panic!("KEYS") };
                assert_eq!(Reply::Int(keys.len() as i64), t.cmd(&["DBSIZE"]), "{policy}");
                assert!(matches!(t.cmd(&["RANDOMKEY"]), Reply::Bulk(_)));
                assert!(matches!(t.cmd(&["SCAN", "0", "COUNT", "1000"]), Reply::Array(_)));
            }
            assert!(t.eng.state.stats.evicted_keys > 100, "{policy}");
        }
    }

    #[test]
    fn evictions_replay_identically_with_the_same_seed() {
        let run = || {
            let mut t = filled("allkeys-random", 30, false);
            add_and_survivors(&mut t, 30, 6)
        };
        assert_eq!(run(), run());
    }

    #[test]
    fn accounting_follows_writes_of_every_type() {
        let mut t = TestEngine::new();
        let base = t.eng.state.used_memory();
        let script: &[&[&str]] = &[
            &["RPUSH", "l", "a", "b", "c"],
            &["HSET", "h", "f", "v"],
            &["SADD", "s", "1", "2", "x"],
            &["ZADD", "z", "1", "a", "2", "b"],
            &["SET", "str", "hello"],
            &["APPEND", "str", " world, a longer value than before"],
            &["SETRANGE", "str", "100", "x"],
            &["LPOP", "l"],
            &["HDEL", "h", "f"],
            &["SPOP", "s"],
            &["ZREM", "z", "a"],
            &["RENAME", "z", "z2"],
            &["COPY", "z2", "z3"],
            &["INCR", "n"],
        ];
        for cmd in script {
            t.cmd(cmd);
            for db in &t.eng.state.dbs {
                assert_eq!(db.keys.value_bytes(), db.keys.recount_value_bytes(), "after {cmd:?}");
            }
        }
        for i in 0..2000 {
            t.cmd(&["RPUSH", "big", &format!("element-{i}")]);
            t.cmd(&["HSET", "bigh", &format!("f{i}"), &format!("value-{i}")]);
            t.cmd(&["ZADD", "bigz", &i.to_string(), &format!("m{i}")]);
            t.cmd(&["SADD", "bigs", &format!("m{i}")]);
        }
        let ks = &t.eng.state.dbs[0].keys;
        assert_eq!(ks.value_bytes(), ks.recount_value_bytes());
        assert!(t.eng.state.used_memory() > base + 4 * 2000 * 8);
        t.cmd(&["FLUSHALL"]);
        assert_eq!(t.eng.state.dbs[0].keys.value_bytes(), 0);
    }

    fn cand(idle: u64) -> Candidate {
        Candidate { idle, db: 0, key: SBytes::new(idle.to_string().as_bytes()) }
    }

    #[test]
    fn pool_keeps_the_sixteen_best_in_order() {
        let mut p = EvictionPool::default();
        for i in [5u64, 1, 9, 3, 7] {
            p.insert(cand(i));
        }
        let idles: Vec<u64> = p.entries.iter().map(|c| c.idle).collect();
        assert_eq!(idles, [1, 3, 5, 7, 9]);
        for i in 100..120 {
            p.insert(cand(i));
        }
        assert_eq!(p.len(), POOL_SIZE);
        // A candidate worse than everything held is dropped when full.
        p.insert(cand(0));
        assert_eq!(p.entries[0].idle, 104);
        assert_eq!(p.pop_best().unwrap().idle, 119);
    }
}
