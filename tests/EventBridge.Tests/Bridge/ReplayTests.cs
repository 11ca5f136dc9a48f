using System.Text.Json;
using EventBridge.Tests.Faults;
using EventBridge.Tests.Hardening;
using TestBridge = EventBridge.Tests.Bridge.Bridge;

namespace EventBridge.Tests.Bridge;

/// <summary>What a reconnecting client is sent of the events relayed while it was away.</summary>
public sealed class ReplayTests
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(300);

    [Fact]
    public async Task Resume_SameServer_ReplaysOthersEvents()
    {
        await using var server = await TestBridge.StartServerAsync();
        await using var other = await RawClient.ConnectAsync(server.Port, "other");

        await using var first = await RawClient.ConnectAsync(server.Port);
        var welcome = await HelloAsync(first, "me", """{"client":"c1"}""");
        var run = welcome.GetProperty("run").GetString()!;
        var position = welcome.GetProperty("position").GetInt64();
        await first.SendAsync("""{"signal":"mine","kwargs":{"n":1}}""" + "\n");
        await other.ReadFrameAsync(frame => Signal(frame) == "mine");
        await first.DisposeAsync();

        await other.SendAsync("""{"signal":"missed","kwargs":{"n":2}}""" + "\n");
        await other.SendAsync("""{"signal":"missed","kwargs":{"n":3}}""" + "\n");
        await TestBridge.WaitUntilAsync(() => server.ClientCount == 1, "the server removes the first connection");

        await using var second = await RawClient.ConnectAsync(server.Port);
        var resumed = await HelloAsync(second, "me", $$"""{"client":"c1","run":"{{run}}","position":{{position}}}""");

        Assert.Equal(run, resumed.GetProperty("run").GetString());
        Assert.Equal(2, resumed.GetProperty("replayed").GetInt64());
        Assert.False(resumed.GetProperty("gap").GetBoolean());
        var replayed = await ReadEventsAsync(second);
        Assert.Equal([2, 3], replayed.Select(Number));
        Assert.All(replayed, frame => Assert.Equal("other", frame.GetProperty("source").GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Resume_AfterLastEvent_ReplaysLaterOnes()
    {
        await using var server = await TestBridge.StartServerAsync();
        await using var sender = await RawClient.ConnectAsync(server.Port, "sender");
        await using var first = await RawClient.ConnectAsync(server.Port);
        var run = (await HelloAsync(first, "receiver", """{"client":"c1"}""")).GetProperty("run").GetString();
        await sender.SendAsync("""{"signal":"n","kwargs":{"n":1}}""" + "\n");
        var last = await first.ReadFrameAsync(frame => Signal(frame) == "n");
        await sender.SendAsync("""{"signal":"n","kwargs":{"n":2}}""" + "\n");
        await sender.SendAsync("""{"signal":"n","kwargs":{"n":3}}""" + "\n");

        // The server keeps an event before it relays it, so once event 3 reaches the first connection the server has kept
        // both. Without this wait, the second connection's hello can overtake them.
        await first.ReadFrameAsync(frame => Signal(frame) == "n" && Number(frame) == 3);

        // The client had read event 1 when it left, so only 2 and 3 are news, whatever position it gives.
        await using var second = await RawClient.ConnectAsync(server.Port);
        var resume = $$"""{"client":"c1","run":"{{run}}","position":0,"source":"sender","id":"{{last.GetProperty("id").GetString()}}"}""";
        var welcome = await HelloAsync(second, "receiver", resume);

        Assert.Equal(2, welcome.GetProperty("replayed").GetInt64());
        Assert.Equal([2, 3], (await ReadEventsAsync(second)).Select(Number));
    }

    [Fact]
    public async Task Resume_EarlierServer_ReplaysAllKept()
    {
        await using var server = await TestBridge.StartServerAsync();
        await using var sender = await RawClient.ConnectAsync(server.Port, "sender");
        await sender.SendAndWaitAsync(
            """{"signal":"n","kwargs":{"n":1}}""",
            """{"signal":"n","kwargs":{"n":2}}""");

        await using var returning = await RawClient.ConnectAsync(server.Port);
        var welcome = await HelloAsync(returning, "receiver", """{"client":"c1","run":"an-earlier-server","position":12345}""");

        Assert.Equal(0, welcome.GetProperty("position").GetInt64());
        Assert.False(welcome.GetProperty("gap").GetBoolean());
        Assert.Equal([1, 2], (await ReadEventsAsync(returning)).Select(Number));

        // A client that connects for the first time gets none of them.
        await using var newcomer = await RawClient.ConnectAsync(server.Port);
        var fresh = await HelloAsync(newcomer, "newcomer", """{"client":"c2"}""");
        Assert.Equal(0, fresh.GetProperty("replayed").GetInt64());
        Assert.Empty(await ReadEventsAsync(newcomer));
    }

    [Fact]
    public async Task Resume_PastKeptEvents_ReportsGap()
    {
        await using var server = await TestBridge.StartServerAsync(new EventBridgeServerOptions { ReplayBufferEvents = 2 });
        await using var sender = await RawClient.ConnectAsync(server.Port, "sender");
        await using var first = await RawClient.ConnectAsync(server.Port);
        var welcome = await HelloAsync(first, "receiver", """{"client":"c1"}""");
        await first.DisposeAsync();
        for (var n = 1; n <= 5; n++)
        {
            await sender.SendAsync($$$"""{"signal":"n","kwargs":{"n":{{{n}}}}}""" + "\n");
        }

        await sender.SendAsync("""{"type":"ping"}""" + "\n");
        await sender.ReadFrameAsync(frame => RawClient.Type(frame) == "pong");
        await using var second = await RawClient.ConnectAsync(server.Port);
        var resume = $$"""{"client":"c1","run":"{{welcome.GetProperty("run").GetString()}}","position":{{welcome.GetProperty("position").GetInt64()}}}""";
        var resumed = await HelloAsync(second, "receiver", resume);

        Assert.True(resumed.GetProperty("gap").GetBoolean());
        Assert.Equal([4, 5], (await ReadEventsAsync(second)).Select(Number));
    }

    [Fact]
    public async Task Resume_TokenPermissions_Respected()
    {
        var tokens = new[]
        {
            new EventBridgeToken("sender", "sender-token"),
            new EventBridgeToken("limited", "limited-token") { Receive = new SignalPermissions(Allow: null, Deny: ["secret"]) },
        };
        await using var server = await TestBridge.StartServerAsync(new EventBridgeServerOptions { Tokens = tokens });
        await using var sender = await RawClient.ConnectAsync(server.Port);
        await sender.SendAsync("""{"type":"hello","name":"sender","token":"sender-token"}""" + "\n");
        await sender.ReadFrameAsync(frame => RawClient.Type(frame) == "welcome");
        await sender.SendAndWaitAsync(
            """{"signal":"secret","kwargs":{"n":1}}""",
            """{"signal":"open","kwargs":{"n":2}}""");

        await using var returning = await RawClient.ConnectAsync(server.Port);
        await returning.SendAsync(
            """{"type":"hello","name":"limited","token":"limited-token","resume":{"client":"c1","run":"earlier"}}""" + "\n");
        var welcome = await returning.ReadFrameAsync(frame => RawClient.Type(frame) == "welcome");

        Assert.Equal(1, welcome.GetProperty("replayed").GetInt64());
        Assert.Equal([2], (await ReadEventsAsync(returning)).Select(Number));
    }

    [Fact]
    public async Task LateHello_GetsMissedNotOwn()
    {
        await using var server = await TestBridge.StartServerAsync();
        await using var sender = await RawClient.ConnectAsync(server.Port, "sender");
        await sender.SendAndWaitAsync("""{"signal":"n","kwargs":{"n":1}}""");

        // The hello comes after the server's wait for it, when the client is receiving new events already.
        await using var late = await RawClient.ConnectAsync(server.Port);
        await TestBridge.WaitUntilAsync(() => server.ClientCount == 2, "the server accepts the late client");
        await sender.SendAsync("""{"signal":"n","kwargs":{"n":2}}""" + "\n");
        Assert.Equal(2, Number(await late.ReadFrameAsync(frame => Signal(frame) is not null)));
        var welcome = await HelloAsync(late, "late", """{"client":"c1","run":"an-earlier-server"}""");

        Assert.Equal(1, welcome.GetProperty("replayed").GetInt64());
        Assert.False(welcome.GetProperty("gap").GetBoolean());
        Assert.Equal([1], (await ReadEventsAsync(late)).Select(Number));

        // Its own events are known as its own, so a later resume does not send them back.
        await late.SendAsync("""{"signal":"mine","kwargs":{"n":3}}""" + "\n");
        await sender.ReadFrameAsync(frame => Signal(frame) == "mine");
        await late.DisposeAsync();
        await using var back = await RawClient.ConnectAsync(server.Port);
        var resume = $$"""{"client":"c1","run":"{{welcome.GetProperty("run").GetString()}}","position":0}""";
        var resumed = await HelloAsync(back, "late", resume);

        Assert.Equal([1, 2], (await ReadEventsAsync(back)).Select(Number));
        Assert.Equal(2, resumed.GetProperty("replayed").GetInt64());
    }

    [Fact]
    public async Task LateResume_LogsConnectedFirst()
    {
        var logs = new LogCollector();
        await using var server = await TestBridge.StartServerAsync(new EventBridgeServerOptions { LoggerFactory = logs });
        await using var sender = await RawClient.ConnectAsync(server.Port, "sender");
        await using var late = await RawClient.ConnectAsync(server.Port);
        await TestBridge.WaitUntilAsync(() => server.ClientCount == 2, "the server accepts the late client");
        await sender.SendAsync("""{"signal":"n","kwargs":{"n":1}}""" + "\n");
        await late.ReadFrameAsync(frame => Signal(frame) is not null);

        await HelloAsync(late, "late", """{"client":"c1","run":"an-earlier-server"}""");

        // The server queues the welcome before it logs the resume, so the test waits for the last line.
        await TestBridge.WaitUntilAsync(() => logs.Contains("LateResume"), "the server logs the late resume");
        var names = logs.Entries
            .Where(entry => entry.Text.Contains("(late)", StringComparison.Ordinal))
            .Select(entry => entry.Id.Name)
            .ToList();
        Assert.Equal(["ClientConnected", "ClientResumed", "LateResume"], names);
    }

    [Fact]
    public async Task ReplayFile_AwayAcrossRestart_GetsEvents()
    {
        var path = Path.Combine(Path.GetTempPath(), $"replay-{Guid.NewGuid():N}.jsonl");
        var port = TestBridge.FreePort();
        var options = new EventBridgeServerOptions { ReplayFile = path };
        try
        {
            string run;
            long position;
            await using (var first = await TestBridge.StartServerAsync(options, port))
            {
                await using var away = await RawClient.ConnectAsync(first.Port);
                var welcome = await HelloAsync(away, "receiver", """{"client":"c1"}""");
                run = welcome.GetProperty("run").GetString()!;
                position = welcome.GetProperty("position").GetInt64();
                await away.DisposeAsync();

                // Relayed after the receiver left, then the server stops gracefully.
                await using var sender = await RawClient.ConnectAsync(first.Port, "sender");
                await sender.SendAndWaitAsync(
                    """{"signal":"n","kwargs":{"n":1}}""",
                    """{"signal":"n","kwargs":{"n":2}}""");
                await first.StopAsync();
            }

            Assert.True(File.Exists(path));
            await using var second = await TestBridge.StartServerAsync(options, port);
            Assert.False(File.Exists(path));
            await using var back = await RawClient.ConnectAsync(second.Port);
            var resumed = await HelloAsync(back, "receiver", $$"""{"client":"c1","run":"{{run}}","position":{{position}}}""");

            Assert.Equal(run, resumed.GetProperty("run").GetString());
            Assert.False(resumed.GetProperty("gap").GetBoolean());
            Assert.Equal([1, 2], (await ReadEventsAsync(back)).Select(Number));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task ReplayFile_Unreadable_StartsNewRun()
    {
        var path = Path.Combine(Path.GetTempPath(), $"replay-{Guid.NewGuid():N}.jsonl");
        await File.WriteAllTextAsync(path, "not a replay file\n");
        var logs = new LogCollector();
        try
        {
            await using var server = await TestBridge.StartServerAsync(new EventBridgeServerOptions { ReplayFile = path, LoggerFactory = logs });
            await using var client = await RawClient.ConnectAsync(server.Port);
            var welcome = await HelloAsync(client, "client", """{"client":"c1","run":"old","position":5}""");

            Assert.Equal(0, welcome.GetProperty("replayed").GetInt64());
            Assert.True(logs.Contains("ReplayFileFailed"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task ReplayOff_NoRunNoReplay()
    {
        await using var server = await TestBridge.StartServerAsync(new EventBridgeServerOptions { ReplayBufferBytes = 0 });
        await using var sender = await RawClient.ConnectAsync(server.Port, "sender");
        await sender.SendAndWaitAsync("""{"signal":"n","kwargs":{"n":1}}""");

        await using var returning = await RawClient.ConnectAsync(server.Port);
        var welcome = await HelloAsync(returning, "receiver", """{"client":"c1","run":"earlier"}""");

        Assert.False(welcome.TryGetProperty("run", out _));
        Assert.Empty(await ReadEventsAsync(returning));
    }

    [Fact]
    public async Task NoHello_GetsEventsSinceConnect()
    {
        await using var server = await TestBridge.StartServerAsync();
        await using var sender = await RawClient.ConnectAsync(server.Port, "sender");

        // Handled before the listener connects, so the event is not among those relayed since then.
        await sender.SendAndWaitAsync("""{"signal":"n","kwargs":{"n":1}}""");
        await using var listener = await RawClient.ConnectAsync(server.Port);
        await TestBridge.WaitUntilAsync(() => server.ClientCount == 2, "the server accepts the listener");
        await sender.SendAsync("""{"signal":"n","kwargs":{"n":2}}""" + "\n");

        // The listener never sends a frame; the server relays to it once its wait for a hello ends.
        var received = await listener.ReadFrameAsync(frame => Signal(frame) == "n");
        Assert.Equal(2, Number(received));
    }

    [Fact]
    public async Task FirstFrameNeverEnds_JoinsAtHandshakeTimeout()
    {
        var logs = new LogCollector();
        await using var server = await TestBridge.StartServerAsync(
            new EventBridgeServerOptions { HandshakeTimeout = TimeSpan.FromSeconds(1), LoggerFactory = logs });
        await using var sender = await RawClient.ConnectAsync(server.Port, "sender");
        await using var stalled = await RawClient.ConnectAsync(server.Port);
        await stalled.SendAsync("""{"type":"hello","name":"stal""");

        // The server waits past 500 ms for the rest of the frame, but only until the handshake timeout passes.
        JsonElement? received = null;
        for (var n = 1; received is null; n++)
        {
            await sender.SendAsync($$$"""{"signal":"n","kwargs":{"n":{{{n}}}}}""" + "\n");
            received = await ReadEventOrNullAsync(stalled, TimeSpan.FromMilliseconds(100));
            Assert.True(n < 300, "The stalled client received no event within 30 s.");
        }

        Assert.True(logs.Contains("FirstFrameIncomplete"));
    }

    [Fact]
    public async Task DotNetClient_CutOff_GetsAllOnceInOrder()
    {
        const int Events = 600;
        var logs = new LogCollector();
        await using var server = await TestBridge.StartServerAsync();
        await using var proxy = new FaultProxy(server.Port);
        var receiver = new EventBridgeClient(new EventBus(), new EventBridgeClientOptions
        {
            Host = "127.0.0.1",
            Port = proxy.Port,
            Name = "receiver",
            LoggerFactory = logs,
            ReconnectDelay = TimeSpan.FromMilliseconds(20),
            MaxReconnectDelay = TimeSpan.FromMilliseconds(100),
        });
        await using var _ = receiver;
        await receiver.ConnectAsync();
        using var ledger = new DeliveryLedger(receiver.Bus, NumberedPublisher.Signal, "receiver");
        await using var publisher = new NumberedPublisher(await TestBridge.ConnectAsync(server, "publisher"));
        var states = new StateCounter(receiver);

        var publishing = publisher.PublishAsync(Events);
        await TestBridge.WaitUntilAsync(() => ledger.Has("publisher", Events / 4), "the receiver gets events");
        await proxy.PauseAsync();
        proxy.Reset();
        await TestBridge.WaitUntilAsync(() => publisher.Emitted >= Events / 2, "the publisher publishes while the receiver is away");
        proxy.Resume();
        await publishing.WaitAsync(TestBridge.Timeout);
        await TestBridge.WaitUntilAsync(() => ledger.Has("publisher", Events - 1), "the receiver has the last event");

        Assert.Equal(1, states.Entered(EventBridgeClientState.Reconnecting));
        Assert.Empty(ledger.Missing("publisher", Events));
        Assert.Empty(ledger.Duplicated("publisher"));
        Assert.Equal(0, receiver.ReplayGaps);
        Assert.True(logs.Contains("Replaying"));
    }

    private static async Task<JsonElement> HelloAsync(RawClient client, string name, string resume)
    {
        await client.SendAsync($$"""{"type":"hello","name":"{{name}}","resume":{{resume}}}""" + "\n");
        return await client.ReadFrameAsync(frame => RawClient.Type(frame) == "welcome");
    }

    private static Task<List<JsonElement>> ReadEventsAsync(RawClient client) => client.ReadEventsUntilQuietAsync(Quiet);

    private static async Task<JsonElement?> ReadEventOrNullAsync(RawClient client, TimeSpan timeout)
    {
        try
        {
            return await client.ReadFrameAsync(frame => Signal(frame) is not null, timeout);
        }
        catch (Exception exception) when (exception is TimeoutException or OperationCanceledException)
        {
            return null;
        }
    }

    private static string? Signal(JsonElement frame) => RawClient.Signal(frame);

    private static int Number(JsonElement frame) => frame.GetProperty("kwargs").GetProperty("n").GetInt32();
}
