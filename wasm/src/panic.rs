//! Panic handling. On wasm32 a panic aborts: the call traps and Rust state may be half
//! updated. The hook records the message (and prints it with `console.error`); from then
//! on every entry point refuses to run, so no caller ever gets data from a broken engine.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU8, Ordering};
use std::sync::{Mutex, Once};

use wasm_bindgen::prelude::*;

static MESSAGE: Mutex<Option<String>> = Mutex::new(None);
static INSTALL: Once = Once::new();
/// Set by the hook: the cheap check every call makes.
static PANICKED: AtomicBool = AtomicBool::new(false);

/// Bytes of the panic message kept where JS can read them without calling into the module
/// (with the Lua VM's exception handling in, wasm-bindgen refuses every call once a call
/// trapped): [`PANIC_LEN`] then the UTF-8 bytes, cut at [`PANIC_CAP`].
pub const PANIC_CAP: usize = 1020;
static PANIC_LEN: AtomicU32 = AtomicU32::new(0);
static PANIC_BYTES: [AtomicU8; PANIC_CAP] = [const { AtomicU8::new(0) }; PANIC_CAP];

/// Addresses of the message's length word and bytes in the module's memory.
pub fn buffer() -> (u32, u32) {
    (PANIC_LEN.as_ptr() as u32, PANIC_BYTES.as_ptr() as u32)
}

/// Copies the message into the buffer JS reads after the trap.
fn keep(msg: &str) {
    let mut n = msg.len().min(PANIC_CAP);
    while !msg.is_char_boundary(n) {
        n -= 1;
    }
    for (slot, b) in PANIC_BYTES.iter().zip(&msg.as_bytes()[..n]) {
        slot.store(*b, Ordering::SeqCst);
    }
    PANIC_LEN.store(n as u32, Ordering::SeqCst);
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    fn console_error(msg: &str);
}

/// Installs the recording hook (once per module).
pub fn install_hook() {
    INSTALL.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            PANICKED.store(true, Ordering::SeqCst);
            let msg = info.to_string().replace('\n', " ");
            if cfg!(target_arch = "wasm32") {
                console_error(&format!("cinderkv: the engine panicked: {}", msg));
            }
            keep(&msg);
            if let Ok(mut m) = MESSAGE.lock() {
                m.get_or_insert(msg);
            }
        }));
    });
}

/// The recorded panic message, if a panic happened.
pub fn message() -> Option<String> {
    MESSAGE.lock().ok().and_then(|m| m.clone())
}

/// Whether a panic happened (cheap).
#[inline]
pub fn happened() -> bool {
    PANICKED.load(Ordering::Relaxed)
}

/// `Err` once a panic happened: the module must not be used any more.
#[inline]
pub fn check() -> Result<(), JsError> {
    if !happened() {
        return Ok(());
    }
    match message() {
        None => Ok(()),
        Some(m) => Err(JsError::new(&format!(
            "cinderkv: the engine panicked earlier ({}); this instance refuses further calls",
            m
        ))),
    }
}
