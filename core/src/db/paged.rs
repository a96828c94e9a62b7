//! `PagedVec`: a vector stored in fixed-size pages.
//!
//! Growing never copies existing elements and never doubles the allocation, so a
//! million-key keyspace wastes at most one page instead of up to half its capacity.

const PAGE_BITS: usize = 12;
const PAGE: usize = 1 << PAGE_BITS;
const MASK: usize = PAGE - 1;

/// A growable vector in pages of 4096 elements.
#[derive(Clone)]
pub struct PagedVec<T> {
    pages: Vec<Vec<T>>,
    len: usize,
}

impl<T> PagedVec<T> {
    /// An empty vector.
    pub fn new() -> Self {
        PagedVec { pages: Vec::new(), len: 0 }
    }

    /// Number of elements.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Element slots allocated.
    pub fn capacity(&self) -> usize {
        self.pages.iter().map(Vec::capacity).sum()
    }

    /// The element at `i` (panics when out of range: callers hold valid slots).
    #[inline]
    pub fn get(&self, i: usize) -> &T {
        &self.pages[i >> PAGE_BITS][i & MASK]
    }

    /// The element at `i`, mutably.
    #[inline]
    pub fn get_mut(&mut self, i: usize) -> &mut T {
        &mut self.pages[i >> PAGE_BITS][i & MASK]
    }

    /// Appends an element.
    pub fn push(&mut self, v: T) {
        let p = self.len >> PAGE_BITS;
        if p == self.pages.len() {
            // Small vectors start small; full pages are allocated exactly once.
            let cap = if p == 0 { 16 } else { PAGE };
            self.pages.push(Vec::with_capacity(cap));
        }
        let page = &mut self.pages[p];
        if page.len() == page.capacity() {
            let want = (page.capacity() * 2).min(PAGE);
            page.reserve_exact(want - page.len());
        }
        page.push(v);
        self.len += 1;
    }

    /// Removes the last element.
    pub fn pop(&mut self) -> Option<T> {
        if self.len == 0 {
            return None;
        }
        self.len -= 1;
        let p = self.len >> PAGE_BITS;
        let v = self.pages[p].pop();
        if self.pages[p].is_empty() && p > 0 {
            self.pages.pop();
        }
        v
    }

    /// Removes element `i`, moving the last element into its place.
    pub fn swap_remove(&mut self, i: usize) -> T {
        let last = self.pop().expect("swap_remove on empty PagedVec");
        if i == self.len {
            last
        } else {
            std::mem::replace(self.get_mut(i), last)
        }
    }

    /// Iterates in index order.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.pages.iter().flat_map(|p| p.iter())
    }
}

impl<T> Default for PagedVec<T> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_like_vec() {
        let mut p = PagedVec::new();
        let mut v = Vec::new();
        for i in 0..10_000 {
            p.push(i);
            v.push(i);
        }
        for i in (0..10_000).step_by(7) {
            let i = i % v.len();
            assert_eq!(p.swap_remove(i), v.swap_remove(i));
        }
        assert_eq!(p.len(), v.len());
        assert!(p.iter().copied().eq(v.iter().copied()));
        while let Some(x) = p.pop() {
            assert_eq!(Some(x), v.pop());
        }
    }
}
