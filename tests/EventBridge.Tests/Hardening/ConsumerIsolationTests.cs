using EventBridge.Tests.Bridge;
using EventBridge.Tests.Bus;
using TestBridge = EventBridge.Tests.Bridge.Bridge;

namespace EventBridge.Tests.Hardening;

/// <summary>
/// Consumers of received events run from bounded queues of their own, never on the connection's read loop. The
/// blocking consumer in these tests holds a thread-pool thread the way a consumer doing synchronous I/O does.
/// </summary>
public sealed class ConsumerIsolationTests
{
    [Fact]
    public async Task RemovedConsumer_QueueDropped()
    {
        await using var server = await TestBridge.StartServerAsync();
        await using var sender = await TestBridge.ConnectAsync(server, "sender");
        var bus = new EventBus();
        await using var receiver = await TestBridge.ConnectAsync(server, "receiver", bus: bus);
        using var subscribed = new EventRecorder(bus, "other");
        var removed = new EventRecorder(bus, "work");
        await TestBridge.WaitForClientsAsync(server, 2);

        // An idle queue stays for its consumer's next event.
        sender.Bus.Emit("work", new Numbered("sender", 0));
        sender.Bus.Emit("other", new Numbered("sender", 1));
        await subscribed.WaitForCountAsync(1);
        await removed.WaitForCountAsync(1);
        await TestBridge.WaitForDeliveriesAsync(receiver);
        Assert.Equal(2, receiver.ConsumerQueueCount);

        // Once its consumer is removed, the next received event drops its queue.
        removed.Dispose();
        sender.Bus.Emit("other", new Numbered("sender", 2));
        await subscribed.WaitForCountAsync(2);
        await TestBridge.WaitForDeliveriesAsync(receiver);
        Assert.Equal(1, receiver.ConsumerQueueCount);
    }

    [Fact]
    public async Task BlockedConsumer_OthersKeepReceiving()
    {
        await using var server = await TestBridge.StartServerAsync();
        await using var sender = await TestBridge.ConnectAsync(server, "sender");
        var bus = new EventBus();
        await using var receiver = await TestBridge.ConnectAsync(server, "receiver", bus: bus);
        using var blocked = new GatedConsumer(bus, "work");
        using var sameSignal = new EventRecorder(bus, "work");
        using var otherSignal = new EventRecorder(bus, "other");
        await TestBridge.WaitForClientsAsync(server, 2);

        sender.Bus.Emit("work", new Numbered("sender", 0));
        await blocked.WaitUntilBlockedAsync();
        for (var n = 1; n < 20; n++)
        {
            sender.Bus.Emit("work", new Numbered("sender", n));
            sender.Bus.Emit("other", new Numbered("sender", n));
        }

        var work = await sameSignal.WaitForCountAsync(20);
        var other = await otherSignal.WaitForCountAsync(19);
        Assert.Equal(Enumerable.Range(0, 20), Numbers(work));
        Assert.Equal(Enumerable.Range(1, 19), Numbers(other));
        Assert.True(blocked.IsBlocked);
        Assert.Equal([0], blocked.Numbers);

        // The blocked call and the 19 events queued behind it.
        await TestBridge.WaitUntilAsync(() => receiver.PendingDeliveryCount == 20, "20 deliveries are pending");

        blocked.Open();
        await TestBridge.WaitForDeliveriesAsync(receiver);
        Assert.Equal(Enumerable.Range(0, 20), blocked.Numbers);
        Assert.Equal(0, receiver.DroppedDeliveryCount);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task BlockedConsumer_PingsAndAcksGoOn()
    {
        // The server closes a client that pings and then sends nothing for 2 s. The receiver pings every 250 ms and
        // reconnects after two intervals without a frame from the server, so it would notice unread pongs at once.
        var serverOptions = new EventBridgeServerOptions
        {
            PingInterval = TimeSpan.FromMilliseconds(200),
            IdleTimeout = TimeSpan.FromSeconds(2),
        };
        await using var server = await TestBridge.StartServerAsync(serverOptions);
        using var atServer = new EventRecorder(server.Bus, "chat");
        await using var sender = await TestBridge.ConnectAsync(server, "sender");
        var bus = new EventBus();
        await using var receiver = await TestBridge.ConnectAsync(
            server, "receiver", o => o with { PingInterval = TimeSpan.FromMilliseconds(250) }, bus);
        var states = new List<EventBridgeClientState>();
        receiver.StateChanged += (_, change) =>
        {
            lock (states)
            {
                states.Add(change.Current);
            }
        };
        using var blocked = new GatedConsumer(bus, "work");
        using var other = new EventRecorder(bus, "other");
        await TestBridge.WaitForClientsAsync(server, 2);

        sender.Bus.Emit("work", new Numbered("sender", 0));
        await blocked.WaitUntilBlockedAsync();

        // Twenty rounds of at least 250 ms span more than two of the server's idle timeouts and many ping intervals.
        const int Rounds = 20;
        for (var round = 0; round < Rounds; round++)
        {
            receiver.Bus.Emit("chat", new ChatLine("receiver", "round " + round));
            sender.Bus.Emit("other", new Numbered("sender", round));
            await TestBridge.WaitUntilAsync(() => receiver.OutboxCount == 0, $"the server acknowledged round {round}");
            await other.WaitForCountAsync(round + 1);
            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }

        Assert.True(blocked.IsBlocked);
        Assert.Equal([0], blocked.Numbers);
        Assert.True(receiver.IsConnected);
        Assert.Equal(0, server.IdleDisconnects);
        lock (states)
        {
            Assert.Empty(states);
        }

        var chats = await atServer.WaitForCountAsync(Rounds);
        Assert.Equal(Rounds, chats.Count);
        Assert.Equal(Enumerable.Range(0, Rounds), Numbers(other.Events));
    }

    [Fact]
    public async Task BlockedConsumer_ClientReconnects()
    {
        var port = TestBridge.FreePort();
        var first = await TestBridge.StartServerAsync(port: port);
        var bus = new EventBus();
        await using var receiver = await TestBridge.ConnectAsync(first, "receiver", Fast, bus);
        await using var sender = await TestBridge.ConnectAsync(first, "sender", Fast);
        using var blocked = new GatedConsumer(bus, "work");
        using var other = new EventRecorder(bus, "other");
        await TestBridge.WaitForClientsAsync(first, 2);

        sender.Bus.Emit("work", new Numbered("sender", 0));
        await blocked.WaitUntilBlockedAsync();

        await first.DisposeAsync();
        await TestBridge.WaitUntilAsync(
            () => receiver.State == EventBridgeClientState.Reconnecting, "the receiver noticed the loss");
        await using var second = await TestBridge.StartServerAsync(port: port);
        await TestBridge.WaitUntilAsync(
            () => receiver.IsConnected && sender.IsConnected, "both clients reconnected");
        await TestBridge.WaitForClientsAsync(second, 2);

        sender.Bus.Emit("other", new Numbered("sender", 1));
        var events = await other.WaitForCountAsync(1);
        Assert.Equal([1], Numbers(events));
        Assert.True(blocked.IsBlocked);
        Assert.Equal([0], blocked.Numbers);
    }

    [Theory]
    [InlineData(ConsumerQueueOverflow.DropNewest, 6, 1)]
    [InlineData(ConsumerQueueOverflow.DropOldest, 1, 16)]
    public async Task FullQueue_FollowsPolicyAndReports(ConsumerQueueOverflow policy, int firstDropped, int firstKept)
    {
        const int Capacity = 5;
        var logs = new LogCollector();
        await using var server = await TestBridge.StartServerAsync();
        await using var sender = await TestBridge.ConnectAsync(server, "sender");
        var bus = new EventBus();
        await using var receiver = await TestBridge.ConnectAsync(
            server,
            "receiver",
            o => o with { ConsumerQueueCapacity = Capacity, ConsumerQueueOverflow = policy, LoggerFactory = logs },
            bus);
        var drops = new DropLog(receiver);
        var arrived = 0;
        using var arrivals = bus.Watch(message => Interlocked.Increment(ref arrived));
        using var blocked = new GatedConsumer(bus, "numbered", "slow reader");
        await TestBridge.WaitForClientsAsync(server, 2);

        // Event 0 blocks the consumer, so events 1 to 20 meet a queue with room for five.
        sender.Bus.Emit("numbered", new Numbered("sender", 0));
        await blocked.WaitUntilBlockedAsync();
        for (var n = 1; n <= 20; n++)
        {
            sender.Bus.Emit("numbered", new Numbered("sender", n));
        }

        await TestBridge.WaitUntilAsync(() => receiver.DroppedDeliveryCount == 15, "15 drops are reported");
        Assert.Equal(21, Volatile.Read(ref arrived));
        Assert.Equal(1 + Capacity, receiver.PendingDeliveryCount);
        Assert.Equal(0, receiver.DroppedEventCount);
        Assert.Equal(Enumerable.Range(firstDropped, 15), drops.Numbers);
        Assert.All(drops.Drops, drop => Assert.Equal(EventDropReason.ConsumerQueueFull, drop.Reason));
        Assert.All(drops.Drops, drop => Assert.Equal("slow reader", drop.Consumer));

        // The first ten drops are logged one by one, later ones only every thousandth.
        var warnings = logs.Texts("EventNotDelivered").ToList();
        Assert.Equal(10, warnings.Count);
        Assert.All(warnings, text => Assert.Contains("signal numbered", text, StringComparison.Ordinal));
        Assert.All(warnings, text => Assert.Contains("consumer slow reader", text, StringComparison.Ordinal));

        blocked.Open();
        await TestBridge.WaitForDeliveriesAsync(receiver);
        Assert.Equal([0, .. Enumerable.Range(firstKept, Capacity)], blocked.Numbers);
        Assert.Equal(15, receiver.DroppedDeliveryCount);
    }

    [Theory]
    [InlineData(7_000, 3)]
    [InlineData(100, 1)]
    public async Task FullQueue_ByteLimitDropsNewest(long maxBytes, int kept)
    {
        await using var server = await TestBridge.StartServerAsync();
        await using var sender = await TestBridge.ConnectAsync(server, "sender");
        var bus = new EventBus();
        await using var receiver = await TestBridge.ConnectAsync(
            server, "receiver", o => o with { ConsumerQueueMaxBytes = maxBytes }, bus);
        var drops = new DropLog(receiver);
        using var blocked = new GatedConsumer(bus, "numbered");
        await TestBridge.WaitForClientsAsync(server, 2);

        // Each frame is about 2,200 bytes: 7,000 bytes hold three of them, and 100 bytes none, but an empty queue
        // takes one event of any size.
        var padding = new string('p', 2_000);
        sender.Bus.Emit("numbered", new Numbered(padding, 0));
        await blocked.WaitUntilBlockedAsync();
        for (var n = 1; n <= 10; n++)
        {
            sender.Bus.Emit("numbered", new Numbered(padding, n));
        }

        await TestBridge.WaitUntilAsync(() => receiver.DroppedDeliveryCount == 10 - kept, $"{10 - kept} drops are reported");
        Assert.Equal(Enumerable.Range(kept + 1, 10 - kept), drops.Numbers);

        blocked.Open();
        await TestBridge.WaitForDeliveriesAsync(receiver);
        Assert.Equal(Enumerable.Range(0, kept + 1), blocked.Numbers);
    }

    [Fact]
    public async Task FullQueue_LargeEventDropsSeveralOldest()
    {
        await using var server = await TestBridge.StartServerAsync();
        await using var sender = await TestBridge.ConnectAsync(server, "sender");
        var bus = new EventBus();
        await using var receiver = await TestBridge.ConnectAsync(
            server,
            "receiver",
            o => o with { ConsumerQueueMaxBytes = 12_000, ConsumerQueueOverflow = ConsumerQueueOverflow.DropOldest },
            bus);
        var drops = new DropLog(receiver);
        using var blocked = new GatedConsumer(bus, "numbered");
        await TestBridge.WaitForClientsAsync(server, 2);

        // Events 1 to 3 take about 1,000 bytes each plus the envelope, and event 4 about 10,000. To fit event 4 into
        // 12,000 bytes, the queue drops events 1 and 2 and keeps event 3.
        var small = new string('s', 1_000);
        sender.Bus.Emit("numbered", new Numbered(small, 0));
        await blocked.WaitUntilBlockedAsync();
        for (var n = 1; n <= 3; n++)
        {
            sender.Bus.Emit("numbered", new Numbered(small, n));
        }

        sender.Bus.Emit("numbered", new Numbered(new string('l', 10_000), 4));

        await TestBridge.WaitUntilAsync(() => receiver.DroppedDeliveryCount == 2, "2 drops are reported");
        Assert.Equal([1, 2], drops.Numbers);

        blocked.Open();
        await TestBridge.WaitForDeliveriesAsync(receiver);
        Assert.Equal([0, 3, 4], blocked.Numbers);
    }

    [Theory]
    [InlineData(0, 1L, ConsumerQueueOverflow.DropNewest, "ConsumerQueueCapacity")]
    [InlineData(1, 0L, ConsumerQueueOverflow.DropNewest, "ConsumerQueueMaxBytes")]
    [InlineData(1, 1L, (ConsumerQueueOverflow)7, "ConsumerQueueOverflow")]
    public void Options_InvalidQueueRejected(int capacity, long maxBytes, ConsumerQueueOverflow overflow, string option)
    {
        var options = new EventBridgeClientOptions
        {
            ConsumerQueueCapacity = capacity,
            ConsumerQueueMaxBytes = maxBytes,
            ConsumerQueueOverflow = overflow,
        };

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new EventBridgeClient(new EventBus(), options));

        Assert.Contains(option, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Order_KeptPerSenderPerConsumer()
    {
        const int PerSender = 300;
        await using var server = await TestBridge.StartServerAsync();
        await using var left = await TestBridge.ConnectAsync(server, "left");
        await using var right = await TestBridge.ConnectAsync(server, "right");
        var bus = new EventBus();
        await using var receiver = await TestBridge.ConnectAsync(server, "receiver", bus: bus);
        using var syncRecorder = new EventRecorder(bus, "numbered");

        // This consumer finishes every event after an await, so its worker waits for each task before the next event.
        var running = 0;
        var overlapped = 0;
        using var asyncRecorder = new EventRecorder(bus, "numbered", then: async context =>
        {
            if (Interlocked.Increment(ref running) > 1)
            {
                Interlocked.Increment(ref overlapped);
            }

            await Task.Yield();
            Interlocked.Decrement(ref running);
        });
        await TestBridge.WaitForClientsAsync(server, 3);

        await Task.WhenAll(new[] { left, right }.Select(client => Task.Run(() =>
        {
            for (var n = 0; n < PerSender; n++)
            {
                client.Bus.Emit("numbered", new Numbered(client.Name, n));
            }
        })));

        foreach (var recorder in new[] { syncRecorder, asyncRecorder })
        {
            var events = await recorder.WaitForCountAsync(2 * PerSender);
            var bySender = events.Select(e => e.GetPayload(TestPayloads.Numbered))
                .GroupBy(payload => payload.Sender)
                .ToDictionary(group => group.Key, group => group.Select(payload => payload.N).ToList());
            Assert.Equal(["left", "right"], bySender.Keys.Order());
            Assert.Equal(Enumerable.Range(0, PerSender), bySender["left"]);
            Assert.Equal(Enumerable.Range(0, PerSender), bySender["right"]);
        }

        await TestBridge.WaitForDeliveriesAsync(receiver);
        Assert.Equal(0, Volatile.Read(ref overlapped));
        Assert.Equal(0, receiver.DroppedDeliveryCount);
    }

    [Fact]
    public async Task QueuedAsyncConsumer_ReactionNotForwarded()
    {
        await using var server = await TestBridge.StartServerAsync();
        await using var alice = await TestBridge.ConnectAsync(server, "alice");
        var bobBus = new EventBus();
        await using var bob = await TestBridge.ConnectAsync(server, "bob", bus: bobBus);
        using var echoes = new EventRecorder(alice.Bus, "echo");
        using var replies = new EventRecorder(alice.Bus, "reply");

        // After an await, bob re-emits the echo, which stays local, and emits a reply, which is forwarded.
        using var reactor = bobBus.AddConsumer(Consumers.Async("echo", async context =>
        {
            if (!context.IsRemote)
            {
                return;
            }

            await Task.Yield();
            var line = context.Message.GetPayload(TestPayloads.ChatLine);
            context.Bus.Emit("echo", line);
            context.Bus.Emit("reply", line with { User = "bob" });
        }));
        await TestBridge.WaitForClientsAsync(server, 2);

        alice.Bus.Emit("echo", new ChatLine("alice", "ping"));

        // A forwarded echo would have left bob before the reply did.
        var reply = await replies.WaitForCountAsync(1);
        await TestBridge.WaitForDeliveriesAsync(alice);
        Assert.Equal("bob", Assert.Single(reply).GetPayload(TestPayloads.ChatLine).User);
        Assert.False(Assert.Single(echoes.Events).IsRemote);
    }

    [Fact]
    public async Task FailingConsumers_ReportedAndNextDelivered()
    {
        await using var server = await TestBridge.StartServerAsync();
        await using var sender = await TestBridge.ConnectAsync(server, "sender");
        var bus = new EventBus();
        var failures = new FailureLog(bus);
        await using var receiver = await TestBridge.ConnectAsync(server, "receiver", bus: bus);
        var syncSeen = new List<int>();
        var asyncSeen = new List<int>();
        using var throwing = bus.AddConsumer(Consumers.Sync("numbered", context =>
        {
            var n = Number(context.Message);
            if (n == 0)
            {
                throw new InvalidOperationException("sync failure");
            }

            lock (syncSeen)
            {
                syncSeen.Add(n);
            }
        }, "throwing"));
        using var faulting = bus.AddConsumer(Consumers.Async("numbered", async context =>
        {
            await Task.Yield();
            var n = Number(context.Message);
            if (n == 1)
            {
                throw new InvalidOperationException("async failure");
            }

            lock (asyncSeen)
            {
                asyncSeen.Add(n);
            }
        }, "faulting"));
        await TestBridge.WaitForClientsAsync(server, 2);

        for (var n = 0; n < 5; n++)
        {
            sender.Bus.Emit("numbered", new Numbered("sender", n));
        }

        var reports = await failures.WaitForAsync(2);
        await TestBridge.WaitForDeliveriesAsync(receiver);
        Assert.Equal(["faulting", "throwing"], reports.Select(report => report.ConsumerName).Order());
        lock (syncSeen)
        {
            Assert.Equal([1, 2, 3, 4], syncSeen);
        }

        lock (asyncSeen)
        {
            Assert.Equal([0, 2, 3, 4], asyncSeen);
        }
    }

    [Fact]
    public async Task RemovedConsumer_QueuedEventsSkipped()
    {
        await using var server = await TestBridge.StartServerAsync();
        await using var sender = await TestBridge.ConnectAsync(server, "sender");
        var bus = new EventBus();
        await using var receiver = await TestBridge.ConnectAsync(server, "receiver", bus: bus);
        using var blocked = new GatedConsumer(bus, "numbered");
        await TestBridge.WaitForClientsAsync(server, 2);

        sender.Bus.Emit("numbered", new Numbered("sender", 0));
        await blocked.WaitUntilBlockedAsync();
        for (var n = 1; n <= 5; n++)
        {
            sender.Bus.Emit("numbered", new Numbered("sender", n));
        }

        await TestBridge.WaitUntilAsync(() => receiver.PendingDeliveryCount == 6, "six deliveries are pending");
        blocked.Unsubscribe();
        blocked.Open();

        // As in a local emit, a consumer removed before its turn is skipped, and skipping is not a drop.
        await TestBridge.WaitForDeliveriesAsync(receiver);
        Assert.Equal([0], blocked.Numbers);
        Assert.Equal(0, receiver.DroppedDeliveryCount);
    }

    [Fact]
    public async Task Dispose_DeliversQueuedEvents()
    {
        await using var server = await TestBridge.StartServerAsync();
        await using var sender = await TestBridge.ConnectAsync(server, "sender");
        var bus = new EventBus();
        var receiver = await TestBridge.ConnectAsync(
            server, "receiver", o => o with { CloseTimeout = TestBridge.Timeout }, bus);
        using var blocked = new GatedConsumer(bus, "numbered");
        await TestBridge.WaitForClientsAsync(server, 2);

        sender.Bus.Emit("numbered", new Numbered("sender", 0));
        await blocked.WaitUntilBlockedAsync();
        for (var n = 1; n < 10; n++)
        {
            sender.Bus.Emit("numbered", new Numbered("sender", n));
        }

        await TestBridge.WaitUntilAsync(() => receiver.PendingDeliveryCount == 10, "ten deliveries are pending");
        var disposing = receiver.DisposeAsync().AsTask();
        await Task.Delay(TimeSpan.FromMilliseconds(200));
        Assert.False(disposing.IsCompleted);

        blocked.Open();
        await disposing.WaitAsync(TestBridge.Timeout);
        Assert.Equal(EventBridgeClientState.Closed, receiver.State);
        Assert.Equal(Enumerable.Range(0, 10), blocked.Numbers);
        Assert.Equal(0, receiver.DroppedDeliveryCount);
        Assert.Equal(0, receiver.PendingDeliveryCount);
    }

    [Fact]
    public async Task Dispose_ReportsEventsLeftAfterCloseTimeout()
    {
        var logs = new LogCollector();
        await using var server = await TestBridge.StartServerAsync();
        await using var sender = await TestBridge.ConnectAsync(server, "sender");
        var bus = new EventBus();
        var failures = new FailureLog(bus);
        var receiver = await TestBridge.ConnectAsync(
            server,
            "receiver",
            o => o with { CloseTimeout = TimeSpan.FromMilliseconds(200), LoggerFactory = logs },
            bus);
        var drops = new DropLog(receiver);
        using var blocked = new GatedConsumer(bus, "numbered", "stuck");
        await TestBridge.WaitForClientsAsync(server, 2);

        sender.Bus.Emit("numbered", new Numbered("sender", 0));
        await blocked.WaitUntilBlockedAsync();
        for (var n = 1; n <= 5; n++)
        {
            sender.Bus.Emit("numbered", new Numbered("sender", n));
        }

        await TestBridge.WaitUntilAsync(() => receiver.PendingDeliveryCount == 6, "six deliveries are pending");
        await receiver.DisposeAsync();

        Assert.Equal(5, receiver.DroppedDeliveryCount);
        Assert.Equal(Enumerable.Range(1, 5), drops.Numbers);
        Assert.All(drops.Drops, drop => Assert.Equal(EventDropReason.ClientClosed, drop.Reason));
        Assert.All(drops.Drops, drop => Assert.Equal("stuck", drop.Consumer));

        Assert.Single(logs.Texts("DeliveriesAbandoned"));

        // The running call's token is canceled, so it ends without a failure report, and nothing else is delivered.
        await blocked.Canceled.WaitAsync(TestBridge.Timeout);
        await TestBridge.WaitForDeliveriesAsync(receiver);
        Assert.Equal([0], blocked.Numbers);
        Assert.Empty(failures.Failures);
    }

    private static EventBridgeClientOptions Fast(EventBridgeClientOptions options) => options with
    {
        ReconnectDelay = TimeSpan.FromMilliseconds(20),
        MaxReconnectDelay = TimeSpan.FromMilliseconds(200),
    };

    private static int Number(EventMessage message) => message.GetPayload(TestPayloads.Numbered).N;

    private static IEnumerable<int> Numbers(IEnumerable<EventMessage> events) => events.Select(Number);
}
