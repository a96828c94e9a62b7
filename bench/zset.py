#!/usr/bin/env python3
"""Sorted-set throughput and memory: cinder-server against real redis-server.

Started by bench/zset.sh (which builds the release binary). Uses compare.py's server
handling. Rows (issue 4): ZADD with random scores and members, ZRANGE 0 99, ZRANK,
ZINCRBY, ZPOPMIN, each without and with pipelining, as the median requests per second of
interleaved redis-benchmark runs; then one sorted set of 1,000,000 members loaded into
each server, with used_memory and RSS per member. Prints Markdown.
"""

import argparse
import os
import random
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import add_pair_args, collection_memory_table, benchmark_row, interleaved_row, pair_header, resp, start_pair  # noqa: E402

# (row name, command argv, keyspace for -r, preload: (key, members) or None)
ROWS = [
    ("ZADD random score/member", ["zadd", "zb:add", "__rand_int__", "member:__rand_int__"], 1000000, None),
    ("ZRANGE 0 99", ["zrange", "zb:range", "0", "99"], 0, ("zb:range", 1000)),
    ("ZRANK", ["zrank", "zb:rank", "member:__rand_int__"], 1000, ("zb:rank", 1000)),
    ("ZINCRBY", ["zincrby", "zb:incr", "1.5", "member:__rand_int__"], 100000, None),
    ("ZPOPMIN", ["zpopmin", "zb:pop"], 0, ("zb:pop", None)),
]


def load_zset(server, key, n, batch=1000, seed=1):
    """ZADDs members `member:%012d` 0..n-1 (redis-benchmark's __rand_int__ form) with
    random integer scores, pipelined."""
    rnd = random.Random(seed)
    with socket.create_connection(("127.0.0.1", server.port), timeout=300) as s:
        sent = 0
        for start in range(0, n, batch):
            args = []
            for i in range(start, min(n, start + batch)):
                args += [str(rnd.randrange(1_000_000)).encode(), b"member:%012d" % i]
            s.sendall(resp("ZADD", key, *args))
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
        pair_header("Sorted sets", a, rounds, requests)
        if not a.no_throughput:
            print("| command | pipeline | redis rps | cinder rps | cinder/redis |")
            print("|---|---:|---:|---:|---:|")
            for pl in [int(p) for p in a.pipelines.split(",")]:
                for name, argv, keyspace, preload in ROWS:
                    def measure(srv, argv=argv, keyspace=keyspace, preload=preload):
                        srv.call("DEL", argv[1])
                        if preload:
                            key, n = preload
                            load_zset(srv, key, n if n else requests + 1)
                        return benchmark_row(srv, argv, requests, a.clients, pl, keyspace)
                    interleaved_row((redis, cinder), name, pl, rounds, measure)
        if not a.no_memory:
            collection_memory_table(
                (redis, cinder), lambda srv: load_zset(srv, "zb:mem", members), ("ZCARD", "zb:mem"), members,
                "member", f"\nMemory of one sorted set of {members:,} members (`member:%012d`, random "
                "integer scores; per member = growth over the empty server / members):\n")
    finally:
        cinder.stop()
        redis.stop()


if __name__ == "__main__":
    main()
