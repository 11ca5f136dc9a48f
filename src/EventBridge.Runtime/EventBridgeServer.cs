using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using EventBridge.Internal;
using EventBridge.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EventBridge;

/// <summary>
/// Relays events between connected <see cref="EventBridgeClient"/>s: each event a client sends goes to every other
/// client, never back to its sender. Events from clients are also emitted on the server's own <see cref="Bus"/>, whose
/// middleware may change or drop them before they are relayed, and events emitted on that bus go to every client.
/// </summary>
/// <remarks>
/// The server emits <see cref="EventBridgeSignals.ClientConnected"/> and <see cref="EventBridgeSignals.ClientDisconnected"/>
/// on its bus; like every signal with the reserved prefix, they are never relayed. The wire protocol is described in
/// <c>docs/protocol.md</c>.
/// </remarks>
public sealed partial class EventBridgeServer : IAsyncDisposable
{
    /// <summary>The number of groups the heartbeat checks in turn, one per tick; see <c>HeartbeatLoopAsync</c>.</summary>
    private const int PingSlices = 16;

    private const int NotStarted = 0;
    private const int Running = 1;
    private const int Stopped = 2;

    /// <summary>The smallest replay buffer: it keeps frames of up to 8 KiB, an eighth of it.</summary>
    private const int MinReplayBufferBytes = 64 * 1024;

    private readonly EventBridgeServerOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<long, ClientSession> _sessions = new();
    private readonly EventOrigin _serverOrigin;
    private readonly EventIdWindow _seenIds;

    /// <summary>Recently relayed events for clients that reconnect; null when replay is off.</summary>
    private ReplayBuffer? _replay;

    /// <summary>
    /// Held, when replay is on, while an event is added to <see cref="_replay"/> and queued for the clients, and while
    /// a client is sent what it missed and joins them, so that every client gets its events in the buffer's order.
    /// </summary>
    private readonly Lock _relayGate = new();
    private readonly CancellationTokenSource _stopping = new();
    private Socket? _listener;
    private Task? _acceptLoop;
    private Task? _heartbeatLoop;
    private long _slowConsumerDisconnects;
    private long _idleDisconnects;
    private long _rejectedConnections;
    private long _senderWaits;

    /// <summary>The queued bytes over which a receiver makes its senders wait: half the limit, or 0 for no limit.</summary>
    private readonly long _congestedBytes;

    /// <summary>How long a receiver may complete no write before senders stop waiting for it, in milliseconds.</summary>
    private readonly long _stalledAfterMilliseconds;
    private readonly TokenAuthenticator? _authenticator;
    private readonly SslServerAuthenticationOptions? _tlsOptions;
    private IDisposable? _watcher;

    /// <summary>The relay's watcher on <see cref="Bus"/>, kept to tell whether anything else observes an event.</summary>
    private EventWatcher? _relayWatcher;
    private long _nextSessionId;
    private int _state;

    /// <summary>Creates a server; call <see cref="StartAsync"/> to listen.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="ArgumentException">
    /// A token in the options is empty, only whitespace or repeated, or a token's permissions contain an invalid pattern.
    /// </exception>
    public EventBridgeServer(EventBridgeServerOptions? options = null)
    {
        _options = options ?? new EventBridgeServerOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(_options.Port, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(_options.Port, IPEndPoint.MaxPort, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxFrameBytes, 64, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(_options.MaxPendingBytesPerClient, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(_options.DuplicateWindow, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(_options.DuplicateWindow, EventIdWindow.MaxCapacity, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.ListenBacklog, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxJsonDepth, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxConnections, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.WriteTimeout, TimeSpan.Zero, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.PingInterval, TimeSpan.Zero, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.IdleTimeout, TimeSpan.Zero, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_options.HandshakeTimeout, TimeSpan.Zero, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(_options.ReplayBufferBytes, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(_options.ReplayBufferEvents, nameof(options));
        if (_options.ReplayBufferBytes is > 0 and < MinReplayBufferBytes)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options),
                _options.ReplayBufferBytes,
                $"EventBridgeServerOptions.ReplayBufferBytes must be 0 (replay off) or at least {MinReplayBufferBytes}.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_options.ReplayWindow, TimeSpan.Zero, nameof(options));
        _authenticator = CreateAuthenticator(_options);
        ArgumentException.ThrowIfNullOrWhiteSpace(_options.Name, nameof(options));
        _tlsOptions = CreateTlsOptions(_options.Tls);
        _logger = GuardedLogger.Create<EventBridgeServer>(_options.LoggerFactory);
        Bus = _options.Bus ?? new EventBus(new EventBusOptions { LoggerFactory = _options.LoggerFactory });
        _serverOrigin = new EventOrigin(_options.Name, null);
        _seenIds = new EventIdWindow(_options.DuplicateWindow);
        _congestedBytes = _options.MaxPendingBytesPerClient / 2;
        _stalledAfterMilliseconds = _options.WriteTimeout > TimeSpan.Zero
            ? (long)(_options.WriteTimeout.TotalMilliseconds / 2)
            : StalledReceiverMilliseconds;
        _replay = _options.ReplayBufferBytes > 0 && _options.ReplayBufferEvents > 0
            ? new ReplayBuffer(_options.ReplayBufferBytes, _options.ReplayBufferEvents, _options.ReplayWindow)
            : null;
    }

    /// <summary>
    /// Checks <see cref="EventBridgeServerOptions.AuthToken"/> and <see cref="EventBridgeServerOptions.Tokens"/> with
    /// the rules of token files, and returns their authenticator, or null when no token is required. Messages name a
    /// token by its name and index, never by its secret.
    /// </summary>
    /// <exception cref="ArgumentException">A token is empty, only whitespace or repeated, or a permission is invalid.</exception>
    private static TokenAuthenticator? CreateAuthenticator(EventBridgeServerOptions options)
    {
        if (options.Tokens is { Count: 0 } && options.AuthToken is null)
        {
            // An empty list is far more likely a failed load than a wish for no authentication.
            throw new ArgumentException(
                "EventBridgeServerOptions.Tokens is empty, so no client could authenticate; use null for no tokens.",
                nameof(options));
        }

        if (options.AuthToken is null && options.Tokens is null)
        {
            return null;
        }

        // A token of spaces is as likely a blank line read from a file or an environment variable as an empty one.
        if (options.AuthToken is not null && string.IsNullOrWhiteSpace(options.AuthToken))
        {
            throw new ArgumentException(
                "EventBridgeServerOptions.AuthToken must not be empty or only whitespace; use null for no shared token.",
                nameof(options));
        }

        var tokens = options.Tokens ?? [];
        for (var i = 0; i < tokens.Count; i++)
        {
            CheckToken(tokens[i], i);
        }

        if (tokens.Select(token => token.Token).Distinct(StringComparer.Ordinal).Count() != tokens.Count)
        {
            throw new ArgumentException(
                "Two entries of EventBridgeServerOptions.Tokens have the same token; each client needs its own.",
                nameof(options));
        }

        return new TokenAuthenticator(
            options.AuthToken is null ? tokens : [.. tokens, new EventBridgeToken("shared", options.AuthToken)]);
    }

    /// <summary>Checks one entry of <see cref="EventBridgeServerOptions.Tokens"/>, at <paramref name="index"/>.</summary>
    /// <exception cref="ArgumentException">The entry is invalid.</exception>
    private static void CheckToken(EventBridgeToken? token, int index)
    {
        var entry = $"EventBridgeServerOptions.Tokens[{index}]";
        if (token is null)
        {
            throw new ArgumentException($"{entry} is null; remove it or give a token.", "options");
        }

        entry += $" ('{token.Name}')";
        if (string.IsNullOrWhiteSpace(token.Token))
        {
            throw new ArgumentException(
                $"The token of {entry} is empty or only whitespace; give each client a token that it can send.",
                "options");
        }

        CheckPermissions(token.Publish, "Publish", entry);
        CheckPermissions(token.Receive, "Receive", entry);
    }

    /// <summary>
    /// Checks permission patterns with the rules that token files follow: a pattern that could never match would leave
    /// an allow list permitting nothing, or a deny list denying nothing.
    /// </summary>
    /// <exception cref="ArgumentException">The permissions are null or a pattern is invalid.</exception>
    private static void CheckPermissions(SignalPermissions? permissions, string member, string entry)
    {
        if (permissions is null)
        {
            throw new ArgumentException(
                $"{member} of {entry} is null; use SignalPermissions.All to permit every event.", "options");
        }

        CheckPatterns(permissions.Allow, $"{member}.Allow", entry, allowReserved: false);

        // A deny pattern for the library's own signals denies only what never crosses a connection, so it is harmless.
        CheckPatterns(permissions.Deny, $"{member}.Deny", entry, allowReserved: true);
    }

    private static void CheckPatterns(IReadOnlyList<string>? patterns, string list, string entry, bool allowReserved)
    {
        if (patterns is null)
        {
            return;
        }

        for (var i = 0; i < patterns.Count; i++)
        {
            if (SignalNames.ValidatePattern(patterns[i], allowReserved) is { } problem)
            {
                var pattern = patterns[i] is { } text ? PatternText.Quote(text) : "null";
                throw new ArgumentException(
                    $"{list} of {entry} contains the invalid pattern {pattern} at index {i}: {problem}.", "options");
            }
        }
    }

    /// <summary>The server's bus: client events are emitted on it, and events emitted on it go to every client.</summary>
    public EventBus Bus { get; }

    /// <summary>The endpoint the server listens on, once started.</summary>
    public IPEndPoint? LocalEndPoint => _listener?.LocalEndPoint as IPEndPoint;

    /// <summary>The port the server listens on, once started; with port 0 in the options, the port that was picked.</summary>
    public int Port => LocalEndPoint?.Port ?? _options.Port;

    /// <summary>
    /// The number of open client connections, including those that have not sent a hello or finished their TLS
    /// handshake yet.
    /// </summary>
    public int ClientCount => _sessions.Count;

    /// <summary>
    /// The number of clients disconnected as slow consumers since the server started: their queue passed
    /// <see cref="EventBridgeServerOptions.MaxPendingBytesPerClient"/> or a write to them passed
    /// <see cref="EventBridgeServerOptions.WriteTimeout"/>.
    /// </summary>
    public long SlowConsumerDisconnects => Interlocked.Read(ref _slowConsumerDisconnects);

    /// <summary>
    /// The number of times since the server started that a sender's next frame waited for a receiver whose queue was
    /// over half of <see cref="EventBridgeServerOptions.MaxPendingBytesPerClient"/>.
    /// </summary>
    public long SenderWaits => Interlocked.Read(ref _senderWaits);

    /// <summary>
    /// The number of clients disconnected since the server started because they pinged once and then stayed silent
    /// for longer than <see cref="EventBridgeServerOptions.IdleTimeout"/>.
    /// </summary>
    public long IdleDisconnects => Interlocked.Read(ref _idleDisconnects);

    /// <summary>
    /// The number of connections closed at once since the server started because
    /// <see cref="EventBridgeServerOptions.MaxConnections"/> were already open.
    /// </summary>
    public long RejectedConnections => Interlocked.Read(ref _rejectedConnections);

    /// <summary>The clients that have announced themselves (or sent their first event), in no particular order.</summary>
    public IReadOnlyList<EventOrigin> Clients =>
        [.. _sessions.Values.Where(session => session.Announced).Select(session => session.Origin)];

    /// <summary>Starts listening and accepting clients.</summary>
    /// <exception cref="InvalidOperationException">The server was already started.</exception>
    /// <exception cref="SocketException">The address is in use or cannot be bound.</exception>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _state, Running, NotStarted) != NotStarted)
        {
            throw new InvalidOperationException("The server was already started; create a new server to start again.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        var address = ResolveHost(_options.Host);
        var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(address, _options.Port));
            listener.Listen(_options.ListenBacklog);
        }
        catch (Exception exception)
        {
            listener.Dispose();
            Interlocked.Exchange(ref _state, Stopped);
            Log.StartFailed(_logger, exception, _options.Host, _options.Port);
            throw;
        }

        _listener = listener;
        LoadReplayFile();
        _relayWatcher = OnBusEvent;
        _watcher = Bus.Watch(_relayWatcher);
        _acceptLoop = Task.Run(AcceptLoopAsync, CancellationToken.None);
        _heartbeatLoop = Task.Run(HeartbeatLoopAsync, CancellationToken.None);
        Log.Started(_logger, LocalEndPoint?.ToString() ?? _options.Host);
        if (_options.Tls is { } tls)
        {
            LogTlsCertificate(tls);
        }

        if (!IPAddress.IsLoopback(address) && _authenticator is null)
        {
            Log.UnauthenticatedOnNetwork(_logger, LocalEndPoint?.ToString() ?? _options.Host);
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// Stops accepting clients, sends each client a <c>bye</c> frame, flushes queued frames for up to
    /// <see cref="EventBridgeServerOptions.ShutdownTimeout"/> and closes every connection. Calling it again, or on a
    /// server that never started, does nothing.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _state, Stopped, Running) != Running)
        {
            return;
        }

        Log.Stopping(_logger, _sessions.Count);
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener?.Dispose();
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        if (_heartbeatLoop is not null)
        {
            await _heartbeatLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        var closing = new List<Task>();
        foreach (var session in _sessions.Values)
        {
            session.CloseReason ??= "server stopping";
            session.Connection.Send("server stopping", static (buffer, reason) =>
                FrameWriter.WriteControl(buffer, "bye", [("reason", reason)]));
            closing.Add(session.Connection.CloseAsync(_options.ShutdownTimeout));
        }

        // Each close is bounded by the timeout; the extra second covers the socket shutdown after the flush.
        await Task.WhenAll(closing).WaitAsync(_options.ShutdownTimeout + TimeSpan.FromSeconds(1), cancellationToken)
            .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        var sessions = _sessions.Values.Select(session => session.Run).OfType<Task>().ToArray();
        await Task.WhenAll(sessions).WaitAsync(TimeSpan.FromSeconds(1), CancellationToken.None)
            .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _watcher?.Dispose();
        SaveReplayFile();
        Log.Stopped(_logger, _sessions.Count);

        // Otherwise only code with a reference to the server sees the counters, so the command's log shows them here.
        Log.Totals(_logger, SlowConsumerDisconnects, IdleDisconnects, RejectedConnections, TlsHandshakeFailures, SenderWaits);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    /// <summary>Continues the run saved in <see cref="EventBridgeServerOptions.ReplayFile"/>, if there is one.</summary>
    private void LoadReplayFile()
    {
        if (_replay is null || _options.ReplayFile is not { } path || !File.Exists(path))
        {
            return;
        }

        try
        {
            var loaded = new ReplayBuffer(_options.ReplayBufferBytes, _options.ReplayBufferEvents, _options.ReplayWindow);
            var count = loaded.Load(path);

            // Deleted at once, so that after a crash the next start cannot continue this run from an old snapshot.
            File.Delete(path);
            _replay = loaded;
            Log.ReplayLoaded(_logger, count, path, loaded.Run);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException)
        {
            Log.ReplayFileFailed(_logger, exception, path);
        }
    }

    /// <summary>Writes the kept events to <see cref="EventBridgeServerOptions.ReplayFile"/> once nothing is relayed any more.</summary>
    private void SaveReplayFile()
    {
        if (_replay is null || _options.ReplayFile is not { } path)
        {
            return;
        }

        try
        {
            lock (_relayGate)
            {
                _replay.Save(path);
                Log.ReplaySaved(_logger, _replay.Count, path);
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            Log.ReplayFileFailed(_logger, exception, path);
        }
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

            if (_sessions.Count >= _options.MaxConnections)
            {
                _ = RejectConnectionAsync(socket);
                continue;
            }

            var id = Interlocked.Increment(ref _nextSessionId);
            var connection = new FrameConnection(
                socket, _options.MaxFrameBytes, _options.MaxPendingBytesPerClient, _options.WriteTimeout);
            var session = new ClientSession(id, connection);
            if (_replay is not null)
            {
                lock (_relayGate)
                {
                    session.JoinPosition = _replay.Position;
                }
            }

            _sessions[id] = session;
            PublishSessionList();
            session.Run = Task.Run(() => RunSessionAsync(session));
        }
    }

    /// <summary>
    /// Tells a connection over <see cref="EventBridgeServerOptions.MaxConnections"/> why, and closes it. A TLS server
    /// closes it without the error frame, because a TLS client cannot read plain text and a handshake per rejected
    /// connection would cost the CPU that the limit protects.
    /// </summary>
    private async Task RejectConnectionAsync(Socket socket)
    {
        var count = Interlocked.Increment(ref _rejectedConnections);
        if (count <= RejectionsLoggedInFull || count % 1000 == 0)
        {
            Log.ConnectionRejected(_logger, socket.RemoteEndPoint?.ToString() ?? "unknown", _options.MaxConnections, count);
        }

        var buffer = new ArrayBufferWriter<byte>(160);
        FrameWriter.WriteError(
            buffer,
            "too_many_connections",
            $"The server already has its maximum of {_options.MaxConnections} connections; try again later.");
        using (socket)
        {
            if (_tlsOptions is not null)
            {
                return;
            }

            // The frame fits any socket buffer, so the send completes at once unless the peer is gone; the timeout
            // keeps a vanished peer from holding the socket.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            try
            {
                await socket.SendAsync(buffer.WrittenMemory, SocketFlags.None, timeout.Token).ConfigureAwait(false);
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception exception) when (exception is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The peer left first; there is nobody to tell.
            }
        }
    }

    /// <summary>
    /// Pings each authenticated client that sent nothing for a <see cref="EventBridgeServerOptions.PingInterval"/>, and
    /// closes clients that ping themselves but have been silent for longer than <see cref="EventBridgeServerOptions.IdleTimeout"/>.
    /// </summary>
    /// <remarks>
    /// The clients are checked in <see cref="PingSlices"/> groups, one group per tick, so that each is still checked
    /// once per interval but the pings of many connections do not go out at once: 10,000 pings and their pongs in one
    /// burst held up relayed events by several hundred milliseconds. A client heard from within the interval is
    /// evidently connected and is not pinged; .NET clients ping the server themselves and count its pongs.
    /// </remarks>
    private async Task HeartbeatLoopAsync()
    {
        if (_options.PingInterval <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(Math.Max(1, _options.PingInterval.TotalMilliseconds / PingSlices)));
        var pingAfter = (long)_options.PingInterval.TotalMilliseconds;
        var tick = 0L;
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                var slice = tick++ % PingSlices;
                var now = Environment.TickCount64;
                foreach (var session in Volatile.Read(ref _sessionList))
                {
                    if (session.Id % PingSlices != slice)
                    {
                        continue;
                    }

                    var silence = now - Interlocked.Read(ref session.LastReceived);
                    if (session.Pings && _options.IdleTimeout > TimeSpan.Zero && silence > _options.IdleTimeout.TotalMilliseconds)
                    {
                        if (Interlocked.Exchange(ref session.IdleClosed, 1) != 0)
                        {
                            // Closed on an earlier tick and not removed yet.
                            continue;
                        }

                        Interlocked.Increment(ref _idleDisconnects);
                        Log.ClientIdle(_logger, session.Id, session.Origin.Name, silence);
                        session.CloseReason ??= "idle timeout";
                        _ = session.Connection.CloseAsync(TimeSpan.Zero);
                        continue;
                    }

                    // A client that has not authenticated gets only error frames about its own frames. The handshake
                    // timeout, not a ping, ends its connection when its peer has vanished.
                    if (session.Authenticated && silence >= pingAfter)
                    {
                        session.Connection.Send(0, static (buffer, _) => FrameWriter.WriteControl(buffer, "ping", []));
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
