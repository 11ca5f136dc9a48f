using System.Text.Json;
using TestBridge = EventBridge.Tests.Bridge.Bridge;

namespace EventBridge.Tests.Bridge;

/// <summary>Clients that tell the server in their hello which events to send them.</summary>
public sealed class ReceivePatternTests
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(300);

    [Fact]
    public async Task Patterns_ServerSendsOnlyMatchingEvents()
    {
        await using var server = await TestBridge.StartServerAsync();
        await using var sender = await RawClient.ConnectAsync(server.Port, "sender");
        await using var picky = await RawClient.ConnectAsync(server.Port);
        await HelloAsync(picky, """["chat_*","orders:placed"]""");

        await sender.SendAsync("""{"signal":"chat_message","kwargs":{"n":1}}""" + "\n");
        await sender.SendAsync("""{"signal":"metrics","kwargs":{"n":2}}""" + "\n");
        await sender.SendAsync("""{"signal":"placed","namespace":"orders","kwargs":{"n":3}}""" + "\n");
        await sender.SendAsync("""{"signal":"placed","kwargs":{"n":4}}""" + "\n");
        await sender.SendAsync("""{"signal":"chat_join","namespace":"lobby","kwargs":{"n":5}}""" + "\n");

        Assert.Equal([1, 3, 5], (await ReadEventsAsync(picky)).Select(Number));
    }

    [Fact]
    public async Task ManyClients_RoutesFollowJoinsAndLeaves()
    {
        // Past 64 connections the server remembers each signal's receivers; joins and leaves must change them.
        await using var server = await TestBridge.StartServerAsync();
        await using var sender = await RawClient.ConnectAsync(server.Port, "sender");
        var idle = new List<RawClient>();
        for (var i = 0; i < 70; i++)
        {
            var client = await RawClient.ConnectAsync(server.Port);
            await HelloAsync(client, """["idle"]""");
            idle.Add(client);
        }

        await using var chat = await RawClient.ConnectAsync(server.Port);
        await HelloAsync(chat, """["chat"]""");
        await sender.SendAndWaitAsync("""{"signal":"chat","kwargs":{"n":1}}""");
        Assert.Equal([1], (await ReadEventsAsync(chat)).Select(Number));

        await using var late = await RawClient.ConnectAsync(server.Port);
        await HelloAsync(late, """["chat"]""");
        await chat.DisposeAsync();
        await TestBridge.WaitUntilAsync(() => server.ClientCount == 72, "the server removes the first chat client");
        await sender.SendAndWaitAsync("""{"signal":"chat","kwargs":{"n":2}}""", """{"signal":"idle","kwargs":{"n":3}}""");

        Assert.Equal([2], (await ReadEventsAsync(late)).Select(Number));
        foreach (var client in idle)
        {
            // The sender's order is kept, so a first event of 3 means neither chat event reached this client.
            Assert.Equal(3, Number(await client.ReadFrameAsync(frame => Signal(frame) is not null)));
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task EmptyList_ServerSendsNothing()
    {
        await using var server = await TestBridge.StartServerAsync();
        await using var sender = await RawClient.ConnectAsync(server.Port, "sender");
        await using var publisherOnly = await RawClient.ConnectAsync(server.Port);
        await HelloAsync(publisherOnly, "[]");
        await using var everything = await RawClient.ConnectAsync(server.Port, "everything");

        await sender.SendAsync("""{"signal":"chat_message","kwargs":{"n":1}}""" + "\n");

        Assert.Equal(1, Number(await everything.ReadFrameAsync(frame => Signal(frame) is not null)));
        Assert.Empty(await ReadEventsAsync(publisherOnly));
    }

    [Fact]
    public async Task EmptyList_HelloSplitPastWait_ReceivesNothing()
    {
        await using var server = await TestBridge.StartServerAsync();
        await using var sender = await RawClient.ConnectAsync(server.Port, "sender");
        await using var everything = await RawClient.ConnectAsync(server.Port, "everything");
        await using var publisherOnly = await RawClient.ConnectAsync(server.Port);
        var hello = """{"type":"hello","name":"publisher","receive":[]}""" + "\n";
        await publisherOnly.SendAsync(hello[..20]);

        // The rest of the hello comes long after the server's 500 ms wait for it, as when a busy server reads it late.
        const int Events = 20;
        for (var n = 1; n <= Events; n++)
        {
            await sender.SendAsync($$$"""{"signal":"tick","kwargs":{"n":{{{n}}}}}""" + "\n");
            await Task.Delay(75);
        }

        await publisherOnly.SendAsync(hello[20..]);
        var beforeWelcome = await ReadFramesUntilAsync(publisherOnly, "welcome");
        await sender.SendAndWaitAsync("""{"signal":"tick","kwargs":{"n":21}}""");
        await publisherOnly.SendAsync("""{"type":"ping"}""" + "\n");
        var afterWelcome = await ReadFramesUntilAsync(publisherOnly, "pong");

        Assert.Equal(Events + 1, (await ReadEventsAsync(everything)).Count);
        Assert.DoesNotContain(beforeWelcome, frame => Signal(frame) is not null);
        Assert.DoesNotContain(afterWelcome, frame => Signal(frame) is not null);
    }

    [Theory]
    [InlineData("\"chat\"")]
    [InlineData("[1]")]
    [InlineData("[\"\"]")]
    [InlineData("{}")]
    public async Task InvalidPatterns_GetInvalidFrame(string receive)
    {
        await using var server = await TestBridge.StartServerAsync();
        await using var client = await RawClient.ConnectAsync(server.Port);
        await client.SendAsync($$"""{"type":"hello","name":"bad","receive":{{receive}}}""" + "\n");

        var error = await client.ReadFrameAsync(frame => RawClient.Type(frame) == "error");

        Assert.Equal("invalid_frame", error.GetProperty("code").GetString());
        Assert.Contains("\"receive\"", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a b", "whitespace or control characters")]
    [InlineData("a\u0001", "whitespace or control characters")]
    [InlineData("lobby :chat", "namespace part")]
    [InlineData("lobby:", "signal part after the colon must not be empty")]
    [InlineData("eventbridge.*", "never send")]
    [InlineData("lobby:EventBridge.client_connected", "never send")]
    public async Task NeverMatchingPattern_GetsInvalidFrameNamingIt(string pattern, string rule)
    {
        await using var server = await TestBridge.StartServerAsync();
        await using var client = await RawClient.ConnectAsync(server.Port);
        var receive = JsonSerializer.Serialize(new[] { "chat_*", pattern });
        await client.SendAsync($$"""{"type":"hello","name":"bad","receive":{{receive}}}""" + "\n");

        var error = await client.ReadFrameAsync(frame => RawClient.Type(frame) is "error" or "welcome");
        var message = error.GetProperty("message").GetString();

        Assert.Equal("invalid_frame", error.GetProperty("code").GetString());
        Assert.Contains(QuoteAsInMessages(pattern) + " at index 1", message, StringComparison.Ordinal);
        Assert.Contains(rule, message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("eventbridge*")]
    [InlineData("*.client_connected")]
    [InlineData("eventbridge.lobby:chat")]
    [InlineData(":*")]
    [InlineData("*:chat")]
    public async Task UnusualButMatchablePattern_IsAccepted(string pattern)
    {
        await using var server = await TestBridge.StartServerAsync();
        await using var client = await RawClient.ConnectAsync(server.Port);
        var receive = JsonSerializer.Serialize(new[] { pattern });
        await client.SendAsync($$"""{"type":"hello","name":"unusual","receive":{{receive}}}""" + "\n");

        var reply = await client.ReadFrameAsync(frame => RawClient.Type(frame) is "error" or "welcome");

        Assert.Equal("welcome", RawClient.Type(reply));
    }

    [Fact]
    public async Task TooManyPatterns_GetInvalidFrame()
    {
        await using var server = await TestBridge.StartServerAsync();
        await using var client = await RawClient.ConnectAsync(server.Port);
        var patterns = JsonSerializer.Serialize(Enumerable.Range(0, 257).Select(i => $"s{i}").ToArray());
        await client.SendAsync($$"""{"type":"hello","name":"bad","receive":{{patterns}}}""" + "\n");

        var error = await client.ReadFrameAsync(frame => RawClient.Type(frame) == "error");
        var message = error.GetProperty("message").GetString();

        Assert.Equal("invalid_frame", error.GetProperty("code").GetString());
        Assert.Contains("more than the maximum of 256 patterns", message, StringComparison.Ordinal);
        Assert.DoesNotContain("index", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExactlyMaxPatterns_IsAccepted()
    {
        await using var server = await TestBridge.StartServerAsync();
        await using var client = await RawClient.ConnectAsync(server.Port);
        var patterns = JsonSerializer.Serialize(Enumerable.Range(0, 256).Select(i => $"s{i}").ToArray());
        await client.SendAsync($$"""{"type":"hello","name":"full","receive":{{patterns}}}""" + "\n");

        var reply = await client.ReadFrameAsync(frame => RawClient.Type(frame) is "error" or "welcome");

        Assert.Equal("welcome", RawClient.Type(reply));
    }

    [Theory]
    [InlineData("""{"type":"hello","name":"bad","receive":[""]}""", "invalid_frame")]
    [InlineData("""{"type":"hello","name":"bad","receive":["a b"]}""", "invalid_frame")]
    [InlineData("""not json""", "invalid_json")]
    public async Task HelloAfterUnparsableFirstFrame_GetsUnexpectedHello(string first, string code)
    {
        await using var server = await TestBridge.StartServerAsync();
        await using var client = await RawClient.ConnectAsync(server.Port);

        await client.SendAsync(first + "\n");
        var rejected = await client.ReadFrameAsync(frame => RawClient.Type(frame) is "error" or "welcome");
        await client.SendAsync("""{"type":"hello","name":"second"}""" + "\n");
        var second = await client.ReadFrameAsync(frame => RawClient.Type(frame) is "error" or "welcome");

        Assert.Equal(code, rejected.GetProperty("code").GetString());
        Assert.Equal("unexpected_hello", second.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Replay_SendsOnlyMatchingEvents()
    {
        await using var server = await TestBridge.StartServerAsync();
        await using var sender = await RawClient.ConnectAsync(server.Port, "sender");
        await sender.SendAndWaitAsync(
            """{"signal":"wanted","kwargs":{"n":1}}""",
            """{"signal":"unwanted","kwargs":{"n":2}}""");

        await using var returning = await RawClient.ConnectAsync(server.Port);
        await returning.SendAsync(
            """{"type":"hello","name":"returning","receive":["wanted"],"resume":{"client":"c1","run":"earlier"}}""" + "\n");
        var welcome = await returning.ReadFrameAsync(frame => RawClient.Type(frame) == "welcome");

        Assert.Equal(1, welcome.GetProperty("replayed").GetInt64());
        Assert.Equal([1], (await ReadEventsAsync(returning)).Select(Number));
    }

    [Fact]
    public async Task EmptyList_DotNetPublisher_ReceivesNothing()
    {
        await using var server = await TestBridge.StartServerAsync();
        var publisherBus = new EventBus();
        using var atPublisher = new EventRecorder(publisherBus, "tick");
        await using var publisher = await TestBridge.ConnectAsync(
            server, "publisher", options => options with { ReceivePatterns = [] }, publisherBus);
        await using var other = await TestBridge.ConnectAsync(server, "other");
        using var atOther = new EventRecorder(other.Bus, "tick");
        await using var subscriber = await TestBridge.ConnectAsync(server, "subscriber", options => options with { ReceivePatterns = ["tick"] });
        using var atSubscriber = new EventRecorder(subscriber.Bus, "tick");
        await TestBridge.WaitForClientsAsync(server, 3);

        publisher.Bus.Emit("tick", 1L);
        other.Bus.Emit("tick", 2L);
        await atSubscriber.WaitForCountAsync(2);
        await atOther.WaitForCountAsync(1);

        // The publisher's own event reached its local consumer; the other client's did not reach it.
        await Task.Delay(Quiet);
        Assert.Single(atPublisher.Events);
        Assert.False(atPublisher.Events[0].IsRemote);
    }

    [Theory]
    [InlineData("", "must not be empty")]
    [InlineData("a b", "whitespace or control characters")]
    [InlineData("a\u0001", "whitespace or control characters")]
    [InlineData(" lobby:chat", "namespace part")]
    [InlineData("lobby:", "signal part after the colon must not be empty")]
    [InlineData("eventbridge.*", "never send")]
    [InlineData("EVENTBRIDGE.client_connected", "never send")]
    public void Options_InvalidPattern_ThrowsNamingIt(string pattern, string rule)
    {
        var error = Assert.Throws<ArgumentException>(() => new EventBridgeClient(
            new EventBus(), new EventBridgeClientOptions { ReceivePatterns = ["chat_*", pattern] }));

        Assert.Equal("options", error.ParamName);
        Assert.Contains(QuoteAsInMessages(pattern) + " at index 1", error.Message, StringComparison.Ordinal);
        Assert.Contains(rule, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Options_OverlongParts_Throw()
    {
        var longName = new string('s', 257);

        var signal = Assert.Throws<ArgumentException>(() => new EventBridgeClient(
            new EventBus(), new EventBridgeClientOptions { ReceivePatterns = [longName] }));
        var @namespace = Assert.Throws<ArgumentException>(() => new EventBridgeClient(
            new EventBus(), new EventBridgeClientOptions { ReceivePatterns = [longName + ":chat"] }));
        await using var longest = new EventBridgeClient(
            new EventBus(), new EventBridgeClientOptions { ReceivePatterns = [new string('n', 256) + ":" + new string('s', 256)] });

        Assert.Contains("at most 256 characters long, but it has 257", signal.Message, StringComparison.Ordinal);
        Assert.Contains("the namespace part", @namespace.Message, StringComparison.Ordinal);
        Assert.Contains("(262 characters)", @namespace.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_TooManyPatterns_ThrowsWithCount()
    {
        var error = Assert.Throws<ArgumentException>(() => new EventBridgeClient(
            new EventBus(), new EventBridgeClientOptions { ReceivePatterns = [.. Enumerable.Range(0, 257).Select(i => $"s{i}")] }));

        Assert.Contains("has 257 patterns, more than the maximum of 256", error.Message, StringComparison.Ordinal);
    }

    private static async Task HelloAsync(RawClient client, string receive)
    {
        await client.SendAsync($$"""{"type":"hello","name":"patterned","receive":{{receive}}}""" + "\n");
        await client.ReadFrameAsync(frame => RawClient.Type(frame) == "welcome");
    }

    /// <summary>Reads frames up to the first of type <paramref name="type"/>, and returns those before it.</summary>
    private static async Task<List<JsonElement>> ReadFramesUntilAsync(RawClient client, string type)
    {
        var frames = new List<JsonElement>();
        while (true)
        {
            var frame = JsonDocument.Parse(await client.ReadLineAsync()).RootElement.Clone();
            if (RawClient.Type(frame) == type)
            {
                return frames;
            }

            frames.Add(frame);
        }
    }

    /// <summary>Quotes a pattern as error messages do: in double quotes, with control characters as JSON escapes.</summary>
    private static string QuoteAsInMessages(string pattern) =>
        "\"" + string.Concat(pattern.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString())) + "\"";

    private static Task<List<JsonElement>> ReadEventsAsync(RawClient client) => client.ReadEventsUntilQuietAsync(Quiet);

    private static string? Signal(JsonElement frame) => RawClient.Signal(frame);

    private static int Number(JsonElement frame) => frame.GetProperty("kwargs").GetProperty("n").GetInt32();
}
