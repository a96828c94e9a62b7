//! Pieces of Redis's RDB format shared by the commands that read or write its payloads
//! (FUNCTION DUMP/RESTORE) and the persistence code.

pub mod crc64;
