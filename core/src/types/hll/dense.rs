//! The dense encoding: 16384 registers of 6 bits, packed little-endian (register `i`
//! starts at bit `6 * i`), as Redis's `HLL_DENSE_GET_REGISTER`/`SET_REGISTER`.

use super::{HLL_REGISTERS, REGISTER_BYTES};

/// Register `i` of the packed `regs` (bits past the end read as zero, like the sds
/// terminator Redis reads).
#[inline]
pub fn get(regs: &[u8], i: usize) -> u8 {
    let bit = i * 6;
    let (byte, fb) = (bit / 8, bit % 8);
    let b0 = regs.get(byte).copied().unwrap_or(0) as u32;
    let b1 = regs.get(byte + 1).copied().unwrap_or(0) as u32;
    (((b0 >> fb) | (b1 << (8 - fb))) & 63) as u8
}

/// Sets register `i` of `regs` to `val` (at most 63).
#[inline]
pub fn set(regs: &mut [u8], i: usize, val: u8) {
    let bit = i * 6;
    let (byte, fb) = (bit / 8, bit % 8);
    let v = val as u32 & 63;
    if let Some(b0) = regs.get_mut(byte) {
        *b0 = ((*b0 as u32 & !(63u32 << fb)) | (v << fb)) as u8;
    }
    if let Some(b1) = regs.get_mut(byte + 1) {
        let sh = 8 - fb;
        *b1 = ((*b1 as u32 & !(63u32 >> sh)) | (v >> sh)) as u8;
    }
}

/// Raises register `i` to `count` when lower (`hllDenseSet`); whether it changed.
#[inline]
pub fn raise(regs: &mut [u8], i: usize, count: u8) -> bool {
    if count > get(regs, i) {
        set(regs, i, count);
        true
    } else {
        false
    }
}

/// Adds the register histogram of `regs` to `histo` (`hllDenseRegHisto`).
pub fn histogram(regs: &[u8], histo: &mut [i64; 64]) {
    debug_assert!(regs.len() >= REGISTER_BYTES);
    for chunk in regs[..REGISTER_BYTES].chunks_exact(3) {
        let w = chunk[0] as u32 | (chunk[1] as u32) << 8 | (chunk[2] as u32) << 16;
        histo[(w & 63) as usize] += 1;
        histo[((w >> 6) & 63) as usize] += 1;
        histo[((w >> 12) & 63) as usize] += 1;
        histo[((w >> 18) & 63) as usize] += 1;
    }
}

/// `max[i] = max(max[i], register i)` for every register (`hllMerge`, dense side).
pub fn merge_into(regs: &[u8], max: &mut [u8; HLL_REGISTERS]) {
    for (chunk, m) in regs[..REGISTER_BYTES].chunks_exact(3).zip(max.chunks_exact_mut(4)) {
        let w = chunk[0] as u32 | (chunk[1] as u32) << 8 | (chunk[2] as u32) << 16;
        for (k, slot) in m.iter_mut().enumerate() {
            let v = ((w >> (6 * k)) & 63) as u8;
            if v > *slot {
                *slot = v;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_get_roundtrip_every_register() {
        let mut regs = vec![0u8; REGISTER_BYTES];
        for i in 0..HLL_REGISTERS {
            set(&mut regs, i, (i % 64) as u8);
        }
        for i in 0..HLL_REGISTERS {
            assert_eq!(get(&regs, i), (i % 64) as u8);
        }
        let mut h = [0i64; 64];
        histogram(&regs, &mut h);
        assert!(h.iter().all(|&c| c == (HLL_REGISTERS / 64) as i64));
        let mut max = [0u8; HLL_REGISTERS];
        merge_into(&regs, &mut max);
        assert!(max.iter().enumerate().all(|(i, &v)| v == (i % 64) as u8));
    }
}
