#!/usr/bin/env bash
# The test command: sets up what the tests need, then runs every test of the workspace.
#
#   ./scripts/test.sh            # all tests, all features
#   ./scripts/test.sh -p polyauth-jwt   # extra arguments go to `cargo test`
#
# The tests start their own loopback HTTP servers (provider emulators, JWKS endpoints, the
# quickstart app) on ports chosen by the OS; nothing outside this machine is contacted. A
# throwaway redis-server is started for the state-store tests (installed with apt-get when
# missing and possible).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null 2>&1; then
    echo "error: cargo is not installed; install the Rust toolchain (https://rustup.rs)" >&2
    exit 1
fi

# A throwaway Redis for the state-store tests (polyauth-redis, the ShangCloud backend): started
# on a free loopback port without persistence, stopped on exit. Tests that need it fail (never
# skip) when POLYAUTH_TEST_REDIS_URL is missing.
if ! command -v redis-server >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1; then
        SUDO=""
        if [ "$(id -u)" -ne 0 ]; then
            if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
                SUDO="sudo -n"
            else
                echo "error: redis-server is not installed and this user cannot install it (not root, no sudo): install the redis-server package" >&2
                exit 1
            fi
        fi
        echo "redis-server not found; installing it with apt-get" >&2
        $SUDO apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >&2
    else
        echo "error: redis-server is not installed and apt-get is not available: install Redis (>= 6.2) so that redis-server is on PATH" >&2
        exit 1
    fi
fi
REDIS_SERVER="$(command -v redis-server)"

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
redis_answers() {
    if command -v redis-cli >/dev/null 2>&1; then
        [ "$(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)" = "PONG" ]
    else
        port_in_use "$1"
    fi
}

REDIS_PID=""
REDIS_DIR="$(mktemp -d)"
cleanup() {
    if [ -n "$REDIS_PID" ]; then kill "$REDIS_PID" 2>/dev/null || true; wait "$REDIS_PID" 2>/dev/null || true; fi
    rm -rf "$REDIS_DIR"
}
trap cleanup EXIT INT TERM

for _attempt in $(seq 1 20); do
    REDIS_PORT=$(( 20000 + RANDOM % 40000 ))
    port_in_use "$REDIS_PORT" && continue
    (cd "$REDIS_DIR" && exec "$REDIS_SERVER" --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no) >"$REDIS_DIR/redis.log" 2>&1 &
    REDIS_PID=$!
    for _ in $(seq 1 100); do
        redis_answers "$REDIS_PORT" && break
        kill -0 "$REDIS_PID" 2>/dev/null || break
        sleep 0.05
    done
    if redis_answers "$REDIS_PORT"; then break; fi
    kill "$REDIS_PID" 2>/dev/null || true
    REDIS_PID=""
done
if [ -z "$REDIS_PID" ]; then
    echo "error: could not start a throwaway redis-server on a loopback port:" >&2
    cat "$REDIS_DIR/redis.log" >&2 || true
    exit 1
fi
export POLYAUTH_TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/"
export POLYAUTH_TEST_REDIS_SERVER="$REDIS_SERVER"
echo "throwaway Redis at $POLYAUTH_TEST_REDIS_URL (pid $REDIS_PID)" >&2

# `-p`/`--package` arguments narrow the run to those crates; otherwise every crate is tested.
scope=(--workspace)
for arg in "$@"; do
    case "$arg" in
        -p | --package | -p* | --package=*) scope=() ;;
    esac
done
cargo test "${scope[@]}" --all-features "$@"
