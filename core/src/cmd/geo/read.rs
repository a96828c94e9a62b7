//! GEOPOS, GEODIST and GEOHASH: reading stored points back.

use super::{coord_reply, distance_reply, parse_unit};
use crate::cmd::zset::{read_slot, zset};
use crate::cmd::{Args, Ctx};
use crate::error::{CmdError, CmdResult};
use crate::geo::{hash, helper};
use crate::reply::Reply;

/// `GEOPOS key [member ...]`: each member's cell centre, nil when missing.
pub fn geopos(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let key = args.take();
    let members = args.take_rest();
    let slot = read_slot(ctx, key)?;
    let out = members
        .iter()
        .map(|m| {
            let score = slot.and_then(|s| zset(ctx, s).score(m));
            match score.and_then(hash::decode_score) {
                Some((lon, lat)) => coord_reply(lon, lat),
                None => Reply::NilArray,
            }
        })
        .collect();
    Ok(Reply::Array(out))
}

/// `GEOHASH key [member ...]`: standard 11-character geohash strings.
pub fn geohash(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let key = args.take();
    let members = args.take_rest();
    let slot = read_slot(ctx, key)?;
    let out = members
        .iter()
        .map(|m| {
            let score = slot.and_then(|s| zset(ctx, s).score(m));
            let point = score.and_then(hash::decode_score);
            match point.and_then(|(lon, lat)| hash::standard_string(lon, lat)) {
                Some(s) => Reply::bulk(&s),
                None => Reply::Nil,
            }
        })
        .collect();
    Ok(Reply::Array(out))
}

/// `GEODIST key member1 member2 [M|KM|FT|MI]`: the haversine distance, four decimals.
pub fn geodist(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let key = args.take();
    let (m1, m2) = (args.take(), args.take());
    let to_meter = match args.remaining() {
        0 => 1.0,
        1 => parse_unit(args.take())?,
        _ => return Err(CmdError::Syntax),
    };
    let Some(slot) = read_slot(ctx, key)? else { return Ok(Reply::Nil) };
    let z = zset(ctx, slot);
    let (Some(s1), Some(s2)) = (z.score(m1), z.score(m2)) else { return Ok(Reply::Nil) };
    match (hash::decode_score(s1), hash::decode_score(s2)) {
        (Some(a), Some(b)) => Ok(distance_reply(helper::distance(a.0, a.1, b.0, b.1) / to_meter)),
        _ => Ok(Reply::Nil),
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::TestEngine;

    #[test]
    fn pos_dist_hash() {
        let mut t = TestEngine::new();
        t.cmd(&["GEOADD", "Sicily", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"]);
        assert_eq!(
            t.resp(&["GEOPOS", "Sicily", "Palermo", "nope"]),
            "*2\r\n*2\r\n$20\r\n13.36138933897018433\r\n$20\r\n38.11555639549629859\r\n*-1\r\n"
        );
        assert_eq!(t.resp(&["GEODIST", "Sicily", "Palermo", "Catania"]), "$11\r\n166274.1516\r\n");
        assert_eq!(t.resp(&["GEODIST", "Sicily", "Palermo", "Catania", "km"]), "$8\r\n166.2742\r\n");
        assert_eq!(t.resp(&["GEODIST", "Sicily", "Palermo", "x"]), "$-1\r\n");
        assert_eq!(
            t.resp(&["GEODIST", "nokey", "Palermo", "x", "yd"]),
            "-ERR unsupported unit provided. please use M, KM, FT, MI\r\n"
        );
        assert_eq!(t.resp(&["GEODIST", "Sicily", "a", "b", "m", "x"]), "-ERR syntax error\r\n");
        assert_eq!(
            t.resp(&["GEOHASH", "Sicily", "Palermo", "Catania", "x"]),
            "*3\r\n$11\r\nsqc8b49rny0\r\n$11\r\nsqdtr74hyu0\r\n$-1\r\n"
        );
        assert_eq!(t.resp(&["GEOPOS", "nokey", "a"]), "*1\r\n*-1\r\n");
    }
}
