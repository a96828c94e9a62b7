//! `CmdError`: the ways a command can fail, each with Redis 7.0's exact error text.
//!
//! Handlers return `Result<Reply, CmdError>` so argument parsing can use `?`; the
//! dispatcher turns an error into a `Reply::Error`. State is never touched on error.

use std::borrow::Cow;

/// A command failure that becomes an error reply.
#[derive(Clone, Debug, PartialEq)]
pub enum CmdError {
    /// `ERR syntax error`.
    Syntax,
    /// `WRONGTYPE Operation against a key holding the wrong kind of value`.
    WrongType,
    /// `ERR value is not an integer or out of range`.
    NotInteger,
    /// `ERR value is not a valid float`.
    NotFloat,
    /// `ERR no such key`.
    NoSuchKey,
    /// `ERR increment or decrement would overflow`.
    Overflow,
    /// `ERR wrong number of arguments for '<name>' command`.
    Arity(String),
    /// `ERR invalid expire time in '<name>' command`.
    InvalidExpire(String),
    /// `ERR DB index is out of range`.
    DbIndex,
    /// `OOM command not allowed when used memory > 'maxmemory'.`
    Oom,
    /// `ERR string exceeds maximum allowed size (proto-max-bulk-len)`.
    StringTooLong,
    /// `ERR value is out of range, must be positive`.
    MustBePositive,
    /// Any other error; the text is complete (it carries its own code, e.g. `ERR ...`).
    Other(Cow<'static, str>),
}

impl CmdError {
    /// An error with a full custom text (`"ERR ..."`).
    pub fn other(s: impl Into<Cow<'static, str>>) -> CmdError {
        CmdError::Other(s.into())
    }

    /// The exact text sent to the client (without the leading `-`).
    pub fn text(&self) -> Cow<'static, str> {
        match self {
            CmdError::Syntax => "ERR syntax error".into(),
            CmdError::WrongType => "WRONGTYPE Operation against a key holding the wrong kind of value".into(),
            CmdError::NotInteger => "ERR value is not an integer or out of range".into(),
            CmdError::NotFloat => "ERR value is not a valid float".into(),
            CmdError::NoSuchKey => "ERR no such key".into(),
            CmdError::Overflow => "ERR increment or decrement would overflow".into(),
            CmdError::Arity(name) => format!("ERR wrong number of arguments for '{}' command", name).into(),
            CmdError::InvalidExpire(name) => format!("ERR invalid expire time in '{}' command", name).into(),
            CmdError::DbIndex => "ERR DB index is out of range".into(),
            CmdError::Oom => "OOM command not allowed when used memory > 'maxmemory'.".into(),
            CmdError::StringTooLong => "ERR string exceeds maximum allowed size (proto-max-bulk-len)".into(),
            CmdError::MustBePositive => "ERR value is out of range, must be positive".into(),
            CmdError::Other(s) => s.clone(),
        }
    }
}

/// The result every command handler returns.
pub type CmdResult = Result<crate::reply::Reply, CmdError>;
