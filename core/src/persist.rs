//! Persistence bookkeeping: what the core knows about snapshots and the append-only file,
//! which only a host can write. The core decides replies (SAVE, BGSAVE, BGREWRITEAOF,
//! SHUTDOWN, the `-MISCONF` refusal) from this state and asks the host for the file work
//! through [`crate::engine::HostAction`]; the host reports back by updating this state
//! (a save finished, a child exited, an AOF write failed). No I/O here.

/// Work only the host can do, asked for by a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Job {
    /// SAVE: write the snapshot now, in the foreground.
    Save,
    /// BGSAVE: fork a child that writes the snapshot.
    Bgsave,
    /// BGREWRITEAOF: fork a child that writes a new AOF base.
    RewriteAof,
    /// DEBUG RELOAD: save (unless `nosave`), empty the data (unless `noflush`), load.
    Reload {
        /// Skip the save (load the file as it is).
        nosave: bool,
        /// Keep the data set and merge the file into it.
        noflush: bool,
    },
    /// CONFIG SET appendonly changed the setting: start (rewrite) or stop the AOF.
    AppendOnly(bool),
    /// DEBUG LOADAOF: flush the AOF, empty the data set, load the AOF again.
    LoadAof,
    /// CONFIG SET aof-disable-auto-gc no: delete the AOF history files now.
    DeleteHistory,
    /// FLUSHALL ran: kill a BGSAVE child, save when save points are set (the reply stays
    /// OK whatever happens).
    FlushAll,
    /// SHUTDOWN ABORT cancelled a pending signal shutdown: log it.
    ShutdownAborted,
    /// CONFIG REWRITE: rewrite the configuration file (the error is the reply).
    RewriteConfig,
    /// CONFIG SET changed `port` or `bind`: listen on the new addresses. On failure the
    /// host puts back the configuration saved in `Persistence::config_backup` (the whole
    /// CONFIG SET is rolled back) and the error is the reply.
    Listen,
    /// ACL LOAD: read `aclfile` and load it (`cmd::server::load_acl_text`); `Err` is
    /// the reply's text without `ERR `.
    AclLoad,
    /// ACL SAVE: write `Acl::save_text` to `aclfile` (temporary file, then rename).
    AclSave,
}

/// SHUTDOWN's options (Redis's `SHUTDOWN_*` flags).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ShutdownFlags {
    /// NOSAVE: no final snapshot even with save points.
    pub nosave: bool,
    /// SAVE: a final snapshot even without save points.
    pub save: bool,
    /// NOW: do not wait for replicas.
    pub now: bool,
    /// FORCE: exit even if the final save or the AOF fails.
    pub force: bool,
}

impl ShutdownFlags {
    /// Whether the shutdown writes a final snapshot (`save` points configured and no
    /// NOSAVE, or SAVE), as Redis's `finishShutdown`. `loading` forces NOSAVE.
    pub fn wants_save(&self, config: &crate::config::Config, loading: bool) -> bool {
        if loading {
            return false;
        }
        (!config.save.is_empty() && !self.nosave) || self.save
    }
}

/// The reply of a command whose job the host tried: `None` keeps the reply the command
/// gave before the job ran; `Some` replaces it (the job failed).
pub fn job_reply(job: Job, result: &Result<(), String>) -> Option<crate::reply::Reply> {
    use crate::reply::Reply;
    if result.is_ok() || matches!(job, Job::FlushAll | Job::DeleteHistory | Job::ShutdownAborted) {
        return None;
    }
    Some(match job {
        Job::Save | Job::Bgsave => Reply::error("ERR"),
        Job::RewriteAof => Reply::error(
            "ERR Can't execute an AOF background rewriting. Please check the server logs for more information.",
        ),
        Job::Reload { .. } => Reply::error("ERR Error trying to load the RDB dump, check server logs."),
        Job::LoadAof => Reply::error("ERR Error trying to load the AOF files, check server logs."),
        Job::FlushAll | Job::DeleteHistory | Job::ShutdownAborted => return None,
        Job::RewriteConfig | Job::Listen => Reply::error(result.clone().err().unwrap_or_default()),
        Job::AclLoad => Reply::error(format!("ERR {}", result.as_ref().err().map_or("", |e| e.as_str()))),
        Job::AclSave => Reply::error(
            "ERR There was an error trying to save the ACLs. Please check the server logs for more information",
        ),
        Job::AppendOnly(_) => Reply::error(
            "ERR CONFIG SET failed (possibly related to argument 'appendonly') - Unable to turn on AOF. Check server logs.",
        ),
    })
}

/// The reply to a SHUTDOWN whose final save (or AOF flush) failed without FORCE.
pub const SHUTDOWN_FAILED: &str = "ERR Errors trying to SHUTDOWN. Check logs.";

/// Redis's `shared.bgsaveerr` (without the leading `-`).
pub const MISCONF_RDB: &str = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";

/// Which kind of child process runs (Redis's `child_type`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Child {
    /// None.
    #[default]
    None,
    /// A BGSAVE child.
    Rdb,
    /// A BGREWRITEAOF child.
    Aof,
}

/// Persistence state and counters (INFO persistence, LASTSAVE, `-MISCONF`), kept by the
/// engine and updated by the host.
#[derive(Clone, Debug)]
pub struct Persistence {
    /// The configuration before a CONFIG SET whose apply the host does ([`Job::Listen`]):
    /// the host puts it back when the apply fails.
    pub config_backup: Option<Box<crate::config::Config>>,
    /// Changes since the last successful save (Redis's `server.dirty`).
    pub dirty: u64,
    /// The running command's own change count when it names one (Redis's
    /// `server.dirty += n`: elements pushed, fields set...), replacing the default of one
    /// per modified key; set through `Ctx::changes` and applied when the command ends.
    pub call_changes: Option<u64>,
    /// `dirty` when the running BGSAVE started (subtracted when it succeeds).
    pub dirty_before_bgsave: u64,
    /// Unix time (s) of the last successful save (or of the start).
    pub lastsave_s: u64,
    /// Unix time (s) of the last BGSAVE attempt (a failed one retries after 5 s).
    pub lastbgsave_try_s: u64,
    /// Whether the last BGSAVE succeeded.
    pub last_bgsave_ok: bool,
    /// The running child, if any.
    pub child: Child,
    /// Unix time (s) the running child started.
    pub child_start_s: u64,
    /// Seconds the last BGSAVE took (-1: none yet).
    pub rdb_save_time_last: i64,
    /// SAVE/BGSAVE count (`rdb_saves`).
    pub rdb_saves: u64,
    /// A BGSAVE waits for the running child (`BGSAVE SCHEDULE`).
    pub bgsave_scheduled: bool,
    /// Keys loaded / skipped as expired by the last RDB load.
    pub rdb_last_load_keys_loaded: u64,
    /// See `rdb_last_load_keys_loaded`.
    pub rdb_last_load_keys_expired: u64,
    /// The data set is being loaded.
    pub loading: bool,
    /// DEBUG PAUSE-CRON: the host's periodic work (and its handling of SIGTERM/SIGINT)
    /// is paused.
    pub cron_paused: bool,
    /// A SIGTERM/SIGINT arrived while the cron was paused (Redis's `shutdown_asap`):
    /// the host shuts down once it resumes, unless SHUTDOWN ABORT clears it.
    pub shutdown_pending: bool,
    /// The AOF is on (Redis's `aof_state != AOF_OFF`).
    pub aof_on: bool,
    /// An AOF rewrite waits for the running child.
    pub aof_rewrite_scheduled: bool,
    /// Seconds the last AOF rewrite took (-1: none yet).
    pub aof_rewrite_time_last: i64,
    /// Whether the last AOF rewrite succeeded.
    pub aof_last_bgrewrite_ok: bool,
    /// AOF rewrites done (`aof_rewrites`).
    pub aof_rewrites: u64,
    /// Rewrites failed in a row.
    pub aof_rewrites_consecutive_failures: u64,
    /// The last AOF write or fsync failed with this error (None: ok).
    pub aof_write_error: Option<String>,
    /// Bytes in the AOF (all parts).
    pub aof_current_size: u64,
    /// Bytes in the AOF after the last rewrite.
    pub aof_base_size: u64,
    /// Bytes waiting in the AOF buffer.
    pub aof_buffer_length: u64,
    /// fsyncs postponed because one was running.
    pub aof_delayed_fsync: u64,
    /// fsyncs waiting for the background thread.
    pub aof_pending_bio_fsync: u64,
    /// Microseconds the latest fork took.
    pub latest_fork_usec: u64,
    /// Forks done.
    pub total_forks: u64,
    /// DEBUG AOF-FLUSH-SLEEP: microseconds to sleep before each AOF write (a testing aid).
    pub aof_flush_sleep_us: u64,
}

impl Persistence {
    /// State for an engine started at Unix time `now_s` with nothing saved.
    pub fn new(now_s: u64) -> Persistence {
        Persistence {
            config_backup: None,
            dirty: 0,
            call_changes: None,
            dirty_before_bgsave: 0,
            lastsave_s: now_s,
            lastbgsave_try_s: 0,
            last_bgsave_ok: true,
            child: Child::None,
            child_start_s: 0,
            rdb_save_time_last: -1,
            rdb_saves: 0,
            bgsave_scheduled: false,
            rdb_last_load_keys_loaded: 0,
            rdb_last_load_keys_expired: 0,
            loading: false,
            cron_paused: false,
            shutdown_pending: false,
            aof_on: false,
            aof_rewrite_scheduled: false,
            aof_rewrite_time_last: -1,
            aof_last_bgrewrite_ok: true,
            aof_rewrites: 0,
            aof_rewrites_consecutive_failures: 0,
            aof_write_error: None,
            aof_current_size: 0,
            aof_base_size: 0,
            aof_buffer_length: 0,
            aof_delayed_fsync: 0,
            aof_pending_bio_fsync: 0,
            latest_fork_usec: 0,
            total_forks: 0,
            aof_flush_sleep_us: 0,
        }
    }

    /// The error refusing a script that may write (Redis's `scriptPrepareForRun` after
    /// `writeCommandsDeniedByDiskError`), if persistence is failing.
    pub fn script_write_denied(&self, config: &crate::config::Config) -> Option<String> {
        const BLOCKED: &str = "but it's currently unable to persist to disk. Writable scripts are blocked. Use 'no-writes' flag for read only scripts.";
        match self.write_denied(config)? {
            e if e == MISCONF_RDB => Some(format!("MISCONF Redis is configured to save RDB snapshots, {BLOCKED}")),
            e => {
                let cause = e.strip_prefix("MISCONF Errors writing to the AOF file: ").unwrap_or(&e);
                Some(format!("MISCONF Redis is configured to persist data to AOF, {BLOCKED} AOF error: {cause}"))
            }
        }
    }

    /// The error refusing write commands (and PING), if persistence is failing: Redis's
    /// `writeCommandsDeniedByDiskError`.
    pub fn write_denied(&self, config: &crate::config::Config) -> Option<String> {
        if config.stop_writes_on_bgsave_error && !config.save.is_empty() && !self.last_bgsave_ok {
            return Some(MISCONF_RDB.to_string());
        }
        if self.aof_on {
            if let Some(e) = &self.aof_write_error {
                return Some(format!("MISCONF Errors writing to the AOF file: {}", e));
            }
        }
        None
    }

    /// A successful save of the data set as it was when `dirty` was `dirty_then`,
    /// finished at Unix time `now_s`.
    pub fn saved(&mut self, dirty_then: u64, now_s: u64) {
        self.dirty = self.dirty.saturating_sub(dirty_then);
        self.lastsave_s = now_s;
        self.last_bgsave_ok = true;
    }

    /// Whether a save point is reached at Unix time `now_s` (Redis's `serverCron`): some
    /// `<seconds> <changes>` pair with at least `changes` changes and `seconds` since the
    /// last save, and a failed BGSAVE not retried within 5 seconds. Returns the point
    /// `(seconds, changes)`.
    pub fn save_point_reached(&self, save: &str, now_s: u64) -> Option<(u64, u64)> {
        let nums: Vec<u64> = save.split(' ').filter_map(|n| n.parse().ok()).collect();
        nums.chunks(2).map(|p| (p[0], p.get(1).copied().unwrap_or(u64::MAX))).find(|&(secs, changes)| {
            self.dirty >= changes && now_s.saturating_sub(self.lastsave_s) > secs && self.bgsave_retry_allowed(now_s)
        })
    }

    /// A failed BGSAVE is retried only 5 seconds after the last try
    /// (`CONFIG_BGSAVE_RETRY_DELAY`).
    pub fn bgsave_retry_allowed(&self, now_s: u64) -> bool {
        now_s.saturating_sub(self.lastbgsave_try_s) > 5 || self.last_bgsave_ok
    }

    /// Seconds the running child of kind `kind` has run, or -1.
    pub fn child_seconds(&self, kind: Child, now_s: u64) -> i64 {
        if self.child == kind && kind != Child::None {
            now_s.saturating_sub(self.child_start_s) as i64
        } else {
            -1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn save_points() {
        let mut p = Persistence::new(1000);
        assert!(p.save_point_reached("3600 1 300 100 60 10000", 1000 + 4000).is_none());
        p.dirty = 1;
        assert!(p.save_point_reached("3600 1 300 100 60 10000", 1000 + 3600).is_none());
        assert_eq!(p.save_point_reached("3600 1 300 100 60 10000", 1000 + 3601), Some((3600, 1)));
        p.dirty = 100;
        assert_eq!(p.save_point_reached("3600 1 300 100 60 10000", 1000 + 301), Some((300, 100)));
        assert!(p.save_point_reached("", 1000 + 99999).is_none());
        p.saved(100, 2000);
        assert_eq!((p.dirty, p.lastsave_s), (0, 2000));
    }

    #[test]
    fn misconf_after_failed_bgsave() {
        let mut p = Persistence::new(0);
        let mut c = Config::default();
        assert_eq!(p.write_denied(&c), None);
        p.last_bgsave_ok = false;
        assert_eq!(p.write_denied(&c).as_deref(), Some(MISCONF_RDB));
        c.save = String::new();
        assert_eq!(p.write_denied(&c), None);
        p.aof_on = true;
        p.aof_write_error = Some("No space left on device".into());
        assert_eq!(
            p.write_denied(&c).as_deref(),
            Some("MISCONF Errors writing to the AOF file: No space left on device")
        );
    }

    #[test]
    fn shutdown_save_rule() {
        let c = Config::default();
        assert!(ShutdownFlags::default().wants_save(&c, false));
        assert!(!ShutdownFlags { nosave: true, ..Default::default() }.wants_save(&c, false));
        assert!(!ShutdownFlags::default().wants_save(&c, true));
        let none = Config { save: String::new(), ..Config::default() };
        assert!(!ShutdownFlags::default().wants_save(&none, false));
        assert!(ShutdownFlags { save: true, ..Default::default() }.wants_save(&none, false));
    }
}
