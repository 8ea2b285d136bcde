#!/usr/bin/env bash
# The test command: sets up what the tests need, then runs every test of the workspace.
#
#   ./scripts/test.sh            # all tests, all features
#   ./scripts/test.sh -p polyauth-jwt   # extra arguments go to `cargo test`
#
# The tests start their own loopback HTTP servers (provider emulators, JWKS endpoints, the
# quickstart app) on ports chosen by the OS; nothing outside this machine is contacted.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null 2>&1; then
    echo "error: cargo is not installed; install the Rust toolchain (https://rustup.rs)" >&2
    exit 1
fi

cargo test --workspace --all-features "$@"
