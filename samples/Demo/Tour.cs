namespace EventBridge.Samples.Demo;

/// <summary>
/// The demo's steps. A server runs in this process with three clients, Alice, Bob and Carol, each on its own bus,
/// as three separate processes would be. Every step waits for the deliveries it shows and reports whether they came.
/// </summary>
public sealed class Tour : IAsyncDisposable
{
    private readonly Transcript _transcript = new();
    private EventBridgeServer _server = null!;
    private EventBridgeClient _alice = null!;
    private EventBridgeClient _bob = null!;
    private EventBridgeClient _carol = null!;
    private int _markers;

    public IReadOnlyList<(string Title, Func<Task<bool>> Run)> Steps =>
    [
        ("Consumers on a local bus", ConsumersAsync),
        ("Events across the bridge", BridgeAsync),
        ("Namespaces", NamespacesAsync),
        ("Server middleware: transform and drop", MiddlewareAsync),
        ("Forward filters", FiltersAsync),
        ("Loop prevention", LoopAsync),
        ("Reconnect after a server restart", ReconnectAsync),
    ];

    public async Task StartAsync()
    {
        Greeter.Transcript = _transcript;
        _server = await StartServerAsync(0);
        Console.WriteLine($"Server listening on {_server.LocalEndPoint}.");
        _alice = await ConnectAsync("Alice", options => options);

        // Carol keeps signals under "private." to herself.
        _carol = await ConnectAsync(
            "Carol",
            options => options with { ForwardFilter = message => !message.Signal.StartsWith("private.", StringComparison.Ordinal) });
        _bob = await ConnectAsync("Bob", options => options);
        _bob.Bus.Subscribe(new Echoer("Bob", _transcript));
        _carol.Bus.Subscribe(new Echoer("Carol", _transcript));
        Console.WriteLine("Alice, Bob and Carol are connected, each with a bus of their own.");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in new[] { _alice, _bob, _carol })
        {
            if (client is not null)
            {
                await client.DisposeAsync();
            }
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private async Task<bool> ConsumersAsync()
    {
        Say("A bus of its own runs a static consumer (AddGeneratedConsumers) and an instance consumer (Subscribe).");
        var bus = new EventBus();
        using var statics = bus.AddGeneratedConsumers();
        using var instance = bus.Subscribe(new Inbox("inbox", _transcript));
        bus.Emit("greeting", new ChatMessage("demo", "hello, static consumer"));
        bus.Emit("chat_message", new ChatMessage("demo", "hello, instance consumer"));
        return await _transcript.WaitForAsync(d => d.Owner == "greeter")
            && await _transcript.WaitForAsync(d => d.Owner == "inbox" && d.Signal == "chat_message");
    }

    private async Task<bool> BridgeAsync()
    {
        Say("Alice emits on her bus; Bob and Carol receive it, marked remote, with Alice as the source.");
        _alice.Bus.Emit("chat_message", new ChatMessage("Alice", "hi everyone"));
        return await _transcript.WaitForAsync(d => d.Owner == "Bob" && d.Text == "hi everyone" && d.Source == "Alice")
            && await _transcript.WaitForAsync(d => d.Owner == "Carol" && d.Text == "hi everyone");
    }

    private async Task<bool> NamespacesAsync()
    {
        Say("Alice emits in the 'lobby' and 'kitchen' namespaces; only consumers registered in 'lobby' exist.");
        _alice.Bus.Emit("chat_message", "kitchen", new ChatMessage("Alice", "anyone in the kitchen?"));
        _alice.Bus.Emit("chat_message", "lobby", new ChatMessage("Alice", "meet in the lobby"));
        await MarkAsync(_alice);
        return Count(d => d.Text == "anyone in the kitchen?") == 0
            && Count(d => d.Namespace == "lobby" && d.Owner is "Bob" or "Carol") == 2;
    }

    private async Task<bool> MiddlewareAsync()
    {
        Say("The server's middleware upper-cases 'shout' events and drops 'secret' ones before relaying.");
        using var middleware = _server.Bus.Use(message => message.Signal switch
        {
            "secret" => null,
            "shout" => message.WithPayload(Upper(message.GetPayload(Serialization.PayloadSerializers.Get<ChatMessage>()))),
            _ => message,
        });
        _alice.Bus.Emit("shout", new ChatMessage("Alice", "quiet please"));
        _alice.Bus.Emit("secret", new ChatMessage("Alice", "the password"));
        await MarkAsync(_alice);
        return Count(d => d.Owner == "Bob" && d.Text == "QUIET PLEASE") == 1
            && Count(d => d.IsRemote && d.Signal == "secret") == 0;
    }

    private async Task<bool> FiltersAsync()
    {
        Say("Carol's forward filter keeps signals under 'private.' inside her process.");
        _carol.Bus.Emit("private.diary", new ChatMessage("Carol", "dear diary"));
        _carol.Bus.Emit("public.news", new ChatMessage("Carol", "the demo works"));
        await _transcript.WaitForAsync(d => d.Owner == "Bob" && d.Signal == "public.news");
        await MarkAsync(_alice);
        return Count(d => d.IsRemote && d.Signal == "private.diary") == 0;
    }

    private async Task<bool> LoopAsync()
    {
        Say("Bob and Carol re-emit every remote 'echo'. Their reactions stay local, so one emit gives one round.");
        _alice.Bus.Emit("echo", new ChatMessage("Alice", "echo?"));
        await _transcript.WaitForAsync(d => d.Signal == "echo" && d.Owner is "Bob" or "Carol", 4);
        await MarkAsync(_bob);
        await MarkAsync(_carol);
        var total = Count(d => d.Signal == "echo");
        Say($"{total} echo deliveries in all: one remote and one local at Bob and at Carol.");
        return total == 4;
    }

    private async Task<bool> ReconnectAsync()
    {
        var port = _server.Port;
        Say("The server stops. Alice emits while disconnected; her events wait in her outbox.");
        await _server.DisposeAsync();
        await WaitAsync(() => _alice.State == EventBridgeClientState.Reconnecting);
        for (var i = 1; i <= 3; i++)
        {
            _alice.Bus.Emit("chat_message", new ChatMessage("Alice", $"sent while offline #{i}"));
        }

        Say($"Alice's outbox holds {_alice.OutboxCount} events. The server starts again on port {port}.");
        _server = await StartServerAsync(port);
        using var seen = _server.Bus.Subscribe(new Inbox("server", _transcript));
        var reconnected = await WaitAsync(() => _alice.IsConnected && _bob.IsConnected && _carol.IsConnected);
        Say(reconnected ? "Everyone reconnected by themselves." : "The clients did not reconnect in time.");
        return reconnected
            && await _transcript.WaitForAsync(d => d.Owner == "server" && d.Text.StartsWith("sent while offline", StringComparison.Ordinal), 3);
    }

    private static async Task<EventBridgeServer> StartServerAsync(int port)
    {
        var server = new EventBridgeServer(new EventBridgeServerOptions { Host = "127.0.0.1", Port = port, Name = "demo-server" });
        await server.StartAsync();
        return server;
    }

    private async Task<EventBridgeClient> ConnectAsync(string name, Func<EventBridgeClientOptions, EventBridgeClientOptions> configure)
    {
        var options = configure(new EventBridgeClientOptions { Host = "127.0.0.1", Port = _server.Port, Name = name });
        var client = new EventBridgeClient(new EventBus(), options);
        client.Bus.Subscribe(new Inbox(name, _transcript));
        client.StateChanged += (_, change) => Console.WriteLine($"    [{name} is {change.Current}]");
        await client.ConnectAsync();
        return client;
    }

    /// <summary>Sends a marker from <paramref name="client"/> and waits until the others have it. A server keeps each
    /// sender's order, so every event the client sent before has then arrived too.</summary>
    private async Task MarkAsync(EventBridgeClient client)
    {
        var text = $"marker {Interlocked.Increment(ref _markers)}";
        client.Bus.Emit("marker", new ChatMessage(client.Name, text));
        await _transcript.WaitForAsync(d => d.Text == text && d.IsRemote, 2);
    }

    private int Count(Func<Delivery, bool> match) => _transcript.Count(match);

    private static async Task<bool> WaitAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Transcript.Timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(10);
        }

        return true;
    }

    private static ChatMessage Upper(ChatMessage message) => message with { Text = message.Text.ToUpperInvariant() };

    private static void Say(string text) => Console.WriteLine("  " + text);
}
