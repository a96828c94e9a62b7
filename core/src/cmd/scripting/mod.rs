//! Scripting at the command level (Redis 7.0's `eval.c`, `script.c`, `functions.c`):
//! EVAL / EVALSHA / EVAL_RO / EVALSHA_RO and SCRIPT, FUNCTION and FCALL / FCALL_RO.
//!
//! The Lua side (the interpreter, the `redis` table, conversions between Lua values and
//! replies, error texts) is the `cinder-lua` crate's; this module owns what Redis's core
//! owns: the script cache, the function libraries, the shebang and flags, the checks a
//! script's `redis.call` goes through before re-entering [`super::call`] with the script
//! client ([`run`]), the state of a running script (busy scripts, SCRIPT KILL) and the
//! FUNCTION DUMP payload format.
//!
//! A script's commands run through `cmd::call` like EXEC's, so their key effects reach
//! WATCH, tracking, keyspace events and propagation through the event seam; their effects
//! are propagated (wrapped in MULTI/EXEC when more than one, by the propagation unit of
//! the EVAL), never the EVAL itself.

pub mod cache;
pub mod eval;
pub mod flags;
pub mod function;
pub mod library;
pub mod payload;
pub mod run;
#[cfg(test)]
mod tests;

pub use cinder_lua::LogLevel;
pub use eval::{
    eval, eval_ro, evalsha, evalsha_ro, script_debug, script_exists, script_flush, script_help, script_kill,
    script_load,
};
pub use function::{
    fcall, fcall_ro, function_delete, function_dump, function_flush, function_help, function_kill, function_list,
    function_load, function_restore, function_stats,
};
pub use run::{BusyHost, Running};

use crate::client::Client;

/// The scripting state of an engine (in `EngineState::scripting`).
#[derive(Default)]
pub struct Scripting {
    /// EVAL's interpreter, created on first use (taken out while a script runs).
    pub(crate) eval_vm: Option<Box<cinder_lua::Lua>>,
    /// The script cache: bodies by SHA-1.
    pub(crate) scripts: cache::ScriptCache,
    /// The functions' interpreter, created on first use (taken out while a function runs).
    pub(crate) func_vm: Option<Box<cinder_lua::Lua>>,
    /// The function libraries.
    pub(crate) libraries: library::Libraries,
    /// The client scripts run their commands as (taken out while a script runs).
    pub(crate) script_client: Option<Box<Client>>,
    /// The script running now, if any.
    pub running: Option<Running>,
    /// Whether memory was over `maxmemory` before the current command (Redis's
    /// `pre_command_oom_state`), set by the dispatcher.
    pub pre_command_oom: bool,
    /// The error the last script returned was already counted in the error statistics
    /// (it came from a failed `redis.call`): whoever records the script's reply skips it.
    pub error_counted: bool,
    /// A cap on each interpreter's memory in bytes (0: none, as Redis); a host without
    /// room to spare (the wasm package) sets one, so a script that allocates without end
    /// gets Lua's "not enough memory" error instead of taking the instance down.
    pub vm_memory_limit: usize,
    /// The host's clock and busy-script handler (none: time stands still during a script,
    /// so no script is ever busy).
    pub busy_host: Option<Box<dyn BusyHost>>,
    /// Where `redis.log` lines go (none: dropped, as with no log file). Lines below
    /// `loglevel` never reach it.
    pub log_host: Option<Box<dyn ScriptLog>>,
}

/// A host's log for `redis.log` (Redis's `serverLogRaw`): the host writes the line in
/// its log format.
pub trait ScriptLog {
    /// Writes one `redis.log` message (its arguments joined with spaces) at `level`,
    /// which is at or above the `loglevel` configuration.
    fn log(&mut self, level: LogLevel, message: &[u8]);
}

/// `redis.log`: hands the message to the host's log when `level` is at or above the
/// `loglevel` configuration (Redis drops the others before formatting them).
pub(crate) fn script_log(st: &mut crate::engine::EngineState, level: LogLevel, message: &[u8]) {
    let rank = |l: LogLevel| match l {
        LogLevel::Debug => 0,
        LogLevel::Verbose => 1,
        LogLevel::Notice => 2,
        LogLevel::Warning => 3,
    };
    let verbosity = match st.config.loglevel.as_str() {
        "debug" => 0,
        "verbose" => 1,
        "notice" => 2,
        _ => 3,
    };
    if rank(level) < verbosity {
        return;
    }
    if let Some(host) = st.scripting.log_host.as_mut() {
        host.log(level, message);
    }
}

impl std::fmt::Debug for Scripting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scripting")
            .field("scripts", &self.scripts.len())
            .field("libraries", &self.libraries.len())
            .field("running", &self.running.is_some())
            .finish()
    }
}

impl Scripting {
    /// A fresh interpreter for EVAL (`eval`) or for functions, with the memory cap.
    pub(crate) fn new_vm(&self, eval: bool) -> Box<cinder_lua::Lua> {
        let mut vm =
            Box::new(if eval { cinder_lua::Lua::new_for_eval() } else { cinder_lua::Lua::new_for_functions() });
        if self.vm_memory_limit != 0 {
            vm.set_memory_limit(self.vm_memory_limit);
        }
        vm
    }

    /// Bytes the EVAL interpreter holds (`used_memory_lua`, `used_memory_vm_eval`).
    pub fn eval_vm_memory(&self) -> usize {
        self.eval_vm.as_ref().map_or(EMPTY_VM_BYTES, |l| l.used_memory())
    }

    /// Bytes the functions' interpreter holds (`used_memory_vm_functions`).
    pub fn functions_vm_memory(&self) -> usize {
        self.func_vm.as_ref().map_or(EMPTY_VM_BYTES, |l| l.used_memory())
    }

    /// Bytes of the script cache (`used_memory_scripts_eval`).
    pub fn scripts_memory(&self) -> usize {
        self.scripts.memory()
    }

    /// Bytes of the function libraries' bookkeeping (`used_memory_functions`).
    pub fn functions_memory(&self) -> usize {
        self.libraries.memory()
    }

    /// Number of cached EVAL scripts.
    pub fn cached_scripts(&self) -> usize {
        self.scripts.len()
    }

    /// Number of functions and of libraries.
    pub fn function_counts(&self) -> (usize, usize) {
        (self.libraries.function_count(), self.libraries.len())
    }

    /// The `-BUSY` error other clients get while a script runs past the busy threshold
    /// (`None` when no script is busy).
    pub fn busy_error(&self) -> Option<&'static str> {
        let r = self.running.as_ref()?;
        r.timed_out.then_some(if r.eval { BUSY_EVAL } else { BUSY_FUNCTION })
    }
}

/// What an interpreter with nothing loaded holds (Redis reports about 31 KB for a fresh
/// Lua state; a VM created lazily reports this before it exists).
const EMPTY_VM_BYTES: usize = 31 * 1024;

/// Redis's `shared.slowevalerr`.
pub const BUSY_EVAL: &str = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
/// Redis's `shared.slowscripterr`.
pub const BUSY_FUNCTION: &str =
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";
/// Redis's `shared.noscripterr`.
pub const NOSCRIPT: &str = "NOSCRIPT No matching script. Please use EVAL.";
