//! The RESP encoding of the replication stream (and of the AOF): `*N` then `$len` bulk
//! strings.

/// Appends `argv` as a RESP array of bulk strings.
pub fn encode_command<A: AsRef<[u8]>>(out: &mut Vec<u8>, argv: &[A]) {
    out.push(b'*');
    out.extend_from_slice(argv.len().to_string().as_bytes());
    out.extend_from_slice(b"\r\n");
    for a in argv {
        let a = a.as_ref();
        out.push(b'$');
        out.extend_from_slice(a.len().to_string().as_bytes());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn encodes_bulk_arrays() {
        let mut v = Vec::new();
        super::encode_command(&mut v, &[&b"PING"[..]]);
        super::encode_command(&mut v, &[b"A".to_vec(), Vec::new()]);
        assert_eq!(v, b"*1\r\n$4\r\nPING\r\n*2\r\n$1\r\nA\r\n$0\r\n\r\n");
    }
}
