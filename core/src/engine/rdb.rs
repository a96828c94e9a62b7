//! The engine's side of RDB snapshots: [`save`] writes every database and the function
//! libraries, [`load`] replaces (or merges into) the
//! keyspace with a file's contents, leaving the engine unchanged when the file is bad.
//! The byte format itself is `crate::rdb`.

use super::{Engine, EngineState};
use crate::cmd::scripting::function::{self, RestorePolicy};
use crate::rdb::{self, LoadInfo, LoadOptions, RdbError, SaveOptions};

/// The function libraries' codes to save as `FUNCTION2` records, in load order.
pub fn function_libraries(st: &EngineState) -> Vec<Vec<u8>> {
    function::library_codes(st).into_iter().map(<[u8]>::to_vec).collect()
}

/// Hands loaded `FUNCTION2` codes to the function registry, all or nothing: a load that
/// empties the databases first replaces every library (Redis's `emptyData` drops the
/// functions too), a merging load replaces libraries of the same name.
pub fn restore_functions(st: &mut EngineState, codes: &[Vec<u8>], replace: bool) -> Result<(), RdbError> {
    if codes.is_empty() && !replace {
        return Ok(());
    }
    let policy = if replace { RestorePolicy::Flush } else { RestorePolicy::Replace };
    function::restore_libraries(st, codes, policy).map_err(|e| {
        let text = match e {
            crate::reply::Reply::Error(t) => t.into_owned(),
            _ => "ERR Failed creating the library".into(),
        };
        RdbError::other(format!("Failed loading library: {}", text))
    })
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
    restore_functions(st, &loaded.info.functions, opts.replace)?;
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
    fn function_libraries_round_trip_and_replace_on_load() {
        let lib = "#!lua name=mylib\nredis.register_function('f1', function() return 1 end)";
        let mut t = TestEngine::new();
        assert_eq!(t.resp(&["FUNCTION", "LOAD", lib]), "$5\r\nmylib\r\n");
        let mut file = Vec::new();
        save(&t.eng, &SaveOptions::default(), &mut file).unwrap();
        let mut u = TestEngine::new();
        let other = "#!lua name=other\nredis.register_function('f2', function() return 2 end)";
        u.cmd(&["FUNCTION", "LOAD", other]);
        load(&mut u.eng, &file, &LoadOptions::default()).unwrap();
        assert_eq!(u.resp(&["FCALL", "f1", "0"]), ":1\r\n");
        // A load that empties the databases drops the libraries the file does not have.
        assert!(u.resp(&["FCALL", "f2", "0"]).starts_with("-ERR Function not found"));
        // Merging keeps them, and replaces a library of the same name.
        u.cmd(&["FUNCTION", "LOAD", other]);
        let merge = LoadOptions { replace: false, allow_dup: true, ..LoadOptions::default() };
        load(&mut u.eng, &file, &merge).unwrap();
        assert_eq!(u.resp(&["FCALL", "f2", "0"]), ":2\r\n");
        assert_eq!(u.resp(&["FCALL", "f1", "0"]), ":1\r\n");
        // A file whose library does not load changes nothing.
        let mut bad = TestEngine::new();
        bad.cmd(&["FUNCTION", "LOAD", "#!lua name=mylib\nredis.register_function('f2', function() return 3 end)"]);
        let mut clash = Vec::new();
        save(&bad.eng, &SaveOptions::default(), &mut clash).unwrap();
        let e = load(&mut u.eng, &clash, &merge).unwrap_err();
        assert!(e.message.starts_with("Failed loading library: ERR Function f2 already exists"), "{}", e.message);
        assert_eq!(u.resp(&["FCALL", "f1", "0"]), ":1\r\n");
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
