//! Redis's `lazyfreeGetFreeEffort`: how many allocations freeing a value takes, which
//! decides whether Redis frees it in its background thread (effort above
//! [`LAZYFREE_THRESHOLD`]). Cinder frees every value at once, but counts the values Redis
//! would have freed lazily, for INFO's `lazyfreed_objects`.

use super::Value;

/// Redis's `LAZYFREE_THRESHOLD`: values of more allocations than this are freed lazily.
pub const LAZYFREE_THRESHOLD: usize = 64;

/// The free effort of `v` as Redis 7.0 counts it: quicklist nodes of a list; elements of
/// a `hashtable` set or hash and of a `skiplist` sorted set; for a stream its radix tree
/// nodes plus, with groups, groups × (1 + the first group's pending entries); 1 for
/// everything else (one allocation).
pub fn free_effort(v: &Value) -> usize {
    match v {
        Value::List(l) => l.node_count(),
        Value::Set(s) if s.encoding() == "hashtable" => s.len(),
        Value::Hash(h) if h.encoding() == "hashtable" => h.len(),
        Value::ZSet(z) if z.encoding() == "skiplist" => z.len(),
        Value::Stream(s) => {
            let groups = s.groups();
            // Redis takes the first group of its radix tree: the least name.
            let first = groups.iter().min_by(|a, b| a.0.as_slice().cmp(b.0.as_slice()));
            s.rax_nodes() + first.map_or(0, |(_, g)| groups.len() * (1 + g.pel().len()))
        }
        _ => 1,
    }
}

/// Whether Redis frees `v` in the background when it is deleted asynchronously
/// (`freeObjAsync`: UNLINK, and DEL, expiry, eviction or overwrites under the
/// `lazyfree-lazy-*` settings).
pub fn freed_lazily(v: &Value) -> bool {
    free_effort(v) > LAZYFREE_THRESHOLD
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::TestEngine;

    #[test]
    fn small_values_are_one_allocation_big_ones_count_their_parts() {
        assert_eq!(free_effort(&Value::Int(1)), 1);
        let mut t = TestEngine::new();
        t.cmd(&["CONFIG", "SET", "stream-node-max-entries", "5"]);
        for i in 0..1000 {
            t.cmd(&["XADD", "s", "*", "f", &i.to_string()]);
            t.cmd(&["SADD", "set", &i.to_string(), &format!("m{i}")]);
        }
        t.cmd(&["SADD", "small", "1", "2"]);
        let effort = |t: &mut TestEngine, k: &str| {
            let keys = &t.eng.state.dbs[0].keys;
            free_effort(&keys.entry(keys.find(k.as_bytes()).expect("key")).value)
        };
        assert!(effort(&mut t, "s") > LAZYFREE_THRESHOLD);
        assert_eq!(effort(&mut t, "set"), 2000);
        assert_eq!(effort(&mut t, "small"), 1);
    }

    fn lazyfreed(t: &mut TestEngine) -> String {
        let info = t.resp(&["INFO", "memory"]);
        info.split("\r\n").find(|l| l.starts_with("lazyfreed_objects:")).expect("field").to_string()
    }

    /// The sequence checked against Redis 7.0.15: an async flush counts its keys, UNLINK
    /// and DEL under `lazyfree-lazy-user-del` count values of more than 64 allocations.
    #[test]
    fn lazyfreed_objects_counts_what_redis_frees_in_the_background() {
        let mut t = TestEngine::new();
        t.cmd(&["MSET", "a", "1", "b", "2", "c", "3"]);
        t.cmd(&["FLUSHALL", "ASYNC"]);
        assert_eq!(lazyfreed(&mut t), "lazyfreed_objects:3");
        t.cmd(&["MSET", "a", "1", "b", "2", "c", "3"]);
        t.cmd(&["CONFIG", "SET", "lazyfree-lazy-user-flush", "yes"]);
        t.cmd(&["FLUSHDB"]);
        t.cmd(&["CONFIG", "SET", "lazyfree-lazy-user-flush", "no"]);
        t.cmd(&["MSET", "a", "1"]);
        t.cmd(&["FLUSHDB"]);
        assert_eq!(lazyfreed(&mut t), "lazyfreed_objects:6");
        let big = "x".repeat(9000);
        for _ in 0..100 {
            t.cmd(&["RPUSH", "L", &big]);
        }
        for i in 0..100 {
            t.cmd(&["SADD", "S", &format!("m{i}")]);
            t.cmd(&["SADD", "S2", &format!("m{i}")]);
        }
        t.cmd(&["UNLINK", "L"]);
        t.cmd(&["DEL", "S2"]);
        assert_eq!(lazyfreed(&mut t), "lazyfreed_objects:7");
        t.cmd(&["CONFIG", "SET", "lazyfree-lazy-user-del", "yes"]);
        t.cmd(&["DEL", "S"]);
        assert_eq!(lazyfreed(&mut t), "lazyfreed_objects:8");
        t.cmd(&["CONFIG", "RESETSTAT"]);
        assert_eq!(lazyfreed(&mut t), "lazyfreed_objects:0");
    }
}
