#!/usr/bin/env bash
# Persistence: release cinder-server against real redis-server (AOF write throughput, SAVE
# and load times, BGSAVE fork time), as Markdown.
#   bash bench/persistence.sh            # full sizes (1M keys, ~1 GB for the fork)
#   bash bench/persistence.sh --quick    # smoke run
#   bash bench/persistence.sh --help     # all options
set -euo pipefail
cd "$(dirname "$0")/.."
for arg in "$@"; do
    case "$arg" in --cinder-bin|--cinder-bin=*|-h|--help) exec python3 bench/persistence.py "$@" ;; esac
done
cargo build --release --quiet -p cinder-server
exec python3 bench/persistence.py "$@"
