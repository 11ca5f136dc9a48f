using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using EventBridge.Server.Benchmarking;
using Microsoft.Extensions.Logging;

namespace EventBridge.Server;

/// <summary>
/// The <c>bench</c> command: runs publishers and subscribers against a server, shows progress while they run, and
/// prints a table of rates, latencies and correctness counts.
/// </summary>
internal static partial class BenchCommand
{
    private static readonly TimeSpan s_progressInterval = TimeSpan.FromMilliseconds(250);

    public static Command Create()
    {
        var host = new Option<string>("--host")
        {
            Description = "The server's host name or address; used with --port.",
            DefaultValueFactory = _ => "127.0.0.1",
        };
        var port = new Option<int?>("--port", "-p")
        {
            Description = "The port of a running server to measure. Default: start a server inside this process on a free loopback port.",
            CustomParser = Validation.OptionalWholeNumber(1, IPEndPoint.MaxPort),
        };
        var publishers = new Option<int>("--publishers")
        {
            Description = "The number of publishing clients, each on its own connection.",
            DefaultValueFactory = _ => 1,
            CustomParser = Validation.WholeNumber(1, 10_000),
            HelpName = "count",
        };
        var subscribers = new Option<int>("--subscribers")
        {
            Description = "The number of subscribing clients, each receiving every event.",
            DefaultValueFactory = _ => 1,
            CustomParser = Validation.WholeNumber(1, 10_000),
            HelpName = "count",
        };
        var events = new Option<int>("--events", "-n")
        {
            Description = "The number of events each publisher sends.",
            DefaultValueFactory = _ => 100_000,
            CustomParser = Validation.WholeNumber(1, 100_000_000),
            HelpName = "count",
        };
        var payloadBytes = new Option<int>("--payload-bytes")
        {
            Description = "The length of the padding text in each event's payload, in bytes.",
            DefaultValueFactory = _ => 64,
            CustomParser = Validation.WholeNumber(0, 512 * 1024),
            HelpName = "bytes",
        };
        var timeout = new Option<double>("--timeout")
        {
            Description = "How long to wait for the last deliveries after the last event was sent, in seconds.",
            DefaultValueFactory = _ => 30,
            CustomParser = Validation.PositiveSeconds,
            HelpName = "seconds",
        };
        var logging = new CommandLogging(LogLevel.Warning);

        var command = new Command(
            "bench",
            "Measure a server: publishers send events as fast as the server confirms them, subscribers receive " +
            "every event, and a table shows rates, latency percentiles and lost, duplicated or reordered events. Exit " +
            "status: 0 when every event arrived once and in order, 1 otherwise.")
        {
            host,
            port,
            publishers,
            subscribers,
            events,
            payloadBytes,
            timeout,
        };
        logging.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var loggerFactory = logging.CreateFactory(parse);
            var settings = new LoadSettings(
                parse.GetValue(host)!,
                parse.GetValue(port) ?? 0,
                parse.GetValue(publishers),
                parse.GetValue(subscribers),
                parse.GetValue(events),
                parse.GetValue(payloadBytes),
                TimeSpan.FromSeconds(parse.GetValue(timeout)));
            return await RunAsync(settings, loggerFactory, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(LoadSettings settings, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var logger = loggerFactory.CreateLogger("EventBridge.Bench");
        using var signals = new TerminationSignals(cancellationToken);
        EventBridgeServer? server = null;
        string where;
        if (settings.Port == 0)
        {
            server = new EventBridgeServer(new EventBridgeServerOptions
            {
                Host = "127.0.0.1",
                Port = 0,
                LoggerFactory = loggerFactory,
            });
            await server.StartAsync(signals.Token).ConfigureAwait(false);
            settings = settings with { Host = "127.0.0.1", Port = server.Port };
            where = $"{settings.Host}:{settings.Port} (in this process)";
        }
        else
        {
            where = $"{settings.Host}:{settings.Port}";
        }

        try
        {
            var driver = new PubSubLoadDriver(settings);
            var run = driver.RunAsync(signals.Token);
            var progress = new ProgressLine(Console.Error, enabled: !Console.IsErrorRedirected);
            while (!run.IsCompleted)
            {
                progress.Show(driver.Progress, settings);
                await Task.WhenAny(run, Task.Delay(s_progressInterval, CancellationToken.None)).ConfigureAwait(false);
            }

            progress.Clear();
            LoadReport report;
            try
            {
                report = await run.ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is SocketException or TimeoutException or IOException)
            {
                Log.RunFailed(logger, exception, where);
                await Console.Error.WriteLineAsync($"The benchmark against {where} failed: {exception.Message}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }
            catch (OperationCanceledException) when (signals.Token.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync("The benchmark was interrupted.").ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            Console.Out.Write(FormatReport(report, where));
            if (!report.IsCorrect)
            {
                await Console.Error.WriteLineAsync(
                    "The run failed its correctness check: every event must reach every subscriber once and in order.")
                    .ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            return ExitCodes.Success;
        }
        finally
        {
            if (server is not null)
            {
                await server.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    internal static string FormatReport(LoadReport report, string where)
    {
        var settings = report.Settings;
        var culture = CultureInfo.InvariantCulture;
        var rows = new List<(string Metric, string Value)>
        {
            ("server", where),
            ("publishers x subscribers", $"{settings.Publishers} x {settings.Subscribers}"),
            ("events per publisher", settings.EventsPerPublisher.ToString("N0", culture)),
            ("payload padding", $"{settings.PayloadBytes} bytes"),
            ("published", report.Published.ToString("N0", culture)),
            ("delivered", $"{report.Delivered.ToString("N0", culture)} of {settings.ExpectedDeliveries.ToString("N0", culture)}"),
            ("lost / duplicated / reordered", $"{report.Lost} / {report.Duplicated} / {report.Reordered}"),
            ("elapsed", $"{report.Elapsed.TotalSeconds.ToString("F3", culture)} s"),
            ("publish rate", Rate(report.Published, report.PublishElapsed)),
            ("delivery rate", Rate(report.Delivered, report.Elapsed)),
            ("latency p50 / p90 / p99", string.Join(" / ", new[] { 0.50, 0.90, 0.99 }.Select(
                fraction => report.LatencyPercentileMs(fraction).ToString("F3", culture))) + " ms"),
            ("latency max", $"{report.LatencyPercentileMs(1.0).ToString("F3", culture)} ms"),
            ("CPU time of this process", $"{report.CpuTime.TotalSeconds.ToString("F3", culture)} s"),
            ("CPU per delivered event", report.Delivered == 0
                ? "n/a"
                : $"{(report.CpuTime.TotalMicroseconds / report.Delivered).ToString("F2", culture)} µs"),
        };

        var width = rows.Max(row => row.Metric.Length);
        var table = new System.Text.StringBuilder();
        table.Append("metric".PadRight(width)).Append("  value\n");
        table.Append(new string('-', width)).Append("  ").Append(new string('-', 24)).Append('\n');
        foreach (var (metric, value) in rows)
        {
            table.Append(metric.PadRight(width)).Append("  ").Append(value).Append('\n');
        }

        return table.ToString();

        string Rate(long count, TimeSpan elapsed) => elapsed <= TimeSpan.Zero
            ? "n/a"
            : (count / elapsed.TotalSeconds).ToString("N0", culture) + " events/s";
    }

    /// <summary>A status line on standard error that is rewritten in place; off when standard error is not a terminal.</summary>
    private sealed class ProgressLine(TextWriter output, bool enabled)
    {
        private int _length;

        public void Show(LoadProgress progress, LoadSettings settings)
        {
            if (!enabled)
            {
                return;
            }

            var culture = CultureInfo.InvariantCulture;
            var percent = settings.ExpectedDeliveries == 0 ? 100 : 100.0 * progress.Delivered / settings.ExpectedDeliveries;
            var text = $"published {progress.Published.ToString("N0", culture)} / {settings.ExpectedPublished.ToString("N0", culture)}  " +
                $"delivered {progress.Delivered.ToString("N0", culture)} / {settings.ExpectedDeliveries.ToString("N0", culture)} " +
                $"({percent.ToString("F0", culture)} %)  {progress.Elapsed.TotalSeconds.ToString("F1", culture)} s";
            output.Write('\r' + text.PadRight(_length));
            _length = text.Length;
            output.Flush();
        }

        public void Clear()
        {
            if (enabled && _length > 0)
            {
                output.Write('\r' + new string(' ', _length) + '\r');
                output.Flush();
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(5301, LogLevel.Error, "The benchmark against {Address} failed", EventName = "BenchFailed")]
        public static partial void RunFailed(ILogger logger, Exception exception, string address);

        // Next free id in this range: 5302.
    }
}
