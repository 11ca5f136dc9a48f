using System.Diagnostics;
using System.Globalization;
using System.Runtime;
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
/// <param name="WarmupSeconds">The shortest time publishers send unmeasured events first.</param>
/// <param name="WarmupMaxSeconds">
/// The maximum warm-up: after <paramref name="WarmupSeconds"/> it goes on until this process's compilation has
/// settled, or until this limit.
/// </param>
/// <param name="Stages">
/// EventBridge only: also time each event's arrival on the subscriber's read loop, through a watcher, and report the
/// latency to the read loop and the wait from there to the consumer apart. The watcher adds work per event.
/// </param>
/// <param name="TraceFile">
/// A CSV file to write with the times of every measured event at every subscriber, or null for none.
/// </param>
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
    double WarmupSeconds,
    double WarmupMaxSeconds,
    bool Stages = false,
    string? TraceFile = null);

/// <summary>
/// One measured run, in a process of its own: connects the clients, warms up, lets every publisher send for a fixed
/// time, waits for delivery, and prints one <c>RESULT</c> line of <c>key=value</c> fields.
/// </summary>
internal static class PeerRun
{
    /// <summary>The minimum warm-up events per publisher at saturation, whatever the warm-up time.</summary>
    private const int MinWarmupEvents = 3000;

    private static readonly TimeSpan s_deliveryTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The warm-up counts as settled once this process compiled fewer than <see cref="JitQuietMethods"/> methods in the
    /// last <see cref="s_jitQuietTime"/>. A few methods still tier up now and then long after; they cost little.
    /// </summary>
    private const int JitQuietMethods = 5;

    private static readonly TimeSpan s_jitQuietTime = TimeSpan.FromSeconds(1);

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
                var tally = new StampedTally(options.Publishers, options.Stages, options.TraceFile is not null);
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
            var (warmupSeconds, warmupCapped) = await WarmUpAsync(publishers, tallies, window, options);
            var compiledBefore = JitInfo.GetCompiledMethodCount();
            var gcPauseBefore = GC.GetTotalPauseDuration();
            var gen0Before = GC.CollectionCount(0);
            var gen2Before = GC.CollectionCount(2);

            var process = System.Diagnostics.Process.GetCurrentProcess();
            var clientCpuBefore = process.TotalProcessorTime.TotalSeconds;
            var serverCpuBefore = CpuClock.Process(options.ServerPid);
            var machineBefore = CpuClock.Machine();
            var loadBefore = CpuClock.LoadAverage();
            var startedAt = Stopwatch.GetTimestamp();
            var sent = await Task.WhenAll(publishers.Select((publisher, index) =>
                Task.Run(() => PublishAsync(publisher, index, options, tallies, window, startedAt))));
            await WaitForDeliveryAsync(tallies, sent);
            var compiledDuringRun = JitInfo.GetCompiledMethodCount() - compiledBefore;
            var gcPause = GC.GetTotalPauseDuration() - gcPauseBefore;
            var gen0 = GC.CollectionCount(0) - gen0Before;
            var gen2 = GC.CollectionCount(2) - gen2Before;

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
            var arrival = new Histogram();
            var consumerWait = new Histogram();
            foreach (var tally in tallies)
            {
                latency.Add(tally.Latency);
                scheduled.Add(tally.ScheduledLatency);
                arrival.Add(tally.ArrivalLatency);
                consumerWait.Add(tally.ConsumerWait);
            }

            var (machineBusy, machineTotal) = CpuClock.BusyBetween(machineBefore, machineAfter);
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
                ("cpu_us_per_event", delivered > 0 ? (clientCpu + serverCpu) * 1e6 / delivered : double.NaN),
                ("machine_busy_share", machineBusy / Math.Max(1e-9, machineTotal)),

                // CPU time that neither the client nor the server used, as a share of the machine: other work.
                ("others_busy_share", Math.Max(0, machineBusy - clientCpu - serverCpu) / Math.Max(1e-9, machineTotal)),
                ("load_average", loadBefore),
                ("warmup_s", warmupSeconds),

                // 1 when the warm-up ended at its maximum rather than because compilation had settled.
                ("warmup_capped", warmupCapped ? 1 : 0),

                // Methods this process compiled while measuring: a run that is still tiering up measures the JIT too.
                ("jit_methods_in_run", compiledDuringRun),

                // Garbage collections in this process while measuring, and the time they paused its threads.
                ("gc_gen0_count", gen0),
                ("gc_gen2_count", gen2),
                ("gc_pause_ms", gcPause.TotalMilliseconds),
            };
            if (options.Stages)
            {
                fields =
                [
                    .. fields,
                    ("arrive_p50_us", arrival.Percentile(50)),
                    ("arrive_p99_us", arrival.Percentile(99)),
                    ("arrive_p999_us", arrival.Percentile(99.9)),
                    ("wait_p50_us", consumerWait.Percentile(50)),
                    ("wait_p99_us", consumerWait.Percentile(99)),
                    ("wait_p999_us", consumerWait.Percentile(99.9)),
                ];
            }

            var line = new StringBuilder("RESULT");
            foreach (var (name, value) in fields)
            {
                line.Append(' ').Append(name).Append('=').Append(value.ToString("0.###", CultureInfo.InvariantCulture));
            }

            Console.WriteLine(line);
            return options.TraceFile is null || WriteTrace(options.TraceFile, tallies, startedAt) ? 0 : 1;
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

    /// <summary>Writes every subscriber's traced events to <paramref name="path"/>; returns false, with a message, when that fails.</summary>
    private static bool WriteTrace(string path, List<StampedTally> tallies, long startedAt)
    {
        try
        {
            using var writer = new StreamWriter(path);
            writer.WriteLine("subscriber,publisher,seq,scheduled_us,sent_us,arrived_us,consumed_us");
            for (var i = 0; i < tallies.Count; i++)
            {
                tallies[i].WriteTrace(writer, i, startedAt);
            }

            return true;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"Writing the trace to '{path}' failed: {exception.Message}");
            return false;
        }
    }

    /// <summary>
    /// Sends unmeasured events at the run's rate, or as fast as flow control allows, until the .NET code in this process
    /// has settled. Sending lasts at least <see cref="PeerRunOptions.WarmupSeconds"/> and at most
    /// <see cref="PeerRunOptions.WarmupMaxSeconds"/>. Returns the warm-up's length in seconds, with the wait for the
    /// last warm-up events to arrive, and whether it ended at the maximum.
    /// </summary>
    /// <remarks>
    /// Tiered compilation moves hot methods through an instrumented tier to optimized code on a background thread. On
    /// two cores, that thread and the slower instrumented code would otherwise be measured. An EventBridge server that
    /// just started tiers up meanwhile on the same traffic.
    /// </remarks>
    private static async Task<(double Seconds, bool Capped)> WarmUpAsync(
        List<IPeerPublisher> publishers, List<StampedTally> tallies, int window, PeerRunOptions options)
    {
        var startedAt = Stopwatch.GetTimestamp();
        var settled = 0;
        var watch = Task.Run(async () =>
        {
            // Samples of the compiled-method count over the last second; the oldest one gives the count since then.
            var samples = new Queue<(long At, long Count)>();
            while (true)
            {
                await Task.Delay(50);
                var now = Stopwatch.GetTimestamp();
                var count = JitInfo.GetCompiledMethodCount();
                samples.Enqueue((now, count));
                while (Stopwatch.GetElapsedTime(samples.Peek().At, now) > s_jitQuietTime)
                {
                    samples.Dequeue();
                }

                var elapsed = Stopwatch.GetElapsedTime(startedAt, now).TotalSeconds;
                var recent = count - samples.Peek().Count;
                if (elapsed >= options.WarmupSeconds && elapsed >= s_jitQuietTime.TotalSeconds && recent < JitQuietMethods)
                {
                    Volatile.Write(ref settled, 1);
                    return false;
                }

                if (elapsed >= options.WarmupMaxSeconds)
                {
                    Volatile.Write(ref settled, 1);
                    return true;
                }
            }
        });

        var perPublisherRate = options.Rate / publishers.Count;
        var ticksPerEvent = perPublisherRate > 0 ? Stopwatch.Frequency / perPublisherRate : 0;
        var sent = new long[publishers.Count];
        var sends = publishers.Select((publisher, index) => Task.Run(async () =>
        {
            // The minimum event count applies at saturation only: at 100 events/s it alone would take 30 s.
            for (var seq = 0L; (seq < MinWarmupEvents && ticksPerEvent == 0) || Volatile.Read(ref settled) == 0; seq++)
            {
                var scheduled = startedAt + (long)(seq * ticksPerEvent);
                while (Stopwatch.GetTimestamp() < scheduled)
                {
                    await Task.Delay(1);
                }

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

        return (Stopwatch.GetElapsedTime(startedAt).TotalSeconds, await watch);
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
                // The publisher sends whatever is due each time the timer wakes it, so it sends in bursts, and the
                // timer wakes it less often than the 1 ms asked for. Latency from the scheduled time includes that
                // wait and any time the publisher fell behind; peer-run --trace-file shows the bursts.
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
