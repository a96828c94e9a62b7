//! Redis-style log lines on stdout: `pid:R dd Mon yyyy hh:mm:ss.mmm L message`, where R is
//! the role (`M` the server, `C` a forked child) and L the level (`.` debug, `-` verbose,
//! `*` notice, `#` warning), so tools and tests that read Redis's logs read these.

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

/// Log levels, as Redis's `LL_*`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// `.`
    Debug,
    /// `-`
    Verbose,
    /// `*`
    Notice,
    /// `#`
    Warning,
}

/// Whether this process is a forked child (its lines say `C`).
static CHILD: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Marks this process as a forked child for the log.
pub fn set_child() {
    CHILD.store(true, std::sync::atomic::Ordering::Relaxed);
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// `(year, month 1..=12, day)` of a day count since 1970-01-01 (Howard Hinnant's civil_from_days).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (y, m, d)
}

/// The time stamp Redis prints (UTC here).
fn stamp(ms: u64) -> String {
    let secs = (ms / 1000) as i64;
    let (y, m, d) = civil(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{:02} {} {} {:02}:{:02}:{:02}.{:03}",
        d,
        MONTHS[m as usize - 1],
        y,
        s / 3600,
        s / 60 % 60,
        s % 60,
        ms % 1000
    )
}

/// Writes one log line.
pub fn log(level: Level, msg: &str) {
    log_bytes(level, msg.as_bytes());
}

/// Writes one log line whose message is raw bytes (as Redis writes `redis.log`'s).
pub fn log_bytes(level: Level, msg: &[u8]) {
    let ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
    let role = if CHILD.load(std::sync::atomic::Ordering::Relaxed) { 'C' } else { 'M' };
    let mark = match level {
        Level::Debug => '.',
        Level::Verbose => '-',
        Level::Notice => '*',
        Level::Warning => '#',
    };
    let mut line = format!("{}:{} {} {} ", std::process::id(), role, stamp(ms), mark).into_bytes();
    line.extend_from_slice(msg);
    line.push(b'\n');
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(&line);
    let _ = out.flush();
}

/// A notice line.
pub fn notice(msg: &str) {
    log(Level::Notice, msg);
}

/// A warning line.
pub fn warning(msg: &str) {
    log(Level::Warning, msg);
}

/// `redis.log` lines into this log (the engine already dropped those below `loglevel`).
pub struct ScriptLog;

impl cinder_core::cmd::scripting::ScriptLog for ScriptLog {
    fn log(&mut self, level: cinder_core::cmd::scripting::LogLevel, message: &[u8]) {
        use cinder_core::cmd::scripting::LogLevel as L;
        let level = match level {
            L::Debug => Level::Debug,
            L::Verbose => Level::Verbose,
            L::Notice => Level::Notice,
            L::Warning => Level::Warning,
        };
        // Redis prints the message as a C string: it ends at a NUL byte.
        let end = message.iter().position(|&b| b == 0).unwrap_or(message.len());
        log_bytes(level, &message[..end]);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn stamps_like_redis() {
        assert_eq!(super::stamp(0), "01 Jan 1970 00:00:00.000");
        assert_eq!(super::stamp(1_700_000_000_123), "14 Nov 2023 22:13:20.123");
        assert_eq!(super::stamp(951_782_400_000), "29 Feb 2000 00:00:00.000");
    }
}
