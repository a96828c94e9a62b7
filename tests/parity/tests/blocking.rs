//! Blocking list commands with several client connections, against both servers. Each
//! scenario runs on a fresh server of each kind; after every step, whatever each
//! connection received (complete replies, or the connection closing) is recorded, and the
//! two transcripts must be identical byte for byte.
//! Step syntax and transcript rules: `cinder_parity::scenario`.
//! Timeouts in scenarios are at least 0.1 s and followed by a longer `@sleep`: Redis
//! notices them on its next event-loop turn (within 100 ms at `hz 10`), Cinder on time.

use cinder_parity::scenario::scenario;

#[test]
fn clients_blocked_on_one_key_are_served_in_order() {
    scenario(
        "fifo",
        &[
            "1: BLPOP k 0",
            "2: BRPOP k 0",
            "3: BLPOP k 0",
            "0: RPUSH k a b",
            "0: LLEN k",
            "0: RPUSH k c",
            "0: EXISTS k",
            // Waiting on several keys (one twice): served from the key that got data.
            "1: BLPOP a a b 0",
            "0: RPUSH b x y",
            "0: LRANGE b 0 -1",
            // A pipeline behind a blocked command waits for it.
            "2: @pipe BLPOP p 0 | PING | LPUSH p2 q",
            "0: RPUSH p 1",
            "0: LRANGE p2 0 -1",
        ],
    );
}

#[test]
fn blmove_chains_and_rotation() {
    scenario(
        "blmove",
        &[
            "1: BLMOVE k1 k2 LEFT RIGHT 0",
            "2: BRPOPLPUSH k2 k3 0",
            "3: BLMPOP 0 1 k3 LEFT COUNT 5",
            "0: RPUSH k1 x y",
            "0: LRANGE k1 0 -1",
            "0: EXISTS k2 k3",
            // A list moved onto itself keeps its element for the next client.
            "1: BLMOVE r r RIGHT LEFT 0",
            "2: BLPOP r 0",
            "0: RPUSH r a",
            "0: EXISTS r",
            // BLMPOP takes up to COUNT from the ready key, from the right end.
            "3: BLMPOP 0 2 m1 m2 RIGHT COUNT 2",
            "0: RPUSH m2 a b c",
            "0: LRANGE m2 0 -1",
        ],
    );
}

#[test]
fn timeouts_reply_nil_in_resp2_and_resp3() {
    scenario(
        "timeouts",
        &[
            "3: @quiet HELLO 3",
            "4: @quiet HELLO 3",
            "1: BLPOP t 0.5",
            "2: BLMOVE t u LEFT LEFT 0.55",
            "3: BLMPOP 0.5 1 t LEFT",
            "4: BRPOPLPUSH t u 0.6",
            "@sleep 1100",
            "0: RPUSH t late",
            "0: LRANGE t 0 -1",
            // Sub-second timeouts also end waits on several keys.
            "1: BRPOP t2 t3 0.1",
            "@sleep 400",
            // Timeout 0 waits until served.
            "2: BLPOP forever 0",
            "@sleep 200",
            "0: LPUSH forever now",
        ],
    );
}

#[test]
fn wrong_type_appearing_while_blocked() {
    scenario(
        "wrongtype",
        &[
            "1: BLPOP w 0",
            "0: SET w x",
            "0: LPUSH w a",
            "0: DEL w",
            "0: RPUSH w z",
            // The destination of a blocked BLMOVE becomes a string: WRONGTYPE for that
            // client, the element stays, the next client gets it.
            "1: BLMOVE s d LEFT LEFT 0",
            "2: BLPOP s 0",
            "0: SET d str",
            "0: RPUSH s e",
            "0: EXISTS s",
            "0: GET d",
        ],
    );
}

#[test]
fn del_of_the_key_and_disconnects() {
    scenario(
        "del",
        &[
            "1: BLPOP d 0.3",
            "0: RPUSH other 1",
            "0: DEL d",
            "0: EXISTS d",
            "@sleep 500",
            "1: BLPOP d 0",
            "0: SET d v",
            "0: DEL d",
            "0: FLUSHALL",
            "0: RPUSH d fresh",
            // A client that disconnects while blocked takes nothing.
            "2: BLPOP gone 0",
            "2: @close",
            "0: RPUSH gone a",
            "0: LLEN gone",
            // SWAPDB brings a list under a waited-for name.
            "3: BLPOP sw 0",
            "0: SELECT 1",
            "0: RPUSH sw a b",
            "0: SWAPDB 0 1",
            "0: LRANGE sw 0 -1",
            "0: SELECT 0",
            "0: LRANGE sw 0 -1",
        ],
    );
}

#[test]
fn client_unblock_and_kill() {
    scenario(
        "unblock",
        &[
            "1: @id c1",
            "2: @id c2",
            "0: CLIENT UNBLOCK $c1",
            "1: BLPOP u 0",
            "0: CLIENT UNBLOCK $c1 foo",
            "0: CLIENT UNBLOCK $c1 ERROR",
            "1: BRPOPLPUSH u v 0",
            "0: CLIENT UNBLOCK $c1 TIMEOUT",
            "0: CLIENT UNBLOCK $c1",
            "1: @quiet HELLO 3",
            "1: BLMPOP 0 1 u LEFT",
            "0: CLIENT UNBLOCK $c1",
            "1: BLPOP u 0",
            "0: CLIENT UNBLOCK $c1 error",
            "2: BLPOP u 0",
            "0: CLIENT KILL ID $c2",
            "0: RPUSH u a",
            "0: LLEN u",
            "1: PING",
        ],
    );
}

#[test]
fn sort_store_and_rename_create_ready_keys() {
    scenario(
        "created keys",
        &[
            "0: SADD s 2 1",
            // SORT ... STORE into a missing key adds it: the waiter is served.
            "1: BLPOP st 0",
            "0: SORT s STORE st",
            "0: LRANGE st 0 -1",
            // Over an existing key of another type it overwrites: no wake-up (Redis 7.0),
            // not even by a later push onto the now existing list.
            "2: BLPOP ov 0",
            "0: SET ov x",
            "0: SORT s STORE ov",
            "0: RPUSH ov 3",
            "0: LRANGE ov 0 -1",
            "0: DEL ov",
            "0: RPUSH ov z",
            // RENAME, COPY and MOVE add the destination key.
            "1: BLPOP rn 0",
            "0: RPUSH src a b",
            "0: RENAME src rn",
            "0: LRANGE rn 0 -1",
            "2: BRPOP cp 0",
            "0: COPY rn cp",
            "0: LRANGE cp 0 -1",
            "3: SELECT 1",
            "3: BLPOP mv 0",
            "0: RPUSH mv m",
            "0: MOVE mv 1",
        ],
    );
}

#[test]
fn sorted_set_pops_wait_and_are_served_in_order() {
    scenario(
        "bzpop",
        &[
            "1: BZPOPMIN z 0",
            "2: BZPOPMAX z 0",
            "3: BZMPOP 0 2 other z MAX COUNT 2",
            "0: ZADD z 1 a 2 b 3 c 4 d 5 e",
            "0: ZRANGE z 0 -1 WITHSCORES",
            // Served from the key that became ready, and only by a sorted set.
            "1: BZPOPMAX k1 k2 0",
            "0: RPUSH k1 x",
            "0: ZADD k2 1.5 m",
            "0: EXISTS k1 k2",
            // A list waiter and a sorted-set waiter on one key: the value's type decides.
            "1: BLPOP both 0",
            "2: BZPOPMIN both 0",
            "0: ZADD both 7 z",
            "0: RPUSH both2 v",
            "0: DEL both",
            "0: RPUSH both l",
            // Store commands create ready keys.
            "1: BZPOPMIN dst 0",
            "0: ZADD src 3 q 4 r",
            "0: ZUNIONSTORE dst 1 src",
            "0: ZRANGE dst 0 -1",
            "2: BZMPOP 0 1 dst2 MIN",
            "0: ZRANGESTORE dst2 src 0 0",
        ],
    );
}

#[test]
fn sorted_set_pop_timeouts_in_resp2_and_resp3() {
    scenario(
        "bzpop-timeouts",
        &[
            "3: @quiet HELLO 3",
            "1: BZPOPMIN t 0.3",
            "2: BZMPOP 0.3 1 t MIN",
            "3: BZPOPMAX t 0.3",
            "@sleep 800",
            "3: ZADD t 1 a",
            "3: BZPOPMAX t 0",
            "1: @quiet HELLO 3",
            "1: BZMPOP 0 1 t2 MAX COUNT 3",
            "0: ZADD t2 1.5 a 2.5 b",
        ],
    );
}

#[test]
fn xread_waits_and_is_served_in_order() {
    scenario(
        "xread",
        &[
            "1: XREAD BLOCK 0 STREAMS s $",
            "2: XREAD COUNT 1 BLOCK 0 STREAMS other s 0 0",
            "3: XREAD BLOCK 0 STREAMS s 5-0",
            "0: XADD s 1-1 a 1",
            "0: XADD s 1-2 b 2",
            "0: XADD s 6-0 c 3",
            // A non-stream value under the key does not serve (nor end) XREAD waits.
            "1: XREAD BLOCK 0 STREAMS k $",
            "0: RPUSH k x",
            "0: DEL k",
            "0: XADD k 1-1 f v",
            // Timeouts: nil arrays in RESP2 and RESP3.
            "2: XREAD BLOCK 300 STREAMS t $",
            "3: @quiet HELLO 3",
            "3: XREAD BLOCK 300 STREAMS t $",
            "@sleep 800",
            "3: XREAD BLOCK 0 STREAMS t $",
            "0: XADD t 9-9 f v",
            // Without COUNT a blocked client gets the new entries.
            "1: XREAD BLOCK 0 STREAMS m 0",
            "0: XADD m 1-1 f v",
        ],
    );
}

#[test]
fn xreadgroup_waits_moves_the_group_and_ends_on_delete_or_destroy() {
    scenario(
        "xreadgroup",
        &[
            "0: XGROUP CREATE s g $ MKSTREAM",
            "1: XREADGROUP GROUP g alice BLOCK 0 STREAMS s >",
            "2: XREADGROUP GROUP g bob COUNT 1 BLOCK 0 STREAMS s >",
            "0: XADD s 1-1 f 1",
            "0: XADD s 2-1 f 2",
            "0: XPENDING s g",
            "0: XINFO GROUPS s",
            // NOACK leaves nothing pending.
            "1: XREADGROUP GROUP g alice NOACK BLOCK 0 STREAMS s >",
            "0: XADD s 3-1 f 3",
            "0: XPENDING s g",
            // Destroying the group or deleting the key ends XREADGROUP waits with errors.
            "1: XREADGROUP GROUP g alice BLOCK 0 STREAMS s >",
            "0: XGROUP DESTROY s g",
            "0: XGROUP CREATE s g $",
            "1: XREADGROUP GROUP g alice BLOCK 0 STREAMS s >",
            "2: XREAD BLOCK 0 STREAMS s $",
            "0: DEL s",
            "0: XADD s 9-1 f v",
            "0: XGROUP CREATE s2 g $ MKSTREAM",
            "1: XREADGROUP GROUP g alice BLOCK 0 STREAMS s2 >",
            "0: SET s2 x",
            "0: INFO errorstats",
            // RENAME away, FLUSHALL and expiry delete the key too.
            "0: XGROUP CREATE r g $ MKSTREAM",
            "1: XREADGROUP GROUP g alice BLOCK 0 STREAMS r >",
            "0: RENAME r r2",
            "0: XGROUP CREATE f g $ MKSTREAM",
            "1: XREADGROUP GROUP g alice BLOCK 0 STREAMS f >",
            "0: FLUSHALL",
            "0: XGROUP CREATE e g $ MKSTREAM",
            "0: PEXPIRE e 100",
            "1: XREADGROUP GROUP g alice BLOCK 0 STREAMS e >",
            "@sleep 800",
            "0: EXISTS e",
            // Timeout.
            "0: XGROUP CREATE s3 g $ MKSTREAM",
            "1: XREADGROUP GROUP g alice BLOCK 300 STREAMS s3 >",
            "@sleep 800",
            "0: XINFO GROUPS s3",
        ],
    );
}

#[test]
fn worker_queue_with_crash_and_xautoclaim_recovery() {
    scenario(
        "worker-queue",
        &[
            "0: XGROUP CREATE jobs workers $ MKSTREAM",
            "1: XREADGROUP GROUP workers w1 COUNT 1 BLOCK 0 STREAMS jobs >",
            "2: XREADGROUP GROUP workers w2 COUNT 1 BLOCK 0 STREAMS jobs >",
            "0: XADD jobs 1-1 job a",
            "0: XADD jobs 2-1 job b",
            "0: XADD jobs 3-1 job c",
            "0: XADD jobs 4-1 job d",
            // w1 finishes its job; w2 crashes holding 2-1.
            "1: XACK jobs workers 1-1",
            "2: @close",
            "1: XREADGROUP GROUP workers w1 COUNT 1 STREAMS jobs >",
            "1: XACK jobs workers 3-1",
            "0: XPENDING jobs workers",
            "@sleep 300",
            // w1 recovers what has been idle for 200 ms: 2-1 (w2's), not 4-1 later.
            "1: XREADGROUP GROUP workers w1 COUNT 1 STREAMS jobs >",
            "1: XAUTOCLAIM jobs workers w1 200 0 COUNT 10",
            "1: XACK jobs workers 2-1 4-1",
            "0: XPENDING jobs workers",
            "0: XAUTOCLAIM jobs workers w1 0 0",
            "0: XGROUP DELCONSUMER jobs workers w2",
            "0: XINFO GROUPS jobs",
        ],
    );
}
