//! Listening sockets (`bind`/`port`), the open-files limit, and protected mode's notion of a
//! local client.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use mio::net::TcpListener;

/// Reply sent to a non-local client refused by protected mode (Redis 7.0.15, verbatim).
pub const DENIED_MESSAGE: &[u8] = b"-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

/// Reply sent when `maxclients` connections are already open.
pub const MAX_CLIENTS_MESSAGE: &[u8] = b"-ERR max number of clients reached\r\n";

/// A listening socket, plain or TLS (`tls-port`).
pub struct Listener {
    /// The socket.
    pub sock: TcpListener,
    /// Connections accepted here speak TLS.
    pub tls: bool,
}

/// File descriptors Redis keeps for itself beyond `maxclients` (CONFIG_MIN_RESERVED_FDS).
const RESERVED_FDS: u64 = 32;

/// Whether protected mode treats `peer` as local: Redis 7.0 compares the peer address text
/// with exactly "127.0.0.1" and "::1".
pub fn is_local_peer(peer: &SocketAddr) -> bool {
    match peer.ip() {
        IpAddr::V4(ip) => ip == Ipv4Addr::LOCALHOST,
        IpAddr::V6(ip) => ip == Ipv6Addr::LOCALHOST,
    }
}

/// One `bind` word: its address, and whether failing to bind it is tolerated (`-` prefix).
fn parse_bind_word(word: &str) -> Result<(IpAddr, bool), String> {
    let (optional, addr) = match word.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, word),
    };
    let ip = match addr {
        "*" => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        "::*" => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        other => other.parse().map_err(|_| format!("Invalid bind address '{}'", other))?,
    };
    Ok((ip, optional))
}

/// Binds every address of `bind` on `port` with `backlog` (`tcp-backlog`) pending
/// connections. Errors carry Redis's wording.
pub fn bind_all(bind: &str, port: u16, backlog: i64) -> Result<Vec<(TcpListener, SocketAddr)>, String> {
    let mut out = Vec::new();
    for word in bind.split_whitespace() {
        let (ip, optional) = parse_bind_word(word)?;
        let addr = SocketAddr::new(ip, port);
        match TcpListener::bind(addr) {
            Ok(l) => {
                // The standard library listens with 128; listen(2) again sets Redis's
                // `tcp-backlog` (a burst of connections must not overflow the queue).
                // SAFETY: listen on a socket we own; the call only changes its backlog.
                unsafe { libc::listen(std::os::fd::AsRawFd::as_raw_fd(&l), backlog.clamp(1, i32::MAX as i64) as i32) };
                let local = l.local_addr().unwrap_or(addr);
                out.push((l, local));
            }
            Err(e) if optional && is_unavailable(&e) => {}
            Err(e) => {
                return Err(format!(
                    "Warning: Could not create server TCP listening socket {}:{}: bind: {}\nFailed listening on port {} (TCP), aborting.",
                    addr.ip(),
                    port,
                    crate::options::io_error_text(&e),
                    port
                ))
            }
        }
    }
    if out.is_empty() {
        return Err(format!("Failed listening on port {} (TCP), aborting.", port));
    }
    Ok(out)
}

/// Errors Redis skips for `-addr` bind entries (address family or address not available).
fn is_unavailable(e: &std::io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EADDRNOTAVAIL) | Some(libc::EAFNOSUPPORT) | Some(libc::EPROTONOSUPPORT) | Some(libc::EADDRINUSE)
    )
}

/// Raises the open-files limit to fit `maxclients` like Redis's adjustOpenFilesLimit and
/// returns the number of clients that fit (lower than asked when the limit cannot grow).
pub fn fit_open_files_limit(maxclients: u64) -> u64 {
    let wanted = maxclients.saturating_add(RESERVED_FDS);
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes into the struct we pass.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return maxclients;
    }
    if lim.rlim_cur >= wanted {
        return maxclients;
    }
    let mut best = wanted;
    while best > lim.rlim_cur {
        let new = libc::rlimit { rlim_cur: best, rlim_max: lim.rlim_max.max(best) };
        // SAFETY: setrlimit reads the struct we pass.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &new) } == 0 {
            break;
        }
        let try_soft_only = libc::rlimit { rlim_cur: best.min(lim.rlim_max), rlim_max: lim.rlim_max };
        // SAFETY: as above.
        if best <= lim.rlim_max && unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &try_soft_only) } == 0 {
            break;
        }
        best = best.saturating_sub(16);
    }
    let limit = best.max(lim.rlim_cur);
    if limit >= wanted {
        maxclients
    } else {
        limit.saturating_sub(RESERVED_FDS).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_peers_like_redis() {
        assert!(is_local_peer(&"127.0.0.1:5".parse().unwrap()));
        assert!(is_local_peer(&"[::1]:5".parse().unwrap()));
        // Redis 7.0 compares the text exactly: other loopback addresses are not local.
        assert!(!is_local_peer(&"127.0.0.2:5".parse().unwrap()));
        assert!(!is_local_peer(&"[::ffff:127.0.0.1]:5".parse().unwrap()));
        assert!(!is_local_peer(&"10.0.0.1:5".parse().unwrap()));
    }

    #[test]
    fn bind_words() {
        assert_eq!(parse_bind_word("*").unwrap(), (IpAddr::V4(Ipv4Addr::UNSPECIFIED), false));
        assert_eq!(parse_bind_word("-::*").unwrap(), (IpAddr::V6(Ipv6Addr::UNSPECIFIED), true));
        assert_eq!(parse_bind_word("-::1").unwrap(), (IpAddr::V6(Ipv6Addr::LOCALHOST), true));
        assert!(parse_bind_word("nonsense").is_err());
    }
}
