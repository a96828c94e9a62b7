//! List commands, following Redis 7.0's `t_list.c`: the same validation order (argument
//! syntax, then the key's type, as each command does it), the same replies for missing
//! keys in RESP2 and RESP3, and lists deleted as soon as they become empty.
//!
//! - `push`: LPUSH RPUSH LPUSHX RPUSHX LINSERT LSET
//! - `read`: LLEN LRANGE LINDEX LPOS
//! - `pop`: LPOP RPOP LMPOP LMOVE RPOPLPUSH LREM LTRIM
//! - `blocking`: BLPOP BRPOP BLMPOP BLMOVE BRPOPLPUSH (see `crate::blocking`)

mod blocking;
mod pop;
mod push;
mod read;

pub use blocking::{blmove, blmpop, blpop, brpop, brpoplpush};
pub use pop::{lmove, lmpop, lpop, lrem, ltrim, rpop, rpoplpush};
pub use push::{linsert, lpush, lpushx, lset, rpush, rpushx};
pub use read::{lindex, llen, lpos, lrange};

use super::{is_c, Ctx};
use crate::bytes::SBytes;
use crate::config::notify;
use crate::error::CmdError;
use crate::reply::{BulkArray, Reply};
use crate::types::list::{Elem, End, List};
use crate::types::Value;

/// Redis's `getListPositionFromObjectOrReply`: `LEFT` (head) or `RIGHT` (tail), compared
/// as C strings, else `ERR syntax error`.
fn parse_end(arg: &[u8]) -> Result<End, CmdError> {
    if is_c(arg, "right") {
        Ok(End::Tail)
    } else if is_c(arg, "left") {
        Ok(End::Head)
    } else {
        Err(CmdError::Syntax)
    }
}

/// `lookupKeyWrite` + `checkType(OBJ_LIST)`: the slot of the list under `key`, `None`
/// when missing, `WRONGTYPE` for another type.
fn write_list(ctx: &mut Ctx, key: &[u8]) -> Result<Option<u32>, CmdError> {
    ctx.write_typed(key, |v| matches!(v, Value::List(_)))
}

/// `lookupKeyRead` + `checkType(OBJ_LIST)` (counts a keyspace hit or miss).
fn read_list(ctx: &mut Ctx, key: &[u8]) -> Result<Option<u32>, CmdError> {
    ctx.read_typed(key, |v| matches!(v, Value::List(_)))
}

/// The list in `slot` (already checked to be one).
fn list_mut<'c>(ctx: &'c mut Ctx, slot: u32) -> Result<&'c mut List, CmdError> {
    match &mut ctx.db().keys.entry_mut(slot).value {
        Value::List(l) => Ok(l),
        _ => Err(CmdError::WrongType),
    }
}

/// Creates an empty list under `key` (missing) with the configured node options, as
/// Redis's `createQuicklistObject` + `dbAdd`; returns its slot.
fn create_list(ctx: &mut Ctx, key: &[u8]) -> u32 {
    let c = &ctx.st.config;
    let list = List::new(c.list_max_listpack_size, c.list_compress_depth);
    let access = ctx.st.new_access();
    ctx.db().keys.insert_new(SBytes::new(key), Value::List(Box::new(list)), access)
}

/// After a command changed the list in `slot`: the list event `event`, then the key's
/// deletion if the list became empty (`del` event), then `signalModifiedKey`, in Redis's
/// order.
fn list_changed(ctx: &mut Ctx, slot: u32, event: &'static str) {
    let emptied = matches!(&ctx.db().keys.entry(slot).value, Value::List(l) if l.is_empty());
    if !ctx.st.key_hooks_active() {
        if emptied {
            ctx.db().keys.remove(slot);
        }
        ctx.st.count_change();
        return;
    }
    let key = ctx.db().keys.entry(slot).key.clone();
    ctx.notify(notify::LIST, event, &key);
    if emptied {
        ctx.db().keys.remove(slot);
        ctx.notify(notify::GENERIC, "del", &key);
    }
    ctx.signal_modified_key(&key);
}

/// The pop event of an end: `lpop` or `rpop`.
fn pop_event(end: End) -> &'static str {
    match end {
        End::Head => "lpop",
        End::Tail => "rpop",
    }
}

/// The push event of an end: `lpush` or `rpush`.
fn push_event(end: End) -> &'static str {
    match end {
        End::Head => "lpush",
        End::Tail => "rpush",
    }
}

/// A bulk reply with an element's bytes.
#[inline]
fn bulk(e: Elem) -> Reply {
    Reply::Bulk(e.to_vec())
}

/// Appends an element to an array reply being built.
#[inline]
fn push_elem(out: &mut BulkArray, e: Elem) {
    e.with_bytes(|b| out.push(b));
}

/// Pops up to `count` elements from `end` of the list in `slot` (the tail gives them
/// last first) and deletes the key if it empties: Redis's `listPopRangeAndReply`.
fn pop_range(ctx: &mut Ctx, slot: u32, end: End, count: usize) -> Result<Reply, CmdError> {
    let l = list_mut(ctx, slot)?;
    let n = count.min(l.len());
    let mut out = BulkArray::with_capacity(n * 16);
    for _ in 0..n {
        l.pop_map(end, |e| push_elem(&mut out, e));
    }
    if n > 0 {
        list_changed(ctx, slot, pop_event(end));
        ctx.changes(n as u64);
    }
    Ok(Reply::BulkArray(out))
}

/// Names a pop's effect for propagation: `LPOP`/`RPOP key [count]` (what Redis
/// replicates for B[LR]POP, [B]LMPOP and their served waits).
pub(super) fn name_pop(ctx: &mut Ctx, end: End, key: &[u8], count: Option<usize>) {
    let name: &[u8] = match end {
        End::Head => b"LPOP",
        End::Tail => b"RPOP",
    };
    match count {
        Some(n) => {
            let mut buf = [0u8; 20];
            ctx.propagate_as(&[name, key, crate::numfmt::format_i64(n as i64, &mut buf)]);
        }
        None => ctx.propagate_as(&[name, key]),
    }
}

/// Pops one element from `end` of the list in `slot`, deleting the key if it empties.
fn pop_one(ctx: &mut Ctx, slot: u32, end: End) -> Result<Vec<u8>, CmdError> {
    let v = list_mut(ctx, slot)?.pop(end).unwrap_or_default();
    list_changed(ctx, slot, pop_event(end));
    Ok(v)
}

/// Redis's `lmoveGenericCommand` after the source was found to be a non-empty list in
/// `src_slot`: checks the destination's type, pops from `from`, pushes at `to` (creating
/// the destination) and deletes the source if it emptied. Replies with the element.
fn move_element(ctx: &mut Ctx, src_slot: u32, dst: &[u8], from: End, to: End) -> Result<Reply, CmdError> {
    let dst_slot = write_list(ctx, dst)?;
    let v = list_mut(ctx, src_slot)?.pop(from).unwrap_or_default();
    let dst_slot = match dst_slot {
        Some(s) => s,
        None => create_list(ctx, dst),
    };
    list_mut(ctx, dst_slot)?.push(to, &v);
    ctx.key_event(notify::LIST, push_event(to), dst);
    list_changed(ctx, src_slot, pop_event(from));
    // Redis counts the move once.
    ctx.changes(1);
    Ok(Reply::Bulk(v))
}

/// Shared test helpers.
#[cfg(test)]
mod testutil {
    use crate::testkit::TestEngine;

    /// Runs a command given as one string split on spaces; returns RESP2 text.
    pub fn r(t: &mut TestEngine, line: &str) -> String {
        let args: Vec<&str> = line.split(' ').collect();
        t.resp(&args)
    }

    /// Same in RESP3 (the client must have run `HELLO 3`).
    pub fn r3(t: &mut TestEngine, line: &str) -> String {
        let args: Vec<&str> = line.split(' ').collect();
        t.resp3(&args)
    }
}
