//! Redis's `pqsort`: a BSD quicksort that only finishes the partitions overlapping a
//! range of positions. GEORADIUS and GEOSEARCH sort with it when COUNT keeps fewer
//! results than were found, so equal distances come out in exactly Redis's order.

use std::cmp::Ordering;

/// Median of three positions, by `cmp`, as BSD's `med3` picks it.
fn med3<T>(v: &[T], a: usize, b: usize, c: usize, cmp: &impl Fn(&T, &T) -> Ordering) -> usize {
    let lt = |x: usize, y: usize| cmp(&v[x], &v[y]) == Ordering::Less;
    let gt = |x: usize, y: usize| cmp(&v[x], &v[y]) == Ordering::Greater;
    if lt(a, b) {
        if lt(b, c) {
            b
        } else if lt(a, c) {
            c
        } else {
            a
        }
    } else if gt(b, c) {
        b
    } else if lt(a, c) {
        a
    } else {
        c
    }
}

/// Swaps `k` elements from `i` with `k` elements from `j`, in order.
fn vecswap<T>(v: &mut [T], i: usize, j: usize, k: usize) {
    for t in 0..k {
        v.swap(i + t, j + t);
    }
}

/// Sorts `v` far enough that positions `left..=right` hold what a full sort would put
/// there (`right < v.len()`).
pub fn pqsort<T>(v: &mut [T], cmp: impl Fn(&T, &T) -> Ordering, left: usize, right: usize) {
    sort_part(v, 0, v.len(), &cmp, left, right);
}

/// Whether the partition `[s, s + m)` overlaps the wanted range.
fn wanted(s: usize, m: usize, left: usize, right: usize) -> bool {
    !((left < s && right < s) || (left >= s + m && right >= s + m))
}

fn sort_part<T>(v: &mut [T], mut a: usize, mut n: usize, cmp: &impl Fn(&T, &T) -> Ordering, left: usize, right: usize) {
    loop {
        if n < 7 {
            for pm in a + 1..a + n {
                let mut pl = pm;
                while pl > a && cmp(&v[pl - 1], &v[pl]) == Ordering::Greater {
                    v.swap(pl, pl - 1);
                    pl -= 1;
                }
            }
            return;
        }
        let mut pm = a + n / 2;
        if n > 7 {
            let mut pl = a;
            let mut pn = a + n - 1;
            if n > 40 {
                let d = n / 8;
                pl = med3(v, pl, pl + d, pl + 2 * d, cmp);
                pm = med3(v, pm - d, pm, pm + d, cmp);
                pn = med3(v, pn - 2 * d, pn - d, pn, cmp);
            }
            pm = med3(v, pl, pm, pn, cmp);
        }
        v.swap(a, pm);
        let (mut pa, mut pb) = (a + 1, a + 1);
        let (mut pc, mut pd) = (a + n - 1, a + n - 1);
        loop {
            while pb <= pc {
                let c = cmp(&v[pb], &v[a]);
                if c == Ordering::Greater {
                    break;
                }
                if c == Ordering::Equal {
                    v.swap(pa, pb);
                    pa += 1;
                }
                pb += 1;
            }
            while pb <= pc {
                let c = cmp(&v[pc], &v[a]);
                if c == Ordering::Less {
                    break;
                }
                if c == Ordering::Equal {
                    v.swap(pc, pd);
                    pd -= 1;
                }
                pc -= 1;
            }
            if pb > pc {
                break;
            }
            v.swap(pb, pc);
            pb += 1;
            pc -= 1;
        }
        let pn = a + n;
        let r = (pa - a).min(pb - pa);
        vecswap(v, a, pb - r, r);
        let r = (pd - pc).min(pn - pd - 1);
        vecswap(v, pb, pn - r, r);
        let r = pb - pa;
        if r > 1 && wanted(a, r, left, right) {
            sort_part(v, a, r, cmp, left, right);
        }
        let r = pd - pc;
        if r > 1 {
            a = pn - r;
            n = r;
            if wanted(a, n, left, right) {
                continue;
            }
        }
        return;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_the_wanted_prefix() {
        let mut seed = 12345u64;
        for len in [1usize, 2, 6, 7, 8, 40, 41, 100, 500] {
            for k in [1usize, 3, 10] {
                let k = k.min(len);
                let mut v: Vec<u32> = (0..len)
                    .map(|_| {
                        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                        (seed >> 33) as u32 % 50
                    })
                    .collect();
                let mut sorted = v.clone();
                sorted.sort();
                pqsort(&mut v, |a, b| a.cmp(b), 0, k - 1);
                assert_eq!(&v[..k], &sorted[..k], "len {len} k {k}");
            }
        }
    }
}
