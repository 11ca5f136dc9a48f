using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace EventBridge.Tests.Faults;

/// <summary>
/// A logger factory for clients that keeps, with a timestamp, each client's connection losses, reconnection attempts
/// (with the delay the client chose) and reconnections, read from the structured values of the client's log messages.
/// </summary>
internal sealed class ReconnectLog : ILoggerFactory, ILoggerProvider
{
    private readonly ConcurrentQueue<Entry> _entries = new();

    /// <summary>Every recorded message in the order logged.</summary>
    public IReadOnlyList<Entry> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    /// <summary>One log message of a client.</summary>
    /// <param name="Kind">The message's event name: <c>ConnectionLost</c>, <c>Reconnecting</c> or <c>Reconnected</c>.</param>
    /// <param name="Client">The client's name.</param>
    /// <param name="Timestamp">When it was logged, in <see cref="Stopwatch"/> ticks.</param>
    /// <param name="Attempt">The attempt number, for <c>Reconnecting</c> and <c>Reconnected</c>.</param>
    /// <param name="DelayMilliseconds">The wait before the attempt, for <c>Reconnecting</c>.</param>
    public sealed record Entry(string Kind, string Client, long Timestamp, int Attempt, double DelayMilliseconds)
    {
        /// <summary>For <c>Reconnecting</c>: when the attempt starts, the log time plus the delay, in milliseconds.</summary>
        public double AttemptMilliseconds => Milliseconds + DelayMilliseconds;

        /// <summary>When it was logged, in milliseconds.</summary>
        public double Milliseconds => Timestamp * 1000.0 / Stopwatch.Frequency;
    }

    private sealed class Logger(ReconnectLog owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(
            LogLevel logLevel,
            Microsoft.Extensions.Logging.EventId eventId,
            TState state,
            Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            var timestamp = Stopwatch.GetTimestamp();
            if (eventId.Name is not ("ConnectionLost" or "Reconnecting" or "Reconnected")
                || state is not IReadOnlyList<KeyValuePair<string, object?>> values)
            {
                return;
            }

            string? client = null;
            var attempt = 0;
            var delay = 0.0;
            foreach (var (name, value) in values)
            {
                switch (name)
                {
                    case "ClientName":
                        client = value as string;
                        break;
                    case "Attempt":
                        attempt = Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture);
                        break;
                    case "DelayMilliseconds":
                        delay = Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture);
                        break;
                    default:
                        break;
                }
            }

            owner._entries.Enqueue(new Entry(eventId.Name, client ?? "unknown", timestamp, attempt, delay));
        }
    }
}
