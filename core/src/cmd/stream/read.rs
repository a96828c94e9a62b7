//! XREAD and XREADGROUP (Redis's `xreadCommand`), blocking included: a client that
//! blocks is served as Redis 7.0's `serveClientsBlockedOnStreamKey` does it, and an
//! XREADGROUP waiter ends with an error when its stream or group goes.

use super::{
    c_text, entry_reply, id_reply, is_c, parse_strict, propagate_claims, propagate_group_id, range_replies, read_slot,
    stream, ClaimEffect, Ctx,
};
use crate::blocking::WaitFor;
use crate::bytes::SBytes;
use crate::cmd::blocking::Waiter;
use crate::cmd::Args;
use crate::error::{CmdError, CmdResult};
use crate::numfmt::parse_i64;
use crate::reply::Reply;
use crate::types::stream::StreamId;

/// Entries a blocked client gets at most without COUNT (`XREAD_BLOCKED_DEFAULT_COUNT`).
const BLOCKED_DEFAULT_COUNT: usize = 1000;

/// XREADGROUP's group, consumer and NOACK.
#[derive(Debug, Clone)]
struct GroupRead {
    group: SBytes,
    consumer: SBytes,
    noack: bool,
}

/// `[key, entries]` pairs as XREAD replies them: an array of pairs in RESP2, a map in
/// RESP3.
fn keyed_reply(resp: u8, items: Vec<(Reply, Reply)>) -> Reply {
    if resp >= 3 {
        Reply::Map(items)
    } else {
        Reply::Array(items.into_iter().map(|(k, v)| Reply::Array(vec![k, v])).collect())
    }
}

/// Serves entries after `gt` from the stream in `slot`: plain (XREAD), new entries for a
/// group (`>`: PEL entries created unless NOACK, group last ID moved), or the
/// consumer's own pending history (`history`). New entries delivered to a group are
/// propagated as Redis does: an XCLAIM per entry, or with NOACK an XGROUP SETID.
fn serve(
    ctx: &mut Ctx,
    key: &[u8],
    slot: u32,
    gt: StreamId,
    count: usize,
    group: Option<&GroupRead>,
    history: bool,
) -> Reply {
    let now = ctx.now_ms() as i64;
    let Some(start) = gt.incr() else { return Reply::Array(vec![]) };
    let Some(g) = group else {
        let s = stream(ctx, slot);
        return Reply::Array(range_replies(&s.entries, start, StreamId::MAX, count, false));
    };
    // Redis's `server.dirty++` per stream a group read serves.
    ctx.st.persist.dirty += 1;
    let s = stream(ctx, slot);
    if history {
        let ids: Vec<StreamId> = match s.group(&g.group).and_then(|gr| gr.consumer(&g.consumer)) {
            Some(c) => c.pel.range(start..).take(if count == 0 { usize::MAX } else { count }).copied().collect(),
            None => vec![],
        };
        let mut out = Vec::with_capacity(ids.len());
        let mut found = Vec::with_capacity(ids.len());
        for &id in &ids {
            match super::one_entry(&s.entries, id) {
                Some(r) => {
                    out.push(r);
                    found.push(id);
                }
                None => out.push(Reply::Array(vec![id_reply(id), Reply::NilArray])),
            }
        }
        let mut gm = s.group_mut(&g.group).expect("group exists");
        for id in found {
            if let Some(n) = gm.nack_mut(id) {
                n.delivery_time = now;
                n.delivery_count += 1;
            }
        }
        return Reply::Array(out);
    }
    let mut out = Vec::new();
    let mut ids = Vec::new();
    s.entries.range(start, StreamId::MAX, false, |id, fields| {
        out.push(entry_reply(id, fields));
        ids.push(id);
        count == 0 || out.len() < count
    });
    let (mut last, mut read) = {
        let gr = s.group(&g.group).expect("group exists");
        (gr.last_id, gr.entries_read)
    };
    for &id in &ids {
        s.advance_read(&mut last, &mut read, id);
    }
    let moved = last != s.group(&g.group).expect("group exists").last_id;
    let mut gm = s.group_mut(&g.group).expect("group exists");
    gm.last_id = last;
    gm.entries_read = read;
    if !g.noack {
        for &id in &ids {
            gm.deliver(id, &g.consumer, now);
        }
    }
    drop(gm);
    if ctx.st.propagation.is_enabled() {
        propagate_delivery(ctx, key, g, &ids, now, moved.then_some((last, read)));
    }
    Reply::Array(out)
}

/// Redis's propagation of XREADGROUP's new deliveries: an XCLAIM per entry (each with
/// the group's last ID as it moved to that entry), or with NOACK the group's new last
/// ID and read counter (`moved`) as XGROUP SETID.
#[cold]
fn propagate_delivery(
    ctx: &mut Ctx,
    key: &[u8],
    g: &GroupRead,
    ids: &[StreamId],
    now: i64,
    moved: Option<(StreamId, i64)>,
) {
    if g.noack {
        if let Some((last, read)) = moved {
            propagate_group_id(ctx, key, &g.group, last, read);
        }
        return;
    }
    let claims: Vec<ClaimEffect> = ids
        .iter()
        .map(|&id| ClaimEffect { consumer: g.consumer.to_vec(), id: id.to_bytes(), time: now, count: 1, last_id: id })
        .collect();
    propagate_claims(ctx, key, &g.group, &claims);
}

/// A consumer XREADGROUP created: with NOACK no XCLAIM will create it on a replica, so
/// Redis propagates `XGROUP CREATECONSUMER`.
fn consumer_created(ctx: &mut Ctx, key: &[u8], g: &GroupRead, created: bool) {
    super::consumer_created(ctx, key, created);
    // Redis's `server.dirty++` of streamCreateConsumer (XREADGROUP propagates its own
    // effects, so only the counter moves).
    ctx.st.persist.dirty += u64::from(created);
    if created && g.noack {
        ctx.also_propagate(&[b"XGROUP", b"CREATECONSUMER", key, &g.group, &g.consumer]);
    }
}

/// What a client blocked in XREAD/XREADGROUP waits for.
#[derive(Debug)]
struct StreamWait {
    /// Per key: serve entries after this ID (XREAD).
    after: Vec<(SBytes, StreamId)>,
    count: usize,
    group: Option<GroupRead>,
}

impl Waiter for StreamWait {
    fn waits_for(&self) -> WaitFor {
        WaitFor::Stream
    }

    fn serve(&self, ctx: &mut Ctx, key: &[u8], slot: u32) -> Option<Reply> {
        let now = ctx.now_ms() as i64;
        let s = stream(ctx, slot);
        let gt = match &self.group {
            Some(g) => match s.group(&g.group) {
                Some(gr) => gr.last_id,
                None => {
                    return Some(Reply::error("NOGROUP the consumer group this client was blocked on no longer exists"))
                }
            },
            None => self.after.iter().find(|(k, _)| k.as_slice() == key).map_or(StreamId::MAX, |(_, id)| *id),
        };
        if s.last_id <= gt {
            return None;
        }
        if let Some(g) = &self.group {
            let created = s.group_mut(&g.group).expect("group").touch_consumer(&g.consumer, now);
            consumer_created(ctx, key, g, created);
        }
        let entries = serve(ctx, key, slot, gt, self.count, self.group.as_ref(), false);
        if self.group.is_some() {
            // Redis's serving of a blocked XREADGROUP counts only a new consumer.
            ctx.st.persist.dirty = ctx.st.persist.dirty.saturating_sub(1);
        }
        Some(keyed_reply(ctx.client.resp, vec![(Reply::bulk(key), entries)]))
    }

    fn key_gone_reply(&self) -> Option<Reply> {
        self.group.as_ref().map(|_| Reply::error("UNBLOCKED the stream key no longer exists"))
    }
}

/// Redis 7.0's `getTimeoutFromObjectOrReply` in milliseconds: the absolute deadline, 0
/// for none.
fn parse_ms_timeout(arg: &[u8], now_ms: u64) -> Result<i64, CmdError> {
    let ms = parse_i64(arg).ok_or(CmdError::other("ERR timeout is not an integer or out of range"))?;
    if ms < 0 {
        return Err(CmdError::other("ERR timeout is negative"));
    }
    if ms == 0 {
        return Ok(0);
    }
    if ms > i64::MAX - now_ms as i64 {
        return Err(CmdError::other("ERR timeout is out of range"));
    }
    Ok(ms + now_ms as i64)
}

/// Redis's `xreadCommand` for both commands.
fn xread_generic(ctx: &mut Ctx, args: &mut Args, xreadgroup: bool) -> CmdResult {
    let mut timeout: Option<i64> = None;
    let mut count: i64 = 0;
    let mut streams: Option<&[&[u8]]> = None;
    let mut group: Option<(&[u8], &[u8])> = None;
    let mut noack = false;
    while let Some(o) = args.next() {
        let more = args.remaining();
        if is_c(o, "BLOCK") && more > 0 {
            if ctx.client.script {
                // Redis keeps this error for scripts (other non-blocking contexts just
                // do not block).
                return Err(CmdError::other(format!(
                    "ERR {} command is not allowed with BLOCK option from scripts",
                    crate::cmd::scripting::flags::c_text(args.name())
                )));
            }
            timeout = Some(parse_ms_timeout(args.take(), ctx.now_ms())?);
        } else if is_c(o, "COUNT") && more > 0 {
            count = args.next_i64()?.max(0);
        } else if is_c(o, "STREAMS") && more > 0 {
            let rest = args.take_rest();
            streams = Some(rest);
            if !rest.len().is_multiple_of(2) {
                return Err(CmdError::other(
                    "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.",
                ));
            }
            break;
        } else if is_c(o, "GROUP") && more >= 2 {
            if !xreadgroup {
                return Err(CmdError::other(
                    "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            group = Some((args.take(), args.take()));
        } else if is_c(o, "NOACK") {
            if !xreadgroup {
                return Err(CmdError::other(
                    "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            noack = true;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let Some(streams) = streams else {
        return Err(CmdError::Syntax);
    };
    if xreadgroup && group.is_none() {
        return Err(CmdError::other("ERR Missing GROUP option for XREADGROUP"));
    }
    let (keys, id_args) = streams.split_at(streams.len() / 2);
    // Per key: the slot (if the stream exists) and the ID (">" is MAX).
    let mut ids = Vec::with_capacity(keys.len());
    for (&key, &arg) in keys.iter().zip(id_args) {
        let slot = read_slot(ctx, key)?;
        if let Some((gname, _)) = group {
            if slot.is_none_or(|s| stream(ctx, s).group(gname).is_none()) {
                return Err(CmdError::other(format!(
                    "NOGROUP No such key '{}' or consumer group '{}' in XREADGROUP with GROUP option",
                    c_text(key),
                    c_text(gname)
                )));
            }
        }
        let id = if arg == b"$" {
            if xreadgroup {
                return Err(CmdError::other("ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set."));
            }
            slot.map_or(StreamId::ZERO, |s| stream(ctx, s).last_id)
        } else if arg == b">" {
            if !xreadgroup {
                return Err(CmdError::other("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option."));
            }
            StreamId::MAX
        } else {
            parse_strict(arg)?
        };
        ids.push(id);
    }
    let gread = group.map(|(g, c)| GroupRead { group: SBytes::new(g), consumer: SBytes::new(c), noack });
    // What XREADGROUP changes goes out as its effects (queued as they happen), never as
    // the request (Redis's preventCommandPropagation).
    if xreadgroup {
        ctx.prevent_propagation();
    }
    let now = ctx.now_ms() as i64;
    let mut served = Vec::new();
    for (k, &key) in keys.iter().enumerate() {
        // Redis looks each key up again (lookupKeyRead).
        let Some(slot) = read_slot(ctx, key)? else { continue };
        let s = stream(ctx, slot);
        let mut gt = ids[k];
        let mut sync = false;
        let mut history = false;
        if let Some(g) = &gread {
            if gt != StreamId::MAX {
                sync = true;
                history = true;
            } else if !s.is_empty() {
                let last = s.group(&g.group).expect("checked").last_id;
                if s.last_valid_id() > last {
                    sync = true;
                    gt = last;
                }
            }
        } else if !s.is_empty() && s.last_valid_id() > gt {
            sync = true;
        }
        if sync {
            if let Some(g) = &gread {
                // The consumer is created (or seen) only when served, as in Redis 7.0.
                let created = s.group_mut(&g.group).expect("checked").touch_consumer(&g.consumer, now);
                consumer_created(ctx, key, g, created);
            }
            let entries = serve(ctx, key, slot, gt, count as usize, gread.as_ref(), history);
            served.push((Reply::bulk(key), entries));
        }
    }
    if !served.is_empty() {
        return Ok(keyed_reply(ctx.client.resp, served));
    }
    if let Some(deadline) = timeout {
        if !ctx.may_block() {
            return Ok(Reply::NilArray);
        }
        let after = keys.iter().zip(&ids).map(|(k, id)| (SBytes::new(k), *id)).collect();
        let count = if count == 0 { BLOCKED_DEFAULT_COUNT } else { count as usize };
        return Ok(ctx.block(keys, deadline, Box::new(StreamWait { after, count, group: gread })));
    }
    Ok(Reply::NilArray)
}

/// `XREAD [COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]`.
pub fn xread(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    xread_generic(ctx, args, false)
}

/// `XREADGROUP GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] STREAMS
/// key [key ...] id [id ...]`.
pub fn xreadgroup(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    xread_generic(ctx, args, true)
}
