//! Keyspace notifications of the bitmap commands (`setbit`, BITOP's `set`/`del`), and
//! WATCH and client-side caching seeing their writes, compared byte for byte with Redis
//! (see `cinder_parity::scenario`).

use cinder_parity::scenario::scenario;

#[test]
fn bitmap_keyspace_events() {
    scenario(
        "notify-bitmaps",
        &[
            "0: CONFIG SET notify-keyspace-events KEA",
            "1: PSUBSCRIBE __key*@*__:*",
            "0: SETBIT b 0 0",
            "0: SETBIT b 0 0",
            "0: SETBIT b 0 1",
            "0: SETBIT b 100 0",
            "0: GETBIT b 0",
            "0: BITFIELD f SET i5 0 0",
            "0: BITFIELD f SET i5 0 0",
            "0: BITFIELD f SET i5 0 1 INCRBY u4 8 1",
            "0: BITFIELD f OVERFLOW FAIL INCRBY u2 0 100",
            "0: BITFIELD g OVERFLOW FAIL INCRBY u2 0 100",
            "0: BITFIELD_RO f GET u8 0",
            "0: BITOP AND d b f",
            "0: BITOP OR d nothing",
            "0: BITOP OR d nothing",
            "0: BITOP NOT d f",
            "0: BITCOUNT nothing",
            "0: BITPOS nothing 1",
            "0: DEL b",
        ],
    );
}

#[test]
fn bitmap_writes_touch_watched_and_tracked_keys() {
    scenario(
        "watch-tracking-bitmaps",
        &[
            "1: WATCH b",
            "0: SETBIT b 3 0",
            "1: MULTI",
            "1: GET b",
            "1: EXEC",
            "1: WATCH b",
            "0: SETBIT b 3 0",
            "1: MULTI",
            "1: GET b",
            "1: EXEC",
            "1: WATCH d",
            "0: BITOP OR d b",
            "1: MULTI",
            "1: PING",
            "1: EXEC",
            "2: @quiet HELLO 3",
            "2: CLIENT TRACKING ON",
            "2: GET f",
            "0: BITFIELD f SET u8 0 1",
            "2: GET f",
            "0: BITFIELD f SET u8 0 1",
            "2: BITCOUNT f",
            "0: SETBIT f 0 1",
            "2: GETBIT f 0",
            "0: BITOP NOT f f",
            "2: PING",
        ],
    );
}
