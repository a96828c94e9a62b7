//! `Lua`: one interpreter set up as Redis 7.0 sets up its own (EVAL or FUNCTION). All `unsafe` FFI lives here;
//! the Redis logic itself is C (`csrc/cinder_vm.c`), which raises every Lua error so no longjmp crosses Rust.

use std::collections::HashMap;
use std::ffi::{c_char, c_int, c_void, CString};

use crate::{wire, Host, LogLevel, RegisteredFunction, Resp, Value};

#[repr(C)]
struct LuaState {
    _opaque: [u8; 0],
}

/// Memory accounting shared with the C allocator (`cinder_mem`).
#[repr(C)]
struct Mem {
    used: usize,
    limit: usize,
}

/// One call or load (`cinder_run` in C; same field order and types).
#[repr(C)]
struct Run {
    host: *mut c_void,
    resp: c_int,
    killed: c_int,
    kill_msg: *mut c_char,
    funcname: *const c_char,
    is_eval: c_int,
    nkeys: c_int,
    nargs: c_int,
    keys: *const *const c_char,
    args: *const *const c_char,
    keys_len: *const usize,
    args_len: *const usize,
    fref: c_int,
    code: *const c_char,
    code_len: usize,
    out: *mut c_char,
    out_len: usize,
    out_cap: usize,
    out_oom: c_int,
    ignore_stats: c_int,
    status: c_int,
    depth: c_int,
}

impl Run {
    fn new(host: *mut c_void, funcname: *const c_char) -> Run {
        Run {
            host,
            resp: 2,
            killed: 0,
            kill_msg: std::ptr::null_mut(),
            funcname,
            is_eval: 0,
            nkeys: 0,
            nargs: 0,
            keys: std::ptr::null(),
            args: std::ptr::null(),
            keys_len: std::ptr::null(),
            args_len: std::ptr::null(),
            fref: -1,
            code: std::ptr::null(),
            code_len: 0,
            out: std::ptr::null_mut(),
            out_len: 0,
            out_cap: 0,
            out_oom: 0,
            ignore_stats: 0,
            status: 0,
            depth: 0,
        }
    }

    /// The output bytes (and frees the C buffer).
    fn take_out(&mut self) -> Vec<u8> {
        if self.out.is_null() {
            return Vec::new();
        }
        // SAFETY: out/out_len describe a C malloc buffer written by cinder_vm.c.
        let v = unsafe { std::slice::from_raw_parts(self.out as *const u8, self.out_len) }.to_vec();
        // SAFETY: allocated by C's realloc.
        unsafe { cinder_free(self.out as *mut c_void) };
        self.out = std::ptr::null_mut();
        v
    }
}

extern "C" {
    fn cinder_lua_new(for_functions: c_int, mem: *mut Mem) -> *mut LuaState;
    fn cinder_lua_close(l: *mut LuaState);
    fn cinder_lua_gc_bytes(l: *mut LuaState) -> usize;
    fn cinder_create_eval(l: *mut LuaState, r: *mut Run) -> c_int;
    fn cinder_run_eval(l: *mut LuaState, r: *mut Run) -> c_int;
    fn cinder_run_function(l: *mut LuaState, r: *mut Run) -> c_int;
    fn cinder_load_library(l: *mut LuaState, r: *mut Run) -> c_int;
    fn cinder_has_eval(l: *mut LuaState, r: *mut Run) -> c_int;
    fn cinder_unref(l: *mut LuaState, r: c_int);
    fn cinder_gc_step(l: *mut LuaState);
    fn cinder_free(p: *mut c_void);
    fn cinder_run_size() -> usize;
}

/// What the C callbacks reach through `Run::host`.
struct HostCtx<'a> {
    host: &'a mut dyn Host,
    reply: Vec<u8>,
    err: Vec<u8>,
    /// Functions registered by the library being loaded: (function, registry ref).
    registered: Vec<(RegisteredFunction, c_int)>,
}

/// # Safety
/// `argv`/`lens` hold `argc` valid (pointer, length) pairs.
unsafe fn argv_slices<'a>(argc: c_int, argv: *const *const c_char, lens: *const usize) -> Vec<&'a [u8]> {
    (0..argc.max(0) as usize)
        .map(|i| {
            // SAFETY: per the function contract.
            unsafe { std::slice::from_raw_parts(*argv.add(i) as *const u8, *lens.add(i)) }
        })
        .collect()
}

/// # Safety
/// `host` is the `HostCtx` of the running call.
unsafe fn ctx<'a>(host: *mut c_void) -> &'a mut HostCtx<'a> {
    // SAFETY: C passes back the pointer Rust gave it for this call, which outlives the call.
    unsafe { &mut *(host as *mut HostCtx<'a>) }
}

#[no_mangle]
unsafe extern "C" fn cinder_rs_call(
    host: *mut c_void,
    argc: c_int,
    argv: *const *const c_char,
    lens: *const usize,
    resp: c_int,
    out: *mut *const c_char,
    outlen: *mut usize,
) -> c_int {
    // SAFETY: C's contract (cinder_vm.c).
    let (c, args) = unsafe { (ctx(host), argv_slices(argc, argv, lens)) };
    c.reply.clear();
    c.host.call_wire(&args, if resp == 3 { Resp::Three } else { Resp::Two }, &mut wire::Wire(&mut c.reply));
    // SAFETY: out pointers are writable; the buffer lives in the HostCtx until the next call.
    unsafe {
        *out = c.reply.as_ptr() as *const c_char;
        *outlen = c.reply.len();
    }
    0
}

#[no_mangle]
unsafe extern "C" fn cinder_rs_log(host: *mut c_void, level: c_int, msg: *const c_char, len: usize) {
    // SAFETY: C's contract.
    let (c, m) = unsafe { (ctx(host), std::slice::from_raw_parts(msg as *const u8, len)) };
    let level = match level {
        0 => LogLevel::Debug,
        1 => LogLevel::Verbose,
        2 => LogLevel::Notice,
        _ => LogLevel::Warning,
    };
    c.host.log(level, m);
}

/// Stores `text` in the context's error buffer and points C at it.
///
/// # Safety
/// `err`/`errlen` writable.
unsafe fn give_err(c: &mut HostCtx, text: Vec<u8>, err: *mut *const c_char, errlen: *mut usize) {
    c.err = text;
    // SAFETY: writable per contract; the buffer lives in the HostCtx.
    unsafe {
        *err = c.err.as_ptr() as *const c_char;
        *errlen = c.err.len();
    }
}

#[no_mangle]
unsafe extern "C" fn cinder_rs_set_repl(
    host: *mut c_void,
    flags: c_int,
    err: *mut *const c_char,
    errlen: *mut usize,
) -> c_int {
    // SAFETY: C's contract.
    let c = unsafe { ctx(host) };
    match c.host.set_repl(flags) {
        Ok(()) => 0,
        Err(e) => {
            // SAFETY: forwarded.
            unsafe { give_err(c, e, err, errlen) };
            1
        }
    }
}

#[no_mangle]
unsafe extern "C" fn cinder_rs_acl(
    host: *mut c_void,
    argc: c_int,
    argv: *const *const c_char,
    lens: *const usize,
    err: *mut *const c_char,
    errlen: *mut usize,
) -> c_int {
    // SAFETY: C's contract.
    let (c, args) = unsafe { (ctx(host), argv_slices(argc, argv, lens)) };
    match c.host.acl_check_cmd(&args) {
        Ok(ok) => ok as c_int,
        Err(e) => {
            // SAFETY: forwarded.
            unsafe { give_err(c, e, err, errlen) };
            -1
        }
    }
}

#[no_mangle]
unsafe extern "C" fn cinder_rs_hook(host: *mut c_void, err: *mut *const c_char, errlen: *mut usize) -> c_int {
    // SAFETY: C's contract.
    let c = unsafe { ctx(host) };
    match c.host.on_hook() {
        Ok(()) => 0,
        Err(e) => {
            // SAFETY: forwarded.
            unsafe { give_err(c, e, err, errlen) };
            1
        }
    }
}

/// functionsVerifyName: `[a-zA-Z0-9_]+`.
fn valid_name(name: &[u8]) -> bool {
    !name.is_empty() && name.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

#[no_mangle]
#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn cinder_rs_register(
    host: *mut c_void,
    name: *const c_char,
    nlen: usize,
    desc: *const c_char,
    dlen: usize,
    has_desc: c_int,
    flags: *const c_char,
    flen: usize,
    fref: c_int,
    err: *mut *const c_char,
    errlen: *mut usize,
) -> c_int {
    // SAFETY: C's contract.
    let c = unsafe { ctx(host) };
    // SAFETY: C's contract: valid (pointer, length) pairs.
    let (name, flags) = unsafe {
        (
            std::slice::from_raw_parts(name as *const u8, nlen).to_vec(),
            std::slice::from_raw_parts(flags as *const u8, flen),
        )
    };
    let description =
        // SAFETY: as above.
        (has_desc != 0).then(|| unsafe { std::slice::from_raw_parts(desc as *const u8, dlen) }.to_vec());
    let fail = |c: &mut HostCtx, text: &str| {
        // SAFETY: forwarded.
        unsafe { give_err(c, text.as_bytes().to_vec(), err, errlen) };
        1
    };
    if !valid_name(&name) {
        return fail(
            c,
            "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long",
        );
    }
    if c.registered.iter().any(|(f, _)| f.name == name) {
        return fail(c, "Function already exists in the library");
    }
    let flags = flags.split(|b| *b == b'\n').filter(|f| !f.is_empty()).map(|f| f.to_vec()).collect();
    c.registered.push((RegisteredFunction { name, flags, description }, fref));
    0
}

#[no_mangle]
unsafe extern "C" fn cinder_sha1_hex(data: *const c_char, len: usize, out40: *mut c_char) {
    // SAFETY: C's contract: `len` readable bytes, 40 writable.
    unsafe {
        let hex = crate::sha1_hex(std::slice::from_raw_parts(data as *const u8, len));
        std::ptr::copy_nonoverlapping(hex.as_ptr(), out40 as *mut u8, 40);
    }
}

/// Calls between two garbage collector steps (script_lua.c's LUA_GC_CYCLE_PERIOD).
const GC_CYCLE_PERIOD: u32 = 50;

/// One Lua interpreter set up as Redis 7.0 sets up its own for EVAL (or for functions: `Lua::new_for_functions`).
pub struct Lua {
    state: *mut LuaState,
    mem: Box<Mem>,
    /// Library key -> its functions (name, registry ref).
    libraries: HashMap<Vec<u8>, Vec<(Vec<u8>, c_int)>>,
    last_ignore_stats: bool,
    gc_count: u32,
}

// SAFETY: the interpreter is owned exclusively by this value and only used through `&mut self`.
unsafe impl Send for Lua {}

impl Drop for Lua {
    fn drop(&mut self) {
        // SAFETY: state came from cinder_lua_new and is closed once.
        unsafe { cinder_lua_close(self.state) };
    }
}

fn c_name(bytes: &[u8]) -> CString {
    CString::new(bytes.iter().map(|&b| if b == 0 { b'?' } else { b }).collect::<Vec<u8>>()).unwrap_or_default()
}

impl Lua {
    fn new(for_functions: bool) -> Lua {
        let mut mem = Box::new(Mem { used: 0, limit: 0 });
        // SAFETY: FFI constructor; `mem` outlives the state (dropped after it, boxed so it does not move).
        let state = unsafe { cinder_lua_new(for_functions as c_int, &mut *mem) };
        assert!(!state.is_null(), "Lua interpreter setup failed");
        debug_assert_eq!(
            // SAFETY: a pure function.
            unsafe { cinder_run_size() },
            std::mem::size_of::<Run>()
        );
        Lua { state, mem, libraries: HashMap::new(), last_ignore_stats: false, gc_count: 0 }
    }

    /// A fresh interpreter for EVAL scripts: libraries base, table, string, math, debug, cjson, cmsgpack, struct,
    /// bit; the `redis` table; `__redis__err__handler`; globals protected as Redis 7.0.15 protects them.
    pub fn new_for_eval() -> Lua {
        Lua::new(false)
    }

    /// A fresh interpreter for FUNCTION libraries (function_lua.c's engine).
    pub fn new_for_functions() -> Lua {
        Lua::new(true)
    }

    /// Caps the interpreter's memory (bytes; 0: no cap, the default as in Redis). An allocation past the cap fails
    /// and the script gets Lua's "not enough memory" error.
    pub fn set_memory_limit(&mut self, bytes: usize) {
        self.mem.limit = bytes;
    }

    /// Compiles an EVAL body (shebang line already blanked/removed by the core, keeping its line feed) and stores it
    /// in the registry as `f_<sha>`. `sha` is 40 lowercase hex chars. On a syntax error, returns Redis's reply text
    /// (like every error of this crate: the full text after `-`, ready to send), e.g.
    /// "ERR Error compiling script (new function): user_script:1: '=' expected near 'x'".
    pub fn create_eval_function(&mut self, sha: &[u8; 40], body: &[u8]) -> Result<(), Vec<u8>> {
        let fname = c_name(&[b"f_".as_slice(), sha].concat());
        let mut run = Run::new(std::ptr::null_mut(), fname.as_ptr());
        run.code = body.as_ptr() as *const c_char;
        run.code_len = body.len();
        // SAFETY: run and the buffers it points to outlive the call.
        unsafe { cinder_create_eval(self.state, &mut run) };
        let out = run.take_out();
        if run.status != 0 {
            let mut e = b"ERR ".to_vec();
            e.extend_from_slice(&sanitize(&out));
            return Err(e);
        }
        Ok(())
    }

    /// Whether `f_<sha>` exists in this interpreter.
    pub fn has_eval_function(&self, sha: &[u8; 40]) -> bool {
        let fname = c_name(&[b"f_".as_slice(), sha].concat());
        let mut run = Run::new(std::ptr::null_mut(), fname.as_ptr());
        // SAFETY: as above.
        unsafe { cinder_has_eval(self.state, &mut run) };
        run.status == 1
    }

    /// Runs `f_<sha>` with KEYS and ARGV set, the error handler, the count hook calling `host.on_hook()`, and
    /// converts the result to a `Value` as script_lua.c's luaCallFunction/luaReplyToRedisReply do (the script starts
    /// in RESP2; `redis.setresp` changes the protocol of `redis.call` replies and how the result converts: under
    /// RESP2 `true` is `Int(1)` and `false` is `Nil`, under RESP3 they are `Bool`; the core writes the value in the
    /// client's protocol). A Lua error becomes `Value::Error` with Redis's exact text (e.g. "ERR user_script:1:
    /// Script attempted to access nonexistent global variable 'a' script: <sha>, on @user_script:1.").
    /// `client_resp` is accepted for symmetry with Redis's code path; the conversion does not depend on it.
    pub fn call_eval_function(
        &mut self,
        sha: &[u8; 40],
        keys: &[&[u8]],
        args: &[&[u8]],
        client_resp: Resp,
        host: &mut dyn Host,
    ) -> Value {
        let _ = client_resp;
        let fname = c_name(&[b"f_".as_slice(), sha].concat());
        let shaname = c_name(sha);
        self.run(true, &fname, &shaname, -1, keys, args, host)
    }

    #[allow(clippy::too_many_arguments)]
    fn run(
        &mut self,
        is_eval: bool,
        lookup: &CString,
        funcname: &CString,
        fref: c_int,
        keys: &[&[u8]],
        args: &[&[u8]],
        host: &mut dyn Host,
    ) -> Value {
        let mut hctx = HostCtx { host, reply: Vec::new(), err: Vec::new(), registered: Vec::new() };
        let key_ptrs: Vec<*const c_char> = keys.iter().map(|k| k.as_ptr() as *const c_char).collect();
        let key_lens: Vec<usize> = keys.iter().map(|k| k.len()).collect();
        let arg_ptrs: Vec<*const c_char> = args.iter().map(|k| k.as_ptr() as *const c_char).collect();
        let arg_lens: Vec<usize> = args.iter().map(|k| k.len()).collect();
        let mut run = Run::new(&mut hctx as *mut HostCtx as *mut c_void, funcname.as_ptr());
        run.is_eval = is_eval as c_int;
        run.nkeys = keys.len() as c_int;
        run.nargs = args.len() as c_int;
        run.keys = key_ptrs.as_ptr();
        run.keys_len = key_lens.as_ptr();
        run.args = arg_ptrs.as_ptr();
        run.args_len = arg_lens.as_ptr();
        run.fref = fref;
        // The eval path looks the function up by name (`code` carries the registry name).
        run.code = lookup.as_ptr();
        // SAFETY: everything `run` points to lives until the call returns.
        unsafe {
            if is_eval {
                cinder_run_eval(self.state, &mut run);
            } else {
                cinder_run_function(self.state, &mut run);
            }
        }
        self.gc_count += 1;
        if self.gc_count == GC_CYCLE_PERIOD {
            // SAFETY: plain API call outside any script.
            unsafe { cinder_gc_step(self.state) };
            self.gc_count = 0;
        }
        self.last_ignore_stats = run.ignore_stats != 0;
        let out = run.take_out();
        match run.status {
            0 => wire::decode(&out, &mut 0),
            2 => Value::Error(b"NOSCRIPT No matching script. Please use EVAL.".to_vec()),
            _ => Value::Error(out),
        }
    }

    /// FUNCTION LOAD: runs a library's code (shebang already removed by the core) in the loading sandbox where only
    /// `redis.register_function` (+ `redis.log`, the version fields) works, with the count hook calling
    /// `host.on_hook()` (an `Err` from it ends the load with that text, as Redis's "FUNCTION LOAD timeout"). Returns
    /// the functions it registered (possibly none: "No functions registered" is the core's check) or Redis's full
    /// error text, e.g. "ERR Error compiling function: user_function:1: ..." or
    /// "ERR Error registering functions: ...".
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
        let mut hctx = HostCtx { host, reply: Vec::new(), err: Vec::new(), registered: Vec::new() };
        let name = c_name(library);
        let mut run = Run::new(&mut hctx as *mut HostCtx as *mut c_void, name.as_ptr());
        run.code = code.as_ptr() as *const c_char;
        run.code_len = code.len();
        // SAFETY: everything `run` points to lives until the call returns.
        unsafe { cinder_load_library(self.state, &mut run) };
        let out = run.take_out();
        let registered = std::mem::take(&mut hctx.registered);
        if run.status != 0 {
            for (_, r) in &registered {
                // SAFETY: refs created by this load.
                unsafe { cinder_unref(self.state, *r) };
            }
            return Err(out);
        }
        self.drop_library(library);
        let funcs = registered.iter().map(|(f, r)| (f.name.clone(), *r)).collect();
        self.libraries.insert(library.to_vec(), funcs);
        Ok(registered.into_iter().map(|(f, _)| f).collect())
    }

    /// Removes a library's functions from the interpreter (FUNCTION DELETE / FLUSH).
    pub fn drop_library(&mut self, library: &[u8]) {
        if let Some(funcs) = self.libraries.remove(library) {
            for (_, r) in funcs {
                // SAFETY: a ref this crate created.
                unsafe { cinder_unref(self.state, r) };
            }
        }
    }

    /// FCALL: runs a registered function with (keys, args) as its two table arguments. `function` matches the
    /// registered name exactly or else case-insensitively, as Redis's function dictionary. An unknown
    /// (library, function) gives an error value (the core checks names first, as Redis does).
    pub fn call_library_function(
        &mut self,
        library: &[u8],
        function: &[u8],
        keys: &[&[u8]],
        args: &[&[u8]],
        client_resp: Resp,
        host: &mut dyn Host,
    ) -> Value {
        let _ = client_resp;
        // Redis looks functions up case-insensitively (functionDictType); a loaded library's names are unique that way.
        let fs = self.libraries.get(library);
        let found = fs
            .and_then(|fs| fs.iter().find(|(n, _)| n == function))
            .or_else(|| fs.and_then(|fs| fs.iter().find(|(n, _)| n.eq_ignore_ascii_case(function))));
        let Some(fref) = found.map(|(_, r)| *r) else {
            return Value::Error(b"ERR Function not found".to_vec());
        };
        let name = c_name(function);
        self.run(false, &name, &name, fref, keys, args, host)
    }

    /// Whether the error `Value` returned by the last `call_*` came from a `redis.call` error reply that Redis does
    /// not count again in its error stats (script_lua.c's `ignore_error_stats_update`).
    pub fn last_error_ignores_stats(&self) -> bool {
        self.last_ignore_stats
    }

    /// Bytes the interpreter holds (INFO `used_memory_lua`, `used_memory_vm_functions`): Lua's own count, as Redis's
    /// luaMemory (`lua_gc(LUA_GCCOUNT)` in KB times 1024).
    pub fn used_memory(&self) -> usize {
        // SAFETY: plain API call.
        unsafe { cinder_lua_gc_bytes(self.state) }
    }

    /// Bytes allocated through this interpreter's allocator (exact).
    pub fn allocated_bytes(&self) -> usize {
        self.mem.used
    }
}

/// addReplyErrorFormat's cleaning: trims CR/LF at both ends, maps inner ones to spaces.
fn sanitize(s: &[u8]) -> Vec<u8> {
    let mut a = 0;
    let mut b = s.len();
    while a < b && (s[a] == b'\r' || s[a] == b'\n') {
        a += 1;
    }
    while b > a && (s[b - 1] == b'\r' || s[b - 1] == b'\n') {
        b -= 1;
    }
    s[a..b].iter().map(|&c| if c == b'\r' || c == b'\n' { b' ' } else { c }).collect()
}
