//! Generates one `#[test]` per `scripts/*.redis` file, so `cargo test` names every script
//! and reports each one's pass or failure on its own.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let dir = Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("scripts");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".redis"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut out = String::new();
    for name in &names {
        let stem = name.trim_end_matches(".redis");
        let ident: String = stem.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
        let path = dir.join(name);
        writeln!(
            out,
            "#[test]\nfn {ident}() {{ cinder_parity::runner::run_script_test({:?}); }}\n",
            path.display().to_string()
        )
        .unwrap();
    }
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("script_tests.rs");
    std::fs::write(dest, out).unwrap();
}
