namespace EventBridge.Tests.Bridge;

/// <summary>The drops a client reports through <see cref="EventBridgeClient.EventDropped"/>, from whichever thread reports them.</summary>
internal sealed class DropLog
{
    private readonly List<EventDroppedEventArgs> _drops = [];

    public DropLog(EventBridgeClient client)
    {
        client.EventDropped += (_, drop) =>
        {
            lock (_drops)
            {
                _drops.Add(drop);
            }
        };
    }

    public IReadOnlyList<EventDroppedEventArgs> Drops
    {
        get
        {
            lock (_drops)
            {
                return [.. _drops];
            }
        }
    }

    /// <summary>The numbers of the dropped <see cref="Numbered"/> events, in the order of their reports.</summary>
    public IReadOnlyList<int> Numbers => [.. Drops.Select(drop => drop.Message.GetPayload(TestPayloads.Numbered).N)];
}
