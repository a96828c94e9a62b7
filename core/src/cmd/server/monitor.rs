//! `MONITOR`: the client receives every command the server runs (see
//! [`crate::monitor`] and `cmd::observe`).

use crate::cmd::{Args, Ctx};
use crate::error::{CmdError, CmdResult};
use crate::reply::Reply;

/// `MONITOR`.
pub fn monitor(ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    if ctx.client.deny_blocking {
        return Err(CmdError::other("ERR MONITOR isn't allowed for DENY BLOCKING client"));
    }
    let h = ctx.client.handle;
    if ctx.st.introspection.monitors.contains(h) {
        // Redis ignores MONITOR from a monitor: no reply.
        return Ok(Reply::NoReply);
    }
    ctx.st.introspection.monitors.add(h);
    ctx.client.monitor = true;
    Ok(Reply::ok())
}

#[cfg(test)]
mod tests {
    use crate::reply::Reply;
    use crate::testkit::TestEngine;

    fn lines(t: &mut TestEngine) -> Vec<String> {
        t.eng
            .take_pushes()
            .into_iter()
            .map(|(_, r)| match r {
                Reply::Simple(s) => s.split_once(' ').unwrap().1.to_string(),
                o => panic!("{:?}", o),
            })
            .collect()
    }

    #[test]
    fn monitors_see_commands_scripts_and_transactions() {
        let mut t = TestEngine::new();
        let m = t.connect();
        assert_eq!(t.cmd_as(m, &["MONITOR"]), Reply::ok());
        assert_eq!(t.cmd_as(m, &["MONITOR"]), Reply::NoReply);
        t.cmd(&["SET", "foo", "bar\n"]);
        t.cmd(&["EVAL", "return redis.call('get', KEYS[1])", "1", "foo"]);
        t.cmd(&["MULTI"]);
        t.cmd(&["GET", "foo"]);
        t.cmd(&["EXEC"]);
        t.cmd(&["CONFIG", "GET", "maxmemory"]);
        t.cmd(&["AUTH", "secret"]);
        assert_eq!(
            lines(&mut t),
            [
                r#"[0 ] "SET" "foo" "bar\n""#,
                r#"[0 ] "EVAL" "return redis.call('get', KEYS[1])" "1" "foo""#,
                r#"[0 lua] "get" "foo""#,
                r#"[0 ] "MULTI""#,
                r#"[0 ] "GET" "foo""#,
                r#"[0 ] "EXEC""#,
                r#"[0 ] "AUTH" "(redacted)""#,
            ]
        );
        let Reply::Verbatim(_, list) = t.cmd(&["CLIENT", "LIST"]) else { panic!() };
        assert!(String::from_utf8_lossy(&list).contains("flags=O "), "{}", String::from_utf8_lossy(&list));
        lines(&mut t);
        // RESET ends MONITOR mode; so does a disconnect.
        assert_eq!(t.cmd_as(m, &["RESET"]), Reply::simple("RESET"));
        t.cmd(&["PING"]);
        assert!(lines(&mut t).is_empty());
        t.cmd_as(m, &["MONITOR"]);
        t.eng.disconnect(m);
        t.cmd(&["PING"]);
        assert!(lines(&mut t).is_empty());
    }
}
