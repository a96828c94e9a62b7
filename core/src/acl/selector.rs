//! A selector (Redis's `aclSelector`): the commands, keys and channels one set of rules
//! allows, and the rules that change it (`ACLSetSelector`). A user has a root selector
//! and any number of `(...)` selectors.

use std::collections::BTreeMap;

use super::catalog::Catalog;
use super::SetError;
use crate::util::glob::glob_match;

/// Key permission bit: read (`%R~`).
pub const READ: u8 = 1;
/// Key permission bit: write (`%W~`).
pub const WRITE: u8 = 2;
/// Both (`~`).
pub const ALL: u8 = READ | WRITE;

/// A key pattern with the permissions it grants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPattern {
    /// [`READ`], [`WRITE`] or both.
    pub flags: u8,
    /// Glob pattern.
    pub pattern: Vec<u8>,
    /// How to match it quickly (derived from `pattern`).
    kind: PatternKind,
}

/// The shape of a glob pattern: most ACL patterns are `prefix*` or literal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PatternKind {
    /// No special character: equal bytes.
    Exact,
    /// Literal bytes then one final `*`: a prefix.
    Prefix,
    /// Anything else: Redis's glob matcher.
    Glob,
}

impl KeyPattern {
    /// A pattern granting `flags`.
    pub fn new(flags: u8, pattern: Vec<u8>) -> KeyPattern {
        let special = |c: &u8| matches!(c, b'*' | b'?' | b'[' | b'\\');
        let kind = match pattern.iter().position(special) {
            None => PatternKind::Exact,
            Some(i) if i + 1 == pattern.len() && pattern[i] == b'*' => PatternKind::Prefix,
            Some(_) => PatternKind::Glob,
        };
        KeyPattern { flags, pattern, kind }
    }

    /// Whether `key` matches (as Redis's `stringmatchlen`, case-sensitive).
    #[inline]
    pub fn matches(&self, key: &[u8]) -> bool {
        match self.kind {
            PatternKind::Exact => self.pattern == key,
            // Redis's matcher never matches an empty key against `*`.
            PatternKind::Prefix => !key.is_empty() && key.starts_with(&self.pattern[..self.pattern.len() - 1]),
            PatternKind::Glob => glob_match(&self.pattern, key, false),
        }
    }
}

/// One selector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selector {
    /// The user's root selector (rules outside parentheses).
    pub root: bool,
    /// `allkeys` / `~*`.
    pub allkeys: bool,
    /// `allchannels` / `&*`.
    pub allchannels: bool,
    /// `allcommands` / `+@all` (cleared by any later `-`).
    pub allcommands: bool,
    /// Allowed command ids; the bit after the last command is "future commands".
    pub bits: Box<[u64]>,
    /// First arguments allowed for otherwise denied commands (`+select|0`), by id.
    pub firstargs: BTreeMap<u16, Vec<Vec<u8>>>,
    /// Key patterns, in the order added.
    pub patterns: Vec<KeyPattern>,
    /// Channel patterns, in the order added.
    pub channels: Vec<Vec<u8>>,
}

/// Redis's `ACLStringHasSpaces`: whitespace or NUL.
pub fn has_spaces(s: &[u8]) -> bool {
    s.iter().any(|&c| c == 0 || matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c))
}

impl Selector {
    /// An empty selector (no permissions; all channels when `allchannels`, Redis's
    /// `acl-pubsub-default`).
    pub fn new(cat: &Catalog, root: bool, allchannels: bool) -> Selector {
        Selector {
            root,
            allkeys: false,
            allchannels,
            allcommands: false,
            bits: vec![0u64; (cat.len() + 1).div_ceil(64)].into_boxed_slice(),
            firstargs: BTreeMap::new(),
            patterns: Vec::new(),
            channels: Vec::new(),
        }
    }

    /// Whether command bit `id` is set.
    #[inline]
    pub fn bit(&self, id: usize) -> bool {
        self.bits.get(id / 64).is_some_and(|w| w & (1 << (id % 64)) != 0)
    }

    fn set_bit(&mut self, id: usize, on: bool) {
        if let Some(w) = self.bits.get_mut(id / 64) {
            if on {
                *w |= 1 << (id % 64);
            } else {
                *w &= !(1 << (id % 64));
                self.allcommands = false;
            }
        }
    }

    /// Whether `+@all` was given (the future-commands bit).
    pub fn future_commands(&self, cat: &Catalog) -> bool {
        self.bit(cat.len())
    }

    /// Redis's `ACLChangeSelectorPerm`: a command and its subcommands.
    pub fn change_perm(&mut self, cat: &Catalog, id: u16, allow: bool) {
        self.set_bit(id as usize, allow);
        self.firstargs.remove(&id);
        for &s in &cat.entries[id as usize].subs {
            self.set_bit(s as usize, allow);
        }
    }

    /// Every command of category `bits` allowed or denied, in table order.
    pub fn set_category(&mut self, cat: &Catalog, cats: u32, allow: bool) {
        for id in cat.walk() {
            if cat.entries[id as usize].cats & cats != 0 {
                self.change_perm(cat, id, allow);
            }
        }
    }

    /// `+@all`.
    pub fn allow_all(&mut self) {
        self.bits.iter_mut().for_each(|w| *w = u64::MAX);
        self.allcommands = true;
        self.firstargs.clear();
    }

    /// `-@all`.
    pub fn deny_all(&mut self) {
        self.bits.iter_mut().for_each(|w| *w = 0);
        self.allcommands = false;
        self.firstargs.clear();
    }

    /// Counts the commands of category `cats` allowed and denied.
    pub fn count_category(&self, cat: &Catalog, cats: u32) -> (u32, u32) {
        let (mut on, mut off) = (0, 0);
        for id in cat.walk() {
            if cat.entries[id as usize].cats & cats != 0 {
                if self.bit(id as usize) {
                    on += 1;
                } else {
                    off += 1;
                }
            }
        }
        (on, off)
    }

    /// Redis's `ACLSetSelector`: applies one rule.
    pub fn apply(&mut self, cat: &Catalog, op: &[u8]) -> Result<(), SetError> {
        let is = |s: &str| op.eq_ignore_ascii_case(s.as_bytes());
        if is("allkeys") || is("~*") {
            self.allkeys = true;
            self.patterns.clear();
        } else if is("resetkeys") {
            self.allkeys = false;
            self.patterns.clear();
        } else if is("allchannels") || is("&*") {
            self.allchannels = true;
            self.channels.clear();
        } else if is("resetchannels") {
            self.allchannels = false;
            self.channels.clear();
        } else if is("allcommands") || is("+@all") {
            self.allow_all();
        } else if is("nocommands") || is("-@all") {
            self.deny_all();
        } else if op[0] == b'~' || op[0] == b'%' {
            self.add_key_pattern(op)?;
        } else if op[0] == b'&' {
            if self.allchannels {
                return Err(SetError::AllChannels);
            }
            let pat = &op[1..];
            if has_spaces(pat) {
                return Err(SetError::Syntax);
            }
            if !self.channels.iter().any(|c| c == pat) {
                self.channels.push(pat.to_vec());
            }
            self.allchannels = false;
        } else if op[0] == b'+' && op.get(1) != Some(&b'@') {
            self.allow_command(cat, &op[1..])?;
        } else if op[0] == b'-' && op.get(1) != Some(&b'@') {
            let id = cat.lookup(&op[1..]).ok_or(SetError::NoCommand)?;
            self.change_perm(cat, id, false);
        } else if (op[0] == b'+' || op[0] == b'-') && op.get(1) == Some(&b'@') {
            let bits = super::catalog::category_bit(&op[2..]).ok_or(SetError::NoCommand)?;
            self.set_category(cat, bits, op[0] == b'+');
        } else {
            return Err(SetError::Syntax);
        }
        Ok(())
    }

    fn add_key_pattern(&mut self, op: &[u8]) -> Result<(), SetError> {
        if self.allkeys {
            return Err(SetError::AllKeys);
        }
        let mut flags = 0;
        let mut offset = 1;
        if op[0] == b'%' {
            while offset < op.len() {
                let c = op[offset];
                if c.eq_ignore_ascii_case(&b'R') && flags & READ == 0 {
                    flags |= READ;
                } else if c.eq_ignore_ascii_case(&b'W') && flags & WRITE == 0 {
                    flags |= WRITE;
                } else if c == b'~' {
                    offset += 1;
                    break;
                } else {
                    return Err(SetError::Syntax);
                }
                offset += 1;
            }
            // Redis 7.0.15 as shipped refuses a `%` rule granting nothing (`%~a`).
            if flags == 0 {
                return Err(SetError::Syntax);
            }
        } else {
            flags = ALL;
        }
        let pat = &op[offset.min(op.len())..];
        if has_spaces(pat) {
            return Err(SetError::Syntax);
        }
        match self.patterns.iter_mut().find(|p| p.pattern == pat) {
            Some(p) => p.flags |= flags,
            None => self.patterns.push(KeyPattern::new(flags, pat.to_vec())),
        }
        self.allkeys = false;
        Ok(())
    }

    fn allow_command(&mut self, cat: &Catalog, name: &[u8]) -> Result<(), SetError> {
        let Some(bar) = name.iter().rposition(|&c| c == b'|') else {
            let id = cat.lookup(name).ok_or(SetError::NoCommand)?;
            self.change_perm(cat, id, true);
            return Ok(());
        };
        let (base, sub) = (&name[..bar], &name[bar + 1..]);
        let id = cat.lookup(base).ok_or(SetError::NoCommand)?;
        let entry = &cat.entries[id as usize];
        if entry.parent.is_some() {
            return Err(SetError::SubcommandFirstArg);
        }
        if sub.is_empty() {
            return Err(SetError::Syntax);
        }
        if !entry.subs.is_empty() {
            let sid = cat.lookup(name).ok_or(SetError::NoCommand)?;
            self.change_perm(cat, sid, true);
        } else {
            let args = self.firstargs.entry(id).or_default();
            if !args.iter().any(|a| a.eq_ignore_ascii_case(sub)) {
                args.push(sub.to_vec());
            }
        }
        Ok(())
    }

    /// Whether command `id` may run with first argument `first` (argv[1], or argv[2]
    /// for a subcommand), ignoring keys and channels.
    #[inline]
    pub fn allows_command(&self, id: u16, first: Option<&[u8]>) -> bool {
        if self.allcommands || self.bit(id as usize) {
            return true;
        }
        match (self.firstargs.get(&id), first) {
            (Some(args), Some(f)) => args.iter().any(|a| a.eq_ignore_ascii_case(f)),
            _ => false,
        }
    }

    /// Redis's `ACLSelectorCheckKey`: whether `key` may be accessed with `need`
    /// ([`READ`] / [`WRITE`] bits).
    #[inline]
    pub fn allows_key(&self, key: &[u8], need: u8) -> bool {
        self.allkeys || self.patterns.iter().any(|p| p.flags & need == need && p.matches(key))
    }

    /// Redis's `ACLSelectorHasUnrestrictedKeyAccess`.
    pub fn unrestricted_keys(&self, need: u8) -> bool {
        self.allkeys || self.patterns.iter().any(|p| p.flags & need == need && p.pattern == b"*")
    }

    /// Whether `channel` may be used (`pattern`: a PSUBSCRIBE pattern, matched literally).
    pub fn allows_channel(&self, channel: &[u8], pattern: bool) -> bool {
        self.allchannels || channel_in(&self.channels, channel, pattern)
    }
}

/// Redis's `ACLCheckChannelAgainstList`.
pub fn channel_in(list: &[Vec<u8>], channel: &[u8], pattern: bool) -> bool {
    list.iter().any(|p| if pattern { p == channel } else { glob_match(p, channel, false) })
}

#[cfg(test)]
mod tests {
    use super::KeyPattern;
    use crate::util::glob::glob_match;

    #[test]
    fn fast_shapes_match_like_the_glob_matcher() {
        let pats: [&[u8]; 9] = [b"app:*", b"*", b"", b"exact", b"a?c", b"a*b", b"a\\*", b"[ab]*", b"**"];
        let keys: [&[u8]; 9] = [b"app:1", b"app:", b"ap", b"", b"exact", b"abc", b"a*", b"axb", b"b1"];
        for p in pats {
            let kp = KeyPattern::new(3, p.to_vec());
            for k in keys {
                assert_eq!(kp.matches(k), glob_match(p, k, false), "{:?} {:?}", p, k);
            }
        }
    }
}
