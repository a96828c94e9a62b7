//! `redis.log` in the package: no server log here, so lines at or above `loglevel` go to
//! the JavaScript console (`console.warn` for `LOG_WARNING`, `console.info` for
//! `LOG_NOTICE`, `console.debug` below), the message as Redis joins it.

use cinder_core::cmd::scripting::{LogLevel, ScriptLog};

/// The package's [`ScriptLog`].
pub struct ConsoleLog;

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = warn)]
    fn console_warn(s: &str);
    #[wasm_bindgen(js_namespace = console, js_name = info)]
    fn console_info(s: &str);
    #[wasm_bindgen(js_namespace = console, js_name = debug)]
    fn console_debug(s: &str);
}

#[cfg(not(target_arch = "wasm32"))]
fn console_warn(s: &str) {
    eprintln!("{s}");
}
#[cfg(not(target_arch = "wasm32"))]
fn console_info(s: &str) {
    eprintln!("{s}");
}
#[cfg(not(target_arch = "wasm32"))]
fn console_debug(s: &str) {
    eprintln!("{s}");
}

impl ScriptLog for ConsoleLog {
    fn log(&mut self, level: LogLevel, message: &[u8]) {
        // Redis prints the message as a C string: it ends at a NUL byte.
        let end = message.iter().position(|&b| b == 0).unwrap_or(message.len());
        let text = String::from_utf8_lossy(&message[..end]);
        match level {
            LogLevel::Warning => console_warn(&text),
            LogLevel::Notice => console_info(&text),
            LogLevel::Debug | LogLevel::Verbose => console_debug(&text),
        }
    }
}
