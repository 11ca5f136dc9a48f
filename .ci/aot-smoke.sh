#!/usr/bin/env bash
# Publishes the eventbridge command with NativeAOT, fails on any IL, trim or AOT warning, and smoke-tests the native
# binary: serve on a free port, tail in the background, emit one event, and check that the tail printed it. It then
# serves with a self-signed TLS certificate from openssl and checks that emit connects with --tls-ca and that a plain
# emit is rejected.
# Usage: bash .ci/aot-smoke.sh [output-folder]   (default: artifacts/aot)
# Set EVENTBRIDGE_BIN to a built command (for example "dotnet path/eventbridge.dll") to skip the publish step.
set -euo pipefail
cd "$(dirname "$0")/.."

out="${1:-artifacts/aot}"
work="$(mktemp -d)"
server_pid=""
tail_pid=""
tls_pid=""

cleanup() {
    # Stop only the processes this script started, by their process ids.
    for pid in "$tail_pid" "$server_pid" "$tls_pid"; do
        if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
        fi
    done
    for pid in "$tail_pid" "$server_pid" "$tls_pid"; do
        if [[ -n "$pid" ]]; then
            # A process that ignores SIGTERM for 10 s is killed.
            for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    rm -rf "$work"
}
trap cleanup EXIT

fail() {
    echo "aot-smoke: $*" >&2
    for log in "$work"/*.log "$work"/*.out; do
        [[ -f "$log" ]] && { echo "--- $log" >&2; cat "$log" >&2; }
    done
    exit 1
}

if [[ -n "${EVENTBRIDGE_BIN:-}" ]]; then
    read -r -a command <<<"$EVENTBRIDGE_BIN"
else
    rid="linux-x64"
    [[ "$(uname -m)" == "aarch64" ]] && rid="linux-arm64"
    echo "aot-smoke: publishing src/EventBridge.Server for $rid with NativeAOT into $out"
    # PublishAot goes on the command line for this one project; the library projects stay free of the ILCompiler
    # packs on every ordinary restore.
    dotnet publish src/EventBridge.Server/EventBridge.Server.csproj -c Release -r "$rid" \
        -p:PublishAot=true -o "$out" 2>&1 | tee "$work/publish.log"
    if grep -E '(warning|error) (IL[0-9]+|NETSDK[0-9]+|CS[0-9]+)' "$work/publish.log" >/dev/null \
        || grep -iE 'trim analysis warning|AOT analysis warning' "$work/publish.log" >/dev/null; then
        grep -E 'warning|error' "$work/publish.log" >&2
        fail "the publish printed warnings; the native binary must publish with none"
    fi
    [[ -x "$out/eventbridge" ]] || fail "the publish did not produce $out/eventbridge"
    file_type="$(head -c 4 "$out/eventbridge" | od -An -c | tr -d ' ')"
    [[ "$file_type" == "177ELF" ]] || fail "$out/eventbridge is not an ELF binary"
    echo "aot-smoke: $(stat -c %s "$out/eventbridge") bytes in $out/eventbridge"
    command=("$out/eventbridge")
fi

"${command[@]}" --version >"$work/version.out" || fail "--version failed"

"${command[@]}" serve --host 127.0.0.1 --port 0 >"$work/serve.out" 2>"$work/serve.log" &
server_pid=$!
port=""
for _ in $(seq 300); do
    port="$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$work/serve.out")"
    [[ -n "$port" ]] && break
    kill -0 "$server_pid" 2>/dev/null || fail "serve exited before listening"
    sleep 0.1
done
[[ -n "$port" ]] || fail "serve did not print its port within 30 s"
echo "aot-smoke: serve listens on port $port"

"${command[@]}" tail 'smoke.*' --port "$port" --format json --count 1 --log-level information \
    >"$work/tail.out" 2>"$work/tail.log" &
tail_pid=$!
for _ in $(seq 300); do
    grep -q 'Printing events' "$work/tail.log" && break
    kill -0 "$tail_pid" 2>/dev/null || fail "tail exited before it connected"
    sleep 0.1
done
grep -q 'Printing events' "$work/tail.log" || fail "tail did not connect within 30 s"

"${command[@]}" emit smoke.hello '{"text": "héllo from the smoke test"}' --port "$port" >"$work/emit.out" 2>"$work/emit.log" \
    || fail "emit exited with status $?"

for _ in $(seq 300); do
    kill -0 "$tail_pid" 2>/dev/null || break
    sleep 0.1
done
kill -0 "$tail_pid" 2>/dev/null && fail "tail did not print the event within 30 s"
wait "$tail_pid" || fail "tail exited with status $?"
tail_pid=""
grep -q '"signal":"smoke.hello"' "$work/tail.out" || fail "the tail output lacks the event"
grep -q '"text":"héllo from the smoke test"' "$work/tail.out" || fail "the tail output lacks the payload"
echo "aot-smoke: tail printed: $(cat "$work/tail.out")"

kill -TERM "$server_pid"
status=0
wait "$server_pid" || status=$?
server_pid=""
[[ "$status" == 0 ]] || fail "serve exited with status $status after SIGTERM"
# The level prefixes of the plain log format, so that a message that merely mentions a failure does not count.
if grep -E ' (fail|crit): |Unhandled' "$work/serve.log" >/dev/null; then
    fail "serve logged an error"
fi

# TLS goes through OpenSSL at run time, which the publish step alone does not exercise.
if ! command -v openssl >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq openssl >/dev/null
fi
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
    -addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout "$work/tls.key" -out "$work/tls.pem" 2>"$work/openssl.log" \
    || fail "openssl could not create a test certificate"
"${command[@]}" serve --host 127.0.0.1 --port 0 --tls-cert "$work/tls.pem" --tls-key "$work/tls.key" \
    >"$work/tls-serve.out" 2>"$work/tls-serve.log" &
tls_pid=$!
port=""
for _ in $(seq 300); do
    port="$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$work/tls-serve.out")"
    [[ -n "$port" ]] && break
    kill -0 "$tls_pid" 2>/dev/null || fail "serve with TLS exited before listening"
    sleep 0.1
done
[[ -n "$port" ]] || fail "serve with TLS did not print its port within 30 s"
"${command[@]}" emit smoke.tls --port "$port" --tls-ca "$work/tls.pem" >"$work/tls-emit.out" 2>"$work/tls-emit.log" \
    || fail "emit over TLS exited with status $?"
status=0
"${command[@]}" emit smoke.plain --port "$port" >"$work/plain-emit.out" 2>"$work/plain-emit.log" || status=$?
[[ "$status" == 1 ]] || fail "a plain emit to the TLS server exited with status $status, not 1"
grep -q 'only TLS connections' "$work/plain-emit.log" || fail "the plain emit did not report tls_required"
kill -TERM "$tls_pid"
status=0
wait "$tls_pid" || status=$?
tls_pid=""
[[ "$status" == 0 ]] || fail "serve with TLS exited with status $status after SIGTERM"
echo "aot-smoke: TLS passed"
echo "aot-smoke: passed"
