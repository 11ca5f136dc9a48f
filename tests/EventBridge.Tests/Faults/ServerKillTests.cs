using System.Globalization;
using EventBridge.Tests.Bridge;
using EventBridge.Tests.Cli;
using EventBridge.Tests.Hardening;
using Xunit.Abstractions;
using TestBridge = EventBridge.Tests.Bridge.Bridge;

namespace EventBridge.Tests.Faults;

/// <summary>
/// Kills a real <c>eventbridge serve</c> process with SIGKILL while three clients publish, restarts it on the same
/// port, and checks every receiver's losses and duplicates against the delivery guarantees in docs/limits.md.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class ServerKillTests(ITestOutputHelper output)
{
    private const int EventsPerPublisher = 8_000;

    /// <summary>
    /// The server is killed once every publisher has emitted this many events, a quarter of its total, so that the
    /// kill interrupts publishing however fast the machine delivers.
    /// </summary>
    private const int KillAfter = 2_000;

    [SkippableFact]
    [Trait("Category", "Slow")]
    public async Task Sigkill_DuringPublishing_LosesOnlyAckedUnwritten()
    {
        Skip.If(OperatingSystem.IsWindows(), "SIGKILL is a POSIX signal.");
        TestPayloads.Register();

        var (first, port) = await CommandProcess.StartServerAsync();
        var server = first;
        try
        {
            // Receivers connect straight to the server. Publishers connect through a proxy that the test keeps closed
            // after the kill until every receiver is back. The guarantees cover receivers that are connected when an
            // event is relayed, so no resent event may reach the restarted server before the receivers do.
            await using var gate = new FaultProxy(port);
            var receivers = new List<(EventBridgeClient Client, DeliveryLedger Ledger, StateCounter States, LogCollector Logs)>();
            foreach (var name in new[] { "receiver-1", "receiver-2", "receiver-3" })
            {
                var logs = new LogCollector();
                var client = await ConnectAsync(port, name, logs);
                receivers.Add((client, new DeliveryLedger(client.Bus, NumberedPublisher.Signal, name), new StateCounter(client), logs));
            }

            var publishers = new List<(NumberedPublisher Publisher, StateCounter States)>();
            foreach (var name in new[] { "publisher-a", "publisher-b", "publisher-c" })
            {
                var client = await ConnectAsync(gate.Port, name, logs: null);
                publishers.Add((new NumberedPublisher(client), new StateCounter(client)));
            }

            try
            {
                var publishing = publishers.Select(p => p.Publisher.PublishAsync(EventsPerPublisher, burst: 50)).ToArray();
                await TestBridge.WaitUntilAsync(
                    () => receivers.All(r => publishers.All(p => r.Ledger.Has(p.Publisher.Name, 0))),
                    "every receiver has the first event of every publisher");
                await TestBridge.WaitUntilAsync(
                    () => publishers.All(p => p.Publisher.Emitted >= KillAfter),
                    $"every publisher has emitted {KillAfter} events");

                await server.SignalAsync("KILL");
                await gate.PauseAsync();
                await server.WaitForExitAsync(CommandProcess.Timeout);
                Assert.All(publishers, p => Assert.True(
                    p.Publisher.Emitted < EventsPerPublisher,
                    $"{p.Publisher.Name} had finished publishing before the kill, which this test needs to interrupt."));

                server = await StartServerAsync(port);
                await TestBridge.WaitUntilAsync(
                    () => receivers.All(r => r.States.Entered(EventBridgeClientState.Connected) == 1),
                    "every receiver is connected to the restarted server");
                gate.Resume();

                await Task.WhenAll(publishing).WaitAsync(TestBridge.Timeout);
                await TestBridge.WaitUntilAsync(
                    () => publishers.All(p => p.Publisher.Client.OutboxCount == 0),
                    "the restarted server acknowledged every event");

                // Each sender's events arrive in order, so once the last one is in, every event that will arrive has.
                try
                {
                    await TestBridge.WaitUntilAsync(
                        () => receivers.All(r => publishers.All(p => r.Ledger.Has(p.Publisher.Name, EventsPerPublisher - 1))),
                        "every receiver has the last event of every publisher");
                }
                catch (TimeoutException)
                {
                    output.WriteLine("Timed out waiting for the last events; the checks below say what is missing.");
                    output.WriteLine(server.Describe());
                }

                foreach (var (publisher, states) in publishers)
                {
                    Assert.Equal(1, states.Entered(EventBridgeClientState.Reconnecting));
                    Assert.Single(publisher.AcknowledgedAtLoss);
                    Assert.Equal(0, publisher.Client.DroppedEventCount);
                }

                foreach (var receiver in receivers)
                {
                    // A second loss, such as a slow-consumer cut, would allow other losses, so the test rules it out.
                    Assert.Equal(1, receiver.States.Entered(EventBridgeClientState.Reconnecting));
                    var droppedDuplicates = receiver.Logs.Texts("DuplicateDropped").Count();
                    foreach (var (publisher, _) in publishers)
                    {
                        CheckReceiver(receiver.Ledger, publisher, droppedDuplicates);
                    }
                }
            }
            finally
            {
                foreach (var (publisher, _) in publishers)
                {
                    await publisher.DisposeAsync();
                }

                foreach (var receiver in receivers)
                {
                    receiver.Ledger.Dispose();
                    await receiver.Client.DisposeAsync();
                }
            }
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    /// <summary>Checks one receiver's events of one publisher against the promises for a server crash.</summary>
    private void CheckReceiver(DeliveryLedger ledger, NumberedPublisher publisher, int droppedDuplicates)
    {
        var acknowledged = publisher.AcknowledgedAtLoss[0];
        var missing = ledger.Missing(publisher.Name, EventsPerPublisher);
        output.WriteLine(
            $"{ledger.Name} from {publisher.Name}: {acknowledged} acknowledged before the kill, " +
            $"{EventsPerPublisher - acknowledged} resent or sent after it, {missing.Count} lost" +
            $"{(missing.Count == 0 ? "" : $" ({missing[0]} to {missing[^1]})")}, " +
            $"{droppedDuplicates} duplicates dropped by the receiver (from all publishers)");

        // Consumers see every event at most once: the receiver drops what the restarted server relays again.
        Assert.Empty(ledger.Duplicated(publisher.Name));

        // Events that were not acknowledged at the kill were resent and arrived.
        Assert.All(missing, n => Assert.True(
            n < acknowledged,
            $"{ledger.Name} lost event {n} of {publisher.Name}, which was not acknowledged before the kill " +
            $"({acknowledged} were) and should have been resent."));

        // The lost events are the last ones acknowledged before the kill: those still queued for this receiver.
        if (missing.Count > 0)
        {
            Assert.Equal(acknowledged - 1, missing[^1]);
            Assert.Equal(missing.Count, missing[^1] - missing[0] + 1);
        }
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

    /// <summary>Starts <c>serve</c> on a given port, as a restarted server does.</summary>
    private static async Task<CommandProcess> StartServerAsync(int port)
    {
        var server = CommandProcess.Start(
            "serve",
            "--host", "127.0.0.1",
            "--port", port.ToString(CultureInfo.InvariantCulture));
        await server.WaitForOutputAsync(line => line.StartsWith("listening on ", StringComparison.Ordinal));
        return server;
    }
}
