//! The engine's side of RDB snapshots: [`save`] writes every database (and, once the
//! function registry exists, its libraries), [`load`] replaces (or merges into) the
//! keyspace with a file's contents, leaving the engine unchanged when the file is bad.
//! The byte format itself is `crate::rdb`.

use super::{Engine, EngineState};
use crate::rdb::{self, LoadInfo, LoadOptions, RdbError, SaveOptions};

/// The function libraries' codes to save as `FUNCTION2` records. The hook for the
/// function registry (scripting): Cinder has none yet, so there are none.
pub fn function_libraries(_st: &EngineState) -> Vec<Vec<u8>> {
    Vec::new()
}

/// Hands loaded `FUNCTION2` codes to the function registry (scripting). The hook: with
/// no registry yet, libraries are refused as Redis refuses a file it cannot load.
pub fn restore_functions(_st: &mut EngineState, codes: &[Vec<u8>]) -> Result<(), RdbError> {
    if codes.is_empty() {
        Ok(())
    } else {
        Err(RdbError::other("Failed loading library: functions are not supported".into()))
    }
}

/// Writes the whole keyspace as an RDB file (`rdbSaveRio`): aux fields `redis-ver`
/// 7.0.15, `redis-bits`, `ctime` (engine clock), `used-mem`, the replication fields,
/// `aof-base`; functions; every non-empty database; EOF and the checksum.
pub fn save(engine: &Engine, opts: &SaveOptions, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let st = &engine.state;
    let functions = function_libraries(st);
    rdb::save_dbs(&st.dbs, &st.config, st.now_ms(), st.used_memory() as u64, &functions, opts, out)
}

/// Loads an RDB file: with `opts.replace` the databases are emptied first (WATCH and
/// client-side caching see a flush), else the file's keys are merged in (replacing keys
/// of the same name). A corrupt or truncated file is an error and changes nothing.
pub fn load(engine: &mut Engine, bytes: &[u8], opts: &LoadOptions) -> Result<LoadInfo, RdbError> {
    let st = &mut engine.state;
    let dbnum = st.dbs.len();
    let now = st.now_ms();
    let mut rng = st.rng.clone();
    let mut seed = || rng.next_u64();
    let mut opts = opts.clone();
    opts.verify_checksum &= st.config.rdbchecksum && !st.config.skip_checksum_validation;
    let loaded = rdb::load_dbs(bytes, dbnum, &st.config, now, &mut seed, &opts)?;
    restore_functions(st, &loaded.info.functions)?;
    if opts.replace {
        st.signal_flushed_db(None);
        for (db, mut ks) in st.dbs.iter_mut().zip(loaded.dbs) {
            ks.share_pending(st.pending.clone());
            // Who listens for added keys does not change with the data.
            ks.log_new = db.keys.log_new;
            ks.set_insert_log(db.keys.insert_log());
            db.keys = ks;
        }
    } else {
        for (i, mut ks) in loaded.dbs.into_iter().enumerate() {
            let target = &mut st.dbs[i].keys;
            for slot in 0..ks.slot_count() as u32 {
                if ks.slot(slot).is_none() {
                    continue;
                }
                let expire = ks.expire_at(slot);
                let e = ks.entry(slot);
                let key = e.key.clone();
                target.remove_key(key.as_slice());
                let v = e.value.clone();
                let access = e.access;
                let at = target.insert_new(key, v, access);
                if let Some(x) = expire {
                    target.set_expire(at, x);
                }
            }
            ks.clear();
        }
    }
    Ok(loaded.info)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rdb::dump_value;
    use crate::rdb::tests::{populate, value_of, KEYS};
    use crate::testkit::TestEngine;

    #[test]
    fn whole_file_round_trips() {
        let mut t = TestEngine::new();
        populate(&mut t);
        let mut file = Vec::new();
        save(&t.eng, &SaveOptions::default(), &mut file).unwrap();
        assert_eq!(&file[..9], b"REDIS0010");
        let mut u = TestEngine::new();
        u.cmd(&["SET", "gone", "x"]);
        let info = load(&mut u.eng, &file, &LoadOptions::default()).unwrap();
        assert_eq!(info.keys, KEYS.len() as u64 + 1);
        assert_eq!(info.consumed, file.len());
        assert!(info.aux.iter().any(|(k, v)| k == b"redis-ver" && v == b"7.0.15"));
        for k in KEYS {
            let a = dump_value(&value_of(&t, 0, k), true);
            let b = dump_value(&value_of(&u, 0, k), true);
            assert_eq!(a, b, "{}", k);
        }
        assert!(u.resp(&["PTTL", "ttl"]).starts_with(':'));
        assert_eq!(u.resp(&["EXISTS", "gone"]), ":0\r\n");
        assert_eq!(u.resp(&["SELECT", "3"]), "+OK\r\n");
        assert_eq!(u.resp(&["GET", "in3"]), "$2\r\nv3\r\n");
        // The same file saved again is byte-identical (same clock).
        let mut again = Vec::new();
        save(&u.eng, &SaveOptions::default(), &mut again).unwrap();
        assert_eq!(again.len(), file.len());
    }

    #[test]
    fn bad_files_change_nothing() {
        let mut t = TestEngine::new();
        populate(&mut t);
        let mut file = Vec::new();
        save(&t.eng, &SaveOptions::default(), &mut file).unwrap();
        let mut u = TestEngine::new();
        u.cmd(&["SET", "keep", "x"]);
        for cut in (0..file.len()).step_by(7) {
            assert!(load(&mut u.eng, &file[..cut], &LoadOptions::default()).is_err());
        }
        let mut flipped = file.clone();
        flipped[file.len() / 2] ^= 0x40;
        let err = load(&mut u.eng, &flipped, &LoadOptions::default()).unwrap_err();
        assert!(!err.message.is_empty());
        assert!(load(&mut u.eng, b"", &LoadOptions::default()).is_err());
        assert_eq!(u.resp(&["GET", "keep"]), "$1\r\nx\r\n");
    }
}
