//! What HSCAN, SSCAN and ZSCAN share: Redis's `scanGenericCommand` option
//! parsing for a collection and the `[cursor, [elements]]` reply.
//!
//! Order of checks, as in Redis: the cursor (`ERR invalid cursor`), then the key's type
//! (a missing key answers an empty scan at once, whatever the options), then the
//! options. A small encoding (listpack, intset) is returned whole with cursor 0; a
//! `hashtable` is walked by slot from the top down (see `types::table`).

use crate::cmd::keyspace::parse_cursor;
use crate::cmd::{is, Args, Ctx};
use crate::error::CmdError;
use crate::reply::Reply;
use crate::util::glob::glob_match;

/// Elements visited per call when COUNT is not given (Redis: 10).
const DEFAULT_COUNT: usize = 10;

/// Parsed options of a collection scan.
pub struct ScanOptions<'a> {
    /// COUNT (at least 1).
    pub count: usize,
    /// MATCH pattern; `None` for none or a lone `*`.
    pub pattern: Option<&'a [u8]>,
}

impl ScanOptions<'_> {
    /// Whether `element` passes the MATCH filter.
    #[inline]
    pub fn matches(&self, element: &[u8]) -> bool {
        self.pattern.is_none_or(|p| glob_match(p, element, false))
    }
}

/// The cursor argument: `ERR invalid cursor` unless `strtoul` accepts it.
/// Like Redis, the parse clears the emulated `errno` first (see `cursor_errno`).
pub fn cursor(ctx: &mut Ctx, arg: &[u8]) -> Result<u64, CmdError> {
    ctx.st.errno_erange = cursor_erange(arg);
    parse_cursor(arg).ok_or_else(|| CmdError::other("ERR invalid cursor"))
}

/// Whether Redis's `parseScanCursorOrReply` (`errno = 0`, then `strtoul`) leaves `errno`
/// at `ERANGE`: the digits after optional space and sign overflow 64 bits.
pub fn cursor_erange(arg: &[u8]) -> bool {
    let mut i = arg.iter().take_while(|c| matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')).count();
    if matches!(arg.get(i), Some(b'+' | b'-')) {
        i += 1;
    }
    let digits = arg[i..].iter().take_while(|c| c.is_ascii_digit());
    let mut v: u64 = 0;
    for &d in digits {
        match v.checked_mul(10).and_then(|v| v.checked_add((d - b'0') as u64)) {
            Some(n) => v = n,
            None => return true,
        }
    }
    false
}

/// Parses the remaining `[MATCH pattern] [COUNT count]` (TYPE is a syntax error for
/// collections).
pub fn options<'a>(args: &mut Args<'a>) -> Result<ScanOptions<'a>, CmdError> {
    let mut opts = ScanOptions { count: DEFAULT_COUNT, pattern: None };
    while let Some(opt) = args.next() {
        let has_value = args.has_more();
        if is(opt, "count") && has_value {
            let n = args.next_i64()?;
            if n < 1 {
                return Err(CmdError::Syntax);
            }
            opts.count = usize::try_from(n).unwrap_or(usize::MAX);
        } else if is(opt, "match") && has_value {
            let p = args.take();
            opts.pattern = (p != b"*").then_some(p);
        } else {
            return Err(CmdError::Syntax);
        }
    }
    Ok(opts)
}

/// `[cursor, [elements]]`.
pub fn reply(cursor: u64, elements: Vec<Reply>) -> Reply {
    Reply::Array(vec![Reply::text(cursor.to_string()), Reply::Array(elements)])
}

/// The reply for a missing key: cursor 0, no elements.
pub fn empty() -> Reply {
    reply(0, Vec::new())
}
