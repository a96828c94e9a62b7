//! `CLIENT` subcommands: names, ids, listing and killing connections, reply modes.

use crate::client::{Client, ReplyMode};
use crate::cmd::server::help_reply;
use crate::cmd::{is, is_c, Args, Ctx};
use crate::engine::HostAction;
use crate::error::{CmdError, CmdResult};
use crate::numfmt::parse_i64;
use crate::reply::Reply;

/// `CLIENT HELP` text, as Redis 7.0 prints it.
const HELP: &[&str] = &[
    "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CACHING (YES|NO)",
    "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
    "GETREDIR",
    "    Return the client ID we are redirecting to when tracking is enabled.",
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are:",
    "    * ADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made from the specified address",
    "    * LADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made to specified local address",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Kill connections by type.",
    "    * USER <username>",
    "      Kill connections authenticated by <username>.",
    "    * SKIPME (YES|NO)",
    "      Skip killing current connection (default: yes).",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "UNPAUSE",
    "    Stop the current client pause, resuming traffic.",
    "PAUSE <timeout> [WRITE|ALL]",
    "    Suspend all, or just write, clients for <timeout> milliseconds.",
    "REPLY (ON|OFF|SKIP)",
    "    Control the replies sent to the current connection.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "UNBLOCK <clientid> [TIMEOUT|ERROR]",
    "    Unblock the specified blocked client.",
    "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
    "         [OPTIN] [OPTOUT] [NOLOOP]",
    "    Control server assisted client side caching.",
    "TRACKINGINFO",
    "    Report tracking status for the current connection.",
    "NO-EVICT (ON|OFF)",
    "    Protect current client connection from eviction.",
    "HELP",
    "    Prints this help.",
];

/// Sets or clears (empty name) a client's name, with Redis's charset check.
pub(crate) fn set_name(c: &mut Client, name: &[u8]) -> Result<(), CmdError> {
    if name.is_empty() {
        c.name = None;
        return Ok(());
    }
    if name.iter().any(|&b| !(b'!'..=b'~').contains(&b)) {
        return Err(CmdError::other("ERR Client names cannot contain spaces, newlines or special characters."));
    }
    c.name = Some(name.to_vec());
    Ok(())
}

/// Bytes of the RESP multibulk encoding of `argv` (what the query buffer held).
fn encoded_len(argv: &[&[u8]]) -> usize {
    let digits = |n: usize| n.to_string().len();
    3 + digits(argv.len()) + argv.iter().map(|a| 5 + digits(a.len()) + a.len()).sum::<usize>()
}

/// One `CLIENT LIST` line (without the newline) in Redis 7.0's field order. `argv` is the
/// command the client is running, if it is the caller. Buffer fields come from what the
/// host measured (`Client::io`); `watched` is the number of keys it WATCHes.
pub fn info_line(c: &Client, user: &[u8], now_ms: u64, argv: Option<&[&[u8]]>, watched: usize) -> String {
    let qbuf = argv.map_or(c.io.qbuf as usize, encoded_len);
    let argv_mem: usize = argv.map_or(0, |a| a.iter().map(|x| x.len()).sum());
    let name = c.name.as_deref().map(String::from_utf8_lossy).unwrap_or_default();
    let rbs = if c.io.rbs == 0 { 1024 } else { c.io.rbs as usize };
    let multi_mem = c.multi.as_ref().map_or(0, |m| m.argv_bytes());
    let io = &c.io;
    let tot_mem = c.memory_bytes(watched) - io.qbuf as usize + qbuf + argv_mem;
    format!(
        "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} ssub={} \
         multi={} qbuf={} qbuf-free={} argv-mem={} multi-mem={} rbs={} rbp={} obl={} oll={} omem={} \
         tot-mem={} events={} cmd={} user={} redir={} resp={}",
        c.id,
        c.conn.addr,
        c.conn.laddr,
        c.conn.fd,
        name,
        now_ms.saturating_sub(c.created_ms) / 1000,
        now_ms.saturating_sub(c.last_interaction_ms) / 1000,
        c.flags_string(),
        c.db,
        c.pubsub.as_ref().map_or(0, |p| p.channels.len()),
        c.pubsub.as_ref().map_or(0, |p| p.patterns.len()),
        c.pubsub.as_ref().map_or(0, |p| p.shard.len()),
        c.multi.as_ref().map_or(-1, |m| m.queue.len() as i64),
        qbuf,
        io.qbuf_free,
        argv_mem,
        multi_mem,
        rbs,
        io.rbp,
        io.obl,
        io.oll,
        io.omem,
        tot_mem,
        if io.writing { "rw" } else { "r" },
        c.last_cmd,
        String::from_utf8_lossy(user),
        super::tracking::redirect_of(c.tracking.as_deref()),
        c.resp,
    )
}

/// A client's `CLIENT LIST` line without its current command (the ACL log's
/// `client-info`).
pub fn info_line_for(st: &crate::engine::EngineState, c: &Client) -> String {
    info_line(c, &st.acl.user(c.user).name, st.now_ms(), None, st.watches.keys_of(c.handle))
}

/// The connected clients still open (the caller included), ordered by id like Redis's
/// client list.
fn open_clients<'a>(ctx: &'a Ctx) -> Vec<&'a Client> {
    let mut all: Vec<&Client> = std::iter::once(&*ctx.client)
        .chain(ctx.clients.iter().map(|(_, c)| c).filter(|c| !c.close_requested))
        .collect();
    crate::util::sort::sort_by_key(&mut all, |c| c.id);
    all
}

/// `CLIENT ID`.
pub fn client_id(ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Ok(Reply::Int(ctx.client.id as i64))
}

/// `CLIENT GETNAME`.
pub fn client_getname(ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Ok(Reply::bulk_or_nil(ctx.client.name.as_deref()))
}

/// `CLIENT SETNAME name` (empty clears it).
pub fn client_setname(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    set_name(ctx.client, args.take())?;
    Ok(Reply::ok())
}

/// `CLIENT HELP`.
pub fn client_help(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Ok(help_reply(HELP))
}

/// `CLIENT INFO`: the caller's `CLIENT LIST` line.
pub fn client_info(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let user = ctx.st.acl.user(ctx.client.user).name.clone();
    let watched = ctx.st.watches.keys_of(ctx.client.handle);
    let mut line = info_line(ctx.client, &user, ctx.now_ms(), Some(args.all()), watched);
    line.push('\n');
    Ok(Reply::Verbatim("txt", line.into_bytes()))
}

/// Redis's client types by name; every Cinder client is `normal`.
fn type_matches_normal(name: &[u8]) -> Result<bool, CmdError> {
    if is(name, "normal") {
        Ok(true)
    } else if ["slave", "replica", "pubsub", "master"].iter().any(|t| is(name, t)) {
        Ok(false)
    } else {
        Err(CmdError::other(format!("ERR Unknown client type '{}'", String::from_utf8_lossy(name))))
    }
}

/// `CLIENT LIST [TYPE type] | [ID id ...]`.
pub fn client_list(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let now = ctx.now_ms();
    // The whole command sizes the caller's query buffer in its line.
    let argv = args.all();
    let mut out = String::new();
    let acl = &ctx.st.acl;
    let mut push = |c: &Client| {
        let current = if c.id == ctx.client.id { Some(argv) } else { None };
        out.push_str(&info_line(c, &acl.user(c.user).name, now, current, ctx.st.watches.keys_of(c.handle)));
        out.push('\n');
    };
    if args.remaining() == 2 && args.eat("type") {
        if type_matches_normal(args.take())? {
            open_clients(ctx).into_iter().for_each(&mut push);
        }
    } else if args.remaining() > 1 && args.eat("id") {
        let mut ids = Vec::with_capacity(args.remaining());
        for a in args.take_rest() {
            ids.push(parse_i64(a).ok_or(CmdError::other("ERR Invalid client ID"))?);
        }
        let clients = open_clients(ctx);
        for id in ids {
            if let Some(c) = clients.iter().find(|c| c.id as i64 == id) {
                push(c);
            }
        }
    } else if args.has_more() {
        return Err(CmdError::Syntax);
    } else {
        open_clients(ctx).into_iter().for_each(&mut push);
    }
    Ok(Reply::Verbatim("txt", out.into_bytes()))
}

/// What `CLIENT KILL` selects.
#[derive(Default)]
struct KillFilter<'a> {
    addr: Option<&'a [u8]>,
    laddr: Option<&'a [u8]>,
    id: Option<u64>,
    user: Option<crate::acl::UserId>,
    /// `TYPE`/`USER` filters that no Cinder client can match.
    matches_none: bool,
    skipme: bool,
}

impl KillFilter<'_> {
    fn matches(&self, c: &Client, is_caller: bool) -> bool {
        self.addr.is_none_or(|a| a == c.conn.addr.as_bytes())
            && self.laddr.is_none_or(|a| a == c.conn.laddr.as_bytes())
            && self.id.is_none_or(|id| id == c.id)
            && self.user.is_none_or(|u| u == c.user)
            && !self.matches_none
            && !(is_caller && self.skipme)
    }
}

/// Parses the filter form `CLIENT KILL <option> <value> ...`.
fn parse_kill_filter<'a>(args: &mut Args<'a>, acl: &crate::acl::Acl) -> Result<KillFilter<'a>, CmdError> {
    let mut f = KillFilter { skipme: true, ..Default::default() };
    while let Some(opt) = args.next() {
        let Some(val) = args.next() else {
            return Err(CmdError::Syntax);
        };
        if is(opt, "id") {
            match parse_i64(val) {
                Some(id) if id >= 1 => f.id = Some(id as u64),
                _ => return Err(CmdError::other("ERR client-id should be greater than 0")),
            }
        } else if is(opt, "type") {
            if !type_matches_normal(val)? {
                f.matches_none = true;
            }
        } else if is(opt, "addr") {
            f.addr = Some(val);
        } else if is(opt, "laddr") {
            f.laddr = Some(val);
        } else if is(opt, "user") {
            match acl.find(val) {
                Some(u) => f.user = Some(u),
                None => {
                    return Err(CmdError::other(format!("ERR No such user '{}'", String::from_utf8_lossy(val))));
                }
            }
        } else if is(opt, "skipme") {
            if is(val, "yes") {
                f.skipme = true;
            } else if is(val, "no") {
                f.skipme = false;
            } else {
                return Err(CmdError::Syntax);
            }
        } else {
            return Err(CmdError::Syntax);
        }
    }
    Ok(f)
}

/// `CLIENT KILL ip:port` (replies OK or `No such client`) or
/// `CLIENT KILL <filter> <value> ...` (replies the number killed). Killed connections
/// are closed by the host; the caller's own after its reply.
pub fn client_kill(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let old_form = args.remaining() == 1;
    let filter = if old_form {
        KillFilter { addr: Some(args.take()), ..Default::default() }
    } else {
        parse_kill_filter(args, &ctx.st.acl)?
    };
    let mut killed = 0i64;
    for (h, c) in ctx.clients.iter_mut() {
        if !c.close_requested && filter.matches(c, false) {
            c.close_requested = true;
            ctx.st.actions.push(HostAction::Close(h));
            killed += 1;
        }
    }
    if filter.matches(ctx.client, true) {
        super::request_close_self(ctx);
        killed += 1;
    }
    if old_form {
        if killed == 0 {
            return Err(CmdError::other("ERR No such client"));
        }
        return Ok(Reply::ok());
    }
    Ok(Reply::Int(killed))
}

/// `CLIENT UNBLOCK id [TIMEOUT|ERROR]`: ends another client's blocking command with its
/// timeout reply (default) or `-UNBLOCKED client unblocked via CLIENT UNBLOCK`. Replies 1
/// if that client was blocked, else 0. The reason is checked before the id, as in Redis.
pub fn client_unblock(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (id, reason) = (args.take(), args.next());
    if args.has_more() {
        return Err(CmdError::other(format!(
            "ERR unknown subcommand or wrong number of arguments for '{}'. Try CLIENT HELP.",
            crate::cmd::c_str_128(args.subcommand_name())
        )));
    }
    let as_error = match reason {
        None => false,
        Some(r) if is_c(r, "timeout") => false,
        Some(r) if is_c(r, "error") => true,
        Some(_) => return Err(CmdError::other("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")),
    };
    let id = parse_i64(id).ok_or(CmdError::NotInteger)?;
    let target = ctx.clients.iter_mut().find(|(_, c)| c.id as i64 == id && c.is_blocked());
    let Some((_, c)) = target else {
        return Ok(Reply::Int(0));
    };
    let reply = match &c.wait {
        Some(_) if as_error => Reply::error("UNBLOCKED client unblocked via CLIENT UNBLOCK"),
        Some(w) => w.waiter.timeout_reply_in(ctx.st),
        None => return Ok(Reply::Int(0)),
    };
    crate::cmd::blocking::finish(ctx.st, c, reply, true);
    Ok(Reply::Int(1))
}

/// `CLIENT NO-EVICT ON|OFF`.
pub fn client_no_evict(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let v = args.take();
    ctx.client.no_evict = if is(v, "on") {
        true
    } else if is(v, "off") {
        false
    } else {
        return Err(CmdError::Syntax);
    };
    Ok(Reply::ok())
}

/// `CLIENT REPLY ON|OFF|SKIP`: only `ON` is answered.
pub fn client_reply(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let v = args.take();
    let c = &mut *ctx.client;
    if is(v, "on") {
        c.reply_mode = ReplyMode::On;
        Ok(Reply::ok())
    } else if is(v, "off") {
        c.reply_mode = ReplyMode::Off;
        Ok(Reply::NoReply)
    } else if is(v, "skip") {
        if c.reply_mode != ReplyMode::Off {
            c.reply_mode = ReplyMode::SkipNext;
        }
        Ok(Reply::NoReply)
    } else {
        Err(CmdError::Syntax)
    }
}

#[cfg(test)]
mod tests {
    use crate::client::{ClientHandle, ConnInfo};
    use crate::engine::HostAction;
    use crate::reply::Reply;
    use crate::testkit::TestEngine;

    fn conn(port: u16) -> ConnInfo {
        ConnInfo { addr: format!("127.0.0.1:{}", port), laddr: "127.0.0.1:6379".into(), fd: 8 }
    }

    /// An engine whose client (id 2; id 1 was the test kit's) comes from port 5001, plus
    /// a second client (id 3) from port 5002.
    fn two_clients() -> (TestEngine, ClientHandle) {
        let mut t = TestEngine::new();
        t.eng.disconnect(t.client);
        t.client = t.eng.connect(conn(5001)).unwrap();
        let other = t.eng.connect(conn(5002)).unwrap();
        (t, other)
    }

    fn text(r: Reply) -> String {
        match r {
            Reply::Verbatim("txt", b) => String::from_utf8(b).unwrap(),
            other => panic!("{:?}", other),
        }
    }

    /// A `CLIENT LIST` line without its memory fields (which depend on struct sizes).
    fn strip_mem(line: &str) -> String {
        line.split(' ').filter(|f| !f.starts_with("tot-mem=")).collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn id_and_names() {
        let mut t = TestEngine::new();
        assert_eq!(t.resp(&["CLIENT", "ID"]), ":1\r\n");
        assert_eq!(t.resp(&["CLIENT", "ID", "x"]), "-ERR wrong number of arguments for 'client|id' command\r\n");
        assert_eq!(t.resp(&["CLIENT", "GETNAME"]), "$-1\r\n");
        assert_eq!(t.resp(&["CLIENT", "SETNAME", "ok"]), "+OK\r\n");
        assert_eq!(t.resp(&["CLIENT", "GETNAME"]), "$2\r\nok\r\n");
        for bad in ["a b", "a\nb", "é", "\x7f"] {
            assert_eq!(
                t.resp(&["CLIENT", "SETNAME", bad]),
                "-ERR Client names cannot contain spaces, newlines or special characters.\r\n"
            );
        }
        assert_eq!(t.resp(&["CLIENT", "GETNAME"]), "$2\r\nok\r\n");
        assert_eq!(t.resp(&["CLIENT", "SETNAME", ""]), "+OK\r\n");
        assert_eq!(t.resp(&["CLIENT", "GETNAME"]), "$-1\r\n");
        assert_eq!(t.resp(&["CLIENT", "foo"]), "-ERR unknown subcommand 'foo'. Try CLIENT HELP.\r\n");
        assert_eq!(t.resp(&["CLIENT", "NO-TOUCH", "on"]), "-ERR unknown subcommand 'NO-TOUCH'. Try CLIENT HELP.\r\n");
        assert_eq!(t.resp(&["CLIENT"]), "-ERR wrong number of arguments for 'client' command\r\n");
        assert!(t
            .resp(&["CLIENT", "HELP"])
            .starts_with("*48\r\n+CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"));
    }

    #[test]
    fn info_line_has_redis_fields_in_order() {
        let (mut t, _) = two_clients();
        t.advance_ms(2500);
        let line = text(t.cmd(&["CLIENT", "INFO"]));
        assert_eq!(
            strip_mem(&line),
            "id=2 addr=127.0.0.1:5001 laddr=127.0.0.1:6379 fd=8 name= age=2 idle=0 flags=N db=0 sub=0 psub=0 ssub=0 \
             multi=-1 qbuf=26 qbuf-free=0 argv-mem=10 multi-mem=0 rbs=1024 rbp=0 obl=0 oll=0 omem=0 events=r \
             cmd=client|info user=default redir=-1 resp=2\n"
        );
        assert!(line.contains(" tot-mem="));
        assert!(
            t.resp3(&["CLIENT", "INFO"]).starts_with("=") && t.resp3(&["CLIENT", "INFO"]).contains("\r\ntxt:id=2 ")
        );
    }

    #[test]
    fn list_orders_by_id_and_filters() {
        let (mut t, other) = two_clients();
        t.cmd_as(other, &["SELECT", "3"]);
        t.cmd_as(other, &["CLIENT", "SETNAME", "worker"]);
        t.cmd_as(other, &["CLIENT", "NO-EVICT", "on"]);
        t.advance_ms(3000);
        let list = text(t.cmd(&["CLIENT", "LIST"]));
        let lines: Vec<String> = list.lines().map(strip_mem).collect();
        assert_eq!(
            lines,
            [
                "id=2 addr=127.0.0.1:5001 laddr=127.0.0.1:6379 fd=8 name= age=3 idle=0 flags=N db=0 sub=0 psub=0 ssub=0 \
                 multi=-1 qbuf=26 qbuf-free=0 argv-mem=10 multi-mem=0 rbs=1024 rbp=0 obl=0 oll=0 omem=0 events=r \
                 cmd=client|list user=default redir=-1 resp=2",
                "id=3 addr=127.0.0.1:5002 laddr=127.0.0.1:6379 fd=8 name=worker age=3 idle=3 flags=e db=3 sub=0 psub=0 \
                 ssub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=1024 rbp=0 obl=0 oll=0 omem=0 events=r \
                 cmd=client|no-evict user=default redir=-1 resp=2",
            ]
        );
        assert!(list.ends_with('\n'));
        assert_eq!(text(t.cmd(&["CLIENT", "LIST", "TYPE", "normal"])).lines().count(), 2);
        for ty in ["master", "replica", "slave", "PUBSUB"] {
            assert_eq!(t.resp(&["CLIENT", "LIST", "TYPE", ty]), "$0\r\n\r\n");
        }
        assert_eq!(t.resp(&["CLIENT", "LIST", "TYPE", "foo"]), "-ERR Unknown client type 'foo'\r\n");
        assert_eq!(t.resp(&["CLIENT", "LIST", "TYPE"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["CLIENT", "LIST", "ID"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["CLIENT", "LIST", "foo"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["CLIENT", "LIST", "TYPE", "normal", "ID", "1"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["CLIENT", "LIST", "ID", "1", "x"]), "-ERR Invalid client ID\r\n");
        assert_eq!(t.resp(&["CLIENT", "LIST", "ID", "0", "99", "-5"]), "$0\r\n\r\n");
        let by_id = text(t.cmd(&["CLIENT", "LIST", "ID", "3", "2", "3"]));
        let ids: Vec<&str> = by_id.lines().map(|l| l.split(' ').next().unwrap()).collect();
        assert_eq!(ids, ["id=3", "id=2", "id=3"]);
        assert_eq!(t.resp3(&["CLIENT", "LIST", "TYPE", "master"]), "=4\r\ntxt:\r\n");
    }

    #[test]
    fn kill_old_form() {
        let (mut t, other) = two_clients();
        assert_eq!(t.resp(&["CLIENT", "KILL", "1.2.3.4:5"]), "-ERR No such client\r\n");
        assert_eq!(t.resp(&["CLIENT", "KILL", "ID"]), "-ERR No such client\r\n");
        assert_eq!(t.resp(&["CLIENT", "KILL", "127.0.0.1:5002"]), "+OK\r\n");
        assert!(t.eng.client(other).unwrap().close_requested);
        assert_eq!(t.eng.take_actions(), vec![HostAction::Close(other)]);
        // Already being closed: not listed, not killed again.
        assert_eq!(text(t.cmd(&["CLIENT", "LIST"])).lines().count(), 1);
        assert_eq!(t.resp(&["CLIENT", "KILL", "127.0.0.1:5002"]), "-ERR No such client\r\n");
        // The old form may kill the caller itself.
        assert_eq!(t.resp(&["CLIENT", "KILL", "127.0.0.1:5001"]), "+OK\r\n");
        assert_eq!(t.eng.take_actions(), vec![HostAction::Close(t.client)]);
    }

    #[test]
    fn kill_filters() {
        let (mut t, other) = two_clients();
        let positive = "-ERR client-id should be greater than 0\r\n";
        assert_eq!(t.resp(&["CLIENT", "KILL", "ID", "0"]), positive);
        assert_eq!(t.resp(&["CLIENT", "KILL", "ID", "x"]), positive);
        assert_eq!(t.resp(&["CLIENT", "KILL", "ID", "-1"]), positive);
        assert_eq!(t.resp(&["CLIENT", "KILL", "ID", "99", "ID", "x"]), positive);
        assert_eq!(t.resp(&["CLIENT", "KILL", "ID", "1", "TYPE"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["CLIENT", "KILL", "TYPE", "foo"]), "-ERR Unknown client type 'foo'\r\n");
        assert_eq!(t.resp(&["CLIENT", "KILL", "USER", "bob"]), "-ERR No such user 'bob'\r\n");
        assert_eq!(t.resp(&["CLIENT", "KILL", "MAXAGE", "10"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["CLIENT", "KILL", "SKIPME", "maybe"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["CLIENT", "KILL", "ID", "99"]), ":0\r\n");
        assert_eq!(t.resp(&["CLIENT", "KILL", "TYPE", "master"]), ":0\r\n");
        assert_eq!(t.resp(&["CLIENT", "KILL", "ADDR", "1.2.3.4:5", "SKIPME", "no"]), ":0\r\n");
        assert!(t.eng.take_actions().is_empty());
        // SKIPME defaults to yes: only the other client goes.
        assert_eq!(t.resp(&["CLIENT", "KILL", "USER", "default"]), ":1\r\n");
        assert_eq!(t.eng.take_actions(), vec![HostAction::Close(other)]);
        assert_eq!(t.resp(&["CLIENT", "KILL", "LADDR", "127.0.0.1:6379", "SKIPME", "no"]), ":1\r\n");
        assert_eq!(t.eng.take_actions(), vec![HostAction::Close(t.client)]);
        assert!(t.eng.client(t.client).unwrap().flags_string().contains('c'));
    }

    #[test]
    fn no_evict_and_reply_modes() {
        let mut t = TestEngine::new();
        assert_eq!(t.resp(&["CLIENT", "NO-EVICT"]), "-ERR wrong number of arguments for 'client|no-evict' command\r\n");
        assert_eq!(t.resp(&["CLIENT", "NO-EVICT", "maybe"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["CLIENT", "NO-EVICT", "on"]), "+OK\r\n");
        assert!(t.eng.client(t.client).unwrap().no_evict);
        assert_eq!(t.resp(&["CLIENT", "NO-EVICT", "OFF"]), "+OK\r\n");
        assert!(!t.eng.client(t.client).unwrap().no_evict);
        assert_eq!(t.resp(&["CLIENT", "REPLY", "maybe"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["CLIENT", "REPLY", "on"]), "+OK\r\n");
        assert_eq!(t.resp(&["CLIENT", "REPLY", "SKIP"]), "");
        assert_eq!(t.resp(&["PING"]), "");
        assert_eq!(t.resp(&["PING"]), "+PONG\r\n");
        assert_eq!(t.resp(&["CLIENT", "REPLY", "OFF"]), "");
        assert_eq!(t.resp(&["PING"]), "");
        assert_eq!(t.resp(&["CLIENT", "REPLY", "SKIP"]), "");
        assert_eq!(t.resp(&["PING"]), "");
        assert_eq!(t.resp(&["CLIENT", "REPLY", "ON"]), "+OK\r\n");
        assert_eq!(t.resp(&["PING"]), "+PONG\r\n");
    }
}
