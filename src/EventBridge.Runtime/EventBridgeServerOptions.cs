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
    /// <remarks>
    /// The server, and the bus it creates when <see cref="Bus"/> is not set, use this factory. They ignore any
    /// exception that their loggers throw, so a failing logging provider cannot end a connection. An exception from
    /// the factory's <see cref="ILoggerFactory.CreateLogger"/> is not caught: the server's constructor throws it.
    /// </remarks>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>
    /// The maximum size of one frame in bytes, line ending excluded. Default: 1 MiB, as NATS's default payload limit.
    /// A longer line is discarded without being buffered whole, and its sender gets a <c>frame_too_large</c> error
    /// frame; the connection stays open.
    /// </summary>
    public int MaxFrameBytes { get; init; } = 1024 * 1024;

    /// <summary>
    /// The maximum number of bytes queued for one client that reads too slowly. Default: 16 MiB. When a relayed
    /// event would exceed it, the server sends that client a <c>slow_consumer</c> error frame and closes its
    /// connection, so that one stalled reader cannot make the server's memory grow; other clients are unaffected.
    /// </summary>
    public long MaxPendingBytesPerClient { get; init; } = 16L * 1024 * 1024;

    /// <summary>
    /// The number of recent event ids the server remembers to drop events that a client sends twice, which happens
    /// when a client resends unacknowledged events after reconnecting. Default: 65,536, enough for six clients that
    /// each resend a full outbox of the default size. 0 turns duplicate detection off; at most 536,870,912.
    /// </summary>
    public int DuplicateWindow { get; init; } = 65_536;

    /// <summary>
    /// The bytes of recently relayed events the server keeps for clients that reconnect. Default: 8 MiB. A client
    /// that asks to resume in its hello (every .NET client does, unless
    /// <see cref="EventBridgeClientOptions.ReplayMissedEvents"/> is off) is first sent the kept events it missed while it
    /// was away, in their original order, and then new ones. When the oldest events it missed are no longer kept, its
    /// welcome reports the gap and it logs a warning. 0 turns replay off, and clients then get only events relayed
    /// while they are connected. Otherwise at least 64 KiB. The buffer is allocated at the first relayed event, and a frame larger than
    /// an eighth of it is not kept.
    /// </summary>
    public int ReplayBufferBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>
    /// A file that keeps the replay buffer across a graceful restart. Default: none. When set,
    /// <see cref="EventBridgeServer.StopAsync"/> writes the kept events to it, and the next server started with the
    /// same file loads them, deletes the file and continues the same run. Clients that were away when the server
    /// stopped then still get what the stopped process relayed after they left. A server that is killed writes
    /// nothing, and the file it loaded is gone, so a later start begins a new run. A file that cannot be read is
    /// logged and ignored.
    /// </summary>
    public string? ReplayFile { get; init; }

    /// <summary>
    /// The largest number of recently relayed events kept for clients that reconnect. Default: 65,536: at the typical
    /// frame of about 128 bytes, this and <see cref="ReplayBufferBytes"/> are reached together. 0 turns replay off.
    /// </summary>
    public int ReplayBufferEvents { get; init; } = 65_536;

    /// <summary>
    /// How long a relayed event stays eligible for replay. Default: 30 seconds, three times the client's longest wait
    /// between reconnection attempts. An event older than this is not replayed: a client away for longer gets a gap
    /// report instead of a burst of stale events.
    /// </summary>
    public TimeSpan ReplayWindow { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The maximum nesting depth of JSON in a frame. Default: 64, as System.Text.Json's own default. A deeper frame
    /// gets an <c>invalid_json</c> error frame and is not relayed; the connection stays open.
    /// </summary>
    public int MaxJsonDepth { get; init; } = 64;

    /// <summary>
    /// The maximum number of open client connections. Default: 10,000. A connection over the limit gets a
    /// <c>too_many_connections</c> error frame and is closed at once, so that a flood of connections cannot use up
    /// the server's memory and file descriptors; the clients already connected are unaffected.
    /// </summary>
    public int MaxConnections { get; init; } = 10_000;

    /// <summary>
    /// How long one socket write to a client may take. Default: 10 seconds. A client that reads nothing for that long
    /// while the server has bytes for it is disconnected as a slow consumer, even before its queue reaches
    /// <see cref="MaxPendingBytesPerClient"/>. <see cref="TimeSpan.Zero"/> turns the deadline off.
    /// </summary>
    public TimeSpan WriteTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a client may send nothing before the server pings it, and how often the server checks each client for
    /// the idle timeout. Default: 15 seconds, the client's own interval. The checks are spread over the interval, so
    /// that many connections are not pinged at once. <see cref="TimeSpan.Zero"/> turns server pings and the idle check
    /// off.
    /// </summary>
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long a client that has sent a <c>ping</c> may stay silent before the server closes its connection.
    /// Default: 45 seconds, three of the client's ping intervals. Clients that never ping are never closed for being
    /// silent, because a minimal client may only listen; the server's pings still reveal a vanished peer to TCP.
    /// </summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(45);

    /// <summary>
    /// One token that every client must present in its <c>hello</c> frame, with no restriction on what it publishes
    /// or receives. Default: none. With <see cref="AuthToken"/> or <see cref="Tokens"/> set, a client is relayed
    /// nothing and nothing from it is relayed until it presents a valid token.
    /// </summary>
    public string? AuthToken { get; init; }

    /// <summary>
    /// Per-client tokens, each with its own publish and receive permissions; see
    /// <see cref="EventBridgeToken.LoadFile"/> to read them from a file. Default: none. The server's constructor
    /// checks them with the rules of token files and throws <see cref="ArgumentException"/> for an invalid one.
    /// </summary>
    public IReadOnlyList<EventBridgeToken>? Tokens { get; init; }

    /// <summary>
    /// How long a new connection has, counted from when it is accepted, to finish its TLS handshake (when
    /// <see cref="Tls"/> is set) and to send a <c>hello</c> with a valid token (when tokens are required). Default:
    /// 5 seconds: a real client does both at once, and a connection that never does keeps a slot for no more than this.
    /// A connection that misses the TLS handshake is closed; a client that misses the token gets an
    /// <c>auth_timeout</c> error frame and is disconnected. On a plain server without tokens the <c>hello</c> is
    /// optional, so there this timeout closes no connection: a client may connect and only listen. When the server
    /// keeps events for replay, it also bounds how long the server relays nothing to a client whose first frame has
    /// started to arrive but has not been handled yet.
    /// </summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The certificate for TLS; see <see cref="EventBridgeServerTlsOptions.LoadPemFiles"/> and
    /// <see cref="EventBridgeServerTlsOptions.LoadPfxFile"/>. Default: none, so connections are plain TCP. With it
    /// set, every connection must start with a TLS handshake within <see cref="HandshakeTimeout"/>. A client that
    /// sends plain text instead gets a plain-text <c>tls_required</c> error frame and is disconnected; a failed
    /// handshake is logged and closes only that connection.
    /// </summary>
    public EventBridgeServerTlsOptions? Tls { get; init; }

    /// <summary>The backlog of connections waiting to be accepted. Default: 512.</summary>
    public int ListenBacklog { get; init; } = 512;

    /// <summary>How long <see cref="EventBridgeServer.StopAsync"/> waits for queued frames to reach clients. Default: 2 seconds.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(2);
}
