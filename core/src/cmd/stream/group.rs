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
fn lookup(ctx: &mut Ctx, args: &Args, sub: Sub, mkstream: bool) -> Result<Option<u32>, CmdError> {
    let argv = args.all();
    let slot = write_slot(ctx, argv[2])?;
    if !mkstream {
        let Some(slot) = slot else {
            return Err(CmdError::other("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."));
        };
        let missing = stream(ctx, slot).group(argv[3]).is_none();
        if missing && matches!(sub, Sub::SetId | Sub::CreateConsumer | Sub::DelConsumer) {
            return Err(CmdError::other(format!(
                "NOGROUP No such consumer group '{}' for key name '{}'",
                c_text(argv[3]),
                c_text(argv[2])
            )));
        }
    }
    Ok(slot)
}

/// `XGROUP CREATE key group id|$ [MKSTREAM] [ENTRIESREAD entries-read]`.
pub fn xgroup_create(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let argv = args.all();
    let mut mkstream = false;
    let mut read = INVALID_ENTRIES_READ;
    let mut i = 5;
    while i < argv.len() {
        if is_c(argv[i], "MKSTREAM") {
            mkstream = true;
            i += 1;
        } else if is_c(argv[i], "ENTRIESREAD") && i + 1 < argv.len() {
            read = entries_read(argv[i + 1])?;
            i += 2;
        } else {
            return Err(subcommand_syntax(args));
        }
    }
    let slot = lookup(ctx, args, Sub::Create, mkstream)?;
    if argv.len() > 8 {
        return Err(subcommand_syntax(args));
    }
    let id =
        if argv[4] == b"$" { slot.map_or(StreamId::ZERO, |s| stream(ctx, s).last_id) } else { parse_strict(argv[4])? };
    let slot = match slot {
        Some(s) => s,
        None => {
            let access = ctx.st.new_access();
            ctx.db().keys.insert_new(SBytes::new(argv[2]), Value::Stream(Box::new(Stream::new())), access)
        }
    };
    if stream(ctx, slot).create_group(argv[3], id, read) {
        ctx.notify(notify::STREAM, "xgroup-create", argv[2]);
        Ok(Reply::ok())
    } else {
        Err(CmdError::other("BUSYGROUP Consumer Group name already exists"))
    }
}

/// `XGROUP SETID key group id|$ [ENTRIESREAD entries-read]`.
pub fn xgroup_setid(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let argv = args.all();
    let mut read = INVALID_ENTRIES_READ;
    if argv.len() == 7 {
        if !is_c(argv[5], "ENTRIESREAD") {
            return Err(subcommand_syntax(args));
        }
        read = entries_read(argv[6])?;
    } else if argv.len() != 5 {
        return Err(subcommand_syntax(args));
    }
    let slot = lookup(ctx, args, Sub::SetId, false)?.expect("key exists");
    let s = stream(ctx, slot);
    let id = if argv[4] == b"$" { s.last_id } else { parse_loose(argv[4], 0)? };
    {
        let mut g = s.group_mut(argv[3]).expect("group exists");
        g.last_id = id;
        g.entries_read = read;
    }
    ctx.notify(notify::STREAM, "xgroup-setid", argv[2]);
    Ok(Reply::ok())
}

/// `XGROUP DESTROY key group`: 1 if it existed. Clients blocked on the group are
/// unblocked with an error.
pub fn xgroup_destroy(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let slot = lookup(ctx, args, Sub::Destroy, false)?.expect("key exists");
    if stream(ctx, slot).destroy_group(args.at(3)) {
        ctx.notify(notify::STREAM, "xgroup-destroy", args.at(2));
        ctx.signal_ready(args.at(2));
        Ok(Reply::Int(1))
    } else {
        Ok(Reply::Int(0))
    }
}

/// `XGROUP CREATECONSUMER key group consumer`: 1 if created.
pub fn xgroup_createconsumer(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let slot = lookup(ctx, args, Sub::CreateConsumer, false)?.expect("key exists");
    let now = ctx.now_ms() as i64;
    let created = stream(ctx, slot).group_mut(args.at(3)).expect("group").create_consumer(args.at(4), now);
    if created {
        ctx.notify(notify::STREAM, "xgroup-createconsumer", args.at(2));
    }
    Ok(Reply::Int(created as i64))
}

/// `XGROUP DELCONSUMER key group consumer`: the consumer's pending count.
pub fn xgroup_delconsumer(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let slot = lookup(ctx, args, Sub::DelConsumer, false)?.expect("key exists");
    let n = stream(ctx, slot).group_mut(args.at(3)).expect("group").delete_consumer(args.at(4));
    if n.is_some() {
        ctx.notify(notify::STREAM, "xgroup-delconsumer", args.at(2));
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
