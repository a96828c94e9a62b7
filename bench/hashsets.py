#!/usr/bin/env python3
"""Hash and set rows: cinder-server against real redis-server, as Markdown.

Throughput (redis-benchmark, interleaved rounds, median, without and with -P 16) of HSET,
HGET, SADD, SISMEMBER and SPOP; then memory: one hash of 1,000,000 fields and one set of
1,000,000 members in several shapes, used_memory growth per element on each server.
Started by bench/hashsets.sh (which builds the release binary). Reuses compare.py's
server handling.
"""

import argparse
import os
import socket
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402

# (row name, redis-benchmark arguments). The keyspace (-r) makes __rand_int__ vary, so
# HSET/SADD build a big hashtable and HGET/SISMEMBER mostly hit it.
TESTS = [
    ("HSET", ["-t", "hset"]),
    ("HGET", ["hget", "myhash", "element:__rand_int__"]),
    ("SADD", ["-t", "sadd"]),
    ("SISMEMBER", ["sismember", "myset", "element:__rand_int__"]),
    ("SPOP", ["-t", "spop"]),
]

# Memory shapes: (label, command, key, element generator).
SHAPES = [
    ("hash: field:N -> value:N", "HSET", b"h", lambda i: [b"field:%d" % i, b"value:%d" % i]),
    ("hash: element:%012d -> xxx (redis-benchmark's)", "HSET", b"h",
     lambda i: [b"element:%012d" % i, b"xxx"]),
    ("hash: 18-byte field -> 26-byte value", "HSET", b"h",
     lambda i: [b"field:%012d" % i, b"value:%020d" % i]),
    ("set: member:N", "SADD", b"s", lambda i: [b"member:%d" % i]),
    ("set: element:%012d (redis-benchmark's)", "SADD", b"s", lambda i: [b"element:%012d" % i]),
    ("set: integers 0..N-1", "SADD", b"s", lambda i: [b"%d" % i]),
]



def load(server, cmd, key, gen, count, batch=10000):
    """Sends `count` pipelined commands; every reply must be `:1`."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=120) as s:
        done = 0
        while done < count:
            n = min(batch, count - done)
            s.sendall(b"".join(compare.resp(cmd, key, *gen(i)) for i in range(done, done + n)))
            got = b""
            while len(got) < 4 * n:
                chunk = s.recv(1 << 20)
                if not chunk:
                    raise SystemExit(f"{server.name} closed the connection during the load")
                got += chunk
            if got != b":1\r\n" * n:
                raise SystemExit(f"{server.name}: unexpected reply during load: {got[:80]!r}")
            done += n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="1 round, 20,000 requests, 100,000 elements")
    ap.add_argument("--rounds", type=int)
    ap.add_argument("--requests", type=int)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--keyspace", type=int, default=100000, help="redis-benchmark -r (100,000)")
    ap.add_argument("--elements", type=int, help="elements for the memory rows (1,000,000)")
    ap.add_argument("--no-throughput", action="store_true")
    ap.add_argument("--no-memory", action="store_true")
    ap.add_argument("--cinder-bin", default=os.path.join(
        os.environ.get("CARGO_TARGET_DIR", os.path.join(compare.ROOT, "target")), "release", "cinder-server"))
    ap.add_argument("--redis-bin", default="redis-server")
    a = ap.parse_args()
    rounds = a.rounds or (1 if a.quick else 5)
    requests = a.requests or (20000 if a.quick else 200000)
    elements = a.elements or (100000 if a.quick else 1000000)

    redis, cinder = compare.start_pair(a.redis_bin, a.cinder_bin)
    try:
        print("# Hashes and sets: Cinder vs Redis\n")
        print(f"- redis: {compare.version_of([a.redis_bin, '--version'])}")
        print(f"- cinder: {a.cinder_bin} (git "
              f"{compare.version_of(['git', '-C', compare.ROOT, 'describe', '--always', '--dirty'])})")
        print(f"- {rounds} round(s), {requests} requests, {a.clients} clients, -r {a.keyspace}; "
              f"median of rounds; {os.cpu_count()} CPUs shared by client and servers")
        sys.stdout.flush()
        if not a.no_throughput:
            print("\n| command | pipeline | redis rps | cinder rps | cinder/redis |")
            print("|---|---:|---:|---:|---:|")
            for pl in (1, 16):
                for name, args in TESTS:
                    got = {"redis": [], "cinder": []}
                    for i in range(rounds):
                        for srv in ((redis, cinder) if i % 2 == 0 else (cinder, redis)):
                            got[srv.name].append(compare.benchmark_row(srv, args, requests, a.clients, pl, a.keyspace))
                    med = {k: statistics.median(v) if None not in v else None for k, v in got.items()}
                    r, c = med["redis"], med["cinder"]
                    show = lambda v: "failed" if v is None else compare.fmt_int(v)
                    ratio = f"{c / r:.2f}" if r and c else "n/a"
                    print(f"| {name} | {pl} | {show(r)} | {show(c)} | {ratio} |")
                    sys.stdout.flush()
        if not a.no_memory:
            print(f"\nMemory of one collection of {elements:,} elements (used_memory growth over "
                  "the empty server / elements):\n")
            print("| data | redis B/elem | cinder B/elem | cinder/redis |")
            print("|---|---:|---:|---:|")
            for label, cmd, key, gen in SHAPES:
                per = {}
                for srv in (redis, cinder):
                    srv.call("FLUSHALL")
                    time.sleep(0.2)
                    before = srv.used_memory()
                    load(srv, cmd, key, gen, elements)
                    time.sleep(0.3)
                    after = srv.used_memory()
                    per[srv.name] = None if before is None or after is None else (after - before) / elements
                    srv.call("FLUSHALL")
                r, c = per["redis"], per["cinder"]
                show = lambda v: "n/a" if v is None else f"{v:.1f}"
                ratio = f"{c / r:.2f}" if r and c else "n/a"
                print(f"| {label} | {show(r)} | {show(c)} | {ratio} |")
                sys.stdout.flush()
    finally:
        cinder.stop()
        redis.stop()


if __name__ == "__main__":
    main()
