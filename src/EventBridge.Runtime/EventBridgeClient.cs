using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Cryptography;
using EventBridge.Internal;
using EventBridge.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EventBridge;

/// <summary>
/// Connects a local <see cref="EventBus"/> to an <see cref="EventBridgeServer"/>: events emitted on the bus are
/// forwarded to the server, and events that other processes emitted are delivered on the bus, marked remote so that
/// they are never forwarded back.
/// </summary>
/// <remarks>
/// <para>
/// Forwarded events pass through a bounded outbox (<see cref="EventBridgeClientOptions.OutboxCapacity"/>) and stay
/// there until the server acknowledges them. After a connection loss the client reconnects by itself and resends
/// what was not acknowledged, in order. A resent event may reach a receiver twice, so receivers drop repeated ids.
/// </para>
/// <para>
/// A received event passes the bus's middleware and watchers on the connection's read loop as it arrives. Each
/// consumer then runs from a bounded queue of its own (<see cref="EventBridgeClientOptions.ConsumerQueueCapacity"/>)
/// on the thread pool, one event at a time and in arrival order, and an asynchronous consumer is awaited before its
/// next event. So a consumer that blocks delays neither other consumers nor the connection: pings, pongs, acks and
/// reconnects go on. Events emitted in this process are not queued: their consumers run during the emit.
/// </para>
/// <para>
/// NOTE: a consumer that blocks synchronously still holds a thread-pool thread while it blocks. When many do at once,
/// all asynchronous work in the process, this client's reads included, waits until the pool has added threads,
/// which it does gradually. Long-running consumers should be asynchronous.
/// </para>
/// <para>
/// A local event is not forwarded when it came from another process, when its signal is one of the library's own
/// (<see cref="EventBridgeSignals"/>), when <see cref="EventBridgeClientOptions.ForwardFilter"/> rejects it, or when a
/// consumer emitted it on the signal and namespace of the remote event it was handling (see
/// <see cref="EventBridgeClientOptions.ForwardSameSignalReactions"/>).
/// </para>
/// </remarks>
public sealed partial class EventBridgeClient : IAsyncDisposable
{
    /// <summary>The remote event whose consumers are running in this asynchronous flow, if any.</summary>
    private static readonly AsyncLocal<EventMessage?> s_delivering = new();

    private readonly EventBus _bus;
    private readonly EventBridgeClientOptions _options;
    private readonly ILogger _logger;
    private readonly ClientOutbox _outbox;

    /// <summary><see cref="SerializeForOutbox"/> as a delegate made once, not once per emitted event.</summary>
    private readonly OutboxFrameWriter _serializeForOutbox;

    /// <summary>The watcher that forwards local events, kept so that the bus can tell whether it is the only one.</summary>
    private readonly EventWatcher _forwarder;

    /// <summary>The origin of the last event received; see <c>OriginOf</c>.</summary>
    private EventOrigin? _lastSource;
    private readonly EventIdWindow _seenIds;
    private readonly CancellationTokenSource _disposing = new();
    private readonly Lock _stateGate = new();
    private EventBridgeClientState _state;

    /// <summary>
    /// Completes when the state next becomes <see cref="EventBridgeClientState.Disconnected"/> or
    /// <see cref="EventBridgeClientState.Closed"/>, after which no connection will send the outbox. Created on demand.
    /// </summary>
    private TaskCompletionSource? _offline;
    private IDisposable? _watcher;
    private Session? _session;
    private Task? _runLoop;
    private long _droppedEvents;
    private long _replayGaps;

    /// <summary>
    /// The point where the client left off on the server it was last connected to, sent in its next hello. Null when
    /// replay is off. Only the connection's read loop changes it, and it is read before the next read loop starts.
    /// </summary>
    private readonly FrameResume? _resume;

    /// <summary>Creates a client for <paramref name="bus"/>; call <see cref="ConnectAsync"/> to connect.</summary>
    /// <exception cref="ArgumentException">
    /// The name is empty, an option is out of range, or a receive pattern is invalid (the message names it).
    /// </exception>
    public EventBridgeClient(EventBus bus, EventBridgeClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(bus);
        _bus = bus;
        _options = options ?? new EventBridgeClientOptions();
        ArgumentException.ThrowIfNullOrWhiteSpace(_options.Name, nameof(options));
        ArgumentException.ThrowIfNullOrWhiteSpace(_options.Host, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_options.Port, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxFrameBytes, 64, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(_options.DuplicateWindow, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(_options.DuplicateWindow, EventIdWindow.MaxCapacity, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxJsonDepth, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.PingInterval, TimeSpan.Zero, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.ReconnectDelay, TimeSpan.Zero, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxReconnectDelay, _options.ReconnectDelay, nameof(options));
        if (_options.CloseTimeout < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options), _options.CloseTimeout, "CloseTimeout must not be negative.");
        }

        ThrowIfInvalidConsumerQueue(_options);
        ThrowIfInvalidReceivePatterns(_options.ReceivePatterns);

        _logger = GuardedLogger.Create<EventBridgeClient>(_options.LoggerFactory);
        _outbox = new ClientOutbox(_options.OutboxCapacity, _options.OutboxOverflow);
        _serializeForOutbox = SerializeForOutbox;
        _forwarder = OnLocalEvent;
        _seenIds = new EventIdWindow(_options.DuplicateWindow);
        _resume = _options.ReplayMissedEvents
            ? new FrameResume { Client = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) }
            : null;
    }

    /// <summary>The bus this client connects.</summary>
    public EventBus Bus => _bus;

    /// <summary>The name announced to the server.</summary>
    public string Name => _options.Name;

    /// <summary>The connection state.</summary>
    public EventBridgeClientState State
    {
        get
        {
            lock (_stateGate)
            {
                return _state;
            }
        }
    }

    /// <summary>Whether the client is connected and welcomed by the server.</summary>
    public bool IsConnected => State == EventBridgeClientState.Connected;

    /// <summary>This client as the server last saw it: the accepted name and the address of the connection.</summary>
    public EventOrigin? Identity { get; private set; }

    /// <summary>The number of forwarded events waiting to be sent or acknowledged.</summary>
    public int OutboxCount => _outbox.Count;

    /// <summary>The number of local events that were not forwarded because of a limit or an error.</summary>
    public long DroppedEventCount => Interlocked.Read(ref _droppedEvents);

    /// <summary>
    /// The number of reconnections after which the server could not replay every event the client may have missed,
    /// because the oldest were no longer kept; see <see cref="EventBridgeClientOptions.ReplayMissedEvents"/>.
    /// </summary>
    public long ReplayGaps => Interlocked.Read(ref _replayGaps);

    /// <summary>Raised after every change of <see cref="State"/>, on the thread that made the change.</summary>
    public event EventHandler<EventBridgeClientStateChangedEventArgs>? StateChanged;

    /// <summary>
    /// Raised when a local event is not forwarded, or a received event is not delivered to a consumer, because of a
    /// limit, an error or disposal. The drop is also logged. When a full consumer queue drops a received event, the
    /// handler runs on the connection's read loop, so it must return quickly.
    /// </summary>
    public event EventHandler<EventDroppedEventArgs>? EventDropped;

    /// <summary>
    /// Raised for every <c>error</c> frame the server sends, after it is logged, on the connection's read loop, so a
    /// handler must return quickly. An error about a forwarded event arrives before the ack that covers the event.
    /// So once <see cref="DisposeAsync"/> has waited for the outbox to empty, every rejection of an acknowledged
    /// event has been raised.
    /// </summary>
    public event EventHandler<EventBridgeServerErrorEventArgs>? ServerErrorReceived;

    /// <summary>
    /// Connects to the server, announces <see cref="Name"/>, and completes once the server has welcomed the client.
    /// From then on local events are forwarded, and a lost connection is re-established by the client itself.
    /// </summary>
    /// <remarks>
    /// When the attempt fails, the client returns to <see cref="EventBridgeClientState.Disconnected"/>, and
    /// <see cref="ConnectAsync"/> may be called again; events already in the outbox are kept for that connection.
    /// </remarks>
    /// <exception cref="InvalidOperationException">The client is already connected or connecting, or was disposed.</exception>
    /// <exception cref="SocketException">The server cannot be reached.</exception>
    /// <exception cref="TimeoutException">The server did not send its welcome within <see cref="EventBridgeClientOptions.ConnectTimeout"/>.</exception>
    /// <exception cref="IOException">The server closed the connection before welcoming the client.</exception>
    /// <exception cref="System.Security.Authentication.AuthenticationException">
    /// The server requires a token and rejected <see cref="EventBridgeClientOptions.AuthToken"/>. Or the TLS handshake
    /// failed, because the server's certificate is not valid for <see cref="EventBridgeClientOptions.Tls"/> or because
    /// only one side uses TLS.
    /// </exception>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        lock (_stateGate)
        {
            if (_state != EventBridgeClientState.Disconnected)
            {
                throw new InvalidOperationException(
                    $"ConnectAsync needs a disconnected client, but the client is {_state}.");
            }
        }

        SetState(EventBridgeClientState.Connecting, null);

        // Events emitted during the attempt already wait in the outbox.
        _watcher = _bus.Watch(_forwarder);
        Session session;
        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposing.Token);
            session = await OpenSessionAsync(linked.Token).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            _watcher.Dispose();
            _watcher = null;
            Log.ConnectFailed(_logger, exception, _options.Name, _options.Host, _options.Port);
            SetState(EventBridgeClientState.Disconnected, exception);
            throw;
        }

        _runLoop = Task.Run(() => RunAsync(session), CancellationToken.None);
    }

    /// <summary>
    /// Waits up to <see cref="EventBridgeClientOptions.CloseTimeout"/> for the server to acknowledge the events in
    /// the outbox, sends the server a <c>bye</c> frame, and closes the connection. A client that is reconnecting
    /// when the call begins, or that loses its connection during the wait, goes on reconnecting and resending for the
    /// rest of that time. Events still in the outbox are reported through <see cref="EventDropped"/>. Consumers go on
    /// with the received events queued for them until <see cref="EventBridgeClientOptions.CloseTimeout"/> after the
    /// call began. The events left then are reported through <see cref="EventDropped"/> too. The
    /// <see cref="EventContext.CancellationToken"/> of a consumer that is still running is canceled, and the method
    /// does not wait for the consumer.
    /// </summary>
    /// <remarks>
    /// A client whose first <see cref="ConnectAsync"/> is still under way stops that attempt and does not wait. A
    /// client that will not reconnect (<see cref="EventBridgeClientState.Disconnected"/>) reports its outbox at once.
    /// </remarks>
    public async ValueTask DisposeAsync()
    {
        var started = Stopwatch.GetTimestamp();
        lock (_stateGate)
        {
            if (_state == EventBridgeClientState.Closed || _disposing.IsCancellationRequested)
            {
                return;
            }
        }

        _watcher?.Dispose();
        _watcher = null;
        if (State is EventBridgeClientState.Connected or EventBridgeClientState.Reconnecting)
        {
            await WaitForOutboxAsync(_outbox.WhenEmptyAsync(), _options.CloseTimeout, CancellationToken.None).ConfigureAwait(false);
        }

        // Read after the wait, because a reconnection during the wait replaces the session.
        var session = _session;
        if (session is not null && State == EventBridgeClientState.Connected)
        {
            session.Connection.Send("client closing", static (buffer, reason) =>
                FrameWriter.WriteControl(buffer, "bye", [("reason", reason)]));
            session.Closing = true;
            await session.Connection.CloseAsync(_options.CloseTimeout).ConfigureAwait(false);
        }

        await _disposing.CancelAsync().ConfigureAwait(false);
        if (_session is { } current)
        {
            // A session opened by a reconnection that finished after the check above.
            current.Closing = true;
            await current.Connection.CloseAsync(TimeSpan.Zero).ConfigureAwait(false);
        }

        if (_runLoop is not null)
        {
            await _runLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        foreach (var drop in _outbox.Clear())
        {
            ReportDropped(drop.Message, EventDropReason.ClientClosed, drop.WasSent);
        }

        var deliveryTime = _options.CloseTimeout - Stopwatch.GetElapsedTime(started);
        await StopDeliveringAsync(deliveryTime > TimeSpan.Zero ? deliveryTime : TimeSpan.Zero).ConfigureAwait(false);
        SetState(EventBridgeClientState.Closed, null);
        _disposing.Dispose();
    }

    private void OnLocalEvent(EventMessage message)
    {
        if (message.IsRemote || EventBridgeSignals.IsReserved(message.Signal))
        {
            return;
        }

        if (!_options.ForwardSameSignalReactions
            && s_delivering.Value is { } cause
            && cause.Signal == message.Signal
            && cause.Namespace == message.Namespace)
        {
            Log.ReactionNotForwarded(_logger, message.Signal, message.Id, cause.Id);
            return;
        }

        if (_options.ForwardFilter is { } filter && !filter(message))
        {
            return;
        }

        OutboxDrop? dropped;
        try
        {
            dropped = _outbox.Add(message, _serializeForOutbox);
        }
        catch (FrameTooLargeException)
        {
            ReportDropped(message, EventDropReason.FrameTooLarge);
            return;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            Log.SerializationFailed(_logger, exception, message.Signal, message.Id);
            ReportDropped(message, EventDropReason.SerializationFailed);
            return;
        }

        if (dropped is { } drop)
        {
            ReportDropped(drop.Message, EventDropReason.OutboxFull, drop.WasSent);
        }
    }

    private void SerializeForOutbox(EventMessage message, long seq, ArrayBufferWriter<byte> buffer)
    {
        FrameWriter.WriteEvent(buffer, message, source: null, seq);

        // The limit applies to the line without its newline, as the server counts it.
        if (buffer.WrittenCount - 1 > _options.MaxFrameBytes)
        {
            throw new FrameTooLargeException();
        }
    }

    private void ReportDropped(EventMessage message, EventDropReason reason, bool wasSent = false)
    {
        var count = Interlocked.Increment(ref _droppedEvents);

        // The first drops are logged one by one; after that every thousandth, so a long outage cannot flood the log.
        if (count <= 10 || count % 1000 == 0)
        {
            Log.EventNotForwarded(_logger, message.Signal, message.Id, reason, wasSent, count);
        }

        RaiseEventDropped(new EventDroppedEventArgs(message, reason) { WasSent = wasSent });
    }

    private void RaiseEventDropped(EventDroppedEventArgs drop)
    {
        try
        {
            EventDropped?.Invoke(this, drop);
        }
        catch (Exception exception)
        {
            Log.HandlerFailed(_logger, exception, nameof(EventDropped));
        }
    }

    private void RaiseServerError(Frame frame)
    {
        var handlers = ServerErrorReceived;
        if (handlers is null)
        {
            return;
        }

        var rejected = frame.Seq is { } seq ? _outbox.FindUnacked(seq) : null;
        try
        {
            handlers(this, new EventBridgeServerErrorEventArgs(
                frame.Code ?? "unknown", frame.Message ?? string.Empty, frame.Seq, rejected));
        }
        catch (Exception exception)
        {
            Log.HandlerFailed(_logger, exception, nameof(ServerErrorReceived));
        }
    }

    private void SetState(EventBridgeClientState state, Exception? exception)
    {
        EventBridgeClientState previous;
        TaskCompletionSource? offline = null;
        lock (_stateGate)
        {
            previous = _state;
            if (previous == state || previous == EventBridgeClientState.Closed)
            {
                return;
            }

            _state = state;
            if (state is EventBridgeClientState.Disconnected or EventBridgeClientState.Closed)
            {
                offline = _offline;
                _offline = null;
            }
        }

        offline?.TrySetResult();

        try
        {
            StateChanged?.Invoke(this, new EventBridgeClientStateChangedEventArgs(previous, state, exception));
        }
        catch (Exception handlerException)
        {
            Log.HandlerFailed(_logger, handlerException, nameof(StateChanged));
        }
    }

    private static void ThrowIfInvalidConsumerQueue(EventBridgeClientOptions options)
    {
        if (options.ConsumerQueueCapacity < 1)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options), options.ConsumerQueueCapacity, "ConsumerQueueCapacity must be at least 1.");
        }

        if (options.ConsumerQueueMaxBytes < 1)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options), options.ConsumerQueueMaxBytes, "ConsumerQueueMaxBytes must be at least 1.");
        }

        if (!Enum.IsDefined(options.ConsumerQueueOverflow))
        {
            throw new ArgumentOutOfRangeException(
                nameof(options),
                options.ConsumerQueueOverflow,
                "ConsumerQueueOverflow must be DropNewest or DropOldest.");
        }
    }

    /// <summary>Thrown by the serializer callback of the outbox for a frame over the size limit.</summary>
    internal sealed class FrameTooLargeException : Exception
    {
    }

    private static void ThrowIfInvalidReceivePatterns(IReadOnlyList<string>? patterns)
    {
        if (patterns is null)
        {
            return;
        }

        if (patterns.Count > Frame.MaxReceivePatterns)
        {
            throw new ArgumentException(
                $"EventBridgeClientOptions.ReceivePatterns has {patterns.Count} patterns, more than the maximum of " +
                $"{Frame.MaxReceivePatterns}; use fewer, broader patterns such as \"chat_*\".",
                "options");
        }

        for (var i = 0; i < patterns.Count; i++)
        {
            if (SignalNames.ValidatePattern(patterns[i]) is { } problem)
            {
                var pattern = patterns[i] is { } text ? PatternText.Quote(text) : "null";
                throw new ArgumentException(
                    $"EventBridgeClientOptions.ReceivePatterns contains the invalid pattern {pattern} at index {i}: {problem}.",
                    "options");
            }
        }
    }
}
