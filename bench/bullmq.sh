#!/usr/bin/env bash
# BullMQ jobs/s side by side: real redis-server and one or more cinder-server binaries,
# interleaved rounds in one run (tests/bullmq/bench.mjs: addBulk, then one Worker at
# concurrency 50), ratios against Redis from the medians.
#
#   bench/bullmq.sh [jobs] [rounds] [cinder-server ...]
#   (default: $CARGO_TARGET_DIR/release/cinder-server; tests/bullmq needs `npm install`)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JOBS=${1:-5000}
ROUNDS=${2:-5}
shift 2 || true
BINS=("$@")
[ ${#BINS[@]} -eq 0 ] && BINS=("${CARGO_TARGET_DIR:-$ROOT/target}/release/cinder-server")
REDIS_PORT=${REDIS_PORT:-6495}
BASE_PORT=${CINDER_PORT:-7395}
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
redis-server --port "$REDIS_PORT" --save '' --appendonly no >/dev/null &
pids+=($!)
names=("redis")
ports=("$REDIS_PORT")
i=0
for b in "${BINS[@]}"; do
  port=$((BASE_PORT + i))
  "$b" --port "$port" --save '' --appendonly no >/dev/null &
  pids+=($!)
  names+=("$(basename "$b")#$i")
  ports+=("$port")
  i=$((i + 1))
done
sleep 0.5
out=$(mktemp)
for r in $(seq 1 "$ROUNDS"); do
  for k in "${!ports[@]}"; do
    line=$(cd "$ROOT/tests/bullmq" && node bench.mjs "${ports[$k]}" "$JOBS")
    echo "${names[$k]} $line" | tee -a "$out"
  done
done
python3 - "$out" <<'PY'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, js = line.split(' ', 1)
    d = json.loads(js)
    rows.setdefault(name, []).append((d['produced_per_s'], d['processed_per_s']))
med = {n: (statistics.median(p for p, _ in v), statistics.median(c for _, c in v)) for n, v in rows.items()}
rp, rc = med['redis']
for n, (p, c) in med.items():
    print(f"{n:28} produced/s {p:8.0f} ({p / rp:.2f}x)  processed/s {c:8.0f} ({c / rc:.2f}x)")
PY
rm -f "$out"
