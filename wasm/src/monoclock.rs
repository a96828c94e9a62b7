//! The package's monotonic clock for command durations (SLOWLOG, LATENCY, INFO
//! commandstats and latencystats): JavaScript's `performance.now()` in microseconds,
//! handed to the engine as `HostInfo::monotonic_us`.

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

#[cfg(not(target_arch = "wasm32"))]
fn performance_now() -> f64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START.get_or_init(std::time::Instant::now).elapsed().as_secs_f64() * 1000.0
}

/// Microseconds since an arbitrary origin, never going back.
pub fn monotonic_us() -> u64 {
    (performance_now() * 1000.0) as u64
}
