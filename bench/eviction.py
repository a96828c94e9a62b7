#!/usr/bin/env python3
"""Cache hit ratio under maxmemory: cinder-server against real redis-server.

Both servers get the same `maxmemory` and policy and replay the same seeded key-access
trace: a Zipf distribution over a key universe about ten times larger than what fits,
with a scan-like burst of one-off keys in the middle. Each access is a GET; a miss is
followed by a SET of the key (a cache filling itself), with a TTL for volatile-ttl. The
hit ratio is counted after a warm-up. Also printed: the peak RSS of each server process
(VmHWM) relative to maxmemory. Prints Markdown; run by bench/eviction.sh.
"""

import argparse
import bisect
import os
import random
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import ROOT, Server, resp, version_of  # noqa: E402


def zipf_cdf(n, s):
    """Cumulative weights of ranks 1..n for a Zipf law with exponent `s`."""
    acc, out = 0.0, []
    for r in range(1, n + 1):
        acc += 1.0 / r ** s
        out.append(acc)
    return out


def make_trace(universe, accesses, s, burst, seed):
    """Key ids: Zipf picks (rank -> a shuffled id), with `burst` one-off ids (a scan over
    keys never seen again) in the middle."""
    rng = random.Random(seed)
    cdf = zipf_cdf(universe, s)
    total = cdf[-1]
    ids = list(range(universe))
    rng.shuffle(ids)
    trace = [ids[bisect.bisect_left(cdf, rng.random() * total)] for _ in range(accesses)]
    mid = accesses // 2
    scan = [universe + i for i in range(burst)]
    return trace[:mid] + scan + trace[mid:]


class Conn:
    """A pipelining RESP connection that reads only what this benchmark needs."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=120)
        self.buf = b""

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.s.recv(1 << 20)
            if not chunk:
                raise SystemExit("connection closed")
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line

    def _reply(self):
        line = self._line()
        if line[:1] == b"$":
            n = int(line[1:])
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self.buf += self.s.recv(1 << 20)
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data
        if line[:1] == b"-":
            return ("error", line[1:].decode())
        return line[1:]

    def pipeline(self, cmds):
        self.s.sendall(b"".join(cmds))
        return [self._reply() for _ in cmds]


def replay(port, trace, warmup, value, ttl, window):
    """Hit ratio after `warmup` accesses, and the number of refused SETs (OOM)."""
    c = Conn(port)
    hits = counted = oom = 0
    for i in range(0, len(trace), window):
        part = trace[i:i + window]
        got = c.pipeline([resp("GET", b"key:%d" % k) for k in part])
        misses = []
        for j, (k, v) in enumerate(zip(part, got)):
            if i + j >= warmup:
                counted += 1
                hits += v is not None
            if v is None:
                misses.append(k)
        if misses:
            sets = [resp("SET", b"key:%d" % k, value, *(("EX", str(ttl(k))) if ttl else ())) for k in misses]
            for r in c.pipeline(sets):
                if isinstance(r, tuple):
                    oom += 1
    return hits / max(counted, 1), oom



def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="a smaller trace (smoke run)")
    ap.add_argument("--maxmemory", help="default 16mb (--quick: 2mb)")
    ap.add_argument("--universe", type=int, help="distinct keys in the Zipf part (default 500,000)")
    ap.add_argument("--accesses", type=int, help="Zipf accesses (default 1,000,000)")
    ap.add_argument("--zipf", type=float, default=0.9, help="Zipf exponent")
    ap.add_argument("--value-size", type=int, default=100)
    ap.add_argument("--policies", default="allkeys-lru,allkeys-lfu,volatile-ttl")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cinder-bin", default=os.path.join(
        os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "cinder-server"))
    ap.add_argument("--redis-bin", default="redis-server")
    a = ap.parse_args()
    a.maxmemory = a.maxmemory or ("2mb" if a.quick else "16mb")
    universe = a.universe or (100_000 if a.quick else 500_000)
    accesses = a.accesses or (200_000 if a.quick else 1_000_000)
    burst = universe // 5
    warmup = accesses // 5
    value = b"v" * a.value_size
    trace = make_trace(universe, accesses, a.zipf, burst, a.seed)
    rng = random.Random(a.seed + 1)
    ttls = {}

    def ttl(k):
        # A stable TTL per key (volatile-ttl evicts the soonest-expiring): 1-3 hours.
        if k not in ttls:
            ttls[k] = rng.randint(3600, 3 * 3600)
        return ttls[k]

    print("# Eviction: hit ratio under maxmemory, Cinder vs Redis\n")
    print(f"- redis: {version_of([a.redis_bin, '--version'])}; cinder: {a.cinder_bin}")
    print(f"- maxmemory {a.maxmemory}, maxmemory-samples 5 (default); trace: {accesses:,} Zipf(s={a.zipf}) "
          f"accesses over {universe:,} keys of {a.value_size} B values, plus a scan burst of "
          f"{burst:,} one-off keys in the middle; GET, and SET on a miss (with EX for volatile-ttl); "
          f"hit ratio counted after the first {warmup:,} accesses; seed {a.seed}\n")
    print("| policy | Redis hit ratio | Cinder hit ratio | cinder/redis | Redis keys at end | Cinder keys at end "
          "| Redis peak RSS / maxmemory | Cinder peak RSS / maxmemory |")
    print("|---|---|---|---|---|---|---|---|")
    for policy in a.policies.split(","):
        row = {}
        for name, argv in (
            ("redis", lambda port, d: [a.redis_bin, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                       "--appendonly", "no", "--dir", d, "--maxmemory", a.maxmemory,
                                       "--maxmemory-policy", policy]),
            ("cinder", lambda port, d: [a.cinder_bin, "--port", str(port), "--maxmemory", a.maxmemory,
                                        "--maxmemory-policy", policy]),
        ):
            srv = Server(name, argv)
            try:
                ratio, oom = replay(srv.port, trace, warmup, value, ttl if policy == "volatile-ttl" else None, 200)
                maxmem = int(srv.info_field("memory", "maxmemory"))
                keys = Conn(srv.port).pipeline([resp("DBSIZE")])[0]
                row[name] = (ratio, oom, int(keys), srv.peak_rss_bytes() / maxmem)
            finally:
                srv.stop()
        r, c = row["redis"], row["cinder"]
        note = "" if r[1] == c[1] == 0 else f" (OOM refusals: redis {r[1]}, cinder {c[1]})"
        print(f"| {policy} | {r[0]:.4f} | {c[0]:.4f} | **{c[0] / r[0]:.3f}**{note} | {r[2]:,} | {c[2]:,} "
              f"| {r[3]:.2f} | {c[3]:.2f} |", flush=True)


if __name__ == "__main__":
    main()
