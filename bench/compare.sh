#!/usr/bin/env bash
# Compares EventBridge with nats-server and Redis pub/sub on this machine: installs the peers from Debian's packages
# if missing, starts all three servers on free ports on 127.0.0.1, runs the same scenarios against each through the
# load driver (bench/EventBridge.LoadDriver, command "compare"), and writes results.md, results.csv, runs.csv and
# results.svg. Every process this script starts is stopped by its process id, or the driver's process group, on exit.
#
# Usage: bash bench/compare.sh [--quick] [--aot] [--output DIR] [other options of the driver's compare command]
#   --quick   three scenarios (5 of the 6 goal rows), 3 short runs each, no wait for a quiet machine: about 4 minutes; a harness check only
#   --aot     run the NativeAOT eventbridge binary (published by .ci/aot-smoke.sh into artifacts/aot)
#   --output  the folder for the results, relative to the repository root unless absolute; default docs/compare, or
#             artifacts/compare-quick with --quick
#   The driver's options (--runs, --seconds, --quiet-wait): dotnet run -c Release --project bench/EventBridge.LoadDriver -- compare --help
set -euo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Quoted so that the command recorded in results.md can be run again as it stands.
original_args=""
if [[ $# -gt 0 ]]; then
    original_args="$(printf '%q ' "$@")"
    original_args="${original_args% }"
fi
quick=0
aot=0
output=""
driver_args=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        -h|--help|-\?)
            sed -n '2,12p' "$0" | cut -c3-
            exit 0 ;;
        --quick) quick=1; driver_args+=("--quick") ;;
        # The driver would accept a value and run quick scenarios, while the script chose the committed results folder.
        --quick=*|--quick:*)
            echo "compare.sh: invalid option $1: write --quick without a value." >&2
            exit 2 ;;
        --aot) aot=1 ;;
        --output)
            if [[ $# -lt 2 || -z "$2" || "$2" == -* ]]; then
                echo "compare.sh: --output needs a folder, for example --output /tmp/compare" >&2
                exit 2
            fi
            output="$2"; shift ;;
        --output=*)
            output="${1#--output=}"
            if [[ -z "$output" ]]; then
                echo "compare.sh: --output needs a folder, for example --output /tmp/compare" >&2
                exit 2
            fi ;;
        # The script passes these to the driver itself: the servers it started, their versions and its own command line.
        --eventbridge|--eventbridge=*|--nats|--nats=*|--redis|--redis=*|--versions|--versions=*|--command-line|--command-line=*|--check-options)
            echo "compare.sh: invalid option ${1%%=*}: the script sets it itself. Valid options: --quick, --aot, --output, --runs, --seconds, --quiet-wait (see --help)." >&2
            exit 2 ;;
        *) driver_args+=("$1") ;;
    esac
    shift
done
if [[ -z "$output" ]]; then
    if [[ $quick == 1 ]]; then output="artifacts/compare-quick"; else output="docs/compare"; fi
fi

work="$(mktemp -d)"
pids=()
driver_pid=""

cleanup() {
    # Stop only the processes this script started, by their process ids. A process that ignores SIGTERM for 10 s is
    # killed. The driver goes first, with every run process it started (its process group), so that no new run starts
    # against a server that is stopping.
    if [[ -n "$driver_pid" ]]; then
        kill -TERM -- "-$driver_pid" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 -- "-$driver_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL -- "-$driver_pid" 2>/dev/null || true
    fi
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT
# A signal ends the script through exit, which runs the cleanup above, with the usual 128 + signal number status.
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
    echo "compare: $*" >&2
    for log in "$work"/*.log; do [[ -f "$log" ]] && { echo "--- $log" >&2; tail -n 20 "$log" >&2; }; done
    exit 1
}

# Build output is shown only when a build fails, so that an option error is the first line a mistyped command prints.
build_quietly() {
    if ! dotnet build "$@" -c Release --nologo -v quiet >"$work/build.txt" 2>&1; then
        cat "$work/build.txt" >&2
        echo "compare: building $1 failed (its output is above)" >&2
        exit 1
    fi
}

build_quietly bench/EventBridge.LoadDriver
# The driver parses the options passed on to it now, so that a mistyped one fails before any server starts. The
# placeholder servers are never contacted.
dotnet bench/EventBridge.LoadDriver/bin/Release/net10.0/EventBridge.LoadDriver.dll compare --check-options \
    --eventbridge 1:1 --output "$output" "${driver_args[@]}" || exit 2

# The peers: nats-server 2.9.10 and redis-server 7.0.15 on Debian 12.
if ! command -v nats-server >/dev/null 2>&1 && [[ ! -x /usr/sbin/nats-server ]] || ! command -v redis-server >/dev/null 2>&1; then
    # Installing needs root; another user goes through sudo.
    as_root=()
    if [[ $EUID -ne 0 ]]; then as_root=(sudo); fi
    "${as_root[@]}" apt-get update -qq
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server redis-server >/dev/null
fi
nats_server="$(command -v nats-server || echo /usr/sbin/nats-server)"
redis_server="$(command -v redis-server)"

# The connected-clients scenarios open up to 10,000 connections from one process.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

if [[ $aot == 1 ]]; then
    bash .ci/aot-smoke.sh artifacts/aot
    server_cmd=(artifacts/aot/eventbridge)
else
    build_quietly src/EventBridge.Server
    server_cmd=(dotnet src/EventBridge.Server/bin/Release/net10.0/eventbridge.dll)
fi

# Picks a port that nothing listens on; the servers bind it a moment later. The port comes from outside the kernel's
# range for outgoing connections, because another program's client socket could take a port in that range meanwhile.
# It is below the range when there is room from 10000 up, else above it. A range of nearly every port leaves no room,
# and then any port from 10000 up is taken.
read -r ephemeral_low ephemeral_high < <(cat /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo "32768 60999")
free_port() {
    local port
    while true; do
        if (( ephemeral_low > 11000 )); then
            port=$((10000 + RANDOM % (ephemeral_low - 10000)))
        elif (( ephemeral_high < 64535 )); then
            port=$((ephemeral_high + 1 + RANDOM % (65535 - ephemeral_high)))
        else
            port=$((10000 + RANDOM % 50000))
        fi
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
}

wait_for_port() {
    local name="$1" port="$2" pid="$3"
    for _ in $(seq 300); do
        kill -0 "$pid" 2>/dev/null || fail "$name exited before listening on port $port"
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return; fi
        sleep 0.1
    done
    fail "$name did not listen on port $port within 30 s"
}

eb_port="$(free_port)"
"${server_cmd[@]}" serve --host 127.0.0.1 --port "$eb_port" --log-level Warning >"$work/eventbridge.log" 2>&1 &
eb_pid=$!
pids+=("$eb_pid")

nats_port="$(free_port)"
"$nats_server" -a 127.0.0.1 -p "$nats_port" >"$work/nats.log" 2>&1 &
nats_pid=$!
pids+=("$nats_pid")

redis_port="$(free_port)"
"$redis_server" --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no --maxclients 20000 \
    --daemonize no >"$work/redis.log" 2>&1 &
redis_pid=$!
pids+=("$redis_pid")

wait_for_port eventbridge "$eb_port" "$eb_pid"
wait_for_port nats-server "$nats_port" "$nats_pid"
wait_for_port redis-server "$redis_port" "$redis_pid"
nats_version="$("$nats_server" --version 2>&1 | head -1)"
redis_version="$("$redis_server" --version | cut -d' ' -f1-3)"
# Other versions run too, but their figures are not comparable with the ones in docs/benchmarks.md.
[[ $nats_version == *"v2.9."* ]] ||
    echo "compare: warning: $nats_version is not the nats-server 2.9 that docs/benchmarks.md measured; its figures may differ (Debian 12's package is that version)" >&2
[[ $redis_version == *"v=7."* ]] ||
    echo "compare: warning: $redis_version is not the redis-server 7 that docs/benchmarks.md measured; its figures may differ (Debian 12's package is that version)" >&2
eb_commit="$(git rev-parse --short HEAD 2>/dev/null || echo "not a git checkout")"
if [[ $aot == 1 ]]; then eb_commit="$eb_commit, NativeAOT"; fi
echo "eventbridge ($eb_commit) pid $eb_pid port $eb_port; $nats_version pid $nats_pid port $nats_port;" \
    "$redis_version pid $redis_pid port $redis_port"

# The driver runs in the background in a process group of its own, which its run processes join, so that the cleanup
# can stop them all. "wait" returns as soon as a signal arrives, whereas a foreground command would delay the trap until
# it ended. setsid keeps the driver's process id, because a background job of a script is no process group leader.
setsid dotnet bench/EventBridge.LoadDriver/bin/Release/net10.0/EventBridge.LoadDriver.dll compare \
    --eventbridge "$eb_port:$eb_pid" --nats "$nats_port:$nats_pid" --redis "$redis_port:$redis_pid" \
    --output "$output" --command-line "bash bench/compare.sh${original_args:+ $original_args}" \
    --versions "EventBridge $eb_commit; $nats_version; $redis_version" "${driver_args[@]}" &
driver_pid=$!
status=0
wait "$driver_pid" || status=$?
for pid in "$eb_pid" "$nats_pid" "$redis_pid"; do
    kill -0 "$pid" 2>/dev/null || fail "a server (pid $pid) exited during the comparison"
done
exit "$status"
