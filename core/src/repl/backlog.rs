//! The replication backlog: a ring of the last `size` bytes of the replication stream,
//! addressed by stream offset (Redis's `repl_backlog`). A replica that reconnects asking
//! for an offset still inside the ring continues from there (`+CONTINUE`).

/// The ring and the offsets it covers.
#[derive(Clone, Debug)]
pub struct Backlog {
    buf: Vec<u8>,
    /// Capacity in bytes (`repl-backlog-size`).
    size: usize,
    /// Where the next byte goes in `buf`.
    idx: usize,
    /// Bytes of history held (at most `size`).
    histlen: usize,
    /// Offset of the last byte written (Redis's `master_repl_offset`).
    end: u64,
}

impl Backlog {
    /// An empty backlog of `size` bytes whose next byte has offset `end + 1`.
    pub fn new(size: usize, end: u64) -> Backlog {
        let size = size.max(16 * 1024);
        Backlog { buf: Vec::new(), size, idx: 0, histlen: 0, end }
    }

    /// Capacity in bytes.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Bytes of history held (`repl_backlog_histlen`).
    pub fn histlen(&self) -> usize {
        self.histlen
    }

    /// Offset of the last byte written (`master_repl_offset`).
    pub fn end(&self) -> u64 {
        self.end
    }

    /// Offset of the oldest byte held (`repl_backlog_first_byte_offset`).
    pub fn first_byte_offset(&self) -> u64 {
        self.end + 1 - self.histlen as u64
    }

    /// Appends stream bytes.
    pub fn append(&mut self, mut data: &[u8]) {
        self.end += data.len() as u64;
        if data.len() > self.size {
            data = &data[data.len() - self.size..];
        }
        if self.buf.len() < self.size {
            // Grows lazily up to `size` (an idle master keeps a small buffer).
            let want = (self.idx + data.len()).min(self.size);
            if self.buf.len() < want {
                self.buf.resize(want, 0);
            }
        }
        while !data.is_empty() {
            let room = self.size - self.idx;
            let n = room.min(data.len());
            if self.buf.len() < self.idx + n {
                self.buf.resize(self.idx + n, 0);
            }
            self.buf[self.idx..self.idx + n].copy_from_slice(&data[..n]);
            self.idx = (self.idx + n) % self.size;
            self.histlen = (self.histlen + n).min(self.size);
            data = &data[n..];
        }
    }

    /// Whether a replica can continue from offset `from` (the first byte it needs):
    /// Redis's test in `masterTryPartialResynchronization`.
    pub fn covers(&self, from: u64) -> bool {
        from >= self.first_byte_offset() && from <= self.end + 1
    }

    /// The bytes from offset `from` to the end, appended to `out`; `false` (nothing
    /// appended) when `from` is no longer (or not yet) held.
    pub fn copy_from(&self, from: u64, out: &mut Vec<u8>) -> bool {
        if !self.covers(from) {
            return false;
        }
        let len = (self.end + 1 - from) as usize;
        if len == 0 {
            return true;
        }
        // Position of `from` in the ring: `histlen` bytes end just before `idx`.
        let back = len;
        let start = (self.idx + self.size - back) % self.size;
        if start + len <= self.size {
            out.extend_from_slice(&self.buf[start..start + len]);
        } else {
            out.extend_from_slice(&self.buf[start..self.size]);
            out.extend_from_slice(&self.buf[..len - (self.size - start)]);
        }
        true
    }

    /// Changes the capacity, keeping the newest bytes that fit (CONFIG SET
    /// repl-backlog-size).
    pub fn resize(&mut self, size: usize) {
        let size = size.max(16 * 1024);
        if size == self.size {
            return;
        }
        let keep = self.histlen.min(size);
        let mut tail = Vec::with_capacity(keep);
        self.copy_from(self.end + 1 - keep as u64, &mut tail);
        let end = self.end;
        *self = Backlog::new(size, end - keep as u64);
        self.append(&tail);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(b: &Backlog, off: u64) -> Option<Vec<u8>> {
        let mut v = Vec::new();
        b.copy_from(off, &mut v).then_some(v)
    }

    #[test]
    fn offsets_and_wrapping() {
        let mut b = Backlog::new(16 * 1024, 0);
        assert_eq!(b.first_byte_offset(), 1);
        assert_eq!(from(&b, 1), Some(vec![]));
        b.append(b"hello");
        assert_eq!(b.end(), 5);
        assert_eq!(from(&b, 1).unwrap(), b"hello");
        assert_eq!(from(&b, 3).unwrap(), b"llo");
        assert_eq!(from(&b, 6).unwrap(), b"");
        assert_eq!(from(&b, 7), None);
        let big: Vec<u8> = (0..40_000u32).map(|i| (i % 251) as u8).collect();
        b.append(&big);
        assert_eq!(b.histlen(), 16 * 1024);
        assert_eq!(b.end(), 40_005);
        assert_eq!(b.first_byte_offset(), 40_005 - 16 * 1024 + 1);
        assert_eq!(from(&b, 1), None);
        let tail = from(&b, b.first_byte_offset()).unwrap();
        assert_eq!(&tail[..], &big[big.len() - 16 * 1024..]);
        // Small appends across the wrap point.
        for i in 0..1000u32 {
            b.append(&i.to_le_bytes());
        }
        let last = from(&b, b.end() - 7).unwrap();
        assert_eq!(last, [998u32.to_le_bytes(), 999u32.to_le_bytes()].concat());
    }

    #[test]
    fn resize_keeps_the_newest_bytes() {
        let mut b = Backlog::new(32 * 1024, 100);
        let data: Vec<u8> = (0..30_000u32).map(|i| (i % 7) as u8).collect();
        b.append(&data);
        b.resize(16 * 1024);
        assert_eq!(b.end(), 30_100);
        assert_eq!(b.histlen(), 16 * 1024);
        assert_eq!(from(&b, b.first_byte_offset()).unwrap(), &data[data.len() - 16 * 1024..]);
        b.resize(64 * 1024);
        assert_eq!(from(&b, b.first_byte_offset()).unwrap(), &data[data.len() - 16 * 1024..]);
        b.append(b"x");
        assert_eq!(from(&b, 30_101).unwrap(), b"x");
    }
}
