//! cinder-core: a Redis-compatible in-memory data-structure engine with no I/O.
//!
//! The engine is a state machine: `(state, argv, now, rng) -> (state', reply)`. Hosts
//! (the native server, the wasm package) own sockets, clocks and OS randomness and feed
//! them in, so every behaviour can be replayed exactly in a test.
#![forbid(unsafe_code)]

pub mod acl;
pub mod blocking;
pub mod bytes;
pub mod client;
pub mod cmd;
pub mod config;
pub mod db;
pub mod digest;
pub mod engine;
pub mod error;
pub mod events;
#[doc(hidden)]
pub mod fuzz;
pub mod geo;
pub mod handle;
pub mod introspection;
pub mod latency;
pub mod monitor;
pub mod netconf;
pub mod numfmt;
pub mod pause;
pub mod persist;
pub mod propagate;
pub mod pubsub;
pub mod rdb;
pub mod repl;
pub mod reply;
pub mod resp;
pub mod rng;
pub mod session;
pub mod slowlog;
pub mod stats;
#[cfg(test)]
pub mod testkit;
pub mod tracking;
pub mod types;
pub mod util;
pub mod watch;

pub use client::{ClientHandle, ConnInfo};
pub use engine::{Engine, EngineOptions, HostAction, HostInfo};
pub use reply::Reply;

/// The Redis version Cinder reports and is checked against.
pub const REDIS_VERSION: &str = "7.0.15";

/// Cinder's own version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
