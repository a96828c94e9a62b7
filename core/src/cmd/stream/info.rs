//! XINFO STREAM [FULL [COUNT n]] | GROUPS | CONSUMERS | HELP.

use super::{c_text, id_reply, range_replies, read_slot, stream_ref as stream, Ctx};
use crate::cmd::Args;
use crate::error::{CmdError, CmdResult};
use crate::reply::Reply;
use crate::types::stream::{Group, Stream, StreamId, INVALID_ENTRIES_READ};

fn field(name: &str, v: Reply) -> (Reply, Reply) {
    (Reply::bulk(name.as_bytes()), v)
}

/// The stream under `key` for XINFO: `ERR no such key` when missing.
fn info_slot(ctx: &mut Ctx, key: &[u8]) -> Result<u32, CmdError> {
    read_slot(ctx, key)?.ok_or(CmdError::NoSuchKey)
}

fn entries_read(g: &Group) -> Reply {
    if g.entries_read != INVALID_ENTRIES_READ {
        Reply::Int(g.entries_read)
    } else {
        Reply::Nil
    }
}

fn lag(s: &Stream, g: &Group) -> Reply {
    s.group_lag(g).map_or(Reply::Nil, Reply::Int)
}

/// `XINFO STREAM key [FULL [COUNT count]]`.
pub fn xinfo_stream(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let slot = info_slot(ctx, args.take())?;
    let mut full = false;
    let mut count: i64 = 10;
    if args.has_more() {
        if !args.eat_c("full") {
            return Err(super::subcommand_syntax(args));
        }
        full = true;
        match args.remaining() {
            0 => {}
            2 if args.eat_c("count") => {
                count = args.next_i64()?;
                if count < 0 {
                    count = 10;
                }
            }
            _ => return Err(super::subcommand_syntax(args)),
        }
    }
    let s = stream(ctx, slot);
    let mut m = vec![
        field("length", Reply::Int(s.len() as i64)),
        field("radix-tree-keys", Reply::Int(s.entries.node_count() as i64)),
        field("radix-tree-nodes", Reply::Int(s.rax_nodes() as i64)),
        field("last-generated-id", id_reply(s.last_id)),
        field("max-deleted-entry-id", id_reply(s.max_deleted_id)),
        field("entries-added", Reply::Int(s.entries_added as i64)),
        field("recorded-first-entry-id", id_reply(s.first_id)),
    ];
    if !full {
        m.push(field("groups", Reply::Int(s.groups().len() as i64)));
        let first = range_replies(&s.entries, StreamId::ZERO, StreamId::MAX, 1, false).pop();
        let last = range_replies(&s.entries, StreamId::ZERO, StreamId::MAX, 1, true).pop();
        m.push(field("first-entry", first.unwrap_or(Reply::Nil)));
        m.push(field("last-entry", last.unwrap_or(Reply::Nil)));
        return Ok(Reply::Map(m));
    }
    let count = count as usize;
    let limited = |n: usize| count == 0 || n < count;
    m.push(field("entries", Reply::Array(range_replies(&s.entries, StreamId::ZERO, StreamId::MAX, count, false))));
    let mut groups = Vec::new();
    for (name, g) in s.groups() {
        let mut pending = Vec::new();
        for (id, n) in g.pel() {
            if !limited(pending.len()) {
                break;
            }
            pending.push(Reply::Array(vec![
                id_reply(*id),
                Reply::bulk(&n.consumer),
                Reply::Int(n.delivery_time),
                Reply::Int(n.delivery_count as i64),
            ]));
        }
        let mut consumers = Vec::new();
        for (cname, c) in g.consumers() {
            let mut cp = Vec::new();
            for id in &c.pel {
                if !limited(cp.len()) {
                    break;
                }
                let n = &g.pel()[id];
                cp.push(Reply::Array(vec![
                    id_reply(*id),
                    Reply::Int(n.delivery_time),
                    Reply::Int(n.delivery_count as i64),
                ]));
            }
            consumers.push(Reply::Map(vec![
                field("name", Reply::bulk(cname)),
                field("seen-time", Reply::Int(c.seen_time)),
                field("pel-count", Reply::Int(c.pel.len() as i64)),
                field("pending", Reply::Array(cp)),
            ]));
        }
        groups.push(Reply::Map(vec![
            field("name", Reply::bulk(name)),
            field("last-delivered-id", id_reply(g.last_id)),
            field("entries-read", entries_read(g)),
            field("lag", lag(s, g)),
            field("pel-count", Reply::Int(g.pel().len() as i64)),
            field("pending", Reply::Array(pending)),
            field("consumers", Reply::Array(consumers)),
        ]));
    }
    m.push(field("groups", Reply::Array(groups)));
    Ok(Reply::Map(m))
}

/// `XINFO GROUPS key`.
pub fn xinfo_groups(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let slot = info_slot(ctx, args.take())?;
    let s = stream(ctx, slot);
    let out = s
        .groups()
        .iter()
        .map(|(name, g)| {
            Reply::Map(vec![
                field("name", Reply::bulk(name)),
                field("consumers", Reply::Int(g.consumers().len() as i64)),
                field("pending", Reply::Int(g.pel().len() as i64)),
                field("last-delivered-id", id_reply(g.last_id)),
                field("entries-read", entries_read(g)),
                field("lag", lag(s, g)),
            ])
        })
        .collect();
    Ok(Reply::Array(out))
}

/// `XINFO CONSUMERS key group`.
pub fn xinfo_consumers(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (key, group) = (args.take(), args.take());
    let slot = info_slot(ctx, key)?;
    let now = ctx.now_ms() as i64;
    let s = stream(ctx, slot);
    let Some(g) = s.group(group) else {
        return Err(CmdError::other(format!(
            "NOGROUP No such consumer group '{}' for key name '{}'",
            c_text(group),
            c_text(key)
        )));
    };
    let out = g
        .consumers()
        .iter()
        .map(|(name, c)| {
            Reply::Map(vec![
                field("name", Reply::bulk(name)),
                field("pending", Reply::Int(c.pel.len() as i64)),
                field("idle", Reply::Int((now - c.seen_time).max(0))),
            ])
        })
        .collect();
    Ok(Reply::Array(out))
}

/// `XINFO HELP`.
pub fn xinfo_help(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Ok(crate::cmd::server::help_reply(&[
        "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CONSUMERS <key> <groupname>",
        "    Show consumers of <groupname>.",
        "GROUPS <key>",
        "    Show the stream consumer groups.",
        "STREAM <key> [FULL [COUNT <count>]",
        "    Show information about the stream.",
        "HELP",
        "    Prints this help.",
    ]))
}
