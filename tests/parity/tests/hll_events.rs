//! HyperLogLog and the event seam, compared with Redis: keyspace notifications (`pfadd`,
//! also for PFMERGE; nothing for a PFADD that changes nothing or a PFCOUNT that caches),
//! and WATCH (a PFCOUNT that refreshes the cached cardinality modifies the key).

use cinder_parity::scenario::scenario;

#[test]
fn hll_notifications() {
    scenario(
        "notify-hll",
        &[
            "0: CONFIG SET notify-keyspace-events KEA",
            "1: PSUBSCRIBE __key*@*__:*",
            "0: PFADD h a b c",
            "0: PFADD h a",
            "0: PFADD h",
            "0: PFADD h2",
            "0: PFCOUNT h",
            "0: PFCOUNT h",
            "0: PFMERGE h3 h h2",
            "0: PFMERGE h3",
            "0: PFDEBUG TODENSE h",
            "0: PFDEBUG TODENSE h2",
            "0: SET s foo",
            "0: PFADD s x",
            "0: DEL h",
        ],
    );
}

#[test]
fn hll_watch() {
    scenario(
        "watch-hll",
        &[
            "0: PFADD h a b c",
            "0: WATCH h",
            "1: PFCOUNT h",
            "0: MULTI",
            "0: PING",
            "0: EXEC",
            "0: WATCH h",
            "1: PFCOUNT h",
            "0: MULTI",
            "0: PING",
            "0: EXEC",
            "0: WATCH h",
            "1: PFADD h a",
            "0: MULTI",
            "0: PING",
            "0: EXEC",
            "0: WATCH h",
            "1: PFMERGE h",
            "0: MULTI",
            "0: PING",
            "0: EXEC",
        ],
    );
}
