using System.Diagnostics.Tracing;

namespace EventBridge.LoadDriver;

/// <summary>
/// Counts the runtime's allocation samples by type: the runtime raises one about every 100 KB allocated, naming the
/// type of the object that crossed the mark, so the counts show which types make up most of the allocated bytes.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;

    private readonly Dictionary<string, (int Samples, long Bytes)> _byType = [];
    private readonly Lock _gate = new();

    /// <summary>Prints the types with the most samples, and their share of all samples.</summary>
    public void Print(int top)
    {
        lock (_gate)
        {
            var total = Math.Max(1, _byType.Values.Sum(entry => entry.Samples));
            Console.WriteLine($"allocation samples   {total} (one per ~100 KB); top types:");
            foreach (var (type, entry) in _byType.OrderByDescending(pair => pair.Value.Samples).Take(top))
            {
                Console.WriteLine($"  {100.0 * entry.Samples / total,5:0.0} %  {type}");
            }
        }
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName is not { } name || !name.StartsWith("GCAllocationTick", StringComparison.Ordinal)
            || eventData.PayloadNames is not { } names || eventData.Payload is not { } payload)
        {
            return;
        }

        var typeIndex = names.IndexOf("TypeName");
        var amountIndex = names.IndexOf("AllocationAmount64");
        var type = typeIndex >= 0 ? payload[typeIndex] as string ?? "?" : "?";
        var amount = amountIndex >= 0 && payload[amountIndex] is ulong bytes ? (long)bytes : 0;
        lock (_gate)
        {
            var entry = _byType.GetValueOrDefault(type);
            _byType[type] = (entry.Samples + 1, entry.Bytes + amount);
        }
    }
}
