//! The tagged binary format values cross the C boundary in (both directions; `csrc/cinder_vm.c` reads and writes
//! the same tags): `n` nil, `N` nil array, `i` i64, `b` bulk, `s` status, `e` error, `a` array, `m` map, `S` set,
//! `t`/`f` booleans, `d` double (bits), `B` big number, `v` verbatim (3-byte format). Lengths and counts are u32
//! little-endian, integers and doubles 8 bytes little-endian.

use crate::Value;

/// Appends `v` to `out`.
pub(crate) fn encode(v: &Value, out: &mut Vec<u8>) {
    fn bytes(out: &mut Vec<u8>, tag: u8, b: &[u8]) {
        out.push(tag);
        out.extend_from_slice(&(b.len() as u32).to_le_bytes());
        out.extend_from_slice(b);
    }
    match v {
        Value::Nil => out.push(b'n'),
        Value::NilArray => out.push(b'N'),
        Value::Int(i) => {
            out.push(b'i');
            out.extend_from_slice(&i.to_le_bytes());
        }
        Value::Bulk(b) => bytes(out, b'b', b),
        Value::Status(b) => bytes(out, b's', b),
        Value::Error(b) => bytes(out, b'e', b),
        Value::Array(items) | Value::Set(items) => {
            out.push(if matches!(v, Value::Set(_)) { b'S' } else { b'a' });
            out.extend_from_slice(&(items.len() as u32).to_le_bytes());
            for item in items {
                encode(item, out);
            }
        }
        Value::Map(pairs) => {
            out.push(b'm');
            out.extend_from_slice(&(pairs.len() as u32).to_le_bytes());
            for (k, v) in pairs {
                encode(k, out);
                encode(v, out);
            }
        }
        Value::Bool(b) => out.push(if *b { b't' } else { b'f' }),
        Value::Double(d) => {
            out.push(b'd');
            out.extend_from_slice(&d.to_bits().to_le_bytes());
        }
        Value::BigNumber(b) => bytes(out, b'B', b),
        Value::Verbatim(f, b) => {
            out.push(b'v');
            out.extend_from_slice(f);
            out.extend_from_slice(&(b.len() as u32).to_le_bytes());
            out.extend_from_slice(b);
        }
    }
}

/// Writes replies in this format straight from a host's own reply type, without building
/// [`Value`]s (see [`crate::Host::call_wire`]). Each method appends one value; `array(n)`
/// must be followed by its `n` elements.
pub struct Wire<'a>(pub(crate) &'a mut Vec<u8>);

impl Wire<'_> {
    /// A writer appending to `out`.
    pub fn new(out: &mut Vec<u8>) -> Wire<'_> {
        Wire(out)
    }

    fn bytes(&mut self, tag: u8, b: &[u8]) {
        self.0.push(tag);
        self.0.extend_from_slice(&(b.len() as u32).to_le_bytes());
        self.0.extend_from_slice(b);
    }

    /// `Value::Nil`.
    pub fn nil(&mut self) {
        self.0.push(b'n');
    }

    /// `Value::NilArray`.
    pub fn nil_array(&mut self) {
        self.0.push(b'N');
    }

    /// `Value::Int`.
    pub fn int(&mut self, i: i64) {
        self.0.push(b'i');
        self.0.extend_from_slice(&i.to_le_bytes());
    }

    /// `Value::Bulk`.
    pub fn bulk(&mut self, b: &[u8]) {
        self.bytes(b'b', b);
    }

    /// `Value::Status`.
    pub fn status(&mut self, b: &[u8]) {
        self.bytes(b's', b);
    }

    /// `Value::Error` (the full text, code included).
    pub fn error(&mut self, b: &[u8]) {
        self.bytes(b'e', b);
    }

    /// The header of a `Value::Array` of `n` elements.
    pub fn array(&mut self, n: usize) {
        self.0.push(b'a');
        self.0.extend_from_slice(&(n as u32).to_le_bytes());
    }

    /// Any value.
    pub fn value(&mut self, v: &Value) {
        encode(v, self.0);
    }

    /// Bytes written so far (to undo a partial value with [`Wire::truncate`]).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether nothing was written yet.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Drops everything written after `len`.
    pub fn truncate(&mut self, len: usize) {
        self.0.truncate(len);
    }
}

/// Reads one value from `data` at `*pos`. Malformed input (never produced by the C side) gives `Nil`.
pub(crate) fn decode(data: &[u8], pos: &mut usize) -> Value {
    fn take<'a>(data: &'a [u8], pos: &mut usize, n: usize) -> &'a [u8] {
        let end = (*pos + n).min(data.len());
        let s = &data[(*pos).min(end)..end];
        *pos = end;
        s
    }
    fn u32_at(data: &[u8], pos: &mut usize) -> usize {
        let b = take(data, pos, 4);
        if b.len() < 4 {
            return 0;
        }
        u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize
    }
    fn u64_at(data: &[u8], pos: &mut usize) -> u64 {
        let b = take(data, pos, 8);
        let mut a = [0u8; 8];
        a[..b.len()].copy_from_slice(b);
        u64::from_le_bytes(a)
    }
    let Some(&tag) = data.get(*pos) else { return Value::Nil };
    *pos += 1;
    match tag {
        b'n' => Value::Nil,
        b'N' => Value::NilArray,
        b'i' => Value::Int(u64_at(data, pos) as i64),
        b'b' | b's' | b'e' | b'B' => {
            let n = u32_at(data, pos);
            let b = take(data, pos, n).to_vec();
            match tag {
                b'b' => Value::Bulk(b),
                b's' => Value::Status(b),
                b'e' => Value::Error(b),
                _ => Value::BigNumber(b),
            }
        }
        b'a' | b'S' => {
            let n = u32_at(data, pos);
            let mut items = Vec::with_capacity(n.min(1 << 16));
            for _ in 0..n {
                if *pos >= data.len() {
                    break;
                }
                items.push(decode(data, pos));
            }
            if tag == b'S' {
                Value::Set(items)
            } else {
                Value::Array(items)
            }
        }
        b'm' => {
            let n = u32_at(data, pos);
            let mut pairs = Vec::with_capacity(n.min(1 << 16));
            for _ in 0..n {
                if *pos >= data.len() {
                    break;
                }
                let k = decode(data, pos);
                let v = decode(data, pos);
                pairs.push((k, v));
            }
            Value::Map(pairs)
        }
        b't' => Value::Bool(true),
        b'f' => Value::Bool(false),
        b'd' => Value::Double(f64::from_bits(u64_at(data, pos))),
        b'v' => {
            let f = take(data, pos, 3);
            let mut fmt = [b' '; 3];
            fmt[..f.len()].copy_from_slice(f);
            let n = u32_at(data, pos);
            Value::Verbatim(fmt, take(data, pos, n).to_vec())
        }
        _ => Value::Nil,
    }
}
