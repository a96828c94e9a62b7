//! Snapshots and the effect log of the npm package's persistence (`db.save()`,
//! `db.load()`, `Cinder.open()`): the JS side (`js/src/storage/`) decides where bytes go;
//! this module makes them.
//!
//! - [`rdb_save`] / [`rdb_load`]: whole RDB files (`cinder_core::rdb`), loadable by
//!   redis-server 7.0.15; a bad file is Redis's error and leaves the engine unchanged.
//! - [`log_enable`] / [`log_take`]: the propagation hook's effects (what an AOF gets),
//!   encoded exactly as AOF content: RESP commands, `SELECT` when the database changes
//!   and first in each record (each [`log_take`]), `MULTI`/`EXEC` units.
//! - [`log_replay`]: runs such a log through the engine without propagating it, with the
//!   clock at 0 as Redis loads an AOF (nothing expires while loading).

use cinder_core::db::access;
use cinder_core::propagate::{Op, Target};
use cinder_core::rdb::{LoadOptions, SaveOptions};
use cinder_core::resp::{Parse, ParseLimits, RequestParser};
use cinder_core::{ConnInfo, Engine};
use wasm_bindgen::prelude::*;

use crate::instances;

/// Per-instance state of the effect log.
#[derive(Debug, Default)]
pub struct LogState {
    /// The database the log last selected (`None`: the next operation writes `SELECT`).
    selected: Option<usize>,
}

/// Appends `prefix`, `n` in decimal and CRLF (no allocation).
fn header(out: &mut Vec<u8>, prefix: u8, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.push(prefix);
    out.extend_from_slice(&digits[i..]);
    out.extend_from_slice(b"\r\n");
}

/// Appends `argv` as a RESP array of bulk strings.
pub fn encode_command(out: &mut Vec<u8>, argv: &[impl AsRef<[u8]>]) {
    header(out, b'*', argv.len());
    for a in argv {
        let a = a.as_ref();
        header(out, b'$', a.len());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

impl LogState {
    /// Appends `ops` as AOF content (replica-only operations skipped).
    pub fn encode(&mut self, ops: &[Op], out: &mut Vec<u8>) {
        for op in ops.iter().filter(|o| o.target == Target::All) {
            if self.selected != Some(op.db) {
                encode_command(out, &[&b"SELECT"[..], op.db.to_string().as_bytes()]);
                self.selected = Some(op.db);
            }
            encode_command(out, &op.argv);
        }
    }
}

/// Writes the engine's keyspace as an RDB file (`rdbcompression`/`rdbchecksum` apply).
pub fn save(engine: &Engine) -> Vec<u8> {
    let cfg = &engine.state.config;
    let opts = SaveOptions { compression: cfg.rdbcompression, checksum: cfg.rdbchecksum, ..Default::default() };
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = cinder_core::engine::rdb::save(engine, &opts, &mut out);
    out
}

/// Replaces the keyspace with an RDB file's; `Err` is Redis's message, nothing changed.
pub fn load(engine: &mut Engine, bytes: &[u8]) -> Result<u64, String> {
    cinder_core::engine::rdb::load(engine, bytes, &LoadOptions::default()).map(|i| i.keys).map_err(|e| e.message)
}

/// Replays AOF content through the engine without propagating it. A command cut short
/// at the end (a crash mid-append) and an unterminated `MULTI` are dropped, as Redis does
/// with `aof-load-truncated yes`. Returns the number of commands run; `Err` for content
/// that is not RESP or a command the engine does not know.
pub fn replay(engine: &mut Engine, bytes: &[u8]) -> Result<u64, String> {
    let h = engine.connect(ConnInfo::default()).map_err(|_| "cannot create the log loading client".to_string())?;
    if let Some(c) = engine.clients.get_mut(h) {
        c.authenticated = true;
    }
    let was_on = engine.state.propagation.is_enabled();
    engine.set_propagation(false);
    let real_now = engine.state.now_us;
    engine.set_time_us(0);
    let mut parser = RequestParser::new();
    let limits = ParseLimits { proto_max_bulk_len: u64::MAX / 2, auth_required: false };
    let mut at = 0;
    let mut n = 0u64;
    let mut result = Ok(());
    while at < bytes.len() {
        // Annotations (`#TS:...` with aof-timestamp-enabled) are skipped, as Redis does.
        if bytes[at] == b'#' {
            match bytes[at..].iter().position(|&c| c == b'\n') {
                Some(nl) => {
                    at += nl + 1;
                    continue;
                }
                None => break,
            }
        }
        let input = &bytes[at..];
        match parser.parse(input, &limits) {
            Parse::Incomplete => break,
            Parse::Error(e) => {
                result = Err(format!("Bad file format reading the append only log ({})", e.reason()));
                break;
            }
            Parse::Command(used) => {
                let mut argv: Vec<&[u8]> = Vec::new();
                parser.argv(input, &mut argv);
                if !argv.is_empty() {
                    let reply = engine.execute(h, &argv);
                    if let cinder_core::Reply::Error(e) = &reply {
                        if e.starts_with("ERR unknown command") {
                            result = Err(format!(
                                "Unknown command '{}' reading the append only log",
                                String::from_utf8_lossy(argv[0])
                            ));
                            break;
                        }
                    }
                    n += 1;
                }
                parser.reset();
                at += used;
            }
        }
    }
    // A MULTI without its EXEC is discarded with the client.
    engine.disconnect(h);
    engine.state.stats.connections_received = engine.state.stats.connections_received.saturating_sub(1);
    engine.set_time_us(real_now);
    engine.set_propagation(was_on);
    if n > 0 {
        refresh_replayed_access(engine);
    }
    result.map(|()| n)
}

/// The keys the replay wrote got LRU/LFU bits for time 0 (the clock while loading): they
/// get the bits of a key written now instead, as after Redis's AOF load. Keys from the
/// snapshot that the log did not touch keep theirs. (A snapshot key whose own bits read
/// as time 0, i.e. last accessed in the one minute every 45 days (LFU) or the one second
/// every 194 days (LRU) when the wrapping clocks read 0, is refreshed too.)
fn refresh_replayed_access(engine: &mut Engine) {
    let st = &mut engine.state;
    let fresh = st.new_access();
    let lfu = access::is_lfu(st.config.maxmemory_policy);
    for db in st.dbs.iter_mut() {
        for slot in 0..db.keys.slot_count() as u32 {
            if db.keys.slot(slot).is_none() {
                continue;
            }
            let a = db.keys.access_mut(slot);
            let at_zero = if lfu { *a >> 8 == 0 } else { *a & 0xFF_FFFF == 0 };
            if at_zero {
                *a = fresh;
            }
        }
    }
}

/// Runs `f` on instance `id`'s engine and log state.
fn with<R>(id: u32, f: impl FnOnce(&mut Engine, &mut LogState) -> R) -> Result<R, JsError> {
    crate::panic::check()?;
    instances::with(id, |i| {
        let r = f(i.host.engine_mut(), &mut i.log);
        i.update_meta();
        r
    })
    .ok_or_else(|| JsError::new("cinderkv: this instance was freed"))
}

/// `db.save()`: the keyspace of instance `id` as an RDB file.
#[wasm_bindgen(js_name = rdbSave)]
pub fn rdb_save(id: u32) -> Result<Vec<u8>, JsError> {
    with(id, |e, _| save(e))
}

/// `db.load(bytes)`: replaces instance `id`'s keyspace with an RDB file's. Returns the
/// number of keys loaded; throws Redis's message for a bad file (nothing changed).
#[wasm_bindgen(js_name = rdbLoad)]
pub fn rdb_load(id: u32, bytes: &[u8]) -> Result<f64, JsError> {
    with(id, |e, _| load(e, bytes))?.map(|n| n as f64).map_err(|m| JsError::new(&m))
}

/// Turns the effect log of instance `id` on or off (a new log starts with `SELECT`).
#[wasm_bindgen(js_name = logEnable)]
pub fn log_enable(id: u32, on: bool) -> Result<(), JsError> {
    with(id, |e, l| {
        e.set_propagation(on);
        e.take_propagated();
        l.selected = None;
    })
}

/// Whether instance `id` has effects waiting for [`log_take`].
#[wasm_bindgen(js_name = logPending)]
pub fn log_pending(id: u32) -> bool {
    instances::with(id, |i| i.host.engine_mut().state.propagation.has_output()).unwrap_or(false)
}

/// The effects of instance `id` since the last take, as AOF content (empty when none).
#[wasm_bindgen(js_name = logTake)]
pub fn log_take(id: u32) -> Result<Vec<u8>, JsError> {
    with(id, |e, l| {
        let ops = e.take_propagated();
        let mut out = Vec::new();
        // Each record starts with its SELECT, so it replays the same after any record.
        l.selected = None;
        l.encode(&ops, &mut out);
        out
    })
}

/// Drops the effects not taken yet and forgets the selected database: call right after
/// a snapshot that covers them (the log after it starts with `SELECT`).
#[wasm_bindgen(js_name = logReset)]
pub fn log_reset(id: u32) -> Result<(), JsError> {
    with(id, |e, l| {
        e.take_propagated();
        l.selected = None;
    })
}

/// Replays AOF content on instance `id` without logging it; returns the commands run.
#[wasm_bindgen(js_name = logReplay)]
pub fn log_replay(id: u32, bytes: &[u8]) -> Result<f64, JsError> {
    with(id, |e, _| replay(e, bytes))?.map(|n| n as f64).map_err(|m| JsError::new(&m))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ClockMode;
    use crate::host::Host;
    use cinder_core::config::Config;

    fn host() -> Host {
        Host::new(Config::default(), 1, 1_700_000_000_000_000, ClockMode::Manual).unwrap()
    }

    fn run(h: &mut Host, args: &[&str]) -> Vec<u8> {
        let a: Vec<&[u8]> = args.iter().map(|s| s.as_bytes()).collect();
        let len = h.write_args(&a);
        let n = h.call(0, a.len(), len, 0).unwrap();
        h.output[..n].to_vec()
    }

    #[test]
    fn the_log_is_aof_content_and_replays_to_the_same_data() {
        let mut h = host();
        let mut log = LogState::default();
        h.engine_mut().set_propagation(true);
        run(&mut h, &["SET", "k", "v", "EX", "100"]);
        run(&mut h, &["SELECT", "2"]);
        run(&mut h, &["RPUSH", "l", "a", "b"]);
        run(&mut h, &["MULTI"]);
        run(&mut h, &["INCR", "n"]);
        run(&mut h, &["INCR", "n"]);
        run(&mut h, &["EXEC"]);
        let mut out = Vec::new();
        log.encode(&h.engine_mut().take_propagated(), &mut out);
        let text = String::from_utf8(out.clone()).unwrap();
        assert!(text
            .starts_with("*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n$4\r\nPXAT\r\n"));
        assert!(text.contains("SELECT\r\n$1\r\n2\r\n*4\r\n$5\r\nRPUSH"));
        assert!(text.contains("MULTI") && text.ends_with("*1\r\n$4\r\nEXEC\r\n"));

        let mut g = host();
        g.engine_mut().set_propagation(true);
        assert_eq!(replay(g.engine_mut(), &out), Ok(8));
        assert!(!g.engine_mut().state.propagation.has_output(), "replay does not propagate");
        assert!(g.engine_mut().state.propagation.is_enabled());
        assert_eq!(save(g.engine_mut()), save(h.engine_mut()));
        // Replayed keys look written now (not at the loading clock's 0).
        assert_eq!(run(&mut g, &["OBJECT", "IDLETIME", "k"]), b":0\r\n");
        // A cut in the last command, or inside a MULTI, drops the incomplete part.
        let mut k = host();
        assert_eq!(replay(k.engine_mut(), &out[..out.len() - 3]), Ok(7));
        assert_eq!(run(&mut k, &["SELECT", "2"]), b"+OK\r\n");
        assert_eq!(run(&mut k, &["EXISTS", "n"]), b":0\r\n");
        assert_eq!(run(&mut k, &["LLEN", "l"]), b":2\r\n");
        assert!(replay(k.engine_mut(), b"*1\r\n$3\r\nFOO\r\n").unwrap_err().contains("Unknown command 'FOO'"));
        assert_eq!(replay(k.engine_mut(), b"#TS:1700000000\r\n*3\r\n$3\r\nSET\r\n$2\r\nts\r\n$1\r\n1\r\n"), Ok(1));
        assert_eq!(run(&mut k, &["SELECT", "0"]), b"+OK\r\n");
        assert_eq!(run(&mut k, &["GET", "ts"]), b"$1\r\n1\r\n");
    }

    #[test]
    fn a_bad_file_is_refused_and_changes_nothing() {
        let mut h = host();
        run(&mut h, &["SET", "a", "1"]);
        let file = save(h.engine_mut());
        let mut g = host();
        run(&mut g, &["SET", "b", "2"]);
        let err = load(g.engine_mut(), &file[..file.len() - 4]).unwrap_err();
        assert!(err.contains("Short read") || err.contains("checksum"), "{}", err);
        assert_eq!(run(&mut g, &["GET", "b"]), b"$1\r\n2\r\n");
        assert_eq!(load(g.engine_mut(), &file), Ok(1));
        assert_eq!(run(&mut g, &["GET", "a"]), b"$1\r\n1\r\n");
        assert_eq!(run(&mut g, &["EXISTS", "b"]), b":0\r\n");
    }
}
