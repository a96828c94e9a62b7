//! FUNCTION DUMP / RESTORE payloads, byte for byte as Redis 7.0 writes them: for each
//! library `RDB_OPCODE_FUNCTION2` (245) and its code as an RDB string, then the RDB
//! version (10, two bytes little-endian) and the CRC-64 of everything before it (eight
//! bytes little-endian). Strings are read and written by the RDB code's own encoder
//! and reader (`crate::rdb::enc`).

use crate::rdb::crc64::crc64;
use crate::rdb::enc::Reader;

/// `RDB_OPCODE_FUNCTION2`: a library (its code, shebang included).
pub const OPCODE_FUNCTION2: u8 = 245;
/// `RDB_OPCODE_FUNCTION`: a library in the format of 7.0 release candidates (name,
/// engine, optional description, code).
pub const OPCODE_FUNCTION: u8 = 246;
/// `RDB_VERSION` of Redis 7.0.
pub const RDB_VERSION: u16 = 10;

/// Appends `s` as Redis's `rdbSaveRawString` does with `rdbcompression yes` (the RDB
/// writer's own encoder).
pub fn save_string(out: &mut Vec<u8>, s: &[u8]) {
    crate::rdb::enc::put_string(out, s, true);
}

/// A string in any of its encodings (`rdbGenericLoadStringObject`, the RDB loader's own
/// reader), or `what` as the error.
fn string(r: &mut Reader, what: &str) -> Result<Vec<u8>, String> {
    r.string().map(|s| s.into_owned()).map_err(|_| what.into())
}

/// FUNCTION DUMP's payload for libraries with these codes.
pub fn dump<'a>(codes: impl Iterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    for code in codes {
        out.push(OPCODE_FUNCTION2);
        save_string(&mut out, code);
    }
    out.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = crc64(0, &out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// Redis's `verifyDumpPayload`: the footer's RDB version is not newer than ours and the
/// CRC-64 matches.
pub fn verify(payload: &[u8]) -> bool {
    if payload.len() < 10 {
        return false;
    }
    let footer = &payload[payload.len() - 10..];
    let ver = u16::from_le_bytes([footer[0], footer[1]]);
    if ver > RDB_VERSION {
        return false;
    }
    let crc = crc64(0, &payload[..payload.len() - 8]);
    crc.to_le_bytes() == footer[2..]
}

/// The library codes of a verified payload, in order, or FUNCTION RESTORE's error text
/// (without its `ERR ` code). Old-format libraries get their shebang rebuilt as Redis
/// does (`#!<engine> name=<name>\n<code>`).
pub fn libraries(payload: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut r = Reader::new(payload);
    let mut codes = Vec::new();
    while payload.len() - r.pos() > 10 {
        let Ok(t) = r.u8() else {
            return Err("can not read data type".into());
        };
        match t {
            OPCODE_FUNCTION2 => codes.push(string(&mut r, "Failed loading library payload")?),
            OPCODE_FUNCTION => {
                let name = string(&mut r, "Failed loading library name")?;
                let engine = string(&mut r, "Failed loading engine name")?;
                let has_desc = r.length().map_err(|_| "Failed loading library description indicator")?;
                if has_desc != 0 {
                    string(&mut r, "Failed loading library description")?;
                }
                let blob = string(&mut r, "Failed loading library blob")?;
                let mut code = b"#!".to_vec();
                code.extend_from_slice(&engine);
                code.extend_from_slice(b" name=");
                code.extend_from_slice(&name);
                code.push(b'\n');
                code.extend_from_slice(&blob);
                codes.push(code);
            }
            _ => return Err("given type is not a function".into()),
        }
    }
    Ok(codes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_round_trip_in_every_encoding() {
        let long = b"#!lua name=lib\nredis.register_function('f', function() return 1 end)".repeat(3);
        for s in [&b""[..], b"12", b"-300", b"70000", b"012", b"hello", &[b'a'; 100], &long, &[7u8; 20000]] {
            let mut out = Vec::new();
            save_string(&mut out, s);
            let mut r = Reader::new(&out);
            assert_eq!(r.string().ok().as_deref(), Some(s), "{:?}", s);
            assert_eq!(r.pos(), out.len());
        }
        let mut out = Vec::new();
        save_string(&mut out, b"-300");
        assert_eq!(out, [0xC1, 0xD4, 0xFE]);
    }

    #[test]
    fn dumps_verify_and_load_back() {
        let a = b"#!lua name=a\nredis.register_function('fa', function() return 1 end)";
        let p = dump([&a[..], b"#!lua name=b\n"].into_iter());
        assert!(verify(&p));
        assert_eq!(libraries(&p).unwrap(), vec![a.to_vec(), b"#!lua name=b\n".to_vec()]);
        let mut bad = p.clone();
        bad[3] ^= 1;
        assert!(!verify(&bad));
        assert!(!verify(b"short"));
        // A payload of something else.
        let mut other = vec![0u8, 1, b'x'];
        other.extend_from_slice(&RDB_VERSION.to_le_bytes());
        let crc = crc64(0, &other);
        other.extend_from_slice(&crc.to_le_bytes());
        assert_eq!(libraries(&other), Err("given type is not a function".into()));
    }
}
