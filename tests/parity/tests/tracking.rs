//! Client-side caching (CLIENT TRACKING) with several connections, against both servers
//! (transcripts compared byte for byte, see `cinder_parity::scenario`): where the
//! invalidation pushes land relative to replies (own writes, other connections' writes,
//! MULTI/EXEC, flushes, expiry), RESP2 redirection to a `__redis__:invalidate`
//! subscriber, OPTIN/OPTOUT, NOLOOP and BCAST prefixes. Client ids differ between the
//! servers, so no step shows one (CLIENT GETREDIR and `tracking-redir-broken` with a
//! redirect are covered by unit tests).

use cinder_parity::scenario::scenario;

#[test]
fn default_mode_resp3() {
    scenario(
        "tracking-default",
        &[
            "1: @quiet HELLO 3",
            "1: CLIENT TRACKING on",
            "1: GET k",
            // Own write: the invalidation follows the reply.
            "1: SET k 1",
            "1: GET k",
            // Another connection's write: pushed to 1 only.
            "2: SET k 2",
            "2: SET k 3",
            "1: MGET k j k",
            "1: MULTI",
            "1: SET k 4",
            "1: SET j 4",
            "1: EXEC",
            "1: GET k",
            "1: GET j",
            "1: DEL k j",
            // Read commands with key specs, a failing read included.
            "2: LPUSH l x",
            "1: GET l",
            "1: LLEN l",
            "2: RPUSH l y",
            "1: EXISTS l",
            "2: DEL l",
            // Flushes: a null invalidation for every tracking client.
            "1: GET k",
            "1: FLUSHALL",
            "1: GET k",
            "2: FLUSHDB",
            "1: CLIENT TRACKING off",
            "1: GET k",
            "2: SET k x",
            "1: CLIENT TRACKINGINFO",
            "1: CLIENT GETREDIR",
        ],
    );
}

#[test]
fn expiry_invalidates() {
    scenario(
        "tracking-expiry",
        &[
            "1: @quiet HELLO 3",
            "1: CLIENT TRACKING on",
            "2: SET e 1 PX 100",
            "1: GET e",
            "@sleep 400",
            "1: DBSIZE",
            // Lazy expiry by the tracking client's own read: the invalidation follows the
            // reply and the key is tracked again.
            "0: DEBUG SET-ACTIVE-EXPIRE 0",
            "2: SET f 1 PX 100",
            "1: GET f",
            "@sleep 300",
            "1: GET f",
            "2: SET f 2",
            // BCAST NOLOOP: an expiry has no author, so the client hears of it.
            "1: CLIENT TRACKING off",
            "1: CLIENT TRACKING on BCAST NOLOOP",
            "2: SET g 1 PX 100",
            "@sleep 300",
            "1: GET g",
            "1: SET g 1",
            "0: DEBUG SET-ACTIVE-EXPIRE 1",
        ],
    );
}

#[test]
fn optin_optout_noloop() {
    scenario(
        "tracking-opt",
        &[
            "1: @quiet HELLO 3",
            "1: CLIENT TRACKING on OPTIN",
            "1: CLIENT TRACKING on OPTOUT",
            "1: CLIENT CACHING no",
            "1: GET a",
            "1: CLIENT CACHING yes",
            "1: CLIENT TRACKINGINFO",
            "1: GET b",
            "1: GET c",
            "2: MSET a 1 b 1 c 1",
            "1: CLIENT CACHING yes",
            "1: MULTI",
            "1: GET a",
            "1: GET b",
            "1: EXEC",
            "2: MSET a 2 b 2",
            "1: CLIENT TRACKING off",
            "1: CLIENT TRACKING on OPTOUT NOLOOP",
            "1: CLIENT CACHING yes",
            "1: CLIENT CACHING no",
            "1: CLIENT TRACKINGINFO",
            "1: GET a",
            "1: GET b",
            "2: MSET a 3 b 3",
            "1: GET a",
            "1: SET a 4",
            "2: SET a 5",
        ],
    );
}

#[test]
fn bcast_prefixes() {
    scenario(
        "tracking-bcast",
        &[
            "1: @quiet HELLO 3",
            "1: CLIENT TRACKING on BCAST PREFIX b PREFIX a",
            "1: CLIENT TRACKING on BCAST PREFIX ab",
            "1: CLIENT TRACKING on",
            "1: CLIENT TRACKING on BCAST PREFIX c NOLOOP",
            "1: CLIENT TRACKINGINFO",
            "1: CLIENT LIST TYPE pubsub",
            "2: MSET b2 1 a1 1 x 1 a0 1",
            "1: SET a5 1",
            "2: SET c1 1",
            "1: MULTI",
            "1: SET a6 1",
            "1: SET b6 1",
            "1: EXEC",
            "3: @quiet HELLO 3",
            "3: CLIENT TRACKING on BCAST",
            "2: SET zz 1",
            "2: FLUSHALL",
            "3: CLIENT TRACKING off",
            "2: SET zz 2",
        ],
    );
}

#[test]
fn redirect_resp2_subscriber() {
    scenario(
        "tracking-redirect",
        &[
            "9: @id sub",
            "9: SUBSCRIBE __redis__:invalidate",
            "1: CLIENT TRACKING on REDIRECT $sub",
            "1: GET k",
            "2: SET k 1",
            "1: MGET k j",
            "1: SET j 1",
            "1: FLUSHALL",
            // RESP2 without redirection: tracked, but nothing can be sent.
            "3: CLIENT TRACKING on",
            "3: GET q",
            "2: SET q 1",
            "9: @close",
            "1: GET k",
            "2: SET k 2",
            "1: GET k",
        ],
    );
}

#[test]
fn keys_of_read_commands() {
    scenario(
        "tracking-keyspecs",
        &[
            "1: @quiet HELLO 3",
            "1: CLIENT TRACKING on",
            "1: TYPE a",
            "1: OBJECT ENCODING b",
            "1: SORT_RO c BY nosort",
            "1: XREAD STREAMS d e 0 0",
            "1: ZUNION 2 f g",
            "1: LCS h i",
            "1: EXISTS j j",
            "1: SINTERCARD 2 k l LIMIT 1",
            "1: SCAN 0",
            "1: MEMORY USAGE m",
            // Writes are not tracked.
            "1: GETDEL n",
            "2: MSET a 1 b 1 c 1 d 1 e 1 f 1 g 1 h 1 i 1 j 1 k 1 l 1 m 1 n 1",
            "2: MSET a 2 b 2",
        ],
    );
}

#[test]
fn invalidations_and_keyspace_events_interleave() {
    scenario(
        "tracking-keyspace-events",
        &[
            "0: CONFIG SET notify-keyspace-events KA",
            "1: @quiet HELLO 3",
            "1: CLIENT TRACKING on",
            "1: SUBSCRIBE __keyspace@0__:k __keyspace@0__:j",
            "1: MGET k j",
            // Another connection's write: the invalidation comes before the event.
            "2: MSET k 1 j 1",
            "1: GET k",
            // Own write: the event before the reply, the invalidation after it.
            "1: SET k 2",
            "1: GET k",
            "2: DEL k",
        ],
    );
}

/// Pops and removals that empty or shrink a collection invalidate tracked keys with no
/// WATCH and no keyspace notification on (Cinder's fast path used to skip the hook).
#[test]
fn pops_and_removals_invalidate() {
    scenario(
        "tracking-pops",
        &[
            "1: @quiet HELLO 3",
            "1: CLIENT TRACKING on",
            "2: RPUSH l a b c",
            "2: ZADD z 1 m 2 n",
            "1: LRANGE l 0 -1",
            "1: ZRANGE z 0 -1",
            "2: LPOP l",
            "1: LLEN l",
            "2: RPOP l 2",
            "1: ZCARD z",
            "2: ZREM z m",
            "1: ZSCORE z n",
            "2: ZPOPMIN z",
            "1: PING",
        ],
    );
}
