//! `keymiss` events: every command that reads a key Redis looks up with `lookupKeyRead`
//! (read-only commands, and writes that read a source key) emits `keymiss` for a missing
//! key at Redis's moment, between the command's other events; commands that look keys
//! up for writing, or without notifying, emit none. A subscriber on its own connection
//! records the events, compared byte for byte with Redis (`cinder_parity::scenario`).

use cinder_parity::scenario::scenario;

/// Subscribes connection 1 to every keyspace and keyevent channel, keymiss included.
fn with_subscriber<'a>(steps: &[&'a str]) -> Vec<&'a str> {
    let mut all = vec!["0: CONFIG SET notify-keyspace-events KEAm", "1: PSUBSCRIBE __key*@*__:*"];
    all.extend_from_slice(steps);
    all
}

#[test]
fn read_only_commands_on_missing_keys() {
    let steps = with_subscriber(&[
        "0: GET m1",
        "0: MGET m1 m2",
        "0: GETRANGE m1 0 1",
        "0: SUBSTR m1 0 1",
        "0: STRLEN m1",
        "0: GETBIT m1 0",
        "0: BITCOUNT m1",
        "0: BITPOS m1 1",
        "0: BITFIELD_RO m1 GET u8 0",
        "0: LCS m1 m2",
        "0: EXISTS m1 m2",
        "0: TYPE m1",
        "0: TTL m1",
        "0: PTTL m1",
        "0: EXPIRETIME m1",
        "0: PEXPIRETIME m1",
        "0: TOUCH m1 m2",
        "0: DUMP m1",
        "0: OBJECT ENCODING m1",
        "0: OBJECT FREQ m1",
        "0: OBJECT IDLETIME m1",
        "0: OBJECT REFCOUNT m1",
        "0: MEMORY USAGE m1",
        "0: LLEN m1",
        "0: LINDEX m1 0",
        "0: LRANGE m1 0 -1",
        "0: LPOS m1 a",
        "0: HGET m1 f",
        "0: HMGET m1 f g",
        "0: HGETALL m1",
        "0: HKEYS m1",
        "0: HVALS m1",
        "0: HLEN m1",
        "0: HEXISTS m1 f",
        "0: HSTRLEN m1 f",
        "0: HRANDFIELD m1",
        "0: HRANDFIELD m1 2",
        "0: HSCAN m1 0",
        "0: SCARD m1",
        "0: SISMEMBER m1 a",
        "0: SMISMEMBER m1 a b",
        "0: SMEMBERS m1",
        "0: SRANDMEMBER m1",
        "0: SRANDMEMBER m1 2",
        "0: SSCAN m1 0",
        "0: SINTER m1 m2",
        "0: SUNION m1 m2",
        "0: SDIFF m1 m2",
        "0: SINTERCARD 2 m1 m2",
        "0: ZCARD m1",
        "0: ZSCORE m1 a",
        "0: ZMSCORE m1 a b",
        "0: ZRANK m1 a",
        "0: ZREVRANK m1 a",
        "0: ZCOUNT m1 0 1",
        "0: ZLEXCOUNT m1 - +",
        "0: ZRANGE m1 0 -1",
        "0: ZRANGEBYSCORE m1 0 1",
        "0: ZREVRANGEBYSCORE m1 1 0",
        "0: ZRANGEBYLEX m1 - +",
        "0: ZREVRANGEBYLEX m1 + -",
        "0: ZREVRANGE m1 0 -1",
        "0: ZRANDMEMBER m1",
        "0: ZSCAN m1 0",
        "0: ZUNION 2 m1 m2",
        "0: ZINTER 2 m1 m2",
        "0: ZDIFF 2 m1 m2",
        "0: ZINTERCARD 2 m1 m2",
        "0: GEOPOS m1 a",
        "0: GEODIST m1 a b",
        "0: GEOHASH m1 a",
        "0: GEORADIUS_RO m1 0 0 10 km",
        "0: GEORADIUSBYMEMBER_RO m1 a 10 km",
        "0: GEOSEARCH m1 FROMLONLAT 0 0 BYRADIUS 10 km",
        "0: XLEN m1",
        "0: XRANGE m1 - +",
        "0: XREVRANGE m1 + -",
        "0: XREAD STREAMS m1 m2 0 0",
        "0: XINFO STREAM m1",
        "0: XPENDING m1 g",
        "0: PFCOUNT m1",
        "0: PFCOUNT m1 m2",
        "0: SORT_RO m1",
        "0: SORT m1",
    ]);
    scenario("keymiss-read-only", &steps);
}

#[test]
fn writes_that_read_a_missing_source() {
    let steps = with_subscriber(&[
        "0: SET d x",
        "0: SINTERSTORE d m1 m2",
        "0: SET d x",
        "0: SUNIONSTORE d m1",
        "0: SET d x",
        "0: SDIFFSTORE d m1",
        "0: SMOVE m1 m2 a",
        "0: SET d x",
        "0: ZUNIONSTORE d 2 m1 m2",
        "0: SET d x",
        "0: ZINTERSTORE d 1 m1",
        "0: SET d x",
        "0: ZDIFFSTORE d 1 m1",
        "0: SET d x",
        "0: ZRANGESTORE d m1 0 -1",
        "0: SET d x",
        "0: GEOSEARCHSTORE d m1 FROMLONLAT 0 0 BYRADIUS 10 km",
        "0: GEORADIUS m1 0 0 10 km STORE d",
        "0: SET d x",
        "0: SORT m1 STORE d",
        "0: SET d x",
        "0: BITOP AND d m1 m2",
        "0: BITOP NOT d m1",
        "0: PFMERGE d2 m1",
        "0: COPY m1 d",
        "0: RENAME m1 d",
        "0: GETDEL m1",
        "0: GETEX m1 EX 10",
        "0: GETSET m1 v",
        "0: DEL m1",
        "0: APPEND m3 v",
        "0: LPOP m1",
        "0: RPOPLPUSH m1 m2",
        "0: LMOVE m1 m2 LEFT RIGHT",
        "0: LMPOP 2 m1 m2 LEFT",
        "0: ZMPOP 2 m1 m2 MIN",
        "0: SPOP m1",
        "0: ZPOPMIN m1",
        "0: HDEL m1 f",
        "0: SREM m1 a",
        "0: ZREM m1 a",
        "0: XDEL m1 1-1",
        "0: XTRIM m1 MAXLEN 0",
        "0: XACK m1 g 1-1",
        "0: XAUTOCLAIM m1 g c 0 0",
        "0: EXPIRE m1 10",
        "0: PERSIST m1",
        "0: SETRANGE m1 0 \"\"",
        "0: HINCRBY m1 f 1",
        "0: DEL m1",
    ]);
    scenario("keymiss-writes", &steps);
}

#[test]
fn keymiss_order_among_other_events() {
    let steps = with_subscriber(&[
        "0: SADD s1 a b",
        "0: SET d x",
        // The sources are read (keymiss for m1) before the destination is deleted.
        "0: SINTERSTORE d s1 m1",
        "0: SUNIONSTORE d m1 s1",
        "0: ZADD z1 1 a",
        "0: ZUNIONSTORE d 2 m1 z1",
        "0: ZINTERSTORE d 2 z1 m1",
        "0: MGET s1 m1 d m2",
        "0: SET bits a",
        "0: BITOP OR d m1 bits",
        "0: SORT s1 BY m1_* GET m2_* ALPHA",
        "0: SORT s1 BY nosort GET # GET m3_*",
    ]);
    scenario("keymiss-order", &steps);
}
