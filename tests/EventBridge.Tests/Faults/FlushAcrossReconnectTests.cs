using EventBridge.Tests.Bridge;
using EventBridge.Tests.Hardening;
using TestBridge = EventBridge.Tests.Bridge.Bridge;

namespace EventBridge.Tests.Faults;

/// <summary>
/// <see cref="EventBridgeClient.FlushAsync"/> and <see cref="EventBridgeClient.DisposeAsync"/> while the client has
/// lost its connection: a client behind a <see cref="FaultProxy"/> loses it to a TCP reset, and the proxy resets its
/// reconnection attempts until the test lets them through. The proxy keeps its port meanwhile, because a server of a
/// test running beside this one could otherwise take the port and accept the client.
/// </summary>
public sealed class FlushAcrossReconnectTests
{
    private const string Signal = "numbered";

    [Fact]
    public async Task Dispose_WhileReconnecting_SendsOutboxWhenServerReturns()
    {
        await using var server = await TestBridge.StartServerAsync();
        using var atServer = new EventRecorder(server.Bus, Signal);
        await using var proxy = new FaultProxy(server.Port);
        var logs = new LogCollector();
        var client = await ConnectAsync(proxy.Port, "disposed", TestBridge.Timeout, logs);
        var drops = new DropLog(client);
        await CutAsync(proxy, client);
        Emit(client, 3);

        var failedBefore = logs.Texts("ReconnectFailed").Count();
        var disposing = client.DisposeAsync().AsTask();
        await TestBridge.WaitUntilAsync(
            () => logs.Texts("ReconnectFailed").Count() > failedBefore, "the client retries while it is disposed");
        Assert.False(disposing.IsCompleted, "DisposeAsync returned before the server came back.");
        proxy.ResetNewConnections = false;
        await disposing.WaitAsync(TestBridge.Timeout);

        Assert.Empty(drops.Drops);
        Assert.Equal(0, client.DroppedEventCount);
        Assert.Equal(EventBridgeClientState.Closed, client.State);
        var events = await atServer.WaitForCountAsync(3);
        Assert.Equal([0, 1, 2], events.Select(e => e.GetPayload(TestPayloads.Numbered).N));
    }

    [Fact]
    public async Task Dispose_ServerNeverReturns_ReportsOutboxAfterRetrying()
    {
        await using var server = await TestBridge.StartServerAsync();
        await using var proxy = new FaultProxy(server.Port);
        var logs = new LogCollector();
        var client = await ConnectAsync(proxy.Port, "abandoned", TimeSpan.FromSeconds(1), logs);
        var drops = new DropLog(client);
        await CutAsync(proxy, client);
        Emit(client, 2);

        var failedBefore = logs.Texts("ReconnectFailed").Count();
        await client.DisposeAsync().AsTask().WaitAsync(TestBridge.Timeout);

        Assert.True(
            logs.Texts("ReconnectFailed").Count() > failedBefore,
            "The client stopped reconnecting when DisposeAsync began, instead of retrying for CloseTimeout.");
        Assert.Equal(2, drops.Drops.Count);
        Assert.All(drops.Drops, drop => Assert.Equal(EventDropReason.ClientClosed, drop.Reason));
        Assert.Equal(2, client.DroppedEventCount);
        Assert.Equal(0, client.OutboxCount);
        Assert.Equal(EventBridgeClientState.Closed, client.State);
    }

    [Fact]
    public async Task Flush_Connected_ReturnsZeroOnceAcknowledged()
    {
        await using var server = await TestBridge.StartServerAsync();
        using var atServer = new EventRecorder(server.Bus, Signal);
        await using var client = await ConnectAsync(server.Port, "flushed", TestBridge.Timeout, logs: null);
        Emit(client, 100);

        var left = await client.FlushAsync(TestBridge.Timeout);

        // An acknowledged event has been emitted on the server's bus, which runs local consumers during the emit.
        Assert.Equal(0, left);
        Assert.Equal(0, client.OutboxCount);
        Assert.Equal(100, atServer.Count);
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task Flush_WhileReconnecting_ReturnsZeroOnceResent()
    {
        await using var server = await TestBridge.StartServerAsync();
        using var atServer = new EventRecorder(server.Bus, Signal);
        await using var proxy = new FaultProxy(server.Port);
        var logs = new LogCollector();
        await using var client = await ConnectAsync(proxy.Port, "flushed", TestBridge.Timeout, logs);
        await CutAsync(proxy, client);
        Emit(client, 3);

        var failedBefore = logs.Texts("ReconnectFailed").Count();
        var flushing = client.FlushAsync(TestBridge.Timeout);
        await TestBridge.WaitUntilAsync(
            () => logs.Texts("ReconnectFailed").Count() > failedBefore, "the client retries while it flushes");
        Assert.False(flushing.IsCompleted, "FlushAsync returned before the server came back.");
        proxy.ResetNewConnections = false;
        var left = await flushing.WaitAsync(TestBridge.Timeout);

        Assert.Equal(0, left);
        Assert.Equal([0, 1, 2], atServer.Events.Select(e => e.GetPayload(TestPayloads.Numbered).N));
        Assert.Equal(EventBridgeClientState.Connected, client.State);
    }

    [Fact]
    public async Task Flush_TimeoutPasses_KeepsEvents()
    {
        await using var server = await TestBridge.StartServerAsync();
        using var atServer = new EventRecorder(server.Bus, Signal);
        await using var proxy = new FaultProxy(server.Port);
        await using var client = await ConnectAsync(proxy.Port, "patient", TestBridge.Timeout, logs: null);
        await CutAsync(proxy, client);
        Emit(client, 2);

        var leftWhileAway = await client.FlushAsync(TimeSpan.FromMilliseconds(200)).WaitAsync(TestBridge.Timeout);
        proxy.ResetNewConnections = false;
        var leftAfterReturn = await client.FlushAsync(TestBridge.Timeout);

        Assert.Equal(2, leftWhileAway);
        Assert.Equal(0, leftAfterReturn);
        Assert.Equal(0, client.DroppedEventCount);
        Assert.Equal([0, 1], atServer.Events.Select(e => e.GetPayload(TestPayloads.Numbered).N));
    }

    [Fact]
    public async Task WaitForOutboxBelow_WaitsUntilServerReturns()
    {
        await using var server = await TestBridge.StartServerAsync();
        using var atServer = new EventRecorder(server.Bus, Signal);
        await using var proxy = new FaultProxy(server.Port);
        var logs = new LogCollector();
        await using var client = await ConnectAsync(proxy.Port, "paced", TestBridge.Timeout, logs);
        await CutAsync(proxy, client);
        Emit(client, 5);

        var atOnce = await client.WaitForOutboxBelowAsync(6, TestBridge.Timeout).WaitAsync(TestBridge.Timeout);
        var timedOut = await client.WaitForOutboxBelowAsync(3, TimeSpan.FromMilliseconds(200)).WaitAsync(TestBridge.Timeout);
        var waiting = client.WaitForOutboxBelowAsync(3, TestBridge.Timeout);
        var failedBefore = logs.Texts("ReconnectFailed").Count();
        await TestBridge.WaitUntilAsync(
            () => logs.Texts("ReconnectFailed").Count() > failedBefore, "the client retries while the publisher waits");
        Assert.False(waiting.IsCompleted, "WaitForOutboxBelowAsync returned before the server came back.");
        proxy.ResetNewConnections = false;
        var left = await waiting.WaitAsync(TestBridge.Timeout);

        Assert.Equal(5, atOnce);
        Assert.Equal(5, timedOut);
        Assert.True(left < 3, $"{left} events were left.");
        await atServer.WaitForCountAsync(5);
    }

    [Fact]
    public async Task WaitForOutboxBelow_InvalidArguments_Throw()
    {
        await using var client = new EventBridgeClient(new EventBus(), new EventBridgeClientOptions { Port = 1 });

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.WaitForOutboxBelowAsync(0, TimeSpan.Zero));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.WaitForOutboxBelowAsync(1, TimeSpan.FromSeconds(-2)));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.WaitForOutboxBelowAsync(10_001, TimeSpan.Zero));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.WaitForOutboxBelowAsync(1, TimeSpan.Zero, new CancellationToken(canceled: true)));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.FlushAsync(TimeSpan.Zero, new CancellationToken(canceled: true)));
        Assert.Equal(0, await client.WaitForOutboxBelowAsync(10_000, Timeout.InfiniteTimeSpan));
        Assert.Equal(0, await client.WaitForOutboxBelowAsync(1, TimeSpan.MaxValue));
    }

    [Fact]
    public async Task WaitForOutboxBelow_Disposed_ReturnsLeft()
    {
        await using var server = await TestBridge.StartServerAsync();
        await using var proxy = new FaultProxy(server.Port);
        var client = await ConnectAsync(proxy.Port, "closing", TimeSpan.FromMilliseconds(200), logs: null);
        await CutAsync(proxy, client);
        Emit(client, 3);

        var waiting = client.WaitForOutboxBelowAsync(1, Timeout.InfiniteTimeSpan);
        var flushing = client.FlushAsync(Timeout.InfiniteTimeSpan);
        await client.DisposeAsync();

        // Closing empties the outbox and reports the events as dropped, so 0 here would read as if the server took them.
        Assert.Equal(3, await waiting.WaitAsync(TestBridge.Timeout));
        Assert.Equal(3, await flushing.WaitAsync(TestBridge.Timeout));
        Assert.Equal(3, client.DroppedEventCount);
    }

    [Fact]
    public async Task Flush_ReconnectOff_ReturnsAtOnce()
    {
        await using var server = await TestBridge.StartServerAsync();
        await using var proxy = new FaultProxy(server.Port);
        await using var client = new EventBridgeClient(new EventBus(), new EventBridgeClientOptions
        {
            Port = proxy.Port,
            Name = "one-shot",
            Reconnect = false,
        });
        await client.ConnectAsync();
        proxy.Reset();
        await TestBridge.WaitUntilAsync(
            () => client.State == EventBridgeClientState.Disconnected, "the client notices the reset");
        Emit(client, 2);

        // An infinite flush that did not see that no connection will come would hang until the test's bound.
        var left = await client.FlushAsync(Timeout.InfiniteTimeSpan).WaitAsync(TestBridge.Timeout);

        Assert.Equal(2, left);
        Assert.Equal(2, client.OutboxCount);
    }

    [Fact]
    public async Task Flush_NeverConnected_ReturnsAtOnce()
    {
        await using var client = new EventBridgeClient(
            new EventBus(), new EventBridgeClientOptions { Port = TestBridge.FreePort(), Name = "idle" });

        var left = await client.FlushAsync(Timeout.InfiniteTimeSpan).WaitAsync(TestBridge.Timeout);

        Assert.Equal(0, left);
    }

    [Fact]
    public async Task Flush_NegativeTimeout_Throws()
    {
        await using var client = new EventBridgeClient(
            new EventBus(), new EventBridgeClientOptions { Port = TestBridge.FreePort(), Name = "idle" });

        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.FlushAsync(TimeSpan.FromSeconds(-2)));

        Assert.Equal("timeout", error.ParamName);
    }

    [Fact]
    public void Options_NegativeCloseTimeout_Rejected()
    {
        var options = new EventBridgeClientOptions { CloseTimeout = TimeSpan.FromSeconds(-1) };

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new EventBridgeClient(new EventBus(), options));

        Assert.Contains("CloseTimeout", error.Message, StringComparison.Ordinal);
    }

    internal static async Task<EventBridgeClient> ConnectAsync(int port, string name, TimeSpan closeTimeout, LogCollector? logs)
    {
        TestPayloads.Register();
        var client = new EventBridgeClient(new EventBus(), new EventBridgeClientOptions
        {
            Port = port,
            Name = name,
            CloseTimeout = closeTimeout,
            LoggerFactory = logs,

            // Frequent attempts, so that each wait in these tests spans several of them.
            ReconnectDelay = TimeSpan.FromMilliseconds(20),
            MaxReconnectDelay = TimeSpan.FromMilliseconds(100),
        });
        await client.ConnectAsync();
        return client;
    }

    /// <summary>Cuts the client's connection and makes the proxy reset its reconnection attempts.</summary>
    internal static async Task CutAsync(FaultProxy proxy, EventBridgeClient client)
    {
        proxy.ResetNewConnections = true;
        proxy.Reset();
        await TestBridge.WaitUntilAsync(
            () => client.State == EventBridgeClientState.Reconnecting, "the client notices the reset");
    }

    internal static void Emit(EventBridgeClient client, int count)
    {
        for (var n = 0; n < count; n++)
        {
            client.Bus.Emit(Signal, new Numbered(client.Name, n));
        }
    }
}
