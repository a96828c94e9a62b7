//! Configuration parameters: typed fields plus one table ([`PARAMS`]) that gives each
//! its Redis name, how to read it and how to set it, for `CONFIG GET/SET`, the server's
//! command line and redis.conf files.

use crate::util::glob::glob_match;

/// `maxmemory-policy` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EvictionPolicy {
    /// Refuse writes when over the limit.
    NoEviction,
    /// Evict any key, least recently used first.
    AllKeysLru,
    /// Evict any key, least frequently used first.
    AllKeysLfu,
    /// Evict random keys.
    AllKeysRandom,
    /// Evict keys with a TTL, least recently used first.
    VolatileLru,
    /// Evict keys with a TTL, least frequently used first.
    VolatileLfu,
    /// Evict random keys with a TTL.
    VolatileRandom,
    /// Evict keys with a TTL, nearest expiry first.
    VolatileTtl,
}

/// Names of the policies in the order Redis lists them in its error message.
const POLICIES: &[(&str, EvictionPolicy)] = &[
    ("volatile-lru", EvictionPolicy::VolatileLru),
    ("volatile-lfu", EvictionPolicy::VolatileLfu),
    ("volatile-random", EvictionPolicy::VolatileRandom),
    ("volatile-ttl", EvictionPolicy::VolatileTtl),
    ("allkeys-lru", EvictionPolicy::AllKeysLru),
    ("allkeys-lfu", EvictionPolicy::AllKeysLfu),
    ("allkeys-random", EvictionPolicy::AllKeysRandom),
    ("noeviction", EvictionPolicy::NoEviction),
];

impl EvictionPolicy {
    /// The Redis name.
    pub fn name(self) -> &'static str {
        POLICIES.iter().find(|(_, p)| *p == self).map(|(n, _)| *n).unwrap_or("noeviction")
    }
}

/// All configuration the engine and its hosts read.
#[derive(Clone, Debug)]
pub struct Config {
    /// Memory limit in bytes (0 = none).
    pub maxmemory: u64,
    /// What to evict when over `maxmemory`.
    pub maxmemory_policy: EvictionPolicy,
    /// Keys sampled per eviction round.
    pub maxmemory_samples: i64,
    /// Connection limit.
    pub maxclients: u64,
    /// Largest bulk string accepted.
    pub proto_max_bulk_len: u64,
    /// Largest query buffer of one client.
    pub client_query_buffer_limit: u64,
    /// Password for AUTH (None: no auth).
    pub requirepass: Option<Vec<u8>>,
    /// Listening port (server host).
    pub port: i64,
    /// Listening addresses (server host), space separated.
    pub bind: String,
    /// Refuse non-loopback clients when no password is set.
    pub protected_mode: bool,
    /// Number of databases (immutable after start).
    pub databases: usize,
    /// Server timer frequency.
    pub hz: i64,
    /// Active expiry effort 1..10.
    pub active_expire_effort: i64,
    /// LFU logarithmic factor.
    pub lfu_log_factor: i64,
    /// LFU decay time in minutes.
    pub lfu_decay_time: i64,
    /// Idle client timeout in seconds (0 = never).
    pub timeout: i64,
    /// `no`, `yes` or `local`: who may run DEBUG.
    pub enable_debug_command: String,
    /// Accepted for compatibility; Cinder has no persistence yet.
    pub save: String,
    /// Accepted for compatibility; Cinder has no persistence yet.
    pub appendonly: bool,
    /// Working directory name (reported only).
    pub dir: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            maxmemory: 0,
            maxmemory_policy: EvictionPolicy::NoEviction,
            maxmemory_samples: 5,
            maxclients: 10000,
            proto_max_bulk_len: 512 * 1024 * 1024,
            client_query_buffer_limit: 1024 * 1024 * 1024,
            requirepass: None,
            port: 6379,
            bind: "127.0.0.1 -::1".into(),
            protected_mode: true,
            databases: 16,
            hz: 10,
            active_expire_effort: 1,
            lfu_log_factor: 10,
            lfu_decay_time: 1,
            timeout: 0,
            enable_debug_command: "no".into(),
            save: "3600 1 300 100 60 10000".into(),
            appendonly: false,
            dir: "/".into(),
        }
    }
}

/// How a parameter's value is parsed and printed.
pub enum Kind {
    /// Integer in `min..=max`.
    Int { min: i64, max: i64, get: fn(&Config) -> i64, set: fn(&mut Config, i64) },
    /// Byte count with `kb`/`mb`/`gb` units.
    Memory { min: i64, max: i64, get: fn(&Config) -> u64, set: fn(&mut Config, u64) },
    /// `yes` / `no`.
    Bool { get: fn(&Config) -> bool, set: fn(&mut Config, bool) },
    /// One of a fixed list.
    Enum { values: &'static [&'static str], get: fn(&Config) -> String, set: fn(&mut Config, &str) },
    /// Free text.
    Text { get: fn(&Config) -> String, set: fn(&mut Config, &[u8]) },
}

/// One configuration parameter.
pub struct Param {
    /// Redis name.
    pub name: &'static str,
    /// Old alias Redis still accepts.
    pub alias: Option<&'static str>,
    /// Whether CONFIG SET refuses it (set only at start).
    pub immutable: bool,
    /// Value handling.
    pub kind: Kind,
}

/// Every supported parameter.
pub static PARAMS: &[Param] = &[
    Param {
        name: "maxmemory",
        alias: None,
        immutable: false,
        kind: Kind::Memory { min: 0, max: i64::MAX, get: |c| c.maxmemory, set: |c, v| c.maxmemory = v },
    },
    Param {
        name: "maxmemory-policy",
        alias: None,
        immutable: false,
        kind: Kind::Enum {
            values: &[
                "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
                "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction",
            ],
            get: |c| c.maxmemory_policy.name().into(),
            set: |c, v| {
                if let Some((_, p)) = POLICIES.iter().find(|(n, _)| *n == v) {
                    c.maxmemory_policy = *p;
                }
            },
        },
    },
    Param {
        name: "maxmemory-samples",
        alias: None,
        immutable: false,
        kind: Kind::Int { min: 1, max: 64, get: |c| c.maxmemory_samples, set: |c, v| c.maxmemory_samples = v },
    },
    Param {
        name: "maxclients",
        alias: None,
        immutable: false,
        kind: Kind::Int { min: 1, max: u32::MAX as i64, get: |c| c.maxclients as i64, set: |c, v| c.maxclients = v as u64 },
    },
    Param {
        name: "proto-max-bulk-len",
        alias: None,
        immutable: false,
        kind: Kind::Memory {
            min: 1024 * 1024,
            max: i64::MAX,
            get: |c| c.proto_max_bulk_len,
            set: |c, v| c.proto_max_bulk_len = v,
        },
    },
    Param {
        name: "client-query-buffer-limit",
        alias: None,
        immutable: false,
        kind: Kind::Memory {
            min: 1024 * 1024,
            max: i64::MAX,
            get: |c| c.client_query_buffer_limit,
            set: |c, v| c.client_query_buffer_limit = v,
        },
    },
    Param {
        name: "requirepass",
        alias: None,
        immutable: false,
        kind: Kind::Text {
            get: |c| c.requirepass.as_ref().map(|p| String::from_utf8_lossy(p).into_owned()).unwrap_or_default(),
            set: |c, v| c.requirepass = if v.is_empty() { None } else { Some(v.to_vec()) },
        },
    },
    Param {
        name: "port",
        alias: None,
        immutable: true,
        kind: Kind::Int { min: 0, max: 65535, get: |c| c.port, set: |c, v| c.port = v },
    },
    Param {
        name: "bind",
        alias: None,
        immutable: true,
        kind: Kind::Text { get: |c| c.bind.clone(), set: |c, v| c.bind = String::from_utf8_lossy(v).into_owned() },
    },
    Param {
        name: "protected-mode",
        alias: None,
        immutable: false,
        kind: Kind::Bool { get: |c| c.protected_mode, set: |c, v| c.protected_mode = v },
    },
    Param {
        name: "databases",
        alias: None,
        immutable: true,
        kind: Kind::Int { min: 1, max: i32::MAX as i64, get: |c| c.databases as i64, set: |c, v| c.databases = v as usize },
    },
    Param {
        name: "hz",
        alias: None,
        immutable: false,
        kind: Kind::Int { min: 0, max: i32::MAX as i64, get: |c| c.hz, set: |c, v| c.hz = v.clamp(1, 500) },
    },
    Param {
        name: "active-expire-effort",
        alias: None,
        immutable: false,
        kind: Kind::Int { min: 1, max: 10, get: |c| c.active_expire_effort, set: |c, v| c.active_expire_effort = v },
    },
    Param {
        name: "lfu-log-factor",
        alias: None,
        immutable: false,
        kind: Kind::Int { min: 0, max: i32::MAX as i64, get: |c| c.lfu_log_factor, set: |c, v| c.lfu_log_factor = v },
    },
    Param {
        name: "lfu-decay-time",
        alias: None,
        immutable: false,
        kind: Kind::Int { min: 0, max: i32::MAX as i64, get: |c| c.lfu_decay_time, set: |c, v| c.lfu_decay_time = v },
    },
    Param {
        name: "timeout",
        alias: None,
        immutable: false,
        kind: Kind::Int { min: 0, max: i32::MAX as i64, get: |c| c.timeout, set: |c, v| c.timeout = v },
    },
    Param {
        name: "enable-debug-command",
        alias: None,
        immutable: true,
        kind: Kind::Enum {
            values: &["no", "yes", "local"],
            get: |c| c.enable_debug_command.clone(),
            set: |c, v| c.enable_debug_command = v.into(),
        },
    },
    Param {
        name: "save",
        alias: None,
        immutable: false,
        kind: Kind::Text { get: |c| c.save.clone(), set: |c, v| c.save = String::from_utf8_lossy(v).into_owned() },
    },
    Param {
        name: "appendonly",
        alias: None,
        immutable: false,
        kind: Kind::Bool { get: |c| c.appendonly, set: |c, v| c.appendonly = v },
    },
    Param {
        name: "dir",
        alias: None,
        immutable: false,
        kind: Kind::Text { get: |c| c.dir.clone(), set: |c, v| c.dir = String::from_utf8_lossy(v).into_owned() },
    },
];

/// Finds a parameter by name or alias (case-insensitive).
pub fn find_param(name: &[u8]) -> Option<&'static Param> {
    PARAMS.iter().find(|p| {
        name.eq_ignore_ascii_case(p.name.as_bytes())
            || p.alias.is_some_and(|a| name.eq_ignore_ascii_case(a.as_bytes()))
    })
}

/// Parses a Redis memory value (`100`, `1kb`, `5mb`, `1gb`, `1k` ...).
pub fn parse_memory(v: &[u8]) -> Option<u64> {
    let s = std::str::from_utf8(v).ok()?.to_ascii_lowercase();
    let units: &[(&str, u64)] = &[
        ("gb", 1 << 30), ("mb", 1 << 20), ("kb", 1 << 10),
        ("g", 1_000_000_000), ("m", 1_000_000), ("k", 1000), ("b", 1),
    ];
    let (num, mul) = units
        .iter()
        .find(|(u, _)| s.ends_with(u))
        .map(|(u, m)| (&s[..s.len() - u.len()], *m))
        .unwrap_or((&s[..], 1));
    let n: u64 = crate::numfmt::parse_i64(num.as_bytes()).filter(|n| *n >= 0)? as u64;
    n.checked_mul(mul)
}

impl Config {
    /// The current value of `p` as CONFIG GET prints it.
    pub fn get(&self, p: &Param) -> String {
        match &p.kind {
            Kind::Int { get, .. } => get(self).to_string(),
            Kind::Memory { get, .. } => get(self).to_string(),
            Kind::Bool { get, .. } => if get(self) { "yes" } else { "no" }.into(),
            Kind::Enum { get, .. } => get(self),
            Kind::Text { get, .. } => get(self),
        }
    }

    /// Sets `p` from text; `Err` is Redis's reason text (after "... - ").
    pub fn set(&mut self, p: &Param, v: &[u8]) -> Result<(), String> {
        match &p.kind {
            Kind::Int { min, max, set, .. } => {
                let n = crate::numfmt::parse_i64(v)
                    .or_else(|| parse_memory(v).and_then(|m| i64::try_from(m).ok()))
                    .ok_or_else(|| "argument couldn't be parsed into an integer".to_string())?;
                if n < *min || n > *max {
                    return Err(format!("argument must be between {} and {} inclusive", min, max));
                }
                set(self, n);
            }
            Kind::Memory { min, max, set, .. } => {
                let n = parse_memory(v).ok_or_else(|| "argument must be a memory value".to_string())?;
                if (n as i128) < *min as i128 || (n as i128) > *max as i128 {
                    return Err(format!("argument must be between {} and {} inclusive", min, max));
                }
                set(self, n);
            }
            Kind::Bool { set, .. } => {
                if v.eq_ignore_ascii_case(b"yes") {
                    set(self, true)
                } else if v.eq_ignore_ascii_case(b"no") {
                    set(self, false)
                } else {
                    return Err("argument must be 'yes' or 'no'".into());
                }
            }
            Kind::Enum { values, set, .. } => {
                let s = String::from_utf8_lossy(v).to_ascii_lowercase();
                if !values.contains(&s.as_str()) {
                    return Err(format!("argument(s) must be one of the following: {}", values.join(", ")));
                }
                set(self, &s);
            }
            Kind::Text { set, .. } => set(self, v),
        }
        Ok(())
    }

    /// Parameters whose name matches the glob `pattern`.
    pub fn matching(pattern: &[u8]) -> impl Iterator<Item = &'static Param> + '_ {
        PARAMS.iter().filter(move |p| {
            glob_match(pattern, p.name.as_bytes(), true)
                || p.alias.is_some_and(|a| glob_match(pattern, a.as_bytes(), true))
        })
    }
}
