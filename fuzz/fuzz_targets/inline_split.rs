//! Fuzz target: see `cinder_core::fuzz::inline_split` for the invariants checked.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    cinder_core::fuzz::inline_split(data);
});
