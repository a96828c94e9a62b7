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

/// Nested, ordered metadata (key specs, tips, docs arguments) as Redis replies it, in the
/// compact encoding tools/gen_command_table.py writes and read in place: a tag byte, then
/// `s` length + UTF-8 bytes, `i` zigzag varint, `a`/`e` (array/set) count + items, `m`
/// count + (key length + key bytes + value) pairs. (As nested Rust values it was 30 KB of
/// pointers in the wasm; as bytes it is mostly text, which compresses.)
#[derive(Clone, Copy, Debug)]
pub struct Meta(pub &'static [u8]);

/// One decoded level of a [`Meta`] value.
#[derive(Clone, Copy, Debug)]
pub enum MetaValue {
    /// Bulk string.
    Str(&'static str),
    /// Integer.
    Int(i64),
    /// Array: its items.
    Arr(MetaItems),
    /// Set (an array in RESP2): its items.
    Set(MetaItems),
    /// Map with string keys (a flat array in RESP2): its pairs.
    Map(MetaPairs),
}

/// Reads a LEB128 varint at `*at`.
fn varint(b: &[u8], at: &mut usize) -> u64 {
    let mut n = 0u64;
    let mut shift = 0;
    while let Some(&byte) = b.get(*at) {
        *at += 1;
        n |= u64::from(byte & 0x7f) << shift;
        shift += 7;
        if byte < 0x80 || shift >= 64 {
            break;
        }
    }
    n
}

/// Reads a length-prefixed string at `*at`.
fn text(b: &'static [u8], at: &mut usize) -> &'static str {
    let n = varint(b, at) as usize;
    let s = b.get(*at..*at + n).unwrap_or_default();
    *at += n;
    std::str::from_utf8(s).unwrap_or_default()
}

/// The offset just past the value at `at`.
fn skip(b: &[u8], mut at: usize) -> usize {
    let tag = b.get(at).copied().unwrap_or(b'i');
    at += 1;
    match tag {
        b's' => {
            let n = varint(b, &mut at) as usize;
            at + n
        }
        b'a' | b'e' => (0..varint(b, &mut at)).fold(at, |at, _| skip(b, at)),
        b'm' => (0..varint(b, &mut at)).fold(at, |mut at, _| {
            let n = varint(b, &mut at) as usize;
            skip(b, at + n)
        }),
        _ => {
            varint(b, &mut at);
            at
        }
    }
}

impl Meta {
    /// The value's top level.
    pub fn value(self) -> MetaValue {
        let b = self.0;
        let mut at = 1;
        match b.first() {
            Some(b's') => MetaValue::Str(text(b, &mut at)),
            Some(b'a') => MetaValue::Arr(MetaItems { b, left: varint(b, &mut at) as usize, at }),
            Some(b'e') => MetaValue::Set(MetaItems { b, left: varint(b, &mut at) as usize, at }),
            Some(b'm') => MetaValue::Map(MetaPairs { b, left: varint(b, &mut at) as usize, at }),
            _ => {
                let z = varint(b, &mut at);
                MetaValue::Int((z >> 1) as i64 ^ -((z & 1) as i64))
            }
        }
    }

    /// The items of an array or set (none for other kinds).
    pub fn items(self) -> MetaItems {
        match self.value() {
            MetaValue::Arr(items) | MetaValue::Set(items) => items,
            _ => MetaItems { b: &[], left: 0, at: 0 },
        }
    }

    /// Field `key` of a map.
    pub fn field(self, key: &str) -> Option<Meta> {
        match self.value() {
            MetaValue::Map(mut pairs) => pairs.find(|(k, _)| *k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The pairs of a map (none for other kinds).
    pub fn field_pairs(self) -> MetaPairs {
        match self.value() {
            MetaValue::Map(pairs) => pairs,
            _ => MetaPairs { b: &[], left: 0, at: 0 },
        }
    }

    /// The integer, if it is one.
    pub fn as_int(self) -> Option<i64> {
        match self.value() {
            MetaValue::Int(n) => Some(n),
            _ => None,
        }
    }

    /// The string, if it is one.
    pub fn as_str(self) -> Option<&'static str> {
        match self.value() {
            MetaValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The reply Redis sends for this value: the items of `flags` and `doc_flags` sets
    /// are status strings (`status`), every other string a bulk string.
    pub fn to_reply(self, status: bool) -> Reply {
        match self.value() {
            MetaValue::Str(s) if status => Reply::simple(s),
            MetaValue::Str(s) => Reply::text(s),
            MetaValue::Int(n) => Reply::Int(n),
            MetaValue::Arr(items) => Reply::Array(items.map(|x| x.to_reply(status)).collect()),
            MetaValue::Set(items) => Reply::Set(items.map(|x| x.to_reply(status)).collect()),
            MetaValue::Map(pairs) => {
                Reply::Map(pairs.map(|(k, v)| (Reply::text(k), v.to_reply(k == "flags" || k == "doc_flags"))).collect())
            }
        }
    }
}

/// The items of an encoded array or set.
#[derive(Clone, Copy, Debug)]
pub struct MetaItems {
    b: &'static [u8],
    left: usize,
    at: usize,
}

impl Iterator for MetaItems {
    type Item = Meta;

    fn next(&mut self) -> Option<Meta> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let item = Meta(self.b.get(self.at..).unwrap_or_default());
        self.at = skip(self.b, self.at);
        Some(item)
    }
}

/// The pairs of an encoded map.
#[derive(Clone, Copy, Debug)]
pub struct MetaPairs {
    b: &'static [u8],
    left: usize,
    at: usize,
}

impl Iterator for MetaPairs {
    type Item = (&'static str, Meta);

    fn next(&mut self) -> Option<(&'static str, Meta)> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let key = text(self.b, &mut self.at);
        let value = Meta(self.b.get(self.at..).unwrap_or_default());
        self.at = skip(self.b, self.at);
        Some((key, value))
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
    /// Other `COMMAND DOCS` fields in Redis's order (arguments, history, ...): a map.
    pub docs_extra: Meta,
    /// Implemented subcommands.
    pub subcommands: &'static [CommandSpec],
    /// Implementation; `None` for a container that needs a subcommand.
    pub handler: Option<Handler>,
    /// Where the handler's [`Args`] cursor starts: 1, or 2 for a subcommand (after the
    /// container and subcommand names).
    pub first_arg: usize,
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
        self.subcommands.iter().find(|s| s.name.as_bytes()[prefix..].eq_ignore_ascii_case(sub))
    }

    /// Whether `argc` arguments (including the name) satisfy the arity.
    #[inline]
    pub fn arity_ok(&self, argc: usize) -> bool {
        let a = self.arity;
        (a > 0 && argc == a as usize) || (a < 0 && argc >= (-a) as usize)
    }
}

impl crate::stats::CommandId for CommandSpec {
    #[inline]
    fn command_id(&self) -> usize {
        self.id as usize
    }
}

/// A key spec's `range` find: the last key's index for the first key at `first` among
/// `argc` arguments (Redis's `getKeysUsingKeySpecs`: `lastkey` from the first key, or from
/// the end when negative; with `limit`, that fraction of the remaining arguments).
pub fn range_last(first: i64, argc: i64, lastkey: i64, limit: i64) -> i64 {
    if lastkey >= 0 {
        first + lastkey
    } else if limit == 0 {
        argc + lastkey
    } else {
        first + ((argc - first) / limit + lastkey)
    }
}

/// A key spec's `keyword` begin search (Redis's `getKeysUsingKeySpecs`): the index after
/// `keyword`, searched from `startfrom` (from the end when negative); `None` when absent.
pub fn keyword_begin(argv: &[&[u8]], keyword: &str, startfrom: i64) -> Option<i64> {
    let argc = argv.len() as i64;
    let start = if startfrom > 0 { startfrom } else { argc + startfrom };
    let end = if startfrom > 0 { argc - 1 } else { 0 };
    let mut i = start;
    while i != end {
        if i >= argc || i < 1 {
            return None;
        }
        if super::is(argv[i as usize], keyword) {
            return Some(i + 1);
        }
        i += if start <= end { 1 } else { -1 };
    }
    None
}
