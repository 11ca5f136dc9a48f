namespace EventBridge.Tests.Faults;

/// <summary>Counts a client's transitions into each state, so that a test can wait for the n-th reconnection.</summary>
internal sealed class StateCounter
{
    private readonly int[] _entered = new int[Enum.GetValues<EventBridgeClientState>().Length];

    public StateCounter(EventBridgeClient client)
    {
        Client = client;
        client.StateChanged += (_, change) => Interlocked.Increment(ref _entered[(int)change.Current]);
    }

    public EventBridgeClient Client { get; }

    /// <summary>How often the client has entered <paramref name="state"/> since this counter was created.</summary>
    public int Entered(EventBridgeClientState state) => Volatile.Read(ref _entered[(int)state]);
}
