//! XACK, XPENDING, XCLAIM, XAUTOCLAIM: the pending entries lists of consumer groups.

use super::{c_text, id_reply, is_c, one_entry, parse_bound, parse_strict, read_slot, stream, Ctx};
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
    let argv = args.all();
    let slot = match read_slot(ctx, argv[1])? {
        Some(slot) if stream(ctx, slot).group(argv[2]).is_some() => slot,
        _ => return Ok(Reply::Int(0)),
    };
    let ids = argv[3..].iter().map(|a| parse_strict(a)).collect::<Result<Vec<_>, _>>()?;
    let mut g = stream(ctx, slot).group_mut(argv[2]).expect("group");
    Ok(Reply::Int(ids.into_iter().filter(|&id| g.ack(id)).count() as i64))
}

/// `XPENDING key group [[IDLE min-idle-time] start end count [consumer]]`.
pub fn xpending(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let argv = args.all();
    let argc = argv.len();
    if argc != 3 && !(6..=9).contains(&argc) {
        return Err(CmdError::Syntax);
    }
    let mut range = None;
    if argc >= 6 {
        let mut at = 3;
        let mut minidle = 0;
        if is_c(argv[3], "IDLE") {
            minidle = parse_i64(argv[4]).ok_or(CmdError::NotInteger)?;
            if argc < 8 {
                return Err(CmdError::Syntax);
            }
            at += 2;
        }
        let count = parse_i64(argv[at + 2]).ok_or(CmdError::NotInteger)?.max(0);
        let start = parse_bound(argv[at], false)?;
        let end = parse_bound(argv[at + 1], true)?;
        let consumer = argv.get(at + 3).copied();
        range = Some((minidle, start, end, count, consumer));
    }
    let slot = group_slot(ctx, argv[1], argv[2])?;
    let now = ctx.now_ms() as i64;
    let g = super::stream_ref(ctx, slot).group(argv[2]).expect("group");
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
    let argv = args.all();
    let slot = group_slot(ctx, argv[1], argv[2])?;
    let minidle = parse_i64(argv[4]).ok_or(CmdError::other("ERR Invalid min-idle-time argument for XCLAIM"))?.max(0);
    let mut j = 5;
    let mut ids = Vec::new();
    while j < argv.len() {
        match parse_strict(argv[j]) {
            Ok(id) => ids.push(id),
            Err(_) => break,
        }
        j += 1;
    }
    let now = ctx.now_ms() as i64;
    let (mut force, mut justid) = (false, false);
    let mut retrycount: i64 = -1;
    let mut deliverytime: i64 = -1;
    let mut last_id = StreamId::ZERO;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        let opt = argv[j];
        let int = |a: &[u8], what: &str| {
            parse_i64(a).ok_or_else(|| CmdError::other(format!("ERR Invalid {} option argument for XCLAIM", what)))
        };
        if is_c(opt, "FORCE") {
            force = true;
        } else if is_c(opt, "JUSTID") {
            justid = true;
        } else if is_c(opt, "IDLE") && more > 0 {
            j += 1;
            deliverytime = now.wrapping_sub(int(argv[j], "IDLE")?);
        } else if is_c(opt, "TIME") && more > 0 {
            j += 1;
            deliverytime = int(argv[j], "TIME")?;
        } else if is_c(opt, "RETRYCOUNT") && more > 0 {
            j += 1;
            retrycount = int(argv[j], "RETRYCOUNT")?;
        } else if is_c(opt, "LASTID") && more > 0 {
            j += 1;
            last_id = parse_strict(argv[j])?;
        } else {
            return Err(CmdError::other(format!("ERR Unrecognized XCLAIM option '{}'", c_text(opt))));
        }
        j += 1;
    }
    if deliverytime != -1 {
        if deliverytime < 0 || deliverytime > now {
            deliverytime = now;
        }
    } else {
        deliverytime = now;
    }
    let name = argv[3];
    let s = stream(ctx, slot);
    let mut out = Vec::new();
    let mut claimed = Vec::new();
    // Decide per ID against the entries first, then apply to the group.
    let exists: Vec<bool> = ids.iter().map(|&id| s.entries.contains(id)).collect();
    let mut g = s.group_mut(argv[2]).expect("group");
    if last_id > g.last_id {
        g.last_id = last_id;
    }
    let mut created = false;
    for (&id, &live) in ids.iter().zip(&exists) {
        let pending = g.pel().get(&id).map(|n| n.delivery_time);
        if !live {
            if pending.is_some() {
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
    }
    drop(g);
    for id in claimed {
        if justid {
            out.push(id_reply(id));
        } else {
            out.push(one_entry(&s.entries, id).unwrap_or(Reply::Nil));
        }
    }
    super::consumer_created(ctx, argv[1], created);
    Ok(Reply::Array(out))
}

/// `XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]`:
/// `[next-cursor, claimed, deleted-ids]`.
pub fn xautoclaim(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let argv = args.all();
    let minidle =
        parse_i64(argv[4]).ok_or(CmdError::other("ERR Invalid min-idle-time argument for XAUTOCLAIM"))?.max(0);
    let start = parse_bound(argv[5], false)?;
    let mut count: i64 = 100;
    let mut justid = false;
    let mut j = 6;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        if is_c(argv[j], "COUNT") && more > 0 {
            let max = i64::MAX / 16;
            count = match parse_i64(argv[j + 1]) {
                Some(n) if (1..=max).contains(&n) => n,
                _ => return Err(CmdError::other("ERR COUNT must be > 0")),
            };
            j += 1;
        } else if is_c(argv[j], "JUSTID") {
            justid = true;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    let slot = group_slot(ctx, argv[1], argv[2])?;
    let now = ctx.now_ms() as i64;
    let name = argv[3];
    let s = stream(ctx, slot);
    let mut attempts = count.saturating_mul(10);
    let candidates: Vec<(StreamId, i64, bool)> = {
        let g = s.group(argv[2]).expect("group");
        // At most `attempts` PEL entries are examined, plus one for the cursor.
        g.pel()
            .range(start..)
            .take((attempts as usize).saturating_add(1))
            .map(|(id, n)| (*id, n.delivery_time, s.entries.contains(*id)))
            .collect()
    };
    let mut g = s.group_mut(argv[2]).expect("group");
    let mut claimed = Vec::new();
    let mut deleted = Vec::new();
    let mut created = false;
    let mut next = 0;
    while attempts > 0 && count > 0 && next < candidates.len() {
        attempts -= 1;
        let (id, t, live) = candidates[next];
        next += 1;
        if !live {
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
    }
    drop(g);
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
    super::consumer_created(ctx, argv[1], created);
    Ok(reply)
}
