#!/usr/bin/env bash
# Publishes samples/Quickstart with NativeAOT, fails on any trim or AOT warning, runs the native binary, and checks
# that it prints exactly what `dotnet run --project samples/Quickstart` prints.
# Usage: bash .ci/aot-quickstart.sh [output-folder]   (default: artifacts/aot-quickstart)
set -euo pipefail
cd "$(dirname "$0")/.."

out="${1:-artifacts/aot-quickstart}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fail() {
    echo "aot-quickstart: $*" >&2
    exit 1
}

rid="linux-x64"
[[ "$(uname -m)" == "aarch64" ]] && rid="linux-arm64"

echo "aot-quickstart: publishing samples/Quickstart for $rid with NativeAOT into $out"
# PublishAot goes on the command line, not in the project file: there it would make every ordinary restore fetch the
# ILCompiler packs, and it would turn off reflection-based System.Text.Json under dotnet run as well.
if ! dotnet publish samples/Quickstart/Quickstart.csproj -c Release -r "$rid" -p:PublishAot=true \
    -p:IlcTreatWarningsAsErrors=true -o "$out" >"$work/publish.log" 2>&1; then
    cat "$work/publish.log" >&2
    fail "the publish failed"
fi
if grep -E '(warning|error) (IL[0-9]+|NETSDK[0-9]+|CS[0-9]+)' "$work/publish.log" >/dev/null \
    || grep -iE 'trim analysis warning|AOT analysis warning' "$work/publish.log" >/dev/null; then
    grep -E 'warning|error' "$work/publish.log" >&2
    fail "the publish printed warnings; the sample must publish with none"
fi

binary="$out/Quickstart"
[[ -x "$binary" ]] || fail "the publish did not produce $binary"
[[ "$(head -c 4 "$binary" | od -An -c | tr -d ' ')" == "177ELF" ]] || fail "$binary is not an ELF binary"
echo "aot-quickstart: $(stat -c %s "$binary") bytes in $binary"

status=0
"$binary" >"$work/native.txt" 2>"$work/native.err" || status=$?
if [[ $status -ne 0 ]]; then
    cat "$work/native.err" >&2
    fail "the native binary exited with status $status"
fi
dotnet run --project samples/Quickstart/Quickstart.csproj -c Release >"$work/jit.txt" 2>"$work/jit.err" \
    || { cat "$work/jit.err" >&2; fail "dotnet run failed"; }

[[ -s "$work/jit.txt" ]] || fail "dotnet run printed nothing"
if ! diff -u "$work/jit.txt" "$work/native.txt"; then
    fail "the native binary's output (+) differs from dotnet run's (-)"
fi
echo "aot-quickstart: the native binary printed the same $(wc -l <"$work/native.txt") lines as dotnet run"
