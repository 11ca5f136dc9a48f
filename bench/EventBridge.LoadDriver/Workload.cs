using System.Diagnostics;
using System.Net.Sockets;

namespace EventBridge.LoadDriver;

/// <summary>The shape of one run.</summary>
/// <param name="Publishers">The number of publishing clients.</param>
/// <param name="Subscribers">The number of subscribing clients; each receives every publisher's events.</param>
/// <param name="Events">The events each publisher sends.</param>
/// <param name="Rate">Events per second per publisher, or 0 to send as fast as the connection takes them.</param>
/// <param name="PayloadBytes">The length of each event's padding string.</param>
internal sealed record Workload(int Publishers, int Subscribers, int Events, double Rate, int PayloadBytes)
{
    public const string Signal = "load";

    /// <summary>The address of the server, which the driver starts or the <c>--port</c> option names.</summary>
    public const string Host = "127.0.0.1";

    /// <summary>
    /// A publisher pauses while this many of its events wait for the server's ack, so that a full-speed run
    /// measures the bridge instead of overflowing the client's outbox.
    /// </summary>
    public const int MaxInFlight = 8192;

    /// <summary>
    /// Waits while <see cref="MaxInFlight"/> events are unacknowledged, until fewer than half that many are, so that a
    /// publisher at saturation is paced by the server's acknowledgements. The wait returns at once while the client is offline
    /// for good, and the delay then keeps the publisher from spinning.
    /// </summary>
    public static async ValueTask PaceAsync(EventBridgeClient client)
    {
        while (client.OutboxCount >= MaxInFlight)
        {
            if (await client.WaitForOutboxBelowAsync(MaxInFlight / 2, TimeSpan.FromSeconds(1)) >= MaxInFlight / 2)
            {
                await Task.Delay(1);
            }
        }
    }

    /// <summary>How long subscribers may go without a new event before the run counts what is missing as lost.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(5);

    /// <remarks>
    /// The driver counts the events that the bridge loses, so a subscriber's consumer queue has no practical limit:
    /// a consumer that falls behind a full-speed run shows up as latency, not as events dropped from its queue.
    /// </remarks>
    /// <param name="port">The server's port.</param>
    /// <param name="name">The client's name.</param>
    /// <param name="publishOnly">
    /// Whether the client only publishes, so that it requests no events from the server, as a NATS or Redis publisher
    /// that subscribes to nothing receives none.
    /// </param>
    public static EventBridgeClientOptions ClientOptions(int port, string name, bool publishOnly = false) => new()
    {
        Host = Host,
        Port = port,
        Name = name,
        ReceivePatterns = publishOnly ? [] : null,
        OutboxCapacity = MaxInFlight * 4,
        ConsumerQueueCapacity = int.MaxValue,
        ConsumerQueueMaxBytes = long.MaxValue,
        CloseTimeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>Connects the client, or prints one line and returns false when the connection is refused or fails.</summary>
    public static async Task<bool> TryConnectAsync(EventBridgeClient client, int port)
    {
        try
        {
            await client.ConnectAsync();
            return true;
        }
        catch (SocketException exception)
        {
            await Console.Error.WriteLineAsync($"Cannot connect to {Host}:{port}: {exception.Message}.");
            return false;
        }
    }

    /// <summary>Sends this publisher's events, open loop at <see cref="Rate"/> or as fast as possible.</summary>
    public async Task PublishAsync(EventBridgeClient client, int index)
    {
        var padding = new string('x', PayloadBytes);
        var ticksPerEvent = Rate > 0 ? Stopwatch.Frequency / Rate : 0;
        var start = Stopwatch.GetTimestamp();
        for (var seq = 0L; seq < Events; seq++)
        {
            var scheduled = start + (long)(seq * ticksPerEvent);
            while (Stopwatch.GetTimestamp() < scheduled)
            {
                // The publisher sends whatever is due each time the timer wakes it, so it sends in bursts; latency
                // from the scheduled time includes that wait.
                await Task.Delay(1);
            }

            await PaceAsync(client);

            var sent = Stopwatch.GetTimestamp();
            client.Bus.Emit(Signal, new LoadEvent(index, seq, sent, Rate > 0 ? scheduled : sent, padding));
        }

        while (client.OutboxCount > 0)
        {
            await Task.Delay(1);
        }
    }

    /// <summary>Waits until every subscriber has every event, or until none made progress for <see cref="IdleTimeout"/>.</summary>
    public static async Task WaitForDeliveryAsync(IReadOnlyList<Tally> tallies)
    {
        var lastTotal = -1L;
        var lastProgress = Stopwatch.GetTimestamp();
        while (tallies.Any(t => t.Received < t.Expected))
        {
            var total = tallies.Sum(t => t.Received);
            if (total != lastTotal)
            {
                lastTotal = total;
                lastProgress = Stopwatch.GetTimestamp();
            }
            else if (Stopwatch.GetElapsedTime(lastProgress) > IdleTimeout)
            {
                return;
            }

            await Task.Delay(5);
        }
    }
}
