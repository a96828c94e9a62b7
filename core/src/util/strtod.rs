//! C's `strtod` as glibc applies it to a NUL-terminated string, for SORT's scores:
//! leading white space, the longest valid prefix (decimal, hex float, `inf`/`infinity`,
//! `nan`/`nan(...)`), where parsing stopped, and whether it set `ERANGE` (overflow, or an
//! inexact result in the subnormal range or rounded to zero).
//!
//! Decimal inputs are converted by Rust's correctly rounded parser, as glibc's are. A
//! decimal subnormal is taken as inexact (an exact one needs hundreds of digits).

/// What `strtod` returns for a string.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Strtod {
    /// The converted value (0 when nothing was converted).
    pub value: f64,
    /// Bytes consumed (`endptr - nptr`); 0 when nothing was converted.
    pub end: usize,
    /// Whether `errno` would be set to `ERANGE`.
    pub erange: bool,
}

/// C `isspace` in the C locale.
fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// What C's `strtod`/`strtoll` skip before the digits: leading whitespace and one sign.
/// Returns whether the sign was `-` and where the digits start.
pub fn c_number_prefix(s: &[u8]) -> (bool, usize) {
    let i = s.iter().take_while(|&&c| is_c_space(c)).count();
    match s.get(i) {
        Some(b'-') => (true, i + 1),
        Some(b'+') => (false, i + 1),
        _ => (false, i),
    }
}

/// Runs `strtod` on `s` as a C string (it ends at the first NUL byte, if any).
pub fn strtod(s: &[u8]) -> Strtod {
    let s = &s[..s.iter().position(|&c| c == 0).unwrap_or(s.len())];
    let none = Strtod { value: 0.0, end: 0, erange: false };
    let (neg, i) = c_number_prefix(s);
    let rest = &s[i..];
    let starts = |w: &str| rest.len() >= w.len() && rest[..w.len()].eq_ignore_ascii_case(w.as_bytes());
    let sign = |v: f64| if neg { -v } else { v };
    if starts("inf") {
        let n = if starts("infinity") { 8 } else { 3 };
        return Strtod { value: sign(f64::INFINITY), end: i + n, erange: false };
    }
    if starts("nan") {
        let mut n = 3;
        if rest.get(3) == Some(&b'(') {
            let inner = rest[4..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'_').count();
            if rest.get(4 + inner) == Some(&b')') {
                n = 5 + inner;
            }
        }
        return Strtod { value: sign(f64::NAN), end: i + n, erange: false };
    }
    let hex_digit_follows = |at: usize| match rest.get(at) {
        Some(c) if c.is_ascii_hexdigit() => true,
        Some(b'.') => rest.get(at + 1).is_some_and(u8::is_ascii_hexdigit),
        _ => false,
    };
    if starts("0x") && hex_digit_follows(2) {
        let (value, len, erange) = hex(&rest[2..]);
        return Strtod { value: sign(value), end: i + 2 + len, erange };
    }
    let digits = |from: usize| rest[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let int_len = digits(0);
    let mut len = int_len;
    let mut frac_len = 0;
    if rest.get(len) == Some(&b'.') {
        frac_len = digits(len + 1);
        if int_len + frac_len > 0 {
            len += 1 + frac_len;
        }
    }
    if int_len + frac_len == 0 {
        return none;
    }
    let mant_len = len;
    if matches!(rest.get(len), Some(b'e' | b'E')) {
        let mut e = len + 1;
        if matches!(rest.get(e), Some(b'+' | b'-')) {
            e += 1;
        }
        let exp_digits = digits(e);
        if exp_digits > 0 {
            len = e + exp_digits;
        }
    }
    let text = std::str::from_utf8(&rest[..len]).unwrap_or("0");
    let v: f64 = text.parse().unwrap_or(0.0);
    let nonzero_digits = rest[..mant_len].iter().any(|c| (b'1'..=b'9').contains(c));
    let erange = v.is_infinite() || (nonzero_digits && v.abs() < f64::MIN_POSITIVE);
    Strtod { value: sign(v), end: i + len, erange }
}

/// Parses hex digits `[h*][.h*][p[+-]d+]` after `0x`: (value, bytes used, ERANGE).
fn hex(s: &[u8]) -> (f64, usize, bool) {
    let mut mant: u64 = 0;
    let mut exp2: i64 = 0;
    let mut sticky = false;
    let mut i = 0;
    let mut seen_point = false;
    while i < s.len() {
        let c = s[i];
        if c == b'.' && !seen_point {
            seen_point = true;
            i += 1;
            continue;
        }
        let Some(d) = (c as char).to_digit(16) else { break };
        if mant >> 60 == 0 {
            mant = (mant << 4) | d as u64;
            if seen_point {
                exp2 -= 4;
            }
        } else {
            sticky |= d != 0;
            if !seen_point {
                exp2 += 4;
            }
        }
        i += 1;
    }
    if matches!(s.get(i), Some(b'p' | b'P')) {
        let mut e = i + 1;
        let neg = match s.get(e) {
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
        let n = s[e..].iter().take_while(|c| c.is_ascii_digit()).count();
        if n > 0 {
            let v = s[e..e + n].iter().fold(0i64, |a, &c| a.saturating_mul(10).saturating_add((c - b'0') as i64));
            exp2 = exp2.saturating_add(if neg { -v } else { v });
            i = e + n;
        }
    }
    if mant == 0 {
        return (0.0, i, false);
    }
    let lz = mant.leading_zeros() as i64;
    let mant = mant << lz;
    let e = exp2.saturating_sub(lz);
    // Value = mant * 2^e with bit 63 set; keep 53 bits, or fewer below 2^-1074, and
    // round the dropped bits to nearest, ties to even (`sticky`: nonzero digits beyond).
    let drop = 11i64.max((-1074i64).saturating_sub(e));
    let (mut kept, round_up) = if drop > 65 {
        (0u64, false)
    } else {
        let m = mant as u128;
        let kept = (m >> drop) as u64;
        let rem = m & ((1u128 << drop) - 1);
        let half = 1u128 << (drop - 1);
        (kept, rem > half || (rem == half && (sticky || kept & 1 == 1)))
    };
    let inexact = sticky || drop > 65 || (mant as u128) & ((1u128 << drop.min(127)) - 1) != 0;
    if round_up {
        kept += 1;
    }
    let mut lsb_exp = e.saturating_add(drop);
    if kept == 1u64 << 53 {
        kept >>= 1;
        lsb_exp += 1;
    }
    if kept == 0 {
        return (0.0, i, true);
    }
    let value = if lsb_exp == -1074 && kept < (1u64 << 52) {
        f64::from_bits(kept)
    } else {
        let biased = lsb_exp + 52 + 1023;
        if biased >= 2047 {
            return (f64::INFINITY, i, true);
        }
        f64::from_bits(((biased as u64) << 52) | (kept & ((1u64 << 52) - 1)))
    };
    (value, i, inexact && value < f64::MIN_POSITIVE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Option<f64> {
        let r = strtod(s.as_bytes());
        let full = r.end == s.find('\0').unwrap_or(s.len());
        (full && !r.erange && !r.value.is_nan()).then_some(r.value)
    }

    /// Cases checked against SORT on Redis 7.0 (glibc 2.36).
    #[test]
    fn matches_glibc_on_sort_inputs() {
        assert_eq!(ok(" 12"), Some(12.0));
        assert_eq!(ok("\t5"), Some(5.0));
        assert_eq!(ok("\x0b6"), Some(6.0));
        assert_eq!(ok(""), Some(0.0));
        assert_eq!(ok("0x1A"), Some(26.0));
        assert_eq!(ok("1\0abc"), Some(1.0));
        assert_eq!(ok(".5"), Some(0.5));
        assert_eq!(ok("5."), Some(5.0));
        assert_eq!(ok("+3"), Some(3.0));
        assert_eq!(ok("0x.8"), Some(0.5));
        assert_eq!(ok("0X1P3"), Some(8.0));
        assert_eq!(ok("0x1p-1"), Some(0.5));
        assert_eq!(ok("-Infinity"), Some(f64::NEG_INFINITY));
        assert_eq!(ok("inf"), Some(f64::INFINITY));
        assert_eq!(ok("0e-400"), Some(0.0));
        assert_eq!(ok("2.2250738585072014e-308"), Some(f64::MIN_POSITIVE));
        assert_eq!(ok("0x1p-1074"), Some(f64::from_bits(1)));
        assert_eq!(ok("0x1.8p-1073"), Some(f64::from_bits(3)));
        assert_eq!(ok("0x1p-1022"), Some(f64::MIN_POSITIVE));
        for bad in [
            "12 ",
            "  ",
            "abc",
            "1e",
            "1e+",
            "0x",
            "0x1p",
            "nan",
            "nan(123)",
            "-nan",
            "infx",
            "infinit",
            "1e400",
            "-1e400",
            "0x1p2000",
            "1e-310",
            "4.9e-324",
            "1e-400",
            "1e-320",
            "2.2250738585072011e-308",
            "1_000",
        ] {
            assert_eq!(ok(bad), None, "{:?}", bad);
        }
    }

    #[test]
    fn hex_rounding() {
        assert_eq!(strtod(b"0x1.00000000000008p0").value, 1.0);
        assert_eq!(strtod(b"0x1.00000000000018p0").value, 1.0 + 2.0 * f64::EPSILON);
        assert_eq!(strtod(b"0x1.000000000000081p0").value, 1.0 + f64::EPSILON);
        assert_eq!(strtod(b"0x1fffffffffffffp0").value, 9007199254740991.0);
        assert_eq!(strtod(b"0x1.fffffffffffff8p1023").value, f64::INFINITY);
        assert!(strtod(b"0x1.fffffffffffff8p1023").erange);
        assert_eq!(strtod(b"0x1.fffffffffffffp1023").value, f64::MAX);
    }
}
