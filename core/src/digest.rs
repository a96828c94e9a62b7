//! `DEBUG DIGEST` and `DEBUG DIGEST-VALUE`: Redis's order-independent SHA-1 digest of the
//! data set (`computeDatasetDigest` / `xorObjectDigest` in debug.c), so a test can tell
//! whether a save and reload, or a replica, ended with the same data. The element
//! walk and the mixing match Redis, so the hex strings are Redis's for the same data.

use crate::db::Db;
use crate::numfmt::fmt_double;
use crate::types::stream::StreamId;
use crate::types::Value;

/// SHA-1 (FIPS 180-4) of `data` (the one implementation, in `cinder-lua`).
pub use cinder_lua::sha1;

/// Redis's `xorDigest`: `digest ^= sha1(data)`.
fn xor(digest: &mut [u8; 20], data: &[u8]) {
    for (d, h) in digest.iter_mut().zip(sha1(data)) {
        *d ^= h;
    }
}

/// Redis's `mixDigest`: xor, then `digest = sha1(digest)`.
fn mix(digest: &mut [u8; 20], data: &[u8]) {
    xor(digest, data);
    *digest = sha1(digest);
}

/// Redis's object type number (`OBJ_STRING` ...).
fn type_code(v: &Value) -> u32 {
    match v {
        Value::Int(_) | Value::Str(_) | Value::Raw(_) => 0,
        Value::List(_) => 1,
        Value::Set(_) => 2,
        Value::ZSet(_) => 3,
        Value::Hash(_) => 4,
        Value::Stream(_) => 6,
    }
}

/// Redis's `xorObjectDigest`: mixes value `v` (with a TTL or not) into `digest`.
pub fn value_digest(digest: &mut [u8; 20], v: &Value, has_ttl: bool) {
    mix(digest, &type_code(v).to_be_bytes());
    match v {
        Value::Int(_) | Value::Str(_) | Value::Raw(_) => {
            let s = v.string_bytes().unwrap_or_default();
            mix(digest, &s);
        }
        Value::List(l) => {
            for e in l.iter() {
                mix(digest, &e.to_vec());
            }
        }
        Value::Set(s) => {
            let mut buf = Vec::new();
            for m in s.iter() {
                buf.clear();
                m.write_to(&mut buf);
                xor(digest, &buf);
            }
        }
        Value::ZSet(z) => {
            for (m, score) in z.iter() {
                let mut ele = [0u8; 20];
                mix(&mut ele, m);
                mix(&mut ele, fmt_double(score).as_bytes());
                xor(digest, &ele);
            }
        }
        Value::Hash(h) => {
            for (f, val) in h.iter() {
                let mut ele = [0u8; 20];
                mix(&mut ele, f);
                mix(&mut ele, val);
                xor(digest, &ele);
            }
        }
        Value::Stream(s) => {
            s.entries.range(StreamId::default(), StreamId::MAX, false, |id, fields| {
                mix(digest, format!("{}.{}", id.ms, id.seq).as_bytes());
                for f in fields {
                    mix(digest, f);
                }
                true
            });
        }
    }
    if has_ttl {
        xor(digest, b"!!expire!!");
    }
}

/// Redis's `computeDatasetDigest` over `dbs`: 20 zero bytes for an empty data set.
pub fn dataset_digest(dbs: &[Db]) -> [u8; 20] {
    let mut fin = [0u8; 20];
    for (j, db) in dbs.iter().enumerate() {
        let keys = &db.keys;
        if keys.is_empty() {
            continue;
        }
        mix(&mut fin, &(j as u32).to_be_bytes());
        for slot in 0..keys.slot_count() as u32 {
            let Some(e) = keys.slot(slot) else { continue };
            let mut d = [0u8; 20];
            mix(&mut d, e.key.as_slice());
            value_digest(&mut d, &e.value, keys.expire_at(slot).is_some());
            xor(&mut fin, &d);
        }
    }
    fin
}

/// Lowercase hex of a digest.
pub fn hex(d: &[u8; 20]) -> String {
    d.iter().map(|b| format!("{:02x}", b)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha1_vectors() {
        assert_eq!(hex(&sha1(b"")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(hex(&sha1(b"abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
        let long = b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        assert_eq!(hex(&sha1(long)), "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    }

    /// The digests real Redis 7.0.15 gives for the same commands.
    #[test]
    fn digests_match_redis() {
        let mut config = crate::config::Config::default();
        config.set(crate::config::find_param(b"enable-debug-command").unwrap(), b"yes").unwrap();
        let opts = crate::EngineOptions { seed: 1, now_us: crate::testkit::T0_US, config, ..Default::default() };
        let mut t = crate::testkit::TestEngine::with_options(opts);
        assert_eq!(t.resp(&["DEBUG", "DIGEST"]), "+0000000000000000000000000000000000000000\r\n");
        for cmd in [
            &["SET", "a", "1"][..],
            &["RPUSH", "l", "1", "2", "xyz"],
            &["SADD", "s", "1", "2", "3"],
            &["SADD", "s2", "a", "b"],
            &["ZADD", "z", "1.5", "a", "2", "b"],
            &["HSET", "h", "f", "v"],
            &["XADD", "x", "1-1", "a", "b"],
            &["EXPIRE", "a", "100"],
            &["SELECT", "2"],
            &["SET", "q", "w"],
            &["SELECT", "0"],
        ] {
            t.cmd(cmd);
        }
        assert_eq!(t.resp(&["DEBUG", "DIGEST"]), "+0c0826bcedc8e306ef88a22dc2bf8c43519c126b\r\n");
        assert_eq!(
            t.resp(&["DEBUG", "DIGEST-VALUE", "a", "l", "nosuch"]),
            "*3\r\n+5279988c5d1911f474bcbbf2f0a87012d40f8459\r\n+62f5d09cf03892058eda20493b675c3f8484b420\r\n\
             +0000000000000000000000000000000000000000\r\n"
        );
    }
}
