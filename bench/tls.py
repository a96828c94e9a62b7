#!/usr/bin/env python3
"""TLS throughput: cinder-server's rustls against real redis-server's OpenSSL.

Started by bench/tls.sh (which builds the release binary). Makes a throw-away CA and
server certificate with `openssl`, starts both servers with `tls-port` on free loopback
ports (tls-auth-clients no), and runs `redis-benchmark --tls` SET and GET against each,
interleaved for N rounds, without and with pipelining; reports the median requests per
second and the ratio. Also the same over plain TCP, so the cost of TLS itself shows.
Prints Markdown. Needs python3, openssl, Debian's redis-server and redis-tools.
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_certs(d):
    def run(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=bench CA",
        "-keyout", f"{d}/ca.key", "-out", f"{d}/ca.crt")
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
        "-keyout", f"{d}/server.key", "-out", f"{d}/server.csr")
    with open(f"{d}/ext", "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    run("x509", "-req", "-days", "2", "-in", f"{d}/server.csr", "-CA", f"{d}/ca.crt", "-CAkey",
        f"{d}/ca.key", "-CAcreateserial", "-extfile", f"{d}/ext", "-out", f"{d}/server.crt")


def start(binary, d, name):
    port, tls_port = free_port(), free_port()
    wd = os.path.join(d, name)
    os.makedirs(wd, exist_ok=True)
    args = [binary, "--port", str(port), "--tls-port", str(tls_port), "--tls-cert-file", f"{d}/server.crt",
            "--tls-key-file", f"{d}/server.key", "--tls-ca-cert-file", f"{d}/ca.crt",
            "--tls-auth-clients", "no", "--save", "", "--appendonly", "no"]
    p = subprocess.Popen(args, cwd=wd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", tls_port), timeout=0.2).close()
            break
        except OSError:
            if time.time() > deadline:
                p.kill()
                sys.exit(f"{name} did not start")
            time.sleep(0.05)
    return p, port, tls_port


def bench(port, tls, test, n, clients, pipeline, d):
    args = ["redis-benchmark", "-p", str(port), "-t", test, "-n", str(n), "-c", str(clients),
            "-P", str(pipeline), "-r", "100000", "-d", "64", "--csv", "-q"]
    if tls:
        args += ["--tls", "--cacert", f"{d}/ca.crt"]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        parts = [x.strip('"') for x in line.split(",")]
        if parts and parts[0].upper() == test.upper():
            return float(parts[1])
    raise SystemExit(f"no result in {out!r}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--requests", type=int, default=200000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--quick", action="store_true", help="1 round of 20k requests")
    ap.add_argument("--cinder-bin", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "cinder-server"))
    ap.add_argument("--redis-bin", default="/usr/bin/redis-server")
    a = ap.parse_args()
    if a.quick:
        a.rounds, a.requests = 1, 20000
    d = tempfile.mkdtemp(prefix="cinder-tls-bench-")
    make_certs(d)
    servers = {"redis": start(a.redis_bin, d, "redis"), "cinder": start(a.cinder_bin, d, "cinder")}
    results = {}
    try:
        for tls in (True, False):
            for test in ("set", "get"):
                for pipeline in (1, 16):
                    for r in range(a.rounds):
                        order = ["redis", "cinder"] if r % 2 == 0 else ["cinder", "redis"]
                        for name in order:
                            _, port, tls_port = servers[name]
                            v = bench(tls_port if tls else port, tls, test, a.requests, a.clients, pipeline, d)
                            results.setdefault((tls, test, pipeline, name), []).append(v)
    finally:
        for p, _, _ in servers.values():
            p.kill()
            p.wait()
    print(f"TLS SET/GET, redis-benchmark -c {a.clients} -n {a.requests} -d 64, median of {a.rounds} interleaved rounds\n")
    print("| transport | test | pipeline | redis rps | cinder rps | cinder/redis |")
    print("|---|---|---|---:|---:|---:|")
    for tls in (True, False):
        for test in ("set", "get"):
            for pipeline in (1, 16):
                rv = statistics.median(results[(tls, test, pipeline, "redis")])
                cv = statistics.median(results[(tls, test, pipeline, "cinder")])
                print(f"| {'TLS' if tls else 'TCP'} | {test.upper()} | {pipeline} | {rv:,.0f} | {cv:,.0f} | {cv / rv:.2f}x |")


if __name__ == "__main__":
    main()
