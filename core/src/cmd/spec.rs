//! The shape of one command-table entry ([`CommandSpec`]) and of the nested metadata
//! ([`Meta`]) copied from Redis 7.0 for `COMMAND INFO` and `COMMAND DOCS`.

use super::{Args, Ctx};
use crate::error::CmdResult;
use crate::reply::Reply;

/// A command implementation: parses its arguments from `Args` and runs on `Ctx`.
pub type Handler = fn(&mut Ctx, &mut Args) -> CmdResult;

/// Command flag bits the dispatcher and hosts read (names as in `COMMAND INFO`).
pub mod flags {
    /// May modify the keyspace.
    pub const WRITE: u32 = 1 << 0;
    /// Only reads data.
    pub const READONLY: u32 = 1 << 1;
    /// May grow memory: refused under maxmemory when nothing can be evicted.
    pub const DENYOOM: u32 = 1 << 2;
    /// Administrative command.
    pub const ADMIN: u32 = 1 << 3;
    /// Pub/sub related.
    pub const PUBSUB: u32 = 1 << 4;
    /// Not allowed in scripts.
    pub const NOSCRIPT: u32 = 1 << 5;
    /// May block the client.
    pub const BLOCKING: u32 = 1 << 6;
    /// Allowed while loading.
    pub const LOADING: u32 = 1 << 7;
    /// Allowed on a stale replica.
    pub const STALE: u32 = 1 << 8;
    /// Not shown in MONITOR.
    pub const SKIP_MONITOR: u32 = 1 << 9;
    /// Not logged in SLOWLOG.
    pub const SKIP_SLOWLOG: u32 = 1 << 10;
    /// O(1) or O(log N).
    pub const FAST: u32 = 1 << 11;
    /// Runs without authentication.
    pub const NO_AUTH: u32 = 1 << 12;
    /// May replicate.
    pub const MAY_REPLICATE: u32 = 1 << 13;
    /// Keys are optional.
    pub const NO_MANDATORY_KEYS: u32 = 1 << 14;
    /// Not allowed inside MULTI.
    pub const NO_MULTI: u32 = 1 << 15;
    /// Key positions depend on arguments.
    pub const MOVABLEKEYS: u32 = 1 << 16;
    /// Allowed while a script is busy.
    pub const ALLOW_BUSY: u32 = 1 << 17;
    /// Module command.
    pub const MODULE: u32 = 1 << 18;
    /// Cluster ASKING allowed.
    pub const ASKING: u32 = 1 << 19;
    /// Sentinel command.
    pub const SENTINEL: u32 = 1 << 20;
    /// Only in sentinel mode.
    pub const ONLY_SENTINEL: u32 = 1 << 21;
}

/// Nested, ordered metadata (key specs, tips, docs arguments) as Redis replies it.
#[derive(Debug)]
pub enum Meta {
    /// Bulk string.
    Str(&'static str),
    /// Integer.
    Int(i64),
    /// Array.
    Arr(&'static [Meta]),
    /// Set (an array in RESP2).
    Set(&'static [Meta]),
    /// Map with string keys (a flat array in RESP2).
    Map(&'static [(&'static str, Meta)]),
}

impl Meta {
    /// The reply Redis sends for this value.
    pub fn to_reply(&self) -> Reply {
        match self {
            Meta::Str(s) => Reply::bulk(s.as_bytes()),
            Meta::Int(n) => Reply::Int(*n),
            Meta::Arr(items) => Reply::Array(items.iter().map(Meta::to_reply).collect()),
            Meta::Set(items) => Reply::Set(items.iter().map(Meta::to_reply).collect()),
            Meta::Map(pairs) => Reply::Map(
                pairs.iter().map(|(k, v)| (Reply::bulk(k.as_bytes()), v.to_reply())).collect(),
            ),
        }
    }
}

/// One command (or subcommand) in the command table.
#[derive(Debug)]
pub struct CommandSpec {
    /// Lowercase name; a subcommand's is `container|sub`.
    pub name: &'static str,
    /// Dense index over every command and subcommand (below `table::COMMAND_COUNT`), for
    /// per-command arrays such as [`crate::stats::CmdStats`].
    pub id: u16,
    /// Redis arity: positive = exact argc, negative = at least -arity.
    pub arity: i32,
    /// Bit set of [`flags`].
    pub flags: u32,
    /// Flag names in Redis's order, for `COMMAND INFO`.
    pub flag_names: &'static [&'static str],
    /// Legacy key positions (`COMMAND INFO` fields 4-6).
    pub first_key: i32,
    /// Last key position (negative counts from the end).
    pub last_key: i32,
    /// Step between keys.
    pub key_step: i32,
    /// ACL categories (`@read`, `@string`, ...).
    pub acl_categories: &'static [&'static str],
    /// Command tips (`nondeterministic_output`, ...).
    pub tips: Meta,
    /// Key specifications as Redis 7.0 reports them.
    pub key_specs: Meta,
    /// Documentation group (`string`, `generic`, ...).
    pub group: &'static str,
    /// One-line summary.
    pub summary: &'static str,
    /// Redis version that introduced it.
    pub since: &'static str,
    /// Time complexity text.
    pub complexity: &'static str,
    /// One-line syntax in redis-cli's help style.
    pub syntax: &'static str,
    /// Other `COMMAND DOCS` fields in Redis's order (arguments, history, ...).
    pub docs_extra: &'static [(&'static str, Meta)],
    /// Implemented subcommands.
    pub subcommands: &'static [CommandSpec],
    /// Implementation; `None` for a container that needs a subcommand.
    pub handler: Option<Handler>,
}

impl CommandSpec {
    /// Whether the command has flag bit `f`.
    #[inline]
    pub fn has(&self, f: u32) -> bool {
        self.flags & f != 0
    }

    /// The subcommand named `sub` (case-insensitive), if implemented.
    pub fn subcommand(&self, sub: &[u8]) -> Option<&'static CommandSpec> {
        let prefix = self.name.len() + 1;
        self.subcommands
            .iter()
            .find(|s| s.name.as_bytes()[prefix..].eq_ignore_ascii_case(sub))
    }

    /// Whether `argc` arguments (including the name) satisfy the arity.
    #[inline]
    pub fn arity_ok(&self, argc: usize) -> bool {
        let a = self.arity;
        (a > 0 && argc == a as usize) || (a < 0 && argc >= (-a) as usize)
    }
}
