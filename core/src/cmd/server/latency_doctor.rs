//! `LATENCY DOCTOR`'s report: Redis 7.0's `createLatencyReport` texts, for the events
//! this engine records, with the advice each event calls for.

use crate::engine::EngineState;
use crate::latency::LatencyMonitor;

/// One piece of advice, in the order Redis prints them.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Advice {
    BetterVm,
    SlowlogEnabled,
    SlowlogTuning,
    SlowlogInspect,
    Scheduler,
    LocalDisk,
    Ssd,
    DataWriteback,
    DiskContention,
    NoAppendfsync,
    RelaxFsync,
    WriteLoadInfo,
    Hz,
    LargeObjects,
    MassEviction,
}

/// The advice for one event; the number counted for it (Redis counts some twice).
fn advice_for(st: &EngineState, event: &str, out: &mut Vec<Advice>) -> usize {
    use Advice::*;
    let mut add = |a: &[Advice]| out.extend_from_slice(a);
    match event {
        "command" => {
            let mut n = 2;
            if st.config.slowlog_log_slower_than < 0 {
                add(&[SlowlogEnabled]);
                n += 1;
            } else if st.config.slowlog_log_slower_than / 1000 > st.config.latency_monitor_threshold {
                add(&[SlowlogTuning]);
                n += 1;
            }
            add(&[SlowlogInspect, LargeObjects]);
            n
        }
        "fast-command" => {
            add(&[Scheduler]);
            1
        }
        "aof-write-pending-fsync" => {
            add(&[LocalDisk, DiskContention, Ssd, DataWriteback]);
            4
        }
        "aof-write-active-child" => {
            add(&[NoAppendfsync, DataWriteback, Ssd]);
            3
        }
        "aof-write-alone" => {
            add(&[LocalDisk, DataWriteback, Ssd]);
            3
        }
        "aof-fsync-always" => {
            add(&[RelaxFsync]);
            1
        }
        "aof-fstat" | "rdb-unlink-temp-file" => {
            add(&[DiskContention, LocalDisk]);
            2
        }
        "aof-rewrite-diff-write" | "aof-rename" => {
            add(&[WriteLoadInfo, DataWriteback, Ssd, LocalDisk]);
            4
        }
        "expire-cycle" => {
            add(&[Hz, LargeObjects]);
            2
        }
        "eviction-del" => {
            add(&[LargeObjects]);
            1
        }
        "eviction-cycle" => {
            add(&[MassEviction]);
            1
        }
        _ => 0,
    }
}

/// The report text.
pub fn report(st: &EngineState, now_s: u64) -> String {
    let monitor = &st.introspection.latency;
    if monitor.is_empty() && st.config.latency_monitor_threshold == 0 {
        return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n".to_string();
    }
    let mut out = String::new();
    let mut advice = Vec::new();
    let mut advices = 0;
    let mut eventnum = 0;
    for (event, series) in monitor.events() {
        eventnum += 1;
        if eventnum == 1 {
            out.push_str("Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n");
        }
        let ls = LatencyMonitor::analyze(series, now_s);
        let period = if ls.samples == 0 { 0.0 } else { ls.period as f64 / ls.samples as f64 };
        out.push_str(&format!(
            "{}. {}: {} latency spikes (average {}ms, mean deviation {}ms, period {:.2} sec). Worst all time event {}ms.",
            eventnum, event, ls.samples, ls.avg, ls.mad, period, series.max
        ));
        if event == "fork" {
            // Redis's `stat_fork_rate`: GB of memory forked per second.
            let fork_us = st.persist.latest_fork_usec.max(1) as f64;
            let rate = st.used_memory() as f64 * 1_000_000.0 / fork_us / (1024.0 * 1024.0 * 1024.0);
            let quality = match rate {
                r if r < 10.0 => "terrible",
                r if r < 25.0 => "poor",
                r if r < 100.0 => "good",
                _ => "excellent",
            };
            if rate < 25.0 {
                advice.push(Advice::BetterVm);
                advices += 1;
            }
            out.push_str(&format!(" Fork rate is {:.2} GB/sec ({}).", rate, quality));
        }
        advices += advice_for(st, event, &mut advice);
        out.push('\n');
    }
    if eventnum == 0 && advices == 0 {
        out.push_str("Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n");
        return out;
    }
    if advices == 0 {
        out.push_str("\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n");
        return out;
    }
    advice.sort();
    advice.dedup();
    out.push_str("\nI have a few advices for you:\n\n");
    let threshold_us = st.config.latency_monitor_threshold as u64 * 1000;
    for a in advice {
        let text = match a {
            Advice::BetterVm => "- If you are using a virtual machine, consider upgrading it with a faster one using a hypervisior that provides less latency during fork() calls. Xen is known to have poor fork() performance. Even in the context of the same VM provider, certain kinds of instances can execute fork faster than others.\n".into(),
            Advice::SlowlogEnabled => format!("- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than {}'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n", threshold_us),
            Advice::SlowlogTuning => format!("- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than {}'.\n", threshold_us),
            Advice::SlowlogInspect => "- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n".into(),
            Advice::Scheduler => "- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n  1) Lower the system load.\n  2) Use a computer / VM just for Redis if you are running other software in the same system.\n  3) Check if you have a \"noisy neighbour\" problem.\n  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n".into(),
            Advice::LocalDisk => "- It is strongly advised to use local disks for persistence, especially if you are using AOF. Remote disks provided by platform-as-a-service providers are known to be slow.\n".into(),
            Advice::Ssd => "- SSD disks are able to reduce fsync latency, and total time needed for snapshotting and AOF log rewriting (resulting in smaller memory usage). With extremely high write load SSD disks can be a good option. However Redis should perform reasonably with high load using normal disks. Use this advice as a last resort.\n".into(),
            Advice::DataWriteback => "- Mounting ext3/4 filesystems with data=writeback can provide a performance boost compared to data=ordered, however this mode of operation provides less guarantees, and sometimes it can happen that after a hard crash the AOF file will have a half-written command at the end and will require to be repaired before Redis restarts.\n".into(),
            Advice::DiskContention => "- Try to lower the disk contention. This is often caused by other disk intensive processes running in the same computer (including other Redis instances).\n".into(),
            Advice::NoAppendfsync => "- Assuming from the point of view of data safety this is viable in your environment, you could try to enable the 'no-appendfsync-on-rewrite' option, so that fsync will not be performed while there is a child rewriting the AOF file or producing an RDB file (the moment where there is high disk contention).\n".into(),
            Advice::RelaxFsync if st.config.appendfsync == "always" => "- Your fsync policy is set to 'always'. It is very hard to get good performances with such a setup, if possible try to relax the fsync policy to 'onesec'.\n".into(),
            Advice::RelaxFsync => String::new(),
            Advice::WriteLoadInfo => "- Latency during the AOF atomic rename operation or when the final difference is flushed to the AOF file at the end of the rewrite, sometimes is caused by very high write load, causing the AOF buffer to get very large. If possible try to send less commands to accomplish the same work, or use Lua scripts to group multiple operations into a single EVALSHA call.\n".into(),
            Advice::Hz if st.config.hz < 100 => "- In order to make the Redis keys expiring process more incremental, try to set the 'hz' configuration parameter to 100 using 'CONFIG SET hz 100'.\n".into(),
            Advice::Hz => String::new(),
            Advice::LargeObjects => "- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n".into(),
            Advice::MassEviction => "- Sudden changes to the 'maxmemory' setting via 'CONFIG SET', or allocation of large objects via sets or sorted sets intersections, STORE option of SORT, Redis Cluster large keys migrations (RESTORE command), may create sudden memory pressure forcing the server to block trying to evict keys. \n".into(),
        };
        out.push_str(&text);
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::reply::Reply;
    use crate::testkit::TestEngine;

    fn doctor(t: &mut TestEngine) -> String {
        match t.cmd(&["LATENCY", "DOCTOR"]) {
            Reply::Verbatim("txt", b) => String::from_utf8(b).unwrap(),
            o => panic!("{:?}", o),
        }
    }

    #[test]
    fn report_follows_redis() {
        let mut t = TestEngine::new();
        assert!(doctor(&mut t).starts_with("I'm sorry, Dave, I can't do that."));
        t.cmd(&["CONFIG", "SET", "latency-monitor-threshold", "100"]);
        assert!(doctor(&mut t).starts_with("Dave, no latency spike was observed"));
        let now = t.eng.state.now_us / 1_000_000;
        t.eng.state.introspection.latency.add("command", 300, now - 10);
        t.eng.state.introspection.latency.add("command", 500, now);
        let d = doctor(&mut t);
        assert!(d.contains("1. command: 2 latency spikes (average 400ms, mean deviation 100ms, period 5.00 sec). Worst all time event 500ms.\n"), "{}", d);
        assert!(d.contains("\nI have a few advices for you:\n\n- Check your Slow Log"), "{}", d);
        assert!(d.contains("- Deleting, expiring or evicting"), "{}", d);
    }
}
