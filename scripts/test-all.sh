#!/usr/bin/env bash
# The test command of the project: `bash scripts/test-all.sh`.
#
# Idempotently installs what is missing (Debian's redis-server, redis-tools and python3-redis, the
# reference for the parity tests; the wasm32 Rust target; clang-19 and llvm-19 for the Lua VM's C on wasm32; rustfmt and clippy; a C++ compiler
# for libfuzzer-sys; for the npm package: node deps via `npm ci`, wasm-bindgen-cli at
# Cargo.lock's version, Debian's chromium), checks formatting (rustfmt) and that core/src has no
# import cycle through the engine other than engine <-> cmd <-> client (tools/import_graph.py),
# that COMPATIBILITY.md is not stale against the command table (tools/compat_report.py --check),
# builds the workspace,
# lints it (clippy with warnings denied: every package and target, the wasm crate for wasm32,
# the fuzz crate), runs every test (`cargo test --workspace`, parity tests against real Redis
# included), fuzzes every fuzz driver for a bounded time on stable Rust
# (core/examples/fuzz_smoke.rs: 45 s shared by the drivers; FUZZ_SMOKE_SECONDS per driver and
# FUZZ_SMOKE_SEED to change), runs the load and fault campaign in its quick mode
# (bench/campaign.sh --quick, a release build), then builds the npm package and tests it in Node, Chromium,
# workerd and Deno, and runs the parity suite against `npx cinderkv`. Runs every step even after a failure, then exits non-zero if any step
# failed. Works unattended (CI=true, no stdin, as root or with sudo).
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
    # python3-redis: redis-py, one of the real clients tests/serve runs against `npx cinderkv`.
    if command -v redis-server >/dev/null && command -v redis-cli >/dev/null \
        && command -v redis-benchmark >/dev/null && /usr/bin/python3 -c 'import redis' 2>/dev/null; then
        echo "redis present: $(redis-server --version)"
        return 0
    fi
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -q </dev/null &&
        as_root apt-get install -y -q --no-install-recommends redis-server redis-tools python3-redis </dev/null &&
        redis-server --version
}

# clang 19 and llvm-ar 19 build the Lua VM (cinder-lua) for wasm32-unknown-unknown; LLVM before 19 has a
# different setjmp/longjmp runtime interface, so the version is pinned.
install_clang19() {
    if command -v clang-19 >/dev/null && command -v llvm-ar-19 >/dev/null; then
        echo "clang-19 present: $(clang-19 --version | head -1)"
        return 0
    fi
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -q </dev/null &&
        as_root apt-get install -y -q --no-install-recommends clang-19 llvm-19 </dev/null &&
        clang-19 --version | head -1
}

install_wasm_target() {
    if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
        echo "wasm32-unknown-unknown present"
        return 0
    fi
    rustup target add wasm32-unknown-unknown </dev/null
}

# rustfmt and clippy (rustup components of the active toolchain).
install_rust_components() {
    local missing=()
    cargo fmt --version >/dev/null 2>&1 || missing+=(rustfmt)
    cargo clippy --version >/dev/null 2>&1 || missing+=(clippy)
    if [ ${#missing[@]} -eq 0 ]; then
        echo "rustfmt and clippy present: $(cargo clippy --version)"
        return 0
    fi
    rustup component add "${missing[@]}" </dev/null
}

# A C++ compiler: libfuzzer-sys (the fuzz crate, linted below) builds libFuzzer from source.
install_cxx() {
    if command -v c++ >/dev/null; then
        echo "c++ present: $(c++ --version | head -n1)"
        return 0
    fi
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -q </dev/null &&
        as_root apt-get install -y -q --no-install-recommends g++ </dev/null
}

# Node packages from the committed package-lock.json; skipped when node_modules matches it.
install_node_deps() {
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        echo "node and npm are needed (Node 20 or later)"
        return 1
    fi
    # node_modules/.package-lock.json lists what is installed: the lock's entries, minus
    # optional ones for other platforms.
    if [ -f node_modules/.package-lock.json ] && node -e '
        const lock = require("./package-lock.json").packages;
        const have = require("./node_modules/.package-lock.json").packages;
        const same = (k) => JSON.stringify(have[k]) === JSON.stringify(lock[k]);
        const ok = Object.keys(have).every(same) &&
            Object.keys(lock).every((k) => k === "" || lock[k].optional || k in have);
        process.exit(ok ? 0 : 1);'; then
        echo "node_modules matches package-lock.json"
    else
        npm ci --no-audit --no-fund </dev/null || return 1
    fi
    # tests/bullmq has its own lock file (bullmq, ioredis): the BullMQ step of npm test.
    if [ ! -d tests/bullmq/node_modules/bullmq ]; then
        (cd tests/bullmq && npm ci --prefer-offline --no-audit --no-fund </dev/null)
    fi
    # tests/ioredis too (ioredis, rate-limiter-flexible, cache-manager-ioredis-yet, connect-redis).
    if [ ! -d tests/ioredis/node_modules/ioredis ]; then
        (cd tests/ioredis && npm ci --prefer-offline --no-audit --no-fund </dev/null)
    fi
}

# wasm-bindgen-cli must be exactly the wasm-bindgen version in Cargo.lock.
install_wasm_bindgen() {
    local want have
    want=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p')
    have=$(wasm-bindgen --version 2>/dev/null | cut -d' ' -f2)
    if [ "$have" = "$want" ]; then
        echo "wasm-bindgen $have present"
        return 0
    fi
    cargo install wasm-bindgen-cli --version "$want" </dev/null
}

install_chromium() {
    if [ -x /usr/bin/chromium ]; then
        echo "chromium present: $(/usr/bin/chromium --version 2>/dev/null)"
        return 0
    fi
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -q </dev/null &&
        as_root apt-get install -y -q --no-install-recommends chromium </dev/null
}

# rustfmt over the workspace and the fuzz crate (its own workspace).
check_format() {
    local rc=0
    cargo fmt --all --check || rc=1
    cargo fmt --manifest-path fuzz/Cargo.toml --check || rc=1
    return $rc
}

# clippy with warnings denied: every package and target of the workspace, the wasm crate for
# wasm32 too (its host code is cfg'd per target), and the fuzz crate. One package at a time with
# --no-deps, so that lint errors in one package do not stop its dependents from being linted.
# Lint levels: [workspace.lints] in Cargo.toml.
check_clippy() {
    local rc=0 pkg packages
    packages=$(cargo metadata --no-deps --format-version 1 |
        python3 -c 'import json, sys; print(*(p["name"] for p in json.load(sys.stdin)["packages"]))') || return 1
    for pkg in $packages; do
        echo "--- clippy -p $pkg"
        cargo clippy -p "$pkg" --all-targets --no-deps -- -D warnings || rc=1
    done
    echo "--- clippy -p cinder-wasm --target wasm32-unknown-unknown"
    cargo clippy -p cinder-wasm --target wasm32-unknown-unknown --all-targets --no-deps -- -D warnings || rc=1
    echo "--- clippy fuzz/"
    cargo clippy --manifest-path fuzz/Cargo.toml --all-targets --no-deps -- -D warnings || rc=1
    return $rc
}

step "install redis" install_redis
step "install wasm target" install_wasm_target
step "install clang 19" install_clang19
step "install rustfmt and clippy" install_rust_components
step "install c++ compiler" install_cxx
step "install node deps" install_node_deps
step "install wasm-bindgen" install_wasm_bindgen
step "install chromium" install_chromium
step "command table up to date" python3 tools/gen_command_table.py --check
# COMPATIBILITY.md against the command table and the stored suite results (no suite run).
step "COMPATIBILITY.md up to date" python3 tools/compat_report.py --check
step "format" check_format
step "module graph" python3 tools/import_graph.py --check
step "build" cargo build --workspace --all-targets
step "clippy" check_clippy
step "test" cargo test --workspace --no-fail-fast
# The Lua VM as the npm package runs it: the same tests compiled to wasm32, in Node.
step "lua on wasm (node)" env CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
    cargo test -p cinder-lua --target wasm32-unknown-unknown --test vm --test redis_libs
step "fuzz smoke" cargo run -q -p cinder-core --example fuzz_smoke
# Load and fault campaign, small sizes (issue #20): 1,000 clients, connection churn, a stalled
# subscriber under a flood, pipelined writes, half-sent commands; nothing lost, server answering.
step "fault campaign (quick)" bash bench/campaign.sh --quick
step "npm build" npm run build
step "npm test" npm test
# The parity suite against `npx cinderkv` (the npm package's server on the wasm engine) in place
# of cinder-server: multi-connection scenarios, scripts and redis-cli/redis-benchmark, compared
# with real Redis byte for byte. persistence.redis is skipped: the npm server writes no files.
# One retry: the scenarios split transcripts into steps by 40 ms quiet windows, which a Node
# process on a loaded machine sometimes misses (seen here at load 10-20 on 2 cores).
parity_npm() {
    env CINDER_PARITY_TARGET=npm cargo test -p cinder-parity --no-fail-fast \
        --test blocking --test pubsub --test tracking --test notifications --test pipeline --test tools \
        --test propagation --test scripts -- --skip persistence --exact --test-threads=1
}
parity_npm_with_retry() {
    parity_npm || { echo "parity: npx cinderkv: retrying once"; parity_npm; }
}
step "parity: npx cinderkv" parity_npm_with_retry

echo
if [ ${#failed[@]} -ne 0 ]; then
    echo "test-all: FAILED steps: ${failed[*]} ($((SECONDS - started)) s)"
    exit 1
fi
echo "test-all: all steps passed ($((SECONDS - started)) s)"
