//! MEMORY USAGE | STATS | DOCTOR | MALLOC-STATS | PURGE | HELP, over the engine's
//! running memory accounting (see `db::keyspace` and `EngineState::used_memory`).

use super::help_reply;
use crate::cmd::{is, Args, Ctx};
use crate::db::keyspace::SLOT_BYTES;
use crate::engine::ENGINE_BASE_BYTES;
use crate::error::{CmdError, CmdResult};
use crate::reply::Reply;

/// `MEMORY USAGE key [SAMPLES count]`: bytes the key and its value hold, with their share
/// of the keyspace structures. Cinder's sizes are kept exactly, so SAMPLES (validated as
/// Redis does) changes nothing. The key is found without expiry, as Redis's `dictFind`.
pub fn memory_usage(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let key = args.take();
    while let Some(opt) = args.next() {
        if is(opt, "samples") && args.has_more() {
            let n = args.next_i64()?;
            if n < 0 {
                return Err(CmdError::Syntax);
            }
        } else {
            return Err(CmdError::Syntax);
        }
    }
    let ks = &ctx.db().keys;
    Ok(match ks.find(key) {
        Some(slot) => Reply::Int((ks.entry(slot).heap_bytes() + SLOT_BYTES) as i64),
        None => Reply::Nil,
    })
}

/// `MEMORY STATS`: Redis's field list with Cinder's accounting (allocator and RSS
/// fields only where the host knows them).
pub fn memory_stats(ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    let st = &mut *ctx.st;
    let used = st.used_memory();
    let peak = st.stats.observe_memory(used);
    let dataset = st.dataset_bytes();
    let overhead = used - dataset;
    let keys: usize = st.dbs.iter().map(|d| d.keys.len()).sum();
    let net = used.saturating_sub(ENGINE_BASE_BYTES).max(1);
    let mut m: Vec<(Reply, Reply)> = Vec::new();
    let int =
        |m: &mut Vec<(Reply, Reply)>, k: &str, v: usize| m.push((Reply::bulk(k.as_bytes()), Reply::Int(v as i64)));
    int(&mut m, "peak.allocated", peak);
    int(&mut m, "total.allocated", used);
    int(&mut m, "startup.allocated", ENGINE_BASE_BYTES);
    for k in [
        "replication.backlog",
        "clients.slaves",
        "clients.normal",
        "cluster.links",
        "aof.buffer",
        "lua.caches",
        "functions.caches",
    ] {
        int(&mut m, k, 0);
    }
    for (i, d) in st.dbs.iter().enumerate() {
        if d.keys.is_empty() {
            continue;
        }
        let (main, expires) = d.keys.overhead_split();
        let inner = vec![
            (Reply::bulk(&b"overhead.hashtable.main"[..]), Reply::Int(main as i64)),
            (Reply::bulk(&b"overhead.hashtable.expires"[..]), Reply::Int(expires as i64)),
            (Reply::bulk(&b"overhead.hashtable.slot-to-keys"[..]), Reply::Int(0)),
        ];
        m.push((Reply::bulk(format!("db.{i}").as_bytes()), Reply::Map(inner)));
    }
    int(&mut m, "overhead.total", overhead);
    int(&mut m, "keys.count", keys);
    int(&mut m, "keys.bytes-per-key", net.checked_div(keys).unwrap_or(0));
    int(&mut m, "dataset.bytes", dataset);
    let dbl = |m: &mut Vec<(Reply, Reply)>, k: &str, v: f64| m.push((Reply::bulk(k.as_bytes()), Reply::Double(v)));
    dbl(&mut m, "dataset.percentage", f32_pct(dataset, net));
    dbl(&mut m, "peak.percentage", f32_pct(used, peak));
    if let Some(a) = st.allocator_bytes() {
        m.push((Reply::bulk(&b"allocator.allocated"[..]), Reply::Int(a as i64)));
    }
    let rss = st.host.rss_bytes as usize;
    if rss > 0 {
        dbl(&mut m, "fragmentation", rss as f64 / used as f64);
        m.push((Reply::bulk(&b"fragmentation.bytes"[..]), Reply::Int(rss as i64 - used as i64)));
    }
    Ok(Reply::Map(m))
}

/// A percentage computed in C `float`, as Redis does before replying it as a double.
fn f32_pct(part: usize, whole: usize) -> f64 {
    (part as f32 * 100.0 / whole.max(1) as f32) as f64
}

/// Redis's `getMemoryDoctorReport`, for the conditions Cinder can observe: an almost
/// empty instance, a peak far above current use, high RSS overhead.
pub fn memory_doctor(ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    let st = &mut *ctx.st;
    let used = st.used_memory();
    let peak = st.stats.observe_memory(used);
    let rss = st.host.rss_bytes as usize;
    let text = if used < 5 * 1024 * 1024 {
        EMPTY.to_string()
    } else {
        let big_peak = peak as f32 / used as f32 > 1.5;
        let high_frag = rss > 0 && rss as f32 / used as f32 > 1.4 && rss.saturating_sub(used) > 10 << 20;
        if !big_peak && !high_frag {
            "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n"
                .to_string()
        } else {
            let mut s = String::from("Sam, I detected a few issues in this Redis instance memory implants:\n\n");
            if big_peak {
                s.push_str(BIG_PEAK);
            }
            if high_frag {
                s.push_str(HIGH_FRAG);
            }
            s.push_str("I'm here to keep you safe, Sam. I want to help you.\n");
            s
        }
    };
    Ok(Reply::Verbatim("txt", text.into_bytes()))
}

const EMPTY: &str = "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n";
const BIG_PEAK: &str = " * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n";
const HIGH_FRAG: &str = " * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means that the Resident Set Size of the Redis process is much larger than the sum of the logical allocations Redis performed). This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. If the problem is a large peak memory, then there is no issue. Otherwise, make sure you are using the Jemalloc allocator and not the default libc malloc. Note: The currently used allocator is \"libc\".\n\n";

/// `MEMORY MALLOC-STATS`: Redis replies this when its allocator has no report (libc).
pub fn memory_malloc_stats(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Ok(Reply::Verbatim("txt", b"Stats not supported for the current allocator".to_vec()))
}

/// `MEMORY PURGE`: nothing to hand back to the OS from the core; replies OK as Redis
/// does with allocators other than jemalloc.
pub fn memory_purge(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Ok(Reply::ok())
}

/// `MEMORY HELP`.
pub fn memory_help(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Ok(help_reply(&[
        "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DOCTOR",
        "    Return memory problems reports.",
        "MALLOC-STATS",
        "    Return internal statistics report from the memory allocator.",
        "PURGE",
        "    Attempt to purge dirty pages for reclamation by the allocator.",
        "STATS",
        "    Return information about the memory usage of the server.",
        "USAGE <key> [SAMPLES <count>]",
        "    Return memory in bytes used by <key> and its value. Nested values are",
        "    sampled up to <count> times (default: 5, 0 means sample all).",
        "HELP",
        "    Prints this help.",
    ]))
}
