//! Keyspace and expiry commands (DEL, EXISTS, EXPIRE, SCAN, ...), one file per family.
//! The command table calls the handlers through the re-exports below.

mod basic;
mod dump;
mod expire;
pub mod migrate;
mod object;
mod rename;
mod scan;
pub mod sort;

pub use basic::{del, exists, keys, r#type, randomkey, touch, unlink};
pub use dump::{dump, restore};
pub use expire::{expire, expireat, expiretime, persist, pexpire, pexpireat, pexpiretime, pttl, ttl};
pub use migrate::migrate;
pub use object::{object_encoding, object_freq, object_help, object_idletime, object_refcount};
pub use rename::{copy, r#move, rename, renamenx};
pub(crate) use scan::parse_cursor;
pub use scan::scan;
pub use sort::{sort, sort_ro};

use super::Ctx;
use crate::error::CmdError;
use crate::numfmt::parse_i64;

/// Redis's `lookupKeyReadWithFlags(LOOKUP_NOTOUCH)`: lazy expiry, hit/miss counting and
/// the `keymiss` event, but the key's access time is left alone (TYPE, EXISTS, TTL,
/// SCAN's TYPE filter).
fn lookup_notouch(ctx: &mut Ctx, key: &[u8]) -> Option<u32> {
    let found = lookup_notouch_nonotify(ctx, key);
    if found.is_none() && ctx.st.config.notify_keyspace_events & crate::config::notify::KEY_MISS != 0 {
        ctx.notify(crate::config::notify::KEY_MISS, "keymiss", key);
    }
    found
}

/// `lookupKeyReadWithFlags(LOOKUP_NOTOUCH|LOOKUP_NONOTIFY)` (OBJECT's lookup): as
/// [`lookup_notouch`] without the `keymiss` event.
fn lookup_notouch_nonotify(ctx: &mut Ctx, key: &[u8]) -> Option<u32> {
    let now = ctx.now_ms();
    let found = ctx.db().lookup(key, now);
    match found {
        Some(_) => ctx.st.stats.keyspace_hits += 1,
        None => ctx.st.stats.keyspace_misses += 1,
    }
    found
}

/// A database index argument as COPY and MOVE read it (Redis's `getIntFromObjectOrReply`
/// then `selectDb`): an integer, within `int`, naming an existing database.
fn db_index(ctx: &Ctx, arg: &[u8]) -> Result<usize, CmdError> {
    let n = parse_i64(arg).ok_or(CmdError::NotInteger)?;
    if n < i32::MIN as i64 || n > i32::MAX as i64 {
        return Err(CmdError::other("ERR value is out of range, value must between -2147483648 and 2147483647"));
    }
    if n < 0 || n as usize >= ctx.st.dbs.len() {
        return Err(CmdError::DbIndex);
    }
    Ok(n as usize)
}

/// An argument as C's `%s` prints it: up to the first NUL byte.
fn c_str(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

/// Shared test helpers: keys are put in place directly so these tests do not depend on
/// the string commands.
#[cfg(test)]
mod testutil {
    use crate::testkit::TestEngine;
    use crate::types::Value;

    /// Stores string `val` under `key` in database `db`.
    pub fn put(t: &mut TestEngine, db: usize, key: &str, val: &str) {
        put_bytes(t, db, key.as_bytes(), val);
    }

    /// Stores string `val` under a binary `key` in database `db`.
    pub fn put_bytes(t: &mut TestEngine, db: usize, key: &[u8], val: &str) {
        let st = &mut t.eng.state;
        let now = st.now_ms();
        let access = st.new_access();
        st.dbs[db].set(key, Value::from_bytes(val.as_bytes()), false, now, access);
    }

    /// Selects database `db` for the test client.
    pub fn select(t: &mut TestEngine, db: usize) {
        let c = t.client;
        t.eng.clients.get_mut(c).expect("client").db = db;
    }
}
