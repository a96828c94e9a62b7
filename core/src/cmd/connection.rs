//! Connection commands (PING, HELLO, AUTH, CLIENT, ...).

use super::{Args, Ctx};
use crate::error::{CmdError, CmdResult};

/// `AUTH` (not implemented yet).
pub fn auth(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `CLIENT ID` (not implemented yet).
pub fn client_id(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `CLIENT INFO` (not implemented yet).
pub fn client_info(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `CLIENT KILL` (not implemented yet).
pub fn client_kill(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `CLIENT HELP` (not implemented yet).
pub fn client_help(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `CLIENT REPLY` (not implemented yet).
pub fn client_reply(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `CLIENT LIST` (not implemented yet).
pub fn client_list(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `CLIENT SETNAME` (not implemented yet).
pub fn client_setname(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `CLIENT GETNAME` (not implemented yet).
pub fn client_getname(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `CLIENT NO EVICT` (not implemented yet).
pub fn client_no_evict(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `ECHO` (not implemented yet).
pub fn echo(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `HELLO` (not implemented yet).
pub fn hello(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `PING` (not implemented yet).
pub fn ping(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `QUIT` (not implemented yet).
pub fn quit(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `RESET` (not implemented yet).
pub fn reset(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}

/// `SELECT` (not implemented yet).
pub fn select(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Err(CmdError::other("ERR not implemented yet"))
}
