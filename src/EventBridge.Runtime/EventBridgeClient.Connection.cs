using System.Buffers;
using System.Net.Sockets;
using System.Security.Authentication;
using EventBridge.Transport;

namespace EventBridge;

/// <summary>The connection half of the client: connecting, reading, writing the outbox, pinging and reconnecting.</summary>
public sealed partial class EventBridgeClient
{
    /// <summary>The bytes a server may add to a relayed frame: the <c>source</c> member, at most about 2 KiB.</summary>
    private const int RelayedSourceAllowance = 4 * 1024;

    /// <summary>Connects, sends hello, waits for the welcome, then starts writing the outbox.</summary>
    private async Task<Session> OpenSessionAsync(CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ConnectTimeout);
        try
        {
            await socket.ConnectAsync(_options.Host, _options.Port, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException(
                $"Connecting to the EventBridge server at {_options.Host}:{_options.Port} timed out after " +
                $"{_options.ConnectTimeout.TotalSeconds:0.###} s.");
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        // Only control frames go through the connection's queue; events are written from the outbox.
        // Received frames may exceed the sender's limit by the source member that the server adds when it relays them
        // (a client name of at most 256 characters and an address), so the read limit has room for it.
        var connection = new FrameConnection(socket, _options.MaxFrameBytes + RelayedSourceAllowance, maxPendingBytes: 0);
        if (_options.Tls is { } tls)
        {
            await AuthenticateTlsAsync(connection, tls, timeout.Token, cancellationToken).ConfigureAwait(false);
        }

        // A copy taken before the new read loop starts, since that loop moves the position on.
        var resume = _resume is null
            ? null
            : new FrameResume
            {
                Client = _resume.Client,
                Run = _resume.Run,
                Position = _resume.Position,
                Source = _resume.Source,
                Id = _resume.Id,
                HasId = _resume.HasId,
            };
        var session = new Session(connection);
        session.Connection.Start();
        session.ReadLoop = Task.Run(() => ReadLoopAsync(session), CancellationToken.None);
        session.Connection.Send(
            (_options.Name, _options.AuthToken, resume, _options.ReceivePatterns),
            static (buffer, hello) =>
                FrameWriter.WriteHello(buffer, hello.Name, hello.AuthToken, hello.resume, hello.ReceivePatterns));

        bool acks;
        try
        {
            acks = await session.Welcome.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            await session.Connection.DisposeAsync().ConfigureAwait(false);
            await session.ReadLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException(
                    $"The EventBridge server at {_options.Host}:{_options.Port} did not send a welcome within " +
                    $"{_options.ConnectTimeout.TotalSeconds:0.###} s.");
            }

            throw;
        }

        session.Acks = acks;
        _outbox.Requeue();
        _session = session;
        if (_disposing.IsCancellationRequested)
        {
            // DisposeAsync ran while the welcome was on its way and may have missed this session.
            session.Closing = true;
            await session.Connection.CloseAsync(TimeSpan.Zero).ConfigureAwait(false);
        }

        session.Pump = Task.Run(() => PumpAsync(session), CancellationToken.None);
        session.Heartbeat = Task.Run(() => HeartbeatAsync(session), CancellationToken.None);
        Log.Connected(_logger, _options.Name, _options.Host, _options.Port, _outbox.Count);
        SetState(EventBridgeClientState.Connected, null);
        return session;
    }

    /// <summary>Watches the current connection and replaces it after a loss until the client is disposed.</summary>
    private async Task RunAsync(Session session)
    {
        while (true)
        {
            await session.ReadLoop!.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await CloseSessionAsync(session).ConfigureAwait(false);
            if (_disposing.IsCancellationRequested || session.Closing)
            {
                return;
            }

            Log.ConnectionLost(_logger, _options.Name, _outbox.Count);
            if (!_options.Reconnect)
            {
                SetState(EventBridgeClientState.Disconnected, session.Failure);
                return;
            }

            SetState(EventBridgeClientState.Reconnecting, session.Failure);
            var next = await ReconnectAsync().ConfigureAwait(false);
            if (next is null)
            {
                return;
            }

            session = next;
        }
    }

    private async Task<Session?> ReconnectAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            var delay = ReconnectDelayFor(attempt);
            Log.Reconnecting(_logger, _options.Name, attempt, delay.TotalMilliseconds);
            try
            {
                await Task.Delay(delay, _disposing.Token).ConfigureAwait(false);
                var session = await OpenSessionAsync(_disposing.Token).ConfigureAwait(false);
                Log.Reconnected(_logger, _options.Name, attempt);
                return session;
            }
            catch (OperationCanceledException) when (_disposing.IsCancellationRequested)
            {
                return null;
            }
            catch (Exception exception)
            {
                Log.ReconnectFailed(_logger, _options.Name, attempt, exception.Message);
                Log.ReconnectFailureDetail(_logger, exception, _options.Name, attempt);
            }
        }
    }

    /// <summary>
    /// The wait before reconnection attempt <paramref name="attempt"/> (1-based): the initial delay, doubled for each
    /// earlier attempt, capped, then randomized by ±20 %.
    /// </summary>
    private TimeSpan ReconnectDelayFor(int attempt)
    {
        var initial = _options.ReconnectDelay.TotalMilliseconds;
        var cap = _options.MaxReconnectDelay.TotalMilliseconds;

        // 2^30 times any sensible initial delay is far above any cap; the bound keeps the shift from overflowing.
        var exponential = initial * (1L << Math.Min(attempt - 1, 30));
        var capped = Math.Min(exponential, cap);
        var jittered = capped * (0.8 + (Random.Shared.NextDouble() * 0.4));
        return TimeSpan.FromMilliseconds(Math.Min(jittered, cap));
    }

    private async Task CloseSessionAsync(Session session)
    {
        await session.Connection.CloseAsync(TimeSpan.Zero).ConfigureAwait(false);
        if (session.Pump is not null)
        {
            await session.Pump.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        if (session.Heartbeat is not null)
        {
            await session.Heartbeat.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await session.Connection.DisposeAsync().ConfigureAwait(false);

        // Written but unacknowledged events go back to the front of the outbox for the next connection.
        _outbox.Requeue();
    }

    private async Task ReadLoopAsync(Session session)
    {
        try
        {
            await session.Connection.ReadFramesAsync(
                line => OnFrame(session, line),
                length => Log.OversizedFrame(_logger, length)).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            session.Failure = exception;
            Log.ReadFailed(_logger, exception, _options.Name);
        }
        finally
        {
            session.Failure ??= new IOException("The server closed the connection.");
            session.Welcome.TrySetException(
                new IOException("The server closed the connection before welcoming the client."));
        }
    }

    private ValueTask OnFrame(Session session, ReadOnlySequence<byte> line)
    {
        session.LastReceived = Environment.TickCount64;
        Interlocked.Increment(ref session.FramesReceived);
        var bytes = line.ToArray();
        Frame frame;
        try
        {
            // Events, nearly every frame, take the scanner's short path; anything else gets the full parse.
            frame = RelayedFrameScanner.Scan(bytes, _options.MaxJsonDepth);
            if (frame.Signal is null)
            {
                frame = Frame.Parse(bytes, _options.MaxJsonDepth);
            }
        }
        catch (ProtocolException exception)
        {
            Log.InvalidFrame(_logger, exception.Code, exception.Message);
            return default;
        }

        switch (frame.Kind)
        {
            case FrameKind.Event:
                if (_resume?.Run is not null && !frame.Id.IsEmpty && frame.SourceName is not null)
                {
                    _resume.Source = frame.SourceName;
                    _resume.Id = frame.Id;
                    _resume.HasId = true;
                }

                DeliverRemote(frame, bytes);
                break;
            case FrameKind.Ack:
                if (frame.Seq is { } seq)
                {
                    _outbox.Acknowledge(seq);
                }

                break;
            case FrameKind.Welcome:
                Identity = new EventOrigin(frame.Name ?? _options.Name, frame.Address);
                OnWelcomeReplay(frame.Resume);
                session.Welcome.TrySetResult(frame.Acks);
                break;
            case FrameKind.Error:
                Log.ServerError(_logger, frame.Code ?? "unknown", frame.Message ?? string.Empty);
                RaiseServerError(frame);
                if (frame.Code is "auth_failed" or "auth_required" or "auth_timeout" or "tls_required")
                {
                    session.Welcome.TrySetException(new AuthenticationException(
                        $"The EventBridge server rejected the client: {frame.Message}"));
                }

                break;
            case FrameKind.Bye:
                Log.ServerSaidBye(_logger, _options.Name);
                break;
            case FrameKind.Ping:
                session.Connection.Send(0, static (buffer, _) => FrameWriter.WriteControl(buffer, "pong", []));
                break;
            default:
                // Pongs only prove the connection is alive, which LastReceived already records.
                break;
        }

        return default;
    }

    /// <summary>Records where this connection starts, and reports events the server could not replay.</summary>
    private void OnWelcomeReplay(FrameResume? replay)
    {
        if (_resume is null)
        {
            return;
        }

        var resuming = _resume.Run is not null;
        _resume.Run = replay?.Run;
        _resume.Position = replay?.Position;
        _resume.Source = null;
        _resume.HasId = false;
        if (replay?.Run is null || !resuming)
        {
            return;
        }

        if (replay.Gap)
        {
            Interlocked.Increment(ref _replayGaps);
            Log.ReplayIncomplete(_logger, _options.Name, replay.Replayed);
        }
        else
        {
            Log.Replaying(_logger, _options.Name, replay.Replayed);
        }
    }

    private void DeliverRemote(Frame frame, byte[] bytes)
    {
        // An empty id is treated like a missing one, so the event gets a fresh id instead of failing to parse.
        var id = frame.Id;

        // Ids are unique per sender only (clients in other languages may count from 1), so they are remembered
        // together with the sender's name.
        if (!_seenIds.TryAdd(frame.SourceName, id))
        {
            Log.DuplicateDropped(_logger, frame.Signal!, id);
            return;
        }

        var source = frame.SourceName is null ? null : OriginOf(frame.SourceName, frame.SourceAddress);
        var message = EventMessage.FromJson(
            frame.Signal!,
            frame.Namespace,
            id,
            source,
            isRemote: true,
            bytes.AsMemory(frame.Args),
            bytes.AsMemory(frame.Kwargs));

        QueueForConsumers(message, bytes.Length);
    }

    /// <summary>
    /// Returns the origin of a received event, the same object as for the previous event when it came from the same
    /// sender. The frame parser takes both strings from a shared table, so comparing references finds the same sender
    /// without comparing characters. Read loop only.
    /// </summary>
    private EventOrigin OriginOf(string name, string? address)
    {
        var last = _lastSource;
        if (last is not null && ReferenceEquals(last.Name, name) && ReferenceEquals(last.Address, address))
        {
            return last;
        }

        return _lastSource = new EventOrigin(name, address);
    }

    /// <summary>Writes outbox entries to the connection in order, in batches, until the connection closes.</summary>
    private async Task PumpAsync(Session session)
    {
        var token = session.Connection.Closing;
        var batch = new OutboxBatch();
        try
        {
            while (!token.IsCancellationRequested)
            {
                if (!_outbox.TakeBatch(batch, FrameConnection.WriteBatchBytes, session.Acks))
                {
                    await _outbox.WaitAsync(token).ConfigureAwait(false);
                    continue;
                }

                try
                {
                    // The frames are written from the outbox's chunks; consecutive ones in one chunk are one write.
                    for (var i = 0; i < batch.Count; i++)
                    {
                        await session.Connection.WriteAsync(batch[i].Memory, token).ConfigureAwait(false);
                    }
                }
                finally
                {
                    _outbox.EndWrite(batch);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException exception)
        {
            Log.WriteFailed(_logger, exception, _options.Name);
        }
    }

    /// <summary>
    /// Pings the server each interval and closes the connection when no frame arrived in two intervals in a row.
    /// </summary>
    /// <remarks>
    /// Silence is counted in timer ticks, not measured as the time since the last frame. A tick that runs late, for
    /// example while every thread-pool thread is busy, would otherwise measure a long silence although the pong to the
    /// last ping is already waiting to be read.
    /// </remarks>
    private async Task HeartbeatAsync(Session session)
    {
        if (_options.PingInterval <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(_options.PingInterval);
        var framesAtLastTick = Volatile.Read(ref session.FramesReceived);
        var silentIntervals = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(session.Connection.Closing).ConfigureAwait(false))
            {
                var frames = Volatile.Read(ref session.FramesReceived);
                silentIntervals = frames == framesAtLastTick ? silentIntervals + 1 : 0;
                if (silentIntervals >= 2)
                {
                    var silence = Environment.TickCount64 - session.LastReceived;
                    Log.ServerSilent(_logger, _options.Name, silence);
                    session.Failure = new TimeoutException($"The server sent nothing for {silence} ms.");
                    await session.Connection.CloseAsync(TimeSpan.Zero).ConfigureAwait(false);
                    return;
                }

                framesAtLastTick = frames;
                session.Connection.Send(0, static (buffer, _) => FrameWriter.WriteControl(buffer, "ping", []));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>One connection to the server and the tasks that serve it.</summary>
    private sealed class Session(FrameConnection connection)
    {
        public FrameConnection Connection { get; } = connection;

        /// <summary>Completes with whether the server acknowledges events, once its welcome arrives.</summary>
        public TaskCompletionSource<bool> Welcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task? ReadLoop { get; set; }

        public Task? Pump { get; set; }

        public Task? Heartbeat { get; set; }

        public bool Acks { get; set; }

        /// <summary>Set when the client itself closes the connection, so that the loss is not followed by a retry.</summary>
        public bool Closing { get; set; }

        public Exception? Failure { get; set; }

        public long LastReceived { get; set; } = Environment.TickCount64;

        /// <summary>The number of frames read so far; the heartbeat compares it between ticks.</summary>
        public long FramesReceived;
    }
}
