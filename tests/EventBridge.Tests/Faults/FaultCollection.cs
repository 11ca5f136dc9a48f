namespace EventBridge.Tests.Faults;

/// <summary>
/// The heavy fault tests, which run one at a time after the other tests. Their load (real server processes, thousands
/// of connections, hundreds of clients) would slow the timing-sensitive tests that run beside them, and the load of
/// those tests would slow theirs.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FaultCollection
{
    public const string Name = "Heavy fault tests";
}
