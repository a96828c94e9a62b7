//! A minimal RESP2/RESP3 framer: finds where one whole reply ends in a byte buffer, so the
//! harness can compare the exact bytes each server sent, and splits aggregates into their
//! elements for unordered comparison.

/// Encodes `argv` as a RESP multibulk request.
pub fn encode_command(argv: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + argv.iter().map(|a| a.len() + 16).sum::<usize>());
    out.extend_from_slice(format!("*{}\r\n", argv.len()).as_bytes());
    for a in argv {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Length in bytes of the first complete reply in `buf`: `Ok(None)` when more bytes are
/// needed, `Err` when the bytes are not valid RESP.
pub fn reply_len(buf: &[u8]) -> Result<Option<usize>, String> {
    scan(buf, 0)
}

/// Finds the CRLF-terminated header line starting at `pos` (after the type byte).
/// Returns (line contents, offset after CRLF).
fn line(buf: &[u8], pos: usize) -> Option<(&[u8], usize)> {
    let rest = buf.get(pos..)?;
    let nl = rest.windows(2).position(|w| w == b"\r\n")?;
    Some((&rest[..nl], pos + nl + 2))
}

fn parse_len(line: &[u8]) -> Result<i64, String> {
    std::str::from_utf8(line)
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .ok_or_else(|| format!("bad RESP length {:?}", String::from_utf8_lossy(line)))
}

/// Scans one reply starting at `pos`; returns the offset just after it.
fn scan(buf: &[u8], pos: usize) -> Result<Option<usize>, String> {
    let Some(&kind) = buf.get(pos) else { return Ok(None) };
    let Some((head, after)) = line(buf, pos + 1) else { return Ok(None) };
    match kind {
        b'+' | b'-' | b':' | b'_' | b'#' | b',' | b'(' => Ok(Some(after)),
        b'$' | b'=' | b'!' => {
            let n = parse_len(head)?;
            if n < 0 {
                return Ok(Some(after));
            }
            let end = after + n as usize;
            if buf.len() < end + 2 {
                return Ok(None);
            }
            if &buf[end..end + 2] != b"\r\n" {
                return Err("bulk string not terminated by CRLF".into());
            }
            Ok(Some(end + 2))
        }
        b'*' | b'~' | b'>' | b'%' | b'|' => {
            let n = parse_len(head)?;
            if n < 0 {
                return Ok(Some(after));
            }
            let count = if matches!(kind, b'%' | b'|') { 2 * n } else { n };
            let mut p = after;
            for _ in 0..count {
                match scan(buf, p)? {
                    Some(next) => p = next,
                    None => return Ok(None),
                }
            }
            if kind == b'|' {
                // An attribute map is followed by the reply it annotates.
                return scan(buf, p);
            }
            Ok(Some(p))
        }
        other => Err(format!("unknown RESP type byte 0x{other:02x}")),
    }
}

/// An aggregate reply split into its header line and its elements' raw bytes.
/// Maps (`%`) yield one element per key/value pair (both concatenated).
pub fn split_aggregate(reply: &[u8]) -> Option<(&[u8], Vec<&[u8]>)> {
    let kind = *reply.first()?;
    if !matches!(kind, b'*' | b'~' | b'>' | b'%') {
        return None;
    }
    let (head, after) = line(reply, 1)?;
    let n = parse_len(head).ok()?;
    if n < 0 {
        return None;
    }
    let per = if kind == b'%' { 2 } else { 1 };
    let mut elems = Vec::with_capacity(n as usize);
    let mut p = after;
    for _ in 0..n {
        let start = p;
        for _ in 0..per {
            p = scan(reply, p).ok()??;
        }
        elems.push(&reply[start..p]);
    }
    Some((&reply[..after], elems))
}

/// The integer value of a `:` reply.
pub fn as_int(reply: &[u8]) -> Option<i64> {
    let body = reply.strip_prefix(b":")?.strip_suffix(b"\r\n")?;
    std::str::from_utf8(body).ok()?.parse().ok()
}

/// The payload of a bulk (`$`) or verbatim (`=`) string reply; verbatim drops `txt:`.
pub fn as_bulk(reply: &[u8]) -> Option<&[u8]> {
    let kind = *reply.first()?;
    if kind != b'$' && kind != b'=' {
        return None;
    }
    let (head, after) = line(reply, 1)?;
    let n = usize::try_from(parse_len(head).ok()?).ok()?;
    let body = reply.get(after..after + n)?;
    Some(if kind == b'=' { body.get(4..)? } else { body })
}

/// Whether the reply is an error (`-` or RESP3 blob error `!`).
pub fn is_error(reply: &[u8]) -> bool {
    matches!(reply.first(), Some(b'-') | Some(b'!'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_all_types() {
        for r in [
            &b"+OK\r\n"[..],
            b"-ERR x\r\n",
            b":12\r\n",
            b"$-1\r\n",
            b"$0\r\n\r\n",
            b"$4\r\na\r\nb\r\n",
            b"*-1\r\n",
            b"*2\r\n$1\r\na\r\n*1\r\n:1\r\n",
            b"%1\r\n+k\r\n:1\r\n",
            b"~2\r\n+a\r\n+b\r\n",
            b"_\r\n",
            b"#t\r\n",
            b",1.5\r\n",
            b"(123\r\n",
            b"=7\r\ntxt:abc\r\n",
            b"!3\r\nERR\r\n",
            b">2\r\n+a\r\n+b\r\n",
            b"|1\r\n+k\r\n+v\r\n:5\r\n",
        ] {
            assert_eq!(reply_len(r), Ok(Some(r.len())), "{:?}", String::from_utf8_lossy(r));
            let mut more = r.to_vec();
            more.extend_from_slice(b"+NEXT\r\n");
            assert_eq!(reply_len(&more), Ok(Some(r.len())));
            for cut in 0..r.len() {
                assert_eq!(reply_len(&r[..cut]), Ok(None), "cut {cut} of {:?}", r);
            }
        }
        assert!(reply_len(b"?x\r\n").is_err());
    }

    #[test]
    fn splits_aggregates() {
        let (head, els) = split_aggregate(b"*2\r\n$1\r\na\r\n:1\r\n").unwrap();
        assert_eq!(head, b"*2\r\n");
        assert_eq!(els, vec![&b"$1\r\na\r\n"[..], b":1\r\n"]);
        let (_, els) = split_aggregate(b"%1\r\n+k\r\n:1\r\n").unwrap();
        assert_eq!(els, vec![&b"+k\r\n:1\r\n"[..]]);
        assert_eq!(as_int(b":-5\r\n"), Some(-5));
        assert_eq!(as_bulk(b"$2\r\nab\r\n"), Some(&b"ab"[..]));
        assert_eq!(as_bulk(b"=6\r\ntxt:ab\r\n"), Some(&b"ab"[..]));
    }
}
