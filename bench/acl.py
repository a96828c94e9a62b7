#!/usr/bin/env python3
"""ACL permission checks under load: cinder-server against real redis-server.

Started by bench/acl.sh (which builds the release binary). Both servers get the same user
(`ACL SETUSER app on >apppass ~app:* +@read +@write`); redis-benchmark then runs SET and
GET on `app:__rand_int__` keys, without and with pipelining, once as that user
(`--user app -a apppass`, every command checked against the user's command bitmap and
key pattern) and once as the unrestricted default user (no check), interleaved over N
rounds (redis, cinder, cinder, redis, ...). Prints the median requests per second and
the cinder/redis ratios side by side, as Markdown.
"""

import argparse
import datetime
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import ROOT, start_pair, version_of  # noqa: E402

USER = ["ACL", "SETUSER", "app", "on", ">apppass", "~app:*", "+@read", "+@write"]


def bench(server, cmd, user, requests, clients, pipeline, keyspace):
    """Requests per second of one redis-benchmark run of `cmd` (a list)."""
    argv = ["redis-benchmark", "-h", "127.0.0.1", "-p", str(server.port), "-n", str(requests),
            "-c", str(clients), "-P", str(pipeline), "-r", str(keyspace), "--csv"]
    if user:
        argv += ["--user", "app", "-a", "apppass"]
    out = subprocess.run(argv + cmd, capture_output=True, text=True, timeout=1800)
    text = out.stdout + out.stderr
    if out.returncode != 0 or "rror" in text or "NOPERM" in text:
        raise SystemExit(f"redis-benchmark failed on {server.name}: {text.strip()[-300:]}")
    for line in out.stdout.splitlines():
        cols = [c.strip('"') for c in line.split('","')]
        if len(cols) >= 2 and cols[0].strip('"') != "test":
            return float(cols[1].strip('"'))
    raise SystemExit(f"no rate from redis-benchmark on {server.name}: {text.strip()[-300:]}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1 round of 20k requests (smoke run)")
    ap.add_argument("--rounds", type=int, help="interleaved rounds (default 5)")
    ap.add_argument("--requests", type=int, help="requests per run (default 200000)")
    ap.add_argument("--clients", type=int, default=50, help="redis-benchmark -c (default 50)")
    ap.add_argument("--keyspace", type=int, default=100000, help="redis-benchmark -r (default 100000)")
    ap.add_argument("--pipelines", default="1,16", help="redis-benchmark -P values (default 1,16)")
    ap.add_argument("--cinder-bin", default=os.path.join(ROOT, "target", "release", "cinder-server"))
    ap.add_argument("--redis-bin", default="redis-server")
    a = ap.parse_args()
    if not os.path.exists(a.cinder_bin):
        target = os.environ.get("CARGO_TARGET_DIR")
        if target:
            a.cinder_bin = os.path.join(target, "release", "cinder-server")
    rounds = a.rounds or (1 if a.quick else 5)
    requests = a.requests or (20000 if a.quick else 200000)
    pipelines = [int(p) for p in a.pipelines.split(",")]
    cmds = {"SET": ["SET", "app:__rand_int__", "xxx"], "GET": ["GET", "app:__rand_int__"]}

    redis, cinder = start_pair(a.redis_bin, a.cinder_bin)
    try:
        for s in (redis, cinder):
            if s.call(*USER) != b"+OK\r\n":
                raise SystemExit(f"ACL SETUSER failed on {s.name}")
        rows = [(name, user, p) for user in (True, False) for p in pipelines for name in cmds]
        rates = {(s, r): [] for s in ("redis", "cinder") for r in rows}
        for i in range(rounds):
            order = (redis, cinder) if i % 2 == 0 else (cinder, redis)
            for row in rows:
                name, user, p = row
                for s in order:
                    rates[(s.name, row)].append(bench(s, cmds[name], user, requests, a.clients, p, a.keyspace))
        print("# ACL checks: cinder vs Redis\n")
        print(f"- date: {datetime.datetime.now().isoformat(timespec='seconds')}; {os.cpu_count()} CPUs")
        print(f"- {version_of([a.redis_bin, '--version'])}")
        print(f"- user: `{' '.join(USER[2:])}`; keys `app:__rand_int__` (-r {a.keyspace}); "
              f"{rounds} round(s) of {requests} requests, {a.clients} clients, median req/s\n")
        print("| command | user | pipeline | redis | cinder | cinder/redis |")
        print("|---|---|---|---|---|---|")
        for row in rows:
            name, user, p = row
            r = statistics.median(rates[("redis", row)])
            c = statistics.median(rates[("cinder", row)])
            who = "app (`~app:*` `+@read +@write`)" if user else "default (unrestricted)"
            print(f"| {name} | {who} | {p} | {r:,.0f} | {c:,.0f} | {c / r:.2f} |")
    finally:
        redis.stop()
        cinder.stop()


if __name__ == "__main__":
    main()
