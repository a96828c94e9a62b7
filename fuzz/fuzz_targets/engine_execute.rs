//! Fuzz target: see `cinder_core::fuzz::engine_ops` for the invariants checked.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    cinder_core::fuzz::engine_ops(data);
});
