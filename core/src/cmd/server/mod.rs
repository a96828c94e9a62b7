//! Server commands. Keyspace-wide and process-level ones are here; INFO, CONFIG, COMMAND
//! and DEBUG have their own modules.

mod acl;
mod command;
mod config;
mod debug;
pub mod failover;
mod info;
mod latency;
mod latency_doctor;
mod lolwut;
mod memory;
mod monitor;
pub mod pause;
mod persistence;
pub mod replication;
mod slowlog;

pub use acl::{
    acl_cat, acl_deluser, acl_dryrun, acl_genpass, acl_getuser, acl_help, acl_list, acl_load, acl_log, acl_save,
    acl_setuser, acl_users, acl_whoami, load_acl_text, load_configured_users,
};
pub use command::{
    command, command_count, command_docs, command_getkeys, command_getkeysandflags, command_help, command_info,
    command_list, key_positions,
};
pub use config::{config_get, config_help, config_resetstat, config_rewrite, config_set};
pub use debug::debug;
pub use failover::failover;
pub use info::info;
pub use latency::{
    latency_doctor, latency_graph, latency_help, latency_histogram, latency_history, latency_latest, latency_reset,
};
pub use lolwut::lolwut;
pub use memory::{memory_doctor, memory_help, memory_malloc_stats, memory_purge, memory_stats, memory_usage};
pub use monitor::monitor;
pub use pause::{client_pause, client_unpause};
pub use persistence::{bgrewriteaof, bgsave, lastsave, save, shutdown};
pub use replication::{replconf, replicaof, role, sync, wait};
pub use slowlog::{slowlog_get, slowlog_help, slowlog_len, slowlog_reset};

use super::{Args, Ctx};
use crate::error::{CmdError, CmdResult};
use crate::numfmt::parse_i64;
use crate::reply::Reply;

/// A `HELP` reply: every line a status string, as Redis's `addReplyHelp` sends them.
pub(crate) fn help_reply(lines: &'static [&'static str]) -> Reply {
    Reply::Array(lines.iter().map(|l| Reply::simple(l)).collect())
}

/// `DBSIZE`: keys in the selected database (including expired ones not yet removed).
pub fn dbsize(ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Ok(Reply::Int(ctx.db().keys.len() as i64))
}

/// FLUSHDB/FLUSHALL's optional `ASYNC|SYNC` (Redis's `getFlushCommandFlags`): whether
/// Redis would empty the databases in the background (without an argument:
/// `lazyfree-lazy-user-flush`). Both free memory at once here; an asynchronous flush
/// counts its keys in `lazyfreed_objects` as Redis's `lazyfreeFreeDatabase` does.
fn flush_flags(ctx: &Ctx, args: &mut Args) -> Result<bool, CmdError> {
    let lazy = if args.eat("sync") {
        false
    } else if args.eat("async") {
        true
    } else {
        ctx.st.config.lazyfree_lazy_user_flush
    };
    args.finish()?;
    Ok(lazy)
}

/// `FLUSHDB [ASYNC|SYNC]`.
pub fn flushdb(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let lazy = flush_flags(ctx, args)?;
    ctx.st.signal_flushed_db(Some(ctx.client.db));
    // Redis counts every key deleted.
    let removed = ctx.db().keys.len() as u64;
    if lazy {
        ctx.st.stats.lazyfreed_objects += removed;
    }
    ctx.changes(removed);
    ctx.db().clear();
    Ok(Reply::ok())
}

/// `FLUSHALL [ASYNC|SYNC]`.
pub fn flushall(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let lazy = flush_flags(ctx, args)?;
    ctx.st.signal_flushed_db(None);
    let mut removed = 0;
    for db in ctx.st.dbs.iter_mut() {
        removed += db.keys.len() as u64;
        db.clear();
    }
    if lazy {
        ctx.st.stats.lazyfreed_objects += removed;
    }
    // Redis's `flushAllDataAndResetRDB`: every key counts as a change; the host kills a
    // running BGSAVE and saves the empty data set when save points are set.
    ctx.changes(removed);
    ctx.st.actions.push(crate::engine::HostAction::Persist(crate::persist::Job::FlushAll));
    Ok(Reply::ok())
}

/// Redis's `getIntFromObjectOrReply` with a custom message for both failures.
fn db_index(arg: &[u8], msg: &'static str) -> Result<i64, CmdError> {
    parse_i64(arg).filter(|n| i32::try_from(*n).is_ok()).ok_or(CmdError::other(msg))
}

/// `SWAPDB index1 index2`.
pub fn swapdb(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let a = db_index(args.take(), "ERR invalid first DB index")?;
    let b = db_index(args.take(), "ERR invalid second DB index")?;
    let n = ctx.st.dbs.len() as i64;
    if a < 0 || a >= n || b < 0 || b >= n {
        return Err(CmdError::DbIndex);
    }
    if a == b {
        // Redis's dbSwapDatabases: nothing to do (no WATCH touched, no key signalled),
        // but the command still counts as a change and is propagated.
        ctx.dirty();
        return Ok(Reply::ok());
    }
    ctx.st.signal_swapped_dbs(a as usize, b as usize);
    ctx.st.dbs.swap(a as usize, b as usize);
    // Clients blocked in either database may now find their keys (Redis's
    // scanDatabaseForReadyKeys).
    crate::cmd::blocking::signal_existing_keys(ctx.st, a as usize);
    crate::cmd::blocking::signal_existing_keys(ctx.st, b as usize);
    Ok(Reply::ok())
}

/// `TIME`: seconds and microseconds of the engine clock, as bulk strings.
pub fn time(ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    let us = ctx.st.now_us;
    Ok(Reply::Array(vec![Reply::text((us / 1_000_000).to_string()), Reply::text((us % 1_000_000).to_string())]))
}

#[cfg(test)]
mod tests {
    use crate::testkit::TestEngine;
    use crate::types::Value;

    /// Stores a string directly (string commands live in another module).
    fn put(t: &mut TestEngine, db: usize, key: &str) {
        t.eng.state.dbs[db].set(key.as_bytes(), Value::from_bytes(b"1"), false, 0, 0);
    }

    #[test]
    fn dbsize_flush_and_swapdb() {
        let mut t = TestEngine::new();
        put(&mut t, 0, "a");
        put(&mut t, 0, "b");
        assert_eq!(t.resp(&["DBSIZE"]), ":2\r\n");
        assert_eq!(t.resp(&["SWAPDB", "0", "1"]), "+OK\r\n");
        assert_eq!(t.resp(&["DBSIZE"]), ":0\r\n");
        t.cmd(&["SELECT", "1"]);
        assert_eq!(t.resp(&["DBSIZE"]), ":2\r\n");
        assert_eq!(t.resp(&["FLUSHDB", "x"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["FLUSHDB", "async"]), "+OK\r\n");
        assert_eq!(t.resp(&["DBSIZE"]), ":0\r\n");
        put(&mut t, 1, "a");
        put(&mut t, 0, "a");
        assert_eq!(t.resp(&["FLUSHALL", "a", "b"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["FLUSHALL", "SYNC"]), "+OK\r\n");
        assert!(t.eng.state.dbs.iter().all(|d| d.keys.is_empty()));
    }

    #[test]
    fn swapdb_errors() {
        let mut t = TestEngine::new();
        assert_eq!(t.resp(&["SWAPDB", "4294967296", "1"]), "-ERR invalid first DB index\r\n");
        assert_eq!(t.resp(&["SWAPDB", "x", "0"]), "-ERR invalid first DB index\r\n");
        assert_eq!(t.resp(&["SWAPDB", "0", "x"]), "-ERR invalid second DB index\r\n");
        assert_eq!(t.resp(&["SWAPDB", "0", "16"]), "-ERR DB index is out of range\r\n");
        assert_eq!(t.resp(&["SWAPDB", "-1", "0"]), "-ERR DB index is out of range\r\n");
        assert_eq!(t.resp(&["SWAPDB", "0", "0"]), "+OK\r\n");
    }

    #[test]
    fn time_follows_the_engine_clock() {
        let mut t = TestEngine::new();
        t.advance_ms(1500);
        t.eng.set_time_us(t.eng.state.now_us + 7);
        assert_eq!(t.resp(&["TIME"]), "*2\r\n$10\r\n1700000001\r\n$6\r\n500007\r\n");
    }
}
