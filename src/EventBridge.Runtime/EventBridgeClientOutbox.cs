namespace EventBridge;

/// <summary>One serialized event waiting in a client's outbox.</summary>
/// <param name="Seq">The sequence number written in the frame, which the server's ack frames refer to.</param>
/// <param name="Frame">The complete frame, newline included.</param>
/// <param name="Message">The event, for reports when it is dropped.</param>
internal sealed record OutboxEntry(long Seq, byte[] Frame, EventMessage Message);

/// <summary>
/// The events a client has not yet handed over for good: those waiting to be written (unsent) and, when the server
/// acknowledges frames, those written but not yet acknowledged (unacked). After a connection loss the unacked
/// events move back in front of the unsent ones, so the next connection resends everything in the original order.
/// Both parts together hold at most <see cref="Capacity"/> events.
/// </summary>
internal sealed class ClientOutbox
{
    private readonly Queue<OutboxEntry> _unsent = new();
    private readonly Queue<OutboxEntry> _unacked = new();
    private readonly OutboxOverflow _overflow;
    private readonly SemaphoreSlim _doorbell = new(0);
    private readonly Lock _gate = new();
    private TaskCompletionSource? _emptied;
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
                return _unsent.Count + _unacked.Count;
            }
        }
    }

    /// <summary>
    /// Builds the frame for the next sequence number with <paramref name="serialize"/> and appends it. Building the
    /// frame under the lock keeps the sequence numbers in outbox order when several threads emit at once.
    /// </summary>
    /// <returns>The entry that the overflow policy dropped to make room, or <see langword="null"/>.</returns>
    public OutboxEntry? Add(EventMessage message, Func<EventMessage, long, byte[]> serialize)
    {
        OutboxEntry? dropped = null;
        lock (_gate)
        {
            var seq = _lastSeq + 1;
            var entry = new OutboxEntry(seq, serialize(message, seq), message);
            _lastSeq = seq;
            if (_unsent.Count + _unacked.Count >= Capacity)
            {
                if (_overflow == OutboxOverflow.DropNewest)
                {
                    return entry;
                }

                // The oldest unacknowledged event has most likely reached the server already.
                dropped = _unacked.Count > 0 ? _unacked.Dequeue() : _unsent.Dequeue();
            }

            _unsent.Enqueue(entry);
        }

        Ring();
        return dropped;
    }

    /// <summary>
    /// Moves unsent entries into <paramref name="batch"/>, at least one and otherwise up to
    /// <paramref name="maxBytes"/> bytes. With <paramref name="keepUntilAcked"/> they stay in the outbox as unacked.
    /// </summary>
    /// <returns><see langword="false"/> when nothing is waiting.</returns>
    public bool TakeBatch(List<OutboxEntry> batch, int maxBytes, bool keepUntilAcked)
    {
        lock (_gate)
        {
            var bytes = 0;
            while (_unsent.TryPeek(out var next) && (batch.Count == 0 || bytes + next.Frame.Length <= maxBytes))
            {
                _unsent.Dequeue();
                batch.Add(next);
                bytes += next.Frame.Length;
                if (keepUntilAcked)
                {
                    _unacked.Enqueue(next);
                }
            }

            SignalIfEmpty();
            return batch.Count > 0;
        }
    }

    /// <summary>Removes every unacked entry up to and including <paramref name="seq"/>.</summary>
    public void Acknowledge(long seq)
    {
        lock (_gate)
        {
            while (_unacked.TryPeek(out var oldest) && oldest.Seq <= seq)
            {
                _unacked.Dequeue();
            }

            SignalIfEmpty();
        }
    }

    /// <summary>Returns the unacked event with sequence number <paramref name="seq"/>, or <see langword="null"/>.</summary>
    public EventMessage? FindUnacked(long seq)
    {
        lock (_gate)
        {
            foreach (var entry in _unacked)
            {
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
            if (_unacked.Count == 0)
            {
                return;
            }

            var waiting = _unsent.ToArray();
            _unsent.Clear();
            while (_unacked.TryDequeue(out var entry))
            {
                _unsent.Enqueue(entry);
            }

            foreach (var entry in waiting)
            {
                _unsent.Enqueue(entry);
            }
        }

        Ring();
    }

    /// <summary>Removes and returns every entry, for reporting when the client closes.</summary>
    public OutboxEntry[] Clear()
    {
        lock (_gate)
        {
            OutboxEntry[] all = [.. _unacked, .. _unsent];
            _unacked.Clear();
            _unsent.Clear();
            SignalIfEmpty();
            return all;
        }
    }

    /// <summary>Completes when unsent entries may be waiting.</summary>
    public Task WaitAsync(CancellationToken cancellationToken) => _doorbell.WaitAsync(cancellationToken);

    /// <summary>Completes when the outbox holds no entry.</summary>
    public Task WhenEmptyAsync()
    {
        lock (_gate)
        {
            if (_unsent.Count + _unacked.Count == 0)
            {
                return Task.CompletedTask;
            }

            _emptied ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _emptied.Task;
        }
    }

    private void SignalIfEmpty()
    {
        if (_emptied is not null && _unsent.Count + _unacked.Count == 0)
        {
            _emptied.TrySetResult();
            _emptied = null;
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
}
