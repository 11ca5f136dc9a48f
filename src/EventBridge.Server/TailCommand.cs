using System.CommandLine;
using Microsoft.Extensions.Logging;

namespace EventBridge.Server;

/// <summary>The <c>tail</c> command: prints every event that other clients send through a server.</summary>
internal static partial class TailCommand
{
    public static Command Create()
    {
        var patterns = new Argument<string[]>("signal-patterns")
        {
            Description = "Glob patterns of the signals to print: '*' matches any characters, '?' one character. " +
                "Quote them so the shell leaves them alone, for example 'chat.*'. Default: every signal.",
            Arity = ArgumentArity.ZeroOrMore,
            Validators = { Validation.RejectOptionLikeTokens },
        };
        var ns = new Option<string?>("--namespace", "-n")
        {
            Description = "Print only events in this namespace. Default: events in every namespace.",
        };
        var format = new Option<TailFormat>("--format")
        {
            Description = "How events are printed: plain columns (time, source, signal, payload) or JSON objects one per line.",
            DefaultValueFactory = _ => TailFormat.Plain,
        };
        var count = new Option<int?>("--count", "-c")
        {
            Description = "Exit with status 0 after printing this many events. Default: run until interrupted.",
            CustomParser = Validation.OptionalWholeNumber(1, int.MaxValue),
        };
        var server = new ServerAddress("eventbridge-tail");
        var logging = new CommandLogging(LogLevel.Warning);

        var command = new Command(
            "tail",
            "Print the events that other clients send through a server, as they arrive, until interrupted. A lost " +
            "connection is re-established by itself. The token for a server that requires one is read from the " +
            $"{ServeLimitOptions.TokenVariable} environment variable. Exit status: 0 after Ctrl+C, SIGTERM or --count " +
            "events, 1 when the server cannot be reached at the start, 2 for invalid input.")
        {
            patterns,
            ns,
            format,
            count,
        };
        server.AddTo(command);
        logging.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var filter = new TailFilter(
                [.. (parse.GetValue(patterns) ?? []).Select(pattern => new SignalPattern(pattern))],
                parse.GetValue(ns));
            using var loggerFactory = logging.CreateFactory(parse);
            if (!server.TryCreateClientOptions(parse, loggerFactory, out var options, out var optionError))
            {
                await Console.Error.WriteLineAsync(optionError).ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            using var output = Console.OpenStandardOutput();
            var printer = new TailPrinter(output, parse.GetValue(format));
            return await RunAsync(
                filter,
                printer,
                parse.GetValue(count),
                options,
                loggerFactory,
                cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(
        TailFilter filter,
        TailPrinter printer,
        int? count,
        EventBridgeClientOptions options,
        ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        var logger = loggerFactory.CreateLogger("EventBridge.Tail");
        var address = options.Host + ":" + options.Port;
        using var signals = new TerminationSignals(cancellationToken);
        var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var printed = 0;

        var bus = new EventBus(new EventBusOptions { LoggerFactory = loggerFactory });
        using var watch = bus.Watch(message =>
        {
            if (!message.IsRemote || !filter.IsMatch(message))
            {
                return;
            }

            if (count is { } limit && Volatile.Read(ref printed) >= limit)
            {
                return;
            }

            printer.Print(message, DateTimeOffset.Now);
            if (Interlocked.Increment(ref printed) == count)
            {
                enough.TrySetResult();
            }
        });

        await using var client = new EventBridgeClient(bus, options);
        client.StateChanged += (_, change) => ReportState(change, address);
        try
        {
            await client.ConnectAsync(signals.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (ServerAddress.IsConnectFailure(exception))
        {
            Log.ConnectFailed(logger, exception, address);
            await Console.Error.WriteLineAsync(ServerAddress.DescribeConnectFailure(exception, options)).ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (OperationCanceledException) when (signals.Token.IsCancellationRequested)
        {
            return ExitCodes.Success;
        }

        Log.Tailing(logger, address, filter.ToString());
        var interrupted = Task.Delay(Timeout.Infinite, signals.Token);
        await Task.WhenAny(enough.Task, interrupted).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    /// <summary>Tells the user on standard error when the client loses and regains its connection.</summary>
    private static void ReportState(EventBridgeClientStateChangedEventArgs change, string address)
    {
        if (change.Current == EventBridgeClientState.Reconnecting)
        {
            Console.Error.WriteLine(
                $"Lost the connection to {address}; reconnecting. Events sent meanwhile are printed after the " +
                "reconnect if the server still keeps them for replay, and missed otherwise.");
        }
        else if (change.Current == EventBridgeClientState.Connected && change.Previous == EventBridgeClientState.Reconnecting)
        {
            Console.Error.WriteLine($"Reconnected to {address}.");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(5201, LogLevel.Debug, "Connecting to {Address} failed", EventName = "TailConnectFailed")]
        public static partial void ConnectFailed(ILogger logger, Exception exception, string address);

        [LoggerMessage(5202, LogLevel.Information, "Printing events from {Address} that match {Filter}", EventName = "Tailing")]
        public static partial void Tailing(ILogger logger, string address, string filter);

        // Next free id in this range: 5203.
    }
}
