//! Command dispatch: name lookup in THE command table, arity and auth checks in Redis's
//! order, then the handler. One file per command group holds the handlers.

pub mod args;
pub mod spec;
pub mod table;

pub mod collscan;
pub mod connection;
pub mod hash;
pub mod keyspace;
pub mod list;
pub mod pubsub;
pub mod server;
pub mod set;
pub mod stream;
pub mod string;
pub mod transactions;
pub mod zset;

pub use args::{is, is_c, Args};
pub use spec::{flags, CommandSpec, Handler, Meta};
pub use table::COMMANDS;

use crate::client::{Client, ClientTable};
use crate::db::{access, Db};
use crate::engine::EngineState;
use crate::error::CmdError;
use crate::reply::Reply;
use crate::types::Value;

/// What a handler sees: the engine state, its own client, the other clients, its spec.
pub struct Ctx<'a> {
    /// Data, config, stats, time.
    pub st: &'a mut EngineState,
    /// The client running the command.
    pub client: &'a mut Client,
    /// The other connected clients (the running one is taken out while it runs).
    pub clients: &'a mut ClientTable,
    /// The command (or subcommand) being run.
    pub cmd: &'static CommandSpec,
}

impl<'a> Ctx<'a> {
    /// Current time in milliseconds.
    #[inline]
    pub fn now_ms(&self) -> u64 {
        self.st.now_ms()
    }

    /// The client's selected database.
    #[inline]
    pub fn db(&mut self) -> &mut Db {
        &mut self.st.dbs[self.client.db]
    }

    /// Looks up a key for reading: applies lazy expiry, counts a keyspace hit or miss and
    /// refreshes the key's access time. Returns its slot in the selected database.
    #[inline]
    pub fn lookup_read(&mut self, key: &[u8]) -> Option<u32> {
        let now = self.st.now_ms();
        match self.st.dbs[self.client.db].lookup(key, now) {
            Some(slot) => {
                self.touch(slot);
                self.st.stats.keyspace_hits += 1;
                Some(slot)
            }
            None => {
                self.st.stats.keyspace_misses += 1;
                if self.st.config.notify_keyspace_events & crate::config::notify::KEY_MISS != 0 {
                    self.notify(crate::config::notify::KEY_MISS, "keymiss", key);
                }
                None
            }
        }
    }

    /// Looks up a key for writing: lazy expiry and access time, no hit/miss counting.
    #[inline]
    pub fn lookup_write(&mut self, key: &[u8]) -> Option<u32> {
        let now = self.st.now_ms();
        let slot = self.st.dbs[self.client.db].lookup(key, now)?;
        self.touch(slot);
        Some(slot)
    }

    /// Redis's `checkType`: `Ok(slot)` when the value in `slot` is of the wanted type
    /// (`is_type`), else `WRONGTYPE`.
    #[inline]
    pub fn check_type(&mut self, slot: u32, is_type: fn(&Value) -> bool) -> Result<u32, CmdError> {
        if is_type(&self.db().keys.entry(slot).value) {
            Ok(slot)
        } else {
            Err(CmdError::WrongType)
        }
    }

    /// `lookupKeyRead` + `checkType`: the slot of `key` (hit/miss counted), `None` when
    /// missing, `WRONGTYPE` when it holds another type.
    #[inline]
    pub fn read_typed(&mut self, key: &[u8], is_type: fn(&Value) -> bool) -> Result<Option<u32>, CmdError> {
        self.lookup_read(key).map(|s| self.check_type(s, is_type)).transpose()
    }

    /// `lookupKeyWrite` + `checkType`: like [`Ctx::read_typed`] without hit/miss counting.
    #[inline]
    pub fn write_typed(&mut self, key: &[u8], is_type: fn(&Value) -> bool) -> Result<Option<u32>, CmdError> {
        self.lookup_write(key).map(|s| self.check_type(s, is_type)).transpose()
    }

    /// Redis's `signalModifiedKey` for `key` of the selected database: call it after a
    /// command changed the key (WATCH invalidation).
    #[inline]
    pub fn signal_modified_key(&mut self, key: &[u8]) {
        self.st.signal_modified_key(self.client.db, key);
    }

    /// Redis's `notifyKeyspaceEvent(class, event, key, db)` for the selected database
    /// (`class` from [`crate::config::notify`]).
    #[inline]
    pub fn notify(&mut self, class: u32, event: &'static str, key: &[u8]) {
        self.st.notify_keyspace_event(class, event, key, self.client.db);
    }

    /// The usual pair after a write: [`Ctx::signal_modified_key`] then [`Ctx::notify`].
    #[inline]
    pub fn key_event(&mut self, class: u32, event: &'static str, key: &[u8]) {
        self.signal_modified_key(key);
        self.notify(class, event, key);
    }

    /// Records an access to the key in `slot` of the selected database (LRU clock or
    /// LFU counter, by `maxmemory-policy`).
    #[inline]
    pub fn touch(&mut self, slot: u32) {
        let st = &mut *self.st;
        let now = st.now_us / 1000;
        let c = &st.config;
        let a = st.dbs[self.client.db].keys.access_mut(slot);
        *a = access::touched(*a, c.maxmemory_policy, now, c.lfu_decay_time, c.lfu_log_factor, &mut st.rng);
    }
}

/// Finds a top-level command by name, case-insensitively.
#[inline]
pub fn lookup(name: &[u8]) -> Option<&'static CommandSpec> {
    let index = COMMAND_INDEX.get_or_init(build_command_index);
    let mask = index.len() - 1;
    let mut i = name_hash(name) as usize & mask;
    loop {
        match index[i] {
            0 => return None,
            n => {
                let spec = &COMMANDS[n as usize - 1];
                // Table names are lowercase: only the given name needs folding.
                let known = spec.name.as_bytes();
                if known.len() == name.len() && known.iter().zip(name).all(|(&k, &c)| k == c.to_ascii_lowercase()) {
                    return Some(spec);
                }
            }
        }
        i = (i + 1) & mask;
    }
}

/// FNV-1a over the bytes with ASCII case folded (`| 0x20`), so a name hashes the same in
/// any case (other bytes may collide; the final compare sorts them out).
#[inline]
fn name_hash(name: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for &b in name {
        h = (h ^ (b | 0x20) as u32).wrapping_mul(0x0100_0193);
    }
    h ^ (h >> 15)
}

/// Open-addressing table over [`COMMANDS`]: slot = 1 + index of the command, 0 = empty.
/// At least 4 slots per command, so probes stay short (a name lookup runs per command:
/// hashing a lowercased copy in a general hash map cost about a sixth of a GET).
fn build_command_index() -> Box<[u16]> {
    let mut index = vec![0u16; (COMMANDS.len() * 4).next_power_of_two()].into_boxed_slice();
    let mask = index.len() - 1;
    for (n, c) in COMMANDS.iter().enumerate() {
        let mut i = name_hash(c.name.as_bytes()) as usize & mask;
        while index[i] != 0 {
            i = (i + 1) & mask;
        }
        index[i] = n as u16 + 1;
    }
    index
}

/// Name -> spec index over [`COMMANDS`], built on first use.
static COMMAND_INDEX: std::sync::OnceLock<Box<[u16]>> = std::sync::OnceLock::new();

/// Every command and subcommand in the table, containers before their subcommands.
pub fn all_commands() -> impl Iterator<Item = &'static CommandSpec> {
    COMMANDS.iter().flat_map(|c| std::iter::once(c).chain(c.subcommands.iter()))
}

/// Redis's "%.128s": C string semantics (stops at NUL), at most 128 bytes.
pub(crate) fn c_str_128(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len()).min(128);
    String::from_utf8_lossy(&b[..end]).into_owned()
}

/// `ERR unknown command ...` exactly as Redis 7.0 words it.
fn unknown_command(argv: &[&[u8]]) -> Reply {
    let mut args = String::new();
    for a in &argv[1..] {
        if args.len() >= 128 {
            break;
        }
        let room = 128 - args.len();
        let end = a.iter().position(|&c| c == 0).unwrap_or(a.len()).min(room);
        args.push('\'');
        args.push_str(&String::from_utf8_lossy(&a[..end]));
        args.push_str("' ");
    }
    Reply::error(format!(
        "ERR unknown command '{}', with args beginning with: {}",
        c_str_128(argv[0]),
        args
    ))
}

/// Finds the command (or subcommand) `argv` names, or Redis's unknown-command error.
/// Arity is not checked.
pub fn lookup_argv(argv: &[&[u8]]) -> Result<&'static CommandSpec, Reply> {
    let Some(top) = lookup(argv[0]) else {
        return Err(unknown_command(argv));
    };
    if !top.subcommands.is_empty() && argv.len() >= 2 {
        match top.subcommand(argv[1]) {
            Some(s) => Ok(s),
            None if top.handler.is_some() && top.arity_ok(argv.len()) && top.name != "command" => Ok(top),
            None => Err(Reply::error(format!(
                "ERR unknown subcommand '{}'. Try {} HELP.",
                c_str_128(argv[1]),
                top.name.to_ascii_uppercase()
            ))),
        }
    } else {
        Ok(top)
    }
}

/// Resolves `argv` to a command spec, or the error Redis gives before running anything.
pub fn resolve(argv: &[&[u8]]) -> Result<&'static CommandSpec, Reply> {
    let spec = lookup_argv(argv)?;
    if !spec.arity_ok(argv.len()) {
        return Err(CmdError::Arity(spec.name.to_string()).into());
    }
    Ok(spec)
}

/// Redis's `processCommand` maxmemory step: with a limit set, evict before any command;
/// if memory is still over the limit, a command flagged `denyoom` is refused with OOM.
/// Inside MULTI every command but EXEC/DISCARD/QUIT/RESET is refused then, and EXEC when
/// a queued command is `denyoom` (see `transactions::rejected_on_oom`).
#[inline]
fn out_of_memory(st: &mut EngineState, client: &Client, spec: &CommandSpec) -> Option<Reply> {
    if st.config.maxmemory == 0 {
        return None;
    }
    let failed = st.perform_evictions() == crate::db::evict::EvictResult::Fail;
    (failed && transactions::rejected_on_oom(client, spec)).then(|| CmdError::Oom.into())
}

/// Runs one command for `client`. Checks happen in Redis's order: existence, arity,
/// authentication; then the handler runs.
pub fn dispatch(st: &mut EngineState, client: &mut Client, clients: &mut ClientTable, argv: &[&[u8]]) -> Reply {
    if argv.is_empty() {
        return Reply::NoReply;
    }
    client.last_interaction_ms = st.now_ms();
    let spec = match lookup_argv(argv) {
        Ok(s) => s,
        Err(e) => {
            client.last_cmd = "NULL";
            transactions::flag_transaction(client);
            return e;
        }
    };
    client.last_cmd = spec.name;
    let rejection = if !spec.arity_ok(argv.len()) {
        Some(CmdError::Arity(spec.name.to_string()).into())
    } else if !client.authenticated && st.config.requirepass.is_some() && !spec.has(flags::NO_AUTH) {
        Some(Reply::error("NOAUTH Authentication required."))
    } else {
        None
    };
    let rejection = rejection.or_else(|| out_of_memory(st, client, spec));
    if let Some(e) = rejection {
        st.cmd_calls.of(spec).rejected += 1;
        transactions::flag_transaction(client);
        return transactions::reject_exec(st, client, spec, e);
    }
    if let Some(r) = transactions::intercept(st, client, spec, argv) {
        if r.is_error() {
            st.cmd_calls.of(spec).rejected += 1;
        }
        return r;
    }
    call(st, client, clients, spec, argv)
}

/// Runs a resolved, checked command's handler and counts it (Redis's `call`): used by
/// [`dispatch`] and by EXEC for its queued commands.
pub fn call(
    st: &mut EngineState,
    client: &mut Client,
    clients: &mut ClientTable,
    spec: &'static CommandSpec,
    argv: &[&[u8]],
) -> Reply {
    let Some(handler) = spec.handler else {
        return CmdError::Arity(spec.name.to_string()).into();
    };
    // A subcommand (`container|sub`) is not one of the top-level specs.
    let first_arg = if COMMANDS.as_ptr_range().contains(&(spec as *const CommandSpec)) { 1 } else { 2 };
    let mut ctx = Ctx { st, client, clients, cmd: spec };
    let mut args = Args::new(argv, first_arg);
    let reply = match handler(&mut ctx, &mut args) {
        Ok(r) => r,
        Err(e) => e.into(),
    };
    if ctx.client.tracking.is_some() && spec.has(flags::READONLY) {
        crate::tracking::remember_keys(ctx.st, ctx.client, spec, argv);
    }
    // Counted after the run, like Redis's call(): INFO does not see itself and CONFIG
    // RESETSTAT counts once after the reset.
    ctx.st.stats.commands_processed += 1;
    let stat = ctx.st.cmd_calls.of(spec);
    stat.calls += 1;
    if reply.is_error() {
        stat.failed += 1;
    }
    reply
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_ids_are_dense_in_table_order() {
        let ids: Vec<usize> = all_commands().map(|s| s.id as usize).collect();
        assert_eq!(ids, (0..table::COMMAND_COUNT).collect::<Vec<_>>());
    }

    #[test]
    fn lookup_finds_every_command_in_any_case() {
        for c in COMMANDS {
            assert_eq!(lookup(c.name.as_bytes()).map(|s| s.name), Some(c.name));
            assert_eq!(lookup(c.name.to_ascii_uppercase().as_bytes()).map(|s| s.name), Some(c.name));
        }
        for bad in [&b""[..], b"ge", b"gett", b"g\x00t", b"GE\xc5", b"set|", &[b'a'; 40]] {
            assert!(lookup(bad).is_none(), "{:?}", bad);
        }
        // Case folding must not equate non-letters ('@' | 0x20 == '`').
        assert!(lookup(b"@et").is_none());
    }
}
