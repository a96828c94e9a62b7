//! The `.redis` script format: one command a line in redis-cli syntax, `#` comments, and
//! `@` directives:
//!
//! - `@unordered CMD ...`  compare the reply's elements as a multiset (KEYS, SMEMBERS)
//! - `@shape CMD ...`      only require both to succeed, or both to fail, with the same
//!   reply type (CLIENT LIST, INFO, TIME, DEBUG OBJECT)
//! - `@approx N CMD ...`   integer replies may differ by at most N (PTTL); others exact
//! - `@sleep MS`           sleep MS milliseconds (real-time expiry)
//! - `@scanall CMD ...`    iterate a SCAN-family command to cursor 0 on both and compare
//!   the set of returned elements (the cursor is argument 1 for SCAN, else 2)
//! - `@raw N "BYTES"`      send BYTES as is and compare the next N replies
//! - `@closed`             both servers must have closed the connection; reconnect
//! - `@reconnect`          open fresh connections (RESP2, db 0)
//! - `@conn N`             switch to client connection pair N (0 is the first)
//! - `@exited`            both server processes must exit within 5 s (SHUTDOWN); ends
//!   the script
//! - `@mask FIELD CMD ...` compare exactly after blanking the value that follows the
//!   element FIELD in the reply (e.g. the client `id` in HELLO's reply)
//! - `@members KEY CMD ...` / `@distinct KEY CMD ...` for random picks (SPOP,
//!   SRANDMEMBER, HRANDFIELD): same reply type and length, every element from KEY's
//!   contents before the command, and (`@distinct`) no repeats (see [`crate::picks`])
//! - `@capture NAME CMD ...` run CMD on both (compared by shape) and remember each
//!   server's reply; a later argument written `$NAME` is replaced, per server, by it
//!   (e.g. `@capture me CLIENT ID` then `CLIENT KILL ID $me`)

use crate::text::split_args;

/// How two replies are compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Byte for byte.
    Exact,
    /// Same aggregate type and size, same elements in any order.
    Unordered,
    /// Both errors or both non-errors, with the same first type byte.
    Shape,
    /// Integers within this distance; anything else byte for byte.
    Approx(i64),
}

/// One step of a script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Send a command to both and compare the replies.
    Command { argv: Vec<Vec<u8>>, mode: Mode },
    /// Send a command to both; compare with the value after element `field` blanked.
    Masked { argv: Vec<Vec<u8>>, field: Vec<u8> },
    /// Send a command to both, compare by shape and store each reply as `$name`.
    Capture { name: String, argv: Vec<Vec<u8>> },
    /// Run a random-pick command; compare summaries of its reply (see `crate::picks`).
    Picks { key: Vec<u8>, argv: Vec<Vec<u8>>, distinct: bool },
    /// Iterate a cursor command to the end on both and compare the element sets.
    ScanAll { argv: Vec<Vec<u8>> },
    /// Sleep this many milliseconds.
    Sleep(u64),
    /// Send raw bytes to both and compare this many replies.
    Raw { replies: usize, bytes: Vec<u8> },
    /// Both connections must be closed by the server; reconnect.
    Closed,
    /// Replace the current connections with fresh ones.
    Reconnect,
    /// Use connection pair N from now on.
    Conn(usize),
    /// Both server processes must exit; the script ends.
    Exited,
}

/// A parsed script line.
#[derive(Clone, Debug)]
pub struct Line {
    /// 1-based line number in the file.
    pub lineno: usize,
    /// The line as written (for reports).
    pub text: String,
    /// What to do.
    pub step: Step,
}

/// Parses a whole script; errors name the line.
pub fn parse_script(text: &str) -> Result<Vec<Line>, String> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let t = raw.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let step = parse_line(t).map_err(|e| format!("line {}: {e}: {t}", i + 1))?;
        out.push(Line { lineno: i + 1, text: t.to_string(), step });
    }
    Ok(out)
}

fn command(rest: &str) -> Result<Vec<Vec<u8>>, String> {
    let argv = split_args(rest)?;
    if argv.is_empty() {
        return Err("missing command".into());
    }
    Ok(argv)
}

fn parse_line(t: &str) -> Result<Step, String> {
    let Some(d) = t.strip_prefix('@') else {
        return Ok(Step::Command { argv: command(t)?, mode: Mode::Exact });
    };
    let (name, rest) = d.split_once(char::is_whitespace).unwrap_or((d, ""));
    let rest = rest.trim();
    let number = |s: &str| s.parse::<u64>().map_err(|_| format!("bad number {s:?}"));
    Ok(match name {
        "unordered" => Step::Command { argv: command(rest)?, mode: Mode::Unordered },
        "shape" => Step::Command { argv: command(rest)?, mode: Mode::Shape },
        "approx" => {
            let (n, cmd) = rest.split_once(char::is_whitespace).ok_or("@approx N CMD")?;
            Step::Command { argv: command(cmd)?, mode: Mode::Approx(number(n)? as i64) }
        }
        "scanall" => Step::ScanAll { argv: command(rest)? },
        "members" | "distinct" => {
            let mut argv = command(rest)?;
            if argv.len() < 2 {
                return Err(format!("@{name} KEY CMD"));
            }
            let key = argv.remove(0);
            Step::Picks { key, argv, distinct: name == "distinct" }
        }
        "mask" => {
            let (field, cmd) = rest.split_once(char::is_whitespace).ok_or("@mask FIELD CMD")?;
            Step::Masked { argv: command(cmd)?, field: field.as_bytes().to_vec() }
        }
        "capture" => {
            let (name, cmd) = rest.split_once(char::is_whitespace).ok_or("@capture NAME CMD")?;
            Step::Capture { name: name.to_string(), argv: command(cmd)? }
        }
        "sleep" => Step::Sleep(number(rest)?),
        "raw" => {
            let (n, bytes) = rest.split_once(char::is_whitespace).ok_or("@raw N \"BYTES\"")?;
            let mut parts = split_args(bytes)?;
            if parts.len() != 1 {
                return Err("@raw takes one quoted string".into());
            }
            Step::Raw { replies: number(n)? as usize, bytes: parts.remove(0) }
        }
        "closed" => Step::Closed,
        "reconnect" => Step::Reconnect,
        "exited" => Step::Exited,
        "conn" => Step::Conn(number(rest)? as usize),
        other => return Err(format!("unknown directive @{other}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_directives() {
        let lines = parse_script(
            "# c\n\nSET a \"\\x00\"\n@unordered KEYS *\n@shape TIME\n@approx 5 PTTL a\n\
             @sleep 10\n@scanall SCAN 0\n@raw 2 \"PING\\r\\nPING\\r\\n\"\n@closed\n@reconnect\n@conn 1\n\
             @mask id HELLO 3\n@capture me CLIENT ID\n",
        )
        .unwrap();
        assert_eq!(lines.len(), 12);
        assert_eq!(
            lines[10].step,
            Step::Masked { argv: vec![b"HELLO".to_vec(), b"3".to_vec()], field: b"id".to_vec() }
        );
        assert!(matches!(&lines[11].step, Step::Capture { name, .. } if name == "me"));
        assert_eq!(lines[0].lineno, 3);
        assert_eq!(
            lines[0].step,
            Step::Command { argv: vec![b"SET".to_vec(), b"a".to_vec(), vec![0]], mode: Mode::Exact }
        );
        assert!(matches!(lines[1].step, Step::Command { mode: Mode::Unordered, .. }));
        assert!(matches!(lines[2].step, Step::Command { mode: Mode::Shape, .. }));
        assert!(matches!(lines[3].step, Step::Command { mode: Mode::Approx(5), .. }));
        assert_eq!(lines[4].step, Step::Sleep(10));
        assert!(matches!(lines[5].step, Step::ScanAll { .. }));
        assert_eq!(lines[6].step, Step::Raw { replies: 2, bytes: b"PING\r\nPING\r\n".to_vec() });
        assert_eq!(lines[9].step, Step::Conn(1));
        assert!(parse_script("@bogus x").is_err());
        assert!(parse_script("SET \"a").is_err());
    }
}
