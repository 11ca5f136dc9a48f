#!/usr/bin/env bash
# Packs the EventBridge NuGet package and uses it the way an application would. A new console project outside the
# repository adds the package from a local folder feed, declares consumers, and emits events locally and through a
# server; it must build (the generator in the package runs) and print what the consumers received. Then a payload
# that cannot be serialized is added, and the build must report an EventBridge diagnostic (EBxxxx) for it.
# Usage: bash .ci/package-test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() {
    echo "package-test: $*" >&2
    exit 1
}

# A version no earlier run has used, so the shared NuGet cache cannot hand back an older package of the same number.
version="0.1.0-packagetest.$(date -u +%Y%m%d%H%M%S).$$"
feed="$work/feed"
app="$work/app"
mkdir -p "$feed" "$app"

echo "package-test: packing EventBridge $version"
dotnet pack src/EventBridge.Runtime/EventBridge.Runtime.csproj -c Release -o "$feed" -p:PackageVersion="$version" \
    >"$work/pack.log" 2>&1 || { cat "$work/pack.log" >&2; fail "dotnet pack failed"; }
package="$feed/EventBridge.$version.nupkg"
[[ -f "$package" ]] || fail "dotnet pack did not produce $package"

listing="$(unzip -l "$package")"
for entry in lib/net10.0/EventBridge.Runtime.dll analyzers/dotnet/cs/EventBridge.Generators.dll \
    analyzers/dotnet/cs/EventBridge.Analyzers.dll README.md; do
    grep -q " $entry\$" <<<"$listing" || fail "the package lacks $entry"
done

# Empty build files stop MSBuild from picking up any Directory.Build.props or .targets above the temporary folder.
printf '<Project />\n' >"$work/Directory.Build.props"
printf '<Project />\n' >"$work/Directory.Build.targets"
# The local feed comes first; the machine's configured feeds still serve the package's dependencies.
cat >"$app/nuget.config" <<CONFIG
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="eventbridge-local" value="$feed" />
  </packageSources>
</configuration>
CONFIG
cat >"$app/PackageConsumer.csproj" <<'PROJECT'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
  </PropertyGroup>
</Project>
PROJECT
cat >"$app/Program.cs" <<'CODE'
using EventBridge;

var bus = new EventBus();
using var consumers = bus.AddGeneratedConsumers();
await bus.EmitAsync("greeting", new Greeting("Ada", 3));

// Through a server the payload crosses a socket, so the generated JSON code writes and reads it.
await using var server = new EventBridgeServer(new EventBridgeServerOptions { Port = 0 });
await server.StartAsync();
var receiverBus = new EventBus();
var inbox = new Inbox();
using var subscription = receiverBus.Subscribe(inbox);
await using var sender = new EventBridgeClient(bus, new EventBridgeClientOptions { Port = server.Port, Name = "sender" });
await using var receiver = new EventBridgeClient(receiverBus, new EventBridgeClientOptions { Port = server.Port, Name = "receiver" });
await sender.ConnectAsync();
await receiver.ConnectAsync();
bus.Emit("greeting", new Greeting("Grace", 7));
var (greeting, source) = await inbox.Received.Task.WaitAsync(TimeSpan.FromSeconds(30));
Console.WriteLine($"remote: {greeting.Name} {greeting.Count} from {source}");

public sealed record Greeting(string Name, int Count);

public static partial class Handlers
{
    [Consumer("greeting")]
    public static void OnGreeting(Greeting greeting, EventContext context) =>
        Console.WriteLine($"local: {greeting.Name} {greeting.Count} remote={context.IsRemote}");
}

public sealed partial class Inbox
{
    public TaskCompletionSource<(Greeting, string?)> Received { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    [Consumer("greeting")]
    public void OnGreeting(Greeting greeting, EventContext context) => Received.TrySetResult((greeting, context.Source?.Name));
}
CODE

echo "package-test: adding the package to a new console project in $app"
(cd "$app" && dotnet add package EventBridge --version "$version") >"$work/add.log" 2>&1 \
    || { cat "$work/add.log" >&2; fail "dotnet add package failed"; }
grep -q "\"EventBridge/$version\"" "$app/obj/project.assets.json" || fail "the project did not restore EventBridge $version"

(cd "$app" && dotnet build -c Release) >"$work/build.log" 2>&1 \
    || { cat "$work/build.log" >&2; fail "the consumer project does not build"; }
output="$(cd "$app" && timeout 120 dotnet run -c Release --no-build)" || fail "the consumer program failed: $output"
echo "$output"
grep -qx 'local: Ada 3 remote=False' <<<"$output" || fail "the generated static consumer did not run"
grep -qx 'remote: Grace 7 from sender' <<<"$output" || fail "the instance consumer did not receive the event through the server"

# A payload with a Stream member cannot be written as JSON, so the package must report it at compile time.
cat >"$app/BadPayload.cs" <<'CODE'
using EventBridge;

public sealed record Upload(string Name, System.IO.Stream Content);

public static partial class UploadHandlers
{
    [Consumer("upload")]
    public static void OnUpload(Upload upload) => System.Console.WriteLine(upload.Name);
}
CODE
status=0
(cd "$app" && dotnet build -c Release --no-incremental) >"$work/bad-build.log" 2>&1 || status=$?
diagnostics="$(grep -oE '(error|warning|info) EB[0-9]{4}[^[]*' "$work/bad-build.log" | sort -u || true)"
if [[ -z "$diagnostics" ]]; then
    cat "$work/bad-build.log" >&2
    fail "the build with a Stream payload printed no EventBridge diagnostic"
fi
echo "package-test: the Stream payload was reported (build exit status $status):"
echo "$diagnostics"
grep -q 'Upload' <<<"$diagnostics" || fail "the diagnostic does not name the payload type"
echo "package-test: passed"
