//! Builds PUC Lua 5.1.5 (the sources packaged by the `lua-src` crate; no Lua source in this repository) with the
//! changes Redis 7.0.15 makes to its copy (`deps/lua`: read-only tables, no bytecode loading, full string hashing),
//! applied as small text edits on a copy in OUT_DIR, then this crate's own C (`csrc/**/*.c`, Redis's libraries and
//! the VM glue) and the libc shim (`libc/`).
//!
//! One configuration on every target: `LUA_ANSI` (as Redis's deps/Makefile), `LUA_USELONGLONG` (64-bit integer
//! formats also on wasm32), and `libc/cinder_route.h` force-included so that number formatting (`sprintf`), parsing
//! (`strtod`), the maths functions and double-to-integer casts come from the shim on both targets, never from
//! glibc on one side. Only the optimisation level differs: -O2 on the server, -Oz on wasm32 (11 KiB less gzip at
//! -Os, 1.9 KiB more at -Oz for about 2% of EVALSHA calls per second; no floating-point contraction or fast-math
//! either way, so the results are the same). On wasm32-unknown-unknown
//! the C is compiled by clang 19 (`CINDER_WASM_CC`, default
//! `clang-19`) against the shim's own headers (`libc/include`) with wasm exception handling for setjmp/longjmp.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Redis 7.0.15's edits to Lua 5.1.5 (file, text to find, replacement). Each must match exactly once.
const PATCHES: &[(&str, &str, &str)] = &[
    // Read-only tables (lobject.h, ltable.c, lapi.c, lvm.c, lua.h).
    (
        "lobject.h",
        "  lu_byte lsizenode;  /* log2 of size of `node' array */",
        "  int readonly;\n  lu_byte lsizenode;  /* log2 of size of `node' array */",
    ),
    ("ltable.c", "  t->lsizenode = 0;\n", "  t->lsizenode = 0;\n  t->readonly = 0;\n"),
    (
        "lapi.c",
        "  api_check(L, ttistable(t));\n  setobj2t(L, luaH_set(L, hvalue(t), L->top-2), L->top-1);",
        "  api_check(L, ttistable(t));\n  if (hvalue(t)->readonly)\n    luaG_runerror(L, \"Attempt to modify a readonly table\");\n  setobj2t(L, luaH_set(L, hvalue(t), L->top-2), L->top-1);",
    ),
    (
        "lapi.c",
        "  api_check(L, ttistable(o));\n  setobj2t(L, luaH_setnum(L, hvalue(o), n), L->top-1);",
        "  api_check(L, ttistable(o));\n  if (hvalue(o)->readonly)\n    luaG_runerror(L, \"Attempt to modify a readonly table\");\n  setobj2t(L, luaH_setnum(L, hvalue(o), n), L->top-1);",
    ),
    (
        "lapi.c",
        "    case LUA_TTABLE: {\n      hvalue(obj)->metatable = mt;",
        "    case LUA_TTABLE: {\n      if (hvalue(obj)->readonly)\n        luaG_runerror(L, \"Attempt to modify a readonly table\");\n      hvalue(obj)->metatable = mt;",
    ),
    (
        "lapi.c",
        "    if (L->stack_last - L->top <= size)\n      res = (luaD_rawrunprotected(L, &growstack, &size) == 0);\n    if (res && L->ci->top < L->top + size)",
        "    (void)growstack;\n    luaD_checkstack(L, size);\n    if (L->ci->top < L->top + size)",
    ),
    (
        "lapi.c",
        "LUA_API const char *lua_setupvalue (lua_State *L, int funcindex, int n) {",
        "LUA_API void lua_enablereadonlytable (lua_State *L, int objindex, int enabled) {\n  const TValue* o = index2adr(L, objindex);\n  api_check(L, ttistable(o));\n  hvalue(o)->readonly = enabled;\n}\n\nLUA_API int lua_isreadonlytable (lua_State *L, int objindex) {\n  const TValue* o = index2adr(L, objindex);\n  api_check(L, ttistable(o));\n  return hvalue(o)->readonly;\n}\n\nLUA_API const char *lua_setupvalue (lua_State *L, int funcindex, int n) {",
    ),
    (
        "lvm.c",
        "      Table *h = hvalue(t);\n      TValue *oldval = luaH_set(L, h, key); /* do a primitive set */",
        "      Table *h = hvalue(t);\n      if (h->readonly)\n        luaG_runerror(L, \"Attempt to modify a readonly table\");\n      TValue *oldval = luaH_set(L, h, key); /* do a primitive set */",
    ),
    (
        "lua.h",
        "LUA_API int lua_gethookcount (lua_State *L);\n",
        "LUA_API int lua_gethookcount (lua_State *L);\n\nLUA_API void lua_enablereadonlytable (lua_State *L, int index, int enabled);\nLUA_API int lua_isreadonlytable (lua_State *L, int index);\n",
    ),
    // Source only: a chunk starting with ESC is parsed as text, never undumped.
    (
        "ldo.c",
        "  tf = ((c == LUA_SIGNATURE[0]) ? luaU_undump : luaY_parser)(L, p->z,",
        "  (void)c;\n  tf = (luaY_parser)(L, p->z,",
    ),
    // Every byte of a string is hashed.
    ("lstring.c", "  size_t step = (l>>5)+1;", "  size_t step = 1;"),
    // Double-to-integer conversions with one behaviour on every target (x86-64's, as Redis on Linux).
    (
        "luaconf.h",
        "#define lua_number2int(i,d)\t((i)=(int)(d))\n#define lua_number2integer(i,d)\t((i)=(lua_Integer)(d))",
        "#define lua_number2int(i,d)\t((i)=cinder_d2i(d))\n#define lua_number2integer(i,d)\t((i)=(lua_Integer)cinder_d2ll(d))",
    ),
    ("lstrlib.c", "(int)luaL_checknumber(L, arg)", "(int)cinder_d2i(luaL_checknumber(L, arg))"),
    (
        "lstrlib.c",
        "(LUA_INTFRM_T)luaL_checknumber(L, arg)",
        "(LUA_INTFRM_T)cinder_d2ll(luaL_checknumber(L, arg))",
    ),
    (
        "lstrlib.c",
        "(unsigned LUA_INTFRM_T)luaL_checknumber(L, arg)",
        "(unsigned LUA_INTFRM_T)cinder_d2ull(luaL_checknumber(L, arg))",
    ),
];

/// Lua's files Redis does not use (`io`, `os`, `package`, `luaL_openlibs`).
const SKIPPED: &[&str] = &["linit.c", "liolib.c", "loslib.c", "loadlib.c", "lua.c", "luac.c", "print.c"];

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let target = std::env::var("TARGET").expect("TARGET");
    let wasm = target.starts_with("wasm32");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=csrc");
    println!("cargo:rerun-if-changed=libc");
    println!("cargo:rerun-if-env-changed=CINDER_WASM_CC");
    println!("cargo:rerun-if-env-changed=CINDER_WASM_AR");

    let src = lua_src_dir();
    let lua_dir = out.join("lua-5.1.5");
    std::fs::create_dir_all(&lua_dir).expect("mkdir lua");
    let mut lua_files = Vec::new();
    for entry in std::fs::read_dir(&src).expect("lua-src sources") {
        let path = entry.expect("entry").path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if !(name.ends_with(".c") || name.ends_with(".h")) {
            continue;
        }
        let mut text = std::fs::read_to_string(&path).expect("read lua source");
        for (file, from, to) in PATCHES {
            if *file == name {
                assert_eq!(text.matches(from).count(), 1, "patch of {name} does not apply: {from}");
                text = text.replace(from, to);
            }
        }
        std::fs::write(lua_dir.join(&name), text).expect("write lua source");
        if name.ends_with(".c") && !SKIPPED.contains(&name.as_str()) {
            lua_files.push(lua_dir.join(&name));
        }
    }
    lua_files.sort();

    let libc_dir = manifest.join("libc");
    let route = libc_dir.join("cinder_route.h");
    let configure = |b: &mut cc::Build, sjlj: bool| {
        b.warnings(false).define("LUA_ANSI", None).define("LUA_USELONGLONG", None);
        b.define("ENABLE_CJSON_GLOBAL", None).define("REDIS_STATIC", Some(""));
        b.opt_level_str(if wasm { "z" } else { "2" }).debug(false);
        if wasm {
            b.compiler(std::env::var("CINDER_WASM_CC").unwrap_or_else(|_| "clang-19".into()));
            b.archiver(std::env::var("CINDER_WASM_AR").unwrap_or_else(|_| "llvm-ar-19".into()));
            b.flag("-nostdlibinc").flag("-isystem").flag(libc_dir.join("include").to_str().unwrap());
            b.flag("-mexception-handling").flag("-mnontrapping-fptoint").flag("-mbulk-memory");
            if sjlj {
                b.flag("-mllvm").flag("-wasm-enable-sjlj");
            }
        }
    };

    // Lua itself and the Lua-API C of this crate: one library, same flags.
    let mut c = cc::Build::new();
    configure(&mut c, true);
    c.include(&lua_dir).include(manifest.join("csrc"));
    c.flag("-include").flag(route.to_str().unwrap());
    for f in &lua_files {
        c.file(f);
    }
    let mut own = Vec::new();
    collect_c(&manifest.join("csrc"), &mut own);
    own.sort();
    for f in &own {
        c.file(f);
    }
    c.compile("cinder_lua_c");

    // The shim (its own C is never compiled with -wasm-enable-sjlj: it implements the setjmp runtime).
    let mut s = cc::Build::new();
    configure(&mut s, false);
    s.file(libc_dir.join("src/printf.c"));
    if wasm {
        s.file(libc_dir.join("src/libc.c"));
    }
    s.compile("cinder_libc");
}

/// All `.c` files under `dir`, recursively.
fn collect_c(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            collect_c(&path, out);
        } else if path.extension().is_some_and(|e| e == "c") {
            out.push(path);
        }
    }
}

/// The directory of the Lua 5.1.5 sources inside the `lua-src` package: `CINDER_LUA_SRC_DIR`, else the registry's
/// unpacked copy, else what `cargo metadata` says (vendored sources, path overrides).
fn lua_src_dir() -> PathBuf {
    println!("cargo:rerun-if-env-changed=CINDER_LUA_SRC_DIR");
    if let Ok(dir) = std::env::var("CINDER_LUA_SRC_DIR") {
        return PathBuf::from(dir);
    }
    // The registry's unpacked sources (the usual case): $CARGO_HOME/registry/src/<index>/lua-src-<version>.
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    if let Some(home) = cargo_home {
        if let Ok(indexes) = std::fs::read_dir(home.join("registry/src")) {
            for index in indexes.flatten() {
                let dir = index.path().join(concat!("lua-src-", "551.1.0")).join("lua-5.1.5");
                if dir.join("lapi.c").exists() {
                    return dir;
                }
            }
        }
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--offline"])
        .current_dir(std::env::var("CARGO_MANIFEST_DIR").unwrap())
        .output()
        .expect("cargo metadata");
    let json = String::from_utf8_lossy(&output.stdout);
    // Find the package named lua-src at version 551.x and its manifest_path (no JSON parser needed: the fields of
    // one package object come between its `"name":"lua-src"` and the next `"manifest_path"`).
    let mut rest = &json[..];
    while let Some(i) = rest.find("\"name\":\"lua-src\",\"version\":\"551.") {
        rest = &rest[i..];
        let key = "\"manifest_path\":\"";
        let j = rest.find(key).expect("manifest_path") + key.len();
        let end = rest[j..].find('"').expect("end of manifest_path") + j;
        let manifest = PathBuf::from(rest[j..end].replace("\\\\", "\\"));
        let dir = manifest.parent().unwrap().join("lua-5.1.5");
        if dir.join("lapi.c").exists() {
            return dir;
        }
        rest = &rest[end..];
    }
    panic!("lua-src 551.x sources not found by cargo metadata (set CINDER_LUA_SRC_DIR)");
}
