using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using EventBridge.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EventBridge;

/// <summary>
/// Relays events between connected <see cref="EventBridgeClient"/>s: each event a client sends goes to every other
/// client, never back to its sender. Events from clients are also emitted on the server's own <see cref="Bus"/>, whose
/// middleware may change or drop them before they are relayed, and events emitted on that bus go to every client.
/// </summary>
public sealed partial class EventBridgeServer : IAsyncDisposable
{
    private readonly EventBridgeServerOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<long, ClientSession> _sessions = new();
    private readonly EventOrigin _serverOrigin;
    private readonly CancellationTokenSource _stopping = new();
    private Socket? _listener;
    private Task? _acceptLoop;
    private IDisposable? _watcher;
    private long _nextSessionId;
    private int _state;

    /// <summary>Creates a server; call <see cref="StartAsync"/> to listen.</summary>
    public EventBridgeServer(EventBridgeServerOptions? options = null)
    {
        _options = options ?? new EventBridgeServerOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(_options.Port, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(_options.Port, IPEndPoint.MaxPort, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxFrameBytes, 64, nameof(options));
        _logger = (_options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<EventBridgeServer>();
        Bus = _options.Bus ?? new EventBus(new EventBusOptions { LoggerFactory = _options.LoggerFactory });
        _serverOrigin = new EventOrigin(_options.Name, null);
    }

    /// <summary>The server's bus: client events are emitted on it, and events emitted on it go to every client.</summary>
    public EventBus Bus { get; }

    /// <summary>The endpoint the server listens on, once started.</summary>
    public IPEndPoint? LocalEndPoint => _listener?.LocalEndPoint as IPEndPoint;

    /// <summary>The port the server listens on, once started; with port 0 in the options, the port that was picked.</summary>
    public int Port => LocalEndPoint?.Port ?? _options.Port;

    /// <summary>The number of connected clients.</summary>
    public int ClientCount => _sessions.Count;

    /// <summary>Starts listening and accepting clients.</summary>
    /// <exception cref="InvalidOperationException">The server was already started.</exception>
    /// <exception cref="SocketException">The address is in use or cannot be bound.</exception>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException("The server was already started.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        var address = ResolveHost(_options.Host);
        var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(address, _options.Port));
            listener.Listen(512);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        _listener = listener;
        _watcher = Bus.Watch(OnBusEvent);
        _acceptLoop = Task.Run(AcceptLoopAsync, CancellationToken.None);
        Log.Started(_logger, LocalEndPoint?.ToString() ?? _options.Host);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Stops accepting clients, sends each client a <c>bye</c> frame, flushes queued frames for up to
    /// <see cref="EventBridgeServerOptions.ShutdownTimeout"/> and closes every connection.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _state, 2, 1) != 1)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener?.Dispose();
        _watcher?.Dispose();
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        var closing = new List<Task>();
        foreach (var session in _sessions.Values)
        {
            session.Connection.Send("stopping", static (buffer, reason) =>
                FrameWriter.WriteControl(buffer, "bye", [("reason", reason)]));
            closing.Add(session.Connection.CloseAsync(_options.ShutdownTimeout));
        }

        await Task.WhenAll(closing).WaitAsync(_options.ShutdownTimeout + TimeSpan.FromSeconds(1), cancellationToken)
            .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        Log.Stopped(_logger, _sessions.Count);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private static IPAddress ResolveHost(string host)
    {
        if (IPAddress.TryParse(host, out var address))
        {
            return address;
        }

        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return IPAddress.Loopback;
        }

        var addresses = Dns.GetHostAddresses(host);
        return addresses.Length > 0
            ? addresses[0]
            : throw new ArgumentException($"The host '{host}' has no address to listen on.", nameof(host));
    }

    private async Task AcceptLoopAsync()
    {
        var listener = _listener!;
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException exception)
            {
                Log.AcceptFailed(_logger, exception);
                continue;
            }

            var id = Interlocked.Increment(ref _nextSessionId);
            var session = new ClientSession(id, new FrameConnection(socket, _options.MaxFrameBytes));
            _ = Task.Run(() => RunSessionAsync(session));
        }
    }

    private async Task RunSessionAsync(ClientSession session)
    {
        var connection = session.Connection;
        _sessions[session.Id] = session;
        connection.Start();
        Log.ClientConnected(_logger, session.Id, session.Address);
        Bus.EmitInternal(EventMessage.Create(EventBridgeSignals.ClientConnected, session.Origin));
        try
        {
            await connection.ReadFramesAsync(
                frame => HandleFrame(session, frame),
                length => Reject(session, "frame_too_large",
                    $"The frame of {length} bytes is longer than the maximum of {_options.MaxFrameBytes} bytes.")).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            Log.SessionFailed(_logger, exception, session.Id, session.Origin.Name);
        }
        finally
        {
            _sessions.TryRemove(session.Id, out _);
            await connection.CloseAsync(TimeSpan.Zero).ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
            Log.ClientDisconnected(_logger, session.Id, session.Origin.Name, session.Address);
            Bus.EmitInternal(EventMessage.Create(EventBridgeSignals.ClientDisconnected, session.Origin));
        }
    }

    private ValueTask HandleFrame(ClientSession session, ReadOnlySequence<byte> line)
    {
        var bytes = line.ToArray();
        Frame frame;
        try
        {
            frame = Frame.Parse(bytes);
        }
        catch (ProtocolException exception)
        {
            Reject(session, exception.Code, exception.Message);
            return default;
        }

        switch (frame.Kind)
        {
            case FrameKind.Event:
                RelayFromClient(session, frame, bytes);
                break;
            case FrameKind.Hello:
                if (!string.IsNullOrWhiteSpace(frame.Name))
                {
                    session.Origin = new EventOrigin(frame.Name, session.Address);
                }

                Log.ClientIdentified(_logger, session.Id, session.Origin.Name, session.Address);
                session.Connection.Send(session.Origin, static (buffer, origin) => FrameWriter.WriteControl(
                    buffer, "welcome", [("name", origin.Name), ("address", origin.Address)]));
                break;
            case FrameKind.Ping:
                session.Connection.Send(0, static (buffer, _) => FrameWriter.WriteControl(buffer, "pong", []));
                break;
            case FrameKind.Bye:
                _ = session.Connection.CloseAsync(_options.ShutdownTimeout);
                break;
            default:
                break;
        }

        return default;
    }

    private void RelayFromClient(ClientSession session, Frame frame, byte[] bytes)
    {
        var problem = SignalNames.Validate(frame.Signal);
        if (problem is not null)
        {
            Reject(session, "invalid_signal", $"Invalid signal name '{frame.Signal}': {problem}.");
            return;
        }

        var message = new JsonEventMessage(
            frame.Signal!,
            frame.Namespace,
            frame.Id is null ? default : EventId.Parse(frame.Id),
            session.Origin,
            isRemote: true,
            bytes.AsMemory(frame.Args),
            bytes.AsMemory(frame.Kwargs))
        {
            RelayFrame = frame.HasSource ? null : bytes,
        };
        Bus.Emit(message);
    }

    private void OnBusEvent(EventMessage message)
    {
        if (EventBridgeSignals.IsReserved(message.Signal))
        {
            return;
        }

        if (!message.IsRemote)
        {
            // Emitted on the server's own bus: every client receives it.
            var frame = Serialize(message, _serverOrigin);
            foreach (var session in _sessions.Values)
            {
                session.Connection.Send(frame);
            }

            return;
        }

        var origin = message.Source;
        byte[] relayed;
        if (message is JsonEventMessage { RelayFrame: { } original } && origin is not null)
        {
            var buffer = new ArrayBufferWriter<byte>(original.Length + 96);
            FrameWriter.WriteRelayed(buffer, original, origin);
            relayed = buffer.WrittenSpan.ToArray();
        }
        else
        {
            // Middleware replaced the event, or the sender claimed its own source: write a fresh frame.
            relayed = Serialize(message, origin);
        }

        foreach (var session in _sessions.Values)
        {
            if (!ReferenceEquals(session.Origin, origin))
            {
                session.Connection.Send(relayed);
            }
        }
    }

    private static byte[] Serialize(EventMessage message, EventOrigin? origin)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        FrameWriter.WriteEvent(buffer, message, origin);
        return buffer.WrittenSpan.ToArray();
    }

    private void Reject(ClientSession session, string code, string message)
    {
        Log.FrameRejected(_logger, session.Id, session.Origin.Name, code, message);
        session.Connection.Send((code, message), static (buffer, error) =>
            FrameWriter.WriteControl(buffer, "error", [("code", error.code), ("message", error.message)]));
    }

    private sealed class ClientSession
    {
        public ClientSession(long id, FrameConnection connection)
        {
            Id = id;
            Connection = connection;
            Address = connection.RemoteEndPoint?.ToString() ?? "unknown";
            Origin = new EventOrigin(Address, Address);
        }

        public long Id { get; }

        public FrameConnection Connection { get; }

        public string Address { get; }

        /// <summary>The client's identity; replaced once when the hello frame names the client.</summary>
        public EventOrigin Origin { get; set; }
    }

    private static partial class Log
    {
        [LoggerMessage(2001, LogLevel.Information, "EventBridge server listening on {EndPoint}", EventName = "ServerStarted")]
        public static partial void Started(ILogger logger, string endPoint);

        [LoggerMessage(2002, LogLevel.Information, "EventBridge server stopped; {ClientCount} clients were still connected",
            EventName = "ServerStopped")]
        public static partial void Stopped(ILogger logger, int clientCount);

        [LoggerMessage(2003, LogLevel.Information, "Client {SessionId} connected from {Address}", EventName = "ClientConnected")]
        public static partial void ClientConnected(ILogger logger, long sessionId, string address);

        [LoggerMessage(2004, LogLevel.Information, "Client {SessionId} from {Address} is named {ClientName}",
            EventName = "ClientIdentified")]
        public static partial void ClientIdentified(ILogger logger, long sessionId, string clientName, string address);

        [LoggerMessage(2005, LogLevel.Information, "Client {SessionId} ({ClientName}) from {Address} disconnected",
            EventName = "ClientDisconnected")]
        public static partial void ClientDisconnected(ILogger logger, long sessionId, string clientName, string address);

        [LoggerMessage(2006, LogLevel.Warning, "Rejected a frame from client {SessionId} ({ClientName}): {Code}: {Reason}",
            EventName = "FrameRejected")]
        public static partial void FrameRejected(ILogger logger, long sessionId, string clientName, string code, string reason);

        [LoggerMessage(2007, LogLevel.Error, "Accepting a connection failed", EventName = "AcceptFailed")]
        public static partial void AcceptFailed(ILogger logger, Exception exception);

        [LoggerMessage(2008, LogLevel.Error, "The connection of client {SessionId} ({ClientName}) failed",
            EventName = "SessionFailed")]
        public static partial void SessionFailed(ILogger logger, Exception exception, long sessionId, string clientName);

        // Next free id in this range: 2009.
    }
}
