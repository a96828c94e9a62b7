//! Stream commands, following Redis 7.0's `t_stream.c`: argument parsing in the same
//! order, the same errors and reply shapes. One file per family; the command table
//! calls the handlers through the re-exports below.

mod add;
mod group;
mod info;
mod pending;
mod range;
mod read;

pub use add::{xadd, xsetid, xtrim};
pub use group::{xgroup_create, xgroup_createconsumer, xgroup_delconsumer, xgroup_destroy, xgroup_help, xgroup_setid};
pub use info::{xinfo_consumers, xinfo_groups, xinfo_help, xinfo_stream};
pub use pending::{xack, xautoclaim, xclaim, xpending};
pub use range::{xdel, xlen, xrange, xrevrange};
pub use read::{xread, xreadgroup};

use super::Ctx;
use crate::error::CmdError;
use crate::reply::{BulkArray, Reply};
use crate::types::stream::{parse_id, Entries, Stream, StreamId};
use crate::types::Value;

/// `ERR Invalid stream ID specified as stream command argument`.
fn invalid_id() -> CmdError {
    CmdError::other("ERR Invalid stream ID specified as stream command argument")
}

/// Whether an option argument equals `word` as `strcasecmp` sees it (C string).
fn opt_is(arg: &[u8], word: &str) -> bool {
    crate::cmd::is_c(arg, word)
}

/// An argument as C's `%s` prints it (up to a NUL byte).
fn c_text(arg: &[u8]) -> String {
    let end = arg.iter().position(|&c| c == 0).unwrap_or(arg.len());
    String::from_utf8_lossy(&arg[..end]).into_owned()
}

/// Redis's `streamParseStrictIDOrReply` (no `-`/`+`).
fn parse_strict(arg: &[u8]) -> Result<StreamId, CmdError> {
    parse_id(arg, 0, true, false).map(|p| p.id).ok_or_else(invalid_id)
}

/// Redis's `streamParseIDOrReply` (`-` and `+` allowed).
fn parse_loose(arg: &[u8], missing_seq: u64) -> Result<StreamId, CmdError> {
    parse_id(arg, missing_seq, false, false).map(|p| p.id).ok_or_else(invalid_id)
}

/// Redis's `streamParseIntervalIDOrReply` plus the exclusive-bound step: a range start
/// (`(` moves it up by one) or end (down by one).
fn parse_bound(arg: &[u8], is_end: bool) -> Result<StreamId, CmdError> {
    let missing = if is_end { u64::MAX } else { 0 };
    if arg.len() > 1 && arg[0] == b'(' {
        let id = parse_id(&arg[1..], missing, true, false).map(|p| p.id).ok_or_else(invalid_id)?;
        if is_end {
            id.decr().ok_or(CmdError::other("ERR invalid end ID for the interval"))
        } else {
            id.incr().ok_or(CmdError::other("ERR invalid start ID for the interval"))
        }
    } else {
        parse_loose(arg, missing)
    }
}

/// `lookupKeyRead` + `checkType` for a stream.
fn read_slot(ctx: &mut Ctx, key: &[u8]) -> Result<Option<u32>, CmdError> {
    ctx.read_typed(key, |v| matches!(v, Value::Stream(_)))
}

/// `lookupKeyWrite` + `checkType` for a stream.
fn write_slot(ctx: &mut Ctx, key: &[u8]) -> Result<Option<u32>, CmdError> {
    ctx.write_typed(key, |v| matches!(v, Value::Stream(_)))
}

/// The stream in `slot` (checked by `read_slot`/`write_slot`).
fn stream<'a>(ctx: &'a mut Ctx, slot: u32) -> &'a mut Stream {
    match &mut ctx.db().keys.entry_mut(slot).value {
        Value::Stream(s) => s,
        _ => unreachable!("slot checked to hold a stream"),
    }
}

/// An ID as a bulk reply.
fn id_reply(id: StreamId) -> Reply {
    Reply::Bulk(id.to_bytes())
}

/// One entry: `[id, [field, value, ...]]`.
fn entry_reply(id: StreamId, fields: &[&[u8]]) -> Reply {
    let mut out = BulkArray::with_capacity(fields.iter().map(|f| f.len() + 16).sum());
    for f in fields {
        out.push(f);
    }
    Reply::Array(vec![id_reply(id), Reply::BulkArray(out)])
}

/// Entries in `[start, end]` (or reversed), at most `count` (0: all).
fn range_replies(entries: &Entries, start: StreamId, end: StreamId, count: usize, rev: bool) -> Vec<Reply> {
    let mut out = Vec::new();
    entries.range(start, end, rev, |id, fields| {
        out.push(entry_reply(id, fields));
        count == 0 || out.len() < count
    });
    out
}

/// The single entry `id` as a reply, if it exists.
fn one_entry(entries: &Entries, id: StreamId) -> Option<Reply> {
    range_replies(entries, id, id, 1, false).pop()
}

/// Redis's `addReplySubcommandSyntaxError` for `XGROUP`/`XINFO`.
fn subcommand_syntax(args: &crate::cmd::Args) -> CmdError {
    let argv = args.all();
    CmdError::other(format!(
        "ERR unknown subcommand or wrong number of arguments for '{}'. Try {} HELP.",
        crate::cmd::c_str_128(argv[1]),
        c_text(argv[0]).to_ascii_uppercase()
    ))
}
