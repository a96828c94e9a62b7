//! Value readers (`rdbLoadObject`): every type and encoding Redis 7.0 loads, converted to
//! Cinder's encodings with Redis's rules (the current `*-max-*` thresholds decide, as
//! they do in `rdbLoadObject`). Deep validation always: a corrupt value is an error,
//! never a panic and never a value that breaks a later command.

use std::borrow::Cow;
use std::collections::HashSet;

use super::enc::Reader;
use super::legacy;
use super::listpack::{self, LpEntry};
use super::stream::read_stream;
use super::types::*;
use super::RdbError;
use crate::bytes::SBytes;
use crate::config::Config;
use crate::numfmt::parse_i64;
use crate::types::hash::Hash;
use crate::types::intset::IntSet;
use crate::types::list::{End, List};
use crate::types::packed::PackedPairs;
use crate::types::set::Set;
use crate::types::table::StrTable;
use crate::types::zset::{sort_elements, Listpack, SkipList, ZSet};
use crate::types::Value;

/// The thresholds loading converts by, from the configuration.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    list_fill: i64,
    list_compress: i64,
    hash_entries: u64,
    hash_value: u64,
    intset_entries: u64,
    zset_entries: u64,
    zset_value: u64,
    seed: u64,
}

impl Limits {
    /// The limits of `cfg`; `seed` seeds new hash tables.
    pub fn new(cfg: &Config, seed: u64) -> Limits {
        Limits {
            list_fill: cfg.list_max_listpack_size,
            list_compress: cfg.list_compress_depth,
            hash_entries: cfg.hash_max_listpack_entries,
            hash_value: cfg.hash_max_listpack_value,
            intset_entries: cfg.set_max_intset_entries.min(1 << 30),
            zset_entries: cfg.zset_max_listpack_entries,
            zset_value: cfg.zset_max_listpack_value,
            seed,
        }
    }
}

fn corrupt(msg: &str) -> RdbError {
    RdbError::corrupt(msg.into())
}

/// Reads a value of RDB type `t`; `Ok(None)` for an empty collection (Redis skips such
/// keys).
pub fn read_object(r: &mut Reader, t: u8, lim: &Limits) -> Result<Option<Value>, RdbError> {
    let v = match t {
        TYPE_STRING => Value::from_bytes(&r.string()?),
        TYPE_LIST => {
            let n = r.count(1)?;
            let mut l = List::new(lim.list_fill, lim.list_compress);
            for _ in 0..n {
                l.push(End::Tail, &r.string()?);
            }
            Value::List(Box::new(l))
        }
        TYPE_LIST_QUICKLIST | TYPE_LIST_QUICKLIST_2 => {
            let n = r.count(2)?;
            let mut l = List::new(lim.list_fill, lim.list_compress);
            for _ in 0..n {
                let container = if t == TYPE_LIST_QUICKLIST_2 { r.length()? } else { CONTAINER_PACKED };
                if container != CONTAINER_PACKED && container != CONTAINER_PLAIN {
                    return Err(corrupt("Quicklist integrity check failed."));
                }
                let data = r.string()?;
                if data.is_empty() {
                    return Err(corrupt("Quicklist node is empty"));
                }
                if container == CONTAINER_PLAIN {
                    l.push_node([&*data]);
                    continue;
                }
                let items = if t == TYPE_LIST_QUICKLIST_2 { listpack::parse(&data)? } else { legacy::ziplist(&data)? };
                let owned: Vec<Vec<u8>> = items.into_iter().map(LpEntry::to_vec).collect();
                l.push_node(owned.iter().map(|v| v.as_slice()));
            }
            Value::List(Box::new(l))
        }
        TYPE_LIST_ZIPLIST => {
            let data = r.string()?;
            let mut l = List::new(lim.list_fill, lim.list_compress);
            for e in legacy::ziplist(&data)? {
                l.push(End::Tail, &e.to_vec());
            }
            Value::List(Box::new(l))
        }
        TYPE_SET => read_set(r, lim)?,
        TYPE_SET_INTSET => {
            let data = r.string()?;
            let (members, width) = legacy::intset_with_width(&data)?;
            let mut s = IntSet::new();
            s.widen(width);
            for m in &members {
                s.insert(*m);
            }
            let mut set = Set::Ints(s);
            if members.len() as u64 > lim.intset_entries {
                set.convert(lim.seed);
            }
            Value::Set(Box::new(set))
        }
        TYPE_ZSET | TYPE_ZSET_2 => {
            let n = r.count(2)?;
            let mut items = Vec::with_capacity(n.min(1 << 20) as usize);
            let mut maxlen = 0;
            for _ in 0..n {
                let m = r.string()?;
                let s = if t == TYPE_ZSET_2 { r.binary_double()? } else { r.text_double()? };
                if s.is_nan() {
                    return Err(corrupt("Zset with NAN score detected"));
                }
                maxlen = maxlen.max(m.len());
                items.push((SBytes::new(&m), s));
            }
            zset_from(items, maxlen, false, lim)?
        }
        TYPE_ZSET_ZIPLIST | TYPE_ZSET_LISTPACK => {
            let data = r.string()?;
            let items = if t == TYPE_ZSET_LISTPACK { listpack::parse(&data)? } else { legacy::ziplist(&data)? };
            if items.len() % 2 != 0 {
                return Err(corrupt("Zset listpack integrity check failed."));
            }
            let mut out = Vec::with_capacity(items.len() / 2);
            for p in items.chunks_exact(2) {
                let score = match p[1] {
                    LpEntry::Int(v) => v as f64,
                    LpEntry::Str(s) => {
                        let st = crate::util::strtod::strtod(s);
                        if st.end == 0 || st.value.is_nan() {
                            return Err(corrupt("Zset listpack integrity check failed."));
                        }
                        st.value
                    }
                };
                out.push((SBytes::new(&p[0].to_vec()), score));
            }
            zset_from(out, 0, true, lim)?
        }
        TYPE_HASH => read_hash(r, lim)?,
        TYPE_HASH_ZIPMAP => {
            let data = r.string()?;
            let pairs = legacy::zipmap(&data)?;
            let maxlen = pairs.iter().map(|(f, v)| f.len().max(v.len())).max().unwrap_or(0);
            let pairs: Vec<(Cow<[u8]>, Cow<[u8]>)> =
                pairs.into_iter().map(|(f, v)| (Cow::Borrowed(f), Cow::Borrowed(v))).collect();
            let convert = pairs.len() as u64 > lim.hash_entries || maxlen as u64 > lim.hash_value;
            hash_from(pairs, convert, lim)?
        }
        TYPE_HASH_ZIPLIST | TYPE_HASH_LISTPACK => {
            let data = r.string()?;
            let items = if t == TYPE_HASH_LISTPACK { listpack::parse(&data)? } else { legacy::ziplist(&data)? };
            if items.len() % 2 != 0 {
                return Err(corrupt("Hash listpack integrity check failed."));
            }
            let pairs: Vec<(Cow<[u8]>, Cow<[u8]>)> =
                items.chunks_exact(2).map(|p| (entry_bytes(p[0]), entry_bytes(p[1]))).collect();
            let convert = pairs.len() as u64 > lim.hash_entries;
            hash_from(pairs, convert, lim)?
        }
        TYPE_STREAM_LISTPACKS | TYPE_STREAM_LISTPACKS_2 => {
            Value::Stream(Box::new(read_stream(r, t == TYPE_STREAM_LISTPACKS_2)?))
        }
        TYPE_MODULE | TYPE_MODULE_2 => {
            return Err(corrupt("The RDB file contains module data I can't load: no matching module type"))
        }
        _ => return Err(RdbError::corrupt(format!("Unknown RDB encoding type {}", t))),
    };
    let empty = match &v {
        Value::List(l) => l.is_empty(),
        Value::Set(s) => s.is_empty(),
        Value::Hash(h) => h.is_empty(),
        Value::ZSet(z) => z.is_empty(),
        _ => false,
    };
    Ok(if empty { None } else { Some(v) })
}

fn entry_bytes(e: LpEntry<'_>) -> Cow<'_, [u8]> {
    match e {
        LpEntry::Str(s) => Cow::Borrowed(s),
        LpEntry::Int(v) => Cow::Owned(crate::numfmt::i64_bytes(v)),
    }
}

/// `RDB_TYPE_SET`: an intset while the count allows and members are integers.
fn read_set(r: &mut Reader, lim: &Limits) -> Result<Value, RdbError> {
    let n = r.count(1)?;
    let dup = || corrupt("Duplicate set members detected");
    let mut set = if n > lim.intset_entries {
        Set::Table(StrTable::with_capacity(lim.seed, n.min(1 << 20) as usize))
    } else {
        Set::Ints(IntSet::new())
    };
    for _ in 0..n {
        let m = r.string()?;
        if let Set::Ints(i) = &mut set {
            match parse_i64(&m) {
                Some(v) => {
                    if !i.insert(v) {
                        return Err(dup());
                    }
                    continue;
                }
                None => set.convert(lim.seed),
            }
        }
        if let Set::Table(t) = &mut set {
            if t.find(&m).is_some() {
                return Err(dup());
            }
            t.insert_new(&m, b"");
        }
    }
    Ok(Value::Set(Box::new(set)))
}

/// `RDB_TYPE_HASH`: a listpack until a field or value is too long or there are too many.
fn read_hash(r: &mut Reader, lim: &Limits) -> Result<Value, RdbError> {
    let n = r.count(2)?;
    let mut pairs = Vec::with_capacity(n.min(1 << 20) as usize);
    let mut convert = n > lim.hash_entries;
    for _ in 0..n {
        let f = r.string()?;
        let v = r.string()?;
        if f.len() as u64 > lim.hash_value || v.len() as u64 > lim.hash_value {
            convert = true;
        }
        pairs.push((f, v));
    }
    hash_from(pairs, convert, lim)
}

fn hash_from(pairs: Vec<(Cow<[u8]>, Cow<[u8]>)>, table: bool, lim: &Limits) -> Result<Value, RdbError> {
    let dup = || corrupt("Duplicate hash fields detected");
    let h = if table {
        let mut t = StrTable::with_capacity(lim.seed, pairs.len());
        for (f, v) in &pairs {
            if t.find(f).is_some() {
                return Err(dup());
            }
            t.insert_new(f, v);
        }
        Hash::Table(t)
    } else {
        let mut p = PackedPairs::new();
        let mut seen = HashSet::with_capacity(pairs.len());
        for (f, v) in &pairs {
            if !seen.insert(&**f) {
                return Err(dup());
            }
            p.push_new(f, v);
        }
        Hash::Packed(p)
    };
    Ok(Value::Hash(Box::new(h)))
}

/// A sorted set from loaded elements: for a listpack source (`packed`) the count alone
/// decides, else count and longest member (`zsetConvert` after loading).
fn zset_from(mut items: Vec<(SBytes, f64)>, maxlen: usize, packed: bool, lim: &Limits) -> Result<Value, RdbError> {
    let mut seen = HashSet::with_capacity(items.len());
    for (m, _) in &items {
        if !seen.insert(m.as_slice()) {
            return Err(corrupt("Duplicate zset fields detected"));
        }
    }
    drop(seen);
    sort_elements(&mut items);
    let listpack = items.len() as u64 <= lim.zset_entries && (packed || maxlen as u64 <= lim.zset_value);
    let z = if listpack {
        ZSet::Listpack(Listpack::from_sorted(items))
    } else {
        let mut s = SkipList::with_capacity(items.len());
        for (m, sc) in &items {
            s.insert(m, *sc);
        }
        ZSet::Skiplist(Box::new(s))
    };
    Ok(Value::ZSet(Box::new(z)))
}
