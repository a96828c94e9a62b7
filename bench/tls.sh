#!/usr/bin/env bash
# TLS SET/GET throughput: release cinder-server (rustls) against real redis-server (OpenSSL), as Markdown.
#   bash bench/tls.sh            # 5 interleaved rounds, 200k requests, 50 clients
#   bash bench/tls.sh --quick    # smoke run
#   bash bench/tls.sh --help     # all options
# Needs python3, openssl and Debian's redis-server + redis-tools (redis-benchmark --tls).
set -euo pipefail
cd "$(dirname "$0")/.."
for arg in "$@"; do
    case "$arg" in --cinder-bin|--cinder-bin=*|-h|--help) exec python3 bench/tls.py "$@" ;; esac
done
cargo build --release --quiet -p cinder-server
exec python3 bench/tls.py "$@"
