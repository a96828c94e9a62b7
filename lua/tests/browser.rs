//! The tests of `vm.rs` in a browser (wasm32 only): `wasm-bindgen-test-runner` with a WebDriver, or with
//! `NO_HEADLESS=1` and the page it serves opened in Chromium.
#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[path = "vm.rs"]
mod vm;
