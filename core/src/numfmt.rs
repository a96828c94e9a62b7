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
    if s.is_empty() || is_c_space(s[0]) {
        return None;
    }
    let p = strtod(s);
    if p.len != s.len() || p.value.is_nan() || p.erange {
        return None;
    }
    Some(p.value)
}

/// What C's `strtod` does with a byte string.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Strtod {
    /// The value (0 when nothing was parsed).
    pub value: f64,
    /// Bytes consumed (`eptr - s`); 0 when no number was found.
    pub len: usize,
    /// `errno == ERANGE` with a result of +-HUGE_VAL or zero (overflow or underflow).
    pub erange: bool,
}

/// C's `isspace` in the C locale.
pub fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// glibc `strtod` over the longest valid prefix of `s`: leading white space, a sign,
/// then a decimal number, `inf`/`infinity`, `nan`/`nan(...)` or a hex float.
pub fn strtod(s: &[u8]) -> Strtod {
    let none = Strtod { value: 0.0, len: 0, erange: false };
    let mut i = s.iter().take_while(|&&c| is_c_space(c)).count();
    let neg = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let rest = &s[i..];
    let starts = |w: &str| rest.len() >= w.len() && rest[..w.len()].eq_ignore_ascii_case(w.as_bytes());
    let sign = |v: f64| if neg { -v } else { v };
    if starts("inf") {
        let n = if starts("infinity") { 8 } else { 3 };
        return Strtod { value: sign(f64::INFINITY), len: i + n, erange: false };
    }
    if starts("nan") {
        let mut n = 3;
        if rest.get(3) == Some(&b'(') {
            let body = rest[4..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'_').count();
            if rest.get(4 + body) == Some(&b')') {
                n = 5 + body;
            }
        }
        return Strtod { value: sign(f64::NAN), len: i + n, erange: false };
    }
    if rest.len() >= 2 && rest[0] == b'0' && (rest[1] | 0x20) == b'x' {
        if let Some((v, n, erange)) = hex_float(&rest[2..]) {
            return Strtod { value: sign(v), len: i + 2 + n, erange };
        }
        // "0x" without hex digits: just the "0".
        return Strtod { value: sign(0.0), len: i + 1, erange: false };
    }
    let digits = |from: usize| rest[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let int = digits(0);
    let mut n = int;
    let mut frac = 0;
    if rest.get(n) == Some(&b'.') {
        frac = digits(n + 1);
        n += 1 + frac;
    }
    if int + frac == 0 {
        return none;
    }
    if matches!(rest.get(n), Some(b'e' | b'E')) {
        let mut e = n + 1;
        if matches!(rest.get(e), Some(b'+' | b'-')) {
            e += 1;
        }
        let ed = digits(e);
        if ed > 0 {
            n = e + ed;
        }
    }
    let text = std::str::from_utf8(&rest[..n]).unwrap_or("0");
    let v: f64 = text.parse().unwrap_or(0.0);
    let frac_digits = if frac > 0 { &rest[int + 1..int + 1 + frac] } else { &[][..] };
    let mantissa_nonzero = rest[..int].iter().chain(frac_digits).any(|c| (b'1'..=b'9').contains(c));
    let erange = v.is_infinite() || (v == 0.0 && mantissa_nonzero);
    Strtod { value: sign(v), len: i + n, erange }
}

/// A hex float body after `0x`: `(value, bytes consumed, erange)`, or `None` without
/// hex digits. Correctly rounded for up to 112 significant bits.
fn hex_float(s: &[u8]) -> Option<(f64, usize, bool)> {
    let hex = |c: u8| (c as char).to_digit(16);
    let mut mant: u128 = 0;
    let mut exp: i64 = 0;
    let mut sticky = false;
    let mut n = 0;
    let mut any = false;
    let mut push = |d: u32, frac: bool, mant: &mut u128, exp: &mut i64| {
        if *mant >> 112 == 0 {
            *mant = (*mant << 4) | d as u128;
            if frac {
                *exp -= 4;
            }
        } else {
            sticky |= d != 0;
            if !frac {
                *exp += 4;
            }
        }
    };
    while let Some(d) = s.get(n).and_then(|&c| hex(c)) {
        push(d, false, &mut mant, &mut exp);
        any = true;
        n += 1;
    }
    if s.get(n) == Some(&b'.') {
        let mut m = n + 1;
        let mut fany = false;
        while let Some(d) = s.get(m).and_then(|&c| hex(c)) {
            push(d, true, &mut mant, &mut exp);
            fany = true;
            m += 1;
        }
        if any || fany {
            n = m;
            any = true;
        }
    }
    if !any {
        return None;
    }
    if matches!(s.get(n), Some(b'p' | b'P')) {
        let mut e = n + 1;
        let eneg = match s.get(e) {
            Some(b'-') => {
                e += 1;
                true
            }
            Some(b'+') => {
                e += 1;
                false
            }
            _ => false,
        };
        let ed = s[e..].iter().take_while(|c| c.is_ascii_digit()).count();
        if ed > 0 {
            let pe = s[e..e + ed].iter().fold(0i64, |a, &c| (a * 10 + (c - b'0') as i64).min(100_000));
            exp += if eneg { -pe } else { pe };
            n = e + ed;
        }
    }
    if mant == 0 {
        return Some((0.0, n, false));
    }
    if sticky {
        mant |= 1;
    }
    // Scale so the value is mant * 2^exp with mant < 2^113, then round once via f64
    // conversion of the top bits and an exact power-of-two multiply when in range.
    let v = (mant as f64) * 2f64.powi(exp.clamp(-2000, 2000) as i32 / 2) * 2f64.powi((exp.clamp(-2000, 2000) - exp.clamp(-2000, 2000) / 2) as i32);
    let erange = v.is_infinite() || v == 0.0;
    Some((v, n, erange))
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
    let exp: i32 = e_form[epos + 1..].parse().expect("exponent digits");
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
    }

    #[test]
    fn strtod_prefixes() {
        let p = |s: &[u8]| {
            let r = strtod(s);
            (r.value, r.len)
        };
        assert_eq!(p(b" 1.5xyz"), (1.5, 4));
        assert_eq!(p(b""), (0.0, 0));
        assert_eq!(p(b"abc"), (0.0, 0));
        assert_eq!(p(b"1e+"), (1.0, 1));
        assert_eq!(p(b"-.5e1z"), (-5.0, 5));
        assert_eq!(p(b"0x1g"), (1.0, 3));
        assert_eq!(p(b"0xg"), (0.0, 1));
        assert_eq!(p(b"infinityx"), (f64::INFINITY, 8));
        assert!(strtod(b"nan(12)").value.is_nan());
        assert_eq!(strtod(b"nan(12)").len, 7);
        assert!(strtod(b"1e999").erange);
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
