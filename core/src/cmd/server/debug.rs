//! `DEBUG <subcommand>`: the testing hooks Redis's test suites and clients use
//! (SLEEP, SET-ACTIVE-EXPIRE, OBJECT, POPULATE, ...), behind `enable-debug-command`.

use super::help_reply;
use crate::bytes::SBytes;
use crate::cmd::{is, Args, Ctx};
use crate::engine::HostAction;
use crate::error::{CmdError, CmdResult};
use crate::numfmt::{parse_f64, parse_i64};
use crate::reply::Reply;
use crate::types::Value;

/// `DEBUG HELP` text, as Redis 7.0 prints it.
const HELP: &[&str] = &[
    "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "AOF-FLUSH-SLEEP <microsec>",
    "    Server will sleep before flushing the AOF, this is used for testing.",
    "ASSERT",
    "    Crash by assertion failed.",
    "CHANGE-REPL-ID",
    "    Change the replication IDs of the instance.",
    "    Dangerous: should be used only for testing the replication subsystem.",
    "CONFIG-REWRITE-FORCE-ALL",
    "    Like CONFIG REWRITE but writes all configuration options, including",
    "    keywords not listed in original configuration file or default values.",
    "CRASH-AND-RECOVER [<milliseconds>]",
    "    Hard crash and restart after a <milliseconds> delay (default 0).",
    "DIGEST",
    "    Output a hex signature representing the current DB content.",
    "DIGEST-VALUE <key> [<key> ...]",
    "    Output a hex signature of the values of all the specified keys.",
    "ERROR <string>",
    "    Return a Redis protocol error with <string> as message. Useful for clients",
    "    unit tests to simulate Redis errors.",
    "LEAK <string>",
    "    Create a memory leak of the input string.",
    "LOG <message>",
    "    Write <message> to the server log.",
    "HTSTATS <dbid>",
    "    Return hash table statistics of the specified Redis database.",
    "HTSTATS-KEY <key>",
    "    Like HTSTATS but for the hash table stored at <key>'s value.",
    "LOADAOF",
    "    Flush the AOF buffers on disk and reload the AOF in memory.",
    "REPLICATE <string>",
    "    Replicates the provided string to replicas, allowing data divergence.",
    "MALLCTL <key> [<val>]",
    "    Get or set a malloc tuning integer.",
    "MALLCTL-STR <key> [<val>]",
    "    Get or set a malloc tuning string.",
    "OBJECT <key>",
    "    Show low level info about `key` and associated value.",
    "DROP-CLUSTER-PACKET-FILTER <packet-type>",
    "    Drop all packets that match the filtered type. Set to -1 allow all packets.",
    "OOM",
    "    Crash the server simulating an out-of-memory error.",
    "PANIC",
    "    Crash the server simulating a panic.",
    "POPULATE <count> [<prefix>] [<size>]",
    "    Create <count> string keys named key:<num>. If <prefix> is specified then",
    "    it is used instead of the 'key' prefix. These are not propagated to",
    "    replicas. Cluster slots are not respected so keys not belonging to the",
    "    current node can be created in cluster mode.",
    "PROTOCOL <type>",
    "    Reply with a test value of the specified type. <type> can be: string,",
    "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
    "    true, false.",
    "RELOAD [option ...]",
    "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
    "    * MERGE: conflicting keys will be loaded from RDB.",
    "    * NOFLUSH: the existing database will not be removed before load, but",
    "      conflicting keys will generate an exception and kill the server.",
    "    * NOSAVE: the database will be loaded from an existing RDB file.",
    "    Examples:",
    "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
    "      the database.",
    "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
    "      existing RDB file.",
    "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
    "      file to the database.",
    "RESTART [<milliseconds>]",
    "    Graceful restart: save config, db, restart after a <milliseconds> delay (default 0).",
    "SDSLEN <key>",
    "    Show low level SDS string info representing `key` and value.",
    "SEGFAULT",
    "    Crash the server with sigsegv.",
    "SET-ACTIVE-EXPIRE <0|1>",
    "    Setting it to 0 disables expiring keys in background when they are not",
    "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
    "    default.",
    "QUICKLIST-PACKED-THRESHOLD <size>",
    "    Sets the threshold for elements to be inserted as plain vs packed nodes",
    "    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
    "SET-SKIP-CHECKSUM-VALIDATION <0|1>",
    "    Enables or disables checksum checks for RDB files and RESTORE's payload.",
    "SLEEP <seconds>",
    "    Stop the server for <seconds>. Decimals allowed.",
    "STRINGMATCH-TEST",
    "    Run a fuzz tester against the stringmatchlen() function.",
    "STRUCTSIZE",
    "    Return the size of different Redis core C structures.",
    "LISTPACK <key>",
    "    Show low level info about the listpack encoding of <key>.",
    "QUICKLIST <key> [<0|1>]",
    "    Show low level info about the quicklist encoding of <key>.",
    "    The optional argument (0 by default) sets the level of detail",
    "CLIENT-EVICTION",
    "    Show low level client eviction pools info (maxmemory-clients).",
    "PAUSE-CRON <0|1>",
    "    Stop periodic cron job processing.",
    "REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>",
    "    Sets the time (in milliseconds) to wait between client reply buffer peak resets.",
    "    In case NEVER is provided the last observed peak will never be reset",
    "    In case RESET is provided the peak reset time will be restored to the default value",
    "REPLYBUFFER RESIZING <0|1>",
    "    Enable or disable the reply buffer resize cron job",
    "CLUSTERLINK KILL <to|from|all> <node-id>",
    "    Kills the link based on the direction to/from (both) with the provided node.",
    "HELP",
    "    Prints this help.",
];

/// Redis's shared integer objects (0..10000) report this refcount.
const SHARED_REFCOUNT: i64 = i32::MAX as i64;

/// Largest LRU clock value (24 bits), for idle-time wraparound.
const LRU_CLOCK_MAX: u64 = (1 << 24) - 1;

/// The error when `enable-debug-command` forbids this client.
const NOT_ALLOWED: &str = "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", \
     you can run it from a local connection, otherwise you need to set this option in the configuration file, \
     and then restart the server.";

/// `DEBUG <subcommand> [arg ...]`.
pub fn debug(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let allowed = match ctx.st.config.enable_debug_command.as_str() {
        "yes" => true,
        "local" => ctx.client.is_local(),
        _ => false,
    };
    if !allowed {
        return Err(CmdError::other(NOT_ALLOWED));
    }
    let sub = args.take();
    // Arguments after the subcommand.
    let n = args.remaining();
    if is(sub, "help") && n == 0 {
        Ok(help_reply(HELP))
    } else if is(sub, "sleep") && n == 1 {
        // Redis: strtod with no error check; negative or junk sleeps 0.
        let secs = parse_f64(args.take()).unwrap_or(0.0);
        let us = (secs * 1_000_000.0) as i64;
        if us > 0 {
            ctx.st.actions.push(HostAction::Sleep(us as u64));
        }
        Ok(Reply::ok())
    } else if is(sub, "pause-cron") && n == 1 {
        ctx.st.persist.cron_paused = atoi(args.take()) != 0;
        Ok(Reply::ok())
    } else if is(sub, "set-active-expire") && n == 1 {
        ctx.st.active_expire_enabled = atoi(args.take()) != 0;
        Ok(Reply::ok())
    } else if is(sub, "loadaof") {
        ctx.st.actions.push(HostAction::Persist(crate::persist::Job::LoadAof));
        Ok(Reply::ok())
    } else if is(sub, "aof-flush-sleep") && n == 1 {
        // C's atoi: leading digits, 0 when none.
        let arg = args.take();
        let digits: Vec<u8> = arg.iter().copied().take_while(u8::is_ascii_digit).collect();
        ctx.st.persist.aof_flush_sleep_us = crate::numfmt::parse_i64(&digits).unwrap_or(0).max(0) as u64;
        Ok(Reply::ok())
    } else if is(sub, "digest") && n == 0 {
        Ok(Reply::Simple(crate::digest::hex(&crate::digest::dataset_digest(&ctx.st.dbs)).into()))
    } else if is(sub, "digest-value") {
        let db = &ctx.st.dbs[ctx.client.db];
        let mut out = Vec::new();
        for key in args.take_rest() {
            let mut d = [0u8; 20];
            if let Some(slot) = db.keys.find(key) {
                let has_ttl = db.keys.expire_at(slot).is_some();
                crate::digest::value_digest(&mut d, &db.keys.entry(slot).value, has_ttl);
            }
            out.push(Reply::Simple(crate::digest::hex(&d).into()));
        }
        Ok(Reply::Array(out))
    } else if is(sub, "replybuffer") && n == 2 {
        let (what, v) = (args.take(), args.take());
        let knobs = &mut ctx.st.config.reply_buffer;
        if is(what, "peak-reset-time") {
            knobs.peak_reset_ms = if is(v, "never") {
                -1
            } else if is(v, "reset") {
                crate::netconf::ReplyBufferKnobs::default().peak_reset_ms
            } else {
                crate::numfmt::parse_i64(v).ok_or(CmdError::NotInteger)?
            };
        } else if is(what, "resizing") {
            knobs.resizing = atoi(v) != 0;
        } else {
            return Err(CmdError::other(format!(
                "ERR unknown subcommand or wrong number of arguments for '{}'. Try DEBUG HELP.",
                String::from_utf8_lossy(sub)
            )));
        }
        Ok(Reply::ok())
    } else if is(sub, "set-skip-checksum-validation") && n == 1 {
        ctx.st.config.skip_checksum_validation = atoi(args.take()) != 0;
        Ok(Reply::ok())
    } else if is(sub, "object") && n == 1 {
        object(ctx, args.take())
    } else if (is(sub, "log") || is(sub, "error")) && n == 1 {
        if is(sub, "log") {
            Ok(Reply::ok())
        } else {
            Ok(Reply::error(String::from_utf8_lossy(args.take()).into_owned()))
        }
    } else if is(sub, "reload") {
        // The host saves (unless NOSAVE), empties (unless NOFLUSH) and loads the snapshot.
        let (mut nosave, mut noflush) = (false, false);
        for opt in args.take_rest() {
            if is(opt, "merge") || is(opt, "noflush") {
                noflush = true;
            } else if is(opt, "nosave") {
                nosave = true;
            } else {
                return Err(CmdError::other("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options."));
            }
        }
        ctx.st.actions.push(HostAction::Persist(crate::persist::Job::Reload { nosave, noflush }));
        Ok(Reply::ok())
    } else if is(sub, "change-repl-id") && n == 0 {
        // Redis's changeReplicationId + clearReplicationId2.
        ctx.st.repl.replid = crate::repl::random_replid(&mut ctx.st.rng);
        ctx.st.repl.clear_replid2();
        Ok(Reply::ok())
    } else if is(sub, "replicate") && n >= 1 {
        // The arguments go to the replicas as a command (testing divergence).
        ctx.st.feed_replication();
        let mut b = Vec::new();
        crate::repl::stream::encode_command(&mut b, args.take_rest());
        ctx.st.repl.feed_raw(&b);
        Ok(Reply::ok())
    } else if is(sub, "populate") && (1..=3).contains(&n) {
        populate(ctx, args)
    } else {
        Err(CmdError::other(format!(
            "ERR unknown subcommand or wrong number of arguments for '{}'. Try DEBUG HELP.",
            String::from_utf8_lossy(&sub[..sub.len().min(128)])
        )))
    }
}

/// C `atoi`: optional whitespace and sign, then digits; anything else stops it.
fn atoi(s: &[u8]) -> i64 {
    let s = &s[s.iter().take_while(|b| b.is_ascii_whitespace()).count()..];
    let (neg, s) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let n = s
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .fold(0i64, |n, d| n.wrapping_mul(10).wrapping_add((d - b'0') as i64));
    if neg {
        -n
    } else {
        n
    }
}

/// `DEBUG OBJECT key`: low-level facts about a key's value (the key is not expired
/// first, like Redis's direct dictionary lookup).
fn object(ctx: &mut Ctx, key: &[u8]) -> CmdResult {
    let shared_ints = ctx.st.config.maxmemory == 0 || !ctx.st.config.maxmemory_policy.uses_lru_or_lfu();
    let lru_clock = ctx.st.lru_clock() as u64;
    let db_index = ctx.client.db as u64;
    let compress = ctx.st.config.rdbcompression;
    let db = ctx.db();
    let slot = db.keys.find(key).ok_or(CmdError::NoSuchKey)?;
    let e = db.keys.entry(slot);
    let refcount = match e.value {
        Value::Int(n) if shared_ints && (0..10_000).contains(&n) => SHARED_REFCOUNT,
        _ => 1,
    };
    let access = e.access as u64;
    let idle = if lru_clock >= access { lru_clock - access } else { LRU_CLOCK_MAX - access + lru_clock };
    let serialized = crate::rdb::saved_len(&e.value, compress);
    let extra = match &e.value {
        Value::List(l) => quicklist_facts(l),
        _ => String::new(),
    };
    Ok(Reply::Simple(
        format!(
            "Value at:0x{:012x} refcount:{} encoding:{} serializedlength:{} lru:{} lru_seconds_idle:{}{}",
            0x7f00_0000_0000u64 + (db_index << 32) + slot as u64 * 64,
            refcount,
            e.value.encoding(),
            serialized,
            access,
            idle,
            extra
        )
        .into(),
    ))
}

/// DEBUG OBJECT's extra `ql_*` fields of a list.
fn quicklist_facts(l: &crate::types::list::List) -> String {
    let listpack_bytes: usize = l.nodes().map(|(_, entries)| entries.len() + 7).sum();
    let nodes = l.node_count();
    let avg = if nodes == 0 { 0.0 } else { l.len() as f64 / nodes as f64 };
    format!(
        " ql_nodes:{} ql_avg_node:{:.2} ql_listpack_max:{} ql_compressed:{} ql_uncompressed_size:{}",
        nodes,
        avg,
        l.fill(),
        l.compress() as u8,
        listpack_bytes
    )
}

/// `DEBUG POPULATE count [prefix] [size]`: creates `prefix:N` = `value:N` (padded with
/// zero bytes or cut to `size`), skipping keys that exist.
fn populate(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let positive = |a: &[u8]| parse_i64(a).filter(|n| *n >= 0).ok_or(CmdError::MustBePositive);
    let count = positive(args.take())?;
    let prefix: &[u8] = args.next().unwrap_or(b"key");
    let size = match args.next() {
        Some(size) => positive(size)? as usize,
        None => 0,
    };
    let now = ctx.now_ms();
    let lru = ctx.st.lru_clock();
    for j in 0..count {
        let mut key = prefix.to_vec();
        key.extend_from_slice(format!(":{}", j).as_bytes());
        // Redis formats into a 128-byte buffer.
        key.truncate(127);
        if ctx.lookup_write(&key).is_some() {
            continue;
        }
        let mut val = format!("value:{}", j).into_bytes();
        if size > 0 {
            val.resize(size, 0);
        }
        ctx.db().set(&key, Value::Str(SBytes::new(&val)), false, now, lru);
    }
    Ok(Reply::ok())
}

#[cfg(test)]
mod tests {
    use crate::engine::{EngineOptions, HostAction};
    use crate::testkit::{TestEngine, T0_US};
    use crate::types::Value;

    /// DEBUG OBJECT of lists: serialized length and `ql_*` fields as Redis 7.0.15 shows
    /// them for the same pushes.
    #[test]
    fn debug_object_of_lists() {
        let mut t = debug_engine();
        let facts = |t: &mut TestEngine, k: &str| {
            let s = t.resp(&["DEBUG", "OBJECT", k]);
            let a = s.find("encoding").unwrap();
            let lru = s.find(" lru:").unwrap();
            let ql = s.find(" ql_").unwrap();
            format!("{}{}", &s[a..lru], s[ql..].trim_end())
        };
        t.cmd(&["RPUSH", "l", "a", "b", "c"]);
        for i in 1..=300 {
            t.cmd(&["RPUSH", "big", &format!("element:{}", i)]);
        }
        for i in 1..=100i64 {
            t.cmd(&["RPUSH", "ints", &(i * i * 1000).to_string()]);
        }
        t.cmd(&["CONFIG", "SET", "list-max-listpack-size", "5"]);
        let mut p = vec!["RPUSH", "p"];
        let nums: Vec<String> = (1..=11).map(|i| i.to_string()).collect();
        p.extend(nums.iter().map(|s| s.as_str()));
        t.cmd(&p);
        assert_eq!(facts(&mut t, "l"), "encoding:quicklist serializedlength:19 ql_nodes:1 ql_avg_node:3.00 ql_listpack_max:-2 ql_compressed:0 ql_uncompressed_size:16");
        assert_eq!(facts(&mut t, "big"), "encoding:quicklist serializedlength:1531 ql_nodes:1 ql_avg_node:300.00 ql_listpack_max:-2 ql_compressed:0 ql_uncompressed_size:3799");
        assert_eq!(facts(&mut t, "ints"), "encoding:quicklist serializedlength:513 ql_nodes:1 ql_avg_node:100.00 ql_listpack_max:-2 ql_compressed:0 ql_uncompressed_size:509");
        assert_eq!(facts(&mut t, "p"), "encoding:quicklist serializedlength:50 ql_nodes:3 ql_avg_node:3.67 ql_listpack_max:5 ql_compressed:0 ql_uncompressed_size:43");
    }

    /// Stores a string directly (string commands live in another module).
    fn put(t: &mut TestEngine, key: &str, val: &str) {
        let (now, lru) = (t.eng.state.now_ms(), t.eng.state.lru_clock());
        t.eng.state.dbs[0].set(key.as_bytes(), Value::from_bytes(val.as_bytes()), false, now, lru);
    }

    /// A string value read directly.
    fn get(t: &mut TestEngine, key: &str) -> Option<Vec<u8>> {
        let now = t.eng.state.now_ms();
        t.eng.state.dbs[0].get(key.as_bytes(), now).map(|v| v.string_bytes().unwrap().into_owned())
    }

    fn debug_engine() -> TestEngine {
        let mut opts = EngineOptions { seed: 1, now_us: T0_US, ..Default::default() };
        opts.config.enable_debug_command = "yes".into();
        TestEngine::with_options(opts)
    }

    #[test]
    fn gate_follows_enable_debug_command() {
        let mut t = TestEngine::new();
        assert_eq!(t.resp(&["DEBUG"]), "-ERR wrong number of arguments for 'debug' command\r\n");
        assert_eq!(
            t.resp(&["DEBUG", "SLEEP", "0"]),
            "-ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it \
             from a local connection, otherwise you need to set this option in the configuration file, and then \
             restart the server.\r\n"
        );
        t.eng.state.config.enable_debug_command = "local".into();
        assert_eq!(t.resp(&["DEBUG", "SLEEP", "0"]), "+OK\r\n");
    }

    #[test]
    fn subcommand_errors() {
        let mut t = debug_engine();
        for (args, sub) in [
            (&["DEBUG", "foo"][..], "foo"),
            (&["DEBUG", "OBJECT"][..], "OBJECT"),
            (&["DEBUG", "OBJECT", "a", "b"][..], "OBJECT"),
            (&["DEBUG", "SLEEP"][..], "SLEEP"),
            (&["DEBUG", "SET-ACTIVE-EXPIRE"][..], "SET-ACTIVE-EXPIRE"),
            (&["DEBUG", "LOG"][..], "LOG"),
            (&["DEBUG", "JMAP"][..], "JMAP"),
        ] {
            assert_eq!(
                t.resp(args),
                format!("-ERR unknown subcommand or wrong number of arguments for '{}'. Try DEBUG HELP.\r\n", sub)
            );
        }
        assert_eq!(t.resp(&["DEBUG", "OBJECT", "nokey"]), "-ERR no such key\r\n");
        assert_eq!(t.resp(&["DEBUG", "LOG", "hello"]), "+OK\r\n");
        assert_eq!(t.resp(&["DEBUG", "ERROR", "hello"]), "-hello\r\n");
        assert_eq!(t.resp(&["DEBUG", "RELOAD"]), "+OK\r\n");
        assert!(t
            .resp(&["DEBUG", "HELP"])
            .starts_with("*106\r\n+DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"));
    }

    #[test]
    fn sleep_asks_the_host() {
        let mut t = debug_engine();
        for arg in ["0", "x", "-1"] {
            assert_eq!(t.resp(&["DEBUG", "SLEEP", arg]), "+OK\r\n");
        }
        assert!(t.eng.take_actions().is_empty());
        assert_eq!(t.resp(&["DEBUG", "SLEEP", "0.01"]), "+OK\r\n");
        assert_eq!(t.eng.take_actions(), vec![HostAction::Sleep(10_000)]);
    }

    #[test]
    fn set_active_expire_uses_atoi() {
        let mut t = debug_engine();
        assert_eq!(t.resp(&["DEBUG", "SET-ACTIVE-EXPIRE", "x"]), "+OK\r\n");
        assert!(!t.eng.state.active_expire_enabled);
        t.resp(&["DEBUG", "SET-ACTIVE-EXPIRE", "1"]);
        assert!(t.eng.state.active_expire_enabled);
        t.resp(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
        assert!(!t.eng.state.active_expire_enabled);
    }

    fn object_tail(t: &mut TestEngine, key: &str) -> String {
        let r = t.resp(&["DEBUG", "OBJECT", key]);
        assert!(r.starts_with("+Value at:0x"), "{}", r);
        r.splitn(3, ' ').nth(2).unwrap().to_string()
    }

    #[test]
    fn object_reports_encoding_and_lengths() {
        let mut t = debug_engine();
        put(&mut t, "foo", "bar");
        put(&mut t, "n", "123");
        put(&mut t, "big", &"x".repeat(100));
        put(&mut t, "neg", "-70000");
        put(&mut t, "text", "value:hello world hello world 67031value:85759");
        put(&mut t, "big2", &"ab".repeat(3000));
        put(&mut t, "s12", "123456789012");
        let lru = t.eng.state.lru_clock();
        assert_eq!(
            object_tail(&mut t, "foo"),
            format!("refcount:1 encoding:embstr serializedlength:4 lru:{} lru_seconds_idle:0\r\n", lru)
        );
        assert_eq!(
            object_tail(&mut t, "n"),
            format!("refcount:2147483647 encoding:int serializedlength:2 lru:{} lru_seconds_idle:0\r\n", lru)
        );
        assert_eq!(
            object_tail(&mut t, "neg"),
            format!("refcount:1 encoding:int serializedlength:5 lru:{} lru_seconds_idle:0\r\n", lru)
        );
        assert_eq!(
            object_tail(&mut t, "big"),
            format!("refcount:1 encoding:raw serializedlength:13 lru:{} lru_seconds_idle:0\r\n", lru)
        );
        assert_eq!(
            object_tail(&mut t, "text"),
            format!("refcount:1 encoding:raw serializedlength:40 lru:{} lru_seconds_idle:0\r\n", lru)
        );
        assert_eq!(
            object_tail(&mut t, "big2"),
            format!("refcount:1 encoding:raw serializedlength:81 lru:{} lru_seconds_idle:0\r\n", lru)
        );
        assert_eq!(
            object_tail(&mut t, "s12"),
            format!("refcount:1 encoding:int serializedlength:13 lru:{} lru_seconds_idle:0\r\n", lru)
        );
        t.advance_ms(5000);
        assert_eq!(
            object_tail(&mut t, "foo"),
            format!("refcount:1 encoding:embstr serializedlength:4 lru:{} lru_seconds_idle:5\r\n", lru)
        );
    }

    #[test]
    fn populate_creates_keys() {
        let mut t = debug_engine();
        for bad in
            [&["DEBUG", "POPULATE", "x"][..], &["DEBUG", "POPULATE", "-1"], &["DEBUG", "POPULATE", "2", "p", "x"]]
        {
            assert_eq!(t.resp(bad), "-ERR value is out of range, must be positive\r\n");
        }
        put(&mut t, "key:1", "keep");
        assert_eq!(t.resp(&["DEBUG", "POPULATE", "3"]), "+OK\r\n");
        assert_eq!(get(&mut t, "key:0").unwrap(), b"value:0");
        assert_eq!(get(&mut t, "key:1").unwrap(), b"keep");
        assert_eq!(t.resp(&["DEBUG", "POPULATE", "2", "pre", "5"]), "+OK\r\n");
        assert_eq!(get(&mut t, "pre:1").unwrap(), b"value");
        assert_eq!(t.resp(&["DEBUG", "POPULATE", "1", "pad", "9"]), "+OK\r\n");
        assert_eq!(get(&mut t, "pad:0").unwrap(), b"value:0\x00\x00");
        assert_eq!(t.resp(&["DBSIZE"]), ":6\r\n");
    }
}
