//! What Redis's `call()` does around a command besides running it: its duration from the
//! host's monotonic clock, the `command`/`fast-command` latency events, the slow log,
//! MONITOR, `INFO commandstats` microseconds and the `latency-tracking` histogram. A
//! blocked command is logged and measured when its wait ends (Redis's
//! `updateStatsOnUnblock`).
//!
//! The clock seam: `HostInfo::monotonic_us` (the server: `Instant`; wasm:
//! `performance.now()`); without one every duration is 0. Time the host spends sleeping
//! for DEBUG SLEEP after the command counts as the command's.

use super::{flags, CommandSpec};
use crate::client::Client;
use crate::engine::{EngineState, HostAction};
use crate::monitor::{self, Origin};
use crate::reply::Reply;

/// Where a command's measurement starts.
pub(crate) struct Start {
    t0: u64,
    actions: usize,
}

/// The host's monotonic clock in microseconds (0 without one).
#[inline]
pub fn clock_us(st: &EngineState) -> u64 {
    st.host.monotonic_us.map_or(0, |f| f())
}

/// Starts measuring a command.
#[inline]
pub(crate) fn start(st: &EngineState) -> Start {
    let t0 = st.clock_chain.last.take().unwrap_or_else(|| clock_us(st));
    Start { t0, actions: st.actions.len() }
}

/// The microseconds since `start`, with the DEBUG SLEEP the command asked the host for.
#[inline]
pub(crate) fn elapsed(st: &EngineState, start: &Start) -> u64 {
    let end = clock_us(st);
    if st.clock_chain.on {
        st.clock_chain.last.set(Some(end));
    }
    let mut d = end.saturating_sub(start.t0);
    if st.actions.len() > start.actions {
        for a in &st.actions[start.actions..] {
            if let HostAction::Sleep(us) = a {
                d += us;
            }
        }
    }
    d
}

/// After a command's handler: latency event, slow log, MONITOR, statistics. `argv` is
/// the request (shown redacted where the handler asked).
#[inline]
pub(crate) fn finish(
    st: &mut EngineState,
    client: &mut Client,
    spec: &'static CommandSpec,
    argv: &[&[u8]],
    start: Start,
    reply: &Reply,
) {
    let duration = elapsed(st, &start);
    if client.loader {
        st.introspection.redacted.clear();
        return;
    }
    let blocked = matches!(reply, Reply::Blocked);
    if st.config.latency_monitor_threshold > 0 {
        let event = if spec.has(flags::FAST) { "fast-command" } else { "command" };
        let now_s = st.now_us / 1_000_000;
        st.introspection.latency.add_if_needed(st.config.latency_monitor_threshold, event, duration / 1000, now_s);
    }
    if !blocked {
        slowlog_push(st, client, spec, argv, duration);
    } else if let Some(w) = client.wait.as_mut() {
        // Logged when the wait ends, with the time spent running.
        w.exec_us = duration;
        if st.config.slowlog_log_slower_than >= 0 {
            w.argv = st.introspection.redact(argv).iter().map(|a| a.to_vec()).collect();
        }
    }
    if st.introspection.monitors.any() && !spec.has(flags::SKIP_MONITOR | flags::ADMIN) && !feeds_before(spec) {
        feed_monitors(st, client, argv);
    }
    st.cmd_calls.of(spec).usec += duration;
    if st.config.latency_tracking && !blocked {
        st.introspection.histograms.record(spec.id as usize, duration);
    }
    st.introspection.redacted.clear();
}

/// Redis's `slowlogPushCurrentCommand`.
fn slowlog_push(st: &mut EngineState, client: &Client, spec: &CommandSpec, argv: &[&[u8]], duration: u64) {
    if spec.has(flags::SKIP_SLOWLOG) || st.config.slowlog_log_slower_than < 0 {
        return;
    }
    if (duration as i64) < st.config.slowlog_log_slower_than {
        // Still trimmed when the length shrank (Redis trims on every push attempt).
        st.introspection.slowlog.trim(st.config.slowlog_max_len);
        return;
    }
    let argv = st.introspection.redact(argv);
    let peer = peer_id(client);
    let name = client.name.as_deref().unwrap_or(b"");
    let (slower, max, now) = (st.config.slowlog_log_slower_than, st.config.slowlog_max_len, st.now_us / 1_000_000);
    st.introspection.slowlog.push_if_needed(slower, max, &argv, duration, now, &peer, name);
}

/// Redis's `getClientPeerId`: `ip:port`, `path:0` for a unix socket, `?:0` for a
/// script's client.
fn peer_id(client: &Client) -> String {
    if client.script {
        "?:0".to_string()
    } else if client.conn.addr.starts_with('/') {
        format!("{}:0", client.conn.addr)
    } else {
        client.conn.addr.clone()
    }
}

/// Redis's `replicationFeedMonitors`: one status line per monitor.
pub(crate) fn feed_monitors(st: &mut EngineState, client: &Client, argv: &[&[u8]]) {
    if st.persist.loading || client.loader {
        return;
    }
    let argv = st.introspection.redact(argv);
    let origin = if client.script { Origin::Lua } else { Origin::Peer(&client.conn.addr) };
    let line = monitor::line(st.now_us, client.db, origin, &argv);
    for &h in st.introspection.monitors.clients() {
        let r = Reply::Simple(std::borrow::Cow::Owned(line.clone()));
        if h == client.handle {
            // A monitor's own command: Redis adds the line after the reply.
            st.pubsub.push_late(h, r);
        } else {
            st.pubsub.push(h, r);
        }
    }
}

/// A blocked command's wait ended after `total_us` of running and serving: its slow
/// log entry and its histogram sample (Redis's `updateStatsOnUnblock`).
pub(crate) fn unblocked(
    st: &mut EngineState,
    client: &Client,
    spec: &'static CommandSpec,
    argv: &[Vec<u8>],
    total_us: u64,
) {
    if !argv.is_empty() {
        let refs: Vec<&[u8]> = argv.iter().map(|a| a.as_slice()).collect();
        slowlog_push(st, client, spec, &refs, total_us);
    }
    if st.config.latency_tracking {
        st.introspection.histograms.record(spec.id as usize, total_us);
    }
}

/// Whether the command feeds monitors before it runs (EVAL and FCALL, whose scripts'
/// commands must follow them).
#[inline]
pub(crate) fn feeds_before(spec: &CommandSpec) -> bool {
    matches!(spec.name, "eval" | "eval_ro" | "evalsha" | "evalsha_ro" | "fcall" | "fcall_ro")
}

/// Redis's `processCommand` for a MONITOR client (a replica): commands that read, write
/// or may replicate are refused.
pub(crate) fn monitor_rejects(st: &EngineState, client: &Client, spec: &CommandSpec, argv: &[&[u8]]) -> Option<Reply> {
    let touches = spec.has(flags::READONLY | flags::WRITE | flags::MAY_REPLICATE)
        || super::server::pause::may_replicate(st, client, spec, argv);
    touches.then(|| Reply::error("ERR Replica can't interact with the keyspace"))
}

impl<'a> super::Ctx<'a> {
    /// Redis's `redactClientCommandArgument`: argument `i` of the request shows as
    /// `(redacted)` in the slow log and to monitors (passwords, secrets).
    pub fn redact(&mut self, i: usize) {
        self.st.introspection.redacted.push(i);
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use crate::engine::{EngineOptions, HostInfo};
    use crate::reply::Reply;
    use crate::testkit::{TestEngine, T0_US};

    thread_local! {
        static NOW: Cell<u64> = const { Cell::new(0) };
    }

    /// A host clock that advances 1.5 ms at every read: each command lasts 1500 us.
    fn ticking_clock() -> u64 {
        NOW.with(|c| {
            let v = c.get();
            c.set(v + 1500);
            v
        })
    }

    fn engine() -> TestEngine {
        let host = HostInfo { monotonic_us: Some(ticking_clock), ..Default::default() };
        let config = crate::config::Config { enable_debug_command: "yes".into(), ..Default::default() };
        TestEngine::with_options(EngineOptions { seed: 1, now_us: T0_US, host, config })
    }

    fn info(t: &mut TestEngine, section: &str) -> String {
        match t.cmd(&["INFO", section]) {
            Reply::Verbatim(_, b) => String::from_utf8(b).unwrap(),
            o => panic!("{:?}", o),
        }
    }

    #[test]
    fn chained_commands_read_the_clock_once_each() {
        let mut t = engine();
        t.cmd(&["CONFIG", "RESETSTAT"]);
        let before = NOW.with(|c| c.get());
        t.eng.chain_clock(true);
        for _ in 0..4 {
            t.cmd(&["SET", "k", "v"]);
        }
        t.eng.chain_clock(false);
        // Five readings for four commands (one each, plus the first start), and each
        // command still lasts one tick of the clock.
        assert_eq!((NOW.with(|c| c.get()) - before) / 1500, 5);
        let stats = info(&mut t, "commandstats");
        assert!(stats.contains("cmdstat_set:calls=4,usec=6000,usec_per_call=1500.00,"), "{}", stats);
        // Off again: two readings a command.
        let before = NOW.with(|c| c.get());
        t.cmd(&["SET", "k", "v"]);
        assert_eq!((NOW.with(|c| c.get()) - before) / 1500, 2);
    }

    #[test]
    fn durations_come_from_the_host_clock() {
        let mut t = engine();
        t.cmd(&["CONFIG", "SET", "slowlog-log-slower-than", "1000"]);
        t.cmd(&["CONFIG", "SET", "latency-monitor-threshold", "1"]);
        t.cmd(&["CONFIG", "RESETSTAT"]);
        t.cmd(&["SLOWLOG", "RESET"]);
        t.cmd(&["SET", "k", "v"]);
        t.cmd(&["SET", "k", "v"]);
        let stats = info(&mut t, "commandstats");
        assert!(stats.contains("cmdstat_set:calls=2,usec=3000,usec_per_call=1500.00,"), "{}", stats);
        let lat = info(&mut t, "latencystats");
        assert!(lat.contains("latency_percentiles_usec_set:p50=1507.327,p99=1507.327,p99.9=1507.327"), "{}", lat);
        // Newest first: the two INFO commands, then the second SET.
        let Reply::Array(log) = t.cmd(&["SLOWLOG", "GET", "3"]) else { panic!() };
        let Reply::Array(e) = &log[2] else { panic!() };
        assert_eq!(e[2], Reply::Int(1500));
        assert_eq!(e[3], Reply::Array(vec![Reply::bulk(b"SET"), Reply::bulk(b"k"), Reply::bulk(b"v")]));
        // SET is not `fast`: the `command` event; the last sample of its second.
        let Reply::Array(latest) = t.cmd(&["LATENCY", "LATEST"]) else { panic!() };
        assert!(latest
            .iter()
            .any(|e| matches!(e, Reply::Array(f) if f[0] == Reply::bulk(b"command") && f[2] == Reply::Int(1))));
        // DEBUG SLEEP's host sleep counts as the command's time.
        t.cmd(&["DEBUG", "SLEEP", "0.25"]);
        let Reply::Array(log) = t.cmd(&["SLOWLOG", "GET", "1"]) else { panic!() };
        let Reply::Array(e) = &log[0] else { panic!() };
        assert_eq!(e[2], Reply::Int(251_500));
    }

    #[test]
    fn blocked_commands_are_logged_when_served() {
        let mut t = engine();
        let waiter = t.connect();
        t.cmd(&["CONFIG", "SET", "slowlog-log-slower-than", "0"]);
        assert_eq!(t.cmd_as(waiter, &["BLPOP", "l", "0"]), Reply::Blocked);
        t.cmd(&["SLOWLOG", "RESET"]);
        t.cmd(&["RPUSH", "l", "x"]);
        let Reply::Array(log) = t.cmd(&["SLOWLOG", "GET"]) else { panic!() };
        let cmds: Vec<Reply> = log
            .iter()
            .map(|e| match e {
                Reply::Array(f) => f[3].clone(),
                o => panic!("{:?}", o),
            })
            .collect();
        // Newest first: the served BLPOP after the RPUSH that served it.
        assert_eq!(cmds[0], Reply::Array(vec![Reply::bulk(b"BLPOP"), Reply::bulk(b"l"), Reply::bulk(b"0")]));
        assert_eq!(cmds[1], Reply::Array(vec![Reply::bulk(b"RPUSH"), Reply::bulk(b"l"), Reply::bulk(b"x")]));
    }
}
