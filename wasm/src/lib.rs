//! WebAssembly bindings of `cinder-core` for the npm package `cinderkv`.
//!
//! Deliberately thin: [`CinderCore`] forwards to [`host::Host`]. Commands travel through
//! two byte buffers in wasm memory instead of converted JS values, so a call costs one
//! boundary crossing: the JS wrapper writes the arguments into the input buffer, calls
//! [`CinderCore::call`], and decodes the RESP reply from the output buffer (whose address
//! and length it reads from [`CinderCore::io_meta`]). Everything user-facing (options,
//! reply values, errors, typed methods) lives in the TypeScript wrapper (`js/src`). The
//! numbers both sides share (metadata words, record format, status codes) are declared
//! once in [`layout`], which generates `js/src/layout.ts`.
#![deny(unsafe_code)]

pub mod busy;
pub mod clock;
pub mod host;
pub mod instances;
pub mod layout;
pub mod monoclock;
mod panic;
pub mod persist;
pub mod scriptlog;

use wasm_bindgen::prelude::*;

use clock::ClockMode;
use host::{config_from_pairs, Host, Status};
use instances::Instance;
use layout::{MetaWord, PANICKED};

/// Version of the core this build wraps.
pub fn core_version() -> &'static str {
    cinder_core::VERSION
}

/// One engine with its connections, as the JS wrapper drives it. The engine itself lives
/// in [`instances`] under this object's id; freeing the object frees it.
#[wasm_bindgen]
pub struct CinderCore {
    id: u32,
}

impl Drop for CinderCore {
    fn drop(&mut self) {
        instances::remove(self.id);
    }
}

/// Converts JS milliseconds (a float) to whole microseconds, clamping junk to 0.
fn ms_to_us(ms: f64) -> u64 {
    if ms > 0.0 {
        // Rounded; the cast saturates (NaN never gets here, infinity becomes u64::MAX).
        (ms * 1000.0 + 0.5) as u64
    } else {
        0
    }
}

/// The error of an entry point called on a freed instance.
fn freed() -> JsError {
    JsError::new("cinderkv: this instance was freed")
}

/// The value a command entry returns for `r`: a reply length or a negative [`Status`].
#[inline]
fn code(r: Result<usize, Status>) -> i32 {
    match r {
        Ok(n) => n as i32,
        Err(refusal) => refusal as i32,
    }
}

/// Runs a command entry on instance `id` and refreshes its metadata block.
#[inline]
fn command(id: u32, f: impl FnOnce(&mut Host) -> Result<usize, Status>) -> i32 {
    if panic::happened() {
        return PANICKED;
    }
    instances::with(id, |i| {
        let r = f(&mut i.host);
        i.update_meta();
        code(r)
    })
    .unwrap_or(Status::ConnectionClosed as i32)
}

// The command entries return a plain i32 (no `Result`): a fallible return makes
// wasm-bindgen allocate a JS array per call. After a panic they return `PANICKED` and the
// wrapper fetches the message with `panicMessage()`.

/// Runs the command laid out in instance `id`'s input buffer (`argc` arguments, `len`
/// bytes) on connection `conn`: [`CinderCore::call`] as a plain function of the instance
/// id ([`CinderCore::instance_id`]), which the wrapper calls straight from the module's
/// exports on its hot path.
#[wasm_bindgen(js_name = callInstance)]
pub fn call_instance(id: u32, conn: u32, argc: u32, len: u32, now_ms: f64) -> i32 {
    command(id, |h| h.call(conn, argc as usize, len as usize, ms_to_us(now_ms)))
}

/// Runs the `count` commands laid out in instance `id`'s input buffer (`len` bytes) on
/// connection `conn` in one crossing: `db.batch`/`db.pipeline()`. The output holds one
/// record per command run (`host::batch` has the layout). Returns the records' length or a
/// negative [`Status`].
#[wasm_bindgen(js_name = batchInstance)]
pub fn batch_instance(id: u32, conn: u32, count: u32, len: u32, now_ms: f64) -> i32 {
    command(id, |h| h.batch(conn, count as usize, len as usize, ms_to_us(now_ms)))
}

#[wasm_bindgen]
impl CinderCore {
    /// A new engine. `config` holds CONFIG name/value pairs applied like start-up options;
    /// `now_ms` is the starting time; `manual` selects the manual clock.
    #[wasm_bindgen(constructor)]
    pub fn new(config: Vec<String>, seed: u64, now_ms: f64, manual: bool) -> Result<CinderCore, JsError> {
        panic::install_hook();
        panic::check()?;
        if config.len() & 1 == 1 {
            return Err(JsError::new("config must hold name/value pairs"));
        }
        let pairs: Vec<(String, String)> = config.chunks_exact(2).map(|p| (p[0].clone(), p[1].clone())).collect();
        let config = config_from_pairs(&pairs).map_err(|e| JsError::new(&e))?;
        let mode = if manual { ClockMode::Manual } else { ClockMode::Real };
        let mut host = Host::new(config, seed, ms_to_us(now_ms), mode).map_err(|e| JsError::new(&e))?;
        host.reserve_input(256);
        Ok(CinderCore { id: instances::add(Instance::new(host)) })
    }

    /// This instance's id, for [`call_instance`].
    #[wasm_bindgen(js_name = instanceId)]
    pub fn instance_id(&self) -> u32 {
        self.id
    }

    /// Address of the metadata block (see [`MetaWord`]; stable for the object's life).
    #[wasm_bindgen(js_name = ioMeta)]
    pub fn io_meta(&self) -> u32 {
        instances::with(self.id, |i| i.meta_addr()).unwrap_or(0)
    }

    /// Grows the input buffer to at least `len` bytes; returns its (possibly new) address.
    #[wasm_bindgen(js_name = reserveInput)]
    pub fn reserve_input(&mut self, len: u32) -> Result<u32, JsError> {
        panic::check()?;
        instances::with(self.id, |i| {
            i.host.reserve_input(len as usize);
            i.update_meta();
            i.meta[MetaWord::InputAddr as usize]
        })
        .ok_or_else(freed)
    }

    /// Runs the command laid out in the input buffer (`argc` arguments, `len` bytes) on
    /// connection `conn`. Returns the reply's length in the output buffer, or a negative
    /// code (`layout::Status` in the wrapper): -1 closed connection, -2 shut down, -3 bad
    /// layout, -4 the module panicked, -5 the connection waits for a blocking command, -6
    /// this command blocks (its reply comes as a wake-up).
    pub fn call(&mut self, conn: u32, argc: u32, len: u32, now_ms: f64) -> i32 {
        call_instance(self.id, conn, argc, len, now_ms)
    }

    /// Runs one redis-cli-style line held in the input buffer (`len` bytes, UTF-8).
    #[wasm_bindgen(js_name = execLine)]
    pub fn exec_line(&mut self, conn: u32, len: u32, now_ms: f64) -> i32 {
        command(self.id, |h| h.exec_line(conn, len as usize, ms_to_us(now_ms)))
    }

    /// Feeds raw RESP bytes held in the input buffer; the output holds every reply produced.
    pub fn feed(&mut self, conn: u32, len: u32, now_ms: f64) -> i32 {
        command(self.id, |h| h.feed(conn, len as usize, ms_to_us(now_ms)))
    }

    /// Moves the pending wake-up records (see `host`) into the output buffer; returns
    /// their total length.
    #[wasm_bindgen(js_name = takeWakeups)]
    pub fn take_wakeups(&mut self) -> u32 {
        if panic::happened() {
            return 0;
        }
        instances::with(self.id, |i| {
            let n = i.host.take_wakeups();
            i.update_meta();
            n as u32
        })
        .unwrap_or(0)
    }

    /// Real clock: reads the time, ending the blocked commands whose timeout passed.
    pub fn poll(&mut self, now_ms: f64) -> Result<(), JsError> {
        panic::check()?;
        self.with_meta(|h| h.poll(ms_to_us(now_ms)))
    }

    /// When (ms since the epoch) the earliest blocked command times out; -1 when none does.
    #[wasm_bindgen(js_name = nextDeadline)]
    pub fn next_deadline(&self) -> f64 {
        instances::with(self.id, |i| i.host.next_deadline_ms()).flatten().map_or(-1.0, |ms| ms as f64)
    }

    /// Opens another connection (its own client: database, protocol, transaction state).
    pub fn connect(&mut self) -> Result<u32, JsError> {
        panic::check()?;
        instances::with(self.id, |i| i.host.connect()).ok_or_else(freed)?.map_err(|e| JsError::new(&e))
    }

    /// Opens the connection of a socket (peer `addr`, local `laddr`, both `ip:port`; `fd`
    /// shown by CLIENT LIST): driven by `feed`, its pushes and wake-ups announced by ready
    /// records, closed by a protocol error or an over-long query buffer.
    #[wasm_bindgen(js_name = connectPeer)]
    pub fn connect_peer(&mut self, addr: String, laddr: String, fd: f64) -> Result<u32, JsError> {
        panic::check()?;
        instances::with(self.id, |i| i.host.connect_peer(addr, laddr, fd as i64))
            .ok_or_else(freed)?
            .map_err(|e| JsError::new(&e))
    }

    /// Whether the idle `timeout` spares a connection (blocked, subscribed or closed).
    #[wasm_bindgen(js_name = idleExempt)]
    pub fn idle_exempt(&self, conn: u32) -> bool {
        instances::with(self.id, |i| i.host.idle_exempt(conn)).unwrap_or(true)
    }

    /// `[timeout, client-query-buffer-limit, protected-mode, requirepass set, maxclients, shut down]`.
    #[wasm_bindgen(js_name = serverSettings)]
    pub fn server_settings(&self) -> Vec<f64> {
        instances::with(self.id, |i| i.host.server_settings().to_vec()).unwrap_or_default()
    }

    /// Closes a connection.
    pub fn disconnect(&mut self, conn: u32) -> Result<(), JsError> {
        panic::check()?;
        self.with_meta(|h| h.disconnect(conn))
    }

    /// Whether a connection is open (false after QUIT, CLIENT KILL, SHUTDOWN).
    #[wasm_bindgen(js_name = isOpen)]
    pub fn is_open(&self, conn: u32) -> bool {
        instances::with(self.id, |i| i.host.is_open(conn)).unwrap_or(false)
    }

    /// The engine's time in milliseconds since the Unix epoch.
    pub fn now(&self) -> f64 {
        instances::with(self.id, |i| i.host.now_us() as f64 / 1000.0).unwrap_or(0.0)
    }

    /// Manual clock: moves time forward by `ms`, running the active-expiry ticks due.
    pub fn advance(&mut self, ms: f64) -> Result<(), JsError> {
        panic::check()?;
        self.require_manual()?;
        self.with_meta(|h| h.advance(ms_to_us(ms)))
    }

    /// Manual clock: sets the time (ms since the Unix epoch); forward moves run the ticks due.
    #[wasm_bindgen(js_name = setTime)]
    pub fn set_time(&mut self, ms: f64) -> Result<(), JsError> {
        panic::check()?;
        self.require_manual()?;
        self.with_meta(|h| h.set_time(ms_to_us(ms)))
    }

    fn require_manual(&self) -> Result<(), JsError> {
        match instances::with(self.id, |i| i.host.clock_mode()).ok_or_else(freed)? {
            ClockMode::Manual => Ok(()),
            ClockMode::Real => {
                Err(JsError::new("the clock is real: create the instance with clock: 'manual' to move time"))
            }
        }
    }

    /// Runs `f` on the host, then refreshes the metadata block.
    fn with_meta(&mut self, f: impl FnOnce(&mut Host)) -> Result<(), JsError> {
        instances::with(self.id, |i| {
            f(&mut i.host);
            i.update_meta();
        })
        .ok_or_else(freed)
    }
}

/// The message of the panic that stopped this module, if one did.
#[wasm_bindgen(js_name = panicMessage)]
pub fn panic_message() -> Option<String> {
    panic::message()
}

/// Where the panic message is kept in memory: `[length word address, bytes address]`.
/// JS asks once, before any panic, and reads the message there after a trap (calls into a
/// module that trapped are refused).
#[wasm_bindgen(js_name = panicBuffer)]
pub fn panic_buffer() -> Vec<u32> {
    let (len, bytes) = panic::buffer();
    vec![len, bytes]
}

/// Panics on purpose, so tests can check that a panic stops the instance cleanly.
#[wasm_bindgen(js_name = __panicForTests)]
pub fn panic_for_tests() {
    panic!("panic requested by a test");
}
