using System.Text;
using EventBridge.Tests.Bus;

namespace EventBridge.Tests.Bridge;

public sealed class RelayTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(10)]
    public async Task Relay_ReachesEveryClientButOrigin(int clientCount)
    {
        await using var server = await Bridge.StartServerAsync();
        var clients = new List<EventBridgeClient>();
        var recorders = new List<EventRecorder>();
        try
        {
            for (var i = 0; i < clientCount; i++)
            {
                var client = await Bridge.ConnectAsync(server, $"client-{i}");
                clients.Add(client);
                recorders.Add(new EventRecorder(client.Bus, "chat"));
            }

            await Bridge.WaitForClientsAsync(server, clientCount);
            for (var i = 0; i < clientCount; i++)
            {
                clients[i].Bus.Emit("chat", new ChatLine($"client-{i}", $"hello from {i}"));
            }

            for (var i = 0; i < clientCount; i++)
            {
                // Each client sees its own event locally once, and every other client's event once.
                var events = await recorders[i].WaitForCountAsync(clientCount);
                var remote = events.Where(e => e.IsRemote).ToList();
                var local = events.Where(e => !e.IsRemote).ToList();
                Assert.Single(local);
                Assert.Equal(clientCount - 1, remote.Count);
                Assert.DoesNotContain(remote, e => e.Source!.Name == $"client-{i}");
                Assert.Equal(clientCount - 1, remote.Select(e => e.Source!.Name).Distinct().Count());
            }
        }
        finally
        {
            foreach (var recorder in recorders)
            {
                recorder.Dispose();
            }

            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task RemoteEvent_CarriesSourceAndPayload()
    {
        await using var server = await Bridge.StartServerAsync();
        await using var alice = await Bridge.ConnectAsync(server, "alice");
        await using var bob = await Bridge.ConnectAsync(server, "bob");
        using var received = new EventRecorder(bob.Bus, "chat");

        alice.Bus.Emit("chat", new ChatLine("alice", "hi bob"));

        var message = (await received.WaitForCountAsync(1))[0];
        Assert.True(message.IsRemote);
        Assert.Equal("alice", message.Source!.Name);
        Assert.Equal(alice.Identity!.Address, message.Source.Address);
        Assert.StartsWith("127.0.0.1:", message.Source.Address, StringComparison.Ordinal);
        Assert.Equal(new ChatLine("alice", "hi bob"), message.GetPayload(TestPayloads.ChatLine));
        Assert.False(message.Id.IsEmpty);
    }

    [Fact]
    public async Task ServerEmit_ReachesEveryClient()
    {
        await using var server = await Bridge.StartServerAsync(new EventBridgeServerOptions { Name = "hub" });
        await using var alice = await Bridge.ConnectAsync(server, "alice");
        await using var bob = await Bridge.ConnectAsync(server, "bob");
        using var atAlice = new EventRecorder(alice.Bus, "notice");
        using var atBob = new EventRecorder(bob.Bus, "notice");
        await Bridge.WaitForClientsAsync(server, 2);

        server.Bus.Emit("notice", new ChatLine("hub", "maintenance at noon"));

        foreach (var recorder in new[] { atAlice, atBob })
        {
            var message = (await recorder.WaitForCountAsync(1))[0];
            Assert.True(message.IsRemote);
            Assert.Equal("hub", message.Source!.Name);
            Assert.Null(message.Source.Address);
            Assert.Equal("maintenance at noon", message.GetPayload(TestPayloads.ChatLine).Text);
        }
    }

    [Fact]
    public async Task ServerConsumer_SeesClientEvents()
    {
        await using var server = await Bridge.StartServerAsync();
        using var atServer = new EventRecorder(server.Bus, "chat");
        await using var alice = await Bridge.ConnectAsync(server, "alice");

        alice.Bus.Emit("chat", new ChatLine("alice", "to the server"));

        var message = (await atServer.WaitForCountAsync(1))[0];
        Assert.True(message.IsRemote);
        Assert.Equal("alice", message.Source!.Name);
        Assert.Equal("to the server", message.GetPayload(TestPayloads.ChatLine).Text);
    }

    [Fact]
    public async Task ServerMiddleware_AddedMidStream_SeesLaterEvents()
    {
        // The relay skips its checks for a signal it has just checked; a bus change must end that.
        await using var server = await Bridge.StartServerAsync();
        await using var alice = await Bridge.ConnectAsync(server, "alice");
        await using var bob = await Bridge.ConnectAsync(server, "bob");
        using var atBob = new EventRecorder(bob.Bus, "chat");
        await Bridge.WaitForClientsAsync(server, 2);

        alice.Bus.Emit("chat", new ChatLine("alice", "before"));
        await atBob.WaitForCountAsync(1);
        using var shout = server.Bus.Use(message =>
            message.Signal == "chat" ? message.WithPayload(message.GetPayload(TestPayloads.ChatLine) with { Text = "CHANGED" }) : message);
        using var atServer = new EventRecorder(server.Bus, "chat");
        alice.Bus.Emit("chat", new ChatLine("alice", "after"));

        var messages = await atBob.WaitForCountAsync(2);
        Assert.Equal("before", messages[0].GetPayload(TestPayloads.ChatLine).Text);
        Assert.Equal("CHANGED", messages[1].GetPayload(TestPayloads.ChatLine).Text);
        Assert.Single(await atServer.WaitForCountAsync(1));
    }

    [Fact]
    public async Task ServerMiddleware_TransformsRelayedEvent()
    {
        await using var server = await Bridge.StartServerAsync();
        using var shout = server.Bus.Use(message =>
        {
            if (message.Signal != "chat")
            {
                return message;
            }

            var line = message.GetPayload(TestPayloads.ChatLine);
            return message.WithPayload(line with { Text = line.Text.ToUpperInvariant() });
        });
        await using var alice = await Bridge.ConnectAsync(server, "alice");
        await using var bob = await Bridge.ConnectAsync(server, "bob");
        using var atBob = new EventRecorder(bob.Bus, "chat");
        await Bridge.WaitForClientsAsync(server, 2);

        alice.Bus.Emit("chat", new ChatLine("alice", "quiet words"));

        var message = (await atBob.WaitForCountAsync(1))[0];
        Assert.Equal("QUIET WORDS", message.GetPayload(TestPayloads.ChatLine).Text);
        Assert.Equal("alice", message.Source!.Name);
    }

    [Fact]
    public async Task ServerMiddleware_DropsEvent()
    {
        await using var server = await Bridge.StartServerAsync();
        using var censor = server.Bus.Use(message => message.Signal == "secret" ? null : message);
        await using var alice = await Bridge.ConnectAsync(server, "alice");
        await using var bob = await Bridge.ConnectAsync(server, "bob");
        using var secrets = new EventRecorder(bob.Bus, "secret");
        using var markers = new EventRecorder(bob.Bus, "marker");
        await Bridge.WaitForClientsAsync(server, 2);

        alice.Bus.Emit("secret", new ChatLine("alice", "password"));
        alice.Bus.Emit("marker", new ChatLine("alice", "after the secret"));

        // The server keeps each sender's order, so the marker arriving proves the secret was not relayed.
        await markers.WaitForCountAsync(1);
        await Bridge.WaitForDeliveriesAsync(bob);
        Assert.Equal(0, secrets.Count);
    }

    [Fact]
    public async Task Namespaces_ReachOnlyMatchingConsumers()
    {
        await using var server = await Bridge.StartServerAsync();
        await using var alice = await Bridge.ConnectAsync(server, "alice");
        await using var bob = await Bridge.ConnectAsync(server, "bob");
        using var lobby = new EventRecorder(bob.Bus, "chat", "lobby");
        using var kitchen = new EventRecorder(bob.Bus, "chat", "kitchen");
        using var plain = new EventRecorder(bob.Bus, "chat");
        await Bridge.WaitForClientsAsync(server, 2);

        alice.Bus.Emit("chat", "lobby", new ChatLine("alice", "in the lobby"));
        alice.Bus.Emit("chat", "kitchen", new ChatLine("alice", "in the kitchen"));
        alice.Bus.Emit("chat", new ChatLine("alice", "nowhere in particular"));

        await plain.WaitForCountAsync(1);
        await Bridge.WaitForDeliveriesAsync(bob);
        var inLobby = Assert.Single(lobby.Events);
        Assert.Equal("lobby", inLobby.Namespace);
        Assert.Equal("in the lobby", inLobby.GetPayload(TestPayloads.ChatLine).Text);
        var inKitchen = Assert.Single(kitchen.Events);
        Assert.Equal("in the kitchen", inKitchen.GetPayload(TestPayloads.ChatLine).Text);
        Assert.Null(Assert.Single(plain.Events).Namespace);
    }

    [Fact]
    public async Task ServerEvents_ReportConnectAndDisconnect()
    {
        await using var server = await Bridge.StartServerAsync();
        using var connected = new EventRecorder(server.Bus, EventBridgeSignals.ClientConnected);
        using var disconnected = new EventRecorder(server.Bus, EventBridgeSignals.ClientDisconnected);
        await using var watcher = await Bridge.ConnectAsync(server, "watcher");
        using var leaked = new EventRecorder(watcher.Bus, EventBridgeSignals.ClientConnected);
        using var markers = new EventRecorder(watcher.Bus, "marker");

        var alpha = await Bridge.ConnectAsync(server, "alpha");
        var address = alpha.Identity!.Address;
        await connected.WaitForAsync(events => events.Any(e => Origin(e).Name == "alpha"), "alpha's connect event");
        await alpha.DisposeAsync();

        var gone = (await disconnected.WaitForCountAsync(1))[0];
        Assert.Equal(new EventOrigin("alpha", address), Origin(gone));
        Assert.Equal(new EventOrigin("alpha", address), Origin(connected.Events.Single(e => Origin(e).Name == "alpha")));

        // Server-local events are never relayed: a marker emitted afterwards arrives, the connect event never did.
        server.Bus.Emit("marker", new ChatLine("server", "done"));
        await markers.WaitForCountAsync(1);
        await Bridge.WaitForDeliveriesAsync(watcher);
        Assert.Equal(0, leaked.Count);
    }

    [Fact]
    public async Task Clients_ListsAnnouncedClients()
    {
        await using var server = await Bridge.StartServerAsync();
        await using var alice = await Bridge.ConnectAsync(server, "alice");
        await using var bob = await Bridge.ConnectAsync(server, "bob");

        await Bridge.WaitForClientsAsync(server, 2);

        Assert.Equal(["alice", "bob"], server.Clients.Select(c => c.Name).Order());
    }

    [Fact]
    public async Task Order_KeptPerSenderAtEveryReceiver()
    {
        const int Senders = 4;
        const int PerSender = 1000;
        await using var server = await Bridge.StartServerAsync();
        var clients = new List<EventBridgeClient>();
        var recorders = new List<EventRecorder>();
        try
        {
            for (var i = 0; i < Senders; i++)
            {
                var client = await Bridge.ConnectAsync(server, $"sender-{i}");
                clients.Add(client);
                recorders.Add(new EventRecorder(client.Bus, "numbered"));
            }

            await Bridge.WaitForClientsAsync(server, Senders);
            await Task.WhenAll(clients.Select(client => Task.Run(() =>
            {
                for (var n = 0; n < PerSender; n++)
                {
                    client.Bus.Emit("numbered", new Numbered(client.Name, n));
                }
            })));

            for (var i = 0; i < Senders; i++)
            {
                var events = await recorders[i].WaitForAsync(
                    all => all.Count(e => e.IsRemote) >= (Senders - 1) * PerSender,
                    $"{(Senders - 1) * PerSender} remote events at sender-{i}");
                var bySender = events.Where(e => e.IsRemote)
                    .Select(e => e.GetPayload(TestPayloads.Numbered))
                    .GroupBy(p => p.Sender)
                    .ToDictionary(g => g.Key, g => g.Select(p => p.N).ToList());
                Assert.Equal(Senders - 1, bySender.Count);
                Assert.DoesNotContain($"sender-{i}", bySender.Keys);
                foreach (var (sender, numbers) in bySender)
                {
                    Assert.True(
                        numbers.SequenceEqual(Enumerable.Range(0, PerSender)),
                        $"sender-{i} received {sender}'s events out of order or incomplete.");
                }
            }
        }
        finally
        {
            foreach (var recorder in recorders)
            {
                recorder.Dispose();
            }

            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    private static EventOrigin Origin(EventMessage message)
    {
        Assert.True(message.TryGetPayload(out EventOrigin origin));
        return origin;
    }

    [Fact]
    public async Task SharedBuffers_PayloadsIntact()
    {
        // Frames from 100 bytes to 100 KiB cross every size class of the relay's buffer pool and the fallback for
        // larger frames. Three receivers share each buffer, and one of them reads only after the sender is done.
        await using var server = await Bridge.StartServerAsync();
        await using var sender = await RawClient.ConnectAsync(server.Port, hello: "sender");
        var receivers = new List<RawClient>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                receivers.Add(await RawClient.ConnectAsync(server.Port, hello: $"receiver-{i}"));
            }

            await Bridge.WaitForClientsAsync(server, 4);
            var sizes = new[] { 100, 300, 700, 1_500, 3_000, 6_000, 12_000, 25_000, 50_000, 100_000 };
            var expected = new List<string>();
            var frames = new StringBuilder();
            for (var round = 0; round < 20; round++)
            {
                foreach (var size in sizes)
                {
                    var text = new string((char)('a' + (expected.Count % 26)), size) + expected.Count;
                    expected.Add(text);
                    frames.Append($$"""{"signal":"blob","kwargs":{"text":"{{text}}"},"id":"{{expected.Count:x32}}"}""").Append('\n');
                }
            }

            await sender.SendAsync(frames.ToString());

            foreach (var receiver in receivers)
            {
                for (var i = 0; i < expected.Count; i++)
                {
                    var frame = await receiver.ReadFrameAsync(f => f.TryGetProperty("signal", out _));
                    Assert.Equal("sender", frame.GetProperty("source").GetProperty("name").GetString());
                    Assert.Equal(expected[i], frame.GetProperty("kwargs").GetProperty("text").GetString());
                }
            }
        }
        finally
        {
            foreach (var receiver in receivers)
            {
                await receiver.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ServerConsumer_FrameStillRelayed()
    {
        // A consumer on the server's bus makes the relay build a message for the event instead of forwarding the
        // pooled buffer. The receiver must get the same frame either way.
        await using var server = await Bridge.StartServerAsync();
        var seen = new List<string>();
        using var consumer = server.Bus.AddConsumer(Consumers.Sync("watched", context => seen.Add(context.Signal)));
        await using var sender = await RawClient.ConnectAsync(server.Port, hello: "sender");
        await using var receiver = await RawClient.ConnectAsync(server.Port, hello: "receiver");
        await Bridge.WaitForClientsAsync(server, 2);

        await sender.SendAsync(
            """{"signal":"watched","kwargs":{"n":1},"id":"00000000000000000000000000000011"}""" + "\n" +
            """{"signal":"plain","kwargs":{"n":2},"id":"00000000000000000000000000000012"}""" + "\n");

        var watched = await receiver.ReadFrameAsync(f => f.TryGetProperty("signal", out _));
        var plain = await receiver.ReadFrameAsync(f => f.TryGetProperty("signal", out _));
        Assert.Equal(1, watched.GetProperty("kwargs").GetProperty("n").GetInt32());
        Assert.Equal("00000000000000000000000000000011", watched.GetProperty("id").GetString());
        Assert.Equal("sender", watched.GetProperty("source").GetProperty("name").GetString());
        Assert.Equal(2, plain.GetProperty("kwargs").GetProperty("n").GetInt32());
        Assert.Equal("sender", plain.GetProperty("source").GetProperty("name").GetString());
        Assert.Equal(["watched"], seen);
    }
}
