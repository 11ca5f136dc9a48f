using Microsoft.Extensions.Logging;

namespace EventBridge;

/// <summary>Decides whether an event emitted on the local bus is forwarded to the server.</summary>
/// <returns><see langword="true"/> to forward the event.</returns>
public delegate bool ForwardFilter(EventMessage message);

/// <summary>Settings of an <see cref="EventBridgeClient"/>.</summary>
public sealed record EventBridgeClientOptions
{
    /// <summary>The server's host name or address. Default: <c>127.0.0.1</c>.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>The server's TCP port. Default: 8888.</summary>
    public int Port { get; init; } = 8888;

    /// <summary>
    /// The name announced to the server, which other clients see as the source of this client's events. Default: the
    /// machine name and process id, for example <c>host-1234</c>.
    /// </summary>
    public string Name { get; init; } = Environment.MachineName + "-" + Environment.ProcessId;

    /// <summary>The logger factory. Default: none, so nothing is logged.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Decides which local events are forwarded. Default: none, so every local event is forwarded.</summary>
    public ForwardFilter? ForwardFilter { get; init; }

    /// <summary>How long <see cref="EventBridgeClient.ConnectAsync"/> waits for the server's welcome. Default: 5 seconds.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The maximum size of one received frame in bytes. Default: 1 MiB, the server's default.</summary>
    public int MaxFrameBytes { get; init; } = 1024 * 1024;
}
