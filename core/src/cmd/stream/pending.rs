//! XACK, XPENDING, XCLAIM, XAUTOCLAIM: the pending entries lists of consumer groups.

use super::{
    c_text, id_reply, is_c, one_entry, parse_bound, parse_strict, propagate_claims, propagate_group_id, read_slot,
    stream, ClaimEffect, Ctx,
};
use crate::cmd::Args;
use crate::error::{CmdError, CmdResult};
use crate::numfmt::parse_i64;
use crate::reply::Reply;
use crate::types::stream::StreamId;

/// `NOGROUP No such key 'k' or consumer group 'g'`.
fn nogroup(key: &[u8], group: &[u8]) -> CmdError {
    CmdError::other(format!("NOGROUP No such key '{}' or consumer group '{}'", c_text(key), c_text(group)))
}

/// The slot of `key` if it holds a stream with group `group`, else NOGROUP.
fn group_slot(ctx: &mut Ctx, key: &[u8], group: &[u8]) -> Result<u32, CmdError> {
    match read_slot(ctx, key)? {
        Some(slot) if super::stream_ref(ctx, slot).group(group).is_some() => Ok(slot),
        _ => Err(nogroup(key, group)),
    }
}

/// `XACK key group id [id ...]`: how many were pending.
pub fn xack(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (key, group) = (args.take(), args.take());
    let slot = match read_slot(ctx, key)? {
        Some(slot) if stream(ctx, slot).group(group).is_some() => slot,
        _ => return Ok(Reply::Int(0)),
    };
    let ids = args.take_rest().iter().map(|a| parse_strict(a)).collect::<Result<Vec<_>, _>>()?;
    let mut g = stream(ctx, slot).group_mut(group).expect("group");
    let acked = ids.into_iter().filter(|&id| g.ack(id)).count();
    drop(g);
    if acked > 0 {
        ctx.dirty();
    }
    Ok(Reply::Int(acked as i64))
}

/// `XPENDING key group [[IDLE min-idle-time] start end count [consumer]]`.
pub fn xpending(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (key, group) = (args.take(), args.take());
    // Redis accepts 3 or 6 to 9 arguments (and ignores any after the consumer).
    let extra = args.remaining();
    if extra != 0 && !(3..=6).contains(&extra) {
        return Err(CmdError::Syntax);
    }
    let mut range = None;
    if extra >= 3 {
        let mut minidle = 0;
        if args.eat_c("IDLE") {
            minidle = args.next_i64()?;
            if extra < 5 {
                return Err(CmdError::Syntax);
            }
        }
        let (start, end) = (args.take(), args.take());
        // The count is checked before the bounds.
        let count = args.next_i64()?.max(0);
        let start = parse_bound(start, false)?;
        let end = parse_bound(end, true)?;
        let consumer = args.next();
        range = Some((minidle, start, end, count, consumer));
    }
    let slot = group_slot(ctx, key, group)?;
    let now = ctx.now_ms() as i64;
    let g = super::stream_ref(ctx, slot).group(group).expect("group");
    let Some((minidle, start, end, mut count, consumer)) = range else {
        let pel = g.pel();
        let (Some((first, _)), Some((last, _))) = (pel.first_key_value(), pel.last_key_value()) else {
            return Ok(Reply::Array(vec![Reply::Int(0), Reply::Nil, Reply::Nil, Reply::NilArray]));
        };
        let owners = g
            .consumers()
            .iter()
            .filter(|(_, c)| !c.pel.is_empty())
            .map(|(n, c)| Reply::Array(vec![Reply::bulk(n), Reply::text(c.pel.len().to_string())]))
            .collect();
        return Ok(Reply::Array(vec![
            Reply::Int(pel.len() as i64),
            id_reply(*first),
            id_reply(*last),
            Reply::Array(owners),
        ]));
    };
    let ids: Box<dyn Iterator<Item = StreamId>> = match consumer {
        Some(name) => match g.consumer(name) {
            Some(c) => Box::new(c.pel.range(start..).copied()),
            None => return Ok(Reply::Array(vec![])),
        },
        None => Box::new(g.pel().range(start..).map(|(id, _)| *id)),
    };
    let mut out = Vec::new();
    for id in ids {
        if count == 0 || id > end {
            break;
        }
        let nack = &g.pel()[&id];
        if minidle != 0 && now - nack.delivery_time < minidle {
            continue;
        }
        count -= 1;
        out.push(Reply::Array(vec![
            id_reply(id),
            Reply::bulk(&nack.consumer),
            Reply::Int((now - nack.delivery_time).max(0)),
            Reply::Int(nack.delivery_count as i64),
        ]));
    }
    Ok(Reply::Array(out))
}

/// `XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-ms]
/// [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid]`.
pub fn xclaim(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (key, group, name, minidle) = (args.take(), args.take(), args.take(), args.take());
    let slot = group_slot(ctx, key, group)?;
    let minidle = parse_i64(minidle).ok_or(CmdError::other("ERR Invalid min-idle-time argument for XCLAIM"))?.max(0);
    let mut ids = Vec::new();
    let mut raw_ids: Vec<&[u8]> = Vec::new();
    while let Some(Ok(id)) = args.peek().map(parse_strict) {
        ids.push(id);
        raw_ids.push(args.take());
    }
    let now = ctx.now_ms() as i64;
    let (mut force, mut justid) = (false, false);
    let mut retrycount: i64 = -1;
    let mut deliverytime: i64 = -1;
    let mut last_id = StreamId::ZERO;
    while let Some(opt) = args.next() {
        let more = args.remaining();
        let int = |a: &[u8], what: &str| {
            parse_i64(a).ok_or_else(|| CmdError::other(format!("ERR Invalid {} option argument for XCLAIM", what)))
        };
        if is_c(opt, "FORCE") {
            force = true;
        } else if is_c(opt, "JUSTID") {
            justid = true;
        } else if is_c(opt, "IDLE") && more > 0 {
            deliverytime = now.wrapping_sub(int(args.take(), "IDLE")?);
        } else if is_c(opt, "TIME") && more > 0 {
            deliverytime = int(args.take(), "TIME")?;
        } else if is_c(opt, "RETRYCOUNT") && more > 0 {
            retrycount = int(args.take(), "RETRYCOUNT")?;
        } else if is_c(opt, "LASTID") && more > 0 {
            last_id = parse_strict(args.take())?;
        } else {
            return Err(CmdError::other(format!("ERR Unrecognized XCLAIM option '{}'", c_text(opt))));
        }
    }
    if deliverytime != -1 {
        if deliverytime < 0 || deliverytime > now {
            deliverytime = now;
        }
    } else {
        deliverytime = now;
    }
    let ctx_propagating = ctx.st.propagation.is_enabled();
    let s = stream(ctx, slot);
    let mut out = Vec::new();
    let mut claimed = Vec::new();
    // Decide per ID against the entries first, then apply to the group.
    let exists: Vec<bool> = ids.iter().map(|&id| s.entries.contains(id)).collect();
    let mut g = s.group_mut(group).expect("group");
    // The group's new last ID goes out with the XCLAIMs, or alone when none is.
    let mut propagate_last_id = false;
    if last_id > g.last_id {
        g.last_id = last_id;
        propagate_last_id = true;
    }
    let propagating = ctx_propagating;
    let mut effects = Vec::new();
    let effect = |n: &crate::types::stream::Nack, raw: &[u8], last_id: StreamId| ClaimEffect {
        consumer: n.consumer.to_vec(),
        id: raw.to_vec(),
        time: n.delivery_time,
        count: n.delivery_count,
        last_id,
    };
    let mut created = false;
    let mut gone = 0;
    for ((&id, &live), &raw) in ids.iter().zip(&exists).zip(&raw_ids) {
        let pending = g.pel().get(&id).map(|n| n.delivery_time);
        if !live {
            if pending.is_some() {
                gone += 1;
                if propagating {
                    effects.push(effect(&g.pel()[&id], raw, g.last_id));
                    propagate_last_id = false;
                }
                g.ack(id);
            }
            continue;
        }
        if pending.is_none() && !force {
            continue;
        }
        if let Some(t) = pending {
            if minidle != 0 && now - t < minidle {
                continue;
            }
        }
        // Redis looks the consumer up (creating it) once per call; touching it again
        // at the same `now` changes nothing.
        created |= g.touch_consumer(name, now);
        let nack = g.claim(id, name, now);
        nack.delivery_time = deliverytime;
        if retrycount >= 0 {
            nack.delivery_count = retrycount as u64;
        } else if !justid {
            nack.delivery_count += 1;
        }
        claimed.push(id);
        if propagating {
            let last = g.last_id;
            effects.push(effect(&g.pel()[&id], raw, last));
            propagate_last_id = false;
        }
    }
    let group_state = (g.last_id, g.entries_read);
    drop(g);
    let claimed_n = claimed.len();
    for id in claimed {
        if justid {
            out.push(id_reply(id));
        } else {
            out.push(one_entry(&s.entries, id).unwrap_or(Reply::Nil));
        }
    }
    super::consumer_created(ctx, key, created);
    // Redis counts each claim and dropped entry, the new last ID and a new consumer.
    // (The last ID goes out alone only when nothing was claimed or dropped.)
    let last_id_alone = propagate_last_id && claimed_n == 0 && gone == 0;
    let n = claimed_n + gone + usize::from(last_id_alone) + usize::from(created);
    ctx.changes(n as u64);
    if propagating {
        // Redis propagates the effects and never the XCLAIM itself.
        propagate_claims(ctx, key, group, &effects);
        if propagate_last_id {
            propagate_group_id(ctx, key, group, group_state.0, group_state.1);
        }
        ctx.prevent_propagation();
    }
    Ok(Reply::Array(out))
}

/// The largest transient allocation that can succeed: 2^47 bytes, the user address space
/// of x86-64 and AArch64 with 4-level page tables (Redis's `ztrymalloc` of more fails).
const TRANSIENT_ALLOC_LIMIT: u64 = 1 << 47;

/// `XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]`:
/// `[next-cursor, claimed, deleted-ids]`.
pub fn xautoclaim(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (key, group, name) = (args.take(), args.take(), args.take());
    let minidle =
        parse_i64(args.take()).ok_or(CmdError::other("ERR Invalid min-idle-time argument for XAUTOCLAIM"))?.max(0);
    let start = parse_bound(args.take(), false)?;
    let mut count: i64 = 100;
    let mut justid = false;
    while let Some(opt) = args.next() {
        if is_c(opt, "COUNT") && args.has_more() {
            let max = i64::MAX / 16;
            count = match parse_i64(args.take()) {
                Some(n) if (1..=max).contains(&n) => n,
                _ => return Err(CmdError::other("ERR COUNT must be > 0")),
            };
        } else if is_c(opt, "JUSTID") {
            justid = true;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let slot = group_slot(ctx, key, group)?;
    // Redis allocates `count` stream IDs for the deleted entries up front and answers this
    // when the allocation fails (Cinder does not allocate them; the user address space
    // bounds what any allocator can give).
    if count as u64 * 16 > TRANSIENT_ALLOC_LIMIT {
        return Err(CmdError::other("ERR Insufficient memory, failed allocating transient memory, COUNT too high."));
    }
    let now = ctx.now_ms() as i64;
    let propagating = ctx.st.propagation.is_enabled();
    let s = stream(ctx, slot);
    let mut attempts = count.saturating_mul(10);
    let candidates: Vec<(StreamId, i64, bool)> = {
        let g = s.group(group).expect("group");
        // At most `attempts` PEL entries are examined, plus one for the cursor.
        g.pel()
            .range(start..)
            .take((attempts as usize).saturating_add(1))
            .map(|(id, n)| (*id, n.delivery_time, s.entries.contains(*id)))
            .collect()
    };
    let mut g = s.group_mut(group).expect("group");
    let mut effects = Vec::new();
    let effect = |n: &crate::types::stream::Nack, id: StreamId, last_id: StreamId| ClaimEffect {
        consumer: n.consumer.to_vec(),
        id: id.to_bytes(),
        time: n.delivery_time,
        count: n.delivery_count,
        last_id,
    };
    let mut claimed = Vec::new();
    let mut deleted = Vec::new();
    let mut created = false;
    let mut next = 0;
    while attempts > 0 && count > 0 && next < candidates.len() {
        attempts -= 1;
        let (id, t, live) = candidates[next];
        next += 1;
        if !live {
            if propagating {
                effects.push(effect(&g.pel()[&id], id, g.last_id));
            }
            g.ack(id);
            deleted.push(id);
            count -= 1;
            continue;
        }
        if minidle != 0 && now - t < minidle {
            continue;
        }
        // Redis looks the consumer up (creating it) once per call; touching it again
        // at the same `now` changes nothing.
        created |= g.touch_consumer(name, now);
        let nack = g.claim(id, name, now);
        nack.delivery_time = now;
        if !justid {
            nack.delivery_count += 1;
        }
        claimed.push(id);
        count -= 1;
        if propagating {
            let last = g.last_id;
            effects.push(effect(&g.pel()[&id], id, last));
        }
    }
    drop(g);
    let (claimed_n, deleted_n) = (claimed.len(), deleted.len());
    let cursor = candidates.get(next).map_or(StreamId::ZERO, |c| c.0);
    let claimed = claimed
        .into_iter()
        .map(|id| if justid { id_reply(id) } else { one_entry(&s.entries, id).unwrap_or(Reply::Nil) })
        .collect();
    let reply = Reply::Array(vec![
        id_reply(cursor),
        Reply::Array(claimed),
        Reply::Array(deleted.into_iter().map(id_reply).collect()),
    ]);
    super::consumer_created(ctx, key, created);
    ctx.changes((claimed_n + deleted_n + usize::from(created)) as u64);
    if propagating {
        propagate_claims(ctx, key, group, &effects);
        ctx.prevent_propagation();
    }
    Ok(reply)
}
