//! Whole RDB files (`rdbSaveRio`, `rdbLoadRioWithLoadingCtx`): the `REDIS0010` magic, aux
//! fields, functions, each non-empty database (SELECTDB, RESIZEDB, then per key its
//! expire, IDLE/FREQ per `maxmemory-policy`, type, key and value), EOF and the CRC64.

use std::io::Write;

use super::enc::{put_len, put_ms, put_string, Reader};
use super::read::{read_object, Limits};
use super::types::*;
use super::write::{object_type, write_object};
use super::{crc64::crc64, LoadInfo, LoadOptions, RdbError, SaveOptions, RDB_VERSION};
use crate::bytes::SBytes;
use crate::config::{Config, EvictionPolicy};
use crate::db::access::{fresh, idle_ms, is_lfu, lfu_counter, lru_clock, LRU_CLOCK_MAX};
use crate::db::keyspace::Keyspace;
use crate::db::Db;

/// Writes through a buffer, keeping the running CRC64.
struct Sink<'a> {
    out: &'a mut dyn Write,
    buf: Vec<u8>,
    crc: u64,
    checksum: bool,
}

impl Sink<'_> {
    fn flush_if_big(&mut self) -> std::io::Result<()> {
        if self.buf.len() >= 1 << 16 {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.checksum {
            self.crc = crc64(self.crc, &self.buf);
        }
        self.out.write_all(&self.buf)?;
        self.buf.clear();
        Ok(())
    }
}

fn aux(out: &mut Vec<u8>, key: &str, val: &[u8], compress: bool) {
    out.push(OP_AUX);
    put_string(out, key.as_bytes(), compress);
    put_string(out, val, compress);
}

/// Writes a snapshot of `dbs`. `used_mem` is the aux `used-mem`; `functions` the
/// function libraries' codes (FUNCTION2 records, in registry order).
pub fn save_dbs(
    dbs: &[Db],
    cfg: &Config,
    now_ms: u64,
    used_mem: u64,
    functions: &[Vec<u8>],
    opts: &SaveOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let c = opts.compression;
    let mut s = Sink { out, buf: Vec::with_capacity(1 << 17), crc: 0, checksum: opts.checksum };
    s.buf.extend_from_slice(format!("REDIS{:04}", RDB_VERSION).as_bytes());
    aux(&mut s.buf, "redis-ver", crate::REDIS_VERSION.as_bytes(), c);
    aux(&mut s.buf, "redis-bits", b"64", c);
    aux(&mut s.buf, "ctime", (now_ms / 1000).to_string().as_bytes(), c);
    aux(&mut s.buf, "used-mem", used_mem.to_string().as_bytes(), c);
    if let Some((id, offset)) = &opts.repl {
        aux(&mut s.buf, "repl-stream-db", opts.repl_stream_db.to_string().as_bytes(), c);
        aux(&mut s.buf, "repl-id", id.as_bytes(), c);
        aux(&mut s.buf, "repl-offset", offset.to_string().as_bytes(), c);
    }
    aux(&mut s.buf, "aof-base", if opts.aof_base { b"1" } else { b"0" }, c);
    for code in functions {
        s.buf.push(OP_FUNCTION2);
        put_string(&mut s.buf, code, c);
    }
    let policy = cfg.maxmemory_policy;
    let save_lru = matches!(policy, EvictionPolicy::AllKeysLru | EvictionPolicy::VolatileLru);
    let save_lfu = is_lfu(policy);
    for (i, db) in dbs.iter().enumerate() {
        let ks = &db.keys;
        if ks.is_empty() {
            continue;
        }
        s.buf.push(OP_SELECTDB);
        put_len(&mut s.buf, i as u64);
        s.buf.push(OP_RESIZEDB);
        put_len(&mut s.buf, ks.len() as u64);
        put_len(&mut s.buf, ks.expires_len() as u64);
        for slot in 0..ks.slot_count() as u32 {
            let Some(e) = ks.slot(slot) else { continue };
            if let Some(at) = ks.expire_at(slot) {
                s.buf.push(OP_EXPIRETIME_MS);
                put_ms(&mut s.buf, at as i64);
            }
            if save_lru {
                s.buf.push(OP_IDLE);
                put_len(&mut s.buf, idle_ms(e.access, now_ms) / 1000);
            }
            if save_lfu {
                s.buf.push(OP_FREQ);
                s.buf.push(lfu_counter(e.access, now_ms, cfg.lfu_decay_time) as u8);
            }
            s.buf.push(object_type(&e.value));
            put_string(&mut s.buf, e.key.as_slice(), c);
            write_object(&mut s.buf, &e.value, c);
            s.flush_if_big()?;
        }
    }
    s.buf.push(OP_EOF);
    s.flush()?;
    let crc = if opts.checksum { s.crc } else { 0 };
    s.out.write_all(&crc.to_le_bytes())
}

/// A loaded snapshot, not yet applied: one keyspace per database.
pub struct Loaded {
    /// The keyspaces (as many as the engine's databases).
    pub dbs: Vec<Keyspace>,
    /// What loading found.
    pub info: LoadInfo,
}

/// The access bits of a loaded key (`objectSetLRUOrLFU` with the file's IDLE/FREQ).
pub fn loaded_access(policy: EvictionPolicy, now_ms: u64, idle_s: Option<u64>, freq: Option<u8>) -> u32 {
    if is_lfu(policy) {
        if let Some(f) = freq {
            return (((now_ms / 60_000) & 0xFFFF) as u32) << 8 | f as u32;
        }
    } else if let Some(idle) = idle_s {
        let clock = lru_clock(now_ms) as i64;
        let mut abs = clock - idle.min(i64::MAX as u64) as i64;
        if abs < 0 {
            abs = abs.rem_euclid(LRU_CLOCK_MAX as i64);
        }
        return abs as u32;
    }
    fresh(policy, now_ms)
}

/// Parses a whole snapshot into fresh keyspaces (seeded by `seed`). Nothing of the
/// engine changes here, so a bad file leaves it as it was.
pub fn load_dbs(
    bytes: &[u8],
    dbnum: usize,
    cfg: &Config,
    now_ms: u64,
    seed: &mut dyn FnMut() -> u64,
    opts: &LoadOptions,
) -> Result<Loaded, RdbError> {
    let mut r = Reader::new(bytes);
    let magic = r
        .take(9)
        .map_err(|_| RdbError::other("Short read or OOM loading DB. Unrecoverable error, aborting now.".into()))?;
    if &magic[..5] != b"REDIS" {
        return Err(RdbError::other("Wrong signature trying to load DB from file".into()));
    }
    let version = std::str::from_utf8(&magic[5..])
        .ok()
        .and_then(|v| v.parse::<u16>().ok())
        .filter(|v| (1..=RDB_VERSION).contains(v))
        .ok_or_else(|| {
            RdbError::other(format!("Can't handle RDB format version {}", String::from_utf8_lossy(&magic[5..])))
        })?;
    let mut info = LoadInfo { version, ..Default::default() };
    let mut dbs: Vec<Keyspace> = (0..dbnum).map(|_| Keyspace::new(seed())).collect();
    let lim = Limits::new(cfg, seed());
    let mut db = 0usize;
    let mut expire: Option<i64> = None;
    let mut idle: Option<u64> = None;
    let mut freq: Option<u8> = None;
    loop {
        let t = r.u8()?;
        match t {
            OP_EXPIRETIME => {
                expire = Some(r.secs()? as i64 * 1000);
                continue;
            }
            OP_EXPIRETIME_MS => {
                expire = Some(r.ms()?);
                continue;
            }
            OP_FREQ => {
                freq = Some(r.u8()?);
                continue;
            }
            OP_IDLE => {
                idle = Some(r.length()?);
                continue;
            }
            OP_EOF => break,
            OP_SELECTDB => {
                let n = r.length()?;
                if n >= dbnum as u64 {
                    return Err(RdbError::other(format!(
                        "FATAL: Data file was created with a Redis server configured to handle more than {} databases. Exiting",
                        dbnum
                    )));
                }
                db = n as usize;
                continue;
            }
            OP_RESIZEDB => {
                r.length()?;
                r.length()?;
                continue;
            }
            OP_AUX => {
                let k = r.string()?.into_owned();
                let v = r.string()?.into_owned();
                info.aux.push((k, v));
                continue;
            }
            OP_MODULE_AUX => {
                return Err(RdbError::other(
                    "The RDB file contains AUX module data I can't load: no matching module".into(),
                ))
            }
            OP_FUNCTION => {
                return Err(RdbError::other("Pre-GA function format not supported, please use Redis 7.0 GA".into()))
            }
            OP_FUNCTION2 => {
                info.functions.push(r.string()?.into_owned());
                continue;
            }
            _ => {}
        }
        if !is_object_type(t) {
            return Err(RdbError::corrupt(format!("Unknown RDB encoding type {}", t)));
        }
        let key = r.string()?.into_owned();
        let value = read_object(&mut r, t, &lim)?;
        let (exp, id, fr) = (expire.take(), idle.take(), freq.take());
        let Some(value) = value else {
            // Redis logs the first ten.
            if info.empty_skipped < 10 {
                info.warnings.push(format!("rdbLoadObject skipping empty key: {}", String::from_utf8_lossy(&key)));
            }
            info.empty_skipped += 1;
            continue;
        };
        if opts.skip_expired && exp.is_some_and(|e| e < now_ms as i64) {
            info.expired_skipped += 1;
            continue;
        }
        let ks = &mut dbs[db];
        if let Some(slot) = ks.find(&key) {
            if !opts.allow_dup {
                return Err(RdbError::other(format!(
                    "Duplicate key '{}' detected while loading RDB, RDB is corrupted",
                    String::from_utf8_lossy(&key)
                )));
            }
            ks.remove(slot);
            info.keys -= 1;
        }
        let access = loaded_access(cfg.maxmemory_policy, now_ms, id, fr);
        let slot = ks.insert_new(SBytes::new(&key), value, access);
        if let Some(e) = exp {
            ks.set_expire(slot, e.max(0) as u64);
        }
        info.keys += 1;
    }
    if version >= 5 {
        let stored = u64::from_le_bytes(r.take(8)?.try_into().unwrap_or_default());
        let computed = crc64(0, &bytes[..r.pos() - 8]);
        if opts.verify_checksum && stored == 0 {
            info.warnings.push("RDB file was saved with checksum disabled: no check performed.".into());
        }
        if opts.verify_checksum && stored != 0 && stored != computed {
            return Err(RdbError::other(format!(
                "Wrong RDB checksum expected: ({:016x}) got: ({:016x}). Aborting now.",
                stored, computed
            )));
        }
    }
    info.consumed = r.pos();
    Ok(Loaded { dbs, info })
}
