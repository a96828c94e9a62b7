//! Connection commands: PING, ECHO, SELECT, QUIT, RESET, AUTH, HELLO; CLIENT lives in
//! [`client`].

mod client;
mod tracking;

pub use client::{
    client_getname, client_help, client_id, client_info, client_kill, client_list, client_no_evict, client_reply,
    client_setname, client_unblock, info_line, info_line_for,
};
pub use tracking::{client_caching, client_getredir, client_tracking, client_trackinginfo};

use super::{is, Args, Ctx};
use crate::acl::Context;
use crate::client::ReplyMode;
use crate::engine::HostAction;
use crate::error::{CmdError, CmdResult};
use crate::numfmt::parse_i64;
use crate::reply::Reply;

/// `WRONGPASS`: a failed AUTH or HELLO AUTH.
const WRONGPASS: &str = "WRONGPASS invalid username-password pair or user is disabled.";

/// `PING [message]`: `+PONG`, or the message as a bulk string.
pub fn ping(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let message = args.next();
    if args.has_more() {
        return Err(CmdError::Arity(ctx.cmd.name.to_string()));
    }
    if ctx.client.pubsub.is_some() && ctx.client.resp == 2 {
        // Subscribed RESP2 clients get an array they can tell from a message.
        return Ok(Reply::Array(vec![Reply::bulk(b"pong"), Reply::bulk(message.unwrap_or(b""))]));
    }
    Ok(match message {
        None => Reply::simple("PONG"),
        Some(msg) => Reply::bulk(msg),
    })
}

/// `ECHO message`.
pub fn echo(_ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    Ok(Reply::bulk(args.take()))
}

/// `SELECT index`.
pub fn select(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let id = args.next_i64()?;
    if i32::try_from(id).is_err() {
        return Err(CmdError::other("ERR value is out of range, value must between -2147483648 and 2147483647"));
    }
    if id < 0 || id as usize >= ctx.st.dbs.len() {
        return Err(CmdError::DbIndex);
    }
    ctx.client.db = id as usize;
    Ok(Reply::ok())
}

/// `QUIT`: `+OK`, then the host closes the connection.
pub fn quit(ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    request_close_self(ctx);
    Ok(Reply::ok())
}

/// Marks the running client to be closed after its reply is written.
pub(crate) fn request_close_self(ctx: &mut Ctx) {
    if !ctx.client.close_requested {
        ctx.client.close_requested = true;
        ctx.st.actions.push(HostAction::Close(ctx.client.handle));
    }
}

/// `RESET`: back to a fresh connection's state (db 0, RESP2, no name, replies on,
/// logged out when a password is required). Replies `+RESET`.
pub fn reset(ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    crate::cmd::transactions::discard_transaction(ctx.st, ctx.client);
    ctx.st.pubsub.forget(ctx.client.handle, &mut ctx.client.pubsub);
    ctx.st.tracking.disable(ctx.client.id, &mut ctx.client.tracking);
    if ctx.client.monitor {
        ctx.client.monitor = false;
        ctx.st.introspection.monitors.remove(ctx.client.handle);
    }
    let c = &mut *ctx.client;
    c.db = 0;
    c.resp = 2;
    c.name = None;
    c.user = crate::acl::DEFAULT_USER;
    c.authenticated = !ctx.st.acl.auth_required();
    // Like Redis, a reply already being skipped (CLIENT REPLY SKIP) stays skipped.
    if c.reply_mode != ReplyMode::Skipping {
        c.reply_mode = ReplyMode::On;
    }
    Ok(Reply::simple("RESET"))
}

/// Redis's `ACLAuthenticateUser`: logs the client in as `user`, or logs the failure
/// (ACL LOG `auth`) and returns `WRONGPASS`.
fn authenticate(ctx: &mut Ctx, name: &[u8], user: &[u8], pass: &[u8]) -> Result<(), CmdError> {
    match ctx.st.acl.authenticate(user, pass) {
        Some(id) => {
            ctx.client.authenticated = true;
            ctx.client.user = id;
            Ok(())
        }
        None => {
            let context = if ctx.client.multi.is_some() { Context::Multi } else { Context::Toplevel };
            let object = name.to_vec();
            let entry = crate::acl::log::Entry {
                count: 1,
                reason: crate::acl::Reason::Auth,
                context,
                object,
                username: user.to_vec(),
                ctime_ms: ctx.st.now_ms(),
                client_info: info_line_for(ctx.st, ctx.client),
            };
            let max = ctx.st.config.acllog_max_len.max(0) as usize;
            ctx.st.acl.log.add(entry, max);
            Err(CmdError::other(WRONGPASS))
        }
    }
}

/// `AUTH [username] password`.
pub fn auth(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    if args.remaining() > 2 {
        return Err(CmdError::Syntax);
    }
    let (first, second) = (args.take(), args.next());
    args.finish()?;
    ctx.redact(1);
    if second.is_some() {
        ctx.redact(2);
    }
    let (user, pass): (&[u8], &[u8]) = if let Some(pass) = second {
        (first, pass)
    } else {
        if ctx.st.acl.user(crate::acl::DEFAULT_USER).nopass {
            return Err(CmdError::other(
                "ERR AUTH <password> called without any password configured for the default user. \
                 Are you sure your configuration is correct?",
            ));
        }
        (b"default", first)
    };
    authenticate(ctx, args.name(), user, pass)?;
    Ok(Reply::ok())
}

/// `HELLO [protover [AUTH username password] [SETNAME clientname]]`: switches protocol
/// and replies with facts about the server.
pub fn hello(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let mut ver = None;
    if let Some(v) = args.next() {
        let v = parse_i64(v).ok_or(CmdError::other("ERR Protocol version is not an integer or out of range"))?;
        if !(2..=3).contains(&v) {
            return Err(CmdError::other("NOPROTO unsupported protocol version"));
        }
        ver = Some(v as u8);
    }
    let mut credentials = None;
    let mut name = None;
    while let Some(opt) = args.next() {
        if is(opt, "AUTH") && args.remaining() >= 2 {
            let at = args.all().len() - args.remaining();
            ctx.redact(at);
            ctx.redact(at + 1);
            credentials = Some((args.take(), args.take()));
        } else if is(opt, "SETNAME") && args.has_more() {
            name = Some(args.take());
        } else {
            return Err(CmdError::other(format!(
                "ERR Syntax error in HELLO option '{}'",
                String::from_utf8_lossy(opt)
            )));
        }
    }
    if let Some((user, pass)) = credentials {
        authenticate(ctx, args.name(), user, pass)?;
    }
    if !ctx.client.authenticated {
        return Err(CmdError::other(
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the \
             HELLO AUTH <user> <pass> option can be used to authenticate the client and select \
             the RESP protocol version at the same time",
        ));
    }
    if let Some(name) = name {
        client::set_name(ctx.client, name)?;
    }
    if let Some(v) = ver {
        ctx.client.resp = v;
    }
    Ok(Reply::Map(vec![
        (Reply::text("server"), Reply::text("redis")),
        (Reply::text("version"), Reply::text(crate::REDIS_VERSION)),
        (Reply::text("proto"), Reply::Int(ctx.client.resp as i64)),
        (Reply::text("id"), Reply::Int(ctx.client.id as i64)),
        (Reply::text("mode"), Reply::text("standalone")),
        (Reply::text("role"), Reply::text("master")),
        (Reply::text("modules"), Reply::Array(Vec::new())),
    ]))
}

#[cfg(test)]
mod tests {
    use crate::engine::{EngineOptions, HostAction};
    use crate::testkit::{TestEngine, T0_US};

    fn with_password() -> TestEngine {
        let mut opts = EngineOptions { seed: 1, now_us: T0_US, ..Default::default() };
        opts.config.requirepass = Some(b"sec".to_vec());
        TestEngine::with_options(opts)
    }

    #[test]
    fn ping_and_echo() {
        let mut t = TestEngine::new();
        assert_eq!(t.resp(&["PING"]), "+PONG\r\n");
        assert_eq!(t.resp(&["PING", "a"]), "$1\r\na\r\n");
        assert_eq!(t.resp(&["PING", "a", "b"]), "-ERR wrong number of arguments for 'ping' command\r\n");
        assert_eq!(t.resp(&["ECHO"]), "-ERR wrong number of arguments for 'echo' command\r\n");
        assert_eq!(t.resp(&["ECHO", "x"]), "$1\r\nx\r\n");
    }

    #[test]
    fn select_checks_index() {
        let mut t = TestEngine::new();
        assert_eq!(t.resp(&["SELECT", "16"]), "-ERR DB index is out of range\r\n");
        assert_eq!(t.resp(&["SELECT", "-1"]), "-ERR DB index is out of range\r\n");
        assert_eq!(t.resp(&["SELECT", "x"]), "-ERR value is not an integer or out of range\r\n");
        assert_eq!(t.resp(&["SELECT", "1.0"]), "-ERR value is not an integer or out of range\r\n");
        assert_eq!(
            t.resp(&["SELECT", "4294967296"]),
            "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n"
        );
        assert_eq!(t.resp(&["SELECT", "9999999999999999999999"]), "-ERR value is not an integer or out of range\r\n");
        assert_eq!(t.resp(&["SELECT", "15"]), "+OK\r\n");
        assert_eq!(t.eng.client(t.client).unwrap().db, 15);
    }

    #[test]
    fn quit_replies_ok_and_asks_the_host_to_close() {
        let mut t = TestEngine::new();
        assert_eq!(t.resp(&["QUIT"]), "+OK\r\n");
        assert!(t.eng.client(t.client).unwrap().close_requested);
        assert_eq!(t.eng.take_actions(), vec![HostAction::Close(t.client)]);
    }

    #[test]
    fn auth_without_password_configured() {
        let mut t = TestEngine::new();
        assert_eq!(
            t.resp(&["AUTH", "x"]),
            "-ERR AUTH <password> called without any password configured for the default user. \
             Are you sure your configuration is correct?\r\n"
        );
        assert_eq!(t.resp(&["AUTH", "a", "b"]), "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
        assert_eq!(t.resp(&["AUTH", "default", "x"]), "+OK\r\n");
        assert_eq!(t.resp(&["AUTH", "a", "b", "c"]), "-ERR syntax error\r\n");
    }

    #[test]
    fn auth_with_password() {
        let mut t = with_password();
        assert_eq!(t.resp(&["PING"]), "-NOAUTH Authentication required.\r\n");
        assert_eq!(t.resp(&["AUTH", "bad"]), "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
        assert_eq!(
            t.resp(&["AUTH", "Default", "sec"]),
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n"
        );
        assert_eq!(t.resp(&["CLIENT", "ID"]), "-NOAUTH Authentication required.\r\n");
        assert_eq!(t.resp(&["AUTH", "sec"]), "+OK\r\n");
        // A failed AUTH does not log an authenticated client out.
        assert_eq!(t.resp(&["AUTH", "bad"]), "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
        assert_eq!(t.resp(&["PING"]), "+PONG\r\n");
        assert_eq!(t.resp(&["RESET"]), "+RESET\r\n");
        assert_eq!(t.resp(&["PING"]), "-NOAUTH Authentication required.\r\n");
        // Clearing the password lets unauthenticated clients in.
        t.eng.state.config.requirepass = None;
        t.eng.state.acl.set_default_password(None);
        assert_eq!(t.resp(&["PING"]), "+PONG\r\n");
    }

    const HELLO3: &str = "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n\
        $2\r\nid\r\n:1\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n";

    #[test]
    fn hello_switches_protocol() {
        let mut t = TestEngine::new();
        assert_eq!(
            t.resp(&["HELLO"]),
            "*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:2\r\n\
             $2\r\nid\r\n:1\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n"
        );
        assert_eq!(t.resp3(&["HELLO", "3"]), HELLO3);
        assert_eq!(t.eng.client(t.client).unwrap().resp, 3);
        assert_eq!(t.resp3(&["HELLO"]), HELLO3);
        assert_eq!(t.resp(&["HELLO", "4"]), "-NOPROTO unsupported protocol version\r\n");
        assert_eq!(t.resp(&["HELLO", "1"]), "-NOPROTO unsupported protocol version\r\n");
        assert_eq!(t.resp(&["HELLO", "x"]), "-ERR Protocol version is not an integer or out of range\r\n");
        assert_eq!(t.resp(&["HELLO", "3", "AUTH"]), "-ERR Syntax error in HELLO option 'AUTH'\r\n");
        assert_eq!(t.resp(&["HELLO", "3", "AUTH", "a"]), "-ERR Syntax error in HELLO option 'AUTH'\r\n");
        assert_eq!(t.resp(&["HELLO", "3", "SETNAME"]), "-ERR Syntax error in HELLO option 'SETNAME'\r\n");
        assert_eq!(t.resp(&["HELLO", "3", "FOO"]), "-ERR Syntax error in HELLO option 'FOO'\r\n");
        assert_eq!(
            t.resp(&["HELLO", "3", "SETNAME", "a b"]),
            "-ERR Client names cannot contain spaces, newlines or special characters.\r\n"
        );
        assert_eq!(
            t.resp(&["HELLO", "3", "AUTH", "a", "b"]),
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n"
        );
        assert_eq!(t.resp3(&["HELLO", "3", "AUTH", "default", "x", "SETNAME", "foo"]), HELLO3);
        assert_eq!(t.resp(&["CLIENT", "GETNAME"]), "$3\r\nfoo\r\n");
        assert_eq!(t.resp(&["RESET"]), "+RESET\r\n");
        assert_eq!(t.eng.client(t.client).unwrap().resp, 2);
        assert_eq!(t.resp(&["CLIENT", "GETNAME"]), "$-1\r\n");
    }

    #[test]
    fn hello_with_password() {
        let mut t = with_password();
        let noauth = "-NOAUTH HELLO must be called with the client already authenticated, otherwise the \
                      HELLO AUTH <user> <pass> option can be used to authenticate the client and select \
                      the RESP protocol version at the same time\r\n";
        assert_eq!(t.resp(&["HELLO"]), noauth);
        assert_eq!(t.resp(&["HELLO", "3", "SETNAME", "x"]), noauth);
        assert_eq!(
            t.resp(&["HELLO", "3", "AUTH", "default", "bad"]),
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n"
        );
        assert_eq!(t.resp3(&["HELLO", "3", "AUTH", "default", "sec", "SETNAME", "a"]), HELLO3);
        assert_eq!(t.resp(&["CLIENT", "GETNAME"]), "$1\r\na\r\n");
    }

    #[test]
    fn reset_after_reply_skip_is_skipped_like_redis() {
        let mut t = TestEngine::new();
        assert_eq!(t.resp(&["SELECT", "2"]), "+OK\r\n");
        assert_eq!(t.resp(&["CLIENT", "REPLY", "SKIP"]), "");
        assert_eq!(t.resp(&["RESET"]), "");
        assert_eq!(t.resp(&["PING"]), "+PONG\r\n");
        assert_eq!(t.eng.client(t.client).unwrap().db, 0);
        assert_eq!(t.resp(&["CLIENT", "REPLY", "OFF"]), "");
        assert_eq!(t.resp(&["RESET"]), "+RESET\r\n");
    }
}
