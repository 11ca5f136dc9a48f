using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace EventBridge.LoadDriver.Compare;

/// <summary>The shape of one measured run against one system.</summary>
/// <param name="System">eventbridge, nats or redis.</param>
/// <param name="Port">The server's port on 127.0.0.1.</param>
/// <param name="ServerPid">The server's process id, whose CPU time is added to the client's.</param>
/// <param name="Publishers">The number of publishing connections.</param>
/// <param name="Subscribers">The number of subscribing connections; each receives every event.</param>
/// <param name="PayloadBytes">The payload size: a 28-byte stamp plus filler.</param>
/// <param name="Seconds">How long publishers send.</param>
/// <param name="Rate">Events per second over all publishers, sent open loop; 0 sends as fast as flow control allows.</param>
/// <param name="IdleConnections">Extra connections that only complete the handshake and read.</param>
/// <param name="WarmupSeconds">How long publishers send unmeasured events first, so that JIT tiering settles.</param>
internal sealed record PeerRunOptions(
    string System,
    int Port,
    int ServerPid,
    int Publishers,
    int Subscribers,
    int PayloadBytes,
    double Seconds,
    double Rate,
    int IdleConnections,
    double WarmupSeconds);

/// <summary>
/// One measured run, in a process of its own: connects the clients, warms up, lets every publisher send for a fixed
/// time, waits for delivery, and prints one <c>RESULT</c> line of <c>key=value</c> fields.
/// </summary>
internal static class PeerRun
{
    /// <summary>The fewest warm-up events per publisher, whatever the warm-up time.</summary>
    private const int MinWarmupEvents = 3000;

    private static readonly TimeSpan s_deliveryTimeout = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(PeerRunOptions options)
    {
        var peer = Peer.Create(options.System, options.Port);
        var resources = new List<IAsyncDisposable>();
        try
        {
            resources.Add(await peer.ConnectIdleAsync(options.IdleConnections));
            var tallies = new List<StampedTally>();
            for (var i = 0; i < options.Subscribers; i++)
            {
                var tally = new StampedTally(options.Publishers);
                resources.Add(await peer.ConnectSubscriberAsync(i, tally));
                tallies.Add(tally);
            }

            var publishers = new List<IPeerPublisher>();
            for (var i = 0; i < options.Publishers; i++)
            {
                var publisher = await peer.ConnectPublisherAsync(i, options.PayloadBytes);
                resources.Add(publisher);
                publishers.Add(publisher);
            }

            // Flow control shared by all three systems: a publisher pauses while its slowest subscriber lags this many
            // events behind, about 2 MiB of payload, which stays under Redis's default pub/sub output buffer limit.
            var window = Math.Clamp((2 << 20) / Math.Max(1, options.PayloadBytes), 256, 16_384);
            await WarmUpAsync(publishers, tallies, window, options.WarmupSeconds);

            var process = System.Diagnostics.Process.GetCurrentProcess();
            var clientCpuBefore = process.TotalProcessorTime.TotalSeconds;
            var serverCpuBefore = CpuClock.Process(options.ServerPid);
            var machineBefore = CpuClock.Machine();
            var loadBefore = CpuClock.LoadAverage();
            var startedAt = Stopwatch.GetTimestamp();
            var sent = await Task.WhenAll(publishers.Select((publisher, index) =>
                Task.Run(() => PublishAsync(publisher, index, options, tallies, window, startedAt))));
            await WaitForDeliveryAsync(tallies, sent);

            process.Refresh();
            var clientCpu = process.TotalProcessorTime.TotalSeconds - clientCpuBefore;
            var serverCpu = CpuClock.Process(options.ServerPid) - serverCpuBefore;
            var machineAfter = CpuClock.Machine();
            var expected = sent.Sum() * (long)options.Subscribers;
            var delivered = tallies.Sum(t => t.Distinct);
            var lastAt = tallies.Max(t => t.LastAt);
            var seconds = lastAt > startedAt ? Stopwatch.GetElapsedTime(startedAt, lastAt).TotalSeconds : double.NaN;
            var latency = new Histogram();
            var scheduled = new Histogram();
            foreach (var tally in tallies)
            {
                latency.Add(tally.Latency);
                scheduled.Add(tally.ScheduledLatency);
            }

            var machineBusy = machineAfter.Busy - machineBefore.Busy;
            var machineTotal = machineAfter.Total - machineBefore.Total;
            var fields = new (string, double)[]
            {
                ("delivered_per_s", delivered / seconds),
                ("sent", sent.Sum()),
                ("expected", expected),
                ("delivered", delivered),
                ("lost", expected - delivered),
                ("duplicated", tallies.Sum(t => t.Duplicates)),
                ("out_of_order", tallies.Sum(t => t.OutOfOrder)),
                ("unexpected", tallies.Sum(t => t.Unexpected)),
                ("seconds", seconds),
                ("p50_us", latency.Percentile(50)),
                ("p99_us", latency.Percentile(99)),
                ("p999_us", latency.Percentile(99.9)),
                ("max_us", latency.Percentile(100)),
                ("sched_p50_us", scheduled.Percentile(50)),
                ("sched_p99_us", scheduled.Percentile(99)),
                ("sched_p999_us", scheduled.Percentile(99.9)),
                ("client_cpu_s", clientCpu),
                ("server_cpu_s", serverCpu),
                ("cpu_us_per_event", (clientCpu + serverCpu) * 1e6 / Math.Max(1, delivered)),
                ("machine_busy_share", machineBusy / Math.Max(1e-9, machineTotal)),

                // CPU time that neither the client nor the server used, as a share of the machine: other work.
                ("others_busy_share", Math.Max(0, machineBusy - clientCpu - serverCpu) / Math.Max(1e-9, machineTotal)),
                ("load_average", loadBefore),
            };
            var line = new StringBuilder("RESULT");
            foreach (var (name, value) in fields)
            {
                line.Append(' ').Append(name).Append('=').Append(value.ToString("0.###", CultureInfo.InvariantCulture));
            }

            Console.WriteLine(line);
            return 0;
        }
        finally
        {
            for (var i = resources.Count - 1; i >= 0; i--)
            {
                try
                {
                    await resources[i].DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
                }
                catch (Exception exception) when (exception is TimeoutException or IOException or ObjectDisposedException)
                {
                    Console.Error.WriteLine($"Closing a {peer.Name} client failed: {exception.Message}");
                }
            }
        }
    }

    /// <summary>
    /// Sends unmeasured events as fast as flow control allows for at least <paramref name="seconds"/>: the .NET clients
    /// (and an EventBridge server that just started) move their hot methods to optimized code meanwhile.
    /// </summary>
    private static async Task WarmUpAsync(List<IPeerPublisher> publishers, List<StampedTally> tallies, int window, double seconds)
    {
        var endAt = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        var sent = new long[publishers.Count];
        var sends = publishers.Select((publisher, index) => Task.Run(async () =>
        {
            for (var seq = 0L; seq < MinWarmupEvents || Stopwatch.GetTimestamp() < endAt; seq++)
            {
                while (seq * publishers.Count - tallies.Min(t => t.WarmupReceived) >= (long)window * publishers.Count)
                {
                    await Task.Delay(1);
                }

                var now = Stopwatch.GetTimestamp();
                await publisher.PublishAsync(StampedTally.WarmupPublisherBase + index, seq, now, now);
                sent[index] = seq + 1;
            }
        }));
        await Task.WhenAll(sends);
        var deadline = Stopwatch.GetTimestamp() + (long)(s_deliveryTimeout.TotalSeconds * Stopwatch.Frequency);
        while (tallies.Any(t => t.WarmupReceived < sent.Sum()) && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(5);
        }
    }

    /// <summary>Sends stamped events for the run's duration; returns how many were sent.</summary>
    private static async Task<long> PublishAsync(
        IPeerPublisher publisher, int index, PeerRunOptions options, List<StampedTally> tallies, int window, long startedAt)
    {
        var perPublisherRate = options.Rate / options.Publishers;
        var ticksPerEvent = perPublisherRate > 0 ? Stopwatch.Frequency / perPublisherRate : 0;
        var endAt = startedAt + (long)(options.Seconds * Stopwatch.Frequency);
        var seq = 0L;
        for (; ; seq++)
        {
            var scheduled = startedAt + (long)(seq * ticksPerEvent);
            if (scheduled >= endAt || ((seq & 63) == 0 && Stopwatch.GetTimestamp() >= endAt))
            {
                break;
            }

            while (Stopwatch.GetTimestamp() < scheduled)
            {
                // Timers fire about once per millisecond, so an open-loop publisher sends in small bursts; the latency
                // from the scheduled time includes that wait and any time the publisher fell behind.
                await Task.Delay(1);
            }

            while (seq - MinReceived(tallies, index) >= window)
            {
                await Task.Delay(1);
            }

            var sentAt = Stopwatch.GetTimestamp();
            await publisher.PublishAsync(index, seq, sentAt, ticksPerEvent > 0 ? scheduled : sentAt);
        }

        return seq;
    }

    private static long MinReceived(List<StampedTally> tallies, int publisher)
    {
        var min = long.MaxValue;
        foreach (var tally in tallies)
        {
            min = Math.Min(min, tally.ReceivedFrom(publisher));
        }

        return min;
    }

    private static async Task WaitForDeliveryAsync(List<StampedTally> tallies, long[] sent)
    {
        var lastTotal = -1L;
        var lastProgress = Stopwatch.GetTimestamp();
        while (tallies.Any(t => Enumerable.Range(0, sent.Length).Any(p => t.ReceivedFrom(p) < sent[p])))
        {
            var total = tallies.Sum(t => t.Received);
            if (total != lastTotal)
            {
                lastTotal = total;
                lastProgress = Stopwatch.GetTimestamp();
            }
            else if (Stopwatch.GetElapsedTime(lastProgress) > s_deliveryTimeout)
            {
                return;
            }

            await Task.Delay(2);
        }
    }
}
