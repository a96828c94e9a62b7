//! `Args`: a cursor over a command's arguments with Redis-style parse errors.

use crate::error::CmdError;
use crate::numfmt::{parse_f64, parse_i64};

/// Case-insensitive comparison of an argument with an ASCII keyword.
#[inline]
pub fn is(arg: &[u8], word: &str) -> bool {
    arg.eq_ignore_ascii_case(word.as_bytes())
}

/// Case-insensitive comparison as C's `strcasecmp` makes it on an argument: the
/// argument counts up to its first NUL byte (`"LEFT\0x"` is `LEFT`).
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

    /// All arguments including the command name.
    pub fn all(&self) -> &'a [&'a [u8]] {
        self.argv
    }

    /// Total argument count including the command name.
    pub fn argc(&self) -> usize {
        self.argv.len()
    }

    /// Argument `i` (absolute index).
    pub fn at(&self, i: usize) -> &'a [u8] {
        self.argv[i]
    }

    /// The read position.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Arguments not read yet.
    pub fn remaining(&self) -> usize {
        self.argv.len() - self.pos
    }

    /// Whether arguments remain.
    pub fn has_more(&self) -> bool {
        self.pos < self.argv.len()
    }

    /// The unread arguments.
    pub fn rest(&self) -> &'a [&'a [u8]] {
        &self.argv[self.pos..]
    }

    /// The next argument without consuming it.
    pub fn peek(&self) -> Option<&'a [u8]> {
        self.argv.get(self.pos).copied()
    }

    /// Consumes and returns the next argument.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Option<&'a [u8]> {
        let a = self.argv.get(self.pos).copied();
        if a.is_some() {
            self.pos += 1;
        }
        a
    }

    /// The next argument, or `ERR syntax error` when there is none.
    pub fn next_or_syntax(&mut self) -> Result<&'a [u8], CmdError> {
        self.next().ok_or(CmdError::Syntax)
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

    /// The next argument as a Redis integer (`ERR value is not an integer or out of range`).
    pub fn next_i64(&mut self) -> Result<i64, CmdError> {
        parse_i64(self.next_or_syntax()?).ok_or(CmdError::NotInteger)
    }

    /// The next argument as a Redis float (`ERR value is not a valid float`).
    pub fn next_f64(&mut self) -> Result<f64, CmdError> {
        parse_f64(self.next_or_syntax()?).ok_or(CmdError::NotFloat)
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
