//! The RESP wire protocol: request parsing for servers (multibulk and inline), with Redis
//! 7.0's exact limits and protocol errors. No I/O: hosts feed bytes in.

pub mod error;
pub mod request;
pub mod split;

pub use error::ProtocolError;
pub use request::{Parse, ParseLimits, RequestParser, INLINE_MAX_SIZE};
pub use split::{quote_arg, split_args, split_args_into, UnbalancedQuotes};
