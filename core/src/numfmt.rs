//! Number parsing and formatting exactly as Redis does it.
//!
//! - [`parse_i64`] is Redis's `string2ll`: no spaces, no `+`, no leading zeros, no `-0`.
//! - [`parse_f64`] is Redis's `getDoubleFromObject` (`strtod` that must consume everything).
//! - [`fmt_double`] is `%.17g` as used by `addReplyDouble`.

/// Formats `n` into `buf` and returns the digits (no allocation).
#[inline]
pub fn format_i64(n: i64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    let mut u = n.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (u % 10) as u8;
        u /= 10;
        if u == 0 {
            break;
        }
    }
    if n < 0 {
        i -= 1;
        buf[i] = b'-';
    }
    &buf[i..]
}

/// Appends the decimal form of `n`.
#[inline]
pub fn write_i64(out: &mut Vec<u8>, n: i64) {
    let mut buf = [0u8; 20];
    out.extend_from_slice(format_i64(n, &mut buf));
}

/// The decimal form of `n` as bytes.
pub fn i64_bytes(n: i64) -> Vec<u8> {
    let mut v = Vec::with_capacity(20);
    write_i64(&mut v, n);
    v
}

/// Redis's `string2ll`: strict base-10 signed 64-bit parsing.
pub fn parse_i64(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (neg, digits) = match s[0] {
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    let mut v: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add((c - b'0') as u64)?;
    }
    if neg {
        if v > (i64::MAX as u64) + 1 {
            None
        } else {
            Some((v as i64).wrapping_neg())
        }
    } else if v > i64::MAX as u64 {
        None
    } else {
        Some(v as i64)
    }
}

/// Redis's `string2ull`-style unsigned parse (used by SCAN cursors).
pub fn parse_u64(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 20 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(s).ok()?.parse().ok()
}

/// Redis's `string2d` (behind `getDoubleFromObject`): `strtod` must consume the whole
/// string, no leading space, NaN rejected, and overflow (`1e400`) or underflow to zero
/// (`1e-400`) rejected as `strtod`'s `ERANGE` is. Hex floats (`0x10`) are accepted.
pub fn parse_f64(s: &[u8]) -> Option<f64> {
    string2d(s).0
}

/// [`parse_f64`] plus whether C's `errno` is left as `ERANGE` (`string2d` clears it, then
/// `strtod` may set it, also for an accepted subnormal). See `EngineState::errno_erange`.
pub fn string2d(s: &[u8]) -> (Option<f64>, bool) {
    if let Some(v) = small_integer(s) {
        return (Some(v), false);
    }
    let p = crate::util::strtod::strtod(s);
    let range_fail = p.erange && (p.value.is_infinite() || p.value == 0.0);
    let ok = !s.is_empty() && !is_c_space(s[0]) && p.end == s.len() && !range_fail && !p.value.is_nan();
    (ok.then_some(p.value), p.erange)
}

/// The fast path of [`string2d`]: an optional `-` and 1 to 15 decimal digits is an integer
/// below 2^53, so `strtod` converts it exactly and never sets `ERANGE` (`-0` stays `-0`).
#[inline]
fn small_integer(s: &[u8]) -> Option<f64> {
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || digits.len() > 15 {
        return None;
    }
    let mut n = 0u64;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(c - b'0');
    }
    let v = n as f64;
    Some(if neg { -v } else { v })
}

/// C's `isspace` in the C locale.
fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// `%.17g`, Redis's double format (`inf`/`-inf` spelled out).
pub fn fmt_double(d: f64) -> String {
    if d.is_infinite() {
        return if d > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if d.is_nan() {
        return "nan".into();
    }
    fmt_g(d, 17)
}

/// C's `%.{precision}g` for a finite double.
pub fn fmt_g(d: f64, precision: usize) -> String {
    let p = precision.max(1);
    let e_form = format!("{:.*e}", p - 1, d);
    let epos = e_form.find('e').expect("exponent");
    let exp = parse_i64(&e_form.as_bytes()[epos + 1..]).unwrap_or(0) as i32;
    if exp < -4 || exp >= p as i32 {
        let mant = strip_zeros(&e_form[..epos]);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{}{:02}", mant, sign, exp.abs())
    } else {
        let decimals = (p as i32 - 1 - exp).max(0) as usize;
        strip_zeros(&format!("{:.*}", decimals, d)).to_string()
    }
}

fn strip_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string2ll_rules() {
        assert_eq!(parse_i64(b"0"), Some(0));
        assert_eq!(parse_i64(b"-1"), Some(-1));
        assert_eq!(parse_i64(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        for bad in [&b"9223372036854775808"[..], b"-0", b"01", b"+1", b" 1", b"1 ", b"", b"-", b"1a"] {
            assert_eq!(parse_i64(bad), None, "{:?}", bad);
        }
    }

    #[test]
    fn small_integers_take_the_fast_path_with_strtods_result() {
        for s in [&b"0"[..], b"-0", b"7", b"007", b"-123", b"999999999999999", b"-999999999999999"] {
            let slow = crate::util::strtod::strtod(s);
            let (fast, erange) = string2d(s);
            assert_eq!(fast.map(f64::to_bits), Some(slow.value.to_bits()), "{:?}", s);
            assert!(!erange && !slow.erange);
        }
        assert_eq!(string2d(b"-0").0.map(f64::to_bits), Some((-0.0f64).to_bits()));
        assert_eq!(small_integer(b"9999999999999999"), None);
        for bad in [&b""[..], b"-", b"+1", b" 1", b"1 ", b"1.5", b"--1"] {
            assert_eq!(small_integer(bad), None, "{:?}", bad);
        }
        assert_eq!(string2d(b"+1").0, Some(1.0));
    }

    #[test]
    fn strtod_rules() {
        assert_eq!(parse_f64(b"1e3"), Some(1000.0));
        assert_eq!(parse_f64(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_f64(b"+Infinity"), Some(f64::INFINITY));
        assert_eq!(parse_f64(b".5"), Some(0.5));
        assert_eq!(parse_f64(b"5."), Some(5.0));
        assert_eq!(parse_f64(b"0x10"), Some(16.0));
        assert_eq!(parse_f64(b" 1"), None);
        assert_eq!(parse_f64(b"nan"), None);
        assert_eq!(parse_f64(b"1x"), None);
        assert_eq!(parse_f64(b""), None);
        assert_eq!(parse_f64(b"1e400"), None);
        assert_eq!(parse_f64(b"-1e400"), None);
        assert_eq!(parse_f64(b"1e-400"), None);
        assert_eq!(parse_f64(b"0e-400"), Some(0.0));
        assert_eq!(parse_f64(b"5e-324"), Some(5e-324));
        assert_eq!(parse_f64(b"0x1p-2"), Some(0.25));
        assert_eq!(parse_f64(b"0x.8"), Some(0.5));
        assert_eq!(parse_f64(b"0x"), None);
        assert_eq!(parse_f64(b"1e"), None);
        assert_eq!(parse_f64(b"inf"), Some(f64::INFINITY));
        assert_eq!(parse_f64(b"infinit"), None);
        assert_eq!(parse_f64(b"1\x002"), None);
        assert_eq!(string2d(b"5e-324"), (Some(5e-324), true));
        assert_eq!(string2d(b"1e400"), (None, true));
        assert_eq!(string2d(b" 1"), (None, false));
    }

    #[test]
    fn percent_17g() {
        assert_eq!(fmt_double(1.0), "1");
        assert_eq!(fmt_double(0.1), "0.10000000000000001");
        assert_eq!(fmt_double(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(fmt_double(1e308), "1e+308");
        assert_eq!(fmt_double(1.7976931348623157e308), "1.7976931348623157e+308");
        assert_eq!(fmt_double(5e-324), "4.9406564584124654e-324");
        assert_eq!(fmt_double(-0.0), "-0");
        assert_eq!(fmt_double(123456789.0), "123456789");
        assert_eq!(fmt_double(1e17), "1e+17");
        assert_eq!(fmt_double(0.0001), "0.0001");
        assert_eq!(fmt_double(0.00001), "1.0000000000000001e-05");
    }
}
