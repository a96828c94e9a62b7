//! GEORADIUS, GEORADIUSBYMEMBER (and their `_RO` forms), GEOSEARCH and GEOSEARCHSTORE:
//! Redis's `georadiusGeneric`, with its order of checks, its nine-cell scan and its
//! reply and store forms.

use super::{coord_reply, distance_reply, is_c, parse_double, parse_lon_lat, parse_unit};
use crate::bytes::SBytes;
use crate::cmd::zset::{delete_key, limits, read_slot, store, zset};
use crate::cmd::{Args, Ctx};
use crate::error::{CmdError, CmdResult};
use crate::geo::hash::{self, HashBits};
use crate::geo::helper::{self, Shape, ShapeKind};
use crate::numfmt::parse_i64;
use crate::reply::Reply;
use crate::types::zset::{sort_elements, ScoreRange, ZSet};
use crate::util::pqsort::pqsort;
use std::cmp::Ordering;

/// Which command runs the search (Redis's `RADIUS_*` / `GEOSEARCH*` flags).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Radius { by_member: bool, no_store: bool },
    Search { store: bool },
}

/// Result order.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sort {
    None,
    Asc,
    Desc,
}

/// One point found: member, coordinates, distance in metres, score.
struct Found {
    member: Vec<u8>,
    lon: f64,
    lat: f64,
    dist: f64,
    score: f64,
}

/// `extractDistanceOrReply`: a radius and the unit's metres.
fn parse_radius(value: &[u8], unit: &[u8]) -> Result<(f64, f64), CmdError> {
    let r = parse_double(value, Some("ERR need numeric radius"))?;
    if r < 0.0 {
        return Err(CmdError::other("ERR radius cannot be negative"));
    }
    Ok((r, parse_unit(unit)?))
}

/// `extractBoxOrReply`: width, height and the unit's metres.
fn parse_box(w: &[u8], h: &[u8], unit: &[u8]) -> Result<(f64, f64, f64), CmdError> {
    let w = parse_double(w, Some("ERR need numeric width"))?;
    let h = parse_double(h, Some("ERR need numeric height"))?;
    if h < 0.0 || w < 0.0 {
        return Err(CmdError::other("ERR height or width cannot be negative"));
    }
    Ok((w, h, parse_unit(unit)?))
}

/// `longLatFromMember`: the decoded position of `member` of the set in `slot`.
fn member_point(ctx: &mut Ctx, slot: u32, member: &[u8]) -> Result<(f64, f64), CmdError> {
    zset(ctx, slot)
        .score(member)
        .and_then(hash::decode_score)
        .ok_or_else(|| CmdError::other("ERR could not decode requested zset member"))
}

/// `geoGetPointsInRange`: members scored in `[min, max)` inside the shape, stopping once
/// `limit` (when non-zero) results are held.
fn points_in_range(z: &ZSet, min: f64, max: f64, shape: &Shape, out: &mut Vec<Found>, limit: usize) {
    let range = ScoreRange { min, max, minex: false, maxex: true };
    let Some(rank) = z.first_in_score(&range) else { return };
    for (member, score) in z.iter_from(rank, false) {
        if !range.lte_max(score) {
            break;
        }
        if let Some((lon, lat)) = hash::decode_score(score) {
            if let Some(dist) = helper::within(shape, lon, lat) {
                out.push(Found { member: member.to_vec(), lon, lat, dist, score });
            }
        }
        if !out.is_empty() && limit != 0 && out.len() >= limit {
            break;
        }
    }
}

/// `membersOfAllNeighbors`: scans the nine cells in Redis's order, skipping a cell equal
/// to the last one scanned.
fn search_cells(z: &ZSet, shape: &Shape, limit: usize) -> Vec<Found> {
    let area = helper::areas_by_shape(shape);
    let cells = area.cells();
    let mut out = Vec::new();
    let mut last: Option<HashBits> = None;
    for (i, cell) in cells.iter().enumerate() {
        if cell.is_zero() {
            continue;
        }
        if i > 0 && last.is_some_and(|l| l == *cell) {
            continue;
        }
        if !out.is_empty() && limit != 0 && out.len() >= limit {
            break;
        }
        let min = cell.align52() as f64;
        let max = HashBits { bits: cell.bits + 1, step: cell.step }.align52() as f64;
        points_in_range(z, min, max, shape, &mut out, limit);
        if i > 0 {
            last = Some(*cell);
        }
    }
    out
}

/// `georadiusGeneric`: `src` is the index of the source key in `argv`.
fn generic(ctx: &mut Ctx, args: &mut Args, src: usize, kind: Kind) -> CmdResult {
    let argv = args.all();
    let name = String::from_utf8_lossy(argv[0]).into_owned();
    let slot = read_slot(ctx, argv[src])?;
    let mut storekey: Option<&[u8]> = None;
    let mut storedist = false;
    let mut shape = Shape { lon: 0.0, lat: 0.0, conversion: 0.0, kind: ShapeKind::Radius(0.0) };
    let base = match kind {
        Kind::Radius { by_member: false, .. } => {
            (shape.lon, shape.lat) = parse_lon_lat(argv[2], argv[3])?;
            let (r, conv) = parse_radius(argv[4], argv[5])?;
            (shape.kind, shape.conversion) = (ShapeKind::Radius(r), conv);
            6
        }
        Kind::Radius { by_member: true, .. } => {
            if let Some(slot) = slot {
                (shape.lon, shape.lat) = member_point(ctx, slot, argv[2])?;
                let (r, conv) = parse_radius(argv[3], argv[4])?;
                (shape.kind, shape.conversion) = (ShapeKind::Radius(r), conv);
            }
            5
        }
        Kind::Search { store: true } => {
            storekey = Some(argv[1]);
            3
        }
        Kind::Search { store: false } => 2,
    };
    let search = matches!(kind, Kind::Search { .. });
    let no_store = matches!(kind, Kind::Radius { no_store: true, .. });
    let (mut withdist, mut withhash, mut withcoord, mut any) = (false, false, false, false);
    let (mut frommember, mut fromloc, mut byradius, mut bybox) = (false, false, false, false);
    let mut sort = Sort::None;
    let mut count: i64 = 0;
    let rest = &argv[base.min(argv.len())..];
    let mut i = 0;
    while i < rest.len() {
        let arg = rest[i];
        let left = rest.len() - i - 1;
        if is_c(arg, "withdist") {
            withdist = true;
        } else if is_c(arg, "withhash") {
            withhash = true;
        } else if is_c(arg, "withcoord") {
            withcoord = true;
        } else if is_c(arg, "any") {
            any = true;
        } else if is_c(arg, "asc") {
            sort = Sort::Asc;
        } else if is_c(arg, "desc") {
            sort = Sort::Desc;
        } else if is_c(arg, "count") && left >= 1 {
            count = parse_i64(rest[i + 1]).ok_or(CmdError::NotInteger)?;
            if count <= 0 {
                return Err(CmdError::other("ERR COUNT must be > 0"));
            }
            i += 1;
        } else if is_c(arg, "store") && left >= 1 && !no_store && !search {
            storekey = Some(rest[i + 1]);
            storedist = false;
            i += 1;
        } else if is_c(arg, "storedist") && left >= 1 && !no_store && !search {
            storekey = Some(rest[i + 1]);
            storedist = true;
            i += 1;
        } else if is_c(arg, "storedist") && matches!(kind, Kind::Search { store: true }) {
            storedist = true;
        } else if is_c(arg, "frommember") && left >= 1 && search && !fromloc {
            if let Some(slot) = slot {
                (shape.lon, shape.lat) = member_point(ctx, slot, rest[i + 1])?;
            }
            frommember = true;
            i += 1;
        } else if is_c(arg, "fromlonlat") && left >= 2 && search && !frommember {
            (shape.lon, shape.lat) = parse_lon_lat(rest[i + 1], rest[i + 2])?;
            fromloc = true;
            i += 2;
        } else if is_c(arg, "byradius") && left >= 2 && search && !bybox {
            let (r, conv) = parse_radius(rest[i + 1], rest[i + 2])?;
            (shape.kind, shape.conversion) = (ShapeKind::Radius(r), conv);
            byradius = true;
            i += 2;
        } else if is_c(arg, "bybox") && left >= 3 && search && !byradius {
            let (width, height, conv) = parse_box(rest[i + 1], rest[i + 2], rest[i + 3])?;
            (shape.kind, shape.conversion) = (ShapeKind::Box { width, height }, conv);
            bybox = true;
            i += 3;
        } else {
            return Err(CmdError::Syntax);
        }
        i += 1;
    }

    if storekey.is_some() && (withdist || withhash || withcoord) {
        let what =
            if matches!(kind, Kind::Search { store: true }) { "GEOSEARCHSTORE" } else { "STORE option in GEORADIUS" };
        return Err(CmdError::other(format!(
            "ERR {what} is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
        )));
    }
    if search && !(frommember || fromloc) {
        return Err(CmdError::other(format!(
            "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for {name}"
        )));
    }
    if search && !(byradius || bybox) {
        return Err(CmdError::other(format!("ERR exactly one of BYRADIUS and BYBOX can be specified for {name}")));
    }
    if any && count == 0 {
        return Err(CmdError::other("ERR the ANY argument requires COUNT argument"));
    }

    let Some(slot) = slot else {
        return Ok(match storekey {
            Some(dst) => {
                delete_key(ctx, dst);
                Reply::Int(0)
            }
            None => Reply::Array(Vec::new()),
        });
    };
    if count != 0 && sort == Sort::None && !any {
        sort = Sort::Asc;
    }
    let limit = if any { usize::try_from(count).unwrap_or(usize::MAX) } else { 0 };
    let mut found = search_cells(zset(ctx, slot), &shape, limit);
    if found.is_empty() && storekey.is_none() {
        return Ok(Reply::Array(Vec::new()));
    }
    let returned = if count == 0 { found.len() } else { found.len().min(usize::try_from(count).unwrap_or(usize::MAX)) };
    if sort != Sort::None {
        // `sort_gp_asc`: `>` is after, `==` is equal, anything else before.
        let asc = |a: &Found, b: &Found| {
            if a.dist > b.dist {
                Ordering::Greater
            } else if a.dist == b.dist {
                Ordering::Equal
            } else {
                Ordering::Less
            }
        };
        let cmp = |a: &Found, b: &Found| if sort == Sort::Asc { asc(a, b) } else { asc(a, b).reverse() };
        if returned == found.len() {
            // glibc's qsort is a stable merge sort, like `sort_by`.
            found.sort_by(cmp);
        } else {
            pqsort(&mut found, &mut { cmp }, 0, returned as isize - 1);
        }
    }
    found.truncate(returned);

    let Some(dst) = storekey else {
        let options = usize::from(withdist) + usize::from(withhash) + usize::from(withcoord);
        let out = found
            .into_iter()
            .map(|gp| {
                if options == 0 {
                    return Reply::Bulk(gp.member);
                }
                let mut item = Vec::with_capacity(options + 1);
                item.push(Reply::Bulk(gp.member));
                if withdist {
                    item.push(distance_reply(gp.dist / shape.conversion));
                }
                if withhash {
                    item.push(Reply::Int(gp.score as i64));
                }
                if withcoord {
                    item.push(coord_reply(gp.lon, gp.lat));
                }
                Reply::Array(item)
            })
            .collect();
        return Ok(Reply::Array(out));
    };
    if found.is_empty() {
        delete_key(ctx, dst);
        return Ok(Reply::Int(0));
    }
    let maxlen = found.iter().map(|gp| gp.member.len()).max().unwrap_or(0);
    let mut items: Vec<(SBytes, f64)> = found
        .into_iter()
        .map(|gp| {
            let score = if storedist { gp.dist / shape.conversion } else { gp.score };
            (SBytes::new(&gp.member), score)
        })
        .collect();
    sort_elements(&mut items);
    let value = ZSet::from_sorted(items, maxlen, limits(ctx));
    store(ctx, dst, value, if search { "geosearchstore" } else { "georadiusstore" });
    // Redis's `server.dirty += returned_items`.
    ctx.changes(returned as u64);
    Ok(Reply::Int(returned as i64))
}

/// `GEORADIUS key longitude latitude radius unit [options] [STORE|STOREDIST key]`.
pub fn georadius(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    generic(ctx, args, 1, Kind::Radius { by_member: false, no_store: false })
}

/// `GEORADIUS_RO`: GEORADIUS without STORE.
pub fn georadius_ro(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    generic(ctx, args, 1, Kind::Radius { by_member: false, no_store: true })
}

/// `GEORADIUSBYMEMBER key member radius unit [options] [STORE|STOREDIST key]`.
pub fn georadiusbymember(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    generic(ctx, args, 1, Kind::Radius { by_member: true, no_store: false })
}

/// `GEORADIUSBYMEMBER_RO`: GEORADIUSBYMEMBER without STORE.
pub fn georadiusbymember_ro(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    generic(ctx, args, 1, Kind::Radius { by_member: true, no_store: true })
}

/// `GEOSEARCH key FROMMEMBER m|FROMLONLAT lon lat BYRADIUS r unit|BYBOX w h unit [...]`.
pub fn geosearch(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    generic(ctx, args, 1, Kind::Search { store: false })
}

/// `GEOSEARCHSTORE dst src ... [STOREDIST]`.
pub fn geosearchstore(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    generic(ctx, args, 2, Kind::Search { store: true })
}

#[cfg(test)]
mod tests {
    use crate::testkit::TestEngine;

    fn sicily() -> TestEngine {
        let mut t = TestEngine::new();
        t.cmd(&["GEOADD", "Sicily", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"]);
        t
    }

    #[test]
    fn radius_replies() {
        let mut t = sicily();
        assert_eq!(
            t.resp(&["GEORADIUS", "Sicily", "15", "37", "200", "km", "WITHDIST", "ASC"]),
            "*2\r\n*2\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n*2\r\n$7\r\nPalermo\r\n$8\r\n190.4424\r\n"
        );
        assert_eq!(
            t.resp(&["GEORADIUS", "Sicily", "15", "37", "200", "km", "WITHHASH", "COUNT", "1"]),
            "*1\r\n*2\r\n$7\r\nCatania\r\n:3479447370796909\r\n"
        );
        assert_eq!(t.resp(&["GEORADIUSBYMEMBER", "Sicily", "Palermo", "100", "km"]), "*1\r\n$7\r\nPalermo\r\n");
        assert_eq!(t.resp(&["GEORADIUS", "Sicily", "15", "37", "200", "km", "STORE", "dst"]), ":2\r\n");
        assert_eq!(t.resp(&["ZSCORE", "dst", "Catania"]), "$16\r\n3479447370796909\r\n");
        assert_eq!(
            t.resp(&["GEORADIUS_RO", "Sicily", "15", "37", "200", "km", "STORE", "dst"]),
            "-ERR syntax error\r\n"
        );
        assert_eq!(
            t.resp(&["GEORADIUS", "Sicily", "15", "37", "200", "km", "WITHDIST", "STORE", "dst"]),
            "-ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options\r\n"
        );
        assert_eq!(t.resp(&["GEORADIUS", "Sicily", "15", "37", "-1", "km"]), "-ERR radius cannot be negative\r\n");
        assert_eq!(t.resp(&["GEORADIUS", "Sicily", "15", "37", "x", "km"]), "-ERR need numeric radius\r\n");
        assert_eq!(
            t.resp(&["GEORADIUS", "Sicily", "15", "37", "1", "km", "ANY"]),
            "-ERR the ANY argument requires COUNT argument\r\n"
        );
        assert_eq!(t.resp(&["GEORADIUS", "Sicily", "15", "37", "1", "km", "COUNT", "0"]), "-ERR COUNT must be > 0\r\n");
    }

    #[test]
    fn search_and_store() {
        let mut t = sicily();
        assert_eq!(
            t.resp(&["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "400", "400", "km", "ASC", "WITHCOORD"]),
            "*2\r\n*2\r\n$7\r\nCatania\r\n*2\r\n$20\r\n15.08726745843887329\r\n$20\r\n37.50266842333162032\r\n*2\r\n$7\r\nPalermo\r\n*2\r\n$20\r\n13.36138933897018433\r\n$20\r\n38.11555639549629859\r\n"
        );
        assert_eq!(
            t.resp(&["geosearch", "Sicily", "BYBOX", "400", "400", "km", "ASC"]),
            "-ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for geosearch\r\n"
        );
        assert_eq!(
            t.resp(&["GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "ASC", "DESC", "ASC"]),
            "-ERR exactly one of BYRADIUS and BYBOX can be specified for GEOSEARCH\r\n"
        );
        assert_eq!(
            t.resp(&["GEOSEARCH", "Sicily", "FROMMEMBER", "nope", "BYRADIUS", "1", "m"]),
            "-ERR could not decode requested zset member\r\n"
        );
        assert_eq!(
            t.resp(&["GEOSEARCHSTORE", "d", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "200", "km", "STOREDIST"]),
            ":2\r\n"
        );
        assert_eq!(t.resp(&["ZSCORE", "d", "Palermo"]), "$1\r\n0\r\n");
        assert_eq!(
            t.resp(&["GEOSEARCHSTORE", "d", "nokey", "FROMMEMBER", "Palermo", "BYRADIUS", "200", "km"]),
            ":0\r\n"
        );
        assert_eq!(t.resp(&["EXISTS", "d"]), ":0\r\n");
        assert_eq!(t.resp(&["GEOSEARCH", "nokey", "FROMMEMBER", "x", "BYRADIUS", "1", "m"]), "*0\r\n");
    }
}
