using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace EventBridge.Transport;

/// <summary>Handles one newline-delimited frame read from a connection.</summary>
/// <param name="frame">The frame without its line ending; valid only until the handler returns.</param>
internal delegate ValueTask FrameHandler(ReadOnlySequence<byte> frame);

/// <summary>
/// One TCP connection that carries frames: a read loop over a <see cref="PipeReader"/> and a write loop that
/// drains queued frames into the socket, joining small frames into larger writes.
/// </summary>
internal sealed class FrameConnection : IAsyncDisposable
{
    /// <summary>Writes of up to this size gather queued frames; 64 KiB is the size of a typical socket send buffer.</summary>
    private const int WriteBatchBytes = 64 * 1024;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly PipeReader _reader;
    private readonly Channel<byte[]> _outbound;
    private readonly int _maxFrameBytes;
    private readonly CancellationTokenSource _closing = new();
    private Task? _writeLoop;
    private int _closed;

    public FrameConnection(Socket socket, int maxFrameBytes)
    {
        _socket = socket;
        _socket.NoDelay = true;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, leaveOpen: true));
        _outbound = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
        _maxFrameBytes = maxFrameBytes;
        RemoteEndPoint = socket.RemoteEndPoint as IPEndPoint;
    }

    public IPEndPoint? RemoteEndPoint { get; }

    /// <summary>Cancelled when the connection starts closing.</summary>
    public CancellationToken Closing => _closing.Token;

    /// <summary>Starts the write loop; call once before <see cref="ReadFramesAsync"/>.</summary>
    public void Start() => _writeLoop = Task.Run(WriteLoopAsync);

    /// <summary>Queues a frame; returns <see langword="false"/> when the connection is closing.</summary>
    public bool Send(byte[] frame) => _outbound.Writer.TryWrite(frame);

    /// <summary>Writes a frame with <paramref name="write"/> and queues it.</summary>
    public bool Send<TState>(TState state, Action<IBufferWriter<byte>, TState> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        write(buffer, state);
        return Send(buffer.WrittenSpan.ToArray());
    }

    /// <summary>
    /// Reads frames until the peer closes the connection or <see cref="CloseAsync"/> is called. A line longer than the
    /// maximum frame size is discarded up to its newline and reported through <paramref name="onOversized"/>.
    /// </summary>
    public async Task ReadFramesAsync(FrameHandler onFrame, Action<long> onOversized)
    {
        var discarding = false;
        long discarded = 0;
        try
        {
            while (true)
            {
                var result = await _reader.ReadAsync(_closing.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                while (true)
                {
                    if (discarding)
                    {
                        var newline = buffer.PositionOf((byte)'\n');
                        if (newline is null)
                        {
                            discarded += buffer.Length;
                            buffer = buffer.Slice(buffer.End);
                            break;
                        }

                        discarded += buffer.Slice(0, newline.Value).Length;
                        buffer = buffer.Slice(buffer.GetPosition(1, newline.Value));
                        discarding = false;
                        onOversized(discarded);
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

                if (!discarding && buffer.Length > _maxFrameBytes)
                {
                    // The line has no newline yet and is already too long: stop buffering it.
                    discarding = true;
                    discarded = buffer.Length;
                    buffer = buffer.Slice(buffer.End);
                }

                _reader.AdvanceTo(buffer.Start, buffer.End);
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
            await _reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Stops the connection: queued frames are flushed for up to <paramref name="flushTimeout"/>, then the socket
    /// is closed.
    /// </summary>
    public async Task CloseAsync(TimeSpan flushTimeout)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        _outbound.Writer.TryComplete();
        if (_writeLoop is not null)
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

        await _stream.DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await CloseAsync(TimeSpan.Zero).ConfigureAwait(false);
        _closing.Dispose();
    }

    private async Task WriteLoopAsync()
    {
        var batch = ArrayPool<byte>.Shared.Rent(WriteBatchBytes);
        try
        {
            var reader = _outbound.Reader;
            while (await reader.WaitToReadAsync(_closing.Token).ConfigureAwait(false))
            {
                var length = 0;
                while (reader.TryRead(out var frame))
                {
                    if (frame.Length > batch.Length - length)
                    {
                        if (length > 0)
                        {
                            await _stream.WriteAsync(batch.AsMemory(0, length), _closing.Token).ConfigureAwait(false);
                            length = 0;
                        }

                        if (frame.Length > batch.Length)
                        {
                            await _stream.WriteAsync(frame, _closing.Token).ConfigureAwait(false);
                            continue;
                        }
                    }

                    frame.CopyTo(batch.AsSpan(length));
                    length += frame.Length;
                }

                if (length > 0)
                {
                    await _stream.WriteAsync(batch.AsMemory(0, length), _closing.Token).ConfigureAwait(false);
                }
            }
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
            ArrayPool<byte>.Shared.Return(batch);
        }
    }
}
