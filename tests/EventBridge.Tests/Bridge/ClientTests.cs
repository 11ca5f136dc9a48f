using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EventBridge.Tests.Bridge;

public sealed class ClientTests
{
    [Fact]
    public async Task ForwardFilter_SignalRejected()
    {
        await using var server = await Bridge.StartServerAsync();
        await using var alice = await Bridge.ConnectAsync(
            server, "alice", o => o with { ForwardFilter = ForwardFilters.Signals("public") });
        await using var bob = await Bridge.ConnectAsync(server, "bob");
        using var privates = new EventRecorder(bob.Bus, "private");
        using var publics = new EventRecorder(bob.Bus, "public");
        await Bridge.WaitForClientsAsync(server, 2);

        alice.Bus.Emit("private", new ChatLine("alice", "stays here"));
        alice.Bus.Emit("public", new ChatLine("alice", "goes out"));

        await publics.WaitForCountAsync(1);
        await Bridge.WaitForDeliveriesAsync(bob);
        Assert.Equal(0, privates.Count);
    }

    [Fact]
    public async Task ForwardFilter_NamespaceRejected()
    {
        await using var server = await Bridge.StartServerAsync();
        await using var alice = await Bridge.ConnectAsync(
            server, "alice", o => o with { ForwardFilter = ForwardFilters.Namespaces("shared") });
        await using var bob = await Bridge.ConnectAsync(server, "bob");
        using var local = new EventRecorder(bob.Bus, "chat", "local");
        using var plain = new EventRecorder(bob.Bus, "chat");
        using var shared = new EventRecorder(bob.Bus, "chat", "shared");
        await Bridge.WaitForClientsAsync(server, 2);

        alice.Bus.Emit("chat", "local", new ChatLine("alice", "local only"));
        alice.Bus.Emit("chat", new ChatLine("alice", "default namespace"));
        alice.Bus.Emit("chat", "shared", new ChatLine("alice", "shared"));

        await shared.WaitForCountAsync(1);
        await Bridge.WaitForDeliveriesAsync(bob);
        Assert.Equal(0, local.Count);
        Assert.Equal(0, plain.Count);
    }

    [Fact]
    public async Task ForwardFilter_PayloadRejected()
    {
        await using var server = await Bridge.StartServerAsync();
        await using var alice = await Bridge.ConnectAsync(
            server,
            "alice",
            o => o with { ForwardFilter = ForwardFilters.Payload<ChatLine>(line => !line.Text.Contains("secret")) });
        await using var bob = await Bridge.ConnectAsync(server, "bob");
        using var received = new EventRecorder(bob.Bus, "chat");
        await Bridge.WaitForClientsAsync(server, 2);

        alice.Bus.Emit("chat", new ChatLine("alice", "my secret"));
        alice.Bus.Emit("chat", new ChatLine("alice", "public words"));

        var events = await received.WaitForCountAsync(1);
        Assert.Equal("public words", Assert.Single(events).GetPayload(TestPayloads.ChatLine).Text);
    }

    [Fact]
    public async Task RemoteEvent_NotForwardedAgain()
    {
        await using var server = await Bridge.StartServerAsync();
        using var atServer = new EventRecorder(server.Bus, "chat");
        using var markersAtServer = new EventRecorder(server.Bus, "marker");
        await using var alice = await Bridge.ConnectAsync(server, "alice");
        await using var bob = await Bridge.ConnectAsync(server, "bob");
        using var atBob = new EventRecorder(bob.Bus, "chat");
        await Bridge.WaitForClientsAsync(server, 2);

        alice.Bus.Emit("chat", new ChatLine("alice", "once"));
        await atBob.WaitForCountAsync(1);
        bob.Bus.Emit("marker", new ChatLine("bob", "after receiving"));

        // Had bob forwarded the remote event, it would have reached the server before bob's marker.
        await markersAtServer.WaitForCountAsync(1);
        Assert.Equal("alice", Assert.Single(atServer.Events).Source!.Name);
    }

    [Fact]
    public async Task ReEmittingConsumers_DeliverExactCounts()
    {
        await using var server = await Bridge.StartServerAsync();
        using var atServer = new EventRecorder(server.Bus, "echo");
        using var markersAtServer = new EventRecorder(server.Bus, "marker");
        await using var alice = await Bridge.ConnectAsync(server, "alice");
        await using var bob = await Bridge.ConnectAsync(server, "bob");
        await using var carol = await Bridge.ConnectAsync(server, "carol");
        using var markersAtAlice = new EventRecorder(alice.Bus, "marker");
        using var atAlice = new EventRecorder(alice.Bus, "echo");

        // Bob and Carol re-emit every remote echo on the same signal, which without loop prevention would bounce
        // between them forever.
        static ValueTask Echo(EventContext context)
        {
            if (context.IsRemote)
            {
                context.Bus.Emit("echo", context.Message.GetPayload(TestPayloads.ChatLine));
            }

            return default;
        }

        using var atBob = new EventRecorder(bob.Bus, "echo", then: Echo);
        using var atCarol = new EventRecorder(carol.Bus, "echo", then: Echo);
        await Bridge.WaitForClientsAsync(server, 3);

        alice.Bus.Emit("echo", new ChatLine("alice", "ping"));
        await atBob.WaitForCountAsync(2);
        await atCarol.WaitForCountAsync(2);

        // Any reaction that was forwarded left bob or carol before their markers did, so once both markers have
        // reached alice and the server, every forwarded echo has too.
        bob.Bus.Emit("marker", new ChatLine("bob", "done"));
        carol.Bus.Emit("marker", new ChatLine("carol", "done"));
        await markersAtAlice.WaitForCountAsync(2);
        await markersAtServer.WaitForCountAsync(2);
        await Bridge.WaitForDeliveriesAsync(alice);
        await Bridge.WaitForDeliveriesAsync(bob);
        await Bridge.WaitForDeliveriesAsync(carol);

        Assert.Equal(1, atServer.Count);
        Assert.Equal(1, atAlice.Count);
        Assert.False(atAlice.Events[0].IsRemote);
        Assert.Equal(2, atBob.Count);
        Assert.Equal(1, atBob.Events.Count(e => e.IsRemote));
        Assert.Equal(2, atCarol.Count);
        Assert.Equal(1, atCarol.Events.Count(e => e.IsRemote));
    }

    [Fact]
    public async Task RepeatedId_DeliveredOnce()
    {
        // The server's own duplicate check is off, so the client's check is the one under test.
        await using var server = await Bridge.StartServerAsync(new EventBridgeServerOptions { DuplicateWindow = 0 });
        await using var bob = await Bridge.ConnectAsync(server, "bob");
        using var received = new EventRecorder(bob.Bus, "chat");
        using var markers = new EventRecorder(bob.Bus, "marker");
        await using var raw = await RawClient.ConnectAsync(server.Port, hello: "repeater");
        await Bridge.WaitForClientsAsync(server, 2);

        var frame = """{"signal":"chat","id":"same-id","kwargs":{"user":"r","text":"twice"}}""" + "\n";
        await raw.SendAsync(frame + frame);
        await raw.SendAsync("""{"signal":"marker","kwargs":{"user":"r","text":"end"}}""" + "\n");

        await markers.WaitForCountAsync(1);
        await Bridge.WaitForDeliveriesAsync(bob);
        Assert.Equal(1, received.Count);
    }

    [Fact]
    public async Task RepeatedId_RelayedOnceByServer()
    {
        await using var server = await Bridge.StartServerAsync();
        using var atServer = new EventRecorder(server.Bus, "chat");
        using var markers = new EventRecorder(server.Bus, "marker");
        await using var raw = await RawClient.ConnectAsync(server.Port, hello: "repeater");

        var frame = """{"signal":"chat","id":"same-id","kwargs":{"user":"r","text":"twice"}}""" + "\n";
        await raw.SendAsync(frame + frame);
        await raw.SendAsync("""{"signal":"marker","kwargs":{"user":"r","text":"end"}}""" + "\n");

        await markers.WaitForCountAsync(1);
        Assert.Equal(1, atServer.Count);
    }

    [Fact]
    public async Task Reconnect_DeliversOutboxExactlyOnce()
    {
        var port = Bridge.FreePort();
        var first = await Bridge.StartServerAsync(port: port);
        using var atFirst = new EventRecorder(first.Bus, "numbered");
        var states = new List<EventBridgeClientState>();
        await using var alice = await Bridge.ConnectAsync(server: first, "alice", Fast);
        alice.StateChanged += (_, change) =>
        {
            lock (states)
            {
                states.Add(change.Current);
            }
        };

        for (var n = 0; n < 100; n++)
        {
            alice.Bus.Emit("numbered", new Numbered("alice", n));
        }

        await atFirst.WaitForCountAsync(100);
        await Bridge.WaitUntilAsync(() => alice.OutboxCount == 0, "the first server acknowledged every event");

        await first.DisposeAsync();
        await Bridge.WaitUntilAsync(() => alice.State == EventBridgeClientState.Reconnecting, "alice noticed the loss");
        for (var n = 100; n < 200; n++)
        {
            alice.Bus.Emit("numbered", new Numbered("alice", n));
        }

        Assert.Equal(100, alice.OutboxCount);
        await using var second = new EventBridgeServer(new EventBridgeServerOptions { Host = "127.0.0.1", Port = port });
        using var atSecond = new EventRecorder(second.Bus, "numbered");
        await second.StartAsync();

        // These race the reconnection: some wait in the outbox, some go straight out, and all must arrive in order.
        for (var n = 200; n < 300; n++)
        {
            alice.Bus.Emit("numbered", new Numbered("alice", n));
        }

        var events = await atSecond.WaitForCountAsync(200);
        await Bridge.WaitUntilAsync(() => alice.OutboxCount == 0, "the second server acknowledged every event");
        Assert.Equal(Enumerable.Range(100, 200), events.Select(e => e.GetPayload(TestPayloads.Numbered).N));
        Assert.Equal(200, atSecond.Count);
        Assert.Equal(EventBridgeClientState.Connected, alice.State);
        Assert.Equal(0, alice.DroppedEventCount);
        lock (states)
        {
            Assert.Equal([EventBridgeClientState.Reconnecting, EventBridgeClientState.Connected], states.Take(2));
        }
    }

    [Fact]
    public async Task Reconnect_ReceiverGetsEventsAgain()
    {
        var port = Bridge.FreePort();
        var first = await Bridge.StartServerAsync(port: port);
        await using var alice = await Bridge.ConnectAsync(first, "alice", Fast);
        await using var bob = await Bridge.ConnectAsync(first, "bob", Fast);
        using var atBob = new EventRecorder(bob.Bus, "chat");

        await first.DisposeAsync();
        await using var second = await Bridge.StartServerAsync(port: port);
        await Bridge.WaitForClientsAsync(second, 2);
        alice.Bus.Emit("chat", new ChatLine("alice", "after the restart"));

        var message = (await atBob.WaitForCountAsync(1))[0];
        Assert.Equal("after the restart", message.GetPayload(TestPayloads.ChatLine).Text);
        Assert.Equal("alice", message.Source!.Name);
    }

    [Theory]
    [InlineData(OutboxOverflow.DropOldest, 15, 25)]
    [InlineData(OutboxOverflow.DropNewest, 0, 10)]
    public async Task Outbox_OverflowFollowsPolicy(OutboxOverflow policy, int firstKept, int endKept)
    {
        var port = Bridge.FreePort();
        var first = await Bridge.StartServerAsync(port: port);
        await using var alice = await Bridge.ConnectAsync(
            first, "alice", o => Fast(o) with { OutboxCapacity = 10, OutboxOverflow = policy });
        var dropped = new List<int>();
        alice.EventDropped += (_, drop) =>
        {
            Assert.Equal(EventDropReason.OutboxFull, drop.Reason);

            // Every event was emitted after the connection was lost, so none was ever written.
            Assert.False(drop.WasSent);
            lock (dropped)
            {
                dropped.Add(drop.Message.GetPayload(TestPayloads.Numbered).N);
            }
        };

        await first.DisposeAsync();
        await Bridge.WaitUntilAsync(() => alice.State == EventBridgeClientState.Reconnecting, "alice noticed the loss");
        for (var n = 0; n < 25; n++)
        {
            alice.Bus.Emit("numbered", new Numbered("alice", n));
        }

        Assert.Equal(10, alice.OutboxCount);
        Assert.Equal(15, alice.DroppedEventCount);
        var kept = Enumerable.Range(firstKept, endKept - firstKept).ToList();
        lock (dropped)
        {
            Assert.Equal(Enumerable.Range(0, 25).Except(kept), dropped.Order());
        }

        await using var second = new EventBridgeServer(new EventBridgeServerOptions { Host = "127.0.0.1", Port = port });
        using var atSecond = new EventRecorder(second.Bus, "numbered");
        await second.StartAsync();

        var events = await atSecond.WaitForCountAsync(10);
        Assert.Equal(kept, events.Select(e => e.GetPayload(TestPayloads.Numbered).N));
    }

    [Fact]
    public async Task Outbox_WrittenButUnacknowledged_ReportedAsSent()
    {
        // A scripted server that announces acks and never sends one, so every written event stays unacknowledged.
        TestPayloads.Register();
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var alice = new EventBridgeClient(new EventBus(), new EventBridgeClientOptions
        {
            Port = ((IPEndPoint)listener.LocalEndPoint!).Port,
            Name = "alice",
            OutboxCapacity = 3,
            CloseTimeout = TimeSpan.FromMilliseconds(200),
            PingInterval = TimeSpan.Zero,
        });
        var drops = new DropLog(alice);
        var connecting = alice.ConnectAsync();
        using var accepted = await listener.AcceptAsync();
        await using var stream = new NetworkStream(accepted);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        await reader.ReadLineAsync().WaitAsync(Bridge.Timeout);
        await stream.WriteAsync(Encoding.UTF8.GetBytes(
            """{"type":"welcome","name":"alice","address":"127.0.0.1:1","server":"scripted","protocol":1,"acks":true}""" + "\n"));
        await connecting.WaitAsync(Bridge.Timeout);

        for (var n = 0; n < 5; n++)
        {
            alice.Bus.Emit("numbered", new Numbered("alice", n));

            // Each frame is read before the next emit, so the outbox is full of written events when the fourth comes.
            var frame = await reader.ReadLineAsync().WaitAsync(Bridge.Timeout);
            Assert.Contains($"\"n\":{n}", frame, StringComparison.Ordinal);
        }

        await alice.DisposeAsync();

        var reported = drops.Drops.Select(drop => (drop.Message.GetPayload(TestPayloads.Numbered).N, drop.Reason, drop.WasSent));
        Assert.Equal(
            [
                (0, EventDropReason.OutboxFull, true),
                (1, EventDropReason.OutboxFull, true),
                (2, EventDropReason.ClientClosed, true),
                (3, EventDropReason.ClientClosed, true),
                (4, EventDropReason.ClientClosed, true),
            ],
            reported);
    }

    [Fact]
    public async Task Dispose_FlushesOutbox()
    {
        await using var server = await Bridge.StartServerAsync();
        using var atServer = new EventRecorder(server.Bus, "numbered");
        var alice = await Bridge.ConnectAsync(server, "alice", o => o with { CloseTimeout = Bridge.Timeout });

        for (var n = 0; n < 500; n++)
        {
            alice.Bus.Emit("numbered", new Numbered("alice", n));
        }

        await alice.DisposeAsync();

        Assert.Equal(EventBridgeClientState.Closed, alice.State);
        Assert.Equal(0, alice.DroppedEventCount);
        var events = await atServer.WaitForCountAsync(500);
        Assert.Equal(Enumerable.Range(0, 500), events.Select(e => e.GetPayload(TestPayloads.Numbered).N));
    }

    [Fact]
    public async Task ConnectAsync_FailsWithoutServer()
    {
        var client = new EventBridgeClient(
            new EventBus(),
            new EventBridgeClientOptions { Host = "127.0.0.1", Port = Bridge.FreePort(), Name = "lonely" });

        await Assert.ThrowsAsync<SocketException>(() => client.ConnectAsync());

        Assert.Equal(EventBridgeClientState.Disconnected, client.State);
        await client.DisposeAsync();
        Assert.Equal(EventBridgeClientState.Closed, client.State);
    }

    [Fact]
    public async Task LibrarySignals_NeverForwarded()
    {
        // One bus both hosts a server (which emits connect events on it) and forwards through a client elsewhere.
        await using var upstream = await Bridge.StartServerAsync();
        await using var receiver = await RawClient.ConnectAsync(upstream.Port, hello: "receiver");
        var shared = new EventBus();
        using var connects = new EventRecorder(shared, EventBridgeSignals.ClientConnected);
        await using var local = await Bridge.StartServerAsync(new EventBridgeServerOptions { Bus = shared });
        await using var forwarder = await Bridge.ConnectAsync(upstream, "forwarder", bus: shared);
        await using var visitor = await RawClient.ConnectAsync(local.Port, hello: "visitor");
        await connects.WaitForCountAsync(1);

        shared.Emit("marker", new ChatLine("forwarder", "done"));

        var frames = new List<string?>();
        while (true)
        {
            var frame = await receiver.ReadFrameAsync(f => RawClient.Type(f) == "event");
            var signal = frame.GetProperty("signal").GetString();
            if (signal == "marker")
            {
                break;
            }

            frames.Add(signal);
        }

        Assert.Empty(frames);
    }

    private static EventBridgeClientOptions Fast(EventBridgeClientOptions options) => options with
    {
        ReconnectDelay = TimeSpan.FromMilliseconds(20),
        MaxReconnectDelay = TimeSpan.FromMilliseconds(200),
    };
}
