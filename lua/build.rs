//! Builds PUC Lua 5.1.5 (from the `lua-src` crate) and this crate's own C (`csrc/`).

use std::path::PathBuf;

fn main() {
    let artifacts = lua_src::Build::new().build(lua_src::Lua51);
    artifacts.print_cargo_metadata();
    let mut c = cc::Build::new();
    c.include(artifacts.include_dir());
    for entry in std::fs::read_dir("csrc").expect("csrc") {
        let path: PathBuf = entry.expect("csrc entry").path();
        if path.extension().is_some_and(|e| e == "c") {
            println!("cargo:rerun-if-changed={}", path.display());
            c.file(path);
        }
    }
    c.compile("cinder_lua_c");
    println!("cargo:rerun-if-changed=csrc");
}
