#!/usr/bin/env bash
# Bitmap throughput (SETBIT, GETBIT, BITCOUNT of a 1 MB string): release cinder-server against real redis-server.
#   bash bench/bitmaps.sh            # 5 interleaved rounds, 200k requests
#   bash bench/bitmaps.sh --quick    # smoke run
#   bash bench/bitmaps.sh --help     # all options
set -euo pipefail
cd "$(dirname "$0")/.."
for arg in "$@"; do
    case "$arg" in --cinder-bin|--cinder-bin=*|-h|--help) exec python3 bench/bitmaps.py "$@" ;; esac
done
cargo build --release --quiet -p cinder-server
exec python3 bench/bitmaps.py "$@"
