//! HyperLogLog in Redis 7.0's representation, byte for byte (`hyperloglog.c`): a string
//! of a 16-byte header (`HYLL`, the encoding byte, 3 unused bytes, the cached cardinality
//! little-endian whose top bit marks it stale) then sparse opcodes or 12288 bytes of
//! dense 6-bit registers. Pure functions over the bytes; corrupt input is an error.

pub mod dense;
pub mod murmur;
pub mod sparse;

/// log2 of the register count.
pub const HLL_P: u32 = 14;
/// Hash bits left after the register index.
pub const HLL_Q: usize = 64 - HLL_P as usize;
/// Number of registers.
pub const HLL_REGISTERS: usize = 1 << HLL_P;
/// Header size in bytes.
pub const HDR: usize = 16;
/// Bytes of packed 6-bit registers.
pub const REGISTER_BYTES: usize = HLL_REGISTERS * 6 / 8;
/// Size of a dense HLL string.
pub const DENSE_SIZE: usize = HDR + REGISTER_BYTES;
/// Encoding byte of the dense form.
pub const DENSE: u8 = 0;
/// Encoding byte of the sparse form.
pub const SPARSE: u8 = 1;

/// A corrupt HLL (Redis's `INVALIDOBJ Corrupted HLL object detected`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Corrupt;

/// Whether `v` passes Redis's `isHLLObjectOrReply` checks: at least a header, the magic,
/// a known encoding, and the exact size when dense.
pub fn is_valid(v: &[u8]) -> bool {
    v.len() >= HDR && &v[..4] == b"HYLL" && v[4] <= SPARSE && (v[4] != DENSE || v.len() == DENSE_SIZE)
}

/// Whether the HLL (already validated) is sparse.
pub fn is_sparse(v: &[u8]) -> bool {
    v[4] == SPARSE
}

/// Marks the cached cardinality stale (`HLL_INVALIDATE_CACHE`).
pub fn invalidate_cache(v: &mut [u8]) {
    v[15] |= 0x80;
}

/// The cached cardinality, when valid.
pub fn cached(v: &[u8]) -> Option<u64> {
    if v[15] & 0x80 == 0 {
        let mut b = [0u8; 8];
        b.copy_from_slice(&v[8..16]);
        Some(u64::from_le_bytes(b))
    } else {
        None
    }
}

/// Stores `card` as the cached cardinality (valid).
pub fn set_cached(v: &mut [u8], card: u64) {
    v[8..16].copy_from_slice(&card.to_le_bytes());
}

/// The register index and run length (`hllPatLen`) of an element.
#[inline]
pub fn pat_len(ele: &[u8]) -> (usize, u8) {
    let hash = murmur::murmur64a(ele, murmur::HLL_SEED);
    let index = (hash & (HLL_REGISTERS as u64 - 1)) as usize;
    let rest = (hash >> HLL_P) | (1u64 << HLL_Q);
    (index, rest.trailing_zeros() as u8 + 1)
}

/// Adds `ele` to the validated HLL `v` (`hllAdd`): whether a register changed. A sparse
/// HLL may be promoted to dense (`max_sparse` bytes).
pub fn add(v: &mut Vec<u8>, ele: &[u8], max_sparse: u64) -> Result<bool, Corrupt> {
    let (index, count) = pat_len(ele);
    set_register(v, index, count, max_sparse)
}

/// Raises register `index` to `count` in either encoding.
pub fn set_register(v: &mut Vec<u8>, index: usize, count: u8, max_sparse: u64) -> Result<bool, Corrupt> {
    match v[4] {
        DENSE => Ok(dense::raise(&mut v[HDR..], index, count)),
        SPARSE => sparse::set(v, index, count, max_sparse),
        _ => Err(Corrupt),
    }
}

/// `max[i] = max(max[i], register i)` for the validated HLL `v` (`hllMerge`).
pub fn merge_into(v: &[u8], max: &mut [u8; HLL_REGISTERS]) -> Result<(), Corrupt> {
    if v[4] == DENSE {
        dense::merge_into(&v[HDR..], max);
        Ok(())
    } else {
        sparse::merge_into(&v[HDR..], max)
    }
}

/// The estimated cardinality of the validated HLL `v` (`hllCount`).
pub fn count(v: &[u8]) -> Result<u64, Corrupt> {
    let mut histo = [0i64; 64];
    if v[4] == DENSE {
        dense::histogram(&v[HDR..], &mut histo);
    } else {
        sparse::histogram(&v[HDR..], &mut histo)?;
    }
    Ok(estimate(&histo))
}

/// The estimated cardinality of raw 8-bit registers (PFCOUNT of several keys).
pub fn count_raw(max: &[u8; HLL_REGISTERS]) -> u64 {
    let mut histo = [0i64; 64];
    for &r in max.iter() {
        histo[(r & 63) as usize] += 1;
    }
    estimate(&histo)
}

/// Ertl's improved estimator from a register histogram, as Redis 7.0 computes it.
pub fn estimate(histo: &[i64; 64]) -> u64 {
    let m = HLL_REGISTERS as f64;
    let mut z = m * tau((m - histo[HLL_Q + 1] as f64) / m);
    for j in (1..=HLL_Q).rev() {
        z += histo[j] as f64;
        z *= 0.5;
    }
    z += m * sigma(histo[0] as f64 / m);
    const ALPHA_INF: f64 = 0.721_347_520_444_481_7;
    let e = (ALPHA_INF * m * m / z).round();
    if e.is_nan() || e <= 0.0 {
        0
    } else {
        e as u64
    }
}

/// Ertl's sigma function (`hllSigma`).
fn sigma(mut x: f64) -> f64 {
    if x == 1.0 {
        return f64::INFINITY;
    }
    let mut y = 1.0;
    let mut z = x;
    loop {
        x *= x;
        let prev = z;
        z += x * y;
        y += y;
        if prev == z {
            return z;
        }
    }
}

/// Ertl's tau function (`hllTau`).
fn tau(mut x: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return 0.0;
    }
    let mut y = 1.0;
    let mut z = 1.0 - x;
    loop {
        x = x.sqrt();
        let prev = z;
        y *= 0.5;
        z -= (1.0 - x) * (1.0 - x) * y;
        if prev == z {
            return z / 3.0;
        }
    }
}

/// A dense HLL holding the registers `max` (header with a stale cache).
pub fn dense_from(max: &[u8; HLL_REGISTERS]) -> Vec<u8> {
    let mut v = vec![0u8; DENSE_SIZE];
    v[..4].copy_from_slice(b"HYLL");
    for (i, &m) in max.iter().enumerate() {
        if m != 0 {
            dense::set(&mut v[HDR..], i, m);
        }
    }
    invalidate_cache(&mut v);
    v
}

#[cfg(test)]
mod tests;
