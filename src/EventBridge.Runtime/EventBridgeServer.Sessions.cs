using System.Collections.Concurrent;
using System.Buffers;
using System.Net.Sockets;
using EventBridge.Transport;

namespace EventBridge;

/// <summary>The per-connection half of the server: reading frames, answering control frames and relaying events.</summary>
public sealed partial class EventBridgeServer
{
    /// <summary>The longest client name a hello frame may announce, in UTF-16 characters.</summary>
    private const int MaxClientNameLength = 256;

    /// <summary>
    /// Rejected frames logged per connection before the log thins out to every thousandth, so that a client that
    /// sends garbage in a loop cannot flood the log.
    /// </summary>
    private const int RejectionsLoggedInFull = 10;

    /// <summary>
    /// How long the server waits, when it keeps events for replay, for a new connection's first frame before relaying
    /// to it. The hello may ask to resume, and what the client missed must reach it before anything new. A client that
    /// only listens gets the events relayed meanwhile once the wait ends.
    /// </summary>
    private static readonly TimeSpan HelloWait = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How often the server checks again, once <see cref="HelloWait"/> has passed, whether a first frame whose bytes
    /// have arrived has been handled.
    /// </summary>
    private static readonly TimeSpan HelloRecheckInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The longest a sender's next frame waits, in milliseconds, for a receiver queue that passed half its limit.
    /// Short enough that a stalled receiver costs its senders little until it is disconnected, long enough for a
    /// receiver that is only slower than its senders to drain.
    /// </summary>
    private const int MaxSenderWaitMilliseconds = 10;

    /// <summary>
    /// How long a receiver's socket may go without a completed write, in milliseconds, before senders stop waiting
    /// for it when the write deadline is off. Otherwise half the deadline: a receiver that long without a completed
    /// write is on its way to being disconnected, and a shorter time cut off receivers whose process was only busy.
    /// </summary>
    private const int StalledReceiverMilliseconds = 5000;

    /// <summary>
    /// A receiver whose queue passed half its limit while the current thread relayed a frame. The thread's read loop
    /// waits for it before reading the sender's next frame.
    /// </summary>
    [ThreadStatic]
    private static ClientSession? t_congested;

    private readonly Lock _sessionListGate = new();

    /// <summary>
    /// A copy of the open sessions that the relay iterates: <c>ConcurrentDictionary.Values</c> would lock every bucket
    /// and copy the values for each relayed event. Replaced whole, under <see cref="_sessionListGate"/>, on every
    /// connect and disconnect.
    /// </summary>
    private ClientSession[] _sessionList = [];

    /// <summary>The receivers of each signal and namespace relayed since the last change of the clients; replaced whole.</summary>
    private RouteTable _routes = new();

    private async Task RunSessionAsync(ClientSession session)
    {
        var connection = session.Connection;
        Log.ConnectionAccepted(_logger, session.Id, session.Address);
        try
        {
            // Until the handshake is done the session is not authenticated, so nothing is relayed to it.
            if (_tlsOptions is not null && !await AuthenticateTlsAsync(session).ConfigureAwait(false))
            {
                return;
            }

            connection.Start();
            if (_authenticator is null)
            {
                session.Authenticated = true;
                if (_replay is null)
                {
                    session.Live = true;
                    InvalidateRoutes();
                }
                else
                {
                    _ = JoinAfterHelloWaitAsync(session);
                }
            }
            else
            {
                _ = EnforceHandshakeTimeoutAsync(session);
            }

            await connection.ReadFramesAsync(
                frame => HandleFrame(session, frame),
                length => RejectOversized(session, length),
                () => SendPendingAck(session),
                first => AcceptFirstByte(session, first)).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            Log.SessionFailed(_logger, exception, session.Id, session.Origin.Name);
            if (exception is not (IOException or SocketException or OperationCanceledException))
            {
                // A fault in the server's own handling, not in the connection: the disconnect line must not blame the client.
                session.CloseReason ??= "closed by the server after an unexpected error; see the error logged before";
            }
        }
        finally
        {
            // The write loop sets WriteTimedOut before it cancels the read loop, so the flag is final here. Counting
            // and logging it before the session leaves the table means that a caller who reads the lower client
            // count also finds the counter and the log line.
            // A client already closed for its queue size often times out its last write too; it is counted once.
            if (connection.WriteTimedOut && Interlocked.Exchange(ref session.SlowConsumer, 1) == 0)
            {
                Interlocked.Increment(ref _slowConsumerDisconnects);
                Log.WriteTimedOut(_logger, session.Id, session.Origin.Name, _options.WriteTimeout.TotalSeconds);
                session.CloseReason ??= "slow consumer: a write timed out";
            }

            if (session.CloseReason is null && !session.ReceivedFrame && connection.TlsProtocol is not null)
            {
                // With TLS 1.3 the server's side of the handshake ends before the client checks the certificate, so a
                // client that rejects it just closes, and this is all the server can see of the rejection.
                session.CloseReason = "closed by the client after the TLS handshake, before any frame; a client that " +
                    "rejects the server's certificate does this";
            }

            _sessions.TryRemove(session.Id, out _);
            PublishSessionList();
            await connection.DisposeAsync().ConfigureAwait(false);

            if (!session.TlsFailed)
            {
                Log.ClientDisconnected(
                    _logger, session.Id, session.Origin.Name, session.Address, session.CloseReason ?? "connection closed by the client");
            }

            if (session.Announced)
            {
                Bus.EmitInternal(EventMessage.Create(EventBridgeSignals.ClientDisconnected, session.Origin));
            }
        }
    }

    private void RejectOversized(ClientSession session, long length)
    {
        var tooLong = $"The frame is longer than the maximum of {_options.MaxFrameBytes} bytes ({length} bytes or more)";
        if (!session.Authenticated)
        {
            // As with an unparsable first frame, a client whose first frame is too long to be a hello will not
            // authenticate later, so it learns why now instead of waiting for the handshake timeout.
            RejectAuthentication(session, "auth_failed", $"A hello frame with a valid token must come first. {tooLong}.");
            return;
        }

        Reject(session, "frame_too_large", $"{tooLong}; it is discarded up to its line end.", seq: null);
    }

    /// <summary>
    /// Records that the client's first bytes arrived, for <see cref="JoinAfterHelloWaitAsync"/>, and on a plain server
    /// closes a connection that starts a TLS handshake.
    /// </summary>
    private bool AcceptFirstByte(ClientSession session, byte first)
    {
        session.ReceivedBytes = true;
        return _tlsOptions is not null || AcceptPlainFirstByte(session, first);
    }

    private ValueTask HandleFrame(ClientSession session, ReadOnlySequence<byte> line)
    {
        Interlocked.Exchange(ref session.LastReceived, Environment.TickCount64);
        session.ReceivedFrame = true;

        // The line is copied once into a pooled array, behind room for the session's source prefix, so that an event
        // frame is relayed from this same array: the prefix, then the original members, without re-encoding the
        // payload. Every receiver's send queue takes a reference; the array returns to the pool after the last write.
        var prefix = session.RelayPrefix;
        var pooled = PooledFrame.Rent(prefix.Length + (int)line.Length + 1);
        try
        {
            t_congested = null;
            line.CopyTo(pooled.Buffer.AsSpan(prefix.Length, (int)line.Length));
            HandleFrame(session, pooled, prefix);
        }
        finally
        {
            pooled.Release();
        }

        if (!session.HandledFrame)
        {
            session.HandledFrame = true;
        }

        var congested = t_congested;
        t_congested = null;
        return congested is null ? default : WaitForReceiverAsync(congested);
    }

    /// <summary>
    /// Holds the sender's read loop while <paramref name="receiver"/>'s queue is over half its limit, for at most
    /// <see cref="MaxSenderWaitMilliseconds"/>. Senders faster than a receiver thus slow to its pace, as TCP would
    /// between two peers, instead of filling its queue until it is disconnected as a slow consumer.
    /// </summary>
    private async ValueTask WaitForReceiverAsync(ClientSession receiver)
    {
        Interlocked.Increment(ref _senderWaits);
        var deadline = Environment.TickCount64 + MaxSenderWaitMilliseconds;
        while (receiver.Connection.PendingBytes > _congestedBytes
            && !receiver.Connection.Closing.IsCancellationRequested
            && Environment.TickCount64 < deadline
            && IsDraining(receiver))
        {
            await Task.Delay(1).ConfigureAwait(false);
        }
    }

    private void HandleFrame(ClientSession session, PooledFrame pooled, byte[] prefix)
    {
        var original = pooled.Buffer.AsSpan(prefix.Length, pooled.Length - prefix.Length - 1);
        // Events, nearly every frame, take the checked scanner's short path. Anything else, an invalid frame included,
        // gets the full parse, which also reports what is wrong.
        var frame = RelayedFrameScanner.ScanChecked(original, _options.MaxJsonDepth);
        try
        {
            if (frame.Signal is null)
            {
                frame = Frame.Parse(original, _options.MaxJsonDepth);
            }
        }
        catch (ProtocolException exception)
        {
            if (!session.Authenticated)
            {
                // A client that cannot even send a valid hello will not authenticate later, so it learns why now
                // instead of waiting for the handshake timeout.
                RejectAuthentication(
                    session,
                    "auth_failed",
                    $"A hello frame with a valid token must come first, but this frame is invalid ({exception.Code}): " +
                    exception.Message);
                return;
            }

            // A frame that cannot be parsed still counts as the connection's first frame, so a hello after it gets
            // unexpected_hello, as after any other frame. Its seq, unless a syntax fault comes before it, is
            // acknowledged like that of any rejected event, so that a client waiting for acks does not wait forever.
            session.SawFrame = true;
            var readableSeq = Frame.TryReadSequenceBeforeFault(original, _options.MaxJsonDepth);
            Reject(session, exception.Code, exception.Message, readableSeq);
            if (readableSeq is { } rejectedSeq)
            {
                session.PendingAck = Math.Max(session.PendingAck, rejectedSeq);
            }

            return;
        }

        // A hello counts only as a connection's first frame, so an event sent before it cannot be followed by an
        // authentication that makes earlier frames look as if they came after it.
        var isFirstFrame = !session.SawFrame;
        session.SawFrame = true;
        if (!session.Authenticated && frame.Kind != FrameKind.Hello)
        {
            Reject(session, "auth_required", "Send a hello frame with a valid token first; this frame was ignored.", frame.Seq);
            return;
        }

        if (!session.Live && frame.Kind != FrameKind.Hello)
        {
            // A client that sends no hello requests no replay. It gets what was relayed since it connected.
            Join(session, resume: null, welcome: false);
        }

        switch (frame.Kind)
        {
            case FrameKind.Event:
                Announce(session);
                RelayFromClient(session, frame, pooled, prefix);
                if (frame.Seq is { } seq)
                {
                    session.PendingAck = Math.Max(session.PendingAck, seq);
                }

                break;
            case FrameKind.Hello:
                HandleHello(session, frame, isFirstFrame);
                break;
            case FrameKind.Ping:
                session.Pings = true;
                session.Connection.Send(0, static (buffer, _) => FrameWriter.WriteControl(buffer, "pong", []));
                break;
            case FrameKind.Bye:
                Log.ClientSaidBye(_logger, session.Id, session.Origin.Name);
                session.CloseReason ??= "the client said bye";
                _ = session.Connection.CloseAsync(_options.ShutdownTimeout);
                break;
            case FrameKind.Error:
                Log.ClientReportedError(_logger, session.Id, session.Origin.Name, frame.Code ?? "unknown", frame.Message ?? "");
                break;
            default:
                // A pong, or a frame only a server sends: nothing to answer.
                break;
        }
    }

    private void HandleHello(ClientSession session, in Frame frame, bool isFirstFrame)
    {
        if (session.Announced || !isFirstFrame)
        {
            Reject(session, "unexpected_hello", "A hello frame must come first and only once; this one was ignored.", null);
            return;
        }

        if (!session.Authenticated)
        {
            var grant = _authenticator!.Authenticate(frame.Token);
            if (grant is null)
            {
                var reason = frame.Token is null
                    ? "The server requires a token in the hello frame; none was given."
                    : "The token in the hello frame is invalid.";
                RejectAuthentication(session, "auth_failed", reason);
                return;
            }

            session.Grant = grant;
            session.Authenticated = true;
            Log.Authenticated(_logger, session.Id, frame.Name ?? session.Address, grant.Name);
        }

        var name = frame.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > MaxClientNameLength || name.Any(char.IsControl))
        {
            Reject(
                session,
                "invalid_name",
                $"The client name must be 1 to {MaxClientNameLength} characters without control characters; " +
                "the client's address is used instead.",
                seq: null);
        }
        else
        {
            session.Origin = new EventOrigin(name, session.Address);
        }

        // Set before the client joins, so that replayed events are filtered too.
        session.Interest = frame.Receive is { } patterns ? new SignalPermissions(patterns, Deny: null) : null;
        InvalidateRoutes();

        // The connect line is logged before the join, so that the join's resume lines follow it. The connected event
        // is still emitted after the join, so that what the bus's consumers send in reply reaches the client.
        Log.ClientConnected(_logger, session.Id, session.Origin.Name, session.Address);
        Join(session, frame.Resume, welcome: true);
        Announce(session, logged: true);
    }

    /// <summary>
    /// Sends what the client missed, then makes it receive relayed events after waiting <see cref="HelloWait"/> for its
    /// hello. When bytes from the client have arrived by then but no frame has been handled (a busy server reads it
    /// late), the wait goes on until a frame is handled or the handshake timeout passes. The hello may restrict what
    /// the client receives, so joining before it is read would send the client every event.
    /// </summary>
    private async Task JoinAfterHelloWaitAsync(ClientSession session)
    {
        try
        {
            await Task.Delay(HelloWait, session.Connection.Closing).ConfigureAwait(false);
            while (IsFirstFrameArriving(session))
            {
                var remaining = RemainingHandshakeTime(session);
                if (remaining <= TimeSpan.Zero)
                {
                    Log.FirstFrameIncomplete(
                        _logger, session.Id, session.Address, _options.HandshakeTimeout.TotalSeconds, session.Connection.UnreadBytes);
                    break;
                }

                await Task.Delay(remaining < HelloRecheckInterval ? remaining : HelloRecheckInterval, session.Connection.Closing)
                    .ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            return;
        }

        Join(session, resume: null, welcome: false);
    }

    /// <summary>
    /// Returns whether bytes from the client have arrived, in the read loop or still in the socket, and no frame has
    /// been handled yet.
    /// </summary>
    private static bool IsFirstFrameArriving(ClientSession session) =>
        !session.HandledFrame && (session.ReceivedBytes || session.Connection.UnreadBytes > 0);

    /// <summary>
    /// Makes the client receive relayed events, after sending its welcome (when <paramref name="welcome"/> is set) and
    /// the kept events it missed: those after the position its hello names, every kept one when it was last connected
    /// to an earlier server, or those relayed since it connected when it does not ask to resume.
    /// </summary>
    private void Join(ClientSession session, FrameResume? resume, bool welcome)
    {
        if (_replay is null)
        {
            session.Live = true;
            InvalidateRoutes();
            if (welcome)
            {
                SendWelcome(session, replay: null);
            }

            return;
        }

        lock (_relayGate)
        {
            // A hello after the wait finds the client receiving already. What it missed before then is still sent, but
            // after the newer events it has, so the order between those two runs is lost.
            var late = session.Live;
            if (late && !welcome)
            {
                // The wait ended after the hello, or the first frame came first: the client has joined already.
                return;
            }

            var end = late ? session.JoinPosition : _replay.Position;
            var position = late ? end : session.JoinPosition;
            if (resume?.Run is { } run)
            {
                position = !string.Equals(run, _replay.Run, StringComparison.Ordinal)
                    ? 0
                    : (resume.HasId && resume.Source is { } source ? _replay.Find(source, resume.Id) : null)
                        ?? Math.Min(resume.Position ?? 0, _replay.Position);
                position = Math.Min(position, end);
            }

            session.ResumeClient = resume?.Client;
            var missed = new List<byte[]>();
            var (replayed, gap) = _replay.Replay(
                position,
                end,
                session.ResumeClient,
                (session, missed),
                static (state, signal, @namespace) => MayReceive(state.session, signal, @namespace, joining: true),
                static (state, frame) => state.missed.Add(frame));

            // The replay may fill at most half of the client's queue, like a burst that makes senders wait, so that
            // it never makes the client a slow consumer by itself. The oldest events beyond that are skipped as a gap.
            var skipped = OldestBeyondHalfQueue(missed);
            if (skipped > 0)
            {
                missed.RemoveRange(0, skipped);
                replayed -= skipped;
                gap = true;
            }

            if (welcome)
            {
                SendWelcome(session, new FrameResume { Run = _replay.Run, Position = position, Replayed = replayed, Gap = gap });
            }

            foreach (var frame in missed)
            {
                SendEvent(session, frame);
            }

            if (!late)
            {
                session.JoinPosition = position;
                session.Live = true;
                InvalidateRoutes();
            }

            if (resume?.Run is not null)
            {
                LogResumed(session, replayed, gap, late);
            }
        }
    }

    /// <summary>Returns how many of the oldest frames to skip so that the rest fit in half of a client's queue limit.</summary>
    private int OldestBeyondHalfQueue(List<byte[]> frames)
    {
        if (_congestedBytes <= 0)
        {
            return 0;
        }

        long bytes = 0;
        for (var i = frames.Count - 1; i >= 0; i--)
        {
            bytes += frames[i].Length;
            if (bytes > _congestedBytes)
            {
                return i + 1;
            }
        }

        return 0;
    }

    private void LogResumed(ClientSession session, int replayed, bool gap, bool late)
    {
        if (gap)
        {
            Log.ClientResumedWithGap(_logger, session.Id, session.Origin.Name, replayed);
        }
        else
        {
            Log.ClientResumed(_logger, session.Id, session.Origin.Name, replayed);
        }

        if (late)
        {
            Log.LateResume(_logger, session.Id, session.Origin.Name, HelloWait.TotalMilliseconds);
        }
    }

    private void SendWelcome(ClientSession session, FrameResume? replay) =>
        session.Connection.Send(
            (session.Origin, _options.Name, _options.MaxFrameBytes, replay),
            static (buffer, state) => FrameWriter.WriteWelcome(buffer, state.Origin, state.Name, state.MaxFrameBytes, state.replay));

    /// <param name="session">The client.</param>
    /// <param name="logged">Whether the caller logged the client's connect line already.</param>
    private void Announce(ClientSession session, bool logged = false)
    {
        if (session.Announced)
        {
            return;
        }

        session.Announced = true;
        if (!logged)
        {
            Log.ClientConnected(_logger, session.Id, session.Origin.Name, session.Address);
        }

        Bus.EmitInternal(EventMessage.Create(EventBridgeSignals.ClientConnected, session.Origin));
    }

    /// <param name="session">The sending client's session.</param>
    /// <param name="frame">The parsed frame.</param>
    /// <param name="pooled">The frame, starting at the length of <paramref name="prefix"/>, with one spare byte at the end.</param>
    /// <param name="prefix">The session's relay prefix, for which <paramref name="pooled"/> has room in front.</param>
    private void RelayFromClient(ClientSession session, in Frame frame, PooledFrame pooled, byte[] prefix)
    {
        // A client usually sends one signal many times in a row. The frame parser takes the signal and namespace from a
        // shared table of strings, so the same references mean the same names, and the checks below ran for them
        // already, with the same bus.
        var version = Bus.Version;
        var checkedBefore = ReferenceEquals(frame.Signal, session.CheckedSignal)
            && ReferenceEquals(frame.Namespace, session.CheckedNamespace)
            && version == session.CheckedBusVersion;
        if (!checkedBefore && !CheckPublish(session, frame))
        {
            return;
        }

        // An empty id is treated like a missing one, so the event gets a fresh id instead of failing to parse.
        var id = frame.Id;
        // Ids are remembered per sender name, so one client cannot suppress another client's events by sending
        // their ids first.
        if (!_seenIds.TryAdd(session.Origin.Name, id))
        {
            Log.DuplicateDropped(_logger, frame.Signal!, id, session.Origin.Name);
            return;
        }

        var reachesOnlyRelay = checkedBefore
            ? session.CheckedReachesOnlyRelay
            : Bus.ReachesOnly(_relayWatcher!, frame.Signal!, frame.Namespace);
        if (!checkedBefore)
        {
            session.CheckedSignal = frame.Signal;
            session.CheckedNamespace = frame.Namespace;
            session.CheckedBusVersion = version;
            session.CheckedReachesOnlyRelay = reachesOnlyRelay;
        }

        // A frame with its id and no source of its own, that nothing on the server's bus observes but the relay,
        // is forwarded from the pooled array without a message object. An empty id counts as none, so such a frame
        // gets a new envelope with a fresh id.
        if (!id.IsEmpty && !frame.HasSource && reachesOnlyRelay
            && CompleteRelayFrame(pooled.Buffer.AsSpan(0, pooled.Length), prefix))
        {
            if (_replay is null)
            {
                RelayToOthers(session, frame.Signal!, frame.Namespace, pooled);
                return;
            }

            lock (_relayGate)
            {
                _replay.Append(
                    pooled.Buffer.AsSpan(0, pooled.Length), frame.Signal!, frame.Namespace, session.Origin.Name, id, session.ResumeClient);
                RelayToOthers(session, frame.Signal!, frame.Namespace, pooled);
            }

            return;
        }

        // The message may outlive this call (a server consumer can keep it), so it gets arrays of its own.
        var bytes = pooled.Buffer.AsSpan(0, pooled.Length).ToArray();
        var original = bytes.AsMemory(prefix.Length, bytes.Length - prefix.Length - 1);
        var message = new JsonEventMessage(
            frame.Signal!,
            frame.Namespace,
            id,
            session.Origin,
            isRemote: true,
            original[frame.Args],
            original[frame.Kwargs])
        {
            // A frame that claims its own source, or lacks the id that every relayed event carries, gets a new
            // envelope; the payload bytes are still copied as they are.
            RelayFrame = !frame.HasSource && !id.IsEmpty && CompleteRelayFrame(bytes, prefix) ? bytes : null,
        };
        Bus.Emit(message);
    }

    /// <summary>
    /// Checks that the client may publish the frame's signal in its namespace, and rejects the frame when it may not:
    /// an invalid signal name, or one its token does not permit.
    /// </summary>
    private bool CheckPublish(ClientSession session, in Frame frame)
    {
        var problem = SignalNames.Validate(frame.Signal);
        if (problem is not null)
        {
            // The name is cut in the message and the log, because a rejected name may be as long as the frame.
            var shown = frame.Signal is { Length: > 100 } name ? name[..100] + "..." : frame.Signal;
            Reject(session, "invalid_signal", $"Invalid signal name '{shown}': {problem}.", frame.Seq);
            return false;
        }

        if (session.Grant is { } grant && !grant.Publish.Permits(frame.Signal!, frame.Namespace))
        {
            // Logged here, with the token's name, in place of the generic rejection line, and thinned out the same way.
            var count = session.Rejections + 1;
            if (count <= RejectionsLoggedInFull || count % 1000 == 0)
            {
                Log.PublishDenied(_logger, session.Id, session.Origin.Name, grant.Name, frame.Signal!, frame.Namespace ?? string.Empty);
            }

            Reject(
                session,
                "permission_denied",
                $"This client may not publish '{frame.Signal}' in namespace '{frame.Namespace}'; the event was dropped.",
                frame.Seq,
                logged: true);
            return false;
        }

        return true;
    }

    /// <summary>
    /// Turns <paramref name="bytes"/> (prefix room, frame, one spare byte) into the relayed frame: the source prefix,
    /// a comma in place of the frame's opening brace, the frame's members and a newline. Returns
    /// <see langword="false"/>, and changes nothing, when the frame does not start with its brace (leading
    /// whitespace); such a frame gets a new envelope instead.
    /// </summary>
    private static bool CompleteRelayFrame(Span<byte> bytes, byte[] prefix)
    {
        if (bytes[prefix.Length] != (byte)'{')
        {
            return false;
        }

        // An event frame always has a "signal" member, so a member follows the brace and the comma is valid.
        prefix.CopyTo(bytes);
        bytes[prefix.Length] = (byte)',';
        bytes[^1] = (byte)'\n';
        return true;
    }

    /// <summary>Queues a relayed frame for every client but its sender that may receive it.</summary>
    private void RelayToOthers(ClientSession sender, string signal, string? @namespace, PooledFrame frame)
    {
        foreach (var session in ReceiversOf(sender, signal, @namespace))
        {
            if (!ReferenceEquals(session, sender) && MayReceive(session, signal, @namespace))
            {
                OnSendResult(session, session.Connection.Send(frame), frame.Length);
            }
        }
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
            if (_replay is null)
            {
                SendToOthers(null, message, frame);
                return;
            }

            lock (_relayGate)
            {
                _replay.Append(frame, message.Signal, message.Namespace, _serverOrigin.Name, message.Id, sender: null);
                SendToOthers(null, message, frame);
            }

            return;
        }

        var origin = message.Source;
        byte[] relayed;
        if (message is JsonEventMessage { RelayFrame: { } complete } && origin is not null)
        {
            // Built by RelayFromClient from the sender's source prefix and the received bytes.
            relayed = complete;
        }
        else
        {
            // Middleware replaced the event, or the frame needs a new envelope: write a fresh frame.
            relayed = Serialize(message, origin);
        }

        if (_replay is null)
        {
            SendToOthers(origin, message, relayed);
            return;
        }

        lock (_relayGate)
        {
            _replay.Append(
                relayed, message.Signal, message.Namespace, origin?.Name ?? _serverOrigin.Name, message.Id, ResumeClientOf(origin));
            SendToOthers(origin, message, relayed);
        }
    }

    /// <summary>Returns the resume identity of the connected client whose origin is <paramref name="origin"/>, if any.</summary>
    private string? ResumeClientOf(EventOrigin? origin)
    {
        // A loop, not a lambda, because this runs for every event that server middleware or a watcher sees.
        foreach (var session in Volatile.Read(ref _sessionList))
        {
            if (ReferenceEquals(session.Origin, origin))
            {
                return session.ResumeClient;
            }
        }

        return null;
    }

    /// <summary>Queues a frame for every client that may receive it, but the one whose origin is <paramref name="sender"/>.</summary>
    private void SendToOthers(EventOrigin? sender, EventMessage message, byte[] frame)
    {
        foreach (var session in ReceiversOf(null, message.Signal, message.Namespace))
        {
            if (!ReferenceEquals(session.Origin, sender) && MayReceive(session, message))
            {
                SendEvent(session, frame);
            }
        }
    }

    /// <summary>
    /// Returns whether the client has authenticated (when tokens are required) and its token permits receiving the
    /// event. A denied event is skipped silently: receiving it is not something the client asked for.
    /// </summary>
    private static bool MayReceive(ClientSession session, EventMessage message) =>
        MayReceive(session, message.Signal, message.Namespace);

    /// <param name="session">The client.</param>
    /// <param name="signal">The event's signal.</param>
    /// <param name="namespace">The event's namespace.</param>
    /// <param name="joining">Whether the client is about to join, so that only its permissions count.</param>
    private static bool MayReceive(ClientSession session, string signal, string? @namespace, bool joining = false) =>
        (joining || session.Live)
        && (session.Interest is not { } interest || interest.Permits(signal, @namespace))
        && (session.Grant is not { } grant || grant.Receive.Permits(signal, @namespace));

    /// <summary>Disconnects a client that did not authenticate in time; the time counts from the accept, TLS included.</summary>
    private async Task EnforceHandshakeTimeoutAsync(ClientSession session)
    {
        try
        {
            await Task.Delay(RemainingHandshakeTime(session), session.Connection.Closing).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        if (!session.Authenticated)
        {
            RejectAuthentication(
                session,
                "auth_timeout",
                $"No hello frame with a valid token arrived within {_options.HandshakeTimeout.TotalSeconds:0.###} s.");
        }
    }

    /// <summary>
    /// Sends an authentication error and closes the connection after a short flush; never logs the token. Only the
    /// first call for a session has an effect.
    /// </summary>
    private void RejectAuthentication(ClientSession session, string code, string reason)
    {
        // The handshake timer and the read loop may both reject the same session, because the timer can fire during
        // the flush that follows an auth_failed. The connection's Closing token is canceled only after that flush.
        if (Interlocked.Exchange(ref session.AuthenticationRejected, 1) != 0)
        {
            return;
        }

        Log.AuthenticationFailed(_logger, session.Id, session.Address, code, reason);
        session.CloseReason ??= code;
        session.Connection.Send((code, reason), static (buffer, error) =>
            FrameWriter.WriteError(buffer, error.code, error.reason));
        _ = session.Connection.CloseAsync(TimeSpan.FromSeconds(1));
    }

    private void PublishSessionList()
    {
        lock (_sessionListGate)
        {
            Volatile.Write(ref _sessionList, [.. _sessions.Values]);
        }

        InvalidateRoutes();
    }

    /// <summary>
    /// Drops every remembered list of receivers. Call after any change that <see cref="MayReceive(ClientSession, string,
    /// string?, bool)"/> depends on: a client connected, left, joined, or named the events it wants. A relay that
    /// reads the table after this call also reads the change.
    /// </summary>
    private void InvalidateRoutes() => Volatile.Write(ref _routes, new RouteTable());

    /// <summary>
    /// Returns the clients that may receive an event of <paramref name="signal"/> in <paramref name="namespace"/>, its
    /// sender included. With many clients the list is remembered per signal and namespace until the next change, so
    /// that each event costs a loop over its receivers, not over every connection and its patterns.
    /// </summary>
    private ClientSession[] ReceiversOf(ClientSession? sender, string signal, string? @namespace)
    {
        var table = Volatile.Read(ref _routes);
        var sessions = Volatile.Read(ref _sessionList);
        if (sessions.Length < RouteTable.SmallestCachedSessionCount)
        {
            return sessions;
        }

        // The sender remembers its last lookup, so that a client sending one signal skips the dictionary too.
        if (sender is not null && ReferenceEquals(sender.RouteTable, table)
            && ReferenceEquals(sender.RouteSignal, signal) && ReferenceEquals(sender.RouteNamespace, @namespace))
        {
            return sender.RouteReceivers!;
        }

        if (!table.Receivers.TryGetValue((signal, @namespace), out var receivers))
        {
            var matching = new List<ClientSession>();
            foreach (var session in sessions)
            {
                if (MayReceive(session, signal, @namespace))
                {
                    matching.Add(session);
                }
            }

            receivers = [.. matching];
            if (table.Receivers.Count < RouteTable.MaxEntries)
            {
                table.Receivers.TryAdd((signal, @namespace), receivers);
            }
        }

        if (sender is not null)
        {
            sender.RouteTable = table;
            sender.RouteSignal = signal;
            sender.RouteNamespace = @namespace;
            sender.RouteReceivers = receivers;
        }

        return receivers;
    }

    private void SendEvent(ClientSession session, byte[] frame) =>
        OnSendResult(session, session.Connection.Send(frame), frame.Length);

    /// <summary>Disconnects a client as a slow consumer the first time its send queue is found full.</summary>
    /// <summary>Whether the receiver's socket completed a write recently, so that waiting for it helps.</summary>
    private bool IsDraining(ClientSession receiver) =>
        Environment.TickCount64 - receiver.Connection.LastWriteCompleted <= _stalledAfterMilliseconds;

    private void OnSendResult(ClientSession session, SendResult result, int frameBytes)
    {
        if (result == SendResult.Queued)
        {
            if (_congestedBytes > 0 && session.Connection.PendingBytes > _congestedBytes && IsDraining(session))
            {
                t_congested = session;
            }

            return;
        }

        if (result != SendResult.Full || Interlocked.Exchange(ref session.SlowConsumer, 1) != 0)
        {
            return;
        }

        // The queue refused the frame, so the bytes that pass the limit are those queued plus this frame.
        var pending = session.Connection.PendingBytes + frameBytes;
        Interlocked.Increment(ref _slowConsumerDisconnects);
        session.CloseReason ??= "slow consumer: too many bytes queued";
        Log.SlowConsumer(_logger, session.Id, session.Origin.Name, pending, _options.MaxPendingBytesPerClient);
        var buffer = new ArrayBufferWriter<byte>(256);
        FrameWriter.WriteError(
            buffer,
            "slow_consumer",
            $"The client read too slowly: {pending} bytes were waiting for it with the next frame, over the server's limit of " +
            $"{_options.MaxPendingBytesPerClient}; the server closes the connection.");
        session.Connection.SendIgnoringLimit(buffer.WrittenSpan.ToArray());
        _ = session.Connection.CloseAsync(_options.ShutdownTimeout);
    }

    private static byte[] Serialize(EventMessage message, EventOrigin? origin)
    {
        var buffer = ScratchBuffer.Rent();
        FrameWriter.WriteEvent(buffer, message, origin);
        return ScratchBuffer.ToArrayAndReturn(buffer);
    }

    private void SendPendingAck(ClientSession session)
    {
        var seq = session.PendingAck;
        if (seq <= session.LastAck)
        {
            return;
        }

        // StopAsync closes the client queues one after another while the read loops still relay. An event relayed
        // after one receiver's queue closed never reaches that receiver, so it is not acknowledged, and its sender
        // resends it to the next server. Events relayed before the stop began were queued for every receiver.
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        session.LastAck = seq;
        session.Connection.Send(seq, static (buffer, value) => FrameWriter.WriteAck(buffer, value));
    }

    /// <param name="session">The client whose frame is rejected.</param>
    /// <param name="code">The error code.</param>
    /// <param name="message">The error message.</param>
    /// <param name="seq">The rejected frame's sequence number, if it had one.</param>
    /// <param name="logged">Whether the caller logged the rejection already.</param>
    private void Reject(ClientSession session, string code, string message, long? seq, bool logged = false)
    {
        var count = ++session.Rejections;
        if (!logged && (count <= RejectionsLoggedInFull || count % 1000 == 0))
        {
            Log.FrameRejected(_logger, session.Id, session.Origin.Name, code, message, count);
        }

        // Error frames count against the client's queue limit like events do: a client that floods the server with
        // bad frames and never reads the errors is disconnected as a slow consumer instead of growing memory.
        var buffer = new ArrayBufferWriter<byte>(256);
        FrameWriter.WriteError(buffer, code, message, seq);
        SendEvent(session, buffer.WrittenSpan.ToArray());
    }

    /// <summary>Lists of receivers by signal and namespace, valid until the next change of the clients.</summary>
    private sealed class RouteTable
    {
        /// <summary>
        /// Below this many connections the relay loops over all of them, which costs less than a lookup. Above it,
        /// matching every connection's patterns for each event became the relay's main cost: with 10,000 connections,
        /// a few thousand events took the server several seconds.
        /// </summary>
        public const int SmallestCachedSessionCount = 64;

        /// <summary>The most signal and namespace pairs kept; events of others are routed without a remembered list.</summary>
        public const int MaxEntries = 4096;

        public ConcurrentDictionary<(string Signal, string? Namespace), ClientSession[]> Receivers { get; } = new();
    }

    private sealed class ClientSession
    {
        public int SlowConsumer;

        public int IdleClosed;

        /// <summary>1 once the server has rejected the client's authentication, so that it is rejected only once.</summary>
        public int AuthenticationRejected;

        /// <summary>When the last frame arrived, in <see cref="Environment.TickCount64"/> milliseconds.</summary>
        public long LastReceived = Environment.TickCount64;

        /// <summary>When the connection was accepted, in <see cref="Environment.TickCount64"/> milliseconds.</summary>
        public readonly long AcceptedAt = Environment.TickCount64;

        private EventOrigin _origin = null!;

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

        public Task? Run { get; set; }

        /// <summary>The client's identity; replaced once, when the hello frame names the client.</summary>
        public EventOrigin Origin
        {
            get => _origin;
            set
            {
                _origin = value;
                RelayPrefix = FrameWriter.CreateRelayPrefix(value);
            }
        }

        /// <summary>
        /// The start of every frame relayed from this client: an opening brace and the <c>source</c> member, without
        /// the comma that follows it. Read and replaced only by the session's read loop.
        /// </summary>
        public byte[] RelayPrefix { get; private set; } = [];

        /// <summary>Whether a valid frame has arrived; a hello after one is rejected. Read loop only.</summary>
        public bool SawFrame { get; set; }

        /// <summary>Whether the server has reported the client as connected; set by its hello or first event.</summary>
        public bool Announced { get; set; }

        /// <summary>
        /// The signal of the last event that passed the publish checks. With <see cref="CheckedNamespace"/>,
        /// <see cref="CheckedBusVersion"/> and <see cref="CheckedReachesOnlyRelay"/>, it lets the next event of the same
        /// signal skip the checks; read loop only.
        /// </summary>
        public string? CheckedSignal { get; set; }

        /// <summary>The namespace that went with <see cref="CheckedSignal"/>.</summary>
        public string? CheckedNamespace { get; set; }

        /// <summary>The bus version when <see cref="CheckedSignal"/> was checked; -1 before the first event.</summary>
        public long CheckedBusVersion { get; set; } = -1;

        /// <summary>Whether an event of <see cref="CheckedSignal"/> reached nothing on the bus but the relay.</summary>
        public bool CheckedReachesOnlyRelay { get; set; }

        /// <summary>The route table of the session's last relayed event; see <c>ReceiversOf</c>. Read loop only.</summary>
        public RouteTable? RouteTable { get; set; }

        /// <summary>The signal of the session's last relayed event.</summary>
        public string? RouteSignal { get; set; }

        /// <summary>The namespace of the session's last relayed event.</summary>
        public string? RouteNamespace { get; set; }

        /// <summary>The receivers of the session's last relayed event.</summary>
        public ClientSession[]? RouteReceivers { get; set; }

        /// <summary>
        /// The highest sequence number received, acknowledged or not; read loop only. It starts below 0, because 0 is a
        /// valid sequence number that must be acknowledged too.
        /// </summary>
        public long PendingAck { get; set; } = -1;

        /// <summary>The sequence number of the last ack sent; below 0 until the first.</summary>
        public long LastAck { get; set; } = -1;

        public long Rejections { get; set; }

        /// <summary>Whether the client may exchange events: it presented a valid token, or none is required.</summary>
        public volatile bool Authenticated;

        /// <summary>
        /// Whether relayed events are queued for the client. Set once it is authenticated and, when the server keeps
        /// events for replay, has been sent what it missed.
        /// </summary>
        public volatile bool Live;

        /// <summary>
        /// The replay position when the connection was accepted, and from when the client joined the position it
        /// started from; guarded by the relay lock.
        /// </summary>
        public long JoinPosition { get; set; }

        /// <summary>The events the client asked for in its hello; null for every event.</summary>
        public SignalPermissions? Interest { get; set; }

        /// <summary>The identity the client resumes under, the same on each of its connections; null when it does not resume.</summary>
        public string? ResumeClient { get; set; }

        /// <summary>The token the client presented, which sets its permissions; null when tokens are not required.</summary>
        public EventBridgeToken? Grant { get; set; }

        /// <summary>Whether any frame arrived on the connection; read loop only, and after it ended.</summary>
        public bool ReceivedFrame { get; set; }

        /// <summary>Whether the read loop has received any bytes, whole frames or not.</summary>
        public volatile bool ReceivedBytes;

        /// <summary>
        /// Whether the read loop has finished handling a frame. Unlike <see cref="SawFrame"/>, it is set after the
        /// frame took effect, so a hello's receive patterns are in place and the client has joined.
        /// </summary>
        public volatile bool HandledFrame;

        /// <summary>Whether the client has sent a ping, which makes it subject to the idle timeout.</summary>
        public bool Pings { get; set; }

        /// <summary>Why the server closed the connection, for the disconnect log line; null when the client left.</summary>
        public string? CloseReason { get; set; }

        /// <summary>
        /// Whether the connection closed because its TLS handshake failed or did not match the server. Such a close is
        /// logged, rate-limited, by the TLS code instead of the disconnect line.
        /// </summary>
        public bool TlsFailed { get; set; }
    }
}
