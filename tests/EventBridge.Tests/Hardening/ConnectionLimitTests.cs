using EventBridge.Tests.Bridge;
using TestBridge = EventBridge.Tests.Bridge.Bridge;

namespace EventBridge.Tests.Hardening;

public sealed class ConnectionLimitTests
{
    [Fact]
    public async Task ConnectionOverLimit_RejectedWithError()
    {
        var logs = new LogCollector();
        await using var server = await TestBridge.StartServerAsync(new EventBridgeServerOptions { MaxConnections = 2, LoggerFactory = logs });
        await using var first = await RawClient.ConnectAsync(server.Port, hello: "first");
        await using (var second = await RawClient.ConnectAsync(server.Port, hello: "second"))
        {
            await using var third = await RawClient.ConnectAsync(server.Port);
            var error = await third.ReadFrameAsync(frame => RawClient.Type(frame) == "error");
            Assert.Equal("too_many_connections", error.GetProperty("code").GetString());
            await third.WaitForCloseAsync();
            Assert.Equal(1, server.RejectedConnections);
            Assert.True(logs.Contains("ConnectionRejected"));
            Assert.Equal(2, server.ClientCount);
        }

        // Once a client leaves, a new one is accepted.
        await TestBridge.WaitUntilAsync(() => server.ClientCount == 1, "the second client is removed");
        await using var fourth = await RawClient.ConnectAsync(server.Port, hello: "fourth");
        Assert.Equal(2, server.ClientCount);
    }
}
