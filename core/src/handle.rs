//! `ClientHandle`: the name of one connection, shared by the engine, the hosts and the
//! subsystems (WATCH, pub/sub, tracking, blocking) that remember clients without
//! knowing what a client is.

/// Opaque handle a host uses to name one of its connections to the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientHandle(pub(crate) u32);
