//! Server commands (INFO, CONFIG, COMMAND, DEBUG, ...).

use super::{Args, Ctx};
use crate::error::{CmdError, CmdResult};

/// `COMMAND DOCS` (not implemented yet).
pub fn command_docs(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `COMMAND INFO` (not implemented yet).
pub fn command_info(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `COMMAND COUNT` (not implemented yet).
pub fn command_count(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `COMMAND GETKEYS` (not implemented yet).
pub fn command_getkeys(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `COMMAND HELP` (not implemented yet).
pub fn command_help(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `COMMAND LIST` (not implemented yet).
pub fn command_list(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `COMMAND` (not implemented yet).
pub fn command(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `CONFIG RESETSTAT` (not implemented yet).
pub fn config_resetstat(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `CONFIG HELP` (not implemented yet).
pub fn config_help(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `CONFIG GET` (not implemented yet).
pub fn config_get(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `CONFIG SET` (not implemented yet).
pub fn config_set(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `DBSIZE` (not implemented yet).
pub fn dbsize(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `DEBUG` (not implemented yet).
pub fn debug(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `FLUSHALL` (not implemented yet).
pub fn flushall(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `FLUSHDB` (not implemented yet).
pub fn flushdb(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `INFO` (not implemented yet).
pub fn info(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `LASTSAVE` (not implemented yet).
pub fn lastsave(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `SHUTDOWN` (not implemented yet).
pub fn shutdown(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `SWAPDB` (not implemented yet).
pub fn swapdb(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `TIME` (not implemented yet).
pub fn time(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}
