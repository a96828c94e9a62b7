//! `LATENCY DOCTOR/GRAPH/HISTORY/LATEST/RESET/HISTOGRAM/HELP` over [`crate::latency`].

use super::help_reply;
use crate::cmd::{all_commands, lookup, Args, CommandSpec, Ctx};
use crate::error::{CmdError, CmdResult};
use crate::latency::{CommandHistogram, LatencyMonitor};
use crate::reply::Reply;

/// `LATENCY HELP`.
pub fn latency_help(_ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Ok(help_reply(&[
        "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DOCTOR",
        "    Return a human readable latency analysis report.",
        "GRAPH <event>",
        "    Return an ASCII latency graph for the <event> class.",
        "HISTORY <event>",
        "    Return time-latency samples for the <event> class.",
        "LATEST",
        "    Return the latest latency samples for all events.",
        "RESET [<event> ...]",
        "    Reset latency data of one or more <event> classes.",
        "    (default: reset all data for all event classes)",
        "HISTOGRAM [COMMAND ...]",
        "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
        "    If no commands are specified then all histograms are replied.",
        "HELP",
        "    Prints this help.",
    ]))
}

fn now_s(ctx: &Ctx) -> u64 {
    ctx.st.now_us / 1_000_000
}

/// `LATENCY HISTORY event`: `[time, latency]` pairs, oldest first.
pub fn latency_history(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let event = args.take();
    let Some((_, s)) = ctx.st.introspection.latency.series(event) else {
        return Ok(Reply::Array(vec![]));
    };
    Ok(Reply::Array(
        s.samples().map(|x| Reply::Array(vec![Reply::Int(x.time as i64), Reply::Int(x.latency as i64)])).collect(),
    ))
}

/// `LATENCY LATEST`: per event its name, last sample's time and latency, and maximum.
pub fn latency_latest(ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Ok(Reply::Array(
        ctx.st
            .introspection
            .latency
            .events()
            .map(|(e, s)| {
                let last = s.latest();
                Reply::Array(vec![
                    Reply::bulk(e.as_bytes()),
                    Reply::Int(last.time as i64),
                    Reply::Int(last.latency as i64),
                    Reply::Int(s.max as i64),
                ])
            })
            .collect(),
    ))
}

/// `LATENCY RESET [event ...]`: how many events were forgotten.
pub fn latency_reset(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let m = &mut ctx.st.introspection.latency;
    if !args.has_more() {
        return Ok(Reply::Int(m.reset(None) as i64));
    }
    Ok(Reply::Int(args.take_rest().iter().map(|e| m.reset(Some(e))).sum::<usize>() as i64))
}

/// `LATENCY GRAPH event`.
pub fn latency_graph(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let event = args.take();
    let now = now_s(ctx);
    match ctx.st.introspection.latency.series(event) {
        Some((e, s)) => Ok(Reply::Verbatim("txt", LatencyMonitor::graph(e, s, now).into_bytes())),
        None => {
            Err(CmdError::other(format!("ERR No samples available for event '{}'", String::from_utf8_lossy(event))))
        }
    }
}

/// `LATENCY DOCTOR`.
pub fn latency_doctor(ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    let report = super::latency_doctor::report(ctx.st, now_s(ctx));
    Ok(Reply::Verbatim("txt", report.into_bytes()))
}

/// One command's `calls` and `histogram_usec` map (Redis's `fillCommandCDF`).
fn cdf_reply(h: &CommandHistogram) -> Reply {
    Reply::Map(vec![
        (Reply::bulk(b"calls"), Reply::Int(h.calls() as i64)),
        (
            Reply::bulk(b"histogram_usec"),
            Reply::Map(h.cdf().into_iter().map(|(us, n)| (Reply::Int(us as i64), Reply::Int(n as i64))).collect()),
        ),
    ])
}

/// `LATENCY HISTOGRAM [command ...]`: the histograms of the named commands (a container
/// also gives its subcommands'), or of every command; unknown names are skipped.
pub fn latency_histogram(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let hs = &ctx.st.introspection.histograms;
    let mut out = Vec::new();
    let mut add = |spec: &CommandSpec| {
        if let Some(h) = hs.get(spec.id as usize) {
            out.push((Reply::bulk(spec.name.as_bytes()), cdf_reply(h)));
        }
    };
    if !args.has_more() {
        all_commands().for_each(&mut add);
    } else {
        for name in args.take_rest() {
            let Some(spec) = lookup_full_name(name) else { continue };
            add(spec);
            spec.subcommands.iter().for_each(&mut add);
        }
    }
    Ok(Reply::Map(out))
}

/// Redis's `lookupCommandBySds`: `name` or `container|sub`.
pub(crate) fn lookup_full_name(name: &[u8]) -> Option<&'static CommandSpec> {
    match name.iter().position(|&b| b == b'|') {
        None => lookup(name),
        Some(i) => {
            let top = lookup(&name[..i])?;
            let sub = &name[i + 1..];
            if sub.contains(&b'|') {
                return None;
            }
            top.subcommand(sub)
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::reply::Reply;
    use crate::testkit::TestEngine;

    fn names(r: Reply) -> Vec<Vec<u8>> {
        match r {
            Reply::Map(m) => m
                .into_iter()
                .map(|(k, _)| match k {
                    Reply::Bulk(b) => b,
                    o => panic!("{:?}", o),
                })
                .collect(),
            o => panic!("{:?}", o),
        }
    }

    #[test]
    fn histograms_follow_commands_and_resetstat() {
        let mut t = TestEngine::new();
        t.cmd(&["CONFIG", "RESETSTAT"]);
        assert_eq!(names(t.cmd(&["LATENCY", "HISTOGRAM"])), [b"config|resetstat".to_vec()]);
        t.cmd(&["SET", "a", "b"]);
        t.cmd(&["SET", "a", "b"]);
        t.cmd(&["CLIENT", "ID"]);
        assert_eq!(names(t.cmd(&["LATENCY", "HISTOGRAM", "client"])), [b"client|id".to_vec()]);
        assert_eq!(names(t.cmd(&["LATENCY", "HISTOGRAM", "nosuch", "set", "get"])), [b"set".to_vec()]);
        let Reply::Map(m) = t.cmd(&["LATENCY", "HISTOGRAM", "set"]) else { panic!() };
        let Reply::Map(fields) = &m[0].1 else { panic!() };
        assert_eq!(fields[0], (Reply::bulk(b"calls"), Reply::Int(2)));
        t.cmd(&["CONFIG", "SET", "latency-tracking", "no"]);
        t.cmd(&["CONFIG", "RESETSTAT"]);
        t.cmd(&["GET", "a"]);
        assert!(names(t.cmd(&["LATENCY", "HISTOGRAM"])).is_empty());
    }

    #[test]
    fn events_history_latest_reset_and_errors() {
        let mut t = TestEngine::new();
        assert_eq!(t.cmd(&["LATENCY", "LATEST"]), Reply::Array(vec![]));
        assert_eq!(t.cmd(&["LATENCY", "HISTORY", "command"]), Reply::Array(vec![]));
        assert_eq!(
            t.cmd(&["LATENCY", "GRAPH", "command"]),
            Reply::error("ERR No samples available for event 'command'")
        );
        t.eng.state.introspection.latency.add("command", 300, 1_700_000_000);
        let Reply::Array(l) = t.cmd(&["LATENCY", "LATEST"]) else { panic!() };
        assert_eq!(
            l[0],
            Reply::Array(vec![Reply::bulk(b"command"), Reply::Int(1_700_000_000), Reply::Int(300), Reply::Int(300)])
        );
        assert_eq!(t.cmd(&["LATENCY", "RESET", "nosuch"]), Reply::Int(0));
        assert_eq!(t.cmd(&["LATENCY", "RESET"]), Reply::Int(1));
        assert_eq!(
            t.cmd(&["LATENCY", "HELP", "x"]),
            Reply::error("ERR wrong number of arguments for 'latency|help' command")
        );
    }
}
