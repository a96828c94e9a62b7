//! One stable sort for the whole engine, small in code.
//!
//! The standard library's sorts are fast but large, and every element type and comparator
//! gets its own copy: in the wasm build they were 30 KB of code. Here a single,
//! non-generic merge sort orders a permutation of indices through a `dyn` comparator, and a
//! tiny generic step applies the permutation by swaps. The indirection makes it slower than
//! the standard sorts on big inputs (comparisons jump around memory), so the two places that
//! sort whole data sets (SORT, sorted-set results) keep the standard ones; everything else
//! here sorts a handful of items.

use std::cmp::Ordering;

/// Sorts `v` stably by `cmp` (like `slice::sort_by`).
pub fn sort_by<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    if v.len() < 2 {
        return;
    }
    let perm = {
        let view: &[T] = v;
        sorted_permutation(view.len(), &mut |a, b| cmp(&view[a as usize], &view[b as usize]))
    };
    apply_permutation(v, perm);
}

/// Sorts `v` stably by the key `f` gives (like `slice::sort_by_key`).
pub fn sort_by_key<T, K: Ord>(v: &mut [T], mut f: impl FnMut(&T) -> K) {
    sort_by(v, |a, b| f(a).cmp(&f(b)));
}

/// Sorts `v` into ascending order (like `slice::sort`).
pub fn sort<T: Ord>(v: &mut [T]) {
    sort_by(v, T::cmp);
}

/// The indices `0..n` in the order `cmp` sorts them, ties kept in index order: a bottom-up
/// merge sort over runs of 8 first ordered by insertion.
fn sorted_permutation(n: usize, cmp: &mut dyn FnMut(u32, u32) -> Ordering) -> Vec<u32> {
    const RUN: usize = 8;
    let mut a: Vec<u32> = (0..n as u32).collect();
    for run in a.chunks_mut(RUN) {
        for i in 1..run.len() {
            let mut j = i;
            while j > 0 && cmp(run[j - 1], run[j]) == Ordering::Greater {
                run.swap(j - 1, j);
                j -= 1;
            }
        }
    }
    let mut b = vec![0u32; n];
    let mut width = RUN;
    while width < n {
        for (lo, out) in (0..n).step_by(2 * width).zip(b.chunks_mut(2 * width)) {
            let mid = (lo + width).min(n);
            let hi = (lo + 2 * width).min(n);
            let (mut i, mut j) = (lo, mid);
            for slot in out.iter_mut() {
                // Take from the right run only when strictly smaller: stable.
                if j < hi && (i >= mid || cmp(a[j], a[i]) == Ordering::Less) {
                    *slot = a[j];
                    j += 1;
                } else {
                    *slot = a[i];
                    i += 1;
                }
            }
        }
        std::mem::swap(&mut a, &mut b);
        width *= 2;
    }
    a
}

/// Rearranges `v` so that position `i` holds what was at `perm[i]`, following cycles.
fn apply_permutation<T>(v: &mut [T], mut perm: Vec<u32>) {
    for start in 0..v.len() {
        let mut j = start;
        loop {
            let k = perm[j] as usize;
            perm[j] = j as u32;
            if k == start {
                break;
            }
            v.swap(j, k);
            j = k;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn sorts_like_the_standard_stable_sort(v in proptest::collection::vec((0u8..6, any::<u16>()), 0..200)) {
            let mut ours = v.clone();
            let mut std_sorted = v;
            sort_by_key(&mut ours, |p| p.0);
            std_sorted.sort_by_key(|p| p.0);
            prop_assert_eq!(ours, std_sorted);
        }
    }

    #[test]
    fn moves_owned_values() {
        let mut v: Vec<String> = ["pear", "apple", "fig", "apple", "kiwi"].iter().map(|s| s.to_string()).collect();
        sort(&mut v);
        assert_eq!(v, ["apple", "apple", "fig", "kiwi", "pear"]);
        let mut big: Vec<u32> = (0..1000).rev().collect();
        sort(&mut big);
        assert!(big.windows(2).all(|w| w[0] < w[1]));
    }
}
