//! HyperLogLog commands (PFADD, PFCOUNT, PFMERGE, PFDEBUG, PFSELFTEST), following Redis
//! 7.0's `hyperloglog.c`: HLLs are plain `raw` strings in Redis's exact bytes
//! (`crate::types::hll`), checked by `isHLLObjectOrReply` before use.

use super::{is_c, Args, Ctx};
use crate::bytes::SBytes;
use crate::config::notify;
use crate::error::{CmdError, CmdResult};
use crate::reply::Reply;
use crate::types::hll::{self, sparse, HLL_REGISTERS};
use crate::types::Value;

/// `invalid_hll_err`: a sparse HLL whose opcodes are malformed.
fn corrupt() -> CmdError {
    CmdError::other("INVALIDOBJ Corrupted HLL object detected")
}

/// `isHLLObjectOrReply`'s error for a string that is not an HLL.
fn not_hll() -> CmdError {
    CmdError::other("WRONGTYPE Key is not a valid HyperLogLog string value.")
}

/// `isHLLObjectOrReply`: `WRONGTYPE` for other types, the HLL error for strings that are
/// not HLLs (integers included: Redis rejects int-encoded strings).
fn check(v: &Value) -> Result<(), CmdError> {
    let ok = match v {
        Value::Str(s) => hll::is_valid(s.as_slice()),
        Value::Raw(r) => hll::is_valid(r),
        Value::Int(_) => false,
        _ => return Err(CmdError::WrongType),
    };
    if ok {
        Ok(())
    } else {
        Err(not_hll())
    }
}

/// The checked HLL bytes of the value in `slot`.
fn bytes_of<'a>(ctx: &'a mut Ctx, slot: u32) -> Result<&'a [u8], CmdError> {
    let v = &ctx.db().keys.entry(slot).value;
    check(v)?;
    match v {
        Value::Str(s) => Ok(s.as_slice()),
        Value::Raw(r) => Ok(r),
        _ => Err(not_hll()),
    }
}

/// `dbUnshareStringValue`: the (checked) HLL in `slot` as a modifiable `raw` string.
fn raw_mut<'a>(ctx: &'a mut Ctx, slot: u32) -> &'a mut Vec<u8> {
    let value = &mut ctx.db().keys.entry_mut(slot).value;
    if let Value::Str(s) = value {
        *value = Value::Raw(s.as_slice().to_vec());
    }
    match value {
        Value::Raw(r) => r,
        _ => unreachable!("checked HLLs are strings"),
    }
}

/// Creates `key` holding an empty sparse HLL (`createHLLObject` + `dbAdd`).
fn create(ctx: &mut Ctx, key: &[u8]) -> u32 {
    let access = ctx.st.new_access();
    ctx.db().keys.insert_new(SBytes::new(key), Value::Raw(sparse::empty()), access)
}

/// `PFADD key [element ...]`: 1 when a register changed (or the key was created).
pub fn pfadd(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let key = args.take();
    let eles = args.take_rest();
    let max_sparse = ctx.st.config.hll_sparse_max_bytes;
    let (slot, mut updated) = match ctx.lookup_write(key) {
        None => (create(ctx, key), 1usize),
        Some(slot) => {
            check(&ctx.db().keys.entry(slot).value)?;
            (slot, 0)
        }
    };
    let v = raw_mut(ctx, slot);
    for e in eles {
        match hll::add(v, e, max_sparse) {
            Ok(true) => updated += 1,
            Ok(false) => {}
            Err(_) => return Err(corrupt()),
        }
    }
    if updated > 0 {
        hll::invalidate_cache(v);
        ctx.key_event(notify::STRING, "pfadd", key);
        // Redis's `server.dirty += updated` (a created key counts one).
        ctx.changes(updated as u64);
    }
    Ok(Reply::Int((updated > 0) as i64))
}

/// Merges the HLLs at `keys` (missing keys are empty) into `max`; whether one was dense.
fn merge_keys(ctx: &mut Ctx, keys: &[&[u8]], max: &mut [u8; HLL_REGISTERS]) -> Result<bool, CmdError> {
    let mut any_dense = false;
    for key in keys {
        let Some(slot) = ctx.lookup_read(key) else { continue };
        let v = bytes_of(ctx, slot)?;
        any_dense |= !hll::is_sparse(v);
        hll::merge_into(v, max).map_err(|_| corrupt())?;
    }
    Ok(any_dense)
}

/// `PFCOUNT key [key ...]`: the estimate of one HLL (caching it in the value, which
/// counts as a change) or of the union of several, merged on the fly.
pub fn pfcount(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let keys = args.take_rest();
    if keys.len() > 1 {
        let mut max = Box::new([0u8; HLL_REGISTERS]);
        merge_keys(ctx, keys, &mut max)?;
        return Ok(Reply::Int(hll::count_raw(&max) as i64));
    }
    let key = keys[0];
    let Some(slot) = ctx.lookup_read(key) else { return Ok(Reply::Int(0)) };
    // A raw HLL with a valid cache is read in place (no write, so no re-measuring);
    // anything else is unshared into a raw string first, as Redis does.
    if let Value::Raw(r) = &ctx.db().keys.entry(slot).value {
        if let Some(card) = hll::is_valid(r).then(|| hll::cached(r)).flatten() {
            return Ok(Reply::Int(card as i64));
        }
    }
    check(&ctx.db().keys.entry(slot).value)?;
    let v = raw_mut(ctx, slot);
    if let Some(card) = hll::cached(v) {
        return Ok(Reply::Int(card as i64));
    }
    let card = hll::count(v).map_err(|_| corrupt())?;
    hll::set_cached(v, card);
    // A read-only command that changed the value: Redis signals it and propagates it.
    ctx.signal_modified_key(key);
    Ok(Reply::Int(card as i64))
}

/// `PFMERGE destkey [sourcekey ...]`: the union into `destkey` (itself a source), dense
/// when any source is dense; the keyspace event is `pfadd`.
pub fn pfmerge(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let keys = args.all();
    let keys = &keys[1..];
    let dest = keys[0];
    let mut max = Box::new([0u8; HLL_REGISTERS]);
    let use_dense = merge_keys(ctx, keys, &mut max)?;
    let max_sparse = ctx.st.config.hll_sparse_max_bytes;
    let slot = match ctx.lookup_write(dest) {
        None => create(ctx, dest),
        Some(slot) => slot,
    };
    let v = raw_mut(ctx, slot);
    if use_dense && sparse::to_dense(v).is_err() {
        return Err(corrupt());
    }
    for (i, &m) in max.iter().enumerate() {
        if m != 0 {
            // Redis ignores a failure here (the destination was checked as a source).
            let _ = hll::set_register(v, i, m, max_sparse);
        }
    }
    hll::invalidate_cache(v);
    ctx.key_event(notify::STRING, "pfadd", dest);
    Ok(Reply::ok())
}

/// `PFDEBUG GETREG|DECODE|ENCODING|TODENSE key`: the registers, the sparse opcodes, the
/// encoding, or a conversion to dense (GETREG converts too).
pub fn pfdebug(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let all = args.all();
    let (sub, key) = (all[1], all[2]);
    let Some(slot) = ctx.lookup_write(key) else {
        return Err(CmdError::other("ERR The specified key does not exist"));
    };
    check(&ctx.db().keys.entry(slot).value)?;
    let arity_ok = all.len() == 3;
    let arity_err =
        || CmdError::other(format!("ERR Wrong number of arguments for the '{}' subcommand", super::c_str_128(sub)));
    let v = raw_mut(ctx, slot);
    if is_c(sub, "getreg") {
        if !arity_ok {
            return Err(arity_err());
        }
        let was_sparse = hll::is_sparse(v);
        if was_sparse {
            sparse::to_dense(v).map_err(|_| corrupt())?;
        }
        let regs: Vec<Reply> =
            (0..HLL_REGISTERS).map(|i| Reply::Int(hll::dense::get(&v[hll::HDR..], i) as i64)).collect();
        if was_sparse {
            ctx.dirty();
        }
        Ok(Reply::Array(regs))
    } else if is_c(sub, "decode") {
        if !arity_ok {
            return Err(arity_err());
        }
        if !hll::is_sparse(v) {
            return Err(CmdError::other("ERR HLL encoding is not sparse"));
        }
        Ok(Reply::bulk(sparse::decode(&v[hll::HDR..]).as_bytes()))
    } else if is_c(sub, "encoding") {
        if !arity_ok {
            return Err(arity_err());
        }
        Ok(Reply::simple(if hll::is_sparse(v) { "sparse" } else { "dense" }))
    } else if is_c(sub, "todense") {
        if !arity_ok {
            return Err(arity_err());
        }
        if !hll::is_sparse(v) {
            return Ok(Reply::Int(0));
        }
        sparse::to_dense(v).map_err(|_| corrupt())?;
        ctx.dirty();
        Ok(Reply::Int(1))
    } else {
        Err(CmdError::other(format!("ERR Unknown PFDEBUG subcommand '{}'", super::c_str_128(sub))))
    }
}

/// `PFSELFTEST`: checks the register packing, then adds up to a million elements to a
/// dense and a sparse HLL (the sparse one under `hll-sparse-max-bytes`, which must stay
/// sparse while small), comparing their estimates and the error at each power of ten.
pub fn pfselftest(ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    let fail = |s: String| Err(CmdError::other(format!("ERR TESTFAILED {s}")));
    let mut regs = vec![0u8; hll::REGISTER_BYTES];
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut expect = vec![0u8; HLL_REGISTERS];
    for _ in 0..8 {
        for (i, e) in expect.iter_mut().enumerate() {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            *e = (seed & 63) as u8;
            hll::dense::set(&mut regs, i, *e);
        }
        for (i, &e) in expect.iter().enumerate() {
            let got = hll::dense::get(&regs, i);
            if got != e {
                return fail(format!("Register {i} should be {e} but is {got}"));
            }
        }
    }
    let max_sparse = ctx.st.config.hll_sparse_max_bytes;
    let mut s = sparse::empty();
    let mut d = sparse::empty();
    let _ = sparse::to_dense(&mut d);
    let relerr = 1.04 / (HLL_REGISTERS as f64).sqrt();
    let mut checkpoint: u64 = 1;
    for j in 1..=1_000_000u64 {
        let e = (j ^ seed).to_le_bytes();
        if hll::add(&mut d, &e, max_sparse).is_err() || hll::add(&mut s, &e, max_sparse).is_err() {
            return fail("sparse add failed".into());
        }
        if j != checkpoint {
            continue;
        }
        if j < max_sparse / 2 && !hll::is_sparse(&s) {
            return fail("sparse encoding not used".into());
        }
        let card = hll::count(&d).unwrap_or(0);
        if hll::count(&s).ok() != Some(card) {
            return fail("dense/sparse disagree".into());
        }
        let abserr = checkpoint.abs_diff(card);
        let maxerr = if j == 10 { 1 } else { (relerr * 6.0 * checkpoint as f64).ceil() as u64 };
        if abserr > maxerr {
            return fail(format!("Too big error. card:{checkpoint} abserr:{abserr}"));
        }
        checkpoint *= 10;
    }
    Ok(Reply::ok())
}

#[cfg(test)]
mod tests {
    use crate::testkit::TestEngine;

    /// Runs each `(command, expected RESP2)` pair; commands are split on spaces.
    fn check(t: &mut TestEngine, script: &[(&str, &str)]) {
        for (cmd, want) in script {
            let args: Vec<&str> = cmd.split(' ').collect();
            assert_eq!(t.resp(&args), *want, "{}", cmd);
        }
    }

    #[test]
    fn add_count_merge_and_encodings() {
        let mut t = TestEngine::new();
        check(
            &mut t,
            &[
                ("PFADD h a b c foo bar", ":1\r\n"),
                ("PFADD h a", ":0\r\n"),
                ("PFCOUNT h", ":5\r\n"),
                ("OBJECT ENCODING h", "$3\r\nraw\r\n"),
                ("PFDEBUG ENCODING h", "+sparse\r\n"),
                ("PFCOUNT h nokey", ":5\r\n"),
                ("PFMERGE d h", "+OK\r\n"),
                ("PFCOUNT d", ":5\r\n"),
                ("PFDEBUG TODENSE d", ":1\r\n"),
                ("PFDEBUG TODENSE d", ":0\r\n"),
                ("STRLEN d", ":12304\r\n"),
                ("PFMERGE e d h", "+OK\r\n"),
                ("PFDEBUG ENCODING e", "+dense\r\n"),
                ("PFCOUNT e", ":5\r\n"),
                ("PFSELFTEST", "+OK\r\n"),
            ],
        );
    }

    #[test]
    fn corrupt_and_wrong_values_are_errors() {
        let mut t = TestEngine::new();
        let not_hll = "-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n";
        t.cmd_bytes(&[b"SET", b"bad", b"HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xfe"]);
        check(
            &mut t,
            &[
                ("SET s foo", "+OK\r\n"),
                ("PFADD s x", not_hll),
                ("SET n 1", "+OK\r\n"),
                ("PFCOUNT n", not_hll),
                ("RPUSH l x", ":1\r\n"),
                ("PFCOUNT l", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
                ("PFCOUNT bad", "-INVALIDOBJ Corrupted HLL object detected\r\n"),
                ("PFCOUNT bad bad", "-INVALIDOBJ Corrupted HLL object detected\r\n"),
                ("PFDEBUG TODENSE bad", "-INVALIDOBJ Corrupted HLL object detected\r\n"),
                ("PFDEBUG DECODE bad", "$7\r\nZ:16383\r\n"),
                ("PFDEBUG ENCODING nokey", "-ERR The specified key does not exist\r\n"),
                ("PFDEBUG nope bad", "-ERR Unknown PFDEBUG subcommand 'nope'\r\n"),
            ],
        );
    }
}
