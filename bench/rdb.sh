#!/usr/bin/env bash
# RDB save and load time: Cinder's rdb module against real redis-server's SAVE and start-up
# load of the same file (1M string keys; 100 collections of 100k elements). Prints Markdown.
#   bash bench/rdb.sh                 # 3 rounds, medians
#   bash bench/rdb.sh --quick         # smoke run (100k keys, 8 collections of 10k)
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --release --quiet -p cinder-core --example rdb_bench -- "$@"
