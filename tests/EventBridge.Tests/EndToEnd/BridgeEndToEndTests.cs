using System.Collections.Concurrent;

namespace EventBridge.Tests.EndToEnd;

public sealed record OrderPlaced(string OrderId, int Quantity, decimal Total, bool Express, Customer Customer);

public sealed record Customer(string Name, string? Email);

public sealed partial class OrderDesk
{
    public ConcurrentQueue<(OrderPlaced Order, bool IsRemote, string? Source)> Received { get; } = new();

    [Consumer("order_placed")]
    public void OnOrderPlaced(OrderPlaced order, EventContext context) =>
        Received.Enqueue((order, context.IsRemote, context.Source?.Name));
}

public sealed class BridgeEndToEndTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task GeneratedConsumer_GetsPayloadFromOtherClient()
    {
        await using var server = new EventBridgeServer(new EventBridgeServerOptions { Port = 0 });
        await server.StartAsync();

        var busA = new EventBus();
        var busB = new EventBus();
        var deskA = new OrderDesk();
        var deskB = new OrderDesk();
        using var subscriptionA = busA.Subscribe(deskA);
        using var subscriptionB = busB.Subscribe(deskB);

        await using var clientA = new EventBridgeClient(busA, new EventBridgeClientOptions { Port = server.Port, Name = "A" });
        await using var clientB = new EventBridgeClient(busB, new EventBridgeClientOptions { Port = server.Port, Name = "B" });
        await clientA.ConnectAsync();
        await clientB.ConnectAsync();

        var order = new OrderPlaced("o-17", 3, 59.97m, true, new Customer("Zoë 中文 🎉", null));
        busA.Emit("order_placed", order);

        await WaitUntil(() => !deskB.Received.IsEmpty);
        var (received, isRemote, source) = Assert.Single(deskB.Received);
        Assert.Equal(order, received);
        Assert.True(isRemote);
        Assert.Equal("A", source);

        // A sentinel from B proves that the path back to A works, so A would have seen an echo of its own event
        // by the time the sentinel arrives.
        busB.Emit("order_placed", order with { OrderId = "sentinel" });
        await WaitUntil(() => deskA.Received.Any(r => r.Order.OrderId == "sentinel"));

        var ownEvents = deskA.Received.Where(r => r.Order.OrderId == "o-17").ToArray();
        var local = Assert.Single(ownEvents);
        Assert.False(local.IsRemote);
        Assert.Single(deskB.Received, r => r.Order.OrderId == "o-17");
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(s_timeout);
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }
}
