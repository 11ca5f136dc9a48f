using EventBridge.Tests.Bridge;

namespace EventBridge.Tests.Faults;

/// <summary>
/// A consumer of <see cref="Numbered"/> events that counts how often it was invoked for each sender and number, so
/// that a test can find every lost and every duplicated event.
/// </summary>
internal sealed class DeliveryLedger : IDisposable
{
    private readonly Dictionary<string, List<int>> _counts = [];
    private readonly Lock _gate = new();
    private readonly IDisposable _subscription;

    public DeliveryLedger(EventBus bus, string signal, string name)
    {
        Name = name;
        _subscription = bus.AddConsumer(new ConsumerDescriptor(signal, null, "ledger:" + name, OnEvent));
    }

    /// <summary>The receiving client and consumer, for assertion messages.</summary>
    public string Name { get; }

    /// <summary>The number of invocations for event <paramref name="n"/> of <paramref name="sender"/>.</summary>
    public int CountOf(string sender, int n)
    {
        lock (_gate)
        {
            return _counts.TryGetValue(sender, out var counts) && n < counts.Count ? counts[n] : 0;
        }
    }

    /// <summary>The numbers below <paramref name="end"/> of <paramref name="sender"/> that never arrived.</summary>
    public IReadOnlyList<int> Missing(string sender, int end)
    {
        return [.. Enumerable.Range(0, end).Where(n => CountOf(sender, n) == 0)];
    }

    /// <summary>The numbers of <paramref name="sender"/> that arrived more than once.</summary>
    public IReadOnlyList<int> Duplicated(string sender)
    {
        lock (_gate)
        {
            return _counts.TryGetValue(sender, out var counts)
                ? [.. Enumerable.Range(0, counts.Count).Where(n => counts[n] > 1)]
                : [];
        }
    }

    /// <summary>Whether event <paramref name="n"/> of <paramref name="sender"/> has arrived.</summary>
    public bool Has(string sender, int n) => CountOf(sender, n) > 0;

    public void Dispose() => _subscription.Dispose();

    private ValueTask OnEvent(EventContext context)
    {
        var numbered = context.Message.GetPayload(TestPayloads.Numbered);
        lock (_gate)
        {
            if (!_counts.TryGetValue(numbered.Sender, out var counts))
            {
                counts = [];
                _counts[numbered.Sender] = counts;
            }

            while (counts.Count <= numbered.N)
            {
                counts.Add(0);
            }

            counts[numbered.N]++;
        }

        return default;
    }
}
