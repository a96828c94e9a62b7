#!/usr/bin/env python3
"""Write COMPATIBILITY.md: how much of Redis 7.0 Cinder covers, measured.

Inputs:
- Redis 7.0's command list and groups: tools/redis-7.0-commands.json (COMMAND DOCS/INFO of
  real Redis 7.0.15, captured by tools/redis_snapshot.py).
- What Cinder implements: tools/commands.txt (the command table's one source).
- Why things fail or are partial: tools/compat_notes.txt (hand-written input).
- Measured results: tools/compat_results.json, written by this script when it runs Redis's
  Tcl suite (../shared/redis-tests/run-suite.sh against a release cinder-server) and the
  parity tests (cargo test -p cinder-parity).

Usage:
  python3 tools/compat_report.py                 run the Tcl suite and the parity tests, then write
  python3 tools/compat_report.py --tcl-only      refresh only the Tcl suite's results
  python3 tools/compat_report.py --parity-only   refresh only the parity results
  python3 tools/compat_report.py --render        rewrite COMPATIBILITY.md from the stored results
  python3 tools/compat_report.py --check         exit 1 if COMPATIBILITY.md is stale (fast: no run)
Options: --suite DIR (Redis's tests, default ../shared/redis-tests or $CINDER_REDIS_TESTS),
  --baseport N (Tcl helper ports, default 21111), --cinder-bin PATH (skip the release build).
"""
import argparse
import datetime
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.path.join(ROOT, "COMPATIBILITY.md")
RESULTS = os.path.join(HERE, "compat_results.json")
NOTES = os.path.join(HERE, "compat_notes.txt")

# Redis's command groups, in the order the report lists them, with a title each.
GROUPS = [
    ("string", "Strings"), ("generic", "Keys (generic)"), ("list", "Lists"), ("hash", "Hashes"),
    ("set", "Sets"), ("sorted-set", "Sorted sets"), ("stream", "Streams"), ("geo", "Geo"),
    ("hyperloglog", "HyperLogLog"), ("bitmap", "Bitmaps"), ("pubsub", "Pub/Sub"),
    ("transactions", "Transactions"), ("scripting", "Scripting and functions"),
    ("connection", "Connection"), ("server", "Server"), ("cluster", "Cluster"),
    ("mixed", "Several families"),
]

# Each Tcl unit's family.
UNIT_GROUP = {
    "unit/type/string": "string", "unit/type/incr": "string", "unit/type/list": "list",
    "unit/type/list-2": "list", "unit/type/list-3": "list", "unit/type/set": "set",
    "unit/type/zset": "sorted-set", "unit/type/hash": "hash", "unit/type/stream": "stream",
    "unit/type/stream-cgroups": "stream", "unit/sort": "generic", "unit/keyspace": "generic",
    "unit/scan": "generic", "unit/expire": "generic", "unit/dump": "generic",
    "unit/protocol": "connection", "unit/quit": "connection", "unit/tracking": "connection",
    "unit/pause": "connection", "unit/querybuf": "connection", "unit/replybufsize": "connection",
    "unit/multi": "transactions", "unit/pubsub": "pubsub", "unit/scripting": "scripting",
    "unit/functions": "scripting", "unit/bitops": "bitmap", "unit/bitfield": "bitmap",
    "unit/geo": "geo", "unit/hyperloglog": "hyperloglog", "unit/info-command": "server",
    "unit/introspection": "server", "unit/introspection-2": "server",
    "unit/latency-monitor": "server", "unit/slowlog": "server", "unit/lazyfree": "server",
    "unit/other": "server",
}

# Parity tests: a script's or test file's name prefix -> family (first match wins).
PARITY_GROUP = [
    ("strings_", "string"), ("binary", "string"), ("keyspace_", "generic"),
    ("expiry_", "generic"), ("dump_restore", "generic"), ("sort_", "generic"),
    ("migrate", "generic"), ("list_", "list"), ("blocking", "list"), ("hash_", "hash"),
    ("set_", "set"), ("zset_", "sorted-set"), ("stream_", "stream"), ("geo", "geo"),
    ("random_geo", "geo"), ("hll", "hyperloglog"), ("random_hll", "hyperloglog"),
    ("bitmap", "bitmap"), ("random_bitmap", "bitmap"), ("pubsub", "pubsub"),
    ("notifications", "pubsub"), ("keymiss", "pubsub"), ("transactions", "transactions"),
    ("scripting_", "scripting"), ("scripts_", "scripting"), ("client", "connection"),
    ("connection", "connection"), ("protocol", "connection"), ("resp3", "connection"),
    ("tracking", "connection"), ("pipeline", "connection"), ("tools", "connection"),
    ("command", "server"), ("server_", "server"), ("memory", "server"),
    ("persistence", "server"), ("rdb", "server"), ("propagation", "server"),
    ("args_order", "mixed"), ("random", "mixed"), ("harness", "mixed"),
]


def parity_group(name):
    """`name` is `file::test` (a script test: `scripts::list_push_pop`)."""
    file, _, test = name.partition("::")
    key = test if file == "scripts" else file
    for prefix, group in PARITY_GROUP:
        if key.startswith(prefix):
            return group
    return "mixed"


def unwrap(v):
    if isinstance(v, dict) and "__map__" in v:
        return {k: unwrap(x) for k, x in v["__map__"]}
    if isinstance(v, dict) and "__set__" in v:
        return [unwrap(x) for x in v["__set__"]]
    if isinstance(v, list):
        return [unwrap(x) for x in v]
    return v


def redis_commands():
    """{name: (group, summary, [subcommand names])} of Redis 7.0 (subcommands as a|b)."""
    with open(os.path.join(HERE, "redis-7.0-commands.json")) as f:
        docs = unwrap(json.load(f)["docs"])
    out = {}
    for name, d in docs.items():
        subs = sorted((d.get("subcommands") or {}).items())
        out[name] = (d.get("group", "server"), d.get("summary", ""), [s for s, _ in subs])
        for s, sd in subs:
            out[s] = (sd.get("group", d.get("group", "server")), sd.get("summary", ""), [])
    return out


def implemented():
    names = set()
    with open(os.path.join(HERE, "commands.txt")) as f:
        for line in f:
            words = line.split("#", 1)[0].split()
            if words:
                names.add(words[0].lower())
    return names


def notes():
    """(partial commands, failing-test reasons, never-run reasons, notes by command)."""
    partial, fails, notrun, other = {}, [], {}, {}
    with open(NOTES) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            kind, rest = line.split(None, 1)
            if kind == "partial":
                cmd, why = rest.split(None, 1)
                partial[cmd.lower()] = why.strip()
            elif kind == "fail":
                m = re.match(r'(\S+)\s+"([^"]*)"\s+(.*)', rest)
                if not m:
                    sys.exit(f"compat_notes.txt: bad fail line: {line}")
                fails.append((m.group(1), m.group(2), m.group(3).strip()))
            elif kind in ("note", "missing"):
                cmd, why = rest.split(None, 1)
                other[cmd.lower()] = (kind, why.strip())
            elif kind == "notrun":
                unit, why = rest.split(None, 1)
                notrun[unit] = why.strip()
            else:
                sys.exit(f"compat_notes.txt: unknown line kind: {line}")
    return partial, fails, notrun, other


def why_failed(unit, test, fails):
    for u, prefix, why in fails:
        if u == unit and test.startswith(prefix):
            return why
    return "unexplained"


# ---------------------------------------------------------------- running the suites


def git_rev():
    try:
        return subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def target_dir():
    return os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")


def build_release():
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "cinder-server"], cwd=ROOT, check=True)
    return os.path.join(target_dir(), "release", "cinder-server")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_tcl(suite, cinder_bin, baseport):
    """Runs every unit run-suite.sh lists against a fresh cinder-server; returns results."""
    script = os.path.join(suite, "run-suite.sh")
    units = subprocess.run([script, "--list"], capture_output=True, text=True, check=True).stdout.split()
    port = free_port()
    work = tempfile.mkdtemp(prefix="cinder-compat-")
    logdir = os.path.join(work, "logs")
    server = subprocess.Popen([cinder_bin, "--port", str(port)], cwd=work,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        out = subprocess.run([script, "--extra", f"--baseport {baseport}", "--logdir", logdir,
                              suite, "127.0.0.1", str(port)] + units,
                             capture_output=True, text=True, cwd=ROOT).stdout
    finally:
        server.kill()
        server.wait()
    results = {}
    for line in out.splitlines():
        m = re.match(r"(unit/\S+)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$", line)
        if m:
            results[m.group(1)] = {
                "status": m.group(2), "pass": int(m.group(3)), "fail": int(m.group(4)),
                "notrun": int(m.group(5)), "skip": int(m.group(6)), "ignore": int(m.group(7)),
                "failed_tests": [],
            }
    for unit, r in results.items():
        # The unit's own log names each failed test once per run of it ("*** [err]" lines
        # at its end repeat them); an exception aborts the unit.
        log = os.path.join(logdir, unit.replace("/", "_") + ".log")
        if os.path.exists(log):
            with open(log, errors="replace") as f:
                for line in f:
                    m = re.match(r"\[err\]: (.*?)(?: in tests/\S+)?$", line.rstrip())
                    if m:
                        r["failed_tests"].append(m.group(1))
                    m = re.match(r"\[exception\]: (.*)$", line.rstrip())
                    if m:
                        r.setdefault("notes", []).append("aborted: " + m.group(1))
    for line in out.splitlines():
        m = re.match(r"\s+(unit/\S+): (.*(?:abort|timed out|timeout).*)$", line, re.I)
        if m and m.group(1) in results:
            results[m.group(1)].setdefault("notes", []).append(m.group(2))
    shutil.rmtree(work, ignore_errors=True)
    if not results:
        sys.exit("run-suite.sh printed no results:\n" + out[-2000:])
    return {"date": datetime.date.today().isoformat(), "git": git_rev(), "units": results}


def run_parity(cinder_bin):
    env = dict(os.environ, CINDER_SERVER_BIN=cinder_bin)
    # One stream: cargo's "Running" lines (stderr) must stay before their tests' lines.
    out = subprocess.run(["cargo", "test", "-p", "cinder-parity", "--no-fail-fast"], cwd=ROOT, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    tests, file = {}, "?"
    for line in out.stdout.splitlines():
        m = re.match(r"\s*Running (?:tests/)?(\S+?)(?:\.rs)? \(", line)
        if m:
            file = os.path.basename(m.group(1))
            continue
        m = re.match(r"test (\S+) \.\.\. (ok|FAILED|ignored)", line)
        if m and file != "?":
            tests[f"{file}::{m.group(1)}"] = m.group(2)
    if not tests:
        sys.exit("cargo test -p cinder-parity printed no results:\n" + out.stdout[-2000:])
    return {"date": datetime.date.today().isoformat(), "git": git_rev(), "tests": tests}


# ---------------------------------------------------------------- rendering


def pct(a, b):
    return f"{100.0 * a / b:.1f}%" if b else "n/a"


def command_states():
    """(Redis 7.0's commands, their states, notes on partial ones).

    A container is implemented when every subcommand is, partial when some are; a
    subcommand or plain command is implemented when listed in tools/commands.txt."""
    cmds = redis_commands()
    impl = implemented()
    partial, _, _, other = notes()
    state = {}
    for name, (_, _, subs) in cmds.items():
        if subs:
            have = [s for s in subs if s in impl]
            if len(have) == len(subs):
                state[name] = "partial" if name in partial else "implemented"
            elif have:
                state[name] = "partial"
            else:
                state[name] = "missing"
        elif name in impl:
            state[name] = "partial" if name in partial else "implemented"
        else:
            state[name] = "missing"
    detail = {}
    for name, (_, _, subs) in cmds.items():
        if subs and state[name] == "partial" and name not in partial:
            missing = [s.split("|", 1)[1].upper() for s in subs if state[s] == "missing"]
            detail[name] = "missing subcommands: " + ", ".join(missing)
        elif name in partial:
            detail[name] = partial[name]
        elif name in other and (other[name][0] == "note" or state[name] == "missing"):
            # A `missing` line stops showing once the command is implemented.
            detail[name] = other[name][1]
    return cmds, state, detail


def headline(results):
    """The one-paragraph summary (COMPATIBILITY.md's first line, and the README's)."""
    cmds, state, _ = command_states()
    units = (results.get("tcl") or {"units": {}})["units"]
    p_tests = (results.get("parity") or {"tests": {}})["tests"]
    t_pass = sum(u["pass"] for u in units.values())
    t_run = t_pass + sum(u["fail"] for u in units.values())
    p_ok = sum(1 for v in p_tests.values() if v == "ok")
    p_run = sum(1 for v in p_tests.values() if v != "ignored")
    tops = [n for n in cmds if "|" not in n]
    subs_all = [n for n in cmds if "|" in n]
    count = {k: sum(1 for n in tops if state[n] == k) for k in ("implemented", "partial", "missing")}
    subs_impl = sum(1 for n in subs_all if state[n] != "missing")
    return (f"**Redis 7.0.15's own test suite: {t_pass:,} of {t_run:,} tests pass ({pct(t_pass, t_run)})** "
            f"in {len(units)} units run against `cinder-server`; parity tests against real Redis: "
            f"{p_ok} of {p_run} pass; commands: {count['implemented']} of {len(tops)} Redis 7.0 "
            f"commands implemented, {count['partial']} partial, {count['missing']} missing "
            f"({subs_impl} of {len(subs_all)} subcommands).")


def readme_with_headline(readme, results):
    """README text with the headline between its compat markers (unchanged without them)."""
    start, end = "<!-- compat:start -->", "<!-- compat:end -->"
    if start not in readme or end not in readme:
        return readme
    head, rest = readme.split(start, 1)
    _, tail = rest.split(end, 1)
    body = f"{headline(results)} Details per family, per Tcl unit and per command: [COMPATIBILITY.md](COMPATIBILITY.md)."
    return f"{head}{start}\n{body}\n{end}{tail}"


def render(results):
    cmds, state, detail = command_states()
    _, fails, notrun, _ = notes()
    tcl = results.get("tcl") or {"units": {}}
    parity = results.get("parity") or {"tests": {}}

    tops = [n for n in cmds if "|" not in n]
    units = tcl["units"]
    p_tests = parity["tests"]

    L = []
    w = L.append
    w("# Compatibility with Redis 7.0")
    w("")
    w("<!-- Generated by `python3 tools/compat_report.py` from tools/commands.txt,")
    w("     tools/redis-7.0-commands.json, tools/compat_notes.txt and tools/compat_results.json.")
    w("     Do not edit: change those and run the script (`--render` without rerunning the suites). -->")
    w("")
    w(headline(results))
    w("")
    w(f"- Tcl suite: `run-suite.sh` (compat profile: tests tagged `needs:debug`, `needs:repl`, "
      f"`needs:pfdebug` are left out; encodings and digests ignored), run {tcl.get('date', 'never')} "
      f"at git `{tcl.get('git', '?')}`. A test that never ran (a unit aborted, or a test the unit "
      f"skips on this server) counts as failed.")
    w(f"- Parity: `cargo test -p cinder-parity` (byte-for-byte comparison with Debian's "
      f"redis-server 7.0.15), run {parity.get('date', 'never')} at git `{parity.get('git', '?')}`.")
    w("- Command states: `implemented` (every option), `partial` (see the note), `missing`; "
      "from tools/commands.txt against Redis 7.0's `COMMAND DOCS`.")
    w("")

    w("## By command family")
    w("")
    w("| family | commands implemented / partial / missing | Tcl tests passed / run | parity tests passed / run |")
    w("|---|---:|---:|---:|")
    for g, title in GROUPS:
        names = [n for n in tops if cmds[n][0] == g]
        gu = [u for u in units if UNIT_GROUP.get(u, "mixed") == g]
        up = sum(units[u]["pass"] for u in gu)
        ur = up + sum(units[u]["fail"] for u in gu)
        gp = [t for t in p_tests if parity_group(t) == g and p_tests[t] != "ignored"]
        pp = sum(1 for t in gp if p_tests[t] == "ok")
        if not names and not gu and not gp:
            continue
        c = {k: sum(1 for n in names if state[n] == k) for k in ("implemented", "partial", "missing")}
        cmd_cell = f"{c['implemented']} / {c['partial']} / {c['missing']}" if names else "—"
        tcl_cell = f"{up} / {ur}" if gu else "—"
        par_cell = f"{pp} / {len(gp)}" if gp else "—"
        w(f"| {title} | {cmd_cell} | {tcl_cell} | {par_cell} |")
    w("")

    w("## Redis's Tcl suite, per unit")
    w("")
    w("| unit | family | passed | failed | of which never ran | left out (tags) |")
    w("|---|---|---:|---:|---:|---:|")
    for u in sorted(units, key=lambda x: (list(UNIT_GROUP).index(x) if x in UNIT_GROUP else 999, x)):
        r = units[u]
        fam = dict(GROUPS).get(UNIT_GROUP.get(u, "mixed"))
        w(f"| {u} | {fam} | {r['pass']} | {r['fail']} | {r['notrun']} | {r['ignore']} |")
    w("")
    failing = [u for u in units if units[u]["fail"]]
    if failing:
        w("What fails and why:")
        w("")
        for u in sorted(failing):
            r = units[u]
            w(f"- **{u}** ({r['fail']} failed)")
            seen = []
            for t in r["failed_tests"]:
                if t not in seen:
                    seen.append(t)
            for t in seen:
                runs = r["failed_tests"].count(t)
                times = f" ({runs} runs)" if runs > 1 else ""
                w(f"  - {t}{times}: {why_failed(u, t, fails)}")
            listed = len(r["failed_tests"])
            if r["fail"] > listed:
                why = notrun.get(u) or why_failed(u, "", fails)
                w(f"  - {r['fail'] - listed} test(s) never ran: {why}")
            for n in r.get("notes", []):
                w(f"  - {n}")
        w("")

    w("## Parity tests")
    w("")
    by_file = {}
    for t, v in p_tests.items():
        f = t.split("::", 1)[0]
        ok, run = by_file.get(f, (0, 0))
        if v != "ignored":
            by_file[f] = (ok + (v == "ok"), run + 1)
    w("| test file | passed / run |")
    w("|---|---:|")
    for f in sorted(by_file):
        w(f"| `tests/parity/tests/{f}.rs` | {by_file[f][0]} / {by_file[f][1]} |")
    w("")
    bad = sorted(t for t, v in p_tests.items() if v == "FAILED")
    if bad:
        w("Failing: " + ", ".join(f"`{t}`" for t in bad) + ".")
        w("")

    w("## Every Redis 7.0 command")
    w("")
    for g, title in GROUPS:
        names = sorted(n for n in tops if cmds[n][0] == g)
        if not names:
            continue
        w(f"### {title}")
        w("")
        w("| command | state | notes |")
        w("|---|---|---|")
        for n in names:
            note = detail.get(n, "")
            if cmds[n][2] and state[n] == "missing":
                subs = ", ".join(x.split("|", 1)[1].upper() for x in cmds[n][2])
                w(f"| `{n.upper()}` | missing | {note}{'; ' if note else ''}subcommands {subs} |")
                continue
            w(f"| `{n.upper()}` | {state[n]} | {note} |")
            for s in cmds[n][2]:
                if state[s] != "implemented" or s in detail:
                    w(f"| `{s.replace('|', ' ').upper()}` | {state[s]} | {detail.get(s, '')} |")
        w("")
    return "\n".join(L).rstrip() + "\n"


def load_results():
    if os.path.exists(RESULTS):
        with open(RESULTS) as f:
            return json.load(f)
    return {}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--render", action="store_true")
    ap.add_argument("--tcl-only", action="store_true")
    ap.add_argument("--parity-only", action="store_true")
    ap.add_argument("--suite", default=os.environ.get("CINDER_REDIS_TESTS",
                                                      os.path.join(ROOT, "..", "shared", "redis-tests")))
    ap.add_argument("--baseport", type=int, default=21111)
    ap.add_argument("--cinder-bin")
    a = ap.parse_args()
    results = load_results()
    readme_path = os.path.join(ROOT, "README.md")
    readme = open(readme_path).read()
    if a.check:
        want = render(results)
        have = open(OUT).read() if os.path.exists(OUT) else ""
        if want != have or readme_with_headline(readme, results) != readme:
            print("COMPATIBILITY.md or the README's headline is stale: run python3 "
                  "tools/compat_report.py --render (or without --render to rerun the suites)", file=sys.stderr)
            sys.exit(1)
        print("COMPATIBILITY.md and the README's headline are up to date")
        return
    if not a.render:
        cinder_bin = a.cinder_bin or build_release()
        if not a.parity_only:
            if not os.path.exists(os.path.join(a.suite, "run-suite.sh")):
                sys.exit(f"no run-suite.sh in {a.suite} (use --suite DIR)")
            results["tcl"] = run_tcl(a.suite, cinder_bin, a.baseport)
        if not a.tcl_only:
            results["parity"] = run_parity(cinder_bin)
        with open(RESULTS, "w") as f:
            json.dump(results, f, indent=1, sort_keys=True)
            f.write("\n")
    with open(OUT, "w") as f:
        f.write(render(results))
    with open(readme_path, "w") as f:
        f.write(readme_with_headline(readme, results))
    print(f"wrote {os.path.relpath(OUT, ROOT)} and the README's headline")


if __name__ == "__main__":
    main()
