using System.Diagnostics;
using System.Globalization;

namespace EventBridge.LoadDriver;

/// <summary>
/// Runs every client in a process of its own, started from this executable with the <c>worker</c> command, and the
/// server in this process unless a port names a separate one. Workers talk to this process through their standard
/// input and output.
/// </summary>
internal static class ProcessRun
{
    public static async Task<int> RunAsync(Workload workload, int port)
    {
        await using var server = port == 0 ? new EventBridgeServer(new EventBridgeServerOptions { Port = 0 }) : null;
        if (server is not null)
        {
            await server.StartAsync();
            port = server.Port;
        }

        var workers = new List<Process>();
        var completed = false;
        try
        {
            var subscribers = new List<Process>();
            for (var i = 0; i < workload.Subscribers; i++)
            {
                var process = StartWorker(workers, "subscriber", i, workload, port);
                if (await ReadLineStartingWithAsync(process, "ready") is null)
                {
                    await Console.Error.WriteLineAsync($"The subscriber-{i} worker exited before it connected.");
                    return 1;
                }
                subscribers.Add(process);
            }

            var publishers = new List<Process>();
            for (var i = 0; i < workload.Publishers; i++)
            {
                var process = StartWorker(workers, "publisher", i, workload, port);
                if (await ReadLineStartingWithAsync(process, "ready") is null)
                {
                    await Console.Error.WriteLineAsync($"The publisher-{i} worker exited before it connected.");
                    return 1;
                }
                publishers.Add(process);
            }

            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var report = new Report { StartedAt = Stopwatch.GetTimestamp() };
            foreach (var publisher in publishers)
            {
                await publisher.StandardInput.WriteLineAsync("go");
                await publisher.StandardInput.FlushAsync();
            }

            var workerCpu = TimeSpan.Zero;
            foreach (var publisher in publishers)
            {
                workerCpu += ParseCpu(await ExpectAsync(publisher, "done"));
            }

            foreach (var subscriber in subscribers)
            {
                await subscriber.StandardInput.WriteLineAsync("finish");
                await subscriber.StandardInput.FlushAsync();
            }

            foreach (var subscriber in subscribers)
            {
                var result = await ExpectAsync(subscriber, "result");
                workerCpu += ParseCpu(result);
                AddResult(report, result, workload);
            }

            report.CpuTime = workerCpu + (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore);
            completed = true;
            return report.Print(workload, server is null ? "processes-separate-server" : "processes");
        }
        finally
        {
            foreach (var worker in workers)
            {
                // After a failure the other workers may still wait for a line on standard input, so they are killed at once.
                if (!worker.WaitForExit(completed ? TimeSpan.FromSeconds(10) : TimeSpan.Zero))
                {
                    worker.Kill();
                }

                worker.Dispose();
            }
        }
    }

    private static Process StartWorker(List<Process> workers, string role, int index, Workload workload, int port)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };

        // Under "dotnet EventBridge.LoadDriver.dll" the process path is the dotnet host, which needs the assembly.
        var self = Environment.ProcessPath!;
        start.FileName = self;
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(ProcessRun).Assembly.Location);
        }

        foreach (var argument in new[]
        {
            "worker", role,
            "--index", index.ToString(CultureInfo.InvariantCulture),
            "--port", port.ToString(CultureInfo.InvariantCulture),
            "--publishers", workload.Publishers.ToString(CultureInfo.InvariantCulture),
            "--subscribers", workload.Subscribers.ToString(CultureInfo.InvariantCulture),
            "--events", workload.Events.ToString(CultureInfo.InvariantCulture),
            "--rate", workload.Rate.ToString(CultureInfo.InvariantCulture),
            "--payload-bytes", workload.PayloadBytes.ToString(CultureInfo.InvariantCulture),
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Starting the {role} worker failed.");
        workers.Add(process);
        return process;
    }

    /// <summary>Reads worker output until a line starts with <paramref name="word"/>; returns that line.</summary>
    private static async Task<string> ExpectAsync(Process process, string word) =>
        await ReadLineStartingWithAsync(process, word)
        ?? throw new InvalidOperationException($"A worker exited before printing '{word}'.");

    /// <summary>
    /// Reads worker output until a line starts with <paramref name="word"/>. Returns that line, or null when the worker
    /// closed its output first.
    /// </summary>
    private static async Task<string?> ReadLineStartingWithAsync(Process process, string word)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith(word, StringComparison.Ordinal))
            {
                return line;
            }
        }

        return null;
    }

    private static Dictionary<string, string> Fields(string line) =>
        line.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Skip(1)
            .Select(field => field.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair.Length > 1 ? pair[1] : "");

    private static TimeSpan ParseCpu(string line) =>
        TimeSpan.FromMilliseconds(double.Parse(Fields(line)["cpu_ms"], CultureInfo.InvariantCulture));

    private static void AddResult(Report report, string line, Workload workload)
    {
        var fields = Fields(line);
        long Number(string name) => long.Parse(fields[name], CultureInfo.InvariantCulture);
        report.Expected += (long)workload.Publishers * workload.Events;
        report.Delivered += Number("distinct");
        report.Duplicates += Number("duplicates");
        report.OutOfOrder += Number("out_of_order");
        report.Unexpected += Number("unexpected");
        report.LastReceivedAt = Math.Max(report.LastReceivedAt, Number("last_at"));
        report.Latency.Add(Histogram.FromSparse(fields["latency"]));
        report.ScheduledLatency.Add(Histogram.FromSparse(fields["scheduled"]));
    }

    /// <summary>The body of a worker process: one client, driven by lines on standard input.</summary>
    public static async Task<int> RunWorkerAsync(string role, int index, Workload workload, int port)
    {
        var bus = new EventBus();
        await using var client = new EventBridgeClient(bus, Workload.ClientOptions(port, $"{role}-{index}", publishOnly: role != "subscriber"));
        if (role == "subscriber")
        {
            var subscriber = new Subscriber(new Tally(workload.Publishers, workload.Events));
            bus.Subscribe(subscriber);
            if (!await Workload.TryConnectAsync(client, port))
            {
                return 1;
            }
            Console.WriteLine("ready");
            await Console.In.ReadLineAsync();
            await Workload.WaitForDeliveryAsync([subscriber.Tally]);
            var tally = subscriber.Tally;
            Console.WriteLine(
                $"result distinct={tally.Distinct} duplicates={tally.Duplicates} out_of_order={tally.OutOfOrder} " +
                $"unexpected={tally.Unexpected} last_at={tally.LastAt} cpu_ms={CpuMilliseconds()} " +
                $"latency={tally.Latency.ToSparse()} scheduled={tally.ScheduledLatency.ToSparse()}");
            return 0;
        }

        if (!await Workload.TryConnectAsync(client, port))
        {
            return 1;
        }

        Console.WriteLine("ready");
        await Console.In.ReadLineAsync();
        await workload.PublishAsync(client, index);
        Console.WriteLine($"done cpu_ms={CpuMilliseconds()}");
        return 0;
    }

    private static string CpuMilliseconds() =>
        Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture);
}
