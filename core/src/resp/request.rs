//! A resumable request parser with Redis 7.0's exact rules (`processMultibulkBuffer`,
//! `processInlineBuffer` in networking.c).
//!
//! The host keeps a query buffer per client and calls [`RequestParser::parse`] with its
//! unconsumed bytes, which always start at the beginning of the command being parsed. The
//! parser remembers how far it got, so a huge command arriving in many reads is scanned once.
//! Multibulk arguments are ranges of the host's buffer (no copies); inline arguments, which
//! may contain escapes, are unescaped into a scratch buffer the parser reuses.

use std::ops::Range;

use super::error::ProtocolError;
use super::split::split_args_into;
use crate::numfmt::parse_i64;

/// Redis's `PROTO_INLINE_MAX_SIZE`: the longest inline request, and the longest `*`/`$`
/// header line, that may be buffered without finding its end.
pub const INLINE_MAX_SIZE: usize = 64 * 1024;

/// Largest `*<n>` count accepted before a client authenticated.
const UNAUTH_MAX_MULTIBULK: i64 = 10;
/// Largest `$<n>` length accepted before a client authenticated.
const UNAUTH_MAX_BULK: i64 = 16384;

/// The limits that depend on configuration and on the client, read at every call.
#[derive(Clone, Copy, Debug)]
pub struct ParseLimits {
    /// `proto-max-bulk-len`: the largest `$<n>` accepted.
    pub proto_max_bulk_len: u64,
    /// Whether the client still has to authenticate (a password is set and it has not).
    pub auth_required: bool,
}

impl Default for ParseLimits {
    fn default() -> Self {
        ParseLimits { proto_max_bulk_len: 512 * 1024 * 1024, auth_required: false }
    }
}

/// What one call to [`RequestParser::parse`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parse {
    /// The command is not complete. Keep all the bytes passed in (the parser holds ranges into
    /// them) and call again with the same start once more bytes arrived.
    Incomplete,
    /// A complete command that took this many bytes of the input. Its arguments are read with
    /// [`RequestParser::argv`]. It may have no arguments (`*0`, a blank line): Redis skips those.
    Command(usize),
    /// A protocol error: send [`ProtocolError::write_reply`] and close the connection.
    Error(ProtocolError),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// No command started.
    Idle,
    /// An inline command: `scanned` bytes hold no line end.
    Inline,
    /// A multibulk command whose `*<n>` line is not complete yet.
    Count,
    /// A multibulk command with `remaining` arguments to read; `bulk` is the length of the
    /// one being read once its `$<n>` line was parsed.
    Args { remaining: usize, bulk: Option<usize> },
}

/// Where the search for a line end stopped.
enum LineEnd {
    /// The terminator is at this offset.
    At(usize),
    /// Not found (yet).
    Missing,
}

/// Searches `hay[from..]` for `target` the way C's `strchr` does: a NUL byte ends the search
/// unsuccessfully. Returns the result and the offset where a later search should resume.
#[inline]
fn find_line_end(hay: &[u8], from: usize, target: u8) -> (LineEnd, usize) {
    let from = from.min(hay.len());
    match hay[from..].iter().position(|&b| b == target || b == 0) {
        Some(i) if hay[from + i] == target => (LineEnd::At(from + i), from + i),
        // A NUL: strchr stops here and so does every later search.
        Some(i) => (LineEnd::Missing, from + i),
        None => (LineEnd::Missing, hay.len()),
    }
}

/// Fast path for the usual short header `X<d>\r?` or `X<dd>\r?` (X is `*` or `$`, the
/// byte after `\r` present): its value and the offset of the `\r`. Anything else (longer
/// numbers, signs, leading zeros, incomplete lines) is left to the general path, which
/// gives the same result for these inputs.
#[inline]
fn quick_header(rest: &[u8]) -> Option<(i64, usize)> {
    let digit = |b: u8| b.wrapping_sub(b'0');
    if rest.len() >= 4 && rest[2] == b'\r' && digit(rest[1]) < 10 {
        return Some((digit(rest[1]) as i64, 2));
    }
    if rest.len() >= 5 && rest[3] == b'\r' && (1..10).contains(&digit(rest[1])) && digit(rest[2]) < 10 {
        return Some(((digit(rest[1]) * 10 + digit(rest[2])) as i64, 3));
    }
    None
}

/// Parses client requests. One per connection; reuses its buffers between commands.
#[derive(Debug)]
pub struct RequestParser {
    state: State,
    /// Bytes of the current command already parsed (multibulk).
    pos: usize,
    /// Bytes after `pos` (or of the inline line) already searched for a line end.
    scanned: usize,
    /// Argument ranges: into the input for multibulk, into `scratch` for inline.
    spans: Vec<Range<usize>>,
    /// Whether `spans` index `scratch` (inline command).
    inline: bool,
    /// Unescaped inline arguments.
    scratch: Vec<u8>,
}

impl Default for RequestParser {
    fn default() -> Self {
        RequestParser::new()
    }
}

impl RequestParser {
    /// A parser waiting for the first command.
    pub fn new() -> RequestParser {
        RequestParser { state: State::Idle, pos: 0, scanned: 0, spans: Vec::new(), inline: false, scratch: Vec::new() }
    }

    /// Whether a command is partly parsed (bytes passed in so far must be kept).
    pub fn in_progress(&self) -> bool {
        self.state != State::Idle
    }

    /// Bytes of the pending input already parsed into arguments. Redis counts only the rest
    /// against `client-query-buffer-limit`.
    pub fn parsed_len(&self) -> usize {
        match self.state {
            State::Args { .. } => self.pos,
            _ => 0,
        }
    }

    /// When an argument of known length is being read: the input length needed to complete
    /// it, so the host can grow its buffer once and read straight into it.
    pub fn needed_len(&self) -> Option<usize> {
        match self.state {
            State::Args { bulk: Some(b), .. } => Some(self.pos.saturating_add(b).saturating_add(2)),
            _ => None,
        }
    }

    /// Number of arguments of the command last returned by [`Parse::Command`].
    pub fn argc(&self) -> usize {
        self.spans.len()
    }

    /// Argument `i` of the last complete command; `input` is the slice given to `parse`.
    pub fn arg<'a>(&'a self, input: &'a [u8], i: usize) -> &'a [u8] {
        let r = self.spans[i].clone();
        if self.inline {
            &self.scratch[r]
        } else {
            &input[r]
        }
    }

    /// Fills `out` with the arguments of the last complete command; `input` is the slice given
    /// to `parse`.
    pub fn argv<'a>(&'a self, input: &'a [u8], out: &mut Vec<&'a [u8]>) {
        out.clear();
        let src: &'a [u8] = if self.inline { &self.scratch } else { input };
        out.extend(self.spans.iter().map(|r| &src[r.clone()]));
    }

    /// Forgets any partly parsed command (the host dropped its buffer).
    pub fn reset(&mut self) {
        self.state = State::Idle;
        self.pos = 0;
        self.scanned = 0;
        self.spans.clear();
    }

    /// Parses the command at the start of `input`, resuming where the previous call stopped
    /// when that one returned [`Parse::Incomplete`].
    pub fn parse(&mut self, input: &[u8], limits: &ParseLimits) -> Parse {
        if self.state == State::Idle {
            if self.spans.capacity() > 4096 {
                // Do not keep the ranges of a huge command for the life of the connection.
                self.spans = Vec::new();
            }
            self.spans.clear();
            self.scratch.clear();
            self.pos = 0;
            self.scanned = 0;
            match input.first() {
                None => return Parse::Incomplete,
                Some(b'*') => {
                    self.inline = false;
                    self.state = State::Count;
                }
                Some(_) => {
                    self.inline = true;
                    self.state = State::Inline;
                }
            }
        }
        let r = match self.state {
            State::Inline => self.parse_inline(input),
            _ => self.parse_multibulk(input, limits),
        };
        if !matches!(r, Parse::Incomplete) {
            self.state = State::Idle;
        }
        r
    }

    fn parse_inline(&mut self, input: &[u8]) -> Parse {
        let (end, scanned) = find_line_end(input, self.scanned, b'\n');
        self.scanned = scanned;
        let LineEnd::At(nl) = end else {
            if input.len() > INLINE_MAX_SIZE {
                return Parse::Error(ProtocolError::TooBigInline);
            }
            return Parse::Incomplete;
        };
        let line_end = if nl > 0 && input[nl - 1] == b'\r' { nl - 1 } else { nl };
        if split_args_into(&input[..line_end], &mut self.scratch, &mut self.spans).is_err() {
            return Parse::Error(ProtocolError::UnbalancedQuotes);
        }
        Parse::Command(nl + 1)
    }

    fn parse_multibulk(&mut self, input: &[u8], limits: &ParseLimits) -> Parse {
        if self.state == State::Count {
            let (count, cr) = match quick_header(input) {
                Some(x) => x,
                None => {
                    let (end, scanned) = find_line_end(input, self.scanned, b'\r');
                    self.scanned = scanned;
                    let LineEnd::At(cr) = end else {
                        if input.len() > INLINE_MAX_SIZE {
                            return Parse::Error(ProtocolError::TooBigMbulkCount);
                        }
                        return Parse::Incomplete;
                    };
                    // Redis wants one byte after the '\r' (it does not check that it is '\n').
                    if cr + 2 > input.len() {
                        return Parse::Incomplete;
                    }
                    match parse_i64(&input[1..cr]) {
                        Some(n) if n <= i32::MAX as i64 => (n, cr),
                        _ => return Parse::Error(ProtocolError::InvalidMultibulkLength),
                    }
                }
            };
            if count > UNAUTH_MAX_MULTIBULK && limits.auth_required {
                return Parse::Error(ProtocolError::UnauthenticatedMultibulkLength);
            }
            self.pos = cr + 2;
            self.scanned = 0;
            if count <= 0 {
                return Parse::Command(self.pos);
            }
            let count = count as usize;
            self.spans.reserve(count.min(1024));
            self.state = State::Args { remaining: count, bulk: None };
        }
        let State::Args { mut remaining, mut bulk } = self.state else {
            return Parse::Incomplete;
        };
        let result = loop {
            if remaining == 0 {
                break Parse::Command(self.pos);
            }
            let len = match bulk {
                Some(len) => len,
                None => match self.parse_bulk_header(input, limits) {
                    Ok(Some(len)) => len,
                    Ok(None) => break Parse::Incomplete,
                    Err(e) => break Parse::Error(e),
                },
            };
            bulk = Some(len);
            if input.len() - self.pos < len.saturating_add(2) {
                break Parse::Incomplete;
            }
            self.spans.push(self.pos..self.pos + len);
            // The two bytes after the argument are skipped unchecked, as Redis does.
            self.pos += len + 2;
            bulk = None;
            remaining -= 1;
        };
        self.state = State::Args { remaining, bulk };
        result
    }

    /// Reads a `$<len>\r\n` line at `pos`: `Ok(None)` when it is not complete yet.
    fn parse_bulk_header(&mut self, input: &[u8], limits: &ParseLimits) -> Result<Option<usize>, ProtocolError> {
        let rest = &input[self.pos..];
        let quick = if rest.first() == Some(&b'$') { quick_header(rest) } else { None };
        let (len, cr) = match quick {
            Some(x) => x,
            None => {
                let (end, scanned) = find_line_end(rest, self.scanned, b'\r');
                self.scanned = scanned;
                let LineEnd::At(cr) = end else {
                    if rest.len() > INLINE_MAX_SIZE {
                        return Err(ProtocolError::TooBigBulkCount);
                    }
                    return Ok(None);
                };
                if cr + 2 > rest.len() {
                    return Ok(None);
                }
                if rest[0] != b'$' {
                    return Err(ProtocolError::ExpectedDollar(rest[0]));
                }
                match parse_i64(&rest[1..cr]) {
                    Some(n) => (n, cr),
                    None => return Err(ProtocolError::InvalidBulkLength),
                }
            }
        };
        if len < 0 || (len as u64) > limits.proto_max_bulk_len {
            return Err(ProtocolError::InvalidBulkLength);
        }
        if len > UNAUTH_MAX_BULK && limits.auth_required {
            return Err(ProtocolError::UnauthenticatedBulkLength);
        }
        self.pos += cr + 2;
        self.scanned = 0;
        usize::try_from(len).map(Some).map_err(|_| ProtocolError::InvalidBulkLength)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resp::split::quote_arg;
    use proptest::prelude::*;

    /// Parses all of `input` at once: the commands and the final outcome.
    fn parse_all(input: &[u8], limits: &ParseLimits) -> (Vec<Vec<Vec<u8>>>, Parse) {
        let mut p = RequestParser::new();
        let mut cmds = Vec::new();
        let mut at = 0;
        loop {
            match p.parse(&input[at..], limits) {
                Parse::Command(n) => {
                    let mut v = Vec::new();
                    p.argv(&input[at..], &mut v);
                    if !v.is_empty() {
                        cmds.push(v.iter().map(|a| a.to_vec()).collect());
                    }
                    at += n;
                }
                other => return (cmds, other),
            }
        }
    }

    fn one(input: &[u8]) -> Parse {
        parse_all(input, &ParseLimits::default()).1
    }

    fn err(input: &[u8]) -> Option<ProtocolError> {
        match one(input) {
            Parse::Error(e) => Some(e),
            _ => None,
        }
    }

    fn encode(argv: &[Vec<u8>]) -> Vec<u8> {
        let mut out = format!("*{}\r\n", argv.len()).into_bytes();
        for a in argv {
            out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            out.extend_from_slice(a);
            out.extend_from_slice(b"\r\n");
        }
        out
    }

    #[test]
    fn multibulk_basic() {
        let (cmds, last) = parse_all(b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$4\r\nPING\r\n", &ParseLimits::default());
        assert_eq!(cmds, vec![vec![b"GET".to_vec(), b"k".to_vec()], vec![b"PING".to_vec()]]);
        assert_eq!(last, Parse::Incomplete);
    }

    #[test]
    fn lenient_terminators_like_redis() {
        // Redis skips the byte after '\r' and the two bytes after an argument unchecked.
        let (cmds, _) = parse_all(b"*1\rX$4\r\nPINGxx*1\r\n$4\r\nPING\r\n", &ParseLimits::default());
        assert_eq!(cmds, vec![vec![b"PING".to_vec()], vec![b"PING".to_vec()]]);
    }

    #[test]
    fn empty_commands_are_skipped() {
        let (cmds, last) = parse_all(b"*0\r\n*-5\r\n\r\n\n  \r\nPING\n", &ParseLimits::default());
        assert_eq!(cmds, vec![vec![b"PING".to_vec()]]);
        assert_eq!(last, Parse::Incomplete);
    }

    #[test]
    fn protocol_errors_match_redis() {
        assert_eq!(err(b"*1\r\n\r\n"), Some(ProtocolError::ExpectedDollar(b'\r')));
        assert_eq!(err(b"*1\r\n\xff\r\n"), Some(ProtocolError::ExpectedDollar(0xff)));
        assert_eq!(err(b"*1\r\n$-1\r\n"), Some(ProtocolError::InvalidBulkLength));
        assert_eq!(err(b"*1\r\n$+1\r\n"), Some(ProtocolError::InvalidBulkLength));
        assert_eq!(err(b"*1\r\n$01\r\n"), Some(ProtocolError::InvalidBulkLength));
        assert_eq!(err(b"*1\r\n$\r\n"), Some(ProtocolError::InvalidBulkLength));
        assert_eq!(err(b"*3000000000\r\n"), Some(ProtocolError::InvalidMultibulkLength));
        assert_eq!(err(b"*2147483648\r\n"), Some(ProtocolError::InvalidMultibulkLength));
        assert_eq!(err(b"*-0\r\n"), Some(ProtocolError::InvalidMultibulkLength));
        assert_eq!(err(b"*\r\n"), Some(ProtocolError::InvalidMultibulkLength));
        assert_eq!(err(b"*x\r\n"), Some(ProtocolError::InvalidMultibulkLength));
        assert_eq!(err(b"PING \"a\"b\r\n"), Some(ProtocolError::UnbalancedQuotes));
        // *2147483647 is a valid count: the parser waits for the arguments.
        assert_eq!(one(b"*2147483647\r\n"), Parse::Incomplete);
        assert_eq!(one(b"*12\r\n"), Parse::Incomplete);
    }

    #[test]
    fn bulk_length_limit() {
        let lim = ParseLimits { proto_max_bulk_len: 100, auth_required: false };
        assert_eq!(parse_all(b"*1\r\n$100\r\n", &lim).1, Parse::Incomplete);
        assert_eq!(parse_all(b"*1\r\n$101\r\n", &lim).1, Parse::Error(ProtocolError::InvalidBulkLength));
    }

    #[test]
    fn unauthenticated_limits() {
        let lim = ParseLimits { auth_required: true, ..Default::default() };
        assert_eq!(parse_all(b"*10\r\n", &lim).1, Parse::Incomplete);
        assert_eq!(parse_all(b"*11\r\n", &lim).1, Parse::Error(ProtocolError::UnauthenticatedMultibulkLength));
        assert_eq!(parse_all(b"*1\r\n$16384\r\n", &lim).1, Parse::Incomplete);
        assert_eq!(parse_all(b"*1\r\n$16385\r\n", &lim).1, Parse::Error(ProtocolError::UnauthenticatedBulkLength));
        // The bulk length is validated before the auth limit.
        assert_eq!(parse_all(b"*1\r\n$-1\r\n", &lim).1, Parse::Error(ProtocolError::InvalidBulkLength));
    }

    #[test]
    fn too_big_headers_and_inline() {
        let mut big = b"*1".to_vec();
        big.resize(INLINE_MAX_SIZE + 1, b'1');
        assert_eq!(err(&big), Some(ProtocolError::TooBigMbulkCount));
        big.truncate(INLINE_MAX_SIZE);
        assert_eq!(one(&big), Parse::Incomplete);

        let mut big = b"*1\r\n$".to_vec();
        big.resize(4 + INLINE_MAX_SIZE + 1, b'1');
        assert_eq!(err(&big), Some(ProtocolError::TooBigBulkCount));

        let mut big = b"GET ".to_vec();
        big.resize(INLINE_MAX_SIZE + 1, b'a');
        assert_eq!(err(&big), Some(ProtocolError::TooBigInline));
        big.truncate(INLINE_MAX_SIZE);
        assert_eq!(one(&big), Parse::Incomplete);
    }

    #[test]
    fn nul_hides_line_ends_like_strchr() {
        // A NUL before the line end: Redis's strchr never sees the end; it waits until the
        // buffer passes 64 KiB and then fails.
        assert_eq!(one(b"PING\0\r\n"), Parse::Incomplete);
        assert_eq!(one(b"*1\0\r\n$4\r\nPING\r\n"), Parse::Incomplete);
        let mut big = b"*1\0\r\n".to_vec();
        big.resize(INLINE_MAX_SIZE + 1, b'x');
        assert_eq!(err(&big), Some(ProtocolError::TooBigMbulkCount));
        // NUL inside an argument's data is fine.
        let (cmds, _) = parse_all(b"*1\r\n$3\r\na\0b\r\n", &ParseLimits::default());
        assert_eq!(cmds, vec![vec![b"a\0b".to_vec()]]);
    }

    #[test]
    fn resumes_byte_by_byte() {
        let input = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n";
        let mut p = RequestParser::new();
        for n in 0..input.len() {
            assert_eq!(p.parse(&input[..n], &ParseLimits::default()), Parse::Incomplete, "at {n}");
        }
        assert_eq!(p.parse(input, &ParseLimits::default()), Parse::Command(input.len()));
        assert_eq!(p.arg(input, 2), b"hello");
        assert!(!p.in_progress());
    }

    #[test]
    fn big_bulk_hint() {
        let mut p = RequestParser::new();
        let input = b"*2\r\n$3\r\nSET\r\n$100000\r\nab";
        assert_eq!(p.parse(input, &ParseLimits::default()), Parse::Incomplete);
        assert_eq!(p.needed_len(), Some(13 + 9 + 100000 + 2));
        assert_eq!(p.parsed_len(), 22);
    }

    #[test]
    fn inline_commands() {
        let (cmds, _) = parse_all(b"SET k \"a b\"\r\nECHO '\\'x'\nGET k\r\r\n", &ParseLimits::default());
        assert_eq!(
            cmds,
            vec![
                vec![b"SET".to_vec(), b"k".to_vec(), b"a b".to_vec()],
                vec![b"ECHO".to_vec(), b"'x".to_vec()],
                vec![b"GET".to_vec(), b"k".to_vec()],
            ]
        );
    }

    #[test]
    fn quick_header_agrees_with_general_path() {
        // Whenever the fast path answers, the general path (strchr + string2ll) must give
        // the same value and line end. Exhaustive over short headers from a tricky alphabet.
        const ALPHABET: &[u8] = b"0159-+ \r\n\0x";
        let general = |rest: &[u8]| -> Option<(i64, usize)> {
            let (LineEnd::At(cr), _) = find_line_end(rest, 0, b'\r') else { return None };
            if cr + 2 > rest.len() {
                return None;
            }
            parse_i64(&rest[1..cr]).map(|n| (n, cr))
        };
        let mut checked = 0;
        for len in 1..=5u32 {
            for code in 0..ALPHABET.len().pow(len) {
                let mut rest = vec![b'$'];
                let mut c = code;
                for _ in 0..len {
                    rest.push(ALPHABET[c % ALPHABET.len()]);
                    c /= ALPHABET.len();
                }
                if let Some(q) = quick_header(&rest) {
                    assert_eq!(Some(q), general(&rest), "{:?}", String::from_utf8_lossy(&rest));
                    checked += 1;
                }
            }
        }
        assert!(checked > 100);
    }

    fn arb_argv() -> impl Strategy<Value = Vec<Vec<u8>>> {
        proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..40), 1..10)
    }

    /// Feeds `input` in the given chunk sizes, as a host with a growing buffer would.
    fn feed_chunked(input: &[u8], chunks: &[usize]) -> Vec<Vec<Vec<u8>>> {
        let mut p = RequestParser::new();
        let lim = ParseLimits::default();
        let mut buf: Vec<u8> = Vec::new();
        let mut fed = 0;
        let mut cmds = Vec::new();
        let mut sizes = chunks.iter().cycle();
        while fed < input.len() {
            let n = (*sizes.next().unwrap()).clamp(1, input.len() - fed);
            buf.extend_from_slice(&input[fed..fed + n]);
            fed += n;
            loop {
                match p.parse(&buf, &lim) {
                    Parse::Command(used) => {
                        let mut v = Vec::new();
                        p.argv(&buf, &mut v);
                        if !v.is_empty() {
                            cmds.push(v.iter().map(|a| a.to_vec()).collect());
                        }
                        buf.drain(..used);
                    }
                    Parse::Incomplete => break,
                    Parse::Error(e) => panic!("unexpected {e:?}"),
                }
            }
        }
        assert!(buf.is_empty());
        cmds
    }

    proptest! {
        #[test]
        fn multibulk_round_trip_in_chunks(
            cmds in proptest::collection::vec(arb_argv(), 1..6),
            chunks in proptest::collection::vec(1usize..64, 1..8),
        ) {
            let mut input = Vec::new();
            for c in &cmds {
                input.extend_from_slice(&encode(c));
            }
            prop_assert_eq!(feed_chunked(&input, &chunks), cmds);
        }

        #[test]
        fn inline_round_trip_in_chunks(
            cmds in proptest::collection::vec(
                proptest::collection::vec(proptest::collection::vec(1u8..=255, 0..20), 1..6), 1..6),
            chunks in proptest::collection::vec(1usize..32, 1..8),
        ) {
            let mut input = Vec::new();
            for c in &cmds {
                for a in c {
                    quote_arg(a, &mut input);
                    input.push(b' ');
                }
                input.extend_from_slice(b"\r\n");
            }
            prop_assert_eq!(feed_chunked(&input, &chunks), cmds);
        }

        #[test]
        fn arbitrary_bytes_never_panic(input in proptest::collection::vec(
            prop_oneof![Just(b'*'), Just(b'$'), Just(b'\r'), Just(b'\n'), Just(b'"'), b'0'..=b'9', any::<u8>()], 0..200),
            auth in any::<bool>(),
        ) {
            let lim = ParseLimits { proto_max_bulk_len: 50, auth_required: auth };
            let _ = parse_all(&input, &lim);
        }
    }
}
