#!/usr/bin/env python3
"""Stream throughput and memory: cinder-server against real redis-server.

Started by bench/streams.sh (which builds the release binary). Uses compare.py's server
handling. Rows (issue 5): `XADD s * f v`; XRANGE of 10 entries; XREADGROUP COUNT 10 (new
entries, each read adds 10 pending entries) and XACK (one pending ID of a 1,000,000-entry
PEL, chosen at random) with their combined rate for a read-then-ack pair; each without
and with pipelining, as the median requests per second of interleaved redis-benchmark
runs. First (so RSS starts from fresh servers) one stream of 1,000,000 entries with two
small fields loaded into each server, with used_memory and RSS per entry. Prints Markdown.
"""

import argparse
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import add_pair_args, collection_memory_table, benchmark_row, fmt_int, interleaved_row, pair_header, resp, start_pair  # noqa: E402

# (row name, command argv, keyspace for -r, preload kind)
ROWS = [
    ("XADD s * f v", ["xadd", "xb:add", "*", "f", "v"], 0, None),
    ("XRANGE of 10 entries", ["xrange", "xb:range", "-", "+", "COUNT", "10"], 0, "range"),
    ("XREADGROUP COUNT 10 (>)", ["xreadgroup", "GROUP", "g", "c", "COUNT", "10", "STREAMS", "xb:rg", ">"], 0, "readgroup"),
    ("XACK (1M pending)", ["xack", "xb:ack", "g", "__rand_int__-0"], 1000000, "ack"),
]


def send_all(server, commands, batch=1000):
    """Sends encoded commands pipelined in batches; checks no reply is an error."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=600) as s:
        for start in range(0, len(commands), batch):
            chunk = commands[start:start + batch]
            s.sendall(b"".join(chunk))
            got = b""
            want = len(chunk)
            # Every reply here is a single line (+OK, $n id, :n) or a bulk: count lines.
            while True:
                got += s.recv(1 << 20)
                lines = got.count(b"\r\n")
                if lines >= want and got.endswith(b"\r\n") and replies(got) >= want:
                    break
            if b"\r\n-" in b"\r\n" + got:
                raise SystemExit(f"{server.name}: error during load: {got[:120]!r}")


def replies(buf):
    """Number of complete top-level replies in `buf` (simple, integer and bulk only)."""
    n, i = 0, 0
    while i < len(buf):
        end = buf.find(b"\r\n", i)
        if end < 0:
            break
        if buf[i:i + 1] == b"$" and buf[i + 1:end] != b"-1":
            ln = int(buf[i + 1:end])
            if end + 2 + ln + 2 > len(buf):
                break
            i = end + 2 + ln + 2
        else:
            i = end + 2
        n += 1
    return n


def load_stream(server, key, n, fields):
    """XADDs entries with IDs `i-0` for i in 1..n, fields from `fields(i)`."""
    send_all(server, [resp("XADD", key, b"%d-0" % i, *fields(i)) for i in range(1, n + 1)])


def preload(server, kind, requests):
    if kind == "range":
        load_stream(server, "xb:range", 1000, lambda i: [b"f", b"v%d" % i])
    elif kind == "readgroup":
        # Enough new entries for every XREADGROUP COUNT 10 of the run.
        load_stream(server, "xb:rg", requests * 10 + 10, lambda i: [b"f", b"v"])
        server.call("XGROUP", "CREATE", "xb:rg", "g", "0")
    elif kind == "ack":
        load_stream(server, "xb:ack", 1000000, lambda i: [b"f", b"v"])
        server.call("XGROUP", "CREATE", "xb:ack", "g", "0")
        cmd = resp("XREADGROUP", "GROUP", "g", "c", "COUNT", "1000", "STREAMS", "xb:ack", ">")
        marker = b"$6\r\nxb:ack\r\n"
        with socket.create_connection(("127.0.0.1", server.port), timeout=600) as s:
            s.sendall(cmd * 1000)
            seen, tail = 0, b""
            while seen < 1000:
                chunk = s.recv(1 << 20)
                if not chunk:
                    raise SystemExit(f"{server.name} closed the connection during the load")
                buf = tail + chunk
                seen += buf.count(marker)
                tail = buf[-(len(marker) - 1):]



def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_pair_args(ap, "--entries", "entries for the memory row (default 1,000,000)")
    a = ap.parse_args()
    rounds = a.rounds or (1 if a.quick else 5)
    requests = a.requests or (20000 if a.quick else 200000)
    members = a.entries or (100000 if a.quick else 1000000)

    redis, cinder = start_pair(a.redis_bin, a.cinder_bin)
    try:
        pair_header("Streams", a, rounds, requests)
        if not a.no_memory:
            collection_memory_table(
                (redis, cinder),
                lambda srv: send_all(srv, [resp("XADD", "xb:mem", "*", "name", b"user:%d" % i, "score",
                                                b"%d" % (i % 1000)) for i in range(members)]),
                ("XLEN", "xb:mem"), members, "entry",
                f"Memory of one stream of {members:,} entries (`XADD * name user:<i> score <i % 1000>`;"
                " per entry = growth over the empty server / entries):\n")

        if not a.no_throughput:
            print("\n| command | pipeline | redis rps | cinder rps | cinder/redis |")
            print("|---|---:|---:|---:|---:|")
            pair = {}
            for pl in [int(p) for p in a.pipelines.split(",")]:
                for name, argv, keyspace, kind in ROWS:
                    def measure(srv, argv=argv, keyspace=keyspace, kind=kind):
                        srv.call("FLUSHALL")
                        if kind:
                            preload(srv, kind, requests)
                        return benchmark_row(srv, argv, requests, a.clients, pl, keyspace)
                    pair[name] = interleaved_row((redis, cinder), name, pl, rounds, measure)
                rg, ack = pair.get("XREADGROUP COUNT 10 (>)"), pair.get("XACK (1M pending)")
                if rg and ack:
                    comb = [1 / (1 / rg[k] + 1 / ack[k]) for k in (0, 1)]
                    print(f"| XREADGROUP COUNT 10 + XACK (pairs/s, combined) | {pl} | {fmt_int(comb[0])} "
                          f"| {fmt_int(comb[1])} | {comb[1] / comb[0]:.2f} |")
    finally:
        cinder.stop()
        redis.stop()


if __name__ == "__main__":
    main()
