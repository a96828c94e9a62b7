#!/usr/bin/env bash
# Builds cinder-server in release mode and runs it on 127.0.0.1:6379.
# Extra arguments are passed through, as for redis-server:
#   bash scripts/run-server.sh --port 7000 --requirepass s3cret   (later options win)
#   bash scripts/run-server.sh /path/to/redis.conf [--option value ...]
# With a config file, no defaults are added: the file (and options after it) decide.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p cinder-server
bin="${CARGO_TARGET_DIR:-target}/release/cinder-server"
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
    exec "$bin" "$@"
fi
exec "$bin" --bind 127.0.0.1 --port 6379 "$@"
