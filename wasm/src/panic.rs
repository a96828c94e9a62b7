//! Panic handling. On wasm32 a panic aborts: the call traps and Rust state may be half
//! updated. The hook records the message (and prints it with `console.error`); from then
//! on every entry point refuses to run, so no caller ever gets data from a broken engine.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Once};

use wasm_bindgen::prelude::*;

static MESSAGE: Mutex<Option<String>> = Mutex::new(None);
static INSTALL: Once = Once::new();
/// Set by the hook: the cheap check every call makes.
static PANICKED: AtomicBool = AtomicBool::new(false);

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
