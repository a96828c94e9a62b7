//! Redis's `pqsort`: the NetBSD quicksort (Bentley & McIlroy) that only finishes the
//! partitions overlapping a range of positions. SORT ... BY ... LIMIT and GEOSEARCH ... COUNT use it, and since it
//! is not stable, elements that compare equal come out in its own order; porting it
//! exactly keeps those replies identical to Redis's.

use std::cmp::Ordering;

/// Sorts `v` with `cmp` so that positions `lrange..=rrange` hold what a full sort would
/// put there (other positions are only partitioned).
pub fn pqsort<T>(v: &mut [T], cmp: &mut impl FnMut(&T, &T) -> Ordering, lrange: isize, rrange: isize) {
    let n = v.len();
    part(v, 0, n, cmp, lrange, rrange);
}

fn c<T>(v: &[T], a: usize, b: usize, cmp: &mut impl FnMut(&T, &T) -> Ordering) -> i32 {
    match cmp(&v[a], &v[b]) {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    }
}

fn med3<T>(v: &[T], a: usize, b: usize, d: usize, cmp: &mut impl FnMut(&T, &T) -> Ordering) -> usize {
    if c(v, a, b, cmp) < 0 {
        if c(v, b, d, cmp) < 0 {
            b
        } else if c(v, a, d, cmp) < 0 {
            d
        } else {
            a
        }
    } else if c(v, b, d, cmp) > 0 {
        b
    } else if c(v, a, d, cmp) < 0 {
        a
    } else {
        d
    }
}

fn insertion<T>(v: &mut [T], a: usize, n: usize, cmp: &mut impl FnMut(&T, &T) -> Ordering) {
    for pm in a + 1..a + n {
        let mut pl = pm;
        while pl > a && c(v, pl - 1, pl, cmp) > 0 {
            v.swap(pl, pl - 1);
            pl -= 1;
        }
    }
}

fn vecswap<T>(v: &mut [T], a: usize, b: usize, n: usize) {
    for i in 0..n {
        v.swap(a + i, b + i);
    }
}

/// Whether the partition `a..a+n` lies entirely before or after the wanted range.
fn outside(a: usize, n: usize, l: isize, r: isize) -> bool {
    let (lo, hi) = (a as isize, (a + n) as isize - 1);
    (l < lo && r < lo) || (l > hi && r > hi)
}

fn part<T>(v: &mut [T], mut a: usize, mut n: usize, cmp: &mut impl FnMut(&T, &T) -> Ordering, l: isize, r: isize) {
    loop {
        let mut swapped = false;
        if n < 7 {
            insertion(v, a, n, cmp);
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
                let r0 = c(v, pb, a, cmp);
                if r0 > 0 {
                    break;
                }
                if r0 == 0 {
                    swapped = true;
                    v.swap(pa, pb);
                    pa += 1;
                }
                pb += 1;
            }
            while pb <= pc {
                let r0 = c(v, pc, a, cmp);
                if r0 < 0 {
                    break;
                }
                if r0 == 0 {
                    swapped = true;
                    v.swap(pc, pd);
                    pd -= 1;
                }
                pc -= 1;
            }
            if pb > pc {
                break;
            }
            v.swap(pb, pc);
            swapped = true;
            pb += 1;
            pc -= 1;
        }
        if !swapped {
            insertion(v, a, n, cmp);
            return;
        }
        let pn = a + n;
        let s = (pa - a).min(pb - pa);
        vecswap(v, a, pb - s, s);
        let s = (pd - pc).min(pn - pd - 1);
        vecswap(v, pb, pn - s, s);
        let s = pb - pa;
        if s > 1 && !outside(a, s, l, r) {
            part(v, a, s, cmp, l, r);
        }
        let s = pd - pc;
        if s > 1 {
            a = pn - s;
            n = s;
            if !outside(a, n, l, r) {
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
    fn the_range_is_sorted() {
        let mut seed = 12345u64;
        for len in [0usize, 1, 6, 7, 8, 40, 41, 200, 1000] {
            for (lo, hi) in [(0isize, len as isize - 1), (3, 9), (len as isize / 2, len as isize / 2 + 5)] {
                let mut v: Vec<u32> = (0..len)
                    .map(|_| {
                        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                        (seed >> 33) as u32 % 50
                    })
                    .collect();
                let mut sorted = v.clone();
                sorted.sort();
                pqsort(&mut v, &mut |a: &u32, b: &u32| a.cmp(b), lo, hi);
                for i in lo.max(0)..=hi.min(len as isize - 1) {
                    assert_eq!(v[i as usize], sorted[i as usize], "len {} range {}..={}", len, lo, hi);
                }
            }
        }
    }
}
