//! Cinder's cjson, cmsgpack, struct and bit libraries against outputs recorded from redis-server 7.0.15.
//!
//! `redis_libs_cases.txt` holds Lua chunk bodies (`case:`) and what real Redis returned for them (`want:`),
//! both run inside `redis_libs_prelude.lua`, which pcalls the body and renders every result (or the error
//! message) as one line. `gen_redis_libs_expected.py` regenerates the `want:` lines from a live server.
//! The C API is declared here directly: the test drives the crate's C, not its safe API.

use std::ffi::{c_char, c_int, c_void};

use cinder_lua as _;

#[allow(non_camel_case_types)]
type lua_State = c_void;

extern "C" {
    fn luaL_newstate() -> *mut lua_State;
    fn luaL_openlibs(l: *mut lua_State);
    fn lua_close(l: *mut lua_State);
    fn luaL_loadbuffer(l: *mut lua_State, buf: *const c_char, sz: usize, name: *const c_char) -> c_int;
    fn lua_pcall(l: *mut lua_State, nargs: c_int, nresults: c_int, errfunc: c_int) -> c_int;
    fn lua_tolstring(l: *mut lua_State, idx: c_int, len: *mut usize) -> *const c_char;
    fn lua_settop(l: *mut lua_State, idx: c_int);
    fn cinder_open_redis_libs(l: *mut lua_State);
}

/// A Lua state with the standard libraries and Redis's four extra ones.
struct State(*mut lua_State);

impl State {
    fn new() -> State {
        // SAFETY: plain state creation; the pointer is checked and owned by the returned value.
        let l = unsafe { luaL_newstate() };
        assert!(!l.is_null());
        // SAFETY: `l` is a fresh valid state; both calls run in unprotected mode but cannot fail short of OOM.
        unsafe {
            luaL_openlibs(l);
            cinder_open_redis_libs(l);
        }
        State(l)
    }

    /// Runs `code` (chunk name `@user_script`, as Redis names EVAL bodies) and returns its first result as a
    /// string, or the error message prefixed with "LUA-ERROR ".
    fn run(&self, code: &str) -> String {
        let name = c"@user_script";
        // SAFETY: `self.0` is valid; the buffer and name outlive the calls; the stack is reset afterwards.
        unsafe {
            let mut status = luaL_loadbuffer(self.0, code.as_ptr().cast(), code.len(), name.as_ptr());
            if status == 0 {
                status = lua_pcall(self.0, 0, 1, 0);
            }
            let mut len = 0usize;
            let p = lua_tolstring(self.0, -1, &mut len);
            let text = if p.is_null() {
                "(not a string)".to_string()
            } else {
                String::from_utf8_lossy(std::slice::from_raw_parts(p.cast::<u8>(), len)).into_owned()
            };
            lua_settop(self.0, 0);
            if status == 0 {
                text
            } else {
                format!("LUA-ERROR {text}")
            }
        }
    }
}

impl Drop for State {
    fn drop(&mut self) {
        // SAFETY: the state is owned and closed once.
        unsafe { lua_close(self.0) }
    }
}

const PRELUDE: &str = include_str!("redis_libs_prelude.lua");
const CASES: &str = include_str!("redis_libs_cases.txt");

/// The (line number, case body, expected line) triples of the cases file.
fn cases() -> Vec<(usize, &'static str, &'static str)> {
    let lines: Vec<&str> = CASES.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if let Some(body) = line.strip_prefix("case: ") {
            let want = lines.get(i + 1).and_then(|l| l.strip_prefix("want: ")).expect("a want: line after each case");
            out.push((i + 1, body, want));
        }
    }
    out
}

#[test]
fn redis_libs_match_redis() {
    let cases = cases();
    assert!(cases.len() >= 120, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for (line, body, want) in &cases {
        // A fresh state per case: some cases change cjson's configuration.
        let state = State::new();
        let got = state.run(&PRELUDE.replace("--[[CASE]]", body));
        if got != *want {
            failures.push(format!("line {line}: {body}\n   want: {want}\n    got: {got}"));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases differ:\n{}", failures.len(), cases.len(), failures.join("\n"));
}
