using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using EventBridge.Tests.Faults;
using TestBridge = EventBridge.Tests.Bridge.Bridge;

namespace EventBridge.Tests.Cli;

/// <summary>
/// Runs <c>emit</c> as a real process against a server that is down when it starts, dies before acknowledging the
/// event, or is killed with SIGKILL and restarted, and checks that emit waits up to <c>--timeout</c> in total.
/// </summary>
public sealed partial class EmitRestartTests
{
    [Fact]
    public async Task Emit_ServerStartsLate_Succeeds()
    {
        var port = TestBridge.FreePort();
        await using var emit = CommandProcess.Start(
            "emit", "chat.message", "--port", Port(port), "--timeout", "60", "--log-level", "information");

        // The first refused attempt shows that emit started before the server.
        await emit.WaitForErrorAsync(line => line.Contains("[5103]", StringComparison.Ordinal));
        await using var server = await StartServerAsync(port);
        var exitCode = await emit.WaitForExitAsync(CommandProcess.Timeout);

        Assert.True(exitCode == 0, $"emit exited with {exitCode}.{emit.Describe()}");
        Assert.Equal([$"emitted 1 event 'chat.message' to 127.0.0.1:{port}"], emit.OutputLines);
    }

    [Fact]
    public async Task Emit_ServerDiesBeforeAck_ResendsAfterRestart()
    {
        await using var scripted = new AcklessServer();
        var port = scripted.Port;
        await using var emit = CommandProcess.Start(
            "emit", "chat.message", "{\"text\": \"resent\"}", "--port", Port(port), "--timeout", "60",
            "--log-level", "information");
        var written = await scripted.ReadEventAsync();
        Assert.Contains("resent", written, StringComparison.Ordinal);

        scripted.Kill();
        await emit.WaitForErrorAsync(line => line.Contains("failed reconnection attempt", StringComparison.Ordinal));
        await using var server = await StartServerAsync(port);
        var exitCode = await emit.WaitForExitAsync(CommandProcess.Timeout);

        // The scripted server never acknowledges, so the acknowledgement came from the restarted one.
        Assert.True(exitCode == 0, $"emit exited with {exitCode}.{emit.Describe()}");
        Assert.Equal([$"emitted 1 event 'chat.message' to 127.0.0.1:{port}"], emit.OutputLines);
    }

    [Fact]
    public async Task Emit_ServerNeverReturns_FailsAfterTimeout()
    {
        const double TimeoutSeconds = 3;
        await using var scripted = new AcklessServer();
        var clock = Stopwatch.StartNew();
        await using var emit = CommandProcess.Start(
            "emit", "chat.message", "--port", Port(scripted.Port), "--timeout", TimeoutSeconds.ToString(CultureInfo.InvariantCulture));
        await scripted.ReadEventAsync();

        scripted.KillKeepingPort();
        var exitCode = await emit.WaitForExitAsync(CommandProcess.Timeout);
        var elapsed = clock.Elapsed.TotalSeconds;

        Assert.True(exitCode == 1, $"emit exited with {exitCode}.{emit.Describe()}");
        Assert.Empty(emit.OutputLines);
        var line = Assert.Single(emit.ErrorLines);
        Assert.Contains("did not acknowledge 1 of 1 events within", line, StringComparison.Ordinal);
        Assert.Contains("the connection was lost", line, StringComparison.Ordinal);
        var stated = StatedSeconds(line);
        Assert.True(stated >= TimeoutSeconds, $"emit said it waited {stated} s, less than --timeout: {line}");
        Assert.True(stated <= elapsed + 0.1, $"emit said it waited {stated} s, but it ran for {elapsed:0.0} s: {line}");
    }

    [Fact]
    public async Task Emit_ServerNeverAcks_FailsAfterTimeout()
    {
        const double TimeoutSeconds = 2;
        await using var scripted = new AcklessServer();
        await using var emit = CommandProcess.Start(
            "emit", "chat.message", "--port", Port(scripted.Port), "--timeout", TimeoutSeconds.ToString(CultureInfo.InvariantCulture));
        await scripted.ReadEventAsync();

        var exitCode = await emit.WaitForExitAsync(CommandProcess.Timeout);

        Assert.True(exitCode == 1, $"emit exited with {exitCode}.{emit.Describe()}");
        var line = Assert.Single(emit.ErrorLines);
        Assert.Contains("did not acknowledge 1 of 1 events within", line, StringComparison.Ordinal);
        Assert.DoesNotContain("connection was lost", line, StringComparison.Ordinal);
        Assert.True(StatedSeconds(line) >= TimeoutSeconds, $"emit said it waited less than --timeout: {line}");
    }

    [SkippableFact]
    public async Task Emit_InterruptedWhileWaitingForAck_ReportsUnacknowledged()
    {
        Skip.If(OperatingSystem.IsWindows(), "SIGINT is a POSIX signal here.");
        await using var scripted = new AcklessServer();
        await using var emit = CommandProcess.Start(
            "emit", "chat.message", "--count", "3", "--port", Port(scripted.Port), "--timeout", "60");
        await scripted.ReadEventAsync();

        await emit.SignalAsync("INT");
        var exitCode = await emit.WaitForExitAsync(CommandProcess.Timeout);

        Assert.True(exitCode == 130, $"emit exited with {exitCode}.{emit.Describe()}");
        Assert.Empty(emit.OutputLines);
        var line = Assert.Single(emit.ErrorLines);
        Assert.StartsWith("Interrupted after ", line, StringComparison.Ordinal);
        Assert.Contains($"the server at 127.0.0.1:{scripted.Port} did not acknowledge 3 of 3 events", line, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Emit_AckArrivesAfterInterrupt_Succeeds()
    {
        Skip.If(OperatingSystem.IsWindows(), "SIGINT is a POSIX signal here.");
        await using var scripted = new AcklessServer();
        await using var emit = CommandProcess.Start("emit", "chat.message", "--port", Port(scripted.Port), "--timeout", "60");
        await scripted.ReadEventAsync();

        // The ack follows the signal at once, so it normally arrives while emit closes the connection. An event that
        // was acknowledged then is not reported as unacknowledged.
        await emit.SignalAsync("INT");
        await scripted.AckAsync(1);
        var exitCode = await emit.WaitForExitAsync(CommandProcess.Timeout);

        Assert.DoesNotContain(emit.ErrorLines, line => line.Contains("did not acknowledge 0 of", StringComparison.Ordinal));
        if (exitCode == 0)
        {
            Assert.Equal([$"emitted 1 event 'chat.message' to 127.0.0.1:{scripted.Port}"], emit.OutputLines);
        }
        else
        {
            // The ack came after the close on a slow machine: then it really was not acknowledged in time.
            Assert.True(exitCode == 130, $"emit exited with {exitCode}.{emit.Describe()}");
            Assert.Contains("did not acknowledge 1 of 1 events", Assert.Single(emit.ErrorLines), StringComparison.Ordinal);
        }
    }

    [SkippableFact]
    public async Task Emit_InterruptedWhileConnecting_ReportsNothingSent()
    {
        Skip.If(OperatingSystem.IsWindows(), "SIGINT is a POSIX signal here.");
        var port = TestBridge.FreePort();
        await using var emit = CommandProcess.Start(
            "emit", "chat.message", "--port", Port(port), "--timeout", "60", "--log-level", "information");
        await emit.WaitForErrorAsync(line => line.Contains("[5103]", StringComparison.Ordinal));

        await emit.SignalAsync("INT");
        var exitCode = await emit.WaitForExitAsync(CommandProcess.Timeout);

        Assert.True(exitCode == 130, $"emit exited with {exitCode}.{emit.Describe()}");
        Assert.Contains(
            emit.ErrorLines,
            line => line.Contains($"before the connection to 127.0.0.1:{port} was made: no event was sent", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task Emit_ServerKilledWhileConnecting_Succeeds()
    {
        Skip.If(OperatingSystem.IsWindows(), "SIGSTOP and SIGKILL are POSIX signals.");
        var (first, port) = await CommandProcess.StartServerAsync();
        await using var firstServer = first;
        await using var proxy = new FaultProxy(port);

        // The stopped server's kernel still accepts connections, so emit connects and waits for a welcome that the
        // server never sends. The kill then ends that connection, as a crash during the handshake does.
        await first.SignalAsync("STOP");
        await using var emit = CommandProcess.Start(
            "emit", "chat.message", "--port", Port(proxy.Port), "--timeout", "60", "--connect-timeout", "60",
            "--log-level", "information");
        await TestBridge.WaitUntilAsync(() => proxy.OpenConnections == 1, "emit connects to the stopped server");
        await first.SignalAsync("KILL");
        await first.WaitForExitAsync(CommandProcess.Timeout);
        await emit.WaitForErrorAsync(line => line.Contains("[5103]", StringComparison.Ordinal));

        await using var restarted = await StartServerAsync(port);
        var exitCode = await emit.WaitForExitAsync(CommandProcess.Timeout);

        Assert.True(exitCode == 0, $"emit exited with {exitCode}.{emit.Describe()}");
        Assert.Equal([$"emitted 1 event 'chat.message' to 127.0.0.1:{proxy.Port}"], emit.OutputLines);
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static async Task<CommandProcess> StartServerAsync(int port)
    {
        var server = CommandProcess.Start("serve", "--host", "127.0.0.1", "--port", Port(port));
        await server.WaitForOutputAsync(line => line.StartsWith("listening on ", StringComparison.Ordinal));
        return server;
    }

    /// <summary>Returns the seconds in "within N s" of an emit message.</summary>
    private static double StatedSeconds(string line)
    {
        var match = WithinSeconds().Match(line);
        Assert.True(match.Success, $"The message states no wait: {line}");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"within (\d+\.\d) s")]
    private static partial Regex WithinSeconds();

    /// <summary>
    /// A scripted server on 127.0.0.1 that welcomes one client with acks on, reads its events and never acknowledges
    /// them. <see cref="Kill"/> ends it as a killed process ends: the connection is reset and the port refuses.
    /// </summary>
    private sealed class AcklessServer : IAsyncDisposable
    {
        private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        private Socket? _accepted;
        private Task _resetting = Task.CompletedTask;

        public AcklessServer()
        {
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _listener.Listen(1);
            Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        }

        public int Port { get; }

        /// <summary>Accepts the client, welcomes it and returns the first event frame it writes.</summary>
        public async Task<string> ReadEventAsync()
        {
            _accepted = await _listener.AcceptAsync().WaitAsync(CommandProcess.Timeout);
            var stream = new NetworkStream(_accepted);
            var reader = new StreamReader(stream, Encoding.UTF8);
            var hello = await reader.ReadLineAsync().WaitAsync(CommandProcess.Timeout);
            Assert.Contains("\"hello\"", hello, StringComparison.Ordinal);
            await stream.WriteAsync(Encoding.UTF8.GetBytes(
                """{"type":"welcome","name":"eventbridge-emit","address":"127.0.0.1:1","server":"scripted","protocol":1,"acks":true}""" + "\n"));
            while (true)
            {
                var line = await reader.ReadLineAsync().WaitAsync(CommandProcess.Timeout);
                Assert.NotNull(line);
                if (line.Contains("\"signal\"", StringComparison.Ordinal))
                {
                    return line;
                }
            }
        }

        /// <summary>Acknowledges every event frame up to <paramref name="seq"/> on the accepted connection.</summary>
        public async Task AckAsync(long seq) =>
            await _accepted!.SendAsync(Encoding.UTF8.GetBytes($$"""{"type":"ack","seq":{{seq}}}""" + "\n"));

        /// <summary>Resets the connection and stops listening, so that reconnection attempts are refused.</summary>
        public void Kill()
        {
            ResetAccepted();
            _listener.Dispose();
        }

        /// <summary>
        /// Resets the connection and then every new one as soon as it is accepted, so that reconnection attempts fail
        /// as against a dead server while the port stays bound and no other test's server can take it.
        /// </summary>
        public void KillKeepingPort()
        {
            ResetAccepted();
            _resetting = Task.Run(async () =>
            {
                try
                {
                    while (true)
                    {
                        Reset(await _listener.AcceptAsync());
                    }
                }
                catch (Exception exception) when (exception is ObjectDisposedException or SocketException)
                {
                    // The listener was disposed.
                }
            });
        }

        public async ValueTask DisposeAsync()
        {
            Kill();
            await _resetting;
        }

        private static void Reset(Socket socket)
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Dispose();
        }

        private void ResetAccepted()
        {
            if (Interlocked.Exchange(ref _accepted, null) is { } accepted)
            {
                Reset(accepted);
            }
        }
    }
}
