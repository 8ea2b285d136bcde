#!/usr/bin/env bash
# The test command: sets up what the tests need, then runs every test of the workspace.
#
#   ./scripts/test.sh            # all tests, all features
#   ./scripts/test.sh -p polyauth-jwt   # extra arguments go to `cargo test`
#
# The tests start their own loopback HTTP servers (provider emulators, JWKS endpoints, the
# quickstart app) on ports chosen by the OS; nothing outside this machine is contacted. A
# throwaway redis-server is started for the state-store and shared-cache tests (and a local
# three-master Redis Cluster for their cluster runs), panva's oidc-provider (Node.js)
# for the OpenID Connect tests, chromedriver with headless Chromium for the browser test, and a
# PostgreSQL server for the legacy-sync SQL adapter (redis-server, node, npm, chromium,
# chromedriver and postgresql are installed with apt-get when missing and possible;
# oidc-provider with `npm ci` from the npm registry, once).
set -euo pipefail
cd "$(dirname "$0")/.."
# apt_install, port_in_use, start_on_free_port, WORK_DIR and the cleanup on exit.
source scripts/lib/servers.sh

if ! command -v cargo >/dev/null 2>&1; then
    echo "error: cargo is not installed; install the Rust toolchain (https://rustup.rs)" >&2
    exit 1
fi

# A throwaway Redis for the state-store tests (polyauth-redis, the ShangCloud backend): started
# on a free loopback port without persistence, stopped on exit. Tests that need it fail (never
# skip) when POLYAUTH_TEST_REDIS_URL is missing.
if ! command -v redis-server >/dev/null 2>&1; then
    apt_install redis-server "install Redis (>= 6.2) so that redis-server is on PATH" redis-server
fi
REDIS_SERVER="$(command -v redis-server)"

redis_answers() {
    if command -v redis-cli >/dev/null 2>&1; then
        [ "$(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)" = "PONG" ]
    else
        port_in_use "$1"
    fi
}

launch_redis() {
    cd "$WORK_DIR" && exec "$REDIS_SERVER" --port "$1" --bind 127.0.0.1 --save '' --appendonly no
}
start_on_free_port "a throwaway redis-server" "$WORK_DIR/redis.log" launch_redis redis_answers
export POLYAUTH_TEST_REDIS_URL="redis://127.0.0.1:$SERVER_PORT/"
export POLYAUTH_TEST_REDIS_SERVER="$REDIS_SERVER"
echo "throwaway Redis at $POLYAUTH_TEST_REDIS_URL (pid $SERVER_PID)" >&2

# A local Redis Cluster of three masters (no replicas) for the cluster tests of the state
# store and the shared verification cache: three `redis-server --cluster-enabled yes` on free
# loopback ports (each also binds its port + 10000, the cluster bus), joined by
# `redis-cli --cluster create`. Tests that kill a master start a private cluster of their own
# (with POLYAUTH_TEST_REDIS_CLI), so this one stays whole for the others.
REDIS_CLI="$(command -v redis-cli || true)"
if [ -z "$REDIS_CLI" ]; then
    apt_install redis-cli "install redis-tools so that redis-cli is on PATH" redis-tools
    REDIS_CLI="$(command -v redis-cli)"
fi
launch_cluster_node() {
    mkdir -p "$WORK_DIR/cluster-$1" && cd "$WORK_DIR/cluster-$1" &&
        exec "$REDIS_SERVER" --port "$1" --bind 127.0.0.1 --save '' --appendonly no \
            --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 2000
}
CLUSTER_NODES=()
for node in 1 2 3; do
    PORT_MAX=45000 start_on_free_port "Redis Cluster node $node" "$WORK_DIR/cluster-node-$node.log" \
        launch_cluster_node redis_answers
    CLUSTER_NODES+=("127.0.0.1:$SERVER_PORT")
done
"$REDIS_CLI" --cluster create "${CLUSTER_NODES[@]}" --cluster-replicas 0 --cluster-yes \
    >"$WORK_DIR/cluster-create.log" 2>&1 || { cat "$WORK_DIR/cluster-create.log" >&2; exit 1; }
for _ in $(seq 1 200); do
    ok=0
    for node in "${CLUSTER_NODES[@]}"; do
        "$REDIS_CLI" -h 127.0.0.1 -p "${node##*:}" cluster info 2>/dev/null | grep -q 'cluster_state:ok' &&
            ok=$((ok + 1))
    done
    [ "$ok" -eq 3 ] && break
    sleep 0.05
done
[ "$ok" -eq 3 ] || { echo "error: the local Redis Cluster did not reach cluster_state:ok" >&2; exit 1; }
CLUSTER_LIST="$(IFS=,; echo "${CLUSTER_NODES[*]}")"
export POLYAUTH_TEST_REDIS_CLUSTER_URL="redis+cluster://$CLUSTER_LIST/"
export POLYAUTH_TEST_REDIS_CLI="$REDIS_CLI"
echo "local Redis Cluster at $POLYAUTH_TEST_REDIS_CLUSTER_URL" >&2

# panva's certified OpenID Provider (npm `oidc-provider`, pinned with its dependencies in
# tests/fixtures/oidc-provider/package-lock.json; configured by provider.mjs there) for the
# OpenID Connect tests: installed with `npm ci` when missing or older than the lockfile, started on
# a free loopback port with in-memory state, stopped on exit. Tests that need it fail (never skip)
# when POLYAUTH_TEST_OIDC_ISSUER is missing.
OIDC_DIR="tests/fixtures/oidc-provider"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    apt_install "node or npm" "install Node.js (>= 20.18) and npm so that node and npm are on PATH" nodejs npm
fi
# oidc-provider 9 uses URL.parse and crypto.hash: Node.js 20.18 or later (Debian 12's nodejs
# package is 18; Debian 13 has 20.19, NodeSource has current releases).
if ! node -e 'const [major, minor] = process.versions.node.split(".").map(Number);
              process.exit(major >= 22 || (major === 20 && minor >= 18) ? 0 : 1)'; then
    echo "error: oidc-provider needs Node.js >= 20.18 (or >= 22); $(command -v node) is $(node --version)" >&2
    exit 1
fi
if [ ! -d "$OIDC_DIR/node_modules/oidc-provider" ] \
    || [ "$OIDC_DIR/package-lock.json" -nt "$OIDC_DIR/node_modules/.package-lock.json" ]; then
    echo "installing the oidc-provider test fixture ($OIDC_DIR) with npm ci" >&2
    if ! (cd "$OIDC_DIR" && npm ci --no-audit --no-fund --loglevel=error) >&2; then
        echo "error: npm ci failed in $OIDC_DIR (is the npm registry reachable?)" >&2
        exit 1
    fi
fi

# provider.mjs prints `ready <issuer>` once it listens; it exits at once when its port is taken.
OIDC_LOG="$WORK_DIR/oidc-provider.log"
launch_oidc_provider() { cd "$OIDC_DIR" && PORT="$1" exec node provider.mjs; }
oidc_provider_ready() { grep -qxF "ready http://127.0.0.1:$1" "$OIDC_LOG"; }
start_on_free_port "oidc-provider ($OIDC_DIR/provider.mjs)" "$OIDC_LOG" launch_oidc_provider oidc_provider_ready
export POLYAUTH_TEST_OIDC_ISSUER="http://127.0.0.1:$SERVER_PORT"
echo "oidc-provider at $POLYAUTH_TEST_OIDC_ISSUER (pid $SERVER_PID, log $OIDC_LOG)" >&2

# Headless Chromium driven through chromedriver (W3C WebDriver) for the browser end-to-end test
# (tests/tests/oidc_browser.rs): Debian's chromium and chromium-driver, installed with apt-get when
# missing (about 20 s, 130 packages, on Debian 12), chromedriver started on a free loopback port,
# stopped on exit (the test starts and quits its own browser, with a fresh profile). The test
# fails (never skips) when POLYAUTH_TEST_WEBDRIVER_URL or POLYAUTH_TEST_CHROMIUM is missing.
CHROMIUM=/usr/bin/chromium
if [ ! -x "$CHROMIUM" ] || ! command -v chromedriver >/dev/null 2>&1; then
    apt_install "chromium or chromedriver" "install Chromium and chromedriver (Debian packages chromium, chromium-driver)" chromium chromium-driver
fi
CHROMEDRIVER="$(command -v chromedriver)"
# chromedriver's GET /status answers {"value":{"ready":true,...}} once it takes sessions (asked
# with node, which the OpenID Connect tests need anyway).
webdriver_ready() {
    node -e 'fetch(`http://127.0.0.1:${process.argv[1]}/status`).then((r) => r.json())
             .then((s) => process.exit(s.value.ready === true ? 0 : 1), () => process.exit(1))' \
        "$1" 2>/dev/null
}
launch_chromedriver() { exec "$CHROMEDRIVER" --port="$1"; }
CHROMEDRIVER_LOG="$WORK_DIR/chromedriver.log"
start_on_free_port "chromedriver ($CHROMEDRIVER)" "$CHROMEDRIVER_LOG" launch_chromedriver webdriver_ready
export POLYAUTH_TEST_WEBDRIVER_URL="http://127.0.0.1:$SERVER_PORT"
export POLYAUTH_TEST_CHROMIUM="$CHROMIUM"
echo "chromedriver at $POLYAUTH_TEST_WEBDRIVER_URL (pid $SERVER_PID, log $CHROMEDRIVER_LOG)" >&2

# A throwaway PostgreSQL for the Postgres path of polyauth-aigc-sync's SQL adapter and its CLI
# (crates/polyauth-aigc-sync/tests/sync_postgres.rs): Debian's postgresql (binaries in
# /usr/lib/postgresql/<version>/bin), installed with apt-get when no initdb is found (about 40
# packages, 76 MB, on a minimal Debian 12); a fresh cluster (initdb, about 1.5 s; trust
# authentication for the loopback user `postgres`; no fsync) in WORK_DIR, started on a free
# loopback port (ready in well under a second), stopped on exit.
# PostgreSQL refuses to run as root: as root, the cluster and the server belong to the
# `postgres` system user (which the package creates). Tests that need it fail (never skip) when
# POLYAUTH_TEST_POSTGRES_URL is missing.
find_pg_bin() {
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r) \
        "$(dirname "$(readlink -f "$(command -v initdb || echo /nonexistent)")")"; do
        if [ -x "$dir/initdb" ] && [ -x "$dir/postgres" ] && [ -x "$dir/pg_isready" ]; then
            echo "$dir"
            return 0
        fi
    done
    return 0
}
PG_BIN="$(find_pg_bin)"
if [ -z "$PG_BIN" ]; then
    apt_install "PostgreSQL (initdb)" "install PostgreSQL (Debian package postgresql)" postgresql
    PG_BIN="$(find_pg_bin)"
    if [ -z "$PG_BIN" ]; then
        echo "error: no initdb, postgres and pg_isready in /usr/lib/postgresql/*/bin after installing postgresql" >&2
        exit 1
    fi
fi
PG_DIR="$WORK_DIR/postgres"
mkdir -p "$PG_DIR"
PG_AS=()
if [ "$(id -u)" -eq 0 ]; then
    if ! id postgres >/dev/null 2>&1; then
        useradd --system --user-group --home-dir "$PG_DIR" --shell /usr/sbin/nologin postgres
    fi
    chmod 711 "$WORK_DIR" # the postgres user reaches its own directory, nothing else
    chown postgres: "$PG_DIR"
    # setpriv execs (the PID stays the server's); runuser forwards the cleanup's SIGTERM.
    if command -v setpriv >/dev/null 2>&1; then
        PG_AS=(setpriv --reuid=postgres --regid=postgres --init-groups --)
    else
        PG_AS=(runuser -u postgres --)
    fi
fi
if ! (cd "$PG_DIR" && "${PG_AS[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust \
    --no-sync --encoding=UTF8 --locale=C) >"$WORK_DIR/initdb.log" 2>&1; then
    echo "error: initdb failed:" >&2
    cat "$WORK_DIR/initdb.log" >&2
    exit 1
fi
launch_postgres() {
    cd "$PG_DIR" && exec "${PG_AS[@]}" "$PG_BIN/postgres" -D "$PG_DIR/data" -p "$1" -k "$PG_DIR" \
        -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off
}
postgres_ready() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$1" -U postgres -d postgres; }
start_on_free_port "a throwaway PostgreSQL ($PG_BIN/postgres)" "$WORK_DIR/postgres.log" launch_postgres postgres_ready
export POLYAUTH_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$SERVER_PORT/postgres"
echo "throwaway PostgreSQL at $POLYAUTH_TEST_POSTGRES_URL (pid $SERVER_PID, log $WORK_DIR/postgres.log)" >&2

# `-p`/`--package` arguments narrow the run to those crates; otherwise every crate is tested.
scope=(--workspace)
for arg in "$@"; do
    case "$arg" in
        -p | --package | -p* | --package=*) scope=() ;;
    esac
done
cargo test "${scope[@]}" --all-features "$@"
