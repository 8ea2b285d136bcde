# Shell helpers shared by scripts/test.sh and scripts/bench-load.sh (sourced, not run):
# installing a missing tool with apt-get, and starting servers on free loopback ports that are
# stopped by PID when the script exits. Sourcing it sets WORK_DIR (a temporary directory,
# removed on exit) and the EXIT trap.

# Installs missing tools from Debian packages: as root, or through password-less sudo.
apt_install() { # what no-apt-hint package...
    local what=$1 hint=$2 SUDO=""
    shift 2
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "error: $what is not installed and apt-get is not available: $hint" >&2
        exit 1
    fi
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
            SUDO="sudo -n"
        else
            echo "error: $what is not installed and this user cannot install it (not root, no sudo): install the Debian package(s) $*" >&2
            exit 1
        fi
    fi
    echo "$what not found; installing $* with apt-get" >&2
    $SUDO apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >&2
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Every server this script starts, stopped (by PID, last started first) on exit.
WORK_DIR="$(mktemp -d)"
STARTED_PIDS=()
cleanup() {
    local i
    for ((i = ${#STARTED_PIDS[@]} - 1; i >= 0; i--)); do
        kill "${STARTED_PIDS[i]}" 2>/dev/null || true
        wait "${STARTED_PIDS[i]}" 2>/dev/null || true
    done
    rm -rf "$WORK_DIR"
}
trap cleanup EXIT INT TERM

# start_on_free_port NAME LOG LAUNCH READY: runs `LAUNCH <port>` in the background on a free
# loopback port (LAUNCH `exec`s the server, so its PID is the server's) with its output in LOG,
# until `READY <port>` succeeds (up to 10 s a try, 20 ports); sets SERVER_PORT and SERVER_PID.
# Prints LOG and exits when no port works.
start_on_free_port() {
    local name=$1 log=$2 launch=$3 ready=$4
    for _attempt in $(seq 1 20); do
        # Below 50000 when PORT_MAX says so (a Redis Cluster node also binds port + 10000).
        SERVER_PORT=$(( 20000 + RANDOM % (${PORT_MAX:-60000} - 20000) ))
        port_in_use "$SERVER_PORT" && continue
        "$launch" "$SERVER_PORT" >"$log" 2>&1 &
        SERVER_PID=$!
        for _ in $(seq 1 200); do
            "$ready" "$SERVER_PORT" && break
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.05
        done
        if "$ready" "$SERVER_PORT"; then
            STARTED_PIDS+=("$SERVER_PID")
            return 0
        fi
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    done
    echo "error: could not start $name on a loopback port:" >&2
    cat "$log" >&2 || true
    exit 1
}
