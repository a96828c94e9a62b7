//! Rules back from permissions: Redis's `ACLDescribeSelectorCommandRules` (the shortest
//! `+@all`/`-@all`, categories and single commands that rebuild a selector's command
//! bitmap) and `ACLDescribeSelector` (keys, channels, commands) as ACL LIST shows them.

use super::catalog::{Catalog, CATEGORIES};
use super::selector::{KeyPattern, Selector, ALL, READ, WRITE};

/// The command rules of `sel`, as ACL GETUSER's `commands` field shows them.
pub fn command_rules(cat: &Catalog, sel: &Selector) -> Vec<u8> {
    let mut rules = Vec::new();
    let mut fake = Selector::new(cat, false, false);
    let additive = !sel.future_commands(cat);
    if additive {
        rules.extend_from_slice(b"-@all ");
        fake.deny_all();
    } else {
        rules.extend_from_slice(b"+@all ");
        fake.allow_all();
    }
    let mut temp = Selector::new(cat, false, false);
    temp.bits = sel.bits.clone();
    let mut applied = [false; CATEGORIES.len()];
    loop {
        let mut best = None;
        let (mut mindiff, mut maxsame) = (u32::MAX, 0);
        for (j, _) in CATEGORIES.iter().enumerate() {
            if applied[j] {
                continue;
            }
            let (on, off) = temp.count_category(cat, 1 << j);
            let (diff, same) = if additive { (off, on) } else { (on, off) };
            if same > diff && (diff < mindiff || (diff == mindiff && same > maxsame)) {
                best = Some(j);
                mindiff = diff;
                maxsame = same;
            }
        }
        let Some(j) = best else { break };
        fake.set_category(cat, 1 << j, additive);
        temp.set_category(cat, 1 << j, !additive);
        rules.extend_from_slice(if additive { b"+@" } else { b"-@" });
        rules.extend_from_slice(CATEGORIES[j].as_bytes());
        rules.push(b' ');
        applied[j] = true;
    }
    for id in cat.walk() {
        let user_bit = sel.bit(id as usize);
        if user_bit != fake.bit(id as usize) {
            rules.push(if user_bit { b'+' } else { b'-' });
            rules.extend_from_slice(cat.entries[id as usize].name.as_bytes());
            rules.push(b' ');
            fake.change_perm(cat, id, user_bit);
        }
        // Redis emits a container's first-args after its subcommands.
        let last_of_group = match cat.entries[id as usize].parent {
            Some(p) => cat.entries[p as usize].subs.last() == Some(&id),
            None => cat.entries[id as usize].subs.is_empty(),
        };
        if last_of_group {
            let owner = cat.entries[id as usize].parent.unwrap_or(id);
            if !sel.bit(owner as usize) {
                for arg in sel.firstargs.get(&owner).into_iter().flatten() {
                    rules.push(b'+');
                    rules.extend_from_slice(cat.entries[owner as usize].name.as_bytes());
                    rules.push(b'|');
                    rules.extend_from_slice(arg);
                    rules.push(b' ');
                }
            }
        }
    }
    rules.pop();
    rules
}

/// `~pat`, `%R~pat` or `%W~pat`.
pub fn key_pattern(p: &KeyPattern, out: &mut Vec<u8>) {
    out.extend_from_slice(match p.flags {
        ALL => b"~",
        READ => b"%R~",
        WRITE => b"%W~",
        _ => b"%~",
    });
    out.extend_from_slice(&p.pattern);
}

/// Redis's `ACLDescribeSelector`: keys, channels, then command rules.
pub fn selector(cat: &Catalog, sel: &Selector, res: &mut Vec<u8>) {
    if sel.allkeys {
        res.extend_from_slice(b"~* ");
    } else {
        for p in &sel.patterns {
            key_pattern(p, res);
            res.push(b' ');
        }
    }
    if sel.allchannels {
        res.extend_from_slice(b"&* ");
    } else {
        res.extend_from_slice(b"resetchannels ");
        for c in &sel.channels {
            res.push(b'&');
            res.extend_from_slice(c);
            res.push(b' ');
        }
    }
    res.extend_from_slice(&command_rules(cat, sel));
}

/// The `keys` field of ACL GETUSER.
pub fn keys_field(sel: &Selector) -> Vec<u8> {
    if sel.allkeys {
        return b"~*".to_vec();
    }
    let mut out = Vec::new();
    for (i, p) in sel.patterns.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        key_pattern(p, &mut out);
    }
    out
}

/// The `channels` field of ACL GETUSER.
pub fn channels_field(sel: &Selector) -> Vec<u8> {
    if sel.allchannels {
        return b"&*".to_vec();
    }
    let mut out = Vec::new();
    for (i, c) in sel.channels.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        out.push(b'&');
        out.extend_from_slice(c);
    }
    out
}
