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
        // As in the kill test, publishers reach the server through a proxy that the test opens only after every
        // receiver is back, because events relayed while a receiver is away are not kept for it.
        await RunRestartsAsync(gatePublishers: true, (receivers, publishers) =>
        {
            foreach (var ledger in receivers.SelectMany(r => r.Ledgers))
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
        });
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task FiveRestarts_UnorderedReconnectsLoseOnlyRuns()
    {
        // Publishers and receivers reconnect in whatever order their backoff gives. A receiver then misses what a
        // publisher that was back first sent before it: one run of consecutive events per restart at most.
        await RunRestartsAsync(gatePublishers: false, (receivers, publishers) =>
        {
            foreach (var ledger in receivers.SelectMany(r => r.Ledgers))
            {
                foreach (var publisher in publishers)
                {
                    var missing = ledger.Missing(publisher.Name, EventsPerPublisher);
                    var runs = missing.Where((n, i) => i == 0 || missing[i - 1] != n - 1).Count();
                    output.WriteLine($"{ledger.Name} from {publisher.Name}: {missing.Count} events lost in {runs} runs");
                    Assert.Empty(ledger.Duplicated(publisher.Name));
                    Assert.True(
                        runs <= Restarts,
                        $"{ledger.Name} lost events of {publisher.Name} in {runs} separate runs, more than one per " +
                        $"restart: {string.Join(", ", missing.Take(50))}");
                }
            }
        });
    }

    /// <summary>
    /// Starts three receivers with two consumers each and three publishers, restarts the server five times while
    /// the publishers publish, waits until every consumer has every publisher's last event, and runs
    /// <paramref name="check"/> on the result.
    /// </summary>
    /// <param name="gatePublishers">
    /// Whether publishers connect through a proxy that is closed during each restart until every receiver is back.
    /// </param>
    /// <param name="check">The checks on the receivers' ledgers, given the publishers.</param>
    private async Task RunRestartsAsync(bool gatePublishers, Action<IReadOnlyList<Receiver>, IReadOnlyList<NumberedPublisher>> check)
    {
        TestPayloads.Register();
        var port = TestBridge.FreePort();
        var server = await StartServerAsync(port);
        try
        {
            await using var gate = new FaultProxy(port);
            var receivers = new List<Receiver>();
            foreach (var name in new[] { "receiver-1", "receiver-2", "receiver-3" })
            {
                var logs = new LogCollector();
                var client = await ConnectAsync(port, name, logs);
                var ledgers = Enumerable.Range(1, ConsumersPerReceiver)
                    .Select(i => new DeliveryLedger(client.Bus, NumberedPublisher.Signal, $"{name} consumer {i}"))
                    .ToArray();
                receivers.Add(new Receiver(client, ledgers, new StateCounter(client), logs));
            }

            var publishers = new List<NumberedPublisher>();
            foreach (var name in new[] { "publisher-a", "publisher-b", "publisher-c" })
            {
                publishers.Add(new NumberedPublisher(await ConnectAsync(gatePublishers ? gate.Port : port, name, logs: null)));
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
                }

                check(receivers, publishers);
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

    /// <summary>A receiving client, its consumers' ledgers, its state changes and its log.</summary>
    private sealed record Receiver(EventBridgeClient Client, DeliveryLedger[] Ledgers, StateCounter States, LogCollector Logs);
}
