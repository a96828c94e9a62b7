//! `SkipList`: the large sorted-set encoding, Redis's `zskiplist` plus its member dict.
//!
//! Same algorithm as Redis 7.0's `t_zset.c` (levels with spans, p = 1/4, at most 32
//! levels, a backward link at level 0), stored without pointers or `unsafe`, laid out for
//! memory and for the cache:
//! - each node is one record in a paged byte arena: score, backward link, height and
//!   member length, then its links for every level (forward node and span), then the
//!   member bytes (members longer than 24 bytes live in a side table). A node of height 1
//!   with a 19-byte member is 48 bytes, and a descent touches one record per step, as
//!   Redis's one-allocation nodes do;
//! - nodes are named by `u32` word indexes into the arena; freed records are reused by
//!   size, and when more than half of the arena is free it is compacted (records keep
//!   their relative order, so a ZSCAN cursor that walks the arena downwards still sees
//!   every element);
//! - pages are 64 KiB (the first grows by doubling), so growing never copies the arena
//!   and a small set stays small;
//! - member -> node is a `hashbrown::HashTable<u32>` (5 bytes a bucket).
//!
//! Ranks here are 1-based like Redis's; the [`super::ZSet`] API converts to 0-based.
//! Scores compare with IEEE `<`/`==` (so `-0 == 0`, ties broken by member bytes), never
//! NaN (callers reject it).

use std::hash::BuildHasher;

use hashbrown::HashTable;

/// Most levels a node can have (Redis's `ZSKIPLIST_MAXLEVEL`).
pub const MAX_LEVEL: usize = 32;
/// No node.
pub const NIL: u32 = u32::MAX;
/// The header, a pseudo-node before the first node.
const HEAD: u32 = u32::MAX - 1;
/// Seed of the member hash (the table is private, so a fixed key is fine).
const HASH_SEED: u64 = 0x5eed_2e75;

/// Arena pages: 2^13 words of 8 bytes.
const PAGE_WORDS_SHIFT: u32 = 13;
const PAGE_WORDS: u32 = 1 << PAGE_WORDS_SHIFT;
const PAGE_BYTES: usize = (PAGE_WORDS as usize) * 8;
/// Members up to this length are stored in the record.
const INLINE_MAX: usize = 24;
/// Member-length code of a member stored in the side table.
const LONG: u8 = 0xFF;
/// Largest record, in words: header, 32 links, an inline member.
const MAX_WORDS: usize = 2 + MAX_LEVEL + INLINE_MAX / 8;

// Record layout (byte offsets).
const OFF_SCORE: usize = 0;
const OFF_BACK: usize = 8;
const OFF_HEIGHT: usize = 12;
const OFF_MLEN: usize = 13;
const OFF_FREE: usize = 14;
const OFF_LINKS: usize = 16;

/// One forward link: the node it reaches and how many nodes it skips over (+1).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Link {
    fwd: u32,
    span: u32,
}

/// Words of a record with `height` levels and member-length code `mlen`.
#[inline]
fn record_words(height: usize, mlen: u8) -> usize {
    let member = if mlen == LONG { 1 } else { (mlen as usize).div_ceil(8) };
    2 + height + member
}

/// Whether an element `(score, member)` sorts before `(s, m)` (Redis's order).
#[cfg(test)]
fn before(score: f64, member: &[u8], s: f64, m: &[u8]) -> bool {
    score < s || (score == s && member < m)
}

/// The paged byte arena holding the records.
#[derive(Default)]
struct Arena {
    pages: Vec<Vec<u8>>,
    /// Sum of the pages' capacities (kept so `heap_size` is O(1)).
    page_bytes: usize,
    /// Words in use (the next record is appended here).
    top: u32,
    /// One bit per word: a record starts there.
    starts: Vec<u64>,
}

impl Clone for Arena {
    /// A copy; `page_bytes` is recounted (a cloned page's capacity is its length).
    fn clone(&self) -> Self {
        let pages = self.pages.clone();
        let page_bytes = pages.iter().map(Vec::capacity).sum();
        Arena { pages, page_bytes, top: self.top, starts: self.starts.clone() }
    }
}

impl Arena {
    #[inline]
    fn loc(x: u32) -> (usize, usize) {
        ((x >> PAGE_WORDS_SHIFT) as usize, ((x & (PAGE_WORDS - 1)) as usize) * 8)
    }

    #[inline]
    fn bytes(&self, x: u32, off: usize, len: usize) -> &[u8] {
        let (p, base) = Self::loc(x);
        &self.pages[p][base + off..base + off + len]
    }

    #[inline]
    fn bytes_mut(&mut self, x: u32, off: usize, len: usize) -> &mut [u8] {
        let (p, base) = Self::loc(x);
        &mut self.pages[p][base + off..base + off + len]
    }

    #[inline]
    fn u8_at(&self, x: u32, off: usize) -> u8 {
        let (p, base) = Self::loc(x);
        self.pages[p][base + off]
    }

    #[inline]
    fn set_u8(&mut self, x: u32, off: usize, v: u8) {
        let (p, base) = Self::loc(x);
        self.pages[p][base + off] = v;
    }

    #[inline]
    fn u32_at(&self, x: u32, off: usize) -> u32 {
        let mut b = [0u8; 4];
        b.copy_from_slice(self.bytes(x, off, 4));
        u32::from_le_bytes(b)
    }

    #[inline]
    fn set_u32(&mut self, x: u32, off: usize, v: u32) {
        self.bytes_mut(x, off, 4).copy_from_slice(&v.to_le_bytes());
    }

    #[inline]
    fn u64_at(&self, x: u32, off: usize) -> u64 {
        let mut b = [0u8; 8];
        b.copy_from_slice(self.bytes(x, off, 8));
        u64::from_le_bytes(b)
    }

    #[inline]
    fn set_u64(&mut self, x: u32, off: usize, v: u64) {
        self.bytes_mut(x, off, 8).copy_from_slice(&v.to_le_bytes());
    }

    /// Appends a record of `words` words (never across a page) and returns it.
    fn push(&mut self, words: usize) -> u32 {
        let w = words as u32;
        if (self.top & (PAGE_WORDS - 1)) + w > PAGE_WORDS {
            // Skip the page's tail: no record starts there.
            self.top = (self.top | (PAGE_WORDS - 1)) + 1;
        }
        let x = self.top;
        let (p, base) = Self::loc(x);
        if p == self.pages.len() {
            self.pages.push(Vec::new());
        }
        let page = &mut self.pages[p];
        let need = base + words * 8;
        if page.len() < need {
            if page.capacity() < need {
                let before = page.capacity();
                let want = (page.capacity() * 2).clamp(need, PAGE_BYTES);
                page.reserve_exact(want - page.len());
                self.page_bytes += page.capacity() - before;
            }
            page.resize(need, 0);
        }
        self.top += w;
        let bit = x as usize;
        if self.starts.len() <= bit / 64 {
            self.starts.resize(bit / 64 + 1, 0);
        }
        self.starts[bit / 64] |= 1 << (bit % 64);
        x
    }

    /// The last record start below word `pos`.
    fn start_below(&self, pos: u64) -> Option<u32> {
        if pos == 0 {
            return None;
        }
        let last = (pos - 1) as usize;
        let mut i = last / 64;
        let mut word = self.starts.get(i).copied().unwrap_or(0) & (u64::MAX >> (63 - last % 64));
        loop {
            if word != 0 {
                return Some((i * 64 + 63 - word.leading_zeros() as usize) as u32);
            }
            if i == 0 {
                return None;
            }
            i -= 1;
            word = self.starts[i];
        }
    }

    /// Bytes allocated (O(1): page capacities are kept as a running total).
    fn heap_size(&self) -> usize {
        debug_assert_eq!(self.page_bytes, self.pages.iter().map(Vec::capacity).sum::<usize>());
        self.page_bytes + self.pages.capacity() * std::mem::size_of::<Vec<u8>>() + self.starts.capacity() * 8
    }
}

/// A sorted set of (member, score) with O(log n) insert, delete, rank and rank lookup.
#[derive(Clone)]
pub struct SkipList {
    arena: Arena,
    /// Heads of the free-record chains, by record size in words.
    free: [u32; MAX_WORDS + 1],
    /// Words in free records.
    free_words: u32,
    /// Members longer than `INLINE_MAX`, and the free slots among them.
    long: Vec<Box<[u8]>>,
    long_free: Vec<u32>,
    long_bytes: usize,
    head: [Link; MAX_LEVEL],
    tail: u32,
    len: u32,
    level: u8,
    rng: u64,
    index: HashTable<u32>,
    /// Set when this list was converted from a listpack that held a subnormal score
    /// (the conversion reads every score as text; see `Listpack::take_erange`).
    erange: std::cell::Cell<bool>,
}

impl Default for SkipList {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for SkipList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter_at(self.first(), false)).finish()
    }
}

/// Result of a descent: the last node passed at each level and the rank of `update[0]`.
struct Seek {
    update: [u32; MAX_LEVEL],
    rank: u32,
}

impl SkipList {
    /// An empty skiplist.
    pub fn new() -> Self {
        SkipList {
            arena: Arena::default(),
            free: [NIL; MAX_WORDS + 1],
            free_words: 0,
            long: Vec::new(),
            long_free: Vec::new(),
            long_bytes: 0,
            head: [Link { fwd: NIL, span: 0 }; MAX_LEVEL],
            tail: NIL,
            len: 0,
            level: 1,
            rng: 0x9E37_79B9_7F4A_7C15,
            index: HashTable::new(),
            erange: std::cell::Cell::new(false),
        }
    }

    /// Whether the conversion that built this list read a subnormal score (once).
    pub fn take_erange(&self) -> bool {
        self.erange.replace(false)
    }

    /// Records that building this list read a subnormal score.
    pub fn mark_erange(&self) {
        self.erange.set(true);
    }

    /// An empty skiplist with room for `n` members in its index.
    pub fn with_capacity(n: usize) -> Self {
        let mut s = Self::new();
        s.index.reserve(n, |_| 0);
        s
    }

    /// Number of elements.
    #[inline]
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether it holds nothing.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline]
    fn hash(member: &[u8]) -> u64 {
        foldhash::fast::FixedState::with_seed(HASH_SEED).hash_one(member)
    }

    // -- record fields --------------------------------------------------------------------

    #[inline]
    fn score_of(&self, x: u32) -> f64 {
        f64::from_bits(self.arena.u64_at(x, OFF_SCORE))
    }

    #[inline]
    fn height(&self, x: u32) -> usize {
        self.arena.u8_at(x, OFF_HEIGHT) as usize
    }

    #[inline]
    fn back(&self, x: u32) -> u32 {
        self.arena.u32_at(x, OFF_BACK)
    }

    #[inline]
    fn member(&self, x: u32) -> &[u8] {
        let off = OFF_LINKS + 8 * self.height(x);
        match self.arena.u8_at(x, OFF_MLEN) {
            LONG => &self.long[self.arena.u32_at(x, off) as usize],
            n => self.arena.bytes(x, off, n as usize),
        }
    }

    #[inline]
    fn is_free(&self, x: u32) -> bool {
        self.arena.u8_at(x, OFF_FREE) != 0
    }

    #[inline]
    fn words(&self, x: u32) -> usize {
        record_words(self.height(x), self.arena.u8_at(x, OFF_MLEN))
    }

    /// Whether node `x` sorts before `(score, member)`.
    #[inline]
    fn node_before(&self, x: u32, score: f64, member: &[u8]) -> bool {
        let s = self.score_of(x);
        s < score || (s == score && self.member(x) < member)
    }

    // -- links ------------------------------------------------------------------------------

    #[inline]
    fn link(&self, x: u32, lvl: usize) -> Link {
        if x == HEAD {
            self.head[lvl]
        } else {
            let v = self.arena.u64_at(x, OFF_LINKS + 8 * lvl);
            Link { fwd: v as u32, span: (v >> 32) as u32 }
        }
    }

    #[inline]
    fn fwd(&self, x: u32, lvl: usize) -> u32 {
        if x == HEAD {
            self.head[lvl].fwd
        } else {
            self.arena.u32_at(x, OFF_LINKS + 8 * lvl)
        }
    }

    #[inline]
    fn set_link(&mut self, x: u32, lvl: usize, l: Link) {
        if x == HEAD {
            self.head[lvl] = l;
        } else {
            self.arena.set_u64(x, OFF_LINKS + 8 * lvl, l.fwd as u64 | (l.span as u64) << 32);
        }
    }

    #[inline]
    fn add_span(&mut self, x: u32, lvl: usize, delta: i64) {
        let mut l = self.link(x, lvl);
        l.span = (l.span as i64 + delta) as u32;
        self.set_link(x, lvl, l);
    }

    // -- allocation -------------------------------------------------------------------------

    /// Redis's `zslRandomLevel`: each further level with probability 1/4.
    fn random_level(&mut self) -> usize {
        // xorshift64*: deterministic, private to this list.
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        let r = x.wrapping_mul(0x2545_F491_4F6C_DD1D);
        (1 + (r.trailing_zeros() as usize) / 2).min(MAX_LEVEL)
    }

    /// A new unlinked node with `height` levels.
    fn new_node(&mut self, member: &[u8], score: f64, height: usize) -> u32 {
        let mlen = if member.len() <= INLINE_MAX { member.len() as u8 } else { LONG };
        let words = record_words(height, mlen);
        let x = match self.free[words] {
            NIL => self.arena.push(words),
            x => {
                self.free[words] = self.arena.u32_at(x, OFF_LINKS);
                self.free_words -= words as u32;
                x
            }
        };
        self.arena.set_u64(x, OFF_SCORE, score.to_bits());
        self.arena.set_u32(x, OFF_BACK, NIL);
        self.arena.set_u8(x, OFF_HEIGHT, height as u8);
        self.arena.set_u8(x, OFF_MLEN, mlen);
        self.arena.set_u8(x, OFF_FREE, 0);
        for lvl in 0..height {
            self.set_link(x, lvl, Link { fwd: NIL, span: 0 });
        }
        let off = OFF_LINKS + 8 * height;
        if mlen == LONG {
            let boxed: Box<[u8]> = member.into();
            self.long_bytes += boxed.len();
            let i = match self.long_free.pop() {
                Some(i) => {
                    self.long[i as usize] = boxed;
                    i
                }
                None => {
                    self.long.push(boxed);
                    (self.long.len() - 1) as u32
                }
            };
            self.arena.set_u32(x, off, i);
        } else {
            self.arena.bytes_mut(x, off, member.len()).copy_from_slice(member);
        }
        x
    }

    /// Returns node `x`'s record to its free chain.
    fn free_node(&mut self, x: u32) {
        let words = self.words(x);
        if self.arena.u8_at(x, OFF_MLEN) == LONG {
            let i = self.arena.u32_at(x, OFF_LINKS + 8 * self.height(x));
            let gone = std::mem::take(&mut self.long[i as usize]);
            self.long_bytes -= gone.len();
            self.long_free.push(i);
        }
        self.arena.set_u8(x, OFF_FREE, 1);
        self.arena.set_u32(x, OFF_LINKS, self.free[words]);
        self.free[words] = x;
        self.free_words += words as u32;
    }

    // -- descent ----------------------------------------------------------------------------

    /// Walks down from the top level, moving forward while `go(node)` holds.
    #[inline]
    fn seek(&self, go: impl Fn(u32) -> bool) -> Seek {
        let mut update = [HEAD; MAX_LEVEL];
        let mut rank = 0u32;
        let mut x = HEAD;
        for i in (0..self.level as usize).rev() {
            loop {
                let l = self.link(x, i);
                if l.fwd != NIL && go(l.fwd) {
                    rank += l.span;
                    x = l.fwd;
                } else {
                    break;
                }
            }
            update[i] = x;
        }
        Seek { update, rank }
    }

    /// Links node `x` (unlinked, height set) at its sorted position (Redis's `zslInsert`).
    fn link_node(&mut self, x: u32) {
        let mut update = [HEAD; MAX_LEVEL];
        let mut rank = [0u32; MAX_LEVEL];
        let top = self.level as usize;
        {
            let (score, member) = (self.score_of(x), self.member(x));
            let mut p = HEAD;
            for i in (0..top).rev() {
                rank[i] = if i == top - 1 { 0 } else { rank[i + 1] };
                loop {
                    let l = self.link(p, i);
                    if l.fwd == NIL || !self.node_before(l.fwd, score, member) {
                        break;
                    }
                    rank[i] += l.span;
                    p = l.fwd;
                }
                update[i] = p;
            }
        }
        let level = self.height(x);
        if level > top {
            for i in top..level {
                rank[i] = 0;
                update[i] = HEAD;
                self.head[i].span = self.len;
            }
            self.level = level as u8;
        }
        for i in 0..level {
            let u = self.link(update[i], i);
            self.set_link(x, i, Link { fwd: u.fwd, span: u.span - (rank[0] - rank[i]) });
            self.set_link(update[i], i, Link { fwd: x, span: (rank[0] - rank[i]) + 1 });
        }
        for i in level..self.level as usize {
            self.add_span(update[i], i, 1);
        }
        let next = self.fwd(x, 0);
        self.arena.set_u32(x, OFF_BACK, if update[0] == HEAD { NIL } else { update[0] });
        if next != NIL {
            self.arena.set_u32(next, OFF_BACK, x);
        } else {
            self.tail = x;
        }
        self.len += 1;
    }

    /// Unlinks node `x` whose predecessors are `update` (Redis's `zslDeleteNode`).
    fn unlink(&mut self, x: u32, update: &[u32; MAX_LEVEL]) {
        for i in 0..self.level as usize {
            let u = self.link(update[i], i);
            if u.fwd == x {
                let xl = self.link(x, i);
                self.set_link(update[i], i, Link { fwd: xl.fwd, span: u.span + xl.span - 1 });
            } else {
                self.set_link(update[i], i, Link { fwd: u.fwd, span: u.span - 1 });
            }
        }
        let (back, next) = (self.back(x), self.fwd(x, 0));
        if next != NIL {
            self.arena.set_u32(next, OFF_BACK, back);
        } else {
            self.tail = back;
        }
        while self.level > 1 && self.head[self.level as usize - 1].fwd == NIL {
            self.level -= 1;
        }
        self.len -= 1;
    }

    /// The predecessors of node `x` at every level.
    fn seek_node(&self, x: u32) -> Seek {
        let (score, member) = (self.score_of(x), self.member(x));
        let s = self.seek(|n| self.node_before(n, score, member));
        debug_assert_eq!(self.fwd(s.update[0], 0), x);
        s
    }

    fn index_remove(&mut self, x: u32) {
        let h = Self::hash(self.member(x));
        if let Ok(e) = self.index.find_entry(h, |&i| i == x) {
            e.remove();
        }
    }

    /// Removes node `x` (unlinked by the caller) from the index and frees it.
    fn drop_node(&mut self, x: u32) {
        self.index_remove(x);
        self.free_node(x);
    }

    // -- public API -------------------------------------------------------------------------

    /// The node holding `member`.
    #[inline]
    pub fn find(&self, member: &[u8]) -> Option<u32> {
        let h = Self::hash(member);
        self.index.find(h, |&i| self.member(i) == member).copied()
    }

    /// The score of `member`.
    #[inline]
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.find(member).map(|x| self.score_of(x))
    }

    /// The member and score of node `x`.
    #[inline]
    pub fn get(&self, x: u32) -> (&[u8], f64) {
        (self.member(x), self.score_of(x))
    }

    /// The node after `x` (or `NIL`).
    #[inline]
    pub fn next(&self, x: u32) -> u32 {
        self.fwd(x, 0)
    }

    /// The node before `x` (or `NIL`).
    #[inline]
    pub fn prev(&self, x: u32) -> u32 {
        self.back(x)
    }

    /// The first node (or `NIL`).
    #[inline]
    pub fn first(&self) -> u32 {
        self.head[0].fwd
    }

    /// The last node (or `NIL`).
    #[inline]
    pub fn last(&self) -> u32 {
        self.tail
    }

    /// Inserts `member`, which must not be present. Returns its node.
    pub fn insert(&mut self, member: &[u8], score: f64) -> u32 {
        debug_assert!(!score.is_nan());
        debug_assert!(self.find(member).is_none());
        let height = self.random_level();
        let x = self.new_node(member, score, height);
        self.link_node(x);
        let h = Self::hash(member);
        let arena = &self.arena;
        let long = &self.long;
        self.index.insert_unique(h, x, |&i| Self::hash(member_in(arena, long, i)));
        x
    }

    /// Changes the score of node `x` (Redis's `zslUpdateScore`: in place when the
    /// order does not change, else unlinked and relinked). The node keeps its record and
    /// height, so an element never moves in the arena (ZSCAN's guarantee).
    pub fn update_score(&mut self, x: u32, new: f64) {
        let (back, next) = (self.back(x), self.fwd(x, 0));
        if (back == NIL || self.score_of(back) < new) && (next == NIL || self.score_of(next) > new) {
            self.arena.set_u64(x, OFF_SCORE, new.to_bits());
            return;
        }
        let s = self.seek_node(x);
        self.unlink(x, &s.update);
        self.arena.set_u64(x, OFF_SCORE, new.to_bits());
        self.link_node(x);
    }

    /// Removes `member`; returns its score.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        let x = self.find(member)?;
        let score = self.score_of(x);
        self.remove_node(x);
        Some(score)
    }

    /// Removes node `x`.
    pub fn remove_node(&mut self, x: u32) {
        let s = self.seek_node(x);
        self.unlink(x, &s.update);
        self.drop_node(x);
    }

    /// The 1-based rank of node `x` (Redis's `zslGetRank`).
    pub fn rank_of(&self, x: u32) -> u32 {
        let (score, member) = (self.score_of(x), self.member(x));
        let s = self.seek(|n| {
            let o = self.score_of(n);
            o < score || (o == score && self.member(n) <= member)
        });
        debug_assert_eq!(s.update[0], x);
        s.rank
    }

    /// The node at 1-based `rank` (Redis's `zslGetElementByRank`), or `NIL`.
    pub fn node_at(&self, rank: u32) -> u32 {
        let mut traversed = 0u32;
        let mut x = HEAD;
        for i in (0..self.level as usize).rev() {
            loop {
                let l = self.link(x, i);
                if l.fwd != NIL && traversed + l.span <= rank {
                    traversed += l.span;
                    x = l.fwd;
                } else {
                    break;
                }
            }
            if traversed == rank {
                return if x == HEAD { NIL } else { x };
            }
        }
        NIL
    }

    /// The last node for which `go` holds walking from the front with Redis's descent
    /// (a prefix predicate), with its 1-based rank; `(NIL, 0)` when none does.
    pub fn last_where(&self, go: impl Fn(&[u8], f64) -> bool) -> (u32, u32) {
        let s = self.seek(|n| go(self.member(n), self.score_of(n)));
        let x = s.update[0];
        if x == HEAD {
            (NIL, 0)
        } else {
            (x, s.rank)
        }
    }

    /// Deletes the consecutive run of nodes that starts after the last node satisfying
    /// `skip` (a prefix predicate) and continues while `take` holds. Returns how many.
    /// (Redis's `zslDeleteRangeByScore` / `zslDeleteRangeByLex`.)
    pub fn delete_run(&mut self, skip: impl Fn(&[u8], f64) -> bool, take: impl Fn(&[u8], f64) -> bool) -> usize {
        let s = self.seek(|n| skip(self.member(n), self.score_of(n)));
        let mut x = self.fwd(s.update[0], 0);
        let mut count = 0;
        while x != NIL && take(self.member(x), self.score_of(x)) {
            let next = self.fwd(x, 0);
            self.unlink(x, &s.update);
            self.drop_node(x);
            count += 1;
            x = next;
        }
        count
    }

    /// Deletes the nodes with 1-based ranks `start..=end` (Redis's
    /// `zslDeleteRangeByRank`). Returns how many.
    pub fn delete_rank_range(&mut self, start: u32, end: u32) -> usize {
        let mut update = [HEAD; MAX_LEVEL];
        let mut traversed = 0u32;
        let mut x = HEAD;
        for i in (0..self.level as usize).rev() {
            loop {
                let l = self.link(x, i);
                if l.fwd != NIL && traversed + l.span < start {
                    traversed += l.span;
                    x = l.fwd;
                } else {
                    break;
                }
            }
            update[i] = x;
        }
        traversed += 1;
        let mut x = self.fwd(x, 0);
        let mut count = 0;
        while x != NIL && traversed <= end {
            let next = self.fwd(x, 0);
            self.unlink(x, &update);
            self.drop_node(x);
            count += 1;
            traversed += 1;
            x = next;
        }
        count
    }

    /// Iterates from the node at 1-based `rank`, forward or backward.
    pub fn iter_from(&self, rank: u32, rev: bool) -> Iter<'_> {
        Iter { list: self, cur: self.node_at(rank), rev }
    }

    /// Iterates from node `x`, forward or backward.
    pub fn iter_at(&self, x: u32, rev: bool) -> Iter<'_> {
        Iter { list: self, cur: x, rev }
    }

    /// One ZSCAN step: visits up to `count` elements whose records start below arena word
    /// `cursor` (0: from the top), going down; returns the next cursor, 0 at the end.
    pub fn scan(&self, cursor: u64, count: usize, mut visit: impl FnMut(&[u8], f64)) -> u64 {
        let top = self.arena.top as u64;
        let mut pos = if cursor == 0 { top } else { cursor.min(top) };
        let mut seen = 0;
        while seen < count {
            match self.arena.start_below(pos) {
                None => return 0,
                Some(x) => {
                    pos = x as u64;
                    if !self.is_free(x) {
                        visit(self.member(x), self.score_of(x));
                        seen += 1;
                    }
                }
            }
        }
        pos
    }

    /// Bytes of heap memory owned (arena, index, long members).
    pub fn heap_size(&self) -> usize {
        self.arena.heap_size()
            + self.index.allocation_size()
            + self.long.capacity() * std::mem::size_of::<Box<[u8]>>()
            + self.long_free.capacity() * 4
            + self.long_bytes
    }

    /// Compacts the arena when more than half of it is free records (see the module doc).
    pub fn compact_if_sparse(&mut self) {
        if self.arena.top >= 1024 && self.free_words * 2 > self.arena.top {
            self.compact();
        }
    }

    /// Copies the live records, in arena order, into a fresh arena and rewrites every
    /// node reference. Each old record remembers its new place in its `back` field.
    fn compact(&mut self) {
        let old = std::mem::take(&mut self.arena);
        let mut new = Arena::default();
        let mut pos = 0u64;
        let mut order = Vec::with_capacity(self.len as usize);
        let mut old_arena = old;
        while pos < old_arena.top as u64 {
            let x = pos as u32;
            let is_start = old_arena.starts.get(x as usize / 64).is_some_and(|w| w & (1 << (x % 64)) != 0);
            if !is_start {
                pos += 1;
                continue;
            }
            let words = record_words(old_arena.u8_at(x, OFF_HEIGHT) as usize, old_arena.u8_at(x, OFF_MLEN));
            if old_arena.u8_at(x, OFF_FREE) == 0 {
                let y = new.push(words);
                new.bytes_mut(y, 0, words * 8).copy_from_slice(old_arena.bytes(x, 0, words * 8));
                old_arena.set_u32(x, OFF_BACK, y);
                order.push(y);
            }
            pos += words as u64;
        }
        let map = |x: u32| if x == NIL || x == HEAD { x } else { old_arena.u32_at(x, OFF_BACK) };
        for &y in &order {
            let back = new.u32_at(y, OFF_BACK);
            new.set_u32(y, OFF_BACK, map(back));
            let h = new.u8_at(y, OFF_HEIGHT) as usize;
            for lvl in 0..h {
                let off = OFF_LINKS + 8 * lvl;
                let fwd = new.u32_at(y, off);
                new.set_u32(y, off, map(fwd));
            }
        }
        for l in self.head.iter_mut() {
            l.fwd = map(l.fwd);
        }
        self.tail = map(self.tail);
        for v in self.index.iter_mut() {
            *v = map(*v);
        }
        self.arena = new;
        self.free = [NIL; MAX_WORDS + 1];
        self.free_words = 0;
    }

    /// Checks every structural invariant (tests).
    #[cfg(test)]
    pub fn check(&self) {
        let mut prev = NIL;
        let mut x = self.head[0].fwd;
        let mut count = 0u32;
        let mut rank_of = std::collections::HashMap::new();
        while x != NIL {
            assert!(!self.is_free(x));
            assert_eq!(self.back(x), prev);
            if prev != NIL {
                assert!(before(self.score_of(prev), self.member(prev), self.score_of(x), self.member(x)), "order");
            }
            assert_eq!(self.find(self.member(x)), Some(x), "index");
            assert!(self.arena.starts[x as usize / 64] & (1 << (x % 64)) != 0, "start bit");
            count += 1;
            rank_of.insert(x, count);
            prev = x;
            x = self.fwd(x, 0);
        }
        assert_eq!(self.tail, prev);
        assert_eq!(count, self.len);
        assert_eq!(self.index.len(), self.len as usize);
        for lvl in 0..MAX_LEVEL {
            let mut x = HEAD;
            let mut r = 0u32;
            loop {
                if lvl >= self.level as usize {
                    assert_eq!(self.head[lvl].fwd, NIL, "head above level");
                    break;
                }
                let l = self.link(x, lvl);
                if l.fwd == NIL {
                    assert_eq!(l.span, self.len - r, "span to end at level {}", lvl);
                    break;
                }
                let fr = rank_of[&l.fwd];
                assert!(self.height(l.fwd) > lvl);
                assert_eq!(l.span, fr - r, "span at level {}", lvl);
                r = fr;
                x = l.fwd;
            }
        }
        if self.level > 1 {
            assert_ne!(self.head[self.level as usize - 1].fwd, NIL);
        }
        let mut free = 0;
        for (w, &head) in self.free.iter().enumerate() {
            let mut f = head;
            while f != NIL {
                assert!(self.is_free(f));
                assert_eq!(self.words(f), w);
                free += w as u32;
                f = self.arena.u32_at(f, OFF_LINKS);
            }
        }
        assert_eq!(free, self.free_words);
    }
}

/// The member of node `x` (for the index's rehash closure, which cannot borrow `self`).
#[inline]
fn member_in<'a>(arena: &'a Arena, long: &'a [Box<[u8]>], x: u32) -> &'a [u8] {
    let off = OFF_LINKS + 8 * arena.u8_at(x, OFF_HEIGHT) as usize;
    match arena.u8_at(x, OFF_MLEN) {
        LONG => &long[arena.u32_at(x, off) as usize],
        n => arena.bytes(x, off, n as usize),
    }
}

/// Walks nodes from a starting node in one direction.
pub struct Iter<'a> {
    list: &'a SkipList,
    cur: u32,
    rev: bool,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a [u8], f64);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.cur == NIL {
            return None;
        }
        let x = self.cur;
        self.cur = if self.rev { self.list.back(x) } else { self.list.fwd(x, 0) };
        Some(self.list.get(x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn m(i: u32) -> Vec<u8> {
        format!("m{:05}", i).into_bytes()
    }

    fn members(s: &SkipList) -> Vec<Vec<u8>> {
        s.iter_at(s.first(), false).map(|(m, _)| m.to_vec()).collect()
    }

    #[test]
    fn a_short_member_node_is_48_bytes() {
        assert_eq!(record_words(1, 19) * 8, 48);
        assert_eq!(record_words(1, LONG) * 8, 32);
    }

    #[test]
    fn insert_rank_and_lookup_by_rank() {
        let mut s = SkipList::new();
        for i in (0..2000u32).rev() {
            s.insert(&m(i), (i / 3) as f64);
        }
        s.check();
        for i in 0..2000u32 {
            let x = s.find(&m(i)).unwrap();
            assert_eq!(s.rank_of(x), i + 1);
            assert_eq!(s.node_at(i + 1), x);
        }
        assert_eq!(s.node_at(0), NIL);
        assert_eq!(s.node_at(2001), NIL);
    }

    #[test]
    fn long_and_empty_members() {
        let mut s = SkipList::new();
        let long = vec![b'x'; 100];
        s.insert(&long, 1.0);
        s.insert(b"", 2.0);
        s.insert(&[7u8; 24], 3.0);
        s.insert(&[8u8; 25], 4.0);
        s.check();
        assert_eq!(s.score(&long), Some(1.0));
        assert_eq!(s.score(b""), Some(2.0));
        assert_eq!(s.score(&[8u8; 25]), Some(4.0));
        assert_eq!(s.remove(&long), Some(1.0));
        s.insert(&[9u8; 30], 5.0);
        s.check();
        assert_eq!(s.long.iter().filter(|b| !b.is_empty()).count(), 2);
    }

    #[test]
    fn equal_scores_order_by_member_and_signed_zero_ties() {
        let mut s = SkipList::new();
        s.insert(b"b", 0.0);
        s.insert(b"a", -0.0);
        s.insert(b"c", -0.0);
        assert_eq!(members(&s), vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]);
        s.check();
    }

    #[test]
    fn remove_update_and_ranges_keep_spans() {
        let mut s = SkipList::new();
        for i in 0..1000u32 {
            s.insert(&m(i), i as f64);
        }
        for i in (0..1000u32).step_by(3) {
            assert!(s.remove(&m(i)).is_some());
        }
        s.check();
        for i in (1..1000u32).step_by(3) {
            let x = s.find(&m(i)).unwrap();
            s.update_score(x, -(i as f64));
            assert_eq!(s.find(&m(i)), Some(x), "a node keeps its record");
        }
        s.check();
        let x = s.find(&m(2)).unwrap();
        s.update_score(x, 2.5);
        s.check();
        assert_eq!(s.delete_rank_range(10, 20), 11);
        s.check();
        assert!(s.delete_run(|_, sc| sc < 100.0, |_, sc| sc <= 200.0) > 0);
        s.check();
        while s.first() != NIL {
            s.remove_node(s.first());
        }
        s.check();
        assert!(s.is_empty());
        assert_eq!(s.level, 1);
    }

    #[test]
    fn freed_records_are_reused() {
        let mut s = SkipList::new();
        for i in 0..500u32 {
            s.insert(&m(i), i as f64);
        }
        let top = s.arena.top;
        for round in 0..20u32 {
            for i in 0..500u32 {
                s.remove(&m(i));
                s.insert(&m(i), (i + round) as f64);
            }
        }
        s.check();
        assert!(s.arena.top < top * 2, "arena grew from {} to {}", top, s.arena.top);
    }

    #[test]
    fn compaction_preserves_order_and_scan_order() {
        let mut s = SkipList::new();
        for i in 0..3000u32 {
            s.insert(&m(i), (i % 7) as f64);
        }
        for i in 0..2500u32 {
            s.remove(&m(i));
        }
        let scan = |s: &SkipList| {
            let mut v = Vec::new();
            let mut c = 0;
            loop {
                c = s.scan(c, 10, |m, _| v.push(m.to_vec()));
                if c == 0 {
                    break v;
                }
            }
        };
        let before_scan = scan(&s);
        assert_eq!(before_scan.len(), 500);
        s.compact_if_sparse();
        s.check();
        assert!(s.arena.top <= 500 * 6 + 16);
        assert_eq!(scan(&s), before_scan);
        s.insert(&m(1), 1.0);
        s.check();
    }

    #[test]
    fn scan_sees_every_element_across_pages() {
        let mut s = SkipList::new();
        for i in 0..5000u32 {
            s.insert(&m(i), i as f64);
        }
        assert!(s.arena.pages.len() > 1);
        let mut seen = std::collections::HashSet::new();
        let mut c = 0;
        loop {
            c = s.scan(c, 7, |m, _| {
                seen.insert(m.to_vec());
            });
            if c == 0 {
                break;
            }
        }
        assert_eq!(seen.len(), 5000);
    }

    mod prop {
        use super::*;
        use proptest::prelude::*;

        #[derive(Debug, Clone)]
        enum Op {
            Add(u8, i8),
            Rem(u8),
            RemRanks(u8, u8),
            Compact,
        }

        fn op() -> impl Strategy<Value = Op> {
            prop_oneof![
                5 => (any::<u8>(), -5i8..5).prop_map(|(m, s)| Op::Add(m, s)),
                2 => any::<u8>().prop_map(Op::Rem),
                1 => (any::<u8>(), any::<u8>()).prop_map(|(a, b)| Op::RemRanks(a % 40, b % 40)),
                1 => Just(Op::Compact),
            ]
        }

        /// Member `mb` of the model: short, inline-sized or long.
        fn key(mb: u8) -> Vec<u8> {
            let len = [1usize, 2, 23, 24, 25, 40][mb as usize % 6];
            let mut k = vec![b'a' + mb % 26; len];
            k[0] = mb;
            k
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(200))]
            #[test]
            fn matches_btree_model(ops in proptest::collection::vec(op(), 1..300)) {
                let mut s = SkipList::new();
                let mut model: BTreeMap<Vec<u8>, i8> = BTreeMap::new();
                let mut order: std::collections::BTreeSet<(i8, Vec<u8>)> = Default::default();
                for op in ops {
                    match op {
                        Op::Add(mb, sc) => {
                            let k = key(mb);
                            match model.insert(k.clone(), sc) {
                                Some(old) => {
                                    order.remove(&(old, k.clone()));
                                    let x = s.find(&k).unwrap();
                                    s.update_score(x, sc as f64);
                                }
                                None => { s.insert(&k, sc as f64); }
                            }
                            order.insert((sc, k));
                        }
                        Op::Rem(mb) => {
                            let k = key(mb);
                            let had = model.remove(&k);
                            if let Some(old) = had { order.remove(&(old, k.clone())); }
                            prop_assert_eq!(s.remove(&k).map(|sc| sc as i8), had);
                        }
                        Op::RemRanks(a, b) => {
                            let (a, b) = (a.min(b) as u32 + 1, a.max(b) as u32 + 1);
                            let gone: Vec<_> = order.iter().skip(a as usize - 1).take((b - a + 1) as usize).cloned().collect();
                            for g in &gone { order.remove(g); model.remove(&g.1); }
                            prop_assert_eq!(s.delete_rank_range(a, b), gone.len());
                        }
                        Op::Compact => s.compact(),
                    }
                    s.check();
                    let got: Vec<(i8, Vec<u8>)> = s.iter_at(s.first(), false).map(|(m, sc)| (sc as i8, m.to_vec())).collect();
                    let want: Vec<(i8, Vec<u8>)> = order.iter().cloned().collect();
                    prop_assert_eq!(&got, &want);
                    for (r, (_, k)) in want.iter().enumerate() {
                        let x = s.find(k).unwrap();
                        prop_assert_eq!(s.rank_of(x) as usize, r + 1);
                        prop_assert_eq!(s.node_at(r as u32 + 1), x);
                    }
                    let rev: Vec<Vec<u8>> = s.iter_at(s.last(), true).map(|(m, _)| m.to_vec()).collect();
                    prop_assert_eq!(rev.len(), want.len());
                }
            }
        }
    }
}
