using EventBridge.Tests.Bridge;
using TestBridge = EventBridge.Tests.Bridge.Bridge;

namespace EventBridge.Tests.Faults;

/// <summary>
/// Outbox waits that end by their timeout while the client reconnects, many times over. They run apart from other
/// tests, because they compare the heap before and after.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class OutboxWaitTests
{
    [Fact]
    public async Task TimedOutWaits_LeaveNothingBehind()
    {
        await using var server = await TestBridge.StartServerAsync();
        using var atServer = new EventRecorder(server.Bus, "numbered");
        await using var proxy = new FaultProxy(server.Port);
        await using var client = await FlushAcrossReconnectTests.ConnectAsync(proxy.Port, "impatient", TestBridge.Timeout, logs: null);
        await FlushAcrossReconnectTests.CutAsync(proxy, client);
        FlushAcrossReconnectTests.Emit(client, 100);
        await WaitManyAsync(client, 1_000);

        var before = GC.GetTotalMemory(forceFullCollection: true);
        await WaitManyAsync(client, 100_000);
        var grown = GC.GetTotalMemory(forceFullCollection: true) - before;
        proxy.ResetNewConnections = false;
        var left = await client.FlushAsync(TestBridge.Timeout);

        // A wait that left a continuation on the outbox's or the client's long-lived tasks kept about 100 bytes each.
        Assert.True(grown < 2_000_000, $"The heap grew by {grown:N0} bytes over 100,000 timed-out waits.");
        Assert.Equal(0, left);
        await atServer.WaitForCountAsync(100);
    }

    private static async Task WaitManyAsync(EventBridgeClient client, int count)
    {
        for (var i = 0; i < count; i++)
        {
            Assert.Equal(100, await client.WaitForOutboxBelowAsync(50, TimeSpan.Zero));
            Assert.Equal(100, await client.FlushAsync(TimeSpan.Zero));
        }
    }
}
