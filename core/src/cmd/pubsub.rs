//! SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH, SSUBSCRIBE, SUNSUBSCRIBE,
//! SPUBLISH and PUBSUB (Redis 7.0 `pubsub.c`). Confirmations and messages are pushes (see
//! [`crate::pubsub`]); the subscribe family itself replies nothing.

use super::{Args, CommandSpec, Ctx};
use crate::client::Client;
use crate::error::{CmdError, CmdResult};
use crate::pubsub::Kind;
use crate::reply::Reply;

/// RESP2 subscribed mode: only these commands run (Redis's `processCommand` list).
fn allowed_in_subscribed_mode(spec: &CommandSpec) -> bool {
    matches!(
        spec.name,
        "ping"
            | "subscribe"
            | "ssubscribe"
            | "unsubscribe"
            | "sunsubscribe"
            | "psubscribe"
            | "punsubscribe"
            | "quit"
            | "reset"
    )
}

/// The error for a command a RESP2 client in subscribed mode may not run, if it may not.
#[inline]
pub fn subscribed_mode_error(client: &Client, spec: &CommandSpec) -> Option<Reply> {
    client.pubsub.as_ref()?;
    subscribed_refusal(client, spec)
}

#[inline(never)]
fn subscribed_refusal(client: &Client, spec: &CommandSpec) -> Option<Reply> {
    if client.resp != 2 || allowed_in_subscribed_mode(spec) {
        return None;
    }
    Some(Reply::error(format!(
        "ERR Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
        spec.name
    )))
}

fn subscribe_generic(ctx: &mut Ctx, args: &mut Args, kind: Kind) -> CmdResult {
    while let Some(name) = args.next() {
        ctx.st.pubsub.subscribe(ctx.client.handle, &mut ctx.client.pubsub, kind, name);
    }
    Ok(Reply::NoReply)
}

fn unsubscribe_generic(ctx: &mut Ctx, args: &mut Args, kind: Kind) -> CmdResult {
    if !args.has_more() {
        ctx.st.pubsub.unsubscribe_all(ctx.client.handle, &mut ctx.client.pubsub, kind, true);
    } else {
        while let Some(name) = args.next() {
            ctx.st.pubsub.unsubscribe(ctx.client.handle, &mut ctx.client.pubsub, kind, name, true);
        }
    }
    Ok(Reply::NoReply)
}

/// `SUBSCRIBE channel [channel ...]`.
pub fn subscribe(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    subscribe_generic(ctx, args, Kind::Channel)
}

/// `UNSUBSCRIBE [channel ...]`.
pub fn unsubscribe(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    unsubscribe_generic(ctx, args, Kind::Channel)
}

/// `PSUBSCRIBE pattern [pattern ...]`.
pub fn psubscribe(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    subscribe_generic(ctx, args, Kind::Pattern)
}

/// `PUNSUBSCRIBE [pattern ...]`.
pub fn punsubscribe(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    unsubscribe_generic(ctx, args, Kind::Pattern)
}

/// `SSUBSCRIBE shardchannel [shardchannel ...]`: refused inside EXEC, as Redis refuses
/// it for a client that may not block.
pub fn ssubscribe(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    if ctx.client.deny_blocking {
        return Err(CmdError::other("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client"));
    }
    subscribe_generic(ctx, args, Kind::Shard)
}

/// `SUNSUBSCRIBE [shardchannel ...]`.
pub fn sunsubscribe(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    unsubscribe_generic(ctx, args, Kind::Shard)
}

/// `PUBLISH channel message`: the number of clients that received it.
pub fn publish(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let n = ctx.st.pubsub.publish(args.take(), args.take());
    // Forced to the replicas (not the AOF), as Redis does outside cluster mode.
    ctx.propagate_to_replicas();
    Ok(Reply::Int(n))
}

/// `SPUBLISH shardchannel message`: the number of clients that received it.
pub fn spublish(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let n = ctx.st.pubsub.spublish(args.take(), args.take());
    // Forced to the replicas (not the AOF), as Redis does outside cluster mode.
    ctx.propagate_to_replicas();
    Ok(Reply::Int(n))
}

/// PUBSUB CHANNELS / SHARDCHANNELS: at most one pattern.
fn channels_generic(ctx: &mut Ctx, args: &mut Args, kind: Kind) -> CmdResult {
    let pattern = args.next();
    if args.has_more() {
        return Err(CmdError::other(format!(
            "ERR unknown subcommand or wrong number of arguments for '{}'. Try PUBSUB HELP.",
            super::c_str_128(args.subcommand_name())
        )));
    }
    let names = ctx.st.pubsub.active(kind, pattern);
    Ok(Reply::Array(names.into_iter().map(Reply::bulk).collect()))
}

/// `PUBSUB CHANNELS [pattern]`.
pub fn pubsub_channels(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    channels_generic(ctx, args, Kind::Channel)
}

/// `PUBSUB SHARDCHANNELS [pattern]`.
pub fn pubsub_shardchannels(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    channels_generic(ctx, args, Kind::Shard)
}

fn numsub_generic(ctx: &mut Ctx, args: &mut Args, kind: Kind) -> CmdResult {
    let channels = args.take_rest();
    let mut out = Vec::with_capacity(channels.len() * 2);
    for ch in channels {
        out.push(Reply::bulk(ch));
        out.push(Reply::Int(ctx.st.pubsub.numsub(kind, ch)));
    }
    Ok(Reply::Array(out))
}

/// `PUBSUB NUMSUB [channel ...]`: flat `channel, count` pairs.
pub fn pubsub_numsub(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    numsub_generic(ctx, args, Kind::Channel)
}

/// `PUBSUB SHARDNUMSUB [shardchannel ...]`.
pub fn pubsub_shardnumsub(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    numsub_generic(ctx, args, Kind::Shard)
}

/// `PUBSUB NUMPAT`: the number of distinct subscribed patterns.
pub fn pubsub_numpat(ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Ok(Reply::Int(ctx.st.pubsub.numpat()))
}

/// `PUBSUB HELP`.
pub fn pubsub_help(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    const LINES: &[&str] = &[
        "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        "    Return the currently active shard level channels matching a <pattern> (default: '*').",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level channel(s)",
        "HELP",
        "    Prints this help.",
    ];
    Ok(Reply::Array(LINES.iter().map(|l| Reply::simple(l)).collect()))
}

#[cfg(test)]
mod tests {
    use crate::testkit::TestEngine;

    fn pushes(t: &mut TestEngine) -> Vec<String> {
        t.eng.take_pushes().into_iter().map(|(_, r)| String::from_utf8_lossy(&r.to_resp(2)).into_owned()).collect()
    }

    #[test]
    fn subscribe_publish_and_patterns() {
        let mut t = TestEngine::new();
        let pubr = t.connect();
        assert_eq!(t.resp(&["SUBSCRIBE", "news", "x"]), "");
        assert_eq!(
            pushes(&mut t),
            ["*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n", "*3\r\n$9\r\nsubscribe\r\n$1\r\nx\r\n:2\r\n"]
        );
        assert_eq!(t.resp(&["PSUBSCRIBE", "n*"]), "");
        pushes(&mut t);
        assert_eq!(t.run_as(pubr, "PUBLISH news hi"), crate::reply::Reply::Int(2));
        assert_eq!(
            pushes(&mut t),
            [
                "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n",
                "*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$2\r\nhi\r\n"
            ]
        );
        assert!(t.resp(&["GET", "k"]).starts_with("-ERR Can't execute 'get'"));
        assert_eq!(t.resp(&["PING"]), "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
        assert_eq!(t.run_as(pubr, "PUBSUB NUMPAT"), crate::reply::Reply::Int(1));
        t.eng.disconnect(t.client);
        assert_eq!(t.run_as(pubr, "PUBLISH news hi"), crate::reply::Reply::Int(0));
        assert_eq!(t.run_as(pubr, "PUBSUB NUMPAT"), crate::reply::Reply::Int(0));
    }

    #[test]
    fn keyspace_events_are_published() {
        let mut t = TestEngine::new();
        let sub = t.connect();
        t.run_as(sub, "PSUBSCRIBE __key*__:*");
        t.eng.take_pushes();
        t.cmd(&["CONFIG", "SET", "notify-keyspace-events", "KEA"]);
        t.cmd(&["RPUSH", "l", "a"]);
        t.cmd(&["LPOP", "l"]);
        let got: Vec<String> =
            pushes(&mut t).into_iter().map(|s| s.split("\r\n").nth(8).unwrap().to_string()).collect();
        assert_eq!(got, ["rpush", "l", "lpop", "l", "del", "l"]);
    }
}
