using System.Net.Sockets;
using EventBridge.Tests.Bridge;
using TestBridge = EventBridge.Tests.Bridge.Bridge;

namespace EventBridge.Tests.Hardening;

public sealed class SlowConsumerTests
{
    /// <summary>Just under the 1 MiB default frame limit once the envelope is added.</summary>
    private const int LargeTextLength = 1_000_000;

    [Fact]
    [Trait("Category", "Slow")]
    public async Task StalledReader_DisconnectedHealthyGetsAll()
    {
        var logs = new LogCollector();
        await using var server = await TestBridge.StartServerAsync(new EventBridgeServerOptions { LoggerFactory = logs });
        await using var healthy = await TestBridge.ConnectAsync(server, "healthy");
        using var atHealthy = new EventRecorder(healthy.Bus, "blob");
        await using var publisher = await TestBridge.ConnectAsync(server, "publisher");
        using var stalled = await ConnectStalledReaderAsync(server.Port);
        await TestBridge.WaitForClientsAsync(server, 3);

        var text = new string('x', LargeTextLength);
        for (var i = 0; i < 100; i++)
        {
            publisher.Bus.Emit("blob", new ChatLine("publisher", i + text));

            // The healthy reader stays within four events (4 MB) of the publisher, far below the 16 MiB queue limit.
            // Only the stalled reader's queue grows past the limit, even on a busy machine.
            if (i >= 4)
            {
                await atHealthy.WaitForCountAsync(i - 3);
            }
        }

        var received = await WaitForAllAsync(atHealthy, 100, server);
        Assert.Equal(100, received.Count);
        for (var i = 0; i < 100; i++)
        {
            Assert.StartsWith(i + "xxx", received[i].GetPayload(TestPayloads.ChatLine).Text, StringComparison.Ordinal);
        }

        await TestBridge.WaitUntilAsync(() => server.ClientCount == 2, "the stalled client is disconnected");
        Assert.Equal(1, server.SlowConsumerDisconnects);
        Assert.True(logs.Contains("SlowConsumer"));

        // The disconnect line is logged after the session leaves the server's table, so it may trail the count.
        await TestBridge.WaitUntilAsync(
            () => logs.Texts("ClientDisconnected").Any(text => text.Contains("slow consumer", StringComparison.Ordinal)),
            "the disconnect is logged with its reason");
        await TestBridge.WaitUntilAsync(() => publisher.OutboxCount == 0, "the publisher's events are acknowledged");
        Assert.True(healthy.IsConnected);
        Assert.True(publisher.IsConnected);
    }

    [Fact]
    public async Task StalledReader_DisconnectedAfterWriteTimeout()
    {
        var logs = new LogCollector();
        var options = new EventBridgeServerOptions
        {
            LoggerFactory = logs,
            MaxPendingBytesPerClient = 256L * 1024 * 1024,
            // Long enough that the healthy reader, descheduled on a loaded machine, never trips it while a 1 MiB
            // frame is written. The stalled reader trips it whatever the value.
            WriteTimeout = TimeSpan.FromSeconds(3),
        };
        await using var server = await TestBridge.StartServerAsync(options);

        // The 40 events arrive in a burst. The consumer queue takes them all, because this test is about the server, and
        // a consumer descheduled on a busy machine must not make the client drop one.
        await using var healthy = await TestBridge.ConnectAsync(
            server, "healthy", options => options with { ConsumerQueueMaxBytes = 64L * 1024 * 1024 });
        using var atHealthy = new EventRecorder(healthy.Bus, "blob");
        await using var publisher = await TestBridge.ConnectAsync(server, "publisher");
        using var stalled = await ConnectStalledReaderAsync(server.Port);
        await TestBridge.WaitForClientsAsync(server, 3);

        // 40 MiB is far more than loopback socket buffers hold, so a write to the stalled reader must block.
        var text = new string('y', LargeTextLength);
        for (var i = 0; i < 40; i++)
        {
            publisher.Bus.Emit("blob", new ChatLine("publisher", text));
        }

        await WaitForAllAsync(atHealthy, 40, server);
        await TestBridge.WaitUntilAsync(() => server.ClientCount == 2, "the stalled client is disconnected");
        Assert.Equal(1, server.SlowConsumerDisconnects);
        Assert.True(logs.Contains("WriteTimedOut"));

        // The disconnect line is logged after the session leaves the server's table, so it may trail the count.
        await TestBridge.WaitUntilAsync(
            () => logs.Texts("ClientDisconnected").Any(text => text.Contains("write timed out", StringComparison.Ordinal)),
            "the disconnect is logged with its reason");
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task SlowReader_SenderWaitsReaderKeepsUp()
    {
        const int Events = 10_000;

        // Without server pings, event frames are the only lines the reader gets.
        var options = new EventBridgeServerOptions { MaxPendingBytesPerClient = 1024 * 1024, PingInterval = TimeSpan.Zero };
        await using var server = await TestBridge.StartServerAsync(options);
        // The outbox has room for every event, so that none is dropped while the server makes the publisher wait.
        await using var publisher = await TestBridge.ConnectAsync(
            server, "publisher", options => options with { OutboxCapacity = Events });
        using var slow = await ConnectStalledReaderAsync(server.Port, receiveBufferBytes: 64 * 1024);
        await TestBridge.WaitForClientsAsync(server, 2);

        // About 10 MiB for a reader that takes 16 KiB every 2 ms or more, so at most 8 MB/s. That is far slower than the
        // publisher, whose events would pass the reader's 1 MiB queue limit at once if the server did not make it wait.
        var text = new string('s', 1000);
        var reading = ReadSlowlyAsync(slow, Events);
        for (var i = 0; i < Events; i++)
        {
            publisher.Bus.Emit("chunk", new ChatLine("publisher", text));
            if (i % 1000 == 999)
            {
                // Yield now and then, so that a one-core scheduler still runs the reader.
                await Task.Yield();
            }
        }

        var received = await reading.WaitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal(Events, received);
        Assert.Equal(0, server.SlowConsumerDisconnects);
        Assert.True(server.SenderWaits > 0, "The publisher never waited for the slow reader.");
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task StalledReader_CountedOncePublisherDropsNothing()
    {
        const int Events = 20_000;
        var logs = new LogCollector();
        var options = new EventBridgeServerOptions
        {
            LoggerFactory = logs,
            MaxPendingBytesPerClient = 1024 * 1024,
            WriteTimeout = TimeSpan.FromSeconds(2),
            PingInterval = TimeSpan.Zero,
        };
        await using var server = await TestBridge.StartServerAsync(options);
        await using var publisher = await TestBridge.ConnectAsync(server, "publisher");
        using var stalled = await ConnectStalledReaderAsync(server.Port);
        await TestBridge.WaitForClientsAsync(server, 2);

        // About 11 MB for a reader that reads nothing: its queue passes the limit, and its last write times out too.
        var text = new string('s', 500);
        for (var i = 0; i < Events; i++)
        {
            publisher.Bus.Emit("chunk", new ChatLine("publisher", text));
            while (publisher.OutboxCount > 5_000)
            {
                await Task.Delay(1);
            }
        }

        await TestBridge.WaitUntilAsync(() => publisher.OutboxCount == 0, "the server acknowledges every event");
        await TestBridge.WaitUntilAsync(() => server.ClientCount == 1, "the stalled client is disconnected");
        await Task.Delay(options.WriteTimeout + TimeSpan.FromSeconds(1));

        Assert.Equal(0, publisher.DroppedEventCount);
        Assert.Equal(1, server.SlowConsumerDisconnects);
        Assert.Single(logs.Texts("ClientDisconnected"), line => line.Contains("slow consumer", StringComparison.Ordinal));
    }

    /// <summary>Reads 16 KiB at a time, with a pause after each read, until <paramref name="events"/> frames arrived.</summary>
    private static async Task<int> ReadSlowlyAsync(Socket socket, int events)
    {
        var buffer = new byte[16 * 1024];
        var received = 0;
        while (received < events)
        {
            var read = await socket.ReceiveAsync(buffer);
            if (read == 0)
            {
                return received;
            }

            received += buffer.AsSpan(0, read).Count((byte)'\n');
            await Task.Delay(2);
        }

        return received;
    }

    /// <summary>Waits for the healthy client's events, saying in the failure what the server counted.</summary>
    private static async Task<IReadOnlyList<EventMessage>> WaitForAllAsync(EventRecorder recorder, int count, EventBridgeServer server)
    {
        try
        {
            return await recorder.WaitForCountAsync(count, TimeSpan.FromSeconds(50));
        }
        catch (TimeoutException exception)
        {
            throw new TimeoutException(
                $"{exception.Message} Slow consumer disconnects: {server.SlowConsumerDisconnects}; clients: {server.ClientCount}.",
                exception);
        }
    }

    /// <summary>Connects, sends a hello, reads the welcome, then never reads again; the receive buffer is tiny by default.</summary>
    private static async Task<Socket> ConnectStalledReaderAsync(int port, int receiveBufferBytes = 4096)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
        {
            ReceiveBufferSize = receiveBufferBytes,
        };
        await socket.ConnectAsync("127.0.0.1", port);
        await socket.SendAsync("""{"type":"hello","name":"stalled"}"""u8.ToArray().Append((byte)'\n').ToArray());
        var buffer = new byte[1024];
        var read = 0;
        while (Array.IndexOf(buffer, (byte)'\n', 0, read) < 0)
        {
            read += await socket.ReceiveAsync(buffer.AsMemory(read));
        }

        return socket;
    }
}
