#!/usr/bin/env bash
# Compares the footprint of the native `eventbridge serve` with nats-server 2.9.10 from Debian: binary size, time
# from process start to accepting a connection, idle RSS, and RSS with 1,000 idle clients (median, min and max of
# interleaved runs). Installs nats-server and publishes the native binary when they are missing.
# Usage: bash bench/footprint.sh [runs] [clients]   (defaults: 5 runs, 1000 clients)
set -euo pipefail
cd "$(dirname "$0")/.."

runs="${1:-5}"
clients="${2:-1000}"
native="${EVENTBRIDGE_NATIVE:-artifacts/aot/eventbridge}"

if ! command -v nats-server >/dev/null 2>&1; then
    apt-get update -qq
    apt-get install -y -qq nats-server >/dev/null
fi
nats="$(command -v nats-server)"

if [[ ! -x "$native" ]]; then
    rid="linux-x64"
    [[ "$(uname -m)" == "aarch64" ]] && rid="linux-arm64"
    dotnet publish src/EventBridge.Server/EventBridge.Server.csproj -c Release -r "$rid" -p:PublishAot=true \
        -o "$(dirname "$native")" >/dev/null
fi

# Both servers hold one descriptor per client; the default soft limit of 1,024 is too low for 1,000 clients.
ulimit -n "$(( clients + 256 > $(ulimit -Hn) ? $(ulimit -Hn) : clients + 256 ))" 2>/dev/null || true

echo "eventbridge: $("$native" --version) ($native)"
echo "nats-server: $("$nats" --version) ($nats)"
echo "machine: $(nproc) cores, $(uname -sr)"
python3 bench/footprint.py --eventbridge "$native" --nats "$nats" --runs "$runs" --clients "$clients"
