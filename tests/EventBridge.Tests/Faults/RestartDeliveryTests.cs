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

    /// <summary>The events each publisher emits to a restarted server before the gated receivers may reconnect.</summary>
    private const int EventsWhileReceiversAway = 200;

    [Fact]
    [Trait("Category", "Slow")]
    public Task FiveRestarts_ReceiversBackLast_EveryConsumerGetsEachEventOnce() =>
        // Receivers reach the server through a proxy that the test opens only after every publisher is back and has
        // published more, so each receiver depends on the server replaying what it missed.
        RunRestartsAsync(Gated.Receivers);

    [Fact]
    [Trait("Category", "Slow")]
    public Task FiveRestarts_UnorderedReconnects_EveryConsumerGetsEachEventOnce() =>
        // Publishers and receivers reconnect in whatever order their backoff gives.
        RunRestartsAsync(Gated.Nobody);

    [Fact]
    [Trait("Category", "Slow")]
    public async Task FiveRestarts_WithoutReplay_ReceiversBackLastMissEvents()
    {
        // The same restarts with replay turned off on the server: this shows that the other tests depend on it.
        var missed = 0;
        await RunRestartsAsync(Gated.Receivers, replayBufferBytes: 0, check: (receivers, publishers) =>
        {
            missed = receivers.SelectMany(r => r.Ledgers)
                .Sum(ledger => publishers.Sum(p => ledger.Missing(p.Name, EventsPerPublisher).Count));
        });
        output.WriteLine($"{missed} deliveries missed without replay");
        Assert.True(missed > 0, "Without replay, receivers that come back last should have missed events.");
    }

    /// <summary>Which clients connect through the proxy that stays closed after each restart until the others are back.</summary>
    private enum Gated
    {
        Nobody,
        Receivers,
    }

    /// <summary>Checks that every consumer got every publisher's events exactly once.</summary>
    private static void AssertExactlyOnce(IReadOnlyList<Receiver> receivers, IReadOnlyList<NumberedPublisher> publishers)
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

        foreach (var receiver in receivers)
        {
            Assert.Equal(0, receiver.Client.ReplayGaps);
        }
    }

    /// <summary>
    /// Starts three receivers with two consumers each and three publishers, restarts the server five times while
    /// the publishers publish, waits until every consumer has every publisher's last event, and runs
    /// <paramref name="check"/> on the result.
    /// </summary>
    /// <param name="gated">The clients that reconnect only after the others are back and publishing.</param>
    /// <param name="replayBufferBytes">The server's replay buffer.</param>
    /// <param name="check">The checks on the receivers' ledgers, given the publishers; by default exactly once.</param>
    private async Task RunRestartsAsync(
        Gated gated,
        int replayBufferBytes = 8 * 1024 * 1024,
        Action<IReadOnlyList<Receiver>, IReadOnlyList<NumberedPublisher>>? check = null)
    {
        TestPayloads.Register();
        var port = TestBridge.FreePort();
        var server = await StartServerAsync(port, replayBufferBytes);
        try
        {
            await using var gate = new FaultProxy(port);
            var receivers = new List<Receiver>();
            foreach (var name in new[] { "receiver-1", "receiver-2", "receiver-3" })
            {
                var logs = new LogCollector();
                var client = await ConnectAsync(gated == Gated.Receivers ? gate.Port : port, name, logs);
                var ledgers = Enumerable.Range(1, ConsumersPerReceiver)
                    .Select(i => new DeliveryLedger(client.Bus, NumberedPublisher.Signal, $"{name} consumer {i}"))
                    .ToArray();
                receivers.Add(new Receiver(client, ledgers, new StateCounter(client), logs));
            }

            var publishers = new List<NumberedPublisher>();
            var publisherStates = new List<StateCounter>();
            foreach (var name in new[] { "publisher-a", "publisher-b", "publisher-c" })
            {
                var publisher = new NumberedPublisher(await ConnectAsync(port, name, logs: null));
                publishers.Add(publisher);
                publisherStates.Add(new StateCounter(publisher.Client));
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
                    server = await StartServerAsync(port, replayBufferBytes);
                    var expected = restart;
                    if (gated == Gated.Receivers)
                    {
                        await TestBridge.WaitUntilAsync(
                            () => publisherStates.All(states => states.Entered(EventBridgeClientState.Connected) == expected),
                            $"every publisher is connected to server {restart + 1}");
                        var resumedFrom = publishers.Select(p => p.Emitted).ToArray();
                        await TestBridge.WaitUntilAsync(
                            () => publishers.Select((p, i) => p.Emitted >= resumedFrom[i] + EventsWhileReceiversAway).All(done => done),
                            $"every publisher has emitted {EventsWhileReceiversAway} events to server {restart + 1}");
                        gate.Resume();
                    }

                    await TestBridge.WaitUntilAsync(
                        () => receivers.All(r => r.States.Entered(EventBridgeClientState.Connected) == expected),
                        $"every receiver is connected to server {restart + 1}");
                    if (gated != Gated.Receivers)
                    {
                        gate.Resume();
                    }
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

                (check ?? AssertExactlyOnce)(receivers, publishers);
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

    private static async Task<EventBridgeServer> StartServerAsync(int port, int replayBufferBytes)
    {
        var server = new EventBridgeServer(
            new EventBridgeServerOptions { Host = "127.0.0.1", Port = port, ReplayBufferBytes = replayBufferBytes });
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
