//! The server's persistence: RDB snapshots (SAVE, BGSAVE in a forked child, save points,
//! loading at start-up, DEBUG RELOAD) and Redis 7.0's multi-part append-only file (the
//! manifest, fsync policies, BGREWRITEAOF, auto-rewrite, turning it on at run time). The
//! core decides replies and keeps the counters (`engine.state.persist`); this module does
//! the file work it asks for and reports back. Paths are relative to the working
//! directory, which is `dir` (the server changes into it at start, as Redis).

mod aof;
pub(crate) mod child;
pub mod files;
mod fsync;
mod snapshot;

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cinder_core::persist::{Child, Job, ShutdownFlags};
use cinder_core::{ConnInfo, Engine, Reply};

use crate::log::{notice, warning};
use aof::{Encoder, Manifest, Parsed};
use child::Exit;
use files::{err_text, write_atomically};

/// Redis's `aof_state`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AofState {
    /// No AOF.
    Off,
    /// Writing the AOF.
    On,
    /// Turned on at run time: the first rewrite runs; writes go to a temporary file.
    WaitRewrite,
}

/// Host-side persistence state (what the core cannot hold: files, the child's pid).
pub struct Persist {
    /// The running child (0: none) and its kind in `engine.state.persist.child`.
    child_pid: i32,
    aof_state: AofState,
    manifest: Manifest,
    /// The incremental file being appended to.
    aof_file: Option<Arc<File>>,
    /// Encoded operations not yet written.
    aof_buf: Vec<u8>,
    encoder: Encoder,
    /// Bytes in the current incremental file.
    aof_last_incr_size: u64,
    /// Background fsync for `appendfsync everysec`.
    fsync: fsync::Worker,
    /// When the AOF was last fsynced (or handed to the worker), ms.
    last_fsync_ms: u64,
    /// Bytes written since the last fsync.
    unsynced: bool,
    /// Last `#TS:` annotation written (aof-timestamp-enabled).
    last_ts: u64,
    /// The rewrite limit's current delay (minutes) and its end (Unix s).
    limit_delay_min: u64,
    limit_until_s: u64,
}

impl Default for Persist {
    fn default() -> Self {
        Persist::new()
    }
}

/// Seconds since the Unix epoch of the engine clock.
fn now_s(engine: &Engine) -> u64 {
    engine.state.now_us / 1_000_000
}

impl Persist {
    /// Nothing open yet.
    pub fn new() -> Persist {
        Persist {
            child_pid: 0,
            aof_state: AofState::Off,
            manifest: Manifest::default(),
            aof_file: None,
            aof_buf: Vec::new(),
            encoder: Encoder::default(),
            aof_last_incr_size: 0,
            fsync: fsync::Worker::start(),
            last_fsync_ms: 0,
            unsynced: false,
            last_ts: 0,
            limit_delay_min: 0,
            limit_until_s: 0,
        }
    }

    fn aof_dir(engine: &Engine) -> PathBuf {
        PathBuf::from(&engine.state.config.appenddirname)
    }

    /// Loads the data set at start-up: the AOF when `appendonly yes` (then opens it for
    /// appending, creating the folder, a base and the manifest as needed), else the RDB
    /// file. `Err` is the fatal message: the server must not start (no key is silently
    /// lost).
    pub fn load_at_start(&mut self, engine: &mut Engine) -> Result<(), String> {
        let start = Instant::now();
        engine.state.persist.loading = true;
        let r = if engine.state.config.appendonly {
            self.start_aof(engine, start)
        } else {
            load_rdb_at_start(engine, start)
        };
        engine.state.persist.loading = false;
        if let Err(e) = &r {
            warning(e);
        }
        // Loading is not a change to save.
        engine.state.persist.dirty = 0;
        r
    }

    fn start_aof(&mut self, engine: &mut Engine, start: Instant) -> Result<(), String> {
        self.aof_state = AofState::On;
        self.load_manifest(engine)?;
        self.upgrade_old_style(engine)?;
        let loaded = self.load_aof_files(engine)?;
        if loaded {
            notice(&format!("DB loaded from append only file: {:.3} seconds", start.elapsed().as_secs_f64()));
        }
        self.open_at_start(engine)?;
        engine.set_propagation(true);
        engine.state.persist.aof_on = true;
        Ok(())
    }

    fn manifest_path(engine: &Engine) -> PathBuf {
        Persist::aof_dir(engine).join(format!("{}.manifest", engine.state.config.appendfilename))
    }

    fn load_manifest(&mut self, engine: &Engine) -> Result<(), String> {
        let path = Persist::manifest_path(engine);
        let text = match std::fs::read(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => {
                return Err(format!(
                    "Fatal error: can't open the AOF manifest file {} for reading: {}",
                    path.display(),
                    err_text(&e)
                ))
            }
        };
        self.manifest = Manifest::parse(&text).map_err(|(n, line, why)| {
            let mut msg = "\n*** FATAL AOF MANIFEST FILE ERROR ***\n".to_string();
            if n > 0 {
                msg.push_str(&format!("Reading the manifest file, at line {}\n>>> '{}'\n", n, line));
            }
            msg + why
        })?;
        Ok(())
    }

    /// A Redis < 7.0 `appendonly.aof` in the working directory becomes the base of a new
    /// AOF folder (Redis's `aofUpgradePrepare`).
    fn upgrade_old_style(&mut self, engine: &Engine) -> Result<(), String> {
        let name = engine.state.config.appendfilename.clone();
        let dir = Persist::aof_dir(engine);
        let m = &self.manifest;
        let empty = m.base.is_none() && m.incr.is_empty();
        // An upgrade interrupted before the rename: the manifest names the old file as
        // its only base, and the folder does not have it yet.
        let interrupted =
            m.incr.is_empty() && m.base.as_ref().is_some_and(|b| b.name == name) && !dir.join(&name).exists();
        if !Path::new(&name).exists() || !(!dir.is_dir() || empty || interrupted) {
            return Ok(());
        }
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("Can't open or create append-only dir {}: {}", dir.display(), err_text(&e)))?;
        let mut m = self.manifest.clone();
        m.base = Some(aof::Part { name: name.clone(), seq: 1, kind: b'b' });
        m.base_seq = 1;
        self.persist_manifest(engine, &m)?;
        std::fs::rename(&name, dir.join(&name)).map_err(|e| {
            format!("Error trying to rename the old AOF file {} into dir {}: {}", name, dir.display(), err_text(&e))
        })?;
        files::fsync_dir(&dir).map_err(|e| err_text(&e))?;
        self.manifest = m;
        notice(&format!(
            "Successfully migrated an old-style AOF file ({}) into the AOF directory ({}).",
            name,
            dir.display()
        ));
        Ok(())
    }

    /// Writes `m` as the manifest (temp file, fsync, rename, fsync the folder).
    fn persist_manifest(&self, engine: &Engine, m: &Manifest) -> Result<(), String> {
        let dir = Persist::aof_dir(engine);
        let tmp = dir.join(format!("temp-{}.manifest", engine.state.config.appendfilename));
        let text = m.format();
        write_atomically(&tmp, &Persist::manifest_path(engine), false, |w| w.write_all(&text))
            .map_err(|e| format!("Error trying to write the AOF manifest file {}: {}", tmp.display(), err_text(&e)))
    }

    /// Loads the base and incremental files in order (Redis's `loadAppendOnlyFiles`);
    /// `Ok(false)` when there is no AOF.
    fn load_aof_files(&mut self, engine: &mut Engine) -> Result<bool, String> {
        let parts: Vec<(aof::Part, bool)> = self
            .manifest
            .base
            .iter()
            .map(|p| (p.clone(), true))
            .chain(self.manifest.incr.iter().map(|p| (p.clone(), false)))
            .collect();
        if parts.is_empty() {
            return Ok(false);
        }
        let dir = Persist::aof_dir(engine);
        let mut total = 0u64;
        for (p, _) in &parts {
            match std::fs::metadata(dir.join(&p.name)) {
                Ok(m) => total += m.len(),
                Err(e) => return Err(format!("The append log file {} doesn't exist: {}", p.name, err_text(&e))),
            }
        }
        if total == 0 {
            return Ok(false);
        }
        let count = parts.len();
        let mut base_size = 0;
        for (i, (p, is_base)) in parts.iter().enumerate() {
            let last = i + 1 == count;
            let path = dir.join(&p.name);
            let started = Instant::now();
            let bytes = std::fs::read(&path).map_err(|e| {
                format!("Fatal error: can't open the append log file {} for reading: {}", p.name, err_text(&e))
            })?;
            if *is_base {
                base_size = bytes.len() as u64;
            }
            if bytes.is_empty() {
                continue;
            }
            let truncated = self.load_one(engine, &p.name, &path, &bytes, *is_base)?;
            if truncated && !last {
                return Err("Fatal error: the truncated file is not the last file".into());
            }
            notice(&format!(
                "DB loaded from {} file {}: {:.3} seconds",
                if *is_base { "base" } else { "incr" },
                p.name,
                started.elapsed().as_secs_f64()
            ));
        }
        engine.state.persist.aof_current_size = total;
        engine.state.persist.aof_base_size = base_size;
        Ok(true)
    }

    /// Loads one AOF file (an RDB base, or commands); `Ok(true)` when it was truncated
    /// and loaded anyway (`aof-load-truncated`).
    fn load_one(
        &mut self,
        engine: &mut Engine,
        name: &str,
        path: &Path,
        bytes: &[u8],
        is_base: bool,
    ) -> Result<bool, String> {
        let fail = |msg: String| Err(msg);
        let mut start = 0;
        if bytes.starts_with(b"REDIS") {
            // An RDB base, or the RDB preamble of an old-style AOF (followed by commands).
            let old_style = name == engine.state.config.appendfilename;
            notice(if old_style {
                "Reading RDB preamble from AOF file..."
            } else {
                "Reading RDB base file on AOF loading..."
            });
            match snapshot::read(engine, bytes, !is_base) {
                Ok(info) => {
                    log_rdb_loaded(&info);
                    start = info.consumed;
                }
                Err(e) => {
                    warning(&e);
                    return fail(if old_style {
                        format!("Error reading the RDB preamble of the AOF file {}, AOF loading aborted", name)
                    } else {
                        format!("Error reading the RDB base file {}, AOF loading aborted", name)
                    });
                }
            }
            if old_style {
                notice("Reading the remaining AOF tail...");
            }
            if start >= bytes.len() {
                return Ok(false);
            }
        }
        let Some(h) = engine.connect(ConnInfo::default()).ok() else {
            return fail("Cannot create the AOF loading client".into());
        };
        engine.state.stats.connections_received = engine.state.stats.connections_received.saturating_sub(1);
        if let Some(c) = engine.clients.get_mut(h) {
            c.authenticated = true;
            c.loader = true;
        }
        let mut unknown: Option<String> = None;
        // Redis expires nothing while loading (`keyIsExpired` and `checkAlreadyExpired`
        // answer "not yet"): a key given a past time keeps it and the commands after it
        // still see the key. The engine clock at 0 does the same here (the AOF holds only
        // absolute times); the real clock comes back after the file.
        let real_now = engine.state.now_us;
        engine.set_time_us(0);
        let parsed = aof::parse_commands(bytes, start, |argv| {
            let reply = engine.execute(h, argv);
            if let Reply::Error(e) = &reply {
                if e.starts_with("ERR unknown command") {
                    unknown = Some(String::from_utf8_lossy(argv[0]).into_owned());
                    return false;
                }
            }
            true
        });
        engine.disconnect(h);
        engine.set_time_us(real_now);
        match parsed {
            Err(()) => {
                fail(format!("Unknown command '{}' reading the append only file {}", unknown.unwrap_or_default(), name))
            }
            Ok(Parsed::Complete) => Ok(false),
            Ok(Parsed::BadFormat) => fail(format!(
                "Bad file format reading the append only file {}: make a backup of your AOF file, then use \
                 ./redis-check-aof --fix <filename.manifest>",
                name
            )),
            Ok(Parsed::Truncated { valid }) => {
                if engine.state.config.aof_load_truncated {
                    warning(&format!("!!! Warning: short read while loading the AOF file {}!!!", name));
                    warning(&format!("!!! Truncating the AOF {} at offset {} !!!", name, valid));
                    let cut = OpenOptions::new().write(true).open(path).and_then(|f| f.set_len(valid as u64));
                    match cut {
                        Ok(()) => {
                            warning(&format!("AOF {} loaded anyway because aof-load-truncated is enabled", name));
                            return Ok(true);
                        }
                        Err(e) => warning(&format!("Error truncating the AOF file {}: {}", name, err_text(&e))),
                    }
                }
                fail(format!(
                    "Unexpected end of file reading the append only file {}. You can: 1) Make a backup of your AOF \
                     file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the \
                     'aof-load-truncated' configuration option to yes and restart the server.",
                    name
                ))
            }
        }
    }

    /// Redis's `aofOpenIfNeededOnServerStart`: the folder, a base when there is no AOF at
    /// all, the last incremental file opened for appending, the manifest written.
    fn open_at_start(&mut self, engine: &mut Engine) -> Result<(), String> {
        let dir = Persist::aof_dir(engine);
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("Can't open or create append-only dir {}: {}", dir.display(), err_text(&e)))?;
        let name = engine.state.config.appendfilename.clone();
        let had_incr = !self.manifest.incr.is_empty();
        if self.manifest.base.is_none() && !had_incr {
            let preamble = engine.state.config.aof_use_rdb_preamble;
            let base = self.manifest.new_base(&name, preamble);
            let tmp = PathBuf::from(format!("temp-rewriteaof-{}.aof", std::process::id()));
            write_base(engine, &tmp, &dir.join(&base))?;
            notice(&format!("Creating AOF base file {} on server start", base));
        }
        let incr = match self.manifest.incr.last() {
            Some(p) => p.name.clone(),
            None => self.manifest.new_incr(&name),
        };
        let path = dir.join(&incr);
        let file = OpenOptions::new()
            .append(true)
            .create(true)
            .open(&path)
            .map_err(|e| format!("Can't open the append-only file {}: {}", incr, err_text(&e)))?;
        let m = self.manifest.clone();
        self.persist_manifest(engine, &m)?;
        self.aof_last_incr_size = file.metadata().map_or(0, |m| m.len());
        self.aof_file = Some(Arc::new(file));
        let base_size =
            self.manifest.base.as_ref().and_then(|b| std::fs::metadata(dir.join(&b.name)).ok()).map_or(0, |m| m.len());
        let p = &mut engine.state.persist;
        if p.aof_current_size == 0 {
            p.aof_current_size = base_size + self.aof_last_incr_size;
            p.aof_base_size = base_size;
        }
        notice(&format!("{} AOF incr file {} on server start", if had_incr { "Opening" } else { "Creating" }, incr));
        Ok(())
    }

    /// Carries out a command's job (the session's `Hooks::persist`).
    pub fn run_job(&mut self, engine: &mut Engine, job: Job) -> Result<(), String> {
        let r = match job {
            Job::Save => {
                engine.state.persist.rdb_saves += 1;
                self.save(engine)
            }
            Job::Bgsave => self.bgsave(engine),
            Job::RewriteAof => self.rewrite_aof(engine),
            Job::Reload { nosave, noflush } => self.reload(engine, nosave, noflush),
            Job::AppendOnly(true) => self.start_append_only(engine),
            Job::AppendOnly(false) => {
                self.stop_append_only(engine);
                Ok(())
            }
            Job::LoadAof => self.load_aof_again(engine),
            Job::DeleteHistory => {
                self.delete_history(engine);
                Ok(())
            }
            Job::RewriteConfig => {
                let r = crate::config_rewrite::rewrite(&engine.state.host.config_file, &engine.state.config);
                match &r {
                    Ok(()) => warning("CONFIG REWRITE executed with success."),
                    Err(e) => warning(&format!("CONFIG REWRITE failed: {}", e)),
                }
                return r.map_err(|e| format!("ERR Rewriting config file: {}", e));
            }
            // Bound by the loop's hooks (`server::Effects::listen`), never sent here.
            Job::Listen => Ok(()),
            Job::ShutdownAborted => {
                warning("Shutdown manually aborted.");
                Ok(())
            }
            Job::AclLoad => return crate::aclfile::load(engine),
            Job::AclSave => crate::aclfile::save(engine),
            Job::FlushAll => {
                if engine.state.persist.child == Child::Rdb {
                    self.kill_child(engine);
                }
                if !engine.state.config.save.is_empty() {
                    let _ = self.save(engine);
                }
                Ok(())
            }
        };
        if let Err(e) = &r {
            warning(e);
        }
        r
    }

    /// DEBUG LOADAOF: the AOF written so far replaces the data set.
    fn load_aof_again(&mut self, engine: &mut Engine) -> Result<(), String> {
        if self.aof_state != AofState::Off {
            self.write_aof(engine, true);
        }
        engine.state.signal_flushed_db(None);
        for db in engine.state.dbs.iter_mut() {
            db.clear();
        }
        let propagating = self.aof_state != AofState::Off;
        engine.set_propagation(false);
        self.manifest = Manifest::default();
        // Clients served meanwhile (by a slow script's busy loop) get -LOADING.
        engine.state.persist.loading = true;
        let r = self.load_manifest(engine).and_then(|()| {
            self.delete_history(engine);
            self.load_aof_files(engine)
        });
        engine.state.persist.loading = false;
        engine.set_propagation(propagating);
        if let Err(e) = r {
            warning(&e);
            std::process::exit(1);
        }
        engine.state.persist.dirty = 0;
        warning("Append Only File loaded by DEBUG LOADAOF");
        Ok(())
    }

    /// SAVE: the snapshot in the foreground (Redis's `rdbSave`).
    pub fn save(&mut self, engine: &mut Engine) -> Result<(), String> {
        let dirty = engine.state.persist.dirty;
        let dest = PathBuf::from(&engine.state.config.dbfilename);
        let tmp = PathBuf::from(format!("temp-{}.rdb", std::process::id()));
        let autosync = engine.state.config.rdb_save_incremental_fsync;
        write_atomically(&tmp, &dest, autosync, |w| snapshot::write(engine, false, w))
            .map_err(|e| format!("Write error saving DB on disk: {}", err_text(&e)))?;
        notice("DB saved on disk");
        let now = now_s(engine);
        engine.state.persist.saved(dirty, now);
        Ok(())
    }

    /// BGSAVE: a forked child writes the snapshot (Redis's `rdbSaveBackground`).
    pub fn bgsave(&mut self, engine: &mut Engine) -> Result<(), String> {
        if self.child_pid != 0 {
            return Err("Background save already in progress".into());
        }
        let now = now_s(engine);
        let p = &mut engine.state.persist;
        p.dirty_before_bgsave = p.dirty;
        p.lastbgsave_try_s = now;
        p.rdb_saves += 1;
        let dest = PathBuf::from(&engine.state.config.dbfilename);
        let eng: &Engine = engine;
        let spawned = child::spawn(|| {
            let tmp = PathBuf::from(format!("temp-{}.rdb", std::process::id()));
            let autosync = eng.state.config.rdb_save_incremental_fsync;
            write_atomically(&tmp, &dest, autosync, |w| {
                key_save_delay(eng);
                snapshot::write(eng, false, w)
            })
            .map_err(|e| format!("Write error saving DB on disk: {}", err_text(&e)))?;
            notice("DB saved on disk");
            Ok(())
        });
        match spawned {
            Ok((pid, fork_us)) => {
                self.child_started(engine, pid, Child::Rdb, fork_us);
                notice(&format!("Background saving started by pid {}", pid));
                Ok(())
            }
            Err(e) => {
                engine.state.persist.last_bgsave_ok = false;
                Err(format!("Can't save in background: fork: {}", e))
            }
        }
    }

    fn child_started(&mut self, engine: &mut Engine, pid: i32, kind: Child, fork_us: u64) {
        self.child_pid = pid;
        let now = now_s(engine);
        let p = &mut engine.state.persist;
        p.child = kind;
        p.child_start_s = now;
        p.latest_fork_usec = fork_us;
        p.total_forks += 1;
        latency_sample(engine, "fork", fork_us / 1000);
        notice(&format!("Fork took {} microseconds", fork_us));
    }

    /// DEBUG RELOAD: save (unless `nosave`), then load the file back, replacing the data
    /// set (or merging into it with `noflush`).
    fn reload(&mut self, engine: &mut Engine, nosave: bool, noflush: bool) -> Result<(), String> {
        if !nosave {
            self.save(engine)?;
        }
        let path = engine.state.config.dbfilename.clone();
        let bytes = std::fs::read(&path).map_err(|e| format!("Error reading {}: {}", path, err_text(&e)))?;
        let dirty = engine.state.persist.dirty;
        snapshot::read(engine, &bytes, noflush)?;
        engine.state.persist.dirty = dirty;
        notice("DB reloaded by DEBUG RELOAD");
        Ok(())
    }

    /// BGREWRITEAOF: a new incremental file takes the writes from now on, and a forked
    /// child writes the new base (Redis's `rewriteAppendOnlyFileBackground`).
    pub fn rewrite_aof(&mut self, engine: &mut Engine) -> Result<(), String> {
        if self.child_pid != 0 {
            return Err("Can't rewrite append only file in background: another child is active".into());
        }
        let dir = Persist::aof_dir(engine);
        if let Err(e) = std::fs::create_dir_all(&dir) {
            engine.state.persist.aof_last_bgrewrite_ok = false;
            return Err(format!("Can't open or create append-only dir {}: {}", dir.display(), err_text(&e)));
        }
        // What commands left goes to the old file; the new one starts with a SELECT.
        self.write_aof(engine, true);
        self.encoder.selected = None;
        if let Err(e) = self.open_new_incr(engine) {
            engine.state.persist.aof_last_bgrewrite_ok = false;
            return Err(e);
        }
        engine.state.persist.aof_rewrites += 1;
        let eng: &Engine = engine;
        let spawned = child::spawn(|| {
            let pid = std::process::id();
            let tmp = PathBuf::from(format!("temp-rewriteaof-{}.aof", pid));
            let dest = PathBuf::from(format!("temp-rewriteaof-bg-{}.aof", pid));
            write_base(eng, &tmp, &dest)?;
            notice(&format!("Successfully created the temporary AOF base file {}", dest.display()));
            Ok(())
        });
        match spawned {
            Ok((pid, fork_us)) => {
                self.child_started(engine, pid, Child::Aof, fork_us);
                engine.state.persist.aof_rewrite_scheduled = false;
                notice(&format!("Background append only file rewriting started by pid {}", pid));
                Ok(())
            }
            Err(e) => {
                engine.state.persist.aof_last_bgrewrite_ok = false;
                Err(format!("Can't rewrite append only file in background: fork: {}", e))
            }
        }
    }

    /// Redis's `openNewIncrAofForAppend`: a new incremental file (a temporary one while
    /// the AOF waits for its first rewrite), recorded in the manifest.
    fn open_new_incr(&mut self, engine: &mut Engine) -> Result<(), String> {
        if self.aof_state == AofState::Off {
            return Ok(());
        }
        let dir = Persist::aof_dir(engine);
        let base = engine.state.config.appendfilename.clone();
        let mut m = self.manifest.clone();
        let name =
            if self.aof_state == AofState::WaitRewrite { format!("temp-{}.incr", base) } else { m.new_incr(&base) };
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(dir.join(&name))
            .map_err(|e| format!("Can't open the append-only file {}: {}", name, err_text(&e)))?;
        if self.aof_state == AofState::On {
            self.persist_manifest(engine, &m)?;
            self.manifest = m;
        }
        notice(&format!("Creating AOF incr file {} on background rewrite", name));
        self.sync_now();
        self.aof_file = Some(Arc::new(file));
        self.aof_last_incr_size = 0;
        Ok(())
    }

    /// CONFIG SET appendonly yes (Redis's `startAppendOnly`).
    fn start_append_only(&mut self, engine: &mut Engine) -> Result<(), String> {
        if self.aof_state != AofState::Off {
            return Ok(());
        }
        self.aof_state = AofState::WaitRewrite;
        engine.set_propagation(true);
        engine.state.persist.aof_on = true;
        match engine.state.persist.child {
            Child::Rdb => {
                engine.state.persist.aof_rewrite_scheduled = true;
                warning(
                    "AOF was enabled but there is already another background operation. An AOF background was \
                     scheduled to start when possible.",
                );
                Ok(())
            }
            _ => {
                if engine.state.persist.child == Child::Aof {
                    warning(
                        "AOF was enabled but there is already an AOF rewriting in background. Stopping background \
                         AOF and starting a rewrite now.",
                    );
                    self.kill_child(engine);
                }
                if let Err(e) = self.rewrite_aof(engine) {
                    self.aof_state = AofState::Off;
                    engine.set_propagation(false);
                    engine.state.persist.aof_on = false;
                    warning(
                        "Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check \
                         the above logs for more info about the error.",
                    );
                    return Err(e);
                }
                Ok(())
            }
        }
    }

    /// CONFIG SET appendonly no (Redis's `stopAppendOnly`).
    fn stop_append_only(&mut self, engine: &mut Engine) {
        if self.aof_state == AofState::Off {
            return;
        }
        self.write_aof(engine, true);
        self.sync_now();
        if engine.state.persist.child == Child::Aof {
            notice(&format!("Killing running AOF rewrite child: {}", self.child_pid));
            self.kill_child(engine);
        }
        self.aof_file = None;
        self.aof_buf.clear();
        self.aof_state = AofState::Off;
        self.encoder.selected = None;
        engine.set_propagation(false);
        engine.state.persist.aof_on = false;
        engine.state.persist.aof_rewrite_scheduled = false;
    }

    /// Kills the running child and removes its temporary files.
    fn kill_child(&mut self, engine: &mut Engine) {
        if self.child_pid == 0 {
            return;
        }
        child::kill(self.child_pid);
        self.remove_child_temp_files(engine.state.persist.child);
        self.child_pid = 0;
        engine.state.persist.child = Child::None;
    }

    fn remove_child_temp_files(&self, kind: Child) {
        let pid = self.child_pid;
        match kind {
            Child::Rdb => {
                let _ = std::fs::remove_file(format!("temp-{}.rdb", pid));
            }
            Child::Aof => {
                let _ = std::fs::remove_file(format!("temp-rewriteaof-bg-{}.aof", pid));
                let _ = std::fs::remove_file(format!("temp-rewriteaof-{}.aof", pid));
            }
            Child::None => {}
        }
    }

    /// Whether the AOF is being written (replies then wait for it).
    #[inline]
    pub fn aof_on(&self) -> bool {
        self.aof_state != AofState::Off
    }

    /// Appends what commands propagated to the AOF and makes it as durable as
    /// `appendfsync` asks, before replies go out (Redis's `flushAppendOnlyFile` in
    /// `beforeSleep`). `force`: write even if an everysec fsync is running.
    #[inline]
    pub fn before_reply(&mut self, engine: &mut Engine) {
        if self.aof_state != AofState::Off {
            self.write_aof(engine, false);
        }
    }

    fn write_aof(&mut self, engine: &mut Engine, force: bool) {
        let _ = force;
        let ops = engine.take_propagated();
        if !ops.is_empty() && !(self.aof_state == AofState::WaitRewrite && self.child_pid == 0) {
            if engine.state.config.aof_timestamp_enabled {
                let now = now_s(engine);
                if now != self.last_ts {
                    self.aof_buf.extend_from_slice(format!("#TS:{}\r\n", now).as_bytes());
                    self.last_ts = now;
                }
            }
            self.encoder.encode(&ops, &mut self.aof_buf);
        }
        if self.aof_buf.is_empty() {
            return;
        }
        let Some(file) = self.aof_file.as_ref() else {
            self.aof_buf.clear();
            return;
        };
        let sleep = engine.state.persist.aof_flush_sleep_us;
        if sleep > 0 {
            std::thread::sleep(Duration::from_micros(sleep));
        }
        let started = std::time::Instant::now();
        let written = (&**file).write_all(&self.aof_buf);
        let ms = started.elapsed().as_millis() as u64;
        let event = if self.fsync.pending() {
            "aof-write-pending-fsync"
        } else if self.child_pid != 0 {
            "aof-write-active-child"
        } else {
            "aof-write-alone"
        };
        latency_sample(engine, event, ms);
        latency_sample(engine, "aof-write", ms);
        match written {
            Ok(()) => {
                let n = self.aof_buf.len() as u64;
                self.aof_last_incr_size += n;
                engine.state.persist.aof_current_size += n;
                engine.state.persist.aof_write_error = None;
                self.aof_buf.clear();
                self.unsynced = true;
            }
            Err(e) => {
                let text = err_text(&e);
                warning(&format!("Error writing to the AOF file: {}", text));
                if engine.state.config.appendfsync == "always" {
                    warning("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
                    std::process::exit(1);
                }
                engine.state.persist.aof_write_error = Some(text);
                return;
            }
        }
        // no-appendfsync-on-rewrite: no fsync while a child writes (the disk is busy).
        if engine.state.config.no_appendfsync_on_rewrite && self.child_pid != 0 {
            return;
        }
        match engine.state.config.appendfsync.as_str() {
            "always" => {
                let started = std::time::Instant::now();
                let synced = file.sync_data();
                latency_sample(engine, "aof-fsync-always", started.elapsed().as_millis() as u64);
                if let Err(e) = synced {
                    warning(&format!(
                        "Can't persist AOF for fsync error when the AOF fsync policy is 'always': {}. Exiting...",
                        err_text(&e)
                    ));
                    std::process::exit(1);
                }
                self.unsynced = false;
            }
            "everysec" => self.maybe_background_fsync(engine),
            _ => {}
        }
        engine.state.persist.aof_buffer_length = self.aof_buf.len() as u64;
    }

    /// everysec: hands the file to the fsync worker when a second passed since the last.
    fn maybe_background_fsync(&mut self, engine: &mut Engine) {
        let now_ms = engine.state.now_us / 1000;
        if !self.unsynced || now_ms.saturating_sub(self.last_fsync_ms) < 1000 {
            return;
        }
        if engine.state.config.no_appendfsync_on_rewrite && self.child_pid != 0 {
            return;
        }
        if let Some(f) = &self.aof_file {
            if self.fsync.pending() {
                engine.state.persist.aof_delayed_fsync += 1;
                return;
            }
            self.fsync.request(f.clone());
            self.unsynced = false;
            self.last_fsync_ms = now_ms;
        }
    }

    /// fsyncs the AOF now, in this thread.
    fn sync_now(&mut self) {
        if let Some(f) = &self.aof_file {
            if self.unsynced {
                let _ = f.sync_data();
                self.unsynced = false;
            }
        }
    }

    /// Periodic work (Redis's `serverCron` persistence part): reaps a finished child,
    /// starts scheduled or due saves and rewrites, writes and fsyncs the AOF.
    pub fn cron(&mut self, engine: &mut Engine) {
        if self.child_pid != 0 {
            if let Some(exit) = child::try_wait(self.child_pid) {
                match engine.state.persist.child {
                    Child::Rdb => self.bgsave_done(engine, exit),
                    Child::Aof => self.rewrite_done(engine, exit),
                    Child::None => {}
                }
                self.child_pid = 0;
                engine.state.persist.child = Child::None;
            }
        }
        // Redis's serverCron order: a scheduled rewrite, else (no child) save points and
        // the automatic rewrite; then a scheduled BGSAVE.
        let now = now_s(engine);
        if self.child_pid == 0 && engine.state.persist.aof_rewrite_scheduled && !self.rewrite_limited(engine) {
            let _ = self.run_job(engine, Job::RewriteAof);
        }
        if self.child_pid == 0 {
            if let Some((secs, changes)) = engine.state.persist.save_point_reached(&engine.state.config.save, now) {
                notice(&format!("{} changes in {} seconds. Saving...", changes, secs));
                let _ = self.run_job(engine, Job::Bgsave);
            }
        }
        if self.child_pid == 0 && self.aof_state == AofState::On {
            let c = &engine.state.config;
            let (perc, min) = (c.auto_aof_rewrite_percentage, c.auto_aof_rewrite_min_size as u64);
            let p = &engine.state.persist;
            let (cur, base) = (p.aof_current_size, p.aof_base_size.max(1));
            if perc > 0 && cur > min {
                let growth = (cur * 100 / base) as i64 - 100;
                if growth >= perc && !self.rewrite_limited(engine) {
                    notice(&format!("Starting automatic rewriting of AOF on {}% growth", growth));
                    let _ = self.run_job(engine, Job::RewriteAof);
                }
            }
        }
        let p = &engine.state.persist;
        if self.child_pid == 0 && p.bgsave_scheduled && p.bgsave_retry_allowed(now) {
            engine.state.persist.bgsave_scheduled = false;
            let _ = self.run_job(engine, Job::Bgsave);
        }
        if self.aof_state != AofState::Off {
            self.write_aof(engine, false);
            if engine.state.config.appendfsync == "everysec" {
                self.maybe_background_fsync(engine);
            }
            engine.state.persist.aof_pending_bio_fsync = self.fsync.pending() as u64;
        }
    }

    /// Redis's `aofRewriteLimited`: after 3 failed rewrites in a row, automatic and
    /// scheduled rewrites wait 1, 2, 4 ... 60 minutes.
    fn rewrite_limited(&mut self, engine: &Engine) -> bool {
        if engine.state.persist.aof_rewrites_consecutive_failures < 3 {
            self.limit_delay_min = 0;
            self.limit_until_s = 0;
            return false;
        }
        let now = now_s(engine);
        if self.limit_until_s != 0 {
            if now < self.limit_until_s {
                return true;
            }
            self.limit_until_s = 0;
            return false;
        }
        self.limit_delay_min = if self.limit_delay_min == 0 { 1 } else { (self.limit_delay_min * 2).min(60) };
        self.limit_until_s = now + self.limit_delay_min * 60;
        warning(&format!(
            "Background AOF rewrite has repeatedly failed and triggered the limit, will retry in {} minutes",
            self.limit_delay_min
        ));
        true
    }

    /// Redis's `backgroundSaveDoneHandlerDisk`.
    fn bgsave_done(&mut self, engine: &mut Engine, exit: Exit) {
        let now = now_s(engine);
        let p = &mut engine.state.persist;
        match exit {
            Exit::Code(0) => {
                notice("Background saving terminated with success");
                let before = p.dirty_before_bgsave;
                p.saved(before, now);
            }
            Exit::Code(_) => {
                warning("Background saving error");
                p.last_bgsave_ok = false;
            }
            Exit::Signal(sig) => {
                warning(&format!("Background saving terminated by signal {}", sig));
                self.remove_child_temp_files(Child::Rdb);
                if sig != libc::SIGUSR1 {
                    p.last_bgsave_ok = false;
                }
            }
        }
        p.rdb_save_time_last = now.saturating_sub(p.child_start_s) as i64;
    }

    /// Redis's `backgroundRewriteDoneHandler`.
    fn rewrite_done(&mut self, engine: &mut Engine, exit: Exit) {
        let now = now_s(engine);
        let ok = match exit {
            Exit::Code(0) => {
                notice("Background AOF rewrite terminated with success");
                match self.install_rewrite(engine) {
                    Ok(()) => true,
                    Err(e) => {
                        warning(&e);
                        false
                    }
                }
            }
            Exit::Code(_) => {
                warning("Background AOF rewrite terminated with error");
                false
            }
            Exit::Signal(sig) => {
                warning(&format!("Background AOF rewrite terminated by signal {}", sig));
                sig == libc::SIGUSR1
            }
        };
        let p = &mut engine.state.persist;
        if ok {
            p.aof_last_bgrewrite_ok = true;
            p.aof_rewrites_consecutive_failures = 0;
        } else if !matches!(exit, Exit::Signal(s) if s == libc::SIGUSR1) {
            p.aof_last_bgrewrite_ok = false;
            p.aof_rewrites_consecutive_failures += 1;
        }
        self.remove_child_temp_files(Child::Aof);
        if self.aof_state == AofState::WaitRewrite {
            // The first rewrite failed: the temporary incremental file goes; a rewrite is
            // tried again.
            self.aof_buf.clear();
            let dir = Persist::aof_dir(engine);
            let temp = format!("temp-{}.incr", engine.state.config.appendfilename);
            notice(&format!("Removing the temp incr aof file {} in the background", temp));
            let _ = std::fs::remove_file(dir.join(temp));
            self.aof_file = None;
            engine.state.persist.aof_rewrite_scheduled = true;
        }
        let p = &mut engine.state.persist;
        p.aof_rewrite_time_last = now.saturating_sub(p.child_start_s) as i64;
    }

    /// Puts a finished rewrite in place: the new base, the temporary incremental file
    /// (first rewrite), older incremental files to history, the manifest, then deletes
    /// the history files.
    fn install_rewrite(&mut self, engine: &mut Engine) -> Result<(), String> {
        let dir = Persist::aof_dir(engine);
        let name = engine.state.config.appendfilename.clone();
        let tmp = format!("temp-rewriteaof-bg-{}.aof", self.child_pid);
        let mut m = self.manifest.clone();
        let base = m.new_base(&name, engine.state.config.aof_use_rdb_preamble);
        std::fs::rename(&tmp, dir.join(&base)).map_err(|e| {
            format!("Error trying to rename the temporary AOF base file {} into {}: {}", tmp, base, err_text(&e))
        })?;
        notice(&format!("Successfully renamed the temporary AOF base file {} into {}", tmp, base));
        if self.aof_state == AofState::WaitRewrite {
            let temp_incr = format!("temp-{}.incr", name);
            let incr = m.new_incr(&name);
            if let Err(e) = std::fs::rename(dir.join(&temp_incr), dir.join(&incr)) {
                let _ = std::fs::remove_file(dir.join(&base));
                return Err(format!(
                    "Error trying to rename the temporary AOF incr file {} into {}: {}",
                    temp_incr,
                    incr,
                    err_text(&e)
                ));
            }
            notice(&format!("Successfully renamed the temporary AOF incr file {} into {}", temp_incr, incr));
        }
        m.retire_incr(self.aof_file.is_some());
        if let Err(e) = self.persist_manifest(engine, &m) {
            let _ = std::fs::remove_file(dir.join(&base));
            return Err(e);
        }
        self.manifest = m;
        let base_size = std::fs::metadata(dir.join(&base)).map_or(0, |m| m.len());
        if self.aof_state != AofState::Off {
            engine.state.persist.aof_current_size = base_size + self.aof_last_incr_size;
            engine.state.persist.aof_base_size = engine.state.persist.aof_current_size;
        }
        self.delete_history(engine);
        notice("Background AOF rewrite finished successfully");
        if self.aof_state == AofState::WaitRewrite {
            self.aof_state = AofState::On;
        }
        Ok(())
    }

    /// Redis's `aofDelHistoryFiles`.
    fn delete_history(&mut self, engine: &Engine) {
        if self.manifest.history.is_empty() || engine.state.config.aof_disable_auto_gc {
            return;
        }
        let dir = Persist::aof_dir(engine);
        for p in &self.manifest.history {
            notice(&format!("Removing the history file {} in the background", p.name));
            let _ = std::fs::remove_file(dir.join(&p.name));
        }
        let mut m = self.manifest.clone();
        m.history.clear();
        if self.persist_manifest(engine, &m).is_ok() {
            self.manifest = m;
        }
    }

    /// SHUTDOWN (and SIGTERM/SIGINT): stops the child, flushes and fsyncs the AOF, writes
    /// the final snapshot when `flags` want one (Redis's `finishShutdown`). `Err` without
    /// FORCE: the server keeps running.
    pub fn shutdown(&mut self, engine: &mut Engine, flags: ShutdownFlags) -> Result<(), String> {
        warning("User requested shutdown...");
        let fail = |why: &str| {
            warning(why);
            warning("Errors trying to shut down the server. Check the logs for more information.");
            Err(why.to_string())
        };
        match engine.state.persist.child {
            Child::Rdb => {
                warning("There is a child saving an .rdb. Killing it!");
                self.kill_child(engine);
            }
            Child::Aof => {
                if self.aof_state == AofState::WaitRewrite {
                    if !flags.force {
                        return fail("Writing initial AOF, can't exit.");
                    }
                    warning("Writing initial AOF. Exit anyway.");
                }
                warning("There is a child rewriting the AOF. Killing it!");
                self.kill_child(engine);
            }
            Child::None => {}
        }
        if self.aof_state != AofState::Off {
            notice("Calling fsync() on the AOF file.");
            self.write_aof(engine, true);
            self.sync_now();
        }
        if flags.wants_save(&engine.state.config, engine.state.persist.loading) {
            notice("Saving the final RDB snapshot before exiting.");
            if let Err(e) = self.save(engine) {
                warning(&e);
                if flags.force {
                    warning("Error trying to save the DB. Exit anyway.");
                } else {
                    return fail("Error trying to save the DB, can't exit.");
                }
            }
        }
        warning("Redis is now ready to exit, bye bye...");
        Ok(())
    }
}

/// `rdb-key-save-delay` (a testing aid making a child slow): its delay per key, spent
/// before the child writes.
fn key_save_delay(engine: &Engine) {
    let d = engine.state.config.rdb_key_save_delay;
    if d == 0 {
        return;
    }
    let keys: u64 = engine.state.dbs.iter().map(|db| db.keys.len() as u64).sum();
    let per = if d > 0 { Duration::from_micros(d as u64) } else { Duration::from_nanos(d.unsigned_abs()) };
    let total = per.saturating_mul(keys.min(u32::MAX as u64) as u32);
    // In slices, leaving early if the server is gone.
    let parent = engine.state.host.process_id as i32;
    let end = Instant::now() + total;
    while Instant::now() < end {
        if std::process::id() as i32 != parent {
            child::exit_if_orphaned(parent);
        }
        std::thread::sleep((end - Instant::now()).min(Duration::from_millis(100)));
    }
}

/// Writes an AOF base at `dest` through `tmp`: an RDB with the `aof-base` aux field
/// (`aof-use-rdb-preamble yes`), else the data set as commands.
fn write_base(engine: &Engine, tmp: &Path, dest: &Path) -> Result<(), String> {
    let preamble = engine.state.config.aof_use_rdb_preamble;
    write_atomically(tmp, dest, engine.state.config.aof_rewrite_incremental_fsync, |w| {
        key_save_delay(engine);
        if preamble {
            snapshot::write(engine, true, w)
        } else {
            snapshot::write_commands(engine, w)
        }
    })
    .map_err(|e| format!("Write error writing append only file on disk: {}", err_text(&e)))
}

/// Redis's log lines about a loaded RDB file.
fn log_rdb_loaded(info: &snapshot::Loaded) {
    for (k, v) in &info.aux {
        if k == b"redis-ver" {
            notice(&format!("Loading RDB produced by version {}", String::from_utf8_lossy(v)));
        } else if k == b"aof-base" && v == b"1" {
            notice("RDB is base AOF");
        }
    }
    notice(&format!("Done loading RDB, keys loaded: {}, keys expired: {}.", info.keys, info.expired));
}

/// Loads `dbfilename` at start-up (Redis's `loadDataFromDisk` without AOF).
fn load_rdb_at_start(engine: &mut Engine, start: Instant) -> Result<(), String> {
    let path = engine.state.config.dbfilename.clone();
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(format!("Fatal error loading the DB: {}. Exiting.", err_text(&e))),
    };
    match snapshot::read(engine, &bytes, false) {
        Ok(info) => {
            log_rdb_loaded(&info);
            let aux = |name: &str| {
                info.aux
                    .iter()
                    .find(|(k, _)| k == name.as_bytes())
                    .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
            };
            if let (Some(id), Some(off), Some(db)) = (aux("repl-id"), aux("repl-offset"), aux("repl-stream-db")) {
                if let (Ok(off), Ok(db)) = (off.parse::<u64>(), db.parse::<i64>()) {
                    if db >= 0 {
                        engine.state.repl.loaded_info = Some((id, off, db));
                    }
                }
            }
            engine.state.persist.rdb_last_load_keys_loaded = info.keys;
            engine.state.persist.rdb_last_load_keys_expired = info.expired;
            notice(&format!("DB loaded from disk: {:.3} seconds", start.elapsed().as_secs_f64()));
            Ok(())
        }
        Err(e) => {
            warning(&e);
            if e.starts_with("Wrong RDB checksum") {
                warning("Internal error in RDB reading offset 0, function at rdb.c:0 -> RDB CRC error");
            }
            warning("Terminating server after rdb file reading failure.");
            Err(format!("Fatal error loading the DB ({}), see above. Exiting.", path))
        }
    }
}

/// Redis's `latencyAddSampleIfNeeded` for a persistence event (`fork`, `aof-write`, ...).
fn latency_sample(engine: &mut Engine, event: &str, ms: u64) {
    let st = &mut engine.state;
    let now_s = st.now_us / 1_000_000;
    st.introspection.latency.add_if_needed(st.config.latency_monitor_threshold, event, ms, now_s);
}
