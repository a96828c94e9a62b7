//! WebAssembly bindings over `cinder-core`. The npm package (`cinderkv`) is its own issue;
//! this crate only proves the core builds for `wasm32-unknown-unknown` and links.

/// Version of the core this build wraps, for a host that wants to report it.
pub fn core_version() -> &'static str {
    cinder_core::VERSION
}
