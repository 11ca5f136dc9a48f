using Microsoft.Extensions.Logging;

namespace EventBridge;

/// <summary>Settings of an <see cref="EventBridgeServer"/>.</summary>
public sealed record EventBridgeServerOptions
{
    /// <summary>The address to listen on. Default: <c>127.0.0.1</c>, so only processes on this machine can connect.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>The TCP port to listen on. Default: 8888. Port 0 picks a free port; read it from <see cref="EventBridgeServer.Port"/>.</summary>
    public int Port { get; init; } = 8888;

    /// <summary>The name the server gives as the source of events emitted on its own bus. Default: <c>server</c>.</summary>
    public string Name { get; init; } = "server";

    /// <summary>The server's bus; events from clients are emitted on it. Default: a new bus.</summary>
    public EventBus? Bus { get; init; }

    /// <summary>The logger factory. Default: none, so nothing is logged.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>
    /// The maximum size of one frame in bytes, line ending excluded. Default: 1 MiB, as NATS's default payload limit.
    /// A longer line is discarded without being buffered whole, and its sender gets an error frame.
    /// </summary>
    public int MaxFrameBytes { get; init; } = 1024 * 1024;

    /// <summary>How long <see cref="EventBridgeServer.StopAsync"/> waits for queued frames to reach clients. Default: 2 seconds.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(2);
}
