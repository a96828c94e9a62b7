#!/usr/bin/env python3
"""Load and fault campaign against a release cinder-server (issue #20).

Started by bench/campaign.sh (which builds the release binaries and raises `ulimit -n`).
Each step checks that nothing was lost and that the server still answers afterwards; the
run stops at the first failure (exit status 1). Prints a Markdown table of the figures.

Steps:
  clients1000   redis-benchmark -c 1000 INCR on one counter: the counter equals the
                number of requests; SET/GET rows for the throughput.
  churn         10,000 connections opened (some send a command, some not) and dropped:
                connected_clients returns to its baseline, every PING got PONG.
  slowsub       a subscriber stops reading while a publisher floods 1 KiB messages: the
                subscriber is disconnected at client-output-buffer-limit (Redis's log
                line), the server's RSS stays bounded (peak measured), every PUBLISH
                answered.
  pipeline1g    one client pipelines 1 GiB of SET commands (64 KiB values over 4,096
                keys) while a reader thread counts replies: every reply is +OK, and the
                keys hold the last values written.
  halfsent      clients send half a command (inline, multibulk header, and a huge
                announced bulk) and vanish (close or RST): connected_clients and
                used_memory return to their baseline.
  fuzz          the core's fuzz drivers (core/examples/fuzz_smoke.rs) for N seconds each.

  --quick shrinks every step (CI); the full run uses 600 s per fuzz driver.
"""

import argparse
import os
import random
import re
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
ROWS = []


def row(step, what, figure):
    ROWS.append((step, what, figure))
    print(f"  {step}: {what} = {figure}", file=sys.stderr, flush=True)


def fail(msg):
    print(f"FAILED: {msg}", file=sys.stderr)
    print_table()
    sys.exit(1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """A minimal blocking RESP client."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.buf = b""

    def cmd(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.s.sendall(out)
        return self.read()

    def _line(self):
        while b"\r\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                raise ConnectionError("closed")
            self.buf += d
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def read(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t in (b"+", b"-"):
            return rest.decode()
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                d = self.s.recv(max(65536, n + 2 - len(self.buf)))
                if not d:
                    raise ConnectionError("closed")
                self.buf += d
            v, self.buf = self.buf[:n], self.buf[n + 2:]
            return v
        if t == b"*":
            return [self.read() for _ in range(int(rest))]
        raise ValueError(line)

    def close(self):
        self.s.close()


def info(port, section=""):
    c = Client(port)
    text = c.cmd("INFO", section).decode() if section else c.cmd("INFO").decode()
    c.close()
    return dict(line.split(":", 1) for line in text.split("\r\n") if ":" in line)


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def alive(port):
    c = Client(port)
    ok = c.cmd("PING") == "PONG"
    c.close()
    if not ok:
        fail("server does not answer PING")


def step_clients1000(port, a):
    n = 100_000 if a.quick else 1_000_000
    c = Client(port)
    c.cmd("DEL", "counter:__rand_int__")
    c.close()
    t0 = time.time()
    out = subprocess.run(["redis-benchmark", "-p", str(port), "-c", "1000", "-n", str(n), "-t", "incr", "--csv", "-q"],
                         capture_output=True, text=True, check=True).stdout
    took = time.time() - t0
    c = Client(port)
    got = int(c.cmd("GET", "counter:__rand_int__"))
    c.close()
    if got != n:
        fail(f"clients1000: counter is {got}, expected {n}")
    rps = float([x.strip('"') for x in out.splitlines()[-1].split(",")][1])
    row("clients1000", f"INCR x{n:,} from 1,000 clients, counter exact", f"{rps:,.0f} req/s ({took:.1f} s)")
    out = subprocess.run(["redis-benchmark", "-p", str(port), "-c", "1000", "-n", str(n), "-t", "set,get", "-r", "100000",
                          "--csv", "-q"], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        p = [x.strip('"') for x in line.split(",")]
        if p[0] in ("SET", "GET"):
            row("clients1000", f"{p[0]} with -c 1000", f"{float(p[1]):,.0f} req/s")
    alive(port)


def step_churn(port, a):
    total = 2_000 if a.quick else 10_000
    base = int(info(port, "clients")["connected_clients"])
    recv0 = int(info(port, "stats")["total_connections_received"])
    t0 = time.time()
    batch = 500
    pongs = 0
    for start in range(0, total, batch):
        socks = []
        for i in range(start, min(total, start + batch)):
            s = socket.create_connection(("127.0.0.1", port), timeout=30)
            if i % 2 == 0:
                s.sendall(b"PING\r\n")
            socks.append((i, s))
        for i, s in socks:
            if i % 2 == 0:
                d = b""
                while not d.endswith(b"\r\n"):
                    chunk = s.recv(64)
                    if not chunk:
                        break
                    d += chunk
                pongs += d == b"+PONG\r\n"
            if i % 4 == 1:
                # An abortive close (RST).
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.close()
    took = time.time() - t0
    if pongs != (total + 1) // 2:
        fail(f"churn: {pongs} PONGs for {(total + 1) // 2} PINGs")
    deadline = time.time() + 10
    while int(info(port, "clients")["connected_clients"]) != base:
        if time.time() > deadline:
            fail("churn: connected_clients did not return to its baseline")
        time.sleep(0.05)
    received = int(info(port, "stats")["total_connections_received"]) - recv0
    if received < total:
        fail(f"churn: only {received} connections counted")
    row("churn", f"{total:,} connections opened and dropped (1/4 RST)", f"{total / took:,.0f} conn/s, back to {base} clients")
    alive(port)


def step_slowsub(port, pid, a, log_path):
    msgs = 50_000 if a.quick else 400_000
    c = Client(port)
    limit = c.cmd("CONFIG", "GET", "client-output-buffer-limit")[1].decode()
    c.close()
    rss0 = rss_kb(pid)
    sub = socket.create_connection(("127.0.0.1", port))
    sub.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sub.sendall(b"CLIENT SETNAME campaign-slowsub\r\nSUBSCRIBE flood\r\n")
    time.sleep(0.2)
    pub = socket.create_connection(("127.0.0.1", port))
    payload = b"m" * 1024
    one = b"*3\r\n$7\r\nPUBLISH\r\n$5\r\nflood\r\n$1024\r\n" + payload + b"\r\n"
    peak = rss0
    sent = 0
    answered = 0
    batch = 200
    buf = b""
    t0 = time.time()
    while sent < msgs:
        pub.sendall(one * batch)
        sent += batch
        while answered < sent:
            buf += pub.recv(65536)
            k = buf.count(b"\r\n")
            answered += k
            buf = buf[buf.rfind(b"\r\n") + 2:] if k else buf
        if sent % 10_000 == 0:
            peak = max(peak, rss_kb(pid))
    took = time.time() - t0
    peak = max(peak, rss_kb(pid))
    with open(log_path, errors="replace") as f:
        log = f.read()
    if not re.search(r"name=campaign-slowsub .*scheduled to be closed ASAP for overcoming of output buffer limits\.", log):
        fail("slowsub: no output-buffer-limit disconnection in the log")
    c = Client(port)
    listing = c.cmd("CLIENT", "LIST").decode()
    c.close()
    if "campaign-slowsub" in listing:
        fail("slowsub: the subscriber is still connected")
    sub.close()
    pub.close()
    mb = msgs * 1024 / 1e6
    grown = (peak - rss0) / 1024
    if grown > 200:
        fail(f"slowsub: RSS grew by {grown:.0f} MB")
    row("slowsub", f"{msgs:,} x 1 KiB published ({mb:,.0f} MB) to a stalled subscriber, limit '{limit.split(' pubsub ')[-1]}'",
        f"disconnected at the limit; RSS {rss0 / 1024:.0f} -> peak {peak / 1024:.0f} MB; {msgs / took:,.0f} msg/s")
    alive(port)


def step_pipeline1g(port, pid, a):
    total = (64 << 20) if a.quick else (1 << 30)
    vsize = 64 * 1024
    n = total // vsize
    keys = min(4096, n // 4)
    s = socket.create_connection(("127.0.0.1", port))
    oks = [0, 0]  # +OK replies, other replies

    def reader():
        buf = b""
        while oks[0] + oks[1] < n:
            d = s.recv(1 << 20)
            if not d:
                break
            buf += d
            lines = buf.split(b"\r\n")
            buf = lines.pop()
            for line in lines:
                if line == b"+OK":
                    oks[0] += 1
                else:
                    oks[1] += 1

    th = threading.Thread(target=reader)
    th.start()
    rss0 = rss_kb(pid)
    peak = rss0
    t0 = time.time()
    value = bytearray(b"v" * vsize)
    chunk = []
    for i in range(n):
        key = b"pipe:%d" % (i % keys)
        value[:8] = struct.pack(">Q", i)
        chunk.append(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(key), key, vsize, bytes(value)))
        if len(chunk) == 64:
            s.sendall(b"".join(chunk))
            chunk = []
            if (i + 1) % 1024 == 0:
                peak = max(peak, rss_kb(pid))
    if chunk:
        s.sendall(b"".join(chunk))
    th.join(timeout=600)
    took = time.time() - t0
    peak = max(peak, rss_kb(pid))
    if oks[0] != n or oks[1]:
        fail(f"pipeline1g: {oks[0]} +OK and {oks[1]} other replies for {n} SETs")
    c = Client(port)
    for k in (0, keys - 1):
        v = c.cmd("GET", f"pipe:{k}")
        last = max(i for i in range(n - keys, n) if i % keys == k)
        if v is None:
            fail(f"pipeline1g: pipe:{k} is missing")
        if struct.unpack(">Q", v[:8])[0] != last:
            fail(f"pipeline1g: pipe:{k} does not hold the last value written")
    c.cmd("DEL", *[f"pipe:{k}" for k in range(keys)])
    c.close()
    s.close()
    row("pipeline1g", f"{total / (1 << 30):.2f} GiB pipelined ({n:,} SET of 64 KiB), every reply +OK, last values kept",
        f"{total / took / 1e6:,.0f} MB/s; RSS {rss0 / 1024:.0f} -> peak {peak / 1024:.0f} MB")
    alive(port)


def step_halfsent(port, a):
    rounds = 200 if a.quick else 2_000
    base_clients = int(info(port, "clients")["connected_clients"])
    mem0 = int(info(port, "memory")["used_memory"])
    partials = [
        b"SET foo ba",                                  # inline, no newline
        b"*3\r\n$3\r\nSET\r\n$3\r\nfoo\r\n",             # multibulk missing an argument
        b"*2\r\n$4\r\nECHO\r\n$100000000\r\n" + b"x" * 65536,  # huge announced bulk, partly sent
        b"*1000000\r\n",                                # huge argument count
        b"*3\r\n$3\r\nSET\r\n$3\r\nfoo\r\n$5\r\nba",    # cut inside the last bulk
    ]
    t0 = time.time()
    for i in range(rounds):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(partials[i % len(partials)])
        if i % 2:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
    took = time.time() - t0
    deadline = time.time() + 10
    while int(info(port, "clients")["connected_clients"]) != base_clients:
        if time.time() > deadline:
            fail("halfsent: connected_clients did not return to its baseline")
        time.sleep(0.05)
    mem1 = int(info(port, "memory")["used_memory"])
    c = Client(port)
    if c.cmd("EXISTS", "foo") != 0:
        fail("halfsent: a half-sent SET ran")
    c.close()
    row("halfsent", f"{rounds:,} clients sent half a command and vanished (half with RST)",
        f"{rounds / took:,.0f}/s; clients back to {base_clients}; used_memory {mem0:,} -> {mem1:,} B")
    alive(port)


def step_fuzz(a):
    secs = a.fuzz_seconds
    exe = os.path.join(TARGET, "release", "examples", "fuzz_smoke")
    t0 = time.time()
    p = subprocess.run([exe, "--seconds", str(secs)], cwd=ROOT, capture_output=True, text=True)
    took = time.time() - t0
    if p.returncode != 0:
        print(p.stdout[-4000:], p.stderr[-4000:], file=sys.stderr)
        fail("fuzz: a driver failed")
    drivers = re.findall(r"^fuzz_smoke (\w+): ok, \d+ corpus inputs, (\d+) generated", p.stdout, re.M)
    if not drivers:
        fail("fuzz: no driver reported")
    detail = "no failure; inputs: " + ", ".join(f"{d} {int(n):,}" for d, n in drivers)
    row("fuzz", f"fuzz_smoke, {secs} s per driver ({took:.0f} s)", detail)


def print_table():
    print("| step | what | figure |")
    print("|---|---|---|")
    for step, what, fig in ROWS:
        print(f"| {step} | {what} | {fig} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes and 5 s per fuzz driver (CI)")
    ap.add_argument("--fuzz-seconds", type=float, default=None, help="per driver (default 600, --quick 5)")
    ap.add_argument("--steps", default="clients1000,churn,slowsub,pipeline1g,halfsent,fuzz")
    ap.add_argument("--cinder-bin", default=os.path.join(TARGET, "release", "cinder-server"))
    a = ap.parse_args()
    if a.fuzz_seconds is None:
        a.fuzz_seconds = 5 if a.quick else 600
    steps = a.steps.split(",")
    d = tempfile.mkdtemp(prefix="cinder-campaign-")
    port = free_port()
    log_path = os.path.join(d, "server.log")
    logf = open(log_path, "w")
    srv = subprocess.Popen([a.cinder_bin, "--port", str(port), "--save", "", "--appendonly", "no", "--maxclients", "10000"],
                           cwd=d, stdout=logf, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 10
        while True:
            try:
                alive(port)
                break
            except OSError:
                if time.time() > deadline:
                    fail("server did not start")
                time.sleep(0.05)
        print(f"campaign against {a.cinder_bin} on port {port}{' (quick)' if a.quick else ''}", file=sys.stderr)
        if "clients1000" in steps:
            step_clients1000(port, a)
        if "churn" in steps:
            step_churn(port, a)
        if "slowsub" in steps:
            step_slowsub(port, srv.pid, a, log_path)
        if "pipeline1g" in steps:
            step_pipeline1g(port, srv.pid, a)
        if "halfsent" in steps:
            step_halfsent(port, a)
        if srv.poll() is not None:
            fail("the server exited")
        alive(port)
    finally:
        srv.terminate()
        srv.wait()
    if "fuzz" in steps:
        step_fuzz(a)
    print_table()


if __name__ == "__main__":
    main()
