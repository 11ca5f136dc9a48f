using System.Text;
using System.Text.Json;

namespace EventBridge.Tests.Bridge;

public sealed class WireTests
{
    /// <summary>Emoji (outside the BMP, with a skin-tone modifier and a ZWJ sequence), CJK, and combining marks.</summary>
    private const string HardText = "héllo 👋🏽 👩‍👩‍👧 漢字かな한국어 e\u0301 a\u0308\u0323 Z\u0351\u0328";

    [Theory]
    [InlineData("""{"signal":"secret","signal":"open"}""", "signal")]
    [InlineData("""{"signal":"open","namespace":"admin","namespace":""}""", "namespace")]
    [InlineData("""{"signal":"open","id":"a","id":"b"}""", "id")]
    public async Task RepeatedMember_RejectedNotRelayed(string frame, string member)
    {
        await using var server = await Bridge.StartServerAsync();
        await using var receiver = await RawClient.ConnectAsync(server.Port, "receiver");
        await using var sender = await RawClient.ConnectAsync(server.Port, "sender");

        await sender.SendAsync(frame + "\n");
        var error = await sender.ReadFrameAsync(f => RawClient.Type(f) == "error");
        await sender.SendAndWaitAsync("""{"signal":"after"}""");

        Assert.Equal("invalid_frame", error.GetProperty("code").GetString());
        Assert.Contains($"\"{member}\" appears more than once", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        var first = await receiver.ReadFrameAsync(f => RawClient.Signal(f) is not null);
        Assert.Equal("after", RawClient.Signal(first));
    }

    [Fact]
    public async Task LongInvalidSignal_ErrorQuotesItCut()
    {
        await using var server = await Bridge.StartServerAsync();
        await using var sender = await RawClient.ConnectAsync(server.Port, "sender");

        await sender.SendAsync($$"""{"signal":"bad {{new string('x', 100_000)}}"}""" + "\n");
        var error = await sender.ReadFrameAsync(f => RawClient.Type(f) == "error");

        Assert.Equal("invalid_signal", error.GetProperty("code").GetString());
        Assert.True(error.GetProperty("message").GetString()!.Length < 400);
    }

    [Fact]
    public async Task Frames_WrittenOneByteAtATime()
    {
        await using var server = await Bridge.StartServerAsync();
        await using var bob = await Bridge.ConnectAsync(server, "bob");
        using var received = new EventRecorder(bob.Bus, "chat");
        await using var raw = await RawClient.ConnectAsync(server.Port);

        var frames = string.Concat(
            """{"type":"hello","name":"byte-writer"}""" + "\r\n",
            $$$"""{"signal":"chat","args":[],"kwargs":{"user":"a","text":"{{{HardText}}}"}}""" + "\r\n",
            """{"signal":"chat","kwargs":{"user":"b","text":"second"}}""" + "\n",
            """{"signal":"chat","args":[],"kwargs":{"user":"c","text":"third ✓"}}""" + "\r\n");
        await raw.SendByteByByteAsync(Encoding.UTF8.GetBytes(frames));

        var events = await received.WaitForCountAsync(3);
        Assert.Equal(
            [HardText, "second", "third ✓"],
            events.Select(e => e.GetPayload(TestPayloads.ChatLine).Text));
        Assert.All(events, e => Assert.Equal("byte-writer", e.Source!.Name));
    }

    [Fact]
    public async Task Frames_ManyInOneWrite()
    {
        await using var server = await Bridge.StartServerAsync();
        await using var bob = await Bridge.ConnectAsync(server, "bob");
        using var received = new EventRecorder(bob.Bus, "numbered");
        await using var raw = await RawClient.ConnectAsync(server.Port, hello: "burst");

        var burst = new StringBuilder();
        for (var n = 0; n < 200; n++)
        {
            burst.Append($$$"""{"signal":"numbered","args":[],"kwargs":{"sender":"burst","n":{{{n}}}}}""").Append('\n');
        }

        await raw.SendAsync(burst.ToString());

        var events = await received.WaitForCountAsync(200);
        Assert.Equal(Enumerable.Range(0, 200), events.Select(e => e.GetPayload(TestPayloads.Numbered).N));
    }

    [Fact]
    public async Task Relay_ForwardsPayloadBytesUnchanged()
    {
        await using var server = await Bridge.StartServerAsync();
        await using var sender = await RawClient.ConnectAsync(server.Port, hello: "sender");
        await using var receiver = await RawClient.ConnectAsync(server.Port, hello: "receiver");
        await Bridge.WaitForClientsAsync(server, 2);

        // Odd spacing, escapes, member order and number forms that a re-encoding would normalize.
        var kwargs = $$"""{ "text" : "{{HardText}}",  "escaped":"\u00e9\ud83d\ude00\/", "n": 1.50e0, "nested":{"k":[1 ,2]} }""";
        var args = """[ 1, "two" ,null ]""";
        var frame = $$"""{"signal":"raw","id":"fixed-id-1","args":{{args}},"kwargs":{{kwargs}}}""";
        await sender.SendAsync(frame + "\n");

        var line = await receiver.ReadLineAsync();
        var text = Encoding.UTF8.GetString(line);
        Assert.StartsWith("""{"source":{"name":"sender","address":"127.0.0.1:""", text, StringComparison.Ordinal);
        Assert.EndsWith("," + frame[1..], text, StringComparison.Ordinal);
        Assert.True(line.AsSpan().IndexOf(Encoding.UTF8.GetBytes(kwargs)) > 0, "The kwargs bytes were changed.");
    }

    [Fact]
    public async Task Unicode_IntactFromDotNetToDotNet()
    {
        await using var server = await Bridge.StartServerAsync();
        await using var alice = await Bridge.ConnectAsync(server, "alice");
        await using var bob = await Bridge.ConnectAsync(server, "bob");
        using var received = new EventRecorder(bob.Bus, "chat");
        await Bridge.WaitForClientsAsync(server, 2);

        alice.Bus.Emit("chat", new ChatLine("アリス", HardText));

        var payload = (await received.WaitForCountAsync(1))[0].GetPayload(TestPayloads.ChatLine);
        Assert.Equal("アリス", payload.User);
        Assert.Equal(Encoding.UTF8.GetBytes(HardText), Encoding.UTF8.GetBytes(payload.Text));
    }

    [Fact]
    public async Task Unicode_IntactBetweenWireAndDotNet()
    {
        await using var server = await Bridge.StartServerAsync();
        await using var alice = await Bridge.ConnectAsync(server, "alice");
        using var atAlice = new EventRecorder(alice.Bus, "chat");
        await using var raw = await RawClient.ConnectAsync(server.Port, hello: "raw");
        await Bridge.WaitForClientsAsync(server, 2);

        alice.Bus.Emit("chat", new ChatLine("alice", HardText));
        var frame = await raw.ReadFrameAsync(f => RawClient.Type(f) == "event");
        Assert.Equal(HardText, frame.GetProperty("kwargs").GetProperty("text").GetString());

        await raw.SendAsync($$$"""{"signal":"chat","args":[],"kwargs":{"user":"raw","text":"{{{HardText}}}"}}""" + "\n");
        var payload = (await atAlice.WaitForAsync(e => e.Any(m => m.IsRemote), "the raw client's event"))
            .Single(m => m.IsRemote).GetPayload(TestPayloads.ChatLine);
        Assert.Equal(Encoding.UTF8.GetBytes(HardText), Encoding.UTF8.GetBytes(payload.Text));
    }

    [Theory]
    [InlineData("{not json", "invalid_json")]
    [InlineData("[1,2,3]", "invalid_frame")]
    [InlineData("""{"args":[],"kwargs":{}}""", "invalid_frame")]
    [InlineData("""{"signal":42}""", "invalid_frame")]
    [InlineData("""{"signal":"x","kwargs":[1]}""", "invalid_frame")]
    [InlineData("""{"signal":"x","seq":-1}""", "invalid_frame")]
    [InlineData("""{"signal":"has space"}""", "invalid_signal")]
    [InlineData("""{"signal":"eventbridge.client_connected"}""", "invalid_signal")]
    [InlineData("""{"signal":"x\ud800"}""", "invalid_signal")]
    [InlineData("""{"signal":"x","namespace":"\udc00"}""", "invalid_frame")]
    [InlineData("""{"signal":"x","\ud800":1,"seq":1}""", "invalid_frame")]
    [InlineData("""{"signal":"x","seq":1,"\ud800":1}""", "invalid_frame")]
    [InlineData("""{"signal":"x","x\udfff":1}""", "invalid_frame")]
    [InlineData("""{"signal":"x","source":{"\ud800":1}}""", "invalid_frame")]
    [InlineData("""{"type":"teleport"}""", "unknown_type")]
    [InlineData("""{"signal":"x"} trailing""", "invalid_json")]
    public async Task InvalidFrame_ErrorOnlyToSender(string badFrame, string expectedCode)
    {
        await using var server = await Bridge.StartServerAsync();
        await using var bystander = await Bridge.ConnectAsync(server, "bystander");
        using var atBystander = new EventRecorder(bystander.Bus, "chat");
        await using var sender = await RawClient.ConnectAsync(server.Port, hello: "sender");
        await Bridge.WaitForClientsAsync(server, 2);

        await sender.SendAsync(badFrame + "\n");
        var error = await sender.ReadFrameAsync(f => RawClient.Type(f) == "error");
        Assert.Equal(expectedCode, error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));

        // The same connection still works, and the other client saw only the valid event.
        await sender.SendAsync("""{"signal":"chat","args":[],"kwargs":{"user":"sender","text":"still here"}}""" + "\n");
        var events = await atBystander.WaitForCountAsync(1);
        Assert.Equal("still here", Assert.Single(events).GetPayload(TestPayloads.ChatLine).Text);
        Assert.Equal(2, server.ClientCount);
    }

    [Fact]
    public async Task OversizedFrame_RejectedAndConnectionKept()
    {
        await using var server = await Bridge.StartServerAsync(new EventBridgeServerOptions { MaxFrameBytes = 1024 });
        await using var bystander = await Bridge.ConnectAsync(server, "bystander");
        using var atBystander = new EventRecorder(bystander.Bus, "chat");
        await using var sender = await RawClient.ConnectAsync(server.Port, hello: "sender");

        var huge = new string('x', 100_000);
        await sender.SendAsync($$$"""{"signal":"chat","kwargs":{"user":"sender","text":"{{{huge}}}"}}""" + "\n");
        var error = await sender.ReadFrameAsync(f => RawClient.Type(f) == "error");
        Assert.Equal("frame_too_large", error.GetProperty("code").GetString());

        await sender.SendAsync("""{"signal":"chat","kwargs":{"user":"sender","text":"small"}}""" + "\n");
        var events = await atBystander.WaitForCountAsync(1);
        Assert.Equal("small", Assert.Single(events).GetPayload(TestPayloads.ChatLine).Text);
    }

    [Fact]
    public async Task EndlessLine_ReportedBeforeItsLineEnd()
    {
        await using var server = await Bridge.StartServerAsync(new EventBridgeServerOptions { MaxFrameBytes = 1024 });
        await using var sender = await RawClient.ConnectAsync(server.Port, hello: "sender");

        // No line feed follows, so the report cannot wait for the line to end.
        await sender.SendAsync("{\"signal\":\"chat\",\"kwargs\":{\"text\":\"" + new string('x', 50_000));
        var error = await sender.ReadFrameAsync(f => RawClient.Type(f) == "error");

        Assert.Equal("frame_too_large", error.GetProperty("code").GetString());
        Assert.Contains("1024", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResetClient_RemovedByServer()
    {
        await using var server = await Bridge.StartServerAsync();
        using var disconnected = new EventRecorder(server.Bus, EventBridgeSignals.ClientDisconnected);
        await using var survivor = await Bridge.ConnectAsync(server, "survivor");
        using var atSurvivor = new EventRecorder(survivor.Bus, "chat");
        var victim = await RawClient.ConnectAsync(server.Port, hello: "victim");
        await Bridge.WaitForClientsAsync(server, 2);

        victim.Reset();

        var gone = (await disconnected.WaitForCountAsync(1))[0];
        Assert.True(gone.TryGetPayload(out EventOrigin origin));
        Assert.Equal("victim", origin.Name);
        await Bridge.WaitUntilAsync(() => server.ClientCount == 1, "the server dropped the reset connection");

        // Relaying to the remaining client is unaffected.
        server.Bus.Emit("chat", new ChatLine("server", "still relaying"));
        await atSurvivor.WaitForCountAsync(1);
        await victim.DisposeAsync();
    }

    [Fact]
    public async Task EventWithSeq_Acknowledged()
    {
        await using var server = await Bridge.StartServerAsync();
        await using var raw = await RawClient.ConnectAsync(server.Port, hello: "acker");

        await raw.SendAsync("""{"signal":"chat","kwargs":{},"seq":7}""" + "\n" + """{"signal":"chat","kwargs":{},"seq":8}""" + "\n");

        var ack = await raw.ReadFrameAsync(f => RawClient.Type(f) == "ack" && f.GetProperty("seq").GetInt64() == 8);
        Assert.Equal(8, ack.GetProperty("seq").GetInt64());
    }

    [Theory]
    [InlineData("""{"signal":"chat","seq":2,"id":5,"kwargs":{}}""", "invalid_frame")]
    [InlineData("""{"seq":2,"signal":"chat","kwargs":[1]}""", "invalid_frame")]
    [InlineData("""{"seq":2,"signal":"chat","kwargs":{"a":}}""", "invalid_json")]
    public async Task InvalidFrameWithSeq_ErrorCarriesItAndAcknowledged(string badFrame, string expectedCode)
    {
        await using var server = await Bridge.StartServerAsync();
        await using var raw = await RawClient.ConnectAsync(server.Port, hello: "acker");

        await raw.SendAsync(badFrame + "\n");

        var error = await raw.ReadFrameAsync(f => RawClient.Type(f) == "error");
        Assert.Equal(expectedCode, error.GetProperty("code").GetString());
        Assert.Equal(2, error.GetProperty("seq").GetInt64());
        var ack = await raw.ReadFrameAsync(f => RawClient.Type(f) == "ack");
        Assert.Equal(2, ack.GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task SeqAfterSyntaxFault_ErrorWithoutSeq()
    {
        await using var server = await Bridge.StartServerAsync();
        await using var raw = await RawClient.ConnectAsync(server.Port, hello: "acker");

        await raw.SendAsync("""{"signal":"chat","kwargs":{"a":},"seq":2}""" + "\n");

        var error = await raw.ReadFrameAsync(f => RawClient.Type(f) == "error");
        Assert.Equal("invalid_json", error.GetProperty("code").GetString());
        Assert.False(error.TryGetProperty("seq", out _));
    }

    [Fact]
    public async Task EventWithSeqZero_Acknowledged()
    {
        await using var server = await Bridge.StartServerAsync();
        await using var raw = await RawClient.ConnectAsync(server.Port, hello: "acker");

        await raw.SendAsync("""{"signal":"chat","kwargs":{},"seq":0}""" + "\n");

        var ack = await raw.ReadFrameAsync(f => RawClient.Type(f) == "ack");
        Assert.Equal(0, ack.GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task Ping_AnsweredWithPong()
    {
        await using var server = await Bridge.StartServerAsync();
        await using var raw = await RawClient.ConnectAsync(server.Port);

        await raw.SendAsync("""{"type":"ping"}""" + "\n");

        var pong = await raw.ReadFrameAsync(_ => true);
        Assert.Equal("pong", RawClient.Type(pong));
    }

    [Fact]
    public async Task Welcome_DescribesServerAndClient()
    {
        await using var server = await Bridge.StartServerAsync(new EventBridgeServerOptions { Name = "hub" });
        await using var raw = await RawClient.ConnectAsync(server.Port);

        await raw.SendAsync("""{"type":"hello","name":"  padded  "}""" + "\n");

        var welcome = await raw.ReadFrameAsync(_ => true);
        Assert.Equal("welcome", RawClient.Type(welcome));
        Assert.Equal("padded", welcome.GetProperty("name").GetString());
        Assert.Equal("hub", welcome.GetProperty("server").GetString());
        Assert.Equal(1, welcome.GetProperty("protocol").GetInt32());
        Assert.True(welcome.GetProperty("acks").GetBoolean());
        Assert.Equal(1024 * 1024, welcome.GetProperty("max_frame_bytes").GetInt32());
        Assert.StartsWith("127.0.0.1:", welcome.GetProperty("address").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\"id\":\"\",")]
    [InlineData("\"id\":null,")]
    public async Task EventWithoutId_RelayedWithServerId(string idMember)
    {
        await using var server = await Bridge.StartServerAsync();
        await using var sender = await RawClient.ConnectAsync(server.Port, hello: "sender");
        await using var receiver = await RawClient.ConnectAsync(server.Port, hello: "receiver");
        await Bridge.WaitForClientsAsync(server, 2);

        await sender.SendAsync("{\"signal\":\"chat\"," + idMember + "\"args\":[],\"kwargs\":{\"user\":\"s\",\"text\":\"no id\"}}\n");

        var frame = await receiver.ReadFrameAsync(f => RawClient.Type(f) == "event");
        Assert.Equal(32, frame.GetProperty("id").GetString()!.Length);
        Assert.Equal("sender", frame.GetProperty("source").GetProperty("name").GetString());
        Assert.Equal("no id", frame.GetProperty("kwargs").GetProperty("text").GetString());
        Assert.Equal(JsonValueKind.Array, frame.GetProperty("args").ValueKind);
    }

    [Fact]
    public async Task StopAsync_SaysByeAndCloses()
    {
        var server = await Bridge.StartServerAsync();
        await using var raw = await RawClient.ConnectAsync(server.Port, hello: "listener");

        await server.StopAsync();

        var bye = await raw.ReadFrameAsync(f => RawClient.Type(f) == "bye");
        Assert.Equal("server stopping", bye.GetProperty("reason").GetString());
        await raw.WaitForCloseAsync();
        Assert.Equal(0, server.ClientCount);
        await server.DisposeAsync();
    }
}
