//! XADD, XTRIM (Redis's `streamParseAddOrTrimArgsOrReply` and `streamTrim`) and XSETID.

use super::{id_reply, is_c, parse_strict, stream, write_slot, Ctx};
use crate::bytes::SBytes;
use crate::cmd::Args;
use crate::config::notify;
use crate::error::{CmdError, CmdResult};
use crate::numfmt::parse_i64;
use crate::reply::Reply;
use crate::types::stream::{parse_id, AddError, NodeLimits, ParsedId, Stream, StreamId, Trim};
use crate::types::Value;

/// Parsed XADD/XTRIM options.
#[derive(Debug, Default)]
struct TrimArgs {
    trim: Option<Trim>,
    approx: bool,
    limit: u64,
    nomkstream: bool,
    /// XADD's explicit ID (`None`: `*`).
    id: Option<ParsedId>,
    /// Index in argv of the trim threshold (after `~` when `approx`).
    threshold_at: usize,
}

fn syntax(msg: &'static str) -> CmdError {
    CmdError::other(msg)
}

/// Parses the options after the key; for XADD stops after the ID (the field/value
/// pairs stay unread). `default_limit` is LIMIT for `~` without LIMIT (100 ×
/// `stream-node-max-entries`, 10,000 when that is out of 1..=10,000).
fn parse_trim_args(args: &mut Args, xadd: bool, default_limit: u64) -> Result<TrimArgs, CmdError> {
    let mut a = TrimArgs::default();
    let mut limit: Option<i64> = None;
    while let Some(opt) = args.next() {
        let more = args.remaining();
        if xadd && opt.first() == Some(&b'*') && (opt.len() == 1 || opt[1] == 0) {
            break;
        } else if (is_c(opt, "maxlen") || is_c(opt, "minid")) && more > 0 {
            if a.trim.is_some() {
                return Err(syntax("ERR syntax error, MAXLEN and MINID options at the same time are not compatible"));
            }
            a.approx = false;
            let next = args.peek().expect("more > 0");
            let c_is = |c: u8| next.first() == Some(&c) && (next.len() == 1 || next[1] == 0);
            if more >= 2 && c_is(b'~') {
                a.approx = true;
                args.skip(1);
            } else if more >= 2 && c_is(b'=') {
                args.skip(1);
            }
            a.threshold_at = args.all().len() - args.remaining();
            let threshold = args.take();
            if is_c(opt, "maxlen") {
                let n = parse_i64(threshold).ok_or(CmdError::NotInteger)?;
                if n < 0 {
                    return Err(syntax("ERR The MAXLEN argument must be >= 0."));
                }
                a.trim = Some(Trim::MaxLen(n as u64));
            } else {
                a.trim = Some(Trim::MinId(super::parse_strict(threshold)?));
            }
        } else if is_c(opt, "limit") && more > 0 {
            let n = args.next_i64()?;
            if n < 0 {
                return Err(syntax("ERR The LIMIT argument must be >= 0."));
            }
            limit = Some(n);
        } else if xadd && is_c(opt, "nomkstream") {
            a.nomkstream = true;
        } else if xadd {
            a.id = Some(parse_id(opt, 0, true, true).ok_or_else(super::invalid_id)?);
            break;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    if limit.is_some_and(|l| l != 0) && a.trim.is_none() {
        return Err(syntax("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy"));
    }
    if !xadd && a.trim.is_none() {
        return Err(syntax("ERR syntax error, XTRIM must be called with a trimming strategy"));
    }
    match limit {
        Some(_) if !a.approx => {
            return Err(syntax("ERR syntax error, LIMIT cannot be used without the special ~ option"));
        }
        Some(l) => a.limit = l as u64,
        None if a.approx => a.limit = default_limit,
        None => a.limit = 0,
    }
    Ok(a)
}

/// The node limits from the config.
fn node_limits(ctx: &Ctx) -> NodeLimits {
    let c = &ctx.st.config;
    NodeLimits {
        max_bytes: c.stream_node_max_bytes.max(0) as usize,
        max_entries: c.stream_node_max_entries.clamp(0, u32::MAX as i64) as u32,
    }
}

/// Redis's default LIMIT for approximate trimming.
fn default_limit(ctx: &Ctx) -> u64 {
    let l = 100i64.saturating_mul(ctx.st.config.stream_node_max_entries);
    if l <= 0 || l > 10_000 {
        10_000
    } else {
        l as u64
    }
}

/// `XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value
/// [field value ...]`: the new entry's ID.
pub fn xadd(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let key = args.take();
    let a = parse_trim_args(args, true, default_limit(ctx))?;
    let fields = args.take_rest();
    if fields.len() < 2 || fields.len() % 2 == 1 {
        return Err(CmdError::Arity("xadd".into()));
    }
    if let Some(ParsedId { id, seq_given: true }) = a.id {
        if id.is_zero() {
            return Err(CmdError::other("ERR The ID specified in XADD must be greater than 0-0"));
        }
    }
    let slot = match write_slot(ctx, key)? {
        Some(s) => s,
        None if a.nomkstream => return Ok(Reply::Nil),
        None => {
            let access = ctx.st.new_access();
            ctx.db().keys.insert_new(SBytes::new(key), Value::Stream(Box::default()), access)
        }
    };
    let now = ctx.now_ms();
    let limits = node_limits(ctx);
    let s = stream(ctx, slot);
    if s.last_id == StreamId::MAX {
        return Err(CmdError::other("ERR The stream has exhausted the last possible ID, unable to add more items"));
    }
    let id = match s.add(a.id, fields, now, limits) {
        Ok(id) => id,
        Err(AddError::IdTooSmall) => {
            return Err(CmdError::other(
                "ERR The ID specified in XADD is equal or smaller than the target stream top item",
            ))
        }
        Err(AddError::SeqExhausted) => return Err(CmdError::other("ERR Elements are too large to be stored")),
    };
    let trimmed = a.trim.is_some_and(|how| s.trim(how, a.approx, a.limit) > 0);
    if ctx.st.propagation.is_enabled() {
        let argv = args.all();
        let id_at = argv.len() - fields.len() - 1;
        let generated = !matches!(a.id, Some(ParsedId { seq_given: true, .. }));
        name_trim_effect(ctx, slot, argv, &a, generated.then_some((id_at, id)));
    }
    ctx.key_event(notify::STREAM, "xadd", key);
    if trimmed {
        ctx.notify(notify::STREAM, "xtrim", key);
    }
    ctx.signal_ready(key);
    Ok(id_reply(id))
}

/// Names the propagated form of an XADD or XTRIM that wrote (Redis's
/// `streamRewriteApproxSpecifier` / `streamRewriteTrimArgument` and XADD's ID rewrite):
/// an approximate trim goes out exact (`~` becomes `=`, the threshold the resulting
/// length, or the first remaining ID for MINID), a generated ID (`*`, `<ms>-*`) as the
/// ID it became. Nothing is named when the request replays as is.
fn name_trim_effect(ctx: &mut Ctx, slot: u32, argv: &[&[u8]], a: &TrimArgs, generated: Option<(usize, StreamId)>) {
    if !a.approx && generated.is_none() {
        return;
    }
    let mut out: Vec<Vec<u8>> = argv.iter().map(|w| w.to_vec()).collect();
    if a.approx {
        let s = stream(ctx, slot);
        out[a.threshold_at - 1] = b"=".to_vec();
        out[a.threshold_at] = match a.trim {
            Some(Trim::MinId(_)) => s.entries.edge(false).unwrap_or(StreamId::MAX).to_bytes(),
            _ => s.len().to_string().into_bytes(),
        };
    }
    if let Some((at, id)) = generated {
        out[at] = id.to_bytes();
    }
    let out: Vec<&[u8]> = out.iter().map(|w| w.as_slice()).collect();
    ctx.propagate_as(&out);
}

/// `XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]`: entries removed.
pub fn xtrim(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let key = args.take();
    let a = parse_trim_args(args, false, default_limit(ctx))?;
    let Some(slot) = write_slot(ctx, key)? else { return Ok(Reply::Int(0)) };
    let how = a.trim.expect("XTRIM has a strategy");
    let deleted = stream(ctx, slot).trim(how, a.approx, a.limit);
    if deleted > 0 {
        ctx.key_event(notify::STREAM, "xtrim", key);
        if ctx.st.propagation.is_enabled() {
            name_trim_effect(ctx, slot, args.all(), &a, None);
        }
    }
    ctx.changes(deleted);
    Ok(Reply::Int(deleted as i64))
}

/// `XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]`.
pub fn xsetid(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let key = args.take();
    let id = parse_strict(args.take())?;
    let mut entries_added: i64 = -1;
    let mut max_xdel = StreamId::ZERO;
    while let Some(opt) = args.next() {
        let more = args.remaining();
        if is_c(opt, "ENTRIESADDED") && more > 0 {
            entries_added = args.next_i64()?;
            if entries_added < 0 {
                return Err(CmdError::other("ERR entries_added must be positive"));
            }
        } else if is_c(opt, "MAXDELETEDID") && more > 0 {
            max_xdel = parse_strict(args.take())?;
            if id < max_xdel {
                return Err(CmdError::other(
                    "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id",
                ));
            }
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let slot = write_slot(ctx, key)?.ok_or(CmdError::NoSuchKey)?;
    let s: &mut Stream = stream(ctx, slot);
    if !s.is_empty() {
        if id < s.last_valid_id() {
            return Err(CmdError::other("ERR The ID specified in XSETID is smaller than the target stream top item"));
        }
        if entries_added != -1 && s.len() > entries_added as u64 {
            return Err(CmdError::other(
                "ERR The entries_added specified in XSETID is smaller than the target stream length",
            ));
        }
    }
    s.last_id = id;
    if entries_added != -1 {
        s.entries_added = entries_added as u64;
    }
    if !max_xdel.is_zero() {
        s.max_deleted_id = max_xdel;
    }
    // Redis 7.0.15 notifies but does not signal WATCH here (checked against the server).
    ctx.notify(notify::STREAM, "xsetid", key);
    ctx.dirty();
    Ok(Reply::ok())
}
