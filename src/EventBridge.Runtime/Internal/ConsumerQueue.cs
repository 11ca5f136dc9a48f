using System.Diagnostics.CodeAnalysis;

namespace EventBridge;

/// <summary>The outcome of <see cref="ConsumerQueue.TryAdd"/>.</summary>
internal enum ConsumerQueueAddResult
{
    /// <summary>The event was queued, after the oldest waiting events were dropped if the queue was full.</summary>
    Added,

    /// <summary>The queue was full and its policy drops the arriving event.</summary>
    Rejected,

    /// <summary>The worker emptied the queue and retired it after the caller looked it up; use a new queue.</summary>
    Retired,

    /// <summary>The client is disposing and delivers no more events.</summary>
    Closed,
}

/// <summary>
/// The received events waiting for one consumer of one <see cref="EventBridgeClient"/>, and the worker that runs the
/// consumer for them one at a time, in arrival order.
/// </summary>
/// <remarks>
/// The worker runs on the thread pool only while events wait, so an idle consumer costs no thread and no task. An
/// empty queue stays with the client for the consumer's next event: retiring it each time it ran empty made a
/// consumer that keeps up pay for a new queue and two dictionary changes per event. A queue whose consumer was
/// removed from the bus is retired when its worker finds it empty, or when the bus changes next (see
/// <see cref="TryRetireIfRemoved"/>), so a client keeps none for removed consumers.
/// </remarks>
internal sealed class ConsumerQueue : IThreadPoolWorkItem
{
    private readonly EventBridgeClient _client;
    private readonly Queue<(EventMessage Message, int Size)> _events = new();
    private readonly Lock _gate = new();
    private readonly int _capacity;
    private readonly long _maxBytes;
    private readonly ConsumerQueueOverflow _overflow;
    private long _bytes;
    private bool _running;
    private bool _retired;
    private bool _closed;
    private TaskCompletionSource? _stopped;

    public ConsumerQueue(
        EventBridgeClient client,
        ConsumerRegistration consumer,
        int capacity,
        long maxBytes,
        ConsumerQueueOverflow overflow)
    {
        _client = client;
        Consumer = consumer;
        _capacity = capacity;
        _maxBytes = maxBytes;
        _overflow = overflow;
    }

    public ConsumerRegistration Consumer { get; }

    /// <summary>Queues <paramref name="message"/> unless the queue is full, and starts the worker if it is not running.</summary>
    /// <param name="message">The received event.</param>
    /// <param name="size">The event's size in bytes, counted against the byte limit.</param>
    /// <param name="dropped">Receives the waiting events that <see cref="ConsumerQueueOverflow.DropOldest"/> dropped.</param>
    public ConsumerQueueAddResult TryAdd(EventMessage message, int size, List<EventMessage> dropped)
    {
        lock (_gate)
        {
            if (_closed)
            {
                return ConsumerQueueAddResult.Closed;
            }

            if (_retired)
            {
                return ConsumerQueueAddResult.Retired;
            }

            // An empty queue takes any event, so that one larger than the byte limit still reaches the consumer.
            while (_events.Count != 0 && (_events.Count >= _capacity || _bytes + size > _maxBytes))
            {
                if (_overflow == ConsumerQueueOverflow.DropNewest)
                {
                    return ConsumerQueueAddResult.Rejected;
                }

                var oldest = _events.Dequeue();
                _bytes -= oldest.Size;
                dropped.Add(oldest.Message);
            }

            _events.Enqueue((message, size));
            _bytes += size;
            if (_running)
            {
                return ConsumerQueueAddResult.Added;
            }

            _running = true;
        }

        // The caller is the connection's read loop. The pool's global queue is also where socket completions wait, so
        // consumer work takes turns with the next read instead of going first on this thread, as local work would.
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        return ConsumerQueueAddResult.Added;
    }

    /// <summary>
    /// Retires the queue when its worker is stopped and its consumer was removed from the bus, so the client drops it.
    /// Returns whether the queue was retired.
    /// </summary>
    public bool TryRetireIfRemoved()
    {
        lock (_gate)
        {
            if (_running || _closed || _retired || !Consumer.IsRemoved)
            {
                return false;
            }

            _retired = true;
            _client.RemoveConsumerQueue(this);
            return true;
        }
    }

    /// <summary>Returns a task that completes when the worker has stopped: the queue is empty or closed.</summary>
    public Task WhenStoppedAsync()
    {
        lock (_gate)
        {
            if (!_running)
            {
                return Task.CompletedTask;
            }

            _stopped ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _stopped.Task;
        }
    }

    /// <summary>
    /// Stops the queue: the worker finishes the delivery in progress, if any, and starts no other. Returns the events
    /// that were still waiting, which are never delivered.
    /// </summary>
    public EventMessage[] Close()
    {
        lock (_gate)
        {
            _closed = true;
            var waiting = _events.Select(entry => entry.Message).ToArray();
            _events.Clear();
            _bytes = 0;
            return waiting;
        }
    }

    // The bus reports a consumer's failure itself, so RunAsync never faults and its task needs no observer.
    void IThreadPoolWorkItem.Execute() => _ = RunAsync();

    private async Task RunAsync()
    {
        while (TryTakeNext(out var message))
        {
            await _client.RunQueuedConsumerAsync(message, Consumer).ConfigureAwait(false);
            _client.CompleteQueuedDelivery();
        }
    }

    private bool TryTakeNext([NotNullWhen(true)] out EventMessage? message)
    {
        TaskCompletionSource? stopped;
        lock (_gate)
        {
            if (!_closed && _events.TryDequeue(out var next))
            {
                _bytes -= next.Size;
                message = next.Message;
                return true;
            }

            _running = false;
            if (!_closed && Consumer.IsRemoved)
            {
                // Removed under the lock, so that a caller of TryAdd that finds the queue retired also finds it gone.
                _retired = true;
                _client.RemoveConsumerQueue(this);
            }

            stopped = _stopped;
        }

        stopped?.TrySetResult();
        message = null;
        return false;
    }
}
