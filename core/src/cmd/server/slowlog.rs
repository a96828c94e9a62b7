//! `SLOWLOG GET/LEN/RESET/HELP` over [`crate::slowlog`].

use super::help_reply;
use crate::cmd::{Args, Ctx};
use crate::error::{CmdError, CmdResult};
use crate::numfmt::parse_i64;
use crate::reply::Reply;

/// Redis's `addReplySubcommandSyntaxError`: the subcommand as the client typed it.
pub(crate) fn subcommand_syntax(args: &Args, container: &str) -> CmdError {
    let sub = args.all().get(1).map(|s| crate::cmd::c_str_128(s)).unwrap_or_default();
    CmdError::other(format!(
        "ERR unknown subcommand or wrong number of arguments for '{}'. Try {} HELP.",
        sub, container
    ))
}

/// `SLOWLOG HELP`.
pub fn slowlog_help(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Ok(help_reply(&[
        "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET [<count>]",
        "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
        "    Entries are made of:",
        "    id, timestamp, time in microseconds, arguments array, client IP and port,",
        "    client name",
        "LEN",
        "    Return the length of the slowlog.",
        "RESET",
        "    Reset the slowlog.",
        "HELP",
        "    Prints this help.",
    ]))
}

/// `SLOWLOG LEN`.
pub fn slowlog_len(ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Ok(Reply::Int(ctx.st.introspection.slowlog.len() as i64))
}

/// `SLOWLOG RESET`.
pub fn slowlog_reset(ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    ctx.st.introspection.slowlog.reset();
    Ok(Reply::ok())
}

/// `SLOWLOG GET [count]`: newest first; each entry is id, unix time, microseconds,
/// arguments, client address and client name.
pub fn slowlog_get(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    if args.remaining() > 1 {
        return Err(subcommand_syntax(args, "SLOWLOG"));
    }
    let log = &ctx.st.introspection.slowlog;
    let count = match args.next() {
        None => 10,
        Some(a) => match parse_i64(a) {
            Some(-1) => log.len(),
            Some(n) if n >= 0 => n as usize,
            _ => return Err(CmdError::other("ERR count should be greater than or equal to -1")),
        },
    };
    Ok(Reply::Array(
        log.entries()
            .take(count)
            .map(|e| {
                Reply::Array(vec![
                    Reply::Int(e.id as i64),
                    Reply::Int(e.time as i64),
                    Reply::Int(e.duration_us as i64),
                    Reply::Array(e.argv.iter().map(|a| Reply::bulk(a)).collect()),
                    Reply::bulk(e.peer.as_bytes()),
                    Reply::bulk(&e.name),
                ])
            })
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use crate::reply::Reply;
    use crate::testkit::TestEngine;

    #[test]
    fn logs_commands_with_client_name_and_truncation() {
        let mut t = TestEngine::new();
        t.cmd(&["CONFIG", "SET", "slowlog-log-slower-than", "0"]);
        t.cmd(&["SLOWLOG", "RESET"]);
        t.cmd(&["CLIENT", "SETNAME", "me"]);
        let long = "x".repeat(130);
        t.cmd(&["ECHO", &long]);
        let Reply::Array(entries) = t.cmd(&["SLOWLOG", "GET"]) else { panic!() };
        // Newest first: ECHO, CLIENT SETNAME, SLOWLOG RESET.
        assert_eq!(entries.len(), 3);
        let Reply::Array(e) = &entries[0] else { panic!() };
        assert_eq!(e.len(), 6);
        let expected = format!("{}... (2 more bytes)", "x".repeat(128));
        assert_eq!(e[3], Reply::Array(vec![Reply::bulk(b"ECHO"), Reply::bulk(expected.as_bytes())]));
        assert_eq!(e[5], Reply::bulk(b"me"));
        assert_eq!(t.cmd(&["SLOWLOG", "LEN"]), Reply::Int(4));
        let Reply::Array(two) = t.cmd(&["SLOWLOG", "GET", "2"]) else { panic!() };
        assert_eq!(two.len(), 2);
        assert_eq!(t.cmd(&["SLOWLOG", "GET", "0"]), Reply::Array(vec![]));
        let err = Reply::error("ERR count should be greater than or equal to -1");
        assert_eq!(t.cmd(&["SLOWLOG", "GET", "-2"]), err);
        assert_eq!(t.cmd(&["SLOWLOG", "GET", "x"]), err);
        assert_eq!(
            t.cmd(&["SLOWLOG", "GET", "1", "2"]),
            Reply::error("ERR unknown subcommand or wrong number of arguments for 'GET'. Try SLOWLOG HELP.")
        );
        // Disabled with -1; max-len trims.
        t.cmd(&["CONFIG", "SET", "slowlog-max-len", "1"]);
        t.cmd(&["PING"]);
        assert_eq!(t.cmd(&["SLOWLOG", "LEN"]), Reply::Int(1));
        t.cmd(&["CONFIG", "SET", "slowlog-log-slower-than", "-1"]);
        t.cmd(&["SLOWLOG", "RESET"]);
        t.cmd(&["PING"]);
        assert_eq!(t.cmd(&["SLOWLOG", "LEN"]), Reply::Int(0));
    }

    #[test]
    fn exec_is_not_logged_but_its_commands_are() {
        let mut t = TestEngine::new();
        t.cmd(&["CONFIG", "SET", "slowlog-log-slower-than", "0"]);
        t.cmd(&["MULTI"]);
        t.cmd(&["SET", "a", "1"]);
        t.cmd(&["SLOWLOG", "RESET"]);
        t.cmd(&["EXEC"]);
        // The reset ran inside EXEC and is logged itself; EXEC is not.
        let Reply::Array(entries) = t.cmd(&["SLOWLOG", "GET"]) else { panic!() };
        assert_eq!(entries.len(), 1, "{:?}", entries);
        let Reply::Array(e) = &entries[0] else { panic!() };
        assert_eq!(e[3], Reply::Array(vec![Reply::bulk(b"SLOWLOG"), Reply::bulk(b"RESET")]));
    }
}
