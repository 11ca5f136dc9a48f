using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Threading.Channels;

namespace EventBridge.Transport;

/// <summary>Handles one newline-delimited frame read from a connection.</summary>
/// <param name="frame">The frame without its line ending; valid only until the handler returns.</param>
internal delegate ValueTask FrameHandler(ReadOnlySequence<byte> frame);

/// <summary>A frame in a send queue: a plain array, or a pooled frame whose reference belongs to the queue.</summary>
internal readonly record struct OutboundFrame(byte[] Bytes, int Length, PooledFrame? Owner)
{
    public ReadOnlyMemory<byte> Memory => Bytes.AsMemory(0, Length);
}

/// <summary>The result of queuing a frame on a <see cref="FrameConnection"/>.</summary>
internal enum SendResult
{
    Queued,

    /// <summary>The connection is closing; the frame was not queued.</summary>
    Closed,

    /// <summary>The frames already queued reach the pending-bytes limit; the frame was not queued.</summary>
    Full,
}

/// <summary>
/// One TCP connection that carries frames: a read loop over a <see cref="PipeReader"/>, and a write loop that
/// drains queued frames into the socket, joining small frames into larger writes. Writers that need
/// backpressure instead of a queue use <see cref="WriteAsync"/>, which shares the write lock with the loop.
/// A TLS handshake, when the connection uses TLS, runs before <see cref="Start"/>, and every later read and write
/// goes through its <see cref="SslStream"/>.
/// </summary>
internal sealed class FrameConnection : IAsyncDisposable
{
    /// <summary>Writes of up to this size gather queued frames; 64 KiB is the size of a typical socket send buffer.</summary>
    public const int WriteBatchBytes = 64 * 1024;

    /// <summary>The read buffer; 16 KiB holds many small frames, and the pipe grows it for larger ones.</summary>
    private const int ReadBufferBytes = 16 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_scratch;

    private readonly Socket _socket;
    private Stream _stream;
    private PipeReader? _reader;
    private readonly Channel<OutboundFrame> _outbound;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly int _maxFrameBytes;
    private long _lastWriteCompleted = Environment.TickCount64;
    private readonly long _maxPendingBytes;
    private readonly TimeSpan _writeTimeout;
    private readonly CancellationTokenSource _closing = new();
    private long _pendingBytes;
    private Task? _writeLoop;
    private int _closed;

    /// <param name="socket">A connected socket; the connection owns it.</param>
    /// <param name="maxFrameBytes">The longest line accepted by <see cref="ReadFramesAsync"/>.</param>
    /// <param name="maxPendingBytes">The most bytes that <see cref="Send(byte[])"/> keeps queued; 0 for no limit.</param>
    /// <param name="writeTimeout">
    /// How long one socket write of the write loop may take before the connection is closed as stalled;
    /// <see cref="TimeSpan.Zero"/> for no limit.
    /// </param>
    public FrameConnection(Socket socket, int maxFrameBytes, long maxPendingBytes, TimeSpan writeTimeout = default)
    {
        _socket = socket;
        _socket.NoDelay = true;
        RemoteEndPoint = socket.RemoteEndPoint as IPEndPoint;
        _stream = new NetworkStream(socket, ownsSocket: true);

        // The byte count in Send bounds this channel, so the channel itself needs no capacity.
        _outbound = Channel.CreateUnbounded<OutboundFrame>(new UnboundedChannelOptions { SingleReader = true });
        _maxFrameBytes = maxFrameBytes;
        _maxPendingBytes = maxPendingBytes;
        _writeTimeout = writeTimeout;

        // A failed write cancels closing without completing the channel; this ends the write loop's wait for frames.
        _closing.Token.UnsafeRegister(static state => ((Channel<OutboundFrame>)state!).Writer.TryComplete(), _outbound);
    }

    public IPEndPoint? RemoteEndPoint { get; }

    /// <summary>Cancelled when the connection starts closing or a write fails.</summary>
    public CancellationToken Closing => _closing.Token;

    /// <summary>Whether the write loop gave up because one socket write took longer than the write timeout.</summary>
    public bool WriteTimedOut { get; private set; }

    /// <summary>The bytes queued by <see cref="Send(byte[])"/> and not yet written to the socket.</summary>
    public long PendingBytes => Interlocked.Read(ref _pendingBytes);

    /// <summary>
    /// When the last socket write completed, or the connection was made, in <see cref="Environment.TickCount64"/>
    /// milliseconds. A peer that reads nothing lets no write complete once the socket buffers are full.
    /// </summary>
    public long LastWriteCompleted => Volatile.Read(ref _lastWriteCompleted);

    /// <summary>
    /// The number of bytes that have arrived on the socket and are not read yet, still encrypted on a TLS connection.
    /// It is 0 once the connection is closed.
    /// </summary>
    public int UnreadBytes
    {
        get
        {
            try
            {
                return _socket.Available;
            }
            catch (Exception exception) when (exception is ObjectDisposedException or SocketException)
            {
                return 0;
            }
        }
    }

    /// <summary>The TLS protocol of the connection, once its TLS handshake completed; null on a plain connection.</summary>
    public System.Security.Authentication.SslProtocols? TlsProtocol => (_stream as SslStream)?.SslProtocol;

    /// <summary>Starts the write loop; call once, after any TLS handshake and before <see cref="ReadFramesAsync"/>.</summary>
    public void Start()
    {
        // Zero-byte reads wait for data without holding a read buffer, so an idle connection costs no 16 KiB buffer.
        // NOTE: a TLS connection reads through SslStream, which keeps buffers of its own; docs/limits.md gives a rough
        // measure of what an idle TLS connection costs.
        _reader = PipeReader.Create(
            _stream,
            new StreamPipeReaderOptions(bufferSize: ReadBufferBytes, leaveOpen: true, useZeroByteReads: true));
        _writeLoop = Task.Run(WriteLoopAsync);
    }

    /// <summary>
    /// Waits until the peer sends its first byte and returns it without consuming it, or returns -1 when the peer
    /// closes first. Call before <see cref="Start"/>.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired or the connection closed.</exception>
    public async ValueTask<int> PeekFirstByteAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
        var first = new byte[1];
        var read = await _socket.ReceiveAsync(first, SocketFlags.Peek, linked.Token).ConfigureAwait(false);
        return read == 0 ? -1 : first[0];
    }

    /// <summary>Runs the server side of a TLS handshake; call before <see cref="Start"/>.</summary>
    /// <exception cref="System.Security.Authentication.AuthenticationException">The handshake failed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired or the connection closed.</exception>
    public Task AuthenticateAsServerAsync(SslServerAuthenticationOptions options, CancellationToken cancellationToken) =>
        UpgradeToTlsAsync((ssl, token) => ssl.AuthenticateAsServerAsync(options, token), cancellationToken);

    /// <summary>Runs the client side of a TLS handshake; call before <see cref="Start"/>.</summary>
    /// <exception cref="System.Security.Authentication.AuthenticationException">
    /// The handshake failed, for example because the server's certificate is not valid.
    /// </exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired or the connection closed.</exception>
    public Task AuthenticateAsClientAsync(SslClientAuthenticationOptions options, CancellationToken cancellationToken) =>
        UpgradeToTlsAsync((ssl, token) => ssl.AuthenticateAsClientAsync(options, token), cancellationToken);

    /// <summary>
    /// Writes <paramref name="bytes"/> straight to the socket, ends sending, and reads and discards what the peer
    /// still sends until it closes or <paramref name="timeout"/> passes; then closes the connection. Reading the rest
    /// first matters because closing a socket with unread bytes sends a reset, which can destroy the final bytes
    /// before the peer reads them. Call instead of <see cref="Start"/>.
    /// </summary>
    public async Task SendFinalAndCloseAsync(ReadOnlyMemory<byte> bytes, TimeSpan timeout)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_closing.Token);
        deadline.CancelAfter(timeout);
        try
        {
            await _socket.SendAsync(bytes, SocketFlags.None, deadline.Token).ConfigureAwait(false);
            _socket.Shutdown(SocketShutdown.Send);
            var discard = new byte[1024];
            while (await _socket.ReceiveAsync(discard, SocketFlags.None, deadline.Token).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (Exception exception) when (exception is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer left first or kept sending past the timeout, and the connection closes now in both cases.
        }

        await CloseAsync(TimeSpan.Zero).ConfigureAwait(false);
    }

    /// <summary>Queues a frame for the write loop unless the connection is closing or its queue is full.</summary>
    public SendResult Send(byte[] frame) => Send(new OutboundFrame(frame, frame.Length, null), ignoreLimit: false);

    /// <summary>
    /// Queues a pooled frame unless the connection is closing or its queue is full. The queue takes its own
    /// reference, so the caller keeps and releases its one.
    /// </summary>
    public SendResult Send(PooledFrame frame) => SendPooled(frame, ignoreLimit: false);

    /// <summary>Queues a frame even when the queue is full; used for the last error frame to a slow peer.</summary>
    public SendResult SendIgnoringLimit(byte[] frame) => Send(new OutboundFrame(frame, frame.Length, null), ignoreLimit: true);

    /// <summary>Writes a control frame with <paramref name="write"/> and queues it, even when the queue is full.</summary>
    public SendResult Send<TState>(TState state, Action<IBufferWriter<byte>, TState> write)
    {
        // Control frames are small and written one at a time per thread, so one scratch buffer per thread serves
        // them all and the queued copy comes from the pool.
        var scratch = t_scratch ??= new ArrayBufferWriter<byte>(256);
        scratch.ResetWrittenCount();
        write(scratch, state);
        var frame = PooledFrame.Copy(scratch.WrittenSpan);
        try
        {
            return SendPooled(frame, ignoreLimit: true);
        }
        finally
        {
            frame.Release();
        }
    }

    /// <summary>
    /// Writes bytes straight to the socket under the write lock, so that the caller waits while the peer is slow.
    /// </summary>
    /// <exception cref="OperationCanceledException">The connection closed or <paramref name="cancellationToken"/> fired.</exception>
    /// <exception cref="IOException">The write failed; the connection is closing.</exception>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        // The client's send pump passes the connection's own closing token; linking it to itself would allocate a
        // source and a registration for every write.
        using var linked = cancellationToken == _closing.Token || !cancellationToken.CanBeCanceled
            ? null
            : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
        var token = linked?.Token ?? _closing.Token;
        await _writeLock.WaitAsync(token).ConfigureAwait(false);
        try
        {
            await _stream.WriteAsync(bytes, token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException)
        {
            await _closing.CancelAsync().ConfigureAwait(false);
            throw new IOException("Writing to the connection failed.", exception);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Reads frames until the peer closes the connection or <see cref="CloseAsync"/> is called. A line longer than the
    /// maximum frame size is discarded up to its newline and reported once through <paramref name="onOversized"/>, with
    /// its length so far: as soon as it passes the maximum, even if its newline never arrives.
    /// <paramref name="onBatchEnd"/> runs after the frames of each read, which lets a caller answer a burst once.
    /// When <paramref name="acceptFirstByte"/> returns false for the first byte received, reading stops at once.
    /// </summary>
    public async Task ReadFramesAsync(
        FrameHandler onFrame,
        Action<long> onOversized,
        Action? onBatchEnd = null,
        Func<byte, bool>? acceptFirstByte = null)
    {
        var reader = _reader ?? throw new InvalidOperationException("Call Start before ReadFramesAsync.");
        var discarding = false;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(_closing.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                if (acceptFirstByte is not null && !buffer.IsEmpty)
                {
                    if (!acceptFirstByte(buffer.FirstSpan[0]))
                    {
                        return;
                    }

                    acceptFirstByte = null;
                }

                while (true)
                {
                    if (discarding)
                    {
                        var newline = buffer.PositionOf((byte)'\n');
                        if (newline is null)
                        {
                            buffer = buffer.Slice(buffer.End);
                            break;
                        }

                        buffer = buffer.Slice(buffer.GetPosition(1, newline.Value));
                        discarding = false;
                        continue;
                    }

                    if (!FrameLines.TryReadLine(ref buffer, out var line))
                    {
                        break;
                    }

                    if (line.Length > _maxFrameBytes)
                    {
                        onOversized(line.Length);
                        continue;
                    }

                    if (!line.IsEmpty)
                    {
                        await onFrame(line).ConfigureAwait(false);
                    }
                }

                onBatchEnd?.Invoke();
                if (!discarding && buffer.Length > _maxFrameBytes)
                {
                    // The line has no newline yet and is already too long: stop buffering it, and report it now
                    // rather than at its line end, which a hostile peer may never send.
                    discarding = true;
                    onOversized(buffer.Length);
                    buffer = buffer.Slice(buffer.End);
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
        }
        catch (IOException)
        {
            // The peer reset the connection; the caller treats it like a close.
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Stops the connection: queued frames are flushed for up to <paramref name="flushTimeout"/>, then the socket
    /// is closed, which also ends <see cref="ReadFramesAsync"/>.
    /// </summary>
    public async Task CloseAsync(TimeSpan flushTimeout)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        _outbound.Writer.TryComplete();
        if (_writeLoop is not null && flushTimeout > TimeSpan.Zero)
        {
            await _writeLoop.WaitAsync(flushTimeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await _closing.CancelAsync().ConfigureAwait(false);
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }

        // A TLS handshake that completes after this point finds _closed set and disposes its own stream.
        await Volatile.Read(ref _stream).DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await CloseAsync(TimeSpan.Zero).ConfigureAwait(false);
        if (_writeLoop is not null)
        {
            await _writeLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _closing.Dispose();
    }

    private async Task UpgradeToTlsAsync(Func<SslStream, CancellationToken, Task> authenticate, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false);
        try
        {
            await authenticate(ssl, linked.Token).ConfigureAwait(false);
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        Interlocked.Exchange(ref _stream, ssl);

        // CloseAsync sets _closed before it reads _stream, so a close that raced with the handshake either disposes
        // the SslStream itself or is seen here.
        if (Volatile.Read(ref _closed) != 0)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw new OperationCanceledException("The connection closed during the TLS handshake.", _closing.Token);
        }
    }

    private SendResult SendPooled(PooledFrame frame, bool ignoreLimit)
    {
        frame.AddReference();
        var result = Send(new OutboundFrame(frame.Buffer, frame.Length, frame), ignoreLimit);
        if (result != SendResult.Queued)
        {
            frame.Release();
        }

        return result;
    }

    private SendResult Send(OutboundFrame frame, bool ignoreLimit)
    {
        var pending = Interlocked.Add(ref _pendingBytes, frame.Length);
        if (!ignoreLimit && _maxPendingBytes > 0 && pending > _maxPendingBytes)
        {
            Interlocked.Add(ref _pendingBytes, -frame.Length);
            return SendResult.Full;
        }

        if (!_outbound.Writer.TryWrite(frame))
        {
            Interlocked.Add(ref _pendingBytes, -frame.Length);
            return SendResult.Closed;
        }

        return SendResult.Queued;
    }

    private async Task WriteLoopAsync()
    {
        // The batch buffer is rented for each drain and returned when the queue is empty, so an idle connection keeps
        // none. With 10,000 connections, a buffer kept by each took the server's memory past 750 MB.
        byte[]? batch = null;

        // One source for every write deadline: it is armed before each socket write and reset after it, so that a
        // steady stream of writes allocates nothing. It is linked to closing so that one token cancels a write for either reason.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_closing.Token);

        // Every await of the loop is in this one method, with no async helper. A long-lived method allocates its state
        // machine once, but a helper that awaits an unfinished socket write allocates a new one for each batch.
        try
        {
            // The wait takes no token: the channel keeps one waiter to reuse only for waits that cannot be cancelled,
            // and allocates a new one for every other wait. Closing completes the channel, which ends the wait.
            var reader = _outbound.Reader;
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                await _writeLock.WaitAsync(_closing.Token).ConfigureAwait(false);
                batch = ArrayPool<byte>.Shared.Rent(WriteBatchBytes);
                try
                {
                    // Pending bytes drop as each write completes, not at the end of the drain: a publisher that keeps
                    // the queue non-empty would otherwise make a reader that keeps up look like a slow consumer.
                    var length = 0;
                    while (true)
                    {
                        var more = reader.TryRead(out var frame);
                        if (length > 0 && (!more || frame.Length > batch.Length - length))
                        {
                            ArmDeadline(deadline);
                            await _stream.WriteAsync(batch.AsMemory(0, length), deadline.Token).ConfigureAwait(false);
                            CompleteWrite(deadline, length);
                            length = 0;
                        }

                        if (!more)
                        {
                            break;
                        }

                        if (frame.Length > batch.Length)
                        {
                            ArmDeadline(deadline);
                            await _stream.WriteAsync(frame.Memory, deadline.Token).ConfigureAwait(false);
                            CompleteWrite(deadline, frame.Length);
                            frame.Owner?.Release();
                            continue;
                        }

                        frame.Memory.Span.CopyTo(batch.AsSpan(length));
                        length += frame.Length;
                        frame.Owner?.Release();
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(batch);
                    batch = null;
                    _writeLock.Release();
                }
            }
        }
        catch (OperationCanceledException) when (!_closing.IsCancellationRequested)
        {
            // Only the deadline cancels without closing: the peer stopped reading and the socket buffer is full.
            WriteTimedOut = true;
            await _closing.CancelAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
            await _closing.CancelAsync().ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            // Frames still queued are never written; their pooled arrays go back to the pool.
            while (_outbound.Reader.TryRead(out var frame))
            {
                frame.Owner?.Release();
            }
        }
    }

    /// <summary>Starts the deadline of one socket write; it covers this write only, so a slow but steady reader never trips it.</summary>
    private void ArmDeadline(CancellationTokenSource deadline)
    {
        if (_writeTimeout > TimeSpan.Zero)
        {
            deadline.CancelAfter(_writeTimeout);
        }
    }

    /// <summary>Records a completed socket write of <paramref name="length"/> queued bytes and stops its deadline.</summary>
    private void CompleteWrite(CancellationTokenSource deadline, int length)
    {
        Volatile.Write(ref _lastWriteCompleted, Environment.TickCount64);
        Interlocked.Add(ref _pendingBytes, -length);
        if (_writeTimeout > TimeSpan.Zero && !deadline.TryReset())
        {
            // The deadline fired as the write finished: treat the write as late, the peer is at the limit anyway.
            throw new OperationCanceledException(deadline.Token);
        }
    }
}
