//! `CLIENT TRACKING`, `CACHING`, `GETREDIR`, `TRACKINGINFO`: client-side caching settings
//! (the state and invalidations live in [`crate::tracking`]).

use crate::bytes::SBytes;
use crate::cmd::{is, Args, Ctx};
use crate::error::{CmdError, CmdResult};
use crate::reply::Reply;
use crate::tracking::{ClientTracking, Tracking};

/// Whether a client with id `id` is connected (the caller included).
fn client_exists(ctx: &Ctx, id: i64) -> bool {
    ctx.client.id as i64 == id || ctx.clients.iter().any(|(_, c)| c.id as i64 == id)
}

/// `CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p ...] [BCAST] [OPTIN] [OPTOUT] [NOLOOP]`,
/// with Redis 7.0's checks in its order: options (REDIRECT checked as it is parsed),
/// then ON/OFF, then the combinations.
pub fn client_tracking(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let on_off = args.take();
    let mut opts = ClientTracking::default();
    let mut prefixes: Vec<&[u8]> = Vec::new();
    while let Some(a) = args.next() {
        let more = args.has_more();
        if is(a, "redirect") && more {
            if opts.redirect != 0 {
                return Err(CmdError::other("ERR A client can only redirect to a single other client"));
            }
            let id = args.next_i64()?;
            if !client_exists(ctx, id) {
                return Err(CmdError::other("ERR The client ID you want redirect to does not exist"));
            }
            opts.redirect = id as u64;
        } else if is(a, "bcast") {
            opts.bcast = true;
        } else if is(a, "optin") {
            opts.optin = true;
        } else if is(a, "optout") {
            opts.optout = true;
        } else if is(a, "noloop") {
            opts.noloop = true;
        } else if is(a, "prefix") && more {
            prefixes.push(args.take());
        } else {
            return Err(CmdError::Syntax);
        }
    }
    if is(on_off, "on") {
        if !opts.bcast && !prefixes.is_empty() {
            return Err(CmdError::other("ERR PREFIX option requires BCAST mode to be enabled"));
        }
        let cur = ctx.client.tracking.as_deref();
        if cur.is_some_and(|t| t.bcast != opts.bcast) {
            return Err(CmdError::other(
                "ERR You can't switch BCAST mode on/off before disabling tracking for this client, \
                 and then re-enabling it with a different mode.",
            ));
        }
        if opts.bcast && (opts.optin || opts.optout) {
            return Err(CmdError::other("ERR OPTIN and OPTOUT are not compatible with BCAST"));
        }
        if opts.optin && opts.optout {
            return Err(CmdError::other("ERR You can't specify both OPTIN mode and OPTOUT mode"));
        }
        if cur.is_some_and(|t| (opts.optin && t.optout) || (opts.optout && t.optin)) {
            return Err(CmdError::other(
                "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, \
                 and then re-enabling it with a different mode.",
            ));
        }
        if opts.bcast {
            let existing: &[SBytes] = cur.map_or(&[], |t| &t.prefixes);
            Tracking::check_prefixes(existing, &prefixes).map_err(CmdError::other)?;
        }
        ctx.st.tracking.enable(ctx.client.id, ctx.client.handle, &mut ctx.client.tracking, opts, &prefixes);
    } else if is(on_off, "off") {
        ctx.st.tracking.disable(ctx.client.id, &mut ctx.client.tracking);
    } else {
        return Err(CmdError::Syntax);
    }
    Ok(Reply::ok())
}

/// `CLIENT CACHING YES|NO`: track (OPTIN) or skip (OPTOUT) the keys of the next command.
pub fn client_caching(ctx: &mut Ctx, args: &mut Args) -> CmdResult {
    let Some(t) = ctx.client.tracking.as_deref_mut() else {
        return Err(CmdError::other(
            "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled",
        ));
    };
    let v = args.take();
    if is(v, "yes") {
        if !t.optin {
            return Err(CmdError::other(
                "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.",
            ));
        }
    } else if is(v, "no") {
        if !t.optout {
            return Err(CmdError::other(
                "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.",
            ));
        }
    } else {
        return Err(CmdError::Syntax);
    }
    t.caching = true;
    Ok(Reply::ok())
}

/// The redirect id Redis reports: the target (0 for none) when tracking is on, else -1.
pub(crate) fn redirect_of(t: Option<&ClientTracking>) -> i64 {
    t.map_or(-1, |t| t.redirect as i64)
}

/// `CLIENT GETREDIR`.
pub fn client_getredir(ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    Ok(Reply::Int(redirect_of(ctx.client.tracking.as_deref())))
}

/// `CLIENT TRACKINGINFO`: flags, redirect and prefixes of the caller.
pub fn client_trackinginfo(ctx: &mut Ctx, _args: &mut Args) -> CmdResult {
    let t = ctx.client.tracking.as_deref();
    let mut fl = vec![Reply::bulk(if t.is_some() { b"on".as_slice() } else { b"off" })];
    if let Some(t) = t {
        let mut add = |on: bool, name: &str| {
            if on {
                fl.push(Reply::bulk(name.as_bytes()));
            }
        };
        add(t.bcast, "bcast");
        add(t.optin, "optin");
        add(t.optin && t.caching, "caching-yes");
        add(t.optout, "optout");
        add(t.optout && t.caching, "caching-no");
        add(t.noloop, "noloop");
        add(t.broken_redir, "broken_redirect");
    }
    let prefixes = t.map_or(Vec::new(), |t| t.prefixes.iter().map(|p| Reply::bulk(p.as_slice())).collect());
    Ok(Reply::Map(vec![
        (Reply::bulk(b"flags"), Reply::Set(fl)),
        (Reply::bulk(b"redirect"), Reply::Int(redirect_of(t))),
        (Reply::bulk(b"prefixes"), Reply::Array(prefixes)),
    ]))
}
