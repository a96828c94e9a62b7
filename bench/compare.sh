#!/usr/bin/env bash
# Throughput and memory: release cinder-server against real redis-server, as Markdown.
#   bash bench/compare.sh            # 5 interleaved rounds, 200k requests, 1M keys
#   bash bench/compare.sh --quick    # smoke run
#   bash bench/compare.sh --help     # all options
# Needs python3 and Debian's redis-server + redis-tools (redis-benchmark); nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."
for arg in "$@"; do
    case "$arg" in --cinder-bin|--cinder-bin=*|-h|--help) exec python3 bench/compare.py "$@" ;; esac
done
cargo build --release --quiet -p cinder-server
exec python3 bench/compare.py "$@"
