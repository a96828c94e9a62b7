//! PUC Lua 5.1.5 set up as Redis 7.0 runs it, behind a safe API for `cinder-core`.
//!
//! Work in progress (#15): the interface is being built on branch `h/lua`.
