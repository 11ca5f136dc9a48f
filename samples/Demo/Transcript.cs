namespace EventBridge.Samples.Demo;

/// <summary>One delivery that a demo consumer saw.</summary>
public sealed record Delivery(string Owner, string Signal, string? Namespace, bool IsRemote, string? Source, string Text);

/// <summary>Prints every delivery and lets a step wait until an expected one has arrived.</summary>
public sealed class Transcript
{
    /// <summary>How long a step waits for a delivery; generous, because the machine may be busy.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly List<Delivery> _deliveries = [];
    private readonly Lock _gate = new();

    public void Add(string owner, EventContext context, ChatMessage message)
    {
        var delivery = new Delivery(
            owner, context.Signal, context.Namespace, context.IsRemote, context.Source?.Name, message.Text);
        lock (_gate)
        {
            _deliveries.Add(delivery);
        }

        var where = delivery.Namespace is null ? "" : $" in '{delivery.Namespace}'";
        var from = delivery.IsRemote ? $"remote, from {delivery.Source}" : "local";
        Console.WriteLine($"    {owner,-8} got {delivery.Signal}{where}: \"{delivery.Text}\" ({from})");
    }

    public int Count(Func<Delivery, bool> match)
    {
        lock (_gate)
        {
            return _deliveries.Count(match);
        }
    }

    /// <summary>Waits until <paramref name="count"/> deliveries match; returns <see langword="false"/> after the timeout.</summary>
    public async Task<bool> WaitForAsync(Func<Delivery, bool> match, int count = 1)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (Count(match) < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(10);
        }

        return true;
    }
}
