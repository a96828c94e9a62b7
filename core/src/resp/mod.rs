//! The RESP wire protocol: request parsing for servers (multibulk and inline).
