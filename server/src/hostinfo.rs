//! Facts about the process for INFO (`HostInfo`), read from the OS.

use std::io::Read;

use cinder_core::HostInfo;

use crate::alloc::allocated_bytes;

/// Page size used to turn /proc/self/statm pages into bytes (4 KiB on x86_64 and arm64 Linux).
const PAGE_SIZE: u64 = 4096;

/// `HostInfo` for this process listening on `port`.
pub fn host_info(port: u16, config_file: &str) -> HostInfo {
    HostInfo {
        process_id: std::process::id(),
        tcp_port: port,
        executable: executable_path(),
        config_file: config_file.to_string(),
        os: os_description(),
        multiplexing_api: "epoll".into(),
        allocated_bytes: Some(allocated_bytes),
        rss_bytes: rss_bytes(),
        monotonic_us: Some(monotonic_us),
        tls_apply: Some(crate::tls::apply),
        max_output_buffer: 0,
        max_input_buffer: 0,
    }
}

/// The engine's clock for command durations: microseconds since the first call, from
/// the OS monotonic clock (`Instant`).
pub fn monotonic_us() -> u64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START.get_or_init(std::time::Instant::now).elapsed().as_micros() as u64
}

/// Redis's `executable`: argv[0] made absolute against the working directory (like Redis,
/// a name found through $PATH is joined to the working directory too).
fn executable_path() -> String {
    let arg0 = std::env::args_os().next().unwrap_or_default();
    crate::options::absolute(std::path::Path::new(&arg0)).display().to_string()
}

/// `uname -s -r -m`, like Redis's `os:` field.
fn os_description() -> String {
    let read = |p: &str| std::fs::read_to_string(p).map(|s| s.trim().to_string()).unwrap_or_default();
    let name = read("/proc/sys/kernel/ostype");
    let name = if name.is_empty() { "Linux".to_string() } else { name };
    format!("{} {} {}", name, read("/proc/sys/kernel/osrelease"), std::env::consts::ARCH)
}

/// Resident set size from /proc/self/statm (0 when unavailable).
pub fn rss_bytes() -> u64 {
    let mut s = String::new();
    if std::fs::File::open("/proc/self/statm").and_then(|mut f| f.read_to_string(&mut s)).is_err() {
        return 0;
    }
    s.split_whitespace().nth(1).and_then(|v| v.parse::<u64>().ok()).map_or(0, |pages| pages * PAGE_SIZE)
}

/// 64 random bits from the OS for the engine's RNG seed.
pub fn os_seed() -> u64 {
    let mut b = [0u8; 8];
    if std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut b)).is_ok() {
        return u64::from_le_bytes(b);
    }
    // No /dev/urandom: std's per-process random hash keys.
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(std::process::id() as u64);
    h.finish()
}
