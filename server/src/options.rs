//! Startup configuration, read like `redis-server [configfile] [--name value ...]`: the file
//! (redis.conf syntax) first, then the command-line options turned into config lines, each
//! line split with Redis's `sdssplitargs` and applied to the same parameter table
//! CONFIG SET uses. Errors are reported in Redis's "FATAL CONFIG FILE ERROR" format.

use std::path::{Path, PathBuf};

use cinder_core::config::{find_param, Config};
use cinder_core::resp::{quote_arg, split_args};

/// Everything the server needs to start.
#[derive(Debug)]
pub struct Options {
    /// Engine configuration (port, bind, limits, ...).
    pub config: Config,
    /// Absolute path of the config file, when one was given.
    pub config_file: Option<PathBuf>,
    /// `daemonize yes`: detach and run in the background.
    pub daemonize: bool,
    /// `pidfile`: where to write the process id ("" for none).
    pub pidfile: String,
    /// `logfile`: where a daemonized server writes its messages ("" for /dev/null).
    pub logfile: String,
    /// Directives that Redis knows but Cinder ignores, for a startup warning.
    pub ignored: Vec<String>,
    /// `replicaof host port` (or `slaveof`): start as a replica.
    pub replicaof: Option<(String, u16)>,
    /// `user <name> [rule ...]` directives, each `[name, rules...]`, loaded after start.
    pub users: Vec<Vec<Vec<u8>>>,
}

/// What the command line asks for.
#[derive(Debug)]
pub enum Cli {
    /// Start the server.
    Run(Box<Options>),
    /// Print the version and exit.
    Version,
    /// Print usage and exit.
    Help,
}

/// Redis 7.0 directives that are not in the engine's parameter table and that Cinder accepts
/// and ignores (persistence, replication, cluster, TLS, ...), so existing redis.conf files
/// load. Parameters the table knows are set there instead.
const IGNORED_DIRECTIVES: &[&str] = &[
    "active-defrag-cycle-max",
    "active-defrag-cycle-min",
    "active-defrag-ignore-bytes",
    "active-defrag-max-scan-fields",
    "active-defrag-threshold-lower",
    "active-defrag-threshold-upper",
    "activedefrag",
    "always-show-logo",
    "aof_rewrite_cpulist",
    "bgsave_cpulist",
    "bind-source-addr",
    "bio_cpulist",
    "cluster-allow-pubsubshard-when-down",
    "cluster-allow-reads-when-down",
    "cluster-allow-replica-migration",
    "cluster-announce-bus-port",
    "cluster-announce-hostname",
    "cluster-announce-ip",
    "cluster-announce-port",
    "cluster-announce-tls-port",
    "cluster-config-file",
    "cluster-link-sendbuf-limit",
    "cluster-migration-barrier",
    "cluster-node-timeout",
    "cluster-port",
    "cluster-preferred-endpoint-type",
    "cluster-replica-no-failover",
    "cluster-replica-validity-factor",
    "cluster-require-full-coverage",
    "cluster-slave-no-failover",
    "cluster-slave-validity-factor",
    "crash-log-enabled",
    "crash-memcheck-enabled",
    "disable-thp",
    "enable-module-command",
    "enable-protected-configs",
    "ignore-warnings",
    "io-threads-do-reads",
    "jemalloc-bg-thread",
    "latency-tracking-info-percentiles",
    "masterauth",
    "masteruser",
    "min-replicas-max-lag",
    "min-replicas-to-write",
    "min-slaves-max-lag",
    "min-slaves-to-write",
    "oom-score-adj",
    "oom-score-adj-values",
    "proc-title-template",
    "propagation-error-behavior",
    "rdbchecksum",
    "rdbcompression",
    "repl-backlog-size",
    "repl-backlog-ttl",
    "repl-disable-tcp-nodelay",
    "repl-diskless-load",
    "repl-diskless-sync",
    "repl-diskless-sync-delay",
    "repl-diskless-sync-max-replicas",
    "repl-ping-replica-period",
    "repl-ping-slave-period",
    "repl-timeout",
    "replica-announce-ip",
    "replica-announce-port",
    "replica-announced",
    "replica-ignore-disk-write-errors",
    "replica-ignore-maxmemory",
    "replica-priority",
    "replica-serve-stale-data",
    "replicaof",
    "sanitize-dump-payload",
    "server_cpulist",
    "set-proc-title",
    "shutdown-on-sigint",
    "shutdown-on-sigterm",
    "shutdown-timeout",
    "slave-announce-ip",
    "slave-announce-port",
    "slave-ignore-maxmemory",
    "slave-priority",
    "slave-serve-stale-data",
    "slaveof",
    "socket-mark-id",
    "supervised",
    "syslog-enabled",
    "syslog-facility",
    "syslog-ident",
    "unixsocketperm",
    "rename-command",
    "loadmodule",
];

/// Redis 7.0's MULTI_ARG_CONFIG parameters: a file line's words are joined into one value.
const MULTI_ARG: &[&str] = &[
    "save",
    "bind",
    "client-output-buffer-limit",
    "latency-tracking-info-percentiles",
    "oom-score-adj-values",
    "shutdown-on-sigint",
    "shutdown-on-sigterm",
];

/// A startup failure: the complete message for stderr; the process exits with status 1.
#[derive(Debug, PartialEq, Eq)]
pub struct Fatal(pub String);

/// Parses the process arguments (without the program name).
pub fn parse_cli(args: &[String]) -> Result<Cli, Fatal> {
    let mut options_text: Vec<u8> = Vec::new();
    let mut config_file = None;
    let mut j = 0;
    if let Some(first) = args.first() {
        match first.as_str() {
            "-v" | "--version" => return Ok(Cli::Version),
            "-h" | "--help" => return Ok(Cli::Help),
            _ => {}
        }
        if !first.starts_with('-') {
            config_file = Some(absolute(Path::new(first)));
            j = 1;
        }
    }
    // Exactly redis-server's rule: `--name` starts a new line; following arguments are its
    // values, quoted so the line splits back into the same words.
    let mut last_has_value = true;
    while j < args.len() {
        let a = &args[j];
        if last_has_value && a.starts_with("--") {
            if !options_text.is_empty() {
                options_text.push(b'\n');
            }
            options_text.extend_from_slice(&a.as_bytes()[2..]);
            options_text.push(b' ');
            let words = split_args(a.as_bytes()).map(|w| w.len()).unwrap_or(0);
            if words == 1 {
                last_has_value = false;
                let next_is_option = args.get(j + 1).is_some_and(|n| n.starts_with("--"));
                if a.eq_ignore_ascii_case("--save") && (next_is_option || j + 1 == args.len()) {
                    options_text.extend_from_slice(b"\"\"");
                    last_has_value = true;
                }
            } else {
                last_has_value = true;
            }
        } else {
            quote_arg(a.as_bytes(), &mut options_text);
            options_text.push(b' ');
            last_has_value = true;
        }
        j += 1;
    }

    let mut text = Vec::new();
    if let Some(path) = &config_file {
        match std::fs::read(path) {
            Ok(t) => text = t,
            Err(e) => {
                return Err(Fatal(format!(
                    "Fatal error, can't open config file '{}': {}",
                    path.display(),
                    io_error_text(&e)
                )))
            }
        }
    }
    text.push(b'\n');
    text.extend_from_slice(&options_text);

    let mut opts = Options {
        config: Config::default(),
        config_file,
        daemonize: false,
        pidfile: String::new(),
        logfile: String::new(),
        ignored: Vec::new(),
        replicaof: None,
        users: Vec::new(),
    };
    load_config_text(&text, &mut opts, 0)?;
    Ok(Cli::Run(Box::new(opts)))
}

/// The strerror-like text of an I/O error (without Rust's " (os error N)" suffix).
pub fn io_error_text(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// `path` made absolute against the current directory exactly like Redis's
/// getAbsolutePath: leading `../` elements are folded into the directory, anything else
/// (like `./`) is kept as written.
pub fn absolute(path: &Path) -> PathBuf {
    let text = path.to_string_lossy();
    match std::env::current_dir() {
        Ok(cwd) => PathBuf::from(join_like_redis(&cwd.to_string_lossy(), &text)),
        Err(_) => path.to_path_buf(),
    }
}

fn join_like_redis(cwd: &str, rel: &str) -> String {
    let mut rel = rel.trim_matches(|c| matches!(c, ' ' | '\r' | '\n' | '\t'));
    if rel.starts_with('/') {
        return rel.to_string();
    }
    let mut abs = cwd.to_string();
    if !abs.ends_with('/') {
        abs.push('/');
    }
    while let Some(rest) = rel.strip_prefix("../") {
        rel = rest;
        if abs.len() > 1 {
            // Drop the last directory, keeping its leading '/'.
            let cut = abs[..abs.len() - 1].rfind('/').map_or(1, |i| i + 1);
            abs.truncate(cut);
        }
    }
    abs.push_str(rel);
    abs
}

fn fatal(line_no: usize, line: &[u8], err: &str) -> Fatal {
    Fatal(format!(
        "\n*** FATAL CONFIG FILE ERROR (Redis {}) ***\nReading the configuration file, at line {}\n>>> '{}'\n{}",
        cinder_core::REDIS_VERSION,
        line_no,
        String::from_utf8_lossy(line),
        err
    ))
}

/// Applies redis.conf-style text to `opts` (loadServerConfigFromString).
fn load_config_text(text: &[u8], opts: &mut Options, depth: usize) -> Result<(), Fatal> {
    for (i, raw) in text.split(|&b| b == b'\n').enumerate() {
        let line = trim(raw);
        if line.is_empty() || line[0] == b'#' {
            continue;
        }
        let line_no = i + 1;
        let Ok(mut argv) = split_args(line) else {
            return Err(fatal(line_no, line, "Unbalanced quotes in configuration line"));
        };
        if argv.is_empty() {
            continue;
        }
        argv[0].make_ascii_lowercase();
        let name = String::from_utf8_lossy(&argv[0]).into_owned();
        apply_directive(&name, &argv[1..], opts, depth).map_err(|e| fatal(line_no, line, &e))?;
    }
    Ok(())
}

/// Applies one directive; `Err` is Redis's reason text.
fn apply_directive(name: &str, values: &[Vec<u8>], opts: &mut Options, depth: usize) -> Result<(), String> {
    let one = || -> Result<&[u8], String> {
        match values {
            [v] => Ok(v.as_slice()),
            _ => Err("wrong number of arguments".into()),
        }
    };
    // Directives the server acts on itself (also stored in the engine's table when it has
    // them, so CONFIG GET shows them).
    match name {
        "user" if !values.is_empty() => {
            // Redis's `ACLAppendUserForLoading`: checked now, loaded after start.
            let acl = cinder_core::acl::Acl::new(cinder_core::cmd::acl_perm::catalog());
            if let Err((i, why)) = acl.validate_directive(values, &opts.users) {
                let arg = if i == 0 { b"user".as_slice() } else { values.get(i - 1).map_or(&b""[..], |v| v) };
                return Err(format!("Error in user declaration '{}': {}", String::from_utf8_lossy(arg), why));
            }
            opts.users.push(values.to_vec());
            return Ok(());
        }
        "daemonize" | "logfile" | "pidfile" => {
            let v = one()?;
            match name {
                "daemonize" => opts.daemonize = parse_yes_no(v)?,
                "logfile" => opts.logfile = String::from_utf8_lossy(v).into_owned(),
                _ => opts.pidfile = String::from_utf8_lossy(v).into_owned(),
            }
            if find_param(name.as_bytes()).is_none() {
                return Ok(());
            }
        }
        "replicaof" | "slaveof" => {
            let [host, port] = values else {
                return Err("wrong number of arguments".into());
            };
            let port = std::str::from_utf8(port)
                .ok()
                .and_then(|p| p.parse::<u16>().ok())
                .ok_or_else(|| "Invalid master port".to_string())?;
            opts.replicaof = Some((String::from_utf8_lossy(host).into_owned(), port));
            return Ok(());
        }
        "include" => {
            let path = String::from_utf8_lossy(one()?).into_owned();
            if depth > 16 {
                return Err("Too many nested includes".into());
            }
            let text = std::fs::read(&path)
                .map_err(|e| format!("Fatal error, can't open config file '{}': {}", path, io_error_text(&e)))?;
            return load_config_text(&text, opts, depth + 1).map_err(|f| f.0);
        }
        _ => {}
    }
    if let Some(param) = find_param(name.as_bytes()) {
        let value: Vec<u8> = if MULTI_ARG.contains(&param.name) {
            // A bare `save` line (what `save ""` becomes in a generated file) means no
            // save points, as in Redis.
            if values.is_empty() && param.name != "save" {
                return Err("wrong number of arguments".into());
            }
            values.join(&b' ')
        } else {
            one()?.to_vec()
        };
        return opts.config.set(param, &value);
    }
    if IGNORED_DIRECTIVES.contains(&name) {
        opts.ignored.push(name.to_string());
        return Ok(());
    }
    Err("Bad directive or wrong number of arguments".into())
}

fn parse_yes_no(v: &[u8]) -> Result<bool, String> {
    if v.eq_ignore_ascii_case(b"yes") {
        Ok(true)
    } else if v.eq_ignore_ascii_case(b"no") {
        Ok(false)
    } else {
        Err("argument must be 'yes' or 'no'".into())
    }
}

/// Redis's sdstrim(line, " \t\r\n").
fn trim(mut s: &[u8]) -> &[u8] {
    let blank = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    while s.first().is_some_and(blank) {
        s = &s[1..];
    }
    while s.last().is_some_and(blank) {
        s = &s[..s.len() - 1];
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<Options, Fatal> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        match parse_cli(&args)? {
            Cli::Run(o) => Ok(*o),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn absolute_paths_like_redis() {
        assert_eq!(join_like_redis("/a/b", "x.conf"), "/a/b/x.conf");
        assert_eq!(join_like_redis("/a/b", "./x"), "/a/b/./x");
        assert_eq!(join_like_redis("/a/b", "../../x"), "/x");
        assert_eq!(join_like_redis("/", "../x"), "/x");
        assert_eq!(join_like_redis("/a", " /etc/r.conf\n"), "/etc/r.conf");
    }

    #[test]
    fn multi_word_parameters_from_a_file() {
        // What CONFIG REWRITE writes for the percentiles (always, as Redis's rewrite does).
        let o = run(&["--latency-tracking-info-percentiles", "50", "99", "99.9"]).unwrap();
        assert_eq!(o.config.latency_tracking_info_percentiles, vec![50.0, 99.0, 99.9]);
        let o = run(&["--latency-tracking-info-percentiles", "99.5"]).unwrap();
        assert_eq!(o.config.latency_tracking_info_percentiles, vec![99.5]);
    }

    #[test]
    fn command_line_options() {
        let o = run(&["--port", "7000", "--maxmemory", "1mb", "--maxmemory-policy", "allkeys-lru"]).unwrap();
        assert_eq!(o.config.port, 7000);
        assert_eq!(o.config.maxmemory, 1 << 20);
        assert_eq!(o.config.maxmemory_policy.name(), "allkeys-lru");
        let o = run(&["--port 7001", "--requirepass", "a b\"c"]).unwrap();
        assert_eq!(o.config.port, 7001);
        assert_eq!(o.config.requirepass.as_deref(), Some(&b"a b\"c"[..]));
        // After a bare option name, the next word is its value even if it starts with "--".
        let o = run(&["--requirepass", "--x"]).unwrap();
        assert_eq!(o.config.requirepass.as_deref(), Some(&b"--x"[..]));
    }

    #[test]
    fn save_and_multi_word_values() {
        let o = run(&["--save", "--port", "7002"]).unwrap();
        assert_eq!(o.config.save, "");
        assert_eq!(o.config.port, 7002);
        let o = run(&["--save", "900", "1", "300", "10"]).unwrap();
        assert_eq!(o.config.save, "900 1 300 10");
        let o = run(&["--bind", "127.0.0.1", "-::1", "--save", ""]).unwrap();
        assert_eq!(o.config.bind, "127.0.0.1 -::1");
        assert_eq!(o.config.save, "");
        let o = run(&["--daemonize", "no", "--activedefrag", "yes", "--enable-debug-command", "yes"]).unwrap();
        assert!(!o.daemonize);
        assert_eq!(o.ignored, vec!["activedefrag".to_string()]);
        assert_eq!(o.config.enable_debug_command, "yes");
    }

    #[test]
    fn errors_like_redis() {
        let e = run(&["--port", "abc"]).unwrap_err();
        assert_eq!(
            e.0,
            "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 2\n>>> 'port \"abc\"'\nargument couldn't be parsed into an integer"
        );
        let e = run(&["--nosuch", "1"]).unwrap_err();
        assert!(e.0.ends_with(">>> 'nosuch \"1\"'\nBad directive or wrong number of arguments"), "{}", e.0);
        let e = run(&["--port", "1", "2"]).unwrap_err();
        assert!(e.0.ends_with("wrong number of arguments"), "{}", e.0);
    }

    #[test]
    fn user_directives_are_checked_and_kept() {
        let o = run(&["--user", "alice", "on", ">pw", "~app:*", "--user", "bob", "+nosuch"]).unwrap();
        assert_eq!(o.users.len(), 2);
        assert_eq!(o.users[0][0], b"alice");
        let e = run(&["--user", "carol", "bogus"]).unwrap_err();
        assert!(e.0.contains("Error in user declaration 'user': Syntax error"), "{}", e.0);
        let e = run(&["--user", "dave", "on", "--user", "dave", "off"]).unwrap_err();
        assert!(e.0.contains("Duplicate user found"), "{}", e.0);
    }

    #[test]
    fn config_file_then_options() {
        let dir = std::env::temp_dir().join(format!("cinder-opts-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("test.conf");
        std::fs::write(&f, "# comment\n  port 7100  \nmaxclients 5\nrequirepass \"p w\"\n\nhz 20\n").unwrap();
        let o = run(&[f.to_str().unwrap(), "--port", "7200"]).unwrap();
        assert_eq!(o.config.port, 7200);
        assert_eq!(o.config.maxclients, 5);
        assert_eq!(o.config.requirepass.as_deref(), Some(&b"p w"[..]));
        assert_eq!(o.config.hz, 20);
        assert_eq!(o.config_file.as_deref(), Some(f.as_path()));
        std::fs::write(&f, "port 1\nbogus\n").unwrap();
        let e = run(&[f.to_str().unwrap()]).unwrap_err();
        assert!(e.0.contains("at line 2\n>>> 'bogus'\nBad directive"), "{}", e.0);
        let e = run(&["/nonexistent/x.conf"]).unwrap_err();
        assert_eq!(e.0, "Fatal error, can't open config file '/nonexistent/x.conf': No such file or directory");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
