using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.ExceptionServices;
using System.Threading.Tasks.Sources;

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
/// <remarks>
/// Frames queued while a read loop handles the frames of one read (any connection's read loop, on its thread) are
/// written by that read loop once the read's frames are handled, as long as each socket write completes at once. A
/// relayed burst thus costs no thread switch to the receiver's write loop. A write that cannot complete at once, a
/// failed write, and frames queued anywhere else go to the write loop.
/// </remarks>
internal sealed class FrameConnection : IAsyncDisposable
{
    /// <summary>Writes of up to this size gather queued frames; 64 KiB is the size of a typical socket send buffer.</summary>
    public const int WriteBatchBytes = 64 * 1024;

    /// <summary>The read buffer; 16 KiB holds many small frames, and the pipe grows it for larger ones.</summary>
    private const int ReadBufferBytes = 16 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_scratch;

    /// <summary>
    /// The connections whose queued frames this thread's read loop writes once it has handled the current read. It is
    /// null while no read loop handles a read on this thread.
    /// </summary>
    [ThreadStatic]
    private static List<FrameConnection>? t_flushAfterRead;

    private readonly Socket _socket;
    private Stream _stream;
    private PipeReader? _reader;
    private readonly ConcurrentQueue<OutboundFrame> _outbound = new();
    private readonly WriteSignal _wakeWriter = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    // One source for every write deadline: it is armed before each socket write and reset after it, so that a steady
    // stream of writes allocates nothing. It is linked to closing so that one token cancels a write for either reason.
    private readonly CancellationTokenSource _deadline;
    private readonly int _maxFrameBytes;
    private long _lastWriteCompleted = Environment.TickCount64;
    private readonly long _maxPendingBytes;
    private readonly TimeSpan _writeTimeout;
    private readonly CancellationTokenSource _closing = new();
    private long _pendingBytes;
    private Task? _writeLoop;
    private int _closed;

    // 1 while the write loop or a read loop owns the writing of queued frames. The thread that sets it from 0 writes
    // the queue or wakes the write loop to do so. The thread that sets it back to 0 then checks the queue again.
    private int _writing;

    // Set once no more frames are queued: the connection is closing.
    private int _completed;

    // Set as the write loop ends, before it releases the frames left in the queue.
    private int _writeLoopEnded;

    // A frame taken from the queue that did not fit into the last batch; it goes first into the next one. Peeking
    // instead would make the queue keep its segment for observers and allocate a new one for the next frames.
    private OutboundFrame _carried;
    private bool _hasCarried;

    // A write that a read loop started and could not finish at once, or its failure, for the write loop to take over
    // together with the write lock.
    private ValueTask _handedOverWrite;
    private byte[]? _handedOverBatch;
    private int _handedOverLength;
    private Exception? _handedOverFailure;

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

        // The byte count in Send bounds the queue, so the queue itself needs no capacity.
        _maxFrameBytes = maxFrameBytes;
        _maxPendingBytes = maxPendingBytes;
        _writeTimeout = writeTimeout;
        _deadline = CancellationTokenSource.CreateLinkedTokenSource(_closing.Token);

        // A failed write cancels closing without completing the queue; this ends the write loop's wait for frames.
        _closing.Token.UnsafeRegister(static state => ((FrameConnection)state!).CompleteQueue(), this);
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
        var flushAfterRead = new List<FrameConnection>();
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

                t_flushAfterRead = flushAfterRead;
                try
                {
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
                            var handled = onFrame(line);
                            if (handled.IsCompletedSuccessfully)
                            {
                                handled.GetAwaiter().GetResult();
                            }
                            else
                            {
                                // The handler goes on later, maybe on another thread: what this read queued is written now.
                                FlushAfterRead(flushAfterRead);
                                await handled.ConfigureAwait(false);
                                t_flushAfterRead = flushAfterRead;
                            }
                        }
                    }

                    onBatchEnd?.Invoke();
                }
                finally
                {
                    FlushAfterRead(flushAfterRead);
                }

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

        CompleteQueue();
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

        _deadline.Dispose();
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
        if (Volatile.Read(ref _completed) != 0)
        {
            return SendResult.Closed;
        }

        var pending = Interlocked.Add(ref _pendingBytes, frame.Length);
        if (!ignoreLimit && _maxPendingBytes > 0 && pending > _maxPendingBytes)
        {
            Interlocked.Add(ref _pendingBytes, -frame.Length);
            return SendResult.Full;
        }

        // The enqueue is a full fence, so either the flag read below finds the loop ended or the loop's release finds the frame.
        _outbound.Enqueue(frame);
        if (Volatile.Read(ref _writeLoopEnded) != 0)
        {
            // Closing raced with this call, and the write loop has already released what it left in the queue. The
            // frame is dropped like any other frame still queued at close; its reference now belongs to the queue.
            ReleaseQueued();
            return SendResult.Queued;
        }

        if (TryTakeWriting())
        {
            if (t_flushAfterRead is { } flushAfterRead && _writeLoop is not null)
            {
                flushAfterRead.Add(this);
            }
            else
            {
                _wakeWriter.Set();
            }
        }

        return SendResult.Queued;
    }

    private bool TryTakeWriting() => Volatile.Read(ref _writing) == 0 && Interlocked.CompareExchange(ref _writing, 1, 0) == 0;

    /// <summary>Stops queuing frames and wakes the write loop, which writes what is queued and ends.</summary>
    private void CompleteQueue()
    {
        Volatile.Write(ref _completed, 1);
        if (TryTakeWriting())
        {
            _wakeWriter.Set();
        }
    }

    /// <summary>
    /// Releases the frames left in the queue. The queue is safe for concurrent callers, unlike the carried frame,
    /// which only the ending write loop releases.
    /// </summary>
    private void ReleaseQueued()
    {
        while (_outbound.TryDequeue(out var frame))
        {
            Interlocked.Add(ref _pendingBytes, -frame.Length);
            frame.Owner?.Release();
        }
    }

    /// <summary>Writes the queues of the connections that the read just handled queued frames for.</summary>
    private static void FlushAfterRead(List<FrameConnection> connections)
    {
        t_flushAfterRead = null;
        foreach (var connection in connections)
        {
            connection.WriteQueued();
        }

        connections.Clear();
    }

    /// <summary>
    /// Writes queued frames on this thread for as long as each socket write completes at once; the caller owns the
    /// writing. Anything else is handed to the write loop: a write still in progress, a failure, a frame larger than a
    /// batch, or a write lock that the send pump holds.
    /// </summary>
    private void WriteQueued()
    {
        while (true)
        {
            if (!_writeLock.Wait(0))
            {
                _wakeWriter.Set();
                return;
            }

            byte[]? batch = null;
            while (true)
            {
                var length = 0;
                while (TryTakeNext(out var frame))
                {
                    batch ??= ArrayPool<byte>.Shared.Rent(WriteBatchBytes);
                    if (frame.Length > batch.Length - length)
                    {
                        Carry(frame);
                        break;
                    }

                    frame.Memory.Span.CopyTo(batch.AsSpan(length));
                    length += frame.Length;
                    frame.Owner?.Release();
                }

                if (length == 0)
                {
                    ReturnBatch(ref batch);
                    if (_hasCarried)
                    {
                        // A frame larger than a batch: the write loop writes it from its own array.
                        _writeLock.Release();
                        _wakeWriter.Set();
                        return;
                    }

                    break;
                }

                ValueTask write;
                try
                {
                    ArmDeadline(_deadline);
                    write = _stream.WriteAsync(batch!.AsMemory(0, length), _deadline.Token);
                }
                catch (Exception exception)
                {
                    HandOver(exception, ref batch);
                    return;
                }

                if (!write.IsCompleted)
                {
                    // The socket buffer is full: the write loop waits for this write, with the write lock.
                    _handedOverWrite = write;
                    _handedOverBatch = batch;
                    _handedOverLength = length;
                    _wakeWriter.Set();
                    return;
                }

                try
                {
                    write.GetAwaiter().GetResult();
                    CompleteWrite(_deadline, length);
                }
                catch (Exception exception)
                {
                    HandOver(exception, ref batch);
                    return;
                }
            }

            _writeLock.Release();

            // A full fence: a plain store could pass the queue check below, and a frame queued meanwhile would find
            // the writing still owned and wait until the next send.
            Interlocked.Exchange(ref _writing, 0);

            // A frame queued after the last look at the queue found the writing owned and left it to this thread.
            if ((_outbound.IsEmpty && Volatile.Read(ref _completed) == 0) || !TryTakeWriting())
            {
                return;
            }

            if (Volatile.Read(ref _completed) != 0)
            {
                _wakeWriter.Set();
                return;
            }
        }
    }

    /// <summary>Takes the carried frame, if any, else the next queued frame; only the owner of the writing calls it.</summary>
    private bool TryTakeNext(out OutboundFrame frame)
    {
        if (_hasCarried)
        {
            frame = _carried;
            _carried = default;
            _hasCarried = false;
            return true;
        }

        return _outbound.TryDequeue(out frame);
    }

    private void Carry(OutboundFrame frame)
    {
        _carried = frame;
        _hasCarried = true;
    }

    /// <summary>Gives a failed write, and the write lock, to the write loop, which closes the connection.</summary>
    private void HandOver(Exception failure, ref byte[]? batch)
    {
        ReturnBatch(ref batch);
        _handedOverFailure = failure;
        _wakeWriter.Set();
    }

    private static void ReturnBatch(ref byte[]? batch)
    {
        if (batch is not null)
        {
            ArrayPool<byte>.Shared.Return(batch);
            batch = null;
        }
    }

    private async Task WriteLoopAsync()
    {
        // The batch buffer is rented for each drain and returned when the queue is empty, so an idle connection keeps
        // none. With 10,000 connections, a buffer kept by each took the server's memory past 750 MB.
        byte[]? batch = null;
        var holdsLock = false;

        // Every await of the loop is in this one method, with no async helper. A long-lived method allocates its state
        // machine once, but a helper that awaits an unfinished socket write allocates a new one for each batch.
        try
        {
            while (true)
            {
                // The thread that took the writing from 0 woke the loop, which now owns the writing.
                await _wakeWriter.WaitAsync().ConfigureAwait(false);
                if (_handedOverFailure is { } failure)
                {
                    _handedOverFailure = null;
                    holdsLock = true;
                    ExceptionDispatchInfo.Throw(failure);
                }

                if (_handedOverBatch is not null)
                {
                    holdsLock = true;
                    batch = _handedOverBatch;
                    var write = _handedOverWrite;
                    _handedOverBatch = null;
                    _handedOverWrite = default;
                    await write.ConfigureAwait(false);
                    CompleteWrite(_deadline, _handedOverLength);
                    ReturnBatch(ref batch);
                }

                while (true)
                {
                    if (_hasCarried || !_outbound.IsEmpty)
                    {
                        if (!holdsLock)
                        {
                            await _writeLock.WaitAsync(_closing.Token).ConfigureAwait(false);
                            holdsLock = true;
                        }

                        batch = ArrayPool<byte>.Shared.Rent(WriteBatchBytes);

                        // Pending bytes drop as each write completes, not at the end of the drain: a publisher that
                        // keeps the queue non-empty would otherwise make a reader that keeps up look like a slow consumer.
                        var length = 0;
                        while (true)
                        {
                            var more = TryTakeNext(out var frame);
                            if (length > 0 && (!more || frame.Length > batch.Length - length))
                            {
                                ArmDeadline(_deadline);
                                await _stream.WriteAsync(batch.AsMemory(0, length), _deadline.Token).ConfigureAwait(false);
                                CompleteWrite(_deadline, length);
                                length = 0;
                            }

                            if (!more)
                            {
                                break;
                            }

                            if (frame.Length > batch.Length)
                            {
                                ArmDeadline(_deadline);
                                await _stream.WriteAsync(frame.Memory, _deadline.Token).ConfigureAwait(false);
                                CompleteWrite(_deadline, frame.Length);
                                frame.Owner?.Release();
                                continue;
                            }

                            frame.Memory.Span.CopyTo(batch.AsSpan(length));
                            length += frame.Length;
                            frame.Owner?.Release();
                        }

                        ReturnBatch(ref batch);
                    }

                    if (holdsLock)
                    {
                        holdsLock = false;
                        _writeLock.Release();
                    }

                    if (Volatile.Read(ref _completed) != 0 && _outbound.IsEmpty && !_hasCarried)
                    {
                        return;
                    }

                    // The reset comes before the writing is given up, so that the next owner's wake-up is not lost.
                    _wakeWriter.Reset();
                    Interlocked.Exchange(ref _writing, 0);
                    if ((_outbound.IsEmpty && Volatile.Read(ref _completed) == 0) || !TryTakeWriting())
                    {
                        break;
                    }
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
            ReturnBatch(ref batch);
            if (holdsLock)
            {
                _writeLock.Release();
            }

            // Frames still queued are never written; their pooled arrays go back to the pool.
            Volatile.Write(ref _completed, 1);
            Interlocked.Exchange(ref _writeLoopEnded, 1);
            // The loop ends only while it owns the writing, so no read loop touches the carried frame meanwhile.
            if (_hasCarried)
            {
                Interlocked.Add(ref _pendingBytes, -_carried.Length);
                _carried.Owner?.Release();
                _carried = default;
                _hasCarried = false;
            }

            ReleaseQueued();
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

    /// <summary>
    /// The write loop's wake-up: a reusable awaitable with one waiter, the loop, and at most one <see cref="Set"/> per
    /// <see cref="Reset"/>, by the thread that takes the writing from 0. It allocates nothing per wait.
    /// </summary>
    /// <remarks>
    /// <see cref="Set"/> queues this object to the thread pool, which completes the wait there, so the write loop never
    /// runs on the thread that woke it. The core's own asynchronous continuations would allocate a work item each time.
    /// </remarks>
    private sealed class WriteSignal : IValueTaskSource, IThreadPoolWorkItem
    {
        private ManualResetValueTaskSourceCore<bool> _core;

        public ValueTask WaitAsync() => new(this, _core.Version);

        public void Set() => ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);

        public void Reset() => _core.Reset();

        void IThreadPoolWorkItem.Execute() => _core.SetResult(true);

        void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

        ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

        void IValueTaskSource.OnCompleted(
            Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }
}
