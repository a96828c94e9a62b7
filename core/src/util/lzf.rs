//! LZF compression exactly as Redis's bundled liblzf 3.6 (`lzf_c.c` with `HLOG 16`,
//! `VERY_FAST`), so compressed sizes (RDB, `DEBUG OBJECT serializedlength`) match Redis.

const HLOG: u32 = 16;
const HSIZE: usize = 1 << HLOG;
const MAX_LIT: usize = 1 << 5;
const MAX_OFF: usize = 1 << 13;
const MAX_REF: usize = (1 << 8) + (1 << 3);

#[inline]
fn frst(p: &[u8], i: usize) -> u32 {
    ((p[i] as u32) << 8) | p[i + 1] as u32
}

#[inline]
fn next(v: u32, p: &[u8], i: usize) -> u32 {
    (v << 8) | p[i + 2] as u32
}

#[inline]
fn idx(h: u32) -> usize {
    ((h >> (3 * 8 - HLOG)).wrapping_sub(h.wrapping_mul(5)) as usize) & (HSIZE - 1)
}

/// The hash table of [`compress`], kept between calls: clearing 64 Ki entries per string
/// cost more than compressing it. Each entry is stamped with the call's generation, so a
/// stale entry reads as empty, exactly as a fresh zeroed table.
struct Table {
    /// `generation << 32 | position + 1` (position + 1 = 0: empty).
    slots: Vec<u64>,
    generation: u32,
}

impl Table {
    #[inline]
    fn get(&self, slot: usize) -> u32 {
        let e = self.slots[slot];
        if (e >> 32) as u32 == self.generation {
            e as u32
        } else {
            0
        }
    }

    #[inline]
    fn set(&mut self, slot: usize, v: u32) {
        self.slots[slot] = (u64::from(self.generation) << 32) | u64::from(v);
    }
}

thread_local! {
    static TABLE: std::cell::RefCell<Table> = const { std::cell::RefCell::new(Table { slots: Vec::new(), generation: 0 }) };
}

/// Compresses `input` into at most `out_len` bytes; `None` when it does not fit (or
/// either length is zero), like `lzf_compress` returning 0.
pub fn compress(input: &[u8], out_len: usize) -> Option<Vec<u8>> {
    if input.is_empty() || out_len == 0 {
        return None;
    }
    TABLE.with(|t| {
        let mut t = t.borrow_mut();
        if t.slots.is_empty() {
            t.slots = vec![0; HSIZE];
        }
        t.generation = t.generation.wrapping_add(1);
        if t.generation == 0 {
            t.slots.fill(0);
            t.generation = 1;
        }
        compress_with(&mut t, input, out_len)
    })
}

fn compress_with(htab: &mut Table, input: &[u8], out_len: usize) -> Option<Vec<u8>> {
    let in_len = input.len();
    // Positions + 1 (0 = empty): liblzf leaves the table uninitialised and validates
    // candidates, which in practice never matches a stale entry.
    let mut out = vec![0u8; out_len];
    let mut op = 1usize; // start run: out[0] holds the literal count
    let mut lit = 0usize;
    let mut ip = 0usize;
    let in_end = in_len;
    if in_len < 3 {
        // The main loop never runs; only the literal tail below.
        return literal_tail(input, out, op, lit, ip, out_len);
    }
    let mut hval = frst(input, ip);
    while ip + 2 < in_end {
        hval = next(hval, input, ip);
        let slot = idx(hval);
        let candidate = htab.get(slot);
        htab.set(slot, ip as u32 + 1);
        let matched = candidate != 0 && {
            let r = candidate as usize - 1;
            r < ip
                && ip - r - 1 < MAX_OFF
                && r > 0
                && input[r + 2] == input[ip + 2]
                && input[r] == input[ip]
                && input[r + 1] == input[ip + 1]
        };
        if matched {
            let r = candidate as usize - 1;
            let off = ip - r - 1;
            let mut len = 2usize;
            let maxlen = (in_end - ip - len).min(MAX_REF);
            if op + 3 + 1 >= out_len && op - usize::from(lit == 0) + 3 + 1 >= out_len {
                return None;
            }
            out[op - lit - 1] = (lit as u8).wrapping_sub(1);
            op -= usize::from(lit == 0);
            let mut done = false;
            if maxlen > 16 {
                for _ in 0..16 {
                    len += 1;
                    if input[r + len] != input[ip + len] {
                        done = true;
                        break;
                    }
                }
            }
            if !done {
                loop {
                    len += 1;
                    if !(len < maxlen && input[r + len] == input[ip + len]) {
                        break;
                    }
                }
            }
            len -= 2;
            ip += 1;
            if len < 7 {
                out[op] = ((off >> 8) + (len << 5)) as u8;
                op += 1;
            } else {
                out[op] = ((off >> 8) + (7 << 5)) as u8;
                out[op + 1] = (len - 7) as u8;
                op += 2;
            }
            out[op] = off as u8;
            op += 1;
            lit = 0;
            op += 1; // start run
            ip += len + 1;
            if ip + 2 >= in_end {
                break;
            }
            ip -= 2;
            hval = frst(input, ip);
            hval = next(hval, input, ip);
            htab.set(idx(hval), ip as u32 + 1);
            ip += 1;
            hval = next(hval, input, ip);
            htab.set(idx(hval), ip as u32 + 1);
            ip += 1;
        } else {
            if op >= out_len {
                return None;
            }
            lit += 1;
            out[op] = input[ip];
            op += 1;
            ip += 1;
            if lit == MAX_LIT {
                out[op - lit - 1] = (lit - 1) as u8;
                lit = 0;
                op += 1;
            }
        }
    }
    literal_tail(input, out, op, lit, ip, out_len)
}

/// Copies the last literals and closes the run (the end of `lzf_compress`).
fn literal_tail(
    input: &[u8],
    mut out: Vec<u8>,
    mut op: usize,
    mut lit: usize,
    mut ip: usize,
    out_len: usize,
) -> Option<Vec<u8>> {
    if op + 3 > out_len {
        return None;
    }
    while ip < input.len() {
        lit += 1;
        // op < out_len holds: at most 3 literals remain and op + 3 <= out_len was checked.
        *out.get_mut(op)? = input[ip];
        op += 1;
        ip += 1;
        if lit == MAX_LIT {
            out[op - lit - 1] = (lit - 1) as u8;
            lit = 0;
            op += 1;
        }
    }
    out[op - lit - 1] = (lit as u8).wrapping_sub(1);
    op -= usize::from(lit == 0);
    out.truncate(op);
    Some(out)
}

/// Decompresses LZF data into exactly `out_len` bytes (`None` on corrupt input).
pub fn decompress(input: &[u8], out_len: usize) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(out_len);
    let mut ip = 0;
    while ip < input.len() {
        let ctrl = input[ip] as usize;
        ip += 1;
        if ctrl < 32 {
            let n = ctrl + 1;
            out.extend_from_slice(input.get(ip..ip + n)?);
            ip += n;
        } else {
            let mut len = ctrl >> 5;
            if len == 7 {
                len += *input.get(ip)? as usize;
                ip += 1;
            }
            let back = ((ctrl & 0x1f) << 8) + *input.get(ip)? as usize + 1;
            ip += 1;
            let start = out.len().checked_sub(back)?;
            for i in 0..len + 2 {
                let b = out[start + i];
                out.push(b);
            }
        }
        if out.len() > out_len {
            return None;
        }
    }
    (out.len() == out_len).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let mut rng = crate::rng::Rng::new(7);
        for n in [1usize, 2, 3, 4, 20, 21, 100, 1000, 70_000] {
            let data: Vec<u8> = (0..n).map(|i| if i % 7 < 4 { b'a' } else { (rng.next_u64() % 4) as u8 }).collect();
            if let Some(c) = compress(&data, n + n / 16 + 64) {
                assert_eq!(decompress(&c, n).as_deref(), Some(&data[..]), "n={}", n);
            }
        }
    }

    #[test]
    fn sizes_match_liblzf() {
        // 100 x 'x': Redis stores it in 13 bytes (1 type + 1 clen + 2 len + 9 data).
        assert_eq!(compress(&[b'x'; 100], 96).map(|c| c.len()), Some(9));
        assert_eq!(compress(b"abc", 10).map(|c| c.len()), Some(4));
        // Outputs of Debian's liblzf 3.6 (what redis-server links) for the same inputs.
        let hex = |s: &str| {
            (0..s.len() / 2).map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap()).collect::<Vec<u8>>()
        };
        for (input, expected) in [
            (
                "76616c75653a6b65793a68656c6c6f20776f726c642068656c6c6f20776f726c6420363730333176616c75653a3835373539",
                "1576616c75653a6b65793a68656c6c6f20776f726c6420e0030b053637303331766026043835373539",
            ),
            (
                "68656c6c6f20776f726c64206b65793a76616c75653a68656c6c6f20776f726c64206b65793a68656c6c6f20776f726c6420",
                "1668656c6c6f20776f726c64206b65793a76616c75653a68e00615e0010f016420",
            ),
        ] {
            let input = hex(input);
            assert_eq!(compress(&input, input.len() - 4), Some(hex(expected)));
        }
        assert_eq!(compress(b"abcdefghijklmnopqrstuvwxyz", 22), None);
    }
}
