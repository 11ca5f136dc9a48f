using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace EventBridge.Tests.Hardening;

/// <summary>A logger provider that keeps every message, so that tests can check what a server or client logged.</summary>
internal sealed class LogCollector : ILoggerProvider, ILoggerFactory
{
    private readonly ConcurrentQueue<(Microsoft.Extensions.Logging.EventId Id, LogLevel Level, string Text)> _entries = new();

    public IReadOnlyList<(Microsoft.Extensions.Logging.EventId Id, LogLevel Level, string Text)> Entries => [.. _entries];

    /// <summary>Whether a message with the event name <paramref name="eventName"/> was logged.</summary>
    public bool Contains(string eventName) => _entries.Any(entry => entry.Id.Name == eventName);

    /// <summary>The texts of the messages logged with the event name <paramref name="eventName"/>.</summary>
    public IEnumerable<string> Texts(string eventName) =>
        _entries.Where(entry => entry.Id.Name == eventName).Select(entry => entry.Text);

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Logger(LogCollector owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(
            LogLevel logLevel,
            Microsoft.Extensions.Logging.EventId eventId,
            TState state,
            Exception? exception,
            Func<TState, Exception?, string> formatter) =>
            owner._entries.Enqueue((eventId, logLevel, formatter(state, exception)));
    }
}
