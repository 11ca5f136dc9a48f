using System.Collections.Concurrent;

namespace EventBridge;

/// <summary>
/// The receiving half of the client: the middleware and watchers of a received event run on the connection's read
/// loop as it arrives, and each consumer then runs from a bounded queue of its own on the thread pool.
/// </summary>
public sealed partial class EventBridgeClient
{
    private readonly ConcurrentDictionary<ConsumerRegistration, ConsumerQueue> _consumerQueues = new();

    // The events that one full queue dropped to make room; used only on the read loop.
    private readonly List<EventMessage> _overflowed = [];

    // Canceled when DisposeAsync stops delivering. Never disposed, because consumers that are still running after
    // DisposeAsync returned may still read its token.
    private readonly CancellationTokenSource _deliveryStopping = new();
    /// <summary>The bus version at which the read loop last retired the queues of removed consumers.</summary>
    private long _queuesCheckedAtVersion = -1;

    private long _pendingDeliveries;
    private long _droppedDeliveries;

    /// <summary>
    /// The number of received events that wait in a consumer's queue or whose consumer is running, counted once per
    /// consumer.
    /// </summary>
    public long PendingDeliveryCount => Interlocked.Read(ref _pendingDeliveries);

    /// <summary>
    /// The number of times a received event was not delivered to a consumer, because the consumer's queue was full
    /// (see <see cref="EventBridgeClientOptions.ConsumerQueueCapacity"/> and
    /// <see cref="EventBridgeClientOptions.ConsumerQueueMaxBytes"/>) or the client was disposed first. An event that
    /// two consumers missed counts twice.
    /// </summary>
    public long DroppedDeliveryCount => Interlocked.Read(ref _droppedDeliveries);

    /// <summary>
    /// Runs one consumer for a received event, on the worker of the consumer's queue, with the event recorded as the
    /// cause of anything the consumer emits.
    /// </summary>
    internal ValueTask RunQueuedConsumerAsync(EventMessage message, ConsumerRegistration consumer)
    {
        var outer = s_delivering.Value;
        s_delivering.Value = message;
        try
        {
            return _bus.RunQueuedConsumerAsync(message, consumer, _deliveryStopping.Token);
        }
        finally
        {
            s_delivering.Value = outer;
        }
    }

    /// <summary>The number of consumer queues the client keeps, running or idle.</summary>
    internal int ConsumerQueueCount => _consumerQueues.Count;

    /// <summary>Records that a queue's worker finished one delivery.</summary>
    internal void CompleteQueuedDelivery() => Interlocked.Decrement(ref _pendingDeliveries);

    /// <summary>Removes a queue that its worker found empty, unless a new queue has replaced it.</summary>
    internal void RemoveConsumerQueue(ConsumerQueue queue) =>
        _consumerQueues.TryRemove(new KeyValuePair<ConsumerRegistration, ConsumerQueue>(queue.Consumer, queue));

    /// <summary>
    /// Runs the middleware and watchers for a received event on the read loop, then queues the event for each of its
    /// consumers.
    /// </summary>
    /// <param name="message">The received event.</param>
    /// <param name="size">The size of the event's frame in bytes; the frame stays in memory while the event waits.</param>
    private void QueueForConsumers(EventMessage message, int size)
    {
        ConsumerRegistration[]? consumers;
        EventMessage? delivered;

        // Middleware and watchers may emit too; such events count as reactions to this one. When the client's own
        // forwarder is the only one, nothing in the pipeline can emit, and setting the async-local value, which
        // allocates, is skipped.
        var observed = !_bus.IsObservedOnlyBy(_forwarder);
        var outer = observed ? s_delivering.Value : null;
        if (observed)
        {
            s_delivering.Value = message;
        }

        try
        {
            consumers = _bus.RunPipelineForQueue(message, out delivered);
        }
        catch (ArgumentException exception)
        {
            Log.InvalidFrame(_logger, "invalid_signal", exception.Message);
            return;
        }
        finally
        {
            if (observed)
            {
                s_delivering.Value = outer;
            }
        }

        if (consumers is null || delivered is null)
        {
            return;
        }

        // Queues stay after they run empty; a bus change may have removed their consumers.
        var version = _bus.Version;
        if (version != _queuesCheckedAtVersion)
        {
            _queuesCheckedAtVersion = version;
            foreach (var queue in _consumerQueues.Values)
            {
                queue.TryRetireIfRemoved();
            }
        }

        foreach (var consumer in consumers)
        {
            if (!consumer.IsRemoved)
            {
                AddToConsumerQueue(consumer, delivered, size);
            }
        }
    }

    private void AddToConsumerQueue(ConsumerRegistration consumer, EventMessage message, int size)
    {
        while (true)
        {
            var queue = _consumerQueues.GetOrAdd(
                consumer,
                static (registration, client) => new ConsumerQueue(
                    client,
                    registration,
                    client._options.ConsumerQueueCapacity,
                    client._options.ConsumerQueueMaxBytes,
                    client._options.ConsumerQueueOverflow),
                this);
            _overflowed.Clear();
            switch (queue.TryAdd(message, size, _overflowed))
            {
                case ConsumerQueueAddResult.Added:
                    Interlocked.Add(ref _pendingDeliveries, 1 - _overflowed.Count);
                    foreach (var dropped in _overflowed)
                    {
                        ReportUndelivered(dropped, consumer, EventDropReason.ConsumerQueueFull);
                    }

                    _overflowed.Clear();
                    return;
                case ConsumerQueueAddResult.Rejected:
                    ReportUndelivered(message, consumer, EventDropReason.ConsumerQueueFull);
                    return;
                case ConsumerQueueAddResult.Closed:
                    ReportUndelivered(message, consumer, EventDropReason.ClientClosed);
                    return;
                default:
                    // The worker retired this queue after the lookup and removed it, so the next lookup adds a new one.
                    continue;
            }
        }
    }

    /// <summary>
    /// Waits up to <paramref name="timeout"/> for the consumers to finish the received events queued for them, then
    /// stops every queue and reports the events left in them. Called by <see cref="DisposeAsync"/> once the
    /// connection is closed, so no event is queued any more.
    /// </summary>
    private async Task StopDeliveringAsync(TimeSpan timeout)
    {
        var stopped = _consumerQueues.Values.Select(queue => queue.WhenStoppedAsync()).ToArray();
        if (stopped.Length != 0)
        {
            await Task.WhenAll(stopped).WaitAsync(timeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        // Close before canceling, because the bus skips a consumer whose token is canceled: events still in an open
        // queue would then be neither delivered nor reported.
        var undelivered = 0;
        foreach (var queue in _consumerQueues.Values)
        {
            foreach (var message in queue.Close())
            {
                Interlocked.Decrement(ref _pendingDeliveries);
                ReportUndelivered(message, queue.Consumer, EventDropReason.ClientClosed);
                undelivered++;
            }
        }

        await _deliveryStopping.CancelAsync().ConfigureAwait(false);
        if (undelivered != 0)
        {
            Log.DeliveriesAbandoned(_logger, _options.Name, undelivered, _options.CloseTimeout.TotalMilliseconds);
        }
    }

    private void ReportUndelivered(EventMessage message, ConsumerRegistration consumer, EventDropReason reason)
    {
        var count = Interlocked.Increment(ref _droppedDeliveries);

        // The first drops are logged one by one; after that every thousandth, so a consumer that stays behind cannot
        // flood the log.
        if (count <= 10 || count % 1000 == 0)
        {
            Log.EventNotDelivered(_logger, message.Signal, message.Id, consumer.Name, reason, count);
        }

        RaiseEventDropped(new EventDroppedEventArgs(message, reason, consumer.Name));
    }
}
