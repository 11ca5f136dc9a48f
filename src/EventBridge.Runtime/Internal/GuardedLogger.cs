using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EventBridge;

/// <summary>
/// A logger that passes each call on to another and ignores any exception it throws, so that a failing logging
/// provider cannot stop an event's other consumers or end a client's connection.
/// </summary>
internal sealed class GuardedLogger(ILogger inner) : ILogger
{
    /// <summary>Returns a guarded logger from <paramref name="factory"/>, or a logger that does nothing when it is null.</summary>
    public static ILogger Create<T>(ILoggerFactory? factory) =>
        factory is null ? NullLogger.Instance : new GuardedLogger(factory.CreateLogger<T>());

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull
    {
        try
        {
            return inner.BeginScope(state);
        }
        catch (Exception)
        {
            return null;
        }
    }

    public bool IsEnabled(LogLevel logLevel)
    {
        try
        {
            return inner.IsEnabled(logLevel);
        }
        catch (Exception)
        {
            return false;
        }
    }

    public void Log<TState>(
        LogLevel logLevel,
        Microsoft.Extensions.Logging.EventId eventId,
        TState state,
        Exception? exception,
        Func<TState, Exception?, string> formatter)
    {
        try
        {
            inner.Log(logLevel, eventId, state, exception, formatter);
        }
        catch (Exception)
        {
            // Nothing else can report that the logger failed, and the failure is the logger's, not the caller's.
        }
    }
}
