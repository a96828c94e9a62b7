//! Streams in RDB (`RDB_TYPE_STREAM_LISTPACKS` and `_2`): each node as Redis's stream
//! listpack (master entry, then delta-encoded entries), the stream's metadata, and the
//! consumer groups with their PELs and consumers.

use std::collections::BTreeMap;

use super::enc::{put_len, put_ms, put_string, Reader};
use super::listpack::{self, LpEntry, LpWriter};
use super::RdbError;
use crate::bytes::SBytes;
use crate::types::stream::{Block, Stream, StreamId, FLAG_DELETED, FLAG_SAMEFIELDS};

fn id_bytes(id: StreamId) -> [u8; 16] {
    let mut k = [0u8; 16];
    k[..8].copy_from_slice(&id.ms.to_be_bytes());
    k[8..].copy_from_slice(&id.seq.to_be_bytes());
    k
}

fn id_from(b: &[u8]) -> StreamId {
    let mut ms = [0u8; 8];
    let mut seq = [0u8; 8];
    ms.copy_from_slice(&b[..8]);
    seq.copy_from_slice(&b[8..16]);
    StreamId::new(u64::from_be_bytes(ms), u64::from_be_bytes(seq))
}

/// The Redis listpack of one node.
fn node_listpack(key: StreamId, b: &Block) -> Vec<u8> {
    let master = b.master_field_list();
    let mut w = LpWriter::new();
    w.int(b.live as i64);
    w.int((b.total - b.live) as i64);
    w.int(master.len() as i64);
    for f in &master {
        w.str(f);
    }
    w.int(0);
    let mut fields = Vec::new();
    let mut at = b.first_at();
    while !b.at_end(at) {
        let e = b.decode(key, at, Some(&mut fields));
        at = e.end;
        let n = fields.len() / 2;
        w.int(e.flags as i64);
        w.int(e.id.ms.wrapping_sub(key.ms) as i64);
        w.int(e.id.seq.wrapping_sub(key.seq) as i64);
        if e.flags & FLAG_SAMEFIELDS != 0 {
            for p in fields.chunks_exact(2) {
                w.str(p[1]);
            }
            w.int(n as i64 + 3);
        } else {
            w.int(n as i64);
            for f in &fields {
                w.str(f);
            }
            w.int(2 * n as i64 + 4);
        }
    }
    w.finish()
}

/// Writes a stream's body (`RDB_TYPE_STREAM_LISTPACKS_2`).
pub fn write_stream(out: &mut Vec<u8>, s: &Stream, compress: bool) {
    put_len(out, s.entries.node_count() as u64);
    for (key, b) in s.entries.nodes() {
        put_string(out, &id_bytes(*key), compress);
        put_string(out, &node_listpack(*key, b), compress);
    }
    put_len(out, s.len());
    put_len(out, s.last_id.ms);
    put_len(out, s.last_id.seq);
    put_len(out, s.first_id.ms);
    put_len(out, s.first_id.seq);
    put_len(out, s.max_deleted_id.ms);
    put_len(out, s.max_deleted_id.seq);
    put_len(out, s.entries_added);
    let mut groups: Vec<_> = s.groups().iter().collect();
    groups.sort_by(|a, b| a.0.as_slice().cmp(b.0.as_slice()));
    put_len(out, groups.len() as u64);
    for (name, g) in groups {
        put_string(out, name.as_slice(), compress);
        put_len(out, g.last_id.ms);
        put_len(out, g.last_id.seq);
        put_len(out, g.entries_read as u64);
        put_len(out, g.pel().len() as u64);
        for (id, nack) in g.pel() {
            out.extend_from_slice(&id_bytes(*id));
            put_ms(out, nack.delivery_time);
            put_len(out, nack.delivery_count);
        }
        put_len(out, g.consumers().len() as u64);
        for (cname, c) in g.consumers() {
            put_string(out, cname.as_slice(), compress);
            put_ms(out, c.seen_time);
            put_len(out, c.pel.len() as u64);
            for id in &c.pel {
                out.extend_from_slice(&id_bytes(*id));
            }
        }
    }
}

fn bad(msg: &str) -> RdbError {
    RdbError::corrupt(msg.into())
}

/// Rebuilds one node from its listpack (`streamValidateListpackIntegrity`, deep).
fn node_from_listpack(key: StreamId, lp: &[u8], after: Option<StreamId>) -> Result<Block, RdbError> {
    let err = || bad("Stream listpack integrity check failed.");
    let items = listpack::parse(lp)?;
    if items.is_empty() {
        return Err(bad("Empty listpack inside stream"));
    }
    let mut it = items.into_iter();
    let int = |it: &mut std::vec::IntoIter<LpEntry>| it.next().and_then(|e| e.as_int()).ok_or_else(err);
    let count = int(&mut it)?;
    let deleted = int(&mut it)?;
    let nmaster = int(&mut it)?;
    if count < 0 || deleted < 0 || nmaster < 0 || nmaster as usize > lp.len() {
        return Err(err());
    }
    let mut master = Vec::with_capacity(nmaster as usize);
    for _ in 0..nmaster {
        master.push(it.next().ok_or_else(err)?.to_vec());
    }
    if int(&mut it)? != 0 {
        return Err(err());
    }
    let mref: Vec<&[u8]> = master.iter().map(|m| m.as_slice()).collect();
    let mut block = Block::with_master(key, &mref);
    let mut prev = after;
    let mut pairs: Vec<Vec<u8>> = Vec::new();
    let (mut live, mut dead) = (0i64, 0i64);
    while it.len() > 0 {
        let flags = int(&mut it)?;
        if !(0..=3).contains(&flags) {
            return Err(err());
        }
        let ms = key.ms.checked_add(int(&mut it)? as u64).ok_or_else(err)?;
        let seq = key.seq.wrapping_add(int(&mut it)? as u64);
        let id = StreamId::new(ms, seq);
        if id < key || prev.is_some_and(|p| id <= p) {
            return Err(err());
        }
        prev = Some(id);
        pairs.clear();
        let n = if flags as u8 & FLAG_SAMEFIELDS != 0 {
            for f in &master {
                pairs.push(f.clone());
                pairs.push(it.next().ok_or_else(err)?.to_vec());
            }
            master.len()
        } else {
            let n = int(&mut it)?;
            if n < 0 || n as usize > it.len() {
                return Err(err());
            }
            for _ in 0..2 * n {
                pairs.push(it.next().ok_or_else(err)?.to_vec());
            }
            n as usize
        };
        let lp_count = int(&mut it)?;
        let want = if flags as u8 & FLAG_SAMEFIELDS != 0 { n + 3 } else { 2 * n + 4 };
        if lp_count != want as i64 {
            return Err(err());
        }
        let refs: Vec<&[u8]> = pairs.iter().map(|p| p.as_slice()).collect();
        block.push(key, id, &refs);
        if flags as u8 & FLAG_DELETED != 0 {
            block.mark_last_deleted();
            dead += 1;
        } else {
            live += 1;
        }
    }
    // Redis drops a node once its last live entry goes: a node of deleted entries only
    // is corrupt.
    if live != count || dead != deleted || live == 0 {
        return Err(err());
    }
    block.lp_bytes = lp.len().min(u32::MAX as usize) as u32;
    Ok(block)
}

/// Reads a stream's body (`v2`: with first ID, max deleted ID, entries added and group
/// read counters; `v1`: those estimated as Redis does).
pub fn read_stream(r: &mut Reader, v2: bool) -> Result<Stream, RdbError> {
    let mut s = Stream::new();
    let nodes = r.count(2)?;
    for _ in 0..nodes {
        let key = r.string()?;
        if key.len() != 16 {
            return Err(bad("Stream node key entry is not the size of a stream ID"));
        }
        let key = id_from(&key);
        let lp = r.string()?;
        let after = s.entries.last_entry_id();
        if after.is_some_and(|a| key <= a) {
            return Err(bad("Listpack re-added with existing key"));
        }
        let block = node_from_listpack(key, &lp, after)?;
        s.entries.push_node(key, block);
    }
    let length = r.length()?;
    s.last_id = StreamId::new(r.length()?, r.length()?);
    if v2 {
        s.first_id = StreamId::new(r.length()?, r.length()?);
        s.max_deleted_id = StreamId::new(r.length()?, r.length()?);
        s.entries_added = r.length()?;
        if s.entries_added > i64::MAX as u64 {
            return Err(bad("Stream entries added out of range"));
        }
    } else {
        s.entries_added = length;
        s.refresh_first_id();
    }
    if length != s.len() {
        return Err(bad("Stream length inconsistent with rax entries"));
    }
    if s.entries.last_entry_id().is_some_and(|l| l > s.last_id) {
        return Err(bad("Stream last ID smaller than its entries"));
    }
    let ngroups = r.count(4)?;
    for _ in 0..ngroups {
        let name = r.string()?.into_owned();
        let last = StreamId::new(r.length()?, r.length()?);
        let entries_read = if v2 { r.length()? as i64 } else { s.estimate_distance(last) };
        if entries_read < -1 {
            return Err(bad("Stream cgroup offset out of range"));
        }
        if !s.create_group(&name, last, entries_read) {
            return Err(bad("Duplicated consumer group name"));
        }
        let npel = r.count(17)?;
        let mut pel: BTreeMap<StreamId, (i64, u64, bool)> = BTreeMap::new();
        for _ in 0..npel {
            let id = id_from(r.take(16)?);
            let time = r.ms()?;
            let count = r.length()?;
            // Times are Unix milliseconds: a negative one is corrupt (and would overflow
            // idle-time arithmetic).
            if time < 0 {
                return Err(bad("Stream PEL delivery time out of range"));
            }
            if pel.insert(id, (time, count, false)).is_some() {
                return Err(bad("Duplicated global PEL entry loading stream consumer group"));
            }
        }
        let nconsumers = r.count(9)?;
        let mut g = s.group_mut(&name).ok_or_else(|| bad("group"))?;
        for _ in 0..nconsumers {
            let cname: SBytes = SBytes::new(&r.string()?);
            let seen = r.ms()?;
            if seen < 0 {
                return Err(bad("Stream consumer seen time out of range"));
            }
            if !g.create_consumer(cname.as_slice(), seen) {
                return Err(bad("Duplicate stream consumer detected."));
            }
            let n = r.count(16)?;
            for _ in 0..n {
                let id = id_from(r.take(16)?);
                let Some(entry) = pel.get_mut(&id) else {
                    return Err(bad("Consumer entry not found in group global PEL"));
                };
                if entry.2 {
                    return Err(bad("Duplicated consumer PEL entry loading a stream consumer group"));
                }
                entry.2 = true;
                g.deliver(id, cname.as_slice(), entry.0);
                if let Some(nack) = g.nack_mut(id) {
                    nack.delivery_count = entry.1;
                }
            }
        }
        if pel.values().any(|e| !e.2) {
            return Err(bad("Stream CG PEL entry without consumer"));
        }
    }
    Ok(s)
}
