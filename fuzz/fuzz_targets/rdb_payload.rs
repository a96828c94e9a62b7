//! Fuzz target: see `cinder_core::fuzz::rdb_payload` for the invariants checked.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    cinder_core::fuzz::rdb_payload(data);
});
