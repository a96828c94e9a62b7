//! Text helpers: redis-cli style argument splitting (Redis's `sdssplitargs`) and
//! escaping of raw bytes for readable reports.

/// Splits a line into arguments the way redis-cli does: whitespace separates arguments;
/// double quotes allow `\xHH`, `\n`, `\r`, `\t`, `\b`, `\a` and `\<char>` escapes; single
/// quotes allow only `\'`. A closing quote must be followed by whitespace or the end.
pub fn split_args(line: &str) -> Result<Vec<Vec<u8>>, String> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= b.len() {
            return Ok(out);
        }
        let mut cur = Vec::new();
        let (mut in_dq, mut in_sq) = (false, false);
        loop {
            if in_dq {
                let Some(&c) = b.get(i) else { return Err("unbalanced double quotes".into()) };
                if c == b'\\' && b.get(i + 1) == Some(&b'x') && hex_pair(b, i + 2).is_some() {
                    cur.push(hex_pair(b, i + 2).unwrap());
                    i += 4;
                    continue;
                } else if c == b'\\' && i + 1 < b.len() {
                    cur.push(match b[i + 1] {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 8,
                        b'a' => 7,
                        other => other,
                    });
                    i += 2;
                    continue;
                } else if c == b'"' {
                    if b.get(i + 1).is_some_and(|n| !n.is_ascii_whitespace()) {
                        return Err("closing quote must be followed by a space".into());
                    }
                    i += 1;
                    break;
                }
                cur.push(c);
                i += 1;
            } else if in_sq {
                let Some(&c) = b.get(i) else { return Err("unbalanced single quotes".into()) };
                if c == b'\\' && b.get(i + 1) == Some(&b'\'') {
                    cur.push(b'\'');
                    i += 2;
                    continue;
                } else if c == b'\'' {
                    if b.get(i + 1).is_some_and(|n| !n.is_ascii_whitespace()) {
                        return Err("closing quote must be followed by a space".into());
                    }
                    i += 1;
                    break;
                }
                cur.push(c);
                i += 1;
            } else {
                match b.get(i) {
                    None => break,
                    Some(c) if c.is_ascii_whitespace() => break,
                    Some(b'"') => in_dq = true,
                    Some(b'\'') => in_sq = true,
                    Some(&c) => cur.push(c),
                }
                i += 1;
            }
        }
        out.push(cur);
    }
}

fn hex_pair(b: &[u8], i: usize) -> Option<u8> {
    let h = |c: u8| (c as char).to_digit(16);
    Some((h(*b.get(i)?)? * 16 + h(*b.get(i + 1)?)?) as u8)
}

/// Escapes bytes for a one-line report: printable ASCII as is, `\r`, `\n`, `\t`, `\"`,
/// `\\` and `\xHH` for the rest.
pub fn escape(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() + 8);
    for &c in bytes {
        match c {
            b'\r' => s.push_str("\\r"),
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            0x20..=0x7e => s.push(c as char),
            _ => s.push_str(&format!("\\x{c:02x}")),
        }
    }
    s
}

/// Formats an argv as a redis-cli line (quoting arguments that need it), so a reported
/// command can be pasted back into a script.
pub fn format_command(argv: &[Vec<u8>]) -> String {
    argv.iter()
        .map(|a| {
            let plain =
                !a.is_empty() && a.iter().all(|&c| c.is_ascii_graphic() && c != b'"' && c != b'\'' && c != b'\\');
            if plain {
                String::from_utf8_lossy(a).into_owned()
            } else {
                format!("\"{}\"", escape(a))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Escapes `bytes`, cut to about `max` characters around byte `focus` when longer.
pub fn escape_window(bytes: &[u8], focus: usize, max: usize) -> String {
    if bytes.len() <= max {
        return escape(bytes);
    }
    let start = focus.saturating_sub(max / 3).min(bytes.len());
    let end = (start + max).min(bytes.len());
    format!(
        "{}{}{} ({} bytes)",
        if start > 0 { "..." } else { "" },
        escape(&bytes[start..end]),
        if end < bytes.len() { "..." } else { "" },
        bytes.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<Vec<u8>> {
        v.iter().map(|x| x.as_bytes().to_vec()).collect()
    }

    #[test]
    fn splits_like_redis_cli() {
        assert_eq!(split_args("set  a b").unwrap(), s(&["set", "a", "b"]));
        assert_eq!(split_args(r#"set "a b" 'c d'"#).unwrap(), s(&["set", "a b", "c d"]));
        assert_eq!(split_args(r#"set "\x00\r\n" ''"#).unwrap(), vec![b"set".to_vec(), b"\x00\r\n".to_vec(), vec![]]);
        assert_eq!(split_args(r#"x 'it\'s' "q\"q""#).unwrap(), s(&["x", "it's", "q\"q"]));
        assert_eq!(split_args(r#"x "\xzz""#).unwrap(), s(&["x", "xzz"]));
        assert_eq!(split_args(r"x a\nb").unwrap(), s(&["x", r"a\nb"]));
        assert!(split_args(r#"x "abc"#).is_err());
        assert!(split_args(r#"x "a"b"#).is_err());
        assert_eq!(split_args("   ").unwrap(), Vec::<Vec<u8>>::new());
    }

    #[test]
    fn escapes_and_formats() {
        assert_eq!(escape(b"+OK\r\n\x00"), "+OK\\r\\n\\x00");
        assert_eq!(format_command(&s(&["SET", "a b", ""])), r#"SET "a b" """#);
        let line = format_command(&[b"SET".to_vec(), b"\x00\"\\".to_vec()]);
        assert_eq!(split_args(&line).unwrap(), vec![b"SET".to_vec(), b"\x00\"\\".to_vec()]);
    }
}
