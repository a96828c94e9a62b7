//! Keyspace notifications: a subscriber on its own connection (one pattern, so messages
//! arrive in publication order) records the events each write command family emits,
//! compared byte for byte with Redis (see `cinder_parity::scenario`).

use cinder_parity::scenario::scenario;

/// Subscribes connection 1 to every keyspace and keyevent channel with `classes` on.
fn with_subscriber<'a>(classes: &'a str, steps: &[&'a str]) -> Vec<&'a str> {
    let mut all = vec![classes, "1: PSUBSCRIBE __key*@*__:*"];
    all.extend_from_slice(steps);
    all
}

#[test]
fn strings_and_generic() {
    let steps = with_subscriber(
        "0: CONFIG SET notify-keyspace-events KEA",
        &[
            "0: SET s 1",
            "0: SET s 2 EX 100",
            "0: SETNX s 3",
            "0: SETEX s2 10 v",
            "0: PSETEX s3 100000 v",
            "0: MSET a 1 b 2",
            "0: MSETNX a 1 c 3",
            "0: GETSET a 5",
            "0: GETDEL a",
            "0: GETEX b EX 100",
            "0: GETEX b PERSIST",
            "0: GETEX b PERSIST",
            "0: GETEX b PXAT 1",
            "0: APPEND s x",
            "0: SETRANGE s 10 y",
            "0: SETRANGE s 0 \"\"",
            "0: INCR n",
            "0: DECRBY n 5",
            "0: INCRBYFLOAT n 1.5",
            "0: INCR s",
            "0: DEL s nokey s2",
            "0: UNLINK s3",
            "0: SET e 1",
            "0: EXPIRE e 100",
            "0: PEXPIRE e 100 NX",
            "0: PERSIST e",
            "0: PERSIST e",
            "0: EXPIREAT e 1",
            "0: SET r 1",
            "0: RENAME r r2",
            "0: RENAMENX r2 r2",
            "0: SET r3 x",
            "0: RENAMENX r2 r3",
            "0: COPY r2 r4",
            "0: COPY r2 r4 DB 2",
            "0: MOVE r2 3",
            "0: FLUSHALL",
            "0: SET x 1",
            "0: SWAPDB 0 1",
        ],
    );
    scenario("notify-strings-generic", &steps);
}

#[test]
fn lists_hashes_sets() {
    let steps = with_subscriber(
        "0: CONFIG SET notify-keyspace-events KEA",
        &[
            "0: RPUSH l a b c",
            "0: LPUSH l z",
            "0: LPUSHX nol x",
            "0: RPUSHX l d",
            "0: LINSERT l BEFORE a q",
            "0: LINSERT l BEFORE nothere q",
            "0: LSET l 0 w",
            "0: LPOP l",
            "0: RPOP l 2",
            "0: LPOP l 0",
            "0: LREM l 0 nothere",
            "0: LREM l 1 q",
            "0: LTRIM l 0 0",
            "0: LMOVE l l2 LEFT RIGHT",
            "0: RPUSH l a b",
            "0: RPOPLPUSH l l2",
            "0: LMPOP 2 nol l RIGHT COUNT 5",
            "0: BLPOP l2 0",
            "0: BRPOP l2 0",
            "0: SORT nol STORE l2",
            "0: RPUSH src 3 1 2",
            "0: SORT src STORE sorted",
            "0: HSET h f 1 g 2",
            "0: HMSET h f 3",
            "0: HSETNX h f 4",
            "0: HSETNX h n 4",
            "0: HINCRBY h f 1",
            "0: HINCRBYFLOAT h f 1.5",
            "0: HDEL h nofield",
            "0: HDEL h f g n",
            "0: SADD s a b c",
            "0: SADD s a",
            "0: SREM s nomember",
            "0: SREM s a",
            "0: SMOVE s s2 b",
            "0: SMOVE s s2 c",
            "0: SREM s2 c",
            "0: SPOP s2",
            "0: SADD s 1",
            "0: SPOP s 0",
            "0: SPOP s 1",
            "0: SADD s 1 2",
            "0: SPOP s 5",
            "0: SADD s 1 2",
            "0: SINTERSTORE d s nokey",
            "0: SINTERSTORE d s s",
            "0: SUNIONSTORE d s",
            "0: SDIFFSTORE d s s",
        ],
    );
    scenario("notify-lists-hashes-sets", &steps);
}

#[test]
fn sorted_sets() {
    let steps = with_subscriber(
        "0: CONFIG SET notify-keyspace-events KEA",
        &[
            "0: ZADD z 1 a 2 b 3 c",
            "0: ZADD z 1 a",
            "0: ZADD z XX 5 nob",
            "0: ZINCRBY z 1 a",
            "0: ZINCRBY z 0 a",
            "0: ZADD z INCR 1 a",
            "0: ZREM z nomember",
            "0: ZREM z a",
            "0: ZREMRANGEBYSCORE z 100 200",
            "0: ZREMRANGEBYSCORE z 0 2",
            "0: ZADD z 1 a 2 b",
            "0: ZREMRANGEBYRANK z 0 0",
            "0: ZADD z 0 x 0 y",
            "0: ZREMRANGEBYLEX z [x [y",
            "0: ZPOPMIN z",
            "0: ZADD z 1 a 2 b",
            "0: ZPOPMAX z 5",
            "0: ZADD z 1 a 2 b",
            "0: ZMPOP 1 z MIN COUNT 1",
            "0: BZPOPMIN z 0",
            "0: ZADD z 1 a 2 b",
            "0: ZUNIONSTORE u 1 z",
            "0: ZINTERSTORE u 2 z nokey",
            "0: ZADD u 1 a",
            "0: ZDIFFSTORE u 2 z z",
            "0: ZRANGESTORE u z 0 -1",
            "0: ZRANGESTORE u z 5 6",
        ],
    );
    scenario("notify-zsets", &steps);
}

#[test]
fn streams() {
    let steps = with_subscriber(
        "0: CONFIG SET notify-keyspace-events KEAn",
        &[
            "0: XADD s 1-1 f v",
            "0: XADD s MAXLEN 1 2-1 f v",
            "0: XTRIM s MAXLEN 0",
            "0: XTRIM s MAXLEN 0",
            "0: XADD s 3-1 f v",
            "0: XDEL s 9-9",
            "0: XDEL s 3-1",
            "0: XSETID s 10-1",
            "0: XGROUP CREATE s g $",
            "0: XGROUP CREATE s g $",
            "0: XGROUP SETID s g 0",
            "0: XGROUP CREATECONSUMER s g c1",
            "0: XGROUP CREATECONSUMER s g c1",
            "0: XGROUP DELCONSUMER s g c1",
            "0: XGROUP DELCONSUMER s g nope",
            "0: XADD s 11-1 f v",
            "0: XREADGROUP GROUP g c2 COUNT 1 STREAMS s >",
            "0: XREADGROUP GROUP g c2 COUNT 1 STREAMS s 0",
            "0: XCLAIM s g c3 0 11-1",
            "0: XAUTOCLAIM s g c4 0 0",
            "0: XACK s g 11-1",
            "0: XGROUP DESTROY s g",
            "0: XGROUP DESTROY s g",
            "0: XGROUP CREATE s2 g $ MKSTREAM",
            "0: XADD s3 NOMKSTREAM * f v",
            "0: XADD s4 MAXLEN 0 1-1 f v",
            "0: EXISTS s4",
        ],
    );
    scenario("notify-streams", &steps);
}

#[test]
fn expired_new_keymiss_and_class_filters() {
    scenario(
        "notify-expired-new",
        &[
            "0: CONFIG SET notify-keyspace-events KEA",
            "1: PSUBSCRIBE __key*@*__:*",
            "0: DEBUG SET-ACTIVE-EXPIRE 0",
            "0: SET k v PX 20",
            "@sleep 60",
            // Lazy expiry in a write: the expired event comes before the command's own.
            "0: SET k w",
            "0: SET k v PX 20",
            "@sleep 60",
            "0: GET k",
            "0: DEBUG SET-ACTIVE-EXPIRE 1",
            // Long enough not to expire while the step's replies settle.
            "0: SET k v PX 200",
            "@sleep 600",
            "0: CONFIG SET notify-keyspace-events En",
            "0: SET newkey 1",
            "0: SET newkey 2",
            "0: RPUSH newlist a",
            "0: CONFIG SET notify-keyspace-events Km",
            "0: GET missing",
            "0: MGET missing k2",
            "0: CONFIG SET notify-keyspace-events Kl",
            "0: SET ignored 1",
            "0: RPUSH seen 1",
            "0: CONFIG SET notify-keyspace-events Eg",
            "0: DEL seen",
            "0: SELECT 3",
            "0: SET x 1",
            "0: DEL x",
            "0: CONFIG SET notify-keyspace-events \"\"",
            "0: SET quiet 1",
        ],
    );
}

#[test]
fn notifications_resp3_and_own_connection() {
    scenario(
        "notify-resp3",
        &[
            "0: CONFIG SET notify-keyspace-events KEA",
            "1: @quiet HELLO 3",
            "1: SUBSCRIBE __keyevent@0__:set",
            "0: SET a 1",
            "1: SET b 2",
            "1: GET b",
        ],
    );
}

#[test]
fn evicted_and_watch_of_evicted_key() {
    scenario(
        "notify-evicted",
        &[
            "0: CONFIG SET notify-keyspace-events Ee",
            "1: SUBSCRIBE __keyevent@0__:evicted",
            "0: SET big x",
            "2: WATCH big",
            // Redis evicts at once when CONFIG SET lowers maxmemory under another policy:
            // set the limit under noeviction, then switch policy; the next command evicts.
            "0: CONFIG SET maxmemory 1",
            "0: @pipe CONFIG SET maxmemory-policy allkeys-lru | PING",
            "@sleep 200",
            "0: CONFIG SET maxmemory 0",
            "0: EXISTS big",
            "2: MULTI",
            "2: PING",
            "2: EXEC",
        ],
    );
}

#[test]
fn geo() {
    let steps = with_subscriber(
        "0: CONFIG SET notify-keyspace-events KEA",
        &[
            "0: GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania",
            "0: GEOADD g 13.361389 38.115556 Palermo",
            "0: GEOADD g CH 13.5 38 Palermo",
            "0: GEOADD g XX 1 1 nope",
            "0: GEORADIUS g 15 37 200 km STORE d",
            "0: GEORADIUSBYMEMBER g Palermo 300 km STOREDIST d",
            "0: GEOSEARCHSTORE d2 g FROMLONLAT 15 37 BYRADIUS 200 km",
            "0: GEOSEARCHSTORE d2 g FROMLONLAT 50 50 BYRADIUS 1 m",
            "0: GEORADIUS nokey 1 1 1 m STORE d",
            "0: GEOSEARCH g FROMMEMBER Palermo BYRADIUS 10 km",
            "0: GEOPOS nokey a",
        ],
    );
    scenario("notify-geo", &steps);
}
