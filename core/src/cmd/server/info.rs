//! `INFO [section ...]`: the server report, section by section in Redis 7.0's order and
//! field names. Values Cinder does not have (replication, persistence, CPU, network
//! byte counts) are reported as an idle Redis without them would.

use std::fmt::Write;

use crate::cmd::{all_commands, Args, Ctx};
use crate::engine::EngineState;
use crate::error::CmdResult;
use crate::reply::Reply;

/// Sections `INFO` and `INFO default` print.
const DEFAULT_SECTIONS: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "module_list",
    "errorstats",
    "cluster",
    "keyspace",
];

/// Which sections were asked for.
struct Selection {
    /// `all` or `everything`.
    all: bool,
    /// Lowercased section names.
    names: Vec<String>,
}

impl Selection {
    fn parse(args: &[&[u8]]) -> Selection {
        if args.is_empty() {
            return Selection { all: false, names: DEFAULT_SECTIONS.iter().map(|s| s.to_string()).collect() };
        }
        let mut sel = Selection { all: false, names: Vec::new() };
        for a in args {
            let name = String::from_utf8_lossy(a).to_ascii_lowercase();
            match name.as_str() {
                "default" => sel.names.extend(DEFAULT_SECTIONS.iter().map(|s| s.to_string())),
                "all" | "everything" => sel.all = true,
                _ => sel.names.push(name),
            }
        }
        sel
    }

    /// Whether section `name` is printed (`all` covers every section).
    fn has(&self, name: &str) -> bool {
        self.all || self.names.iter().any(|n| n == name)
    }
}

/// `INFO`: a verbatim text reply (a bulk string in RESP2).
pub fn info(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let sel = Selection::parse(args.take_rest());
    let text = report(ctx.st, ctx.clients.len(), &sel);
    Ok(Reply::Verbatim("txt", text.into_bytes()))
}

/// Appends one `name:value` line.
/// INFO's persistence section, every Redis 7.0 field (the `aof_*` extras when the AOF is
/// on). Copy-on-write and fork-progress figures are not measured: 0.
fn persistence(out: &mut String, st: &crate::engine::EngineState) {
    use crate::persist::Child;
    let p = &st.persist;
    let now_s = st.now_us / 1_000_000;
    let ok = |b: bool| if b { "ok" } else { "err" };
    field(out, "loading", &(p.loading as u8));
    out.push_str("async_loading:0\r\n");
    out.push_str("current_cow_peak:0\r\n");
    out.push_str("current_cow_size:0\r\n");
    out.push_str("current_cow_size_age:0\r\n");
    out.push_str("current_fork_perc:0.00\r\n");
    out.push_str("current_save_keys_processed:0\r\n");
    out.push_str("current_save_keys_total:0\r\n");
    field(out, "rdb_changes_since_last_save", &p.dirty);
    field(out, "rdb_bgsave_in_progress", &((p.child == Child::Rdb) as u8));
    field(out, "rdb_last_save_time", &p.lastsave_s);
    field(out, "rdb_last_bgsave_status", &ok(p.last_bgsave_ok));
    field(out, "rdb_last_bgsave_time_sec", &p.rdb_save_time_last);
    field(out, "rdb_current_bgsave_time_sec", &p.child_seconds(Child::Rdb, now_s));
    field(out, "rdb_saves", &p.rdb_saves);
    out.push_str("rdb_last_cow_size:0\r\n");
    field(out, "rdb_last_load_keys_expired", &p.rdb_last_load_keys_expired);
    field(out, "rdb_last_load_keys_loaded", &p.rdb_last_load_keys_loaded);
    field(out, "aof_enabled", &(p.aof_on as u8));
    field(out, "aof_rewrite_in_progress", &((p.child == Child::Aof) as u8));
    field(out, "aof_rewrite_scheduled", &(p.aof_rewrite_scheduled as u8));
    field(out, "aof_last_rewrite_time_sec", &p.aof_rewrite_time_last);
    field(out, "aof_current_rewrite_time_sec", &p.child_seconds(Child::Aof, now_s));
    field(out, "aof_last_bgrewrite_status", &ok(p.aof_last_bgrewrite_ok));
    field(out, "aof_rewrites", &p.aof_rewrites);
    field(out, "aof_rewrites_consecutive_failures", &p.aof_rewrites_consecutive_failures);
    field(out, "aof_last_write_status", &ok(p.aof_write_error.is_none()));
    out.push_str("aof_last_cow_size:0\r\n");
    out.push_str("module_fork_in_progress:0\r\n");
    out.push_str("module_fork_last_cow_size:0\r\n");
    if st.config.appendonly {
        field(out, "aof_current_size", &p.aof_current_size);
        field(out, "aof_base_size", &p.aof_base_size);
        field(out, "aof_pending_rewrite", &(p.aof_rewrite_scheduled as u8));
        field(out, "aof_buffer_length", &p.aof_buffer_length);
        field(out, "aof_pending_bio_fsync", &p.aof_pending_bio_fsync);
        field(out, "aof_delayed_fsync", &p.aof_delayed_fsync);
    }
}

fn field(out: &mut String, name: &str, value: &dyn std::fmt::Display) {
    out.push_str(name);
    out.push(':');
    let _ = write!(out, "{}", value);
    out.push_str("\r\n");
}

/// Redis's `bytesToHuman`: `512B`, `1.50K`, `2.00M`, ...
pub fn bytes_to_human(n: u64) -> String {
    const UNITS: [(u64, &str); 5] = [(1 << 10, "K"), (1 << 20, "M"), (1 << 30, "G"), (1 << 40, "T"), (1 << 50, "P")];
    if n < 1024 {
        return format!("{}B", n);
    }
    for (i, (div, unit)) in UNITS.iter().enumerate() {
        if i + 1 == UNITS.len() || n < UNITS[i + 1].0 {
            return format!("{:.2}{}", n as f64 / *div as f64, unit);
        }
    }
    format!("{}B", n)
}

/// A stable 40-hex-digit id for this engine run (Redis's random `run_id`/`master_replid`),
/// derived from the start time and process id so it needs no randomness.
fn run_hex_id(st: &EngineState, salt: u64) -> String {
    let mut x = st.start_us ^ ((st.host.process_id as u64) << 32) ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut out = String::with_capacity(40);
    while out.len() < 40 {
        // splitmix64
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        let _ = write!(out, "{:016x}", z);
    }
    out.truncate(40);
    out
}

/// Builds the report text for the selected sections.
fn report(st: &mut EngineState, connected_clients: usize, sel: &Selection) -> String {
    let mut out = String::with_capacity(4096);
    let mut first = true;
    let mut section = |out: &mut String, title: &str| {
        if !first {
            out.push_str("\r\n");
        }
        first = false;
        out.push_str("# ");
        out.push_str(title);
        out.push_str("\r\n");
    };
    // Every line is `name:value\r\n`.
    macro_rules! line {
        ($($arg:tt)*) => {{
            let _ = write!(out, $($arg)*);
            out.push_str("\r\n");
        }};
    }

    if sel.has("server") {
        section(&mut out, "Server");
        let uptime = st.now_us.saturating_sub(st.start_us) / 1_000_000;
        field(&mut out, "redis_version", &(crate::REDIS_VERSION));
        out.push_str("redis_git_sha1:00000000\r\n");
        out.push_str("redis_git_dirty:0\r\n");
        out.push_str("redis_mode:standalone\r\n");
        field(&mut out, "os", &st.host.os);
        field(&mut out, "arch_bits", &(usize::BITS));
        field(&mut out, "multiplexing_api", &st.host.multiplexing_api);
        field(&mut out, "process_id", &st.host.process_id);
        out.push_str("process_supervised:no\r\n");
        field(&mut out, "run_id", &(run_hex_id(st, 1)));
        field(&mut out, "tcp_port", &st.host.tcp_port);
        field(&mut out, "server_time_usec", &st.now_us);
        field(&mut out, "uptime_in_seconds", &uptime);
        field(&mut out, "uptime_in_days", &(uptime / 86400));
        field(&mut out, "hz", &st.config.hz);
        field(&mut out, "configured_hz", &st.config.hz);
        field(&mut out, "lru_clock", &(st.lru_clock()));
        field(&mut out, "executable", &st.host.executable);
        field(&mut out, "config_file", &st.host.config_file);
        out.push_str("io_threads_active:0\r\n");
    }
    if sel.has("clients") {
        section(&mut out, "Clients");
        field(&mut out, "connected_clients", &connected_clients);
        out.push_str("cluster_connections:0\r\n");
        field(&mut out, "maxclients", &st.config.maxclients);
        field(&mut out, "client_recent_max_input_buffer", &st.host.max_input_buffer);
        field(&mut out, "client_recent_max_output_buffer", &st.host.max_output_buffer);
        field(&mut out, "blocked_clients", &(st.blocking.blocked_clients()));
        field(&mut out, "tracking_clients", &(st.tracking.client_count()));
        field(&mut out, "clients_in_timeout_table", &(st.blocking.clients_in_timeout_table()));
    }
    if sel.has("memory") {
        section(&mut out, "Memory");
        let used = st.used_memory();
        let peak = st.stats.observe_memory(used);
        let rss = st.host.rss_bytes;
        let ratio = |a: f64, b: f64| if b == 0.0 { 0.0 } else { a / b };
        field(&mut out, "used_memory", &used);
        field(&mut out, "used_memory_human", &(bytes_to_human(used as u64)));
        field(&mut out, "used_memory_rss", &rss);
        field(&mut out, "used_memory_rss_human", &(bytes_to_human(rss)));
        field(&mut out, "used_memory_peak", &peak);
        field(&mut out, "used_memory_peak_human", &(bytes_to_human(peak as u64)));
        line!("used_memory_peak_perc:{:.2}%", ratio(used as f64 * 100.0, peak as f64));
        let startup = crate::engine::ENGINE_BASE_BYTES;
        let dataset = st.dataset_bytes();
        field(&mut out, "used_memory_overhead", &(used - dataset));
        field(&mut out, "used_memory_startup", &startup);
        field(&mut out, "used_memory_dataset", &dataset);
        line!("used_memory_dataset_perc:{:.2}%", ratio(dataset as f64 * 100.0, (used - startup) as f64));
        if let Some(a) = st.allocator_bytes() {
            field(&mut out, "allocator_allocated", &a);
        }
        let sc = &st.scripting;
        let (vm_eval, vm_functions) = (sc.eval_vm_memory(), sc.functions_vm_memory());
        let (scripts_eval, functions_mem) = (sc.scripts_memory(), sc.functions_memory());
        let (functions, libraries) = sc.function_counts();
        field(&mut out, "used_memory_lua", &vm_eval);
        field(&mut out, "used_memory_vm_eval", &vm_eval);
        field(&mut out, "used_memory_lua_human", &(bytes_to_human(vm_eval as u64)));
        field(&mut out, "used_memory_scripts_eval", &scripts_eval);
        field(&mut out, "number_of_cached_scripts", &sc.cached_scripts());
        field(&mut out, "number_of_functions", &functions);
        field(&mut out, "number_of_libraries", &libraries);
        field(&mut out, "used_memory_vm_functions", &vm_functions);
        field(&mut out, "used_memory_vm_total", &(vm_eval + vm_functions));
        field(&mut out, "used_memory_vm_total_human", &(bytes_to_human((vm_eval + vm_functions) as u64)));
        field(&mut out, "used_memory_functions", &functions_mem);
        field(&mut out, "used_memory_scripts", &(scripts_eval + functions_mem));
        field(&mut out, "used_memory_scripts_human", &(bytes_to_human((scripts_eval + functions_mem) as u64)));
        field(&mut out, "maxmemory", &st.config.maxmemory);
        field(&mut out, "maxmemory_human", &(bytes_to_human(st.config.maxmemory)));
        field(&mut out, "maxmemory_policy", &(st.config.maxmemory_policy.name()));
        // Only meaningful where the host knows the process's resident size.
        if rss > 0 {
            line!("mem_fragmentation_ratio:{:.2}", ratio(rss as f64, used as f64));
            field(&mut out, "mem_fragmentation_bytes", &(rss as i64 - used as i64));
        }
        out.push_str("mem_not_counted_for_evict:0\r\n");
        field(&mut out, "mem_allocator", &(if st.host.multiplexing_api == "wasm" { "wasm" } else { "libc" }));
        out.push_str("lazyfree_pending_objects:0\r\n");
        field(&mut out, "lazyfreed_objects", &st.stats.lazyfreed_objects);
    }
    if sel.has("persistence") {
        section(&mut out, "Persistence");
        persistence(&mut out, st);
    }
    if sel.has("stats") {
        section(&mut out, "Stats");
        let s = &st.stats;
        field(&mut out, "total_connections_received", &s.connections_received);
        field(&mut out, "total_commands_processed", &s.commands_processed);
        out.push_str("instantaneous_ops_per_sec:0\r\n");
        out.push_str("total_net_input_bytes:0\r\n");
        out.push_str("total_net_output_bytes:0\r\n");
        field(&mut out, "rejected_connections", &s.rejected_connections);
        field(&mut out, "sync_full", &st.repl.sync_full);
        field(&mut out, "sync_partial_ok", &st.repl.sync_partial_ok);
        field(&mut out, "sync_partial_err", &st.repl.sync_partial_err);
        field(&mut out, "expired_keys", &(st.expired_keys()));
        line!("expired_stale_perc:{:.2}", s.expired_stale_perc * 100.0);
        out.push_str("expired_time_cap_reached_count:0\r\n");
        field(&mut out, "evicted_keys", &s.evicted_keys);
        field(&mut out, "evicted_clients", &s.evicted_clients);
        field(&mut out, "keyspace_hits", &s.keyspace_hits);
        field(&mut out, "keyspace_misses", &s.keyspace_misses);
        field(&mut out, "pubsub_channels", &(st.pubsub.channel_count()));
        field(&mut out, "pubsub_patterns", &(st.pubsub.numpat()));
        field(&mut out, "pubsubshard_channels", &(st.pubsub.shard_channel_count()));
        field(&mut out, "latest_fork_usec", &st.persist.latest_fork_usec);
        field(&mut out, "total_forks", &st.persist.total_forks);
        let cached = st.migrate_link.as_ref().map_or(0, |l| l.cached());
        field(&mut out, "migrate_cached_sockets", &cached);
        field(&mut out, "tracking_total_keys", &(st.tracking.total_keys()));
        field(&mut out, "tracking_total_items", &(st.tracking.total_items()));
        field(&mut out, "tracking_total_prefixes", &(st.tracking.total_prefixes()));
        out.push_str("unexpected_error_replies:0\r\n");
        field(&mut out, "total_error_replies", &s.error_replies);
        field(&mut out, "dump_payload_sanitizations", &s.dump_payload_sanitizations);
    }
    if sel.has("replication") {
        section(&mut out, "Replication");
        crate::cmd::server::replication::info_section(st, &mut out);
    }
    if sel.has("cpu") {
        section(&mut out, "CPU");
        out.push_str("used_cpu_sys:0.000000\r\n");
        out.push_str("used_cpu_user:0.000000\r\n");
        out.push_str("used_cpu_sys_children:0.000000\r\n");
        out.push_str("used_cpu_user_children:0.000000\r\n");
    }
    if sel.has("module_list") || sel.has("modules") {
        section(&mut out, "Modules");
    }
    if sel.has("commandstats") {
        section(&mut out, "Commandstats");
        for spec in all_commands() {
            let c = st.cmd_calls.get(spec);
            if c.calls + c.rejected + c.failed > 0 {
                let per_call = if c.calls == 0 { 0.0 } else { c.usec as f64 / c.calls as f64 };
                line!(
                    "cmdstat_{}:calls={},usec={},usec_per_call={:.2},rejected_calls={},failed_calls={}",
                    spec.name,
                    c.calls,
                    c.usec,
                    per_call,
                    c.rejected,
                    c.failed
                );
            }
        }
    }
    if sel.has("errorstats") {
        section(&mut out, "Errorstats");
        for (code, n) in &st.stats.errors_by_code {
            line!("errorstat_{}:count={}", code, n);
        }
    }
    if sel.has("latencystats") {
        section(&mut out, "Latencystats");
        if st.config.latency_tracking {
            for spec in all_commands() {
                let Some(h) = st.introspection.histograms.get(spec.id as usize) else { continue };
                let mut l = format!("latency_percentiles_usec_{}:", spec.name);
                for (j, p) in st.config.latency_tracking_info_percentiles.iter().enumerate() {
                    if j > 0 {
                        l.push(',');
                    }
                    l.push_str(&format!("p{}={:.3}", crate::config::fmt_percentile(*p), h.percentile_us(*p)));
                }
                line!("{}", l);
            }
        }
    }
    if sel.has("cluster") {
        section(&mut out, "Cluster");
        out.push_str("cluster_enabled:0\r\n");
    }
    if sel.has("keyspace") {
        section(&mut out, "Keyspace");
        for (i, db) in st.dbs.iter().enumerate() {
            let (keys, expires) = (db.keys.len(), db.keys.expires_len());
            if keys > 0 || expires > 0 {
                line!("db{}:keys={},expires={},avg_ttl={}", i, keys, expires, db.avg_ttl);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::TestEngine;
    use crate::types::Value;

    /// Stores a string directly (string commands live in another module).
    fn put(t: &mut TestEngine, db: usize, key: &str, val: &str, ttl_ms: Option<u64>) {
        let now = t.eng.state.now_ms();
        let d = &mut t.eng.state.dbs[db];
        let slot = d.set(key.as_bytes(), Value::from_bytes(val.as_bytes()), false, now, 0);
        if let Some(ttl) = ttl_ms {
            d.keys.set_expire(slot, now + ttl);
        }
    }

    fn info(t: &mut TestEngine, args: &[&str]) -> String {
        let mut a = vec!["INFO"];
        a.extend_from_slice(args);
        match t.cmd(&a) {
            Reply::Verbatim("txt", b) => String::from_utf8(b).unwrap(),
            other => panic!("{:?}", other),
        }
    }

    fn headers(text: &str) -> Vec<&str> {
        text.lines().filter(|l| l.starts_with('#')).collect()
    }

    #[test]
    fn human_sizes_match_redis() {
        assert_eq!(bytes_to_human(0), "0B");
        assert_eq!(bytes_to_human(1023), "1023B");
        assert_eq!(bytes_to_human(1366896), "1.30M");
        assert_eq!(bytes_to_human(7327744), "6.99M");
        assert_eq!(bytes_to_human(25276510208), "23.54G");
        assert_eq!(bytes_to_human(32768), "32.00K");
        assert_eq!(bytes_to_human(1 << 50), "1.00P");
    }

    #[test]
    fn section_selection_follows_redis() {
        let mut t = TestEngine::new();
        let all = [
            "# Server",
            "# Clients",
            "# Memory",
            "# Persistence",
            "# Stats",
            "# Replication",
            "# CPU",
            "# Modules",
            "# Commandstats",
            "# Errorstats",
            "# Latencystats",
            "# Cluster",
            "# Keyspace",
        ];
        assert_eq!(headers(&info(&mut t, &["all"])), all);
        assert_eq!(headers(&info(&mut t, &["everything", "server"])), all);
        let default: Vec<&str> =
            all.iter().copied().filter(|h| *h != "# Commandstats" && *h != "# Latencystats").collect();
        assert_eq!(headers(&info(&mut t, &[])), default);
        assert_eq!(headers(&info(&mut t, &["default"])), default);
        let with_cmdstats: Vec<&str> = all.iter().copied().filter(|h| *h != "# Latencystats").collect();
        assert_eq!(headers(&info(&mut t, &["default", "commandstats"])), with_cmdstats);
        assert_eq!(headers(&info(&mut t, &["clients", "SERVER", "foo"])), ["# Server", "# Clients"]);
        assert_eq!(info(&mut t, &["foo"]), "");
        assert_eq!(info(&mut t, &["modules"]), "# Modules\r\n");
        assert_eq!(info(&mut t, &["cluster", "cluster"]), "# Cluster\r\ncluster_enabled:0\r\n");
    }

    #[test]
    fn keyspace_and_resp3_reply() {
        let mut t = TestEngine::new();
        assert_eq!(t.resp(&["INFO", "keyspace"]), "$12\r\n# Keyspace\r\n\r\n");
        assert_eq!(t.resp3(&["INFO", "keyspace"]), "=16\r\ntxt:# Keyspace\r\n\r\n");
        put(&mut t, 0, "a", "1", None);
        put(&mut t, 0, "b", "1", Some(100_000));
        put(&mut t, 3, "c", "1", None);
        assert_eq!(
            info(&mut t, &["keyspace"]),
            "# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=0\r\ndb3:keys=1,expires=0,avg_ttl=0\r\n"
        );
        assert_eq!(
            info(&mut t, &["keyspace", "cluster"]),
            format!("# Cluster\r\ncluster_enabled:0\r\n\r\n{}", info(&mut t, &["keyspace"]))
        );
    }

    fn field(text: &str, name: &str) -> String {
        let prefix = format!("{}:", name);
        text.split("\r\n").find_map(|l| l.strip_prefix(&prefix)).unwrap_or_else(|| panic!("no {}", name)).to_string()
    }

    #[test]
    fn stats_and_commandstats() {
        let mut t = TestEngine::new();
        put(&mut t, 0, "k", "v", None);
        t.eng.state.stats.keyspace_hits = 3;
        t.eng.state.stats.keyspace_misses = 2;
        t.cmd(&["PING"]);
        t.cmd(&["ECHO", "x"]);
        t.cmd(&["ECHO"]);
        t.cmd(&["CLIENT"]);
        t.cmd(&["SELECT", "99"]);
        t.cmd(&["NOSUCH"]);
        t.cmd(&["PING"]);
        let text = info(&mut t, &["everything"]);
        assert_eq!(field(&text, "keyspace_hits"), "3");
        assert_eq!(field(&text, "keyspace_misses"), "2");
        assert_eq!(field(&text, "total_commands_processed"), "4");
        assert_eq!(field(&text, "total_error_replies"), "4");
        assert_eq!(field(&text, "total_connections_received"), "1");
        assert_eq!(field(&text, "connected_clients"), "1");
        assert_eq!(field(&text, "role"), "master");
        assert_eq!(field(&text, "redis_version"), "7.0.15");
        assert_eq!(field(&text, "cmdstat_ping"), "calls=2,usec=0,usec_per_call=0.00,rejected_calls=0,failed_calls=0");
        assert_eq!(field(&text, "cmdstat_echo"), "calls=1,usec=0,usec_per_call=0.00,rejected_calls=1,failed_calls=0");
        assert_eq!(field(&text, "cmdstat_client"), "calls=0,usec=0,usec_per_call=0.00,rejected_calls=1,failed_calls=0");
        assert_eq!(field(&text, "cmdstat_select"), "calls=1,usec=0,usec_per_call=0.00,rejected_calls=0,failed_calls=1");
        assert_eq!(field(&text, "errorstat_ERR"), "count=4");
        assert_eq!(field(&text, "run_id").len(), 40);
        assert!(text.ends_with("\r\n# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n"));
        t.cmd(&["CONFIG", "RESETSTAT"]);
        let text = info(&mut t, &["everything"]);
        assert_eq!(field(&text, "keyspace_hits"), "0");
        assert_eq!(field(&text, "total_error_replies"), "0");
        assert_eq!(
            field(&text, "cmdstat_config|resetstat"),
            "calls=1,usec=0,usec_per_call=0.00,rejected_calls=0,failed_calls=0"
        );
        assert!(!text.contains("cmdstat_ping"));
        assert!(!text.contains("errorstat_"));
    }

    #[test]
    fn memory_section_tracks_the_peak() {
        let mut t = TestEngine::new();
        let big = "x".repeat(100_000);
        put(&mut t, 0, "big", &big, None);
        let peak: usize = field(&info(&mut t, &["memory"]), "used_memory_peak").parse().unwrap();
        t.eng.state.dbs[0].remove(b"big", 0);
        let text = info(&mut t, &["memory"]);
        let used: usize = field(&text, "used_memory").parse().unwrap();
        assert_eq!(field(&text, "used_memory_peak").parse::<usize>().unwrap(), peak);
        assert!(used < peak);
        assert_eq!(field(&text, "maxmemory_human"), "0B");
        assert_eq!(field(&text, "maxmemory_policy"), "noeviction");
    }
}
