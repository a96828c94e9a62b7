//! BLPOP BRPOP BLMPOP BLMOVE BRPOPLPUSH: as their non-blocking forms when a list has
//! elements, else the client waits (see `crate::blocking`) and is served, when a key
//! becomes ready, the way Redis 7.0's `serveClientBlockedOnList` does it: from the key
//! that became ready, not by re-running the command.

use super::pop::{lmove_generic, mpop_first, parse_mpop};
use super::{list_mut, move_element, name_pop, parse_end, pop_one, pop_range, write_list, Ctx};
use crate::blocking::WaitFor;
use crate::cmd::blocking::{parse_timeout, Waiter};
use crate::cmd::Args;
use crate::error::CmdResult;
use crate::reply::Reply;
use crate::types::list::End;

/// What a client blocked on lists does when served.
#[derive(Debug)]
enum ListWait {
    /// BLPOP/BRPOP: `[key, element]`.
    Pop(End),
    /// BLMPOP: `[key, [elements]]`, up to `count`.
    MultiPop(End, usize),
    /// BLMOVE/BRPOPLPUSH (`rpoplpush`): move one element to `dst`, reply with it.
    Move { from: End, to: End, dst: Vec<u8>, rpoplpush: bool },
}

/// The word of an end as Redis's `getStringObjectFromListPosition` writes it.
fn end_word(end: End) -> &'static [u8] {
    match end {
        End::Head => b"left",
        End::Tail => b"right",
    }
}

impl ListWait {
    /// Names the non-blocking command that replays this serving (Redis's
    /// `serveClientBlockedOnList` propagates `[LR]POP key [count]` or `LMOVE`).
    fn name_effect(&self, ctx: &mut Ctx, key: &[u8], slot: u32) {
        if !ctx.st.propagation.is_enabled() {
            return;
        }
        match self {
            ListWait::Pop(end) => name_pop(ctx, *end, key, None),
            ListWait::MultiPop(end, count) => {
                // The count is capped at the list's length.
                let len = list_mut(ctx, slot).map_or(0, |l| l.len());
                name_pop(ctx, *end, key, Some((*count).min(len)))
            }
            ListWait::Move { dst, rpoplpush: true, .. } => ctx.propagate_as(&[b"RPOPLPUSH", key, dst]),
            ListWait::Move { from, to, dst, .. } => {
                ctx.propagate_as(&[b"LMOVE", key, dst, end_word(*from), end_word(*to)])
            }
        }
    }
}

impl Waiter for ListWait {
    fn waits_for(&self) -> WaitFor {
        WaitFor::List
    }

    fn serve(&self, ctx: &mut Ctx, key: &[u8], slot: u32) -> Option<Reply> {
        self.name_effect(ctx, key, slot);
        let r = match self {
            ListWait::Pop(end) => {
                pop_one(ctx, slot, *end).map(|v| Reply::Array(vec![Reply::bulk(key), Reply::Bulk(v)]))
            }
            ListWait::MultiPop(end, count) => {
                pop_range(ctx, slot, *end, *count).map(|items| Reply::Array(vec![Reply::bulk(key), items]))
            }
            // A destination of another type: the client gets WRONGTYPE, the source is
            // left alone and the next client is served.
            ListWait::Move { from, to, dst, .. } => move_element(ctx, slot, dst, *from, *to),
        };
        if !matches!(self, ListWait::MultiPop(..)) {
            // Redis's serveClientBlockedOnList counts no change for a served B[LR]POP
            // or BLMOVE (only BLMPOP's range pop counts).
            ctx.changes(0);
        }
        Some(r.unwrap_or_else(Reply::from))
    }
}

/// Redis's `blockingPopGenericCommand`: pops from the first non-empty list among `keys`
/// (a key of another type met first is `WRONGTYPE`), else blocks.
fn blocking_pop(ctx: &mut Ctx, keys: &[&[u8]], timeout: &[u8], end: End, count: Option<usize>) -> CmdResult {
    ctx.st.errno_erange = false; // the timeout is parsed with string2ld, which clears errno
    let deadline = parse_timeout(timeout, ctx.now_ms())?;
    if let Some(count) = count {
        if let Some(r) = mpop_first(ctx, keys, end, count)? {
            return Ok(r);
        }
    } else {
        for &key in keys {
            if let Some(slot) = write_list(ctx, key)? {
                // Replicated as an [LR]POP instead of B[LR]POP.
                name_pop(ctx, end, key, None);
                let v = pop_one(ctx, slot, end)?;
                return Ok(Reply::Array(vec![Reply::bulk(key), Reply::Bulk(v)]));
            }
        }
    }
    if !ctx.may_block() {
        return Ok(Reply::NilArray);
    }
    let wait = match count {
        None => ListWait::Pop(end),
        Some(n) => ListWait::MultiPop(end, n),
    };
    Ok(ctx.block(keys, deadline, Box::new(wait)))
}

/// `BLPOP key [key ...] timeout`.
pub fn blpop(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (timeout, keys) = args.take_rest().split_last().expect("arity");
    blocking_pop(ctx, keys, timeout, End::Head, None)
}

/// `BRPOP key [key ...] timeout`.
pub fn brpop(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (timeout, keys) = args.take_rest().split_last().expect("arity");
    blocking_pop(ctx, keys, timeout, End::Tail, None)
}

/// `BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]`: the arguments after
/// the timeout are checked before it.
pub fn blmpop(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let timeout = args.take();
    let a = parse_mpop(args)?;
    blocking_pop(ctx, a.keys, timeout, a.end, Some(a.count))
}

/// Redis's `blmoveGenericCommand`: LMOVE when the source has elements, else blocks.
/// `effect` is what an immediate move replicates as (LMOVE with the request's end
/// words, or RPOPLPUSH); `None` for BRPOPLPUSH.
fn blmove_generic(
    ctx: &mut Ctx,
    src: &[u8],
    dst: &[u8],
    (from, to): (End, End),
    effect: Option<(&[u8], &[u8])>,
    timeout: &[u8],
) -> CmdResult {
    ctx.st.errno_erange = false; // the timeout is parsed with string2ld, which clears errno
    let deadline = parse_timeout(timeout, ctx.now_ms())?;
    if write_list(ctx, src)?.is_some() {
        match effect {
            Some((w_from, w_to)) => ctx.propagate_as(&[b"LMOVE", src, dst, w_from, w_to]),
            None => ctx.propagate_as(&[b"RPOPLPUSH", src, dst]),
        }
        return lmove_generic(ctx, src, dst, from, to);
    }
    if !ctx.may_block() {
        return Ok(Reply::Nil);
    }
    let wait = ListWait::Move { from, to, dst: dst.to_vec(), rpoplpush: effect.is_none() };
    Ok(ctx.block(&[src], deadline, Box::new(wait)))
}

/// `BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout`.
pub fn blmove(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (src, dst, w_from, w_to) = (args.take(), args.take(), args.take(), args.take());
    let from = parse_end(w_from)?;
    let to = parse_end(w_to)?;
    blmove_generic(ctx, src, dst, (from, to), Some((w_from, w_to)), args.take())
}

/// `BRPOPLPUSH source destination timeout`.
pub fn brpoplpush(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (src, dst, timeout) = (args.take(), args.take(), args.take());
    blmove_generic(ctx, src, dst, (End::Tail, End::Head), None, timeout)
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
    fn two_clients_served_in_blocking_order() {
        let mut t = TestEngine::new();
        let (a, b, w) = (t.connect(), t.connect(), t.client);
        assert_eq!(run(&mut t, a, "BLPOP k 0"), Reply::Blocked);
        assert_eq!(run(&mut t, b, "BRPOP k 0"), Reply::Blocked);
        assert!(t.eng.is_blocked(a));
        assert!(t.resp(&["INFO", "clients"]).contains("blocked_clients:2\r\n"));
        assert!(t.resp(&["CLIENT", "LIST"]).contains("flags=b "));
        assert_eq!(run(&mut t, a, "PING"), Reply::error("ERR client is blocked"));
        assert_eq!(run(&mut t, w, "RPUSH k a b c"), Reply::Int(3));
        assert_eq!(
            wakeups(&mut t),
            vec![(a, "*2\r\n$1\r\nk\r\n$1\r\na\r\n".to_string()), (b, "*2\r\n$1\r\nk\r\n$1\r\nc\r\n".to_string())]
        );
        assert_eq!(t.resp(&["LRANGE", "k", "0", "-1"]), "*1\r\n$1\r\nb\r\n");
        assert!(t.resp(&["INFO", "clients"]).contains("blocked_clients:0\r\n"));
        assert!(!t.eng.is_blocked(a));
    }

    #[test]
    fn served_from_the_key_that_became_ready() {
        let mut t = TestEngine::new();
        let a = t.connect();
        assert_eq!(run(&mut t, a, "BLPOP a b 0"), Reply::Blocked);
        t.cmd(&["RPUSH", "b", "x"]);
        assert_eq!(wakeups(&mut t), vec![(a, "*2\r\n$1\r\nb\r\n$1\r\nx\r\n".to_string())]);
        // The last element went: the key is gone.
        assert_eq!(t.resp(&["EXISTS", "b"]), ":0\r\n");
    }

    #[test]
    fn immediate_forms_and_errors() {
        let mut t = TestEngine::new();
        t.cmd(&["SET", "s", "x"]);
        t.cmd(&["RPUSH", "l", "a", "b"]);
        assert_eq!(t.resp(&["BLPOP", "s", "x"]), "-ERR timeout is not a float or out of range\r\n");
        assert_eq!(t.resp(&["BLPOP", "s", "-1"]), "-ERR timeout is negative\r\n");
        assert_eq!(
            t.resp(&["BLPOP", "nx", "s", "l", "0"]),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
        );
        assert_eq!(t.resp(&["BLPOP", "nx", "l", "s", "0"]), "*2\r\n$1\r\nl\r\n$1\r\na\r\n");
        assert_eq!(t.resp(&["BLMPOP", "x", "1", "l", "middle"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["BLMPOP", "x", "1", "l", "left"]), "-ERR timeout is not a float or out of range\r\n");
        assert_eq!(
            t.resp(&["BLMPOP", "0", "2", "nx", "l", "right", "COUNT", "5"]),
            "*2\r\n$1\r\nl\r\n*1\r\n$1\r\nb\r\n"
        );
        assert_eq!(t.resp(&["BLMOVE", "s", "d", "left", "middle", "x"]), "-ERR syntax error\r\n");
        assert_eq!(
            t.resp(&["BLMOVE", "s", "d", "left", "right", "x"]),
            "-ERR timeout is not a float or out of range\r\n"
        );
        assert_eq!(
            t.resp(&["BRPOPLPUSH", "s", "d", "1"]),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
        );
        t.cmd(&["RPUSH", "l", "a"]);
        assert_eq!(
            t.resp(&["BRPOPLPUSH", "l", "s", "1"]),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
        );
        assert_eq!(t.resp(&["BRPOPLPUSH", "l", "d", "1"]), "$1\r\na\r\n");
        assert_eq!(t.resp(&["LRANGE", "d", "0", "-1"]), "*1\r\n$1\r\na\r\n");
    }

    #[test]
    fn timeouts_through_the_clock() {
        let mut t = TestEngine::new();
        let (a, b) = (t.connect(), t.connect());
        assert_eq!(run(&mut t, a, "BLPOP k 0.1"), Reply::Blocked);
        assert_eq!(run(&mut t, b, "BLMOVE k d left left 0.25"), Reply::Blocked);
        let now = t.eng.state.now_us;
        assert_eq!(t.eng.next_block_deadline(), Some((now / 1000 + 101) * 1000));
        assert!(t.resp(&["INFO", "clients"]).contains("clients_in_timeout_table:2\r\n"));
        t.advance_ms(100);
        assert!(wakeups(&mut t).is_empty(), "times out only after the deadline's millisecond");
        t.advance_ms(1);
        assert_eq!(wakeups(&mut t), vec![(a, "*-1\r\n".to_string())]);
        run(&mut t, b, "HELLO 3");
        t.advance_ms(200);
        t.tick();
        let w = t.eng.take_wakeups();
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].1.to_resp(3), b"_\r\n");
        assert_eq!(t.eng.next_block_deadline(), None);
    }

    #[test]
    fn blmove_chain_and_wrong_type_destination() {
        let mut t = TestEngine::new();
        let (a, b, c) = (t.connect(), t.connect(), t.connect());
        assert_eq!(run(&mut t, a, "BLMOVE k1 k2 left right 0"), Reply::Blocked);
        assert_eq!(run(&mut t, b, "BRPOPLPUSH k2 k3 0"), Reply::Blocked);
        assert_eq!(run(&mut t, c, "BLPOP k3 0"), Reply::Blocked);
        t.cmd(&["RPUSH", "k1", "v"]);
        assert_eq!(
            wakeups(&mut t),
            vec![
                (a, "$1\r\nv\r\n".to_string()),
                (b, "$1\r\nv\r\n".to_string()),
                (c, "*2\r\n$2\r\nk3\r\n$1\r\nv\r\n".to_string())
            ]
        );
        assert_eq!(t.resp(&["DBSIZE"]), ":0\r\n");
        // A destination of the wrong type: WRONGTYPE for the mover, the next one served.
        t.cmd(&["SET", "s", "x"]);
        assert_eq!(run(&mut t, a, "BLMOVE src s left left 0"), Reply::Blocked);
        assert_eq!(run(&mut t, b, "BLPOP src 0"), Reply::Blocked);
        t.cmd(&["RPUSH", "src", "e"]);
        assert_eq!(
            wakeups(&mut t),
            vec![
                (a, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n".to_string()),
                (b, "*2\r\n$3\r\nsrc\r\n$1\r\ne\r\n".to_string())
            ]
        );
        assert!(t
            .resp(&["INFO", "commandstats"])
            .contains("cmdstat_blmove:calls=2,usec=0,usec_per_call=0.00,rejected_calls=0,failed_calls=1"));
    }

    #[test]
    fn wrong_type_or_deleted_key_keeps_clients_waiting() {
        let mut t = TestEngine::new();
        let a = t.connect();
        assert_eq!(run(&mut t, a, "BLPOP k 0"), Reply::Blocked);
        t.cmd(&["SET", "k", "x"]);
        t.cmd(&["DEL", "k"]);
        t.cmd(&["RPUSH", "other", "x"]);
        t.cmd(&["FLUSHALL"]);
        assert!(wakeups(&mut t).is_empty());
        assert!(t.eng.is_blocked(a));
        t.cmd(&["LPUSH", "k", "z"]);
        assert_eq!(wakeups(&mut t), vec![(a, "*2\r\n$1\r\nk\r\n$1\r\nz\r\n".to_string())]);
    }

    #[test]
    fn client_unblock_and_disconnect() {
        let mut t = TestEngine::new();
        let (a, b) = (t.connect(), t.connect());
        let id_a = t.eng.client(a).unwrap().id.to_string();
        let id_b = t.eng.client(b).unwrap().id.to_string();
        assert_eq!(t.resp(&["CLIENT", "UNBLOCK", &id_a]), ":0\r\n");
        run(&mut t, a, "BLPOP k 0");
        run(&mut t, b, "BLMOVE k d left right 5");
        assert_eq!(
            t.resp(&["CLIENT", "UNBLOCK", &id_a, "foo"]),
            "-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n"
        );
        assert_eq!(
            t.resp(&["CLIENT", "UNBLOCK", "x", "foo"]),
            "-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n"
        );
        assert_eq!(t.resp(&["CLIENT", "UNBLOCK", "x"]), "-ERR value is not an integer or out of range\r\n");
        assert_eq!(
            t.resp(&["CLIENT", "unblock", &id_a, "timeout", "extra"]),
            "-ERR unknown subcommand or wrong number of arguments for 'unblock'. Try CLIENT HELP.\r\n"
        );
        assert_eq!(t.resp(&["CLIENT", "UNBLOCK", &id_a, "ERROR"]), ":1\r\n");
        assert_eq!(wakeups(&mut t), vec![(a, "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n".to_string())]);
        assert_eq!(t.resp(&["CLIENT", "UNBLOCK", &id_a]), ":0\r\n");
        assert_eq!(t.resp(&["CLIENT", "UNBLOCK", &id_b]), ":1\r\n");
        assert_eq!(wakeups(&mut t), vec![(b, "*-1\r\n".to_string())]);
        assert!(t.resp(&["INFO", "errorstats"]).contains("errorstat_UNBLOCKED:count=1"));
        let stats = t.resp(&["INFO", "commandstats"]);
        assert!(
            stats.contains("cmdstat_blpop:calls=1,usec=0,usec_per_call=0.00,rejected_calls=0,failed_calls=1"),
            "{}",
            stats
        );
        assert!(
            stats.contains("cmdstat_blmove:calls=1,usec=0,usec_per_call=0.00,rejected_calls=0,failed_calls=1"),
            "{}",
            stats
        );
        // A client that disconnects while blocked is forgotten.
        run(&mut t, a, "BLPOP k 1");
        t.eng.disconnect(a);
        assert!(t.resp(&["INFO", "clients"]).contains("blocked_clients:0\r\n"));
        assert_eq!(t.eng.next_block_deadline(), None);
        t.cmd(&["RPUSH", "k", "v"]);
        assert!(wakeups(&mut t).is_empty());
    }

    #[test]
    fn swapdb_serves_clients_of_both_databases() {
        let mut t = TestEngine::new();
        let a = t.connect();
        run(&mut t, a, "BLPOP k 0");
        t.cmd(&["SELECT", "1"]);
        t.cmd(&["RPUSH", "k", "a", "b"]);
        assert!(wakeups(&mut t).is_empty());
        t.cmd(&["SWAPDB", "0", "1"]);
        assert_eq!(wakeups(&mut t), vec![(a, "*2\r\n$1\r\nk\r\n$1\r\na\r\n".to_string())]);
        // The swapped-in database keeps signalling new keys for db 0's waiters.
        run(&mut t, a, "BLPOP j 0");
        t.cmd(&["SELECT", "0"]);
        t.cmd(&["RPUSH", "j", "x"]);
        assert_eq!(wakeups(&mut t), vec![(a, "*2\r\n$1\r\nj\r\n$1\r\nx\r\n".to_string())]);
    }

    #[test]
    fn reply_skip_applies_to_the_blocked_reply() {
        let mut t = TestEngine::new();
        let a = t.connect();
        run(&mut t, a, "CLIENT REPLY SKIP");
        assert_eq!(run(&mut t, a, "BLPOP k 0"), Reply::Blocked);
        t.cmd(&["RPUSH", "k", "v"]);
        assert_eq!(t.eng.take_wakeups(), vec![(a, Reply::NoReply)]);
        assert_eq!(run(&mut t, a, "PING"), Reply::simple("PONG"));
    }
}
