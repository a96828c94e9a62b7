//! SORT and SORT_RO, following Redis 7.0's `sort.c`: options parsed first (`BY`, `GET`,
//! `LIMIT`, `ASC`/`DESC`, `ALPHA`, `STORE`), then the key's type; numeric scores read with
//! C's `strtod` rules; a stable sort (glibc's merge sort), or Redis's partial quicksort
//! when `BY` meets `LIMIT`; `BY` without `*` skips sorting; `GET`/`BY` patterns substitute
//! the element for the first `*` and read a string key or, with `->field`, a hash field.
//!
//! The types SORT reads are listed in [`source`]: one arm per type (lists and sets here;
//! sorted sets add theirs), giving the elements in the container's own order.

use crate::config::notify;
use std::cmp::Ordering;

use crate::bytes::SBytes;
use crate::cmd::{is_c, Args, Ctx};
use crate::error::{CmdError, CmdResult};
use crate::numfmt::parse_i64;
use crate::reply::Reply;
use crate::types::list::{End, List};
use crate::types::Value;
use crate::util::pqsort::pqsort;
use crate::util::strtod::strtod;

/// The container types SORT accepts.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    List,
    Set,
    Zset,
}

/// A sortable value: its kind and its elements in the container's own order (list
/// order, set iteration order, sorted-set rank order).
struct Source {
    kind: Kind,
    elements: Vec<Vec<u8>>,
}

/// How SORT reads a value; `None` for types it rejects with WRONGTYPE. Each container
/// type adds its arm here. The value is mutable because Redis's SORT converts a sorted
/// set to its `skiplist` encoding for good (`zsetConvert`), which OBJECT ENCODING shows.
fn source(v: &mut Value) -> Option<Source> {
    match v {
        Value::Set(s) => Some(Source { kind: Kind::Set, elements: s.iter().map(|m| m.to_vec()).collect() }),
        Value::List(l) => Some(Source { kind: Kind::List, elements: l.iter().map(|e| e.to_vec()).collect() }),
        Value::ZSet(z) => {
            z.convert_to_skiplist();
            Some(Source { kind: Kind::Zset, elements: z.iter().map(|(m, _)| m.to_vec()).collect() })
        }
        _ => None,
    }
}

/// The value `SORT ... STORE` writes: a list of `items`. Redis 7.0 creates it with the
/// quicklist defaults (fill -2, no compression), whatever `list-max-listpack-size` says.
fn list_value(items: Vec<Vec<u8>>) -> Value {
    let mut l = List::new(-2, 0);
    for it in &items {
        l.push(End::Tail, it);
    }
    Value::List(Box::new(l))
}

/// `arg` as a C string: the bytes before the first NUL.
fn c_str(arg: &[u8]) -> &[u8] {
    &arg[..arg.iter().position(|&c| c == 0).unwrap_or(arg.len())]
}

/// One element being sorted: the element, its numeric score, its BY value for ALPHA.
struct Item {
    obj: Vec<u8>,
    score: f64,
    by: Option<Vec<u8>>,
}

/// Parsed options.
#[derive(Default)]
struct Options<'a> {
    desc: bool,
    alpha: bool,
    limit_start: i64,
    limit_count: i64,
    store: Option<&'a [u8]>,
    by: Option<&'a [u8]>,
    dont_sort: bool,
    gets: Vec<&'a [u8]>,
}

/// SORT's options after the key, in Redis's order of checks.
/// `full_key_access`: the user may read every key (Redis's
/// `ACLUserCheckCmdWithUnrestrictedKeyAccess`), needed for BY patterns and GET.
fn parse<'a>(args: &mut Args<'a>, readonly: bool, full_key_access: bool) -> Result<Options<'a>, CmdError> {
    let mut o = Options { limit_count: -1, ..Default::default() };
    while let Some(a) = args.next() {
        let left = args.remaining();
        if is_c(a, "asc") {
            o.desc = false;
        } else if is_c(a, "desc") {
            o.desc = true;
        } else if is_c(a, "alpha") {
            o.alpha = true;
        } else if is_c(a, "limit") && left >= 2 {
            o.limit_start = args.next_i64()?;
            o.limit_count = args.next_i64()?;
        } else if !readonly && is_c(a, "store") && left >= 1 {
            o.store = Some(args.take());
        } else if is_c(a, "by") && left >= 1 {
            let p = args.take();
            o.by = Some(p);
            // A later pattern with `*` does not undo an earlier "don't sort".
            if !c_str(p).contains(&b'*') {
                o.dont_sort = true;
            } else if !full_key_access {
                return Err(CmdError::other("ERR BY option of SORT denied due to insufficient ACL permissions."));
            }
        } else if is_c(a, "get") && left >= 1 {
            if !full_key_access {
                return Err(CmdError::other("ERR GET option of SORT denied due to insufficient ACL permissions."));
            }
            o.gets.push(args.take());
        } else {
            return Err(CmdError::Syntax);
        }
    }
    Ok(o)
}

/// Redis's `lookupKeyByPattern`: `#` is the element itself; otherwise the first `*` is
/// replaced by the element, and the key is read as a string or, for `key->field`, as a
/// hash field. Anything missing or of another type is `None`.
fn lookup_by_pattern(ctx: &mut Ctx, pattern: &[u8], element: &[u8]) -> Option<Vec<u8>> {
    lookup_by_pattern_obj(ctx, pattern, element, false).map(|(v, _)| v)
}

/// [`lookup_by_pattern`] plus whether Redis's object for the value is integer-encoded (a
/// string stored as an integer, a listpack hash's integer field value, or for `#` the
/// element itself when `element_is_int`): SORT takes such a value's score without
/// `strtod`, so a stale `errno` does not fail it.
fn lookup_by_pattern_obj(
    ctx: &mut Ctx,
    pattern: &[u8],
    element: &[u8],
    element_is_int: bool,
) -> Option<(Vec<u8>, bool)> {
    let cpat = c_str(pattern);
    if cpat == b"#" {
        return Some((element.to_vec(), element_is_int));
    }
    let star = cpat.iter().position(|&c| c == b'*')?;
    let field_at = cpat[star + 1..]
        .windows(2)
        .position(|w| w == b"->")
        .map(|i| star + 1 + i)
        .filter(|&f| pattern.get(f + 2).is_some_and(|&c| c != 0));
    let field = field_at.map(|f| &pattern[f + 2..]);
    let postfix_end = field_at.unwrap_or(pattern.len());
    let mut key = Vec::with_capacity(pattern.len() + element.len());
    key.extend_from_slice(&pattern[..star]);
    key.extend_from_slice(element);
    key.extend_from_slice(&pattern[star + 1..postfix_end]);
    let slot = ctx.lookup_read(&key)?;
    match (&ctx.db().keys.entry(slot).value, field) {
        (Value::Hash(h), Some(f)) => {
            let listpack = h.encoding() == "listpack";
            h.get(f).map(|v| (v.to_vec(), listpack && parse_i64(v).is_some()))
        }
        (v, None) => v.string_bytes().map(|b| (b.into_owned(), matches!(v, Value::Int(_)))),
        _ => None,
    }
}

/// C `strcoll` in the C/C.UTF-8 locale: byte order of the strings up to their first NUL.
fn strcoll(a: &[u8], b: &[u8]) -> Ordering {
    c_str(a).cmp(c_str(b))
}

/// Redis's `sortCompare`.
fn compare(a: &Item, b: &Item, o: &Options, by_pattern: bool) -> Ordering {
    let ord = if !o.alpha {
        a.score.partial_cmp(&b.score).unwrap_or(Ordering::Equal).then_with(|| a.obj.cmp(&b.obj))
    } else if by_pattern {
        match (&a.by, &b.by) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(x), Some(y)) if o.store.is_some() => x.cmp(y),
            (Some(x), Some(y)) => strcoll(x, y),
        }
    } else if o.store.is_some() {
        a.obj.cmp(&b.obj)
    } else {
        strcoll(&a.obj, &b.obj)
    };
    if o.desc {
        ord.reverse()
    } else {
        ord
    }
}

/// The key arguments of a SORT (`ro` false, Redis's `sortGetKeys`) or SORT_RO
/// (`sortROGetKeys`) command line, for COMMAND GETKEYS: the sorted key, and for SORT the
/// destination of the last `STORE` (LIMIT's two values, GET's and BY's one are skipped;
/// any other word is taken as an option without a value).
pub fn key_positions(argv: &[&[u8]], ro: bool) -> Vec<usize> {
    let mut keys = vec![1];
    if ro {
        return keys;
    }
    let mut store = None;
    let mut i = 2;
    while i < argv.len() {
        let a = argv[i];
        if a.eq_ignore_ascii_case(b"limit") {
            i += 2;
        } else if a.eq_ignore_ascii_case(b"get") || a.eq_ignore_ascii_case(b"by") {
            i += 1;
        } else if a.eq_ignore_ascii_case(b"store") && i + 1 < argv.len() {
            store = Some(i + 1);
        }
        i += 1;
    }
    keys.extend(store);
    keys
}

/// `SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA]
/// [STORE destination]`.
pub fn sort(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    sort_generic(ctx, args, false)
}

/// `SORT_RO`: SORT without STORE.
pub fn sort_ro(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    sort_generic(ctx, args, true)
}

fn sort_generic(ctx: &mut Ctx, args: &mut Args, readonly: bool) -> CmdResult {
    let key = args.take();
    let user = ctx.client.user;
    let full = ctx.st.acl.unrestricted(user)
        || ctx.st.acl.check_unrestricted_keys(
            user,
            &mut crate::cmd::acl_perm::Req::new(ctx.cmd, args.all()),
            crate::acl::selector::READ,
        );
    let mut o = parse(args, readonly, full)?;
    let src = match ctx.lookup_read(key) {
        None => Source { kind: Kind::List, elements: Vec::new() },
        Some(slot) => {
            let value = &mut ctx.db().keys.entry_mut(slot).value;
            let src = source(value).ok_or(CmdError::WrongType)?;
            // Converting a listpack sorted set reads its scores with strtod.
            let erange = matches!(value, Value::ZSet(z) if z.take_erange());
            ctx.st.errno_erange |= erange;
            src
        }
    };
    if o.dont_sort && src.kind == Kind::Set && (o.store.is_some() || ctx.client.script) {
        // Set order is not deterministic: a stored result, or one a script gets, is
        // sorted (ALPHA) instead.
        o.dont_sort = false;
        o.alpha = true;
        o.by = None;
    }
    let len = src.elements.len() as i64;
    let mut start = o.limit_start.max(0);
    let mut end = if o.limit_count < 0 { len - 1 } else { start.saturating_add(o.limit_count) - 1 };
    if start >= len {
        start = len - 1;
        end = len - 2;
    }
    if end >= len {
        end = len - 1;
    }

    // Load the elements; lists and sorted sets that are not sorted load only the range.
    let ordered = matches!(src.kind, Kind::List | Kind::Zset);
    let mut elements = src.elements;
    let mut vector_len = len;
    if ordered && o.dont_sort && (start != 0 || end != len - 1) {
        vector_len = end - start + 1;
    }
    if ordered && o.dont_sort {
        if o.desc {
            elements.reverse();
        }
        if src.kind == Kind::Zset || end >= start {
            let from = (start.max(0) as usize).min(elements.len());
            let to = (from + vector_len.max(0) as usize).min(elements.len());
            elements = elements.drain(from..to).collect();
            end -= start;
            start = 0;
        }
    }
    let mut items: Vec<Item> = elements.into_iter().map(|obj| Item { obj, score: 0.0, by: None }).collect();

    let mut bad_score = false;
    if !o.dont_sort {
        for it in items.iter_mut() {
            // A list keeps integers as integers: Redis's element object is then
            // integer-encoded (sets and sorted sets hand out strings).
            let elem_int = src.kind == Kind::List && parse_i64(&it.obj).is_some();
            let (by_val, is_int) = match o.by {
                Some(p) => match lookup_by_pattern_obj(ctx, p, &it.obj, elem_int) {
                    Some(v) => v,
                    None => continue,
                },
                None => (it.obj.clone(), elem_int),
            };
            if o.alpha {
                if o.by.is_some() {
                    it.by = Some(by_val);
                }
            } else if is_int {
                it.score = parse_i64(&by_val).map_or(0.0, |n| n as f64);
            } else {
                let r = strtod(&by_val);
                let stops_at_nul = by_val.get(r.end).is_none_or(|&c| c == 0);
                // Redis tests `errno` without clearing it first: a range error from
                // an earlier strtod (this SORT's or another command's) counts too.
                ctx.st.errno_erange |= r.erange;
                if !stops_at_nul || ctx.st.errno_erange || r.value.is_nan() {
                    bad_score = true;
                }
                it.score = r.value;
            }
        }
        let by_pattern = o.by.is_some();
        let mut cmp = |a: &Item, b: &Item| compare(a, b, &o, by_pattern);
        if by_pattern && (start != 0 || end != vector_len - 1) {
            pqsort(&mut items, &mut cmp, start as isize, end as isize);
        } else {
            // The standard sort: SORT is the one command that sorts millions of elements
            // (util::sort is small but slower on big inputs).
            items.sort_by(cmp);
        }
    }

    let count = (end - start + 1).max(0) as usize;
    if bad_score {
        return Err(CmdError::other("ERR One or more scores can't be converted into double"));
    }
    let range = if count == 0 { &items[0..0] } else { &items[start as usize..=end as usize] };
    match o.store {
        None => {
            let mut out = Vec::with_capacity(count * o.gets.len().max(1));
            for it in range {
                if o.gets.is_empty() {
                    out.push(Reply::bulk(&it.obj));
                }
                for g in &o.gets {
                    out.push(Reply::bulk_or_nil(lookup_by_pattern(ctx, g, &it.obj).as_deref()));
                }
            }
            Ok(Reply::Array(out))
        }
        Some(dst) => {
            let mut stored = Vec::with_capacity(count * o.gets.len().max(1));
            for it in range {
                if o.gets.is_empty() {
                    stored.push(it.obj.clone());
                }
                for g in &o.gets {
                    stored.push(lookup_by_pattern(ctx, g, &it.obj).unwrap_or_default());
                }
            }
            let n = stored.len() as i64;
            if n == 0 {
                let now = ctx.now_ms();
                if ctx.db().remove(dst, now).is_some() {
                    ctx.key_event(notify::GENERIC, "del", dst);
                }
                return Ok(Reply::Int(0));
            }
            let value = list_value(stored);
            match ctx.lookup_write(dst) {
                Some(slot) => {
                    let keys = &mut ctx.db().keys;
                    keys.clear_expire(slot);
                    keys.entry_mut(slot).value = value;
                }
                None => {
                    let access = ctx.st.new_access();
                    ctx.db().keys.insert_new(SBytes::new(dst), value, access);
                }
            }
            ctx.key_event(notify::LIST, "sortstore", dst);
            // Redis counts the elements stored.
            ctx.changes(n as u64);
            Ok(Reply::Int(n))
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn getkeys_finds_the_last_store() {
        let argv = |line: &'static str| line.split(' ').map(str::as_bytes).collect::<Vec<_>>();
        assert_eq!(super::key_positions(&argv("sort abc store def"), false), vec![1, 3]);
        assert_eq!(super::key_positions(&argv("sort abc store invalid store stillbad store def"), false), vec![1, 7]);
        assert_eq!(super::key_positions(&argv("sort abc by store get store limit store 1 store"), false), vec![1]);
        assert_eq!(super::key_positions(&argv("sort_ro abc store x"), true), vec![1]);
    }

    use crate::testkit::TestEngine;

    fn run(t: &mut TestEngine, cases: &[(&[&str], &str)]) {
        for (argv, want) in cases {
            assert_eq!(t.resp(argv), *want, "{:?}", argv);
        }
    }

    #[test]
    fn sorts_sets_with_patterns_and_limits() {
        let mut t = TestEngine::new();
        t.cmd(&["SADD", "s", "5", "3", "9", "1", "10"]);
        for (k, v) in [("w_3", "30"), ("w_1", "10"), ("w_9", "-1"), ("w_10", "2.5")] {
            t.cmd(&["SET", k, v]);
        }
        t.cmd(&["HSET", "h_1", "f", "5"]);
        t.cmd(&["HSET", "h_3", "f", "4"]);
        run(
            &mut t,
            &[
                (&["SORT", "s"], "*5\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n5\r\n$1\r\n9\r\n$2\r\n10\r\n"),
                (&["SORT", "s", "DESC", "LIMIT", "1", "2"], "*2\r\n$1\r\n9\r\n$1\r\n5\r\n"),
                (&["SORT", "s", "ALPHA"], "*5\r\n$1\r\n1\r\n$2\r\n10\r\n$1\r\n3\r\n$1\r\n5\r\n$1\r\n9\r\n"),
                (
                    &["SORT", "s", "BY", "nosort", "DESC"],
                    "*5\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n5\r\n$1\r\n9\r\n$2\r\n10\r\n",
                ),
                (&["SORT", "s", "BY", "w_*"], "*5\r\n$1\r\n9\r\n$1\r\n5\r\n$2\r\n10\r\n$1\r\n1\r\n$1\r\n3\r\n"),
                (
                    &["SORT", "s", "BY", "w_*", "LIMIT", "0", "2", "GET", "#", "GET", "w_*", "GET", "h_*->f"],
                    "*6\r\n$1\r\n9\r\n$2\r\n-1\r\n$-1\r\n$1\r\n5\r\n$-1\r\n$-1\r\n",
                ),
                (&["SORT", "s", "BY", "h_*->f", "LIMIT", "3", "2"], "*2\r\n$1\r\n3\r\n$1\r\n1\r\n"),
                (&["SORT", "s", "GET", "nostar"], "*5\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n"),
                (&["SORT", "s", "LIMIT", "10", "2"], "*0\r\n"),
                (&["SORT", "nokey"], "*0\r\n"),
                (&["SORT", "nokey", "STORE", "dst"], ":0\r\n"),
            ],
        );
    }

    #[test]
    fn errors_in_redis_order() {
        let mut t = TestEngine::new();
        t.cmd(&["SET", "str", "x"]);
        t.cmd(&["SADD", "w", "a", "b"]);
        run(
            &mut t,
            &[
                (&["SORT", "str", "foo"], "-ERR syntax error\r\n"),
                (&["SORT", "str", "LIMIT", "1", "x"], "-ERR value is not an integer or out of range\r\n"),
                (&["SORT", "str"], "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
                (&["SORT_RO", "w", "STORE", "d"], "-ERR syntax error\r\n"),
                (&["SORT", "w"], "-ERR One or more scores can't be converted into double\r\n"),
                (&["SORT", "w", "ALPHA", "DESC"], "*2\r\n$1\r\nb\r\n$1\r\na\r\n"),
            ],
        );
    }
}
