//! String commands (GET, SET, INCR, APPEND, ...).

use super::{Args, Ctx};
use crate::error::{CmdError, CmdResult};

/// `APPEND` (not implemented yet).
pub fn append(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `DECR` (not implemented yet).
pub fn decr(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `DECRBY` (not implemented yet).
pub fn decrby(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `GET` (not implemented yet).
pub fn get(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `GETDEL` (not implemented yet).
pub fn getdel(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `GETEX` (not implemented yet).
pub fn getex(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `GETRANGE` (not implemented yet).
pub fn getrange(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `GETSET` (not implemented yet).
pub fn getset(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `INCR` (not implemented yet).
pub fn incr(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `INCRBY` (not implemented yet).
pub fn incrby(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `INCRBYFLOAT` (not implemented yet).
pub fn incrbyfloat(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `LCS` (not implemented yet).
pub fn lcs(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `MGET` (not implemented yet).
pub fn mget(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `MSET` (not implemented yet).
pub fn mset(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `MSETNX` (not implemented yet).
pub fn msetnx(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `PSETEX` (not implemented yet).
pub fn psetex(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `SET` (not implemented yet).
pub fn set(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `SETEX` (not implemented yet).
pub fn setex(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `SETNX` (not implemented yet).
pub fn setnx(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `SETRANGE` (not implemented yet).
pub fn setrange(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `STRLEN` (not implemented yet).
pub fn strlen(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `SUBSTR` (not implemented yet).
pub fn substr(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}
