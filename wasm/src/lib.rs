//! WebAssembly bindings of `cinder-core` for the npm package `cinderkv`.
//!
//! Deliberately thin: [`CinderCore`] forwards to [`host::Host`]. Commands travel through
//! two byte buffers in wasm memory instead of converted JS values, so a call costs one
//! boundary crossing: the JS wrapper writes the arguments into the input buffer, calls
//! [`CinderCore::call`], and decodes the RESP reply from the output buffer (whose address
//! and length it reads from [`CinderCore::io_meta`]). Everything user-facing (options,
//! reply values, errors, typed methods) lives in the TypeScript wrapper (`js/src`).
#![deny(unsafe_code)]

pub mod clock;
pub mod host;
mod panic;

use wasm_bindgen::prelude::*;

use clock::ClockMode;
use host::{config_from_pairs, Host};

/// Version of the core this build wraps.
pub fn core_version() -> &'static str {
    cinder_core::VERSION
}

/// One engine with its connections, as the JS wrapper drives it.
#[wasm_bindgen]
pub struct CinderCore {
    host: Host,
    /// `[output address, output length, input address, input length, pending wake-ups]`,
    /// at a fixed address.
    meta: Box<[u32; 5]>,
}

/// Returned by the command entries once the module panicked.
const PANICKED: i32 = -4;

/// Converts JS milliseconds (a float) to whole microseconds, clamping junk to 0.
fn ms_to_us(ms: f64) -> u64 {
    if ms > 0.0 {
        // Rounded; the cast saturates (NaN never gets here, infinity becomes u64::MAX).
        (ms * 1000.0 + 0.5) as u64
    } else {
        0
    }
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
        let host = Host::new(config, seed, ms_to_us(now_ms), mode).map_err(|e| JsError::new(&e))?;
        let mut core = CinderCore { host, meta: Box::new([0; 5]) };
        core.host.reserve_input(256);
        core.update_meta();
        Ok(core)
    }

    fn update_meta(&mut self) {
        // Addresses in wasm32 linear memory fit u32.
        self.meta[0] = self.host.output.as_ptr() as usize as u32;
        self.meta[1] = self.host.output.len() as u32;
        self.meta[2] = self.host.input.as_ptr() as usize as u32;
        self.meta[3] = self.host.input.len() as u32;
        self.meta[4] = self.host.wakeup_count();
    }

    /// Address of the five `u32`s describing the shared buffers and pending wake-ups
    /// (stable for the object's life).
    #[wasm_bindgen(js_name = ioMeta)]
    pub fn io_meta(&self) -> u32 {
        self.meta.as_ptr() as usize as u32
    }

    /// Grows the input buffer to at least `len` bytes; returns its (possibly new) address.
    #[wasm_bindgen(js_name = reserveInput)]
    pub fn reserve_input(&mut self, len: u32) -> Result<u32, JsError> {
        panic::check()?;
        self.host.reserve_input(len as usize);
        self.update_meta();
        Ok(self.meta[2])
    }

    fn done(&mut self, r: Result<usize, host::Status>) -> i32 {
        self.update_meta();
        match r {
            Ok(n) => n as i32,
            Err(refusal) => refusal as i32,
        }
    }

    // The three command entries return a plain i32 (no `Result`): a fallible return makes
    // wasm-bindgen allocate a JS array per call. After a panic they return
    // `PANICKED` and the wrapper fetches the message with `panicMessage()`.

    /// Runs the command laid out in the input buffer (`argc` arguments, `len` bytes) on
    /// connection `conn`. Returns the reply's length in the output buffer, or a negative
    /// code: -1 closed connection, -2 shut down, -3 bad layout, -4 the module panicked,
    /// -5 the connection waits for a blocking command, -6 this command blocks (its reply
    /// comes as a wake-up).
    pub fn call(&mut self, conn: u32, argc: u32, len: u32, now_ms: f64) -> i32 {
        if panic::happened() {
            return PANICKED;
        }
        let r = self.host.call(conn, argc as usize, len as usize, ms_to_us(now_ms));
        self.done(r)
    }

    /// Runs one redis-cli-style line held in the input buffer (`len` bytes, UTF-8).
    #[wasm_bindgen(js_name = execLine)]
    pub fn exec_line(&mut self, conn: u32, len: u32, now_ms: f64) -> i32 {
        if panic::happened() {
            return PANICKED;
        }
        let r = self.host.exec_line(conn, len as usize, ms_to_us(now_ms));
        self.done(r)
    }

    /// Feeds raw RESP bytes held in the input buffer; the output holds every reply produced.
    pub fn feed(&mut self, conn: u32, len: u32, now_ms: f64) -> i32 {
        if panic::happened() {
            return PANICKED;
        }
        let r = self.host.feed(conn, len as usize, ms_to_us(now_ms));
        self.done(r)
    }

    /// Moves the pending wake-up records (see `host`) into the output buffer; returns
    /// their total length.
    #[wasm_bindgen(js_name = takeWakeups)]
    pub fn take_wakeups(&mut self) -> u32 {
        if panic::happened() {
            return 0;
        }
        let n = self.host.take_wakeups();
        self.update_meta();
        n as u32
    }

    /// Real clock: reads the time, ending the blocked commands whose timeout passed.
    pub fn poll(&mut self, now_ms: f64) -> Result<(), JsError> {
        panic::check()?;
        self.host.poll(ms_to_us(now_ms));
        self.update_meta();
        Ok(())
    }

    /// When (ms since the epoch) the earliest blocked command times out; -1 when none does.
    #[wasm_bindgen(js_name = nextDeadline)]
    pub fn next_deadline(&self) -> f64 {
        self.host.next_deadline_ms().map_or(-1.0, |ms| ms as f64)
    }

    /// Opens another connection (its own client: database, protocol, transaction state).
    pub fn connect(&mut self) -> Result<u32, JsError> {
        panic::check()?;
        self.host.connect().map_err(|e| JsError::new(&e))
    }

    /// Closes a connection.
    pub fn disconnect(&mut self, conn: u32) -> Result<(), JsError> {
        panic::check()?;
        self.host.disconnect(conn);
        self.update_meta();
        Ok(())
    }

    /// Whether a connection is open (false after QUIT, CLIENT KILL, SHUTDOWN).
    #[wasm_bindgen(js_name = isOpen)]
    pub fn is_open(&self, conn: u32) -> bool {
        self.host.is_open(conn)
    }

    /// The engine's time in milliseconds since the Unix epoch.
    pub fn now(&self) -> f64 {
        self.host.now_us() as f64 / 1000.0
    }

    /// Manual clock: moves time forward by `ms`, running the active-expiry ticks due.
    pub fn advance(&mut self, ms: f64) -> Result<(), JsError> {
        panic::check()?;
        self.require_manual()?;
        self.host.advance(ms_to_us(ms));
        self.update_meta();
        Ok(())
    }

    /// Manual clock: sets the time (ms since the Unix epoch); forward moves run the ticks due.
    #[wasm_bindgen(js_name = setTime)]
    pub fn set_time(&mut self, ms: f64) -> Result<(), JsError> {
        panic::check()?;
        self.require_manual()?;
        self.host.set_time(ms_to_us(ms));
        self.update_meta();
        Ok(())
    }

    fn require_manual(&self) -> Result<(), JsError> {
        match self.host.clock_mode() {
            ClockMode::Manual => Ok(()),
            ClockMode::Real => {
                Err(JsError::new("the clock is real: create the instance with clock: 'manual' to move time"))
            }
        }
    }
}

/// The message of the panic that stopped this module, if one did.
#[wasm_bindgen(js_name = panicMessage)]
pub fn panic_message() -> Option<String> {
    panic::message()
}

/// Panics on purpose, so tests can check that a panic stops the instance cleanly.
#[wasm_bindgen(js_name = __panicForTests)]
pub fn panic_for_tests() {
    panic!("panic requested by a test");
}
