#!/usr/bin/env python3
"""HyperLogLog throughput: cinder-server against real redis-server.

Started by bench/hll.sh (which builds the release binary). Uses compare.py's server
handling. Rows (issue 17): `PFADD hb:add <random element>` (one key, elements from a
1,000,000-value keyspace, so it turns dense early and most adds change nothing);
PFCOUNT of one dense key (the cached cardinality); PFCOUNT of three dense keys (merged
on the fly every call: Redis's costliest HLL read); each without and with pipelining, as
the median requests per second of interleaved redis-benchmark runs. Prints Markdown.
"""

import argparse
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import add_pair_args, benchmark_row, interleaved_row, pair_header, resp, start_pair  # noqa: E402

# (row name, command argv, keyspace for -r, preload)
ROWS = [
    ("PFADD (random element)", ["pfadd", "hb:add", "e:__rand_int__"], 1000000, False),
    ("PFCOUNT of 1 key", ["pfcount", "hb:1"], 0, True),
    ("PFCOUNT of 3 keys", ["pfcount", "hb:1", "hb:2", "hb:3"], 0, True),
]


def preload(server):
    """Three dense HLLs of 100,000 elements each (overlapping), cached counts valid."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=600) as s:
        for k in (1, 2, 3):
            cmds = [resp("PFADD", f"hb:{k}", *[b"e%d" % (j + 50000 * k) for j in range(i, i + 1000)])
                    for i in range(0, 100000, 1000)]
            cmds.append(resp("PFCOUNT", f"hb:{k}"))
            s.sendall(b"".join(cmds))
            got = b""
            while got.count(b"\r\n") < len(cmds):
                got += s.recv(1 << 20)
            if b"-" in got[:1] or b"\r\n-" in got:
                raise SystemExit(f"{server.name}: error during load: {got[:120]!r}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_pair_args(ap, "--elements", "unused (no memory row)")
    a = ap.parse_args()
    rounds = a.rounds or (1 if a.quick else 5)
    requests = a.requests or (20000 if a.quick else 200000)

    redis, cinder = start_pair(a.redis_bin, a.cinder_bin)
    try:
        pair_header("HyperLogLog", a, rounds, requests)
        print("\n| command | pipeline | redis rps | cinder rps | cinder/redis |")
        print("|---|---:|---:|---:|---:|")
        for pl in [int(p) for p in a.pipelines.split(",")]:
            for name, argv, keyspace, load in ROWS:
                def measure(srv, argv=argv, keyspace=keyspace, load=load):
                    srv.call("FLUSHALL")
                    if load:
                        preload(srv)
                    return benchmark_row(srv, argv, requests, a.clients, pl, keyspace)
                interleaved_row((redis, cinder), name, pl, rounds, measure)
    finally:
        cinder.stop()
        redis.stop()


if __name__ == "__main__":
    main()
