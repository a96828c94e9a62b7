//! MurmurHash64A (Austin Appleby's MurmurHash2, 64-bit), endian-neutral as Redis uses it
//! for HyperLogLog: 8-byte blocks are read little-endian.

/// The seed Redis passes for HyperLogLog hashing.
pub const HLL_SEED: u64 = 0xadc8_3b19;

/// MurmurHash64A of `data` with `seed` (Redis's `MurmurHash64A`, `len` as a C `int`).
pub fn murmur64a(data: &[u8], seed: u64) -> u64 {
    const M: u64 = 0xc6a4_a793_5bd1_e995;
    const R: u32 = 47;
    // Redis computes `seed ^ (len * m)` with `len` an int widened to 64 bits.
    let len = data.len() as i32 as i64 as u64;
    let mut h = seed ^ len.wrapping_mul(M);
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let mut k = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        for (i, &b) in tail.iter().enumerate() {
            h ^= (b as u64) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^= h >> R;
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_tails_differ() {
        let a = murmur64a(b"", HLL_SEED);
        let b = murmur64a(b"a", HLL_SEED);
        let c = murmur64a(b"abcdefghi", HLL_SEED);
        assert!(a != b && b != c);
        assert_eq!(murmur64a(b"abcdefghi", HLL_SEED), c);
    }
}
