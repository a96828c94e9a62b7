//! Tests of the harness itself, on two real redis-servers: identical replies pass, and a
//! reply that differs (the port each server listens on) is caught and reported.

use cinder_parity::runner::run_script_text;
use cinder_parity::server::Pair;

#[test]
fn detects_and_reports_differences() {
    let mut pair = Pair::start_reference_twice();
    let script = "PING\nSET k v\nCONFIG GET port\n@shape CONFIG GET port\nGET k\n\
                  @unordered CONFIG GET port maxmemory\n@sleep 1\n@capture me CLIENT ID\n\
                  CLIENT KILL ID $me SKIPME no\n@closed\nGET k\n";
    let found = run_script_text(&mut pair, "selfcheck.redis", script).unwrap();
    let lines: Vec<&str> = found.iter().map(|m| m.location.as_str()).collect();
    assert_eq!(lines, ["selfcheck.redis:3", "selfcheck.redis:6"], "{found:#?}");
    let report = found[0].to_string();
    assert!(
        report.contains("CONFIG GET port") && report.contains("redis:") && report.contains("$4\\r\\nport\\r\\n"),
        "{report}"
    );
}

#[test]
fn identical_servers_agree_on_every_script() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts");
    let mut names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    names.sort();
    let mut failures = Vec::new();
    for path in names.iter().filter(|p| p.extension().is_some_and(|e| e == "redis")) {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let found = run_script_text(&mut Pair::start_reference_twice(), &name, &text).unwrap();
        failures.extend(found.into_iter().map(|m| m.to_string()));
    }
    assert!(failures.is_empty(), "scripts are not deterministic on real Redis:\n{}", failures.join("\n"));
}
