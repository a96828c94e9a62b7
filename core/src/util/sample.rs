//! Random sampling helpers for SPOP, SRANDMEMBER and HRANDFIELD.

use crate::rng::Rng;

/// Most picks a negative count may ask for in one reply. Redis would try to build any
/// size (and run out of memory); Cinder answers an error beyond this.
pub const MAX_RANDOM_PICKS: u64 = 10_000_000;

/// `k` distinct indexes from `0..n` (`k <= n`), in random order. Uses a partial
/// Fisher-Yates shuffle when `k` is a large share of `n`, else rejection sampling, so
/// the cost is O(k) expected either way (plus O(n) for the shuffle case, where k > n/3).
pub fn distinct_indexes(n: usize, k: usize, rng: &mut Rng) -> Vec<usize> {
    debug_assert!(k <= n);
    if k.saturating_mul(3) > n {
        let mut all: Vec<usize> = (0..n).collect();
        for i in 0..k {
            let j = i + rng.below((n - i) as u64) as usize;
            all.swap(i, j);
        }
        all.truncate(k);
        all
    } else {
        let mut seen = hashbrown::HashSet::with_capacity_and_hasher(k, foldhash::fast::FixedState::with_seed(0));
        let mut out = Vec::with_capacity(k);
        while out.len() < k {
            let i = rng.below(n as u64) as usize;
            if seen.insert(i) {
                out.push(i);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_are_distinct_and_in_range() {
        let mut rng = Rng::new(3);
        for (n, k) in [(10, 10), (10, 9), (10, 1), (1000, 5), (1000, 400), (1, 0), (0, 0)] {
            let mut v = distinct_indexes(n, k, &mut rng);
            assert_eq!(v.len(), k);
            v.sort();
            v.dedup();
            assert_eq!(v.len(), k);
            assert!(v.iter().all(|&i| i < n));
        }
    }
}
