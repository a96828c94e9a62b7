//! MIGRATE (Redis's cluster.c `migrateCommand`): moves keys to another instance as
//! pipelined `RESTORE` commands.
//!
//! The core has no sockets, so the seam is [`MigrateLink`], a host object installed in
//! [`crate::engine::EngineState::migrate_link`] that the command calls synchronously
//! (Redis blocks the whole server during MIGRATE too). The link owns the cached
//! connections (Redis's `migrate_cached_sockets`, keyed by `host:port`) and their
//! last selected database, and does the blocking connect/write/read-line with the
//! timeout; everything else (validation, the DUMP payloads, the command bytes, the
//! retry once after a non-timeout socket error, deleting acknowledged keys, the DEL
//! propagation and the reply) is here, in Redis's order. Hosts without a link (the wasm
//! package) reply [`NO_LINK_ERROR`].

use crate::cmd::{is, Args, Ctx};
use crate::config::notify;
use crate::error::{CmdError, CmdResult};
use crate::numfmt::parse_i64;
use crate::reply::Reply;

/// MIGRATE's reply in a host without sockets: Redis's text for a connection that could
/// not be made.
pub const NO_LINK_ERROR: &str = "IOERR error or timeout connecting to the client";

/// How a blocking socket operation of a [`MigrateLink`] failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkError {
    /// The timeout passed (Redis's `ETIMEDOUT`: no retry).
    TimedOut,
    /// Any other failure (closed connection, refused, reset): retried once.
    Broken,
}

/// No connection could be started (Redis's "connecting to the client" error).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectError;

/// The host's side of MIGRATE: blocking socket work on cached connections, each named
/// by the `host` and `port` arguments as given. Every call is bounded by `timeout_ms`.
pub trait MigrateLink {
    /// Redis's `migrateGetSocket`: the cached connection to `host:port` (its use time
    /// refreshed) or a new one. `Ok` carries the database last selected on it (`None`
    /// for a new connection or after [`MigrateLink::set_last_db`] with `None`); `Err`
    /// when no connection could be started (the address does not resolve).
    fn connect(&mut self, host: &[u8], port: &[u8], timeout_ms: u64) -> Result<Option<i64>, ConnectError>;
    /// Writes all of `bytes` to the connection.
    fn write(&mut self, host: &[u8], port: &[u8], bytes: &[u8], timeout_ms: u64) -> Result<(), LinkError>;
    /// Reads one reply line (without its CRLF; at most 1023 bytes, as `syncReadLine`).
    fn read_line(&mut self, host: &[u8], port: &[u8], timeout_ms: u64) -> Result<Vec<u8>, LinkError>;
    /// Records the database selected on the connection (`None`: unknown, SELECT next).
    fn set_last_db(&mut self, host: &[u8], port: &[u8], db: Option<i64>);
    /// Closes and forgets the connection (Redis's `migrateCloseSocket`).
    fn close(&mut self, host: &[u8], port: &[u8]);
    /// How many connections are cached (INFO's `migrate_cached_sockets`).
    fn cached(&self) -> usize;
    /// Closes connections unused for more than 10 seconds (`migrateCloseTimedoutSockets`,
    /// run by the host's cron).
    fn close_idle(&mut self) {}
}

/// Positions of MIGRATE's keys in `argv` for COMMAND GETKEYS, as Redis 7.0.15: the key
/// specs give argument 3 unless a `KEYS` is found searching back from the next-to-last
/// argument; that spec is incomplete, so then `migrateGetKeys` decides (skipping AUTH's
/// and AUTH2's values; no keys when argument 3 is not empty).
pub fn key_positions(argv: &[&[u8]]) -> Vec<usize> {
    let argc = argv.len();
    if !(2..argc.saturating_sub(1)).rev().any(|i| is(argv[i], "keys")) {
        return vec![3];
    }
    let (mut first, mut num) = (3, 1);
    let mut i = 6;
    while i < argc {
        let a = argv[i];
        if is(a, "keys") {
            if argv[3].is_empty() {
                first = i + 1;
                num = argc - first;
            } else {
                num = 0;
            }
            break;
        }
        if is(a, "auth") {
            i += 1;
        } else if is(a, "auth2") {
            i += 2;
        }
        i += 1;
    }
    (first..first + num).collect()
}

/// Appends a RESP bulk string.
fn bulk(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'$');
    out.extend_from_slice(s.len().to_string().as_bytes());
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(s);
    out.extend_from_slice(b"\r\n");
}

/// Appends a RESP array header.
fn count(out: &mut Vec<u8>, n: usize) {
    out.push(b'*');
    out.extend_from_slice(n.to_string().as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// The parsed options of a MIGRATE call.
struct Options<'a> {
    copy: bool,
    replace: bool,
    username: Option<&'a [u8]>,
    password: Option<&'a [u8]>,
    keys: Vec<&'a [u8]>,
}

/// Hides AUTH and AUTH2 values from the slow log and monitors, as Redis's parsing loop
/// does (the options start at argument 6).
fn redact_secrets(ctx: &mut Ctx, rest: &[&[u8]]) {
    let mut j = 0;
    while j < rest.len() {
        let more = rest.len() - 1 - j;
        if is(rest[j], "auth") && more >= 1 {
            ctx.redact(6 + j + 1);
            j += 1;
        } else if is(rest[j], "auth2") && more >= 2 {
            ctx.redact(6 + j + 1);
            ctx.redact(6 + j + 2);
            j += 2;
        } else if is(rest[j], "keys") {
            break;
        }
        j += 1;
    }
}

/// Parses the options after the timeout, with Redis's errors in Redis's order.
fn parse_options<'a>(key: &'a [u8], rest: &[&'a [u8]]) -> Result<Options<'a>, CmdError> {
    let mut o = Options { copy: false, replace: false, username: None, password: None, keys: vec![key] };
    let mut j = 0;
    while j < rest.len() {
        let more = rest.len() - 1 - j;
        let a = rest[j];
        if is(a, "copy") {
            o.copy = true;
        } else if is(a, "replace") {
            o.replace = true;
        } else if is(a, "auth") {
            if more == 0 {
                return Err(CmdError::Syntax);
            }
            j += 1;
            o.password = Some(rest[j]);
        } else if is(a, "auth2") {
            if more < 2 {
                return Err(CmdError::Syntax);
            }
            o.username = Some(rest[j + 1]);
            o.password = Some(rest[j + 2]);
            j += 2;
        } else if is(a, "keys") {
            if !key.is_empty() {
                return Err(CmdError::other(
                    "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string",
                ));
            }
            o.keys = rest[j + 1..].to_vec();
            break;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    Ok(o)
}

/// `MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH password]
/// [AUTH2 username password] [KEYS key [key ...]]`: +OK, +NOKEY when no key exists, or
/// Redis's IOERR / target errors.
pub fn migrate(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let (host, port, key, db_arg, timeout_arg) = (args.take(), args.take(), args.take(), args.take(), args.take());
    let rest = args.take_rest();
    redact_secrets(ctx, rest);
    let opts = parse_options(key, rest)?;
    let mut timeout = parse_i64(timeout_arg).ok_or(CmdError::NotInteger)?;
    let dbid = parse_i64(db_arg).ok_or(CmdError::NotInteger)?;
    if timeout <= 0 {
        timeout = 1000;
    }
    let timeout = timeout as u64;

    // The keys present (lookupKeyRead: expires, counts hits and misses).
    let mut keys: Vec<&[u8]> = Vec::with_capacity(opts.keys.len());
    for &k in &opts.keys {
        if ctx.lookup_read(k).is_some() {
            keys.push(k);
        }
    }
    if keys.is_empty() {
        return Ok(Reply::Simple("NOKEY".into()));
    }
    let Some(mut link) = ctx.st.migrate_link.take() else {
        return Err(CmdError::other(NO_LINK_ERROR));
    };
    let result = run(ctx, link.as_mut(), host, port, dbid, timeout, &opts, &mut keys);
    ctx.st.migrate_link = Some(link);
    result
}

/// The connect / send / read part, with Redis's single retry.
#[allow(clippy::too_many_arguments)]
fn run(
    ctx: &mut Ctx,
    link: &mut dyn MigrateLink,
    host: &[u8],
    port: &[u8],
    dbid: i64,
    timeout: u64,
    opts: &Options,
    keys: &mut Vec<&[u8]>,
) -> CmdResult {
    let mut may_retry = true;
    loop {
        let Ok(last_db) = link.connect(host, port, timeout) else {
            return Err(CmdError::other("IOERR error or timeout connecting to the client"));
        };
        let mut cmd = Vec::new();
        if let Some(password) = opts.password {
            count(&mut cmd, if opts.username.is_some() { 3 } else { 2 });
            bulk(&mut cmd, b"AUTH");
            if let Some(user) = opts.username {
                bulk(&mut cmd, user);
            }
            bulk(&mut cmd, password);
        }
        // Redis keeps -1 for "unknown": a MIGRATE to db -1 then sends no SELECT.
        let select = last_db.unwrap_or(-1) != dbid;
        if select {
            count(&mut cmd, 2);
            bulk(&mut cmd, b"SELECT");
            bulk(&mut cmd, dbid.to_string().as_bytes());
        }
        // RESTORE key ttl payload [REPLACE] for each key still alive (relative TTL).
        let now = ctx.now_ms() as i64;
        let compress = ctx.st.config.rdbcompression;
        let db = ctx.client.db;
        keys.retain(|k| {
            let d = &ctx.st.dbs[db];
            let Some(slot) = d.keys.find(k) else { return false };
            let mut ttl = 0;
            if let Some(at) = d.keys.expire_at(slot) {
                ttl = at as i64 - now;
                if ttl < 0 {
                    return false;
                }
                ttl = ttl.max(1);
            }
            let payload = crate::rdb::dump_value(&d.keys.entry(slot).value, compress);
            count(&mut cmd, if opts.replace { 5 } else { 4 });
            bulk(&mut cmd, b"RESTORE");
            bulk(&mut cmd, k);
            bulk(&mut cmd, ttl.to_string().as_bytes());
            bulk(&mut cmd, &payload);
            if opts.replace {
                bulk(&mut cmd, b"REPLACE");
            }
            true
        });

        let mut write_error = false;
        let err: LinkError = 'io: {
            if let Err(e) = link.write(host, port, &cmd, timeout) {
                write_error = true;
                break 'io e;
            }
            let mut auth_reply = Vec::new();
            if opts.password.is_some() {
                match link.read_line(host, port, timeout) {
                    Ok(l) if !l.is_empty() => auth_reply = l,
                    Ok(_) => break 'io LinkError::Broken,
                    Err(e) => break 'io e,
                }
            }
            let mut select_reply = Vec::new();
            if select {
                match link.read_line(host, port, timeout) {
                    Ok(l) if !l.is_empty() => select_reply = l,
                    Ok(_) => break 'io LinkError::Broken,
                    Err(e) => break 'io e,
                }
            }
            let mut target_error: Option<Vec<u8>> = None;
            let mut socket_error: Option<LinkError> = None;
            let mut deleted: Vec<&[u8]> = Vec::new();
            let mut read = 0;
            for &k in keys.iter() {
                let line = match link.read_line(host, port, timeout) {
                    Ok(l) if !l.is_empty() => l,
                    Ok(_) => {
                        socket_error = Some(LinkError::Broken);
                        break;
                    }
                    Err(e) => {
                        socket_error = Some(e);
                        break;
                    }
                };
                read += 1;
                let failed = [&auth_reply, &select_reply, &line].into_iter().find(|l| l.first() == Some(&b'-'));
                if let Some(e) = failed {
                    if target_error.is_none() {
                        link.set_last_db(host, port, None);
                        target_error = Some(e[1..].to_vec());
                    }
                } else if !opts.copy {
                    let now = ctx.now_ms();
                    if ctx.db().remove(k, now).is_some() {
                        ctx.key_event(notify::GENERIC, "del", k);
                    }
                    deleted.push(k);
                }
            }
            if target_error.is_none() && read == 0 && may_retry && socket_error == Some(LinkError::Broken) {
                break 'io LinkError::Broken;
            }
            if socket_error.is_some() {
                link.close(host, port);
            }
            if !deleted.is_empty() {
                let mut argv: Vec<&[u8]> = vec![b"DEL"];
                argv.extend(deleted);
                ctx.propagate_as(&argv);
            } else {
                ctx.prevent_propagation();
            }
            if let (None, Some(e)) = (&target_error, socket_error) {
                // No retry after keys were acknowledged.
                let _ = e;
                return Err(CmdError::other("IOERR error or timeout reading to target instance"));
            }
            return match target_error {
                None => {
                    link.set_last_db(host, port, Some(dbid));
                    Ok(Reply::ok())
                }
                Some(e) => {
                    let mut msg = b"ERR Target instance replied with error: ".to_vec();
                    msg.extend_from_slice(&e);
                    Err(CmdError::other(String::from_utf8_lossy(&msg).into_owned()))
                }
            };
        };
        link.close(host, port);
        if err != LinkError::TimedOut && may_retry {
            may_retry = false;
            continue;
        }
        let what = if write_error { "writing" } else { "reading" };
        return Err(CmdError::other(format!("IOERR error or timeout {what} to target instance")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::TestEngine;
    use std::cell::RefCell;
    use std::rc::Rc;

    /// A scripted link: each read pops a reply; `Err` entries are socket errors.
    #[derive(Default)]
    struct Fake {
        replies: Vec<Result<Vec<u8>, LinkError>>,
        sent: Rc<RefCell<Vec<Vec<u8>>>>,
        open: bool,
        last_db: Option<i64>,
        connects: Rc<RefCell<usize>>,
    }

    impl MigrateLink for Fake {
        fn connect(&mut self, _: &[u8], _: &[u8], _: u64) -> Result<Option<i64>, ConnectError> {
            *self.connects.borrow_mut() += 1;
            if !self.open {
                self.open = true;
                self.last_db = None;
            }
            Ok(self.last_db)
        }
        fn write(&mut self, _: &[u8], _: &[u8], b: &[u8], _: u64) -> Result<(), LinkError> {
            self.sent.borrow_mut().push(b.to_vec());
            Ok(())
        }
        fn read_line(&mut self, _: &[u8], _: &[u8], _: u64) -> Result<Vec<u8>, LinkError> {
            if self.replies.is_empty() {
                return Err(LinkError::TimedOut);
            }
            self.replies.remove(0)
        }
        fn set_last_db(&mut self, _: &[u8], _: &[u8], db: Option<i64>) {
            self.last_db = db;
        }
        fn close(&mut self, _: &[u8], _: &[u8]) {
            self.open = false;
        }
        fn cached(&self) -> usize {
            usize::from(self.open)
        }
    }

    fn ok() -> Result<Vec<u8>, LinkError> {
        Ok(b"+OK".to_vec())
    }

    #[test]
    fn retries_once_and_propagates_del_of_acknowledged_keys() {
        let mut t = TestEngine::new();
        t.cmd(&["MSET", "a", "1", "b", "2"]);
        let sent = Rc::new(RefCell::new(Vec::new()));
        let connects = Rc::new(RefCell::new(0));
        // First attempt: the connection breaks before the first reply (retried); then
        // SELECT ok, `a` restored, `b` refused by the target.
        let replies =
            vec![Err(LinkError::Broken), ok(), ok(), Ok(b"-BUSYKEY Target key name already exists.".to_vec())];
        let fake = Fake { replies, sent: sent.clone(), connects: connects.clone(), ..Fake::default() };
        t.eng.state.migrate_link = Some(Box::new(fake));
        t.eng.set_propagation(true);
        let r = t.resp(&["MIGRATE", "h", "1", "", "0", "10", "KEYS", "a", "b", "c"]);
        assert_eq!(r, "-ERR Target instance replied with error: BUSYKEY Target key name already exists.\r\n");
        assert_eq!(*connects.borrow(), 2);
        let sent = sent.borrow().clone();
        assert_eq!(sent.len(), 2);
        assert!(sent[1].starts_with(b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*4\r\n$7\r\nRESTORE\r\n$1\r\na\r\n$1\r\n0\r\n"));
        let ops = t.eng.take_propagated();
        assert_eq!(ops.len(), 1);
        assert_eq!(ops[0].argv, vec![b"DEL".to_vec(), b"a".to_vec()]);
        assert_eq!(t.resp(&["EXISTS", "a", "b"]), ":1\r\n");
        // A timeout is not retried; nothing left: NOKEY.
        assert_eq!(
            t.resp(&["MIGRATE", "h", "1", "b", "0", "10"]),
            "-IOERR error or timeout reading to target instance\r\n"
        );
        assert_eq!(*connects.borrow(), 3);
        assert_eq!(t.resp(&["MIGRATE", "h", "1", "zz", "0", "10"]), "+NOKEY\r\n");
    }

    #[test]
    fn without_a_link_the_error_is_ioerr() {
        let mut t = TestEngine::new();
        t.cmd(&["SET", "a", "1"]);
        assert_eq!(t.resp(&["MIGRATE", "h", "1", "a", "0", "10"]), format!("-{NO_LINK_ERROR}\r\n"));
        assert_eq!(t.resp(&["MIGRATE", "h", "1", "b", "0", "10"]), "+NOKEY\r\n");
    }

    #[test]
    fn options_in_redis_order() {
        let k: &[u8] = b"k";
        assert!(matches!(parse_options(k, &[b"auth"]), Err(CmdError::Syntax)));
        assert!(matches!(parse_options(k, &[b"auth2", b"u"]), Err(CmdError::Syntax)));
        assert!(matches!(parse_options(k, &[b"bogus"]), Err(CmdError::Syntax)));
        assert!(matches!(parse_options(k, &[b"keys", b"a"]), Err(CmdError::Other(_))));
        let o = parse_options(b"", &[b"COPY", b"replace", b"AUTH2", b"u", b"p", b"KEYS", b"a", b"b"]).ok().unwrap();
        assert!(o.copy && o.replace);
        assert_eq!(o.username, Some(&b"u"[..]));
        assert_eq!(o.password, Some(&b"p"[..]));
        assert_eq!(o.keys, vec![&b"a"[..], &b"b"[..]]);
    }
}
