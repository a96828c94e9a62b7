//! Client buffers as Redis accounts them: the `qbuf`/`obl`/`oll`/`omem` figures of CLIENT
//! LIST measured from a connection's real buffers, `client-output-buffer-limit`
//! enforcement (with Redis's log lines), the query-buffer limit's log line, and
//! `maxmemory-clients` client eviction.
//!
//! Redis keeps the first bytes of pending output in a fixed buffer (`obl`) and the rest
//! in a list of 16 KiB blocks (`oll` blocks, `omem` bytes); the limits apply to `omem`.
//! Here the output is one contiguous buffer, split the same way for the figures.

use cinder_core::client::Client;
use cinder_core::netconf::{over_limit, ClientIo, ObufClass, ReplyBufferKnobs};
use cinder_core::Engine;

use crate::conn::Conn;

/// Redis's PROTO_REPLY_CHUNK_BYTES: the size of a reply list block.
pub const REPLY_CHUNK: u64 = 16 * 1024;

/// Redis's PROTO_REPLY_MIN_BYTES: the smallest fixed reply buffer.
const REPLY_MIN: usize = 1024;

/// Per-block bookkeeping Redis adds to `omem` (`sizeof(listNode) + sizeof(clientReplyBlock)`).
const BLOCK_OVERHEAD: u64 = 24 + 16;

/// Redis's PROTO_RESIZE_THRESHOLD: a query buffer bigger than this shrinks to its recent peak.
const RESIZE_THRESHOLD: usize = 32 * 1024;

/// Redis's `clientsCronResizeQueryBuffer`: a query buffer wasting more than 4 KiB is freed
/// when the client idled over 2 seconds, or trimmed to its recent peak when it is over
/// 32 KiB and twice that peak; then the peak restarts from what the buffer holds.
pub fn resize_query_buffer(conn: &mut Conn, now_ms: u64) {
    let used = conn.rend - conn.rstart;
    let needed = conn.parser.needed_len().unwrap_or(0);
    let alloc = conn.rbuf.len();
    if alloc - used > 4 * 1024 {
        let idle_s = now_ms.saturating_sub(conn.last_io_ms) / 1000;
        let target = if idle_s > 2 {
            Some(used.max(needed))
        } else if alloc > RESIZE_THRESHOLD && alloc / 2 > conn.qbuf_peak {
            Some(used.max(conn.qbuf_peak).max(needed))
        } else {
            None
        };
        if let Some(target) = target {
            conn.rbuf.copy_within(conn.rstart..conn.rend, 0);
            conn.rstart = 0;
            conn.rend = used;
            conn.rbuf.truncate(target.max(used));
            conn.rbuf.shrink_to_fit();
        }
    }
    conn.qbuf_peak = used.max(needed);
}

/// The buffer figures of `conn`.
pub fn measure(conn: &Conn) -> ClientIo {
    let pending = conn.pending_output() as u64;
    // Output that overflows the fixed buffer is all counted in the list, as Redis does
    // for its many replies of deferred length (after one, nothing goes to the buffer).
    let obl = if pending <= conn.rbs as u64 { pending } else { 0 };
    let list = pending - obl;
    let oll = list.div_ceil(REPLY_CHUNK);
    ClientIo {
        qbuf: conn.unparsed_len() as u64,
        // Redis allocates a big argument's announced size at once; the buffer here grows
        // as the data arrives, but counts as Redis's would.
        qbuf_free: match conn.parser.needed_len() {
            Some(n) => conn.rstart.saturating_add(n).saturating_sub(conn.rend),
            None => conn.rbuf.len() - conn.rend,
        } as u64,
        obl,
        oll,
        omem: if oll == 0 { 0 } else { list + oll * BLOCK_OVERHEAD },
        writing: conn.write_interest || conn.tls.as_ref().is_some_and(|t| t.wants_write()),
        rbs: conn.rbs as u64,
        rbp: conn.rbp as u64,
    }
}

/// Notes the fixed reply buffer's use after output was added (Redis's `buf_peak`).
fn note_output(conn: &mut Conn) {
    conn.rbp = conn.rbp.max(conn.pending_output().min(conn.rbs));
}

/// Redis's `clientsCronResizeOutputBuffer`: the fixed reply buffer halves towards its
/// recent peak (not under 1 KiB) or doubles (up to 16 KiB) when the peak filled it; the
/// peak restarts every `DEBUG REPLYBUFFER PEAK-RESET-TIME` milliseconds.
pub fn resize_reply_buffer(conn: &mut Conn, now_ms: u64, knobs: ReplyBufferKnobs) {
    if !knobs.resizing {
        return;
    }
    let (shrink, expand) = (conn.rbs / 2, conn.rbs * 2);
    let mut new = 0;
    if shrink >= REPLY_MIN && conn.rbp < shrink {
        new = REPLY_MIN.max(conn.rbp + 1);
    } else if expand < 2 * REPLY_CHUNK as usize && conn.rbp == conn.rbs {
        new = expand.min(REPLY_CHUNK as usize);
    }
    if knobs.peak_reset_ms >= 0 && now_ms.saturating_sub(conn.rbp_reset_ms) >= knobs.peak_reset_ms as u64 {
        conn.rbp = conn.pending_output().min(conn.rbs);
        conn.rbp_reset_ms = now_ms;
    }
    if new != 0 {
        conn.rbs = new;
    }
}

/// Stores `conn`'s figures in its engine client (what CLIENT LIST shows).
pub fn sync(engine: &mut Engine, conn: &Conn) {
    let io = measure(conn);
    if let Some(c) = engine.clients.get_mut(conn.handle) {
        c.io = io;
    }
}

/// Redis's `getClientType` for the limits: subscribers are `pubsub`, the rest `normal`.
fn class_of(c: &Client) -> ObufClass {
    if c.pubsub.is_some() {
        ObufClass::Pubsub
    } else {
        ObufClass::Normal
    }
}

/// Refreshes `conn`'s figures and tells whether its output buffer is over its class's
/// limit (Redis's `closeClientOnOutputBufferLimitReached` test, `now_s` in unix seconds).
pub fn over(engine: &mut Engine, conn: &mut Conn, now_s: u64) -> bool {
    note_output(conn);
    let io = measure(conn);
    let limits = engine.state.config.obuf_limits;
    let Some(c) = engine.clients.get_mut(conn.handle) else {
        return false;
    };
    c.io = io;
    if io.omem == 0 {
        return false;
    }
    over_limit(limits.of(class_of(c)), io.omem, now_s, &mut conn.obuf_soft_since)
}

/// Logs the close of a client over its output limit: `scheduled` after a write into the
/// buffer (Redis's async close), else from the cron.
pub fn log_over_limit(engine: &Engine, conn: &Conn, scheduled: bool) {
    let info = client_info(engine, conn);
    crate::log::warning(&if scheduled {
        format!("Client {} scheduled to be closed ASAP for overcoming of output buffer limits.", info)
    } else {
        format!("Client {} closed for overcoming of output buffer limits.", info)
    });
}

/// Logs the close of a client whose query buffer passed `client-query-buffer-limit`.
pub fn log_query_limit(engine: &Engine, conn: &Conn) {
    let start = &conn.rbuf[conn.rstart..conn.rend.min(conn.rstart + 64)];
    let head: String = start.iter().map(|&b| std::ascii::escape_default(b).to_string()).collect();
    crate::log::warning(&format!(
        "Closing client that reached max query buffer length: {} (qbuf initial bytes: \"{}\")",
        client_info(engine, conn),
        head
    ));
}

/// The CLIENT LIST line of `conn`'s client.
fn client_info(engine: &Engine, conn: &Conn) -> String {
    engine
        .client(conn.handle)
        .map(|c| cinder_core::cmd::connection::info_line_for(&engine.state, c))
        .unwrap_or_default()
}

/// What `maxmemory-clients` allows all clients together (`None`: no limit). A percentage
/// is of `maxmemory` (Redis's `getClientEvictionLimit`).
pub fn eviction_limit(engine: &Engine) -> Option<u64> {
    let cfg = &engine.state.config;
    match cfg.maxmemory_clients {
        0 => None,
        n if n > 0 => Some(n as u64),
        pct => {
            let limit = (cfg.maxmemory as u128 * (-pct) as u128 / 100) as u64;
            (limit > 0).then_some(limit)
        }
    }
}

/// Memory a client costs (CLIENT LIST's `tot-mem`, the measure of client eviction), with
/// its buffer figures refreshed first.
pub fn client_memory(engine: &mut Engine, conn: &Conn) -> u64 {
    sync(engine, conn);
    let watched = engine.state.watches.keys_of(conn.handle);
    engine.client(conn.handle).map_or(0, |c| c.memory_bytes(watched) as u64)
}

/// Which clients to evict so the total gets under `limit`: the biggest first, never
/// those marked `no_evict` (Redis's `evictClients` over its memory buckets; their memory
/// still counts). `clients` holds (slot, memory, no_evict).
pub fn pick_evictions(clients: &[(usize, u64, bool)], limit: u64) -> Vec<usize> {
    let mut total: u64 = clients.iter().map(|c| c.1).sum();
    if total < limit {
        return Vec::new();
    }
    let mut order: Vec<&(usize, u64, bool)> = clients.iter().filter(|c| !c.2).collect();
    order.sort_by_key(|c| std::cmp::Reverse(c.1));
    let mut out = Vec::new();
    for (slot, mem, _) in order {
        if total < limit {
            break;
        }
        total -= mem;
        out.push(*slot);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evicts_biggest_first_and_spares_no_evict() {
        let clients = [(0, 100, false), (1, 5000, true), (2, 3000, false), (3, 2000, false)];
        assert_eq!(pick_evictions(&clients, 20000), Vec::<usize>::new());
        assert_eq!(pick_evictions(&clients, 8000), vec![2]);
        assert_eq!(pick_evictions(&clients, 7100), vec![2, 3], "evicts while the total is at the limit");
        assert_eq!(pick_evictions(&clients, 5500), vec![2, 3]);
        // The no-evict client alone is over the limit: everyone else goes, it stays.
        assert_eq!(pick_evictions(&clients, 10), vec![2, 3, 0]);
    }
}
