//! `Arena`: variable-length byte records packed into pages, addressed by [`Loc`].
//!
//! The big encodings of sets and hashes ([`crate::types::table::StrTable`]) keep their
//! members here instead of in one heap allocation each: a record costs its bytes plus a
//! one- or two-byte length prefix, and no allocator overhead. Records never move except
//! in [`Arena::compact`], which the owner calls (with every live location) when freed
//! space outweighs live data, so the arena stays within about twice its live size.
//!
//! Pages hold up to [`PAGE`] bytes; appends go to the open (last) page. A record longer
//! than [`DEDICATED`] gets a page of its own, released as soon as it is freed, as is any
//! closed page whose records were all freed.

/// Capacity of a normal page in bytes.
pub const PAGE: usize = 32 * 1024;
/// Records longer than this get a page of their own.
pub const DEDICATED: usize = PAGE / 4;
/// Freed bytes below this never trigger compaction (small tables stay as they are).
const COMPACT_MIN_DEAD: usize = 16 * 1024;
/// Marks "no open page".
const NONE: u32 = u32::MAX;

/// Where a record starts: page number and byte offset in the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Loc {
    page: u32,
    off: u32,
}

/// Pages of packed byte records.
#[derive(Clone, Debug, Default)]
pub struct Arena {
    pages: Vec<Vec<u8>>,
    /// Live record bytes per page (a page whose count drops to 0 is released).
    page_live: Vec<usize>,
    /// Released page numbers, reused first.
    free_pages: Vec<u32>,
    /// The page appends go to (`NONE` before the first append).
    open: u32,
    /// Bytes of live records.
    live: usize,
    /// Bytes of all records in unreleased pages, live or freed.
    used: usize,
    /// Sum of the pages' capacities (kept so `heap_size` is O(1)).
    page_bytes: usize,
}

impl Arena {
    /// An empty arena.
    pub fn new() -> Self {
        Arena { open: NONE, ..Default::default() }
    }

    /// Reserves `len` bytes for a new record; returns its location and the bytes to fill.
    pub fn alloc(&mut self, len: usize) -> (Loc, &mut [u8]) {
        self.live += len;
        self.used += len;
        if len > DEDICATED {
            let page = self.new_page(len);
            let before = self.pages[page as usize].capacity();
            self.pages[page as usize].resize(len, 0);
            self.page_bytes += self.pages[page as usize].capacity() - before;
            self.page_live[page as usize] = len;
            return (Loc { page, off: 0 }, &mut self.pages[page as usize][..]);
        }
        let fits = self.open != NONE && self.pages[self.open as usize].len() + len <= PAGE;
        if !fits {
            let old = self.open;
            // The first page of a table starts small; later ones are allocated in full.
            let cap = if old == NONE { len.max(256) } else { PAGE };
            self.open = self.new_page(cap);
            if old != NONE && self.page_live[old as usize] == 0 {
                self.release(old);
            }
        }
        let p = self.open as usize;
        let page = &mut self.pages[p];
        let off = page.len();
        if off + len > page.capacity() {
            let before = page.capacity();
            let want = (page.capacity() * 2).max(off + len).min(PAGE);
            page.reserve_exact(want - off);
            self.page_bytes += page.capacity() - before;
        }
        page.resize(off + len, 0);
        self.page_live[p] += len;
        (Loc { page: p as u32, off: off as u32 }, &mut self.pages[p][off..off + len])
    }

    fn new_page(&mut self, cap: usize) -> u32 {
        match self.free_pages.pop() {
            Some(p) => {
                self.pages[p as usize] = Vec::with_capacity(cap);
                self.page_bytes += self.pages[p as usize].capacity();
                self.page_live[p as usize] = 0;
                p
            }
            None => {
                self.pages.push(Vec::with_capacity(cap));
                self.page_bytes += self.pages.last().map_or(0, Vec::capacity);
                self.page_live.push(0);
                (self.pages.len() - 1) as u32
            }
        }
    }

    fn release(&mut self, page: u32) {
        let p = &mut self.pages[page as usize];
        self.used -= p.len();
        self.page_bytes -= p.capacity();
        *p = Vec::new();
        self.free_pages.push(page);
    }

    /// The bytes from `loc` to the end of its page (the record is a prefix).
    #[inline]
    pub fn bytes(&self, loc: Loc) -> &[u8] {
        &self.pages[loc.page as usize][loc.off as usize..]
    }

    /// The bytes from `loc` to the end of its page, mutably (overwrite in place).
    #[inline]
    pub fn bytes_mut(&mut self, loc: Loc) -> &mut [u8] {
        &mut self.pages[loc.page as usize][loc.off as usize..]
    }

    /// Frees the `len`-byte record at `loc`.
    pub fn free(&mut self, loc: Loc, len: usize) {
        self.live -= len;
        let live = &mut self.page_live[loc.page as usize];
        *live -= len;
        if *live == 0 && loc.page != self.open {
            self.release(loc.page);
        }
    }

    /// Whether freed space is large enough that the owner should call [`Arena::compact`].
    #[inline]
    pub fn wants_compaction(&self) -> bool {
        let dead = self.used - self.live;
        dead > COMPACT_MIN_DEAD && dead > self.live
    }

    /// Rebuilds the arena with only the records at `locs` (each of the given length),
    /// packed in order; updates every location in place.
    pub fn compact<'a>(&mut self, locs: impl Iterator<Item = (&'a mut Loc, usize)>) {
        let mut fresh = Arena::new();
        for (loc, len) in locs {
            let (new_loc, dst) = fresh.alloc(len);
            dst.copy_from_slice(&self.bytes(*loc)[..len]);
            *loc = new_loc;
        }
        *self = fresh;
    }

    /// Bytes of live records.
    pub fn live_bytes(&self) -> usize {
        self.live
    }

    /// Heap bytes held (page capacities and bookkeeping), in O(1).
    pub fn heap_size(&self) -> usize {
        debug_assert_eq!(self.page_bytes, self.pages.iter().map(Vec::capacity).sum::<usize>());
        self.page_bytes
            + self.pages.capacity() * std::mem::size_of::<Vec<u8>>()
            + self.page_live.capacity() * std::mem::size_of::<usize>()
            + self.free_pages.capacity() * 4
    }
}

/// Appends `n` as a little-endian base-128 varint (7 bits a byte, high bit = more).
#[inline]
pub fn put_varint(out: &mut [u8], mut n: usize) -> usize {
    let mut i = 0;
    while n >= 0x80 {
        out[i] = (n as u8) | 0x80;
        n >>= 7;
        i += 1;
    }
    out[i] = n as u8;
    i + 1
}

/// Bytes [`put_varint`] uses for `n`.
#[inline]
pub fn varint_len(mut n: usize) -> usize {
    let mut i = 1;
    while n >= 0x80 {
        n >>= 7;
        i += 1;
    }
    i
}

/// Reads a varint at the start of `b`: (value, bytes used).
#[inline]
pub fn get_varint(b: &[u8]) -> (usize, usize) {
    let first = b[0];
    if first < 0x80 {
        return (first as usize, 1);
    }
    let mut n = 0usize;
    let mut shift = 0;
    let mut i = 0;
    loop {
        let c = b[i];
        n |= ((c & 0x7f) as usize) << shift;
        i += 1;
        if c < 0x80 {
            return (n, i);
        }
        shift += 7;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip() {
        let mut buf = [0u8; 10];
        for n in [0usize, 1, 127, 128, 300, 16383, 16384, 1 << 30, usize::MAX] {
            let w = put_varint(&mut buf, n);
            assert_eq!(w, varint_len(n));
            assert_eq!(get_varint(&buf), (n, w));
        }
    }

    #[test]
    fn records_survive_frees_and_compaction() {
        let mut a = Arena::new();
        let mut recs: Vec<(Loc, Vec<u8>)> = Vec::new();
        for i in 0..5000usize {
            let len = if i % 997 == 0 { DEDICATED + i } else { i % 50 + 1 };
            let data: Vec<u8> = (0..len).map(|j| (i * 7 + j) as u8).collect();
            let (loc, dst) = a.alloc(len);
            dst.copy_from_slice(&data);
            recs.push((loc, data));
        }
        // Free two thirds, including every dedicated record.
        let mut kept = Vec::new();
        for (i, (loc, data)) in recs.into_iter().enumerate() {
            if i % 3 == 0 && data.len() <= DEDICATED {
                kept.push((loc, data));
            } else {
                a.free(loc, data.len());
            }
        }
        for (loc, data) in &kept {
            assert_eq!(&a.bytes(*loc)[..data.len()], &data[..]);
        }
        assert!(a.wants_compaction());
        let before = a.heap_size();
        let mut locs: Vec<(Loc, usize)> = kept.iter().map(|(l, d)| (*l, d.len())).collect();
        a.compact(locs.iter_mut().map(|(l, n)| (l, *n)));
        assert!(a.heap_size() < before);
        assert!(!a.wants_compaction());
        for ((loc, _), (_, data)) in locs.iter().zip(&kept) {
            assert_eq!(&a.bytes(*loc)[..data.len()], &data[..]);
        }
        assert_eq!(a.live_bytes(), kept.iter().map(|(_, d)| d.len()).sum::<usize>());
    }

    #[test]
    fn emptied_pages_are_released_and_reused() {
        let mut a = Arena::new();
        let (big, _) = a.alloc(DEDICATED + 1);
        let small: Vec<Loc> = (0..2000).map(|_| a.alloc(40).0).collect();
        a.free(big, DEDICATED + 1);
        assert_eq!(a.used, 2000 * 40);
        for l in &small[..1000] {
            a.free(*l, 40);
        }
        // The first normal page is closed and fully freed: released.
        assert!(a.used < 2000 * 40);
        let (again, _) = a.alloc(DEDICATED + 5);
        assert!(a.free_pages.len() <= 1);
        assert_eq!(a.bytes(again).len(), DEDICATED + 5);
    }
}
