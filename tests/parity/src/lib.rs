//! Parity harness: runs the same commands against a real redis-server and cinder-server
//! and compares the raw reply bytes. See `tests/` for the test entry points and
//! `scripts/*.redis` for the scripted cases (format in [`script`]).

pub mod compare;
pub mod conn;
pub mod picks;
pub mod random;
pub mod random_hash;
pub mod random_list;
pub mod random_set;
pub mod random_stream;
pub mod resp;
pub mod runner;
pub mod scenario;
pub mod script;
pub mod server;
pub mod text;
