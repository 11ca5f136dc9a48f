using System.Net;
using System.Net.Sockets;
using System.Text;
using EventBridge.Tests.Bridge;
using TestBridge = EventBridge.Tests.Bridge.Bridge;

namespace EventBridge.Tests.Hardening;

public sealed class HeartbeatTests
{
    [Fact]
    public async Task SilentServer_ClientReconnects()
    {
        await using var server = await TestBridge.StartServerAsync();
        await using var proxy = new StallingProxy(server.Port);
        await using var sender = await TestBridge.ConnectAsync(server, "sender");
        var bus = new EventBus();
        using var atReceiver = new EventRecorder(bus, "chat");
        await using var receiver = new EventBridgeClient(bus, new EventBridgeClientOptions
        {
            Port = proxy.Port,
            Name = "receiver",
            PingInterval = TimeSpan.FromMilliseconds(200),
            ReconnectDelay = TimeSpan.FromMilliseconds(50),
        });
        var states = new List<EventBridgeClientState>();
        receiver.StateChanged += (_, change) =>
        {
            lock (states)
            {
                states.Add(change.Current);
            }
        };
        await receiver.ConnectAsync();
        await TestBridge.WaitForClientsAsync(server, 2);

        proxy.Stall();
        await TestBridge.WaitUntilAsync(() => proxy.Connections == 2 && receiver.IsConnected, "the receiver reconnects");
        lock (states)
        {
            Assert.Contains(EventBridgeClientState.Reconnecting, states);
        }

        // The welcome that made the receiver connected again was sent after the server registered the new connection.
        sender.Bus.Emit("chat", new ChatLine("sender", "after the stall"));
        var events = await atReceiver.WaitForCountAsync(1);
        Assert.Equal("after the stall", Assert.Single(events).GetPayload(TestPayloads.ChatLine).Text);
    }

    [Fact]
    public async Task SilentPingingClient_ClosedByServer()
    {
        var options = new EventBridgeServerOptions
        {
            PingInterval = TimeSpan.FromMilliseconds(100),
            IdleTimeout = TimeSpan.FromMilliseconds(500),
        };
        await using var server = await TestBridge.StartServerAsync(options);
        await using var pinger = await RawClient.ConnectAsync(server.Port, hello: "pinger");
        await pinger.SendAsync("""{"type":"ping"}""" + "\n");
        await pinger.ReadFrameAsync(frame => RawClient.Type(frame) == "pong");

        await pinger.WaitForCloseAsync();
        await TestBridge.WaitUntilAsync(() => server.ClientCount == 0, "the server removes the pinger");
        Assert.Equal(1, server.IdleDisconnects);
    }

    [Fact]
    public async Task ListenOnlyClient_PingedButKept()
    {
        var options = new EventBridgeServerOptions
        {
            PingInterval = TimeSpan.FromMilliseconds(100),
            IdleTimeout = TimeSpan.FromMilliseconds(300),
        };
        await using var server = await TestBridge.StartServerAsync(options);
        await using var listener = await RawClient.ConnectAsync(server.Port, hello: "listener");

        // Several pings arrive, spanning more than the idle timeout, and the connection stays open.
        for (var i = 0; i < 6; i++)
        {
            await listener.ReadFrameAsync(frame => RawClient.Type(frame) == "ping");
        }

        Assert.Equal(1, server.ClientCount);
        Assert.Equal(0, server.IdleDisconnects);
    }

    [Fact]
    public async Task ClientThatSends_NotPingedUntilSilent()
    {
        var options = new EventBridgeServerOptions { PingInterval = TimeSpan.FromMilliseconds(500), IdleTimeout = TimeSpan.Zero };
        await using var server = await TestBridge.StartServerAsync(options);
        await using var listener = await RawClient.ConnectAsync(server.Port, hello: "listener");
        await using var talker = await RawClient.ConnectAsync(server.Port, hello: "talker");

        using var stop = new CancellationTokenSource();
        var talking = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await talker.SendAsync("""{"signal":"chatter","args":[],"kwargs":{}}""" + "\n");
                await Task.Delay(50);
            }
        });

        // While the listener, which sends nothing, is pinged three times, the talker is heard from all along.
        for (var i = 0; i < 3; i++)
        {
            await listener.ReadFrameAsync(frame => RawClient.Type(frame) == "ping");
        }

        await stop.CancelAsync();
        await talking;
        var pingsWhileTalking = 0;
        try
        {
            while (true)
            {
                await talker.ReadFrameAsync(frame => RawClient.Type(frame) == "ping", TimeSpan.FromMilliseconds(100));
                pingsWhileTalking++;
            }
        }
        catch (Exception exception) when (exception is TimeoutException or OperationCanceledException)
        {
        }

        // One ping is allowed for a send loop that a busy machine held up for a whole interval.
        Assert.InRange(pingsWhileTalking, 0, 1);

        // Once silent, the talker is pinged like any other client.
        await talker.ReadFrameAsync(frame => RawClient.Type(frame) == "ping");
    }

    [Fact]
    public async Task ServerPing_AnsweredByClient()
    {
        // A scripted server, so that the test sees exactly what the client writes back.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        await using var client = new EventBridgeClient(new EventBus(), new EventBridgeClientOptions
        {
            Port = port,
            Name = "client",
            PingInterval = TimeSpan.Zero,
        });
        var connecting = client.ConnectAsync();

        using var accepted = await listener.AcceptAsync();
        await using var stream = new NetworkStream(accepted);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var hello = await reader.ReadLineAsync().WaitAsync(TestBridge.Timeout);
        Assert.Contains("\"hello\"", hello, StringComparison.Ordinal);
        await stream.WriteAsync(Encoding.UTF8.GetBytes(
            """{"type":"welcome","name":"client","address":"127.0.0.1:1","server":"scripted","protocol":1,"acks":true}""" + "\n"
            + """{"type":"ping"}""" + "\n"));
        await connecting.WaitAsync(TestBridge.Timeout);

        var answer = await reader.ReadLineAsync().WaitAsync(TestBridge.Timeout);
        Assert.Equal("""{"type":"pong"}""", answer);
    }
}
