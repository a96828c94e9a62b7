//! FUNCTION and FCALL / FCALL_RO (Redis 7.0's `functions.c`). Libraries live in
//! `Scripting::libraries` (their bookkeeping) and in the functions' interpreter (their
//! code); they survive FLUSHALL and go with FUNCTION FLUSH.

use cinder_lua::{Host, LogLevel, Lua, RegisteredFunction, Resp, Value};

use super::eval::{err_reply, numkeys};
use super::flags::{flag_bit, flag_names, library_meta, valid_name};
use super::library::{Function, Libraries, Library};
use super::payload;
use super::run::{prepare_checks, run, Target};
use crate::cmd::server::help_reply;
use crate::cmd::{is_c, Args, Ctx};
use crate::engine::EngineState;
use crate::error::{CmdError, CmdResult};
use crate::reply::Reply;
use crate::util::glob::glob_match;

/// The one engine's name, as FUNCTION LIST and STATS report it.
const ENGINE: &str = "LUA";
/// Redis's `LOAD_TIMEOUT_MS`: how long a library's top-level code may run.
const LOAD_TIMEOUT_MS: u64 = 500;

/// The Lua crate's view of the engine while a library loads: no commands, only the
/// load time limit.
struct LoadHost<'a> {
    st: &'a mut EngineState,
    start_us: u64,
}

impl LoadHost<'_> {
    fn now_us(&mut self) -> u64 {
        let now = self.st.now_us;
        self.st.scripting.busy_host.as_mut().map_or(now, |b| b.now_us())
    }
}

impl Host for LoadHost<'_> {
    fn call(&mut self, _argv: &[&[u8]], _resp: Resp) -> Value {
        Value::Error(b"ERR redis.call can only be called inside a script invocation".to_vec())
    }
    fn log(&mut self, level: LogLevel, message: &[u8]) {
        super::script_log(self.st, level, message);
    }
    fn set_repl(&mut self, _flags: i32) -> Result<(), Vec<u8>> {
        Err(b"ERR redis.set_repl can only be called inside a script invocation".to_vec())
    }
    fn acl_check_cmd(&mut self, _argv: &[&[u8]]) -> Result<bool, Vec<u8>> {
        Err(b"ERR redis.acl_check_cmd can only be called inside a script invocation".to_vec())
    }
    fn on_hook(&mut self) -> Result<(), Vec<u8>> {
        // `start_us` u64::MAX: a reload of accepted code, with no time limit.
        if self.start_us != u64::MAX && self.now_us().saturating_sub(self.start_us) / 1000 > LOAD_TIMEOUT_MS {
            return Err(b"ERR FUNCTION LOAD timeout".to_vec());
        }
        Ok(())
    }
}

/// Compiles and runs a library's code in `vm` (Redis's `functionsCreateWithLibraryCtx`
/// up to the engine's `create`): the library with its functions, or the error reply.
/// `libs` is the context its name is checked against (`replace` allows an existing one).
fn create_library(
    st: &mut EngineState,
    vm: &mut Lua,
    libs: &Libraries,
    code: &[u8],
    replace: bool,
) -> Result<Library, Reply> {
    let meta = library_meta(code).map_err(|e| err_reply(e.as_bytes()))?;
    if !valid_name(&meta.name) {
        return Err(err_reply(
            b"Library names can only contain letters, numbers, or underscores(_) and must be at least one character long",
        ));
    }
    if !meta.engine.eq_ignore_ascii_case(b"lua") {
        return Err(Reply::error(format!("ERR Engine '{}' not found", String::from_utf8_lossy(&meta.engine))));
    }
    if libs.get(&meta.name).is_some() && !replace {
        return Err(Reply::error(format!("ERR Library '{}' already exists", String::from_utf8_lossy(&meta.name))));
    }
    let now = st.scripting.busy_host.as_mut().map_or(st.now_us, |b| b.now_us());
    let mut host = LoadHost { st, start_us: now };
    let registered = vm.load_library(&meta.name, &code[meta.shebang_len..], &mut host).map_err(|e| err_reply(&e))?;
    let functions = registered.into_iter().map(function_of).collect::<Result<Vec<_>, _>>()?;
    if functions.is_empty() {
        return Err(err_reply(b"No functions registered"));
    }
    Ok(Library { name: meta.name, engine: ENGINE, code: code.to_vec(), functions })
}

/// A registered function's record; names checked as Redis's `functionLibCreateFunction`.
fn function_of(f: RegisteredFunction) -> Result<Function, Reply> {
    if !valid_name(&f.name) {
        return Err(err_reply(
            b"Library names can only contain letters, numbers, or underscores(_) and must be at least one character long",
        ));
    }
    let flags = f.flags.iter().filter_map(|n| flag_bit(n)).fold(0, |a, b| a | b);
    Ok(Function { name: f.name, description: f.description, flags })
}

/// `FUNCTION LOAD [REPLACE] code`.
pub fn function_load(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let mut replace = false;
    while args.remaining() > 1 {
        let a = args.take();
        if is_c(a, "replace") {
            replace = true;
            continue;
        }
        return Err(CmdError::other(format!("ERR Unknown option given: {}", super::flags::c_text(a))));
    }
    let Some(code) = args.next() else {
        return Err(CmdError::other("ERR Function code is missing"));
    };
    match load_one(ctx.st, code, replace) {
        Ok(name) => {
            ctx.dirty();
            Ok(Reply::Bulk(name))
        }
        Err(e) => Ok(e),
    }
}

/// Loads one library into the engine's libraries (replacing one of the same name with
/// `replace`); its name, or the error reply. On error nothing changes.
fn load_one(st: &mut EngineState, code: &[u8], replace: bool) -> Result<Vec<u8>, Reply> {
    let mut vm = st.scripting.func_vm.take().unwrap_or_else(|| st.scripting.new_vm(false));
    let mut libs = std::mem::take(&mut st.scripting.libraries);
    let name = library_meta(code).ok().map(|m| m.name);
    // The old library leaves the bookkeeping while the new one loads (the interpreter
    // replaces it only when the new code loads); it comes back when anything fails.
    let old = match &name {
        Some(n) if replace => libs.unlink(n),
        _ => None,
    };
    let result = create_library(st, &mut vm, &libs, code, replace).and_then(|lib| match libs.collision(&lib, None) {
        Some(f) => Err(Reply::error(format!("ERR Function {} already exists", String::from_utf8_lossy(&f)))),
        None => Ok(lib),
    });
    let result = match result {
        Ok(lib) => {
            let name = lib.name.clone();
            libs.link(lib);
            Ok(name)
        }
        Err(e) => {
            match (old, &name) {
                (Some(old), _) => {
                    reload(st, &mut vm, &old);
                    libs.link(old);
                }
                (None, Some(n)) if libs.get(n).is_none() => vm.drop_library(n),
                _ => {}
            }
            Err(e)
        }
    };
    st.scripting.func_vm = Some(vm);
    st.scripting.libraries = libs;
    result
}

/// For RDB loading (`RDB_OPCODE_FUNCTION2`): loads a library's code (shebang included)
/// as FUNCTION LOAD [REPLACE] does; its name, or the error text.
pub fn load_library_code(st: &mut EngineState, code: &[u8], replace: bool) -> Result<Vec<u8>, String> {
    load_one(st, code, replace).map_err(|e| match e {
        Reply::Error(t) => t.into_owned(),
        _ => "ERR Failed creating the library".into(),
    })
}

/// For RDB saving: every library's code, in load order (what FUNCTION DUMP writes).
pub fn library_codes(st: &EngineState) -> Vec<&[u8]> {
    st.scripting.libraries.iter().map(|l| l.code.as_slice()).collect()
}

/// Loads an accepted library's code into `vm` again (it loaded before, so it loads now).
fn reload(st: &mut EngineState, vm: &mut Lua, lib: &Library) {
    let meta_len = library_meta(&lib.code).map_or(0, |m| m.shebang_len);
    let mut host = LoadHost { st, start_us: u64::MAX };
    let _ = vm.load_library(&lib.name, &lib.code[meta_len..], &mut host);
}

/// `FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]`.
pub fn function_list(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let mut with_code = false;
    let mut pattern: Option<&[u8]> = None;
    while let Some(a) = args.next() {
        if !with_code && is_c(a, "withcode") {
            with_code = true;
            continue;
        }
        if pattern.is_none() && is_c(a, "libraryname") {
            match args.next() {
                Some(p) => pattern = Some(p),
                None => return Err(CmdError::other("ERR library name argument was not given")),
            }
            continue;
        }
        return Err(CmdError::other(format!("ERR Unknown argument {}", String::from_utf8_lossy(a))));
    }
    let libs = &ctx.st.scripting.libraries;
    let out = libs
        .iter()
        .filter(|l| pattern.is_none_or(|p| glob_match(p, &l.name, true)))
        .map(|l| {
            let functions = l
                .functions
                .iter()
                .map(|f| {
                    Reply::Map(vec![
                        (Reply::text("name"), Reply::Bulk(f.name.clone())),
                        (Reply::text("description"), f.description.clone().map_or(Reply::Nil, Reply::Bulk)),
                        (Reply::text("flags"), Reply::Set(flag_names(f.flags).map(Reply::simple).collect())),
                    ])
                })
                .collect();
            let mut m = vec![
                (Reply::text("library_name"), Reply::Bulk(l.name.clone())),
                (Reply::text("engine"), Reply::text(l.engine)),
                (Reply::text("functions"), Reply::Array(functions)),
            ];
            if with_code {
                m.push((Reply::text("library_code"), Reply::Bulk(l.code.clone())));
            }
            Reply::Map(m)
        })
        .collect();
    Ok(Reply::Array(out))
}

/// `FUNCTION DELETE library-name`.
pub fn function_delete(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let name = args.take();
    if ctx.st.scripting.libraries.unlink(name).is_none() {
        return Err(CmdError::other("ERR Library not found"));
    }
    if let Some(vm) = ctx.st.scripting.func_vm.as_mut() {
        vm.drop_library(name);
    }
    ctx.dirty();
    Ok(Reply::ok())
}

/// `FUNCTION FLUSH [ASYNC|SYNC]`.
pub fn function_flush(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    if args.remaining() > 1 {
        return Err(subcommand_syntax(args));
    }
    if let Some(m) = args.next() {
        if !is_c(m, "sync") && !is_c(m, "async") {
            return Err(CmdError::other("ERR FUNCTION FLUSH only supports SYNC|ASYNC option"));
        }
    }
    ctx.st.scripting.libraries = Libraries::default();
    ctx.st.scripting.func_vm = None;
    ctx.dirty();
    Ok(Reply::ok())
}

/// Redis's `addReplySubcommandSyntaxError`.
fn subcommand_syntax(args: &Args) -> CmdError {
    CmdError::other(format!(
        "ERR unknown subcommand or wrong number of arguments for '{}'. Try {} HELP.",
        crate::cmd::c_str_128(args.subcommand_name()),
        String::from_utf8_lossy(args.name()).to_ascii_uppercase()
    ))
}

/// `FUNCTION DUMP`.
pub fn function_dump(ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Ok(Reply::Bulk(payload::dump(ctx.st.scripting.libraries.iter().map(|l| l.code.as_slice()))))
}

/// `FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE]`.
pub fn function_restore(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    if args.remaining() > 2 {
        return Err(subcommand_syntax(args));
    }
    let data = args.take();
    let (mut flush, mut replace) = (false, false);
    if let Some(p) = args.next() {
        if is_c(p, "flush") {
            flush = true;
        } else if is_c(p, "replace") {
            replace = true;
        } else if !is_c(p, "append") {
            return Err(CmdError::other(
                "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.",
            ));
        }
    }
    if !payload::verify(data) {
        return Err(CmdError::other("ERR DUMP payload version or checksum are wrong"));
    }
    let codes = payload::libraries(data).map_err(|e| CmdError::other(format!("ERR {}", e)))?;
    let policy = if flush {
        RestorePolicy::Flush
    } else if replace {
        RestorePolicy::Replace
    } else {
        RestorePolicy::Append
    };
    match restore_libraries(ctx.st, &codes, policy) {
        Ok(()) => {
            ctx.dirty();
            Ok(Reply::ok())
        }
        Err(e) => Ok(e),
    }
}

/// How restored libraries join the current ones (FUNCTION RESTORE's policy; an RDB load
/// flushes, or replaces when merging).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RestorePolicy {
    /// The restored libraries replace all current ones.
    Flush,
    /// A restored library whose name exists is an error.
    Append,
    /// A restored library replaces the current one of its name.
    Replace,
}

/// Loads library codes (FUNCTION RESTORE, `RDB_OPCODE_FUNCTION2`) atomically: every library
/// loads into a fresh context and interpreter first (errors leave the current ones as they
/// are), then joins the current ones by `policy`. The error is Redis's reply.
pub fn restore_libraries(st: &mut EngineState, codes: &[Vec<u8>], policy: RestorePolicy) -> Result<(), Reply> {
    let mut vm = st.scripting.new_vm(false);
    let mut fresh = Libraries::default();
    for code in codes {
        let lib = create_library(st, &mut vm, &fresh, code, false)?;
        if let Some(f) = fresh.collision(&lib, None) {
            return Err(Reply::error(format!("ERR Function {} already exists", String::from_utf8_lossy(&f))));
        }
        fresh.link(lib);
    }
    if policy == RestorePolicy::Flush {
        st.scripting.libraries = fresh;
        st.scripting.func_vm = Some(vm);
        return Ok(());
    }
    drop(vm);
    let current = &st.scripting.libraries;
    let mut joined = current.clone();
    for lib in fresh.iter() {
        if current.get(&lib.name).is_some() {
            if policy != RestorePolicy::Replace {
                return Err(Reply::error(format!("ERR Library {} already exists", String::from_utf8_lossy(&lib.name))));
            }
            joined.unlink(&lib.name);
        }
    }
    for lib in fresh.iter() {
        if let Some(f) = joined.collision(lib, None) {
            return Err(Reply::error(format!("ERR Function {} already exists", String::from_utf8_lossy(&f))));
        }
    }
    // Accepted: the libraries load into the engine's interpreter (they compiled above).
    let mut vm = st.scripting.func_vm.take().unwrap_or_else(|| st.scripting.new_vm(false));
    for lib in fresh.iter() {
        reload(st, &mut vm, lib);
        joined.link(lib.clone());
    }
    st.scripting.func_vm = Some(vm);
    st.scripting.libraries = joined;
    Ok(())
}

/// `FUNCTION STATS`.
pub fn function_stats(ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    let st = &mut *ctx.st;
    let now = st.scripting.busy_host.as_mut().map_or(st.now_us, |b| b.now_us());
    let running = match &st.scripting.running {
        Some(r) if r.eval => return Err(CmdError::other(super::BUSY_EVAL)),
        Some(r) => Reply::Map(vec![
            (Reply::text("name"), Reply::Bulk(r.name.clone())),
            (Reply::text("command"), Reply::Array(r.command.iter().map(|a| Reply::Bulk(a.clone())).collect())),
            (Reply::text("duration_ms"), Reply::Int((now.saturating_sub(r.start_us) / 1000) as i64)),
        ]),
        None => Reply::Nil,
    };
    let libs = &st.scripting.libraries;
    Ok(Reply::Map(vec![
        (Reply::text("running_script"), running),
        (
            Reply::text("engines"),
            Reply::Map(vec![(
                Reply::text(ENGINE),
                Reply::Map(vec![
                    (Reply::text("libraries_count"), Reply::Int(libs.len() as i64)),
                    (Reply::text("functions_count"), Reply::Int(libs.function_count() as i64)),
                ]),
            )]),
        ),
    ]))
}

/// `FUNCTION KILL`.
pub fn function_kill(ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    super::eval::kill(ctx.st, false)
}

/// The shared body of FCALL and FCALL_RO.
fn fcall_generic(ctx: &mut Ctx, args: &mut Args, ro: bool) -> CmdResult {
    let name = args.take();
    let Some((lib, f)) = ctx.st.scripting.libraries.function(name) else {
        return Err(CmdError::other("ERR Function not found"));
    };
    let (library, function, flags) = (lib.name.clone(), f.name.clone(), f.flags);
    let n = numkeys(args, Some("ERR Bad number of keys provided"))?;
    let keys = args.take_n(n);
    let argv = args.take_rest();
    if let Err(e) = prepare_checks(ctx.st, flags, ro) {
        return Ok(e);
    }
    let command = args.all();
    Ok(run(ctx, Target::Function { library: &library, name: &function, command }, flags, ro, keys, argv))
}

/// `FCALL function numkeys [key ...] [arg ...]`.
pub fn fcall(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    fcall_generic(ctx, args, false)
}

/// `FCALL_RO function numkeys [key ...] [arg ...]`.
pub fn fcall_ro(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    fcall_generic(ctx, args, true)
}

/// Whether FCALL / FCALL_RO of `name` is refused under `maxmemory` before it runs
/// (Redis's `fcallGetCommandFlags`).
pub(crate) fn fcall_denyoom(st: &EngineState, name: &[u8]) -> bool {
    st.scripting
        .libraries
        .function(name)
        .is_some_and(|(_, f)| f.flags & (super::flags::ALLOW_OOM | super::flags::NO_WRITES) == 0)
}

/// Whether FCALL / FCALL_RO of `name` counts as a write command before it runs (Redis's
/// `fcallGetCommandFlags`: unless the function declares `no-writes`).
pub(crate) fn fcall_writes(st: &EngineState, name: &[u8]) -> bool {
    st.scripting.libraries.function(name).is_some_and(|(_, f)| f.flags & super::flags::NO_WRITES == 0)
}

/// `FUNCTION HELP`.
pub fn function_help(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Ok(help_reply(&[
        "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "LOAD [REPLACE] <FUNCTION CODE>",
        "    Create a new library with the given library name and code.",
        "DELETE <LIBRARY NAME>",
        "    Delete the given library.",
        "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
        "    Return general information on all the libraries:",
        "    * Library name",
        "    * The engine used to run the Library",
        "    * Library description",
        "    * Functions list",
        "    * Library code (if WITHCODE is given)",
        "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
        "STATS",
        "    Return information about the current function running:",
        "    * Function name",
        "    * Command used to run the function",
        "    * Duration in MS that the function is running",
        "    If no function is running, return nil",
        "    In addition, returns a list of available engines.",
        "KILL",
        "    Kill the current running function.",
        "FLUSH [ASYNC|SYNC]",
        "    Delete all the libraries.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the libraries.",
        "    * SYNC: Synchronously flush the libraries.",
        "DUMP",
        "    Return a serialized payload representing the current libraries, can be restored using FUNCTION \
         RESTORE command",
        "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
        "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
        "    control how to handle existing libraries (default APPEND):",
        "    * FLUSH: delete all existing libraries.",
        "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
        "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
        "      libraries with the new libraries (notice that even on this option there is a chance of failure",
        "      in case of functions name collision with another library).",
        "HELP",
        "    Prints this help.",
    ]))
}
