//! `Lua`: one interpreter set up as Redis 7.0 sets up its own (EVAL or FUNCTION).

use crate::{Host, RegisteredFunction, Resp, Value};

/// One Lua interpreter set up as Redis 7.0 sets up its own for EVAL (or for functions: `Lua::new_for_functions`).
pub struct Lua {
    _private: (),
}

impl Lua {
    /// A fresh interpreter for EVAL scripts: libraries base, table, string, math, debug, cjson, cmsgpack, struct,
    /// bit; the `redis` table; `__redis__err__handler`; globals protected as Redis 7.0.15 protects them.
    pub fn new_for_eval() -> Lua {
        Lua { _private: () }
    }

    /// A fresh interpreter for FUNCTION libraries (function_lua.c's engine).
    pub fn new_for_functions() -> Lua {
        Lua { _private: () }
    }

    /// Compiles an EVAL body (shebang line already blanked/removed by the core, keeping its line feed) and stores it
    /// in the registry as `f_<sha>`. `sha` is 40 lowercase hex chars. On a syntax error, returns Redis's reply text
    /// (like every error of this crate: the full text after `-`, ready to send), e.g.
    /// "ERR Error compiling script (new function): user_script:1: '=' expected near 'x'".
    pub fn create_eval_function(&mut self, sha: &[u8; 40], body: &[u8]) -> Result<(), Vec<u8>> {
        let _ = (sha, body);
        Err(b"ERR scripting is not built yet".to_vec())
    }

    /// Whether `f_<sha>` exists in this interpreter.
    pub fn has_eval_function(&self, sha: &[u8; 40]) -> bool {
        let _ = sha;
        false
    }

    /// Runs `f_<sha>` with KEYS and ARGV set, the error handler, the count hook calling `host.on_hook()`, and
    /// converts the result to a `Value` as script_lua.c's luaCallFunction/luaReplyToRedisReply do (the script starts
    /// in RESP2; `redis.setresp` changes the protocol of `redis.call` replies; the final value follows the client's
    /// protocol `client_resp`). A Lua error becomes `Value::Error` with Redis's exact text (e.g. "ERR user_script:1:
    /// Script attempted to access nonexistent global variable 'a' script: f_<sha>, on @user_script:1.").
    pub fn call_eval_function(
        &mut self,
        sha: &[u8; 40],
        keys: &[&[u8]],
        args: &[&[u8]],
        client_resp: Resp,
        host: &mut dyn Host,
    ) -> Value {
        let _ = (sha, keys, args, client_resp, host);
        Value::Error(b"ERR scripting is not built yet".to_vec())
    }

    /// FUNCTION LOAD: runs a library's code (shebang already removed by the core) in the loading sandbox where only
    /// `redis.register_function` (+ `redis.log`, `redis.setresp`...) works, with the load time limit enforced
    /// through `host.on_hook()` (an `Err` from it ends the load with that text as the error). Returns the functions it
    /// registered (possibly none: "No functions registered" is the core's check) or Redis's full error text, e.g.
    /// "ERR Error compiling function: user_function:1: ..." or "ERR Error registering functions: ...".
    /// The functions stay in this interpreter under the key `library` until `drop_library`. Loading under a key that
    /// is already loaded replaces the old functions only when the new load succeeds (a failed FUNCTION LOAD REPLACE
    /// leaves the old library callable); library-level checks (names, REPLACE, "No functions registered", functions
    /// clashing with other libraries) are the core's.
    pub fn load_library(
        &mut self,
        library: &[u8],
        code: &[u8],
        host: &mut dyn Host,
    ) -> Result<Vec<RegisteredFunction>, Vec<u8>> {
        let _ = (library, code, host);
        Err(b"scripting is not built yet".to_vec())
    }

    /// Removes a library's functions from the interpreter (FUNCTION DELETE / failed REPLACE rollback).
    pub fn drop_library(&mut self, library: &[u8]) {
        let _ = library;
    }

    /// FCALL: runs a registered function with (keys, args) as its two table arguments.
    pub fn call_library_function(
        &mut self,
        library: &[u8],
        function: &[u8],
        keys: &[&[u8]],
        args: &[&[u8]],
        client_resp: Resp,
        host: &mut dyn Host,
    ) -> Value {
        let _ = (library, function, keys, args, client_resp, host);
        Value::Error(b"ERR scripting is not built yet".to_vec())
    }

    /// Whether the error `Value` returned by the last `call_*` came from a `redis.call` error reply that Redis does
    /// not count again in its error stats (script_lua.c's `ignore_error_stats_update`).
    pub fn last_error_ignores_stats(&self) -> bool {
        false
    }

    /// Bytes the interpreter holds (INFO `used_memory_lua`, `used_memory_vm_functions`).
    pub fn used_memory(&self) -> usize {
        0
    }
}
