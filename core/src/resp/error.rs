//! Protocol errors in a client's request stream. Redis answers each with an error reply and
//! closes the connection once that reply is written.

/// A malformed request. [`ProtocolError::write_reply`] gives Redis 7.0's exact reply bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProtocolError {
    /// `*<n>` that is not an integer or is above `i32::MAX`.
    InvalidMultibulkLength,
    /// `$<n>` that is not an integer, negative, or above `proto-max-bulk-len`.
    InvalidBulkLength,
    /// An argument header that does not start with `$` (the byte found instead).
    ExpectedDollar(u8),
    /// More than 64 KiB of inline request without a newline.
    TooBigInline,
    /// More than 64 KiB after `*` without a `\r`.
    TooBigMbulkCount,
    /// More than 64 KiB after an argument header start without a `\r`.
    TooBigBulkCount,
    /// `*<n>` with n > 10 before the client authenticated.
    UnauthenticatedMultibulkLength,
    /// `$<n>` with n > 16384 before the client authenticated.
    UnauthenticatedBulkLength,
    /// An inline request with an unclosed quote.
    UnbalancedQuotes,
}

impl ProtocolError {
    /// The text after `ERR Protocol error: `.
    pub fn reason(&self) -> &'static str {
        match self {
            ProtocolError::InvalidMultibulkLength => "invalid multibulk length",
            ProtocolError::InvalidBulkLength => "invalid bulk length",
            ProtocolError::ExpectedDollar(_) => "expected '$', got '%c'",
            ProtocolError::TooBigInline => "too big inline request",
            ProtocolError::TooBigMbulkCount => "too big mbulk count string",
            ProtocolError::TooBigBulkCount => "too big bulk count string",
            ProtocolError::UnauthenticatedMultibulkLength => "unauthenticated multibulk length",
            ProtocolError::UnauthenticatedBulkLength => "unauthenticated bulk length",
            ProtocolError::UnbalancedQuotes => "unbalanced quotes in request",
        }
    }

    /// Appends the error reply (`-ERR Protocol error: ...\r\n`) exactly as Redis sends it.
    /// The byte in `expected '$', got 'X'` is sent raw, except that `\r` and `\n` become
    /// spaces (Redis keeps error lines on one line).
    pub fn write_reply(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"-ERR Protocol error: ");
        match self {
            ProtocolError::ExpectedDollar(b) => {
                let b = if *b == b'\r' || *b == b'\n' { b' ' } else { *b };
                out.extend_from_slice(b"expected '$', got '");
                out.push(b);
                out.push(b'\'');
            }
            other => out.extend_from_slice(other.reason().as_bytes()),
        }
        out.extend_from_slice(b"\r\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(e: ProtocolError) -> Vec<u8> {
        let mut v = Vec::new();
        e.write_reply(&mut v);
        v
    }

    #[test]
    fn reply_bytes() {
        assert_eq!(reply(ProtocolError::InvalidMultibulkLength), b"-ERR Protocol error: invalid multibulk length\r\n");
        assert_eq!(reply(ProtocolError::ExpectedDollar(b'\r')), b"-ERR Protocol error: expected '$', got ' '\r\n");
        assert_eq!(reply(ProtocolError::ExpectedDollar(0xff)), b"-ERR Protocol error: expected '$', got '\xff'\r\n");
        assert_eq!(reply(ProtocolError::UnbalancedQuotes), b"-ERR Protocol error: unbalanced quotes in request\r\n");
    }
}
