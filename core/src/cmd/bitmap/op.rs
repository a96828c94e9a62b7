//! BITOP.

use super::{int, read_string, string_at};
use crate::bytes::SBytes;
use crate::cmd::{is_c, Args, Ctx};
use crate::config::notify;
use crate::error::{CmdError, CmdResult};
use crate::types::Value;

/// A BITOP operation.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    And,
    Or,
    Xor,
    Not,
}

/// `BITOP AND|OR|XOR|NOT destkey key [key ...]`: stores the bitwise result (missing
/// keys and short strings count as zero bytes) as a `raw` string and replies with its
/// length; an empty result deletes the destination.
pub fn bitop(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let name = args.take();
    let op = if is_c(name, "and") {
        Op::And
    } else if is_c(name, "or") {
        Op::Or
    } else if is_c(name, "xor") {
        Op::Xor
    } else if is_c(name, "not") {
        Op::Not
    } else {
        return Err(CmdError::Syntax);
    };
    let dst = args.take();
    let keys = args.take_rest();
    if op == Op::Not && keys.len() != 1 {
        return Err(CmdError::other("ERR BITOP NOT must be called with a single source key."));
    }
    let mut srcs: Vec<Vec<u8>> = Vec::with_capacity(keys.len());
    for key in keys {
        match read_string(ctx, key)? {
            Some(slot) => srcs.push(string_at(ctx, slot)?.into_owned()),
            None => srcs.push(Vec::new()),
        }
    }
    let res = compute(op, &srcs);
    let len = res.len();
    if len > 0 {
        let value = Value::Raw(res);
        match ctx.lookup_write(dst) {
            Some(slot) => {
                let keys = &mut ctx.db().keys;
                keys.clear_expire(slot);
                keys.entry_mut(slot).value = value;
            }
            None => {
                let access = ctx.st.new_access();
                ctx.db().keys.insert_new(SBytes::new(dst), value, access);
            }
        }
        ctx.key_event(notify::STRING, "set", dst);
    } else if let Some(slot) = ctx.lookup_write(dst) {
        ctx.db().keys.remove(slot);
        ctx.key_event(notify::GENERIC, "del", dst);
    }
    int(len as i64)
}

/// The result bytes: as long as the longest source.
fn compute(op: Op, srcs: &[Vec<u8>]) -> Vec<u8> {
    let max = srcs.iter().map(Vec::len).max().unwrap_or(0);
    let mut res = srcs[0].clone();
    res.resize(max, 0);
    if op == Op::Not {
        res.iter_mut().for_each(|b| *b = !*b);
        return res;
    }
    for src in &srcs[1..] {
        let (head, tail) = res.split_at_mut(src.len().min(max));
        match op {
            Op::And => head.iter_mut().zip(src).for_each(|(a, &b)| *a &= b),
            Op::Or => head.iter_mut().zip(src).for_each(|(a, &b)| *a |= b),
            _ => head.iter_mut().zip(src).for_each(|(a, &b)| *a ^= b),
        }
        if op == Op::And {
            tail.fill(0);
        }
    }
    res
}
