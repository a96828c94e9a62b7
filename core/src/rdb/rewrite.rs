//! The data set as the commands Redis's AOF rewrite writes without the RDB preamble
//! (`rewriteAppendOnlyFileRio`): FUNCTION LOAD per library, SELECT per database, then per
//! key SET, or RPUSH/SADD/ZADD/HMSET in batches of 64 items, or a stream's XADD, XSETID,
//! XGROUP CREATE ... ENTRIESREAD, XCLAIM per pending entry and XGROUP CREATECONSUMER,
//! followed by PEXPIREAT for a key with a TTL. Pure bytes; the host writes them.

use crate::types::stream::{Stream, StreamId};
use crate::types::Value;

/// Redis's `AOF_REWRITE_ITEMS_PER_CMD`.
const ITEMS_PER_CMD: usize = 64;

/// Appends `*n\r\n`.
fn count(out: &mut Vec<u8>, n: usize) {
    out.push(b'*');
    out.extend_from_slice(n.to_string().as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// Appends a bulk string.
fn bulk(out: &mut Vec<u8>, b: &[u8]) {
    out.push(b'$');
    out.extend_from_slice(b.len().to_string().as_bytes());
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(b);
    out.extend_from_slice(b"\r\n");
}

/// Appends a bulk string holding a decimal integer.
fn bulk_int(out: &mut Vec<u8>, n: i64) {
    bulk(out, n.to_string().as_bytes());
}

/// A stream ID as `ms-seq`.
fn bulk_id(out: &mut Vec<u8>, id: StreamId) {
    bulk(out, format!("{}-{}", id.ms, id.seq).as_bytes());
}

/// `FUNCTION LOAD <code>` for each library code, in order.
pub fn write_functions(out: &mut Vec<u8>, codes: &[&[u8]]) {
    for code in codes {
        out.extend_from_slice(b"*3\r\n$8\r\nFUNCTION\r\n$4\r\nLOAD\r\n");
        bulk(out, code);
    }
}

/// `SELECT db`.
pub fn write_select(out: &mut Vec<u8>, db: usize) {
    out.extend_from_slice(b"*2\r\n$6\r\nSELECT\r\n");
    bulk_int(out, db as i64);
}

/// Writes the `total` `items` (each `per_item` bulks, written by `put`) as commands
/// `name key ...` of at most [`ITEMS_PER_CMD`] items each.
fn batched<I: Iterator>(
    out: &mut Vec<u8>,
    name: &[u8],
    key: &[u8],
    (total, per_item): (usize, usize),
    items: I,
    mut put: impl FnMut(&mut Vec<u8>, I::Item),
) {
    let mut left = total;
    let mut in_cmd = 0;
    for item in items {
        if in_cmd == 0 {
            count(out, 2 + left.min(ITEMS_PER_CMD) * per_item);
            bulk(out, name);
            bulk(out, key);
        }
        put(out, item);
        in_cmd += 1;
        if in_cmd == ITEMS_PER_CMD {
            in_cmd = 0;
        }
        left = left.saturating_sub(1);
    }
}

/// Writes the commands that rebuild `key` holding `value`, then its `expire_ms`.
pub fn write_key(out: &mut Vec<u8>, key: &[u8], value: &Value, expire_ms: Option<u64>) {
    match value {
        Value::Int(n) => {
            out.extend_from_slice(b"*3\r\n$3\r\nSET\r\n");
            bulk(out, key);
            bulk_int(out, *n);
        }
        Value::Str(s) => {
            out.extend_from_slice(b"*3\r\n$3\r\nSET\r\n");
            bulk(out, key);
            bulk(out, s.as_slice());
        }
        Value::Raw(s) => {
            out.extend_from_slice(b"*3\r\n$3\r\nSET\r\n");
            bulk(out, key);
            bulk(out, s);
        }
        Value::List(l) => batched(out, b"RPUSH", key, (l.len(), 1), l.iter(), |o, e| e.with_bytes(|b| bulk(o, b))),
        Value::Set(s) => {
            let members = (0..s.len()).map(|i| s.at(i));
            batched(out, b"SADD", key, (s.len(), 1), members, |o, m| bulk(o, &m.to_vec()));
        }
        Value::ZSet(z) => batched(out, b"ZADD", key, (z.len(), 2), z.iter(), |o, (m, s)| {
            bulk(o, crate::numfmt::fmt_double(s).as_bytes());
            bulk(o, m);
        }),
        Value::Hash(h) => {
            batched(out, b"HMSET", key, (h.len(), 2), h.iter(), |o, (f, v)| {
                bulk(o, f);
                bulk(o, v);
            });
        }
        Value::Stream(s) => write_stream(out, key, s),
    }
    if let Some(at) = expire_ms {
        out.extend_from_slice(b"*3\r\n$9\r\nPEXPIREAT\r\n");
        bulk(out, key);
        bulk_int(out, at as i64);
    }
}

/// Redis's `rewriteStreamObject`.
fn write_stream(out: &mut Vec<u8>, key: &[u8], s: &Stream) {
    if !s.is_empty() {
        s.entries.range(StreamId::ZERO, StreamId::MAX, false, |id, fields| {
            count(out, 3 + fields.len());
            bulk(out, b"XADD");
            bulk(out, key);
            bulk_id(out, id);
            for f in fields {
                bulk(out, f);
            }
            true
        });
    } else {
        // The XADD MAXLEN 0 trick creates an empty stream.
        count(out, 7);
        for b in [&b"XADD"[..], key, b"MAXLEN", b"0", b"0-1", b"x", b"y"] {
            bulk(out, b);
        }
    }
    count(out, 7);
    bulk(out, b"XSETID");
    bulk(out, key);
    bulk_id(out, s.last_id);
    bulk(out, b"ENTRIESADDED");
    bulk_int(out, s.entries_added as i64);
    bulk(out, b"MAXDELETEDID");
    bulk_id(out, s.max_deleted_id);
    let mut groups: Vec<_> = s.groups().iter().collect();
    groups.sort_by(|a, b| a.0.as_slice().cmp(b.0.as_slice()));
    for (name, g) in groups {
        count(out, 7);
        for b in [&b"XGROUP"[..], b"CREATE", key, name.as_slice()] {
            bulk(out, b);
        }
        bulk_id(out, g.last_id);
        bulk(out, b"ENTRIESREAD");
        bulk_int(out, g.entries_read);
        for (cname, c) in g.consumers() {
            if c.pel.is_empty() {
                count(out, 5);
                for b in [&b"XGROUP"[..], b"CREATECONSUMER", key, name.as_slice(), cname.as_slice()] {
                    bulk(out, b);
                }
                continue;
            }
            for id in &c.pel {
                let Some(nack) = g.pel().get(id) else { continue };
                count(out, 12);
                for b in [&b"XCLAIM"[..], key, name.as_slice(), cname.as_slice(), b"0"] {
                    bulk(out, b);
                }
                bulk_id(out, *id);
                bulk(out, b"TIME");
                bulk_int(out, nack.delivery_time);
                bulk(out, b"RETRYCOUNT");
                bulk_int(out, nack.delivery_count as i64);
                bulk(out, b"JUSTID");
                bulk(out, b"FORCE");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::TestEngine;

    /// The commands `key` of database 0 rewrites to.
    fn rewrite(t: &TestEngine, key: &str) -> String {
        let keys = &t.eng.state.dbs[0].keys;
        let slot = keys.find(key.as_bytes()).expect("key");
        let mut out = Vec::new();
        write_key(&mut out, key.as_bytes(), &keys.entry(slot).value, keys.expire_at(slot));
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn strings_and_ttls() {
        let mut t = TestEngine::new();
        t.cmd(&["SET", "n", "12"]);
        t.cmd(&["PEXPIREAT", "n", "99999999999999"]);
        assert_eq!(
            rewrite(&t, "n"),
            "*3\r\n$3\r\nSET\r\n$1\r\nn\r\n$2\r\n12\r\n*3\r\n$9\r\nPEXPIREAT\r\n$1\r\nn\r\n$14\r\n99999999999999\r\n"
        );
    }

    #[test]
    fn collections_in_batches_of_64() {
        let mut t = TestEngine::new();
        let items: Vec<String> = (0..70).map(|i| i.to_string()).collect();
        let mut argv = vec!["RPUSH", "l"];
        argv.extend(items.iter().map(String::as_str));
        t.cmd(&argv);
        let out = rewrite(&t, "l");
        assert!(out.starts_with("*66\r\n$5\r\nRPUSH\r\n$1\r\nl\r\n$1\r\n0\r\n"));
        assert!(out.contains("*8\r\n$5\r\nRPUSH\r\n$1\r\nl\r\n$2\r\n64\r\n"));
        t.cmd(&["ZADD", "z", "1.5", "a", "-inf", "b"]);
        assert_eq!(
            rewrite(&t, "z"),
            "*6\r\n$4\r\nZADD\r\n$1\r\nz\r\n$4\r\n-inf\r\n$1\r\nb\r\n$3\r\n1.5\r\n$1\r\na\r\n"
        );
        t.cmd(&["HSET", "h", "f", "v"]);
        assert_eq!(rewrite(&t, "h"), "*4\r\n$5\r\nHMSET\r\n$1\r\nh\r\n$1\r\nf\r\n$1\r\nv\r\n");
        t.cmd(&["SADD", "s", "3", "1"]);
        assert_eq!(rewrite(&t, "s"), "*4\r\n$4\r\nSADD\r\n$1\r\ns\r\n$1\r\n1\r\n$1\r\n3\r\n");
    }

    #[test]
    fn streams_with_groups_and_pending_entries() {
        let mut t = TestEngine::new();
        t.cmd(&["XADD", "x", "1-1", "a", "1"]);
        t.cmd(&["XGROUP", "CREATE", "x", "g", "0"]);
        t.cmd(&["XGROUP", "CREATECONSUMER", "x", "g", "idle"]);
        t.cmd(&["XCLAIM", "x", "g", "c", "0", "1-1", "TIME", "7", "RETRYCOUNT", "2", "FORCE", "JUSTID"]);
        let out = rewrite(&t, "x").replace("\r\n", " ");
        assert_eq!(
            out,
            "*5 $4 XADD $1 x $3 1-1 $1 a $1 1 \
             *7 $6 XSETID $1 x $3 1-1 $12 ENTRIESADDED $1 1 $12 MAXDELETEDID $3 0-0 \
             *7 $6 XGROUP $6 CREATE $1 x $1 g $3 0-0 $11 ENTRIESREAD $2 -1 \
             *12 $6 XCLAIM $1 x $1 g $1 c $1 0 $3 1-1 $4 TIME $1 7 $10 RETRYCOUNT $1 2 $6 JUSTID $5 FORCE \
             *5 $6 XGROUP $14 CREATECONSUMER $1 x $1 g $4 idle "
        );
    }
}
