namespace EventBridge.Tests.Bridge;

/// <summary>A consumer that records every event of one signal and lets a test wait for a number of them.</summary>
internal sealed class EventRecorder : IDisposable
{
    private readonly List<EventMessage> _events = [];
    private readonly Lock _gate = new();
    private readonly IDisposable _subscription;
    private readonly Func<EventContext, ValueTask>? _then;
    private TaskCompletionSource? _changed;

    public EventRecorder(EventBus bus, string signal, string? @namespace = null, Func<EventContext, ValueTask>? then = null)
    {
        _then = then;
        _subscription = bus.AddConsumer(new ConsumerDescriptor(signal, @namespace, "recorder:" + signal, OnEvent));
    }

    public IReadOnlyList<EventMessage> Events
    {
        get
        {
            lock (_gate)
            {
                return [.. _events];
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _events.Count;
            }
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> events arrived; fails the test after the timeout.</summary>
    public Task<IReadOnlyList<EventMessage>> WaitForCountAsync(int count, TimeSpan? timeout = null) =>
        WaitForAsync(events => events.Count >= count, $"{count} events", timeout);

    /// <summary>Waits until <paramref name="condition"/> holds for the recorded events.</summary>
    public async Task<IReadOnlyList<EventMessage>> WaitForAsync(
        Func<IReadOnlyList<EventMessage>, bool> condition,
        string description,
        TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Bridge.Timeout);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                IReadOnlyList<EventMessage> snapshot = [.. _events];
                if (condition(snapshot))
                {
                    return snapshot;
                }

                _changed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                changed = _changed.Task;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"Timed out waiting for {description}; {Count} events arrived.");
            }

            await Task.WhenAny(changed, Task.Delay(left)).ConfigureAwait(false);
        }
    }

    public void Dispose() => _subscription.Dispose();

    private ValueTask OnEvent(EventContext context)
    {
        lock (_gate)
        {
            _events.Add(context.Message);
            _changed?.TrySetResult();
            _changed = null;
        }

        return _then is null ? default : _then(context);
    }
}
