using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace EventBridge.LoadDriver.Compare;

/// <summary>The <c>compare</c> command, which bench/compare.sh calls, and the hidden <c>peer-run</c> command it starts per run.</summary>
internal static class CompareCommands
{
    private const double MinSeconds = 0.1, MaxSeconds = 120, MaxQuietWait = 3600;
    private const int MaxRuns = 100;

    public static Command CreateCompare()
    {
        var eventBridge = new Option<string?>("--eventbridge") { Description = "PORT:PID of a running EventBridge server on 127.0.0.1." };
        var nats = new Option<string?>("--nats") { Description = "PORT:PID of a running nats-server on 127.0.0.1." };
        var redis = new Option<string?>("--redis") { Description = "PORT:PID of a running redis-server on 127.0.0.1." };
        var quick = new Option<bool>("--quick") { Description = "Run three scenarios only (5 of the 6 goal rows), briefly: a smoke test of the harness." };
        var runs = new Option<int?>("--runs")
        {
            Description = "Runs per scenario and system, 1 to 100; default 3 with --quick, else 5.",
            CustomParser = result => ParseWholeNumber(result, "a whole number of runs, such as 3"),
        };
        var seconds = new Option<double?>("--seconds")
        {
            Description = "Seconds of sending per run, 0.1 to 120; default 1 with --quick, else 3.",
            CustomParser = result => ParseNumber(result, "a number of seconds, such as 3 or 0.5"),
        };
        var quietWait = new Option<double?>("--quiet-wait")
        {
            Description = "The longest wait for a quiet machine before each run, 0 to 3600 seconds; default 0 with --quick, else 180.",
            CustomParser = result => ParseNumber(result, "a number of seconds, such as 180 or 0"),
        };
        var output = new Option<string?>("--output")
        {
            Description = "The folder for results.md, results.csv, runs.csv and results.svg; default docs/compare, or artifacts/compare-quick with --quick, so that a quick run never replaces the committed results.",
        };
        var commandLine = new Option<string>("--command-line") { Description = "The command to print beside the results.", DefaultValueFactory = _ => "bench/compare.sh" };
        var versions = new Option<string?>("--versions") { Description = "The servers' versions and the EventBridge commit, to print beside the results." };
        // compare.sh checks its options with this before it starts any server, so a mistyped option fails at once.
        var check = new Option<bool>("--check-options") { Description = "Check the options and exit without running anything.", Hidden = true };
        var command = new Command("compare", "Runs the same scenarios against EventBridge, NATS and Redis servers that are already running, and writes the results.")
        {
            eventBridge, nats, redis, quick, runs, seconds, quietWait, output, commandLine, versions, check,
        };
        (string Name, Option<string?> Option)[] servers = [("eventbridge", eventBridge), ("nats", nats), ("redis", redis)];
        foreach (var (_, option) in servers)
        {
            option.Validators.Add(result =>
            {
                if (result.GetValueOrDefault<string?>() is { } value && ParseServer(value) is null)
                {
                    result.AddError($"{option.Name} must be PORT:PID, not '{value}'.");
                }
            });
        }

        command.Validators.Add(result =>
        {
            if (servers.All(server => result.GetValue(server.Option) is null))
            {
                result.AddError("Name at least one server with --eventbridge, --nats or --redis.");
            }
        });
        command.SetAction(parse =>
        {
            var systems = new List<SystemUnderTest>();
            foreach (var (name, option) in servers)
            {
                if (parse.GetValue(option) is { } value && ParseServer(value) is { } server)
                {
                    systems.Add(new SystemUnderTest(name, server.Port, server.Pid));
                }
            }

            var isQuick = parse.GetValue(quick);
            // Each run has a 3-minute limit that includes a warm-up of up to 20 s, so a run may send for 2 minutes.
            if (parse.GetValue(seconds) is { } badSeconds and (< MinSeconds or > MaxSeconds))
            {
                Console.Error.WriteLine(string.Create(
                    CultureInfo.InvariantCulture, $"Invalid --seconds {badSeconds}: it must be from {MinSeconds} to {MaxSeconds}."));
                return Task.FromResult(2);
            }

            if (parse.GetValue(runs) is { } badRuns and (< 1 or > MaxRuns))
            {
                Console.Error.WriteLine(string.Create(
                    CultureInfo.InvariantCulture, $"Invalid --runs {badRuns}: it must be from 1 to {MaxRuns}."));
                return Task.FromResult(2);
            }

            if (parse.GetValue(quietWait) is { } badWait and (< 0 or > MaxQuietWait))
            {
                Console.Error.WriteLine(string.Create(
                    CultureInfo.InvariantCulture, $"Invalid --quiet-wait {badWait}: it must be from 0 (no wait) to {MaxQuietWait} seconds."));
                return Task.FromResult(2);
            }

            // The folder is created now, so that one that cannot be written fails before the runs rather than after.
            var outputFolder = parse.GetValue(output) ?? (isQuick ? "artifacts/compare-quick" : "docs/compare");
            try
            {
                Directory.CreateDirectory(outputFolder);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                Console.Error.WriteLine($"Invalid --output '{outputFolder}': the folder cannot be created: {exception.Message}");
                return Task.FromResult(2);
            }

            if (parse.GetValue(check))
            {
                return Task.FromResult(0);
            }

            var options = new ComparisonOptions(
                systems,
                isQuick ? Scenario.Quick : Scenario.Full,
                parse.GetValue(runs) ?? (isQuick ? 3 : 5),
                parse.GetValue(seconds) ?? (isQuick ? 1 : 3),
                isQuick ? 0.5 : 1.5,
                isQuick ? 5 : 20,
                TimeSpan.FromSeconds(parse.GetValue(quietWait) ?? (isQuick ? 0 : 180)),
                QuietShare: 0.25,
                DisturbedShare: 0.25,
                UnsettledJitMethods: 500,
                Attempts: isQuick ? 1 : 2,
                outputFolder,
                parse.GetValue(commandLine)!)
            {
                Versions = parse.GetValue(versions),
            };
            return Comparison.RunAsync(options);
        });
        return command;
    }

    /// <summary>Parses a server given as PORT:PID; returns null when the value has another form.</summary>
    private static (int Port, int Pid)? ParseServer(string value)
    {
        var parts = value.Split(':');
        return parts.Length == 2
            && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var port)
            && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var pid)
            ? (port, pid)
            : null;
    }

    public static Command CreatePeerRun()
    {
        var system = new Option<string>("--system") { Required = true, Description = "The system the server on --port runs." };
        system.AcceptOnlyFromAmong(Peer.Systems);
        var port = new Option<int>("--port") { Required = true, Description = "The server's port on 127.0.0.1." };
        var serverPid = new Option<int>("--server-pid") { Description = "The server's process id, so that its CPU time is measured. Without it, the server's CPU time counts as 0." };
        var publishers = new Option<int>("--publishers") { DefaultValueFactory = _ => 1, Description = "The number of publishing connections." };
        var subscribers = new Option<int>("--subscribers") { DefaultValueFactory = _ => 1, Description = "The number of subscribing connections." };
        var payloadBytes = new Option<int>("--payload-bytes") { DefaultValueFactory = _ => 128, Description = "The size of each event's payload." };
        var seconds = new Option<double>("--seconds") { DefaultValueFactory = _ => 3, Description = "The seconds of measured sending." };
        var rate = new Option<double>("--rate") { DefaultValueFactory = _ => 0, Description = "Events per second over all publishers; 0 for saturation." };
        var idle = new Option<int>("--idle-connections") { DefaultValueFactory = _ => 0, Description = "Connections that subscribe to another subject and stay idle." };
        var warmup = new Option<double>("--warmup-seconds")
        {
            Description = "The shortest warm-up; it then goes on until fewer than 5 methods were compiled in a second.",
            DefaultValueFactory = _ => 1,
        };
        var warmupMax = new Option<double>("--warmup-max-seconds")
        {
            Description = "The longest warm-up, whether or not compilation has settled.",
            DefaultValueFactory = _ => 20,
        };
        var stages = new Option<bool>("--stages")
        {
            Description = "EventBridge only: split latency at the subscriber's read loop, timed by a watcher, into the time to " +
                "arrive and the wait for the consumer (arrive_* and wait_* fields). The watcher adds work per event.",
        };
        var trace = new Option<string?>("--trace-file")
        {
            Description = "Also write every measured event's scheduled, send, arrival and consumer times, in microseconds " +
                "from the start of the measured run, to this CSV file.",
        };
        var command = new Command("peer-run", "Runs one measured run against one system; started by the compare command.")
        {
            system, port, serverPid, publishers, subscribers, payloadBytes, seconds, rate, idle, warmup, warmupMax, stages, trace,
        };
        command.SetAction(parse =>
        {
            // Checked here rather than in a validator, which reads 0 for an option left at its default.
            var runSeconds = parse.GetValue(seconds);
            var shortest = parse.GetValue(warmup);
            var longest = parse.GetValue(warmupMax);
            if (parse.GetValue(stages) && parse.GetValue(system) != "eventbridge")
            {
                Console.Error.WriteLine("--stages works with --system eventbridge only: the other clients have no hook on their read loop.");
                return Task.FromResult(2);
            }

            var traceFile = parse.GetValue(trace);
            var traceError = traceFile is null ? null : CheckTraceFile(traceFile);
            if (traceError is not null)
            {
                Console.Error.WriteLine($"Invalid --trace-file '{traceFile}': {traceError}");
                return Task.FromResult(2);
            }

            if (runSeconds <= 0 || shortest < 0 || longest < shortest)
            {
                Console.Error.WriteLine(
                    $"Invalid times: --seconds ({runSeconds}) must be greater than 0, --warmup-seconds ({shortest}) 0 or more, " +
                    $"and --warmup-max-seconds ({longest}) at least --warmup-seconds.");
                return Task.FromResult(2);
            }

            return PeerRun.RunAsync(new PeerRunOptions(
                parse.GetValue(system)!,
                parse.GetValue(port),
                parse.GetValue(serverPid),
                parse.GetValue(publishers),
                parse.GetValue(subscribers),
                parse.GetValue(payloadBytes),
                runSeconds,
                parse.GetValue(rate),
                parse.GetValue(idle),
                shortest,
                longest,
                parse.GetValue(stages),
                traceFile));
        });
        return command;
    }

    /// <summary>
    /// Creates the trace file before the run, so that a path that cannot be written fails at once rather than after the
    /// warm-up and the measured run. Returns what is wrong with the path, or null when the file could be created.
    /// </summary>
    private static string? CheckTraceFile(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return "the path is empty.";
        }

        try
        {
            var fullPath = Path.GetFullPath(path);
            if (Directory.Exists(fullPath))
            {
                return "it is a folder; give a file name.";
            }

            var folder = Path.GetDirectoryName(fullPath);
            if (folder is not null && !Directory.Exists(folder))
            {
                return $"the folder '{folder}' does not exist.";
            }

            using (File.Create(fullPath))
            {
            }

            return null;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return $"the file cannot be created: {exception.Message}";
        }
    }

    /// <summary>Reads a number option, so that an invalid value such as "abc" gets an error with the expected form.</summary>
    private static double? ParseNumber(ArgumentResult result, string expected)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
        {
            return value;
        }

        result.AddError($"Invalid value '{text}' for {NameOf(result)}: expected {expected}.");
        return null;
    }

    private static int? ParseWholeNumber(ArgumentResult result, string expected)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;
        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        result.AddError($"Invalid value '{text}' for {NameOf(result)}: expected {expected}.");
        return null;
    }

    private static string NameOf(ArgumentResult result) => (result.Parent as OptionResult)?.Option.Name ?? result.Argument.Name;
}
