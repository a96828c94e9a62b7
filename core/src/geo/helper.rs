//! Search areas and distances (Redis's `geohash_helper.c`): the step and the nine
//! cells a radius or box search scans, the haversine distance on Redis's Earth radius,
//! and the exact inside tests used at cell borders.

use super::hash::{self, Area, HashBits, Neighbors, WGS84_LAT, WGS84_LONG};

/// Earth's quadratic mean radius for WGS-84, as Redis uses it.
pub const EARTH_RADIUS_IN_METERS: f64 = 6372797.560856;
/// Half the Mercator world width, the upper bound of the step estimate.
const MERCATOR_MAX: f64 = 20037726.37;
/// Redis's `D_R` (`M_PI / 180.0`).
const D_R: f64 = std::f64::consts::PI / 180.0;

fn deg_rad(a: f64) -> f64 {
    a * D_R
}

fn rad_deg(a: f64) -> f64 {
    a / D_R
}

/// What a search covers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ShapeKind {
    /// A circle of this radius (in the unit).
    Radius(f64),
    /// An axis-aligned box of this width and height (in the unit).
    Box {
        /// East-west size.
        width: f64,
        /// North-south size.
        height: f64,
    },
}

/// A search: its centre, size and the unit's metres.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Shape {
    /// Centre longitude.
    pub lon: f64,
    /// Centre latitude.
    pub lat: f64,
    /// Metres per unit (`m` 1, `km` 1000, `ft` 0.3048, `mi` 1609.34).
    pub conversion: f64,
    /// Circle or box.
    pub kind: ShapeKind,
}

/// `geohashEstimateStepsByRadius`: the coarsest step whose cells still hold the radius.
pub fn estimate_steps(range_meters: f64, lat: f64) -> u8 {
    if range_meters == 0.0 {
        return 26;
    }
    let mut range = range_meters;
    let mut step: i32 = 1;
    while range < MERCATOR_MAX {
        range *= 2.0;
        step += 1;
    }
    step -= 2;
    if !(-66.0..=66.0).contains(&lat) {
        step -= 1;
        if !(-80.0..=80.0).contains(&lat) {
            step -= 1;
        }
    }
    step.clamp(1, 26) as u8
}

/// `geohashBoundingBox`: `[min_lon, min_lat, max_lon, max_lat]` around the shape.
pub fn bounding_box(shape: &Shape) -> [f64; 4] {
    let (height, width) = match shape.kind {
        ShapeKind::Radius(r) => (shape.conversion * r, shape.conversion * r),
        ShapeKind::Box { width, height } => (shape.conversion * (height / 2.0), shape.conversion * (width / 2.0)),
    };
    let lat_delta = rad_deg(height / EARTH_RADIUS_IN_METERS);
    let long_delta_top = rad_deg(width / EARTH_RADIUS_IN_METERS / deg_rad(shape.lat + lat_delta).cos());
    let long_delta_bottom = rad_deg(width / EARTH_RADIUS_IN_METERS / deg_rad(shape.lat - lat_delta).cos());
    let south = shape.lat < 0.0;
    let delta = if south { long_delta_bottom } else { long_delta_top };
    [shape.lon - delta, shape.lat - lat_delta, shape.lon + delta, shape.lat + lat_delta]
}

/// The cells a search scans (`GeoHashRadius`): the centre cell and its neighbours, the
/// useless ones zeroed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SearchArea {
    /// The cell holding the centre.
    pub hash: HashBits,
    /// Its neighbours (zero where not needed).
    pub neighbors: Neighbors,
    /// The centre cell's extent.
    pub area: Area,
}

impl SearchArea {
    /// The nine cells in Redis's scan order: centre, N, S, E, W, NE, NW, SE, SW.
    pub fn cells(&self) -> [HashBits; 9] {
        let n = &self.neighbors;
        [self.hash, n.north, n.south, n.east, n.west, n.north_east, n.north_west, n.south_east, n.south_west]
    }
}

/// `geohashCalculateAreasByShapeWGS84`.
pub fn areas_by_shape(shape: &Shape) -> SearchArea {
    let [min_lon, min_lat, max_lon, max_lat] = bounding_box(shape);
    let radius_meters = match shape.kind {
        ShapeKind::Radius(r) => r,
        ShapeKind::Box { width, height } => ((width / 2.0) * (width / 2.0) + (height / 2.0) * (height / 2.0)).sqrt(),
    } * shape.conversion;
    let mut steps = estimate_steps(radius_meters, shape.lat);
    let cell = |steps: u8| {
        let h = hash::encode(WGS84_LONG, WGS84_LAT, shape.lon, shape.lat, steps).unwrap_or_default();
        let h = HashBits { step: steps, ..h };
        (h, hash::neighbors(h), hash::decode(WGS84_LONG, WGS84_LAT, h).unwrap_or_default())
    };
    let (mut h, mut neighbors, mut area) = cell(steps);
    let dec = |x: HashBits| hash::decode(WGS84_LONG, WGS84_LAT, x).unwrap_or_default();
    let decrease = dec(neighbors.north).latitude.max < max_lat
        || dec(neighbors.south).latitude.min > min_lat
        || dec(neighbors.east).longitude.max < max_lon
        || dec(neighbors.west).longitude.min > min_lon;
    if steps > 1 && decrease {
        steps -= 1;
        (h, neighbors, area) = cell(steps);
    }
    if steps >= 2 {
        let z = HashBits::default();
        if area.latitude.min < min_lat {
            neighbors.south = z;
            neighbors.south_west = z;
            neighbors.south_east = z;
        }
        if area.latitude.max > max_lat {
            neighbors.north = z;
            neighbors.north_east = z;
            neighbors.north_west = z;
        }
        if area.longitude.min < min_lon {
            neighbors.west = z;
            neighbors.south_west = z;
            neighbors.north_west = z;
        }
        if area.longitude.max > max_lon {
            neighbors.east = z;
            neighbors.south_east = z;
            neighbors.north_east = z;
        }
    }
    SearchArea { hash: h, neighbors, area }
}

/// `geohashGetLatDistance`: metres between two latitudes on a meridian.
pub fn lat_distance(lat1: f64, lat2: f64) -> f64 {
    EARTH_RADIUS_IN_METERS * (deg_rad(lat2) - deg_rad(lat1)).abs()
}

/// `geohashGetDistance`: the haversine distance in metres.
pub fn distance(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let lon1r = deg_rad(lon1);
    let lon2r = deg_rad(lon2);
    let v = ((lon2r - lon1r) / 2.0).sin();
    if v == 0.0 {
        return lat_distance(lat1, lat2);
    }
    let lat1r = deg_rad(lat1);
    let lat2r = deg_rad(lat2);
    let u = ((lat2r - lat1r) / 2.0).sin();
    let a = u * u + lat1r.cos() * lat2r.cos() * v * v;
    2.0 * EARTH_RADIUS_IN_METERS * a.sqrt().asin()
}

/// Redis's `geoWithinShape` after decoding: the distance from the shape's centre to
/// the point when it lies inside the shape.
pub fn within(shape: &Shape, lon: f64, lat: f64) -> Option<f64> {
    match shape.kind {
        ShapeKind::Radius(r) => {
            let d = distance(shape.lon, shape.lat, lon, lat);
            (d <= r * shape.conversion).then_some(d)
        }
        ShapeKind::Box { width, height } => {
            let (w, h) = (width * shape.conversion, height * shape.conversion);
            if lat_distance(lat, shape.lat) > h / 2.0 {
                return None;
            }
            if distance(lon, lat, shape.lon, lat) > w / 2.0 {
                return None;
            }
            Some(distance(shape.lon, shape.lat, lon, lat))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_matches_redis() {
        // GEODIST Sicily Palermo Catania -> 166274.1516 (decoded cell centres).
        let (a, b) = (hash::decode_score(3479099956230698.0).unwrap(), hash::decode_score(3479447370796909.0).unwrap());
        let d = distance(a.0, a.1, b.0, b.1);
        assert_eq!(format!("{d:.4}"), "166274.1516");
    }

    #[test]
    fn steps_estimate() {
        assert_eq!(estimate_steps(0.0, 0.0), 26);
        assert_eq!(estimate_steps(100_000.0, 10.0), 7);
        assert_eq!(estimate_steps(100_000.0, 70.0), 6);
        assert_eq!(estimate_steps(100_000.0, 85.0), 5);
        assert_eq!(estimate_steps(1e9, 0.0), 1);
    }

    #[test]
    fn search_area_covers_the_centre() {
        let s = Shape { lon: 15.0, lat: 37.0, conversion: 1000.0, kind: ShapeKind::Radius(200.0) };
        let a = areas_by_shape(&s);
        assert!(a.area.longitude.min <= 15.0 && a.area.longitude.max >= 15.0);
        assert!(!a.hash.is_zero());
        let b = Shape { kind: ShapeKind::Box { width: 400.0, height: 400.0 }, ..s };
        assert!(within(&b, 15.5, 37.5).is_some());
        assert!(within(&b, 18.0, 37.0).is_none());
    }
}
