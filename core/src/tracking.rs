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
//! Invalidations are queued with the id of the tracking client and turned into pushes by
//! [`deliver`] after each command and tick, when the client table can be read: RESP3
//! clients get `>2 invalidate [keys]`; with `REDIRECT` the target gets it instead (as a
//! `__redis__:invalidate` pub/sub message when it is a subscribed RESP2 client), or the
//! tracking client gets `tracking-redir-broken` when the target is gone. Invalidations
//! for the client whose command caused them come after its reply (Redis's
//! `tracking_pending_keys`): they go to the late outbox (see
//! [`crate::pubsub::PubSub::push_late`]).
//!
//! When no client ever tracked, every hook is one check of an empty table.

use std::collections::BTreeMap;

use foldhash::fast::FixedState;

use crate::bytes::SBytes;
use crate::client::{Client, ClientHandle, ClientTable};
use crate::cmd::spec::{flags, CommandSpec};
use crate::engine::EngineState;
use crate::reply::Reply;

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
/// client that changed it last, 0 for none) and its clients.
#[derive(Debug, Default)]
struct Bcast {
    keys: BTreeMap<SBytes, u64>,
    clients: Vec<u64>,
}

/// The server-wide tracking state.
pub struct Tracking {
    /// Ids of the clients with tracking on (Redis's `server.tracking_clients`), by id.
    tracking_ids: std::collections::BTreeSet<u64>,
    /// Key -> ids of the clients that may cache it.
    table: HashMap<SBytes, Vec<u64>>,
    /// Ids over all entries of `table`.
    items: u64,
    /// BCAST prefixes.
    prefixes: BTreeMap<SBytes, Bcast>,
    /// Whether some prefix has keys to broadcast.
    bcast_dirty: bool,
    /// Invalidations waiting for [`deliver`]: (tracking client id, message).
    pending: Vec<(u64, Msg)>,
    /// Id of the client running a command (0 outside commands).
    pub current: u64,
}

impl Default for Tracking {
    fn default() -> Self {
        Tracking {
            tracking_ids: Default::default(),
            table: HashMap::with_hasher(FixedState::with_seed(0)),
            items: 0,
            prefixes: BTreeMap::new(),
            bcast_dirty: false,
            pending: Vec::new(),
            current: 0,
        }
    }
}

/// Whether `a` and `b` overlap: one is a prefix of the other (Redis's `stringCheckPrefix`).
fn overlaps(a: &[u8], b: &[u8]) -> bool {
    let n = a.len().min(b.len());
    a[..n] == b[..n]
}

impl Tracking {
    /// Whether a key change can concern anyone (keys remembered or prefixes registered).
    #[inline]
    pub fn active(&self) -> bool {
        !self.table.is_empty() || !self.prefixes.is_empty()
    }

    /// Whether [`deliver`] has work.
    #[inline]
    pub fn has_work(&self) -> bool {
        !self.pending.is_empty() || self.bcast_dirty
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
        self.tracking_ids.insert(id);
        let t = c.tracking.get_or_insert_with(Box::default);
        t.redirect = opts.redirect;
        t.broken_redir = false;
        t.bcast = opts.bcast;
        t.optin = opts.optin;
        t.optout = opts.optout;
        t.noloop = opts.noloop;
        if opts.bcast {
            let add = |t: &mut ClientTracking, this: &mut Tracking, p: &[u8]| {
                let bs = this.prefixes.entry(SBytes::new(p)).or_default();
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
    /// client that may cache it (and forgets it); with `bcast`, records it for the
    /// prefixes it matches.
    pub fn invalidate_key(&mut self, key: &[u8], bcast: bool) {
        if bcast && !self.prefixes.is_empty() {
            for (p, bs) in self.prefixes.iter_mut() {
                if key.starts_with(p.as_slice()) {
                    bs.keys.insert(SBytes::new(key), self.current);
                    self.bcast_dirty = true;
                }
            }
        }
        if let Some(ids) = self.table.remove(key) {
            self.items -= ids.len() as u64;
            let k = SBytes::new(key);
            for id in ids {
                self.pending.push((id, Msg::Key(k.clone())));
            }
        }
    }

    /// Redis's `trackingInvalidateKeysOnFlush`: a null invalidation for every tracking
    /// client, and the table is emptied.
    pub fn flush(&mut self) {
        for &id in &self.tracking_ids {
            self.pending.push((id, Msg::Null));
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
            self.invalidate_key(k.as_slice(), false);
            self.current = cur;
        }
    }
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
    let Some(pos) = crate::cmd::server::key_positions(spec, argv) else { return };
    if pos.is_empty() {
        return;
    }
    // Keys the command found expired were invalidated during it in Redis, before this.
    if st.dbs.iter().any(|d| d.keys.has_events()) {
        st.flush_key_events();
    }
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
            let keys = std::mem::take(&mut bs.keys);
            for &id in &bs.clients {
                let noloop = clients.iter().find(|(_, c)| c.id == id).and_then(|(_, c)| c.tracking.as_deref()).is_some_and(|t| t.noloop);
                let ks: Vec<SBytes> = keys.iter().filter(|(_, &by)| !(noloop && by == id)).map(|(k, _)| k.clone()).collect();
                if !ks.is_empty() {
                    msgs.push((id, Msg::Keys(ks)));
                }
            }
        }
    }
    tr.current = 0;
    if msgs.is_empty() {
        return;
    }
    let by_id: HashMap<u64, ClientHandle> = {
        let mut m = HashMap::with_hasher(FixedState::with_seed(0));
        m.extend(clients.iter().map(|(h, c)| (c.id, h)));
        m
    };
    for (id, msg) in msgs {
        let Some(&h) = by_id.get(&id) else { continue };
        let Some(t) = clients.get(h).and_then(|c| c.tracking.as_deref()) else { continue };
        if let Msg::Key(_) = msg {
            if t.bcast || (t.noloop && id == cur_id) {
                continue;
            }
        }
        send(st, clients, &by_id, h, msg, id == cur_id);
    }
}

/// Redis's `sendTrackingMessage` for tracking client `h`; `late` puts it after the
/// current command's reply.
fn send(st: &mut EngineState, clients: &mut ClientTable, by_id: &HashMap<u64, ClientHandle>, h: ClientHandle, msg: Msg, late: bool) {
    let Some(c) = clients.get_mut(h) else { return };
    let resp = c.resp;
    let Some(t) = c.tracking.as_deref_mut() else { return };
    let mut to = h;
    let mut redirected = false;
    if t.redirect != 0 {
        match by_id.get(&t.redirect) {
            Some(&r) => {
                to = r;
                redirected = true;
            }
            None => {
                t.broken_redir = true;
                if resp > 2 {
                    let p = Reply::Push(vec![Reply::bulk(b"tracking-redir-broken"), Reply::Int(t.redirect as i64)]);
                    queue(st, h, p, late);
                }
                return;
            }
        }
    }
    let Some(target) = clients.get(to) else { return };
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
        return;
    };
    // Only the client's own messages wait for its reply.
    queue(st, to, push, late && to == h);
}

fn queue(st: &mut EngineState, to: ClientHandle, push: Reply, late: bool) {
    if late {
        st.pubsub.push_late(to, push);
    } else {
        st.pubsub.push(to, push);
    }
}
