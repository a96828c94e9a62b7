//! `SkipList`: the large sorted-set encoding, Redis's `zskiplist` plus its member dict.
//!
//! Same algorithm as Redis 7.0's `t_zset.c` (levels with spans, p = 1/4, at most 32
//! levels, a backward link at level 0), stored without pointers or `unsafe`:
//! - nodes live in one `Vec` and are named by `u32` indexes; freed nodes are chained
//!   through their level-0 link and reused;
//! - a node's level-0 link is inline (its span is implied: 1, or 0 for the last node);
//!   the links of levels 1.. sit in a shared `uppers` vector as one block per node
//!   (on average a third of a link per node), with free lists per block length;
//! - member -> node is a `hashbrown::HashTable<u32>` (5 bytes a bucket);
//! - short members are stored inline in the node (`SBytes`), so a node is 48 bytes.
//!
//! Ranks here are 1-based like Redis's; the [`super::ZSet`] API converts to 0-based.
//! Scores compare with IEEE `<`/`==` (so `-0 == 0`, ties broken by member bytes), never
//! NaN (callers reject it).

use std::hash::BuildHasher;

use hashbrown::HashTable;

use crate::bytes::SBytes;

/// Most levels a node can have (Redis's `ZSKIPLIST_MAXLEVEL`).
pub const MAX_LEVEL: usize = 32;
/// No node.
pub const NIL: u32 = u32::MAX;
/// The header, a pseudo-node before the first node.
const HEAD: u32 = u32::MAX - 1;
/// Seed of the member hash (the table is private, so a fixed key is fine).
const HASH_SEED: u64 = 0x5eed_2e75;

/// One forward link: the node it reaches and how many nodes it skips over (+1).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Link {
    fwd: u32,
    span: u32,
}

/// One element.
#[derive(Clone, Debug)]
struct Node {
    member: SBytes,
    score: f64,
    /// Previous node at level 0, or `NIL` for the first.
    back: u32,
    /// Next node at level 0, or `NIL` for the last (free nodes: next free node).
    next: u32,
    /// Start of this node's links for levels 1..height in `uppers`.
    upper: u32,
    /// Number of levels (1..=32); 0 marks a free node.
    height: u8,
}

/// Whether an element `(score, member)` sorts before `(s, m)` (Redis's order).
#[inline]
fn before(score: f64, member: &[u8], s: f64, m: &[u8]) -> bool {
    score < s || (score == s && member < m)
}

/// A sorted set of (member, score) with O(log n) insert, delete, rank and rank lookup.
#[derive(Clone)]
pub struct SkipList {
    nodes: Vec<Node>,
    uppers: Vec<Link>,
    /// Head of the free-node chain.
    free_node: u32,
    /// Heads of the free upper-link blocks, by block length (index 1..32).
    free_upper: [u32; MAX_LEVEL],
    head: [Link; MAX_LEVEL],
    tail: u32,
    len: u32,
    level: u8,
    rng: u64,
    index: HashTable<u32>,
    /// Heap bytes of members stored out of line.
    member_heap: usize,
}

impl Default for SkipList {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for SkipList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter_from(1, false)).finish()
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
            nodes: Vec::new(),
            uppers: Vec::new(),
            free_node: NIL,
            free_upper: [NIL; MAX_LEVEL],
            head: [Link { fwd: NIL, span: 0 }; MAX_LEVEL],
            tail: NIL,
            len: 0,
            level: 1,
            rng: 0x9E37_79B9_7F4A_7C15,
            index: HashTable::new(),
            member_heap: 0,
        }
    }

    /// An empty skiplist with room for `n` elements.
    pub fn with_capacity(n: usize) -> Self {
        let mut s = Self::new();
        s.nodes.reserve_exact(n);
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

    // -- links --------------------------------------------------------------------------

    #[inline]
    fn link(&self, x: u32, lvl: usize) -> Link {
        if x == HEAD {
            self.head[lvl]
        } else {
            let n = &self.nodes[x as usize];
            if lvl == 0 {
                Link { fwd: n.next, span: (n.next != NIL) as u32 }
            } else {
                self.uppers[n.upper as usize + lvl - 1]
            }
        }
    }

    #[inline]
    fn fwd(&self, x: u32, lvl: usize) -> u32 {
        if x == HEAD {
            self.head[lvl].fwd
        } else if lvl == 0 {
            self.nodes[x as usize].next
        } else {
            let n = &self.nodes[x as usize];
            self.uppers[n.upper as usize + lvl - 1].fwd
        }
    }

    #[inline]
    fn set_link(&mut self, x: u32, lvl: usize, l: Link) {
        if x == HEAD {
            self.head[lvl] = l;
        } else if lvl == 0 {
            self.nodes[x as usize].next = l.fwd;
        } else {
            let at = self.nodes[x as usize].upper as usize + lvl - 1;
            self.uppers[at] = l;
        }
    }

    #[inline]
    fn add_span(&mut self, x: u32, lvl: usize, delta: i64) {
        let mut l = self.link(x, lvl);
        l.span = (l.span as i64 + delta) as u32;
        self.set_link(x, lvl, l);
    }

    // -- allocation ---------------------------------------------------------------------

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

    fn alloc_upper(&mut self, n: usize) -> u32 {
        if n == 0 {
            return 0;
        }
        let h = self.free_upper[n];
        if h != NIL {
            self.free_upper[n] = self.uppers[h as usize].fwd;
            return h;
        }
        let at = self.uppers.len();
        self.uppers.resize(at + n, Link::default());
        at as u32
    }

    fn free_upper_block(&mut self, at: u32, n: usize) {
        if n == 0 {
            return;
        }
        self.uppers[at as usize].fwd = self.free_upper[n];
        self.free_upper[n] = at;
    }

    fn alloc_node(&mut self, member: SBytes, score: f64) -> u32 {
        self.member_heap += member.heap_size();
        let node = Node { member, score, back: NIL, next: NIL, upper: 0, height: 1 };
        if self.free_node != NIL {
            let i = self.free_node;
            self.free_node = self.nodes[i as usize].next;
            self.nodes[i as usize] = node;
            i
        } else {
            self.nodes.push(node);
            (self.nodes.len() - 1) as u32
        }
    }

    /// Returns a node to the free chain and hands back its member.
    fn free_node(&mut self, x: u32) -> SBytes {
        let n = &mut self.nodes[x as usize];
        let member = std::mem::replace(&mut n.member, SBytes::new(b""));
        let (upper, height) = (n.upper, n.height as usize);
        n.next = self.free_node;
        n.height = 0;
        self.free_node = x;
        self.free_upper_block(upper, height - 1);
        self.member_heap -= member.heap_size();
        member
    }

    // -- descent ------------------------------------------------------------------------

    /// Walks down from the top level, moving forward while `go(node)` holds.
    #[inline]
    fn seek(&self, go: impl Fn(&Node) -> bool) -> Seek {
        let mut update = [HEAD; MAX_LEVEL];
        let mut rank = 0u32;
        let mut x = HEAD;
        for i in (0..self.level as usize).rev() {
            loop {
                let l = self.link(x, i);
                if l.fwd != NIL && go(&self.nodes[l.fwd as usize]) {
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

    /// Links the allocated node `x` into the list at its sorted position with a fresh
    /// random height (Redis's `zslInsert`).
    fn link_node(&mut self, x: u32) {
        let mut update = [HEAD; MAX_LEVEL];
        let mut rank = [0u32; MAX_LEVEL];
        let top = self.level as usize;
        {
            let (score, member) = (self.nodes[x as usize].score, self.nodes[x as usize].member.as_slice());
            let mut p = HEAD;
            for i in (0..top).rev() {
                rank[i] = if i == top - 1 { 0 } else { rank[i + 1] };
                loop {
                    let l = self.link(p, i);
                    if l.fwd == NIL {
                        break;
                    }
                    let n = &self.nodes[l.fwd as usize];
                    if !before(n.score, &n.member, score, member) {
                        break;
                    }
                    rank[i] += l.span;
                    p = l.fwd;
                }
                update[i] = p;
            }
        }
        let level = self.random_level();
        if level > top {
            for i in top..level {
                rank[i] = 0;
                update[i] = HEAD;
                self.head[i].span = self.len;
            }
            self.level = level as u8;
        }
        let upper = self.alloc_upper(level - 1);
        {
            let n = &mut self.nodes[x as usize];
            n.upper = upper;
            n.height = level as u8;
        }
        for i in 0..level {
            let u = self.link(update[i], i);
            self.set_link(x, i, Link { fwd: u.fwd, span: u.span - (rank[0] - rank[i]) });
            self.set_link(update[i], i, Link { fwd: x, span: (rank[0] - rank[i]) + 1 });
        }
        for i in level..self.level as usize {
            self.add_span(update[i], i, 1);
        }
        let next = self.nodes[x as usize].next;
        self.nodes[x as usize].back = if update[0] == HEAD { NIL } else { update[0] };
        if next != NIL {
            self.nodes[next as usize].back = x;
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
        let (back, next) = (self.nodes[x as usize].back, self.nodes[x as usize].next);
        if next != NIL {
            self.nodes[next as usize].back = back;
        } else {
            self.tail = back;
        }
        while self.level > 1 && self.head[self.level as usize - 1].fwd == NIL {
            self.level -= 1;
        }
        self.len -= 1;
    }

    /// The predecessors of the element `(score, member)` at every level.
    fn seek_element(&self, score: f64, member: &[u8]) -> Seek {
        self.seek(|n| before(n.score, &n.member, score, member))
    }

    fn index_remove(&mut self, x: u32) {
        let h = Self::hash(&self.nodes[x as usize].member);
        if let Ok(e) = self.index.find_entry(h, |&i| i == x) {
            e.remove();
        }
    }

    /// Removes node `x` (unlinked by the caller) from the index and frees it.
    fn drop_node(&mut self, x: u32) -> (SBytes, f64) {
        self.index_remove(x);
        let score = self.nodes[x as usize].score;
        (self.free_node(x), score)
    }

    // -- public API ---------------------------------------------------------------------

    /// The node holding `member`.
    #[inline]
    pub fn find(&self, member: &[u8]) -> Option<u32> {
        let h = Self::hash(member);
        let nodes = &self.nodes;
        self.index.find(h, |&i| nodes[i as usize].member.as_slice() == member).copied()
    }

    /// The score of `member`.
    #[inline]
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.find(member).map(|x| self.nodes[x as usize].score)
    }

    /// The member and score of node `x`.
    #[inline]
    pub fn get(&self, x: u32) -> (&[u8], f64) {
        let n = &self.nodes[x as usize];
        (n.member.as_slice(), n.score)
    }

    /// The node after `x` (or `NIL`).
    #[inline]
    pub fn next(&self, x: u32) -> u32 {
        self.nodes[x as usize].next
    }

    /// The node before `x` (or `NIL`).
    #[inline]
    pub fn prev(&self, x: u32) -> u32 {
        self.nodes[x as usize].back
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
    pub fn insert(&mut self, member: SBytes, score: f64) -> u32 {
        debug_assert!(!score.is_nan());
        debug_assert!(self.find(&member).is_none());
        let h = Self::hash(&member);
        let x = self.alloc_node(member, score);
        self.link_node(x);
        let nodes = &self.nodes;
        self.index.insert_unique(h, x, |&i| Self::hash(&nodes[i as usize].member));
        x
    }

    /// Changes the score of node `x` (Redis's `zslUpdateScore`: in place when the
    /// order does not change, else unlinked and relinked). The node keeps its index.
    pub fn update_score(&mut self, x: u32, new: f64) {
        let (back, next) = (self.nodes[x as usize].back, self.nodes[x as usize].next);
        if (back == NIL || self.nodes[back as usize].score < new)
            && (next == NIL || self.nodes[next as usize].score > new)
        {
            self.nodes[x as usize].score = new;
            return;
        }
        let s = {
            let n = &self.nodes[x as usize];
            self.seek_element(n.score, &n.member)
        };
        debug_assert_eq!(self.fwd(s.update[0], 0), x);
        self.unlink(x, &s.update);
        let n = &self.nodes[x as usize];
        let (upper, height) = (n.upper, n.height as usize);
        self.free_upper_block(upper, height - 1);
        let n = &mut self.nodes[x as usize];
        n.score = new;
        n.next = NIL;
        n.back = NIL;
        self.link_node(x);
    }

    /// Removes `member`; returns it and its score.
    pub fn remove(&mut self, member: &[u8]) -> Option<(SBytes, f64)> {
        let x = self.find(member)?;
        Some(self.remove_node(x))
    }

    /// Removes node `x`; returns its member and score.
    pub fn remove_node(&mut self, x: u32) -> (SBytes, f64) {
        let s = {
            let n = &self.nodes[x as usize];
            self.seek_element(n.score, &n.member)
        };
        debug_assert_eq!(self.fwd(s.update[0], 0), x);
        self.unlink(x, &s.update);
        self.drop_node(x)
    }

    /// The 1-based rank of node `x` (Redis's `zslGetRank`).
    pub fn rank_of(&self, x: u32) -> u32 {
        let n = &self.nodes[x as usize];
        let (score, member) = (n.score, n.member.as_slice());
        let s = self.seek(|o| o.score < score || (o.score == score && o.member.as_slice() <= member));
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
        let s = self.seek(|n| go(&n.member, n.score));
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
    pub fn delete_run(
        &mut self,
        skip: impl Fn(&[u8], f64) -> bool,
        take: impl Fn(&[u8], f64) -> bool,
    ) -> usize {
        let s = self.seek(|n| skip(&n.member, n.score));
        let mut x = self.fwd(s.update[0], 0);
        let mut count = 0;
        while x != NIL {
            let (m, sc) = self.get(x);
            if !take(m, sc) {
                break;
            }
            let next = self.nodes[x as usize].next;
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
            let next = self.nodes[x as usize].next;
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

    /// Node slots in the arena, live or free (the ZSCAN cursor space).
    pub fn slot_count(&self) -> usize {
        self.nodes.len()
    }

    /// The element in arena slot `i`, if the slot is live.
    pub fn slot(&self, i: u32) -> Option<(&[u8], f64)> {
        let n = self.nodes.get(i as usize)?;
        (n.height != 0).then(|| (n.member.as_slice(), n.score))
    }

    /// Bytes of heap memory owned (arena, links, index, out-of-line members).
    pub fn heap_size(&self) -> usize {
        self.nodes.capacity() * std::mem::size_of::<Node>()
            + self.uppers.capacity() * std::mem::size_of::<Link>()
            + self.index.allocation_size()
            + self.member_heap
    }

    /// Packs live nodes into the lowest slots keeping their relative slot order (so a
    /// ZSCAN cursor that walks slots downwards still sees every element), when at most
    /// half of the arena is in use. Call between commands or after bulk removals.
    pub fn compact_if_sparse(&mut self) {
        let slots = self.nodes.len();
        if slots < 64 || (self.len as usize) * 2 > slots {
            return;
        }
        self.compact();
    }

    fn compact(&mut self) {
        let slots = self.nodes.len();
        // New index of every live slot; free slots get NIL.
        let mut remap = vec![NIL; slots];
        let mut n = 0u32;
        for (r, node) in remap.iter_mut().zip(&self.nodes) {
            if node.height != 0 {
                *r = n;
                n += 1;
            }
        }
        let map = |x: u32| if x == NIL || x == HEAD { x } else { remap[x as usize] };
        let old_nodes = std::mem::take(&mut self.nodes);
        let old_uppers = std::mem::take(&mut self.uppers);
        let mut nodes = Vec::with_capacity(n as usize);
        let mut uppers = Vec::with_capacity(old_uppers.len().min(n as usize));
        for (i, mut node) in old_nodes.into_iter().enumerate() {
            if remap[i] == NIL {
                continue;
            }
            let h = node.height as usize - 1;
            let start = uppers.len() as u32;
            for k in 0..h {
                let l: Link = old_uppers[node.upper as usize + k];
                uppers.push(Link { fwd: map(l.fwd), span: l.span });
            }
            node.upper = if h == 0 { 0 } else { start };
            node.next = map(node.next);
            node.back = map(node.back);
            nodes.push(node);
        }
        for l in self.head.iter_mut() {
            l.fwd = map(l.fwd);
        }
        self.tail = map(self.tail);
        for v in self.index.iter_mut() {
            *v = remap[*v as usize];
        }
        self.nodes = nodes;
        self.uppers = uppers;
        self.free_node = NIL;
        self.free_upper = [NIL; MAX_LEVEL];
        self.index.shrink_to_fit({
            let nodes = &self.nodes;
            move |&i| Self::hash(&nodes[i as usize].member)
        });
    }

    /// Checks every structural invariant (tests).
    #[cfg(test)]
    pub fn check(&self) {
        // Level 0: order, back links, tail, length.
        let mut prev = NIL;
        let mut x = self.head[0].fwd;
        let mut count = 0u32;
        let mut rank_of = std::collections::HashMap::new();
        while x != NIL {
            let n = &self.nodes[x as usize];
            assert_eq!(n.back, prev);
            if prev != NIL {
                let p = &self.nodes[prev as usize];
                assert!(before(p.score, &p.member, n.score, &n.member), "order");
            }
            assert_eq!(self.find(&n.member), Some(x), "index");
            count += 1;
            rank_of.insert(x, count);
            prev = x;
            x = n.next;
        }
        assert_eq!(self.tail, prev);
        assert_eq!(count, self.len);
        assert_eq!(self.index.len(), self.len as usize);
        // Every level: spans equal rank differences; a NIL link spans the rest.
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
                assert!(self.nodes[l.fwd as usize].height as usize > lvl);
                assert_eq!(l.span, fr - r, "span at level {}", lvl);
                r = fr;
                x = l.fwd;
            }
        }
        if self.level > 1 {
            assert_ne!(self.head[self.level as usize - 1].fwd, NIL);
        }
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
        let n = &self.list.nodes[self.cur as usize];
        self.cur = if self.rev { n.back } else { n.next };
        Some((n.member.as_slice(), n.score))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn m(i: u32) -> SBytes {
        SBytes::new(format!("m{:05}", i).as_bytes())
    }

    #[test]
    fn node_is_48_bytes() {
        assert_eq!(std::mem::size_of::<Node>(), 48);
    }

    #[test]
    fn insert_rank_and_lookup_by_rank() {
        let mut s = SkipList::new();
        for i in (0..2000u32).rev() {
            s.insert(m(i), (i / 3) as f64);
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
    fn equal_scores_order_by_member_and_signed_zero_ties() {
        let mut s = SkipList::new();
        s.insert(SBytes::new(b"b"), 0.0);
        s.insert(SBytes::new(b"a"), -0.0);
        s.insert(SBytes::new(b"c"), -0.0);
        let v: Vec<_> = s.iter_from(1, false).map(|(m, _)| m.to_vec()).collect();
        assert_eq!(v, vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]);
        s.check();
    }

    #[test]
    fn remove_update_and_ranges_keep_spans() {
        let mut s = SkipList::new();
        for i in 0..1000u32 {
            s.insert(m(i), i as f64);
        }
        for i in (0..1000u32).step_by(3) {
            assert!(s.remove(&m(i)).is_some());
        }
        s.check();
        for i in (1..1000u32).step_by(3) {
            let x = s.find(&m(i)).unwrap();
            s.update_score(x, -(i as f64));
        }
        s.check();
        let x = s.find(&m(2)).unwrap();
        s.update_score(x, 2.5); // stays in place
        s.check();
        let n = s.delete_rank_range(10, 20);
        assert_eq!(n, 11);
        s.check();
        let n = s.delete_run(|_, sc| sc < 100.0, |_, sc| sc <= 200.0);
        assert!(n > 0);
        s.check();
        while s.first() != NIL {
            s.remove_node(s.first());
        }
        s.check();
        assert!(s.is_empty());
        assert_eq!(s.level, 1);
    }

    #[test]
    fn compaction_preserves_order_and_slot_order() {
        let mut s = SkipList::new();
        for i in 0..500u32 {
            s.insert(m(i), (i % 7) as f64);
        }
        for i in 0..400u32 {
            s.remove(&m(i));
        }
        let before_slots: Vec<Vec<u8>> =
            (0..s.slot_count() as u32).filter_map(|i| s.slot(i).map(|(m, _)| m.to_vec())).collect();
        s.compact_if_sparse();
        s.check();
        assert_eq!(s.slot_count(), 100);
        let after: Vec<Vec<u8>> =
            (0..s.slot_count() as u32).filter_map(|i| s.slot(i).map(|(m, _)| m.to_vec())).collect();
        assert_eq!(before_slots, after);
        s.insert(m(1), 1.0);
        s.check();
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

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(200))]
            #[test]
            fn matches_btree_model(ops in proptest::collection::vec(op(), 1..300)) {
                let mut s = SkipList::new();
                // model: member -> score; order = BTreeSet of (score, member)
                let mut model: BTreeMap<Vec<u8>, i8> = BTreeMap::new();
                let mut order: std::collections::BTreeSet<(i8, Vec<u8>)> = Default::default();
                for op in ops {
                    match op {
                        Op::Add(mb, sc) => {
                            let key = vec![b'a' + mb % 26, mb];
                            match model.insert(key.clone(), sc) {
                                Some(old) => {
                                    order.remove(&(old, key.clone()));
                                    let x = s.find(&key).unwrap();
                                    s.update_score(x, sc as f64);
                                }
                                None => { s.insert(SBytes::new(&key), sc as f64); }
                            }
                            order.insert((sc, key));
                        }
                        Op::Rem(mb) => {
                            let key = vec![b'a' + mb % 26, mb];
                            let had = model.remove(&key);
                            if let Some(old) = had { order.remove(&(old, key.clone())); }
                            prop_assert_eq!(s.remove(&key).map(|(_, sc)| sc as i8), had);
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
                    let got: Vec<(i8, Vec<u8>)> = s.iter_from(1, false).map(|(m, sc)| (sc as i8, m.to_vec())).collect();
                    let want: Vec<(i8, Vec<u8>)> = order.iter().cloned().collect();
                    prop_assert_eq!(&got, &want);
                    for (r, (_, key)) in want.iter().enumerate() {
                        let x = s.find(key).unwrap();
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
