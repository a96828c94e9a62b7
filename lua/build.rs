//! Builds PUC Lua 5.1.5 (from the `lua-src` crate) and this crate's own C (`csrc/`, recursively).

use std::path::{Path, PathBuf};

/// Every `.c` file under `dir`, sorted, subdirectories included.
fn c_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(dir).expect("csrc").map(|e| e.expect("csrc entry").path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            c_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "c") {
            out.push(path);
        }
    }
}

fn main() {
    let artifacts = lua_src::Build::new().build(lua_src::Lua51);
    artifacts.print_cargo_metadata();
    let mut c = cc::Build::new();
    c.include(artifacts.include_dir());
    let mut files = Vec::new();
    c_files(Path::new("csrc"), &mut files);
    for path in files {
        println!("cargo:rerun-if-changed={}", path.display());
        c.file(path);
    }
    c.compile("cinder_lua_c");
    println!("cargo:rerun-if-changed=csrc");
}
