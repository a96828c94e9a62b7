//! BZPOPMIN BZPOPMAX BZMPOP: as ZPOPMIN/ZPOPMAX/ZMPOP when a sorted set among the keys
//! has members, else the client waits (see `crate::blocking`) and is served, when a key
//! becomes ready, the way Redis 7.0's `serveClientsBlockedOnSortedSetKey` does it: from
//! the key that became ready.

use super::pop::{first_nonempty, name_zpop, parse_mpop, pop_from, Shape};
use super::Ctx;
use crate::blocking::WaitFor;
use crate::cmd::blocking::{parse_timeout, Waiter};
use crate::cmd::Args;
use crate::error::CmdResult;
use crate::reply::Reply;

/// What a client blocked on sorted sets does when served.
#[derive(Debug)]
struct ZsetWait {
    /// Pop the highest scores.
    max: bool,
    /// Members to pop.
    count: usize,
    /// BZMPOP's `[key, [[member, score], ...]]`, else BZPOPMIN/MAX's `[key, member, score]`.
    multi: bool,
}

impl ZsetWait {
    /// The count of the replicated ZPOPMIN/ZPOPMAX (BZMPOP's), none for BZPOPMIN/MAX.
    fn effect_count(&self) -> Option<usize> {
        self.multi.then_some(self.count)
    }

    fn shape(&self) -> Shape {
        if self.multi {
            Shape::WithKey
        } else {
            Shape::KeyFlat
        }
    }
}

impl Waiter for ZsetWait {
    fn waits_for(&self) -> WaitFor {
        WaitFor::ZSet
    }

    fn serve(&self, ctx: &mut Ctx, key: &[u8], slot: u32) -> Option<Reply> {
        // Redis's serveClientsBlockedOnSortedSetKey propagates ZPOPMIN/ZPOPMAX.
        name_zpop(ctx, slot, key, self.max, self.effect_count());
        Some(pop_from(ctx, slot, key, self.max, self.count, self.shape()))
    }
}

/// Redis's `blockingGenericZpopCommand`: the timeout is parsed first (for BZMPOP after
/// its other arguments), then the keys are tried in order (a key of another type met
/// first is WRONGTYPE); with no member anywhere the client blocks.
fn blocking_zpop(ctx: &mut Ctx, keys: &[&[u8]], timeout: &[u8], wait: ZsetWait) -> CmdResult {
    // getTimeoutFromObjectOrReply parses with string2ld, which clears errno.
    ctx.st.errno_erange = false;
    let deadline = parse_timeout(timeout, ctx.now_ms())?;
    if let Some((slot, i)) = first_nonempty(ctx, keys)? {
        // Replicated as ZPOPMIN/ZPOPMAX instead of the blocking form.
        name_zpop(ctx, slot, keys[i], wait.max, wait.effect_count());
        return Ok(pop_from(ctx, slot, keys[i], wait.max, wait.count, wait.shape()));
    }
    if !ctx.may_block() {
        return Ok(Reply::NilArray);
    }
    Ok(ctx.block(keys, deadline, Box::new(wait)))
}

/// `BZPOPMIN key [key ...] timeout`: `[key, member, score]`, or a nil array on timeout.
pub fn bzpopmin(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (timeout, keys) = args.take_rest().split_last().expect("arity");
    let wait = ZsetWait { max: false, count: 1, multi: false };
    blocking_zpop(ctx, keys, timeout, wait)
}

/// `BZPOPMAX key [key ...] timeout`.
pub fn bzpopmax(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (timeout, keys) = args.take_rest().split_last().expect("arity");
    let wait = ZsetWait { max: true, count: 1, multi: false };
    blocking_zpop(ctx, keys, timeout, wait)
}

/// `BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]`: `[key, [[member,
/// score], ...]]`, or a nil array on timeout.
pub fn bzmpop(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let timeout = args.take();
    let p = parse_mpop(args)?;
    let wait = ZsetWait { max: p.max, count: p.count, multi: true };
    blocking_zpop(ctx, p.keys, timeout, wait)
}

#[cfg(test)]
mod tests {
    use crate::client::ClientHandle;
    use crate::reply::Reply;
    use crate::testkit::TestEngine;

    fn run(t: &mut TestEngine, c: ClientHandle, line: &str) -> Reply {
        t.run_as(c, line)
    }

    fn wakeups(t: &mut TestEngine) -> Vec<(ClientHandle, String)> {
        t.wakeups_resp2()
    }

    #[test]
    fn immediate_pops_and_errors() {
        let mut t = TestEngine::new();
        t.cmd(&["ZADD", "z", "1", "a", "2", "b", "3", "c"]);
        t.cmd(&["SET", "s", "x"]);
        assert_eq!(t.resp(&["BZPOPMIN", "nokey", "z", "0"]), "*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n");
        assert_eq!(t.resp(&["BZPOPMAX", "z", "1"]), "*3\r\n$1\r\nz\r\n$1\r\nc\r\n$1\r\n3\r\n");
        assert_eq!(
            t.resp(&["BZPOPMIN", "s", "z", "0"]),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
        );
        assert_eq!(t.resp(&["BZPOPMIN", "s", "x"]), "-ERR timeout is not a float or out of range\r\n");
        assert_eq!(t.resp(&["BZPOPMIN", "z", "-1"]), "-ERR timeout is negative\r\n");
        assert_eq!(t.resp(&["BZMPOP", "x", "1", "z", "foo"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["BZMPOP", "x", "1", "z", "MIN"]), "-ERR timeout is not a float or out of range\r\n");
        assert_eq!(t.resp(&["BZMPOP", "0", "0", "z", "MIN"]), "-ERR numkeys should be greater than 0\r\n");
        assert_eq!(
            t.resp(&["BZMPOP", "0", "2", "nokey", "z", "MAX", "COUNT", "5"]),
            "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n"
        );
        assert_eq!(t.resp(&["EXISTS", "z"]), ":0\r\n");
        t.cmd(&["ZADD", "z", "1.5", "a"]);
        t.cmd(&["HELLO", "3"]);
        assert_eq!(t.resp3(&["BZPOPMIN", "z", "0"]), "*3\r\n$1\r\nz\r\n$1\r\na\r\n,1.5\r\n");
    }

    #[test]
    fn blocked_clients_are_served_in_order_from_the_ready_key() {
        let mut t = TestEngine::new();
        let (a, b, c, w) = (t.connect(), t.connect(), t.connect(), t.client);
        assert_eq!(run(&mut t, a, "BZPOPMIN k1 k2 0"), Reply::Blocked);
        assert_eq!(run(&mut t, b, "BZMPOP 0 1 k2 MAX COUNT 2"), Reply::Blocked);
        assert_eq!(run(&mut t, c, "BZPOPMAX k2 0"), Reply::Blocked);
        assert_eq!(run(&mut t, w, "ZADD k2 1 x 2 y 3 z 4 t"), Reply::Int(4));
        assert_eq!(
            wakeups(&mut t),
            vec![
                (a, "*3\r\n$2\r\nk2\r\n$1\r\nx\r\n$1\r\n1\r\n".to_string()),
                (b, "*2\r\n$2\r\nk2\r\n*2\r\n*2\r\n$1\r\nt\r\n$1\r\n4\r\n*2\r\n$1\r\nz\r\n$1\r\n3\r\n".to_string()),
                (c, "*3\r\n$2\r\nk2\r\n$1\r\ny\r\n$1\r\n2\r\n".to_string()),
            ]
        );
        assert_eq!(t.resp(&["EXISTS", "k2"]), ":0\r\n");
        assert!(t.resp(&["INFO", "clients"]).contains("blocked_clients:0\r\n"));
    }

    #[test]
    fn lists_and_other_types_do_not_serve_zset_waiters() {
        let mut t = TestEngine::new();
        let (a, b) = (t.connect(), t.connect());
        assert_eq!(run(&mut t, a, "BZPOPMIN k 0"), Reply::Blocked);
        assert_eq!(run(&mut t, b, "BLPOP k 0"), Reply::Blocked);
        t.cmd(&["RPUSH", "k", "v"]);
        assert_eq!(wakeups(&mut t), vec![(b, "*2\r\n$1\r\nk\r\n$1\r\nv\r\n".to_string())]);
        t.cmd(&["SET", "k", "x"]);
        t.cmd(&["DEL", "k"]);
        assert!(t.eng.is_blocked(a));
        t.cmd(&["ZUNIONSTORE", "k", "1", "src"]);
        assert!(wakeups(&mut t).is_empty(), "an empty result creates nothing");
        t.cmd(&["ZADD", "src", "5", "m"]);
        t.cmd(&["ZUNIONSTORE", "k", "1", "src"]);
        assert_eq!(wakeups(&mut t), vec![(a, "*3\r\n$1\r\nk\r\n$1\r\nm\r\n$1\r\n5\r\n".to_string())]);
    }

    #[test]
    fn timeouts_reply_nil_arrays() {
        let mut t = TestEngine::new();
        let a = t.connect();
        assert_eq!(run(&mut t, a, "BZMPOP 0.05 1 k MIN"), Reply::Blocked);
        t.advance_ms(51);
        assert_eq!(wakeups(&mut t), vec![(a, "*-1\r\n".to_string())]);
        assert_eq!(run(&mut t, a, "BZPOPMAX k 0.01"), Reply::Blocked);
        t.advance_ms(11);
        assert_eq!(wakeups(&mut t), vec![(a, "*-1\r\n".to_string())]);
    }
}
