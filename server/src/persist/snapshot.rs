//! The RDB snapshot of the whole data set, through the core's `rdb` module (pure bytes):
//! what SAVE, BGSAVE, DEBUG RELOAD, the AOF's RDB base and start-up loading use.

use std::io::{self, Write};

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
}

/// Writes the whole data set as an RDB file (`aof_base`: with the `aof-base` aux field).
pub fn write(engine: &Engine, aof_base: bool, out: &mut dyn Write) -> io::Result<()> {
    let _ = (engine, aof_base, out);
    Err(io::Error::other("RDB support is not built into this server yet"))
}

/// Replaces the data set with an RDB file's contents (`merge`: keeps the keys there and
/// replaces those the file has). `Err` is the reason, as Redis logs it.
pub fn read(engine: &mut Engine, bytes: &[u8], merge: bool) -> Result<Loaded, String> {
    let _ = (engine, bytes, merge);
    Err("RDB support is not built into this server yet".into())
}

/// Writes the whole data set as commands (an AOF base without the RDB preamble).
pub fn write_commands(engine: &Engine, out: &mut dyn Write) -> io::Result<()> {
    let _ = (engine, out);
    Err(io::Error::other("AOF bases without the RDB preamble are not supported yet"))
}
