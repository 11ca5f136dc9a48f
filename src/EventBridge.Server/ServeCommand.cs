using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace EventBridge.Server;

/// <summary>The <c>serve</c> command: runs a standalone server until SIGINT or SIGTERM.</summary>
internal static partial class ServeCommand
{
    /// <summary>
    /// Extra time on top of the shutdown timeout for closing sockets and flushing logs. After the timeout plus this
    /// grace period the command returns even if some connection has not closed.
    /// </summary>
    private static readonly TimeSpan s_stopGrace = TimeSpan.FromSeconds(2);

    public static Command Create()
    {
        var defaults = new EventBridgeServerOptions();
        var host = new Option<string>("--host")
        {
            Description = "The address to listen on. Binding to anything but loopback exposes the server to the network.",
            DefaultValueFactory = _ => defaults.Host,
        };
        var port = new Option<int>("--port", "-p")
        {
            Description = "The TCP port to listen on; 0 picks a free port, printed on the 'listening on' line.",
            DefaultValueFactory = _ => defaults.Port,
            CustomParser = Validation.WholeNumber(0, IPEndPoint.MaxPort),
        };
        var name = new Option<string>("--name")
        {
            Description = "The source name of events emitted by the server itself.",
            DefaultValueFactory = _ => defaults.Name,
        };
        var maxFrameBytes = new Option<int>("--max-frame-bytes")
        {
            Description = "The maximum size of one frame in bytes; a longer frame is discarded and its sender gets an error frame.",
            DefaultValueFactory = _ => defaults.MaxFrameBytes,
            CustomParser = Validation.WholeNumber(64, Array.MaxLength),
            HelpName = "bytes",
        };
        var limits = ServeLimitOptions.Create(defaults);
        var tls = new ServeTlsOptions();
        var shutdownTimeout = new Option<double>("--shutdown-timeout")
        {
            Description = "How long a shutdown waits for queued frames to reach clients before closing their connections, in seconds.",
            DefaultValueFactory = _ => defaults.ShutdownTimeout.TotalSeconds,
            CustomParser = Validation.PositiveSeconds,
            HelpName = "seconds",
        };
        var logging = new CommandLogging(LogLevel.Information);

        var command = new Command(
            "serve",
            "Run an EventBridge server until SIGINT (Ctrl+C) or SIGTERM. On either signal the server stops accepting " +
            "connections, sends every client a 'bye' frame, flushes queued frames for up to --shutdown-timeout, and " +
            "exits with status 0 within that timeout plus 2 seconds. A second signal ends the process at once.")
        {
            host,
            port,
            name,
            maxFrameBytes,
            shutdownTimeout,
        };
        limits.AddTo(command);
        tls.AddTo(command);
        logging.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!tls.TryLoad(parse, out var tlsOptions, out var tlsError))
            {
                await Console.Error.WriteLineAsync(tlsError).ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            var options = new EventBridgeServerOptions
            {
                Host = parse.GetValue(host)!,
                Port = parse.GetValue(port),
                Name = parse.GetValue(name)!,
                MaxFrameBytes = parse.GetValue(maxFrameBytes),
                ShutdownTimeout = TimeSpan.FromSeconds(parse.GetValue(shutdownTimeout)),
                Tls = tlsOptions,
            };
            if (!limits.TryApply(parse, options, out var limited, out var limitError))
            {
                await Console.Error.WriteLineAsync(limitError).ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            return await RunAsync(limited, logging.CreateFactory(parse), cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync(
        EventBridgeServerOptions options,
        ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        using var loggers = loggerFactory;
        var logger = loggerFactory.CreateLogger("EventBridge.Server");
        using var signals = new TerminationSignals(cancellationToken);

        await using var server = new EventBridgeServer(options with { LoggerFactory = loggerFactory });
        try
        {
            await server.StartAsync(signals.Token).ConfigureAwait(false);
        }
        catch (SocketException exception)
        {
            Log.BindFailed(logger, exception, options.Host, options.Port);
            await Console.Error.WriteLineAsync(
                $"Cannot listen on {options.Host}:{options.Port}: {exception.Message}. " +
                "Pick another port with --port, or 0 for a free one.").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        // Standard output carries only this line, so a script can wait for it and read the port that was picked.
        Console.Out.WriteLine($"listening on {server.LocalEndPoint}");
        Console.Out.Flush();

        try
        {
            await Task.Delay(Timeout.Infinite, signals.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Log.ShuttingDown(logger, server.ClientCount, options.ShutdownTimeout.TotalSeconds);
        }

        var stopping = server.StopAsync(CancellationToken.None);
        var bound = options.ShutdownTimeout + s_stopGrace;
        if (await Task.WhenAny(stopping, Task.Delay(bound, CancellationToken.None)).ConfigureAwait(false) != stopping)
        {
            Log.StopTimedOut(logger, bound.TotalSeconds);
        }

        return ExitCodes.Success;
    }

    private static partial class Log
    {
        [LoggerMessage(5001, LogLevel.Critical, "Cannot listen on {Host}:{Port}", EventName = "BindFailed")]
        public static partial void BindFailed(ILogger logger, Exception exception, string host, int port);

        [LoggerMessage(5002, LogLevel.Information,
            "Shutdown requested; stopping the server with {ClientCount} clients connected, waiting up to {TimeoutSeconds} s for them",
            EventName = "ShuttingDown")]
        public static partial void ShuttingDown(ILogger logger, int clientCount, double timeoutSeconds);

        [LoggerMessage(5003, LogLevel.Warning, "The server did not stop within {BoundSeconds} s; exiting anyway",
            EventName = "StopTimedOut")]
        public static partial void StopTimedOut(ILogger logger, double boundSeconds);

        // Next free id in this range: 5004. Ids 5100 and up belong to the client commands.
    }
}
