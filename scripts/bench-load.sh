#!/usr/bin/env bash
# The side-by-side load benchmark of BENCHMARKS.md: polyauth's AIGC middleware (the quickstart,
# release build, `POLYAUTH_PROVIDER=aigc`) against the reference Python SDK's FastAPI middleware
# (huace-aigc-auth-client 1.1.45 under uvicorn), both in front of one upstream stub of the AIGC
# auth center (tests/load-stub, `aigc-stub`), loaded by wrk in one run.
#
#   scripts/bench-load.sh                 # polyauth and the reference, every scenario
#   scripts/bench-load.sh --polyauth-only # no Python: the stub ceiling and polyauth
#
# Scenarios (wrk, THREADS threads, CONNECTIONS connections, DURATION seconds each):
#   ceiling  the stub's trivial handler (GET /ping): what one axum server serves here;
#   excluded GET /health: a path the auth layer excludes, so no token and no lookup (what the
#            server's stack costs before any verification);
#   hot      GET /me with 100 tokens, each verified once before the run (cached);
#   cold     GET /me with a new token on every request (one upstream call each, then cached);
#   herd     HERD concurrent requests on one new token (upstream calls for them), while a hot
#            load runs beside it (its p99 is the herd's effect on cached requests);
#   floor    the cold load on `reqwest-floor` (tests/load-stub/src/floor.rs), a bare axum
#            handler that forwards each token to the stub with one reqwest POST: no cache, no
#            checks. Its share of the ceiling bounds what any reqwest-based middleware can reach
#            on the machine for new tokens.
#
# Environment: DURATION (seconds, default 10), CONNECTIONS (64), THREADS (2), HERD (1000),
# STUB_DELAY_MS (the upstream's latency, default 0), PY_WORKERS (uvicorn workers, default 2),
# BENCH_VENV (a virtualenv to keep and reuse; default: a throwaway one), QUICKSTART_BIN (a
# quickstart binary to measure instead of the one built), OUT (the directory for the raw
# output; default target/bench-load/<UTC time>).
#
# Upstream calls are counted by the stub around each wrk run; requests still in flight when
# wrk stops are counted upstream but not by wrk, so a slow server shows a little over 1000
# calls per 1000 requests on the cold run.
#
# Prints one table (requests/s, p50, p99, upstream calls per 1000 requests, polyauth/Python and
# polyauth/ceiling) and saves it with every raw wrk output and server log in OUT. wrk is
# installed with apt-get when missing; every process started is stopped by its PID on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
# apt_install, start_on_free_port, WORK_DIR and the cleanup (by PID) on exit.
source scripts/lib/servers.sh

WITH_PYTHON=1
case "${1:-}" in
"") ;;
--polyauth-only) WITH_PYTHON=0 ;;
*)
    echo "usage: $0 [--polyauth-only]" >&2
    exit 2
    ;;
esac

DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
HERD=${HERD:-1000}
STUB_DELAY_MS=${STUB_DELAY_MS:-0}
PY_WORKERS=${PY_WORKERS:-2}
OUT=${OUT:-target/bench-load/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
LUA="$PWD/scripts/bench/wrk.lua"
APP_ID=bench-app
APP_SECRET=bench-secret
# HERD connections on the client and the server side, plus the load beside them.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

command -v wrk >/dev/null 2>&1 || apt_install wrk "install wrk (https://github.com/wg/wrk)" wrk
command -v curl >/dev/null 2>&1 || apt_install curl "install curl" curl

echo "== building the quickstart and the stub (release)" >&2
cargo build --release --quiet -p polyauth-examples --example quickstart
cargo build --release --quiet -p polyauth-load-stub --bins
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
# QUICKSTART_BIN: another build of the quickstart to measure (say, one of an earlier commit,
# for a before/after figure); the default is the one just built.
QUICKSTART=${QUICKSTART_BIN:-$TARGET_DIR/release/examples/quickstart}
STUB="$TARGET_DIR/release/aigc-stub"
FLOOR="$TARGET_DIR/release/reqwest-floor"

if [ "$WITH_PYTHON" = 1 ]; then
    echo "== the reference SDK, FastAPI and uvicorn in a virtualenv" >&2
    VENV=${BENCH_VENV:-$WORK_DIR/venv}
    if [ ! -x "$VENV/bin/uvicorn" ]; then
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install --quiet --disable-pip-version-check \
            huace-aigc-auth-client==1.1.45 fastapi "uvicorn[standard]"
    fi
    "$VENV/bin/pip" freeze --disable-pip-version-check >"$OUT/python-packages.txt"
fi

http_ok() { curl -fs -o /dev/null "http://127.0.0.1:$1$2"; }
stub_ready() { http_ok "$1" /ping; }
app_ready() { http_ok "$1" /health; }

launch_stub() { PORT=$1 STUB_DELAY_MS=$STUB_DELAY_MS exec "$STUB"; }
start_on_free_port "the AIGC stub" "$OUT/stub.log" launch_stub stub_ready
STUB_PORT=$SERVER_PORT
UPSTREAM="http://127.0.0.1:$STUB_PORT/api"

launch_polyauth() {
    PORT=$1 RUST_LOG=warn POLYAUTH_PROVIDER=aigc AIGC_AUTH_APP_ID=$APP_ID \
        AIGC_AUTH_APP_SECRET=$APP_SECRET AIGC_AUTH_BASE_URL=$UPSTREAM exec "$QUICKSTART"
}
start_on_free_port "the quickstart (polyauth)" "$OUT/polyauth.log" launch_polyauth app_ready
POLYAUTH_PORT=$SERVER_PORT

launch_floor() {
    PORT=$1 AIGC_AUTH_APP_ID=$APP_ID AIGC_AUTH_APP_SECRET=$APP_SECRET \
        AIGC_AUTH_BASE_URL=$UPSTREAM exec "$FLOOR"
}
start_on_free_port "the bare reqwest forwarder (floor)" "$OUT/floor.log" launch_floor app_ready
FLOOR_PORT=$SERVER_PORT

SERVERS=(polyauth)
if [ "$WITH_PYTHON" = 1 ]; then
    launch_python() {
        cd scripts/bench && AIGC_AUTH_APP_ID=$APP_ID AIGC_AUTH_APP_SECRET=$APP_SECRET \
            AIGC_AUTH_BASE_URL=$UPSTREAM exec "$VENV/bin/uvicorn" reference_app:app \
            --host 127.0.0.1 --port "$1" --workers "$PY_WORKERS" --log-level warning --no-access-log
    }
    start_on_free_port "the reference app (uvicorn)" "$OUT/python.log" launch_python app_ready
    PYTHON_PORT=$SERVER_PORT
    SERVERS+=(python)
fi

port_of() { if [ "$1" = polyauth ]; then echo "$POLYAUTH_PORT"; else echo "$PYTHON_PORT"; fi; }
upstream_calls() {
    curl -fsS "http://127.0.0.1:$STUB_PORT/calls" |
        python3 -c 'import json,sys; c=json.load(sys.stdin); print(c["user_info"] + c["token_verify"])'
}

# run NAME PORT CONNECTIONS DURATION MODE FIRST COUNT [QUOTA]: one wrk run, raw output in
# OUT/NAME.txt, the result line (with the upstream calls it caused) in OUT/results.jsonl.
run() {
    local name=$1 port=$2 conns=$3 secs=$4 mode=$5 first=$6 count=$7 quota=${8:-0} before after
    before=$(upstream_calls)
    wrk -t"$THREADS" -c"$conns" -d"${secs}s" --timeout 10s -s "$LUA" "http://127.0.0.1:$port" \
        -- "$mode" "$first" "$count" "$quota" >"$OUT/$name.txt" 2>&1
    after=$(upstream_calls)
    local result
    result=$(sed -n 's/^RESULT //p' "$OUT/$name.txt")
    if [ -z "$result" ]; then
        echo "error: wrk gave no result for $name:" >&2
        cat "$OUT/$name.txt" >&2
        exit 1
    fi
    echo "{\"name\":\"$name\",\"upstream\":$((after - before)),\"wrk\":$result}" >>"$OUT/results.jsonl"
}

: >"$OUT/results.jsonl"
echo "== ceiling: the stub's trivial handler" >&2
run ceiling "$STUB_PORT" "$CONNECTIONS" "$DURATION" ping 0 1
echo "== floor: the bare reqwest forwarder, a new token per request" >&2
run floor "$FLOOR_PORT" "$CONNECTIONS" "$DURATION" cold 900000000000000 1

# Token ranges: each server and scenario its own, so that no run finds another's tokens cached.
first=1
for server in "${SERVERS[@]}"; do
    port=$(port_of "$server")
    echo "== $server: excluded path (GET /health)" >&2
    run "$server-excluded" "$port" "$CONNECTIONS" "$DURATION" health 0 1
    echo "== $server: hot (100 cached tokens)" >&2
    run "$server-warmup" "$port" "$CONNECTIONS" 2 hot "$first" 100
    run "$server-hot" "$port" "$CONNECTIONS" "$DURATION" hot "$first" 100
    echo "== $server: cold (a new token per request)" >&2
    run "$server-cold" "$port" "$CONNECTIONS" "$DURATION" cold $((first + 1000)) 1
    echo "== $server: herd ($HERD concurrent requests on one new token, hot load beside it)" >&2
    run "$server-herd-hot" "$port" "$CONNECTIONS" 3 hot "$first" 100 &
    hot_pid=$!
    sleep 0.5
    run "$server-herd" "$port" "$HERD" 30 herd $((first + 999)) 1 $((HERD / THREADS))
    wait "$hot_pid"
    first=$((first + 100000000000))
done

python3 - "$OUT" "$STUB_DELAY_MS" "$DURATION" "$CONNECTIONS" "$THREADS" "$PY_WORKERS" <<'EOF' | tee "$OUT/table.md"
import json, sys

out, delay, duration, conns, threads, workers = sys.argv[1:]
runs = {}
for line in open(f"{out}/results.jsonl"):
    r = json.loads(line)
    w = r["wrk"]
    runs[r["name"]] = {
        "rps": w["requests"] / (w["duration_us"] / 1e6),
        "p50": w["p50_us"] / 1000,
        "p99": w["p99_us"] / 1000,
        "requests": w["requests"],
        "upstream": r["upstream"],
        "failed": w["errors"] + w["non2xx"],
    }

ceiling = runs["ceiling"]["rps"]
print(f"Upstream delay {delay} ms; wrk {threads} threads, {conns} connections, {duration} s a run; "
      f"Python: uvicorn with {workers} workers.\n")
print("| scenario | server | requests/s | p50 | p99 | upstream calls / 1000 req | failed | polyauth/Python | /ceiling |")
print("|---|---|---|---|---|---|---|---|---|")
c = runs["ceiling"]
print(f"| ceiling (GET /ping on the stub) | axum | {c['rps']:,.0f} | {c['p50']:.2f} ms | {c['p99']:.2f} ms | | {c['failed']} | | 100 % |")
f = runs["floor"]
print(f"| floor: cold on a bare reqwest forwarder | axum + reqwest | {f['rps']:,.0f} | {f['p50']:.2f} ms | "
      f"{f['p99']:.2f} ms | {1000 * f['upstream'] / f['requests']:.1f} | {f['failed']} | | {100 * f['rps'] / ceiling:.0f} % |")
for scenario, label in [("excluded", "excluded path (GET /health, no token)"),
                        ("hot", "hot (100 cached tokens)"), ("cold", "cold (new token each)"),
                        ("herd", "herd (concurrent on one new token)"),
                        ("herd-hot", "hot beside the herd")]:
    for server in ("polyauth", "python"):
        r = runs.get(f"{server}-{scenario}")
        if r is None:
            continue
        per_1000 = 1000 * r["upstream"] / r["requests"] if r["requests"] else 0
        upstream = f"{r['upstream']} calls for {r['requests']} req" if scenario == "herd" else f"{per_1000:.1f}"
        if scenario == "herd-hot":
            upstream = ""
        vs_python, vs_ceiling = "", ""
        py = runs.get(f"python-{scenario}")
        if server == "polyauth" and py and scenario not in ("herd",):
            vs_python = f"{r['rps'] / py['rps']:.1f}×"
        if scenario in ("excluded", "hot", "cold"):
            vs_ceiling = f"{100 * r['rps'] / ceiling:.0f} %"
        rps = "" if scenario == "herd" else f"{r['rps']:,.0f}"
        print(f"| {label} | {server} | {rps} | {r['p50']:.2f} ms | {r['p99']:.2f} ms | "
              f"{upstream} | {r['failed']} | {vs_python} | {vs_ceiling} |")
EOF
echo "raw output: $OUT" >&2
