//! Interleaved geohashes (Redis's `geohash.c`): a longitude/latitude pair becomes
//! `step` bits of each coordinate, latitude on the even bits and longitude on the odd
//! ones. A sorted-set score is a step-26 hash (52 bits).

/// The finest step: 26 bits a coordinate, 52 in all.
pub const STEP_MAX: u8 = 26;
/// Southmost latitude Redis indexes (the Web Mercator limit).
pub const LAT_MIN: f64 = -85.05112878;
/// Northmost latitude Redis indexes.
pub const LAT_MAX: f64 = 85.05112878;
/// Westmost longitude.
pub const LONG_MIN: f64 = -180.0;
/// Eastmost longitude.
pub const LONG_MAX: f64 = 180.0;

/// A hash: `step` bits per coordinate in `bits`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct HashBits {
    /// The interleaved bits.
    pub bits: u64,
    /// Bits per coordinate (0 marks an unused neighbour).
    pub step: u8,
}

impl HashBits {
    /// Redis's `HASHISZERO`: the slot of a neighbour dropped from a search.
    pub fn is_zero(&self) -> bool {
        self.bits == 0 && self.step == 0
    }

    /// `geohashAlign52Bits`: the bits shifted up to a 52-bit score prefix.
    pub fn align52(&self) -> u64 {
        self.bits << (52 - u32::from(self.step) * 2)
    }
}

/// A closed interval of one coordinate.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Range {
    /// Lower end.
    pub min: f64,
    /// Upper end.
    pub max: f64,
}

/// The cell a hash stands for.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Area {
    /// Longitudes of the cell.
    pub longitude: Range,
    /// Latitudes of the cell.
    pub latitude: Range,
}

/// The ranges of Redis's sorted-set geohashes.
pub const WGS84_LONG: Range = Range { min: LONG_MIN, max: LONG_MAX };
/// Latitudes of Redis's sorted-set geohashes (clipped at the Mercator limit).
pub const WGS84_LAT: Range = Range { min: LAT_MIN, max: LAT_MAX };
/// Latitudes of the standard geohash alphabet's strings (GEOHASH's output).
pub const STANDARD_LAT: Range = Range { min: -90.0, max: 90.0 };

/// Spreads the 32 bits of `v` onto the even bits of a `u64`.
fn spread(v: u32) -> u64 {
    let mut x = u64::from(v);
    x = (x | (x << 16)) & 0x0000_FFFF_0000_FFFF;
    x = (x | (x << 8)) & 0x00FF_00FF_00FF_00FF;
    x = (x | (x << 4)) & 0x0F0F_0F0F_0F0F_0F0F;
    x = (x | (x << 2)) & 0x3333_3333_3333_3333;
    x = (x | (x << 1)) & 0x5555_5555_5555_5555;
    x
}

/// Gathers the even bits of `v` into 32 bits.
fn squash(v: u64) -> u32 {
    let mut x = v & 0x5555_5555_5555_5555;
    x = (x | (x >> 1)) & 0x3333_3333_3333_3333;
    x = (x | (x >> 2)) & 0x0F0F_0F0F_0F0F_0F0F;
    x = (x | (x >> 4)) & 0x00FF_00FF_00FF_00FF;
    x = (x | (x >> 8)) & 0x0000_FFFF_0000_FFFF;
    x = (x | (x >> 16)) & 0x0000_0000_FFFF_FFFF;
    x as u32
}

/// `interleave64(lat, lon)`: latitude on the even bits, longitude on the odd bits.
pub fn interleave(lat: u32, lon: u32) -> u64 {
    spread(lat) | (spread(lon) << 1)
}

/// The inverse of [`interleave`]: `(lat, lon)`.
pub fn deinterleave(bits: u64) -> (u32, u32) {
    (squash(bits), squash(bits >> 1))
}

/// `geohashEncode`: the hash of a point at `step` (1..=32) within the given ranges, or
/// `None` outside them (or outside Redis's WGS84 limits).
pub fn encode(lon_r: Range, lat_r: Range, lon: f64, lat: f64, step: u8) -> Option<HashBits> {
    if step == 0 || step > 32 {
        return None;
    }
    if !(LONG_MIN..=LONG_MAX).contains(&lon) || !(LAT_MIN..=LAT_MAX).contains(&lat) {
        return None;
    }
    if lat < lat_r.min || lat > lat_r.max || lon < lon_r.min || lon > lon_r.max {
        return None;
    }
    let scale = (1u64 << step) as f64;
    let lat_off = (lat - lat_r.min) / (lat_r.max - lat_r.min) * scale;
    let lon_off = (lon - lon_r.min) / (lon_r.max - lon_r.min) * scale;
    // C converts the offsets to uint32_t by truncation.
    Some(HashBits { bits: interleave(lat_off as u32, lon_off as u32), step })
}

/// `geohashEncodeWGS84`: the hash Redis stores for a point.
pub fn encode_wgs84(lon: f64, lat: f64, step: u8) -> Option<HashBits> {
    encode(WGS84_LONG, WGS84_LAT, lon, lat, step)
}

/// `geohashDecode`: the cell of `hash` within the given ranges (`None` for a zero hash).
pub fn decode(lon_r: Range, lat_r: Range, hash: HashBits) -> Option<Area> {
    if hash.is_zero() {
        return None;
    }
    let (ilat, ilon) = deinterleave(hash.bits);
    let cells = (1u64 << hash.step) as f64;
    let lat_scale = lat_r.max - lat_r.min;
    let lon_scale = lon_r.max - lon_r.min;
    let at = |i: u64, min: f64, scale: f64| min + (i as f64 / cells) * scale;
    Some(Area {
        latitude: Range {
            min: at(u64::from(ilat), lat_r.min, lat_scale),
            max: at(u64::from(ilat) + 1, lat_r.min, lat_scale),
        },
        longitude: Range {
            min: at(u64::from(ilon), lon_r.min, lon_scale),
            max: at(u64::from(ilon) + 1, lon_r.min, lon_scale),
        },
    })
}

/// `geohashDecodeWGS84`.
pub fn decode_wgs84(hash: HashBits) -> Option<Area> {
    decode(WGS84_LONG, WGS84_LAT, hash)
}

/// `geohashDecodeAreaToLongLat`: the cell's centre, clamped to the WGS84 limits.
pub fn area_center(area: &Area) -> (f64, f64) {
    let lon = ((area.longitude.min + area.longitude.max) / 2.0).clamp(LONG_MIN, LONG_MAX);
    let lat = ((area.latitude.min + area.latitude.max) / 2.0).clamp(LAT_MIN, LAT_MAX);
    (lon, lat)
}

/// C's `(uint64_t)score` on x86-64 for a finite score (GCC's conversion sequence).
pub fn score_to_bits(score: f64) -> u64 {
    const TWO63: f64 = 9_223_372_036_854_775_808.0;
    let cvt = |v: f64| -> u64 {
        // cvttsd2si: out of range (or NaN) gives i64::MIN.
        if (-TWO63..TWO63).contains(&v) {
            v as i64 as u64
        } else {
            i64::MIN as u64
        }
    };
    if score < TWO63 {
        cvt(score)
    } else {
        cvt(score - TWO63) ^ (1u64 << 63)
    }
}

/// Redis's `decodeGeohash`: a stored score back to the centre of its step-26 cell,
/// `(longitude, latitude)`.
pub fn decode_score(score: f64) -> Option<(f64, f64)> {
    let hash = HashBits { bits: score_to_bits(score), step: STEP_MAX };
    decode_wgs84(hash).map(|a| area_center(&a))
}

/// The score Redis stores for a point (already range-checked by the caller).
pub fn score_of(lon: f64, lat: f64) -> Option<u64> {
    encode_wgs84(lon, lat, STEP_MAX).map(|h| h.align52())
}

/// `geohash_move_x`: one cell east (`d > 0`) or west (`d < 0`), wrapping.
fn move_x(hash: &mut HashBits, d: i8) {
    if d == 0 {
        return;
    }
    let shift = 64 - u32::from(hash.step) * 2;
    let mut x = hash.bits & 0xaaaa_aaaa_aaaa_aaaa;
    let y = hash.bits & 0x5555_5555_5555_5555;
    let zz = 0x5555_5555_5555_5555u64 >> shift;
    if d > 0 {
        x = x.wrapping_add(zz + 1);
    } else {
        x |= zz;
        x = x.wrapping_sub(zz + 1);
    }
    x &= 0xaaaa_aaaa_aaaa_aaaau64 >> shift;
    hash.bits = x | y;
}

/// `geohash_move_y`: one cell north (`d > 0`) or south (`d < 0`), wrapping.
fn move_y(hash: &mut HashBits, d: i8) {
    if d == 0 {
        return;
    }
    let shift = 64 - u32::from(hash.step) * 2;
    let x = hash.bits & 0xaaaa_aaaa_aaaa_aaaa;
    let mut y = hash.bits & 0x5555_5555_5555_5555;
    let zz = 0xaaaa_aaaa_aaaa_aaaau64 >> shift;
    if d > 0 {
        y = y.wrapping_add(zz + 1);
    } else {
        y |= zz;
        y = y.wrapping_sub(zz + 1);
    }
    y &= 0x5555_5555_5555_5555u64 >> shift;
    hash.bits = x | y;
}

/// The eight cells around a hash.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Neighbors {
    /// North.
    pub north: HashBits,
    /// East.
    pub east: HashBits,
    /// West.
    pub west: HashBits,
    /// South.
    pub south: HashBits,
    /// North-east.
    pub north_east: HashBits,
    /// South-east.
    pub south_east: HashBits,
    /// North-west.
    pub north_west: HashBits,
    /// South-west.
    pub south_west: HashBits,
}

/// `geohashNeighbors`.
pub fn neighbors(hash: HashBits) -> Neighbors {
    let at = |dx: i8, dy: i8| {
        let mut h = hash;
        move_x(&mut h, dx);
        move_y(&mut h, dy);
        h
    };
    Neighbors {
        north: at(0, 1),
        east: at(1, 0),
        west: at(-1, 0),
        south: at(0, -1),
        north_east: at(1, 1),
        south_east: at(1, -1),
        north_west: at(-1, 1),
        south_west: at(-1, -1),
    }
}

/// The standard geohash alphabet.
const ALPHABET: &[u8; 32] = b"0123456789bcdefghjkmnpqrstuvwxyz";

/// GEOHASH's 11-character string for a point: re-encoded on the standard ranges
/// (latitudes -90..90), 52 bits, the last character always `0`.
pub fn standard_string(lon: f64, lat: f64) -> Option<[u8; 11]> {
    let h = encode(WGS84_LONG, STANDARD_LAT, lon, lat, STEP_MAX)?;
    let mut out = [b'0'; 11];
    for (i, c) in out.iter_mut().enumerate().take(10) {
        let idx = (h.bits >> (52 - (i + 1) * 5)) & 0x1f;
        *c = ALPHABET[idx as usize];
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interleave_round_trips() {
        for &(a, b) in &[(0u32, 0u32), (1, 0), (0, 1), (0xFFFF_FFFF, 0x1234_5678), (0xdead_beef, 0xcafe_babe)] {
            assert_eq!(deinterleave(interleave(a, b)), (a, b));
        }
        assert_eq!(interleave(1, 0), 1);
        assert_eq!(interleave(0, 1), 2);
    }

    #[test]
    fn scores_match_redis() {
        // GEOADD Sicily 13.361389 38.115556 "Palermo" 15.087269 37.502669 "Catania"
        assert_eq!(score_of(13.361389, 38.115556), Some(3479099956230698));
        assert_eq!(score_of(15.087269, 37.502669), Some(3479447370796909));
        let (lon, lat) = decode_score(3479099956230698.0).unwrap();
        assert_eq!(format!("{lon:.17}"), "13.36138933897018433");
        assert_eq!(format!("{lat:.17}"), "38.11555639549629859");
    }

    #[test]
    fn geohash_strings_match_redis() {
        let (lon, lat) = decode_score(3479099956230698.0).unwrap();
        assert_eq!(&standard_string(lon, lat).unwrap(), b"sqc8b49rny0");
        let (lon, lat) = decode_score(3479447370796909.0).unwrap();
        assert_eq!(&standard_string(lon, lat).unwrap(), b"sqdtr74hyu0");
    }

    #[test]
    fn neighbours_wrap_and_move() {
        let h = encode_wgs84(0.0, 0.0, 2).unwrap();
        let n = neighbors(h);
        let c = decode_wgs84(h).unwrap();
        assert!(decode_wgs84(n.north).unwrap().latitude.min >= c.latitude.max - 1e-9);
        assert!(decode_wgs84(n.east).unwrap().longitude.min >= c.longitude.max - 1e-9);
        let edge = encode_wgs84(179.9, 0.0, 3).unwrap();
        assert!(decode_wgs84(neighbors(edge).east).unwrap().longitude.min < -170.0);
    }

    #[test]
    fn out_of_range_does_not_encode() {
        assert!(encode_wgs84(181.0, 0.0, 26).is_none());
        assert!(encode_wgs84(0.0, 86.0, 26).is_none());
        assert!(encode_wgs84(0.0, 0.0, 0).is_none());
        assert_eq!(score_to_bits(-1.0), u64::MAX);
        assert_eq!(score_to_bits(3.0), 3);
    }
}
