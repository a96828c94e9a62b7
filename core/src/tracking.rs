//! Client-side caching: `CLIENT TRACKING` (Redis 7.0's `tracking.c`).
//!
//! # Model
//! - Default mode: after a read-only command of a tracking client, its key arguments are
//!   remembered in a table key -> client ids ([`remember_keys`], called from `cmd::call`).
//!   When a key changes ([`Tracking::invalidate_key`], called from
//!   `EngineState::signal_modified_key`), each client in its entry gets one invalidation
//!   and the entry is dropped. The table is global: key names, not databases.
//! - BCAST mode: clients subscribe to prefixes; changed keys matching a prefix are
//!   collected and sent, one message per prefix, after the command (Redis sends them in
//!   `beforeSleep`).
//! - FLUSHDB/FLUSHALL send every tracking client a null invalidation ([`Tracking::flush`]).
//!
//! # Delivery
//! Invalidations are queued with the id of the tracking client and the push outbox's
//! length at that moment, and turned into pushes by [`deliver`] after each command and
//! tick, when the client table can be read, at their place in the outbox (Redis sends
//! them at once, so they precede the keyspace events of the same change): RESP3
//! clients get `>2 invalidate [keys]`; with `REDIRECT` the target gets it instead (as a
//! `__redis__:invalidate` pub/sub message when it is a subscribed RESP2 client), or the
//! tracking client gets `tracking-redir-broken` when the target is gone. Invalidations
//! for the client whose command caused them come after its reply (Redis's
//! `tracking_pending_keys`): they go to the late outbox (see
//! [`crate::pubsub::PubSub::push_late`]).
//!
//! When no client ever tracked, every hook is one check of an empty table.

use foldhash::fast::FixedState;

use crate::bytes::SBytes;
use crate::client::{Client, ClientHandle, ClientTable};
use crate::cmd::spec::{flags, CommandSpec};
use crate::engine::EngineState;
use crate::reply::Reply;
use crate::util::vecmap::VecMap;

type HashMap<K, V> = hashbrown::HashMap<K, V, FixedState>;

/// A client's tracking settings (`CLIENT TRACKING ON ...`); `None` in `Client::tracking`
/// when tracking is off.
#[derive(Debug, Default, Clone)]
pub struct ClientTracking {
    /// `REDIRECT` client id (0: none).
    pub redirect: u64,
    /// `BCAST` mode.
    pub bcast: bool,
    /// `OPTIN` mode.
    pub optin: bool,
    /// `OPTOUT` mode.
    pub optout: bool,
    /// `CLIENT CACHING YES|NO` given for the next command.
    pub caching: bool,
    /// `NOLOOP`: no invalidations for keys this client changed.
    pub noloop: bool,
    /// The redirect target went away (`flags=R`, `broken_redirect`).
    pub broken_redir: bool,
    /// BCAST prefixes, sorted.
    pub prefixes: Vec<SBytes>,
}

/// What an invalidation carries.
#[derive(Debug, Clone)]
enum Msg {
    /// One key (default mode).
    Key(SBytes),
    /// Keys of one prefix (BCAST).
    Keys(Vec<SBytes>),
    /// Everything (FLUSHDB/FLUSHALL).
    Null,
}

/// One BCAST prefix: the keys changed since the last broadcast (each with the id of the
/// client that changed it, 0 for none, in the order of the changes) and its clients.
#[derive(Debug, Default)]
struct Bcast {
    keys: Vec<(SBytes, u64)>,
    clients: Vec<u64>,
}

/// The server-wide tracking state.
pub struct Tracking {
    /// The clients with tracking on (Redis's `server.tracking_clients`): id -> handle.
    tracking_ids: VecMap<u64, ClientHandle>,
    /// Key -> ids of the clients that may cache it.
    table: HashMap<SBytes, Vec<u64>>,
    /// Ids over all entries of `table`.
    items: u64,
    /// BCAST prefixes.
    prefixes: VecMap<SBytes, Bcast>,
    /// Whether some prefix has keys to broadcast.
    bcast_dirty: bool,
    /// Invalidations waiting for [`deliver`]: (tracking client id, message, position in
    /// the push outbox when it was made: Redis sends it at once, before later pushes).
    pending: Vec<(u64, Msg, usize)>,
    /// Id of the client running a command (0 outside commands; set while `engaged`).
    pub current: u64,
    /// Whether anything is tracked: a tracking client, remembered keys, prefixes or
    /// queued invalidations. The engine's hooks check only this when nobody tracks.
    pub engaged: bool,
}

impl Default for Tracking {
    fn default() -> Self {
        Tracking {
            tracking_ids: Default::default(),
            table: HashMap::with_hasher(FixedState::with_seed(0)),
            items: 0,
            prefixes: VecMap::new(),
            bcast_dirty: false,
            pending: Vec::new(),
            current: 0,
            engaged: false,
        }
    }
}

/// Whether `a` and `b` overlap: one is a prefix of the other (Redis's `stringCheckPrefix`).
fn overlaps(a: &[u8], b: &[u8]) -> bool {
    let n = a.len().min(b.len());
    a[..n] == b[..n]
}

impl Tracking {
    /// Recomputes [`Tracking::engaged`].
    fn update_engaged(&mut self) {
        self.engaged = !self.tracking_ids.is_empty()
            || !self.table.is_empty()
            || !self.prefixes.is_empty()
            || !self.pending.is_empty()
            || self.bcast_dirty;
    }

    /// Whether [`deliver`] has work: invalidations to send, or more than `max_keys`
    /// keys (`tracking-table-max-keys`, 0: no limit) in the table.
    #[inline]
    pub fn has_work(&self, max_keys: u64) -> bool {
        !self.pending.is_empty() || self.bcast_dirty || (max_keys != 0 && self.table.len() as u64 > max_keys)
    }

    /// Clients with tracking on (`INFO` `tracking_clients`).
    pub fn client_count(&self) -> usize {
        self.tracking_ids.len()
    }

    /// Keys in the table (`tracking_total_keys`).
    pub fn total_keys(&self) -> usize {
        self.table.len()
    }

    /// Client ids over all keys (`tracking_total_items`).
    pub fn total_items(&self) -> u64 {
        self.items
    }

    /// Registered BCAST prefixes (`tracking_total_prefixes`).
    pub fn total_prefixes(&self) -> usize {
        self.prefixes.len()
    }

    /// Redis's `checkPrefixCollisionsOrReply`: the error for the first new prefix that
    /// overlaps one of `existing` or a later new one.
    pub fn check_prefixes(existing: &[SBytes], new: &[&[u8]]) -> Result<(), String> {
        for (i, p) in new.iter().enumerate() {
            if let Some(e) = existing.iter().find(|e| overlaps(e.as_slice(), p)) {
                return Err(format!(
                    "ERR Prefix '{}' overlaps with an existing prefix '{}'. Prefixes for a single client must not overlap.",
                    c_str(p),
                    c_str(e.as_slice())
                ));
            }
            if let Some(o) = new[i + 1..].iter().find(|o| overlaps(p, o)) {
                return Err(format!(
                    "ERR Prefix '{}' overlaps with another provided prefix '{}'. Prefixes for a single client must not overlap.",
                    c_str(p),
                    c_str(o)
                ));
            }
        }
        Ok(())
    }

    /// Redis's `enableTracking`: turns tracking on for `c` (or changes its options; the
    /// BCAST prefixes are added to those it has).
    pub fn enable(&mut self, c: &mut Client, opts: ClientTracking, prefixes: &[&[u8]]) {
        let id = c.id;
        self.tracking_ids.insert(id, c.handle);
        self.engaged = true;
        self.current = id;
        let t = c.tracking.get_or_insert_with(Box::default);
        t.redirect = opts.redirect;
        t.broken_redir = false;
        t.bcast = opts.bcast;
        t.optin = opts.optin;
        t.optout = opts.optout;
        t.noloop = opts.noloop;
        if opts.bcast {
            let add = |t: &mut ClientTracking, this: &mut Tracking, p: &[u8]| {
                let bs = this.prefixes.get_or_default(SBytes::new(p));
                if !bs.clients.contains(&id) {
                    bs.clients.push(id);
                    if let Err(i) = t.prefixes.binary_search_by(|x| x.as_slice().cmp(p)) {
                        t.prefixes.insert(i, SBytes::new(p));
                    }
                }
            };
            if prefixes.is_empty() {
                add(t, self, b"");
            }
            for p in prefixes {
                add(t, self, p);
            }
        }
    }

    /// Redis's `disableTracking`: turns tracking off for `c` (its table entries go lazily).
    pub fn disable(&mut self, c: &mut Client) {
        let Some(t) = c.tracking.take() else { return };
        for p in &t.prefixes {
            if let Some(bs) = self.prefixes.get_mut(p.as_slice()) {
                bs.clients.retain(|&id| id != c.id);
                if bs.clients.is_empty() {
                    self.prefixes.remove(p.as_slice());
                }
            }
        }
        self.tracking_ids.remove(&c.id);
        self.update_engaged();
    }

    /// Remembers that client `id` may cache `key`.
    fn remember(&mut self, id: u64, key: &[u8]) {
        let ids = match self.table.get_mut(key) {
            Some(ids) => ids,
            None => self.table.entry(SBytes::new(key)).or_default(),
        };
        if !ids.contains(&id) {
            ids.push(id);
            self.items += 1;
        }
    }

    /// Redis's `trackingInvalidateKey`: `key` changed. Queues an invalidation for each
    /// client that may cache it (and forgets it), to be placed at position `at` of the
    /// push outbox; with `bcast`, records it for the prefixes it matches.
    pub fn invalidate_key(&mut self, key: &[u8], bcast: bool, at: usize) {
        if bcast && !self.prefixes.is_empty() {
            for (p, bs) in self.prefixes.iter_mut() {
                if key.starts_with(p.as_slice()) {
                    bs.keys.push((SBytes::new(key), self.current));
                    self.bcast_dirty = true;
                }
            }
        }
        if let Some(ids) = self.table.remove(key) {
            self.items -= ids.len() as u64;
            let k = SBytes::new(key);
            for id in ids {
                self.pending.push((id, Msg::Key(k.clone()), at));
            }
        }
    }

    /// Redis's `trackingInvalidateKeysOnFlush`: a null invalidation for every tracking
    /// client (at position `at` of the push outbox), and the table is emptied.
    pub fn flush(&mut self, at: usize) {
        for &id in self.tracking_ids.keys() {
            self.pending.push((id, Msg::Null, at));
        }
        self.table.clear();
        self.items = 0;
    }

    /// Redis's `trackingLimitUsedSlots`: forgets keys (invalidating them) until the table
    /// has at most `max` keys (0: no limit).
    fn limit(&mut self, max: u64) {
        if max == 0 {
            return;
        }
        while self.table.len() as u64 > max {
            let Some(k) = self.table.keys().next().cloned() else { break };
            let cur = std::mem::take(&mut self.current);
            self.invalidate_key(k.as_slice(), false, usize::MAX);
            self.current = cur;
        }
    }
}

/// The changed keys of a prefix in key order, each once with the client that changed it
/// last (what Redis's radix tree of keys holds at broadcast time).
fn latest_per_key(mut changes: Vec<(SBytes, u64)>) -> Vec<(SBytes, u64)> {
    crate::util::sort::sort_by(&mut changes, |a, b| a.0.cmp(&b.0));
    let mut out: Vec<(SBytes, u64)> = Vec::with_capacity(changes.len());
    for (k, by) in changes {
        match out.last_mut() {
            Some(last) if last.0 == k => last.1 = by,
            _ => out.push((k, by)),
        }
    }
    out
}

/// A byte string as C's `%s` prints it (up to a NUL).
fn c_str(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

/// Redis's `trackingRememberKeys`, after a read-only command `spec` that `client` ran.
pub fn remember_keys(st: &mut EngineState, client: &Client, spec: &CommandSpec, argv: &[&[u8]]) {
    let Some(t) = client.tracking.as_deref() else { return };
    if t.bcast || spec.has(flags::PUBSUB) || (t.optin && !t.caching) || (t.optout && t.caching) {
        return;
    }
    // SORT_RO's second key spec (BY/GET patterns) is `unknown`: Redis takes its keys
    // with `sortROGetKeys`, the sorted key only.
    let pos = if spec.name == "sort_ro" { Some(vec![1]) } else { crate::cmd::server::key_positions(spec, argv) };
    let Some(pos) = pos else { return };
    if pos.is_empty() {
        return;
    }
    // Keys the command found expired were invalidated during it in Redis, before this.
    st.drain_key_events();
    for i in pos {
        st.tracking.remember(client.id, argv[i]);
    }
}

/// Redis's `resetClient` part: `CLIENT CACHING` applies to the next command only (outside
/// MULTI; CLIENT subcommands keep it).
#[inline]
pub fn after_command(client: &mut Client) {
    if let Some(t) = client.tracking.as_deref_mut() {
        if t.caching && client.multi.is_none() && !client.last_cmd.starts_with("client|") {
            t.caching = false;
        }
    }
}

/// Turns the queued invalidations and BCAST keys into pushes. `current` is the client
/// whose command just ran (its own invalidations follow its reply), if any.
pub fn deliver(st: &mut EngineState, clients: &mut ClientTable, current: Option<ClientHandle>) {
    let max = st.config.tracking_table_max_keys;
    st.tracking.limit(max);
    let tr = &mut st.tracking;
    let mut msgs = std::mem::take(&mut tr.pending);
    let cur_id = current.and_then(|h| clients.get(h)).map_or(0, |c| c.id);
    if tr.bcast_dirty {
        tr.bcast_dirty = false;
        for bs in tr.prefixes.values_mut() {
            if bs.keys.is_empty() {
                continue;
            }
            let keys = latest_per_key(std::mem::take(&mut bs.keys));
            for &id in &bs.clients {
                let client = tr.tracking_ids.get(&id).and_then(|&h| clients.get(h));
                let noloop = client.and_then(|c| c.tracking.as_deref()).is_some_and(|t| t.noloop);
                let ks: Vec<SBytes> =
                    keys.iter().filter(|(_, by)| !(noloop && *by == id)).map(|(k, _)| k.clone()).collect();
                if !ks.is_empty() {
                    msgs.push((id, Msg::Keys(ks), usize::MAX));
                }
            }
        }
    }
    tr.current = 0;
    tr.update_engaged();
    if msgs.is_empty() {
        return;
    }
    // Each push inserted into the outbox moves the later positions by one.
    let mut shift = 0;
    for (id, msg, at) in msgs {
        let Some(&h) = st.tracking.tracking_ids.get(&id) else { continue };
        let Some(t) = clients.get(h).and_then(|c| c.tracking.as_deref()) else { continue };
        if let Msg::Key(_) = msg {
            if t.bcast || (t.noloop && id == cur_id) {
                continue;
            }
        }
        let late = id == cur_id;
        if let Some((to, push, late)) = message(clients, h, msg, late) {
            if late {
                st.pubsub.push_late(to, push);
            } else {
                st.pubsub.insert_push(at.saturating_add(shift), to, push);
                shift += 1;
            }
        }
    }
}

/// Redis's `sendTrackingMessage` for tracking client `h`: the push and its receiver, and
/// whether it waits for the current reply (`late`: only the client's own messages do).
fn message(clients: &mut ClientTable, h: ClientHandle, msg: Msg, late: bool) -> Option<(ClientHandle, Reply, bool)> {
    let c = clients.get_mut(h)?;
    let resp = c.resp;
    let t = c.tracking.as_deref_mut()?;
    let mut to = h;
    let mut redirected = false;
    if t.redirect != 0 {
        let redirect = t.redirect;
        // The caller itself is in the table again when messages go out.
        let target = clients.iter().find(|(_, x)| x.id == redirect).map(|(r, _)| r);
        let t = clients.get_mut(h)?.tracking.as_deref_mut()?;
        match target {
            Some(r) => {
                to = r;
                redirected = true;
            }
            None => {
                t.broken_redir = true;
                if resp > 2 {
                    let p = Reply::Push(vec![Reply::bulk(b"tracking-redir-broken"), Reply::Int(t.redirect as i64)]);
                    return Some((h, p, late));
                }
                return None;
            }
        }
    }
    let target = clients.get(to)?;
    let payload = match msg {
        Msg::Key(k) => Reply::Array(vec![Reply::bulk(k.as_slice())]),
        Msg::Keys(ks) => Reply::Array(ks.iter().map(|k| Reply::bulk(k.as_slice())).collect()),
        Msg::Null => Reply::Nil,
    };
    let push = if target.resp > 2 {
        Reply::Push(vec![Reply::bulk(b"invalidate"), payload])
    } else if redirected && target.pubsub.is_some() {
        Reply::Push(vec![Reply::bulk(b"message"), Reply::bulk(b"__redis__:invalidate"), payload])
    } else {
        return None;
    };
    Some((to, push, late && to == h))
}

#[cfg(test)]
mod tests {
    use crate::client::ClientHandle;
    use crate::testkit::TestEngine;

    /// (client, RESP3 text) of the pushes before and after the reply of the last command.
    fn pushes(t: &mut TestEngine) -> (Vec<(ClientHandle, String)>, Vec<(ClientHandle, String)>) {
        let text = |v: Vec<(ClientHandle, crate::reply::Reply)>| {
            v.into_iter().map(|(h, r)| (h, String::from_utf8_lossy(&r.to_resp(3)).into_owned())).collect::<Vec<_>>()
        };
        let late = text(t.eng.take_late_pushes());
        (text(t.eng.take_pushes()), late)
    }

    fn inv(keys: &[&str]) -> String {
        let mut s = format!(">2\r\n$10\r\ninvalidate\r\n*{}\r\n", keys.len());
        for k in keys {
            s.push_str(&format!("${}\r\n{}\r\n", k.len(), k));
        }
        s
    }

    #[test]
    fn default_mode_invalidates_once_and_after_own_reply() {
        let mut t = TestEngine::new();
        let other = t.connect();
        t.cmd(&["HELLO", "3"]);
        assert_eq!(t.resp(&["CLIENT", "TRACKING", "on"]), "+OK\r\n");
        assert_eq!(t.eng.state.tracking.client_count(), 1);
        t.cmd(&["MGET", "a", "b", "a"]);
        assert_eq!((t.eng.state.tracking.total_keys(), t.eng.state.tracking.total_items()), (2, 2));
        // Another client's write: the push is not for the writer.
        t.cmd_as(other, &["SET", "a", "1"]);
        let me = t.client;
        assert_eq!(pushes(&mut t), (vec![(me, inv(&["a"]))], vec![]));
        // Once only: the key is forgotten.
        t.cmd_as(other, &["SET", "a", "2"]);
        assert_eq!(pushes(&mut t), (vec![], vec![]));
        // Own write: after the reply.
        t.cmd(&["SET", "b", "1"]);
        assert_eq!(pushes(&mut t), (vec![], vec![(me, inv(&["b"]))]));
        assert_eq!(t.eng.state.tracking.total_keys(), 0);
        // Writes are not reads.
        t.cmd(&["SET", "c", "1"]);
        t.cmd_as(other, &["SET", "c", "2"]);
        assert_eq!(pushes(&mut t), (vec![], vec![]));
    }

    #[test]
    fn noloop_optin_optout() {
        let mut t = TestEngine::new();
        let other = t.connect();
        let me = t.client;
        t.cmd(&["HELLO", "3"]);
        t.cmd(&["CLIENT", "TRACKING", "on", "NOLOOP"]);
        t.cmd(&["GET", "a"]);
        t.cmd(&["SET", "a", "1"]);
        assert_eq!(pushes(&mut t), (vec![], vec![]));
        assert_eq!(t.eng.state.tracking.total_keys(), 0);
        t.cmd(&["CLIENT", "TRACKING", "off"]);
        t.cmd(&["CLIENT", "TRACKING", "on", "OPTIN"]);
        t.cmd(&["GET", "x"]);
        t.cmd(&["CLIENT", "CACHING", "yes"]);
        t.cmd(&["CLIENT", "TRACKINGINFO"]);
        t.cmd(&["GET", "y"]);
        t.cmd(&["GET", "z"]);
        t.cmd_as(other, &["MSET", "x", "1", "y", "1", "z", "1"]);
        assert_eq!(pushes(&mut t), (vec![(me, inv(&["y"]))], vec![]));
        // In MULTI the flag holds for every queued command.
        t.cmd(&["CLIENT", "CACHING", "yes"]);
        t.cmd(&["MULTI"]);
        t.cmd(&["GET", "x"]);
        t.cmd(&["GET", "y"]);
        t.cmd(&["EXEC"]);
        t.cmd_as(other, &["MSET", "x", "1", "y", "1"]);
        assert_eq!(pushes(&mut t), (vec![(me, inv(&["x"])), (me, inv(&["y"]))], vec![]));
        t.cmd(&["CLIENT", "TRACKING", "off"]);
        t.cmd(&["CLIENT", "TRACKING", "on", "OPTOUT"]);
        t.cmd(&["CLIENT", "CACHING", "no"]);
        t.cmd(&["GET", "x"]);
        t.cmd(&["GET", "y"]);
        t.cmd_as(other, &["MSET", "x", "1", "y", "1"]);
        assert_eq!(pushes(&mut t), (vec![(me, inv(&["y"]))], vec![]));
    }

    #[test]
    fn bcast_prefixes_and_flush() {
        let mut t = TestEngine::new();
        let other = t.connect();
        let me = t.client;
        t.cmd(&["HELLO", "3"]);
        assert_eq!(t.resp(&["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "b", "PREFIX", "a"]), "+OK\r\n");
        assert_eq!(
            t.resp(&["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "ab"]),
            "-ERR Prefix 'ab' overlaps with an existing prefix 'a'. Prefixes for a single client must not overlap.\r\n"
        );
        assert_eq!(t.eng.state.tracking.total_prefixes(), 2);
        t.cmd_as(other, &["MSET", "b2", "1", "a1", "1", "x", "1", "a0", "1"]);
        assert_eq!(pushes(&mut t), (vec![(me, inv(&["a0", "a1"])), (me, inv(&["b2"]))], vec![]));
        // Own change: after the reply.
        t.cmd(&["DEL", "a1"]);
        assert_eq!(pushes(&mut t), (vec![], vec![(me, inv(&["a1"]))]));
        // FLUSHALL: a null for every tracking client.
        t.cmd_as(other, &["FLUSHALL"]);
        assert_eq!(pushes(&mut t), (vec![(me, ">2\r\n$10\r\ninvalidate\r\n_\r\n".into())], vec![]));
        let line = t.eng.client(me).unwrap().flags_string();
        assert_eq!(line, "tB");
        // A client going away leaves its prefixes.
        t.eng.disconnect(me);
        assert_eq!((t.eng.state.tracking.total_prefixes(), t.eng.state.tracking.client_count()), (0, 0));
    }

    #[test]
    fn redirect_resp2_pubsub_and_broken() {
        let mut t = TestEngine::new();
        let sub = t.connect();
        let other = t.connect();
        let me = t.client;
        t.cmd_as(sub, &["SUBSCRIBE", "__redis__:invalidate"]);
        t.eng.take_pushes();
        assert_eq!(t.resp(&["CLIENT", "TRACKING", "on", "REDIRECT", "2"]), "+OK\r\n");
        assert_eq!(t.resp(&["CLIENT", "GETREDIR"]), ":2\r\n");
        t.cmd(&["GET", "k"]);
        t.cmd_as(other, &["SET", "k", "1"]);
        let msg = t.eng.take_pushes();
        assert_eq!(msg.len(), 1);
        assert_eq!(msg[0].0, sub);
        assert_eq!(msg[0].1.to_resp(2), b"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$1\r\nk\r\n");
        t.eng.disconnect(sub);
        t.cmd(&["HELLO", "3"]);
        t.cmd(&["GET", "k"]);
        t.cmd_as(other, &["SET", "k", "2"]);
        assert_eq!(pushes(&mut t), (vec![(me, ">2\r\n$21\r\ntracking-redir-broken\r\n:2\r\n".into())], vec![]));
        assert_eq!(t.eng.client(me).unwrap().flags_string(), "tR");
        assert_eq!(
            t.resp3(&["CLIENT", "TRACKINGINFO"]),
            "%3\r\n$5\r\nflags\r\n~2\r\n$2\r\non\r\n$15\r\nbroken_redirect\r\n$8\r\nredirect\r\n:2\r\n$8\r\nprefixes\r\n*0\r\n"
        );
    }

    #[test]
    fn argument_errors_in_redis_order() {
        let mut t = TestEngine::new();
        let cases = [
            (&["on", "PREFIX", "a"][..], "-ERR PREFIX option requires BCAST mode to be enabled\r\n"),
            (&["on", "OPTIN", "OPTOUT"], "-ERR You can't specify both OPTIN mode and OPTOUT mode\r\n"),
            (&["on", "BCAST", "OPTIN", "OPTOUT"], "-ERR OPTIN and OPTOUT are not compatible with BCAST\r\n"),
            (&["maybe", "REDIRECT", "99"], "-ERR The client ID you want redirect to does not exist\r\n"),
            (&["on", "REDIRECT", "x"], "-ERR value is not an integer or out of range\r\n"),
            (&["on", "REDIRECT", "1", "REDIRECT", "1"], "-ERR A client can only redirect to a single other client\r\n"),
            (&["maybe"], "-ERR syntax error\r\n"),
            (&["on", "PREFIX"], "-ERR syntax error\r\n"),
            (&["off", "PREFIX", "a", "OPTIN", "OPTOUT"], "+OK\r\n"),
            (
                &["on", "BCAST", "PREFIX", "a", "PREFIX", "ab"],
                "-ERR Prefix 'a' overlaps with another provided prefix 'ab'. Prefixes for a single client must not overlap.\r\n",
            ),
        ];
        for (args, want) in cases {
            let mut argv = vec!["CLIENT", "TRACKING"];
            argv.extend_from_slice(args);
            assert_eq!(t.resp(&argv), want, "{:?}", args);
        }
        assert_eq!(
            t.resp(&["CLIENT", "CACHING", "yes"]),
            "-ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled\r\n"
        );
        assert_eq!(t.resp(&["CLIENT", "GETREDIR"]), ":-1\r\n");
        assert_eq!(t.eng.state.tracking.client_count(), 0);
    }

    #[test]
    fn hooks_disengage_when_nothing_is_tracked() {
        let mut t = TestEngine::new();
        let other = t.connect();
        assert!(!t.eng.state.tracking.engaged);
        t.cmd(&["CLIENT", "TRACKING", "on"]);
        t.cmd(&["GET", "k"]);
        t.cmd(&["CLIENT", "TRACKING", "off"]);
        // The key stays in the table until it changes (Redis forgets ids lazily).
        assert!(t.eng.state.tracking.engaged);
        assert_eq!(t.eng.state.tracking.total_keys(), 1);
        t.cmd_as(other, &["SET", "k", "1"]);
        assert_eq!(pushes(&mut t), (vec![], vec![]));
        assert!(!t.eng.state.tracking.engaged);
        t.cmd(&["CLIENT", "TRACKING", "on", "BCAST"]);
        t.eng.disconnect(t.client);
        assert!(!t.eng.state.tracking.engaged);
    }

    #[test]
    fn table_limit_invalidates() {
        let mut t = TestEngine::new();
        t.cmd(&["HELLO", "3"]);
        t.cmd(&["CONFIG", "SET", "tracking-table-max-keys", "1"]);
        t.cmd(&["CLIENT", "TRACKING", "on"]);
        t.cmd(&["GET", "a"]);
        assert_eq!(pushes(&mut t), (vec![], vec![]));
        t.cmd(&["GET", "b"]);
        let (before, after) = pushes(&mut t);
        assert!(before.is_empty() && after.len() == 1);
        assert_eq!(t.eng.state.tracking.total_keys(), 1);
    }

    #[test]
    fn expiry_invalidates() {
        let mut t = TestEngine::new();
        let other = t.connect();
        t.cmd(&["HELLO", "3"]);
        t.cmd(&["CLIENT", "TRACKING", "on"]);
        t.cmd_as(other, &["SET", "e", "1", "PX", "100"]);
        t.cmd(&["GET", "e"]);
        t.advance_ms(200);
        t.tick();
        let me = t.client;
        assert_eq!(pushes(&mut t), (vec![(me, inv(&["e"]))], vec![]));
    }
}
