//! Script flags (`#!lua flags=...` for EVAL, `redis.register_function{flags=...}` for
//! functions) and the EVAL shebang parser, as Redis 7.0's `script.c` and `eval.c`.

use crate::resp::split_args_into;

/// `no-writes`: the script may not run write commands (implies `allow-oom`).
pub const NO_WRITES: u32 = 1 << 0;
/// `allow-oom`: the script may run when memory is over `maxmemory`.
pub const ALLOW_OOM: u32 = 1 << 1;
/// `allow-stale`: the script may run on a stale replica.
pub const ALLOW_STALE: u32 = 1 << 2;
/// `no-cluster`: the script may not run in cluster mode.
pub const NO_CLUSTER: u32 = 1 << 3;
/// `allow-cross-slot-keys`: the script may access keys of several slots.
pub const ALLOW_CROSS_SLOT: u32 = 1 << 4;
/// An EVAL script without a shebang: Redis 7.0's backwards-compatible mode (no flag
/// checks before the run; the command-level checks apply per call).
pub const EVAL_COMPAT_MODE: u32 = 1 << 5;

/// Flag names in Redis's order (`scripts_flags_def`): FUNCTION LIST prints them so.
pub const NAMES: [(u32, &str); 5] = [
    (NO_WRITES, "no-writes"),
    (ALLOW_OOM, "allow-oom"),
    (ALLOW_STALE, "allow-stale"),
    (NO_CLUSTER, "no-cluster"),
    (ALLOW_CROSS_SLOT, "allow-cross-slot-keys"),
];

/// The bit of a flag name (exact, case-sensitive, as Redis's `strcmp`).
pub fn flag_bit(name: &[u8]) -> Option<u32> {
    NAMES.iter().find(|(_, n)| n.as_bytes() == name).map(|(b, _)| *b)
}

/// The flag names of `flags`, in Redis's order.
pub fn flag_names(flags: u32) -> impl Iterator<Item = &'static str> {
    NAMES.into_iter().filter(move |(b, _)| flags & b != 0).map(|(_, n)| n)
}

/// What a shebang line holds: the flags and how many bytes of the body the line takes
/// (the line feed is kept so line numbers stay right).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shebang {
    /// Script flags ([`EVAL_COMPAT_MODE`] when the body has no shebang).
    pub flags: u32,
    /// Bytes of the shebang line, without its `\n` (0 without a shebang).
    pub len: usize,
}

/// Redis's `evalExtractShebangFlags`: the flags of an EVAL body's `#!lua flags=...` line,
/// or the error text (without its `ERR ` code).
pub fn eval_shebang(body: &[u8]) -> Result<Shebang, String> {
    if !body.starts_with(b"#!") {
        return Ok(Shebang { flags: EVAL_COMPAT_MODE, len: 0 });
    }
    // C string functions: the body ends at its first NUL byte.
    let cbody = &body[..body.iter().position(|&c| c == 0).unwrap_or(body.len())];
    let Some(end) = cbody.iter().position(|&c| c == b'\n') else {
        return Err("Invalid script shebang".into());
    };
    let (mut buf, mut spans) = (Vec::new(), Vec::new());
    if split_args_into(&cbody[..end], &mut buf, &mut spans).is_err() || spans.is_empty() {
        return Err("Invalid engine in script shebang".into());
    }
    let part = |i: usize| &buf[spans[i].clone()];
    if part(0) != b"#!lua" {
        return Err(format!("Unexpected engine in script shebang: {}", c_text(part(0))));
    }
    let mut flags = 0;
    for i in 1..spans.len() {
        let p = part(i);
        let Some(list) = p.strip_prefix(b"flags=") else {
            return Err(format!("Unknown lua shebang option: {}", c_text(p)));
        };
        if list.is_empty() {
            continue;
        }
        for name in list.split(|&c| c == b',') {
            match flag_bit(name) {
                Some(b) => flags |= b,
                None => return Err(format!("Unexpected flag in script shebang: {}", c_text(name))),
            }
        }
    }
    Ok(Shebang { flags, len: end })
}

/// Bytes as `%s` prints them: up to the first NUL.
pub(crate) fn c_text(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

/// What a function library's first line declares (`#!<engine> name=<library>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LibraryMeta {
    /// The engine name as written (`lua`; matched case-insensitively).
    pub engine: Vec<u8>,
    /// The library name.
    pub name: Vec<u8>,
    /// Bytes of the shebang line (the code handed to the engine starts at its `\n`).
    pub shebang_len: usize,
}

/// Redis's `functionExtractLibMetaData`: the engine and name of a library, or the error
/// text (without its `ERR ` code).
pub fn library_meta(code: &[u8]) -> Result<LibraryMeta, String> {
    if !code.starts_with(b"#!") {
        return Err("Missing library metadata".into());
    }
    let ccode = &code[..code.iter().position(|&c| c == 0).unwrap_or(code.len())];
    let Some(end) = ccode.iter().position(|&c| c == b'\n') else {
        return Err("Invalid library metadata".into());
    };
    let (mut buf, mut spans) = (Vec::new(), Vec::new());
    if split_args_into(&ccode[..end], &mut buf, &mut spans).is_err() || spans.is_empty() {
        return Err("Invalid library metadata".into());
    }
    let part = |i: usize| &buf[spans[i].clone()];
    let engine = part(0).get(2..).unwrap_or_default().to_vec();
    let mut name: Option<Vec<u8>> = None;
    for i in 1..spans.len() {
        let p = part(i);
        if p.len() >= 5 && p[..5].eq_ignore_ascii_case(b"name=") {
            if name.is_some() {
                return Err("Invalid metadata value, name argument was given multiple times".into());
            }
            name = Some(p[5..].to_vec());
            continue;
        }
        return Err(format!("Invalid metadata value given: {}", c_text(p)));
    }
    let Some(name) = name else {
        return Err("Library name was not given".into());
    };
    Ok(LibraryMeta { engine, name, shebang_len: end })
}

/// Redis's `functionsVerifyName`: letters, digits and underscores, at least one.
pub fn valid_name(name: &[u8]) -> bool {
    !name.is_empty() && name.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eval_shebangs() {
        assert_eq!(eval_shebang(b"return 1"), Ok(Shebang { flags: EVAL_COMPAT_MODE, len: 0 }));
        assert_eq!(eval_shebang(b"#!lua\nreturn 1"), Ok(Shebang { flags: 0, len: 5 }));
        assert_eq!(
            eval_shebang(b"#!lua flags=no-writes,allow-oom\nreturn 1"),
            Ok(Shebang { flags: NO_WRITES | ALLOW_OOM, len: 31 })
        );
        assert_eq!(eval_shebang(b"#!lua flags=\nx").map(|s| s.flags), Ok(0));
        assert_eq!(eval_shebang(b"#!lua"), Err("Invalid script shebang".into()));
        assert_eq!(eval_shebang(b"#!luax\n"), Err("Unexpected engine in script shebang: #!luax".into()));
        assert_eq!(eval_shebang(b"#!lua foo=bar\n"), Err("Unknown lua shebang option: foo=bar".into()));
        assert_eq!(eval_shebang(b"#!lua flags=no-writes,\n"), Err("Unexpected flag in script shebang: ".into()));
        assert_eq!(eval_shebang(b"#!\"\n"), Err("Invalid engine in script shebang".into()));
    }

    #[test]
    fn library_metadata() {
        let m = library_meta(b"#!lua name=mylib\nredis.register_function('f', function() end)").unwrap();
        assert_eq!((m.engine.as_slice(), m.name.as_slice(), m.shebang_len), (&b"lua"[..], &b"mylib"[..], 16));
        assert_eq!(library_meta(b"return 1"), Err("Missing library metadata".into()));
        assert_eq!(library_meta(b"#!lua name=x"), Err("Invalid library metadata".into()));
        assert_eq!(library_meta(b"#!lua\n"), Err("Library name was not given".into()));
        assert_eq!(library_meta(b"#!lua foo=1\n"), Err("Invalid metadata value given: foo=1".into()));
        assert_eq!(
            library_meta(b"#!lua name=a NAME=b\n"),
            Err("Invalid metadata value, name argument was given multiple times".into())
        );
        assert!(valid_name(b"a_1") && !valid_name(b"") && !valid_name(b"a-b"));
        assert_eq!(flag_names(NO_WRITES | NO_CLUSTER).collect::<Vec<_>>(), ["no-writes", "no-cluster"]);
    }
}
