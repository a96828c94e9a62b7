#!/usr/bin/env bash
# Stream throughput and memory: release cinder-server against real redis-server.
#   bash bench/streams.sh            # 5 interleaved rounds, 200k requests, 1M-entry stream
#   bash bench/streams.sh --quick    # smoke run
#   bash bench/streams.sh --help     # all options
set -euo pipefail
cd "$(dirname "$0")/.."
for arg in "$@"; do
    case "$arg" in --cinder-bin|--cinder-bin=*|-h|--help) exec python3 bench/streams.py "$@" ;; esac
done
cargo build --release --quiet -p cinder-server
exec python3 bench/streams.py "$@"
