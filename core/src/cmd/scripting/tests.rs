//! Scripting through the engine: EVAL and SCRIPT, functions, the checks per
//! `redis.call`, effects reaching WATCH / keyspace events / propagation, busy scripts
//! with a test host.

use super::run::Busy;
use super::BusyHost;
use crate::reply::Reply;
use crate::testkit::TestEngine;

#[test]
fn eval_runs_commands_and_converts_replies() {
    let mut t = TestEngine::new();
    assert_eq!(
        t.resp(&["EVAL", "return {1, 'x', 3.7, true, false, nil, 5}", "0"]),
        "*5\r\n:1\r\n$1\r\nx\r\n:3\r\n:1\r\n$-1\r\n"
    );
    assert_eq!(t.resp(&["EVAL", "return redis.call('set', KEYS[1], ARGV[1])", "1", "k", "v"]), "+OK\r\n");
    assert_eq!(t.resp(&["GET", "k"]), "$1\r\nv\r\n");
    assert_eq!(
        t.resp(&["EVAL", "return redis.pcall('incr', 'k')", "0"]),
        "-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(t.resp(&["EVAL", "return 1", "2", "a"]), "-ERR Number of keys can't be greater than number of args\r\n");
    assert_eq!(t.resp(&["EVAL", "return 1", "-1"]), "-ERR Number of keys can't be negative\r\n");
    assert_eq!(t.resp(&["EVALSHA", "abc", "0"]), "-NOSCRIPT No matching script. Please use EVAL.\r\n");
    assert_eq!(t.resp3(&["EVAL", "redis.setresp(3); return {map={a=1}}", "0"]), "%1\r\n$1\r\na\r\n:1\r\n");
}

#[test]
fn the_script_cache() {
    let mut t = TestEngine::new();
    let sha = "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"; // return 1
    assert_eq!(t.resp(&["SCRIPT", "LOAD", "return 1"]), format!("$40\r\n{sha}\r\n"));
    assert_eq!(t.resp(&["EVALSHA", &sha.to_uppercase(), "0"]), ":1\r\n");
    assert_eq!(t.resp(&["SCRIPT", "EXISTS", sha, "nope"]), "*2\r\n:1\r\n:0\r\n");
    assert_eq!(t.eng.state.scripting.cached_scripts(), 1);
    assert_eq!(t.resp(&["SCRIPT", "FLUSH"]), "+OK\r\n");
    assert_eq!(t.resp(&["EVALSHA", sha, "0"]), "-NOSCRIPT No matching script. Please use EVAL.\r\n");
    assert_eq!(t.resp(&["SCRIPT", "FLUSH", "x"]), "-ERR SCRIPT FLUSH only support SYNC|ASYNC option\r\n");
    assert!(t.resp(&["SCRIPT", "LOAD", "return +"]).starts_with("-ERR Error compiling script (new function): "));
    assert_eq!(t.resp(&["SCRIPT", "KILL"]), "-NOTBUSY No scripts in execution right now.\r\n");
}

#[test]
fn shebang_flags_and_the_checks_per_call() {
    let mut t = TestEngine::new();
    assert_eq!(
        t.resp(&["EVAL", "#!lua flags=bogus\nreturn 1", "0"]),
        "-ERR Unexpected flag in script shebang: bogus\r\n"
    );
    assert_eq!(
        t.resp(&["EVAL_RO", "#!lua\nreturn 1", "0"]),
        "-ERR Can not execute a script with write flag using *_ro command.\r\n"
    );
    assert_eq!(
        t.resp(&["EVAL", "#!lua flags=no-writes\nreturn redis.pcall('set', 'a', 'b')", "0"]),
        "-ERR Write commands are not allowed from read-only scripts.\r\n"
    );
    assert_eq!(
        t.resp(&["EVAL_RO", "return redis.pcall('publish', 'c', 'm')", "0"]),
        "-ERR Write commands are not allowed from read-only scripts.\r\n"
    );
    assert_eq!(
        t.resp(&["EVAL", "return redis.pcall('multi')", "0"]),
        "-ERR This Redis command is not allowed from script\r\n"
    );
    assert_eq!(
        t.resp(&["EVAL", "return redis.pcall('nosuch')", "0"]),
        "-ERR Unknown Redis command called from script\r\n"
    );
    assert_eq!(
        t.resp(&["EVAL", "return redis.pcall('get')", "0"]),
        "-ERR Wrong number of args calling Redis command from script\r\n"
    );
    // Blocking commands answer at once; SELECT does not leak to the caller.
    assert_eq!(t.resp(&["EVAL", "return redis.call('blmpop', 0, 1, 'q', 'left')", "0"]), "$-1\r\n");
    assert_eq!(t.resp(&["EVAL", "redis.call('select', 5); return redis.call('set', 'in5', 1)", "0"]), "+OK\r\n");
    assert_eq!(t.resp(&["EXISTS", "in5"]), ":0\r\n");
    t.cmd(&["SELECT", "5"]);
    assert_eq!(t.resp(&["EXISTS", "in5"]), ":1\r\n");
}

#[test]
fn oom_rules_follow_maxmemory_and_allow_oom() {
    let mut t = TestEngine::new();
    t.cmd(&["SET", "big", &"x".repeat(10_000)]);
    t.cmd(&["CONFIG", "SET", "maxmemory", "1"]);
    assert_eq!(
        t.resp(&["EVAL", "return redis.pcall('set', 'a', 'b')", "0"]),
        "-OOM command not allowed when used memory > 'maxmemory'.\r\n"
    );
    assert_eq!(t.resp(&["EVAL", "return redis.call('get', 'big') ~= nil", "0"]), ":1\r\n");
    // A shebang script without allow-oom is refused before it runs; with it, it runs.
    assert_eq!(
        t.resp(&["EVAL", "#!lua\nreturn 1", "0"]),
        "-OOM command not allowed when used memory > 'maxmemory'.\r\n"
    );
    assert_eq!(t.resp(&["EVAL", "#!lua flags=allow-oom\nreturn redis.call('set', 'a', 'b')", "0"]), "+OK\r\n");
    assert_eq!(t.resp(&["EVAL", "#!lua flags=no-writes\nreturn 7", "0"]), ":7\r\n");
    t.cmd(&["CONFIG", "SET", "maxmemory", "0"]);
}

#[test]
fn script_writes_reach_watch_events_and_propagation() {
    let mut t = TestEngine::new();
    let other = t.connect();
    t.run_as(other, "WATCH w");
    t.eng.set_propagation(true);
    t.cmd(&["EVAL", "redis.call('set', 'w', 1); redis.call('incr', 'w'); return redis.call('get', 'x')", "0"]);
    t.run_as(other, "MULTI");
    t.run_as(other, "PING");
    assert_eq!(t.run_as(other, "EXEC"), Reply::NilArray);
    let ops: Vec<Vec<Vec<u8>>> = t.eng.take_propagated().into_iter().map(|o| o.argv).collect();
    let show: Vec<String> = ops.iter().map(|a| String::from_utf8_lossy(&a.join(&b' ')).into_owned()).collect();
    assert_eq!(show, ["MULTI", "set w 1", "incr w", "EXEC"]);
    t.cmd(&["EVAL", "return redis.call('get', 'w')", "0"]);
    assert!(t.eng.take_propagated().is_empty());
}

#[test]
fn functions_load_list_call_dump_restore() {
    let mut t = TestEngine::new();
    let code =
        "#!lua name=lib\nredis.register_function{function_name='f', callback=function(keys, args) return keys[1] end, \
                flags={'no-writes'}, description='d'}";
    assert_eq!(t.resp(&["FUNCTION", "LOAD", code]), "$3\r\nlib\r\n");
    assert_eq!(t.resp(&["FUNCTION", "LOAD", code]), "-ERR Library 'lib' already exists\r\n");
    assert_eq!(t.resp(&["FCALL_RO", "F", "1", "k"]), "$1\r\nk\r\n");
    assert_eq!(
        t.resp(&["FUNCTION", "LIST"]),
        "*1\r\n*6\r\n$12\r\nlibrary_name\r\n$3\r\nlib\r\n$6\r\nengine\r\n$3\r\nLUA\r\n$9\r\nfunctions\r\n*1\r\n*6\r\n\
         $4\r\nname\r\n$1\r\nf\r\n$11\r\ndescription\r\n$1\r\nd\r\n$5\r\nflags\r\n*1\r\n+no-writes\r\n"
    );
    t.cmd(&["FLUSHALL"]);
    assert_eq!(t.eng.state.scripting.function_counts(), (1, 1));
    let Reply::Bulk(dump) = t.cmd(&["FUNCTION", "DUMP"]) else { panic!("dump") };
    assert_eq!(dump[0], 245);
    assert_eq!(t.resp(&["FUNCTION", "FLUSH"]), "+OK\r\n");
    assert_eq!(t.resp(&["FCALL", "f", "0"]), "-ERR Function not found\r\n");
    assert_eq!(t.cmd_bytes(&[b"FUNCTION", b"RESTORE", &dump]), Reply::ok());
    assert_eq!(t.resp(&["FCALL", "f", "1", "again"]), "$5\r\nagain\r\n");
    assert_eq!(t.cmd_bytes(&[b"FUNCTION", b"RESTORE", &dump]), Reply::error("ERR Library lib already exists"));
    assert_eq!(t.resp(&["FUNCTION", "DELETE", "lib"]), "+OK\r\n");
    assert_eq!(t.resp(&["FUNCTION", "DELETE", "lib"]), "-ERR Library not found\r\n");
}

/// A busy host with a clock that jumps one second per reading, running SCRIPT KILL (or
/// another command) as another client once the script is busy.
struct KillingHost {
    now_us: u64,
    killer: crate::ClientHandle,
    command: Vec<&'static str>,
    replies: std::rc::Rc<std::cell::RefCell<Vec<String>>>,
}

impl BusyHost for KillingHost {
    fn now_us(&mut self) -> u64 {
        self.now_us += 1_000_000;
        self.now_us
    }
    fn serve(&mut self, busy: &mut Busy<'_>) -> Result<(), Vec<u8>> {
        let ping = busy.execute(self.killer, &[b"PING"]);
        let argv: Vec<&[u8]> = self.command.iter().map(|a| a.as_bytes()).collect();
        let r = busy.execute(self.killer, &argv);
        let mut log = self.replies.borrow_mut();
        log.push(String::from_utf8(ping.to_resp(2)).unwrap());
        log.push(String::from_utf8(r.to_resp(2)).unwrap());
        Ok(())
    }
}

#[test]
fn busy_scripts_answer_busy_and_can_be_killed_until_they_write() {
    let mut t = TestEngine::new();
    let killer = t.connect();
    let replies = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let host = KillingHost { now_us: 0, killer, command: vec!["SCRIPT", "KILL"], replies: replies.clone() };
    t.eng.state.scripting.busy_host = Some(Box::new(host));
    let r = t.resp(&["EVAL", "while true do end", "0"]);
    assert!(r.starts_with("-ERR Script killed by user with SCRIPT KILL..."), "{r}");
    assert_eq!(
        replies.borrow()[..2],
        ["-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n", "+OK\r\n"]
    );
    assert_eq!(t.resp(&["PING"]), "+PONG\r\n");
    // Once it wrote, it cannot be killed: FUNCTION KILL is the wrong command anyway.
    replies.borrow_mut().clear();
    let host = KillingHost { now_us: 0, killer, command: vec!["FUNCTION", "KILL"], replies: replies.clone() };
    t.eng.state.scripting.busy_host = Some(Box::new(host));
    let r =
        t.resp(&["EVAL", "redis.call('set', 'x', 1); local i = 0; while i < 3000000 do i = i + 1 end return i", "0"]);
    assert_eq!(r, ":3000000\r\n");
    assert_eq!(
        replies.borrow()[1],
        "-UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the \
         script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.\r\n"
    );
}

#[test]
fn keyspace_events_and_tracking_see_script_writes() {
    let mut t = TestEngine::new();
    let sub = t.connect();
    t.cmd(&["CONFIG", "SET", "notify-keyspace-events", "KEA"]);
    t.run_as(sub, "SUBSCRIBE __keyevent@0__:set");
    t.eng.take_pushes();
    t.cmd(&["EVAL", "return redis.call('set', 'ev', 1)", "0"]);
    let pushes: Vec<String> = t
        .eng
        .take_pushes()
        .into_iter()
        .filter(|(to, _)| *to == sub)
        .map(|(_, p)| String::from_utf8(p.to_resp(2)).unwrap())
        .collect();
    assert_eq!(pushes, ["*3\r\n$7\r\nmessage\r\n$18\r\n__keyevent@0__:set\r\n$2\r\nev\r\n"]);
    // A RESP3 tracking client whose script reads tracks the keys the script declared (as
    // Redis's trackingRememberKeys(script_caller)), not the keys its commands named.
    let reader = t.connect();
    t.run_as(reader, "HELLO 3");
    t.run_as(reader, "CLIENT TRACKING on");
    t.cmd_as(reader, &["EVAL", "return redis.call('get', 'ev')", "0"]);
    t.cmd_as(reader, &["EVAL", "return redis.call('ping')", "1", "declared"]);
    t.cmd_as(reader, &["EVAL", "return redis.call('get', 'other')", "1", "ev2"]);
    t.eng.take_pushes();
    t.cmd(&["MSET", "ev", "2", "declared", "1", "ev2", "3"]);
    let inval: Vec<String> = t
        .eng
        .take_pushes()
        .into_iter()
        .chain(t.eng.take_late_pushes())
        .filter(|(to, _)| *to == reader)
        .map(|(_, p)| String::from_utf8(p.to_resp(3)).unwrap())
        .collect();
    assert_eq!(inval, [">2\r\n$10\r\ninvalidate\r\n*1\r\n$3\r\nev2\r\n"]);
}

#[test]
fn function_stats_while_a_function_is_busy() {
    let mut t = TestEngine::new();
    let other = t.connect();
    let replies = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let host = KillingHost { now_us: 0, killer: other, command: vec!["FUNCTION", "STATS"], replies: replies.clone() };
    t.eng.state.scripting.busy_host = Some(Box::new(host));
    t.cmd(&["FUNCTION", "LOAD", "#!lua name=l\nredis.register_function('spin', function() local i = 0 while i < 2000000 do i = i + 1 end return i end)"]);
    assert_eq!(t.resp(&["FCALL", "spin", "0"]), ":2000000\r\n");
    let log = replies.borrow();
    assert_eq!(log[0], "-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.\r\n");
    assert!(
        log[1].starts_with(
            "*4\r\n$14\r\nrunning_script\r\n*6\r\n$4\r\nname\r\n$4\r\nspin\r\n$7\r\ncommand\r\n*3\r\n$5\r\nFCALL\r\n"
        ),
        "{}",
        log[1]
    );
}

#[test]
fn a_memory_cap_stops_a_script_that_allocates_without_end() {
    let mut t = TestEngine::new();
    t.eng.state.scripting.vm_memory_limit = 16 << 20;
    let r = t.resp(&["EVAL", "local t = {} while true do t[#t + 1] = string.rep('x', 1000000) .. #t end", "0"]);
    assert!(r.starts_with("-ERR ") && r.contains("not enough memory"), "{r}");
    assert_eq!(t.resp(&["EVAL", "return 'fine'", "0"]), "$4\r\nfine\r\n");
}

/// A log that keeps its lines.
struct KeptLog(std::rc::Rc<std::cell::RefCell<Vec<(super::LogLevel, Vec<u8>)>>>);

impl super::ScriptLog for KeptLog {
    fn log(&mut self, level: super::LogLevel, message: &[u8]) {
        self.0.borrow_mut().push((level, message.to_vec()));
    }
}

#[test]
fn redis_log_reaches_the_host_log_at_loglevel() {
    use super::LogLevel::{Notice, Warning};
    let mut t = TestEngine::new();
    let lines = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    t.eng.state.scripting.log_host = Some(Box::new(KeptLog(lines.clone())));
    let script = "redis.log(redis.LOG_WARNING, 'w', 1, 2.5) redis.log(redis.LOG_NOTICE, 'n') \
                  redis.log(redis.LOG_VERBOSE, 'v') redis.log(redis.LOG_DEBUG, 'd')";
    assert_eq!(t.resp(&["EVAL", script, "0"]), "$-1\r\n");
    assert_eq!(*lines.borrow(), [(Warning, b"w 1 2.5".to_vec()), (Notice, b"n".to_vec())]);
    lines.borrow_mut().clear();
    assert_eq!(t.resp(&["CONFIG", "SET", "loglevel", "warning"]), "+OK\r\n");
    assert_eq!(t.resp(&["EVAL", script, "0"]), "$-1\r\n");
    assert_eq!(*lines.borrow(), [(Warning, b"w 1 2.5".to_vec())]);
    // FUNCTION LOAD's top-level code logs too.
    lines.borrow_mut().clear();
    let lib =
        "#!lua name=l\nredis.log(redis.LOG_WARNING, 'loading')\nredis.register_function('f', function() return 1 end)";
    assert!(t.resp(&["FUNCTION", "LOAD", lib]).starts_with("$1\r\nl"));
    assert_eq!(*lines.borrow(), [(Warning, b"loading".to_vec())]);
}
