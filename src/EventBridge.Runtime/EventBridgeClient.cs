using System.Buffers;
using System.Net.Sockets;
using EventBridge.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EventBridge;

/// <summary>
/// Connects a local <see cref="EventBus"/> to an <see cref="EventBridgeServer"/>: events emitted on the bus are
/// forwarded to the server, and events that other processes emitted are emitted on the bus, marked remote so that
/// they are never forwarded back.
/// </summary>
public sealed partial class EventBridgeClient : IAsyncDisposable
{
    private readonly EventBus _bus;
    private readonly EventBridgeClientOptions _options;
    private readonly ILogger _logger;
    private FrameConnection? _connection;
    private Task? _readLoop;
    private IDisposable? _watcher;
    private TaskCompletionSource? _welcome;

    /// <summary>Creates a client for <paramref name="bus"/>; call <see cref="ConnectAsync"/> to connect.</summary>
    public EventBridgeClient(EventBus bus, EventBridgeClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(bus);
        _bus = bus;
        _options = options ?? new EventBridgeClientOptions();
        ArgumentException.ThrowIfNullOrWhiteSpace(_options.Name, nameof(options));
        _logger = (_options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<EventBridgeClient>();
    }

    /// <summary>The bus this client connects.</summary>
    public EventBus Bus => _bus;

    /// <summary>The name announced to the server.</summary>
    public string Name => _options.Name;

    /// <summary>Whether the client is connected and welcomed by the server.</summary>
    public bool IsConnected => _connection is { Closing.IsCancellationRequested: false } && _welcome?.Task.IsCompletedSuccessfully == true;

    /// <summary>Raised when the connection to the server is lost or closed.</summary>
    public event EventHandler? Disconnected;

    /// <summary>
    /// Connects to the server, announces <see cref="Name"/>, and completes once the server has welcomed the client;
    /// from then on, local events are forwarded.
    /// </summary>
    /// <exception cref="InvalidOperationException">The client is already connected.</exception>
    /// <exception cref="SocketException">The server cannot be reached.</exception>
    /// <exception cref="TimeoutException">The server did not answer within <see cref="EventBridgeClientOptions.ConnectTimeout"/>.</exception>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        if (_connection is not null)
        {
            throw new InvalidOperationException("The client is already connected; dispose it to disconnect.");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.ConnectTimeout);
            await socket.ConnectAsync(_options.Host, _options.Port, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException(
                $"Connecting to the EventBridge server at {_options.Host}:{_options.Port} timed out after {_options.ConnectTimeout}.");
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var connection = new FrameConnection(socket, _options.MaxFrameBytes);
        _connection = connection;
        _welcome = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Start();
        _readLoop = Task.Run(() => ReadLoopAsync(connection), CancellationToken.None);
        connection.Send(_options.Name, static (buffer, name) =>
            FrameWriter.WriteControl(buffer, "hello", [("name", name), ("protocol", "1")]));

        try
        {
            await _welcome.Task.WaitAsync(_options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await DisposeAsync().ConfigureAwait(false);
            throw;
        }

        _watcher = _bus.Watch(OnLocalEvent);
        Log.Connected(_logger, _options.Name, _options.Host, _options.Port);
    }

    /// <summary>Tells the server the client is leaving, flushes queued events and closes the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        _watcher?.Dispose();
        _watcher = null;
        var connection = _connection;
        if (connection is null)
        {
            return;
        }

        connection.Send(0, static (buffer, _) => FrameWriter.WriteControl(buffer, "bye", []));
        await connection.CloseAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        if (_readLoop is not null)
        {
            await _readLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await connection.DisposeAsync().ConfigureAwait(false);
    }

    private void OnLocalEvent(EventMessage message)
    {
        if (message.IsRemote || EventBridgeSignals.IsReserved(message.Signal))
        {
            return;
        }

        if (_options.ForwardFilter is { } filter && !filter(message))
        {
            return;
        }

        var connection = _connection;
        if (connection is null)
        {
            return;
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        FrameWriter.WriteEvent(buffer, message, source: null);
        if (!connection.Send(buffer.WrittenSpan.ToArray()))
        {
            Log.EventNotSent(_logger, message.Signal, message.Id);
        }
    }

    private async Task ReadLoopAsync(FrameConnection connection)
    {
        try
        {
            await connection.ReadFramesAsync(
                OnFrame,
                length => Log.OversizedFrame(_logger, length)).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            Log.ReadFailed(_logger, exception);
        }
        finally
        {
            _welcome?.TrySetException(new IOException("The server closed the connection before welcoming the client."));
            Log.Disconnected(_logger, _options.Name);
            Disconnected?.Invoke(this, EventArgs.Empty);
        }
    }

    private ValueTask OnFrame(ReadOnlySequence<byte> line)
    {
        var bytes = line.ToArray();
        Frame frame;
        try
        {
            frame = Frame.Parse(bytes);
        }
        catch (ProtocolException exception)
        {
            Log.InvalidFrame(_logger, exception.Code, exception.Message);
            return default;
        }

        switch (frame.Kind)
        {
            case FrameKind.Event:
                DeliverRemote(frame, bytes);
                break;
            case FrameKind.Welcome:
                _welcome?.TrySetResult();
                break;
            case FrameKind.Error:
                Log.ServerError(_logger, frame.Code ?? "unknown", frame.Message ?? string.Empty);
                break;
            default:
                break;
        }

        return default;
    }

    private void DeliverRemote(Frame frame, byte[] bytes)
    {
        var source = frame.SourceName is null ? null : new EventOrigin(frame.SourceName, frame.SourceAddress);
        var message = EventMessage.FromJson(
            frame.Signal!,
            frame.Namespace,
            frame.Id is null ? default : EventId.Parse(frame.Id),
            source,
            isRemote: true,
            bytes.AsMemory(frame.Args),
            bytes.AsMemory(frame.Kwargs));
        try
        {
            _bus.Emit(message);
        }
        catch (ArgumentException exception)
        {
            Log.InvalidFrame(_logger, "invalid_signal", exception.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(3001, LogLevel.Information, "Client {ClientName} connected to {Host}:{Port}", EventName = "ClientConnected")]
        public static partial void Connected(ILogger logger, string clientName, string host, int port);

        [LoggerMessage(3002, LogLevel.Information, "Client {ClientName} disconnected", EventName = "ClientDisconnected")]
        public static partial void Disconnected(ILogger logger, string clientName);

        [LoggerMessage(3003, LogLevel.Warning, "The server sent an invalid frame: {Code}: {Reason}", EventName = "InvalidFrame")]
        public static partial void InvalidFrame(ILogger logger, string code, string reason);

        [LoggerMessage(3004, LogLevel.Warning, "The server reported an error: {Code}: {Reason}", EventName = "ServerError")]
        public static partial void ServerError(ILogger logger, string code, string reason);

        [LoggerMessage(3005, LogLevel.Warning, "Event {EventId} on signal {Signal} was not sent: the connection is closed",
            EventName = "EventNotSent")]
        public static partial void EventNotSent(ILogger logger, string signal, EventId eventId);

        [LoggerMessage(3006, LogLevel.Warning, "Discarded a frame of {Length} bytes from the server: it is over the size limit",
            EventName = "OversizedFrame")]
        public static partial void OversizedFrame(ILogger logger, long length);

        [LoggerMessage(3007, LogLevel.Error, "Reading from the server failed", EventName = "ReadFailed")]
        public static partial void ReadFailed(ILogger logger, Exception exception);

        // Next free id in this range: 3008.
    }
}
