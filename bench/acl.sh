#!/usr/bin/env bash
# ACL permission checks under load: redis-benchmark SET/GET (-P1, -P16) as a user limited
# to `~app:*` `+@read +@write`, and as the default user, against real redis-server with
# the same user; ratios side by side.
#   bash bench/acl.sh            # 5 interleaved rounds, 200k requests
#   bash bench/acl.sh --quick    # smoke run
#   bash bench/acl.sh --help     # all options
set -euo pipefail
cd "$(dirname "$0")/.."
for arg in "$@"; do
    case "$arg" in --cinder-bin|--cinder-bin=*|-h|--help) exec python3 bench/acl.py "$@" ;; esac
done
cargo build --release --quiet -p cinder-server
exec python3 bench/acl.py "$@"
