namespace EventBridge.LoadDriver;

/// <summary>Counts every load event that reaches one subscriber's bus.</summary>
internal sealed partial class Subscriber(Tally tally)
{
    public Tally Tally { get; } = tally;

    [Consumer(Workload.Signal)]
    public void OnLoad(LoadEvent load) => Tally.Record(load);
}
