using System.Diagnostics;
using Xunit.Abstractions;
using TestBridge = EventBridge.Tests.Bridge.Bridge;

namespace EventBridge.Tests.Faults;

/// <summary>
/// Stops the server under 500 connected clients and starts it again, and checks from the clients' logs that their
/// reconnection attempts do not arrive together.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class ReconnectStormTests(ITestOutputHelper output)
{
    private const int ClientCount = 500;

    /// <summary>The server comes back after every client has made this many attempts.</summary>
    private const int FailedRounds = 4;

    private static readonly TimeSpan s_reconnectDelay = TimeSpan.FromMilliseconds(100);

    private static readonly TimeSpan s_maxReconnectDelay = TimeSpan.FromMilliseconds(800);

    /// <summary>
    /// The window, as a fraction of a round's delay before jitter, that may not hold more than
    /// <see cref="MaxShareInWindow"/> of the round's attempts. Jitter spreads each attempt over 40 % of its delay, or
    /// 20 % once the delay is capped, so a window of 5 % contains about a quarter of a round at most (25 % was the most
    /// seen). Without jitter, clients that lose the server together differ only by how soon each noticed the loss. In
    /// three trial runs with the jitter removed, the capped rounds and the successful attempts had 79 % to 97 % of
    /// their attempts in one such window. The first rounds passed there, because 500 clients on two cores took 50 to
    /// 80 ms to notice the loss, longer than those rounds' windows.
    /// </summary>
    private const double WindowFraction = 0.05;

    /// <summary>The largest share of attempts that one window may hold; "most of them" would be more than half.</summary>
    private const double MaxShareInWindow = 0.40;

    [SkippableFact]
    [Trait("Category", "Slow")]
    public async Task FiveHundredClients_AttemptsSpreadOut()
    {
        // The clients and the in-process server hold two sockets per client, and the test host needs a few hundred
        // descriptors of its own; a common default limit of 1,024 is not enough.
        var limit = OpenFileLimit();
        Skip.If(
            limit < (2 * ClientCount) + 500,
            $"The open-file limit is {limit}; this test needs {(2 * ClientCount) + 500}. Raise it with 'ulimit -n'.");

        var port = TestBridge.FreePort();
        var first = await TestBridge.StartServerAsync(port: port);
        var log = new ReconnectLog();
        var clients = new EventBridgeClient[ClientCount];
        try
        {
            await Parallel.ForEachAsync(
                Enumerable.Range(0, ClientCount),
                new ParallelOptions { MaxDegreeOfParallelism = 16 },
                async (i, _) =>
                {
                    clients[i] = new EventBridgeClient(new EventBus(), new EventBridgeClientOptions
                    {
                        Host = "127.0.0.1",
                        Port = port,
                        Name = $"client-{i}",
                        LoggerFactory = log,
                        ReconnectDelay = s_reconnectDelay,
                        MaxReconnectDelay = s_maxReconnectDelay,
                    });
                    await clients[i].ConnectAsync();
                });
            await TestBridge.WaitForClientsAsync(first, ClientCount);

            await first.StopAsync();
            await TestBridge.WaitUntilAsync(
                () => log.Entries.Count(e => e.Kind == "Reconnecting" && e.Attempt == FailedRounds + 1) == ClientCount,
                $"every client has made {FailedRounds} attempts");
            await using var second = await TestBridge.StartServerAsync(port: port);
            await TestBridge.WaitForClientsAsync(second, ClientCount);

            // The server counts a client once its hello arrived, which can be before the client logs its reconnection.
            await TestBridge.WaitUntilAsync(
                () => log.Entries.Count(e => e.Kind == "Reconnected") == ClientCount, "every client has logged its reconnection");

            var entries = log.Entries;
            Assert.Equal(ClientCount, entries.Count(e => e.Kind == "ConnectionLost"));
            Assert.Equal(ClientCount, entries.Count(e => e.Kind == "Reconnected"));
            var attempts = entries.Where(e => e.Kind == "Reconnecting").ToList();
            foreach (var round in attempts.GroupBy(e => e.Attempt).OrderBy(round => round.Key))
            {
                var delay = Math.Min(
                    s_reconnectDelay.TotalMilliseconds * Math.Pow(2, round.Key - 1), s_maxReconnectDelay.TotalMilliseconds);
                CheckSpread($"attempt {round.Key}", [.. round.Select(e => e.AttemptMilliseconds)], delay * WindowFraction);
            }

            // The attempts that reached the restarted server, whatever their number: the load it met on its return.
            var succeeded = entries.Where(e => e.Kind == "Reconnected").ToDictionary(e => e.Client, e => e.Attempt);
            var arrivals = attempts.Where(e => succeeded[e.Client] == e.Attempt).Select(e => e.AttemptMilliseconds).ToArray();
            CheckSpread("successful attempts", arrivals, s_maxReconnectDelay.TotalMilliseconds * WindowFraction);
        }
        finally
        {
            await Parallel.ForEachAsync(clients.OfType<EventBridgeClient>(), async (client, _) => await client.DisposeAsync());
            await first.DisposeAsync();
        }
    }

    /// <summary>Checks that no window of <paramref name="windowMilliseconds"/> contains too many of the attempt times.</summary>
    private void CheckSpread(string what, double[] times, double windowMilliseconds)
    {
        Array.Sort(times);
        var (count, start) = BusiestWindow(times, windowMilliseconds);
        var share = (double)count / times.Length;
        output.WriteLine(
            $"{what}: {times.Length} over {times[^1] - times[0]:0} ms, at most {share:P0} within {windowMilliseconds:0} ms");
        Assert.True(
            share <= MaxShareInWindow,
            $"{count} of {times.Length} {what} started within {windowMilliseconds:0} ms of each other " +
            $"(from {start - times[0]:0} ms after the first), more than {MaxShareInWindow:P0}.");
    }

    /// <summary>Returns the soft limit on open file descriptors of this process, or int.MaxValue where unknown.</summary>
    private static int OpenFileLimit()
    {
        const string Limits = "/proc/self/limits";
        if (!File.Exists(Limits))
        {
            return int.MaxValue;
        }

        // The line reads "Max open files  <soft>  <hard>  files".
        var line = File.ReadLines(Limits).FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        var soft = line?["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        return int.TryParse(soft, System.Globalization.CultureInfo.InvariantCulture, out var value) ? value : int.MaxValue;
    }

    /// <summary>Returns the most times that fit in one window of <paramref name="width"/>, and where it starts.</summary>
    private static (int Count, double Start) BusiestWindow(double[] sorted, double width)
    {
        var best = 0;
        var bestStart = sorted[0];
        var first = 0;
        for (var last = 0; last < sorted.Length; last++)
        {
            while (sorted[last] - sorted[first] > width)
            {
                first++;
            }

            if (last - first + 1 > best)
            {
                best = last - first + 1;
                bestStart = sorted[first];
            }
        }

        return (best, bestStart);
    }
}
