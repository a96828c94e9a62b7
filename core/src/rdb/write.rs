//! Value writers (`rdbSaveObjectType`, `rdbSaveObject`): each value in the RDB type Redis
//! 7.0.15 picks for its encoding, byte for byte.

use super::enc::{put_binary_double, put_int_string, put_len, put_lzf_blob, put_string};
use super::legacy::intset_blob;
use super::listpack::{wrap, LpWriter};
use super::stream::write_stream;
use super::types::*;
use crate::types::hash::Hash;
use crate::types::set::Set;
use crate::types::zset::ZSet;
use crate::types::Value;

/// The RDB type byte of `v` (`rdbSaveObjectType`).
pub fn object_type(v: &Value) -> u8 {
    match v {
        Value::Int(_) | Value::Str(_) | Value::Raw(_) => TYPE_STRING,
        Value::List(_) => TYPE_LIST_QUICKLIST_2,
        Value::Set(s) => match **s {
            Set::Ints(_) => TYPE_SET_INTSET,
            Set::Table(_) => TYPE_SET,
        },
        Value::ZSet(z) => match **z {
            ZSet::Listpack(_) => TYPE_ZSET_LISTPACK,
            ZSet::Skiplist(_) => TYPE_ZSET_2,
        },
        Value::Hash(h) => match **h {
            Hash::Packed(_) => TYPE_HASH_LISTPACK,
            Hash::Table(_) => TYPE_HASH,
        },
        Value::Stream(_) => TYPE_STREAM_LISTPACKS_2,
    }
}

/// Redis's `d2string`: how a listpack sorted set stores a score.
pub fn d2string(v: f64) -> Vec<u8> {
    if v.is_nan() {
        return b"nan".to_vec();
    }
    if v.is_infinite() {
        return if v < 0.0 { b"-inf".to_vec() } else { b"inf".to_vec() };
    }
    if v == 0.0 {
        return if v.is_sign_negative() { b"-0".to_vec() } else { b"0".to_vec() };
    }
    const HALF: f64 = (i64::MAX / 2) as f64;
    if (-HALF..=HALF).contains(&v) && (v as i64) as f64 == v {
        return crate::numfmt::i64_bytes(v as i64);
    }
    crate::numfmt::fmt_g(v, 17).into_bytes()
}

/// `rdbSaveObject`: the value's body (after its type byte).
pub fn write_object(out: &mut Vec<u8>, v: &Value, compress: bool) {
    match v {
        Value::Int(n) => put_int_string(out, *n),
        Value::Str(s) => put_string(out, s.as_slice(), compress),
        Value::Raw(s) => put_string(out, s, compress),
        Value::List(l) => {
            let n = l.node_count();
            put_len(out, n as u64);
            // Redis keeps the nodes farther than `list-compress-depth` from both ends
            // LZF-compressed (when that saves 8 bytes on a node of 48 or more) and writes
            // them compressed whatever `rdbcompression` says; with it on, the image is
            // the same either way.
            let depth = l.compress_depth() as usize;
            let compressed_nodes = depth > 0 && n >= depth * 2;
            for (i, (count, entries)) in l.nodes().enumerate() {
                put_len(out, CONTAINER_PACKED);
                let lp = wrap(entries, count);
                if !compress && compressed_nodes && i >= depth && i < n - depth && lp.len() >= 48 {
                    if let Some(c) = crate::util::lzf::compress(&lp, lp.len()).filter(|c| c.len() + 8 < lp.len()) {
                        put_lzf_blob(out, &c, lp.len());
                        continue;
                    }
                }
                put_string(out, &lp, compress);
            }
        }
        Value::Set(s) => match &**s {
            Set::Ints(i) => put_string(out, &intset_blob(i.as_slice(), i.width()), compress),
            Set::Table(t) => {
                put_len(out, t.len() as u64);
                for (m, _) in t.iter() {
                    put_string(out, m, compress);
                }
            }
        },
        Value::ZSet(z) => match &**z {
            ZSet::Listpack(l) => {
                let mut w = LpWriter::new();
                for (m, s) in l.items() {
                    w.str(m.as_slice());
                    w.str(&d2string(*s));
                }
                put_string(out, &w.finish(), compress);
            }
            ZSet::Skiplist(_) => {
                put_len(out, z.len() as u64);
                // Greatest to smallest, as Redis walks its skiplist from the tail.
                for (m, s) in z.iter_from(z.len().saturating_sub(1), true).take(z.len()) {
                    put_string(out, m, compress);
                    put_binary_double(out, s);
                }
            }
        },
        Value::Hash(h) => match &**h {
            Hash::Packed(p) => {
                let mut w = LpWriter::new();
                for (f, v) in p.iter() {
                    w.str(f);
                    w.str(v);
                }
                put_string(out, &w.finish(), compress);
            }
            Hash::Table(t) => {
                put_len(out, t.len() as u64);
                for (f, v) in t.iter() {
                    put_string(out, f, compress);
                    put_string(out, v, compress);
                }
            }
        },
        Value::Stream(s) => write_stream(out, s, compress),
    }
}

/// `rdbSavedObjectLen`: the size of the value's body in an RDB file.
pub fn saved_len(v: &Value, compress: bool) -> usize {
    let mut out = Vec::new();
    write_object(&mut out, v, compress);
    out.len()
}
