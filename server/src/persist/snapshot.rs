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
    let opts = SaveOptions { compression: c.rdbcompression, checksum: c.rdbchecksum, aof_base, ..Default::default() };
    cinder_core::engine::rdb::save(engine, &opts, out)
}

/// Replaces the data set with an RDB file's contents (`merge`: keeps the keys there and
/// replaces those the file has; an AOF base keeps expired keys, as Redis's preamble
/// loading). `Err` is the reason, as Redis logs it; the data set is then unchanged.
pub fn read(engine: &mut Engine, bytes: &[u8], merge: bool) -> Result<Loaded, String> {
    let opts = LoadOptions { replace: !merge, allow_dup: merge, ..Default::default() };
    let info = cinder_core::engine::rdb::load(engine, bytes, &opts).map_err(|e| e.to_string())?;
    Ok(Loaded { keys: info.keys, expired: info.expired_skipped, aux: info.aux, consumed: info.consumed })
}

/// Writes the whole data set as commands (an AOF base without the RDB preamble): per
/// database a SELECT, then per key `RESTORE key <expire-ms or 0> <DUMP payload> ABSTTL`,
/// which Redis and Cinder both replay. (Redis writes type-specific commands here; the
/// result after loading is the same data, TTLs and encodings.)
pub fn write_commands(engine: &Engine, out: &mut dyn Write) -> io::Result<()> {
    let compress = engine.state.config.rdbcompression;
    let mut buf = Vec::with_capacity(1 << 16);
    if engine.state.config.aof_timestamp_enabled {
        buf.extend_from_slice(format!("#TS:{}\r\n", engine.state.now_us / 1_000_000).as_bytes());
    }
    for (i, db) in engine.state.dbs.iter().enumerate() {
        let keys = &db.keys;
        if keys.is_empty() {
            continue;
        }
        super::aof::encode_command(&mut buf, &[&b"SELECT"[..], i.to_string().as_bytes()]);
        for slot in 0..keys.slot_count() as u32 {
            let Some(e) = keys.slot(slot) else { continue };
            let ttl = keys.expire_at(slot).unwrap_or(0).to_string();
            let payload = cinder_core::rdb::dump_value(&e.value, compress);
            super::aof::encode_command(
                &mut buf,
                &[&b"RESTORE"[..], e.key.as_slice(), ttl.as_bytes(), &payload, b"ABSTTL"],
            );
            if buf.len() >= 1 << 16 {
                out.write_all(&buf)?;
                buf.clear();
            }
        }
    }
    out.write_all(&buf)
}
