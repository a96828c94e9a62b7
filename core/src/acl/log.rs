//! The ACL log (Redis's `ACLLog`): denied commands, keys, channels and failed logins,
//! newest first, similar events within a minute grouped into one entry with a count.

use std::collections::VecDeque;

/// Why an entry was logged (the `reason` field).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// `command`.
    Command,
    /// `key`.
    Key,
    /// `channel`.
    Channel,
    /// `auth`.
    Auth,
}

impl Reason {
    /// The `reason` field.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Command => "command",
            Reason::Key => "key",
            Reason::Channel => "channel",
            Reason::Auth => "auth",
        }
    }
}

/// Where it happened (the `context` field).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    /// `toplevel`.
    Toplevel,
    /// `multi`.
    Multi,
    /// `lua`.
    Lua,
}

impl Context {
    /// The `context` field.
    pub fn as_str(self) -> &'static str {
        match self {
            Context::Toplevel => "toplevel",
            Context::Multi => "multi",
            Context::Lua => "lua",
        }
    }
}

/// One entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// How many similar events it stands for.
    pub count: u64,
    /// Why.
    pub reason: Reason,
    /// Where.
    pub context: Context,
    /// The command, key, channel or (for auth) the command name.
    pub object: Vec<u8>,
    /// The user.
    pub username: Vec<u8>,
    /// When it was last updated (ms).
    pub ctime_ms: u64,
    /// `CLIENT INFO` of the last client.
    pub client_info: String,
}

/// Redis's grouping window.
const GROUPING_MS: u64 = 60_000;

/// The log, newest first.
#[derive(Debug, Default)]
pub struct AclLog {
    /// The entries, newest first.
    pub entries: VecDeque<Entry>,
}

impl AclLog {
    /// Redis's `addACLLogEntry`: bumps a similar entry among the 10 newest (moving it to
    /// the front) or adds one, keeping at most `max_len`.
    pub fn add(&mut self, e: Entry, max_len: usize) {
        let similar = |o: &Entry| {
            o.reason == e.reason
                && o.context == e.context
                && o.ctime_ms.abs_diff(e.ctime_ms) <= GROUPING_MS
                && o.object == e.object
                && o.username == e.username
        };
        if let Some(i) = self.entries.iter().take(10).position(similar) {
            let mut m = self.entries.remove(i).expect("found");
            m.client_info = e.client_info;
            m.ctime_ms = e.ctime_ms;
            m.count += 1;
            self.entries.push_front(m);
            return;
        }
        self.entries.push_front(e);
        self.entries.truncate(max_len);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(obj: &str, t: u64) -> Entry {
        Entry {
            count: 1,
            reason: Reason::Command,
            context: Context::Toplevel,
            object: obj.into(),
            username: b"u".to_vec(),
            ctime_ms: t,
            client_info: String::new(),
        }
    }

    #[test]
    fn groups_and_trims() {
        let mut log = AclLog::default();
        log.add(e("get", 0), 3);
        log.add(e("set", 1), 3);
        log.add(e("get", 2), 3);
        assert_eq!(log.entries.len(), 2);
        assert_eq!((log.entries[0].object.as_slice(), log.entries[0].count), (&b"get"[..], 2));
        log.add(e("get", 70_000), 3);
        assert_eq!(log.entries.len(), 3);
        log.add(e("x", 70_001), 3);
        assert_eq!(log.entries.len(), 3);
        assert_eq!(log.entries[0].object, b"x");
    }
}
