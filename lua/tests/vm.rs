//! Behaviour of the interpreter against texts observed on real Redis 7.0.15 (`EVAL` / `FUNCTION LOAD` / `FCALL`).

use cinder_lua::{sha1_hex, Host, LogLevel, Lua, Resp, Value};

/// A host that answers a few commands like Redis and records logs.
#[derive(Default)]
struct TestHost {
    hooks: usize,
    kill_after: Option<usize>,
    logs: Vec<(LogLevel, Vec<u8>)>,
    calls: Vec<Vec<Vec<u8>>>,
}

impl Host for TestHost {
    fn call(&mut self, argv: &[&[u8]], resp: Resp) -> Value {
        self.calls.push(argv.iter().map(|a| a.to_vec()).collect());
        match argv[0] {
            b"ping" => Value::Status(b"PONG".to_vec()),
            b"echo" => Value::Bulk(argv[1].to_vec()),
            b"get" => Value::Nil,
            b"incr" => Value::Int(1),
            b"hgetall" if resp == Resp::Three => {
                Value::Map(vec![(Value::Bulk(b"f".to_vec()), Value::Bulk(b"v".to_vec()))])
            }
            b"hgetall" => Value::Array(vec![Value::Bulk(b"f".to_vec()), Value::Bulk(b"v".to_vec())]),
            b"dbl" => Value::Double(1.5),
            _ => Value::Error(b"ERR Unknown Redis command called from script".to_vec()),
        }
    }
    fn log(&mut self, level: LogLevel, message: &[u8]) {
        self.logs.push((level, message.to_vec()));
    }
    fn set_repl(&mut self, _flags: i32) -> Result<(), Vec<u8>> {
        Ok(())
    }
    fn acl_check_cmd(&mut self, argv: &[&[u8]]) -> Result<bool, Vec<u8>> {
        if argv[0] == b"nosuch" {
            Err(b"ERR Invalid command passed to redis.acl_check_cmd()".to_vec())
        } else {
            Ok(true)
        }
    }
    fn on_hook(&mut self) -> Result<(), Vec<u8>> {
        self.hooks += 1;
        match self.kill_after {
            Some(n) if self.hooks >= n => Err(b"ERR Script killed by user with SCRIPT KILL...".to_vec()),
            _ => Ok(()),
        }
    }
}

fn eval_with(lua: &mut Lua, host: &mut TestHost, body: &str, keys: &[&[u8]], args: &[&[u8]]) -> (Value, String) {
    let sha = sha1_hex(body.as_bytes());
    if let Err(e) = lua.create_eval_function(&sha, body.as_bytes()) {
        return (Value::Error(e), String::from_utf8(sha.to_vec()).unwrap());
    }
    (lua.call_eval_function(&sha, keys, args, Resp::Two, host), String::from_utf8(sha.to_vec()).unwrap())
}

fn eval(body: &str) -> Value {
    let mut lua = Lua::new_for_eval();
    eval_with(&mut lua, &mut TestHost::default(), body, &[], &[]).0
}

fn bulk(s: &str) -> Value {
    Value::Bulk(s.as_bytes().to_vec())
}

fn err(s: &str) -> Value {
    Value::Error(s.as_bytes().to_vec())
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn number_formatting_matches_redis() {
    let v = eval(
        "return tostring(0.1) .. ' ' .. string.format('%.3f', 2/3) .. ' ' .. tostring(1e300*10) .. ' ' .. \
         tostring(-0) .. ' ' .. tostring(tonumber('0x10')) .. ' ' .. tostring(tonumber(' 12 ')) .. ' ' .. \
         math.floor(-3.5)",
    );
    assert_eq!(v, bulk("0.1 0.667 1e+301 -0 16 12 -4"));
    let v = eval(
        "return string.format('%5.2s|%-5d|%+d|%x|%g|%5.1f|%e|%q', 'abc', 42, 7, 255, 1e20, 3.14159, 12345.678, \
         'a\\nb')",
    );
    assert_eq!(v, bulk("   ab|42   |+7|ff|1e+20|  3.1|1.234568e+04|\"a\\\nb\""));
    assert_eq!(eval("return string.format('%x %d %c', -1, 1e20, 65)"), bulk("ffffffffffffffff -9223372036854775808 A"));
    assert_eq!(eval("return tostring(1e308*10) .. tostring(-1e308*10)"), bulk("inf-inf"));
    assert_eq!(
        eval("return tostring(1/3) .. ' ' .. tostring(2^53) .. ' ' .. tostring(123456789012345678)"),
        bulk("0.33333333333333 9.007199254741e+15 1.2345678901235e+17")
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn conversions_resp2() {
    assert_eq!(
        eval("return {1e20, -1e20, 3.99, -3.99, 'x', true, false, {1, 2}}"),
        Value::Array(vec![
            Value::Int(i64::MIN),
            Value::Int(i64::MIN),
            Value::Int(3),
            Value::Int(-3),
            bulk("x"),
            Value::Int(1),
            Value::Nil,
            Value::Array(vec![Value::Int(1), Value::Int(2)]),
        ])
    );
    assert_eq!(eval("return {1, nil, 3}"), Value::Array(vec![Value::Int(1)]));
    assert_eq!(eval("return {ok='fine'}"), Value::Status(b"fine".to_vec()));
    assert_eq!(eval("return {err='My Error'}"), err("My Error"));
    assert_eq!(eval("return redis.error_reply('boom')"), err("ERR boom"));
    assert_eq!(eval("return redis.error_reply('-CODE boom')"), err("CODE boom"));
    assert_eq!(eval("return redis.status_reply('OK')"), Value::Status(b"OK".to_vec()));
    assert_eq!(eval("return nil"), Value::Nil);
    assert_eq!(eval("return redis.call('get', 'x')"), Value::Bool(false).clone().pipe_false());
    assert_eq!(eval("return redis.call('ping')"), Value::Status(b"PONG".to_vec()));
    assert_eq!(eval("return redis.call('hgetall', 'h')"), Value::Array(vec![bulk("f"), bulk("v")]));
}

trait PipeFalse {
    fn pipe_false(self) -> Value;
}
impl PipeFalse for Value {
    /// A RESP2 nil bulk reply becomes `false` in Lua, which converts back to a nil reply.
    fn pipe_false(self) -> Value {
        Value::Nil
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn conversions_resp3() {
    assert_eq!(eval("redis.setresp(3) return redis.call('hgetall', 'h')"), Value::Map(vec![(bulk("f"), bulk("v"))]));
    assert_eq!(
        eval("redis.setresp(3) return {true, false}"),
        Value::Array(vec![Value::Bool(true), Value::Bool(false)])
    );
    assert_eq!(eval("redis.setresp(3) return redis.call('dbl')"), Value::Double(1.5));
    assert_eq!(eval("return {double=2.5}"), Value::Double(2.5));
    assert_eq!(eval("return {big_number='123'}"), Value::BigNumber(b"123".to_vec()));
    assert_eq!(eval("return {set={a=true}}"), Value::Set(vec![bulk("a")]));
    assert_eq!(eval("return {verbatim_string={format='txt', string='hi'}}"), Value::Verbatim(*b"txt", b"hi".to_vec()));
    assert_eq!(eval("redis.setresp(3) return redis.call('get', 'x') == nil"), Value::Bool(true));
    assert_eq!(
        eval("redis.setresp(4)").clone(),
        err(&format!(
            "ERR RESP version must be 2 or 3. script: {}, on @user_script:1.",
            String::from_utf8(sha1_hex(b"redis.setresp(4)").to_vec()).unwrap()
        ))
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn errors_match_redis() {
    let mut lua = Lua::new_for_eval();
    let mut h = TestHost::default();
    let (v, sha) = eval_with(&mut lua, &mut h, "return a", &[], &[]);
    assert_eq!(
        v,
        err(&format!(
            "ERR user_script:1: Script attempted to access nonexistent global variable 'a' script: {sha}, on \
             @user_script:1."
        ))
    );
    let (v, _) = eval_with(&mut lua, &mut h, "return 1+", &[], &[]);
    assert_eq!(v, err("ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'"));
    let (v, sha) = eval_with(&mut lua, &mut h, "error('x')", &[], &[]);
    assert_eq!(v, err(&format!("ERR user_script:1: x script: {sha}, on @user_script:1.")));
    let (v, sha) = eval_with(&mut lua, &mut h, "return redis.call('nosuch')", &[], &[]);
    assert_eq!(v, err(&format!("ERR Unknown Redis command called from script script: {sha}, on @user_script:1.")));
    assert!(lua.last_error_ignores_stats());
    let (v, sha) = eval_with(&mut lua, &mut h, "x = 1", &[], &[]);
    assert_eq!(
        v,
        err(&format!("ERR user_script:1: Attempt to modify a readonly table script: {sha}, on @user_script:1."))
    );
    let (v, sha) = eval_with(&mut lua, &mut h, "return redis.call()", &[], &[]);
    assert_eq!(
        v,
        err(&format!(
            "ERR Please specify at least one argument for this redis lib call script: {sha}, on @user_script:1."
        ))
    );
    let (v, sha) = eval_with(&mut lua, &mut h, "return redis.call('get', {})", &[], &[]);
    assert_eq!(
        v,
        err(&format!(
            "ERR Lua redis lib command arguments must be strings or integers script: {sha}, on @user_script:1."
        ))
    );
    let (v, _) = eval_with(&mut lua, &mut h, "return redis.pcall('nosuch')", &[], &[]);
    assert_eq!(v, err("ERR Unknown Redis command called from script"));
    let (v, _) =
        eval_with(&mut lua, &mut h, "local ok, e = pcall(function() error({err='X y'}) end) return e", &[], &[]);
    assert_eq!(v, bulk("X y"));
    let (v, sha) = eval_with(&mut lua, &mut h, "local function f() return f() + 1 end return f()", &[], &[]);
    assert_eq!(v, err(&format!("ERR user_script:1: stack overflow script: {sha}, on @user_script:1.")));
    let (v, _) =
        eval_with(&mut lua, &mut h, "local ok, e = pcall(function() local x = nil; return x.y end) return e", &[], &[]);
    assert_eq!(v, bulk("user_script:1: attempt to index local 'x' (a nil value)"));
    let (v, _) = eval_with(&mut lua, &mut h, "return loadstring(string.dump(function() return 1 end))", &[], &[]);
    assert_eq!(v, Value::Nil);
    let (v, _) = eval_with(&mut lua, &mut h, "string.x = 1", &[], &[]);
    assert!(
        matches!(v, Value::Error(ref e) if e.starts_with(b"ERR user_script:1: Attempt to modify a readonly table"))
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn keys_argv_and_calls() {
    let mut lua = Lua::new_for_eval();
    let mut h = TestHost::default();
    let (v, _) = eval_with(&mut lua, &mut h, "return {KEYS[1], ARGV[1], ARGV[2], #KEYS}", &[b"k"], &[b"a", b"b"]);
    assert_eq!(v, Value::Array(vec![bulk("k"), bulk("a"), bulk("b"), Value::Int(1)]));
    let (v, _) = eval_with(&mut lua, &mut h, "return redis.call('echo', 3.5)", &[], &[]);
    assert_eq!(v, bulk("3.5"));
    let (v, _) = eval_with(&mut lua, &mut h, "return redis.call('echo', 0.1)", &[], &[]);
    assert_eq!(v, bulk("0.10000000000000001"));
    let (_, _) = eval_with(&mut lua, &mut h, "redis.log(redis.LOG_WARNING, 'a', 1)", &[], &[]);
    assert_eq!(h.logs.last().unwrap(), &(LogLevel::Warning, b"a 1".to_vec()));
    let (v, _) = eval_with(
        &mut lua,
        &mut h,
        "return {redis.REDIS_VERSION, redis.REDIS_VERSION_NUM, redis.sha1hex('')}",
        &[],
        &[],
    );
    assert_eq!(
        v,
        Value::Array(vec![bulk("7.0.15"), Value::Int(0x0007000f), bulk("da39a3ee5e6b4b0d3255bfef95601890afd80709")])
    );
    let (v, _) = eval_with(&mut lua, &mut h, "return {redis.replicate_commands(), redis.breakpoint()}", &[], &[]);
    assert_eq!(v, Value::Array(vec![Value::Int(1), Value::Nil]));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn hook_aborts_and_recursion_errors() {
    let mut lua = Lua::new_for_eval();
    let mut h = TestHost { kill_after: Some(3), ..Default::default() };
    let (v, sha) = eval_with(&mut lua, &mut h, "while true do end", &[], &[]);
    assert_eq!(v, err(&format!("ERR Script killed by user with SCRIPT KILL... script: {sha}, on @user_script:1.")));
    let mut h = TestHost { kill_after: Some(2), ..Default::default() };
    let (v, _) = eval_with(&mut lua, &mut h, "while true do pcall(function() while true do end end) end", &[], &[]);
    assert!(matches!(v, Value::Error(ref e) if e.starts_with(b"ERR Script killed")));
    // The interpreter stays usable.
    let mut h = TestHost::default();
    assert_eq!(eval_with(&mut lua, &mut h, "return 1", &[], &[]).0, Value::Int(1));
    let (v, _) = eval_with(&mut lua, &mut h, "local function f() return f() + 1 end return f()", &[], &[]);
    assert!(matches!(v, Value::Error(ref e) if e.windows(14).any(|w| w == b"stack overflow")), "{v:?}");
    let (v, _) = eval_with(
        &mut lua,
        &mut h,
        "local t = setmetatable({}, {__index = function(t, k) return t[k] end}) return t.x",
        &[],
        &[],
    );
    assert!(matches!(v, Value::Error(_)), "{v:?}");
    let (v, _) = eval_with(&mut lua, &mut h, "local t = {} for i = 1, 200000 do t[i] = i end return t", &[], &[]);
    assert!(matches!(v, Value::Array(ref a) if a.len() == 200000));
    // A self-referencing table: Redis nests 7995 arrays then the error; Cinder stops at 1000 levels (both builds).
    let r = eval_with(&mut lua, &mut h, "local t = {} t[1] = t return t", &[], &[]);
    let mut depth = 0;
    let mut cur = &r.0;
    while let Value::Array(a) = cur {
        depth += 1;
        cur = &a[0];
    }
    assert_eq!((depth, cur), (1000, &err("ERR reached lua stack limit")));
    assert_eq!(eval_with(&mut lua, &mut h, "return 2", &[], &[]).0, Value::Int(2));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn functions_load_and_call() {
    let mut lua = Lua::new_for_functions();
    let mut h = TestHost::default();
    let fs = lua
        .load_library(
            b"lib",
            b"redis.register_function('f1', function(keys, args) return {keys[1], args[1]} end)\n\
              redis.register_function{function_name='f2', callback=function() return redis.call('ping') end, \
              flags={'no-writes'}, description='d'}",
            &mut h,
        )
        .unwrap();
    assert_eq!(fs.len(), 2);
    assert_eq!(fs[1].flags, vec![b"no-writes".to_vec()]);
    assert_eq!(fs[1].description.as_deref(), Some(&b"d"[..]));
    let v = lua.call_library_function(b"lib", b"f1", &[b"k"], &[b"a"], Resp::Two, &mut h);
    assert_eq!(v, Value::Array(vec![bulk("k"), bulk("a")]));
    let v = lua.call_library_function(b"lib", b"f2", &[], &[], Resp::Two, &mut h);
    assert_eq!(v, Value::Status(b"PONG".to_vec()));
    let e = lua.load_library(b"lib2", b"redis.register_function('f', 1)", &mut h).unwrap_err();
    assert_eq!(
        String::from_utf8(e).unwrap(),
        "ERR Error registering functions: ERR second argument to redis.register_function must be a function"
    );
    let e = lua.load_library(b"lib2", b"return 1 +", &mut h).unwrap_err();
    assert_eq!(
        String::from_utf8(e).unwrap(),
        "ERR Error compiling function: user_function:1: unexpected symbol near '<eof>'"
    );
    let e = lua.load_library(b"lib2", b"local x = string.format('x')", &mut h).unwrap_err();
    assert!(String::from_utf8(e).unwrap().contains("nonexistent global variable 'string'"));
    let v = lua.call_library_function(b"lib", b"f1", &[], &[], Resp::Two, &mut h);
    assert_eq!(v, Value::Array(vec![]));
    let v = lua.call_library_function(b"lib", b"F2", &[], &[], Resp::Two, &mut h);
    assert_eq!(v, Value::Status(b"PONG".to_vec()));
    let e = lua.load_library(b"lib3", b"redis.register_function('bad\\0format', function() return 1 end)", &mut h);
    assert!(String::from_utf8(e.unwrap_err()).unwrap().contains("Library names can only contain letters"));
    lua.drop_library(b"lib");
    assert!(matches!(lua.call_library_function(b"lib", b"f1", &[], &[], Resp::Two, &mut h), Value::Error(_)));
    assert!(lua.used_memory() > 0);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn memory_limit_gives_lua_memory_error() {
    let mut lua = Lua::new_for_eval();
    let mut h = TestHost::default();
    lua.set_memory_limit(lua.allocated_bytes() + (4 << 20));
    let (v, sha) = eval_with(&mut lua, &mut h, "local t = {} for i = 1, 1e8 do t[i] = i end return #t", &[], &[]);
    assert_eq!(v, err(&format!("ERR Error running script {sha}, not enough memory")));
    lua.set_memory_limit(0);
    assert_eq!(eval_with(&mut lua, &mut h, "return 3", &[], &[]).0, Value::Int(3));
    assert!(lua.used_memory() > 0 && lua.allocated_bytes() > 0);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn load_hook_error_and_function_errors() {
    let mut lua = Lua::new_for_functions();
    let mut h = TestHost { kill_after: Some(1), ..Default::default() };
    struct Timeout;
    impl Host for Timeout {
        fn call(&mut self, _: &[&[u8]], _: Resp) -> Value {
            Value::Nil
        }
        fn log(&mut self, _: LogLevel, _: &[u8]) {}
        fn set_repl(&mut self, _: i32) -> Result<(), Vec<u8>> {
            Ok(())
        }
        fn acl_check_cmd(&mut self, _: &[&[u8]]) -> Result<bool, Vec<u8>> {
            Ok(true)
        }
        fn on_hook(&mut self) -> Result<(), Vec<u8>> {
            Err(b"ERR FUNCTION LOAD timeout".to_vec())
        }
    }
    let e = lua.load_library(b"l", b"while true do end", &mut Timeout).unwrap_err();
    assert_eq!(String::from_utf8(e).unwrap(), "ERR Error registering functions: ERR FUNCTION LOAD timeout");
    let code = b"redis.register_function('a', function() return x end)\n\
                 redis.register_function('b', function() return redis.call('nosuch') end)\n\
                 redis.register_function('c', function() y = 1 end)";
    lua.load_library(b"lib5", code, &mut h).unwrap();
    let mut h = TestHost::default();
    let call =
        |lua: &mut Lua, h: &mut TestHost, f: &[u8]| lua.call_library_function(b"lib5", f, &[], &[], Resp::Two, h);
    assert_eq!(
        call(&mut lua, &mut h, b"a"),
        err("ERR user_function:1: Script attempted to access nonexistent global variable 'x' script: a, on @user_function:1.")
    );
    assert_eq!(
        call(&mut lua, &mut h, b"b"),
        err("ERR Unknown Redis command called from script script: b, on @user_function:2.")
    );
    assert_eq!(
        call(&mut lua, &mut h, b"c"),
        err("ERR user_function:3: Attempt to modify a readonly table script: c, on @user_function:3.")
    );
    for (code, text) in [
        (&b"redis.register_function('f-x', function() return 1 end)"[..], "ERR Error registering functions: ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"),
        (b"redis.register_function{function_name='a', callback=function() return 1 end, flags={'bad'}}", "ERR Error registering functions: ERR unknown flag given"),
        (b"redis.call('ping')", "ERR Error registering functions: ERR user_function:1: Script attempted to access nonexistent global variable 'call'"),
        (b"error('boom')", "ERR Error registering functions: ERR user_function:1: Script attempted to access nonexistent global variable 'error'"),
        (b"redis.register_function('q', function() return 1 end)\nredis.register_function('q', function() return 1 end)", "ERR Error registering functions: ERR Function already exists in the library"),
    ] {
        assert_eq!(String::from_utf8(lua.load_library(b"lx", code, &mut h).unwrap_err()).unwrap(), text);
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn bad_input_errors_never_crash() {
    let mut lua = Lua::new_for_eval();
    let mut h = TestHost::default();
    let deep_parens = format!("return {}1{}", "(".repeat(5000), ")".repeat(5000));
    let deep_tables = format!("return {}1{}", "{".repeat(5000), "}".repeat(5000));
    let scripts: Vec<String> = vec![
        "local function f(n) return pcall(f, n + 1) end return f(1)".into(),
        "local function f(n) return select(2, xpcall(function() return f(n + 1) end, function(e) return e end)) end return f(1)".into(),
        "local t = setmetatable({}, {__tostring = function(t) return tostring(t) end}) return tostring(t)".into(),
        "local function f(s) return (string.gsub(s, '.', f)) end return f('abc')".into(),
        "local t = {} for i = 1, 100 do t[i] = i end table.sort(t, function(a, b) table.sort(t, function(x, y) return x < y end) return a < b end) return 1".into(),
        "local co = coroutine.wrap(function() local function f() return f() end return f() end) return co()".into(),
        "return string.rep('x', 2^31)".into(),
        "return ('x'):rep(100):rep(100):rep(100):len()".into(),
        "local s = string.rep('a', 1000) return #string.format('%s%s', s, s)".into(),
        "return string.format('%10000d', 1)".into(),
        // (An exponential pattern such as string.rep('a?', 5000) .. string.rep('a', 5000) runs inside C, out of the
        // count hook's reach: it hangs real Redis too, so it is not here.)
        "return string.find(string.rep('a', 5000), string.rep('a?', 10) .. string.rep('a', 10))".into(),
        "return string.match(string.rep('(', 100), string.rep('(', 40))".into(),
        "return unpack({}, 1, 1e7)".into(),
        "return loadstring(string.rep('a = 1 ', 10))".into(),
        "return loadstring('\\27Lua\\81\\0\\1\\4\\8\\4\\8\\0')".into(),
        deep_parens,
        deep_tables,
        "\u{0}\u{1}\u{2}".into(),
        "return ...".into(),
        "local t = {} setmetatable(t, {__gc = function() end}) return 1".into(),
        "return collectgarbage('collect')".into(),
        "redis.call('echo', string.rep('x', 1e6)) return 1".into(),
    ];
    for s in &scripts {
        // The hook ends runaway scripts after 2M instructions, as SCRIPT KILL would.
        let mut h = TestHost { kill_after: Some(20), ..Default::default() };
        let (v, _) = eval_with(&mut lua, &mut h, s, &[], &[]);
        let _ = v; // any value or error: the point is no crash
    }
    // Random token soup.
    let tokens = [
        "local",
        "x",
        "=",
        "1",
        "(",
        ")",
        "{",
        "}",
        "[",
        "]",
        "end",
        "function",
        "return",
        "if",
        "then",
        "else",
        "while",
        "do",
        "for",
        "in",
        "..",
        "+",
        "-",
        "*",
        "/",
        "%",
        "^",
        "#",
        "==",
        "~=",
        "'s'",
        ",",
        ";",
        "nil",
        "true",
        "redis.call",
        "'ping'",
        "pcall",
        "error",
        "string.rep",
        "KEYS",
        "ARGV",
        "t",
        "t[1]",
        "...",
        "not",
        "and",
        "or",
        "repeat",
        "until",
        "break",
        ".",
        ":",
        "setmetatable",
        "tostring",
        "0/0",
        "2^53",
    ];
    let mut seed: u64 = 0x2545F4914F6CDD1D;
    for _ in 0..1500 {
        let mut s = String::new();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let n = (seed % 24) as usize + 1;
        for _ in 0..n {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            s.push_str(tokens[(seed % tokens.len() as u64) as usize]);
            s.push(' ');
        }
        let mut h = TestHost { kill_after: Some(2), ..Default::default() };
        let _ = eval_with(&mut lua, &mut h, &s, &[b"k"], &[b"a"]);
    }
    assert_eq!(eval_with(&mut lua, &mut h, "return 'alive'", &[], &[]).0, bulk("alive"));
}
