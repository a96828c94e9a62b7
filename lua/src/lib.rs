//! PUC Lua 5.1.5 set up as Redis 7.0 runs it, behind a safe API for `cinder-core`.
//!
//! The crate holds the FFI and all `unsafe` of scripting: the Lua VM (built from the `lua-src` crate), a small libc
//! shim (number formatting, parsing and maths come from the same code on every target), and Redis's Lua-side
//! behaviour (`src/script_lua.c`, the Lua half of `src/eval.c` and `src/function_lua.c`): the libraries, the `redis`
//! table, the sandbox, conversions between Lua values and replies, error texts and the count hook.
//!
//! No Lua error (a C `longjmp`) ever crosses a Rust frame: every callback into Rust returns a status to a C
//! trampoline and C raises the error.

mod sha1;
mod shim;
mod wire;

pub use sha1::{sha1, sha1_hex};
pub use wire::Wire;

/// A reply value crossing the boundary in either direction (what `redis.call` returns into Lua, what a script
/// returns). Mirrors the core's `Reply` minus host-only variants.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// RESP2 `$-1`, RESP3 `_`.
    Nil,
    /// RESP2 `*-1` (converts into Lua like `Nil`).
    NilArray,
    /// `:n`.
    Int(i64),
    /// `$n` bulk string.
    Bulk(Vec<u8>),
    /// `+...` status.
    Status(Vec<u8>),
    /// Full error text without `-`, e.g. `b"ERR wrong number of arguments for 'get' command"`.
    Error(Vec<u8>),
    /// `*n`.
    Array(Vec<Value>),
    /// RESP3 `%n`.
    Map(Vec<(Value, Value)>),
    /// RESP3 `~n`.
    Set(Vec<Value>),
    /// RESP3 `#t` / `#f`.
    Bool(bool),
    /// RESP3 `,d`.
    Double(f64),
    /// RESP3 `(n`.
    BigNumber(Vec<u8>),
    /// RESP3 `=n` with its 3-byte format.
    Verbatim([u8; 3], Vec<u8>),
}

/// The protocol a `redis.call` reply is in / a script result converts under (`redis.setresp`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resp {
    /// RESP2.
    Two,
    /// RESP3.
    Three,
}

/// `redis.log` levels (`redis.LOG_DEBUG` ... `redis.LOG_WARNING`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogLevel {
    /// `redis.LOG_DEBUG` (0).
    Debug,
    /// `redis.LOG_VERBOSE` (1).
    Verbose,
    /// `redis.LOG_NOTICE` (2).
    Notice,
    /// `redis.LOG_WARNING` (3).
    Warning,
}

/// What the engine provides to a running script. Implemented by the core (it re-enters `cmd::call` with the
/// script's client). No Lua error (longjmp) ever crosses a Rust frame: these return values, C raises.
pub trait Host {
    /// `redis.call`/`redis.pcall` with `argv` (already converted from Lua: strings as is, numbers formatted with
    /// `%.17g` as Redis's luaArgsToRedisArgv does, anything else refused by the lua crate with Redis's error before
    /// reaching here). The reply must be in protocol `resp` (`Value::Nil` is `$-1` under RESP2, which Lua sees as
    /// `false`, and `_` under RESP3, which Lua sees as `nil`). A command error (including the core's own refusals:
    /// "not allowed from script", OOM, undeclared keys...) comes back as `Value::Error` with its full text (code
    /// included, e.g. `b"WRONGTYPE Operation against..."`); the lua crate raises it for `redis.call` (an error
    /// table, as Redis 7.0) or returns it as a table for `redis.pcall`. Must not panic (it runs under C frames).
    fn call(&mut self, argv: &[&[u8]], resp: Resp) -> Value;
    /// `call`, writing the reply through `out` instead of returning a [`Value`] (what the
    /// Lua side reads; a host overrides it to skip building values). Same contract as
    /// `call`.
    fn call_wire(&mut self, argv: &[&[u8]], resp: Resp, out: &mut Wire<'_>) {
        let v = self.call(argv, resp);
        out.value(&v);
    }
    /// `redis.log(level, ...)`: the message is the arguments joined with spaces.
    fn log(&mut self, level: LogLevel, message: &[u8]);
    /// `redis.set_repl(flags)` (flags already validated: 0..=3). Returns a full error text to raise
    /// (e.g. `b"ERR ..."`), or Ok.
    fn set_repl(&mut self, flags: i32) -> Result<(), Vec<u8>>;
    /// `redis.acl_check_cmd(cmd, ...)`: Ok(allowed) or an error text to raise (unknown command: Redis's text).
    fn acl_check_cmd(&mut self, argv: &[&[u8]]) -> Result<bool, Vec<u8>>;
    /// Called by the count hook (every 100,000 VM instructions, like Redis; also while FUNCTION LOAD runs a
    /// library's code) and may block to let the host serve other clients (-BUSY) in between. Return `Ok(())` to
    /// continue or `Err(text)` to end the script with that full error text (SCRIPT KILL / FUNCTION KILL:
    /// `b"ERR Script killed by user with SCRIPT KILL..."`; the load limit: `b"ERR FUNCTION LOAD timeout"`; the npm
    /// time limit). After an `Err` every following line raises the same error again, so `pcall` cannot keep the
    /// script alive (as Redis's line hook after a kill); the hook is not called again for that call.
    fn on_hook(&mut self) -> Result<(), Vec<u8>>;
}

/// What `redis.register_function` recorded during `Lua::load_library`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisteredFunction {
    /// The function's name.
    pub name: Vec<u8>,
    /// Flag names as given (validated against Redis's function flags: `no-writes`, `allow-oom`, `allow-stale`,
    /// `no-cluster`, `allow-cross-slot-keys`).
    pub flags: Vec<Vec<u8>>,
    /// `description`, when given.
    pub description: Option<Vec<u8>>,
}

mod vm;

pub use vm::Lua;
