using System.Buffers;
using System.Diagnostics;
using EventBridge.Transport;

namespace EventBridge;

/// <summary>Writes the frame of one event, with the sequence number given, into a buffer.</summary>
/// <exception cref="EventBridgeClient.FrameTooLargeException">The frame is longer than the client may send.</exception>
internal delegate void OutboxFrameWriter(EventMessage message, long seq, ArrayBufferWriter<byte> buffer);

/// <summary>An event that left the outbox without an acknowledgement.</summary>
/// <param name="Message">The event.</param>
/// <param name="WasSent">Whether its frame was written to a connection at least once, so it may have reached the server.</param>
internal readonly record struct OutboxDrop(EventMessage Message, bool WasSent);

/// <summary>
/// The events a client has not yet handed over for good: those waiting to be written (unsent) and, when the server
/// acknowledges frames, those written but not yet acknowledged (unacked). After a connection loss the unacked
/// events move back in front of the unsent ones, so the next connection resends everything in the original order.
/// Both parts together hold at most <see cref="Capacity"/> events.
/// </summary>
/// <remarks>
/// Entries form one queue in sequence order: the unacked ones first, then the unsent ones. Their frames are copied
/// one after another into pooled chunks of <see cref="ChunkBytes"/>, so that emitting allocates no array per event and
/// a batch of consecutive frames is written to the socket as one slice of a chunk, without another copy. A chunk
/// returns to the pool when no entry uses it and no write is reading from it. So an entry that is dropped or
/// acknowledged while its frame is being written keeps its chunk alive until the write ends.
/// </remarks>
internal sealed class ClientOutbox
{
    /// <summary>
    /// The size of a chunk: that of the largest batch the pump writes at once, so a full batch usually comes from one
    /// chunk. A longer frame gets a chunk of its own size.
    /// </summary>
    public const int ChunkBytes = 64 * 1024;

    private readonly OutboxOverflow _overflow;
    private readonly SemaphoreSlim _doorbell = new(0);
    private readonly Lock _gate = new();

    // A circular queue: _count entries from _head, of which the first _unacked were written and wait for their ack.
    private Entry[] _entries = new Entry[64];
    private int _head;
    private int _count;
    private int _unacked;

    // The chunk that new frames are appended to.
    private Chunk? _current;
    private TaskCompletionSource? _emptied;

    // The waits of WhenBelowAsync: each completes once fewer than its count of entries are left. Usually none or one.
    private readonly List<(int Count, TaskCompletionSource Done)> _belowWaiters = [];
    private long _lastSeq;

    public ClientOutbox(int capacity, OutboxOverflow overflow)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _overflow = overflow;
    }

    public int Capacity { get; }

    /// <summary>The events waiting to be written or acknowledged.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>The number of pooled chunks that entries or writes still use. Tests read it.</summary>
    internal int ChunksInUse { get; private set; }

    /// <summary>
    /// Writes the frame for the next sequence number with <paramref name="write"/> and appends it. Writing the frame
    /// under the lock keeps the sequence numbers in outbox order when several threads emit at once.
    /// </summary>
    /// <returns>
    /// The event that the overflow policy dropped to make room (with <see cref="OutboxOverflow.DropNewest"/>,
    /// <paramref name="message"/> itself, not serialized), or <see langword="null"/> when nothing was dropped.
    /// </returns>
    /// <exception cref="EventBridgeClient.FrameTooLargeException">Thrown by <paramref name="write"/>; nothing is added.</exception>
    public OutboxDrop? Add(EventMessage message, OutboxFrameWriter write)
    {
        OutboxDrop? dropped = null;
        lock (_gate)
        {
            if (_count >= Capacity && _overflow == OutboxOverflow.DropNewest)
            {
                return new OutboxDrop(message, WasSent: false);
            }

            var seq = _lastSeq + 1;
            var buffer = ScratchBuffer.Rent();
            try
            {
                // Written before the oldest event is dropped for room, so that a frame that cannot be written drops
                // nothing else.
                write(message, seq, buffer);
                if (_count >= Capacity)
                {
                    // The oldest event is an unacknowledged one when there is one, and has most likely reached the
                    // server.
                    ref var oldest = ref _entries[_head];
                    dropped = new OutboxDrop(oldest.Message, oldest.WasSent);
                    RemoveOldest();
                }

                Append(new Entry(seq, message), buffer.WrittenSpan);
            }
            finally
            {
                ScratchBuffer.Return(buffer);
            }

            _lastSeq = seq;
        }

        Ring();
        return dropped;
    }

    /// <summary>
    /// Moves unsent entries into <paramref name="batch"/>, at least one and otherwise up to
    /// <paramref name="maxBytes"/> bytes. With <paramref name="keepUntilAcked"/> they stay in the outbox as unacked;
    /// without, they leave it. Either way their bytes stay valid until <see cref="EndWrite"/> receives the batch.
    /// </summary>
    /// <returns><see langword="false"/> when nothing is waiting.</returns>
    public bool TakeBatch(OutboxBatch batch, int maxBytes, bool keepUntilAcked)
    {
        lock (_gate)
        {
            var takenCount = 0;
            while (_unacked + takenCount < _count)
            {
                ref var next = ref _entries[Index(_unacked + takenCount)];
                if (batch.Bytes != 0 && batch.Bytes + next.Length > maxBytes)
                {
                    break;
                }

                if (batch.Add(next.Chunk!, next.Offset, next.Length))
                {
                    next.Chunk!.Writes++;
                }

                next.WasSent = true;
                takenCount++;
            }

            if (keepUntilAcked)
            {
                _unacked += takenCount;
            }
            else
            {
                // Without acks nothing is unacked: the client requeues before each connection. So the taken entries
                // are the oldest ones.
                Debug.Assert(_unacked == 0, "A connection without acks started with unacked entries.");
                for (var i = 0; i < takenCount; i++)
                {
                    RemoveOldest();
                }
            }

            SignalWaiters();
            return takenCount > 0;
        }
    }

    /// <summary>Records that the pump finished writing <paramref name="batch"/>, whether the write succeeded or not.</summary>
    public void EndWrite(OutboxBatch batch)
    {
        lock (_gate)
        {
            for (var i = 0; i < batch.Count; i++)
            {
                var chunk = batch[i].Chunk;
                chunk.Writes--;
                ReleaseIfUnused(chunk);
            }
        }

        batch.Clear();
    }

    /// <summary>Removes every unacked entry up to and including <paramref name="seq"/>.</summary>
    public void Acknowledge(long seq)
    {
        lock (_gate)
        {
            while (_unacked > 0 && _entries[_head].Seq <= seq)
            {
                RemoveOldest();
            }

            SignalWaiters();
        }
    }

    /// <summary>Returns the unacked event with sequence number <paramref name="seq"/>, or <see langword="null"/>.</summary>
    public EventMessage? FindUnacked(long seq)
    {
        lock (_gate)
        {
            for (var i = 0; i < _unacked; i++)
            {
                ref var entry = ref _entries[Index(i)];
                if (entry.Seq == seq)
                {
                    return entry.Message;
                }
            }

            return null;
        }
    }

    /// <summary>Puts the unacked entries back in front of the unsent ones, for the next connection to resend.</summary>
    public void Requeue()
    {
        lock (_gate)
        {
            if (_unacked == 0)
            {
                return;
            }

            // The unacked entries come first in the queue already.
            _unacked = 0;
        }

        Ring();
    }

    /// <summary>The number of entries that <see cref="Clear"/> removed, or null before it ran.</summary>
    public int? LeftAtClear { get; private set; }

    /// <summary>Removes every entry and returns its event, for reporting when the client closes.</summary>
    public OutboxDrop[] Clear()
    {
        lock (_gate)
        {
            var all = new OutboxDrop[_count];

            // Set before the waits are completed, so that a wait that ends here already finds it.
            LeftAtClear = Math.Max(LeftAtClear ?? 0, all.Length);
            for (var i = 0; i < all.Length; i++)
            {
                ref var oldest = ref _entries[_head];
                all[i] = new OutboxDrop(oldest.Message, oldest.WasSent);
                RemoveOldest();
            }

            SignalWaiters();
            return all;
        }
    }

    /// <summary>Completes when unsent entries may be waiting.</summary>
    public Task WaitAsync(CancellationToken cancellationToken) => _doorbell.WaitAsync(cancellationToken);

    /// <summary>Completes when the outbox contains fewer than <paramref name="count"/> entries.</summary>
    public Task WhenBelowAsync(int count)
    {
        lock (_gate)
        {
            if (_count < count)
            {
                return Task.CompletedTask;
            }

            // Waits for the same count share one task, so that waits that time out again and again do not pile up.
            foreach (var waiter in _belowWaiters)
            {
                if (waiter.Count == count)
                {
                    return waiter.Done.Task;
                }
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _belowWaiters.Add((count, done));
            return done.Task;
        }
    }

    /// <summary>Completes when the outbox holds no entry.</summary>
    public Task WhenEmptyAsync()
    {
        lock (_gate)
        {
            if (_count == 0)
            {
                return Task.CompletedTask;
            }

            _emptied ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _emptied.Task;
        }
    }

    private int Index(int offset)
    {
        var index = _head + offset;
        return index < _entries.Length ? index : index - _entries.Length;
    }

    /// <summary>Copies a frame into the current chunk, or a new one when it does not fit, and queues its entry.</summary>
    private void Append(Entry entry, ReadOnlySpan<byte> frame)
    {
        var chunk = _current;
        if (chunk is null || frame.Length > chunk.Bytes.Length - chunk.Used)
        {
            if (chunk is not null)
            {
                _current = null;
                ReleaseIfUnused(chunk);
            }

            chunk = _current = new Chunk(ArrayPool<byte>.Shared.Rent(Math.Max(ChunkBytes, frame.Length)));
            ChunksInUse++;
        }

        frame.CopyTo(chunk.Bytes.AsSpan(chunk.Used));
        entry.Chunk = chunk;
        entry.Offset = chunk.Used;
        entry.Length = frame.Length;
        chunk.Used += frame.Length;
        chunk.Entries++;

        if (_count == _entries.Length)
        {
            Grow();
        }

        _entries[Index(_count)] = entry;
        _count++;
    }

    private void Grow()
    {
        var larger = new Entry[_entries.Length * 2];
        for (var i = 0; i < _count; i++)
        {
            larger[i] = _entries[Index(i)];
        }

        _entries = larger;
        _head = 0;
    }

    /// <summary>Removes the entry at the head of the queue, unacked or not.</summary>
    private void RemoveOldest()
    {
        ref var oldest = ref _entries[_head];
        var chunk = oldest.Chunk!;
        chunk.Entries--;

        // Cleared, so that the queue does not keep the event alive.
        oldest = default;
        _head = _head + 1 == _entries.Length ? 0 : _head + 1;
        _count--;
        if (_unacked > 0)
        {
            _unacked--;
        }

        ReleaseIfUnused(chunk);
    }

    private void ReleaseIfUnused(Chunk chunk)
    {
        if (chunk.Entries != 0 || chunk.Writes != 0)
        {
            return;
        }

        if (ReferenceEquals(chunk, _current))
        {
            // Nothing reads the current chunk any more, so new frames can start at its beginning again.
            chunk.Used = 0;
            return;
        }

        ArrayPool<byte>.Shared.Return(chunk.Bytes);
        chunk.Bytes = [];
        ChunksInUse--;
    }

    private void SignalWaiters()
    {
        if (_emptied is not null && _count == 0)
        {
            _emptied.TrySetResult();
            _emptied = null;
        }

        for (var i = _belowWaiters.Count - 1; i >= 0; i--)
        {
            if (_count < _belowWaiters[i].Count)
            {
                _belowWaiters[i].Done.TrySetResult();
                _belowWaiters.RemoveAt(i);
            }
        }
    }

    private void Ring()
    {
        // Extra releases only cause an extra empty check in the pump, so a racy check is enough.
        if (_doorbell.CurrentCount == 0)
        {
            _doorbell.Release();
        }
    }

    /// <summary>
    /// One queued event: its sequence number, its event for reports, where its frame is, and whether the frame was
    /// written to a connection (before a reconnect too).
    /// </summary>
    private struct Entry(long seq, EventMessage message)
    {
        public readonly long Seq = seq;
        public readonly EventMessage Message = message;
        public Chunk? Chunk;
        public int Offset;
        public int Length;
        public bool WasSent;
    }

    /// <summary>
    /// A pooled array that frames are appended to, with the number of entries that use it and of writes reading it.
    /// </summary>
    internal sealed class Chunk(byte[] bytes)
    {
        public byte[] Bytes = bytes;
        public int Used;
        public int Entries;
        public int Writes;
    }
}

/// <summary>
/// The frames the send pump writes at once, as slices of outbox chunks: consecutive frames in one chunk form one slice.
/// </summary>
internal sealed class OutboxBatch
{
    private readonly List<Slice> _slices = [];

    /// <summary>The number of slices.</summary>
    public int Count => _slices.Count;

    /// <summary>The number of bytes in all slices.</summary>
    public int Bytes { get; private set; }

    /// <summary>The slice at <paramref name="index"/>, in write order.</summary>
    public Slice this[int index] => _slices[index];

    /// <summary>
    /// Adds a frame. Returns <see langword="true"/> when the frame starts a new slice, which then needs its own write.
    /// </summary>
    public bool Add(ClientOutbox.Chunk chunk, int offset, int length)
    {
        Bytes += length;
        if (_slices.Count > 0)
        {
            var last = _slices[^1];
            if (ReferenceEquals(last.Chunk, chunk) && last.Offset + last.Length == offset)
            {
                _slices[^1] = last with { Length = last.Length + length };
                return false;
            }
        }

        _slices.Add(new Slice(chunk, offset, length));
        return true;
    }

    /// <summary>Empties the batch for the next one.</summary>
    public void Clear()
    {
        _slices.Clear();
        Bytes = 0;
    }

    /// <summary>Consecutive frames in one chunk.</summary>
    public readonly record struct Slice(ClientOutbox.Chunk Chunk, int Offset, int Length)
    {
        /// <summary>The slice's bytes, valid until the batch is passed to <see cref="ClientOutbox.EndWrite"/>.</summary>
        public ReadOnlyMemory<byte> Memory => Chunk.Bytes.AsMemory(Offset, Length);
    }
}
