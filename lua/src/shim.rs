//! The Rust half of the libc shim (see `libc/cinder_route.h`): the digits of doubles for the printf family,
//! `strtod` and the `strto*` integers, double-to-integer casts with x86-64's results, the maths functions (the
//! `libm` crate) on every target, and on wasm32 `malloc` & co over Rust's allocator.

#![allow(
    clippy::missing_safety_doc,
    clippy::unnecessary_cast,
    clippy::manual_range_contains,
    clippy::excessive_precision
)]

use std::ffi::{c_char, c_int, c_long, c_ulong};
use std::fmt::Write as _;

/// Writes the digits of `v` (finite, non-negative) for `%e %E %f %F %g %G` with precision `prec` and the `#` flag
/// into `out` (at most `cap` bytes); returns the length. Rust's formatting with a precision is exact (correctly
/// rounded), as glibc's printf is.
///
/// # Safety
/// `out` must point to `cap` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn cinder_fmt_double(
    v: f64,
    conv: c_char,
    prec: c_int,
    alt: c_int,
    out: *mut u8,
    cap: usize,
) -> usize {
    let s = fmt_double(v, conv as u8, prec.max(0) as usize, alt != 0);
    let n = s.len().min(cap);
    // SAFETY: the caller gives `cap` writable bytes at `out`; n <= cap.
    unsafe { std::ptr::copy_nonoverlapping(s.as_ptr(), out, n) };
    n
}

/// `%e`-style text of `v` with `prec` digits after the point: (mantissa, exponent).
fn exp_parts(v: f64, prec: usize) -> (String, i32) {
    let s = format!("{v:.prec$e}");
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    (m.to_string(), e.parse().unwrap_or(0))
}

fn push_exp(out: &mut String, e: i32, upper: bool) {
    out.push(if upper { 'E' } else { 'e' });
    out.push(if e < 0 { '-' } else { '+' });
    let _ = write!(out, "{:02}", e.unsigned_abs());
}

fn strip_zeros(s: &mut String) {
    if s.contains('.') {
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
    }
}

/// The body of a `%e/%f/%g` conversion of the non-negative finite `v`.
pub(crate) fn fmt_double(v: f64, conv: u8, prec: usize, alt: bool) -> String {
    if conv | 0x20 == b'g' && !alt && v.is_sign_positive() && v < 1e15 && v.fract() == 0.0 {
        // A whole number with at most `prec` digits (most numbers scripts print: ids,
        // counters, millisecond times) is its digits under %g; no exponent search.
        let n = v as u64;
        let digits = n.checked_ilog10().map_or(1, |d| d as usize + 1);
        if digits <= prec.max(1) {
            return n.to_string();
        }
    }
    let upper = conv.is_ascii_uppercase();
    match conv.to_ascii_lowercase() {
        b'f' => {
            let mut s = format!("{v:.prec$}");
            if alt && prec == 0 {
                s.push('.');
            }
            s
        }
        b'e' => {
            let (mut m, e) = exp_parts(v, prec);
            if alt && prec == 0 {
                m.push('.');
            }
            push_exp(&mut m, e, upper);
            m
        }
        _ => {
            let p = if prec == 0 { 1 } else { prec };
            let (_, x) = exp_parts(v, p - 1);
            if x < p as i32 && x >= -4 {
                let mut s = format!("{v:.*}", (p as i32 - 1 - x) as usize);
                if !alt {
                    strip_zeros(&mut s);
                } else if !s.contains('.') {
                    s.push('.');
                }
                s
            } else {
                let (mut m, e) = exp_parts(v, p - 1);
                if !alt {
                    strip_zeros(&mut m);
                } else if !m.contains('.') {
                    m.push('.');
                }
                push_exp(&mut m, e, upper);
                m
            }
        }
    }
}

fn is_space(c: u8) -> bool {
    c == b' ' || (b'\t'..=b'\r').contains(&c)
}

/// glibc's `strtod` on bytes: leading space, sign, `inf`/`infinity`/`nan[(...)]`, hex floats, decimals.
/// Returns the value and the number of bytes consumed (0: no conversion).
pub(crate) fn strtod_bytes(s: &[u8]) -> (f64, usize) {
    let mut i = 0;
    while i < s.len() && is_space(s[i]) {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        neg = s[i] == b'-';
        i += 1;
    }
    let sign = |v: f64| if neg { -v } else { v };
    let rest = &s[i..];
    let starts = |p: &[u8]| rest.len() >= p.len() && rest[..p.len()].eq_ignore_ascii_case(p);
    if starts(b"infinity") {
        return (sign(f64::INFINITY), i + 8);
    }
    if starts(b"inf") {
        return (sign(f64::INFINITY), i + 3);
    }
    if starts(b"nan") {
        let mut j = i + 3;
        if j < s.len() && s[j] == b'(' {
            let mut k = j + 1;
            while k < s.len() && (s[k].is_ascii_alphanumeric() || s[k] == b'_') {
                k += 1;
            }
            if k < s.len() && s[k] == b')' {
                j = k + 1;
            }
        }
        return (sign(f64::NAN), j);
    }
    if rest.len() >= 2 && rest[0] == b'0' && (rest[1] | 0x20) == b'x' {
        if let Some((v, n)) = hex_float(&rest[2..]) {
            return (sign(v), i + 2 + n);
        }
    }
    let start = i;
    let mut digits = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        i += 1;
        digits += 1;
    }
    if i < s.len() && s[i] == b'.' {
        i += 1;
        while i < s.len() && s[i].is_ascii_digit() {
            i += 1;
            digits += 1;
        }
    }
    if digits == 0 {
        return (0.0, 0);
    }
    if i < s.len() && (s[i] | 0x20) == b'e' {
        let mut j = i + 1;
        if j < s.len() && (s[j] == b'+' || s[j] == b'-') {
            j += 1;
        }
        if j < s.len() && s[j].is_ascii_digit() {
            while j < s.len() && s[j].is_ascii_digit() {
                j += 1;
            }
            i = j;
        }
    }
    let text = std::str::from_utf8(&s[start..i]).unwrap_or("0");
    let v: f64 = text.parse().unwrap_or(0.0);
    (sign(v), i)
}

/// A hex float body after `0x`: digits, optional point, optional `p` exponent. None when no hex digit.
fn hex_float(s: &[u8]) -> Option<(f64, usize)> {
    let mut i = 0;
    let mut mant: u64 = 0;
    let mut exp: i64 = 0;
    let mut any = false;
    let mut sticky = false;
    let mut seen_point = false;
    while i < s.len() {
        let c = s[i];
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            b'.' if !seen_point => {
                seen_point = true;
                i += 1;
                continue;
            }
            _ => break,
        };
        any = true;
        if mant >> 56 == 0 {
            mant = mant << 4 | d as u64;
            if seen_point {
                exp -= 4;
            }
        } else {
            sticky |= d != 0;
            if !seen_point {
                exp += 4;
            }
        }
        i += 1;
    }
    if !any {
        return None;
    }
    if i < s.len() && (s[i] | 0x20) == b'p' {
        let mut j = i + 1;
        let mut eneg = false;
        if j < s.len() && (s[j] == b'+' || s[j] == b'-') {
            eneg = s[j] == b'-';
            j += 1;
        }
        if j < s.len() && s[j].is_ascii_digit() {
            let mut e: i64 = 0;
            while j < s.len() && s[j].is_ascii_digit() {
                e = (e * 10 + (s[j] - b'0') as i64).min(100_000);
                j += 1;
            }
            exp += if eneg { -e } else { e };
            i = j;
        }
    }
    let m = (mant | sticky as u64) as f64;
    Some((libm::ldexp(m, exp.clamp(-100_000, 100_000) as i32), i))
}

/// # Safety
/// `s` must be a NUL-terminated string; `end` null or writable.
#[no_mangle]
pub unsafe extern "C" fn cinder_strtod(s: *const c_char, end: *mut *mut c_char) -> f64 {
    // SAFETY: NUL-terminated per the C contract.
    let bytes = unsafe { std::ffi::CStr::from_ptr(s) }.to_bytes();
    let (v, n) = strtod_bytes(bytes);
    if !end.is_null() {
        // SAFETY: `end` is writable; s + n stays inside the string.
        unsafe { *end = s.add(n) as *mut c_char };
    }
    v
}

/// C's strtoull core: (magnitude, negative, overflowed, consumed).
fn strto_int(s: &[u8], mut base: u32) -> (u64, bool, bool, usize) {
    let mut i = 0;
    while i < s.len() && is_space(s[i]) {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        neg = s[i] == b'-';
        i += 1;
    }
    let hex_prefix = i + 2 < s.len() + 1
        && i + 1 < s.len()
        && s[i] == b'0'
        && (s[i + 1] | 0x20) == b'x'
        && s.get(i + 2).is_some_and(|c| c.is_ascii_hexdigit());
    if (base == 0 || base == 16) && hex_prefix {
        base = 16;
        i += 2;
    } else if base == 0 {
        base = if i < s.len() && s[i] == b'0' { 8 } else { 10 };
    }
    if !(2..=36).contains(&base) {
        return (0, false, false, 0);
    }
    let start = i;
    let mut v: u64 = 0;
    let mut over = false;
    while i < s.len() {
        let d = match s[i] {
            c @ b'0'..=b'9' => (c - b'0') as u32,
            c @ b'a'..=b'z' => (c - b'a') as u32 + 10,
            c @ b'A'..=b'Z' => (c - b'A') as u32 + 10,
            _ => break,
        };
        if d >= base {
            break;
        }
        match v.checked_mul(base as u64).and_then(|x| x.checked_add(d as u64)) {
            Some(x) => v = x,
            None => over = true,
        }
        i += 1;
    }
    if i == start {
        return (0, false, false, 0);
    }
    (v, neg, over, i)
}

unsafe fn strto_common(s: *const c_char, end: *mut *mut c_char, base: c_int) -> (u64, bool, bool) {
    // SAFETY: NUL-terminated per the C contract.
    let bytes = unsafe { std::ffi::CStr::from_ptr(s) }.to_bytes();
    let (v, neg, over, n) = strto_int(bytes, base as u32);
    if !end.is_null() {
        // SAFETY: writable per the C contract; n within the string.
        unsafe { *end = s.add(n) as *mut c_char };
    }
    (v, neg, over)
}

/// # Safety
/// As C's `strtoull`.
#[no_mangle]
pub unsafe extern "C" fn cinder_strtoull(s: *const c_char, end: *mut *mut c_char, base: c_int) -> u64 {
    // SAFETY: forwarded contract.
    let (v, neg, over) = unsafe { strto_common(s, end, base) };
    if over {
        u64::MAX
    } else if neg {
        v.wrapping_neg()
    } else {
        v
    }
}

/// # Safety
/// As C's `strtoul`.
#[no_mangle]
pub unsafe extern "C" fn cinder_strtoul(s: *const c_char, end: *mut *mut c_char, base: c_int) -> c_ulong {
    // SAFETY: forwarded contract.
    let (v, neg, over) = unsafe { strto_common(s, end, base) };
    if over || v > c_ulong::MAX as u64 {
        c_ulong::MAX
    } else if neg {
        (v as c_ulong).wrapping_neg()
    } else {
        v as c_ulong
    }
}

/// # Safety
/// As C's `strtoll`.
#[no_mangle]
pub unsafe extern "C" fn cinder_strtoll(s: *const c_char, end: *mut *mut c_char, base: c_int) -> i64 {
    // SAFETY: forwarded contract.
    let (v, neg, over) = unsafe { strto_common(s, end, base) };
    if neg {
        if over || v > 1u64 << 63 {
            i64::MIN
        } else {
            (v as i64).wrapping_neg()
        }
    } else if over || v > i64::MAX as u64 {
        i64::MAX
    } else {
        v as i64
    }
}

/// # Safety
/// As C's `strtol`.
#[no_mangle]
pub unsafe extern "C" fn cinder_strtol(s: *const c_char, end: *mut *mut c_char, base: c_int) -> c_long {
    // SAFETY: forwarded contract.
    let v = unsafe { cinder_strtoll(s, end, base) };
    v.clamp(c_long::MIN as i64, c_long::MAX as i64) as c_long
}

/// `(int)d` as x86-64 computes it (cvttsd2si: NaN or out of range gives INT_MIN).
#[no_mangle]
pub extern "C" fn cinder_d2i(d: f64) -> c_int {
    let t = d.trunc();
    if t >= -2147483648.0 && t < 2147483648.0 {
        t as c_int
    } else {
        c_int::MIN
    }
}

/// `(long long)d` as x86-64 computes it (NaN or out of range gives LLONG_MIN).
#[no_mangle]
pub extern "C" fn cinder_d2ll(d: f64) -> i64 {
    d2ll(d)
}

/// `(long long)d` as x86-64 computes it (NaN or out of range gives i64::MIN).
pub(crate) fn d2ll(d: f64) -> i64 {
    let t = d.trunc();
    if t >= -9.223372036854775808e18 && t < 9.223372036854775808e18 {
        t as i64
    } else {
        i64::MIN
    }
}

/// `(unsigned long long)d` as gcc compiles it on x86-64.
#[no_mangle]
pub extern "C" fn cinder_d2ull(d: f64) -> u64 {
    if d >= 9.223372036854775808e18 {
        (d2ll(d - 9.223372036854775808e18) as u64) ^ (1 << 63)
    } else {
        d2ll(d) as u64
    }
}

macro_rules! math1 {
    ($($name:ident => $f:path),* $(,)?) => {$(
        #[doc = concat!("`", stringify!($name), "` of the C maths library (libm crate, same on every target).")]
        #[no_mangle]
        pub extern "C" fn $name(x: f64) -> f64 { $f(x) }
    )*};
}

math1!(
    cinder_floor => libm::floor, cinder_ceil => libm::ceil, cinder_fabs => libm::fabs, cinder_sqrt => libm::sqrt,
    cinder_sin => libm::sin, cinder_cos => libm::cos, cinder_tan => libm::tan, cinder_asin => libm::asin,
    cinder_acos => libm::acos, cinder_atan => libm::atan, cinder_sinh => libm::sinh, cinder_cosh => libm::cosh,
    cinder_tanh => libm::tanh, cinder_exp => libm::exp, cinder_log => libm::log, cinder_log10 => libm::log10,
    cinder_trunc => libm::trunc, cinder_round => libm::round,
);

/// C's `fmod` (libm crate).
#[no_mangle]
pub extern "C" fn cinder_fmod(x: f64, y: f64) -> f64 {
    libm::fmod(x, y)
}

/// C's `pow` (libm crate).
#[no_mangle]
pub extern "C" fn cinder_pow(x: f64, y: f64) -> f64 {
    libm::pow(x, y)
}

/// C's `atan2` (libm crate).
#[no_mangle]
pub extern "C" fn cinder_atan2(y: f64, x: f64) -> f64 {
    libm::atan2(y, x)
}

/// C's `ldexp` (libm crate).
#[no_mangle]
pub extern "C" fn cinder_ldexp(x: f64, e: c_int) -> f64 {
    libm::ldexp(x, e)
}

/// C's `frexp` (libm crate).
///
/// # Safety
/// `e` must be writable.
#[no_mangle]
pub unsafe extern "C" fn cinder_frexp(x: f64, e: *mut c_int) -> f64 {
    let (m, ex) = libm::frexp(x);
    // SAFETY: writable per the C contract.
    unsafe { *e = ex };
    m
}

/// C's `modf` (libm crate).
///
/// # Safety
/// `ip` must be writable.
#[no_mangle]
pub unsafe extern "C" fn cinder_modf(x: f64, ip: *mut f64) -> f64 {
    let (f, i) = libm::modf(x);
    // SAFETY: writable per the C contract.
    unsafe { *ip = i };
    f
}

/// malloc & co for the C code on wasm32 (a 16-byte header keeps the size for `free`/`realloc`).
#[cfg(target_arch = "wasm32")]
mod wasm_malloc {
    use std::alloc::{alloc, dealloc, realloc as re, Layout};
    const HDR: usize = 16;

    fn layout(n: usize) -> Option<Layout> {
        Layout::from_size_align(n.checked_add(HDR)?, 16).ok()
    }

    /// C `malloc`.
    #[no_mangle]
    pub extern "C" fn malloc(n: usize) -> *mut u8 {
        let Some(l) = layout(n) else { return std::ptr::null_mut() };
        // SAFETY: non-zero size layout.
        let p = unsafe { alloc(l) };
        if p.is_null() {
            return p;
        }
        // SAFETY: p has HDR + n bytes.
        unsafe {
            (p as *mut usize).write(n);
            p.add(HDR)
        }
    }

    /// C `calloc`.
    #[no_mangle]
    pub extern "C" fn calloc(n: usize, m: usize) -> *mut u8 {
        let Some(total) = n.checked_mul(m) else { return std::ptr::null_mut() };
        let p = malloc(total);
        if !p.is_null() {
            // SAFETY: p has `total` bytes.
            unsafe { std::ptr::write_bytes(p, 0, total) };
        }
        p
    }

    /// C `free`.
    ///
    /// # Safety
    /// `p` null or from this malloc.
    #[no_mangle]
    pub unsafe extern "C" fn free(p: *mut u8) {
        if p.is_null() {
            return;
        }
        // SAFETY: p came from malloc: the header holds the size.
        unsafe {
            let base = p.sub(HDR);
            let n = (base as *const usize).read();
            dealloc(base, layout(n).unwrap());
        }
    }

    /// C `realloc`.
    ///
    /// # Safety
    /// `p` null or from this malloc.
    #[no_mangle]
    pub unsafe extern "C" fn realloc(p: *mut u8, n: usize) -> *mut u8 {
        if p.is_null() {
            return malloc(n);
        }
        let Some(_) = layout(n) else { return std::ptr::null_mut() };
        // SAFETY: p came from malloc.
        unsafe {
            let base = p.sub(HDR);
            let old = (base as *const usize).read();
            let q = re(base, layout(old).unwrap(), n + HDR);
            if q.is_null() {
                return q;
            }
            (q as *mut usize).write(n);
            q.add(HDR)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_under_g_take_the_short_path_with_the_same_text() {
        for v in
            [0.0, 1.0, 9.0, 10.0, 99.0, 1e13, 99_999_999_999_999.0, 1e14, 1_700_000_000_123.0, 999_999_999_999_999.0]
        {
            for prec in [0, 1, 2, 6, 14, 17] {
                for conv in [b'g', b'G'] {
                    let got = fmt_double(v, conv, prec, false);
                    let want = general_g(v, conv, prec);
                    assert_eq!(got, want, "{v} %.{prec}{}", conv as char);
                }
            }
        }
    }

    /// %g through the general path (as before the whole-number short path).
    fn general_g(v: f64, conv: u8, prec: usize) -> String {
        let upper = conv.is_ascii_uppercase();
        let p = if prec == 0 { 1 } else { prec };
        let (_, x) = exp_parts(v, p - 1);
        if x < p as i32 && x >= -4 {
            let mut s = format!("{v:.*}", (p as i32 - 1 - x) as usize);
            strip_zeros(&mut s);
            s
        } else {
            let (mut m, e) = exp_parts(v, p - 1);
            strip_zeros(&mut m);
            push_exp(&mut m, e, upper);
            m
        }
    }

    #[test]
    fn formats_like_glibc() {
        assert_eq!(fmt_double(0.1, b'g', 14, false), "0.1");
        assert_eq!(fmt_double(100000000000000.0, b'g', 14, false), "1e+14");
        assert_eq!(fmt_double(12345678901234.0, b'g', 14, false), "12345678901234");
        assert_eq!(fmt_double(0.0001, b'g', 14, false), "0.0001");
        assert_eq!(fmt_double(0.00001, b'g', 14, false), "1e-05");
        assert_eq!(fmt_double(2.0 / 3.0, b'f', 3, false), "0.667");
        assert_eq!(fmt_double(0.1, b'g', 17, false), "0.10000000000000001");
        assert_eq!(fmt_double(1.5, b'e', 2, false), "1.50e+00");
        assert_eq!(fmt_double(1e100, b'E', 0, false), "1E+100");
        assert_eq!(fmt_double(3.0, b'g', 6, true), "3.00000");
    }

    #[test]
    fn parses_like_glibc() {
        assert_eq!(strtod_bytes(b" 12 "), (12.0, 3));
        assert_eq!(strtod_bytes(b"0x10"), (16.0, 4));
        assert_eq!(strtod_bytes(b"0x1p4"), (16.0, 5));
        assert_eq!(strtod_bytes(b"1e"), (1.0, 1));
        assert_eq!(strtod_bytes(b"-.5e1x"), (-5.0, 5));
        assert_eq!(strtod_bytes(b"abc"), (0.0, 0));
        assert_eq!(strtod_bytes(b"Infinity"), (f64::INFINITY, 8));
        assert!(strtod_bytes(b"nan").0.is_nan());
        assert_eq!(cinder_d2ll(1e20), i64::MIN);
        assert_eq!(cinder_d2ull(-1.0), u64::MAX);
        assert_eq!(cinder_d2i(-3.7), -3);
    }
}
