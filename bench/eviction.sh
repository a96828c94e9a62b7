#!/usr/bin/env bash
# Hit ratio under maxmemory (allkeys-lru, allkeys-lfu, volatile-ttl): release cinder-server against real redis-server.
#   bash bench/eviction.sh            # 1M-access Zipf trace, 16mb limit
#   bash bench/eviction.sh --quick    # smoke run
#   bash bench/eviction.sh --help     # all options
set -euo pipefail
cd "$(dirname "$0")/.."
for arg in "$@"; do
    case "$arg" in --cinder-bin|--cinder-bin=*|-h|--help) exec python3 bench/eviction.py "$@" ;; esac
done
cargo build --release --quiet -p cinder-server
exec python3 bench/eviction.py "$@"
