using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using EventBridge.Tests.Faults;

namespace EventBridge.Tests.Cli;

/// <summary>Runs <c>emit</c> and <c>tail</c> as real processes against a real <c>serve</c> process.</summary>
public sealed class EmitTailTests
{
    [Fact]
    public async Task Emit_ReachesTail_AsJsonLine()
    {
        var (server, port) = await CommandProcess.StartServerAsync();
        await using var serverProcess = server;
        var tail = CommandProcess.Start(
            "tail", "chat.*", "--port", Port(port), "--format", "json", "--count", "2", "--log-level", "information");
        await using var tailProcess = tail;
        await tail.WaitForErrorAsync(line => line.Contains("Printing events", StringComparison.Ordinal));

        var (skipped, _) = await CommandProcess.RunAsync("emit", "other.signal", "--port", Port(port));
        Assert.Equal(0, skipped);
        var (emitted, emit) = await CommandProcess.RunAsync(
            "emit", "chat.message", "{\"user\": \"Alice\",\n \"text\": \"héllo\"}", "--args", "[1, 2]",
            "--namespace", "lobby", "--count", "2", "--port", Port(port));
        Assert.True(emitted == 0, $"emit exited with {emitted}.{emit.Describe()}");

        Assert.Equal(0, await tail.WaitForExitAsync(CommandProcess.Timeout));
        var lines = tail.OutputLines.ToArray();
        Assert.Equal(2, lines.Length);
        foreach (var line in lines)
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            Assert.Equal("chat.message", root.GetProperty("signal").GetString());
            Assert.Equal("lobby", root.GetProperty("namespace").GetString());
            Assert.Equal("eventbridge-emit", root.GetProperty("source").GetProperty("name").GetString());
            Assert.Equal("Alice", root.GetProperty("kwargs").GetProperty("user").GetString());
            Assert.Equal("héllo", root.GetProperty("kwargs").GetProperty("text").GetString());
            Assert.Equal("[1,2]", root.GetProperty("args").GetRawText());
        }

        Assert.NotEqual(
            JsonDocument.Parse(lines[0]).RootElement.GetProperty("id").GetString(),
            JsonDocument.Parse(lines[1]).RootElement.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Emit_TokenFromEnvironment_ReachesTokenServer()
    {
        var secret = new Dictionary<string, string> { ["EVENTBRIDGE_TOKEN"] = "cli-secret" };
        var (server, port) = await CommandProcess.StartServerAsync(secret, "--require-token");
        await using var serverProcess = server;

        await using var withToken = CommandProcess.Start(secret, "emit", "chat.message", "--port", Port(port));
        var accepted = await withToken.WaitForExitAsync(CommandProcess.Timeout);
        await using var withoutToken = CommandProcess.Start("emit", "chat.message", "--port", Port(port));
        var refused = await withoutToken.WaitForExitAsync(CommandProcess.Timeout);

        Assert.True(accepted == 0, $"emit with the token exited with {accepted}.{withToken.Describe()}");
        Assert.Equal(1, refused);
        var line = Assert.Single(withoutToken.ErrorLines);
        Assert.Contains("EVENTBRIDGE_TOKEN", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_WhitespaceToken_ExitsTwo()
    {
        var blank = new Dictionary<string, string> { ["EVENTBRIDGE_TOKEN"] = "  " };

        await using var serve = CommandProcess.Start(blank, "serve", "--host", "127.0.0.1", "--port", "0", "--require-token");
        var exitCode = await serve.WaitForExitAsync(CommandProcess.Timeout);

        Assert.True(exitCode == 2, $"serve exited with {exitCode}.{serve.Describe()}");
        Assert.Contains(serve.ErrorLines, line => line.Contains("contains only whitespace", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("{\"user\": ")]
    [InlineData("[1, 2]")]
    [InlineData("42")]
    public async Task Emit_InvalidKwargs_ExitsTwo(string kwargs)
    {
        var (exitCode, emit) = await CommandProcess.RunAsync("emit", "chat.message", kwargs, "--port", "1");
        Assert.Equal(2, exitCode);
        Assert.Contains(emit.ErrorLines, line => line.Contains("kwargs-json", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("eventbridge.internal")]
    [InlineData("has space")]
    public async Task Emit_InvalidSignal_ExitsTwo(string signal)
    {
        var (exitCode, emit) = await CommandProcess.RunAsync("emit", signal, "--port", "1");
        Assert.Equal(2, exitCode);
        Assert.Contains(emit.ErrorLines, line => line.Contains("Invalid signal name", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Emit_DeniedSignal_ExitsThree()
    {
        var tokenFile = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(
                tokenFile, """{"tokens":[{"name":"chat-only","token":"chat-secret","publish":{"allow":["chat.*"]}}]}""");
            var (server, port) = await CommandProcess.StartServerAsync("--token-file", tokenFile);
            await using var serverProcess = server;
            var secret = new Dictionary<string, string> { ["EVENTBRIDGE_TOKEN"] = "chat-secret" };

            await using var denied = CommandProcess.Start(secret, "emit", "deploy.started", "--count", "3", "--port", Port(port));
            var exitCode = await denied.WaitForExitAsync(CommandProcess.Timeout);
            await using var verbose = CommandProcess.Start(
                secret, "emit", "deploy.started", "--count", "3", "--port", Port(port), "--log-level", "warning");
            var verboseExitCode = await verbose.WaitForExitAsync(CommandProcess.Timeout);

            Assert.True(exitCode == 3, $"emit exited with {exitCode}.{denied.Describe()}");
            Assert.Empty(denied.OutputLines);
            var line = Assert.Single(denied.ErrorLines);
            Assert.Contains("rejected 3 of 3 events 'deploy.started'", line, StringComparison.Ordinal);
            Assert.Contains("permission_denied", line, StringComparison.Ordinal);
            Assert.Contains("may not publish", line, StringComparison.Ordinal);

            Assert.Equal(3, verboseExitCode);
            Assert.Equal(3, verbose.ErrorLines.Count(line => line.Contains("[3004]", StringComparison.Ordinal)));
        }
        finally
        {
            File.Delete(tokenFile);
        }
    }

    [Fact]
    public async Task Emit_RejectedName_WarnsAndExitsZero()
    {
        var (server, port) = await CommandProcess.StartServerAsync();
        await using var serverProcess = server;

        var (exitCode, emit) = await CommandProcess.RunAsync("emit", "chat.message", "--name", new string('n', 300), "--port", Port(port));

        Assert.True(exitCode == 0, $"emit exited with {exitCode}.{emit.Describe()}");
        var warning = Assert.Single(emit.ErrorLines);
        Assert.StartsWith($"Warning: the server at 127.0.0.1:{port} reported invalid_name: ", warning, StringComparison.Ordinal);
        Assert.Contains(emit.OutputLines, line => line.StartsWith("emitted 1 event", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Emit_NoServer_ExitsOneWithOneLine()
    {
        var port = UnusedPort();
        var (exitCode, emit) = await CommandProcess.RunAsync("emit", "chat.message", "--port", Port(port), "--timeout", "1");
        Assert.Equal(1, exitCode);
        var line = Assert.Single(emit.ErrorLines);
        Assert.StartsWith($"Cannot connect to the EventBridge server at 127.0.0.1:{port} within ", line, StringComparison.Ordinal);
        Assert.Matches(@" s \(\d+ attempts?\): ", line);
    }

    [Fact]
    public async Task Tail_NoServer_ExitsOneWithOneLine()
    {
        var port = UnusedPort();
        var (exitCode, tail) = await CommandProcess.RunAsync("tail", "--port", Port(port));
        Assert.Equal(1, exitCode);
        var line = Assert.Single(tail.ErrorLines);
        Assert.StartsWith("Cannot connect", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("emit")]
    [InlineData("tail")]
    public async Task Help_NamesTokenVariable(string command)
    {
        var (exitCode, help) = await CommandProcess.RunAsync(command, "--help");
        Assert.Equal(0, exitCode);
        Assert.Contains(help.OutputLines, line => line.Contains("EVENTBRIDGE_TOKEN", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("serve", "--token-file", "Cannot read the token file")]
    [InlineData("emit", "--tls-ca", "Cannot read the CA certificate file")]
    [InlineData("tail", "--tls-ca", "Cannot read the CA certificate file")]
    public async Task MissingFile_PrintsOnlyError(string command, string option, string expected)
    {
        var missing = Path.Combine(Path.GetTempPath(), $"eventbridge-missing-{Guid.NewGuid():N}");
        string[] arguments = command == "emit"
            ? [command, "chat.message", "--port", "1", option, missing]
            : [command, "--port", command == "serve" ? "0" : "1", option, missing];

        var (exitCode, process) = await CommandProcess.RunAsync(arguments);

        Assert.Equal(2, exitCode);
        var line = Assert.Single(process.ErrorLines);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.Contains(missing, line, StringComparison.Ordinal);
        Assert.Empty(process.OutputLines);
    }

    [Theory]
    [InlineData("--port", "x")]
    [InlineData("--port", "70000")]
    [InlineData("--count", "0")]
    [InlineData("--timeout", "-1")]
    public async Task Emit_InvalidOption_ExitsTwo(string option, string value)
    {
        var (exitCode, emit) = await CommandProcess.RunAsync("emit", "chat.message", option, value);
        Assert.Equal(2, exitCode);
        Assert.Contains(emit.ErrorLines, line => line.Contains(option, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Tail_AfterReconnect_PrintsEventSentMeanwhile()
    {
        var (server, port) = await CommandProcess.StartServerAsync();
        await using var serverProcess = server;
        await using var proxy = new FaultProxy(port);
        await using var tail = CommandProcess.Start(
            "tail", "--port", Port(proxy.Port), "--format", "json", "--count", "2", "--log-level", "information");
        await tail.WaitForErrorAsync(line => line.Contains("Printing events", StringComparison.Ordinal));
        var (before, _) = await CommandProcess.RunAsync("emit", "step", "{\"n\": 1}", "--port", Port(port));
        Assert.Equal(0, before);
        await tail.WaitForOutputAsync(_ => true);

        await proxy.PauseAsync();
        proxy.Reset();
        await tail.WaitForErrorAsync(line => line.StartsWith("Lost the connection", StringComparison.Ordinal));
        var (meanwhile, _) = await CommandProcess.RunAsync("emit", "step", "{\"n\": 2}", "--port", Port(port));
        Assert.Equal(0, meanwhile);
        proxy.Resume();

        var exitCode = await tail.WaitForExitAsync(CommandProcess.Timeout);
        Assert.True(exitCode == 0, $"tail exited with {exitCode}.{tail.Describe()}");
        var numbers = tail.OutputLines
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("kwargs").GetProperty("n").GetInt32())
            .ToArray();
        Assert.Equal([1, 2], numbers);
        Assert.Contains(tail.ErrorLines, line => line.Contains("printed after the reconnect", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("serve", "--token-file", "{\"tokens\":[]}", "lists no tokens")]
    [InlineData("serve", "--token-file", "{\"tokens\":[\n", "is not valid JSON")]
    [InlineData("emit", "--tls-ca", "junk", "is not a PEM or DER certificate")]
    [InlineData("tail", "--tls-ca", "junk", "is not a PEM or DER certificate")]
    public async Task InvalidFile_NamedOnceInOneLine(string command, string option, string content, string expected)
    {
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(path, content);
            string[] arguments = command == "emit"
                ? [command, "chat.message", "--port", "1", option, path]
                : [command, "--port", command == "serve" ? "0" : "1", option, path];

            var (exitCode, process) = await CommandProcess.RunAsync(arguments);

            Assert.Equal(2, exitCode);
            Assert.Empty(process.OutputLines);
            var line = Assert.Single(process.ErrorLines);
            Assert.Contains(expected, line, StringComparison.Ordinal);
            Assert.Equal(1, line.Split(path).Length - 1);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Emit_InvalidJson_CountsLinesFromOne()
    {
        var (exitCode, emit) = await CommandProcess.RunAsync("emit", "chat.message", "{\"user\":\n }", "--port", "1");

        Assert.Equal(2, exitCode);
        var line = Assert.Single(emit.ErrorLines);
        Assert.Contains("(line 2, column 2)", line, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", line, StringComparison.Ordinal);
    }

    private static string Port(int port) => port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Returns a loopback port that nothing listens on: one the system just handed out and took back.</summary>
    private static int UnusedPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
