using EventBridge.Tests.Bridge;
using EventBridge.Tests.Hardening;
using TestBridge = EventBridge.Tests.Bridge.Bridge;

namespace EventBridge.Tests.Faults;

/// <summary>Connections that end abruptly: a TCP reset instead of a close, and a server that closes mid-handler.</summary>
public sealed class ConnectionFaultTests
{
    private const int EventsToPublish = 2_000;

    [Fact]
    public async Task SocketReset_ServerDropsSessionClientReconnects()
    {
        var logs = new LogCollector();
        await using var server = await TestBridge.StartServerAsync(new EventBridgeServerOptions { LoggerFactory = logs });
        await using var proxy = new FaultProxy(server.Port);
        await using var observer = await TestBridge.ConnectAsync(server, "observer");
        using var chatAtObserver = new EventRecorder(observer.Bus, "chat");
        using var ledger = new DeliveryLedger(observer.Bus, NumberedPublisher.Signal, "observer");
        await using var publisher = new NumberedPublisher(await ConnectAsync(proxy.Port, "cut"));
        using var chatAtCut = new EventRecorder(publisher.Client.Bus, "chat");
        var states = new StateCounter(publisher.Client);
        await TestBridge.WaitForClientsAsync(server, 2);
        observer.Bus.Emit("chat", new ChatLine("observer", "before"));
        await chatAtCut.WaitForCountAsync(1);

        // The reset lands while the client is writing events. The paused proxy keeps the client from reconnecting
        // until the test has seen both ends notice the loss.
        var publishing = publisher.PublishAsync(EventsToPublish);
        await TestBridge.WaitUntilAsync(() => ledger.Has("cut", EventsToPublish / 4), "the observer receives events");
        await proxy.PauseAsync();
        proxy.Reset();

        await TestBridge.WaitUntilAsync(() => server.ClientCount == 1, "the server removes the reset connection");
        await TestBridge.WaitUntilAsync(
            () => states.Entered(EventBridgeClientState.Reconnecting) == 1, "the client notices the reset");
        await TestBridge.WaitUntilAsync(
            () => logs.Texts("ClientDisconnected").Any(text => text.Contains("(cut)", StringComparison.Ordinal)),
            "the server logs the disconnect");

        // The client is away; the server keeps this event and replays it when the client resumes.
        observer.Bus.Emit("chat", new ChatLine("observer", "missed"));
        await TestBridge.WaitUntilAsync(() => observer.OutboxCount == 0, "the server acknowledges the missed event");

        proxy.Resume();
        await publishing.WaitAsync(TestBridge.Timeout);
        await TestBridge.WaitUntilAsync(
            () => states.Entered(EventBridgeClientState.Connected) == 1, "the client reconnects through the proxy");
        await TestBridge.WaitForClientsAsync(server, 2);
        await TestBridge.WaitUntilAsync(() => ledger.Has("cut", EventsToPublish - 1), "the observer has the last event");
        observer.Bus.Emit("chat", new ChatLine("observer", "after"));
        var chat = await chatAtCut.WaitForCountAsync(3);

        // The cut client resent the events that the server had not acknowledged. The server's id window dropped those
        // it had relayed already, so the observer got each event exactly once.
        Assert.Empty(ledger.Missing("cut", EventsToPublish));
        Assert.Empty(ledger.Duplicated("cut"));
        Assert.Equal(["before", "missed", "after"], chat.Select(e => e.GetPayload(TestPayloads.ChatLine).Text));
        Assert.Equal(0, publisher.Client.DroppedEventCount);
    }

    [Fact]
    public async Task ServerStop_DuringNestedEmit_NothingHangs()
    {
        var port = TestBridge.FreePort();
        var first = await TestBridge.StartServerAsync(port: port);
        using var atFirst = new EventRecorder(first.Bus, "reply");
        using var worker = new NestedEmitWorker(await ConnectAsync(port, "worker"));
        await TestBridge.WaitForClientsAsync(first, 1);

        first.Bus.Emit("request", new ChatLine("server", "work"));
        await worker.Entered.WaitAsync(TestBridge.Timeout);

        // The server closes the connection while the consumer is between its two nested emits.
        await first.StopAsync().WaitAsync(TestBridge.Timeout);
        worker.Release();
        await worker.Finished.WaitAsync(TestBridge.Timeout);
        await TestBridge.WaitUntilAsync(() => !worker.Client.IsConnected, "the worker notices the closed connection");

        // The reply emitted after the close waited in the outbox and reaches the restarted server.
        await using var second = new EventBridgeServer(new EventBridgeServerOptions { Host = "127.0.0.1", Port = port });
        using var atSecond = new EventRecorder(second.Bus, "reply");
        await second.StartAsync();
        await atSecond.WaitForAsync(
            events => events.Any(e => e.GetPayload(TestPayloads.Numbered).N == 1), "the reply emitted after the close");
        await TestBridge.WaitUntilAsync(() => worker.Client.OutboxCount == 0, "the restarted server acknowledges it");

        var replies = atFirst.Events.Concat(atSecond.Events).Select(e => e.GetPayload(TestPayloads.Numbered).N);
        Assert.Equal([0, 1], replies.Distinct().Order());
        await worker.Client.DisposeAsync().AsTask().WaitAsync(TestBridge.Timeout);
        Assert.Equal(EventBridgeClientState.Closed, worker.Client.State);
        Assert.Equal(0, worker.Client.DroppedEventCount);
        await first.DisposeAsync();
    }

    [Fact]
    public async Task Dispose_DuringNestedEmitAfterServerClose_Completes()
    {
        await using var server = await TestBridge.StartServerAsync();
        using var worker = new NestedEmitWorker(await ConnectAsync(server.Port, "worker"));
        await TestBridge.WaitForClientsAsync(server, 1);

        server.Bus.Emit("request", new ChatLine("server", "work"));
        await worker.Entered.WaitAsync(TestBridge.Timeout);
        await server.StopAsync().WaitAsync(TestBridge.Timeout);

        // Dispose starts while the consumer is still inside its handler, then the handler finishes.
        var disposing = worker.Client.DisposeAsync().AsTask();
        worker.Release();

        await disposing.WaitAsync(TestBridge.Timeout);
        await worker.Finished.WaitAsync(TestBridge.Timeout);
        Assert.Equal(EventBridgeClientState.Closed, worker.Client.State);
    }

    private static async Task<EventBridgeClient> ConnectAsync(int port, string name)
    {
        TestPayloads.Register();
        var client = new EventBridgeClient(new EventBus(), new EventBridgeClientOptions
        {
            Host = "127.0.0.1",
            Port = port,
            Name = name,
            ReconnectDelay = TimeSpan.FromMilliseconds(20),
            MaxReconnectDelay = TimeSpan.FromMilliseconds(200),
        });
        await client.ConnectAsync();
        return client;
    }

    /// <summary>
    /// A client whose consumer of <c>request</c> emits <c>reply</c> 0, blocks its thread until released, then emits
    /// <c>reply</c> 1: a handler caught in the middle of its nested emits.
    /// </summary>
    private sealed class NestedEmitWorker : IDisposable
    {
        private readonly ManualResetEventSlim _released = new();
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly IDisposable _subscription;

        public NestedEmitWorker(EventBridgeClient client)
        {
            Client = client;
            _subscription = client.Bus.AddConsumer(new ConsumerDescriptor("request", null, "worker:request", OnRequest));
        }

        public EventBridgeClient Client { get; }

        /// <summary>Completes when the handler has emitted its first reply and is blocked.</summary>
        public Task Entered => _entered.Task;

        /// <summary>Completes when the handler has emitted its second reply and returned.</summary>
        public Task Finished => _finished.Task;

        public void Release() => _released.Set();

        public void Dispose()
        {
            _released.Set();
            _subscription.Dispose();
            _released.Dispose();
        }

        private ValueTask OnRequest(EventContext context)
        {
            Client.Bus.Emit("reply", new Numbered("worker", 0));
            _entered.TrySetResult();

            // Blocks the thread, as a handler doing synchronous work does; the bound keeps a failing test from
            // blocking it forever.
            _released.Wait(TestBridge.Timeout);
            Client.Bus.Emit("reply", new Numbered("worker", 1));
            _finished.TrySetResult();
            return default;
        }
    }
}
