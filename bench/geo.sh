#!/usr/bin/env bash
# Geo throughput and memory: release cinder-server against real redis-server.
#   bash bench/geo.sh            # 5 interleaved rounds, 200k requests, 1M-member geo set
#   bash bench/geo.sh --quick    # smoke run
#   bash bench/geo.sh --help     # all options
set -euo pipefail
cd "$(dirname "$0")/.."
for arg in "$@"; do
    case "$arg" in --cinder-bin|--cinder-bin=*|-h|--help) exec python3 bench/geo.py "$@" ;; esac
done
cargo build --release --quiet -p cinder-server
exec python3 bench/geo.py "$@"
