//! Connection-level configuration the server host enforces: `client-output-buffer-limit`
//! (Redis's three classes, with its soft-limit clock) and the `tls-*` parameters. Parsing,
//! printing and the limit test are pure; the host measures buffers and owns the sockets.

use crate::config::{parse_memory, Config, Kind, Mutability, Param};
use crate::numfmt::parse_i64;

/// Output-buffer limit classes in Redis's order (CONFIG GET prints them so).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObufClass {
    /// Ordinary clients (also MONITOR and the master link).
    Normal = 0,
    /// Replicas (`slave` / `replica`); stored for the replication side.
    Replica = 1,
    /// Clients subscribed to at least one channel or pattern.
    Pubsub = 2,
}

/// One class's limits (Redis's `clientBufferLimitsConfig`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ObufLimit {
    /// Disconnect at once at this many bytes (0 = none).
    pub hard: u64,
    /// Disconnect when over this for more than `soft_seconds` (0 = none).
    pub soft: u64,
    /// How long the soft limit may be exceeded.
    pub soft_seconds: u64,
}

/// `client-output-buffer-limit`: one limit per [`ObufClass`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ObufLimits(pub [ObufLimit; 3]);

impl Default for ObufLimits {
    /// Redis 7.0's defaults: `normal 0 0 0 slave 256mb 64mb 60 pubsub 32mb 8mb 60`.
    fn default() -> Self {
        const MB: u64 = 1024 * 1024;
        ObufLimits([
            ObufLimit { hard: 0, soft: 0, soft_seconds: 0 },
            ObufLimit { hard: 256 * MB, soft: 64 * MB, soft_seconds: 60 },
            ObufLimit { hard: 32 * MB, soft: 8 * MB, soft_seconds: 60 },
        ])
    }
}

const CLASS_NAMES: [&str; 3] = ["normal", "slave", "pubsub"];

impl ObufLimits {
    /// The limit of `class`.
    pub fn of(&self, class: ObufClass) -> ObufLimit {
        self.0[class as usize]
    }

    /// Applies `<class> <hard> <soft> <soft_seconds> ...` like Redis's
    /// `updateClientOutputBufferLimit`: all groups are checked before any is stored, and
    /// classes not named keep their limits.
    pub fn update(&mut self, text: &[u8]) -> Result<(), String> {
        let words: Vec<&[u8]> = text.split(|b| *b == b' ').filter(|w| !w.is_empty()).collect();
        if !words.len().is_multiple_of(4) {
            return Err("Wrong number of arguments in buffer limit configuration.".into());
        }
        let mut next = *self;
        for group in words.chunks(4) {
            let class = match group[0].to_ascii_lowercase().as_slice() {
                b"normal" => ObufClass::Normal,
                b"slave" | b"replica" => ObufClass::Replica,
                b"pubsub" => ObufClass::Pubsub,
                _ => return Err("Invalid client class specified in buffer limit configuration.".into()),
            };
            let hard = parse_memory(group[1]);
            let soft = parse_memory(group[2]);
            let secs = parse_seconds(group[3]);
            let (Some(hard), Some(soft), Some(soft_seconds)) = (hard, soft, secs) else {
                return Err("Error in hard, soft or soft_seconds setting in buffer limit configuration.".into());
            };
            next.0[class as usize] = ObufLimit { hard, soft, soft_seconds };
        }
        *self = next;
        Ok(())
    }

    /// The CONFIG GET text: `normal 0 0 0 slave 268435456 67108864 60 pubsub ...`.
    pub fn to_text(&self) -> String {
        let parts: Vec<String> = CLASS_NAMES
            .iter()
            .zip(self.0.iter())
            .map(|(n, l)| format!("{} {} {} {}", n, l.hard, l.soft, l.soft_seconds))
            .collect();
        parts.join(" ")
    }
}

/// `strtoll` with the whole word consumed and no negative value (Redis's soft_seconds).
fn parse_seconds(w: &[u8]) -> Option<u64> {
    let n = parse_i64(w)?;
    u64::try_from(n).ok()
}

/// Redis's `checkClientOutputBufferLimits`: whether a client using `used` bytes of output
/// buffer must go. `soft_since` is the client's `obuf_soft_limit_reached_time` (unix
/// seconds, 0 = not over the soft limit), updated as a side effect.
pub fn over_limit(limit: ObufLimit, used: u64, now_s: u64, soft_since: &mut u64) -> bool {
    let hard = limit.hard != 0 && used >= limit.hard;
    let mut soft = limit.soft != 0 && used >= limit.soft;
    if soft {
        if *soft_since == 0 {
            *soft_since = now_s.max(1);
            soft = false;
        } else if now_s.saturating_sub(*soft_since) <= limit.soft_seconds {
            soft = false;
        }
    } else {
        *soft_since = 0;
    }
    hard || soft
}

/// The `tls-*` parameters (Redis 7.0's names and defaults). The server host builds its
/// TLS context from them; `generation` changes whenever one is set, so the host knows
/// when to rebuild it.
#[derive(Clone, Debug)]
pub struct TlsConfig {
    /// `tls-port` (0 = no TLS listener).
    pub port: i64,
    /// `tls-cert-file`.
    pub cert_file: String,
    /// `tls-key-file`.
    pub key_file: String,
    /// `tls-key-file-pass` (encrypted keys are refused: rustls reads plain PKCS#8/PKCS#1/SEC1).
    pub key_file_pass: String,
    /// `tls-client-cert-file` (outgoing connections: stored).
    pub client_cert_file: String,
    /// `tls-client-key-file` (stored).
    pub client_key_file: String,
    /// `tls-client-key-file-pass` (stored).
    pub client_key_file_pass: String,
    /// `tls-dh-params-file` (accepted; rustls uses ECDHE only).
    pub dh_params_file: String,
    /// `tls-ca-cert-file`: roots client certificates must chain to.
    pub ca_cert_file: String,
    /// `tls-ca-cert-dir`: every certificate file in the folder is a root.
    pub ca_cert_dir: String,
    /// `tls-protocols`, e.g. `"TLSv1.2 TLSv1.3"` ("" = both).
    pub protocols: String,
    /// `tls-ciphers` (TLS 1.2 suites, OpenSSL names separated by `:`; "" = rustls's).
    pub ciphers: String,
    /// `tls-ciphersuites` (TLS 1.3 suites, separated by `:`; "" = rustls's).
    pub ciphersuites: String,
    /// `tls-auth-clients`: `yes`, `no` or `optional`.
    pub auth_clients: String,
    /// `tls-prefer-server-ciphers`.
    pub prefer_server_ciphers: bool,
    /// `tls-session-caching`.
    pub session_caching: bool,
    /// `tls-session-cache-size`.
    pub session_cache_size: i64,
    /// `tls-session-cache-timeout` (seconds; stored, rustls's tickets have their own).
    pub session_cache_timeout: i64,
    /// `tls-replication` (stored for the replication side).
    pub replication: bool,
    /// `tls-cluster` (stored; no cluster mode).
    pub cluster: bool,
    /// Bumped by every change of a `tls-*` parameter.
    pub generation: u64,
}

impl Default for TlsConfig {
    fn default() -> Self {
        TlsConfig {
            port: 0,
            cert_file: String::new(),
            key_file: String::new(),
            key_file_pass: String::new(),
            client_cert_file: String::new(),
            client_key_file: String::new(),
            client_key_file_pass: String::new(),
            dh_params_file: String::new(),
            ca_cert_file: String::new(),
            ca_cert_dir: String::new(),
            protocols: String::new(),
            ciphers: String::new(),
            ciphersuites: String::new(),
            auth_clients: "yes".into(),
            prefer_server_ciphers: false,
            session_caching: true,
            session_cache_size: 20 * 1024,
            session_cache_timeout: 300,
            replication: false,
            cluster: false,
            generation: 0,
        }
    }
}

/// A `tls-*` string parameter.
macro_rules! tls_text {
    ($name:expr, $field:ident) => {
        Param {
            name: $name,
            alias: None,
            mutability: Mutability::Mutable,
            kind: Kind::Text {
                get: |c| c.tls.$field.clone(),
                set: |c, v| {
                    c.tls.$field = String::from_utf8_lossy(v).into_owned();
                    c.tls.generation += 1;
                    Ok(())
                },
            },
        }
    };
}

/// A `tls-*` yes/no parameter.
macro_rules! tls_bool {
    ($name:expr, $field:ident) => {
        Param {
            name: $name,
            alias: None,
            mutability: Mutability::Mutable,
            kind: Kind::Bool {
                get: |c| c.tls.$field,
                set: |c, v| {
                    c.tls.$field = v;
                    c.tls.generation += 1;
                },
            },
        }
    };
}

/// A `tls-*` integer parameter.
macro_rules! tls_int {
    ($name:expr, $max:expr, $field:ident) => {
        Param {
            name: $name,
            alias: None,
            mutability: Mutability::Mutable,
            kind: Kind::Num {
                unsigned: false,
                memory: false,
                percent: false,
                min: 0,
                max: $max,
                get: |c| c.tls.$field,
                set: |c, v| {
                    c.tls.$field = v;
                    c.tls.generation += 1;
                },
            },
        }
    };
}

/// This module's parameters (listed by CONFIG GET after [`crate::config::PARAMS`]).
pub static PARAMS: &[Param] = &[
    Param {
        name: "client-output-buffer-limit",
        alias: None,
        mutability: Mutability::Mutable,
        kind: Kind::Text { get: |c: &Config| c.obuf_limits.to_text(), set: |c, v| c.obuf_limits.update(v) },
    },
    tls_int!("tls-port", 65535, port),
    tls_int!("tls-session-cache-size", i32::MAX as i64, session_cache_size),
    tls_int!("tls-session-cache-timeout", i32::MAX as i64, session_cache_timeout),
    tls_bool!("tls-cluster", cluster),
    tls_bool!("tls-replication", replication),
    Param {
        name: "tls-auth-clients",
        alias: None,
        mutability: Mutability::Mutable,
        kind: Kind::Enum {
            values: &["no", "yes", "optional"],
            get: |c| c.tls.auth_clients.as_str(),
            set: |c, v| {
                c.tls.auth_clients = v.to_string();
                c.tls.generation += 1;
            },
        },
    },
    tls_bool!("tls-prefer-server-ciphers", prefer_server_ciphers),
    tls_bool!("tls-session-caching", session_caching),
    tls_text!("tls-cert-file", cert_file),
    tls_text!("tls-key-file", key_file),
    tls_text!("tls-key-file-pass", key_file_pass),
    tls_text!("tls-client-cert-file", client_cert_file),
    tls_text!("tls-client-key-file", client_key_file),
    tls_text!("tls-client-key-file-pass", client_key_file_pass),
    tls_text!("tls-dh-params-file", dh_params_file),
    tls_text!("tls-ca-cert-file", ca_cert_file),
    tls_text!("tls-ca-cert-dir", ca_cert_dir),
    tls_text!("tls-protocols", protocols),
    tls_text!("tls-ciphers", ciphers),
    tls_text!("tls-ciphersuites", ciphersuites),
];

/// How the host adapts each client's fixed reply buffer (`DEBUG REPLYBUFFER`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplyBufferKnobs {
    /// Milliseconds between resets of a client's reply-buffer peak (-1 = never).
    pub peak_reset_ms: i64,
    /// Whether the cron resizes reply buffers at all.
    pub resizing: bool,
}

impl Default for ReplyBufferKnobs {
    /// Redis's REPLY_BUFFER_DEFAULT_PEAK_RESET_TIME (5 s), resizing on.
    fn default() -> Self {
        ReplyBufferKnobs { peak_reset_ms: 5000, resizing: true }
    }
}

/// Host-measured buffers of one connection, shown by CLIENT LIST and used for client
/// eviction (`maxmemory-clients`). The host refreshes them as buffers change.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClientIo {
    /// Bytes in the query buffer not consumed yet (`qbuf`).
    pub qbuf: u64,
    /// Free room in the query buffer (`qbuf-free`).
    pub qbuf_free: u64,
    /// Bytes pending in the fixed reply buffer (`obl`).
    pub obl: u64,
    /// Blocks in the reply list (`oll`).
    pub oll: u64,
    /// Bytes of the reply list, the output-buffer limits' measure (`omem`).
    pub omem: u64,
    /// Output waits for the socket (`events=rw`).
    pub writing: bool,
    /// Size of the fixed reply buffer (`rbs`).
    pub rbs: u64,
    /// Its recent peak use (`rbp`).
    pub rbp: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn obuf_text_round_trip_and_errors() {
        let mut l = ObufLimits::default();
        assert_eq!(l.to_text(), "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
        l.update(b"normal 1mb 2mb 60 replica 3mb 4mb 70 pubsub 5mb 6mb 80").unwrap();
        assert_eq!(l.to_text(), "normal 1048576 2097152 60 slave 3145728 4194304 70 pubsub 5242880 6291456 80");
        l.update(b"pubsub 100000 0 0").unwrap();
        assert_eq!(l.of(ObufClass::Pubsub), ObufLimit { hard: 100000, soft: 0, soft_seconds: 0 });
        assert_eq!(l.of(ObufClass::Normal).hard, 1 << 20);
        let before = l;
        assert!(l.update(b"wrong number").unwrap_err().starts_with("Wrong number"));
        assert!(l.update(b"master 10mb 10mb 60").unwrap_err().starts_with("Invalid client class"));
        assert!(l.update(b"normal 1 1 1 invalid_class 10mb 10mb 60").unwrap_err().starts_with("Invalid"));
        for bad in ["normal 10mbs 10mb 60", "replica 10mb 10mbs 60", "pubsub 10mb 10mb 60s", "pubsub 1 1 -1"] {
            assert!(l.update(bad.as_bytes()).unwrap_err().starts_with("Error in hard, soft or soft_seconds"), "{bad}");
        }
        assert_eq!(l, before, "a refused value changes nothing");
    }

    #[test]
    fn soft_limit_needs_its_seconds() {
        let limit = ObufLimit { hard: 0, soft: 100, soft_seconds: 3 };
        let mut since = 0;
        assert!(!over_limit(limit, 99, 1000, &mut since));
        assert!(!over_limit(limit, 100, 1000, &mut since));
        assert_eq!(since, 1000);
        assert!(!over_limit(limit, 150, 1003, &mut since));
        assert!(over_limit(limit, 150, 1004, &mut since));
        assert!(!over_limit(limit, 10, 1005, &mut since));
        assert_eq!(since, 0, "back under the limit resets the clock");
        let hard = ObufLimit { hard: 100, soft: 0, soft_seconds: 0 };
        assert!(!over_limit(hard, 99, 1, &mut since));
        assert!(over_limit(hard, 100, 1, &mut since));
    }

    #[test]
    fn tls_params_bump_the_generation() {
        let mut c = Config::default();
        let g = c.tls.generation;
        let p = PARAMS.iter().find(|p| p.name == "tls-cert-file").unwrap();
        c.set(p, b"/x.crt").unwrap();
        assert_eq!(c.get(p), "/x.crt");
        assert!(c.tls.generation > g);
        let p = PARAMS.iter().find(|p| p.name == "tls-auth-clients").unwrap();
        assert_eq!(c.get(p), "yes");
        assert!(c.set(p, b"maybe").is_err());
        c.set(p, b"OPTIONAL").unwrap();
        assert_eq!(c.tls.auth_clients, "optional");
    }
}
