using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text.Encodings.Web;
using System.Text.Json;
using EventBridge.Internal;
using Microsoft.Extensions.Logging;

namespace EventBridge.Server;

/// <summary>
/// The <c>emit</c> command: connects to a server, sends one or more events built from JSON, and waits until the
/// server has acknowledged them, across reconnections, for up to <c>--timeout</c> in total.
/// </summary>
internal static partial class EmitCommand
{
    /// <summary>
    /// The maximum wait between connection attempts, both before the first connection and while the client
    /// reconnects. Short, because emit waits for the server for only --timeout, which is usually seconds.
    /// </summary>
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The client's close timeout: how long disposing it may still wait for acks once --timeout has passed, and for the
    /// bye frame to be written. A bye frame takes well under this on a working connection.
    /// </summary>
    private static readonly TimeSpan MaxCloseTimeout = TimeSpan.FromMilliseconds(250);

    public static Command Create()
    {
        var signal = new Argument<string>("signal")
        {
            Description = "The signal name, for example chat.message.",
            Validators = { Validation.RejectOptionLikeTokens },
        };
        var kwargs = new Argument<string?>("kwargs-json")
        {
            Description = "The named arguments as a JSON object, for example '{\"user\":\"Alice\"}'. Default: {}.",
            Arity = ArgumentArity.ZeroOrOne,
            Validators = { Validation.RejectOptionLikeTokens },
        };
        var args = new Option<string?>("--args")
        {
            Description = "The positional arguments as a JSON array, for example '[1, \"two\"]'. Default: [].",
            HelpName = "json",
        };
        var ns = new Option<string?>("--namespace", "-n")
        {
            Description = "The namespace of the event. Default: the default namespace.",
        };
        var count = new Option<int>("--count", "-c")
        {
            Description = "The number of events to send, each with the same payload and a new event id.",
            DefaultValueFactory = _ => 1,
            CustomParser = Validation.WholeNumber(1, 1_000_000),
        };
        var timeout = new Option<double>("--timeout")
        {
            Description = "How long to wait in total for the server to take the events, in seconds: to connect, to " +
                "reconnect after a lost connection, and to acknowledge every event.",
            DefaultValueFactory = _ => 10,
            CustomParser = Validation.PositiveSeconds,
            HelpName = "seconds",
        };
        var server = new ServerAddress("eventbridge-emit");
        // The client's warnings about server errors and lost events would repeat, once per event, what the command
        // reports in one line; --log-level shows them again.
        var logging = new CommandLogging(LogLevel.Warning, typeof(EventBridgeClient).FullName!);

        var command = new Command(
            "emit",
            "Send events to a server and exit once the server has acknowledged them. The token for a server that " +
            $"requires one is read from the {ServeLimitOptions.TokenVariable} environment variable. Exit status: 0 when " +
            "the server acknowledged every event, 1 when the server cannot be reached or does not acknowledge every " +
            "event within --timeout, 2 for invalid input, 3 when the server rejected an event, for example one the " +
            "token may not publish, 130 when Ctrl+C or SIGTERM stopped it before every event was acknowledged.")
        {
            signal,
            kwargs,
            args,
            ns,
            count,
            timeout,
        };
        server.AddTo(command);
        logging.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var request = new EmitRequest(
                parse.GetValue(signal)!,
                parse.GetValue(ns),
                parse.GetValue(args),
                parse.GetValue(kwargs),
                parse.GetValue(count),
                TimeSpan.FromSeconds(parse.GetValue(timeout)));
            using var loggerFactory = logging.CreateFactory(parse);
            if (!server.TryCreateClientOptions(parse, loggerFactory, out var options, out var optionError))
            {
                await Console.Error.WriteLineAsync(optionError).ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            return await RunAsync(request, options, loggerFactory, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(
        EmitRequest request,
        EventBridgeClientOptions options,
        ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        // The first Ctrl+C or SIGTERM stops the run and reports what the server has not acknowledged, and a second one
        // ends the process at once. Registering first leaves only a signal during the runtime's start to the default.
        using var signals = new TerminationSignals(cancellationToken);
        var logger = loggerFactory.CreateLogger("EventBridge.Emit");
        if (!TryBuildPayload(request, out var argsJson, out var kwargsJson, out var problem))
        {
            await Console.Error.WriteLineAsync(problem).ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }

        var bus = new EventBus(new EventBusOptions { LoggerFactory = loggerFactory });
        var messages = new EventMessage[request.Count];
        for (var i = 0; i < messages.Length; i++)
        {
            messages[i] = EventMessage.FromJson(request.Signal, request.Namespace, default, null, false, argsJson, kwargsJson);
        }

        // The bus rejects an invalid or reserved signal name. No client watches it yet, so this check sends nothing.
        try
        {
            bus.Emit(messages[0]);
        }
        catch (ArgumentException exception)
        {
            await Console.Error.WriteLineAsync(exception.Message).ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }

        var address = options.Host + ":" + options.Port;
        var started = Stopwatch.GetTimestamp();

        // FlushAsync waits for the acks within --timeout, so disposing only sends bye, and CloseTimeout bounds how
        // long a run whose time is up waits past --timeout. An outbox as large as the request means no event is
        // dropped for room. Reconnection attempts during the wait come at most a second apart, so a restarted server
        // is found soon after it listens.
        options = options with
        {
            CloseTimeout = request.Timeout < MaxCloseTimeout ? request.Timeout : MaxCloseTimeout,
            MaxReconnectDelay = MaxRetryDelay,
            OutboxCapacity = Math.Max(request.Count, options.OutboxCapacity),
        };
        var unconfirmed = 0;
        var rejections = new EmitRejections(request.Count, request.Signal);
        var client = new EventBridgeClient(bus, options);
        client.EventDropped += (_, dropped) =>
        {
            Interlocked.Increment(ref unconfirmed);
            Log.EventNotConfirmed(logger, dropped.Message.Signal, dropped.Message.Id.ToString(), dropped.Reason);
        };
        client.ServerErrorReceived += (_, error) => rejections.Record(error);
        var deadline = started + (long)(request.Timeout.TotalSeconds * Stopwatch.Frequency);

        var emittedCount = 0;
        var interrupted = false;
        try
        {
            if (await ConnectAsync(client, options, deadline, logger, signals.Token).ConfigureAwait(false) is { } failure)
            {
                await client.DisposeAsync().ConfigureAwait(false);
                await Console.Error.WriteLineAsync(failure).ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            for (var i = 0; i < messages.Length; i++)
            {
                // A large --count takes seconds to queue, so a signal is noticed between events too.
                if (i % 1024 == 0)
                {
                    signals.Token.ThrowIfCancellationRequested();
                }

                bus.Emit(messages[i]);
                emittedCount = i + 1;
            }

            await client.FlushAsync(Remaining(deadline), signals.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (signals.Token.IsCancellationRequested)
        {
            interrupted = true;
        }

        var lostConnection = client.State != EventBridgeClientState.Connected;

        // Disposing reports what is still unacknowledged, and the server sends the error for a rejected event before
        // the ack that covers it, so every rejection has been recorded once the client is disposed.
        await client.DisposeAsync().ConfigureAwait(false);
        var waited = Stopwatch.GetElapsedTime(started);
        if (interrupted)
        {
            var unacknowledged = Volatile.Read(ref unconfirmed) + (request.Count - emittedCount);
            if (emittedCount == 0)
            {
                await Console.Error.WriteLineAsync(
                    $"Interrupted after {Seconds(waited)} s, before the connection to {address} was made: no event was sent.")
                    .ConfigureAwait(false);
                return ExitCodes.Interrupted;
            }

            if (unacknowledged > 0)
            {
                await Console.Error.WriteLineAsync(
                    $"Interrupted after {Seconds(waited)} s: the server at {address} did not acknowledge {unacknowledged} of " +
                    $"{request.Count} events. They may not have been delivered.").ConfigureAwait(false);
                return ExitCodes.Interrupted;
            }

            // The last acks arrived while the connection closed, so every event was acknowledged, and the run is
            // reported as complete below.
        }

        foreach (var notice in rejections.DescribeNotices(address))
        {
            await Console.Error.WriteLineAsync(notice).ConfigureAwait(false);
        }

        if (rejections.Count > 0)
        {
            await Console.Error.WriteLineAsync(rejections.Describe(address)).ConfigureAwait(false);
            return ExitCodes.Rejected;
        }

        if (Volatile.Read(ref unconfirmed) is var missing and > 0)
        {
            var cause = lostConnection ? "; the connection was lost and could not be re-established in time" : string.Empty;
            await Console.Error.WriteLineAsync(
                $"The server at {address} did not acknowledge {missing} of {request.Count} events within " +
                $"{Seconds(waited)} s{cause}. They may not have been delivered. Pass --log-level warning to see the " +
                "client's warnings about the connection.").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        var noun = request.Count == 1 ? "event" : "events";
        Console.Out.WriteLine($"emitted {request.Count} {noun} '{request.Signal}' to {address}");
        return ExitCodes.Success;
    }

    /// <summary>
    /// Connects, retrying failed attempts until <paramref name="deadline"/>, because a server that is starting or
    /// restarting refuses connections for a moment. A rejected token, a TLS mismatch or an unknown host fails at
    /// once, since another attempt would fail the same way.
    /// </summary>
    /// <returns><see langword="null"/> once connected, else the line for standard error.</returns>
    private static async Task<string?> ConnectAsync(
        EventBridgeClient client,
        EventBridgeClientOptions options,
        long deadline,
        ILogger logger,
        CancellationToken cancellationToken)
    {
        var address = options.Host + ":" + options.Port;
        var started = Stopwatch.GetTimestamp();
        Exception? failure = null;
        var attempt = 0;
        while (true)
        {
            attempt++;
            using (var timeLeft = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeLeft.CancelAfter(Remaining(deadline));
                try
                {
                    await client.ConnectAsync(timeLeft.Token).ConfigureAwait(false);
                    return null;
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // --timeout passed during this attempt. The error of an earlier attempt is more specific.
                    failure ??= new TimeoutException("The server did not accept the connection and welcome the client in time.");
                    break;
                }
                catch (Exception exception) when (ServerAddress.IsConnectFailure(exception))
                {
                    failure = exception;
                    Log.ConnectFailed(logger, exception, address);
                }
            }

            if (!IsWorthRetrying(failure))
            {
                return ServerAddress.DescribeConnectFailure(failure, options);
            }

            var remaining = Remaining(deadline);
            if (remaining <= TimeSpan.Zero)
            {
                break;
            }

            var delay = RetryDelay(attempt);
            delay = delay < remaining ? delay : remaining;
            Log.ConnectRetrying(logger, address, attempt, failure.Message, delay.TotalMilliseconds);
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }

        var tried = $"within {Seconds(Stopwatch.GetElapsedTime(started))} s ({attempt} {(attempt == 1 ? "attempt" : "attempts")})";
        return ServerAddress.DescribeConnectFailure(failure, options, tried);
    }

    private static bool IsWorthRetrying(Exception failure) =>
        failure is not AuthenticationException
        && failure is not SocketException { SocketErrorCode: SocketError.HostNotFound };

    /// <summary>
    /// The wait before retry <paramref name="attempt"/> (1-based): 100 ms doubled for each earlier retry, at most
    /// <see cref="MaxRetryDelay"/>, then randomized by ±20 % so that emits started together do not retry in step.
    /// </summary>
    private static TimeSpan RetryDelay(int attempt)
    {
        var exponential = 100.0 * (1 << Math.Min(attempt - 1, 10));
        var capped = Math.Min(exponential, MaxRetryDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.8 + (Random.Shared.NextDouble() * 0.4)));
    }

    /// <summary>Returns the time until <paramref name="deadline"/>, a <see cref="Stopwatch"/> timestamp, or zero.</summary>
    private static TimeSpan Remaining(long deadline)
    {
        var ticks = deadline - Stopwatch.GetTimestamp();
        return ticks > 0 ? TimeSpan.FromSeconds((double)ticks / Stopwatch.Frequency) : TimeSpan.Zero;
    }

    private static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);

    /// <summary>
    /// Checks the JSON arguments and rewrites them without whitespace: frames are single lines, so a payload typed
    /// across several lines must lose its line breaks before it is sent.
    /// </summary>
    private static bool TryBuildPayload(
        EmitRequest request,
        out ReadOnlyMemory<byte> argsJson,
        out ReadOnlyMemory<byte> kwargsJson,
        out string problem)
    {
        argsJson = default;
        kwargsJson = default;
        if (!TryCompact(request.KwargsJson, JsonValueKind.Object, "kwargs-json", "a JSON object such as {\"user\":\"Alice\"}", out kwargsJson, out problem))
        {
            return false;
        }

        return TryCompact(request.ArgsJson, JsonValueKind.Array, "--args", "a JSON array such as [1, \"two\"]", out argsJson, out problem);
    }

    private static bool TryCompact(
        string? json,
        JsonValueKind expected,
        string what,
        string example,
        out ReadOnlyMemory<byte> compact,
        out string problem)
    {
        compact = default;
        problem = string.Empty;
        if (string.IsNullOrWhiteSpace(json))
        {
            return true;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException exception)
        {
            problem = $"Invalid JSON in {what}: {JsonErrorText.Describe(exception)}. Expected {example}.";
            return false;
        }

        using (document)
        {
            if (document.RootElement.ValueKind != expected)
            {
                problem = $"Invalid {what}: expected {example}, got a JSON {document.RootElement.ValueKind.ToString().ToLowerInvariant()}.";
                return false;
            }

            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                document.RootElement.WriteTo(writer);
            }

            compact = buffer.ToArray();
            return true;
        }
    }

    private sealed record EmitRequest(
        string Signal,
        string? Namespace,
        string? ArgsJson,
        string? KwargsJson,
        int Count,
        TimeSpan Timeout);

    private static partial class Log
    {
        [LoggerMessage(5101, LogLevel.Debug, "Connecting to {Address} failed", EventName = "EmitConnectFailed")]
        public static partial void ConnectFailed(ILogger logger, Exception exception, string address);

        [LoggerMessage(5102, LogLevel.Debug, "Event {EventId} on signal {Signal} was not acknowledged: {Reason}",
            EventName = "EmitEventNotConfirmed")]
        public static partial void EventNotConfirmed(ILogger logger, string signal, string eventId, EventDropReason reason);

        [LoggerMessage(5103, LogLevel.Information,
            "Connecting to {Address} failed (attempt {Attempt}): {Reason}; retrying in {DelayMilliseconds:0} ms",
            EventName = "EmitConnectRetrying")]
        public static partial void ConnectRetrying(
            ILogger logger, string address, int attempt, string reason, double delayMilliseconds);

        // Next free id in this range: 5104. Ids 5200 and up belong to tail, 5300 and up to bench.
    }
}
