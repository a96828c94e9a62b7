//! Pub/sub state (Redis 7.0's `server.pubsub_channels`, `pubsub_patterns`,
//! `pubsub_shardchannels` and the per-client subscriptions) and the push outbox.
//!
//! # Host protocol
//!
//! Messages for clients (published messages, subscribe confirmations, keyspace events)
//! are queued as `(client, Reply::Push)` pairs. After `execute`, `tick` or `set_time_us`,
//! the host calls [`Engine::take_pushes`](crate::Engine::take_pushes) and writes each
//! reply to its client's connection in order. A client's own pushes come before the reply
//! `execute` returned (Redis writes them into its output buffer while the command runs).
//! SUBSCRIBE-family commands return `Reply::NoReply`: their confirmations are pushes.

use foldhash::fast::FixedState;

use crate::bytes::SBytes;
use crate::handle::ClientHandle;
use crate::reply::Reply;
use crate::util::glob::glob_match;

type HashMap<K, V> = hashbrown::HashMap<K, V, FixedState>;

/// Which namespace a subscription lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// SUBSCRIBE channels.
    Channel,
    /// PSUBSCRIBE patterns.
    Pattern,
    /// SSUBSCRIBE shard channels.
    Shard,
}

impl Kind {
    /// The confirmation words: (subscribe, unsubscribe).
    fn words(self) -> (&'static str, &'static str) {
        match self {
            Kind::Channel => ("subscribe", "unsubscribe"),
            Kind::Pattern => ("psubscribe", "punsubscribe"),
            Kind::Shard => ("ssubscribe", "sunsubscribe"),
        }
    }
}

/// One client's subscriptions, each list in subscription order.
#[derive(Debug, Default)]
pub struct ClientSubs {
    /// SUBSCRIBE channels.
    pub channels: Vec<SBytes>,
    /// PSUBSCRIBE patterns.
    pub patterns: Vec<SBytes>,
    /// SSUBSCRIBE shard channels.
    pub shard: Vec<SBytes>,
}

impl ClientSubs {
    fn list(&mut self, kind: Kind) -> &mut Vec<SBytes> {
        match kind {
            Kind::Channel => &mut self.channels,
            Kind::Pattern => &mut self.patterns,
            Kind::Shard => &mut self.shard,
        }
    }

    /// The count a (un)subscribe confirmation reports: channels + patterns, or shard
    /// channels (Redis's `clientSubscriptionsCount` / `clientShardSubscriptionsCount`).
    fn count(&self, kind: Kind) -> i64 {
        match kind {
            Kind::Shard => self.shard.len() as i64,
            _ => (self.channels.len() + self.patterns.len()) as i64,
        }
    }

    /// Whether any subscription is left (the client is in pub/sub mode).
    pub fn is_empty(&self) -> bool {
        self.channels.is_empty() && self.patterns.is_empty() && self.shard.is_empty()
    }
}

/// The server-wide pub/sub registry and the outbox of pushes for the host.
pub struct PubSub {
    channels: HashMap<SBytes, Vec<ClientHandle>>,
    /// Patterns in first-subscription order, each with its subscribers.
    patterns: Vec<(SBytes, Vec<ClientHandle>)>,
    shard: HashMap<SBytes, Vec<ClientHandle>>,
    /// Pushes waiting for the host, in order.
    pushes: Vec<(ClientHandle, Reply)>,
    /// Pushes for the client whose command just ran, to write after its reply
    /// (client-side caching invalidations of its own changes).
    late: Vec<(ClientHandle, Reply)>,
}

impl Default for PubSub {
    fn default() -> Self {
        PubSub {
            channels: HashMap::with_hasher(FixedState::with_seed(0)),
            patterns: Vec::new(),
            shard: HashMap::with_hasher(FixedState::with_seed(0)),
            pushes: Vec::new(),
            late: Vec::new(),
        }
    }
}

/// A push of bulk strings.
fn push_of(items: &[&[u8]]) -> Reply {
    Reply::Push(items.iter().map(|b| Reply::bulk(b)).collect())
}

impl PubSub {
    /// Whether pushes wait for the host.
    #[inline]
    pub fn has_pushes(&self) -> bool {
        !self.pushes.is_empty() || !self.late.is_empty()
    }

    /// Takes the queued pushes (those for after the reply last, for hosts that do not
    /// take them apart with [`PubSub::take_late_pushes`]).
    pub fn take_pushes(&mut self) -> Vec<(ClientHandle, Reply)> {
        let mut v = std::mem::take(&mut self.pushes);
        if !self.late.is_empty() {
            v.append(&mut self.late);
        }
        v
    }

    /// Whether pushes wait to be written after the reply of the command that just ran.
    #[inline]
    pub fn has_late_pushes(&self) -> bool {
        !self.late.is_empty()
    }

    /// Takes the pushes to write after the reply of the command that just ran.
    #[inline]
    pub fn take_late_pushes(&mut self) -> Vec<(ClientHandle, Reply)> {
        std::mem::take(&mut self.late)
    }

    /// Queues `reply` for client `h` at position `at` of the outbox (at the end when `at`
    /// is past it).
    pub fn insert_push(&mut self, at: usize, h: ClientHandle, reply: Reply) {
        if at >= self.pushes.len() {
            self.pushes.push((h, reply));
        } else {
            self.pushes.insert(at, (h, reply));
        }
    }

    /// Queues `reply` for client `h`, to be written after the reply of the running command.
    pub fn push_late(&mut self, h: ClientHandle, reply: Reply) {
        self.late.push((h, reply));
    }

    /// Takes the pushes for client `h` queued from position `from` on (EXEC puts a
    /// queued SUBSCRIBE's confirmations into its reply array).
    pub fn take_own_pushes_from(&mut self, h: ClientHandle, from: usize) -> Vec<Reply> {
        let mut own = Vec::new();
        let mut i = from;
        while i < self.pushes.len() {
            if self.pushes[i].0 == h {
                own.push(self.pushes.remove(i).1);
            } else {
                i += 1;
            }
        }
        own
    }

    /// Number of queued pushes (a position for [`PubSub::take_own_pushes_from`]).
    pub fn pushes_len(&self) -> usize {
        self.pushes.len()
    }

    /// Queues `reply` for client `h`.
    pub fn push(&mut self, h: ClientHandle, reply: Reply) {
        self.pushes.push((h, reply));
    }

    fn registry(&mut self, kind: Kind) -> Option<&mut HashMap<SBytes, Vec<ClientHandle>>> {
        match kind {
            Kind::Channel => Some(&mut self.channels),
            Kind::Shard => Some(&mut self.shard),
            Kind::Pattern => None,
        }
    }

    /// Subscribes client `h` (its subscriptions in `mine`) to `name` and queues the
    /// confirmation.
    pub fn subscribe(&mut self, h: ClientHandle, mine: &mut Option<Box<ClientSubs>>, kind: Kind, name: &[u8]) {
        let subs = mine.get_or_insert_with(Box::default);
        if !subs.list(kind).iter().any(|c| c.as_slice() == name) {
            let key = SBytes::new(name);
            subs.list(kind).push(key.clone());
            match self.registry(kind) {
                Some(map) => map.entry(key).or_default().push(h),
                None => match self.patterns.iter_mut().find(|(p, _)| p.as_slice() == name) {
                    Some((_, v)) => v.push(h),
                    None => self.patterns.push((key, vec![h])),
                },
            }
        }
        let n = subs.count(kind);
        let mut items = vec![Reply::bulk(kind.words().0.as_bytes()), Reply::bulk(name)];
        items.push(Reply::Int(n));
        self.push(h, Reply::Push(items));
    }

    /// Unsubscribes client `h` (its subscriptions in `mine`) from `name`; queues the
    /// confirmation when `notify`.
    pub fn unsubscribe(
        &mut self,
        h: ClientHandle,
        mine: &mut Option<Box<ClientSubs>>,
        kind: Kind,
        name: &[u8],
        notify: bool,
    ) {
        let subs = mine.get_or_insert_with(Box::default);
        let list = subs.list(kind);
        if let Some(i) = list.iter().position(|c| c.as_slice() == name) {
            list.remove(i);
            match self.registry(kind) {
                Some(map) => {
                    if let Some(v) = map.get_mut(name) {
                        v.retain(|&x| x != h);
                        if v.is_empty() {
                            map.remove(name);
                        }
                    }
                }
                None => {
                    if let Some(i) = self.patterns.iter().position(|(p, _)| p.as_slice() == name) {
                        self.patterns[i].1.retain(|&x| x != h);
                        if self.patterns[i].1.is_empty() {
                            self.patterns.remove(i);
                        }
                    }
                }
            }
        }
        let n = subs.count(kind);
        if subs.is_empty() {
            *mine = None;
        }
        if notify {
            let items = vec![Reply::bulk(kind.words().1.as_bytes()), Reply::bulk(name), Reply::Int(n)];
            self.push(h, Reply::Push(items));
        }
    }

    /// Unsubscribes `client` from everything of `kind`; with `notify`, one confirmation
    /// per name, or `[unsubscribe, nil, count]` when there was none.
    pub fn unsubscribe_all(&mut self, h: ClientHandle, mine: &mut Option<Box<ClientSubs>>, kind: Kind, notify: bool) {
        let names: Vec<SBytes> = mine.as_mut().map_or(Vec::new(), |s| s.list(kind).clone());
        for name in &names {
            self.unsubscribe(h, mine, kind, name, notify);
        }
        if names.is_empty() && notify {
            let n = mine.as_ref().map_or(0, |s| s.count(kind));
            let items = vec![Reply::bulk(kind.words().1.as_bytes()), Reply::Nil, Reply::Int(n)];
            self.push(h, Reply::Push(items));
        }
    }

    /// Drops every subscription of client `h` going away (or RESET), without messages.
    pub fn forget(&mut self, h: ClientHandle, mine: &mut Option<Box<ClientSubs>>) {
        for kind in [Kind::Channel, Kind::Pattern, Kind::Shard] {
            self.unsubscribe_all(h, mine, kind, false);
        }
        *mine = None;
    }

    /// PUBLISH: queues the message for the channel's subscribers, then for each pattern
    /// subscriber whose pattern matches; returns the number of receivers.
    pub fn publish(&mut self, channel: &[u8], message: &[u8]) -> i64 {
        let mut n = 0;
        if let Some(subs) = self.channels.get(channel) {
            let msg = push_of(&[b"message", channel, message]);
            for &h in subs {
                self.pushes.push((h, msg.clone()));
                n += 1;
            }
        }
        for (pattern, subs) in &self.patterns {
            if glob_match(pattern, channel, false) {
                let msg = push_of(&[b"pmessage", pattern, channel, message]);
                for &h in subs {
                    self.pushes.push((h, msg.clone()));
                    n += 1;
                }
            }
        }
        n
    }

    /// SPUBLISH: queues the message for the shard channel's subscribers.
    pub fn spublish(&mut self, channel: &[u8], message: &[u8]) -> i64 {
        let Some(subs) = self.shard.get(channel) else {
            return 0;
        };
        let msg = push_of(&[b"smessage", channel, message]);
        for &h in subs {
            self.pushes.push((h, msg.clone()));
        }
        subs.len() as i64
    }

    /// Active channels (or shard channels) matching `pattern` (all when `None`).
    pub fn active(&self, kind: Kind, pattern: Option<&[u8]>) -> Vec<&[u8]> {
        let map = match kind {
            Kind::Shard => &self.shard,
            _ => &self.channels,
        };
        map.keys().map(|k| k.as_slice()).filter(|k| pattern.is_none_or(|p| glob_match(p, k, false))).collect()
    }

    /// Subscribers of a channel (or shard channel).
    pub fn numsub(&self, kind: Kind, channel: &[u8]) -> i64 {
        let map = match kind {
            Kind::Shard => &self.shard,
            _ => &self.channels,
        };
        map.get(channel).map_or(0, |v| v.len() as i64)
    }

    /// Number of channels with subscribers (`INFO` `pubsub_channels`).
    pub fn channel_count(&self) -> usize {
        self.channels.len()
    }

    /// Number of shard channels with subscribers (`INFO` `pubsubshard_channels`).
    pub fn shard_channel_count(&self) -> usize {
        self.shard.len()
    }

    /// Number of distinct patterns subscribed (PUBSUB NUMPAT).
    pub fn numpat(&self) -> i64 {
        self.patterns.len() as i64
    }

    /// Whether anyone subscribes to anything (keyspace events are skipped otherwise).
    pub fn any_subscriber(&self) -> bool {
        !self.channels.is_empty() || !self.patterns.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(n: u32) -> ClientHandle {
        ClientHandle(n)
    }

    fn texts(p: &mut PubSub) -> Vec<(ClientHandle, String)> {
        p.take_pushes().into_iter().map(|(c, r)| (c, String::from_utf8_lossy(&r.to_resp(3)).into_owned())).collect()
    }

    #[test]
    fn subscribe_confirms_with_counts_and_publish_reaches_channels_then_patterns() {
        let mut p = PubSub::default();
        let (mut a, mut b) = (None, None);
        assert!(!p.any_subscriber());
        p.subscribe(h(1), &mut a, Kind::Channel, b"news");
        p.subscribe(h(1), &mut a, Kind::Channel, b"news");
        p.subscribe(h(2), &mut b, Kind::Pattern, b"n*");
        assert!(p.any_subscriber());
        assert_eq!((p.channel_count(), p.numpat(), p.numsub(Kind::Channel, b"news")), (1, 1, 1));
        let confirmations = texts(&mut p);
        assert_eq!(confirmations.len(), 3);
        assert_eq!(confirmations[1].1, ">3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n");
        assert_eq!(p.publish(b"news", b"hi"), 2);
        let got = texts(&mut p);
        assert_eq!(got[0], (h(1), ">3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n".to_string()));
        assert_eq!(got[1].0, h(2));
        assert!(got[1].1.starts_with(">4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n"));
        assert_eq!(p.publish(b"other", b"x"), 0);
    }

    #[test]
    fn unsubscribing_everything_clears_the_client_and_the_registry() {
        let mut p = PubSub::default();
        let mut a = None;
        p.subscribe(h(1), &mut a, Kind::Channel, b"c1");
        p.subscribe(h(1), &mut a, Kind::Shard, b"s1");
        p.unsubscribe_all(h(1), &mut a, Kind::Channel, true);
        assert!(a.is_some(), "still in a shard channel");
        assert_eq!(p.channel_count(), 0);
        assert_eq!(p.spublish(b"s1", b"m"), 1);
        p.forget(h(1), &mut a);
        assert!(a.is_none());
        assert_eq!(p.shard_channel_count(), 0);
        texts(&mut p);
        // With nothing to leave, UNSUBSCRIBE still answers once, with a nil channel.
        p.unsubscribe_all(h(1), &mut a, Kind::Channel, true);
        assert_eq!(texts(&mut p), vec![(h(1), ">3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n".to_string())]);
    }

    #[test]
    fn late_pushes_and_inserted_pushes_keep_their_places() {
        let mut p = PubSub::default();
        p.push(h(1), Reply::Int(1));
        p.push(h(1), Reply::Int(3));
        p.insert_push(1, h(2), Reply::Int(2));
        p.push_late(h(1), Reply::Int(4));
        assert_eq!(p.pushes_len(), 3);
        // A host that takes the late ones apart writes them after the reply...
        assert_eq!(p.take_late_pushes(), vec![(h(1), Reply::Int(4))]);
        let order: Vec<Reply> = p.take_pushes().into_iter().map(|(_, r)| r).collect();
        assert_eq!(order, vec![Reply::Int(1), Reply::Int(2), Reply::Int(3)]);
        // ...one that does not gets them last.
        p.push_late(h(1), Reply::Int(2));
        p.push(h(1), Reply::Int(1));
        let order: Vec<Reply> = p.take_pushes().into_iter().map(|(_, r)| r).collect();
        assert_eq!(order, vec![Reply::Int(1), Reply::Int(2)]);
        assert!(!p.has_pushes());
    }
}
