//! Busy scripts in the package: one thread and no other client to serve, so a script that
//! runs past `busy-reply-threshold` (`lua-time-limit`, 5 s by default) is stopped with an
//! error and the instance stays usable. Time is the host's real clock even under the manual
//! clock (a loop that never ends must end).

use cinder_core::cmd::scripting::run::Busy;
use cinder_core::cmd::scripting::BusyHost;

/// The error a script stopped by the time limit ends with.
pub const TIME_LIMIT_ERROR: &[u8] =
    b"ERR Script killed: it ran past busy-reply-threshold (lua-time-limit) and this host cannot serve other clients meanwhile";

/// The most memory one Lua interpreter may hold in the package (wasm32 has 4 GiB at most,
/// shared with the data): past it a script gets Lua's "not enough memory" error.
pub const LUA_MEMORY_LIMIT: usize = 256 << 20;

/// The package's [`BusyHost`].
pub struct WasmBusy;

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = Date, js_name = now)]
    fn date_now() -> f64;
}

#[cfg(not(target_arch = "wasm32"))]
fn date_now() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

impl BusyHost for WasmBusy {
    fn now_us(&mut self) -> u64 {
        (date_now() * 1000.0) as u64
    }

    fn serve(&mut self, _busy: &mut Busy<'_>) -> Result<(), Vec<u8>> {
        Err(TIME_LIMIT_ERROR.to_vec())
    }
}
