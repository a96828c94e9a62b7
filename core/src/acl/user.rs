//! A user (Redis's `user`): flags, password hashes and selectors, the rules that change
//! them (`ACLSetUser`) and the one-line description ACL LIST and the ACL file use.

use super::catalog::Catalog;
use super::selector::{has_spaces, Selector};
use super::{describe, SetError};

/// `skip-sanitize-payload` / `sanitize-payload`, when either was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sanitize {
    /// `skip-sanitize-payload`.
    Skip,
    /// `sanitize-payload`.
    Do,
}

/// One ACL user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// The name.
    pub name: Vec<u8>,
    /// `on` (else `off`).
    pub enabled: bool,
    /// `nopass`: any password works.
    pub nopass: bool,
    /// The payload sanitization flag, if set.
    pub sanitize: Option<Sanitize>,
    /// SHA-256 hex digests of the passwords, in the order added.
    pub passwords: Vec<Vec<u8>>,
    /// The root selector first, then the `(...)` selectors.
    pub selectors: Vec<Selector>,
    /// Cached: one selector allowing every command, key and channel (checks are skipped).
    pub unrestricted: bool,
}

/// Redis's `ACLHashPassword`: the SHA-256 of `pass` as 64 lowercase hex digits.
pub fn hash_password(pass: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(pass);
    let mut out = Vec::with_capacity(64);
    for b in digest {
        out.push(b"0123456789abcdef"[(b >> 4) as usize]);
        out.push(b"0123456789abcdef"[(b & 15) as usize]);
    }
    out
}

/// Redis's `ACLCheckPasswordHash`.
fn valid_hash(h: &[u8]) -> bool {
    h.len() == 64 && h.iter().all(|c| matches!(c, b'a'..=b'f' | b'0'..=b'9'))
}

/// Compares without stopping at the first difference (Redis's `time_independent_strcmp`).
fn same_digest(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

impl User {
    /// A new user as `ACLCreateUser` makes it: off, no passwords, nothing allowed.
    pub fn new(cat: &Catalog, name: &[u8], pubsub_all: bool) -> User {
        User {
            name: name.to_vec(),
            enabled: false,
            nopass: false,
            sanitize: None,
            passwords: Vec::new(),
            selectors: vec![Selector::new(cat, true, pubsub_all)],
            unrestricted: false,
        }
    }

    /// The `default` user as Redis creates it: `on nopass ~* &* +@all`.
    pub fn new_default(cat: &Catalog) -> User {
        let mut u = User::new(cat, b"default", false);
        for op in ["+@all", "~*", "&*", "on", "nopass"] {
            let _ = u.apply(cat, op.as_bytes(), false);
        }
        u
    }

    /// Redis's `ACLSetUser`: applies one rule (`pubsub_all` is `acl-pubsub-default`).
    pub fn apply(&mut self, cat: &Catalog, op: &[u8], pubsub_all: bool) -> Result<(), SetError> {
        let r = self.apply_inner(cat, op, pubsub_all);
        self.refresh();
        r
    }

    fn apply_inner(&mut self, cat: &Catalog, op: &[u8], pubsub_all: bool) -> Result<(), SetError> {
        if op.is_empty() {
            return Ok(());
        }
        let is = |s: &str| op.eq_ignore_ascii_case(s.as_bytes());
        if is("on") {
            self.enabled = true;
        } else if is("off") {
            self.enabled = false;
        } else if is("skip-sanitize-payload") {
            self.sanitize = Some(Sanitize::Skip);
        } else if is("sanitize-payload") {
            self.sanitize = Some(Sanitize::Do);
        } else if is("nopass") {
            self.nopass = true;
            self.passwords.clear();
        } else if is("resetpass") {
            self.nopass = false;
            self.passwords.clear();
        } else if op[0] == b'>' || op[0] == b'#' {
            let hash = if op[0] == b'>' {
                hash_password(&op[1..])
            } else if valid_hash(&op[1..]) {
                op[1..].to_vec()
            } else {
                return Err(SetError::BadHash);
            };
            if !self.passwords.contains(&hash) {
                self.passwords.push(hash);
            }
            self.nopass = false;
        } else if op[0] == b'<' || op[0] == b'!' {
            let hash = if op[0] == b'<' {
                hash_password(&op[1..])
            } else if valid_hash(&op[1..]) {
                op[1..].to_vec()
            } else {
                return Err(SetError::BadHash);
            };
            let at = self.passwords.iter().position(|p| *p == hash).ok_or(SetError::NoPassword)?;
            self.passwords.remove(at);
        } else if op[0] == b'(' && op[op.len() - 1] == b')' {
            let mut sel = Selector::new(cat, false, pubsub_all);
            for part in crate::resp::split::split_args(&op[1..op.len() - 1]).unwrap_or_default() {
                sel.apply(cat, &part)?;
            }
            self.selectors.push(sel);
        } else if is("clearselectors") {
            self.selectors.truncate(1);
        } else if is("reset") {
            self.nopass = false;
            self.passwords.clear();
            let root = &mut self.selectors[0];
            root.allkeys = false;
            root.patterns.clear();
            root.allchannels = pubsub_all;
            root.channels.clear();
            self.enabled = false;
            self.sanitize = Some(Sanitize::Do);
            self.selectors.truncate(1);
            self.selectors[0].deny_all();
        } else {
            self.selectors[0].apply(cat, op)?;
        }
        Ok(())
    }

    /// Recomputes the cached [`User::unrestricted`].
    pub fn refresh(&mut self) {
        self.unrestricted = self.selectors.iter().any(|s| s.allcommands && s.allkeys && s.allchannels);
    }

    /// Redis's `ACLCheckUserCredentials` for this user: enabled, and `nopass` or a
    /// password whose hash matches.
    pub fn password_ok(&self, pass: &[u8]) -> bool {
        if !self.enabled {
            return false;
        }
        if self.nopass {
            return true;
        }
        let h = hash_password(pass);
        self.passwords.iter().any(|p| same_digest(p, &h))
    }

    /// Redis's `ACLDescribeUser`: flags, `#hash`es, the root selector, then ` (...)`.
    pub fn describe(&self, cat: &Catalog) -> Vec<u8> {
        let mut res = Vec::new();
        for f in self.flag_names() {
            res.extend_from_slice(f.as_bytes());
            res.push(b' ');
        }
        for p in &self.passwords {
            res.push(b'#');
            res.extend_from_slice(p);
            res.push(b' ');
        }
        for s in &self.selectors {
            if s.root {
                describe::selector(cat, s, &mut res);
            } else {
                res.extend_from_slice(b" (");
                describe::selector(cat, s, &mut res);
                res.push(b')');
            }
        }
        res
    }

    /// The flags in Redis's order (ACL GETUSER `flags`).
    pub fn flag_names(&self) -> Vec<&'static str> {
        let mut f = vec![if self.enabled { "on" } else { "off" }];
        if self.nopass {
            f.push("nopass");
        }
        match self.sanitize {
            Some(Sanitize::Skip) => f.push("skip-sanitize-payload"),
            Some(Sanitize::Do) => f.push("sanitize-payload"),
            None => {}
        }
        f
    }

    /// Whether the name is valid (no spaces or NUL).
    pub fn valid_name(name: &[u8]) -> bool {
        !has_spaces(name)
    }
}
