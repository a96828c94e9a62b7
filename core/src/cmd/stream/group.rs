//! XGROUP CREATE | SETID | DESTROY | CREATECONSUMER | DELCONSUMER | HELP (Redis's
//! `xgroupCommand`: options first, then the key and group checks).

use super::{c_text, is_c, parse_loose, parse_strict, stream, subcommand_syntax, write_slot, Ctx};
use crate::bytes::SBytes;
use crate::cmd::Args;
use crate::config::notify;
use crate::error::{CmdError, CmdResult};
use crate::numfmt::parse_i64;
use crate::reply::Reply;
use crate::types::stream::{Stream, StreamId, INVALID_ENTRIES_READ};
use crate::types::Value;

/// Parses an ENTRIESREAD value.
fn entries_read(arg: &[u8]) -> Result<i64, CmdError> {
    let n = parse_i64(arg).ok_or(CmdError::NotInteger)?;
    if n < 0 && n != INVALID_ENTRIES_READ {
        return Err(CmdError::other("ERR value for ENTRIESREAD must be positive or -1"));
    }
    Ok(n)
}

/// Which XGROUP subcommand runs (they share the key and group checks).
#[derive(PartialEq, Eq, Clone, Copy)]
enum Sub {
    Create,
    SetId,
    Destroy,
    CreateConsumer,
    DelConsumer,
}

/// The common part of Redis's `xgroupCommand`: the stream slot (`None` only for CREATE
/// with MKSTREAM on a missing key); errors for a missing key or group.
fn lookup(ctx: &mut Ctx, key: &[u8], group: &[u8], sub: Sub, mkstream: bool) -> Result<Option<u32>, CmdError> {
    let slot = write_slot(ctx, key)?;
    if !mkstream {
        let Some(slot) = slot else {
            return Err(CmdError::other("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."));
        };
        let missing = stream(ctx, slot).group(group).is_none();
        if missing && matches!(sub, Sub::SetId | Sub::CreateConsumer | Sub::DelConsumer) {
            return Err(CmdError::other(format!(
                "NOGROUP No such consumer group '{}' for key name '{}'",
                c_text(group),
                c_text(key)
            )));
        }
    }
    Ok(slot)
}

/// `XGROUP CREATE key group id|$ [MKSTREAM] [ENTRIESREAD entries-read]`.
pub fn xgroup_create(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (key, group, id) = (args.take(), args.take(), args.take());
    // Redis refuses more than 8 arguments (3 options) only after the key lookup.
    let too_many = args.remaining() > 3;
    let mut mkstream = false;
    let mut read = INVALID_ENTRIES_READ;
    while let Some(opt) = args.next() {
        if is_c(opt, "MKSTREAM") {
            mkstream = true;
        } else if is_c(opt, "ENTRIESREAD") && args.has_more() {
            read = entries_read(args.take())?;
        } else {
            return Err(subcommand_syntax(args));
        }
    }
    let slot = lookup(ctx, key, group, Sub::Create, mkstream)?;
    if too_many {
        return Err(subcommand_syntax(args));
    }
    let id = if id == b"$" { slot.map_or(StreamId::ZERO, |s| stream(ctx, s).last_id) } else { parse_strict(id)? };
    let slot = match slot {
        Some(s) => s,
        None => {
            let access = ctx.st.new_access();
            ctx.db().keys.insert_new(SBytes::new(key), Value::Stream(Box::new(Stream::new())), access)
        }
    };
    if stream(ctx, slot).create_group(group, id, read) {
        ctx.notify(notify::STREAM, "xgroup-create", key);
        ctx.dirty();
        Ok(Reply::ok())
    } else {
        Err(CmdError::other("BUSYGROUP Consumer Group name already exists"))
    }
}

/// `XGROUP SETID key group id|$ [ENTRIESREAD entries-read]`.
pub fn xgroup_setid(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (key, group, id) = (args.take(), args.take(), args.take());
    let mut read = INVALID_ENTRIES_READ;
    match args.remaining() {
        0 => {}
        2 if args.eat_c("ENTRIESREAD") => read = entries_read(args.take())?,
        _ => return Err(subcommand_syntax(args)),
    }
    let slot = lookup(ctx, key, group, Sub::SetId, false)?.expect("key exists");
    let s = stream(ctx, slot);
    let id = if id == b"$" { s.last_id } else { parse_loose(id, 0)? };
    {
        let mut g = s.group_mut(group).expect("group exists");
        g.last_id = id;
        g.entries_read = read;
    }
    ctx.notify(notify::STREAM, "xgroup-setid", key);
    ctx.dirty();
    Ok(Reply::ok())
}

/// `XGROUP DESTROY key group`: 1 if it existed. Clients blocked on the group are
/// unblocked with an error.
pub fn xgroup_destroy(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (key, group) = (args.take(), args.take());
    let slot = lookup(ctx, key, group, Sub::Destroy, false)?.expect("key exists");
    if stream(ctx, slot).destroy_group(group) {
        ctx.notify(notify::STREAM, "xgroup-destroy", key);
        ctx.signal_ready(key);
        ctx.dirty();
        Ok(Reply::Int(1))
    } else {
        Ok(Reply::Int(0))
    }
}

/// `XGROUP CREATECONSUMER key group consumer`: 1 if created.
pub fn xgroup_createconsumer(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (key, group, consumer) = (args.take(), args.take(), args.take());
    let slot = lookup(ctx, key, group, Sub::CreateConsumer, false)?.expect("key exists");
    let now = ctx.now_ms() as i64;
    let created = stream(ctx, slot).group_mut(group).expect("group").create_consumer(consumer, now);
    if created {
        ctx.notify(notify::STREAM, "xgroup-createconsumer", key);
        ctx.dirty();
    }
    Ok(Reply::Int(created as i64))
}

/// `XGROUP DELCONSUMER key group consumer`: the consumer's pending count.
pub fn xgroup_delconsumer(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (key, group, consumer) = (args.take(), args.take(), args.take());
    let slot = lookup(ctx, key, group, Sub::DelConsumer, false)?.expect("key exists");
    let n = stream(ctx, slot).group_mut(group).expect("group").delete_consumer(consumer);
    if n.is_some() {
        ctx.notify(notify::STREAM, "xgroup-delconsumer", key);
        ctx.dirty();
    }
    Ok(Reply::Int(n.unwrap_or(0) as i64))
}

/// `XGROUP HELP`.
pub fn xgroup_help(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Ok(crate::cmd::server::help_reply(&[
        "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CREATE <key> <groupname> <id|$> [option]",
        "    Create a new consumer group. Options are:",
        "    * MKSTREAM",
        "      Create the empty stream if it does not exist.",
        "    * ENTRIESREAD entries_read",
        "      Set the group's entries_read counter (internal use).",
        "CREATECONSUMER <key> <groupname> <consumer>",
        "    Create a new consumer in the specified group.",
        "DELCONSUMER <key> <groupname> <consumer>",
        "    Remove the specified consumer.",
        "DESTROY <key> <groupname>",
        "    Remove the specified group.",
        "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
        "    Set the current group ID and entries_read counter.",
        "HELP",
        "    Prints this help.",
    ]))
}
