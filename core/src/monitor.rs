//! MONITOR's side of the engine (Redis's `replicationFeedMonitors`): the clients in
//! MONITOR mode, in the order they asked, and the line each command becomes:
//! `+<sec>.<usec> [<db> <addr>] "arg" "arg"...` with arguments quoted as Redis's
//! `sdscatrepr` quotes them (`[0 lua]` for a script's commands, `[0 unix:<path>]` for a
//! unix socket client).

use crate::handle::ClientHandle;

/// Where a monitored command came from.
#[derive(Clone, Copy, Debug)]
pub enum Origin<'a> {
    /// A script's `redis.call`.
    Lua,
    /// A client connection with this address (`ip:port`, or a unix socket's path).
    Peer(&'a str),
}

/// The clients in MONITOR mode.
#[derive(Clone, Debug, Default)]
pub struct Monitors {
    clients: Vec<ClientHandle>,
}

impl Monitors {
    /// Whether any client monitors (the hot path's only test).
    #[inline]
    pub fn any(&self) -> bool {
        !self.clients.is_empty()
    }

    /// Adds a monitor (once).
    pub fn add(&mut self, h: ClientHandle) {
        if !self.clients.contains(&h) {
            self.clients.push(h);
        }
    }

    /// Removes a monitor (on disconnect or RESET).
    pub fn remove(&mut self, h: ClientHandle) {
        self.clients.retain(|&c| c != h);
    }

    /// Whether `h` monitors.
    pub fn contains(&self, h: ClientHandle) -> bool {
        self.clients.contains(&h)
    }

    /// The monitors, oldest first.
    pub fn clients(&self) -> &[ClientHandle] {
        &self.clients
    }

    /// Number of monitors.
    pub fn len(&self) -> usize {
        self.clients.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.clients.is_empty()
    }
}

/// Redis's `sdscatrepr`: `"..."` with `\\`, `\"`, `\n`, `\r`, `\t`, `\a`, `\b` escaped and
/// other unprintable bytes as `\xHH`.
pub fn repr(out: &mut String, s: &[u8]) {
    out.push('"');
    for &b in s {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            7 => out.push_str("\\a"),
            8 => out.push_str("\\b"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{:02x}", b)),
        }
    }
    out.push('"');
}

/// The line a monitor receives (without the leading `+` and the CRLF, which the reply
/// encoding adds as a status reply).
pub fn line(now_us: u64, db: usize, origin: Origin<'_>, argv: &[&[u8]]) -> String {
    let mut out = format!("{}.{:06} ", now_us / 1_000_000, now_us % 1_000_000);
    match origin {
        Origin::Lua => out.push_str(&format!("[{} lua] ", db)),
        Origin::Peer(a) if a.starts_with('/') => out.push_str(&format!("[{} unix:{}] ", db, a)),
        Origin::Peer(a) => out.push_str(&format!("[{} {}] ", db, a)),
    }
    for (j, a) in argv.iter().enumerate() {
        repr(&mut out, a);
        if j + 1 != argv.len() {
            out.push(' ');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_formatted_like_redis() {
        let l = line(1_700_000_000_000_123, 3, Origin::Peer("127.0.0.1:5000"), &[b"set", b"k\"\\", b"a\r\n\x01\xff"]);
        assert_eq!(l, r#"1700000000.000123 [3 127.0.0.1:5000] "set" "k\"\\" "a\r\n\x01\xff""#);
        assert_eq!(line(2_000_001, 0, Origin::Lua, &[b"get", b""]), r#"2.000001 [0 lua] "get" """#);
        assert_eq!(line(0, 0, Origin::Peer("/tmp/r.sock"), &[b"ping"]), r#"0.000000 [0 unix:/tmp/r.sock] "ping""#);
    }

    #[test]
    fn monitors_are_kept_in_order_once() {
        let mut m = Monitors::default();
        assert!(!m.any());
        m.add(ClientHandle(2));
        m.add(ClientHandle(1));
        m.add(ClientHandle(2));
        assert_eq!(m.clients(), [ClientHandle(2), ClientHandle(1)]);
        m.remove(ClientHandle(2));
        assert!(m.contains(ClientHandle(1)) && m.len() == 1);
    }
}
