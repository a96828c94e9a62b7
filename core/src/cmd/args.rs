//! `Args`: a cursor over a command's arguments with Redis-style parse errors.
//!
//! Every handler reads its arguments in order through the cursor: [`Args::take`] for an
//! argument the arity check guarantees, [`Args::next`] / [`Args::peek`] for optional ones,
//! [`Args::eat`] / [`Args::eat_c`] for option words, [`Args::next_i64`] /
//! [`Args::next_f64`] for numbers, [`Args::take_n`] / [`Args::take_rest`] for lists, and
//! [`Args::remaining`] / [`Args::has_more`] / [`Args::finish`] for counts. Reading a value
//! is separate from acting on it, so a handler keeps Redis's order of checks by reading
//! first and validating in that order.

use crate::error::CmdError;
use crate::numfmt::{parse_f64, parse_i64};

/// Case-insensitive comparison of an argument with an ASCII keyword.
#[inline]
pub fn is(arg: &[u8], word: &str) -> bool {
    arg.eq_ignore_ascii_case(word.as_bytes())
}

/// Case-insensitive comparison as C's `strcasecmp` makes it on an argument: the
/// argument counts up to its first NUL byte (`"LEFT\0x"` is `LEFT`). The one option
/// matcher of the command handlers.
#[inline]
pub fn is_c(arg: &[u8], word: &str) -> bool {
    let end = arg.iter().position(|&c| c == 0).unwrap_or(arg.len());
    arg[..end].eq_ignore_ascii_case(word.as_bytes())
}

/// The arguments of one command (`argv[0]` is the name) and a read position.
pub struct Args<'a> {
    argv: &'a [&'a [u8]],
    pos: usize,
}

impl<'a> Args<'a> {
    /// A cursor over `argv` starting at index `pos`.
    pub fn new(argv: &'a [&'a [u8]], pos: usize) -> Self {
        Args { argv, pos }
    }

    /// The whole command as sent, name included: for reports about the command itself
    /// (`CLIENT LIST`'s query-buffer size) and its propagated form (XADD's rewrite), not
    /// for reading arguments.
    pub fn all(&self) -> &'a [&'a [u8]] {
        self.argv
    }

    /// The command name as the client sent it (`argv[0]`).
    pub fn name(&self) -> &'a [u8] {
        self.argv[0]
    }

    /// A subcommand's name as the client sent it (`argv[1]`).
    pub fn subcommand_name(&self) -> &'a [u8] {
        self.argv[1]
    }

    /// Arguments not read yet.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.argv.len().saturating_sub(self.pos)
    }

    /// Whether arguments remain.
    #[inline]
    pub fn has_more(&self) -> bool {
        self.pos < self.argv.len()
    }

    /// The next argument without consuming it.
    #[inline]
    pub fn peek(&self) -> Option<&'a [u8]> {
        self.argv.get(self.pos).copied()
    }

    /// Consumes and returns the next argument.
    #[allow(clippy::should_implement_trait)]
    #[inline]
    pub fn next(&mut self) -> Option<&'a [u8]> {
        let a = self.argv.get(self.pos).copied();
        if a.is_some() {
            self.pos += 1;
        }
        a
    }

    /// Consumes and returns the next argument, which the arity check (or the caller's
    /// count) guarantees; panics past the end, a table arity bug. As cheap as indexing.
    #[inline]
    pub fn take(&mut self) -> &'a [u8] {
        let a = self.argv[self.pos];
        self.pos += 1;
        a
    }

    /// Consumes and returns the next `n` arguments, which the caller checked are there
    /// (see [`Args::remaining`]).
    pub fn take_n(&mut self, n: usize) -> &'a [&'a [u8]] {
        let taken = &self.argv[self.pos..self.pos + n];
        self.pos += n;
        taken
    }

    /// Consumes and returns every unread argument.
    #[inline]
    pub fn take_rest(&mut self) -> &'a [&'a [u8]] {
        let rest = &self.argv[self.pos.min(self.argv.len())..];
        self.pos = self.argv.len();
        rest
    }

    /// Skips `n` arguments (at most to the end).
    pub fn skip(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.argv.len());
    }

    /// Consumes the next argument if it equals `word` (case-insensitive).
    pub fn eat(&mut self, word: &str) -> bool {
        match self.peek() {
            Some(a) if is(a, word) => {
                self.pos += 1;
                true
            }
            _ => false,
        }
    }

    /// Consumes the next argument if it equals `word` as C's `strcasecmp` sees it (up to
    /// a NUL byte, see [`is_c`]): how Redis matches most option words.
    pub fn eat_c(&mut self, word: &str) -> bool {
        match self.peek() {
            Some(a) if is_c(a, word) => {
                self.pos += 1;
                true
            }
            _ => false,
        }
    }

    /// The next argument as a Redis integer (`ERR value is not an integer or out of
    /// range`; `ERR syntax error` when there is none).
    pub fn next_i64(&mut self) -> Result<i64, CmdError> {
        parse_i64(self.next().ok_or(CmdError::Syntax)?).ok_or(CmdError::NotInteger)
    }

    /// The next argument as a Redis float (`ERR value is not a valid float`; `ERR syntax
    /// error` when there is none).
    pub fn next_f64(&mut self) -> Result<f64, CmdError> {
        parse_f64(self.next().ok_or(CmdError::Syntax)?).ok_or(CmdError::NotFloat)
    }

    /// `ERR syntax error` if arguments remain.
    pub fn finish(&self) -> Result<(), CmdError> {
        if self.has_more() {
            Err(CmdError::Syntax)
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv() -> Vec<&'static [u8]> {
        vec![b"CMD", b"key", b"LIMIT", b"5", b"x\0y", b"a", b"b"]
    }

    #[test]
    fn reads_in_order() {
        let v = argv();
        let mut a = Args::new(&v, 1);
        assert_eq!(a.name(), b"CMD");
        assert_eq!(a.remaining(), 6);
        assert_eq!(a.take(), b"key");
        assert!(!a.eat("limi"));
        assert!(a.eat("limit"));
        assert_eq!(a.next_i64(), Ok(5));
        assert!(!a.eat("x"));
        assert!(a.eat_c("X"));
        assert_eq!(a.peek(), Some(&b"a"[..]));
        assert_eq!(a.take_n(1), &[&b"a"[..]]);
        assert_eq!(a.finish(), Err(CmdError::Syntax));
        assert_eq!(a.take_rest(), &[&b"b"[..]]);
        assert!(!a.has_more());
        assert_eq!(a.next(), None);
        assert_eq!(a.next_i64(), Err(CmdError::Syntax));
        assert_eq!(a.take_rest().len(), 0);
        assert_eq!(a.finish(), Ok(()));
    }

    #[test]
    fn number_errors() {
        let v: Vec<&[u8]> = vec![b"CMD", b"1x", b"nan?"];
        let mut a = Args::new(&v, 1);
        assert_eq!(a.next_i64(), Err(CmdError::NotInteger));
        assert_eq!(a.next_f64(), Err(CmdError::NotFloat));
        a.skip(5);
        assert_eq!(a.remaining(), 0);
    }
}
