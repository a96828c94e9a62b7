//! Redis 7.0's multi-part append-only file: the manifest (`<appendfilename>.manifest` in
//! `appenddirname`, lines `file <name> seq <n> type b|h|i`), the names of base and
//! incremental files, the RESP encoding of propagated operations and the parsing of a file
//! of commands back (with the truncation rules of `aof-load-truncated`).

use cinder_core::propagate::{Op, Target};
use cinder_core::resp::{quote_arg, split_args};

/// A file of the manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    /// File name inside the AOF folder.
    pub name: String,
    /// Sequence number.
    pub seq: u64,
    /// `b` base, `h` history, `i` incremental.
    pub kind: u8,
}

/// The manifest: at most one base, history files, incremental files in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Manifest {
    /// The base file.
    pub base: Option<Part>,
    /// Files replaced by a rewrite, to delete.
    pub history: Vec<Part>,
    /// Incremental files, oldest first.
    pub incr: Vec<Part>,
    /// Highest base sequence number used.
    pub base_seq: u64,
    /// Highest incremental sequence number used.
    pub incr_seq: u64,
}

impl Manifest {
    /// Parses a manifest's text; `Err((line number, line, reason))` as Redis reports it.
    pub fn parse(text: &[u8]) -> Result<Manifest, (usize, String, &'static str)> {
        let mut m = Manifest::default();
        if text.is_empty() {
            return Err((0, String::new(), "Found an empty AOF manifest"));
        }
        for (i, raw) in text.split_inclusive(|&b| b == b'\n').enumerate() {
            let n = i + 1;
            if raw.first() == Some(&b'#') {
                continue;
            }
            let shown = String::from_utf8_lossy(raw).trim().to_string();
            let bad = |why| Err((n, shown.clone(), why));
            // Redis reads lines with fgets into 1024 bytes: a longer line, or a last one
            // without its newline, is refused.
            if raw.last() != Some(&b'\n') || raw.len() > 1024 {
                return bad("The AOF manifest file contains too long line");
            }
            let line = raw.trim_ascii();
            if line.is_empty() {
                return bad("Invalid AOF manifest file format");
            }
            let Ok(argv) = split_args(line) else {
                return bad("Invalid AOF manifest file format");
            };
            if argv.len() < 6 || argv.len() % 2 == 1 {
                return bad("Invalid AOF manifest file format");
            }
            let (mut name, mut seq, mut kind) = (None, 0u64, 0u8);
            for kv in argv.chunks(2) {
                if kv[0].eq_ignore_ascii_case(b"file") {
                    if kv[1].contains(&b'/') || kv[1].contains(&b'\\') {
                        return bad("File can't be a path, just a filename");
                    }
                    name = Some(String::from_utf8_lossy(&kv[1]).into_owned());
                } else if kv[0].eq_ignore_ascii_case(b"seq") {
                    seq = atoll(&kv[1]);
                } else if kv[0].eq_ignore_ascii_case(b"type") {
                    kind = kv[1].first().copied().unwrap_or(0);
                }
            }
            let Some(name) = name.filter(|_| seq != 0 && kind != 0) else {
                return bad("Invalid AOF manifest file format");
            };
            let part = Part { name, seq, kind };
            match kind {
                b'b' => {
                    if m.base.is_some() {
                        return bad("Found duplicate base file information");
                    }
                    m.base_seq = seq;
                    m.base = Some(part);
                }
                b'h' => m.history.push(part),
                b'i' => {
                    if seq <= m.incr_seq {
                        return bad("Found a non-monotonic sequence number");
                    }
                    m.incr_seq = seq;
                    m.incr.push(part);
                }
                _ => return bad("Unknown AOF file type"),
            }
        }
        Ok(m)
    }

    /// The manifest's text: base, history, incremental files.
    pub fn format(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for p in self.base.iter().chain(&self.history).chain(&self.incr) {
            out.extend_from_slice(b"file ");
            let needs_quotes = p.name.bytes().any(|b| b <= b' ' || b == b'"' || b == b'\'' || b == b'\\' || b > 126);
            if needs_quotes {
                quote_arg(p.name.as_bytes(), &mut out);
            } else {
                out.extend_from_slice(p.name.as_bytes());
            }
            out.extend_from_slice(format!(" seq {} type {}\n", p.seq, p.kind as char).as_bytes());
        }
        out
    }

    /// Makes a new base named after `base_name` (`.base.rdb` with the RDB preamble, else
    /// `.base.aof`); the old base becomes history. Returns the new name.
    pub fn new_base(&mut self, base_name: &str, rdb: bool) -> String {
        if let Some(mut old) = self.base.take() {
            old.kind = b'h';
            self.history.insert(0, old);
        }
        self.base_seq += 1;
        let name = format!("{}.{}.base.{}", base_name, self.base_seq, if rdb { "rdb" } else { "aof" });
        self.base = Some(Part { name: name.clone(), seq: self.base_seq, kind: b'b' });
        name
    }

    /// Adds a new incremental file; returns its name.
    pub fn new_incr(&mut self, base_name: &str) -> String {
        self.incr_seq += 1;
        let name = format!("{}.{}.incr.aof", base_name, self.incr_seq);
        self.incr.push(Part { name: name.clone(), seq: self.incr_seq, kind: b'i' });
        name
    }

    /// After a rewrite: every incremental file but the last (`keep_last`: the one being
    /// written) becomes history.
    pub fn retire_incr(&mut self, keep_last: bool) {
        let keep = if keep_last { self.incr.pop() } else { None };
        for mut p in self.incr.drain(..).rev() {
            p.kind = b'h';
            self.history.insert(0, p);
        }
        self.incr.extend(keep);
    }
}

/// C's `atoll`: leading digits (after an optional sign), 0 when none.
fn atoll(s: &[u8]) -> u64 {
    let s = s.strip_prefix(b"+").unwrap_or(s);
    s.iter()
        .take_while(|b| b.is_ascii_digit())
        .fold(0u64, |n, d| n.saturating_mul(10).saturating_add((d - b'0') as u64))
}

/// Appends `argv` as a RESP multibulk command (Redis's `catAppendOnlyGenericCommand`): the
/// replication stream's encoding, one writer for both.
pub use cinder_core::repl::stream::encode_command;

/// The AOF encoder's state: the database the file's reader is in.
#[derive(Debug, Default)]
pub struct Encoder {
    /// Database selected by what was written (None: unknown, the next op writes SELECT).
    pub selected: Option<usize>,
}

impl Encoder {
    /// Appends `ops` (replica-only ones skipped), with a SELECT whenever the database
    /// changes (Redis's `feedAppendOnlyFile`).
    pub fn encode(&mut self, ops: &[Op], out: &mut Vec<u8>) {
        for op in ops {
            if op.target == Target::Replicas {
                continue;
            }
            if self.selected != Some(op.db) {
                let db = op.db.to_string();
                encode_command(out, &[&b"SELECT"[..], db.as_bytes()]);
                self.selected = Some(op.db);
            }
            encode_command(out, &op.argv);
        }
    }
}

/// What parsing a file of commands found.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    /// Every command is complete.
    Complete,
    /// The file ends inside a command (or a MULTI without EXEC): commands up to byte
    /// `valid` are whole.
    Truncated {
        /// Offset of the end of the last whole command (before an unfinished MULTI).
        valid: usize,
    },
    /// Not the AOF format.
    BadFormat,
}

/// Reads the commands of `bytes` (from `start`), calling `run` for each; `run` returns
/// `false` to stop with an error (the caller knows why). Skips `#` annotation lines.
/// Returns how the file ended, as Redis's `loadSingleAppendOnlyFile`.
pub fn parse_commands(bytes: &[u8], start: usize, mut run: impl FnMut(&[&[u8]]) -> bool) -> Result<Parsed, ()> {
    let mut pos = start;
    let mut valid = start;
    let mut valid_before_multi = start;
    let mut in_multi = false;
    let line = |pos: usize| -> Option<(&[u8], usize)> {
        let rest = &bytes[pos..];
        let nl = rest.iter().position(|&b| b == b'\n')?;
        Some((&rest[..nl], pos + nl + 1))
    };
    let mut argv: Vec<&[u8]> = Vec::new();
    loop {
        if pos >= bytes.len() {
            break;
        }
        let Some((l, next)) = line(pos) else {
            // A partial first line.
            return Ok(truncated(in_multi, valid, valid_before_multi));
        };
        if l.first() == Some(&b'#') {
            pos = next;
            valid = pos;
            continue;
        }
        if l.first() != Some(&b'*') {
            return Ok(Parsed::BadFormat);
        }
        let argc = atoll(trim_cr(&l[1..]));
        if argc < 1 {
            return Ok(Parsed::BadFormat);
        }
        pos = next;
        argv.clear();
        for _ in 0..argc {
            let Some((l, next)) = line(pos) else {
                return Ok(truncated(in_multi, valid, valid_before_multi));
            };
            if l.first() != Some(&b'$') {
                return Ok(Parsed::BadFormat);
            }
            let len = atoll(trim_cr(&l[1..])) as usize;
            pos = next;
            if bytes.len() - pos < len.saturating_add(2) {
                return Ok(truncated(in_multi, valid, valid_before_multi));
            }
            argv.push(&bytes[pos..pos + len]);
            pos += len + 2;
        }
        let name = argv[0];
        if name.eq_ignore_ascii_case(b"multi") {
            valid_before_multi = valid;
            in_multi = true;
        } else if name.eq_ignore_ascii_case(b"exec") {
            in_multi = false;
        }
        if !run(&argv) {
            return Err(());
        }
        valid = pos;
    }
    if in_multi {
        return Ok(Parsed::Truncated { valid: valid_before_multi });
    }
    Ok(Parsed::Complete)
}

fn truncated(in_multi: bool, valid: usize, valid_before_multi: usize) -> Parsed {
    Parsed::Truncated { valid: if in_multi { valid_before_multi } else { valid } }
}

fn trim_cr(s: &[u8]) -> &[u8] {
    s.strip_suffix(b"\r").unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_round_trip() {
        let text = b"file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.1.incr.aof seq 1 type h\n\
                     file appendonly.aof.2.incr.aof seq 2 type i\nfile appendonly.aof.3.incr.aof seq 3 type i\n";
        let m = Manifest::parse(text).unwrap();
        assert_eq!(m.base.as_ref().unwrap().name, "appendonly.aof.2.base.rdb");
        assert_eq!((m.base_seq, m.incr_seq, m.incr.len(), m.history.len()), (2, 3, 2, 1));
        assert_eq!(m.format(), text.to_vec());
        let mut m2 = m.clone();
        assert_eq!(m2.new_base("appendonly.aof", true), "appendonly.aof.3.base.rdb");
        assert_eq!(m2.new_incr("appendonly.aof"), "appendonly.aof.4.incr.aof");
        m2.retire_incr(true);
        assert_eq!(m2.incr.len(), 1);
        assert_eq!(m2.history.len(), 4);
    }

    #[test]
    fn manifest_errors() {
        assert_eq!(Manifest::parse(b"").unwrap_err().2, "Found an empty AOF manifest");
        assert_eq!(Manifest::parse(b"file a seq 1\n").unwrap_err().2, "Invalid AOF manifest file format");
        assert_eq!(Manifest::parse(b"file a/b seq 1 type b\n").unwrap_err().2, "File can't be a path, just a filename");
        assert_eq!(
            Manifest::parse(b"file a seq 2 type i\nfile b seq 1 type i\n").unwrap_err().2,
            "Found a non-monotonic sequence number"
        );
        assert_eq!(Manifest::parse(b"file a seq 1 type x\n").unwrap_err().2, "Unknown AOF file type");
        assert_eq!(
            Manifest::parse(b"file a seq 1 type b\nfile b seq 2 type b\n").unwrap_err().2,
            "Found duplicate base file information"
        );
    }

    #[test]
    fn encoding_selects_databases() {
        let mut e = Encoder::default();
        let mut out = Vec::new();
        let op = |db, args: &[&str]| Op::new(db, args.iter().map(|a| a.as_bytes().to_vec()).collect());
        e.encode(&[op(0, &["SET", "k", "v"]), op(0, &["DEL", "k"]), op(2, &["SET", "a", "b"])], &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n\
             *2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\nb\r\n"
        );
    }

    fn parse(bytes: &[u8]) -> (Parsed, Vec<String>) {
        let mut seen = Vec::new();
        let r = parse_commands(bytes, 0, |argv| {
            seen.push(argv.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect::<Vec<_>>().join(" "));
            true
        })
        .unwrap();
        (r, seen)
    }

    #[test]
    fn parsing_and_truncation() {
        let full = b"#TS:1\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n";
        assert_eq!(parse(full), (Parsed::Complete, vec!["SELECT 0".into(), "SET k v".into()]));
        let cut = &full[..full.len() - 3];
        assert_eq!(parse(cut), (Parsed::Truncated { valid: 30 }, vec!["SELECT 0".into()]));
        let multi = b"*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n";
        assert_eq!(parse(multi).0, Parsed::Truncated { valid: 0 });
        assert_eq!(parse(b"garbage\n").0, Parsed::BadFormat);
        assert_eq!(parse(b"*0\r\n").0, Parsed::BadFormat);
        assert_eq!(parse(b"").0, Parsed::Complete);
    }
}
