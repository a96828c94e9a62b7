//! `COMMAND` and its subcommands: introspection of THE command table, whose metadata
//! is Redis 7.0's own (`COMMAND INFO`/`DOCS` replies are byte-identical for the
//! commands Cinder implements).

use super::help_reply;
use crate::cmd::spec::{flags, CommandSpec, Meta};
use crate::cmd::{all_commands, is, lookup, Args, Ctx, COMMANDS};
use crate::error::{CmdError, CmdResult};
use crate::reply::Reply;
use crate::util::glob::glob_match;

/// `COMMAND HELP` text, as Redis 7.0 prints it.
const HELP: &[&str] = &[
    "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "(no subcommand)",
    "    Return details about all Redis commands.",
    "COUNT",
    "    Return the total number of commands in this Redis server.",
    "LIST",
    "    Return a list of all commands in this Redis server.",
    "INFO [<command-name> ...]",
    "    Return details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "DOCS [<command-name> ...]",
    "    Return documentation details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "GETKEYS <full-command>",
    "    Return the keys from a full Redis command.",
    "GETKEYSANDFLAGS <full-command>",
    "    Return the keys and the access flags from a full Redis command.",
    "HELP",
    "    Prints this help.",
];

/// Finds a command by full name (`get`, `config|get`), case-insensitively.
fn lookup_full_name(name: &[u8]) -> Option<&'static CommandSpec> {
    let mut parts = name.split(|&b| b == b'|');
    let top = lookup(parts.next()?)?;
    match (parts.next(), parts.next()) {
        (None, _) => Some(top),
        (Some(sub), None) => top.subcommand(sub),
        _ => None,
    }
}

/// The `COMMAND INFO` entry of one command.
fn info_reply(c: &CommandSpec) -> Reply {
    let subcommands = if c.subcommands.is_empty() {
        Reply::Set(Vec::new())
    } else {
        Reply::Array(c.subcommands.iter().map(info_reply).collect())
    };
    Reply::Array(vec![
        Reply::text(c.name),
        Reply::Int(c.arity as i64),
        Reply::Set(c.flag_names.iter().map(|f| Reply::simple(f)).collect()),
        Reply::Int(c.first_key as i64),
        Reply::Int(c.last_key as i64),
        Reply::Int(c.key_step as i64),
        Reply::Set(c.acl_categories.iter().map(|f| Reply::simple(f)).collect()),
        c.tips.to_reply(false),
        c.key_specs.to_reply(false),
        subcommands,
    ])
}

/// The `COMMAND DOCS` map of one command.
fn docs_reply(c: &CommandSpec) -> Reply {
    let mut m = Vec::new();
    let mut add = |k: &str, v: Reply| m.push((Reply::text(k), v));
    if !c.summary.is_empty() {
        add("summary", Reply::text(c.summary));
    }
    if !c.since.is_empty() {
        add("since", Reply::text(c.since));
    }
    add("group", Reply::text(c.group));
    if !c.complexity.is_empty() {
        add("complexity", Reply::text(c.complexity));
    }
    for (k, v) in c.docs_extra.field_pairs() {
        add(k, v.to_reply(k == "doc_flags"));
    }
    if !c.subcommands.is_empty() {
        add("subcommands", Reply::Map(c.subcommands.iter().map(|s| (Reply::text(s.name), docs_reply(s))).collect()));
    }
    Reply::Map(m)
}

/// `COMMAND`: `COMMAND INFO` of every command.
pub fn command(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Ok(Reply::Array(COMMANDS.iter().map(info_reply).collect()))
}

/// `COMMAND COUNT`: number of top-level commands.
pub fn command_count(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Ok(Reply::Int(COMMANDS.len() as i64))
}

/// `COMMAND INFO [name ...]`: nil for unknown names; every command without names.
pub fn command_info(_ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    if !args.has_more() {
        return Ok(Reply::Array(COMMANDS.iter().map(info_reply).collect()));
    }
    Ok(Reply::Array(args.take_rest().iter().map(|n| lookup_full_name(n).map_or(Reply::Nil, info_reply)).collect()))
}

/// `COMMAND DOCS [name ...]`: a map name -> docs; unknown names are left out.
pub fn command_docs(_ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let pick: Vec<&CommandSpec> = if args.has_more() {
        args.take_rest().iter().filter_map(|n| lookup_full_name(n)).collect()
    } else {
        COMMANDS.iter().collect()
    };
    Ok(Reply::Map(pick.into_iter().map(|c| (Reply::text(c.name), docs_reply(c))).collect()))
}

/// `COMMAND HELP`.
pub fn command_help(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Ok(help_reply(HELP))
}

/// `COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]`.
pub fn command_list(_ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    enum Filter<'a> {
        All,
        Module,
        AclCat(&'a [u8]),
        Pattern(&'a [u8]),
    }
    let mut filter = Filter::All;
    while let Some(opt) = args.next() {
        if !(is(opt, "filterby") && args.remaining() == 2) {
            return Err(CmdError::Syntax);
        }
        let (kind, arg) = (args.take(), args.take());
        filter = if is(kind, "module") {
            Filter::Module
        } else if is(kind, "aclcat") {
            Filter::AclCat(arg)
        } else if is(kind, "pattern") {
            Filter::Pattern(arg)
        } else {
            return Err(CmdError::Syntax);
        };
    }
    let keep = |c: &CommandSpec| match filter {
        Filter::All => true,
        // No modules: a module never has commands.
        Filter::Module => false,
        Filter::AclCat(cat) => c.acl_categories.iter().any(|a| a.as_bytes()[1..].eq_ignore_ascii_case(cat)),
        Filter::Pattern(p) => glob_match(p, c.name.as_bytes(), true),
    };
    Ok(Reply::Array(all_commands().filter(|c| keep(c)).map(|c| Reply::text(c.name)).collect()))
}

fn int_field(m: Meta, key: &str) -> Option<i64> {
    m.field(key)?.as_int()
}

fn str_field(m: Meta, key: &str) -> Option<&'static str> {
    m.field(key)?.as_str()
}

/// Whether a key spec describes real keys (not `not_key`).
fn is_real_key(spec: &Meta) -> bool {
    !spec.field("flags").is_some_and(|f| f.items().any(|x| x.as_str() == Some("not_key")))
}

/// Positions of the keys in `argv` (`argv[0]` is the command name) by the command's key
/// specs, as Redis's `getKeysUsingKeySpecs`. `None` when a spec does not fit the
/// arguments.
pub fn key_positions(c: &CommandSpec, argv: &[&[u8]]) -> Option<Vec<usize>> {
    Some(key_positions_flagged(c, argv)?.into_iter().map(|(i, _)| i).collect())
}

/// [`key_positions`] with each key's flags from its key spec (`RW`, `access`, ...).
pub fn key_positions_flagged(c: &CommandSpec, argv: &[&[u8]]) -> Option<Vec<(usize, Vec<&'static str>)>> {
    let argc = argv.len() as i64;
    let mut keys = Vec::new();
    for spec in c.key_specs.items().filter(is_real_key) {
        let key_flags: Vec<&'static str> =
            spec.field("flags").map(|f| f.items().filter_map(|x| x.as_str()).collect()).unwrap_or_default();
        let bs = spec.field("begin_search")?;
        let bs_spec = bs.field("spec")?;
        let mut first = match str_field(bs, "type")? {
            "index" => int_field(bs_spec, "index")?,
            "keyword" => {
                let keyword = str_field(bs_spec, "keyword")?;
                let startfrom = int_field(bs_spec, "startfrom")?;
                match crate::cmd::spec::keyword_begin(argv, keyword, startfrom) {
                    Some(i) => i,
                    None => continue,
                }
            }
            _ => return None,
        };
        let fk = spec.field("find_keys")?;
        let fk_spec = fk.field("spec")?;
        let (last, step) = match str_field(fk, "type")? {
            "range" => {
                let lastkey = int_field(fk_spec, "lastkey")?;
                let limit = int_field(fk_spec, "limit")?;
                (crate::cmd::spec::range_last(first, argc, lastkey, limit), int_field(fk_spec, "keystep")?)
            }
            "keynum" => {
                let keynumidx = int_field(fk_spec, "keynumidx")?;
                if keynumidx >= argc {
                    return None;
                }
                let numkeys = argv.get(usize::try_from(first + keynumidx).ok()?)?;
                let numkeys = crate::numfmt::parse_i64(numkeys).filter(|n| *n >= 0)?;
                first += int_field(fk_spec, "firstkey")?;
                (first.checked_add(numkeys)? - 1, int_field(fk_spec, "keystep")?)
            }
            _ => return None,
        };
        if last >= argc || last < first || first >= argc || first < 0 {
            return None;
        }
        keys.extend((first..=last).step_by(step.max(1) as usize).map(|i| (i as usize, key_flags.clone())));
    }
    Some(keys)
}

/// The command GETKEYS and GETKEYSANDFLAGS look at, with Redis's checks in its order
/// (`getKeysSubcommandImpl`): known, has key arguments, right number of arguments.
fn getkeys_target(argv: &[&[u8]]) -> Result<&'static CommandSpec, CmdError> {
    let invalid = || CmdError::other("ERR Invalid command specified");
    let top = lookup(argv[0]).ok_or_else(invalid)?;
    let c = if top.subcommands.is_empty() { top } else { top.subcommand(argv[1]).ok_or_else(invalid)? };
    if !c.key_specs.items().any(|s| is_real_key(&s)) {
        return Err(CmdError::other("ERR The command has no key arguments"));
    }
    if !c.arity_ok(argv.len()) {
        return Err(CmdError::other("ERR Invalid number of arguments specified for command"));
    }
    Ok(c)
}

/// `COMMAND GETKEYS command [arg ...]`: the key arguments of a full command.
pub fn command_getkeys(_ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let argv = args.take_rest();
    let c = getkeys_target(argv)?;
    // MIGRATE's KEYS spec is incomplete: Redis falls back to its getkeys function.
    let positions = if c.name == "migrate" {
        Some(crate::cmd::keyspace::migrate::key_positions(argv))
    } else if c.name == "sort" || c.name == "sort_ro" {
        // SORT's BY/GET patterns are an `unknown` key spec: Redis's sortGetKeys decides.
        Some(crate::cmd::keyspace::sort::key_positions(argv, c.name == "sort_ro"))
    } else {
        key_positions(c, argv)
    };
    match positions {
        Some(pos) if !pos.is_empty() => Ok(Reply::Array(pos.into_iter().map(|i| Reply::bulk(argv[i])).collect())),
        _ if c.has(flags::NO_MANDATORY_KEYS) => Ok(Reply::Array(Vec::new())),
        _ => Err(CmdError::other("ERR Invalid arguments specified for command")),
    }
}

/// `COMMAND GETKEYSANDFLAGS command [arg ...]`: each key argument with its flags.
/// Commands whose key flags depend on their arguments (SET, BITFIELD, SORT) get them
/// as Redis's get-keys functions decide.
pub fn command_getkeysandflags(_ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let argv = args.take_rest();
    let c = getkeys_target(argv)?;
    let keys = match c.name {
        "migrate" => Some(
            crate::cmd::keyspace::migrate::key_positions(argv)
                .into_iter()
                .map(|i| (i, vec!["RW", "access", "delete"]))
                .collect(),
        ),
        "set" => {
            let get = argv[3..].iter().any(|a| is(a, "get"));
            Some(vec![(1, if get { vec!["RW", "access", "update"] } else { vec!["OW", "update"] })])
        }
        "bitfield" => {
            Some(vec![(1, if bitfield_readonly(argv) { vec!["RO", "access"] } else { vec!["RW", "access", "update"] })])
        }
        "sort" => {
            let mut keys = vec![(1, vec!["RO", "access"])];
            if let Some(store) = sort_store_key(argv) {
                keys.push((store, vec!["OW", "update"]));
            }
            Some(keys)
        }
        _ => key_positions_flagged(c, argv),
    };
    match keys {
        Some(keys) if !keys.is_empty() => Ok(Reply::Array(
            keys.into_iter()
                .map(|(i, f)| {
                    Reply::Array(vec![Reply::bulk(argv[i]), Reply::Array(f.into_iter().map(Reply::simple).collect())])
                })
                .collect(),
        )),
        _ if c.has(flags::NO_MANDATORY_KEYS) => Ok(Reply::Array(Vec::new())),
        _ => Err(CmdError::other("ERR Invalid arguments specified for command")),
    }
}

/// Redis's `bitfieldGetKeys`: read-only when every operation is a GET (or OVERFLOW).
fn bitfield_readonly(argv: &[&[u8]]) -> bool {
    let mut i = 2;
    while i < argv.len() {
        let rem = argv.len() - i - 1;
        if is(argv[i], "get") && rem >= 2 {
            i += 2;
        } else if is(argv[i], "overflow") && rem >= 1 {
            i += 1;
        } else {
            return false;
        }
        i += 1;
    }
    true
}

/// Redis's `sortGetKeys`: where the STORE destination is (the last STORE wins).
fn sort_store_key(argv: &[&[u8]]) -> Option<usize> {
    let mut store = None;
    let mut i = 2;
    while i < argv.len() {
        if is(argv[i], "limit") {
            i += 2;
        } else if is(argv[i], "get") || is(argv[i], "by") {
            i += 1;
        } else if is(argv[i], "store") && i + 1 < argv.len() {
            store = Some(i + 1);
        }
        i += 1;
    }
    store
}

#[cfg(test)]
mod tests {
    use crate::testkit::TestEngine;

    #[test]
    fn getkeysandflags_matches_redis() {
        let mut t = TestEngine::new();
        let r = |t: &mut TestEngine, a: &[&str]| t.resp(a);
        assert_eq!(
            r(&mut t, &["COMMAND", "GETKEYSANDFLAGS", "set", "k1", "v1"]),
            "*1\r\n*2\r\n$2\r\nk1\r\n*2\r\n+OW\r\n+update\r\n"
        );
        assert_eq!(
            r(&mut t, &["COMMAND", "GETKEYSANDFLAGS", "LMOVE", "k1", "k2", "left", "right"]),
            "*2\r\n*2\r\n$2\r\nk1\r\n*3\r\n+RW\r\n+access\r\n+delete\r\n*2\r\n$2\r\nk2\r\n*2\r\n+RW\r\n+insert\r\n"
        );
        assert_eq!(
            r(&mut t, &["COMMAND", "GETKEYSANDFLAGS", "sort", "k1", "store", "k2"]),
            "*2\r\n*2\r\n$2\r\nk1\r\n*2\r\n+RO\r\n+access\r\n*2\r\n$2\r\nk2\r\n*2\r\n+OW\r\n+update\r\n"
        );
        assert_eq!(
            r(&mut t, &["COMMAND", "GETKEYSANDFLAGS", "bitfield", "k", "get", "u8", "0"]),
            "*1\r\n*2\r\n$1\r\nk\r\n*2\r\n+RO\r\n+access\r\n"
        );
        assert_eq!(r(&mut t, &["COMMAND", "GETKEYSANDFLAGS", "nosuch", "x"]), "-ERR Invalid command specified\r\n");
    }

    const GET_INFO: &str =
        "*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@read\r\n+@string\r\n\
        +@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n\
        $5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n\
        $4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n";

    #[test]
    fn info_matches_redis_bytes() {
        let mut t = TestEngine::new();
        assert_eq!(t.resp(&["COMMAND", "INFO", "get", "nosuch"]), format!("*2\r\n{}$-1\r\n", GET_INFO));
        assert_eq!(
            t.resp(&["COMMAND", "INFO", "set"]),
            "*1\r\n*10\r\n$3\r\nset\r\n:-3\r\n*2\r\n+write\r\n+denyoom\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@write\r\n+@string\r\n\
             +@slow\r\n*0\r\n*1\r\n*8\r\n$5\r\nnotes\r\n$48\r\nRW and ACCESS due to the optional `GET` argument\r\n\
             $5\r\nflags\r\n*4\r\n+RW\r\n+access\r\n+update\r\n+variable_flags\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n\
             $5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n\
             $4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n"
        );
        assert_eq!(
            t.resp(&["COMMAND", "INFO", "CLIENT|ID"]),
            "*1\r\n*10\r\n$9\r\nclient|id\r\n:2\r\n*3\r\n+noscript\r\n+loading\r\n+stale\r\n:0\r\n:0\r\n:0\r\n*2\r\n\
             +@slow\r\n+@connection\r\n*0\r\n*0\r\n*0\r\n"
        );
        assert_eq!(
            t.resp3(&["COMMAND", "INFO", "get"]),
            "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n~3\r\n+@read\r\n+@string\r\n\
             +@fast\r\n~0\r\n~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n\
             $5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n\
             $4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n"
        );
        assert_eq!(
            t.resp3(&["COMMAND", "INFO", "config|get", "nosuch"]),
            "*2\r\n*10\r\n$10\r\nconfig|get\r\n:-3\r\n~4\r\n+admin\r\n+noscript\r\n+loading\r\n+stale\r\n:0\r\n:0\r\n:0\r\n\
             ~3\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n~0\r\n~0\r\n~0\r\n_\r\n"
        );
        // A container lists its subcommands in an array.
        let config = t.resp3(&["COMMAND", "INFO", "config"]);
        assert!(
            config.starts_with(
                "*1\r\n*10\r\n$6\r\nconfig\r\n:-2\r\n~0\r\n:0\r\n:0\r\n:0\r\n~1\r\n+@slow\r\n~0\r\n~0\r\n*5\r\n"
            ),
            "{}",
            config
        );
    }

    #[test]
    fn docs_match_redis_bytes() {
        let mut t = TestEngine::new();
        assert_eq!(
            t.resp(&["COMMAND", "DOCS", "auth"]),
            "*2\r\n$4\r\nauth\r\n*12\r\n$7\r\nsummary\r\n$26\r\nAuthenticate to the server\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n\
             $5\r\ngroup\r\n$10\r\nconnection\r\n$10\r\ncomplexity\r\n$60\r\nO(N) where N is the number of passwords defined \
             for the user\r\n$7\r\nhistory\r\n*1\r\n*2\r\n$5\r\n6.0.0\r\n$40\r\nAdded ACL style (username and password).\r\n\
             $9\r\narguments\r\n*2\r\n*8\r\n$4\r\nname\r\n$8\r\nusername\r\n$4\r\ntype\r\n$6\r\nstring\r\n$5\r\nsince\r\n\
             $5\r\n6.0.0\r\n$5\r\nflags\r\n*1\r\n+optional\r\n*4\r\n$4\r\nname\r\n$8\r\npassword\r\n$4\r\ntype\r\n$6\r\nstring\r\n"
        );
        assert_eq!(
            t.resp(&["COMMAND", "DOCS", "debug"]),
            "*2\r\n$5\r\ndebug\r\n*10\r\n$7\r\nsummary\r\n$34\r\nA container for debugging commands\r\n$5\r\nsince\r\n\
             $5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nserver\r\n$10\r\ncomplexity\r\n$22\r\nDepends on subcommand.\r\n\
             $9\r\ndoc_flags\r\n*1\r\n+syscmd\r\n"
        );
        assert_eq!(
            t.resp(&["COMMAND", "DOCS", "get", "nosuch"]),
            "*2\r\n$3\r\nget\r\n*10\r\n$7\r\nsummary\r\n$22\r\nGet the value of a key\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n\
             $5\r\ngroup\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n$9\r\narguments\r\n*1\r\n*6\r\n$4\r\nname\r\n\
             $3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n"
        );
        assert_eq!(
            t.resp3(&["COMMAND", "DOCS", "client|id"]),
            "%1\r\n$9\r\nclient|id\r\n%4\r\n$7\r\nsummary\r\n$48\r\nReturns the client ID for the current connection\r\n\
             $5\r\nsince\r\n$5\r\n5.0.0\r\n$5\r\ngroup\r\n$10\r\nconnection\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n"
        );
    }

    #[test]
    fn count_and_list() {
        let mut t = TestEngine::new();
        assert_eq!(t.resp(&["COMMAND", "COUNT"]), format!(":{}\r\n", crate::cmd::COMMANDS.len()));
        assert_eq!(
            t.resp(&["COMMAND", "COUNT", "x"]),
            "-ERR wrong number of arguments for 'command|count' command\r\n"
        );
        assert_eq!(t.resp(&["COMMAND", "LIST", "FILTERBY"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["COMMAND", "LIST", "FILTERBY", "pattern"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["COMMAND", "LIST", "FILTERBY", "foo", "x"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["COMMAND", "LIST", "x"]), "-ERR syntax error\r\n");
        assert_eq!(t.resp(&["COMMAND", "LIST", "FILTERBY", "module", "x"]), "*0\r\n");
        assert_eq!(t.resp(&["COMMAND", "LIST", "FILTERBY", "aclcat", "nosuchcat"]), "*0\r\n");
        assert_eq!(
            t.resp(&["COMMAND", "LIST", "FILTERBY", "pattern", "config*"]),
            "*6\r\n$6\r\nconfig\r\n$14\r\nconfig|rewrite\r\n$16\r\nconfig|resetstat\r\n$11\r\nconfig|help\r\n$10\r\nconfig|get\r\n$10\r\nconfig|set\r\n"
        );
        let conn = t.resp(&["COMMAND", "LIST", "FILTERBY", "aclcat", "CONNECTION"]);
        for name in ["$5\r\nhello\r\n", "$9\r\nclient|id\r\n", "$4\r\nping\r\n", "$12\r\ncommand|info\r\n"] {
            assert!(conn.contains(name), "{}", name);
        }
        assert!(!conn.contains("$6\r\nclient\r\n"));
        let all = t.resp(&["COMMAND", "LIST"]);
        assert!(all.contains("$3\r\nget\r\n") && all.contains("$11\r\nclient|kill\r\n"));
    }

    #[test]
    fn getkeys() {
        let mut t = TestEngine::new();
        let arity = "-ERR wrong number of arguments for 'command|getkeys' command\r\n";
        assert_eq!(t.resp(&["COMMAND", "GETKEYS", "get"]), arity);
        assert_eq!(t.resp(&["COMMAND", "GETKEYS", "config"]), arity);
        assert_eq!(t.resp(&["COMMAND", "GETKEYS", "get", "a"]), "*1\r\n$1\r\na\r\n");
        assert_eq!(t.resp(&["COMMAND", "GETKEYS", "nosuch", "a"]), "-ERR Invalid command specified\r\n");
        assert_eq!(t.resp(&["COMMAND", "GETKEYS", "config", "nosuch"]), "-ERR Invalid command specified\r\n");
        assert_eq!(t.resp(&["COMMAND", "GETKEYS", "ping", "x"]), "-ERR The command has no key arguments\r\n");
        assert_eq!(t.resp(&["COMMAND", "GETKEYS", "config", "get", "x"]), "-ERR The command has no key arguments\r\n");
        assert_eq!(t.resp(&["COMMAND", "GETKEYS", "object", "help"]), "-ERR The command has no key arguments\r\n");
        assert_eq!(
            t.resp(&["COMMAND", "GETKEYS", "get", "a", "b"]),
            "-ERR Invalid number of arguments specified for command\r\n"
        );
        assert_eq!(t.resp(&["COMMAND", "GETKEYS", "mset", "a", "1", "b", "2"]), "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
        assert_eq!(t.resp(&["COMMAND", "GETKEYS", "mset", "a", "1", "b"]), "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
        assert_eq!(t.resp(&["COMMAND", "GETKEYS", "mget", "a", "b", "c"]), "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
        assert_eq!(t.resp(&["COMMAND", "GETKEYS", "copy", "a", "b"]), "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
        assert_eq!(t.resp(&["COMMAND", "GETKEYS", "OBJECT", "ENCODING", "k"]), "*1\r\n$1\r\nk\r\n");
        assert_eq!(t.resp(&["COMMAND", "GETKEYS", "set", "a", "b"]), "*1\r\n$1\r\na\r\n");
    }

    #[test]
    fn help_and_plain_command() {
        let mut t = TestEngine::new();
        assert!(t
            .resp(&["COMMAND", "HELP"])
            .starts_with("*21\r\n+COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"));
        assert_eq!(t.resp(&["COMMAND", "foo"]), "-ERR unknown subcommand 'foo'. Try COMMAND HELP.\r\n");
        let all = t.resp(&["COMMAND"]);
        assert!(all.starts_with(&format!("*{}\r\n", crate::cmd::COMMANDS.len())));
        assert!(all.contains(GET_INFO));
    }
}
