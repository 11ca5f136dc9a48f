using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace EventBridge.Tests.Cli;

/// <summary>Stops a real <c>eventbridge serve</c> process with SIGTERM while clients publish.</summary>
public sealed class ServeShutdownTests
{
    [SkippableFact]
    public async Task Sigterm_DuringTraffic_SaysByeAndExitsZero()
    {
        Skip.If(OperatingSystem.IsWindows(), "SIGTERM is a POSIX signal.");

        var (server, port) = await CommandProcess.StartServerAsync("--log-format", "json", "--log-level", "information");
        await using var serverProcess = server;
        using var subscriber = await LineClient.ConnectAsync(port, "subscriber");
        using var publisherA = await LineClient.ConnectAsync(port, "publisher-a");
        using var publisherB = await LineClient.ConnectAsync(port, "publisher-b");

        // Every client reads all the time, as a real client does, so no send queue on the server backs up and the
        // bye frames are not stuck behind unread events when the shutdown timeout runs out.
        var subscriberBye = subscriber.ReadUntilByeAsync();
        var publisherAByeTask = publisherA.ReadUntilByeAsync();
        var publisherBByeTask = publisherB.ReadUntilByeAsync();
        using var stopPublishing = new CancellationTokenSource();
        var publishing = new[]
        {
            PublishUntilClosedAsync(publisherA, stopPublishing.Token),
            PublishUntilClosedAsync(publisherB, stopPublishing.Token),
        };

        // Traffic flows before the signal: the subscriber sees relayed events.
        await subscriber.WaitForEventsAsync(200);

        await server.SignalAsync("TERM");

        Assert.True(await subscriberBye, $"The subscriber got no bye frame: {subscriber}");
        Assert.True(await publisherAByeTask, $"Publisher A got no bye frame: {publisherA}");
        Assert.True(await publisherBByeTask, $"Publisher B got no bye frame: {publisherB}");

        var exitCode = await server.WaitForExitAsync(CommandProcess.Timeout);
        await stopPublishing.CancelAsync();
        await Task.WhenAll(publishing);
        Assert.True(exitCode == 0, $"serve exited with {exitCode}.{server.Describe()}");

        foreach (var line in server.ErrorLines)
        {
            Assert.DoesNotContain("Unhandled exception", line, StringComparison.Ordinal);
            using var entry = JsonDocument.Parse(line);
            var level = entry.RootElement.GetProperty("LogLevel").GetString();
            Assert.True(level is not ("Error" or "Critical"), $"serve logged an error: {line}");
        }

        Assert.Contains(server.ErrorLines, line => line.Contains("\"ShuttingDown\"", StringComparison.Ordinal)
            || line.Contains("Shutdown requested", StringComparison.Ordinal));
        Assert.Contains(server.ErrorLines, line => line.Contains("EventBridge server totals", StringComparison.Ordinal));
    }

    private static async Task PublishUntilClosedAsync(LineClient publisher, CancellationToken cancellationToken)
    {
        var sequence = 0;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var batch = new StringBuilder();
                for (var i = 0; i < 50; i++, sequence++)
                {
                    batch.Append("{\"signal\":\"load.tick\",\"args\":[],\"kwargs\":{\"seq\":").Append(sequence).Append("}}\n");
                }

                await publisher.SendAsync(batch.ToString(), cancellationToken);
                await Task.Delay(1, cancellationToken);
            }
        }
        catch (Exception exception) when (exception is SocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The server closed the connection while this publisher was still sending, as a shutdown does.
        }
    }
}

/// <summary>A plain TCP client that speaks the newline-delimited JSON protocol.</summary>
internal sealed class LineClient : IDisposable
{
    private readonly Socket _socket;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private readonly MemoryStream _pending = new();
    private readonly SemaphoreSlim _sending = new(1, 1);

    private LineClient(Socket socket)
    {
        _socket = socket;
    }

    private int _events;

    /// <summary>How the connection ended, for assertion messages.</summary>
    public string EndReason { get; private set; } = "open";

    /// <summary>The last frame that <see cref="ReadUntilByeAsync"/> read, for assertion messages.</summary>
    public string? LastFrame { get; private set; }

    public override string ToString() => $"connection {EndReason}; last frame: {LastFrame}";

    public static async Task<LineClient> ConnectAsync(int port, string name)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync("127.0.0.1", port);
        var client = new LineClient(socket);
        await client.SendAsync($$"""{"type":"hello","name":"{{name}}"}""" + "\n", CancellationToken.None);
        while (true)
        {
            var frame = await client.ReadFrameAsync();
            Assert.True(frame is not null, "The server closed the connection before its welcome.");
            if (frame.Value.TryGetProperty("type", out var type) && type.GetString() == "welcome")
            {
                return client;
            }
        }
    }

    public async Task SendAsync(string text, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        await _sending.WaitAsync(cancellationToken);
        try
        {
            var sent = 0;
            while (sent < bytes.Length)
            {
                sent += await _socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None, cancellationToken);
            }
        }
        finally
        {
            _sending.Release();
        }
    }

    /// <summary>Reads the next frame, or returns null when the server closed the connection.</summary>
    private async Task<JsonElement?> ReadFrameAsync()
    {
        using var cancel = new CancellationTokenSource(CommandProcess.Timeout);
        while (true)
        {
            var pending = _pending.GetBuffer().AsMemory(0, (int)_pending.Length);
            var newline = pending.Span.IndexOf((byte)'\n');
            if (newline >= 0)
            {
                using var document = JsonDocument.Parse(pending[..newline]);
                var frame = document.RootElement.Clone();
                var rest = pending[(newline + 1)..].ToArray();
                _pending.SetLength(0);
                _pending.Write(rest);
                return frame;
            }

            int read;
            try
            {
                read = await _socket.ReceiveAsync(_buffer, SocketFlags.None, cancel.Token);
            }
            catch (SocketException exception)
            {
                EndReason = "reset: " + exception.SocketErrorCode;
                return null;
            }

            if (read == 0)
            {
                EndReason = "closed by the server";
                return null;
            }

            _pending.Write(_buffer, 0, read);
        }
    }

    /// <summary>Reads frames until a <c>bye</c>; returns false when the connection closed without one.</summary>
    public async Task<bool> ReadUntilByeAsync()
    {
        while (await ReadFrameAsync() is { } frame)
        {
            LastFrame = frame.GetRawText();
            if (frame.TryGetProperty("signal", out _))
            {
                Interlocked.Increment(ref _events);
            }

            if (frame.TryGetProperty("type", out var type) && type.GetString() == "bye")
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Waits until <see cref="ReadUntilByeAsync"/> has read <paramref name="count"/> event frames.</summary>
    public async Task WaitForEventsAsync(int count)
    {
        using var cancel = new CancellationTokenSource(CommandProcess.Timeout);
        while (Volatile.Read(ref _events) < count)
        {
            Assert.False(cancel.IsCancellationRequested, $"Fewer than {count} events arrived: {this}");
            await Task.Delay(10);
        }
    }

    public void Dispose()
    {
        _socket.Dispose();
        _sending.Dispose();
    }
}
