#!/usr/bin/env bash
# HyperLogLog throughput: release cinder-server against real redis-server.
#   bash bench/hll.sh            # 5 interleaved rounds, 200k requests
#   bash bench/hll.sh --quick    # smoke run
#   bash bench/hll.sh --help     # all options
set -euo pipefail
cd "$(dirname "$0")/.."
for arg in "$@"; do
    case "$arg" in --cinder-bin|--cinder-bin=*|-h|--help) exec python3 bench/hll.py "$@" ;; esac
done
cargo build --release --quiet -p cinder-server
exec python3 bench/hll.py "$@"
