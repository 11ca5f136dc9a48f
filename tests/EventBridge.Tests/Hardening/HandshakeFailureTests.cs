using System.Net.Sockets;
using System.Text;
using EventBridge.Tests.Bridge;
using TestBridge = EventBridge.Tests.Bridge.Bridge;

namespace EventBridge.Tests.Hardening;

/// <summary>How a server that requires tokens ends a handshake that cannot succeed.</summary>
public sealed class HandshakeFailureTests
{
    private const string SharedToken = "shared-secret-7c21";

    [Theory]
    [InlineData("""{"type":"hello","name":"numeric","token":42}""", "\"token\" must be a string")]
    [InlineData("""{"type":"hello","name":"array","token":["x"]}""", "\"token\" must be a string")]
    [InlineData("""{"type":"hello","name":"cut""", "not valid JSON")]
    [InlineData("""["hello"]""", "one JSON object")]
    public async Task InvalidFirstFrame_AuthFailedAtOnce(string firstFrame, string expectedReason)
    {
        var logs = new LogCollector();

        // Longer than every wait below, so only an immediate rejection can pass.
        await using var server = await TestBridge.StartServerAsync(new EventBridgeServerOptions
        {
            AuthToken = SharedToken,
            HandshakeTimeout = TestBridge.Timeout * 4,
            LoggerFactory = logs,
        });
        await using var raw = await RawClient.ConnectAsync(server.Port);

        await raw.SendAsync(firstFrame + "\n");
        var error = await raw.ReadFrameAsync(frame => RawClient.Type(frame) == "error");

        Assert.Equal("auth_failed", error.GetProperty("code").GetString());
        Assert.Contains(expectedReason, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("hello frame with a valid token", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        await raw.WaitForCloseAsync();
        await TestBridge.WaitUntilAsync(() => server.ClientCount == 0, "the rejected client is removed");
        Assert.Single(logs.Texts("AuthenticationFailed"));
    }

    [Fact]
    public async Task InvalidFrameAfterHello_KeepsConnection()
    {
        await using var server = await TestBridge.StartServerAsync(new EventBridgeServerOptions { AuthToken = SharedToken });
        await using var raw = await RawClient.ConnectAsync(server.Port);
        await raw.SendAsync($$"""{"type":"hello","name":"valid","token":"{{SharedToken}}"}""" + "\n");
        await raw.ReadFrameAsync(frame => RawClient.Type(frame) == "welcome");

        await raw.SendAsync("""{"signal":"chat","seq":"one"}""" + "\n");
        var error = await raw.ReadFrameAsync(frame => RawClient.Type(frame) == "error");
        await raw.SendAsync("""{"type":"ping"}""" + "\n");
        var pong = await raw.ReadFrameAsync(frame => RawClient.Type(frame) is "pong" or "error");

        Assert.Equal("invalid_frame", error.GetProperty("code").GetString());
        Assert.Equal("pong", RawClient.Type(pong));
    }

    /// <summary>
    /// The handshake timer fires while the server flushes its auth_timeout error to a client that does not read, and
    /// an invalid frame then arrives during that flush. The connection must be rejected once, not a second time with
    /// auth_failed.
    /// </summary>
    /// <remarks>
    /// NOTE: the flush lasts at most one second after the auth_timeout. On a machine so loaded that the invalid frame
    /// arrives later, the server has closed the connection already and the test passes without testing the race.
    /// </remarks>
    [Fact]
    public async Task TimeoutDuringFailedFlush_RejectedOnce()
    {
        var logs = new LogCollector();
        await using var server = await TestBridge.StartServerAsync(new EventBridgeServerOptions
        {
            AuthToken = SharedToken,
            HandshakeTimeout = TimeSpan.FromSeconds(3),
            MaxPendingBytesPerClient = 0,
            WriteTimeout = TimeSpan.Zero,
            LoggerFactory = logs,
        });

        // A small receive buffer and a flood of frames that each get an auth_required error fill the socket buffers
        // of both sides, so the server's write loop blocks and the flush after the auth_timeout lasts its full second.
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await socket.ConnectAsync("127.0.0.1", server.Port);
        var flood = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"type\":\"pong\"}\n", 200_000)));
        await socket.SendAsync(flood);

        await TestBridge.WaitUntilAsync(() => logs.Contains("AuthenticationFailed"), "the handshake times out");
        await socket.SendAsync(Encoding.UTF8.GetBytes("not json\n"));
        await DrainUntilClosedAsync(socket);

        await TestBridge.WaitUntilAsync(() => server.ClientCount == 0, "the rejected client is removed");
        var rejection = Assert.Single(logs.Texts("AuthenticationFailed"));
        Assert.Contains("auth_timeout", rejection, StringComparison.Ordinal);
    }

    /// <summary>Reads until the server closes the connection. A reset counts as a close too.</summary>
    private static async Task DrainUntilClosedAsync(Socket socket)
    {
        var buffer = new byte[64 * 1024];
        using var cancel = new CancellationTokenSource(TestBridge.Timeout);
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, cancel.Token) > 0)
            {
            }
        }
        catch (SocketException exception) when (exception.SocketErrorCode == SocketError.ConnectionReset)
        {
        }
    }
}
