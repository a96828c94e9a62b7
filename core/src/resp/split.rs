//! Redis's `sdssplitargs`: splits an inline command (or a redis.conf line) into arguments,
//! with double quotes (`\xHH`, `\n`, `\r`, `\t`, `\b`, `\a`, `\<any>` escapes), single
//! quotes (only `\'` is an escape) and unquoted words.

use std::ops::Range;

/// A quote is never closed, or a closing quote is followed by something other than a space.
/// Redis answers `ERR Protocol error: unbalanced quotes in request` to such an inline command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnbalancedQuotes;

/// C's `isspace` in the "C" locale (bytes >= 0x80 are never spaces).
#[inline]
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

#[inline]
fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Splits `line` exactly like Redis's `sdssplitargs`: appends the bytes of every argument to
/// `buf` and its range in `buf` to `spans`. Like the C original, the line ends at its first
/// NUL byte. On error `buf` and `spans` are left as they were.
pub fn split_args_into(line: &[u8], buf: &mut Vec<u8>, spans: &mut Vec<Range<usize>>) -> Result<(), UnbalancedQuotes> {
    let (buf_len, spans_len) = (buf.len(), spans.len());
    let r = split_inner(line, buf, spans);
    if r.is_err() {
        buf.truncate(buf_len);
        spans.truncate(spans_len);
    }
    r
}

/// Convenience form of [`split_args_into`]: each argument as its own vector.
pub fn split_args(line: &[u8]) -> Result<Vec<Vec<u8>>, UnbalancedQuotes> {
    let mut buf = Vec::new();
    let mut spans = Vec::new();
    split_args_into(line, &mut buf, &mut spans)?;
    Ok(spans.into_iter().map(|r| buf[r].to_vec()).collect())
}

fn split_inner(line: &[u8], buf: &mut Vec<u8>, spans: &mut Vec<Range<usize>>) -> Result<(), UnbalancedQuotes> {
    let line = match line.iter().position(|&b| b == 0) {
        Some(nul) => &line[..nul],
        None => line,
    };
    // `at(i)` is the C string's byte at i: 0 past the end.
    let at = |i: usize| line.get(i).copied().unwrap_or(0);
    let mut p = 0usize;
    loop {
        while p < line.len() && is_space(line[p]) {
            p += 1;
        }
        if p >= line.len() {
            return Ok(());
        }
        let start = buf.len();
        let mut in_double = false;
        let mut in_single = false;
        loop {
            let c = at(p);
            let mut done = false;
            if in_double {
                if c == b'\\' && at(p + 1) == b'x' {
                    if let (Some(hi), Some(lo)) = (hex_value(at(p + 2)), hex_value(at(p + 3))) {
                        buf.push(hi * 16 + lo);
                        p += 3;
                    } else {
                        // `\x` without two hex digits: the generic escape, giving 'x'.
                        p += 1;
                        buf.push(b'x');
                    }
                } else if c == b'\\' && at(p + 1) != 0 {
                    p += 1;
                    buf.push(match at(p) {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    });
                } else if c == b'"' {
                    if at(p + 1) != 0 && !is_space(at(p + 1)) {
                        return Err(UnbalancedQuotes);
                    }
                    done = true;
                } else if c == 0 {
                    return Err(UnbalancedQuotes);
                } else {
                    buf.push(c);
                }
            } else if in_single {
                if c == b'\\' && at(p + 1) == b'\'' {
                    p += 1;
                    buf.push(b'\'');
                } else if c == b'\'' {
                    if at(p + 1) != 0 && !is_space(at(p + 1)) {
                        return Err(UnbalancedQuotes);
                    }
                    done = true;
                } else if c == 0 {
                    return Err(UnbalancedQuotes);
                } else {
                    buf.push(c);
                }
            } else {
                match c {
                    b' ' | b'\n' | b'\r' | b'\t' | 0 => done = true,
                    b'"' => in_double = true,
                    b'\'' => in_single = true,
                    _ => buf.push(c),
                }
            }
            if at(p) != 0 {
                p += 1;
            }
            if done {
                break;
            }
        }
        spans.push(start..buf.len());
    }
}

/// Quotes `arg` so that [`split_args`] gives it back unchanged (like Redis's `sdscatrepr`).
pub fn quote_arg(arg: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    for &b in arg {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'"' => out.extend_from_slice(b"\\\""),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x07 => out.extend_from_slice(b"\\a"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x20..=0x7e => out.push(b),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(&[b'\\', b'x', HEX[(b >> 4) as usize], HEX[(b & 15) as usize]]);
            }
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn split(s: &[u8]) -> Result<Vec<Vec<u8>>, UnbalancedQuotes> {
        split_args(s)
    }

    fn ok(s: &[u8]) -> Vec<String> {
        split(s).unwrap().into_iter().map(|a| String::from_utf8_lossy(&a).into_owned()).collect()
    }

    #[test]
    fn words_and_blanks() {
        assert_eq!(ok(b"  SET  k   v  "), ["SET", "k", "v"]);
        assert_eq!(ok(b""), Vec::<String>::new());
        assert_eq!(ok(b" \t\x0b\x0c "), Vec::<String>::new());
        // \v and \f are skipped between words but belong to a word once it started.
        assert_eq!(ok(b"a\x0bb c"), ["a\x0bb", "c"]);
        assert_eq!(ok(b"a\tb\rc\nd"), ["a", "b", "c", "d"]);
    }

    #[test]
    fn double_quotes_and_escapes() {
        assert_eq!(ok(br#""a b" c"#), ["a b", "c"]);
        assert_eq!(split(br#""\x41\x4g\n\r\t\b\a\q\"\\""#).unwrap(), vec![b"Ax4g\n\r\t\x08\x07q\"\\".to_vec()]);
        assert_eq!(ok(br#""""#), [""]);
        assert_eq!(ok(br#"ab"cd" e"#), ["abcd", "e"]);
        assert_eq!(split(br#""\xff""#).unwrap(), vec![vec![0xff]]);
        assert_eq!(split(br#""\xFf""#).unwrap(), vec![vec![0xff]]);
    }

    #[test]
    fn single_quotes() {
        assert_eq!(ok(br#"'a\'b' 'c\n'"#), ["a'b", "c\\n"]);
        assert_eq!(ok(b"'a b'\t"), ["a b"]);
    }

    #[test]
    fn unbalanced() {
        assert_eq!(split(br#""abc"#), Err(UnbalancedQuotes));
        assert_eq!(split(br#""a"b"#), Err(UnbalancedQuotes));
        assert_eq!(split(br#"'a'b"#), Err(UnbalancedQuotes));
        assert_eq!(split(br#"'abc"#), Err(UnbalancedQuotes));
        assert_eq!(split(b"\"abc\\"), Err(UnbalancedQuotes));
        // A closing quote followed by \v is fine (isspace).
        assert_eq!(ok(b"\"a\"\x0bb"), ["a", "b"]);
    }

    #[test]
    fn stops_at_nul() {
        assert_eq!(ok(b"a b\0c d"), ["a", "b"]);
        assert_eq!(split(b"\"a\0\""), Err(UnbalancedQuotes));
    }

    #[test]
    fn error_leaves_outputs_unchanged() {
        let mut buf = b"xy".to_vec();
        let mut spans: Vec<Range<usize>> = Vec::new();
        spans.push(0..2);
        assert!(split_args_into(b"a \"b", &mut buf, &mut spans).is_err());
        assert_eq!(buf, b"xy");
        assert_eq!(spans.len(), 1);
        assert_eq!(spans[0], 0..2);
    }

    proptest! {
        #[test]
        fn quoted_round_trip(args in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..20), 0..8)) {
            // NUL ends a C string, so a quoted arg may not contain one.
            let args: Vec<Vec<u8>> = args.into_iter().map(|a| a.into_iter().filter(|&b| b != 0).collect()).collect();
            let mut line = Vec::new();
            for a in &args {
                quote_arg(a, &mut line);
                line.push(b' ');
            }
            prop_assert_eq!(split(&line).unwrap(), args);
        }

        #[test]
        fn never_panics(line in proptest::collection::vec(prop_oneof![Just(b'"'), Just(b'\''), Just(b'\\'), Just(b'x'), Just(b' '), any::<u8>()], 0..40)) {
            let _ = split(&line);
        }
    }
}
