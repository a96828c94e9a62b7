//! Per-connection state the engine keeps for every client (`CLIENT LIST`, `SELECT`, `HELLO`).

/// What the client asked about replies (`CLIENT REPLY ON|OFF|SKIP`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplyMode {
    /// Replies are sent.
    On,
    /// No replies are sent.
    Off,
    /// The reply to the next command is dropped.
    SkipNext,
    /// Dropping the reply of the current command (set from `SkipNext` when it starts).
    Skipping,
}

/// Where a connection comes from, as the host reports it.
#[derive(Clone, Debug, Default)]
pub struct ConnInfo {
    /// Peer address, `ip:port`.
    pub addr: String,
    /// Local address, `ip:port`.
    pub laddr: String,
    /// File descriptor (or -1 when there is none, e.g. the wasm host).
    pub fd: i64,
}

/// The state of one client connection.
#[derive(Debug)]
pub struct Client {
    /// `CLIENT ID`: unique, increasing.
    pub id: u64,
    /// Selected database.
    pub db: usize,
    /// Protocol version, 2 or 3.
    pub resp: u8,
    /// `CLIENT SETNAME` name.
    pub name: Option<Vec<u8>>,
    /// Whether AUTH succeeded (or no password is required).
    pub authenticated: bool,
    /// The ACL user it runs as (`crate::acl::DEFAULT_USER` until AUTH).
    pub user: crate::acl::UserId,
    /// The AOF loading client (Redis's `mustObeyClient`): not refused while loading.
    pub loader: bool,
    /// Connection addresses.
    pub conn: ConnInfo,
    /// When it connected (ms).
    pub created_ms: u64,
    /// When it last ran a command (ms).
    pub last_interaction_ms: u64,
    /// Name of the last command run (`cmd=` in `CLIENT LIST`).
    pub last_cmd: &'static str,
    /// `CLIENT NO-EVICT`.
    pub no_evict: bool,
    /// In MONITOR mode (`flags=O`; see [`crate::monitor`]).
    pub monitor: bool,
    /// Reply suppression mode.
    pub reply_mode: ReplyMode,
    /// Set by `CLIENT KILL`, `QUIT`: the host closes the connection after writing replies.
    pub close_requested: bool,
    /// This client's handle in the [`ClientTable`] (set when it is added).
    pub handle: ClientHandle,
    /// What the client waits for while a blocking command holds it (`flags=b`).
    pub wait: Option<Box<crate::cmd::blocking::Wait>>,
    /// Set while EXEC or a script runs commands for this client: blocking commands then
    /// answer at once as if they timed out.
    pub deny_blocking: bool,
    /// The client a script's commands run as (Redis's `CLIENT_SCRIPT`).
    pub script: bool,
    /// The open transaction between MULTI and EXEC/DISCARD (`flags=x`).
    pub multi: Option<Box<crate::cmd::transactions::MultiState>>,
    /// Pub/sub subscriptions (`flags=P`); `None` when there is none.
    pub pubsub: Option<Box<crate::pubsub::ClientSubs>>,
    /// Client-side caching settings (`flags=t`); `None` when tracking is off.
    pub tracking: Option<Box<crate::tracking::ClientTracking>>,
    /// Buffer sizes the host measured (`qbuf`, `obl`, `oll`, `omem` in CLIENT LIST).
    pub io: crate::netconf::ClientIo,
}

impl Client {
    /// A fresh client with id `id`, connected at `now_ms`.
    pub fn new(id: u64, conn: ConnInfo, now_ms: u64, authenticated: bool) -> Client {
        Client {
            id,
            db: 0,
            resp: 2,
            name: None,
            authenticated,
            user: crate::acl::DEFAULT_USER,
            loader: false,
            conn,
            created_ms: now_ms,
            last_interaction_ms: now_ms,
            last_cmd: "NULL",
            no_evict: false,
            monitor: false,
            reply_mode: ReplyMode::On,
            close_requested: false,
            handle: ClientHandle(u32::MAX),
            wait: None,
            deny_blocking: false,
            script: false,
            multi: None,
            pubsub: None,
            tracking: None,
            io: Default::default(),
        }
    }

    /// Memory of the client's own lists as Redis counts it in `tot-mem` and for client
    /// eviction: queued MULTI arguments, `watched` WATCHed keys, subscriptions and
    /// tracking prefixes (pointer-sized overheads per entry, as Redis's estimates).
    pub fn overhead_bytes(&self, watched: usize) -> usize {
        let multi = self.multi.as_ref().map_or(0, |m| m.argv_bytes() + m.queue.len() * 24);
        let subs = self.pubsub.as_ref().map_or(0, |p| {
            p.patterns.len() * 24
                + (p.channels.len() + p.shard.len()) * (24 + 8)
                + p.patterns.iter().map(|x| x.len()).sum::<usize>()
        });
        let prefixes = self.tracking.as_ref().map_or(0, |t| t.prefixes.iter().map(|p| p.len() + 48).sum());
        multi + watched * (24 + 32) + subs + prefixes
    }

    /// What the client costs as CLIENT LIST's `tot-mem` (outside a command of its own):
    /// the struct, the host-measured buffers and [`Client::overhead_bytes`].
    pub fn memory_bytes(&self, watched: usize) -> usize {
        let io = &self.io;
        let rbs = if io.rbs == 0 { 1024 } else { io.rbs as usize };
        std::mem::size_of::<Client>()
            + (io.qbuf + io.qbuf_free + io.omem) as usize
            + rbs
            + self.name.as_ref().map_or(0, |n| n.len())
            + self.overhead_bytes(watched)
    }

    /// Whether a blocking command holds the client.
    #[inline]
    pub fn is_blocked(&self) -> bool {
        self.wait.is_some()
    }

    /// Applies `CLIENT REPLY` to the reply of a finished command: `OFF` drops it, `SKIP`
    /// drops this one reply and turns replies back on.
    pub fn apply_reply_mode(&mut self, reply: crate::reply::Reply) -> crate::reply::Reply {
        use crate::reply::Reply;
        match self.reply_mode {
            ReplyMode::On => reply,
            ReplyMode::Off => Reply::NoReply,
            ReplyMode::SkipNext => {
                self.reply_mode = ReplyMode::Skipping;
                reply
            }
            ReplyMode::Skipping => {
                self.reply_mode = ReplyMode::On;
                Reply::NoReply
            }
        }
    }

    /// Whether the peer is on this machine (loopback, a unix socket, or an in-process host
    /// without an address), for `enable-debug-command local`.
    pub fn is_local(&self) -> bool {
        let a = self.conn.addr.as_str();
        a.is_empty()
            || a.starts_with('/')
            || a.starts_with("127.0.0.1:")
            || a.starts_with("[::1]:")
            || a.starts_with("::1:")
    }

    /// The `flags=` field of `CLIENT LIST` (`N` when no flag is set).
    pub fn flags_string(&self) -> String {
        let mut f = String::new();
        if self.monitor {
            f.push('O');
        }
        if self.pubsub.is_some() {
            f.push('P');
        }
        if self.multi.is_some() {
            f.push('x');
        }
        if self.wait.is_some() {
            f.push('b');
        }
        if let Some(t) = &self.tracking {
            f.push('t');
            if t.broken_redir {
                f.push('R');
            }
            if t.bcast {
                f.push('B');
            }
        }
        if self.close_requested {
            f.push('c');
        }
        if self.conn.addr.starts_with('/') {
            f.push('U');
        }
        if self.no_evict {
            f.push('e');
        }

        if f.is_empty() {
            f.push('N');
        }
        f
    }
}

pub use crate::handle::ClientHandle;

/// All connected clients, in slots reused after disconnects.
#[derive(Default)]
pub struct ClientTable {
    slots: Vec<Option<Box<Client>>>,
    free: Vec<u32>,
    count: usize,
}

impl ClientTable {
    /// Adds a client and returns its handle (also stored in `Client::handle`).
    pub fn add(&mut self, mut c: Client) -> ClientHandle {
        self.count += 1;
        let i = match self.free.pop() {
            Some(i) => i,
            None => {
                self.slots.push(None);
                (self.slots.len() - 1) as u32
            }
        };
        c.handle = ClientHandle(i);
        self.slots[i as usize] = Some(Box::new(c));
        ClientHandle(i)
    }

    /// Removes a client.
    pub fn remove(&mut self, h: ClientHandle) -> Option<Box<Client>> {
        let c = self.slots.get_mut(h.0 as usize)?.take()?;
        self.free.push(h.0);
        self.count -= 1;
        Some(c)
    }

    /// Takes a client out while it runs a command (so it and the table can both be borrowed).
    #[inline]
    pub(crate) fn take(&mut self, h: ClientHandle) -> Option<Box<Client>> {
        self.slots.get_mut(h.0 as usize)?.take()
    }

    /// Puts back a client taken with `take`.
    #[inline]
    pub(crate) fn put_back(&mut self, h: ClientHandle, c: Box<Client>) {
        self.slots[h.0 as usize] = Some(c);
    }

    /// Number of connected clients (including one taken out to run a command).
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether no client is connected.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The client behind `h`, unless it is taken out.
    #[inline]
    pub fn get(&self, h: ClientHandle) -> Option<&Client> {
        self.slots.get(h.0 as usize)?.as_deref()
    }

    /// The client behind `h`, mutably.
    pub fn get_mut(&mut self, h: ClientHandle) -> Option<&mut Client> {
        self.slots.get_mut(h.0 as usize)?.as_deref_mut()
    }

    /// Every client present in the table (not one taken out), with its handle.
    pub fn iter(&self) -> impl Iterator<Item = (ClientHandle, &Client)> {
        self.slots.iter().enumerate().filter_map(|(i, c)| c.as_deref().map(|c| (ClientHandle(i as u32), c)))
    }

    /// Every client present in the table, mutably.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (ClientHandle, &mut Client)> {
        self.slots.iter_mut().enumerate().filter_map(|(i, c)| c.as_deref_mut().map(|c| (ClientHandle(i as u32), c)))
    }
}
