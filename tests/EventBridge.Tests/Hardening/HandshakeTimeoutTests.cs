using EventBridge.Tests.Bridge;
using TestBridge = EventBridge.Tests.Bridge.Bridge;

namespace EventBridge.Tests.Hardening;

/// <summary>
/// Checks that the handshake timeout does not apply to a plain server without tokens, where <c>hello</c> is optional.
/// The TLS and token cases, where it does apply, are in <c>TlsTests</c> and <c>AuthTests</c>.
/// </summary>
public sealed class HandshakeTimeoutTests
{
    [Fact]
    public async Task PlainServer_SilentListener_StaysOpen()
    {
        var handshakeTimeout = TimeSpan.FromSeconds(1);
        await using var server = await TestBridge.StartServerAsync(new EventBridgeServerOptions { HandshakeTimeout = handshakeTimeout });

        // A listen-only client, like nc or a minimal script, connects and never sends a byte.
        await using var listener = await RawClient.ConnectAsync(server.Port);
        await TestBridge.WaitUntilAsync(() => server.ClientCount == 1, "the server has the listener");
        await Task.Delay(handshakeTimeout * 3);

        await using var alice = await TestBridge.ConnectAsync(server, "alice");
        alice.Bus.Emit("chat", new ChatLine("alice", "for the listener"));

        var frame = await listener.ReadFrameAsync(frame => RawClient.Type(frame) == "event");
        Assert.Equal("chat", frame.GetProperty("signal").GetString());
        Assert.Equal("for the listener", frame.GetProperty("kwargs").GetProperty("text").GetString());
        Assert.Equal(2, server.ClientCount);
    }
}
