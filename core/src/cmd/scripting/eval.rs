//! EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT (Redis 7.0's `eval.c`).

use super::cache::{sha_key, Script};
use super::flags::eval_shebang;
use super::run::{prepare_checks, run, Target};
use super::NOSCRIPT;
use crate::cmd::server::help_reply;
use crate::cmd::{is_c, Args, Ctx};
use crate::engine::EngineState;
use crate::error::{CmdError, CmdResult};
use crate::numfmt::parse_i64;
use crate::reply::Reply;

/// An error text from the Lua crate or a parser as Redis's `addReplyError` sends it
/// (an `ERR ` code added unless the text has one).
pub(crate) fn err_reply(text: &[u8]) -> Reply {
    let t = String::from_utf8_lossy(text);
    if t.starts_with("ERR ") {
        Reply::error(t.into_owned())
    } else {
        Reply::error(format!("ERR {}", t))
    }
}

/// Redis's `luaCreateFunction`: compiles `body` into the EVAL interpreter and caches it
/// (nothing to do when it is cached); its SHA-1, or the error reply.
pub(crate) fn create_function(st: &mut EngineState, body: &[u8]) -> Result<[u8; 40], Reply> {
    let sha = cinder_lua::sha1_hex(body);
    if st.scripting.scripts.contains(&sha) {
        return Ok(sha);
    }
    let shebang = eval_shebang(body).map_err(|e| err_reply(e.as_bytes()))?;
    if st.scripting.eval_vm.is_none() {
        st.scripting.eval_vm = Some(st.scripting.new_vm(true));
    }
    let vm = st.scripting.eval_vm.as_mut().expect("created above");
    vm.create_eval_function(&sha, &body[shebang.len..]).map_err(|e| err_reply(&e))?;
    st.scripting.scripts.insert(sha, Script { body: body.to_vec(), flags: shebang.flags });
    Ok(sha)
}

/// The number of keys of EVAL or FCALL (`argv[2]`) checked against the arguments that
/// follow, or the error reply (`bad_number` is FCALL's text for a non-number).
pub(crate) fn numkeys(args: &mut Args, bad_number: Option<&'static str>) -> Result<usize, CmdError> {
    let n = parse_i64(args.take()).ok_or(match bad_number {
        Some(t) => CmdError::other(t),
        None => CmdError::NotInteger,
    })?;
    if n > args.remaining() as i64 {
        return Err(CmdError::other("ERR Number of keys can't be greater than number of args"));
    }
    if n < 0 {
        return Err(CmdError::other("ERR Number of keys can't be negative"));
    }
    Ok(n as usize)
}

/// The shared body of the four EVAL commands.
fn eval_generic(ctx: &mut Ctx, args: &mut Args, evalsha: bool, ro: bool) -> CmdResult {
    let script = args.take();
    if evalsha && script.len() != 40 {
        return Err(CmdError::other(NOSCRIPT));
    }
    let n = numkeys(args, None)?;
    let keys = args.take_n(n);
    let argv = args.take_rest();
    let sha = if evalsha {
        match sha_key(script).filter(|k| ctx.st.scripting.scripts.contains(k)) {
            Some(k) => k,
            None => return Err(CmdError::other(NOSCRIPT)),
        }
    } else {
        match create_function(ctx.st, script) {
            Ok(sha) => sha,
            Err(e) => return Ok(e),
        }
    };
    let flags = ctx.st.scripting.scripts.get(&sha).map_or(0, |s| s.flags);
    if let Err(e) = prepare_checks(ctx.st, flags, ro) {
        return Ok(e);
    }
    Ok(run(ctx, Target::Eval(&sha), flags, ro, keys, argv))
}

/// `EVAL script numkeys [key ...] [arg ...]`.
pub fn eval(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    eval_generic(ctx, args, false, false)
}

/// `EVAL_RO script numkeys [key ...] [arg ...]`.
pub fn eval_ro(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    eval_generic(ctx, args, false, true)
}

/// `EVALSHA sha1 numkeys [key ...] [arg ...]`.
pub fn evalsha(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    eval_generic(ctx, args, true, false)
}

/// `EVALSHA_RO sha1 numkeys [key ...] [arg ...]`.
pub fn evalsha_ro(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    eval_generic(ctx, args, true, true)
}

/// Whether an EVAL-family command is refused under `maxmemory` before it runs (Redis's
/// `evalGetCommandFlags`: a script with a shebang is `denyoom` unless it declares
/// `allow-oom` or `no-writes`; without one the command's own flags apply).
pub(crate) fn eval_denyoom(st: &EngineState, evalsha: bool, script: &[u8]) -> bool {
    eval_script_flags(st, evalsha, script).is_some_and(|flags| {
        flags & super::flags::EVAL_COMPAT_MODE == 0 && flags & (super::flags::ALLOW_OOM | super::flags::NO_WRITES) == 0
    })
}

/// Whether an EVAL-family command counts as a write command before it runs (Redis's
/// `evalGetCommandFlags`: a script with a shebang writes unless it declares `no-writes`).
pub(crate) fn eval_writes(st: &EngineState, evalsha: bool, script: &[u8]) -> bool {
    eval_script_flags(st, evalsha, script)
        .is_some_and(|flags| flags & super::flags::EVAL_COMPAT_MODE == 0 && flags & super::flags::NO_WRITES == 0)
}

/// Whether the script an EVAL-family command names writes, by the flags it declared
/// (Redis's `scriptFlagsToCmdFlags`); `None` when unknown or without declared flags (the
/// command's own flags then apply).
pub(crate) fn eval_declared_writes(st: &EngineState, evalsha: bool, script: &[u8]) -> Option<bool> {
    eval_script_flags(st, evalsha, script)
        .filter(|flags| flags & super::flags::EVAL_COMPAT_MODE == 0)
        .map(|flags| flags & super::flags::NO_WRITES == 0)
}

/// The flags of the script an EVAL-family command names (by body or SHA1), if known.
fn eval_script_flags(st: &EngineState, evalsha: bool, script: &[u8]) -> Option<u32> {
    if evalsha {
        return st.scripting.scripts.get(script).map(|s| s.flags);
    }
    let sha = cinder_lua::sha1_hex(script);
    match st.scripting.scripts.get(&sha) {
        Some(s) => Some(s.flags),
        None => eval_shebang(script).ok().map(|s| s.flags),
    }
}

/// `SCRIPT LOAD script`.
pub fn script_load(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    match create_function(ctx.st, args.take()) {
        Ok(sha) => Ok(Reply::Bulk(sha.to_vec())),
        Err(e) => Ok(e),
    }
}

/// `SCRIPT EXISTS sha1 [sha1 ...]`.
pub fn script_exists(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let cache = &ctx.st.scripting.scripts;
    Ok(Reply::Array(args.take_rest().iter().map(|s| Reply::Int(cache.contains(s) as i64)).collect()))
}

/// `SCRIPT FLUSH [ASYNC|SYNC]`: forgets every script and starts a fresh interpreter.
pub fn script_flush(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let ok = match args.remaining() {
        0 => true,
        1 => {
            let m = args.take();
            is_c(m, "sync") || is_c(m, "async")
        }
        _ => false,
    };
    if !ok {
        return Err(CmdError::other("ERR SCRIPT FLUSH only support SYNC|ASYNC option"));
    }
    ctx.st.scripting.scripts.clear();
    ctx.st.scripting.eval_vm = None;
    Ok(Reply::ok())
}

/// Redis's `scriptKill`: SCRIPT KILL (`eval`) and FUNCTION KILL.
pub(crate) fn kill(st: &mut EngineState, eval: bool) -> CmdResult {
    let Some(r) = st.scripting.running.as_mut() else {
        return Err(CmdError::other("NOTBUSY No scripts in execution right now."));
    };
    if r.write_dirty {
        return Err(CmdError::other(
            "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the \
             script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.",
        ));
    }
    if eval && !r.eval {
        return Err(CmdError::other(super::BUSY_FUNCTION));
    }
    if !eval && r.eval {
        return Err(CmdError::other(super::BUSY_EVAL));
    }
    r.killed = true;
    Ok(Reply::ok())
}

/// `SCRIPT KILL`.
pub fn script_kill(ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    kill(ctx.st, true)
}

/// `SCRIPT DEBUG YES|SYNC|NO`: the Lua debugger is not available; `NO` is accepted.
pub fn script_debug(_ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let mode = args.take();
    if is_c(mode, "no") {
        Ok(Reply::ok())
    } else if is_c(mode, "yes") || is_c(mode, "sync") {
        Err(CmdError::other("ERR SCRIPT DEBUG is not supported: the Lua debugger is not available"))
    } else {
        Err(CmdError::other("ERR Use SCRIPT DEBUG YES/SYNC/NO"))
    }
}

/// `SCRIPT HELP`.
pub fn script_help(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Ok(help_reply(&[
        "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DEBUG (YES|SYNC|NO)",
        "    Set the debug mode for subsequent scripts executed.",
        "EXISTS <sha1> [<sha1> ...]",
        "    Return information about the existence of the scripts in the script cache.",
        "FLUSH [ASYNC|SYNC]",
        "    Flush the Lua scripts cache. Very dangerous on replicas.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the scripts cache.",
        "    * SYNC: Synchronously flush the scripts cache.",
        "KILL",
        "    Kill the currently executing Lua script.",
        "LOAD <script>",
        "    Load a script into the scripts cache without executing it.",
        "HELP",
        "    Prints this help.",
    ]))
}
