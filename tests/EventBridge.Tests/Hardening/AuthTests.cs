using System.Security.Authentication;
using System.Text.Json;
using EventBridge.Tests.Bridge;
using TestBridge = EventBridge.Tests.Bridge.Bridge;

namespace EventBridge.Tests.Hardening;

public sealed class AuthTests
{
    private const string SharedToken = "shared-secret-3f9a";

    [Fact]
    public async Task SharedToken_ClientsExchangeEvents()
    {
        await using var server = await TestBridge.StartServerAsync(new EventBridgeServerOptions { AuthToken = SharedToken });
        await using var alice = await TestBridge.ConnectAsync(server, "alice", o => o with { AuthToken = SharedToken });
        await using var bob = await TestBridge.ConnectAsync(server, "bob", o => o with { AuthToken = SharedToken });
        using var atBob = new EventRecorder(bob.Bus, "chat");

        alice.Bus.Emit("chat", new ChatLine("alice", "hi"));
        var events = await atBob.WaitForCountAsync(1);
        Assert.Equal("hi", Assert.Single(events).GetPayload(TestPayloads.ChatLine).Text);
    }

    [Fact]
    public async Task WrongToken_RejectedAndNothingRelayed()
    {
        var logs = new LogCollector();
        await using var server = await TestBridge.StartServerAsync(new EventBridgeServerOptions
        {
            AuthToken = SharedToken,
            LoggerFactory = logs,
        });
        await using var bob = await TestBridge.ConnectAsync(server, "bob", o => o with { AuthToken = SharedToken });
        using var atBob = new EventRecorder(bob.Bus, "chat");

        await using var intruder = await RawClient.ConnectAsync(server.Port);
        await intruder.SendAsync("""{"type":"hello","name":"intruder","token":"guess-1234"}""" + "\n");
        await intruder.SendAsync("""{"signal":"chat","kwargs":{"user":"intruder","text":"let me in"}}""" + "\n");
        var error = await intruder.ReadFrameAsync(frame => RawClient.Type(frame) == "error");
        Assert.Equal("auth_failed", error.GetProperty("code").GetString());
        await intruder.WaitForCloseAsync();

        var client = new EventBridgeClient(new EventBus(), new EventBridgeClientOptions
        {
            Port = server.Port,
            Name = "wrong",
            AuthToken = "not-the-token",
        });
        await using (client)
        {
            await Assert.ThrowsAsync<AuthenticationException>(() => client.ConnectAsync());
        }

        // A valid event afterwards proves the intruder's event was dropped, not delayed.
        await using var alice = await TestBridge.ConnectAsync(server, "alice", o => o with { AuthToken = SharedToken });
        alice.Bus.Emit("chat", new ChatLine("alice", "valid"));
        var events = await atBob.WaitForCountAsync(1);
        Assert.Equal("valid", Assert.Single(events).GetPayload(TestPayloads.ChatLine).Text);
        Assert.True(logs.Contains("AuthenticationFailed"));
        Assert.DoesNotContain(logs.Entries, entry => entry.Text.Contains("guess-1234", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Entries, entry => entry.Text.Contains(SharedToken, StringComparison.Ordinal));
    }

    [Fact]
    public async Task LateToken_DisconnectedAfterTimeout()
    {
        await using var server = await TestBridge.StartServerAsync(new EventBridgeServerOptions
        {
            AuthToken = SharedToken,
            HandshakeTimeout = TimeSpan.FromSeconds(2),
        });
        await using var bob = await TestBridge.ConnectAsync(server, "bob", o => o with { AuthToken = SharedToken });
        using var atBob = new EventRecorder(bob.Bus, "chat");
        await using var late = await RawClient.ConnectAsync(server.Port);

        // An event before the hello is refused, and the server relays nothing to the late client either.
        await late.SendAsync("""{"signal":"chat","kwargs":{"user":"late","text":"early event"}}""" + "\n");
        var refused = await late.ReadFrameAsync(frame => RawClient.Type(frame) == "error");
        Assert.Equal("auth_required", refused.GetProperty("code").GetString());
        bob.Bus.Emit("chat", new ChatLine("bob", "not for the late client"));

        // The next frame is the timeout error, not Bob's event.
        var timeout = await late.ReadFrameAsync(frame => RawClient.Type(frame) != "ping");
        Assert.Equal("error", RawClient.Type(timeout));
        Assert.Equal("auth_timeout", timeout.GetProperty("code").GetString());
        await late.WaitForCloseAsync();
        await TestBridge.WaitUntilAsync(() => server.ClientCount == 1, "the late client is removed");

        // Bob's recorder sees only his own local event: nothing from the late client was relayed.
        Assert.DoesNotContain(atBob.Events, e => e.IsRemote);
    }

    [Fact]
    public async Task Unauthenticated_GetsOnlyOwnErrors()
    {
        await using var server = await TestBridge.StartServerAsync(new EventBridgeServerOptions
        {
            AuthToken = SharedToken,
            HandshakeTimeout = TimeSpan.FromSeconds(2),
            PingInterval = TimeSpan.FromMilliseconds(50),
        });
        await using var bob = await TestBridge.ConnectAsync(server, "bob", o => o with { AuthToken = SharedToken });
        await using var silent = await RawClient.ConnectAsync(server.Port);
        await silent.SendAsync("""{"type":"ping"}""" + "\n");
        bob.Bus.Emit("chat", new ChatLine("bob", "not for the silent client"));

        // Many server pings fall within the handshake timeout, and none of them reaches this client.
        var frames = new List<string>();
        while (true)
        {
            byte[] line;
            try
            {
                line = await silent.ReadLineAsync();
            }
            catch (IOException)
            {
                break;
            }

            var frame = JsonDocument.Parse(line).RootElement;
            frames.Add(RawClient.Type(frame) + ":" + (frame.TryGetProperty("code", out var code) ? code.GetString() : ""));
        }

        Assert.Equal(["error:auth_required", "error:auth_timeout"], frames);
    }

    [Fact]
    public async Task OversizedFirstFrame_AuthFailedAtOnce()
    {
        await using var server = await TestBridge.StartServerAsync(new EventBridgeServerOptions
        {
            AuthToken = SharedToken,
            MaxFrameBytes = 1024,
            HandshakeTimeout = TimeSpan.FromMinutes(5),
        });
        await using var client = await RawClient.ConnectAsync(server.Port);

        // No line end: the server rejects the frame as soon as it passes the limit.
        await client.SendAsync("{\"type\":\"hello\",\"name\":\"big\",\"token\":\"" + new string('x', 4096));
        var error = await client.ReadFrameAsync(frame => RawClient.Type(frame) == "error");
        await client.WaitForCloseAsync();

        Assert.Equal("auth_failed", error.GetProperty("code").GetString());
        Assert.Contains("maximum of 1024 bytes", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        await TestBridge.WaitUntilAsync(() => server.ClientCount == 0, "the server removes the client");
    }

    [Fact]
    public async Task DeniedPublish_ErrorAndNotRelayed()
    {
        var logs = new LogCollector();
        var tokens = new[]
        {
            new EventBridgeToken("reader", "reader-token")
            {
                Publish = new SignalPermissions(Allow: ["chat*"], Deny: ["chat_admin", "ops:*"]),
            },
            new EventBridgeToken("watcher", "watcher-token"),
        };
        await using var server = await TestBridge.StartServerAsync(new EventBridgeServerOptions { Tokens = tokens, LoggerFactory = logs });
        await using var watcher = await TestBridge.ConnectAsync(server, "watcher", o => o with { AuthToken = "watcher-token" });
        using var atWatcher = new EventRecorder(watcher.Bus, "chat");
        using var adminAtWatcher = new EventRecorder(watcher.Bus, "chat_admin");
        using var opsAtWatcher = new EventRecorder(watcher.Bus, "chat", "ops");
        await using var reader = await RawClient.ConnectAsync(server.Port);
        await reader.SendAsync("""{"type":"hello","name":"reader","token":"reader-token"}""" + "\n");
        await reader.ReadFrameAsync(frame => RawClient.Type(frame) == "welcome");

        // Denied by a deny pattern, by a namespace pattern that wins over the allow list, and by the allow list.
        await reader.SendAsync("""{"signal":"chat_admin","kwargs":{"user":"reader","text":"x"},"seq":1}""" + "\n");
        await reader.SendAsync("""{"signal":"chat","namespace":"ops","kwargs":{"user":"reader","text":"x"},"seq":2}""" + "\n");
        await reader.SendAsync("""{"signal":"deploy","kwargs":{},"seq":3}""" + "\n");
        await reader.SendAsync("""{"signal":"chat","kwargs":{"user":"reader","text":"allowed"},"seq":4}""" + "\n");
        for (var seq = 1; seq <= 3; seq++)
        {
            var error = await reader.ReadFrameAsync(frame => RawClient.Type(frame) == "error");
            Assert.Equal("permission_denied", error.GetProperty("code").GetString());
            Assert.Equal(seq, error.GetProperty("seq").GetInt64());
        }

        var events = await atWatcher.WaitForCountAsync(1);
        Assert.Equal("allowed", Assert.Single(events).GetPayload(TestPayloads.ChatLine).Text);
        await TestBridge.WaitForDeliveriesAsync(watcher);
        Assert.Equal(0, adminAtWatcher.Count);
        Assert.Equal(0, opsAtWatcher.Count);
        Assert.Equal(3, logs.Texts("PublishDenied").Count());
        Assert.DoesNotContain(logs.Entries, entry => entry.Text.Contains("reader-token", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DeniedPublish_ClientReportsRejectedEvent()
    {
        var tokens = new[]
        {
            new EventBridgeToken("reader", "reader-token") { Publish = new SignalPermissions(Allow: ["chat"], Deny: null) },
        };
        await using var server = await TestBridge.StartServerAsync(new EventBridgeServerOptions { Tokens = tokens });
        var client = await TestBridge.ConnectAsync(server, "reader", o => o with { AuthToken = "reader-token" });
        var errors = new System.Collections.Concurrent.ConcurrentQueue<EventBridgeServerErrorEventArgs>();
        client.ServerErrorReceived += (_, error) => errors.Enqueue(error);

        var denied = EventMessage.Create("deploy", new ChatLine("reader", "x"));
        client.Bus.Emit(denied);
        client.Bus.Emit("chat", new ChatLine("reader", "allowed"));

        // Disposing waits for both acks, and the error for the denied event comes before its ack.
        await client.DisposeAsync();
        var error = Assert.Single(errors);
        Assert.Equal("permission_denied", error.Code);
        Assert.Contains("'deploy'", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, error.Seq);
        Assert.NotNull(error.RejectedEvent);
        Assert.Equal(denied.Id, error.RejectedEvent.Id);
        Assert.Equal(0, client.DroppedEventCount);
    }

    [Fact]
    public async Task DeniedReceive_EventSkipped()
    {
        var tokens = new[]
        {
            new EventBridgeToken("publisher", "publisher-token"),
            new EventBridgeToken("limited", "limited-token")
            {
                Receive = new SignalPermissions(Allow: null, Deny: ["secret*", "private:*"]),
            },
        };
        await using var server = await TestBridge.StartServerAsync(new EventBridgeServerOptions { Tokens = tokens });
        await using var publisher = await TestBridge.ConnectAsync(server, "publisher", o => o with { AuthToken = "publisher-token" });
        await using var limited = await TestBridge.ConnectAsync(server, "limited", o => o with { AuthToken = "limited-token" });
        using var secrets = new EventRecorder(limited.Bus, "secret_plan");
        using var privateChat = new EventRecorder(limited.Bus, "chat", "private");
        using var chat = new EventRecorder(limited.Bus, "chat");

        publisher.Bus.Emit("secret_plan", new ChatLine("publisher", "hidden"));
        publisher.Bus.Emit("chat", "private", new ChatLine("publisher", "hidden"));
        publisher.Bus.Emit("chat", new ChatLine("publisher", "visible"));

        // Events of one sender arrive in order, so once the last one is in and the client has run its consumers, the
        // two before it were skipped.
        var events = await chat.WaitForCountAsync(1);
        Assert.Equal("visible", Assert.Single(events).GetPayload(TestPayloads.ChatLine).Text);
        await TestBridge.WaitForDeliveriesAsync(limited);
        Assert.Equal(0, secrets.Count);
        Assert.Equal(0, privateChat.Count);
    }

    [Fact]
    public async Task TokenFile_LoadsPermissions()
    {
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(path, """
                {"tokens":[
                  {"name":"chat","token":"t1","publish":{"allow":["chat_*"],"deny":["chat_admin"]},"receive":{"deny":["ops:*"]}},
                  {"name":"all","token":"t2"}
                ]}
                """);
            var tokens = EventBridgeToken.LoadFile(path);
            Assert.Equal(2, tokens.Count);
            Assert.True(tokens[0].Publish.Permits("chat_message", null));
            Assert.False(tokens[0].Publish.Permits("chat_admin", null));
            Assert.False(tokens[0].Publish.Permits("deploy", null));
            Assert.False(tokens[0].Receive.Permits("anything", "ops"));
            Assert.True(tokens[0].Receive.Permits("anything", "lobby"));
            Assert.True(tokens[1].Publish.Permits("deploy", "ops"));

            await File.WriteAllTextAsync(path, """{"tokens":[{"name":"no token"}]}""");
            var error = Assert.Throws<FormatException>(() => EventBridgeToken.LoadFile(path));
            Assert.Contains("\"token\"", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("""{"tokens":[]}""", "lists no tokens")]
    [InlineData("""{"tokens":[{"name":"a","token":"x","publish":{"allow":"chat"}}]}""", "list of patterns")]
    [InlineData("""{"tokens":[{"name":"a","token":"x","receive":{"deny":"ops:*"}}]}""", "list of patterns")]
    [InlineData("""{"tokens":[{"name":"a","token":"x","publish":["chat"]}]}""", "must be an object")]
    [InlineData("""{"tokens":[{"name":"a","token":"x","publish":{"alow":["chat"]}}]}""", "unknown member \"alow\"")]
    [InlineData("""{"tokens":[{"name":"a","token":"x","Publish":{"allow":[]}}]}""", "unknown member \"Publish\"")]
    [InlineData("""{"tokens":[{"name":"a","token":"same"},{"name":"b","token":"same"}]}""", "repeats the token")]
    [InlineData("""{"tokens":[{"name":"a","token":"x","publish":{"allow":null}}]}""", "list of patterns")]
    [InlineData("""{"tokens":[{"name":"a","token":"x","publish":null}]}""", "must be an object")]
    [InlineData("""{"tokens":[{"name":"a","token":"x","publish":{"deny":["secret"],"deny":[]}}]}""", "\"deny\" twice")]
    [InlineData("""{"tokens":[{"name":"a","token":"x","publish":{"deny":["s"]},"publish":{}}]}""", "\"publish\" twice")]
    [InlineData("""{"tokens":[{"name":"a","token":"x"}],"tokens":[]}""", "\"tokens\" twice")]
    [InlineData("""{"tokens":[{"name":"a","token":"x"}],"extra":1}""", "unknown member \"extra\"")]
    [InlineData("""{"tokens":[{"name":"a","token":"x"},{"name":"a","token":"y"}]}""", "repeats the name")]
    [InlineData("""{"tokens":[{"name":"a","token":" \t "}]}""", "\"token\" string that is not empty or only whitespace")]
    [InlineData("""{"tokens":[{"name":"a","token":""}]}""", "\"token\" string that is not empty or only whitespace")]
    [InlineData("""{"tokens":[{"name":"  ","token":"x"}]}""", "\"name\" string that is not empty or only whitespace")]
    public async Task TokenFile_PermissiveMistake_IsRejected(string json, string expected)
    {
        // Each of these would otherwise load as "permit everything" or switch authentication off.
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(path, json);

            var error = Assert.Throws<FormatException>(() => EventBridgeToken.LoadFile(path));

            Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("""{"name":"b","token":"y","receive":{"allow":[""]}}""", "\"allow\" list: a pattern must not be empty")]
    [InlineData("""{"name":"b","token":"y","receive":{"allow":["chat","a b"]}}""", "\"a b\" at index 1 of its \"allow\" list")]
    [InlineData("""{"name":"b","token":"y","publish":{"deny":["x\u0001"]}}""", "\"x\\u0001\" at index 0 of its \"deny\" list")]
    [InlineData("""{"name":"b","token":"y","publish":{"deny":["ops :*"]}}""", "the namespace part")]
    [InlineData("""{"name":"b","token":"y","receive":{"allow":["ops:"]}}""", "signal part after the colon must not be empty")]
    [InlineData("""{"name":"b","token":"y","receive":{"allow":["eventbridge.*"]}}""", "never sends over a connection")]
    [InlineData("""{"name":"b","token":"y","publish":{"allow":["EventBridge.x"]}}""", "never sends over a connection")]
    public async Task TokenFile_InvalidPattern_IsRejectedNamingEntry(string entry, string expected)
    {
        // A pattern that can never match would leave an allow list permitting nothing, or a deny list denying nothing.
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(path, $$"""{"tokens":[{"name":"a","token":"x"},{{entry}}]}""");

            var error = Assert.Throws<FormatException>(() => EventBridgeToken.LoadFile(path));

            Assert.Contains("entry 1 of the token file", error.Message, StringComparison.Ordinal);
            Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task TokenFile_ReservedDenyPattern_Loads()
    {
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(
                path, """{"tokens":[{"name":"a","token":"x","receive":{"allow":["eventbridge*"],"deny":["eventbridge.*"]}}]}""");

            var tokens = EventBridgeToken.LoadFile(path);

            Assert.True(tokens[0].Receive.Permits("eventbridge_news", null));
            Assert.False(tokens[0].Receive.Permits("chat", null));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("{\"tokens\":[\n", "line 2, column 1")]
    [InlineData("{\"tokens\":[\n  {\"name\": }\n]}", "line 2, column 12")]
    [InlineData("", "line 1, column 1")]
    public async Task TokenFile_InvalidJson_CountsLinesFromOne(string json, string expected)
    {
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(path, json);

            var error = Assert.Throws<FormatException>(() => EventBridgeToken.LoadFile(path));

            Assert.Contains("is not valid JSON", error.Message, StringComparison.Ordinal);
            Assert.Contains(expected, error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("LineNumber", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ServerOptions_EmptyOrRepeatedTokens_Rejected()
    {
        var empty = Assert.Throws<ArgumentException>(
            () => new EventBridgeServer(new EventBridgeServerOptions { Port = 0, Tokens = [] }));
        Assert.Contains("empty", empty.Message, StringComparison.Ordinal);

        var repeated = Assert.Throws<ArgumentException>(() => new EventBridgeServer(new EventBridgeServerOptions
        {
            Port = 0,
            Tokens = [new EventBridgeToken("a", "same"), new EventBridgeToken("b", "same")],
        }));
        Assert.Contains("same token", repeated.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("\t\n")]
    public void ServerOptions_BlankTokens_Rejected(string blank)
    {
        var shared = Assert.Throws<ArgumentException>(
            () => new EventBridgeServer(new EventBridgeServerOptions { Port = 0, AuthToken = blank }));
        var listed = Assert.Throws<ArgumentException>(() => new EventBridgeServer(new EventBridgeServerOptions
        {
            Port = 0,
            Tokens = [new EventBridgeToken("good", "good-token"), new EventBridgeToken("blank", blank)],
        }));

        Assert.Equal("options", shared.ParamName);
        Assert.Contains("AuthToken must not be empty or only whitespace", shared.Message, StringComparison.Ordinal);
        Assert.Equal("options", listed.ParamName);
        Assert.Contains("Tokens[1] ('blank') is empty or only whitespace", listed.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("publish-allow", "Publish.Allow", "\"a b\" at index 1", "whitespace or control characters")]
    [InlineData("publish-deny", "Publish.Deny", "\"\" at index 1", "must not be empty")]
    [InlineData("receive-allow", "Receive.Allow", "\"eventbridge.*\" at index 1", "never sends over a connection")]
    [InlineData("receive-deny", "Receive.Deny", "\"ops:\" at index 1", "signal part after the colon must not be empty")]
    public void ServerOptions_InvalidPattern_ThrowsNamingToken(string list, string member, string pattern, string rule)
    {
        var bad = list switch
        {
            "publish-allow" => new SignalPermissions(["chat_*", "a b"], null),
            "publish-deny" => new SignalPermissions(null, ["secret", ""]),
            "receive-allow" => new SignalPermissions(["chat_*", "eventbridge.*"], null),
            _ => new SignalPermissions(null, ["secret", "ops:"]),
        };
        var token = new EventBridgeToken("limited", "limited-secret-5f2c");
        token = list.StartsWith("publish", StringComparison.Ordinal) ? token with { Publish = bad } : token with { Receive = bad };

        var error = Assert.Throws<ArgumentException>(() => new EventBridgeServer(new EventBridgeServerOptions
        {
            Port = 0,
            Tokens = [new EventBridgeToken("good", "good-token"), token],
        }));

        Assert.Equal("options", error.ParamName);
        Assert.Contains($"{member} of EventBridgeServerOptions.Tokens[1] ('limited')", error.Message, StringComparison.Ordinal);
        Assert.Contains(pattern, error.Message, StringComparison.Ordinal);
        Assert.Contains(rule, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("limited-secret-5f2c", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerOptions_ReservedDenyPattern_Accepted()
    {
        var token = new EventBridgeToken("watcher", "watcher-token")
        {
            Receive = new SignalPermissions(["eventbridge*"], ["eventbridge.*"]),
        };

        await using var server = new EventBridgeServer(new EventBridgeServerOptions { Port = 0, Tokens = [token] });

        Assert.Equal(0, server.ClientCount);
    }

    [Fact]
    public async Task HelloAfterRefusedEvent_IsRejected()
    {
        await using var server = await TestBridge.StartServerAsync(new EventBridgeServerOptions
        {
            AuthToken = SharedToken,
            HandshakeTimeout = TimeSpan.FromSeconds(2),
        });
        await using var raw = await RawClient.ConnectAsync(server.Port);

        await raw.SendAsync("""{"signal":"chat","kwargs":{"user":"early","text":"x"}}""" + "\n");
        var refused = await raw.ReadFrameAsync(frame => RawClient.Type(frame) == "error");
        await raw.SendAsync($$"""{"type":"hello","name":"late","token":"{{SharedToken}}"}""" + "\n");
        var second = await raw.ReadFrameAsync(frame => RawClient.Type(frame) is "error" or "welcome");
        var timeout = await raw.ReadFrameAsync(frame => RawClient.Type(frame) is "error" or "welcome");

        Assert.Equal("auth_required", refused.GetProperty("code").GetString());
        Assert.Equal("unexpected_hello", second.GetProperty("code").GetString());
        Assert.Equal("auth_timeout", timeout.GetProperty("code").GetString());
        await raw.WaitForCloseAsync();
    }

    [Theory]
    [InlineData("chat", "chat", null, true)]
    [InlineData("chat", "chat", "lobby", true)]
    [InlineData("chat*", "chat_message", null, true)]
    [InlineData("*message", "chat_message", null, true)]
    [InlineData("c*t*e", "chat_message", null, true)]
    [InlineData("chat", "chatter", null, false)]
    [InlineData("lobby:chat", "chat", "lobby", true)]
    [InlineData("lobby:chat", "chat", null, false)]
    [InlineData(":chat", "chat", null, true)]
    [InlineData(":chat", "chat", "lobby", false)]
    [InlineData("*:*", "anything", "anywhere", true)]
    public void Pattern_MatchesSignalAndNamespace(string pattern, string signal, string? @namespace, bool expected)
    {
        var permissions = new SignalPermissions(Allow: [pattern], Deny: null);
        Assert.Equal(expected, permissions.Permits(signal, @namespace));
    }
}
