using EventBridge.Tests.Bridge;

namespace EventBridge.Tests.Faults;

/// <summary>
/// Emits <see cref="Numbered"/> events 0, 1, 2, … through a client and records, at each connection loss, how many of
/// them the server had acknowledged by then.
/// </summary>
/// <remarks>
/// The outbox releases events only on acknowledgement, and acknowledgements are cumulative, so at a loss the
/// acknowledged events are exactly the numbers below <c>emitted - OutboxCount</c>. The client raises
/// <see cref="EventBridgeClient.StateChanged"/> after its read loop has ended, so no acknowledgement can arrive
/// between the loss and the count.
/// </remarks>
internal sealed class NumberedPublisher : IAsyncDisposable
{
    public const string Signal = "numbered";

    private readonly Lock _gate = new();
    private readonly List<int> _acknowledgedAtLoss = [];
    private int _emitted;

    public NumberedPublisher(EventBridgeClient client)
    {
        Client = client;
        client.StateChanged += OnStateChanged;
    }

    public EventBridgeClient Client { get; }

    public string Name => Client.Name;

    /// <summary>The number of events emitted so far; the next event gets this number.</summary>
    public int Emitted
    {
        get
        {
            lock (_gate)
            {
                return _emitted;
            }
        }
    }

    /// <summary>For each connection loss so far, the number of events acknowledged before it.</summary>
    public IReadOnlyList<int> AcknowledgedAtLoss
    {
        get
        {
            lock (_gate)
            {
                return [.. _acknowledgedAtLoss];
            }
        }
    }

    /// <summary>Emits the next numbered event.</summary>
    public void EmitNext()
    {
        lock (_gate)
        {
            Client.Bus.Emit(Signal, new Numbered(Name, _emitted));
            _emitted++;
        }
    }

    /// <summary>
    /// Emits events until <paramref name="total"/> have been emitted, yielding for about a millisecond after every
    /// <paramref name="burst"/> events so that the publishers in a test interleave and keep publishing for a while.
    /// </summary>
    public async Task PublishAsync(int total, int burst = 10)
    {
        while (Emitted < total)
        {
            for (var i = 0; i < burst && Emitted < total; i++)
            {
                EmitNext();
            }

            await Task.Delay(1);
        }
    }

    public ValueTask DisposeAsync()
    {
        Client.StateChanged -= OnStateChanged;
        return Client.DisposeAsync();
    }

    private void OnStateChanged(object? sender, EventBridgeClientStateChangedEventArgs change)
    {
        if (change.Previous == EventBridgeClientState.Connected && change.Current == EventBridgeClientState.Reconnecting)
        {
            lock (_gate)
            {
                _acknowledgedAtLoss.Add(_emitted - Client.OutboxCount);
            }
        }
    }
}
