//! Keyspace and expiry commands (DEL, EXISTS, EXPIRE, SCAN, ...).

use super::{Args, Ctx};
use crate::error::{CmdError, CmdResult};

/// `COPY` (not implemented yet).
pub fn copy(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `DEL` (not implemented yet).
pub fn del(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `EXISTS` (not implemented yet).
pub fn exists(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `EXPIRE` (not implemented yet).
pub fn expire(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `EXPIREAT` (not implemented yet).
pub fn expireat(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `EXPIRETIME` (not implemented yet).
pub fn expiretime(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `KEYS` (not implemented yet).
pub fn keys(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `MOVE` (not implemented yet).
pub fn r#move(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `OBJECT IDLETIME` (not implemented yet).
pub fn object_idletime(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `OBJECT HELP` (not implemented yet).
pub fn object_help(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `OBJECT FREQ` (not implemented yet).
pub fn object_freq(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `OBJECT ENCODING` (not implemented yet).
pub fn object_encoding(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `OBJECT REFCOUNT` (not implemented yet).
pub fn object_refcount(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `PERSIST` (not implemented yet).
pub fn persist(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `PEXPIRE` (not implemented yet).
pub fn pexpire(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `PEXPIREAT` (not implemented yet).
pub fn pexpireat(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `PEXPIRETIME` (not implemented yet).
pub fn pexpiretime(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `PTTL` (not implemented yet).
pub fn pttl(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `RANDOMKEY` (not implemented yet).
pub fn randomkey(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `RENAME` (not implemented yet).
pub fn rename(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `RENAMENX` (not implemented yet).
pub fn renamenx(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `SCAN` (not implemented yet).
pub fn scan(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `TOUCH` (not implemented yet).
pub fn touch(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `TTL` (not implemented yet).
pub fn ttl(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `TYPE` (not implemented yet).
pub fn r#type(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `UNLINK` (not implemented yet).
pub fn unlink(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}
