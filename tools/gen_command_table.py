#!/usr/bin/env python3
"""Generate core/src/cmd/table.rs, THE command table, from two inputs:

- tools/commands.txt: the commands Cinder implements, one a line: the name ("config|get" for
  a subcommand) and its handler, a path under crate::cmd ("server::config_get"), like the
  `function` of Redis's src/commands/*.json. This list is the only place a command is named.
- tools/redis-7.0-commands.json: COMMAND INFO and COMMAND DOCS captured from real Redis 7.0
  (tools/redis_snapshot.py), so arity, flags, key specs, ACL categories, tips and docs are
  exactly Redis's.

It also rewrites the implemented-commands table in README.md (between the
<!-- commands:start --> and <!-- commands:end --> markers), so the README never lists
commands by hand, and re-renders COMPATIBILITY.md (tools/compat_report.py --render).

Run: python3 tools/gen_command_table.py           (rewrites both files)
     python3 tools/gen_command_table.py --check   (exit 1 if either file is stale)
"""
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# Bits for flags the dispatcher reads (the rest are only reported).
FLAG_BITS = ["write", "readonly", "denyoom", "admin", "pubsub", "noscript", "blocking",
             "loading", "stale", "skip_monitor", "skip_slowlog", "fast", "no_auth",
             "may_replicate", "no_mandatory_keys", "no_multi", "movablekeys", "allow_busy",
             "module", "asking", "sentinel", "only_sentinel"]

# Commands with CMD_MAY_REPLICATE in Redis 7.0.15's src/commands/*.json (CLIENT PAUSE WRITE
# pauses them; a MONITOR client may not run them).
MAY_REPLICATE = {"eval", "evalsha", "fcall", "pfcount", "publish", "spublish"}


def unwrap(v):
    """Turn the snapshot's tagged RESP3 values into plain python (keeping order and kind)."""
    if isinstance(v, dict) and "__map__" in v:
        return ("map", [(k, unwrap(x)) for k, x in v["__map__"]])
    if isinstance(v, dict) and "__set__" in v:
        return ("set", [unwrap(x) for x in v["__set__"]])
    if isinstance(v, list):
        return ("arr", [unwrap(x) for x in v])
    return v


def rs_str(s):
    return json.dumps(s)  # JSON string escapes are valid Rust string escapes here


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def encode_meta(v):
    """The compact encoding core/src/cmd/spec.rs reads (`Meta`): a tag byte, then
    s: length + UTF-8 bytes; i: zigzag varint; a/e (array/set): count + items;
    m (map): count + (key length + key bytes + value) pairs."""
    if isinstance(v, tuple):
        kind, items = v
        if kind == "map":
            out = b"m" + varint(len(items))
            for k, x in items:
                kb = k.encode()
                out += varint(len(kb)) + kb + encode_meta(x)
            return out
        return (b"e" if kind == "set" else b"a") + varint(len(items)) + b"".join(encode_meta(x) for x in items)
    if isinstance(v, (bool, int)):
        n = int(v)
        return b"i" + varint((n << 1) ^ (n >> 63))
    sb = v.encode()
    return b"s" + varint(len(sb)) + sb


def meta(v):
    """A `Meta` literal: the encoding as a Rust byte string (text stays readable)."""
    out = []
    for b in encode_meta(v):
        c = chr(b)
        if c in '"\\':
            out.append("\\" + c)
        elif 0x20 <= b < 0x7F:
            out.append(c)
        else:
            out.append("\\x%02x" % b)
    return 'Meta(b"%s")' % "".join(out)


def render_arg(a):
    """redis-cli style syntax of one argument (a docs argument map as a dict)."""
    t = a.get("type")
    flags = a.get("flags", ("set", []))[1]
    if t == "pure-token":
        s = a["token"]
    elif t in ("block", "oneof"):
        subs = [render_arg(dict(x[1])) for x in a.get("arguments", ("arr", []))[1]]
        s = (" " if t == "block" else "|").join(subs)
        if "token" in a:
            s = a["token"] + " " + s
    else:
        s = a.get("display_text") or a["name"]
        if "token" in a:
            s = a["token"] + " " + s
    if "multiple" in flags:
        s = "%s [%s ...]" % (s, s)
    if "optional" in flags:
        s = "[%s]" % s
    return s


def syntax_of(name, docs):
    args = dict(docs[1]).get("arguments")
    parts = [name.replace("|", " ").upper()]
    if args:
        parts += [render_arg(dict(a[1])) for a in args[1]]
    return " ".join(parts)


def spec(name, info, docs, implemented, handlers, indent, ids):
    """Rust source of one CommandSpec. `ids` counts specs in pre-order (a command, then
    its subcommands: the order of cmd::all_commands), giving each its dense `id`.
    `handlers` maps each listed name to its handler path under crate::cmd."""
    pad = " " * indent
    spec_id = ids[0]
    ids[0] += 1
    (_, arity, flags, first, last, step, acl, tips, keyspecs, subs) = info
    d = dict(docs[1])
    group = d["group"]
    flag_names = flags[1]
    bit_names = [f for f in flag_names if f in FLAG_BITS]
    # Redis 7.0's COMMAND INFO does not report MAY_REPLICATE; its command JSON gives it to these.
    if name in MAY_REPLICATE:
        bit_names.append("may_replicate")
    bits = " | ".join("flags::%s" % f.upper() for f in bit_names) or "0"
    extra = [(k, v) for k, v in docs[1] if k not in ("summary", "since", "group", "complexity", "subcommands")]
    sub_infos = subs[1]
    sub_docs = dict(d.get("subcommands", ("map", []))[1])
    sub_specs = []
    for si in sub_infos:
        sname = si[1][0]
        if sname in implemented:
            sub_specs.append(spec(sname, si[1], sub_docs[sname], implemented, handlers, indent + 8, ids))
    # A container has a handler only when it is also callable alone (COMMAND) and listed so.
    handler = "Some(crate::cmd::%s)" % handlers[name] if name in handlers else "None"
    out = []
    out.append(pad + "CommandSpec {")
    out.append(pad + "    name: %s," % rs_str(name))
    out.append(pad + "    id: %d," % spec_id)
    out.append(pad + "    arity: %d," % arity)
    out.append(pad + "    flags: %s," % bits)
    out.append(pad + "    flag_names: &[%s]," % ", ".join(rs_str(f) for f in flag_names))
    out.append(pad + "    first_key: %d, last_key: %d, key_step: %d," % (first, last, step))
    out.append(pad + "    acl_categories: &[%s]," % ", ".join(rs_str(c) for c in acl[1]))
    out.append(pad + "    tips: %s," % meta(tips))
    out.append(pad + "    key_specs: %s," % meta(keyspecs))
    out.append(pad + "    group: %s," % rs_str(group))
    out.append(pad + "    summary: %s," % rs_str(d.get("summary", "")))
    out.append(pad + "    since: %s," % rs_str(d.get("since", "")))
    out.append(pad + "    complexity: %s," % rs_str(d.get("complexity", "")))
    out.append(pad + "    syntax: %s," % rs_str(syntax_of(name, docs)))
    out.append(pad + "    docs_extra: %s," % meta(("map", extra)))
    out.append(pad + "    subcommands: &[")
    out.extend(s + "," for s in sub_specs)
    out.append(pad + "    ],")
    out.append(pad + "    handler: %s," % handler)
    out.append(pad + "    first_arg: %d," % (2 if "|" in name else 1))
    out.append(pad + "}")
    return "\n".join(out)


def main():
    snap = json.load(open(os.path.join(HERE, "redis-7.0-commands.json")))
    infos = {e[0]: unwrap(e)[1] for e in snap["info"]}
    docs = dict((k, unwrap(v)) for k, v in snap["docs"]["__map__"])
    handlers = read_commands(os.path.join(HERE, "commands.txt"))
    implemented = list(handlers)
    impl_set = set(implemented)
    for name in implemented:
        top = name.split("|")[0]
        if top not in infos:
            sys.exit("unknown Redis command in commands.txt: %s" % name)
        if "|" in name:
            impl_set.add(top)
    tops = sorted({n.split("|")[0] for n in implemented})
    ids = [0]
    body = [spec(n, infos[n], docs[n], impl_set, handlers, 4, ids) for n in tops]
    text = (
        "// @generated by tools/gen_command_table.py from tools/commands.txt and\n"
        "// tools/redis-7.0-commands.json. Do not edit by hand: edit those and rerun.\n\n"
        "//! THE command table: every implemented command with Redis 7.0's metadata.\n\n"
        "use super::spec::{flags, CommandSpec, Meta};\n\n"
        "/// Every implemented top-level command, sorted by name.\n"
        "pub static COMMANDS: &[CommandSpec] = &[\n" + ",\n".join(body) + ",\n];\n\n"
        "/// Number of commands and subcommands: every `CommandSpec::id` is below it.\n"
        "pub const COMMAND_COUNT: usize = %d;\n" % ids[0]
    )
    readme_path = os.path.join(ROOT, "README.md")
    readme = open(readme_path).read() if os.path.exists(readme_path) else ""
    readme_new = with_command_section(readme, implemented, infos, docs)
    path = os.path.join(ROOT, "core", "src", "cmd", "table.rs")
    outputs = [(path, text), (readme_path, readme_new)]
    if "--check" in sys.argv:
        stale = [p for p, t in outputs if not os.path.exists(p) or open(p).read() != t]
        if stale:
            sys.exit("stale generated files (run python3 tools/gen_command_table.py): %s" % ", ".join(stale))
        print("command table and README are up to date (%d commands)" % len(tops))
        return
    for p, t in outputs:
        with open(p, "w") as f:
            f.write(t)
    print("wrote %s and README.md: %d commands" % (path, len(tops)))
    # COMPATIBILITY.md's command states follow the table (its suite results are kept).
    subprocess.run([sys.executable, os.path.join(HERE, "compat_report.py"), "--render"], check=True)


def read_commands(path):
    """commands.txt as an ordered {name: handler path} map; exits with the line at fault
    when a line lacks its handler, has extra words, or repeats a name."""
    handlers = {}
    for n, line in enumerate(open(path), 1):
        words = re.split(r"(?:^|\s)#", line, maxsplit=1)[0].split()  # r#type is no comment
        if not words:
            continue
        where = "%s:%d" % (os.path.relpath(path, ROOT), n)
        if len(words) != 2:
            sys.exit("%s: expected `<command> <handler path under crate::cmd>`, got %r" % (where, line.strip()))
        name, handler = words
        if name != name.lower():
            sys.exit("%s: command names are lowercase: %s" % (where, name))
        if name in handlers:
            sys.exit("%s: %s listed twice" % (where, name))
        if not all(part.removeprefix("r#").replace("_", "a").isalnum() for part in handler.split("::")) or "::" not in handler:
            sys.exit("%s: bad handler path %r (want e.g. string::get)" % (where, handler))
        handlers[name] = handler
    return handlers


def with_command_section(readme, implemented, infos, docs):
    """README text with the implemented-commands table regenerated between its markers."""
    start, end = "<!-- commands:start -->", "<!-- commands:end -->"
    if start not in readme or end not in readme:
        return readme
    by_group = {}
    for name in implemented:
        top, _, sub = name.partition("|")
        d = dict(docs[top][1])
        if sub:
            d = dict(dict(d["subcommands"][1])[name][1])
        by_group.setdefault(d["group"], []).append((name.replace("|", " ").upper(), d.get("summary", "")))
    lines = [start, "", "| group | command | summary |", "|---|---|---|"]
    for group in sorted(by_group):
        for cmd, summary in sorted(by_group[group]):
            lines.append("| %s | `%s` | %s |" % (group, cmd, summary.replace("|", "\\|")))
    lines += ["", "%d commands and subcommands." % len(implemented), end]
    head, rest = readme.split(start, 1)
    _, tail = rest.split(end, 1)
    return head + "\n".join(lines) + tail


if __name__ == "__main__":
    main()
