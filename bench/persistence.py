#!/usr/bin/env python3
"""Persistence benchmarks: cinder-server against real redis-server, in one run.

Started by bench/persistence.sh (which builds the release binary). Measures, for both
servers with the same settings, side by side with the cinder/redis ratio:
- write throughput (redis-benchmark SET) with `appendonly yes` and `appendfsync
  everysec`, then `always` (higher is better);
- SAVE time for N string keys (DEBUG POPULATE), and the time to load that file at start-up
  (from the server's own "DB loaded from disk" line) (lower is better);
- BGSAVE's fork time (`latest_fork_usec`) with a data set of about 1 GB (lower is better).
Prints Markdown. Needs python3 and Debian's redis-server/redis-tools.
"""

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import ROOT, Server, run_benchmark  # noqa: E402


def cinder_default():
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    return os.path.join(target, "release", "cinder-server")


def start(kind, args, binaries, dir_=None):
    """A server of `kind` ('redis'/'cinder') with `args`, in `dir_` (or a new folder)."""
    binary = binaries[kind]
    def argv(port, d):
        return [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", dir_ or d,
                "--enable-debug-command", "yes"] + args
    return Server(kind, argv)


def info(server, field):
    text = server.call("INFO", "all").decode(errors="replace")
    m = re.search(rf"^{field}:(.*)\r?$", text, re.M)
    return m.group(1).strip() if m else None


def timed(server, *cmd, timeout=600):
    """Runs one command; returns (seconds, reply)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as s:
        from compare import resp
        t0 = time.perf_counter()
        s.sendall(resp(*cmd))
        data = s.recv(1 << 16)
        return time.perf_counter() - t0, data


def wait_bgsave(server):
    while info(server, "rdb_bgsave_in_progress") != "0":
        time.sleep(0.05)


def row(name, r, c, higher_better):
    ratio = (c / r if higher_better else r / c) if r and c else float("nan")
    print(f"| {name} | {r:,.3f} | {c:,.3f} | {ratio:.2f} |")


def throughput(binaries, fsync, requests, clients, pipeline, rounds):
    res = {}
    for kind in ("redis", "cinder"):
        s = start(kind, ["--save", "", "--appendonly", "yes", "--appendfsync", fsync], binaries)
        try:
            runs = [run_benchmark(s.port, ["set"], requests, clients, pipeline, 100000).get("SET", 0.0)
                    for _ in range(rounds)]
            res[kind] = statistics.median(runs)
        finally:
            s.stop()
    return res


def save_and_load(binaries, keys):
    out = {}
    for kind in ("redis", "cinder"):
        s = start(kind, ["--save", ""], binaries)
        d = s.dir
        try:
            timed(s, "DEBUG", "POPULATE", str(keys))
            secs, reply = timed(s, "SAVE")
            assert reply.startswith(b"+OK"), reply
            size = os.path.getsize(os.path.join(d, "dump.rdb"))
            s.call("SHUTDOWN", "NOSAVE")
            s.proc.wait(timeout=60)
        finally:
            s.stop(keep_dir=True)
        s2 = start(kind, ["--save", ""], binaries, dir_=d)
        try:
            while info(s2, "loading") != "0":
                time.sleep(0.05)
            log = open(os.path.join(s2.dir, "server.log"), errors="replace").read()
            m = re.search(r"DB loaded from disk: ([0-9.]+) seconds", log)
            load = float(m.group(1)) if m else float("nan")
            n = int(info(s2, "db0").split(",")[0].split("=")[1]) if info(s2, "db0") else 0
            assert n == keys, (kind, n)
        finally:
            s2.stop()
            shutil.rmtree(d, ignore_errors=True)
        out[kind] = (secs, load, size)
    return out


def fork_time(binaries, keys, value_size, rounds):
    out = {}
    for kind in ("redis", "cinder"):
        s = start(kind, ["--save", ""], binaries)
        try:
            timed(s, "DEBUG", "POPULATE", str(keys), "key", str(value_size))
            rss = int(info(s, "used_memory_rss") or 0)
            forks = []
            for _ in range(rounds):
                timed(s, "BGSAVE")
                forks.append(int(info(s, "latest_fork_usec")))
                wait_bgsave(s)
            out[kind] = (statistics.median(forks), rss)
        finally:
            s.stop()
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cinder-bin", default=cinder_default())
    ap.add_argument("--redis-bin", default=shutil.which("redis-server") or "/usr/bin/redis-server")
    ap.add_argument("--requests", type=int, default=200000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--keys", type=int, default=1000000, help="string keys for SAVE/load")
    ap.add_argument("--fork-keys", type=int, default=1000000)
    ap.add_argument("--fork-value-size", type=int, default=1000, help="bytes per value (1M x 1000 = ~1 GB)")
    ap.add_argument("--quick", action="store_true", help="small sizes, one round")
    a = ap.parse_args()
    if a.quick:
        a.requests, a.rounds, a.keys, a.fork_keys = 20000, 1, 100000, 100000
    binaries = {"redis": a.redis_bin, "cinder": a.cinder_bin}
    print(f"# Persistence: cinder-server vs redis-server ({time.strftime('%Y-%m-%d')})\n")
    print(f"{os.cpu_count()} CPUs; medians of {a.rounds} rounds.\n")
    print("| measure | redis | cinder | ratio (≥1: cinder as good or better) |")
    print("|---|---|---|---|")
    for fsync in ("everysec", "always"):
        for pipeline in (1, 16):
            t = throughput(binaries, fsync, a.requests, a.clients, pipeline, a.rounds)
            row(f"SET/s, appendfsync {fsync}, {a.clients} clients, -P {pipeline}", t["redis"], t["cinder"], True)
    sl = save_and_load(binaries, a.keys)
    row(f"SAVE seconds, {a.keys:,} string keys", sl["redis"][0], sl["cinder"][0], False)
    row(f"load seconds at start-up, {a.keys:,} keys", sl["redis"][1], sl["cinder"][1], False)
    row("RDB file MB", sl["redis"][2] / 1e6, sl["cinder"][2] / 1e6, False)
    ft = fork_time(binaries, a.fork_keys, a.fork_value_size, a.rounds)
    row(f"BGSAVE fork ms, RSS redis {ft['redis'][1] / 1e9:.2f} GB / cinder {ft['cinder'][1] / 1e9:.2f} GB",
        ft["redis"][0] / 1000, ft["cinder"][0] / 1000, False)


if __name__ == "__main__":
    main()
