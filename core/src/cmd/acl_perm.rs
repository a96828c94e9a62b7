//! The command layer's side of ACL checks: the [`Catalog`] built from THE command table,
//! each command's key specs compiled once into positions and needed permissions (with
//! Redis's get-keys functions where the specs are not enough: SET, BITFIELD, SORT,
//! SORT_RO, MIGRATE), its channels, and the check with Redis's `-NOPERM` texts and the
//! ACL log entry.

use std::sync::OnceLock;

use super::spec::{flags, CommandSpec, Meta};
use super::{all_commands, is, COMMANDS};
use crate::acl::selector::{READ, WRITE};
use crate::acl::{Catalog, ChannelRef, Context, Denied, KeyRef, Request, UserId};
use crate::client::Client;
use crate::engine::EngineState;
use crate::reply::Reply;

/// The catalog of THE command table, built once.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let mut specs: Vec<(&'static CommandSpec, Option<u16>)> = Vec::new();
        for c in COMMANDS {
            specs.push((c, None));
            for s in c.subcommands {
                specs.push((s, Some(c.id)));
            }
        }
        specs.sort_by_key(|(s, _)| s.id);
        let mut cat = Catalog::new();
        for (s, parent) in specs {
            cat.add(s.id, s.name, s.acl_categories, parent);
        }
        cat
    })
}

/// Where a key spec starts searching.
#[derive(Clone, Debug)]
enum Begin {
    Index(i64),
    Keyword(&'static str, i64),
}

/// How a key spec finds its keys.
#[derive(Clone, Debug)]
enum Find {
    Range { lastkey: i64, step: i64, limit: i64 },
    Keynum { idx: i64, first: i64, step: i64 },
}

/// One compiled key spec.
#[derive(Clone, Debug)]
struct Spec {
    need: u8,
    begin: Begin,
    find: Find,
}

/// How a command's keys are found.
#[derive(Clone, Debug)]
enum Keys {
    None,
    Specs(Vec<Spec>),
    /// A get-keys function of Redis's (specs with variable flags, incomplete or unknown).
    Special(&'static str),
}

fn compile(c: &CommandSpec) -> Keys {
    if matches!(c.name, "set" | "bitfield" | "sort" | "sort_ro" | "migrate") {
        return Keys::Special(c.name);
    }
    let mut out = Vec::new();
    for s in c.key_specs.items() {
        let fl: Vec<&str> =
            s.field("flags").map(|f| f.items().filter_map(|x| x.as_str()).collect()).unwrap_or_default();
        if fl.contains(&"not_key") {
            continue;
        }
        let mut need = 0;
        if fl.contains(&"access") {
            need |= READ;
        }
        if fl.iter().any(|f| matches!(*f, "insert" | "delete" | "update")) {
            need |= WRITE;
        }
        let Some(spec) = compile_one(s, need) else { return Keys::None };
        out.push(spec);
    }
    if out.is_empty() {
        Keys::None
    } else {
        Keys::Specs(out)
    }
}

fn int(m: Meta, k: &str) -> Option<i64> {
    m.field(k)?.as_int()
}

fn compile_one(s: Meta, need: u8) -> Option<Spec> {
    let bs = s.field("begin_search")?;
    let bspec = bs.field("spec")?;
    let begin = match bs.field("type")?.as_str()? {
        "index" => Begin::Index(int(bspec, "index")?),
        "keyword" => Begin::Keyword(bspec.field("keyword")?.as_str()?, int(bspec, "startfrom")?),
        _ => return None,
    };
    let fk = s.field("find_keys")?;
    let fspec = fk.field("spec")?;
    let find = match fk.field("type")?.as_str()? {
        "range" => {
            Find::Range { lastkey: int(fspec, "lastkey")?, step: int(fspec, "keystep")?, limit: int(fspec, "limit")? }
        }
        "keynum" => {
            Find::Keynum { idx: int(fspec, "keynumidx")?, first: int(fspec, "firstkey")?, step: int(fspec, "keystep")? }
        }
        _ => return None,
    };
    Some(Spec { need, begin, find })
}

/// What the checks need of one command, compiled once.
#[derive(Debug)]
struct AclSpec {
    keys: Keys,
    /// `GET key`, `SET key ...`: one key at this position (when argv is long enough).
    one_key: Option<KeyRef>,
    /// The channels: first position, how many (`usize::MAX`: the rest), patterns.
    channels: Option<(usize, usize, bool)>,
    /// Where `+cmd|first-arg` rules look: 2 for a subcommand, else 1.
    first_arg: usize,
}

fn acl_spec(c: &CommandSpec) -> AclSpec {
    let keys = compile(c);
    let one_key = match &keys {
        Keys::Specs(specs) if specs.len() == 1 => match (&specs[0].begin, &specs[0].find) {
            (Begin::Index(i), Find::Range { lastkey: 0, .. }) if *i > 0 => {
                Some(KeyRef { pos: *i as usize, need: specs[0].need })
            }
            _ => None,
        },
        _ => None,
    };
    let channels = match c.name {
        "subscribe" | "ssubscribe" => Some((1, usize::MAX, false)),
        "psubscribe" => Some((1, usize::MAX, true)),
        "publish" | "spublish" => Some((1, 1, false)),
        _ => None,
    };
    AclSpec { keys, one_key, channels, first_arg: if c.name.contains('|') { 2 } else { 1 } }
}

fn compiled_spec(spec: &CommandSpec) -> &'static AclSpec {
    static SPECS: OnceLock<Vec<AclSpec>> = OnceLock::new();
    let all = SPECS.get_or_init(|| {
        let mut v: Vec<(u16, AclSpec)> = all_commands().map(|c| (c.id, acl_spec(c))).collect();
        v.sort_by_key(|(id, _)| *id);
        v.into_iter().map(|(_, k)| k).collect()
    });
    &all[spec.id as usize]
}

fn compiled(spec: &CommandSpec) -> &'static Keys {
    &compiled_spec(spec).keys
}

/// Redis's `getKeysUsingKeySpecs` over compiled specs; `false` when a spec does not fit
/// (then the command has no keys for the ACL, as in Redis).
fn keys_by_specs(specs: &[Spec], argv: &[&[u8]], out: &mut Vec<KeyRef>) -> bool {
    let argc = argv.len() as i64;
    for s in specs {
        let mut first = match s.begin {
            Begin::Index(i) => i,
            Begin::Keyword(kw, startfrom) => match super::spec::keyword_begin(argv, kw, startfrom) {
                Some(i) => i,
                None => continue,
            },
        };
        let (last, step) = match s.find {
            Find::Range { lastkey, step, limit } => (super::spec::range_last(first, argc, lastkey, limit), step),
            Find::Keynum { idx, first: fk, step } => {
                if first + idx >= argc {
                    out.clear();
                    return false;
                }
                let Some(n) = crate::numfmt::parse_i64(argv[(first + idx) as usize]).filter(|n| *n >= 0) else {
                    out.clear();
                    return false;
                };
                first += fk;
                (first + n - 1, step)
            }
        };
        if last >= argc || last < first || first >= argc || first < 0 {
            out.clear();
            return false;
        }
        let mut i = first;
        while i <= last {
            out.push(KeyRef { pos: i as usize, need: s.need });
            i += step.max(1);
        }
    }
    true
}

/// The keys of `argv` for the ACL, with the permissions each needs.
pub fn acl_keys(spec: &CommandSpec, argv: &[&[u8]], out: &mut Vec<KeyRef>) {
    match compiled(spec) {
        Keys::None => {}
        Keys::Specs(specs) => {
            keys_by_specs(specs, argv, out);
        }
        Keys::Special(name) => special_keys(name, argv, out),
    }
}

/// The one key of SET, BITFIELD and SORT_RO, whose permissions depend on the arguments
/// (Redis's `setGetKeys`, `bitfieldGetKeys`, `sortROGetKeys`).
fn special_one(name: &str, argv: &[&[u8]]) -> Option<KeyRef> {
    if argv.len() < 2 {
        return None;
    }
    match name {
        "set" => {
            let get = argv.iter().skip(3).any(|a| a.eq_ignore_ascii_case(b"get"));
            Some(KeyRef { pos: 1, need: if get { READ | WRITE } else { WRITE } })
        }
        "bitfield" => {
            let mut readonly = true;
            let mut i = 2;
            while i < argv.len() {
                let rem = argv.len() - i - 1;
                let a = argv[i];
                if is(a, "get") && rem >= 2 {
                    i += 2;
                } else if (is(a, "set") || is(a, "incrby")) && rem >= 3 {
                    readonly = false;
                    break;
                } else if is(a, "overflow") && rem >= 1 {
                    i += 1;
                } else {
                    readonly = false;
                    break;
                }
                i += 1;
            }
            Some(KeyRef { pos: 1, need: if readonly { READ } else { READ | WRITE } })
        }
        "sort_ro" => Some(KeyRef { pos: 1, need: READ }),
        _ => None,
    }
}

fn special_keys(name: &str, argv: &[&[u8]], out: &mut Vec<KeyRef>) {
    if let Some(k) = special_one(name, argv) {
        out.push(k);
        return;
    }
    match name {
        "sort" => {
            out.push(KeyRef { pos: 1, need: READ });
            let mut store = None;
            let mut i = 2;
            while i < argv.len() {
                let a = argv[i];
                if is(a, "limit") {
                    i += 2;
                } else if is(a, "get") || is(a, "by") {
                    i += 1;
                } else if is(a, "store") && i + 1 < argv.len() {
                    store = Some(i + 1);
                }
                i += 1;
            }
            if let Some(p) = store {
                out.push(KeyRef { pos: p, need: WRITE });
            }
        }
        "migrate" => {
            for p in crate::cmd::keyspace::migrate::key_positions(argv) {
                out.push(KeyRef { pos: p, need: READ | WRITE });
            }
        }
        _ => {}
    }
}

/// The channels a command publishes or subscribes to (Redis's `commands_with_channels`;
/// unsubscribing needs no permission).
pub fn acl_channels(spec: &CommandSpec, argv: &[&[u8]], out: &mut Vec<ChannelRef>) {
    let Some((start, count, pattern)) = compiled_spec(spec).channels else { return };
    let stop = start.saturating_add(count).min(argv.len());
    for pos in start..stop {
        out.push(ChannelRef { pos, pattern });
    }
}

/// A request as the ACL sees it, finding keys and channels on first use.
pub struct Req<'a> {
    spec: &'a CommandSpec,
    acl: &'static AclSpec,
    argv: &'a [&'a [u8]],
    /// The keys once found: the one-key commands (most of them) need no allocation.
    keys: Option<Keys1>,
    channels: Option<Vec<ChannelRef>>,
}

/// Found keys: one inline, or many.
enum Keys1 {
    One([KeyRef; 1]),
    Many(Vec<KeyRef>),
}

impl<'a> Req<'a> {
    /// The request `argv` of command `spec`.
    #[inline]
    pub fn new(spec: &'a CommandSpec, argv: &'a [&'a [u8]]) -> Req<'a> {
        Req { spec, acl: compiled_spec(spec), argv, keys: None, channels: None }
    }
}

impl Request for Req<'_> {
    #[inline]
    fn id(&self) -> u16 {
        self.spec.id
    }

    #[inline]
    fn no_auth(&self) -> bool {
        self.spec.has(flags::NO_AUTH)
    }

    #[inline]
    fn first_arg(&self) -> Option<&[u8]> {
        self.argv.get(self.acl.first_arg).copied()
    }

    #[inline]
    fn one_key(&self) -> Option<(KeyRef, &[u8])> {
        let k = match (self.acl.one_key, &self.acl.keys) {
            (Some(k), _) => k,
            (None, Keys::Special(name)) => special_one(name, self.argv)?,
            _ => return None,
        };
        Some((k, self.argv.get(k.pos)?))
    }

    #[inline]
    fn keys(&mut self) -> (&[KeyRef], &[&[u8]]) {
        let (spec, acl, argv) = (self.spec, self.acl, self.argv);
        let keys = self.keys.get_or_insert_with(|| match acl.one_key {
            Some(k) if k.pos < argv.len() => Keys1::One([k]),
            _ => {
                let mut v = Vec::new();
                acl_keys(spec, argv, &mut v);
                Keys1::Many(v)
            }
        });
        match keys {
            Keys1::One(k) => (k, argv),
            Keys1::Many(v) => (v, argv),
        }
    }

    #[inline]
    fn channels(&mut self) -> (&[ChannelRef], &[&[u8]]) {
        if self.acl.channels.is_none() {
            return (&[], self.argv);
        }
        let (spec, argv) = (self.spec, self.argv);
        let ch = self.channels.get_or_insert_with(|| {
            let mut v = Vec::new();
            acl_channels(spec, argv, &mut v);
            v
        });
        (ch, argv)
    }
}

/// Checks `argv` for `user`; on denial logs it (`context`) for `client` and returns
/// the denial.
#[inline]
pub fn check(
    st: &mut EngineState,
    user: UserId,
    client: &Client,
    spec: &CommandSpec,
    argv: &[&[u8]],
    context: Context,
) -> Result<(), Denied> {
    if st.acl.unrestricted(user) {
        return Ok(());
    }
    check_slow(st, user, client, spec, argv, context)
}

#[inline(never)]
fn check_slow(
    st: &mut EngineState,
    user: UserId,
    client: &Client,
    spec: &CommandSpec,
    argv: &[&[u8]],
    context: Context,
) -> Result<(), Denied> {
    let r = st.acl.check(user, &mut Req::new(spec, argv));
    if let Err(d) = r {
        let object = match d {
            Denied::Command => spec.name.as_bytes().to_vec(),
            Denied::Key(i) | Denied::Channel(i) => argv[i].to_vec(),
        };
        log(st, client, user, d.reason(), context, object);
    }
    r
}

/// Adds an ACL log entry for `client` (for a script, its caller).
pub fn log(
    st: &mut EngineState,
    client: &Client,
    user: UserId,
    reason: crate::acl::Reason,
    context: Context,
    object: Vec<u8>,
) {
    let entry = crate::acl::log::Entry {
        count: 1,
        reason,
        context,
        object,
        username: st.acl.user(user).name.clone(),
        ctime_ms: st.now_ms(),
        client_info: client_info(st, client),
    };
    let max = st.config.acllog_max_len.max(0) as usize;
    st.acl.log.add(entry, max);
}

/// The client's `CLIENT INFO` line for the log.
fn client_info(st: &EngineState, client: &Client) -> String {
    super::connection::info_line_for(st, client)
}

/// `-NOPERM` for a command refused at the top level or queued in MULTI.
pub fn noperm(spec: &CommandSpec, d: Denied) -> Reply {
    match d {
        Denied::Command => {
            Reply::error(format!("NOPERM this user has no permissions to run the '{}' command", spec.name))
        }
        Denied::Key(_) => {
            Reply::error("NOPERM this user has no permissions to access one of the keys used as arguments")
        }
        Denied::Channel(_) => {
            Reply::error("NOPERM this user has no permissions to access one of the channels used as arguments")
        }
    }
}

/// Redis's `getAclErrorMessage` (scripts: "The user executing the script ...").
pub fn short_message(d: Denied) -> &'static str {
    match d {
        Denied::Command => "can't run this command or subcommand",
        Denied::Key(_) => "can't access at least one of the keys mentioned in the command arguments",
        Denied::Channel(_) => "can't publish to the channel mentioned in the command",
    }
}
