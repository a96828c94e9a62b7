#!/usr/bin/env bash
# Builds cinder-server in release mode and runs it on 127.0.0.1:6379.
# Extra arguments are passed through (a later --port overrides this one):
#   bash scripts/run-server.sh --port 7000
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p cinder-server
exec "${CARGO_TARGET_DIR:-target}/release/cinder-server" --bind 127.0.0.1 --port 6379 "$@"
