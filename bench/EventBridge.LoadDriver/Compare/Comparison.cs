using System.Diagnostics;
using System.Globalization;

namespace EventBridge.LoadDriver.Compare;

/// <summary>A system under comparison: its name and the server process that the comparison script started.</summary>
internal sealed record SystemUnderTest(string Name, int Port, int Pid);

/// <summary>The comparison settings.</summary>
/// <param name="Systems">The systems, in the order each round runs them.</param>
/// <param name="Scenarios">The scenarios; latency scenarios run after the throughput scenario of the same shape.</param>
/// <param name="Runs">Runs per scenario and system.</param>
/// <param name="Seconds">How long publishers send in each run.</param>
/// <param name="WarmupSeconds">The shortest time publishers send unmeasured events before each run.</param>
/// <param name="WarmupMaxSeconds">The longest warm-up, for a run whose compiled code does not settle sooner.</param>
/// <param name="QuietWait">The longest wait for a quiet machine before each run.</param>
/// <param name="QuietShare">The machine-wide busy share (0 to 1) under which the machine counts as quiet.</param>
/// <param name="DisturbedShare">The share of the machine used by other processes during a run above which it is repeated.</param>
/// <param name="UnsettledJitMethods">
/// The number of methods the client process may compile while a run is measured before the run is repeated as not yet
/// warmed up.
/// </param>
/// <param name="Attempts">How many times a disturbed run is tried before its last result is kept.</param>
/// <param name="OutputDirectory">Where results.md, results.csv, runs.csv and results.svg go.</param>
/// <param name="Command">The command line to print beside the results.</param>
internal sealed record ComparisonOptions(
    IReadOnlyList<SystemUnderTest> Systems,
    IReadOnlyList<Scenario> Scenarios,
    int Runs,
    double Seconds,
    double WarmupSeconds,
    double WarmupMaxSeconds,
    TimeSpan QuietWait,
    double QuietShare,
    double DisturbedShare,
    int UnsettledJitMethods,
    int Attempts,
    string OutputDirectory,
    string Command)
{
    /// <summary>The servers' versions and the EventBridge commit, as the script found them, or null.</summary>
    public string? Versions { get; init; }
}

/// <summary>The exception that stops a comparison when a server under comparison has exited.</summary>
internal sealed class ServerExitedException(string message) : Exception(message);

/// <summary>One finished run: its fields as printed by <see cref="PeerRun"/>, or the reason it failed.</summary>
internal sealed record RunResult(Scenario Scenario, string System, int Round, double Rate, IReadOnlyDictionary<string, double> Fields, string? Failure)
{
    public double this[string name] => Fields.TryGetValue(name, out var value) ? value : double.NaN;

    /// <summary>Whether the run sent events and delivered each exactly once and in order. A run that sent none counts as failed.</summary>
    public bool Correct => Failure is null && this["expected"] > 0 && this["lost"] == 0 && this["duplicated"] == 0 && this["out_of_order"] == 0 && this["unexpected"] == 0;
}

/// <summary>
/// Runs every scenario against every system, interleaved (A B C A B C ...), each run in a fresh client process, and
/// writes the results.
/// </summary>
internal static class Comparison
{
    private static readonly TimeSpan s_runTimeout = TimeSpan.FromMinutes(3);

    public static async Task<int> RunAsync(ComparisonOptions options)
    {
        var results = new List<RunResult>();
        var started = DateTime.UtcNow;
        foreach (var scenario in options.Scenarios)
        {
            var rate = scenario.Kind switch
            {
                ScenarioKind.Latency => HalfOfSlowestSaturation(results, scenario.Saturation),
                ScenarioKind.Connections => Scenario.ConnectionsRate,
                _ => 0,
            };
            if (double.IsNaN(rate))
            {
                Console.Error.WriteLine($"Skipping '{scenario.Name}': its throughput scenario has no result to take the rate from.");
                continue;
            }

            for (var round = 1; round <= options.Runs; round++)
            {
                foreach (var system in options.Systems)
                {
                    RunResult result;
                    try
                    {
                        result = await RunMeasuredAsync(options, scenario, system, round, rate);
                    }
                    catch (ServerExitedException exception)
                    {
                        // Results without every system would not compare, so none are written.
                        Console.Error.WriteLine(exception.Message);
                        return 1;
                    }

                    results.Add(result);
                    Console.WriteLine(Describe(result, options));
                }
            }
        }

        Directory.CreateDirectory(options.OutputDirectory);
        var summaries = Summary.From(results, options.Systems.Select(s => s.Name).ToList());
        var machine = MachineDescription();
        ReportWriter.WriteRunsCsv(Path.Combine(options.OutputDirectory, "runs.csv"), results);
        ReportWriter.WriteSummaryCsv(Path.Combine(options.OutputDirectory, "results.csv"), summaries);
        ReportWriter.WriteMarkdown(Path.Combine(options.OutputDirectory, "results.md"), summaries, results, options, machine, started);
        ReportWriter.WriteSvg(Path.Combine(options.OutputDirectory, "results.svg"), summaries, options.Systems.Select(s => s.Name).ToList());
        Console.WriteLine($"Wrote results.md, results.csv, runs.csv and results.svg to {options.OutputDirectory}");
        return results.All(r => r.Correct) ? 0 : 1;
    }

    /// <summary>
    /// Runs a measured run, and repeats it while it is disturbed and attempts are left. A run is disturbed when other
    /// processes used more than the allowed share of the machine, or when the client was still compiling.
    /// </summary>
    private static async Task<RunResult> RunMeasuredAsync(ComparisonOptions options, Scenario scenario, SystemUnderTest system, int round, double rate)
    {
        RunResult result = null!;
        for (var attempt = 1; attempt <= options.Attempts; attempt++)
        {
            await WaitForQuietAsync(options);
            ThrowIfAServerExited(options);
            result = await RunOnceAsync(options, scenario, system, round, rate);
            if (Disturbance(result, options) is not { } disturbance)
            {
                return result;
            }

            // The caller prints the kept attempt's line, marked as disturbed. A repeated attempt gets no line of its own,
            // so it is reported here.
            if (attempt < options.Attempts)
            {
                Console.WriteLine($"{scenario.Name,-34} {system.Name,-11} round {round}  disturbed ({disturbance}); repeating");
            }
        }

        return result;
    }

    /// <summary>Returns why a finished run does not show the steady state, or null when it does or when it failed.</summary>
    private static string? Disturbance(RunResult result, ComparisonOptions options)
    {
        if (result.Failure is not null)
        {
            return null;
        }

        if (result["others_busy_share"] > options.DisturbedShare)
        {
            return string.Create(CultureInfo.InvariantCulture, $"others used {result["others_busy_share"]:P0} of the machine");
        }

        // A run usually compiles 100 to 250 methods, the measuring code's own first calls. Many more mean that the
        // warm-up ended in a quiet second before the code had settled.
        return result["jit_methods_in_run"] > options.UnsettledJitMethods
            ? string.Create(CultureInfo.InvariantCulture, $"the client compiled {result["jit_methods_in_run"]:0} methods while measured")
            : null;
    }

    private static void ThrowIfAServerExited(ComparisonOptions options)
    {
        if (options.Systems.FirstOrDefault(system => !IsRunning(system.Pid)) is { } exited)
        {
            throw new ServerExitedException(
                $"The {exited.Name} server (pid {exited.Pid}) has exited; stopping the comparison without writing results.");
        }
    }

    /// <summary>
    /// Returns whether the process is running. An exited process that its parent has not reaped yet is a zombie
    /// (state Z) and counts as exited.
    /// </summary>
    private static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");

            // The state follows the command name, which is in parentheses and may contain spaces.
            return stat[stat.LastIndexOf(')') + 2] is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static async Task WaitForQuietAsync(ComparisonOptions options)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(options.QuietWait.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var busy = await CpuClock.BusyShareAsync(TimeSpan.FromSeconds(1));
            if (busy <= options.QuietShare || Stopwatch.GetTimestamp() >= deadline)
            {
                return;
            }

            Console.WriteLine($"  machine busy ({busy:P0} of all cores, load {CpuClock.LoadAverage():0.0}); waiting");
            await Task.Delay(TimeSpan.FromSeconds(2));
        }
    }

    private static async Task<RunResult> RunOnceAsync(ComparisonOptions options, Scenario scenario, SystemUnderTest system, int round, double rate)
    {
        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var self = Environment.ProcessPath!;
        start.FileName = self;
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(Comparison).Assembly.Location);
        }

        string Text(double value) => value.ToString(CultureInfo.InvariantCulture);
        foreach (var argument in new[]
        {
            "peer-run",
            "--system", system.Name,
            "--port", Text(system.Port),
            "--server-pid", Text(system.Pid),
            "--publishers", Text(scenario.Publishers),
            "--subscribers", Text(scenario.Subscribers),
            "--payload-bytes", Text(scenario.PayloadBytes),
            "--seconds", Text(options.Seconds),
            "--rate", Text(rate),
            "--idle-connections", Text(scenario.IdleConnections),
            "--warmup-seconds", Text(options.WarmupSeconds),
            "--warmup-max-seconds", Text(options.WarmupMaxSeconds),
        })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Starting a peer-run process failed.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(s_runTimeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            return new RunResult(scenario, system.Name, round, rate, new Dictionary<string, double>(), $"timed out after {s_runTimeout.TotalSeconds} s");
        }

        var line = (await stdout).Split('\n').FirstOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal));
        if (line is null)
        {
            var error = (await stderr).Trim();
            return new RunResult(scenario, system.Name, round, rate, new Dictionary<string, double>(),
                $"exit code {process.ExitCode}: {(error.Length > 300 ? error[..300] : error)}");
        }

        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Skip(1)
            .Select(field => field.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => double.TryParse(pair[1], CultureInfo.InvariantCulture, out var value) ? value : double.NaN);
        return new RunResult(scenario, system.Name, round, rate, fields, null);
    }

    /// <summary>Half of the lowest median saturation rate among the systems, so that every system runs at half load or less.</summary>
    private static double HalfOfSlowestSaturation(List<RunResult> results, Scenario saturation)
    {
        var medians = results
            .Where(r => r.Scenario == saturation && r.Failure is null)
            .GroupBy(r => r.System)
            .Select(g => Summary.Median(g.Select(r => r["delivered_per_s"] / saturation.Subscribers)))
            .ToList();
        return medians.Count == 0 ? double.NaN : Math.Round(medians.Min() / 2);
    }

    private static string Describe(RunResult result, ComparisonOptions options)
    {
        var head = $"{result.Scenario.Name,-34} {result.System,-11} round {result.Round}";
        if (result.Failure is not null)
        {
            return $"{head}  FAILED: {result.Failure}";
        }

        return string.Create(
            CultureInfo.InvariantCulture,
            $"{head}  {result["delivered_per_s"],10:N0}/s  p50 {result["p50_us"],8:0} µs  p99 {result["p99_us"],8:0} µs  " +
            $"cpu {result["cpu_us_per_event"],6:0.00} µs/event  lost {result["lost"]} dup {result["duplicated"]} " +
            $"ooo {result["out_of_order"]}  others {result["others_busy_share"]:P0}  load {result["load_average"]:0.0}  " +
            $"warm-up {result["warmup_s"]:0.0} s") + (Disturbance(result, options) is { } disturbance
                ? options.Attempts > 1 ? $"  (disturbed: {disturbance}; kept as the last attempt)" : $"  (disturbed: {disturbance})"
                : string.Empty);
    }

    private static string MachineDescription()
    {
        var model = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        var os = File.Exists("/etc/os-release")
            ? File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?.Split('=', 2)[1].Trim('"')
            : null;
        return $"{Environment.ProcessorCount} cores ({model ?? "unknown CPU"}), {os ?? Environment.OSVersion.ToString()}, .NET {Environment.Version}";
    }
}
