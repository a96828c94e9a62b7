//! Pieces of Redis's RDB format shared by the commands that read or write its payloads
//! (FUNCTION DUMP/RESTORE) and the persistence code. (The RDB helper's branch, h/rdb,
//! holds the full module; on a merge its `mod.rs` replaces this one, and `crc64.rs` is
//! the same file on both branches.)

pub mod crc64;
