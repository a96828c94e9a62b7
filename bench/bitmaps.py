#!/usr/bin/env python3
"""Bitmap rows: cinder-server against real redis-server, as Markdown.

Throughput (redis-benchmark, interleaved rounds, median, without and with -P 16) of
SETBIT, GETBIT and BITCOUNT on one 1 MB string of random bytes. redis-benchmark's
`__rand_int__` is zero-padded, which a bit offset may not be (Redis's strict integer
parsing), so SETBIT and GETBIT use fixed offsets: one near the start, one near the end of
the string (SETBIT sets a bit that is already set after the first request: the
no-change path). Started by bench/bitmaps.sh (which builds the release binary). Reuses
compare.py's server handling.
"""

import argparse
import os
import random
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402

SIZE = 1 << 20
KEY = "bitmap:1mb"

# (row name, redis-benchmark arguments, share of the requests).
TESTS = [
    ("SETBIT (offset 77)", ["setbit", KEY, "77", "1"], 1),
    ("SETBIT (offset 8388000)", ["setbit", KEY, "8388000", "1"], 1),
    ("GETBIT (offset 77)", ["getbit", KEY, "77"], 1),
    ("GETBIT (offset 8388000)", ["getbit", KEY, "8388000"], 1),
    ("BITCOUNT (whole 1 MB)", ["bitcount", KEY], 0.05),
    ("BITCOUNT 0 -1 BIT (1 MB)", ["bitcount", KEY, "0", "-1", "BIT"], 0.05),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="1 round, 20,000 requests")
    ap.add_argument("--rounds", type=int, help="interleaved rounds per server (default 5)")
    ap.add_argument("--requests", type=int, help="requests per row (default 200,000; 5%% of it for BITCOUNT)")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--cinder-bin", default=os.path.join(
        os.environ.get("CARGO_TARGET_DIR", os.path.join(compare.ROOT, "target")), "release", "cinder-server"))
    ap.add_argument("--redis-bin", default="redis-server")
    a = ap.parse_args()
    rounds = a.rounds or (1 if a.quick else 5)
    requests = a.requests or (20000 if a.quick else 200000)

    payload = random.Random(1).randbytes(SIZE)
    redis, cinder = compare.start_pair(a.redis_bin, a.cinder_bin)
    try:
        compare.pair_header("Bitmaps", a, rounds, requests)
        for srv in (redis, cinder):
            srv.call("SET", KEY, payload)
            assert srv.call("STRLEN", KEY).strip() == b":%d" % SIZE
        print("| command | pipeline | redis rps | cinder rps | cinder/redis |")
        print("|---|---:|---:|---:|---:|")
        for pl in (1, 16):
            for name, args, share in TESTS:
                n = max(1000, int(requests * share))
                compare.interleaved_row(
                    (redis, cinder), name, pl, rounds,
                    lambda srv: compare.benchmark_row(srv, args, n, a.clients, pl))
    finally:
        cinder.stop()
        redis.stop()


if __name__ == "__main__":
    main()
