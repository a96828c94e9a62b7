//! WATCH bookkeeping (Redis 7.0's `db->watched_keys` and `CLIENT_DIRTY_CAS`).
//!
//! Every change to a key reaches [`Watches::touch`] through the engine's event seam
//! (Redis's `signalModifiedKey`: a command's change, an expiry, an eviction);
//! FLUSHDB/FLUSHALL/SWAPDB reach [`Watches::touch_all_in_db`] before they replace a
//! database's contents. This module knows nothing of the engine.
//!
//! A client whose watched key is touched gets "dirty": its next EXEC fails with a null
//! array. As in Redis 7.0, a key that was already logically expired when it was watched is
//! remembered as such: its deletion (lazy expiry) is no change, and EXEC ignores it.

use foldhash::fast::FixedState;

use crate::bytes::SBytes;
use crate::db::Db;
use crate::handle::ClientHandle;

type HashMap<K, V> = hashbrown::HashMap<K, V, FixedState>;
type HashSet<T> = hashbrown::HashSet<T, FixedState>;

/// One client watching one key.
#[derive(Clone, Copy, Debug)]
struct Watcher {
    client: ClientHandle,
    /// The key was logically expired (but not deleted) when WATCH ran.
    expired: bool,
}

/// Watched keys of every database and the clients whose transaction must fail.
pub struct Watches {
    /// Per database: key -> its watchers, in WATCH order.
    by_key: Vec<HashMap<SBytes, Vec<Watcher>>>,
    /// Per client: its watched (db, key) pairs, in WATCH order.
    by_client: HashMap<ClientHandle, Vec<(usize, SBytes)>>,
    /// Clients with a touched watched key (Redis's `CLIENT_DIRTY_CAS`).
    dirty: HashSet<ClientHandle>,
    /// Total number of (client, key) watches (0: nothing to do on writes).
    count: usize,
}

impl Watches {
    /// Empty bookkeeping for `dbs` databases.
    pub fn new(dbs: usize) -> Watches {
        Watches {
            by_key: (0..dbs).map(|_| HashMap::with_hasher(FixedState::with_seed(0))).collect(),
            by_client: HashMap::with_hasher(FixedState::with_seed(0)),
            dirty: HashSet::with_hasher(FixedState::with_seed(0)),
            count: 0,
        }
    }

    /// Whether any key is watched.
    #[inline]
    pub fn any(&self) -> bool {
        self.count > 0
    }

    /// Number of clients watching at least one key (`INFO` `watching_clients`).
    pub fn watching_clients(&self) -> usize {
        self.by_client.len()
    }

    /// Number of watched keys (`INFO` `watched_keys`).
    pub fn watched_keys(&self) -> usize {
        self.by_key.iter().map(|m| m.len()).sum()
    }

    /// Number of keys `client` watches (`CLIENT LIST` `watch=`).
    pub fn keys_of(&self, client: ClientHandle) -> usize {
        self.by_client.get(&client).map_or(0, |v| v.len())
    }

    /// `WATCH key` for `client` in database `db` (nothing if it already watches it);
    /// `expired`: the key exists but its TTL has passed.
    pub fn watch(&mut self, client: ClientHandle, db: usize, key: &[u8], expired: bool) {
        let mine = self.by_client.entry(client).or_default();
        if mine.iter().any(|(d, k)| *d == db && k.as_slice() == key) {
            return;
        }
        let key = SBytes::new(key);
        mine.push((db, key.clone()));
        self.by_key[db].entry(key).or_default().push(Watcher { client, expired });
        self.count += 1;
    }

    /// Forgets every key `client` watches and its dirty flag (UNWATCH, EXEC, DISCARD,
    /// RESET, disconnect).
    pub fn unwatch_all(&mut self, client: ClientHandle) {
        self.dirty.remove(&client);
        let Some(keys) = self.by_client.remove(&client) else {
            return;
        };
        for (db, key) in keys {
            if let Some(list) = self.by_key[db].get_mut(key.as_slice()) {
                list.retain(|w| w.client != client);
                if list.is_empty() {
                    self.by_key[db].remove(key.as_slice());
                }
            }
            self.count -= 1;
        }
    }

    /// Whether `client`'s transaction must fail: a watched key was touched, or one that
    /// was live when watched is now logically expired (Redis's `isWatchedKeyExpired`).
    pub fn is_dirty(&self, client: ClientHandle, dbs: &[Db], now_ms: u64) -> bool {
        if self.dirty.contains(&client) {
            return true;
        }
        let Some(keys) = self.by_client.get(&client) else {
            return false;
        };
        keys.iter().any(|(db, key)| {
            let watcher_expired = self.by_key[*db]
                .get(key.as_slice())
                .and_then(|l| l.iter().find(|w| w.client == client))
                .is_some_and(|w| w.expired);
            !watcher_expired && key_is_expired(&dbs[*db], key, now_ms)
        })
    }

    /// Redis's `touchWatchedKey`: marks the watchers of `key` in `db` dirty. A watcher
    /// that saw the key already expired is not dirtied when the key is now gone (its
    /// deletion changes nothing logically); it then watches a plain missing key.
    pub fn touch(&mut self, db: usize, key: &[u8], dbs: &[Db]) {
        let Some(list) = self.by_key.get_mut(db).and_then(|m| m.get_mut(key)) else {
            return;
        };
        let exists = dbs[db].keys.find(key).is_some();
        for w in list.iter_mut() {
            if w.expired && !exists {
                w.expired = false;
                continue;
            }
            self.dirty.insert(w.client);
        }
    }

    /// Redis's `touchAllWatchedKeysInDb`, called before database `emptied` loses its
    /// contents (FLUSHDB, FLUSHALL) or gets those of `replaced_with` (SWAPDB): watched
    /// keys that exist in either are touched.
    pub fn touch_all_in_db(&mut self, emptied: usize, replaced_with: Option<usize>, dbs: &[Db], now_ms: u64) {
        let Some(map) = self.by_key.get_mut(emptied) else {
            return;
        };
        for (key, list) in map.iter_mut() {
            let in_emptied = dbs[emptied].keys.find(key).is_some();
            let in_other = replaced_with.is_some_and(|r| dbs[r].keys.find(key).is_some());
            if !in_emptied && !in_other {
                continue;
            }
            for w in list.iter_mut() {
                if w.expired {
                    match replaced_with {
                        Some(r) if in_other => {
                            if key_is_expired(&dbs[r], key, now_ms) {
                                // An expired key stays expired.
                                continue;
                            }
                        }
                        _ => {
                            // The expired key is now deleted: no logical change.
                            w.expired = false;
                            continue;
                        }
                    }
                } else if !in_emptied && replaced_with.is_some_and(|r| key_is_expired(&dbs[r], key, now_ms)) {
                    // A missing key replaced by an expired one.
                    w.expired = true;
                    continue;
                }
                self.dirty.insert(w.client);
            }
        }
    }
}

/// Redis's `keyIsExpired`: the key exists with a TTL that has passed.
pub fn key_is_expired(db: &Db, key: &[u8], now_ms: u64) -> bool {
    db.keys.find(key).and_then(|s| db.keys.expire_at(s)).is_some_and(|at| at <= now_ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Value;

    fn h(n: u32) -> ClientHandle {
        ClientHandle(n)
    }

    fn dbs_with(keys: &[(&str, Option<u64>)]) -> Vec<Db> {
        let mut dbs = vec![Db::new(1), Db::new(2)];
        for (k, ttl) in keys {
            let slot = dbs[0].keys.insert_new(SBytes::new(k.as_bytes()), Value::Int(1), 0);
            if let Some(at) = ttl {
                dbs[0].keys.set_expire(slot, *at);
            }
        }
        dbs
    }

    #[test]
    fn touching_a_watched_key_dirties_its_watchers_only() {
        let dbs = dbs_with(&[("a", None), ("b", None)]);
        let mut w = Watches::new(2);
        assert!(!w.any());
        w.watch(h(1), 0, b"a", false);
        w.watch(h(1), 0, b"a", false);
        w.watch(h(2), 0, b"b", false);
        w.watch(h(2), 1, b"a", false);
        assert!(w.any());
        assert_eq!((w.keys_of(h(1)), w.keys_of(h(2)), w.watching_clients(), w.watched_keys()), (1, 2, 2, 3));
        w.touch(0, b"a", &dbs);
        assert!(w.is_dirty(h(1), &dbs, 0));
        assert!(!w.is_dirty(h(2), &dbs, 0));
        w.touch(1, b"zzz", &dbs);
        assert!(!w.is_dirty(h(2), &dbs, 0));
        w.unwatch_all(h(1));
        assert!(!w.is_dirty(h(1), &dbs, 0));
        assert_eq!(w.watched_keys(), 2);
    }

    #[test]
    fn a_key_expired_when_watched_is_no_change_when_deleted() {
        // "e" had expired (TTL at 10) when watched at time 20; its deletion changes nothing.
        let mut dbs = dbs_with(&[("e", Some(10)), ("live", Some(100))]);
        let mut w = Watches::new(2);
        w.watch(h(1), 0, b"e", true);
        w.watch(h(2), 0, b"live", false);
        dbs[0].keys.remove_key(b"e");
        w.touch(0, b"e", &dbs);
        assert!(!w.is_dirty(h(1), &dbs, 20));
        // A live key that expires since WATCH fails the transaction (isWatchedKeyExpired).
        assert!(!w.is_dirty(h(2), &dbs, 50));
        assert!(w.is_dirty(h(2), &dbs, 100));
        // Recreated after the deletion: now a real change.
        dbs[0].keys.insert_new(SBytes::new(b"e"), Value::Int(2), 0);
        w.touch(0, b"e", &dbs);
        assert!(w.is_dirty(h(1), &dbs, 20));
    }

    #[test]
    fn flushing_or_swapping_touches_keys_that_exist_on_either_side() {
        let mut dbs = dbs_with(&[("a", None)]);
        dbs[1].keys.insert_new(SBytes::new(b"only1"), Value::Int(1), 0);
        let mut w = Watches::new(2);
        w.watch(h(1), 0, b"a", false);
        w.watch(h(2), 0, b"missing", false);
        w.watch(h(3), 0, b"only1", false);
        w.touch_all_in_db(0, Some(1), &dbs, 0);
        assert!(w.is_dirty(h(1), &dbs, 0));
        assert!(!w.is_dirty(h(2), &dbs, 0));
        assert!(w.is_dirty(h(3), &dbs, 0));
    }
}
