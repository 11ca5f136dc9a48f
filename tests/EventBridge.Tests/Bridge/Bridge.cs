using System.Net.Sockets;

namespace EventBridge.Tests.Bridge;

/// <summary>Starts servers and clients on 127.0.0.1 with ephemeral ports, and waits on conditions.</summary>
internal static class Bridge
{
    /// <summary>A generous bound for every wait: the machines that run the tests are shared and can be slow.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Starts a server on 127.0.0.1 and <paramref name="port"/>, whatever <paramref name="options"/> say.</summary>
    /// <param name="options">Other settings.</param>
    /// <param name="port">0, the default, picks a free port; tests that restart a server pass a fixed one.</param>
    public static async Task<EventBridgeServer> StartServerAsync(EventBridgeServerOptions? options = null, int port = 0)
    {
        TestPayloads.Register();
        var server = new EventBridgeServer((options ?? new EventBridgeServerOptions()) with { Host = "127.0.0.1", Port = port });
        await server.StartAsync();
        return server;
    }

    public static async Task<EventBridgeClient> ConnectAsync(
        EventBridgeServer server,
        string name,
        Func<EventBridgeClientOptions, EventBridgeClientOptions>? configure = null,
        EventBus? bus = null)
    {
        TestPayloads.Register();
        var options = new EventBridgeClientOptions { Host = "127.0.0.1", Port = server.Port, Name = name };
        var client = new EventBridgeClient(bus ?? new EventBus(), configure is null ? options : configure(options));
        await client.ConnectAsync();
        return client;
    }

    /// <summary>Waits until <paramref name="condition"/> holds, checking it every 10 ms, or fails after the timeout.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string description, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Timeout);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting until {description}.");
            }

            await Task.Delay(10);
        }
    }

    /// <summary>
    /// Waits until <paramref name="client"/> has run its consumers for every event it received so far. Consumers run
    /// from queues of their own, so a test that saw one consumer run waits here before it checks what another
    /// consumer received from an earlier event.
    /// </summary>
    public static Task WaitForDeliveriesAsync(EventBridgeClient client) =>
        WaitUntilAsync(() => client.PendingDeliveryCount == 0, $"{client.Name} ran its consumers for every received event");

    /// <summary>Waits until the server reports <paramref name="count"/> announced clients.</summary>
    public static Task WaitForClientsAsync(EventBridgeServer server, int count) =>
        WaitUntilAsync(() => server.Clients.Count == count, $"the server has {count} clients");

    /// <summary>Returns a port that was free a moment ago, for tests that restart a server on the same port.</summary>
    public static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        return ((System.Net.IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
