//! `ACL` and its subcommands (Redis 7.0's `aclCommand`), and the engine-level ACL work
//! the hosts call: loading the ACL file's text (`ACL LOAD`, start-up) and the `user`
//! directives of the configuration. The rules themselves are [`crate::acl`].

use super::help_reply;
use crate::acl::{selector::channel_in, Denied, UserId, CATEGORIES, DEFAULT_USER};
use crate::client::{Client, ClientHandle};
use crate::cmd::{acl_perm, lookup_argv, Args, Ctx};
use crate::engine::{Engine, EngineState, HostAction};
use crate::error::{CmdError, CmdResult};
use crate::numfmt::parse_i64;
use crate::persist::Job;
use crate::reply::Reply;

const HELP: &[&str] = &[
    "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CAT [<category>]",
    "    List all commands that belong to <category>, or all command categories",
    "    when no category is specified.",
    "DELUSER <username> [<username> ...]",
    "    Delete a list of users.",
    "DRYRUN <username> <command> [<arg> ...]",
    "    Returns whether the user can execute the given command without executing the command.",
    "GETUSER <username>",
    "    Get the user's details.",
    "GENPASS [<bits>]",
    "    Generate a secure 256-bit user password. The optional `bits` argument can",
    "    be used to specify a different size.",
    "LIST",
    "    Show users details in config file format.",
    "LOAD",
    "    Reload users from the ACL file.",
    "LOG [<count> | RESET]",
    "    Show the ACL log entries.",
    "SAVE",
    "    Save the current config to the ACL file.",
    "SETUSER <username> <attribute> [<attribute> ...]",
    "    Create or modify a user with the specified attributes.",
    "USERS",
    "    List all the registered usernames.",
    "WHOAMI",
    "    Return the current connection username.",
    "HELP",
    "    Prints this help.",
];

/// Redis's `addReplySubcommandSyntaxError` for ACL.
fn syntax_error(args: &Args) -> CmdError {
    CmdError::other(format!(
        "ERR unknown subcommand or wrong number of arguments for '{}'. Try ACL HELP.",
        crate::cmd::c_str_128(args.subcommand_name())
    ))
}

/// `ACL HELP`.
pub fn acl_help(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Ok(help_reply(HELP))
}

/// `ACL SETUSER username [rule ...]`.
pub fn acl_setuser(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    // Redis hides the user name and every rule from the slow log and monitors.
    for i in 2..3 + args.remaining().saturating_sub(1) {
        ctx.redact(i);
    }
    let name = args.take();
    if !crate::acl::User::valid_name(name) {
        return Err(CmdError::other("ERR Usernames can't contain spaces or null characters"));
    }
    let ops = args.take_rest();
    let outcome = ctx.st.acl.set_user(name, ops).map_err(|e| CmdError::other(format!("ERR {}", e)))?;
    if let Some(upcoming) = outcome.revoked_channels {
        kill_pubsub_clients(ctx, outcome.id, &upcoming);
    }
    Ok(Reply::ok())
}

/// Redis's `ACLKillPubsubClientsIfNeeded`: closes the user's pub/sub clients subscribed
/// to something `upcoming` no longer allows.
fn kill_pubsub_clients(ctx: &mut Ctx, user: UserId, upcoming: &[Vec<u8>]) {
    let violates = |c: &Client| {
        c.user == user
            && c.pubsub.as_deref().is_some_and(|s| {
                s.patterns.iter().any(|p| !channel_in(upcoming, p, true))
                    || s.channels.iter().chain(s.shard.iter()).any(|ch| !channel_in(upcoming, ch, false))
            })
    };
    let doomed: Vec<ClientHandle> =
        ctx.clients.iter().filter(|(_, c)| !c.close_requested && violates(c)).map(|(h, _)| h).collect();
    for h in doomed {
        close_other(ctx.st, ctx.clients.get_mut(h), h);
    }
    if violates(ctx.client) {
        crate::cmd::connection::request_close_self(ctx);
    }
}

fn close_other(st: &mut EngineState, c: Option<&mut Client>, h: ClientHandle) {
    if let Some(c) = c {
        if !c.close_requested {
            c.close_requested = true;
            st.actions.push(HostAction::Close(h));
        }
    }
}

/// Redis's `ACLFreeUserAndKillClients` for every client of `users`: logged out to the
/// default user and closed (the running one after its reply).
pub(crate) fn kill_user_clients(
    st: &mut EngineState,
    clients: &mut crate::client::ClientTable,
    current: Option<&mut Client>,
    users: &[UserId],
) {
    let auth = !st.acl.auth_required();
    let mut doomed = Vec::new();
    for (h, c) in clients.iter_mut() {
        if users.contains(&c.user) {
            c.user = DEFAULT_USER;
            c.authenticated = false;
            if !c.close_requested {
                c.close_requested = true;
                doomed.push(h);
            }
        }
    }
    let _ = auth;
    for h in doomed {
        st.actions.push(HostAction::Close(h));
    }
    if let Some(c) = current {
        if users.contains(&c.user) {
            c.user = DEFAULT_USER;
            c.authenticated = false;
            if !c.close_requested {
                c.close_requested = true;
                st.actions.push(HostAction::Close(c.handle));
            }
        }
    }
}

/// `ACL DELUSER username [username ...]`.
pub fn acl_deluser(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let names = args.take_rest();
    if names.iter().any(|n| *n == b"default") {
        return Err(CmdError::other("ERR The 'default' user cannot be removed"));
    }
    let deleted: Vec<UserId> = names.iter().filter_map(|n| ctx.st.acl.delete(n)).collect();
    kill_user_clients(ctx.st, ctx.clients, Some(ctx.client), &deleted);
    Ok(Reply::Int(deleted.len() as i64))
}

/// The `commands`, `keys` and `channels` fields of a selector.
fn selector_fields(cat: &crate::acl::Catalog, s: &crate::acl::Selector) -> Vec<(Reply, Reply)> {
    use crate::acl::describe;
    vec![
        (Reply::text("commands"), Reply::Bulk(describe::command_rules(cat, s))),
        (Reply::text("keys"), Reply::Bulk(describe::keys_field(s))),
        (Reply::text("channels"), Reply::Bulk(describe::channels_field(s))),
    ]
}

/// `ACL GETUSER username`.
pub fn acl_getuser(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let Some(id) = ctx.st.acl.find(args.take()) else { return Ok(Reply::Nil) };
    let acl = &ctx.st.acl;
    let u = acl.user(id);
    let mut fields = vec![
        (Reply::text("flags"), Reply::Set(u.flag_names().into_iter().map(Reply::text).collect())),
        (Reply::text("passwords"), Reply::Array(u.passwords.iter().map(|p| Reply::bulk(p)).collect())),
    ];
    fields.extend(selector_fields(acl.catalog, &u.selectors[0]));
    let selectors = u.selectors[1..].iter().map(|s| Reply::Map(selector_fields(acl.catalog, s))).collect();
    fields.push((Reply::text("selectors"), Reply::Array(selectors)));
    Ok(Reply::Map(fields))
}

/// `ACL LIST`.
pub fn acl_list(ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    let acl = &ctx.st.acl;
    Ok(Reply::Array(
        acl.users()
            .map(|(_, u)| {
                let mut line = b"user ".to_vec();
                line.extend_from_slice(&u.name);
                line.push(b' ');
                line.extend_from_slice(&u.describe(acl.catalog));
                Reply::Bulk(line)
            })
            .collect(),
    ))
}

/// `ACL USERS`.
pub fn acl_users(ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Ok(Reply::Array(ctx.st.acl.users().map(|(_, u)| Reply::bulk(&u.name)).collect()))
}

/// `ACL WHOAMI`.
pub fn acl_whoami(ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Ok(Reply::bulk(&ctx.st.acl.user(ctx.client.user).name))
}

/// Redis's reply when no `aclfile` is configured.
const NO_ACLFILE: &str = "ERR This Redis instance is not configured to use an ACL file. You may want to specify users \
                          via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis \
                          configuration file set) in order to store users in the Redis configuration.";

/// `ACL LOAD`: the host reads `aclfile` and calls [`load_acl_text`].
pub fn acl_load(ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    if ctx.st.config.aclfile.is_empty() {
        return Err(CmdError::other(NO_ACLFILE));
    }
    ctx.st.actions.push(HostAction::Persist(Job::AclLoad));
    Ok(Reply::ok())
}

/// `ACL SAVE`: the host writes [`crate::acl::Acl::save_text`] to `aclfile`.
pub fn acl_save(ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    if ctx.st.config.aclfile.is_empty() {
        return Err(CmdError::other(NO_ACLFILE));
    }
    ctx.st.actions.push(HostAction::Persist(Job::AclSave));
    Ok(Reply::ok())
}

/// Loads the ACL file's `text` (Redis's `ACLLoadFromFile`): on success every client of a
/// replaced user is logged out and closed. `Err` is the error text (without `ERR `).
pub fn load_acl_text(engine: &mut Engine, text: &[u8]) -> Result<(), String> {
    let filename = engine.state.config.aclfile.clone();
    let replaced = engine.state.acl.load_text(&filename, text)?;
    kill_user_clients(&mut engine.state, &mut engine.clients, None, &replaced);
    Ok(())
}

/// Loads the configuration's `user` directives (each `[name, rules...]`); `Err` is the
/// log line.
pub fn load_configured_users(engine: &mut Engine, users: &[Vec<Vec<u8>>]) -> Result<(), String> {
    engine.state.acl.load_configured(users)
}

/// `ACL CAT [category]`.
pub fn acl_cat(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let Some(name) = args.next() else {
        return Ok(Reply::Array(CATEGORIES.iter().map(|c| Reply::text(*c)).collect()));
    };
    if args.has_more() {
        return Err(syntax_error(args));
    }
    let Some(bit) = crate::acl::catalog::category_bit(name) else {
        return Err(CmdError::other(format!("ERR Unknown category '{}'", crate::cmd::c_str_128(name))));
    };
    let cat = ctx.st.acl.catalog;
    Ok(Reply::Array(
        cat.walk()
            .filter(|&id| cat.entries[id as usize].cats & bit != 0)
            .map(|id| Reply::text(cat.entries[id as usize].name))
            .collect(),
    ))
}

/// `ACL GENPASS [bits]`: random hex digits from the injected RNG.
pub fn acl_genpass(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let mut bits = 256;
    if let Some(b) = args.next() {
        if args.has_more() {
            return Err(syntax_error(args));
        }
        bits = parse_i64(b).ok_or(CmdError::NotInteger)?;
    }
    if bits <= 0 || bits > 4096 {
        return Err(CmdError::other(
            "ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096",
        ));
    }
    let chars = ((bits + 3) / 4) as usize;
    let mut out = Vec::with_capacity(chars);
    while out.len() < chars {
        let r = ctx.st.rng.next_u64();
        for i in 0..16 {
            if out.len() < chars {
                out.push(b"0123456789abcdef"[((r >> (i * 4)) & 15) as usize]);
            }
        }
    }
    Ok(Reply::Bulk(out))
}

/// `ACL LOG [count | RESET]`.
pub fn acl_log(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let mut count = 10i64;
    if let Some(a) = args.next() {
        if args.has_more() {
            return Err(syntax_error(args));
        }
        if crate::cmd::is(a, "reset") {
            ctx.st.acl.log.entries.clear();
            return Ok(Reply::ok());
        }
        count = parse_i64(a).ok_or(CmdError::NotInteger)?.max(0);
    }
    let now = ctx.st.now_ms();
    Ok(Reply::Array(
        ctx.st
            .acl
            .log
            .entries
            .iter()
            .take(count as usize)
            .map(|e| {
                Reply::Map(vec![
                    (Reply::text("count"), Reply::Int(e.count as i64)),
                    (Reply::text("reason"), Reply::text(e.reason.as_str())),
                    (Reply::text("context"), Reply::text(e.context.as_str())),
                    (Reply::text("object"), Reply::bulk(&e.object)),
                    (Reply::text("username"), Reply::bulk(&e.username)),
                    (Reply::text("age-seconds"), Reply::Double(now.saturating_sub(e.ctime_ms) as f64 / 1000.0)),
                    (Reply::text("client-info"), Reply::text(e.client_info.clone())),
                ])
            })
            .collect(),
    ))
}

/// `ACL DRYRUN username command [arg ...]`.
pub fn acl_dryrun(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let name = args.take();
    let Some(user) = ctx.st.acl.find(name) else {
        return Err(CmdError::other(format!("ERR User '{}' not found", String::from_utf8_lossy(name))));
    };
    let argv = args.take_rest();
    let Ok(spec) = lookup_argv(argv) else {
        return Err(CmdError::other(format!("ERR Command '{}' not found", String::from_utf8_lossy(argv[0]))));
    };
    if !spec.arity_ok(argv.len()) {
        return Err(CmdError::other(format!("ERR wrong number of arguments for '{}' command", spec.name)));
    }
    match ctx.st.acl.check(user, &mut acl_perm::Req::new(spec, argv)) {
        Ok(()) => Ok(Reply::ok()),
        Err(Denied::Command) => {
            Ok(Reply::text(format!("This user has no permissions to run the '{}' command", spec.name)))
        }
        Err(Denied::Key(i)) => Ok(Reply::text(format!(
            "This user has no permissions to access the '{}' key",
            String::from_utf8_lossy(argv[i])
        ))),
        Err(Denied::Channel(i)) => Ok(Reply::text(format!(
            "This user has no permissions to access the '{}' channel",
            String::from_utf8_lossy(argv[i])
        ))),
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::TestEngine;
    use proptest::prelude::*;

    fn ok(t: &mut TestEngine, args: &[&str]) {
        assert_eq!(t.resp(args), "+OK\r\n", "{:?}", args);
    }

    #[test]
    fn noperm_texts_and_log() {
        let mut t = TestEngine::new();
        ok(&mut t, &["ACL", "SETUSER", "app", "on", ">pw", "~app:*", "&news", "+@read", "+@write", "+publish"]);
        let c = t.connect();
        assert_eq!(t.cmd_as(c, &["AUTH", "app", "pw"]).to_resp(2), b"+OK\r\n");
        let r = |t: &mut TestEngine, a: &[&str]| String::from_utf8(t.cmd_as(c, a).to_resp(2)).unwrap();
        assert_eq!(r(&mut t, &["SET", "app:1", "v"]), "+OK\r\n");
        assert_eq!(r(&mut t, &["GET", "app:1"]), "$1\r\nv\r\n");
        assert_eq!(
            r(&mut t, &["GET", "other"]),
            "-NOPERM this user has no permissions to access one of the keys used as arguments\r\n"
        );
        assert_eq!(
            r(&mut t, &["CLIENT", "ID"]),
            "-NOPERM this user has no permissions to run the 'client|id' command\r\n"
        );
        assert_eq!(
            r(&mut t, &["PUBLISH", "sports", "x"]),
            "-NOPERM this user has no permissions to access one of the channels used as arguments\r\n"
        );
        assert_eq!(r(&mut t, &["PUBLISH", "news", "x"]), ":0\r\n");
        assert_eq!(
            r(&mut t, &["ACL", "WHOAMI"]),
            "-NOPERM this user has no permissions to run the 'acl|whoami' command\r\n"
        );
        // SORT BY/GET need access to every key.
        assert_eq!(
            r(&mut t, &["SORT", "app:l", "BY", "w_*"]),
            "-ERR BY option of SORT denied due to insufficient ACL permissions.\r\n"
        );
        assert_eq!(
            r(&mut t, &["SORT", "app:l", "GET", "#"]),
            "-ERR GET option of SORT denied due to insufficient ACL permissions.\r\n"
        );
        // Scripts run as the caller.
        ok(&mut t, &["ACL", "SETUSER", "app", "+eval"]);
        assert_eq!(
            r(&mut t, &["EVAL", "return redis.call('get','zz')", "0"]),
            "-ERR The user executing the script can't access at least one of the keys mentioned in the command \
             arguments script: 2ba5f4d8b7e5fe3dc2a7a5a7e7f2b7d9e9c8b0c7, on @user_script:1.\r\n"
                .replace("2ba5f4d8b7e5fe3dc2a7a5a7e7f2b7d9e9c8b0c7", &sha1_of("return redis.call('get','zz')"))
        );
        let log = t.resp(&["ACL", "LOG", "1"]);
        assert!(
            log.contains("$6\r\nreason\r\n$3\r\nkey\r\n$7\r\ncontext\r\n$3\r\nlua\r\n$6\r\nobject\r\n$2\r\nzz\r\n"),
            "{}",
            log
        );
        assert!(log.contains("user=app"), "{}", log);
        let all = t.resp(&["ACL", "LOG"]);
        assert!(all.starts_with("*5\r\n"), "{}", all);
        ok(&mut t, &["ACL", "LOG", "RESET"]);
        assert_eq!(t.resp(&["ACL", "LOG"]), "*0\r\n");
    }

    fn sha1_of(s: &str) -> String {
        let mut t = TestEngine::new();
        let r = t.cmd(&["SCRIPT", "LOAD", s]);
        match r {
            crate::reply::Reply::Bulk(b) => String::from_utf8(b).unwrap(),
            other => panic!("{:?}", other),
        }
    }

    #[test]
    fn auth_failures_are_logged_and_deleting_a_user_closes_its_clients() {
        let mut t = TestEngine::new();
        ok(&mut t, &["ACL", "SETUSER", "bob", "on", ">b", "+@all", "~*"]);
        let c = t.connect();
        assert!(t.cmd_as(c, &["AUTH", "bob", "nope"]).is_error());
        let log = t.resp(&["ACL", "LOG"]);
        assert!(log.contains("$6\r\nreason\r\n$4\r\nauth\r\n$7\r\ncontext\r\n$8\r\ntoplevel\r\n$6\r\nobject\r\n$4\r\nAUTH\r\n$8\r\nusername\r\n$3\r\nbob\r\n"), "{}", log);
        assert_eq!(t.cmd_as(c, &["AUTH", "bob", "b"]).to_resp(2), b"+OK\r\n");
        assert_eq!(t.cmd_as(c, &["ACL", "WHOAMI"]).to_resp(2), b"$3\r\nbob\r\n");
        assert_eq!(t.resp(&["ACL", "DELUSER", "bob", "nobody"]), ":1\r\n");
        assert!(t.eng.client(c).unwrap().close_requested);
        assert_eq!(t.eng.client(c).unwrap().user, crate::acl::DEFAULT_USER);
        assert_eq!(t.resp(&["ACL", "DELUSER", "default"]), "-ERR The 'default' user cannot be removed\r\n");
    }

    #[test]
    fn requirepass_is_the_default_users_password() {
        let mut t = TestEngine::new();
        ok(&mut t, &["CONFIG", "SET", "requirepass", "s3"]);
        assert!(t.resp(&["ACL", "LIST"]).contains("user default on #"));
        let c = t.connect();
        assert_eq!(t.cmd_as(c, &["PING"]).to_resp(2), b"-NOAUTH Authentication required.\r\n");
        assert_eq!(t.cmd_as(c, &["AUTH", "s3"]).to_resp(2), b"+OK\r\n");
        ok(&mut t, &["CONFIG", "SET", "requirepass", ""]);
        assert_eq!(t.resp(&["ACL", "LIST"]), "*1\r\n$34\r\nuser default on nopass ~* &* +@all\r\n");
    }

    #[test]
    fn pubsub_clients_lose_revoked_channels() {
        let mut t = TestEngine::new();
        ok(&mut t, &["ACL", "SETUSER", "sub", "on", "nopass", "+@all", "~*", "resetchannels", "&a", "&b"]);
        let c = t.connect();
        assert_eq!(t.cmd_as(c, &["AUTH", "sub", "x"]).to_resp(2), b"+OK\r\n");
        t.cmd_as(c, &["SUBSCRIBE", "b"]);
        ok(&mut t, &["ACL", "SETUSER", "sub", "&c"]);
        assert!(!t.eng.client(c).unwrap().close_requested);
        ok(&mut t, &["ACL", "SETUSER", "sub", "resetchannels", "&a"]);
        assert!(t.eng.client(c).unwrap().close_requested);
    }

    #[test]
    fn exec_rechecks_permissions() {
        let mut t = TestEngine::new();
        ok(&mut t, &["ACL", "SETUSER", "u", "on", "nopass", "+@all", "~*"]);
        let c = t.connect();
        t.cmd_as(c, &["AUTH", "u", "x"]);
        t.cmd_as(c, &["MULTI"]);
        t.cmd_as(c, &["SET", "k", "v"]);
        ok(&mut t, &["ACL", "SETUSER", "u", "-set"]);
        assert_eq!(
            String::from_utf8(t.cmd_as(c, &["EXEC"]).to_resp(2)).unwrap(),
            "*1\r\n-NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. \
             This command is no longer allowed for the following reason: no permission to execute the command or \
             subcommand\r\n"
        );
    }

    #[test]
    fn genpass_uses_the_rng() {
        let mut t = TestEngine::new();
        let p = t.resp(&["ACL", "GENPASS"]);
        assert!(p.starts_with("$64\r\n"), "{}", p);
        assert!(t.resp(&["ACL", "GENPASS", "5"]).starts_with("$2\r\n"));
        assert_ne!(t.resp(&["ACL", "GENPASS"]), p);
        assert_eq!(
            t.resp(&["ACL", "GENPASS", "4097"]),
            "-ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to \
             4096\r\n"
        );
    }

    /// One random rule from the ones ACL SETUSER takes.
    fn rule() -> impl Strategy<Value = String> {
        let cmds = ["get", "set", "config", "config|get", "client|kill", "select", "debug", "hset", "publish"];
        let cats = crate::acl::CATEGORIES;
        prop_oneof![
            Just("on".to_string()),
            Just("off".to_string()),
            Just("nopass".to_string()),
            Just("resetpass".to_string()),
            "[a-c]{1,3}".prop_map(|p| format!(">{}", p)),
            "[a-c*]{1,3}".prop_map(|p| format!("~{}", p)),
            // (`%R~*` with `%W~*` is listed as `~*`, which reloads as allkeys and then refuses
            // any later pattern: a quirk Redis has too, left out here.)
            "[a-c][a-c*]{0,2}".prop_map(|p| format!("%R~{}", p)),
            "[a-c][a-c*]{0,2}".prop_map(|p| format!("%W~{}", p)),
            "[a-c*]{1,3}".prop_map(|p| format!("&{}", p)),
            Just("allkeys".to_string()),
            Just("resetkeys".to_string()),
            Just("allchannels".to_string()),
            Just("resetchannels".to_string()),
            Just("allcommands".to_string()),
            Just("nocommands".to_string()),
            (0..cats.len(), any::<bool>()).prop_map(move |(i, p)| format!("{}@{}", if p { '+' } else { '-' }, cats[i])),
            (0..cmds.len(), any::<bool>()).prop_map(move |(i, p)| format!("{}{}", if p { '+' } else { '-' }, cmds[i])),
            (0..3u8).prop_map(|n| format!("+select|{}", n)),
            ("[a-c*]{1,2}", 0..cmds.len()).prop_map(move |(k, i)| format!("(~{} +{})", k, cmds[i])),
            Just("clearselectors".to_string()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// ACL LIST's line, given back to ACL SETUSER, makes the same user.
        #[test]
        fn list_output_round_trips(rules in proptest::collection::vec(rule(), 0..12)) {
            let mut t = TestEngine::new();
            let mut args = vec!["ACL", "SETUSER", "a"];
            args.extend(rules.iter().map(|r| r.as_str()));
            // Some sequences are invalid (a pattern after allkeys): they change nothing.
            let _ = t.cmd(&args);
            let acl = &t.eng.state.acl;
            let Some(a) = acl.find(b"a") else { return Ok(()) };
            let line = String::from_utf8(acl.user(a).describe(acl.catalog)).unwrap();
            let mut args = vec!["ACL", "SETUSER", "b", "reset"];
            args.extend(line.split(' ').filter(|s| !s.is_empty()));
            prop_assert_eq!(t.resp(&args), "+OK\r\n");
            let acl = &t.eng.state.acl;
            let (ua, ub) = (acl.user(a), acl.user(acl.find(b"b").unwrap()));
            // A first-arg of a command the selector allows anyway is not shown, and `%R~*
            // %W~*` is shown as `~*`, which loads as allkeys (both as in Redis).
            let norm = |u: &crate::acl::User| {
                let mut s = u.selectors.clone();
                for sel in &mut s {
                    if sel.patterns.iter().any(|p| p.flags == 3 && p.pattern == b"*") {
                        sel.allkeys = true;
                        sel.patterns.clear();
                    }
                    let bits = sel.bits.clone();
                    sel.firstargs.retain(|id, _| bits[*id as usize / 64] & (1 << (*id % 64)) == 0);
                }
                s
            };
            prop_assert_eq!(norm(ua), norm(ub), "{}", line);
            prop_assert_eq!(&ua.passwords, &ub.passwords);
            prop_assert_eq!((ua.enabled, ua.nopass), (ub.enabled, ub.nopass));
        }
    }
}

#[cfg(test)]
mod overhead {
    use crate::testkit::TestEngine;

    /// In-process cost of the checks: GET and SET as a `~app:*` `+@read +@write` user
    /// against the unrestricted default user (`cargo test --release -p cinder-core --lib
    /// acl_check_overhead -- --ignored --nocapture`).
    #[test]
    #[ignore]
    fn acl_check_overhead() {
        let mut t = TestEngine::new();
        t.cmd(&["ACL", "SETUSER", "app", "on", ">pw", "~app:*", "+@read", "+@write"]);
        let app = t.connect();
        t.cmd_as(app, &["AUTH", "app", "pw"]);
        let keys: Vec<String> = (0..1000).map(|i| format!("app:{}", i)).collect();
        // `ACL_OVERHEAD_ONLY=app` (or `default`) runs one side, for `perf stat -e instructions`.
        let only = std::env::var("ACL_OVERHEAD_ONLY").unwrap_or_default();
        let runs = [("default", t.client), ("app", app), ("default", t.client), ("app", app)];
        for (name, c) in runs.into_iter().filter(|(n, _)| only.is_empty() || only == *n) {
            let n: usize = std::env::var("ACL_OVERHEAD_N").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
            let start = std::time::Instant::now();
            for i in 0..n {
                let k = keys[i % 1000].as_bytes();
                let argv: [&[u8]; 3] = [b"SET", k, b"v"];
                t.eng.execute(c, &argv);
                let argv: [&[u8]; 2] = [b"GET", k];
                t.eng.execute(c, &argv);
            }
            println!("{}: {:?} per command", name, start.elapsed() / (2 * n as u32));
        }
    }
}
