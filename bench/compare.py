#!/usr/bin/env python3
"""Throughput and memory comparison: cinder-server against real redis-server.

Started by bench/compare.sh (which builds the release binary). Starts both servers on
free loopback ports, runs redis-benchmark against each one interleaved (redis, cinder,
cinder, redis, ...) for N rounds and reports the median requests per second of every
test, without and with pipelining, and the CPU time each server used per request (from
/proc/<pid>/task/*/schedstat: on a busy shared machine the throughput ratio mostly measures
the scheduler, while the CPU ratio is what an idle machine's throughput would follow); then loads the same 1,000,000 string keys into each
and reports used_memory and RSS per key. Prints Markdown. Needs only python3 and
Debian's redis-server/redis-tools.
"""

import argparse
import datetime
import os
import platform
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# redis-benchmark -t names and the command each one exercises.
BENCH_TESTS = [
    ("ping_inline", "ping"), ("ping_mbulk", "ping"), ("set", "set"), ("get", "get"),
    ("incr", "incr"), ("lpush", "lpush"), ("rpush", "rpush"), ("lpop", "lpop"),
    ("rpop", "rpop"), ("sadd", "sadd"), ("hset", "hset"), ("spop", "spop"),
    ("zadd", "zadd"), ("zpopmin", "zpopmin"), ("lrange_100", "lrange"), ("mset", "mset"),
]
# What the task asks for at least, in this order, when implemented.
PREFERRED = ["ping_mbulk", "set", "get", "incr", "mset"]


def implemented_commands():
    """Command names listed in tools/commands.txt (containers and subcommands alike): the
    first word of each line (the second is the handler)."""
    names = set()
    with open(os.path.join(ROOT, "tools", "commands.txt")) as f:
        for line in f:
            words = line.split()
            if words and not words[0].startswith("#"):
                names.add(words[0].split("|", 1)[0].lower())
    return names


def default_tests():
    have = implemented_commands()
    tests = [t for t in PREFERRED if dict(BENCH_TESTS)[t] in have]
    tests += [t for t, cmd in BENCH_TESTS if cmd in have and t not in tests]
    return tests


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Server:
    """A server process on a free port; stopped by stop()."""

    def __init__(self, name, argv_fn):
        self.name = name
        self.dir = tempfile.mkdtemp(prefix=f"cinder-bench-{name}-")
        for _ in range(5):
            self.port = free_port()
            self.log = open(os.path.join(self.dir, "server.log"), "wb")
            self.proc = subprocess.Popen(argv_fn(self.port, self.dir), cwd=self.dir,
                                         stdin=subprocess.DEVNULL, stdout=self.log,
                                         stderr=subprocess.STDOUT)
            if self.wait_ready():
                return
            self.stop(keep_dir=True)
        raise SystemExit(f"{name} did not start; log in {self.dir}")

    def wait_ready(self):
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
                    s.sendall(resp("PING"))
                    if s.recv(64):
                        return True
            except OSError:
                time.sleep(0.05)
        return False

    def call(self, *args):
        """One command on a new connection; returns the raw reply payload."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=60) as s:
            s.sendall(resp(*args))
            data = b""
            while True:
                chunk = s.recv(1 << 16)
                if not chunk:
                    break
                data += chunk
                if data[:1] in (b"+", b"-", b":") and data.endswith(b"\r\n"):
                    break
                if data[:1] == b"$":
                    head, _, rest = data.partition(b"\r\n")
                    n = int(head[1:])
                    if n < 0 or len(rest) >= n + 2:
                        return rest[:max(n, 0)]
            return data

    def used_memory(self):
        """Bytes the allocator holds for the server: Redis's INFO used_memory (jemalloc's
        count); for cinder-server the counting allocator's `allocator_allocated` (its
        used_memory is the engine's own accounting, a few percent lower). None when the
        server reports neither."""
        value = self.info_field("memory", "allocator_allocated") if self.name == "cinder" else None
        value = value or self.info_field("memory", "used_memory")
        return int(value) if value and value.isdigit() else None

    def info_field(self, section, field):
        text = self.call("INFO", section).decode(errors="replace")
        for line in text.splitlines():
            if line.startswith(field + ":"):
                return line.split(":", 1)[1].strip()
        return None

    def rss_bytes(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0

    def cpu_ns(self):
        """CPU time the server's threads have used (user + system), in nanoseconds: the
        sum of /proc/<pid>/task/*/schedstat's first field."""
        total = 0
        task_dir = f"/proc/{self.proc.pid}/task"
        for tid in os.listdir(task_dir):
            try:
                with open(f"{task_dir}/{tid}/schedstat") as f:
                    total += int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                pass
        return total

    def peak_rss_bytes(self):
        """The process's peak resident size (VmHWM)."""
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
        return 0

    def stop(self, keep_dir=False):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        if not keep_dir:
            shutil.rmtree(self.dir, ignore_errors=True)


def benchmark_row(server, argv, requests, clients, pipeline, keyspace=None):
    """Requests per second of one redis-benchmark row (`argv`: `-t name` or a command after
    the options) against `server`, or None (with the reason on stderr) when it failed."""
    cmd = ["redis-benchmark", "-h", "127.0.0.1", "-p", str(server.port), "-n", str(requests),
           "-c", str(clients), "-P", str(pipeline), "--csv"]
    if keyspace:
        cmd += ["-r", str(keyspace)]
    out = subprocess.run(cmd + list(argv), capture_output=True, text=True, timeout=1800)
    text = out.stdout + out.stderr
    if out.returncode != 0 or "rror" in text:
        print(f"\n**redis-benchmark on {server.name}: {text.strip().splitlines()[-1:]}**\n", file=sys.stderr)
        return None
    for line in out.stdout.splitlines():
        cols = [c.strip('"') for c in line.split('","')]
        if len(cols) >= 2 and cols[0].strip('"') != "test":
            try:
                return float(cols[1].strip('"'))
            except ValueError:
                pass
    return None


def add_pair_args(ap, size_flag, size_help):
    """The options every per-type comparison script takes: rounds, requests, clients,
    pipelines, the collection size of its memory row (`size_flag`), binaries."""
    ap.add_argument("--quick", action="store_true", help=f"1 round, 20,000 requests, 100,000 {size_flag[2:]}")
    ap.add_argument("--rounds", type=int, help="interleaved rounds per server (default 5)")
    ap.add_argument("--requests", type=int, help="requests per row (default 200,000)")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--pipelines", default="1,16")
    ap.add_argument(size_flag, type=int, help=size_help)
    ap.add_argument("--no-throughput", action="store_true")
    ap.add_argument("--no-memory", action="store_true")
    ap.add_argument("--cinder-bin", default=os.path.join(
        os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "cinder-server"))
    ap.add_argument("--redis-bin", default="redis-server")


def interleaved_row(pair, name, pl, rounds, measure):
    """One throughput row measured on both servers in alternating order for `rounds`
    rounds (`measure(server)` prepares the server and returns rps or None); prints the
    Markdown row (medians) and returns (redis, cinder) medians, or None when a run failed."""
    redis, cinder = pair
    samples = {"redis": [], "cinder": []}
    for i in range(rounds):
        for srv in ((redis, cinder) if i % 2 == 0 else (cinder, redis)):
            rps = measure(srv)
            if rps is not None:
                samples[srv.name].append(rps)
    ok = all(len(v) == rounds for v in samples.values())
    r = statistics.median(samples["redis"]) if samples["redis"] else None
    c = statistics.median(samples["cinder"]) if samples["cinder"] else None
    show = lambda v: fmt_int(v) if v is not None else "failed"  # noqa: E731
    ratio = f"{c / r:.2f}" if ok and r else "n/a"
    print(f"| {name} | {pl} | {show(r)} | {show(c)} | {ratio} |", flush=True)
    return (r, c) if ok else None


def pair_header(title, a, rounds, requests):
    """The heading lines the per-type comparison scripts print."""
    git = version_of(["git", "-C", ROOT, "describe", "--always", "--dirty"])
    print(f"# {title}: Cinder vs Redis\n")
    print(f"- redis: {version_of([a.redis_bin, '--version'])}; cinder git {git}")
    print(f"- {rounds} round(s), {requests} requests, {a.clients} clients, median of rounds; "
          "client and servers share the machine\n")


def collection_memory_table(pair, load, count_cmd, n, unit, intro):
    """Loads one collection of `n` elements into each server of `pair` (after FLUSHALL)
    with `load(server)` and prints used_memory and RSS growth per element, with the
    collection's size from `count_cmd` (e.g. ("ZCARD", key)) and a cinder/redis row."""
    rows = []
    for srv in pair:
        srv.call("FLUSHALL")
        time.sleep(0.2)
        used0, rss0 = srv.used_memory(), srv.rss_bytes()
        t0 = time.time()
        load(srv)
        secs = time.time() - t0
        card = srv.call(*count_cmd).decode().strip().lstrip(":")
        time.sleep(0.5)
        used, rss = srv.used_memory(), srv.rss_bytes()
        per = (used - used0) / n if used is not None and used0 is not None else None
        rows.append((srv.name, used, per, rss, (rss - rss0) / n, secs, card))
    print(intro)
    print(f"| server | used_memory | bytes/{unit} | RSS | bytes/{unit} (RSS) | load time | {count_cmd[0]} |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, used, per, rss, rper, secs, card in rows:
        print(f"| {name} | {fmt_int(used or 0)} | {per:.1f} | {fmt_int(rss)} | {rper:.1f} | {secs:.1f} s | {card} |")
    (_, ru, rp, rr, rrp, _, _), (_, cu, cp, cr, crp, _, _) = rows
    print(f"| cinder/redis | {cu / ru:.2f} | {cp / rp:.2f} | {cr / rr:.2f} | {crp / rrp:.2f} | | |")


def start_pair(redis_bin, cinder_bin):
    """A fresh redis-server and cinder-server on free loopback ports: (redis, cinder)."""
    redis = Server("redis", lambda port, d: [
        redis_bin, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
        "--appendonly", "no", "--dir", d])
    try:
        cinder = Server("cinder", lambda port, d: [cinder_bin, "--port", str(port)])
    except BaseException:
        redis.stop()
        raise
    return redis, cinder


def client_cpu_s():
    """CPU seconds (user + system) used so far by this script's finished children: the
    redis-benchmark runs."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_benchmark(port, tests, requests, clients, pipeline, keyspace):
    argv = ["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-t", ",".join(tests),
            "-n", str(requests), "-c", str(clients), "-P", str(pipeline), "--csv"]
    if keyspace:
        argv += ["-r", str(keyspace)]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=1800)
    if out.returncode != 0:
        last = (out.stdout + out.stderr).strip().splitlines()[-1:] or ["?"]
        print(f"\n**redis-benchmark failed on port {port}** ({out.returncode}): {last[0][:200]}\n",
              file=sys.stderr)
        return {"!failed": 1.0}
    errors = [l for l in (out.stdout + out.stderr).splitlines() if "rror" in l]
    if errors:
        # Error replies still count as requests: such a number would not be comparable.
        print(f"\n**redis-benchmark on port {port} got errors** (rates flagged with !): "
              f"{errors[0][:200]}\n", file=sys.stderr)
    rps = {}
    for line in out.stdout.splitlines():
        cols = [c.strip('"') for c in line.split('","')]
        if len(cols) >= 2 and cols[0] != "test":
            try:
                rps[cols[0].strip('"')] = float(cols[1].strip('"'))
            except ValueError:
                pass
    if errors:
        rps["!errors"] = 1.0
    return rps


def load_keys(server, count, batch=10000):
    """SETs `count` keys (10-byte keys, 16-byte values), pipelined in batches."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=120) as s:
        done = 0
        while done < count:
            n = min(batch, count - done)
            payload = b"".join(
                resp("SET", b"k%09d" % i, b"v%015d" % i) for i in range(done, done + n))
            s.sendall(payload)
            want, got = 5 * n, b""
            while len(got) < want:
                chunk = s.recv(1 << 20)
                if not chunk:
                    raise SystemExit(f"{server.name} closed the connection during the load")
                got += chunk
            if got != b"+OK\r\n" * n:
                raise SystemExit(f"{server.name}: unexpected reply during load: {got[:80]!r}")
            done += n


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def version_of(argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=30).stdout.strip()
    except OSError:
        return "unknown"


def fmt_int(n):
    return f"{n:,.0f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="1 round, 20,000 requests, 100,000 keys (a smoke run)")
    ap.add_argument("--rounds", type=int, help="interleaved rounds per server (default 5)")
    ap.add_argument("--requests", type=int, help="requests per test (default 200,000)")
    ap.add_argument("--clients", type=int, default=50, help="parallel connections (50)")
    ap.add_argument("--pipelines", default="1,16", help="pipeline depths (1,16)")
    ap.add_argument("--tests", help="redis-benchmark -t list (default: implemented ones)")
    ap.add_argument("--keyspace", type=int, default=0, help="redis-benchmark -r (default off)")
    ap.add_argument("--keys", type=int, help="keys for the memory row (default 1,000,000)")
    ap.add_argument("--no-throughput", action="store_true")
    ap.add_argument("--no-memory", action="store_true")
    ap.add_argument("--collections", default="list",
                    help="one-big-collection memory rows (bench/collections_memory.py), '' for none")
    ap.add_argument("--cinder-bin", default=os.path.join(
        os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "cinder-server"))
    ap.add_argument("--redis-bin", default="redis-server")
    a = ap.parse_args()
    rounds = a.rounds or (1 if a.quick else 5)
    requests = a.requests or (20000 if a.quick else 200000)
    keys = a.keys or (100000 if a.quick else 1000000)
    tests = a.tests.split(",") if a.tests else default_tests()
    pipelines = [int(p) for p in a.pipelines.split(",")]

    redis = Server("redis", lambda port, d: [
        a.redis_bin, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
        "--appendonly", "no", "--enable-debug-command", "yes", "--dir", d])
    try:
        cinder = Server("cinder", lambda port, d: [
            a.cinder_bin, "--port", str(port), "--enable-debug-command", "yes"])
    except BaseException:
        redis.stop()
        raise
    try:
        git = version_of(["git", "-C", ROOT, "describe", "--always", "--dirty"])
        print("# Cinder vs Redis\n")
        print(f"- date: {datetime.datetime.now().isoformat(timespec='seconds')}")
        print(f"- machine: {os.cpu_count()} CPUs (nproc {version_of(['nproc'])}), {cpu_model()}, "
              f"{platform.system()} {platform.release()}")
        print(f"- redis: {version_of([a.redis_bin, '--version'])}")
        print(f"- cinder: {a.cinder_bin} (git {git}, reports redis_version "
              f"{cinder.info_field('server', 'redis_version')})")
        print(f"- {version_of(['redis-benchmark', '--version'])}; {rounds} round(s), "
              f"{requests} requests, {a.clients} clients"
              + (f", -r {a.keyspace}" if a.keyspace else "")
              + "; median of rounds; benchmark client and server share the machine")
        sys.stdout.flush()

        if not a.no_throughput:
            print("\n| command | pipeline | redis rps | cinder rps | cinder/redis | redis CPU µs/req "
                  "| cinder CPU µs/req | CPU redis/cinder | client busy (redis / cinder) |")
            print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
            for pl in pipelines:
                samples = {"redis": [], "cinder": []}
                for i in range(rounds):
                    # A B, B A, A B, ...: neither server always runs first.
                    for srv in ((redis, cinder) if i % 2 == 0 else (cinder, redis)):
                        # One redis-benchmark per test: a failing test (an error reply makes
                        # redis-benchmark stop) does not hide the others.
                        merged = {}
                        for t in tests:
                            cpu0 = srv.cpu_ns()
                            client0, wall0 = client_cpu_s(), time.monotonic()
                            got = run_benchmark(srv.port, [t], requests, a.clients, pl, a.keyspace)
                            cpu = srv.cpu_ns() - cpu0
                            busy = (client_cpu_s() - client0) / max(time.monotonic() - wall0, 1e-9)
                            if "!failed" in got:
                                continue
                            merged.update(got)
                            rows = [n for n in got if not n.startswith("!")]
                            if len(rows) == 1:
                                # The server's CPU time per request: what its throughput
                                # would be bound by on an idle machine.
                                merged["~cpu " + rows[0]] = cpu / requests
                                # How busy the benchmark client was: near 100% it, not the
                                # server, sets the row's rate.
                                merged["~busy " + rows[0]] = busy
                        samples[srv.name].append(merged)
                names = []
                for side in ("redis", "cinder"):
                    for smp in samples[side]:
                        names += [n for n in smp if n[0] not in "!~" and n not in names]
                flag = {k: "!" if any("!errors" in s for s in v) else "" for k, v in samples.items()}

                def rate(side, n):
                    got = [s[n] for s in samples[side] if n in s]
                    if len(got) < len(samples[side]):
                        return None, "failed"
                    med = statistics.median(got)
                    return med, fmt_int(med) + flag[side]

                def cpu(side, n, what="~cpu "):
                    got = [s[what + n] for s in samples[side] if what + n in s]
                    return statistics.median(got) if got and len(got) == len(samples[side]) else None

                for n in names:
                    (r, rs), (c, cs) = rate("redis", n), rate("cinder", n)
                    ok = r and c is not None and not (flag["redis"] or flag["cinder"])
                    ratio = f"{c / r:.2f}" if ok else "n/a"
                    rc, cc = cpu("redis", n), cpu("cinder", n)
                    if rc and cc:
                        cpu_cells = f"{rc / 1000:.2f} | {cc / 1000:.2f} | {rc / cc:.2f}"
                    else:
                        cpu_cells = "— | — | —"
                    rb, cb = cpu("redis", n, "~busy "), cpu("cinder", n, "~busy ")
                    busy_cell = f"{rb:.0%} / {cb:.0%}" if rb is not None and cb is not None else "—"
                    print(f"| {n} | {pl} | {rs} | {cs} | {ratio} | {cpu_cells} | {busy_cell} |")
                    sys.stdout.flush()

        if not a.no_memory:
            rows = []
            for srv in (redis, cinder):
                srv.call("FLUSHALL")
                time.sleep(0.2)
                used0 = srv.used_memory()
                rss0 = srv.rss_bytes()
                t0 = time.time()
                try:
                    load_keys(srv, keys)
                except SystemExit as e:
                    print(f"\n**memory load failed on {srv.name}**: {e}", file=sys.stderr)
                    rows = None
                    break
                secs = time.time() - t0
                dbsize = srv.call("DBSIZE")
                time.sleep(0.5)
                used = srv.used_memory()
                rss = srv.rss_bytes()
                per_key = (used - used0) / keys if used is not None and used0 is not None else None
                rows.append((srv.name, used, per_key, rss, (rss - rss0) / keys,
                             secs, dbsize.decode(errors="replace").strip().lstrip(":")))
            if rows is None:
                return
            print(f"\nMemory after loading {keys:,} keys (10-byte keys, 16-byte values; "
                  "per key = growth over the empty server / keys):\n")
            print("| server | used_memory | bytes/key (used_memory) | RSS | bytes/key (RSS) "
                  "| load time | DBSIZE |")
            print("|---|---:|---:|---:|---:|---:|---:|")
            show = lambda v, f: "n/a" if v is None else f(v)
            for name, used, upk, rss, rpk, secs, dbsize in rows:
                print(f"| {name} | {show(used, fmt_int)} | {show(upk, lambda v: f'{v:.1f}')} "
                      f"| {fmt_int(rss)} | {rpk:.1f} | {secs:.1f} s | {dbsize} |")
            (_, ru, rupk, rr, rrpk, _, _), (_, cu, cupk, cr, crpk, _, _) = rows
            ratio = lambda x, y: f"{x / y:.2f}" if x is not None and y else "n/a"
            print(f"| cinder/redis | {ratio(cu, ru)} | {ratio(cupk, rupk)} | {ratio(cr, rr)} "
                  f"| {ratio(crpk, rrpk)} | | |")
            kinds = [k for k in a.collections.split(",") if k]
            if kinds:
                sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
                import collections_memory as cm
                print(f"\nMemory of one collection of {keys:,} elements (used_memory growth / "
                      "elements):\n")
                print("| collection | redis bytes/element | cinder bytes/element | cinder/redis |")
                print("|---|---:|---:|---:|")
                for kind in kinds:
                    (r, _), (c, _) = cm.measure(redis, kind, keys), cm.measure(cinder, kind, keys)
                    show = lambda v: "n/a" if v is None else f"{v:.1f}"
                    print(f"| {kind} ({cm.LOADERS[kind][1]}) | {show(r)} | {show(c)} | {ratio(c, r)} |")
    finally:
        cinder.stop()
        redis.stop()


if __name__ == "__main__":
    main()
