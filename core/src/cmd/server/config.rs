//! `CONFIG GET/SET/RESETSTAT/HELP` over the parameter table in `crate::config`.

use super::help_reply;
use crate::cmd::{Args, Ctx};
use crate::config::{self, Config, Mutability, Param};
use crate::error::{CmdError, CmdResult};
use crate::reply::Reply;

/// `CONFIG HELP` text, as Redis 7.0 prints it.
const HELP: &[&str] = &[
    "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "GET <pattern>",
    "    Return parameters matching the glob-like <pattern> and their values.",
    "SET <directive> <value>",
    "    Set the configuration <directive> to <value>.",
    "RESETSTAT",
    "    Reset statistics reported by the INFO command.",
    "REWRITE",
    "    Rewrite the configuration file.",
    "HELP",
    "    Prints this help.",
];

/// `CONFIG HELP`.
pub fn config_help(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Ok(help_reply(HELP))
}

/// `CONFIG GET pattern [pattern ...]`: a map of matching parameters. A pattern without
/// glob characters is looked up directly and echoed as given; aliases are their own
/// entries; each parameter is listed once.
pub fn config_get(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let mut found: Vec<(Vec<u8>, &'static Param)> = Vec::new();
    let seen = |found: &Vec<(Vec<u8>, &Param)>, name: &[u8]| found.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
    for pattern in args.take_rest() {
        if !pattern.iter().any(|b| b"[*?".contains(b)) {
            if seen(&found, pattern) {
                continue;
            }
            if let Some((_, p)) = config::find_entry(pattern) {
                found.push((pattern.to_vec(), p));
            }
            continue;
        }
        for (name, p) in Config::matching(pattern) {
            if !seen(&found, name.as_bytes()) {
                found.push((name.as_bytes().to_vec(), p));
            }
        }
    }
    let cfg = &ctx.st.config;
    // `replicaof` is the live master address (Redis rewrites it from server.masterhost).
    let master = ctx.st.repl.master.as_ref().map(|m| format!("{} {}", m.host, m.port)).unwrap_or_default();
    let value = |p: &Param| if p.name == "replicaof" { master.clone() } else { cfg.get(p) };
    Ok(Reply::Map(found.into_iter().map(|(n, p)| (Reply::Bulk(n), Reply::text(value(p)))).collect()))
}

/// `CONFIG SET name value [name value ...]`: all or nothing, with Redis 7.0's checks in
/// its order (unknown name, immutable/protected, duplicate; then values in order).
pub fn config_set(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let pairs = args.take_rest();
    if pairs.len() % 2 == 1 {
        return Err(CmdError::Syntax);
    }
    let arg_text = |a: &[u8]| String::from_utf8_lossy(a).into_owned();
    let failed = |name: &str, why: &str| {
        CmdError::other(format!("ERR CONFIG SET failed (possibly related to argument '{}') - {}", name, why))
    };
    // Entry name (alias when given) and parameter of each pair.
    let mut targets: Vec<(&'static str, &'static Param)> = Vec::with_capacity(pairs.len() / 2);
    // Redis's SENSITIVE_CONFIG values are hidden from the slow log and monitors, all of
    // them, whatever fails below.
    for (i, pair) in pairs.chunks(2).enumerate() {
        if let Some((_, p)) = config::find_entry(pair[0]) {
            if matches!(p.name, "requirepass" | "masterauth") {
                ctx.redact(2 + i * 2 + 1);
            }
        }
    }
    for pair in pairs.chunks(2) {
        let Some((entry, p)) = config::find_entry(pair[0]) else {
            return Err(CmdError::other(format!(
                "ERR Unknown option or number of arguments for CONFIG SET - '{}'",
                arg_text(pair[0])
            )));
        };
        match p.mutability {
            Mutability::Immutable => return Err(failed(&arg_text(pair[0]), "can't set immutable config")),
            Mutability::Protected => return Err(failed(&arg_text(pair[0]), "can't set protected config")),
            Mutability::Mutable => {}
        }
        if targets.iter().any(|(e, _)| *e == entry) {
            return Err(failed(&arg_text(pair[0]), "duplicate parameter"));
        }
        targets.push((entry, p));
    }
    let backup = ctx.st.config.clone();
    for ((entry, p), pair) in targets.iter().zip(pairs.chunks(2)) {
        if let Err(why) = ctx.st.config.set(p, pair[1]) {
            ctx.st.config = backup;
            return Err(failed(entry, &why));
        }
    }
    // Redis's `applyTlsCfg`/`applyTLSPort`: the host rebuilds its TLS context (and
    // listener) and refuses the change when that fails.
    if ctx.st.config.tls.generation != backup.tls.generation {
        if let Some(apply) = ctx.st.host.tls_apply {
            if let Err(why) = apply(&ctx.st.config) {
                let entry = targets.iter().find(|(e, _)| e.starts_with("tls-")).map_or("tls-port", |(e, _)| *e);
                ctx.st.config = backup;
                return Err(failed(entry, &why));
            }
        }
    }
    // Redis's `updateMaxmemory`: a new limit starts the eviction timer proc, which runs
    // right after this command.
    if targets.iter().any(|(_, p)| p.name == "maxmemory") && ctx.st.config.maxmemory != 0 {
        ctx.st.evict_pending = true;
    }
    // Redis's `updateAppendonly`: turning the AOF on starts a rewrite, off stops it (the
    // host does both; it answers an error when the AOF cannot start).
    if targets.iter().any(|(_, p)| p.name == "appendonly") && ctx.st.config.appendonly != backup.appendonly {
        let on = ctx.st.config.appendonly;
        ctx.st.actions.push(crate::engine::HostAction::Persist(crate::persist::Job::AppendOnly(on)));
    }
    // Redis's `changeBindAddr` / `changeListenPort`: the host listens on the new
    // addresses, or puts the whole configuration back and fails the command.
    if ctx.st.config.port != backup.port || ctx.st.config.bind != backup.bind {
        ctx.st.persist.config_backup = Some(Box::new(backup.clone()));
        ctx.st.actions.push(crate::engine::HostAction::Persist(crate::persist::Job::Listen));
    }
    // Redis's `updateRequirePass` and `acl-pubsub-default`: the ACL follows.
    if targets.iter().any(|(_, p)| p.name == "requirepass") {
        let pass = ctx.st.config.requirepass.clone();
        ctx.st.acl.set_default_password(pass.as_deref());
    }
    ctx.st.acl.pubsub_all = ctx.st.config.acl_pubsub_default == "allchannels";
    if ctx.st.config.aof_disable_auto_gc != backup.aof_disable_auto_gc && !ctx.st.config.aof_disable_auto_gc {
        ctx.st.actions.push(crate::engine::HostAction::Persist(crate::persist::Job::DeleteHistory));
    }
    Ok(Reply::ok())
}

/// `CONFIG REWRITE`: the host rewrites its configuration file (see `Job::RewriteConfig`);
/// its error replaces the OK.
pub fn config_rewrite(ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    if ctx.st.host.config_file.is_empty() {
        return Err(CmdError::other("ERR The server is running without a config file"));
    }
    ctx.st.actions.push(crate::engine::HostAction::Persist(crate::persist::Job::RewriteConfig));
    Ok(Reply::ok())
}

/// `CONFIG RESETSTAT`: zeroes INFO's counters, command and error statistics.
pub fn config_resetstat(ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    let used = ctx.st.used_memory();
    ctx.st.stats.reset(used);
    ctx.st.cmd_calls.clear();
    ctx.st.introspection.histograms.clear();
    for db in ctx.st.dbs.iter_mut() {
        db.expired_keys = 0;
    }
    Ok(Reply::ok())
}

#[cfg(test)]
mod tests {
    use crate::testkit::TestEngine;

    #[test]
    fn get_patterns() {
        let mut t = TestEngine::new();
        assert_eq!(t.resp(&["CONFIG", "GET"]), "-ERR wrong number of arguments for 'config|get' command\r\n");
        assert_eq!(t.resp(&["CONFIG", "GET", "maxmemory"]), "*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n");
        assert_eq!(t.resp3(&["CONFIG", "GET", "maxmemory"]), "%1\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n");
        assert_eq!(t.resp(&["CONFIG", "GET", "HZ"]), "*2\r\n$2\r\nHZ\r\n$2\r\n10\r\n");
        assert_eq!(t.resp(&["CONFIG", "GET", "hz", "HZ"]), "*2\r\n$2\r\nhz\r\n$2\r\n10\r\n");
        assert_eq!(t.resp(&["CONFIG", "GET", "h?"]), "*2\r\n$2\r\nhz\r\n$2\r\n10\r\n");
        assert_eq!(t.resp(&["CONFIG", "GET", "[h]z"]), "*2\r\n$2\r\nhz\r\n$2\r\n10\r\n");
        assert_eq!(t.resp(&["CONFIG", "GET", "nosuch"]), "*0\r\n");
        assert_eq!(
            t.resp(&["CONFIG", "GET", "hash-max-ziplist-entries", "hash-max-listpack-entries"]),
            "*4\r\n$24\r\nhash-max-ziplist-entries\r\n$3\r\n512\r\n$25\r\nhash-max-listpack-entries\r\n$3\r\n512\r\n"
        );
        assert_eq!(
            t.resp(&["CONFIG", "GET", "maxmemory", "port", "port"]),
            "*4\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n$4\r\nport\r\n$4\r\n6379\r\n"
        );
        assert_eq!(
            t.resp(&["CONFIG", "GET", "*ziplist-entries"]),
            "*4\r\n$24\r\nhash-max-ziplist-entries\r\n$3\r\n512\r\n$24\r\nzset-max-ziplist-entries\r\n$3\r\n128\r\n"
        );
        // Redis 7.0 has no set-max-listpack-entries.
        assert_eq!(t.resp(&["CONFIG", "GET", "set-max-listpack-entries"]), "*0\r\n");
    }

    #[test]
    fn get_defaults_match_redis() {
        let mut t = TestEngine::new();
        for (name, value) in [
            ("list-max-listpack-size", "-2"),
            ("list-max-ziplist-size", "-2"),
            ("hash-max-listpack-value", "64"),
            ("set-max-intset-entries", "512"),
            ("zset-max-listpack-entries", "128"),
            ("zset-max-listpack-value", "64"),
            ("notify-keyspace-events", ""),
            ("lazyfree-lazy-user-flush", "no"),
            ("maxmemory-samples", "5"),
            ("maxmemory-eviction-tenacity", "10"),
            ("proto-max-bulk-len", "536870912"),
            ("client-query-buffer-limit", "1073741824"),
            ("save", "3600 1 300 100 60 10000"),
            ("appendonly", "no"),
            ("appendfsync", "everysec"),
            ("databases", "16"),
            ("slowlog-log-slower-than", "10000"),
            ("slowlog-max-len", "128"),
            ("lua-time-limit", "5000"),
            ("stream-node-max-bytes", "4096"),
            ("hll-sparse-max-bytes", "3000"),
            ("tracking-table-max-keys", "1000000"),
            ("enable-debug-command", "no"),
        ] {
            assert_eq!(
                t.resp(&["CONFIG", "GET", name]),
                format!("*2\r\n${}\r\n{}\r\n${}\r\n{}\r\n", name.len(), name, value.len(), value)
            );
        }
    }

    #[test]
    fn set_errors_in_redis_order() {
        let mut t = TestEngine::new();
        let failed = |arg: &str, why: &str| {
            format!("-ERR CONFIG SET failed (possibly related to argument '{}') - {}\r\n", arg, why)
        };
        assert_eq!(
            t.resp(&["CONFIG", "SET", "maxmemory"]),
            "-ERR wrong number of arguments for 'config|set' command\r\n"
        );
        assert_eq!(
            t.resp(&["CONFIG", "SET", "x", "y"]),
            "-ERR Unknown option or number of arguments for CONFIG SET - 'x'\r\n"
        );
        assert_eq!(t.resp(&["CONFIG", "SET", "maxmemory", "1gb", "hz"]), "-ERR syntax error\r\n");
        assert_eq!(
            t.resp(&["CONFIG", "SET", "maxmemory", "foo"]),
            failed("maxmemory", "argument must be a memory value")
        );
        assert_eq!(
            t.resp(&["CONFIG", "SET", "maxmemory", "1gb", "maxmemory", "2gb"]),
            failed("maxmemory", "duplicate parameter")
        );
        assert_eq!(t.resp(&["CONFIG", "SET", "HZ", "11", "hz", "12"]), failed("hz", "duplicate parameter"));
        assert_eq!(t.resp(&["CONFIG", "SET", "DATABASES", "3"]), failed("DATABASES", "can't set immutable config"));
        assert_eq!(t.resp(&["CONFIG", "SET", "dir", "/tmp"]), failed("dir", "can't set protected config"));
        assert_eq!(
            t.resp(&["CONFIG", "SET", "x", "y", "databases", "3"]),
            "-ERR Unknown option or number of arguments for CONFIG SET - 'x'\r\n"
        );
        assert_eq!(
            t.resp(&["CONFIG", "SET", "databases", "3", "x", "y"]),
            failed("databases", "can't set immutable config")
        );
        assert_eq!(t.resp(&["CONFIG", "SET", "HZ", "x"]), failed("hz", "argument couldn't be parsed into an integer"));
        assert_eq!(
            t.resp(&["CONFIG", "SET", "maxmemory-policy", "foo"]),
            failed(
                "maxmemory-policy",
                "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, \
                 allkeys-lru, allkeys-lfu, allkeys-random, noeviction"
            )
        );
        assert_eq!(t.resp(&["CONFIG", "SET", "save", "1 2 3"]), failed("save", "Invalid save parameters"));
        assert_eq!(
            t.resp(&["CONFIG", "SET", "hash-max-ziplist-value", "-1"]),
            failed("hash-max-ziplist-value", "argument must be a memory value")
        );
    }

    #[test]
    fn set_is_atomic() {
        let mut t = TestEngine::new();
        assert_eq!(
            t.resp(&["CONFIG", "SET", "maxmemory", "10mb", "hz", "x"]),
            "-ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer\r\n"
        );
        assert_eq!(t.resp(&["CONFIG", "GET", "maxmemory"]), "*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n");
        assert_eq!(
            t.resp(&[
                "CONFIG",
                "SET",
                "maxmemory",
                "1GB",
                "hash-max-ziplist-entries",
                "5",
                "hash-max-listpack-entries",
                "6"
            ]),
            "+OK\r\n"
        );
        assert_eq!(t.eng.state.config.maxmemory, 1 << 30);
        assert_eq!(t.eng.state.config.hash_max_listpack_entries, 6);
        assert_eq!(t.resp(&["CONFIG", "SET", "hz", "1000"]), "+OK\r\n");
        assert_eq!(t.resp(&["CONFIG", "GET", "hz"]), "*2\r\n$2\r\nhz\r\n$3\r\n500\r\n");
    }

    #[test]
    fn requirepass_takes_effect_for_new_logins() {
        let mut t = TestEngine::new();
        assert_eq!(t.resp(&["CONFIG", "SET", "requirepass", "sec"]), "+OK\r\n");
        // The connected client stays logged in; a new one must AUTH.
        assert_eq!(t.resp(&["PING"]), "+PONG\r\n");
        let other = t.connect();
        assert_eq!(t.cmd_as(other, &["PING"]).to_resp(2), b"-NOAUTH Authentication required.\r\n");
        assert_eq!(t.cmd_as(other, &["AUTH", "sec"]).to_resp(2), b"+OK\r\n");
    }

    #[test]
    fn help_and_unknown_subcommand() {
        let mut t = TestEngine::new();
        assert!(t.resp(&["CONFIG", "HELP"]).starts_with(
            "*11\r\n+CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+GET <pattern>\r\n"
        ));
        assert_eq!(t.resp(&["CONFIG", "FOO"]), "-ERR unknown subcommand 'FOO'. Try CONFIG HELP.\r\n");
        assert_eq!(
            t.resp(&["CONFIG", "RESETSTAT", "x"]),
            "-ERR wrong number of arguments for 'config|resetstat' command\r\n"
        );
    }
}
