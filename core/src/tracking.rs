//! Client-side caching: `CLIENT TRACKING` (Redis 7.0's `tracking.c`).
//!
//! # Model
//! - Default mode: after a read-only command of a tracking client, its key arguments are
//!   remembered in a table key -> client ids (`engine::remember_keys`, called from `cmd::call`).
//!   When a key changes ([`Tracking::invalidate_key`], reached through the event seam's
//!   [`crate::events::Effect::Modified`]), each client in its entry gets one invalidation
//!   and the entry is dropped. The table is global: key names, not databases.
//! - BCAST mode: clients subscribe to prefixes; changed keys matching a prefix are
//!   collected and sent, one message per prefix, after the command (Redis sends them in
//!   `beforeSleep`).
//! - FLUSHDB/FLUSHALL send every tracking client a null invalidation ([`Tracking::flush`]).
//!
//! # Delivery
//! Invalidations are queued with the id of the tracking client and the push outbox's
//! length at that moment, and handed out by [`Tracking::collect`], which the engine
//! (`engine::caching`) turns into pushes after each command and tick, when the client table can be read, at their place in the outbox (Redis sends
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
use crate::handle::ClientHandle;
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Msg {
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
    /// the push outbox when it was made: Redis sends it at once, before later pushes,
    /// whether it was made before the current command ran: see [`Invalidation::early`],
    /// and the client running a command then: [`Invalidation::by`]).
    pending: Vec<(u64, Msg, usize, bool, u64)>,
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

    /// Whether the delivery after a command has work: invalidations to send.
    #[inline]
    pub fn has_work(&self) -> bool {
        !self.pending.is_empty() || self.bcast_dirty
    }

    /// Whether `tracking-table-max-keys` (`max_keys`, 0: no limit) is exceeded while some
    /// client tracks (Redis's `server.tracking_clients` test before `trackingLimitUsedSlots`).
    #[inline]
    pub fn over_limit(&self, max_keys: u64) -> bool {
        max_keys != 0 && !self.tracking_ids.is_empty() && self.table.len() as u64 > max_keys
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

    /// Redis's `enableTracking`: turns tracking on for client `id` (handle `h`, its
    /// settings in `mine`) (or changes its options; the
    /// BCAST prefixes are added to those it has).
    pub fn enable(
        &mut self,
        id: u64,
        h: ClientHandle,
        mine: &mut Option<Box<ClientTracking>>,
        opts: ClientTracking,
        prefixes: &[&[u8]],
    ) {
        self.tracking_ids.insert(id, h);
        self.engaged = true;
        self.current = id;
        let t = mine.get_or_insert_with(Box::default);
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

    /// Redis's `disableTracking`: turns tracking off for client `id` (its settings in
    /// `mine`; its table entries go lazily).
    pub fn disable(&mut self, id: u64, mine: &mut Option<Box<ClientTracking>>) {
        let Some(t) = mine.take() else { return };
        for p in &t.prefixes {
            if let Some(bs) = self.prefixes.get_mut(p.as_slice()) {
                bs.clients.retain(|&x| x != id);
                if bs.clients.is_empty() {
                    self.prefixes.remove(p.as_slice());
                }
            }
        }
        self.tracking_ids.remove(&id);
        self.update_engaged();
    }

    /// Remembers that client `id` may cache `key`.
    pub fn remember(&mut self, id: u64, key: &[u8]) {
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
                self.pending.push((id, Msg::Key(k.clone()), at, false, self.current));
            }
        }
    }

    /// Redis's `trackingInvalidateKeysOnFlush`: a null invalidation for every tracking
    /// client (at position `at` of the push outbox), and the table is emptied.
    pub fn flush(&mut self, at: usize) {
        for &id in self.tracking_ids.keys() {
            self.pending.push((id, Msg::Null, at, false, self.current));
        }
        self.table.clear();
        self.items = 0;
    }

    /// How many invalidations are queued (a mark for [`Tracking::make_early`]).
    #[inline]
    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }

    /// Marks the invalidations queued since `from` (a [`Tracking::pending_len`]) as made
    /// before the current command ran (keys evicted in Redis's `processCommand`): they go
    /// out at once, also to the command's own client, before its reply.
    pub fn make_early(&mut self, from: usize) {
        for p in self.pending.iter_mut().skip(from) {
            p.3 = true;
        }
    }

    /// Redis's `trackingLimitUsedSlots`: forgets keys (invalidating them, at position `at`
    /// of the push outbox) until the table has at most `max` keys (0: no limit). Redis runs
    /// it in `processCommand`, before a command runs (its client is `current`, so a NOLOOP
    /// client gets no message for its own keys and the others go before its reply), and in
    /// `serverCron` (no current client): never after a command, where the message for a
    /// NOLOOP caller would be lost until the next cron.
    pub fn limit(&mut self, max: u64, at: usize) {
        if !self.over_limit(max) {
            return;
        }
        let from = self.pending.len();
        while self.table.len() as u64 > max {
            let Some(k) = self.table.keys().next().cloned() else { break };
            self.invalidate_key(k.as_slice(), false, at);
        }
        self.make_early(from);
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

/// One invalidation ready to go out: for tracking client `id` (handle `to`), placed at
/// position `at` of the push outbox (`usize::MAX`: at the end).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalidation {
    /// The tracking client's id.
    pub id: u64,
    /// Its handle.
    pub to: ClientHandle,
    /// What it invalidates.
    pub msg: Msg,
    /// Where in the push outbox it goes.
    pub at: usize,
    /// Made before the current command ran (the table limit in Redis's `processCommand`):
    /// sent at once even to the command's own client, not after its reply.
    pub early: bool,
    /// Id of the client whose command (or served wait) made it (0: none). Redis defers
    /// an invalidation of the running client's own keys until after its reply
    /// (`tracking_pending_keys`); a client served after blocking is the running one.
    pub by: u64,
}

impl Tracking {
    /// The client handle of tracking client `id`.
    pub fn handle_of(&self, id: u64) -> Option<ClientHandle> {
        self.tracking_ids.get(&id).copied()
    }

    /// After a command or a tick: takes the queued invalidations and one message per BCAST client with the keys of its
    /// prefixes changed since the last broadcast (without those it changed itself when
    /// `noloop(id)`), in order. Clients that stopped tracking are skipped.
    pub fn collect(&mut self, noloop: impl Fn(u64) -> bool) -> Vec<Invalidation> {
        let mut msgs = std::mem::take(&mut self.pending);
        if self.bcast_dirty {
            self.bcast_dirty = false;
            for bs in self.prefixes.values_mut() {
                if bs.keys.is_empty() {
                    continue;
                }
                let keys = latest_per_key(std::mem::take(&mut bs.keys));
                for &id in &bs.clients {
                    let skip_own = self.tracking_ids.get(&id).is_some() && noloop(id);
                    let ks: Vec<SBytes> =
                        keys.iter().filter(|(_, by)| !(skip_own && *by == id)).map(|(k, _)| k.clone()).collect();
                    if !ks.is_empty() {
                        msgs.push((id, Msg::Keys(ks), usize::MAX, false, 0));
                    }
                }
            }
        }
        self.current = 0;
        self.update_engaged();
        msgs.into_iter()
            .filter_map(|(id, msg, at, early, by)| {
                self.handle_of(id).map(|to| Invalidation { id, to, msg, at, early, by })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(n: u32) -> ClientHandle {
        ClientHandle(n)
    }

    fn bcast() -> ClientTracking {
        ClientTracking { bcast: true, ..Default::default() }
    }

    #[test]
    fn a_remembered_key_is_invalidated_once_at_its_outbox_position() {
        let mut t = Tracking::default();
        let mut mine = None;
        t.enable(7, h(1), &mut mine, ClientTracking::default(), &[]);
        assert!(t.engaged && mine.is_some());
        t.remember(7, b"k");
        t.remember(7, b"k");
        assert_eq!((t.total_keys(), t.total_items()), (1, 1));
        t.invalidate_key(b"k", true, 3);
        t.invalidate_key(b"k", true, 4);
        let got = t.collect(|_| false);
        assert_eq!(
            got,
            vec![Invalidation { id: 7, to: h(1), msg: Msg::Key(SBytes::new(b"k")), at: 3, early: false, by: 7 }]
        );
        assert_eq!(t.total_keys(), 0);
    }

    #[test]
    fn bcast_prefixes_collect_changed_keys_once_each_and_honour_noloop() {
        let mut t = Tracking::default();
        let (mut a, mut b) = (None, None);
        t.enable(1, h(1), &mut a, bcast(), &[b"user:"]);
        t.enable(2, h(2), &mut b, ClientTracking { noloop: true, ..bcast() }, &[]);
        assert_eq!(t.total_prefixes(), 2);
        t.current = 2;
        t.invalidate_key(b"user:b", true, 0);
        t.current = 1;
        t.invalidate_key(b"user:a", true, 0);
        t.invalidate_key(b"user:b", true, 0);
        t.invalidate_key(b"other", true, 0);
        let got = t.collect(|id| id == 2);
        let keys = |v: &[&str]| Msg::Keys(v.iter().map(|k| SBytes::new(k.as_bytes())).collect());
        assert_eq!(
            got,
            vec![
                // Client 2 (NOLOOP, prefix "") gets the keys others changed last.
                Invalidation {
                    id: 2,
                    to: h(2),
                    msg: keys(&["other", "user:a", "user:b"]),
                    at: usize::MAX,
                    early: false,
                    by: 0
                },
                Invalidation { id: 1, to: h(1), msg: keys(&["user:a", "user:b"]), at: usize::MAX, early: false, by: 0 },
            ]
        );
        assert!(t.collect(|_| false).is_empty());
        t.disable(1, &mut a);
        t.disable(2, &mut b);
        assert!(!t.engaged);
        assert_eq!(t.total_prefixes(), 0);
    }

    #[test]
    fn prefixes_that_overlap_are_refused() {
        let existing = [SBytes::new(b"a:")];
        assert!(Tracking::check_prefixes(&existing, &[b"b:"]).is_ok());
        assert!(Tracking::check_prefixes(&existing, &[b"a:b"]).is_err());
        assert!(Tracking::check_prefixes(&[], &[b"x", b"xy"]).is_err());
    }

    #[test]
    fn flush_sends_null_to_everyone_and_the_limit_evicts_keys() {
        let mut t = Tracking::default();
        let mut a = None;
        t.enable(1, h(1), &mut a, ClientTracking::default(), &[]);
        t.remember(1, b"a");
        t.remember(1, b"b");
        t.remember(1, b"c");
        t.limit(2, 4);
        let got = t.collect(|_| false);
        assert_eq!(got.len(), 1, "one key over the limit is invalidated: {got:?}");
        assert!(got[0].early && got[0].at == 4);
        assert_eq!(t.total_keys(), 2);
        t.flush(5);
        assert_eq!(
            t.collect(|_| false),
            vec![Invalidation { id: 1, to: h(1), msg: Msg::Null, at: 5, early: false, by: 0 }]
        );
        assert_eq!(t.total_keys(), 0);
    }
}
