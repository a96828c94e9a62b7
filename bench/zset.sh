#!/usr/bin/env bash
# Sorted-set throughput and memory: release cinder-server against real redis-server.
#   bash bench/zset.sh            # 5 interleaved rounds, 200k requests, 1M-member set
#   bash bench/zset.sh --quick    # smoke run
#   bash bench/zset.sh --help     # all options
set -euo pipefail
cd "$(dirname "$0")/.."
for arg in "$@"; do
    case "$arg" in --cinder-bin|--cinder-bin=*|-h|--help) exec python3 bench/zset.py "$@" ;; esac
done
cargo build --release --quiet -p cinder-server
exec python3 bench/zset.py "$@"
