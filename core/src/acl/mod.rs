//! Access control lists (Redis 7.0's `acl.c`): users with passwords and selectors, the
//! rules language of ACL SETUSER and the ACL file, permission checks over precomputed
//! command bitmaps, and the ACL log. No I/O: the ACL file's text comes from and goes to
//! the host. Knows nothing of commands beyond the [`Catalog`] the command layer gives it.

pub mod catalog;
pub mod describe;
pub mod log;
pub mod selector;
pub mod user;

use std::collections::BTreeMap;

pub use catalog::{Catalog, CATEGORIES};
pub use log::{AclLog, Context, Reason};
pub use selector::Selector;
pub use user::User;

/// A user's slot; clients hold it. Slots are never reused.
pub type UserId = u32;

/// The `default` user's slot.
pub const DEFAULT_USER: UserId = 0;

/// Why a rule was refused (Redis's `errno` after `ACLSetUser`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetError {
    /// `EINVAL`.
    Syntax,
    /// `ENOENT`.
    NoCommand,
    /// `EEXIST`.
    AllKeys,
    /// `EISDIR`.
    AllChannels,
    /// `ENODEV`.
    NoPassword,
    /// `EBADMSG`.
    BadHash,
    /// `ECHILD`.
    SubcommandFirstArg,
}

impl SetError {
    /// Redis's `ACLSetUserStringError`.
    pub fn message(self) -> &'static str {
        match self {
            SetError::NoCommand => "Unknown command or category name in ACL",
            SetError::Syntax => "Syntax error",
            SetError::AllKeys => {
                "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any \
                 effect. Try 'resetkeys' to start with an empty list of patterns"
            }
            SetError::AllChannels => {
                "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have \
                 any effect. Try 'resetchannels' to start with an empty list of channels"
            }
            SetError::NoPassword => "The password you are trying to remove from the user does not exist",
            SetError::BadHash => {
                "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"
            }
            SetError::SubcommandFirstArg => "Allowing first-arg of a subcommand is not supported",
        }
    }
}

/// Why a command was refused, with the argument position of the key or channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Denied {
    /// The command (or subcommand).
    Command,
    /// The key at this position.
    Key(usize),
    /// The channel at this position.
    Channel(usize),
}

impl Denied {
    /// The log reason.
    pub fn reason(self) -> Reason {
        match self {
            Denied::Command => Reason::Command,
            Denied::Key(_) => Reason::Key,
            Denied::Channel(_) => Reason::Channel,
        }
    }

    fn rank(self) -> (u8, usize) {
        match self {
            Denied::Command => (1, 0),
            Denied::Key(i) => (2, i),
            Denied::Channel(i) => (4, i),
        }
    }
}

/// A key a command names: its position and the permissions it needs
/// ([`selector::READ`] / [`selector::WRITE`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyRef {
    /// Index in argv.
    pub pos: usize,
    /// Needed permission bits.
    pub need: u8,
}

/// A channel a command publishes or subscribes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChannelRef {
    /// Index in argv.
    pub pos: usize,
    /// A PSUBSCRIBE pattern (matched literally against the user's channel patterns).
    pub pattern: bool,
}

/// What a permission check needs of a request; the command layer implements it (keys
/// are found only when a selector restricts keys).
pub trait Request {
    /// The command's id in the [`Catalog`].
    fn id(&self) -> u16;
    /// `no_auth` commands (AUTH, HELLO) are always allowed.
    fn no_auth(&self) -> bool;
    /// The argument checked against `+cmd|first-arg` rules.
    fn first_arg(&self) -> Option<&[u8]>;
    /// The one key of a one-key command (`GET key`) and its bytes: the fast path.
    fn one_key(&self) -> Option<(KeyRef, &[u8])> {
        None
    }
    /// The keys it names, and its arguments.
    fn keys(&mut self) -> (&[KeyRef], &[&[u8]]);
    /// The channels it publishes or subscribes to, and its arguments.
    fn channels(&mut self) -> (&[ChannelRef], &[&[u8]]);
}

/// Every user, the log, and the pub/sub default for new users.
#[derive(Debug)]
pub struct Acl {
    /// The command table as the ACL sees it.
    pub catalog: &'static Catalog,
    users: Vec<Option<User>>,
    names: BTreeMap<Vec<u8>, UserId>,
    /// ACL LOG.
    pub log: AclLog,
    /// `acl-pubsub-default allchannels`.
    pub pubsub_all: bool,
}

/// What ACL SETUSER changed, for the command layer to act on.
#[derive(Debug)]
pub struct SetOutcome {
    /// The user's slot.
    pub id: UserId,
    /// When some channel permission was revoked: the channel patterns the user keeps
    /// (the user's pub/sub clients subscribed elsewhere are closed).
    pub revoked_channels: Option<Vec<Vec<u8>>>,
}

/// Redis's `ACLMergeSelectorArguments`: `(` ... `)` spread over several arguments
/// becomes one. `Err(i)`: the unmatched `(` at argument `i`.
pub fn merge_selectors(args: &[&[u8]]) -> Result<Vec<Vec<u8>>, usize> {
    let mut out = Vec::new();
    let mut open: Option<(usize, Vec<u8>)> = None;
    for (j, op) in args.iter().enumerate() {
        if let Some((_, sel)) = open.as_mut() {
            sel.push(b' ');
            sel.extend_from_slice(op);
            if op.last() == Some(&b')') {
                out.push(open.take().expect("open").1);
            }
            continue;
        }
        if op.first() == Some(&b'(') && op.last() != Some(&b')') {
            open = Some((j, op.to_vec()));
            continue;
        }
        out.push(op.to_vec());
    }
    match open {
        Some((j, _)) => Err(j),
        None => Ok(out),
    }
}

impl Acl {
    /// Only the `default` user (`on nopass ~* &* +@all`).
    pub fn new(catalog: &'static Catalog) -> Acl {
        let mut names = BTreeMap::new();
        names.insert(b"default".to_vec(), DEFAULT_USER);
        Acl { catalog, users: vec![Some(User::new_default(catalog))], names, log: AclLog::default(), pubsub_all: false }
    }

    /// The user in slot `id` (the default user when it was deleted).
    #[inline]
    pub fn user(&self, id: UserId) -> &User {
        match self.users.get(id as usize) {
            Some(Some(u)) => u,
            _ => self.users[0].as_ref().expect("default user"),
        }
    }

    /// The slot of the user named `name`.
    pub fn find(&self, name: &[u8]) -> Option<UserId> {
        self.names.get(name).copied()
    }

    /// Users in name order (ACL LIST, ACL USERS, the ACL file).
    pub fn users(&self) -> impl Iterator<Item = (UserId, &User)> {
        self.names.values().map(|&id| (id, self.user(id)))
    }

    /// Whether a user needs no checks at all.
    #[inline]
    pub fn unrestricted(&self, id: UserId) -> bool {
        self.user(id).unrestricted
    }

    /// Redis's `authRequired` for the default user: new connections must log in.
    #[inline]
    pub fn auth_required(&self) -> bool {
        let d = self.user(DEFAULT_USER);
        !d.nopass || !d.enabled
    }

    /// Redis's `ACLUpdateDefaultUserPassword` (`requirepass`).
    pub fn set_default_password(&mut self, password: Option<&[u8]>) {
        let cat = self.catalog;
        let d = self.users[0].as_mut().expect("default user");
        let _ = d.apply(cat, b"resetpass", false);
        match password {
            Some(p) => {
                let mut op = b">".to_vec();
                op.extend_from_slice(p);
                let _ = d.apply(cat, &op, false);
            }
            None => {
                let _ = d.apply(cat, b"nopass", false);
            }
        }
    }

    /// Redis's `ACLCheckUserCredentials`: the user's slot when the password opens it.
    pub fn authenticate(&self, name: &[u8], password: &[u8]) -> Option<UserId> {
        let id = self.find(name)?;
        self.user(id).password_ok(password).then_some(id)
    }

    /// Redis's `ACLStringSetUser`: applies `ops` to the user named `name` (created when
    /// missing) all or nothing; `Err` is the error text without `ERR `.
    pub fn set_user(&mut self, name: &[u8], ops: &[&[u8]]) -> Result<SetOutcome, String> {
        let cat = self.catalog;
        let merged = merge_selectors(ops).map_err(|j| {
            format!("Unmatched parenthesis in acl selector starting at '{}'.", String::from_utf8_lossy(ops[j]))
        })?;
        let existing = self.find(name);
        let mut temp = match existing {
            Some(id) => self.user(id).clone(),
            None => User::new(cat, name, self.pubsub_all),
        };
        for op in &merged {
            if let Err(e) = temp.apply(cat, op, self.pubsub_all) {
                return Err(format!(
                    "Error in ACL SETUSER modifier '{}': {}",
                    String::from_utf8_lossy(op),
                    e.message()
                ));
            }
        }
        let revoked_channels = existing.and_then(|id| revoked_channels(self.user(id), &temp));
        temp.name = name.to_vec();
        let id = match existing {
            Some(id) => {
                self.users[id as usize] = Some(temp);
                id
            }
            None => self.insert(temp),
        };
        Ok(SetOutcome { id, revoked_channels })
    }

    fn insert(&mut self, u: User) -> UserId {
        let id = self.users.len() as UserId;
        self.names.insert(u.name.clone(), id);
        self.users.push(Some(u));
        id
    }

    /// Deletes the user named `name` (never `default`); its slot, whose clients must be
    /// logged out and closed.
    pub fn delete(&mut self, name: &[u8]) -> Option<UserId> {
        if name == b"default" {
            return None;
        }
        let id = self.names.remove(name)?;
        self.users[id as usize] = None;
        Some(id)
    }

    /// Redis's `ACLCheckAllUserCommandPerm`.
    #[inline]
    pub fn check<R: Request + ?Sized>(&self, id: UserId, req: &mut R) -> Result<(), Denied> {
        let user = self.user(id);
        if user.unrestricted {
            return Ok(());
        }
        let mut worst = Denied::Command;
        for s in &user.selectors {
            match check_selector(s, req) {
                Ok(()) => return Ok(()),
                Err(d) if d.rank() > worst.rank() => worst = d,
                Err(_) => {}
            }
        }
        Err(worst)
    }

    /// Redis's `ACLUserCheckCmdWithUnrestrictedKeyAccess` (SORT's BY and GET).
    pub fn check_unrestricted_keys<R: Request + ?Sized>(&self, id: UserId, req: &mut R, need: u8) -> bool {
        let user = self.user(id);
        user.unrestricted || user.selectors.iter().any(|s| check_selector(s, req).is_ok() && s.unrestricted_keys(need))
    }

    /// Redis's `ACLUserCheckChannelPerm`.
    pub fn check_channel(&self, id: UserId, channel: &[u8], pattern: bool) -> bool {
        self.user(id).selectors.iter().any(|s| s.allows_channel(channel, pattern))
    }

    /// The ACL file's text (Redis's `ACLSaveToFile` content).
    pub fn save_text(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for (_, u) in self.users() {
            out.extend_from_slice(b"user ");
            out.extend_from_slice(&u.name);
            out.push(b' ');
            out.extend_from_slice(&u.describe(self.catalog));
            out.push(b'\n');
        }
        out
    }

    /// Redis's `ACLLoadFromFile` over the file's `text` (named `filename` in errors):
    /// all users replaced, or nothing changed and the error text. On success, the slots
    /// of the users replaced (their clients are closed; the default user keeps its slot).
    pub fn load_text(&mut self, filename: &str, text: &[u8]) -> Result<Vec<UserId>, String> {
        let cat = self.catalog;
        let mut errors = String::new();
        let mut fresh: BTreeMap<Vec<u8>, User> = BTreeMap::new();
        for (i, raw) in text.split(|&c| c == b'\n').enumerate() {
            let linenum = i + 1;
            let line = trim(raw, b" \t\r\n");
            if line.is_empty() {
                continue;
            }
            let argv: Vec<&[u8]> = line.split(|&c| c == b' ').filter(|a| !a.is_empty()).collect();
            if argv.is_empty() {
                continue;
            }
            if argv[0] != b"user" || argv.len() < 2 {
                errors.push_str(&format!(
                    "{}:{} should start with user keyword followed by the username. ",
                    filename, linenum
                ));
                continue;
            }
            let name = argv[1];
            if selector::has_spaces(name) {
                errors.push_str(&format!(
                    "'{}:{}: username '{}' contains invalid characters. ",
                    filename,
                    linenum,
                    String::from_utf8_lossy(name)
                ));
                continue;
            }
            if fresh.contains_key(name) {
                errors.push_str(&format!(
                    "WARNING: Duplicate user '{}' found on line {}. ",
                    String::from_utf8_lossy(name),
                    linenum
                ));
                continue;
            }
            let mut u = User::new(cat, name, self.pubsub_all);
            let merged = match merge_selectors(&argv[2..]) {
                Ok(m) => m,
                Err(_) => {
                    errors
                        .push_str(&format!("{}:{}: Unmatched parenthesis in selector definition.", filename, linenum));
                    Vec::new()
                }
            };
            let mut syntax_error = false;
            for op in &merged {
                let op = trim(op, b"\t\r\n");
                if let Err(e) = u.apply(cat, op, self.pubsub_all) {
                    if e == SetError::NoCommand {
                        errors.push_str(&format!(
                            "{}:{}: Error in applying operation '{}': {}. ",
                            filename,
                            linenum,
                            String::from_utf8_lossy(op),
                            e.message()
                        ));
                    } else if !syntax_error {
                        errors.push_str(&format!("{}:{}: {}. ", filename, linenum, e.message()));
                        syntax_error = true;
                    }
                }
            }
            fresh.insert(name.to_vec(), u);
        }
        if !errors.is_empty() {
            errors.push_str("WARNING: ACL errors detected, no change to the previously active ACL rules was performed");
            return Err(errors);
        }
        let default = fresh.remove(&b"default"[..]).unwrap_or_else(|| User::new_default(cat));
        let replaced: Vec<UserId> = self.names.values().copied().filter(|&id| id != DEFAULT_USER).collect();
        for &id in &replaced {
            self.users[id as usize] = None;
        }
        self.names.clear();
        self.names.insert(b"default".to_vec(), DEFAULT_USER);
        self.users[0] = Some(default);
        for (_, u) in fresh {
            self.insert(u);
        }
        Ok(replaced)
    }

    /// Loads the `user` directives of the configuration (Redis's
    /// `ACLLoadConfiguredUsers`); each is `[name, rules...]`. `Err` is the log line.
    pub fn load_configured(&mut self, users: &[Vec<Vec<u8>>]) -> Result<(), String> {
        let cat = self.catalog;
        for def in users {
            let Some((name, rules)) = def.split_first() else { continue };
            if selector::has_spaces(name) {
                return Err("Spaces not allowed in ACL usernames".into());
            }
            let id = match self.find(name) {
                Some(id) => {
                    let _ = self.users[id as usize].as_mut().expect("user").apply(cat, b"reset", self.pubsub_all);
                    id
                }
                None => self.insert(User::new(cat, name, self.pubsub_all)),
            };
            let refs: Vec<&[u8]> = rules.iter().map(|r| r.as_slice()).collect();
            let merged =
                merge_selectors(&refs).map_err(|_| "Unmatched parenthesis in selector definition".to_string())?;
            let u = self.users[id as usize].as_mut().expect("user");
            for op in &merged {
                u.apply(cat, op, self.pubsub_all).map_err(|e| {
                    format!(
                        "Error loading ACL rule '{}' for the user named '{}': {}",
                        String::from_utf8_lossy(op),
                        String::from_utf8_lossy(name),
                        e.message()
                    )
                })?;
            }
        }
        Ok(())
    }

    /// Redis's `ACLAppendUserForLoading` check of one `user` directive (`[name,
    /// rules...]`): `Err` is the index of the bad argument (counting `user` as 0) and
    /// the error.
    pub fn validate_directive(&self, def: &[Vec<u8>], seen: &[Vec<Vec<u8>>]) -> Result<(), (usize, &'static str)> {
        let Some((name, rules)) = def.split_first() else { return Err((0, "Wrong format")) };
        if seen.iter().any(|d| d.first() == Some(name)) {
            return Err((1, "Duplicate user found. A user can only be defined once in config files"));
        }
        let mut fake = User::new(self.catalog, name, self.pubsub_all);
        let refs: Vec<&[u8]> = rules.iter().map(|r| r.as_slice()).collect();
        let merged = merge_selectors(&refs).map_err(|j| (j, "Wrong format"))?;
        for (j, op) in merged.iter().enumerate() {
            match fake.apply(self.catalog, op, self.pubsub_all) {
                Err(e) if e != SetError::NoCommand => return Err((j, e.message())),
                _ => {}
            }
        }
        Ok(())
    }
}

fn trim<'a>(mut s: &'a [u8], set: &[u8]) -> &'a [u8] {
    while let Some((f, rest)) = s.split_first() {
        if !set.contains(f) {
            break;
        }
        s = rest;
    }
    while let Some((l, rest)) = s.split_last() {
        if !set.contains(l) {
            break;
        }
        s = rest;
    }
    s
}

/// Redis's `ACLSelectorCheckCmd`.
#[inline]
fn check_selector<R: Request + ?Sized>(s: &Selector, req: &mut R) -> Result<(), Denied> {
    if !req.no_auth() && !s.allows_command(req.id(), req.first_arg()) {
        return Err(Denied::Command);
    }
    if !s.allkeys {
        if let Some((k, key)) = req.one_key() {
            if !s.allows_key(key, k.need) {
                return Err(Denied::Key(k.pos));
            }
            return check_channels(s, req);
        }
        let (keys, argv) = req.keys();
        for k in keys {
            if !s.allows_key(argv[k.pos], k.need) {
                return Err(Denied::Key(k.pos));
            }
        }
    }
    check_channels(s, req)
}

/// The channel part of `check_selector`.
#[inline]
fn check_channels<R: Request + ?Sized>(s: &Selector, req: &mut R) -> Result<(), Denied> {
    if !s.allchannels {
        let (chans, argv) = req.channels();
        for c in chans {
            if !selector::channel_in(&s.channels, argv[c.pos], c.pattern) {
                return Err(Denied::Channel(c.pos));
            }
        }
    }
    Ok(())
}

/// Redis's `ACLKillPubsubClientsIfNeeded` test: `None` when the new rules keep every
/// channel the old ones allowed; else the channel patterns the user now has.
fn revoked_channels(old: &User, new: &User) -> Option<Vec<Vec<u8>>> {
    if new.selectors.iter().any(|s| s.allchannels) {
        return None;
    }
    let upcoming: Vec<Vec<u8>> = new.selectors.iter().flat_map(|s| s.channels.iter().cloned()).collect();
    let kept = old.selectors.iter().all(|s| !s.allchannels && s.channels.iter().all(|c| upcoming.contains(c)));
    if kept {
        None
    } else {
        Some(upcoming)
    }
}

#[cfg(test)]
mod tests;
