#!/usr/bin/env bash
# The test command of the project: `bash scripts/test-all.sh`.
#
# Idempotently installs what is missing (Debian's redis-server and redis-tools, the
# reference for the parity tests; the wasm32 Rust target), builds the workspace, runs
# every test (`cargo test --workspace`, parity tests against real Redis included) and
# builds the wasm crate. Runs every step even after a failure, then exits non-zero if
# any step failed. Works unattended (CI=true, no stdin, as root or with sudo).
set -uo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
fi
export CARGO_TERM_PROGRESS_WHEN=never

failed=()
started=$SECONDS
step() {
    local name=$1
    shift
    echo
    echo "==> $name: $*"
    local t0=$SECONDS
    if "$@"; then
        echo "==> $name: ok ($((SECONDS - t0)) s)"
    else
        echo "==> $name: FAILED ($((SECONDS - t0)) s)"
        failed+=("$name")
    fi
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi
}

install_redis() {
    if command -v redis-server >/dev/null && command -v redis-cli >/dev/null \
        && command -v redis-benchmark >/dev/null; then
        echo "redis present: $(redis-server --version)"
        return 0
    fi
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -q </dev/null &&
        as_root apt-get install -y -q --no-install-recommends redis-server redis-tools </dev/null &&
        redis-server --version
}

install_wasm_target() {
    if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
        echo "wasm32-unknown-unknown present"
        return 0
    fi
    rustup target add wasm32-unknown-unknown </dev/null
}

step "install redis" install_redis
step "install wasm target" install_wasm_target
step "command table up to date" python3 tools/gen_command_table.py --check
step "build" cargo build --workspace --all-targets
step "test" cargo test --workspace --no-fail-fast
step "build wasm" cargo build -p cinder-wasm --target wasm32-unknown-unknown

echo
if [ ${#failed[@]} -ne 0 ]; then
    echo "test-all: FAILED steps: ${failed[*]} ($((SECONDS - started)) s)"
    exit 1
fi
echo "test-all: all steps passed ($((SECONDS - started)) s)"
