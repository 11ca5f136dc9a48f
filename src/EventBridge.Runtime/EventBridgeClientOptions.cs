using Microsoft.Extensions.Logging;

namespace EventBridge;

/// <summary>Decides whether an event emitted on the local bus is forwarded to the server.</summary>
/// <returns><see langword="true"/> to forward the event.</returns>
public delegate bool ForwardFilter(EventMessage message);

/// <summary>What a client's outbox does when an event arrives and the outbox is full.</summary>
public enum OutboxOverflow
{
    /// <summary>Drop the oldest event, preferring one already written and waiting for its ack, to make room.</summary>
    DropOldest,

    /// <summary>Keep the outbox as it is and drop the new event.</summary>
    DropNewest,
}

/// <summary>What a consumer's queue of received events does when an event arrives and the queue is full.</summary>
public enum ConsumerQueueOverflow
{
    /// <summary>Keep the queue as it is and drop the arriving event, so the consumer receives every event before it.</summary>
    DropNewest,

    /// <summary>Drop the oldest waiting event to make room, so the consumer receives the most recent events.</summary>
    DropOldest,
}

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
    /// <remarks>
    /// The client ignores any exception that its logger throws, so a failing logging provider cannot end a connection
    /// or stop a consumer. An exception from the factory's <see cref="ILoggerFactory.CreateLogger"/> is not caught:
    /// the client's constructor throws it.
    /// </remarks>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>
    /// Decides which local events are forwarded; see <see cref="ForwardFilters"/> for common ones. Default: none, so
    /// every local event is forwarded.
    /// </summary>
    public ForwardFilter? ForwardFilter { get; init; }

    /// <summary>
    /// Whether an event that a consumer emits while it handles a remote event, on that event's own signal and
    /// namespace, is forwarded. Default: <see langword="false"/>. Such an event is delivered locally but not
    /// forwarded, because two processes whose consumers re-emit what they receive would otherwise pass the event
    /// back and forth forever. Events on other signals, such as replies, are always forwarded.
    /// </summary>
    public bool ForwardSameSignalReactions { get; init; }

    /// <summary>
    /// How long one connection attempt (TCP connect, TLS handshake when <see cref="Tls"/> is set, hello and the
    /// server's welcome) may take. Default: 5 seconds.
    /// </summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Whether the client reconnects by itself after losing its connection. Default: <see langword="true"/>. It
    /// retries until it is disposed, waiting <see cref="ReconnectDelay"/> before the first retry and twice as long
    /// before each further one, up to <see cref="MaxReconnectDelay"/>; every wait is randomized by ±20 % so that
    /// many clients do not retry in step after a server restart.
    /// </summary>
    public bool Reconnect { get; init; } = true;

    /// <summary>The wait before the first reconnection attempt. Default: 100 milliseconds.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest wait between reconnection attempts. Default: 10 seconds.</summary>
    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The number of forwarded events the client keeps until the server has acknowledged them, including events
    /// emitted while disconnected, which are sent in order after reconnecting. Default: 10,000. When it is full,
    /// <see cref="OutboxOverflow"/> decides which event is dropped; each drop raises
    /// <see cref="EventBridgeClient.EventDropped"/> and is logged.
    /// </summary>
    public int OutboxCapacity { get; init; } = 10_000;

    /// <summary>What happens when the outbox is full. Default: <see cref="EventBridge.OutboxOverflow.DropOldest"/>.</summary>
    public OutboxOverflow OutboxOverflow { get; init; } = OutboxOverflow.DropOldest;

    /// <summary>
    /// The events the server sends this client, as patterns in the form of token permissions (see
    /// <see cref="SignalPermissions"/>): <c>signal</c> for a signal in any namespace, <c>namespace:signal</c>, and
    /// <c>*</c> for any run of characters. Default: <see langword="null"/>, every event. An empty list makes a client
    /// that only publishes, whose connection carries no events from others. The server applies the patterns, replayed
    /// events included, before it queues an event for the client. So events that no consumer here wants cost neither
    /// bandwidth nor room in the server's queue. They are sent in each hello and cannot change while the client is
    /// connected. At most 256 patterns. A pattern's namespace part and signal part are each at most 256 characters
    /// without whitespace or control characters, and the signal part is not empty. A pattern for the library's own
    /// signals (<c>eventbridge.*</c>) is rejected, because those never cross a connection: consume them on the
    /// server's bus instead.
    /// </summary>
    public IReadOnlyList<string>? ReceivePatterns { get; init; }

    /// <summary>
    /// Whether the client asks the server, each time it reconnects, for the events relayed while it was away.
    /// Default: <see langword="true"/>. The server sends the ones it still keeps (see
    /// <see cref="EventBridgeServerOptions.ReplayBufferBytes"/>) before any new event, in their original order, and
    /// never the client's own. When some it missed are no longer kept, the client logs a warning and counts it in
    /// <see cref="EventBridgeClient.ReplayGaps"/>. A server that keeps nothing, or does not know the request, sends
    /// nothing extra.
    /// </summary>
    public bool ReplayMissedEvents { get; init; } = true;

    /// <summary>
    /// The number of recent event ids the client remembers to drop events that arrive twice, for example when
    /// another client resends events after a reconnect. Default: 16,384. 0 turns duplicate detection off; at most
    /// 536,870,912.
    /// </summary>
    public int DuplicateWindow { get; init; } = 16_384;

    /// <summary>
    /// How often the client pings the server while connected. Default: 15 seconds. When nothing arrives from the
    /// server during two intervals in a row, the client treats the connection as lost and reconnects.
    /// <see cref="TimeSpan.Zero"/> turns pings off.
    /// </summary>
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The number of received events that may wait for one consumer. Default: 65,536. Each consumer of a received
    /// event runs from a queue of its own on the thread pool, never on the connection's read loop, so a consumer that
    /// blocks delays neither other consumers, nor pings, pongs and acks, nor reconnects. A queue is full when it
    /// contains this many events or <see cref="ConsumerQueueMaxBytes"/>. Then <see cref="ConsumerQueueOverflow"/>
    /// decides which event that consumer misses, and each miss raises <see cref="EventBridgeClient.EventDropped"/>
    /// with <see cref="EventDropReason.ConsumerQueueFull"/>, is counted in
    /// <see cref="EventBridgeClient.DroppedDeliveryCount"/> and is logged.
    /// </summary>
    /// <remarks>
    /// Besides its frame, which <see cref="ConsumerQueueMaxBytes"/> counts, a waiting event takes about 200 bytes of
    /// objects (measured for a small event), so this limit keeps many small events from taking much more memory than
    /// the byte limit allows for frames.
    /// </remarks>
    public int ConsumerQueueCapacity { get; init; } = 65_536;

    /// <summary>
    /// The total frame size, in bytes, of the received events that may wait for one consumer. Default: 16 MiB, the
    /// server's default <see cref="EventBridgeServerOptions.MaxPendingBytesPerClient"/>, so a consumer may fall as
    /// far behind as the server lets a whole connection fall behind. An empty queue takes an event of any size.
    /// </summary>
    public long ConsumerQueueMaxBytes { get; init; } = 16L * 1024 * 1024;

    /// <summary>
    /// What happens when a consumer's queue is full. Default: <see cref="EventBridge.ConsumerQueueOverflow.DropNewest"/>,
    /// which is also what NATS.Net does for a subscription that falls behind.
    /// </summary>
    public ConsumerQueueOverflow ConsumerQueueOverflow { get; init; } = ConsumerQueueOverflow.DropNewest;

    /// <summary>
    /// How long <see cref="EventBridgeClient.DisposeAsync"/> waits for the server to acknowledge the events still in
    /// the outbox, reconnecting and resending when the connection is lost, and for consumers to finish the received
    /// events still queued for them. Default: 2 seconds. Events left after that are reported through
    /// <see cref="EventBridgeClient.EventDropped"/>. Must not be negative. <see cref="EventBridgeClient.FlushAsync"/>
    /// waits for the acks without closing.
    /// </summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The maximum size of one frame in bytes, sent or received. Default: 1 MiB, the server's default. A local event
    /// whose frame is longer is not forwarded and is reported through <see cref="EventBridgeClient.EventDropped"/>.
    /// </summary>
    public int MaxFrameBytes { get; init; } = 1024 * 1024;

    /// <summary>
    /// The token sent in the <c>hello</c> frame, for servers that require one. Default: none. A server that rejects it
    /// makes <see cref="EventBridgeClient.ConnectAsync"/> throw
    /// <see cref="System.Security.Authentication.AuthenticationException"/>.
    /// </summary>
    public string? AuthToken { get; init; }

    /// <summary>
    /// Connects with TLS and validates the server's certificate as <see cref="EventBridgeClientTlsOptions"/>
    /// describes. Default: none, so the connection is plain TCP. A server whose certificate fails validation, or a
    /// plain server, makes <see cref="EventBridgeClient.ConnectAsync"/> throw
    /// <see cref="System.Security.Authentication.AuthenticationException"/>.
    /// </summary>
    public EventBridgeClientTlsOptions? Tls { get; init; }

    /// <summary>
    /// The maximum nesting depth of JSON in a frame from the server. Default: 64, the server's default. A deeper frame
    /// is logged and ignored.
    /// </summary>
    public int MaxJsonDepth { get; init; } = 64;
}
