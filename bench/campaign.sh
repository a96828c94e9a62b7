#!/usr/bin/env bash
# Load and fault campaign against a release cinder-server: 1,000 concurrent clients, 10,000
# connections opened and dropped, a stalled pub/sub subscriber under a flood, 1 GiB of
# pipelined writes, half-sent commands from vanishing clients, and the fuzz drivers.
#   bash bench/campaign.sh            # full run (600 s per fuzz driver)
#   bash bench/campaign.sh --quick    # short run for CI (small sizes, 5 s per fuzz driver)
#   bash bench/campaign.sh --help     # all options
# Needs python3 and Debian's redis-tools (redis-benchmark). Exits 1 at the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
# 1,000 clients plus the benchmark's own sockets: raise the open-files limit as far as allowed.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
for arg in "$@"; do
    case "$arg" in --cinder-bin|--cinder-bin=*|-h|--help) exec python3 bench/campaign.py "$@" ;; esac
done
cargo build --release --quiet -p cinder-server
cargo build --release --quiet -p cinder-core --example fuzz_smoke
exec python3 bench/campaign.py "$@"
