//! RDB version 10 (Redis 7.0): values and whole snapshots, written byte for byte as Redis
//! 7.0.15 writes them and read in every form Redis 7.0 reads. Pure bytes, no I/O.
//!
//! - [`dump_value`] / [`restore_value`]: DUMP payloads (type, value, RDB version, CRC64);
//! - [`save_dbs`] / [`load_dbs`]: whole files over a set of databases (the engine-level
//!   `save`/`load` live in `engine::rdb`, which owns the engine's side: flushing,
//!   signalling, functions);
//! - [`saved_len`]: `DEBUG OBJECT`'s `serializedlength`.
//!
//! Files: `crc64` (checksum), `enc` (lengths, strings, LZF, times, doubles, the
//! [`enc::Reader`]), `listpack`, `legacy` (ziplist, zipmap, intset), `write` / `read`
//! (per-type values), `stream` (stream nodes and consumer groups), `file` (snapshots),
//! `types` (type bytes and opcodes).

pub mod crc64;
pub mod enc;
mod file;
pub mod legacy;
pub mod listpack;
mod read;
pub mod rewrite;
mod stream;
pub mod types;
mod write;

pub use file::{load_dbs, save_dbs, Loaded};
pub use read::Limits;
pub use write::{d2string, object_type};

use crate::types::Value;

/// The RDB version written (Redis 7.0's `RDB_VERSION`).
pub const RDB_VERSION: u16 = 10;

/// Why bytes could not be read as RDB data. The message is Redis's where Redis has one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RdbError {
    /// What went wrong.
    pub message: String,
}

impl RdbError {
    /// The input ended early (Redis's `rdbReportReadError` after a short read).
    pub fn short() -> RdbError {
        RdbError { message: "Short read or OOM loading DB. Unrecoverable error, aborting now.".into() }
    }

    /// The input is malformed (Redis's `rdbReportCorruptRDB`).
    pub fn corrupt(reason: String) -> RdbError {
        RdbError { message: format!("Internal error in RDB reading: {}", reason) }
    }

    /// A message of its own.
    pub fn other(message: String) -> RdbError {
        RdbError { message }
    }
}

impl std::fmt::Display for RdbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RdbError {}

/// Options for writing a snapshot.
#[derive(Clone, Debug)]
pub struct SaveOptions {
    /// `rdbcompression`: LZF for strings longer than 20 bytes.
    pub compression: bool,
    /// `rdbchecksum`: the CRC64 trailer (0 when off).
    pub checksum: bool,
    /// Aux `aof-base` 1 (writing an AOF base file).
    pub aof_base: bool,
    /// Aux `repl-id` and `repl-offset` (with `repl-stream-db` [`SaveOptions::repl_stream_db`]).
    pub repl: Option<(String, u64)>,
    /// Aux `repl-stream-db` when `repl` is set.
    pub repl_stream_db: i64,
}

impl SaveOptions {
    /// Options from the configuration (`rdbcompression`, `rdbchecksum`), no AOF base, no
    /// replication fields.
    pub fn from_config(cfg: &crate::config::Config) -> SaveOptions {
        SaveOptions { compression: cfg.rdbcompression, checksum: cfg.rdbchecksum, ..Default::default() }
    }
}

impl Default for SaveOptions {
    fn default() -> Self {
        SaveOptions { compression: true, checksum: true, aof_base: false, repl: None, repl_stream_db: 0 }
    }
}

/// Options for loading a snapshot.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// Empty the databases first (the normal case); otherwise merge into them.
    pub replace: bool,
    /// Keys already expired are dropped (a master loading its own file); an AOF preamble
    /// or a replica keeps them.
    pub skip_expired: bool,
    /// A key present twice replaces the first (`RDBFLAGS_ALLOW_DUP`); else an error.
    pub allow_dup: bool,
    /// Check the CRC64 trailer (`rdbchecksum`).
    pub verify_checksum: bool,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions { replace: true, skip_expired: true, allow_dup: false, verify_checksum: true }
    }
}

/// What loading found.
#[derive(Clone, Debug, Default)]
pub struct LoadInfo {
    /// Keys loaded.
    pub keys: u64,
    /// Keys skipped because they had expired.
    pub expired_skipped: u64,
    /// Empty collections skipped (Redis logs and skips them).
    pub empty_skipped: u64,
    /// The aux fields in file order.
    pub aux: Vec<(Vec<u8>, Vec<u8>)>,
    /// Function library codes (`RDB_OPCODE_FUNCTION2`), in file order, for the function
    /// registry to load.
    pub functions: Vec<Vec<u8>>,
    /// The file's RDB version.
    pub version: u16,
    /// Bytes consumed, checksum included (an AOF's RDB preamble is followed by commands).
    pub consumed: usize,
    /// Warnings for the host's log, as Redis logs them ("rdbLoadObject skipping empty key:
    /// ...", "RDB file was saved with checksum disabled: no check performed.").
    pub warnings: Vec<String>,
}

/// `rdbSavedObjectLen`: the RDB size of a value's body (`DEBUG OBJECT`'s
/// `serializedlength`).
pub fn saved_len(v: &Value, compress: bool) -> usize {
    write::saved_len(v, compress)
}

/// Appends the RDB type byte and body of `v` (what follows the key in a file).
pub fn write_value(out: &mut Vec<u8>, v: &Value, compress: bool) {
    out.push(object_type(v));
    write::write_object(out, v, compress);
}

/// `createDumpPayload`: type byte, value, RDB version (2 bytes LE), CRC64 (8 bytes LE).
pub fn dump_value(v: &Value, compress: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(32);
    write_value(&mut out, v, compress);
    out.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = crc64::crc64(0, &out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// Why a DUMP payload was refused, as RESTORE reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RestoreError {
    /// Too short, a newer RDB version or a wrong checksum:
    /// "DUMP payload version or checksum are wrong".
    VersionOrChecksum,
    /// The value does not parse: "Bad data format".
    BadData,
}

/// `verifyDumpPayload`: the footer's version is at most ours and the CRC64 matches
/// (unless `skip_checksum`, `DEBUG SET-SKIP-CHECKSUM-VALIDATION 1`).
pub fn verify_dump_payload(p: &[u8], skip_checksum: bool) -> Result<(), RestoreError> {
    if p.len() < 10 {
        return Err(RestoreError::VersionOrChecksum);
    }
    let footer = &p[p.len() - 10..];
    let ver = u16::from_le_bytes([footer[0], footer[1]]);
    if ver > RDB_VERSION {
        return Err(RestoreError::VersionOrChecksum);
    }
    if skip_checksum {
        return Ok(());
    }
    let crc = crc64::crc64(0, &p[..p.len() - 8]);
    if crc.to_le_bytes() != footer[2..] {
        return Err(RestoreError::VersionOrChecksum);
    }
    Ok(())
}

/// RESTORE's parsing of a payload: verified (footer), then the value; an empty
/// collection is bad data, as in Redis.
pub fn restore_value(p: &[u8], lim: &Limits) -> Result<Value, RestoreError> {
    restore_value_with(p, lim, false)
}

/// [`restore_value`], with the checksum check skipped when `skip_checksum`.
pub fn restore_value_with(p: &[u8], lim: &Limits, skip_checksum: bool) -> Result<Value, RestoreError> {
    verify_dump_payload(p, skip_checksum)?;
    let body = &p[..p.len() - 10];
    let mut r = enc::Reader::new(body);
    let t = r.u8().map_err(|_| RestoreError::BadData)?;
    if !types::is_object_type(t) {
        return Err(RestoreError::BadData);
    }
    match read::read_object(&mut r, t, lim) {
        Ok(Some(v)) => Ok(v),
        _ => Err(RestoreError::BadData),
    }
}

#[cfg(test)]
pub(crate) mod tests;
