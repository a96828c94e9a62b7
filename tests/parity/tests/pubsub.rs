//! Pub/sub and keyspace notifications with subscribers on their own connections, against
//! both servers (transcripts compared byte for byte, see `cinder_parity::scenario`).
//! Each subscriber uses one channel or pattern per published message where Redis's
//! delivery order would depend on its hash tables.

use cinder_parity::scenario::scenario;

#[test]
fn subscribe_publish_unsubscribe_resp2() {
    scenario(
        "pubsub-resp2",
        &[
            "1: SUBSCRIBE news sport",
            "2: PSUBSCRIBE n*",
            "3: SUBSCRIBE news",
            "0: PUBLISH news hello",
            "0: PUBLISH sport goal",
            "0: PUBLISH nothing x",
            "0: PUBLISH other x",
            "0: PUBSUB NUMSUB news sport none",
            "0: PUBSUB NUMPAT",
            "0: PUBSUB CHANNELS n*",
            "0: PUBSUB CHANNELS x*",
            // Subscribed RESP2 clients may only run some commands.
            "1: GET k",
            "1: CLIENT ID",
            "1: PING",
            "1: PING hi",
            "1: SUBSCRIBE news",
            "1: UNSUBSCRIBE sport",
            "0: PUBLISH sport nobody",
            "1: UNSUBSCRIBE",
            "1: UNSUBSCRIBE",
            "1: GET k",
            "2: PUNSUBSCRIBE nomatch",
            "2: PUNSUBSCRIBE",
            "2: PUNSUBSCRIBE",
            "0: PUBSUB NUMPAT",
            "3: RESET",
            "0: PUBLISH news after-reset",
            "0: PUBSUB NUMSUB news",
            // Disconnecting unsubscribes.
            "4: SUBSCRIBE gone",
            "4: @close",
            "0: PUBLISH gone x",
            "0: PUBSUB NUMSUB gone",
            // Errors.
            "0: SUBSCRIBE",
            "0: PUBLISH a",
            "0: PUBSUB CHANNELS a b",
            "0: PUBSUB NUMPAT x",
            "0: PUBSUB NOPE",
            "0: PUBSUB HELP",
            // Binary-safe pattern matching with the KEYS matcher.
            "5: PSUBSCRIBE h?llo h[ae]y \\*",
            "0: PUBLISH hallo 1",
            "0: PUBLISH hey 2",
            "0: PUBLISH * 3",
            "0: PUBLISH hxy 4",
        ],
    );
}

#[test]
fn subscribe_resp3_pushes() {
    scenario(
        "pubsub-resp3",
        &[
            "1: @quiet HELLO 3",
            "1: SUBSCRIBE a",
            "1: GET k",
            "1: PING",
            "1: PUBLISH a self",
            "0: PUBLISH a other",
            "1: PSUBSCRIBE b*",
            "0: PUBLISH bee x",
            "1: UNSUBSCRIBE",
            "1: PUNSUBSCRIBE",
            "1: UNSUBSCRIBE",
        ],
    );
}

#[test]
fn sharded_pubsub() {
    scenario(
        "pubsub-sharded",
        &[
            "1: SSUBSCRIBE s1 s2",
            "2: SUBSCRIBE s1",
            "0: SPUBLISH s1 m",
            "0: PUBLISH s1 m2",
            "0: PUBSUB SHARDNUMSUB s1 s2 s3",
            "0: PUBSUB SHARDCHANNELS *2",
            "0: PUBSUB SHARDCHANNELS s1*",
            "0: PUBSUB NUMSUB s1",
            "1: SUNSUBSCRIBE s1",
            "1: SUNSUBSCRIBE",
            "1: SUNSUBSCRIBE",
            "0: SPUBLISH s2 nobody",
            "0: MULTI",
            "0: SSUBSCRIBE x",
            "0: EXEC",
        ],
    );
}

#[test]
fn transactions_with_pubsub() {
    scenario(
        "pubsub-multi",
        &[
            "1: SUBSCRIBE ch",
            "0: MULTI",
            "0: PUBLISH ch one",
            "0: PUBLISH ch two",
            "0: EXEC",
            "1: MULTI",
            "2: MULTI",
            "2: SUBSCRIBE c2",
            "2: EXEC",
            "0: PUBLISH c2 x",
        ],
    );
}

#[test]
fn watch_touched_by_another_connection() {
    scenario(
        "watch-conns",
        &[
            "0: SET k 1",
            "0: WATCH k",
            "1: INCR k",
            "0: MULTI",
            "0: GET k",
            "0: EXEC",
            "0: WATCH k",
            "1: GET k",
            "0: MULTI",
            "0: INCR k",
            "0: EXEC",
            // A blocked client served by a command in EXEC.
            "2: BLPOP q 0",
            "0: MULTI",
            "0: RPUSH q a",
            "0: RPUSH q b",
            "0: EXEC",
            "0: LRANGE q 0 -1",
        ],
    );
}
