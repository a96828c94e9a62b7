//! Longest common subsequence of two byte strings, as Redis's `LCS` computes it:
//! the classic dynamic-programming table, walked back from the end to recover the
//! subsequence and its matching ranges (newest first, as Redis emits them).

/// One contiguous run of the common subsequence: `a[a_start..=a_end]` equals
/// `b[b_start..=b_end]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LcsMatch {
    /// First index in the first string.
    pub a_start: u32,
    /// Last index in the first string.
    pub a_end: u32,
    /// First index in the second string.
    pub b_start: u32,
    /// Last index in the second string.
    pub b_end: u32,
}

impl LcsMatch {
    /// Length of the run.
    pub fn len(&self) -> u32 {
        self.a_end - self.a_start + 1
    }

    /// Always false: a run has at least one byte.
    pub fn is_empty(&self) -> bool {
        false
    }
}

/// Why the table could not be built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LcsError {
    /// The table would need more bytes than `limit`.
    TooBig,
    /// The allocation failed.
    NoMemory,
}

/// The filled DP table: `cell(i, j)` is the LCS length of `a[..i]` and `b[..j]`.
pub struct LcsTable<'a> {
    a: &'a [u8],
    b: &'a [u8],
    cells: Vec<u32>,
}

impl<'a> LcsTable<'a> {
    /// Builds the table for `a` and `b` if it needs at most `limit` bytes
    /// (Redis bounds it by `proto-max-bulk-len`). Both strings must be shorter than
    /// `u32::MAX - 1` bytes.
    pub fn build(a: &'a [u8], b: &'a [u8], limit: u64) -> Result<Self, LcsError> {
        let cells_len = (a.len() as u64 + 1).checked_mul(b.len() as u64 + 1).ok_or(LcsError::NoMemory)?;
        let bytes = cells_len.checked_mul(4).ok_or(LcsError::NoMemory)?;
        if bytes > limit {
            return Err(LcsError::TooBig);
        }
        let cells_len = usize::try_from(cells_len).map_err(|_| LcsError::NoMemory)?;
        let mut cells: Vec<u32> = Vec::new();
        cells.try_reserve_exact(cells_len).map_err(|_| LcsError::NoMemory)?;
        cells.resize(cells_len, 0);
        let w = b.len() + 1;
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                cells[i * w + j] = if a[i - 1] == b[j - 1] {
                    cells[(i - 1) * w + j - 1] + 1
                } else {
                    cells[(i - 1) * w + j].max(cells[i * w + j - 1])
                };
            }
        }
        Ok(LcsTable { a, b, cells })
    }

    fn cell(&self, i: usize, j: usize) -> u32 {
        self.cells[i * (self.b.len() + 1) + j]
    }

    /// Length of the longest common subsequence.
    pub fn len(&self) -> u32 {
        self.cell(self.a.len(), self.b.len())
    }

    /// Whether the strings have nothing in common.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The subsequence itself and its runs, from the end of the strings backwards.
    /// Runs shorter than `min_match_len` are left out of the list (not of the string).
    pub fn walk(&self, min_match_len: u64) -> (Vec<u8>, Vec<LcsMatch>) {
        let (a, b) = (self.a, self.b);
        let mut idx = self.len() as usize;
        let mut result = vec![0u8; idx];
        let mut matches = Vec::new();
        // `a_start == a.len()` marks "no run in progress".
        let none = a.len() as u32;
        let (mut a_start, mut a_end, mut b_start, mut b_end) = (none, 0u32, 0u32, 0u32);
        let (mut i, mut j) = (a.len(), b.len());
        while i > 0 && j > 0 {
            let mut emit = false;
            if a[i - 1] == b[j - 1] {
                result[idx - 1] = a[i - 1];
                if a_start == none {
                    a_start = (i - 1) as u32;
                    a_end = a_start;
                    b_start = (j - 1) as u32;
                    b_end = b_start;
                } else if a_start == i as u32 && b_start == j as u32 {
                    // Contiguous with the current run: extend it backwards.
                    a_start -= 1;
                    b_start -= 1;
                } else {
                    emit = true;
                }
                if a_start == 0 || b_start == 0 {
                    emit = true;
                }
                idx -= 1;
                i -= 1;
                j -= 1;
            } else {
                if self.cell(i - 1, j) > self.cell(i, j - 1) {
                    i -= 1;
                } else {
                    j -= 1;
                }
                if a_start != none {
                    emit = true;
                }
            }
            if emit {
                let m = LcsMatch { a_start, a_end, b_start, b_end };
                if min_match_len == 0 || m.len() as u64 >= min_match_len {
                    matches.push(m);
                }
                a_start = none;
            }
        }
        (result, matches)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redis_doc_example() {
        let t = LcsTable::build(b"ohmytext", b"mynewtext", u64::MAX).unwrap();
        assert_eq!(t.len(), 6);
        let (s, m) = t.walk(0);
        assert_eq!(s, b"mytext");
        assert_eq!(
            m,
            vec![
                LcsMatch { a_start: 4, a_end: 7, b_start: 5, b_end: 8 },
                LcsMatch { a_start: 2, a_end: 3, b_start: 0, b_end: 1 },
            ]
        );
        assert_eq!(t.walk(4).1.len(), 1);
    }

    #[test]
    fn limit_is_checked_before_allocating() {
        assert_eq!(LcsTable::build(b"abc", b"abc", 15).err(), Some(LcsError::TooBig));
        assert!(LcsTable::build(b"abc", b"abc", 64).is_ok());
    }

    #[test]
    fn empty_inputs() {
        let t = LcsTable::build(b"", b"abc", u64::MAX).unwrap();
        assert_eq!(t.len(), 0);
        assert_eq!(t.walk(0), (vec![], vec![]));
    }
}
