//! `@members KEY CMD` and `@distinct KEY CMD`: checks for commands that pick random
//! elements (SRANDMEMBER, SPOP, HRANDFIELD, ...), whose exact replies differ between any
//! two servers. On each side the harness first reads KEY's contents (SMEMBERS or
//! HGETALL by its TYPE), runs CMD, and summarizes the reply: its type, its number of
//! elements, whether every returned element (or field/value pair, with WITHVALUES) is
//! in the collection and, for `@distinct`, whether no element repeats. The two summaries
//! must be equal; error replies must be identical.

use crate::conn::{Conn, Outcome};
use crate::resp;

/// What KEY held before the command, on one server.
pub enum Universe {
    /// Members of a set (or nothing for a missing key).
    Members(Vec<Vec<u8>>),
    /// Field/value pairs of a hash.
    Pairs(Vec<(Vec<u8>, Vec<u8>)>),
    /// A type this check does not read.
    Other(String),
}

/// Every bulk string inside `reply`, depth first (map keys and values alike).
pub fn bulks(reply: &[u8]) -> Vec<Vec<u8>> {
    if let Some(b) = resp::as_bulk(reply) {
        return vec![b.to_vec()];
    }
    let mut out = Vec::new();
    if let Some((_, elems)) = resp::split_aggregate(reply) {
        for e in elems {
            let mut p = 0;
            while p < e.len() {
                let n = resp::reply_len(&e[p..]).ok().flatten().unwrap_or(e.len() - p);
                out.extend(bulks(&e[p..p + n]));
                p += n;
            }
        }
    }
    out
}

/// Reads KEY's contents through `conn`.
pub fn universe(conn: &mut Conn, key: &[u8]) -> Universe {
    let ty = conn.call(&[b"TYPE".to_vec(), key.to_vec()]);
    let reply = |c: &mut Conn, cmd: &str| {
        c.call(&[cmd.as_bytes().to_vec(), key.to_vec()]).bytes().map(bulks).unwrap_or_default()
    };
    match ty.bytes() {
        Some(b"+set\r\n") => Universe::Members(reply(conn, "SMEMBERS")),
        Some(b"+none\r\n") => Universe::Members(Vec::new()),
        Some(b"+hash\r\n") => {
            let flat = reply(conn, "HGETALL");
            Universe::Pairs(flat.chunks_exact(2).map(|p| (p[0].clone(), p[1].clone())).collect())
        }
        other => Universe::Other(format!("{:?}", other.map(String::from_utf8_lossy))),
    }
}

/// The comparable summary of one side's reply to a pick command.
pub fn summary(u: &Universe, reply: &Outcome, with_values: bool, distinct: bool) -> String {
    let Some(r) = reply.bytes() else { return format!("{reply:?}") };
    if resp::is_error(r) {
        return String::from_utf8_lossy(r).into_owned();
    }
    if let Universe::Other(t) = u {
        return format!("unsupported type {t}");
    }
    let is_key = |k: &[u8]| match u {
        Universe::Members(m) => m.iter().any(|x| x == k),
        Universe::Pairs(p) => p.iter().any(|(f, _)| f == k),
        Universe::Other(_) => false,
    };
    let is_pair = |f: &[u8], v: &[u8]| matches!(u, Universe::Pairs(p) if p.iter().any(|(a, b)| a == f && b == v));
    if let Some(b) = resp::as_bulk(r) {
        return format!("bulk member={}", is_key(b));
    }
    let Some((head, elems)) = resp::split_aggregate(r) else {
        return String::from_utf8_lossy(r).into_owned();
    };
    let nested = elems.first().is_some_and(|e| resp::split_aggregate(e).is_some());
    let flat: Vec<Vec<u8>> = elems.iter().flat_map(|e| bulks(e)).collect();
    let picks: Vec<(Vec<u8>, Option<Vec<u8>>)> = if nested || with_values {
        flat.chunks(2).map(|p| (p[0].clone(), p.get(1).cloned())).collect()
    } else {
        flat.into_iter().map(|k| (k, None)).collect()
    };
    let members = picks.iter().all(|(k, v)| match v {
        Some(v) => is_pair(k, v),
        None => is_key(k),
    });
    let mut s = format!("{}{} nested={} members={}", head[0] as char, elems.len(), nested, members);
    if distinct {
        let mut keys: Vec<&Vec<u8>> = picks.iter().map(|(k, _)| k).collect();
        keys.sort();
        keys.dedup();
        s.push_str(&format!(" distinct={}", keys.len() == picks.len()));
    }
    s
}
