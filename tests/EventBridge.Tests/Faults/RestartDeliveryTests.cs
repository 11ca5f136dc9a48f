using EventBridge.Tests.Bridge;
using EventBridge.Tests.Hardening;
using Xunit.Abstractions;
using TestBridge = EventBridge.Tests.Bridge.Bridge;

namespace EventBridge.Tests.Faults;

/// <summary>Publishers keep publishing while the server is stopped and restarted five times on the same port.</summary>
[Collection(FaultCollection.Name)]
public sealed class RestartDeliveryTests(ITestOutputHelper output)
{
    private const int Restarts = 5;

    private const int EventsPerPublisher = 7_000;

    /// <summary>The server restarts each time every publisher has emitted this many more events.</summary>
    private const int EventsBetweenRestarts = 1_000;

    private const int ConsumersPerReceiver = 2;

    [Fact]
    [Trait("Category", "Slow")]
    public async Task FiveRestarts_EveryConsumerGetsEachEventOnce()
    {
        TestPayloads.Register();
        var port = TestBridge.FreePort();
        var server = await StartServerAsync(port);
        try
        {
            // As in the kill test, publishers reach the server through a proxy that the test opens only after every
            // receiver is back, because events relayed while a receiver is away are not kept for it.
            await using var gate = new FaultProxy(port);
            var receivers = new List<(EventBridgeClient Client, DeliveryLedger[] Ledgers, StateCounter States, LogCollector Logs)>();
            foreach (var name in new[] { "receiver-1", "receiver-2", "receiver-3" })
            {
                var logs = new LogCollector();
                var client = await ConnectAsync(port, name, logs);
                var ledgers = Enumerable.Range(1, ConsumersPerReceiver)
                    .Select(i => new DeliveryLedger(client.Bus, NumberedPublisher.Signal, $"{name} consumer {i}"))
                    .ToArray();
                receivers.Add((client, ledgers, new StateCounter(client), logs));
            }

            var publishers = new List<NumberedPublisher>();
            foreach (var name in new[] { "publisher-a", "publisher-b", "publisher-c" })
            {
                publishers.Add(new NumberedPublisher(await ConnectAsync(gate.Port, name, logs: null)));
            }

            try
            {
                var publishing = publishers.Select(p => p.PublishAsync(EventsPerPublisher)).ToArray();
                for (var restart = 1; restart <= Restarts; restart++)
                {
                    var threshold = restart * EventsBetweenRestarts;
                    await TestBridge.WaitUntilAsync(
                        () => publishers.All(p => p.Emitted >= threshold), $"every publisher has emitted {threshold} events");

                    await gate.PauseAsync();
                    await server.StopAsync();
                    server = await StartServerAsync(port);
                    var expected = restart;
                    await TestBridge.WaitUntilAsync(
                        () => receivers.All(r => r.States.Entered(EventBridgeClientState.Connected) == expected),
                        $"every receiver is connected to server {restart + 1}");
                    gate.Resume();
                }

                await Task.WhenAll(publishing).WaitAsync(TestBridge.Timeout);
                await TestBridge.WaitUntilAsync(
                    () => publishers.All(p => p.Client.OutboxCount == 0), "the last server acknowledged every event");
                await TestBridge.WaitUntilAsync(
                    () => receivers.All(r => r.Ledgers.All(l => publishers.All(p => l.Has(p.Name, EventsPerPublisher - 1)))),
                    "every consumer has the last event of every publisher");

                foreach (var publisher in publishers)
                {
                    Assert.Equal(Restarts, publisher.AcknowledgedAtLoss.Count);
                    Assert.Equal(0, publisher.Client.DroppedEventCount);
                }

                foreach (var receiver in receivers)
                {
                    Assert.Equal(Restarts, receiver.States.Entered(EventBridgeClientState.Reconnecting));
                    output.WriteLine(
                        $"{receiver.Client.Name}: {receiver.Logs.Texts("DuplicateDropped").Count()} duplicates dropped " +
                        "by the client before its consumers ran");
                    foreach (var ledger in receiver.Ledgers)
                    {
                        foreach (var publisher in publishers)
                        {
                            var missing = ledger.Missing(publisher.Name, EventsPerPublisher);
                            Assert.True(
                                missing.Count == 0,
                                $"{ledger.Name} never got {missing.Count} events of {publisher.Name}: " +
                                $"{string.Join(", ", missing.Take(20))}; acknowledged at each loss: " +
                                string.Join(", ", publisher.AcknowledgedAtLoss));
                            Assert.Empty(ledger.Duplicated(publisher.Name));
                        }
                    }
                }
            }
            finally
            {
                foreach (var publisher in publishers)
                {
                    await publisher.DisposeAsync();
                }

                foreach (var receiver in receivers)
                {
                    foreach (var ledger in receiver.Ledgers)
                    {
                        ledger.Dispose();
                    }

                    await receiver.Client.DisposeAsync();
                }
            }
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    private static async Task<EventBridgeServer> StartServerAsync(int port)
    {
        var server = new EventBridgeServer(new EventBridgeServerOptions { Host = "127.0.0.1", Port = port });
        await server.StartAsync();
        return server;
    }

    private static async Task<EventBridgeClient> ConnectAsync(int port, string name, LogCollector? logs)
    {
        var client = new EventBridgeClient(new EventBus(), new EventBridgeClientOptions
        {
            Host = "127.0.0.1",
            Port = port,
            Name = name,
            LoggerFactory = logs,
            ReconnectDelay = TimeSpan.FromMilliseconds(20),
            MaxReconnectDelay = TimeSpan.FromMilliseconds(200),
        });
        await client.ConnectAsync();
        return client;
    }
}
