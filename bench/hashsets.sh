#!/usr/bin/env bash
# Hash and set throughput (HSET HGET SADD SISMEMBER SPOP, with and without -P 16) and
# memory per element of one 1,000,000-element hash and set, against real redis-server.
#   bash bench/hashsets.sh            # 5 interleaved rounds, 200k requests, 1M elements
#   bash bench/hashsets.sh --quick    # smoke run
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet -p cinder-server
exec python3 bench/hashsets.py "$@"
