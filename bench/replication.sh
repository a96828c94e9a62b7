#!/usr/bin/env bash
# Replication: release cinder-server against real redis-server 7.0, with a real Redis replica
# attached to each master.
#   1. full sync time of N keys (DEBUG POPULATE N; from REPLICAOF until the replica's link
#      is up: handshake, RDB from a fork (disk-backed), transfer, load);
#   2. replication lag under redis-benchmark SET load: the largest master offset minus the
#      replica's acknowledged offset seen while it runs (replicas ACK once a second, so
#      this is about a second of stream), and the catch-up time after the load ends
#      (until the replica's offset reaches the master's);
#   3. throughput cost of one attached replica (SET rps without and with it).
#   bash bench/replication.sh              # 1M keys, 500k SETs
#   bash bench/replication.sh --quick      # 100k keys, 100k SETs
# Ports: redis 6430-6433, cinder 7430.
set -euo pipefail
cd "$(dirname "$0")/.."
KEYS=1000000
REQS=500000
[[ "${1:-}" == "--quick" ]] && { KEYS=100000; REQS=100000; }
BIN=${CINDER_BIN:-}
if [[ -z "$BIN" ]]; then
    cargo build --release --quiet -p cinder-server
    BIN="${CARGO_TARGET_DIR:-target}/release/cinder-server"
fi
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

field() { redis-cli -p "$1" info "$2" | tr -d '\r' | sed -n "s/^$3://p"; }
wait_port() { for _ in $(seq 600); do [[ "$(redis-cli -p "$1" ping 2>/dev/null)" == PONG ]] && return; sleep 0.05; done; echo "no server on $1" >&2; exit 1; }
now() { date +%s.%N; }

start_master() { # kind port
    mkdir -p "$WORK/m$2"
    if [[ $1 == cinder ]]; then
        (cd "$WORK/m$2" && exec "$BIN" --port "$2" --bind 127.0.0.1 --save '' --enable-debug-command yes --repl-diskless-sync no >/dev/null 2>&1) &
    else
        (cd "$WORK/m$2" && exec redis-server --port "$2" --bind 127.0.0.1 --save '' --enable-debug-command yes --repl-diskless-sync no >/dev/null 2>&1) &
    fi
    PIDS+=($!)
    wait_port "$2"
}
start_replica() { # port kind: a standalone Redis, made a replica later with REPLICAOF (which
    # connects at once, where --replicaof waits for the replica's 1 s cron)
    # A fresh folder each time: a replica keeps the RDB it received.
    mkdir -p "$WORK/r$1-$2"
    (cd "$WORK/r$1-$2" && exec redis-server --port "$1" --bind 127.0.0.1 --save '' >/dev/null 2>&1) &
    PIDS+=($!)
    wait_port "$1"
}
stop() { # and wait until the port is free
    redis-cli -p "$1" shutdown nosave >/dev/null 2>&1 || true
    for _ in $(seq 200); do redis-cli -p "$1" ping >/dev/null 2>&1 || return 0; sleep 0.05; done
}
rps() { redis-benchmark -p "$1" -t set -n "$REQS" -r 100000 -P 16 -c 50 -q 2>/dev/null | tr '\r' '\n' | grep -o 'SET: [0-9.]*' | tail -1 | awk '{print $2}'; }

printf "%-8s %14s %14s %14s %16s %16s\n" master "sync ${KEYS}(s)" "max lag(B)" "catch-up(ms)" "SET rps alone" "SET rps +1 repl"
for kind in redis cinder; do
    if [[ $kind == cinder ]]; then mp=7430; else mp=6430; fi
    rp=6431
    start_master "$kind" "$mp"
    alone=$(rps "$mp")
    redis-cli -p "$mp" flushall >/dev/null
    redis-cli -p "$mp" debug populate "$KEYS" >/dev/null
    start_replica "$rp" "$kind"
    t0=$(now)
    redis-cli -p "$rp" replicaof 127.0.0.1 "$mp" >/dev/null
    for _ in $(seq 6000); do [[ "$(field $rp replication master_link_status)" == up ]] && break; sleep 0.02; done
    t1=$(now)
    sync=$(echo "$t1 - $t0" | bc)
    # Load with the replica attached, sampling the lag.
    maxlag=0
    redis-benchmark -p "$mp" -t set -n "$REQS" -r 100000 -P 16 -c 50 -q > "$WORK/bench.txt" 2>/dev/null &
    bp=$!
    while kill -0 $bp 2>/dev/null; do
        info=$(redis-cli -p "$mp" info replication | tr -d '\r')
        moff=$(echo "$info" | sed -n 's/^master_repl_offset://p')
        soff=$(echo "$info" | sed -n 's/^slave0:.*offset=\([0-9]*\).*/\1/p')
        if [[ -n "$moff" && -n "$soff" ]]; then lag=$((moff - soff)); ((lag > maxlag)) && maxlag=$lag; fi
        sleep 0.1
    done
    with=$(tr '\r' '\n' < "$WORK/bench.txt" | grep -o 'SET: [0-9.]*' | tail -1 | awk '{print $2}')
    t2=$(now)
    target=$(field "$mp" replication master_repl_offset)
    until (( $(field $rp replication slave_repl_offset) >= target )); do sleep 0.01; done
    t3=$(now)
    catch=$(echo "($t3 - $t2) * 1000 / 1" | bc)
    printf "%-8s %14.2f %14d %14s %16s %16s\n" "$kind" "$sync" "$maxlag" "$catch" "$alone" "$with"
    stop "$rp"; stop "$mp"
    sleep 0.3
done
