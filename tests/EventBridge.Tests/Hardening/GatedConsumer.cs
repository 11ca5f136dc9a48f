using EventBridge.Tests.Bridge;
using TestBridge = EventBridge.Tests.Bridge.Bridge;

namespace EventBridge.Tests.Hardening;

/// <summary>
/// A consumer of <see cref="Numbered"/> events that records each number, then blocks its thread until the test opens
/// the gate, as a consumer doing synchronous I/O would. Disposing it opens the gate and removes the consumer.
/// </summary>
internal sealed class GatedConsumer : IDisposable
{
    private readonly ManualResetEventSlim _gate = new();
    private readonly TaskCompletionSource _blocked = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _canceled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<int> _numbers = [];
    private readonly IDisposable _subscription;
    private int _waiting;

    public GatedConsumer(EventBus bus, string signal, string name = "gated")
    {
        Name = name;
        _subscription = bus.AddConsumer(new ConsumerDescriptor(signal, null, name, OnEvent));
    }

    public string Name { get; }

    /// <summary>The numbers this consumer received, in the order it received them.</summary>
    public IReadOnlyList<int> Numbers
    {
        get
        {
            lock (_numbers)
            {
                return [.. _numbers];
            }
        }
    }

    /// <summary>Whether a call of the consumer is waiting at the closed gate.</summary>
    public bool IsBlocked => Volatile.Read(ref _waiting) != 0;

    /// <summary>Completes when <see cref="EventContext.CancellationToken"/> ended a wait at the gate.</summary>
    public Task Canceled => _canceled.Task;

    /// <summary>Waits until the first call of the consumer waits at the closed gate.</summary>
    public Task WaitUntilBlockedAsync() => _blocked.Task.WaitAsync(TestBridge.Timeout);

    public void Open() => _gate.Set();

    /// <summary>Removes the consumer from its bus and leaves the gate as it is.</summary>
    public void Unsubscribe() => _subscription.Dispose();

    public void Dispose()
    {
        _gate.Set();
        _subscription.Dispose();
    }

    private ValueTask OnEvent(EventContext context)
    {
        lock (_numbers)
        {
            _numbers.Add(context.Message.GetPayload(TestPayloads.Numbered).N);
        }

        if (_gate.IsSet)
        {
            return default;
        }

        Interlocked.Increment(ref _waiting);
        _blocked.TrySetResult();
        try
        {
            // Bounded, so that a failed test leaves no pool thread blocked for long.
            _gate.Wait(TestBridge.Timeout, context.CancellationToken);
        }
        catch (OperationCanceledException)
        {
            _canceled.TrySetResult();
            throw;
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }

        return default;
    }
}
