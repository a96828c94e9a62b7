//! Client-side caching's side in the engine: which keys a read command makes a client
//! track (`remember_keys`), and turning the tracking table's invalidations into pushes
//! to connected clients (`deliver`). The table itself is [`crate::tracking::Tracking`],
//! which knows nothing of clients or commands.

use crate::client::{Client, ClientHandle, ClientTable};
use crate::cmd::spec::{flags, CommandSpec};
use crate::engine::EngineState;
use crate::reply::Reply;
use crate::tracking::{Invalidation, Msg};

/// Redis's `trackingRememberKeys` for the caller of a script that read a key: the keys its
/// EVAL/FCALL declared (not the keys the script's commands named).
pub fn remember_script_keys(st: &mut EngineState, client: &Client, keys: &[&[u8]]) {
    let Some(t) = client.tracking.as_deref() else { return };
    if t.bcast || (t.optin && !t.caching) || (t.optout && t.caching) || keys.is_empty() {
        return;
    }
    st.drain_key_events();
    for k in keys {
        st.tracking.remember(client.id, k);
    }
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

/// Redis's `trackingLimitUsedSlots` where Redis calls it: in `processCommand`, before the
/// command of the client that is `st.tracking.current` runs, and in `serverCron` (no
/// current client). Its invalidations go out with the next [`deliver`].
#[inline]
pub fn limit_table(st: &mut EngineState) {
    let max = st.config.tracking_table_max_keys;
    if st.tracking.over_limit(max) {
        let at = st.pubsub.pushes_len();
        st.tracking.limit(max, at);
    }
}

/// Turns the queued invalidations and BCAST keys into pushes. `current` is the client
/// whose command just ran (its own invalidations follow its reply), if any.
pub fn deliver(st: &mut EngineState, clients: &mut ClientTable, current: Option<ClientHandle>) {
    // BCAST NOLOOP clients get no keys they changed themselves.
    let noloop: Vec<u64> =
        clients.iter().filter(|(_, c)| c.tracking.as_deref().is_some_and(|t| t.noloop)).map(|(_, c)| c.id).collect();
    let msgs = st.tracking.collect(|id| noloop.contains(&id));
    if msgs.is_empty() {
        return;
    }
    let cur_id = current.and_then(|h| clients.get(h)).map_or(0, |c| c.id);
    // Each push inserted into the outbox moves the later positions by one.
    let mut shift = 0;
    for Invalidation { id, to: h, msg, at, early, by } in msgs {
        let Some(t) = clients.get(h).and_then(|c| c.tracking.as_deref()) else { continue };
        if let Msg::Key(_) = msg {
            if t.bcast || (t.noloop && (id == cur_id || id == by)) {
                continue;
            }
        }
        // Redis's `tracking_pending_keys`: only while the client's own command runs. A
        // client served after blocking (BLMOVE) ran its command during this one: its own
        // invalidations follow its wake-up reply, in the one ordered wake-up stream.
        let served = by != 0 && id == by && id != cur_id && !early;
        let late = (id == cur_id && !early) || served;
        if let Some((to, push, late)) = message(clients, h, msg, late) {
            if late && served {
                st.blocking.push_wakeup(to, push);
            } else if late {
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

    /// Redis's "Unblocked BLMOVE gets notification after response": the served client's
    /// invalidation of the key its BLMOVE pushed to follows its wake-up reply, in the
    /// wake-up stream; the writer's own key is invalidated for the waiter before that.
    #[test]
    fn a_served_client_gets_its_own_invalidations_after_its_wakeup_reply() {
        let mut t = TestEngine::new();
        let writer = t.connect();
        let me = t.client;
        t.cmd_as(writer, &["RPUSH", "dst", "a"]);
        t.cmd(&["HELLO", "3"]);
        t.cmd(&["CLIENT", "TRACKING", "on"]);
        t.cmd(&["LRANGE", "dst", "0", "-1"]);
        t.cmd(&["LRANGE", "src", "0", "-1"]);
        assert_eq!(
            t.eng.execute(me, &[b"BLMOVE", b"src", b"dst", b"LEFT", b"LEFT", b"0"]),
            crate::reply::Reply::Blocked
        );
        t.cmd_as(writer, &["RPUSH", "src", "foo"]);
        // The writer's change of `src` reaches the waiter at once (not its own change).
        assert_eq!(pushes(&mut t), (vec![(me, inv(&["src"]))], vec![]));
        let wakeups: Vec<(ClientHandle, String)> = t
            .eng
            .take_wakeups()
            .into_iter()
            .map(|(h, r)| (h, String::from_utf8_lossy(&r.to_resp(3)).into_owned()))
            .collect();
        assert_eq!(wakeups, vec![(me, "$3\r\nfoo\r\n".to_string()), (me, inv(&["dst"]))]);
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
    fn table_limit_applies_before_the_next_command_and_in_the_tick() {
        let mut t = TestEngine::new();
        let me = t.client;
        t.cmd(&["HELLO", "3"]);
        t.cmd(&["CONFIG", "SET", "tracking-table-max-keys", "1"]);
        t.cmd(&["CLIENT", "TRACKING", "on"]);
        t.cmd(&["GET", "a"]);
        assert_eq!(pushes(&mut t), (vec![], vec![]));
        // Over the limit after GET b: nothing until the next command...
        t.cmd(&["GET", "b"]);
        assert_eq!(pushes(&mut t), (vec![], vec![]));
        assert_eq!(t.eng.state.tracking.total_keys(), 2);
        // ...whose reply the invalidation precedes (Redis's `processCommand`).
        assert_eq!(t.resp3(&["PING"]), "+PONG\r\n");
        let (before, after) = pushes(&mut t);
        assert!(after.is_empty(), "{after:?}");
        assert!(before == vec![(me, inv(&["a"]))] || before == vec![(me, inv(&["b"]))], "{before:?}");
        assert_eq!(t.eng.state.tracking.total_keys(), 1);
        // Or the tick (Redis's `serverCron`), when the client stays idle.
        t.cmd(&["GET", "c"]);
        assert_eq!(pushes(&mut t), (vec![], vec![]));
        t.tick();
        let (before, after) = pushes(&mut t);
        assert!(before.len() == 1 && before[0].0 == me && after.is_empty(), "{before:?} {after:?}");
        assert_eq!(t.eng.state.tracking.total_keys(), 1);
    }

    /// unit/tracking "Tracking gets notification on tracking table key eviction": a NOLOOP
    /// client lowers the limit with CONFIG SET and waits on its redirect target. The
    /// eviction is not its own change: the target must get it (it waited forever when the
    /// limit ran right after CONFIG SET, where NOLOOP dropped the message).
    #[test]
    fn table_limit_lowered_by_a_noloop_client_reaches_its_redirect_target() {
        let mut t = TestEngine::new();
        let sub = t.connect();
        t.cmd_as(sub, &["SUBSCRIBE", "__redis__:invalidate"]);
        t.eng.take_pushes();
        let sub_id = t.eng.client(sub).unwrap().id.to_string();
        assert_eq!(t.resp(&["CLIENT", "TRACKING", "on", "REDIRECT", &sub_id, "NOLOOP"]), "+OK\r\n");
        t.cmd(&["MSET", "key1", "1", "key2", "2"]);
        t.cmd(&["MGET", "key1", "key2"]);
        assert_eq!(t.resp(&["CONFIG", "SET", "tracking-table-max-keys", "1"]), "+OK\r\n");
        assert_eq!(pushes(&mut t), (vec![], vec![]));
        t.tick();
        let msg = t.eng.take_pushes();
        assert_eq!(msg.len(), 1, "{msg:?}");
        assert_eq!(msg[0].0, sub);
        let text = String::from_utf8_lossy(&msg[0].1.to_resp(2)).into_owned();
        assert!(text.starts_with("*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$4\r\nkey"), "{text}");
        assert_eq!(t.eng.state.tracking.total_keys(), 1);
        // Before the NOLOOP client's own next command, its evicted keys are its own:
        // Redis skips them (the client is `current_client`).
        t.cmd(&["GET", "key3"]);
        t.cmd(&["PING"]);
        assert_eq!(pushes(&mut t), (vec![], vec![]));
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

    #[test]
    fn list_pops_and_sorted_set_removals_invalidate_without_other_hooks() {
        let mut t = TestEngine::new();
        let other = t.connect();
        t.cmd(&["HELLO", "3"]);
        t.cmd(&["CLIENT", "TRACKING", "on"]);
        t.cmd_as(other, &["RPUSH", "l", "a", "b"]);
        t.cmd_as(other, &["ZADD", "z", "1", "m"]);
        t.cmd(&["LRANGE", "l", "0", "-1"]);
        t.cmd(&["ZRANGE", "z", "0", "-1"]);
        pushes(&mut t);
        let me = t.client;
        t.cmd_as(other, &["LPOP", "l"]);
        assert_eq!(pushes(&mut t), (vec![(me, inv(&["l"]))], vec![]));
        t.cmd_as(other, &["ZREM", "z", "m"]);
        assert_eq!(pushes(&mut t), (vec![(me, inv(&["z"]))], vec![]));
    }
}
