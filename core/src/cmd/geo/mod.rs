//! Geo commands (Redis 7.0's `geo.c`): points live in sorted sets, scored by their
//! 52-bit geohash (`crate::geo`). GEOADD is ZADD with computed scores; the searches
//! scan the nine cells Redis scans and test each point exactly as Redis does.

mod read;
mod search;

pub use read::{geodist, geohash, geopos};
pub use search::{georadius, georadius_ro, georadiusbymember, georadiusbymember_ro, geosearch, geosearchstore};

use super::{is_c, Ctx};
use crate::cmd::Args;
use crate::error::{CmdError, CmdResult};
use crate::geo::hash;
use crate::numfmt::string2d;
use crate::reply::Reply;

/// `getDoubleFromObjectOrReply` with Redis's default message or `msg`.
fn parse_double(arg: &[u8], msg: Option<&'static str>) -> Result<f64, CmdError> {
    string2d(arg).0.ok_or_else(|| msg.map_or(CmdError::NotFloat, CmdError::other))
}

/// `extractLongLatOrReply`: a longitude and a latitude, range-checked.
fn parse_lon_lat(lon: &[u8], lat: &[u8]) -> Result<(f64, f64), CmdError> {
    let x = parse_double(lon, None)?;
    let y = parse_double(lat, None)?;
    if !(hash::LONG_MIN..=hash::LONG_MAX).contains(&x) || !(hash::LAT_MIN..=hash::LAT_MAX).contains(&y) {
        return Err(CmdError::other(format!("ERR invalid longitude,latitude pair {x:.6},{y:.6}")));
    }
    Ok((x, y))
}

/// `extractUnitOrReply`: metres per unit.
fn parse_unit(arg: &[u8]) -> Result<f64, CmdError> {
    if is_c(arg, "m") {
        Ok(1.0)
    } else if is_c(arg, "km") {
        Ok(1000.0)
    } else if is_c(arg, "ft") {
        Ok(0.3048)
    } else if is_c(arg, "mi") {
        Ok(1609.34)
    } else {
        Err(CmdError::other("ERR unsupported unit provided. please use M, KM, FT, MI"))
    }
}

/// Redis's `fixedpoint_d2string(.., 4)` (`llrint(d * 10000)` printed with four
/// decimals): GEODIST's and WITHDIST's format.
fn fmt_distance(d: f64) -> Vec<u8> {
    if d == 0.0 {
        return b"0.0000".to_vec();
    }
    let scaled = (d * 10000.0).round_ties_even();
    const TWO63: f64 = 9_223_372_036_854_775_808.0;
    // llrint: out of range gives LLONG_MIN on x86-64.
    let v: i64 = if (-TWO63..TWO63).contains(&scaled) { scaled as i64 } else { i64::MIN };
    let neg = v < 0;
    let u = v.unsigned_abs();
    let mut s = if neg { String::from("-") } else { String::new() };
    s.push_str(&format!("{}.{:04}", u / 10000, u % 10000));
    s.into_bytes()
}

/// `addReplyDoubleDistance`: always a bulk string.
fn distance_reply(d: f64) -> Reply {
    Reply::Bulk(fmt_distance(d))
}

/// Redis's `addReplyHumanLongDouble` for a double: `%.17Lf` with trailing zeros (and a
/// trailing point) stripped, `-0` as `0`; a bulk string in RESP2, a double in RESP3.
fn human_double(d: f64) -> Reply {
    let mut s = format!("{d:.17}");
    if s.contains('.') {
        let t = s.trim_end_matches('0').trim_end_matches('.').len();
        s.truncate(t);
    }
    if s == "-0" {
        s = "0".into();
    }
    Reply::DoubleText(s.into_bytes())
}

/// A point's `[longitude, latitude]` reply.
fn coord_reply(lon: f64, lat: f64) -> Reply {
    Reply::Array(vec![human_double(lon), human_double(lat)])
}

/// `GEOADD key [NX|XX] [CH] longitude latitude member [...]`: ZADD with each point's
/// geohash as its score (and propagated as that ZADD, like Redis's rewrite).
pub fn geoadd(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let argv = args.all();
    let (mut nx, mut xx) = (false, false);
    let mut longidx = 2;
    while longidx < argv.len() {
        let opt = argv[longidx];
        if is_c(opt, "nx") {
            nx = true;
        } else if is_c(opt, "xx") {
            xx = true;
        } else if !is_c(opt, "ch") {
            break;
        }
        longidx += 1;
    }
    if !(argv.len() - longidx).is_multiple_of(3) || (xx && nx) {
        return Err(CmdError::Syntax);
    }
    let mut scores = Vec::with_capacity((argv.len() - longidx) / 3);
    for p in argv[longidx..].chunks_exact(3) {
        let (lon, lat) = parse_lon_lat(p[0], p[1])?;
        let bits = hash::score_of(lon, lat).unwrap_or(0);
        scores.push(bits.to_string().into_bytes());
    }
    let mut zargv: Vec<&[u8]> = Vec::with_capacity(longidx + scores.len() * 2);
    zargv.push(b"zadd");
    zargv.extend_from_slice(&argv[1..longidx]);
    for (p, score) in argv[longidx..].chunks_exact(3).zip(&scores) {
        zargv.push(score);
        zargv.push(p[2]);
    }
    ctx.propagate_as(&zargv);
    let mut zargs = Args::new(&zargv, 1);
    crate::cmd::zset::zadd(ctx, &mut zargs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::TestEngine;

    #[test]
    fn formats() {
        assert_eq!(fmt_distance(166274.15156960033), b"166274.1516");
        assert_eq!(fmt_distance(0.0), b"0.0000");
        assert_eq!(fmt_distance(0.00005), b"0.0000");
        assert_eq!(fmt_distance(0.5), b"0.5000");
        assert_eq!(human_double(13.361389338970184).to_resp(2), b"$20\r\n13.36138933897018433\r\n");
        assert_eq!(human_double(-0.0).to_resp(3), b",0\r\n");
        assert_eq!(human_double(180.0).to_resp(2), b"$3\r\n180\r\n");
    }

    #[test]
    fn geoadd_scores_and_errors() {
        let mut t = TestEngine::new();
        assert_eq!(
            t.resp(&["GEOADD", "Sicily", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"]),
            ":2\r\n"
        );
        assert_eq!(t.resp(&["ZSCORE", "Sicily", "Palermo"]), "$16\r\n3479099956230698\r\n");
        assert_eq!(
            t.resp(&["GEOADD", "Sicily", "CH", "13.361389", "38.115556", "Palermo", "15", "37", "Catania"]),
            ":1\r\n"
        );
        assert_eq!(t.resp(&["GEOADD", "Sicily", "NX", "XX", "1", "1", "x"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["GEOADD", "Sicily", "1", "1"]), "-ERR wrong number of arguments for 'geoadd' command\r\n");
        assert_eq!(t.resp(&["GEOADD", "Sicily", "1", "1", "a", "2"]), "-ERR syntax error\r\n");
        assert_eq!(
            t.resp(&["GEOADD", "Sicily", "200", "100", "a"]),
            "-ERR invalid longitude,latitude pair 200.000000,100.000000\r\n"
        );
        assert_eq!(t.resp(&["GEOADD", "Sicily", "x", "1", "a"]), "-ERR value is not a valid float\r\n");
        t.cmd(&["SET", "s", "v"]);
        assert_eq!(
            t.resp(&["GEOADD", "s", "1", "1", "a"]),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
        );
    }
}
