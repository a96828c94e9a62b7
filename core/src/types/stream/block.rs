//! One node of a stream: up to 100 entries packed in a byte buffer, like a Redis stream
//! listpack. The first entry's fields are the node's "master" fields; an entry with the
//! same fields stores only its values. Deleted entries stay, flagged, until the whole
//! node is empty (as in Redis).
//!
//! Layout: `nfields (varint), field*` then per entry: `flags (u8), ms - master.ms
//! (varint), seq (varint), [nfields (varint), field, value]* | value*`; each string is a
//! varint length and its bytes.

use super::id::StreamId;

/// Entry flag: deleted.
pub const FLAG_DELETED: u8 = 1;
/// Entry flag: same fields as the master entry (only values stored).
pub const FLAG_SAMEFIELDS: u8 = 2;

/// Largest listpack Redis builds (`STREAM_LISTPACK_MAX_SIZE`).
const LISTPACK_MAX_SIZE: usize = 1 << 30;

/// When a node is full: Redis's `stream-node-max-bytes` and `stream-node-max-entries`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeLimits {
    /// Bytes of the equivalent listpack (0: no limit but Redis's 1 GB).
    pub max_bytes: usize,
    /// Entries including deleted ones (0: no limit).
    pub max_entries: u32,
}

impl Default for NodeLimits {
    fn default() -> Self {
        NodeLimits { max_bytes: 4096, max_entries: 100 }
    }
}

#[inline]
fn put_var(buf: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        buf.push((v as u8) | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

#[inline]
fn get_var(buf: &[u8], pos: &mut usize) -> u64 {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let b = buf[*pos];
        *pos += 1;
        v |= ((b & 0x7f) as u64) << shift;
        if b < 0x80 {
            return v;
        }
        shift += 7;
    }
}

#[inline]
fn put_str(buf: &mut Vec<u8>, s: &[u8]) {
    put_var(buf, s.len() as u64);
    buf.extend_from_slice(s);
}

#[inline]
fn get_str<'a>(buf: &'a [u8], pos: &mut usize) -> &'a [u8] {
    let n = get_var(buf, pos) as usize;
    let s = &buf[*pos..*pos + n];
    *pos += n;
    s
}

/// Bytes of a listpack element's back-length for an encoding of `l` bytes.
fn lp_backlen(l: usize) -> usize {
    match l {
        0..=127 => 1,
        128..=16383 => 2,
        16384..=2097151 => 3,
        2097152..=268435455 => 4,
        _ => 5,
    }
}

/// Bytes a listpack integer element takes (encoding plus back-length).
pub fn lp_int_size(v: i64) -> usize {
    let enc = if (0..=127).contains(&v) {
        1
    } else if (-4096..=4095).contains(&v) {
        2
    } else if (i16::MIN as i64..=i16::MAX as i64).contains(&v) {
        3
    } else if (-8_388_608..=8_388_607).contains(&v) {
        4
    } else if (i32::MIN as i64..=i32::MAX as i64).contains(&v) {
        5
    } else {
        9
    };
    enc + lp_backlen(enc)
}

/// Bytes a listpack string element takes (stored as an integer when it is one).
pub fn lp_str_size(s: &[u8]) -> usize {
    if let Some(v) = crate::numfmt::parse_i64(s) {
        return lp_int_size(v);
    }
    let enc = match s.len() {
        0..=63 => 1 + s.len(),
        64..=4095 => 2 + s.len(),
        _ => 5 + s.len(),
    };
    enc + lp_backlen(enc)
}

/// A stream node.
#[derive(Clone, Debug)]
pub struct Block {
    data: Vec<u8>,
    /// Offset of the first entry.
    start: u32,
    /// Master field count.
    nmaster: u32,
    /// Live entries.
    pub live: u32,
    /// Entries including deleted ones.
    pub total: u32,
    /// Size of the equivalent Redis listpack (decides when a node is full, as in Redis).
    pub lp_bytes: u32,
    /// The last entry's ID (deleted or not).
    pub last: StreamId,
    /// Offset of the last entry.
    last_at: u32,
}

/// A decoded entry: its ID, flags and where it ends.
#[derive(Clone, Copy, Debug)]
pub struct EntryPos {
    /// The entry's ID.
    pub id: StreamId,
    /// Offset of the flags byte.
    pub at: usize,
    /// Offset after the entry.
    pub end: usize,
    /// Flag bits.
    pub flags: u8,
}

impl Block {
    /// A node whose master entry is `id` with the fields of `pairs` (flat field, value).
    pub fn new(id: StreamId, pairs: &[&[u8]]) -> Block {
        let fields: Vec<&[u8]> = pairs.chunks_exact(2).map(|p| p[0]).collect();
        let mut b = Block::with_master(id, &fields);
        b.push(id, id, pairs);
        b
    }

    /// A node with master fields `fields` and no entries yet (RDB loading pushes them);
    /// `id` is its key.
    pub fn with_master(id: StreamId, fields: &[&[u8]]) -> Block {
        let mut data = Vec::with_capacity(64);
        let n = fields.len();
        put_var(&mut data, n as u64);
        let mut lp = 7 + lp_int_size(1) + lp_int_size(0) + lp_int_size(n as i64) + lp_int_size(0);
        for f in fields {
            put_str(&mut data, f);
            lp += lp_str_size(f);
        }
        let start = data.len() as u32;
        Block { data, start, nmaster: n as u32, live: 0, total: 0, lp_bytes: lp as u32, last: id, last_at: 0 }
    }

    /// The master entry's fields.
    pub fn master_field_list(&self) -> Vec<&[u8]> {
        self.master_fields().collect()
    }

    /// Marks the entry pushed last deleted (RDB loading of a deleted entry).
    pub fn mark_last_deleted(&mut self) {
        self.mark_deleted(self.last_at as usize);
    }

    /// Whether Redis would open a new node before adding an entry of `pairs`.
    pub fn is_full_for(&self, pairs: &[&[u8]], limits: NodeLimits) -> bool {
        let tot: usize = pairs.iter().map(|p| p.len()).sum();
        let max_bytes = if limits.max_bytes == 0 || limits.max_bytes > LISTPACK_MAX_SIZE {
            LISTPACK_MAX_SIZE
        } else {
            limits.max_bytes
        };
        self.lp_bytes as usize + tot >= max_bytes || (limits.max_entries != 0 && self.total >= limits.max_entries)
    }

    /// Bytes of heap the node holds.
    pub fn heap(&self) -> usize {
        self.data.capacity()
    }

    /// Gives back spare capacity (when the node stops being the tail).
    pub fn shrink(&mut self) {
        self.data.shrink_to_fit();
    }

    fn master_fields(&self) -> impl Iterator<Item = &[u8]> {
        let mut pos = 0;
        let n = get_var(&self.data, &mut pos);
        (0..n).map(move |_| get_str(&self.data, &mut pos))
    }

    fn same_as_master(&self, pairs: &[&[u8]]) -> bool {
        pairs.len() / 2 == self.nmaster as usize
            && self.master_fields().zip(pairs.chunks_exact(2)).all(|(f, p)| f == p[0])
    }

    /// Appends entry `id` (greater than every ID in the node); `key` is the node's key.
    pub fn push(&mut self, key: StreamId, id: StreamId, pairs: &[&[u8]]) {
        let same = self.same_as_master(pairs);
        let n = pairs.len() / 2;
        self.last_at = self.data.len() as u32;
        self.data.push(if same { FLAG_SAMEFIELDS } else { 0 });
        put_var(&mut self.data, id.ms - key.ms);
        put_var(&mut self.data, id.seq);
        let mut lp = lp_int_size(if same { 2 } else { 0 })
            + lp_int_size((id.ms - key.ms) as i64)
            + lp_int_size(id.seq.wrapping_sub(key.seq) as i64);
        let mut lp_count = n + 3;
        if same {
            for p in pairs.chunks_exact(2) {
                put_str(&mut self.data, p[1]);
                lp += lp_str_size(p[1]);
            }
        } else {
            put_var(&mut self.data, n as u64);
            lp += lp_int_size(n as i64);
            lp_count += n + 1;
            for p in pairs.chunks_exact(2) {
                put_str(&mut self.data, p[0]);
                put_str(&mut self.data, p[1]);
                lp += lp_str_size(p[0]) + lp_str_size(p[1]);
            }
        }
        lp += lp_int_size(lp_count as i64);
        self.lp_bytes = self.lp_bytes.saturating_add(lp as u32);
        self.live += 1;
        self.total += 1;
        self.last = id;
    }

    /// Decodes the entry header at `at`; `fields`, when given, receives the flat field,
    /// value list.
    pub fn decode<'a>(&'a self, key: StreamId, at: usize, fields: Option<&mut Vec<&'a [u8]>>) -> EntryPos {
        let d = &self.data;
        let mut pos = at;
        let flags = d[pos];
        pos += 1;
        let ms = key.ms + get_var(d, &mut pos);
        let seq = get_var(d, &mut pos);
        let id = StreamId::new(ms, seq);
        if flags & FLAG_SAMEFIELDS != 0 {
            match fields {
                Some(out) => {
                    out.clear();
                    let mut mf = 0;
                    let nm = get_var(d, &mut mf);
                    for _ in 0..nm {
                        out.push(get_str(d, &mut mf));
                        out.push(get_str(d, &mut pos));
                    }
                }
                None => {
                    for _ in 0..self.nmaster {
                        let n = get_var(d, &mut pos) as usize;
                        pos += n;
                    }
                }
            }
        } else {
            let n = get_var(d, &mut pos);
            match fields {
                Some(out) => {
                    out.clear();
                    for _ in 0..n * 2 {
                        out.push(get_str(d, &mut pos));
                    }
                }
                None => {
                    for _ in 0..n * 2 {
                        let l = get_var(d, &mut pos) as usize;
                        pos += l;
                    }
                }
            }
        }
        EntryPos { id, at, end: pos, flags }
    }

    /// Whether the last entry is live (then [`Block::last`] is the last live ID).
    pub fn last_is_live(&self) -> bool {
        self.data[self.last_at as usize] & FLAG_DELETED == 0
    }

    /// Offset of the first entry.
    pub fn first_at(&self) -> usize {
        self.start as usize
    }

    /// Whether `at` is past the last entry.
    pub fn at_end(&self, at: usize) -> bool {
        at >= self.data.len()
    }

    /// Every entry position in order (deleted ones too).
    pub fn positions(&self, key: StreamId) -> Vec<EntryPos> {
        let mut out = Vec::with_capacity(self.total as usize);
        let mut at = self.first_at();
        while !self.at_end(at) {
            let e = self.decode(key, at, None);
            at = e.end;
            out.push(e);
        }
        out
    }

    /// Marks the entry at `at` deleted (it must be live).
    pub fn mark_deleted(&mut self, at: usize) {
        self.data[at] |= FLAG_DELETED;
        self.live -= 1;
    }
}
