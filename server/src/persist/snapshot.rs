//! The RDB snapshot of the whole data set, through the core's `rdb` module (pure bytes):
//! what SAVE, BGSAVE, DEBUG RELOAD, the AOF's RDB base and start-up loading use.

use std::io::{self, Write};

use cinder_core::rdb::{LoadOptions, SaveOptions};
use cinder_core::Engine;

/// What loading a snapshot found.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Keys loaded.
    pub keys: u64,
    /// Keys skipped because they had expired.
    pub expired: u64,
    /// Aux fields (`redis-ver`, `ctime`, `used-mem`, ...).
    pub aux: Vec<(Vec<u8>, Vec<u8>)>,
    /// Bytes of the input the RDB took (an old-style AOF continues with commands).
    pub consumed: usize,
}

/// Writes the whole data set as an RDB file (`aof_base`: with the `aof-base` aux field),
/// with `rdbcompression` and `rdbchecksum` as configured.
pub fn write(engine: &Engine, aof_base: bool, out: &mut dyn Write) -> io::Result<()> {
    let c = &engine.state.config;
    let mut opts =
        SaveOptions { compression: c.rdbcompression, checksum: c.rdbchecksum, aof_base, ..Default::default() };
    if !aof_base {
        // The replication id and offset, so a restarted replica continues (PSYNC).
        if let Some((id, offset, db)) = engine.state.repl.save_info() {
            opts.repl = Some((id, offset));
            opts.repl_stream_db = db;
        }
    }
    cinder_core::engine::rdb::save(engine, &opts, out)
}

/// Replaces the data set with an RDB file's contents (`merge`: keeps the keys there and
/// replaces those the file has; an AOF base keeps expired keys, as Redis's preamble
/// loading). `Err` is the reason, as Redis logs it; the data set is then unchanged.
pub fn read(engine: &mut Engine, bytes: &[u8], merge: bool) -> Result<Loaded, String> {
    // A replica keeps keys whose TTL passed: its master sends their DELs (Redis's rdbLoad
    // skips them only when `iAmMaster()`).
    let skip_expired = !engine.state.repl.is_replica();
    let opts = LoadOptions { replace: !merge, allow_dup: merge, skip_expired, ..Default::default() };
    let info = cinder_core::engine::rdb::load(engine, bytes, &opts).map_err(|e| e.to_string())?;
    Ok(Loaded { keys: info.keys, expired: info.expired_skipped, aux: info.aux, consumed: info.consumed })
}

/// Writes the whole data set as commands (an AOF base without the RDB preamble), as
/// Redis's `rewriteAppendOnlyFileRio`: FUNCTION LOAD per library, then per database a
/// SELECT and per key its type's commands (see `cinder_core::rdb::rewrite`).
pub fn write_commands(engine: &Engine, out: &mut dyn Write) -> io::Result<()> {
    use cinder_core::rdb::rewrite;
    let mut buf = Vec::with_capacity(1 << 16);
    if engine.state.config.aof_timestamp_enabled {
        buf.extend_from_slice(format!("#TS:{}\r\n", engine.state.now_us / 1_000_000).as_bytes());
    }
    let codes = cinder_core::cmd::scripting::function::library_codes(&engine.state);
    rewrite::write_functions(&mut buf, &codes);
    for (i, db) in engine.state.dbs.iter().enumerate() {
        let keys = &db.keys;
        if keys.is_empty() {
            continue;
        }
        rewrite::write_select(&mut buf, i);
        for slot in 0..keys.slot_count() as u32 {
            let Some(e) = keys.slot(slot) else { continue };
            rewrite::write_key(&mut buf, e.key.as_slice(), &e.value, keys.expire_at(slot));
            if buf.len() >= 1 << 16 {
                out.write_all(&buf)?;
                buf.clear();
            }
        }
    }
    out.write_all(&buf)
}
