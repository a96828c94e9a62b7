#!/usr/bin/env python3
"""Geo throughput and memory: cinder-server against real redis-server.

Started by bench/geo.sh (which builds the release binary). Uses compare.py's server
handling. Rows (issue 17): GEOADD of random points (redis-benchmark's `__rand_int__` as
the coordinates' decimals, so every request adds or moves a point in a 1x1 degree box),
GEOSEARCH of a 100 km radius (all results, and ASC COUNT 10) in a 100,000-member set
spread over a 20x20 degree box (about 700 members within 100 km of the centre), each
without and with pipelining, as the median requests per second of interleaved
redis-benchmark runs; then one geo set of 1,000,000 members loaded into each server,
with used_memory and RSS per member. Prints Markdown.
"""

import argparse
import os
import random
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import add_pair_args, collection_memory_table, benchmark_row, interleaved_row, pair_header, resp  # noqa: E402
from compare import start_pair  # noqa: E402

SEARCH_SET = 100_000
# (row name, command argv, keyspace for -r, preload: (key, members) or None)
ROWS = [
    ("GEOADD random point", ["geoadd", "gb:add", "13.__rand_int__", "38.__rand_int__", "member:__rand_int__"], 1000000, None),
    ("GEOSEARCH 100 km radius (all)",
     ["geosearch", "gb:search", "FROMLONLAT", "10", "45", "BYRADIUS", "100", "km"], 0, ("gb:search", SEARCH_SET)),
    ("GEOSEARCH 100 km radius ASC COUNT 10",
     ["geosearch", "gb:search", "FROMLONLAT", "10", "45", "BYRADIUS", "100", "km", "ASC", "COUNT", "10"], 0,
     ("gb:search", SEARCH_SET)),
]


def load_geo(server, key, n, batch=1000, seed=1):
    """GEOADDs members `member:%012d` 0..n-1 at random points of the box lon 0..20,
    lat 35..55, pipelined."""
    rnd = random.Random(seed)
    with socket.create_connection(("127.0.0.1", server.port), timeout=300) as s:
        sent = 0
        for start in range(0, n, batch):
            args = []
            for i in range(start, min(n, start + batch)):
                args += [b"%.6f" % rnd.uniform(0, 20), b"%.6f" % rnd.uniform(35, 55), b"member:%012d" % i]
            s.sendall(resp("GEOADD", key, *args))
            sent += 1
        got = b""
        while got.count(b"\r\n") < sent:
            chunk = s.recv(1 << 20)
            if not chunk:
                raise SystemExit(f"{server.name} closed the connection during the load")
            got += chunk
        if got.startswith(b"-"):
            raise SystemExit(f"{server.name}: error during load: {got[:80]!r}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_pair_args(ap, "--members", "members for the memory row (default 1,000,000)")
    a = ap.parse_args()
    rounds = a.rounds or (1 if a.quick else 5)
    requests = a.requests or (20000 if a.quick else 200000)
    members = a.members or (100000 if a.quick else 1000000)

    redis, cinder = start_pair(a.redis_bin, a.cinder_bin)
    try:
        pair_header("Geo", a, rounds, requests)
        if not a.no_throughput:
            print("| command | pipeline | redis rps | cinder rps | cinder/redis |")
            print("|---|---:|---:|---:|---:|")
            for pl in [int(p) for p in a.pipelines.split(",")]:
                for name, argv, keyspace, preload in ROWS:
                    def measure(srv, argv=argv, keyspace=keyspace, preload=preload):
                        if preload:
                            key, n = preload
                            if srv.call("ZCARD", key) != b":%d\r\n" % n:
                                srv.call("DEL", key)
                                load_geo(srv, key, n)
                        else:
                            srv.call("DEL", argv[1])
                        return benchmark_row(srv, argv, requests, a.clients, pl, keyspace)
                    interleaved_row((redis, cinder), name, pl, rounds, measure)
        if not a.no_memory:
            collection_memory_table(
                (redis, cinder), lambda srv: load_geo(srv, "gb:mem", members), ("ZCARD", "gb:mem"), members,
                "member", f"\nMemory of one geo set of {members:,} members (`member:%012d`, random points "
                "in a 20x20 degree box; per member = growth over the empty server / members):\n")
    finally:
        cinder.stop()
        redis.stop()


if __name__ == "__main__":
    main()
