using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace EventBridge.Tests.Bridge;

/// <summary>A bare TCP connection that writes and reads protocol bytes exactly as given, for wire-level tests.</summary>
internal sealed class RawClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private readonly MemoryStream _pending = new();

    private RawClient(Socket socket)
    {
        _socket = socket;
        _socket.NoDelay = true;
    }

    public static async Task<RawClient> ConnectAsync(int port, string? hello = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync("127.0.0.1", port);
        var client = new RawClient(socket);
        if (hello is not null)
        {
            await client.SendAsync($$"""{"type":"hello","name":"{{hello}}"}""" + "\n");
            var welcome = await client.ReadFrameAsync(frame => Type(frame) == "welcome");
            Assert.Equal(hello, welcome.GetProperty("name").GetString());
        }

        return client;
    }

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        var sent = 0;
        while (sent < bytes.Length)
        {
            sent += await _socket.SendAsync(bytes.AsMemory(sent));
        }
    }

    /// <summary>Sends <paramref name="bytes"/> one byte per write, so the reader sees every possible split.</summary>
    public async Task SendByteByByteAsync(byte[] bytes)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            await _socket.SendAsync(bytes.AsMemory(i, 1));
        }
    }

    /// <summary>Reads the next line, without its newline, as raw bytes.</summary>
    public async Task<byte[]> ReadLineAsync(TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? Bridge.Timeout);
        while (true)
        {
            var pending = _pending.GetBuffer().AsSpan(0, (int)_pending.Length);
            var newline = pending.IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var line = pending[..newline].ToArray();
                var rest = pending[(newline + 1)..].ToArray();
                _pending.SetLength(0);
                _pending.Write(rest);
                return line;
            }

            var read = await _socket.ReceiveAsync(_buffer, SocketFlags.None, cancel.Token);
            if (read == 0)
            {
                throw new IOException("The server closed the connection.");
            }

            _pending.Write(_buffer, 0, read);
        }
    }

    /// <summary>Reads frames until one matches <paramref name="match"/>, skipping others (acks, pongs).</summary>
    public async Task<JsonElement> ReadFrameAsync(Func<JsonElement, bool> match, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Bridge.Timeout);
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException("No matching frame arrived.");
            }

            var line = await ReadLineAsync(left);
            var frame = JsonDocument.Parse(line).RootElement.Clone();
            if (match(frame))
            {
                return frame;
            }
        }
    }

    /// <summary>
    /// Sends each of <paramref name="frames"/> as a line, then a ping, and waits for the pong, so that the server has
    /// handled every frame before the method returns.
    /// </summary>
    public async Task SendAndWaitAsync(params string[] frames)
    {
        foreach (var frame in frames)
        {
            await SendAsync(frame + "\n");
        }

        await SendAsync("""{"type":"ping"}""" + "\n");
        await ReadFrameAsync(frame => Type(frame) == "pong");
    }

    /// <summary>Waits until the server closes the connection.</summary>
    public async Task WaitForCloseAsync()
    {
        using var cancel = new CancellationTokenSource(Bridge.Timeout);
        while (await _socket.ReceiveAsync(_buffer, SocketFlags.None, cancel.Token) > 0)
        {
        }
    }

    /// <summary>Closes with a TCP reset instead of an orderly shutdown, as a killed process would.</summary>
    public void Reset()
    {
        _socket.LingerState = new LingerOption(true, 0);
        _socket.Close();
    }

    public static string? Type(JsonElement frame) =>
        frame.TryGetProperty("type", out var type) ? type.GetString() : "event";

    /// <summary>The frame's signal, or null for a control frame.</summary>
    public static string? Signal(JsonElement frame) =>
        frame.TryGetProperty("signal", out var signal) ? signal.GetString() : null;

    /// <summary>Reads event frames, skipping control frames, until none arrives for <paramref name="quiet"/>.</summary>
    public async Task<List<JsonElement>> ReadEventsUntilQuietAsync(TimeSpan quiet)
    {
        var events = new List<JsonElement>();
        while (true)
        {
            try
            {
                events.Add(await ReadFrameAsync(frame => Signal(frame) is not null, quiet));
            }
            catch (Exception exception) when (exception is TimeoutException or OperationCanceledException)
            {
                return events;
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        _pending.Dispose();
        return default;
    }
}
