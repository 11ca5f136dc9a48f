using System.CommandLine;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace EventBridge.Server;

/// <summary>The <c>serve</c> command: runs a standalone server until SIGINT or SIGTERM.</summary>
internal static partial class ServeCommand
{
    public static Command Create()
    {
        var host = new Option<string>("--host")
        {
            Description = "The address to listen on. Binding to anything but loopback exposes the server to the network.",
            DefaultValueFactory = _ => "127.0.0.1",
        };
        var port = new Option<int>("--port", "-p")
        {
            Description = "The TCP port to listen on; 0 picks a free port.",
            DefaultValueFactory = _ => 8888,
        };
        var logLevel = new Option<LogLevel>("--log-level")
        {
            Description = "The minimum level of log messages written to standard error.",
            DefaultValueFactory = _ => LogLevel.Information,
        };

        var command = new Command("serve", "Run an EventBridge server until interrupted (Ctrl+C or SIGTERM).")
        {
            host,
            port,
            logLevel,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetValue(host)!,
            parse.GetValue(port),
            parse.GetValue(logLevel),
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string host, int port, LogLevel level, CancellationToken cancellationToken)
    {
        using var loggerFactory = LoggerFactory.Create(builder => builder
            .SetMinimumLevel(level)
            .AddSimpleConsole(console =>
            {
                console.SingleLine = true;
                console.TimestampFormat = "HH:mm:ss.fff ";
            }));
        var logger = loggerFactory.CreateLogger("EventBridge.Server");

        await using var server = new EventBridgeServer(new EventBridgeServerOptions
        {
            Host = host,
            Port = port,
            LoggerFactory = loggerFactory,
        });

        try
        {
            await server.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (System.Net.Sockets.SocketException exception)
        {
            Log.BindFailed(logger, exception, host, port);
            return 1;
        }

        // SIGTERM would otherwise end the process at once with exit code 143, skipping the graceful stop.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });

        // The listening line goes to standard output as well, so scripts can wait for it and read the port.
        Console.WriteLine($"listening on {server.LocalEndPoint}");
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Log.ShuttingDown(logger);
        }

        await server.StopAsync(CancellationToken.None).ConfigureAwait(false);
        return 0;
    }

    private static partial class Log
    {
        [LoggerMessage(5001, LogLevel.Critical, "Cannot listen on {Host}:{Port}", EventName = "BindFailed")]
        public static partial void BindFailed(ILogger logger, Exception exception, string host, int port);

        [LoggerMessage(5002, LogLevel.Information, "Shutdown requested; stopping the server", EventName = "ShuttingDown")]
        public static partial void ShuttingDown(ILogger logger);

        // Next free id in this range: 5003.
    }
}
