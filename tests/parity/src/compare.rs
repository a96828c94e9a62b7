//! Comparing two servers' outcomes under a script's comparison mode.

use crate::conn::Outcome;
use crate::resp;
use crate::script::Mode;

/// `None` when the outcomes agree under `mode`; otherwise the byte offset where the
/// reference and the candidate first differ (for a readable window in reports).
pub fn differ(mode: Mode, reference: &Outcome, candidate: &Outcome) -> Option<usize> {
    let (Some(a), Some(b)) = (reference.bytes(), candidate.bytes()) else {
        return if reference == candidate { None } else { Some(0) };
    };
    let same = match mode {
        Mode::Exact => a == b,
        Mode::Unordered => same_unordered(a, b),
        Mode::Shape => resp::is_error(a) == resp::is_error(b) && a.first() == b.first(),
        Mode::Approx(tol) => approx_eq(a, b, tol),
    };
    if same {
        None
    } else {
        Some(a.iter().zip(b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len())))
    }
}

/// `@approx`: integers (at any depth of an aggregate, e.g. XPENDING's idle times) may
/// differ by `tol`; a negative integer must match exactly; everything else exactly.
fn approx_eq(a: &[u8], b: &[u8], tol: i64) -> bool {
    if let (Some(x), Some(y)) = (resp::as_int(a), resp::as_int(b)) {
        return (x < 0) == (y < 0) && (x - y).abs() <= tol && (x >= 0 || x == y);
    }
    let (Some((ha, ea)), Some((hb, eb))) = (resp::split_aggregate(a), resp::split_aggregate(b)) else {
        return a == b;
    };
    if ha != hb || ea.len() != eb.len() {
        return false;
    }
    let is_map = a.first() == Some(&b'%');
    ea.iter().zip(&eb).all(|(x, y)| {
        if is_map {
            let kx = resp::reply_len(x).ok().flatten().unwrap_or(x.len());
            let ky = resp::reply_len(y).ok().flatten().unwrap_or(y.len());
            let ((k1, v1), (k2, v2)) = (x.split_at(kx), y.split_at(ky));
            approx_eq(k1, k2, tol) && approx_eq(v1, v2, tol)
        } else {
            approx_eq(x, y, tol)
        }
    })
}

/// `reply` with the element that follows a `field` element (bulk or simple string, at
/// any depth) replaced by `+<masked>`, for values that legitimately differ (client ids).
pub fn mask_field(reply: &[u8], field: &[u8]) -> Vec<u8> {
    let Some((head, elems)) = resp::split_aggregate(reply) else { return reply.to_vec() };
    let is_map = reply.first() == Some(&b'%');
    let mut out = head.to_vec();
    let mut mask_next = false;
    for e in elems {
        if is_map {
            // Map elements are key+value pairs.
            let key_len = resp::reply_len(e).ok().flatten().unwrap_or(e.len());
            let (k, v) = e.split_at(key_len);
            out.extend_from_slice(k);
            if names(k, field) {
                out.extend_from_slice(b"+<masked>\r\n");
            } else {
                out.extend(mask_field(v, field));
            }
        } else if mask_next {
            out.extend_from_slice(b"+<masked>\r\n");
            mask_next = false;
        } else {
            mask_next = names(e, field);
            out.extend(mask_field(e, field));
        }
    }
    out
}

fn names(elem: &[u8], field: &[u8]) -> bool {
    // `field` may list several names separated by commas (`age-seconds,client-info`).
    let name = resp::as_bulk(elem).or_else(|| elem.strip_prefix(b"+").and_then(|r| r.strip_suffix(b"\r\n")));
    name.is_some_and(|n| field.split(|&c| c == b',').any(|f| f == n))
}

/// Same aggregate header and the same multiset of elements; non-aggregates exactly.
fn same_unordered(a: &[u8], b: &[u8]) -> bool {
    match (resp::split_aggregate(a), resp::split_aggregate(b)) {
        (Some((ha, mut ea)), Some((hb, mut eb))) => {
            ea.sort_unstable();
            eb.sort_unstable();
            ha == hb && ea == eb
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(b: &[u8]) -> Outcome {
        Outcome::Reply(b.to_vec())
    }

    #[test]
    fn modes() {
        assert_eq!(differ(Mode::Exact, &r(b"+OK\r\n"), &r(b"+OK\r\n")), None);
        assert_eq!(differ(Mode::Exact, &r(b"+OK\r\n"), &r(b"+OX\r\n")), Some(2));
        let a = r(b"*2\r\n$1\r\na\r\n$1\r\nb\r\n");
        let b = r(b"*2\r\n$1\r\nb\r\n$1\r\na\r\n");
        assert_eq!(differ(Mode::Unordered, &a, &b), None);
        assert!(differ(Mode::Unordered, &a, &r(b"*2\r\n$1\r\nb\r\n$1\r\nb\r\n")).is_some());
        assert_eq!(differ(Mode::Shape, &r(b"$3\r\nabc\r\n"), &r(b"$1\r\nx\r\n")), None);
        assert!(differ(Mode::Shape, &r(b"$3\r\nabc\r\n"), &r(b"-ERR x\r\n")).is_some());
        assert_eq!(differ(Mode::Approx(5), &r(b":100\r\n"), &r(b":97\r\n")), None);
        assert!(differ(Mode::Approx(5), &r(b":100\r\n"), &r(b":90\r\n")).is_some());
        assert!(differ(Mode::Approx(5), &r(b":-1\r\n"), &r(b":-2\r\n")).is_some());
        assert!(differ(Mode::Approx(5), &r(b":-1\r\n"), &r(b":1\r\n")).is_some());
        assert_eq!(differ(Mode::Approx(5), &r(b"*2\r\n:100\r\n$1\r\nx\r\n"), &r(b"*2\r\n:97\r\n$1\r\nx\r\n")), None);
        assert!(differ(Mode::Approx(5), &r(b"*2\r\n:100\r\n$1\r\nx\r\n"), &r(b"*2\r\n:100\r\n$1\r\ny\r\n")).is_some());
        assert!(differ(Mode::Approx(5), &r(b"*1\r\n:100\r\n"), &r(b"*2\r\n:100\r\n:1\r\n")).is_some());
        assert!(differ(Mode::Exact, &Outcome::Closed, &r(b"+OK\r\n")).is_some());
        assert_eq!(differ(Mode::Exact, &Outcome::Closed, &Outcome::Closed), None);
        assert_eq!(
            mask_field(b"*4\r\n$2\r\nid\r\n:7\r\n$1\r\nx\r\n:1\r\n", b"id"),
            b"*4\r\n$2\r\nid\r\n+<masked>\r\n$1\r\nx\r\n:1\r\n".to_vec()
        );
        assert_eq!(
            mask_field(b"%2\r\n$2\r\nid\r\n:7\r\n$1\r\nx\r\n:1\r\n", b"id"),
            b"%2\r\n$2\r\nid\r\n+<masked>\r\n$1\r\nx\r\n:1\r\n".to_vec()
        );
    }
}
