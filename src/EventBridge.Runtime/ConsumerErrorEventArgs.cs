namespace EventBridge;

/// <summary>A consumer, watcher or middleware threw while the bus delivered an event.</summary>
public sealed class ConsumerErrorEventArgs : EventArgs
{
    /// <summary>Initializes the arguments.</summary>
    public ConsumerErrorEventArgs(EventMessage message, string consumerName, Exception exception)
    {
        Message = message;
        ConsumerName = consumerName;
        Exception = exception;
    }

    /// <summary>The event that was being delivered.</summary>
    public EventMessage Message { get; }

    /// <summary>The name of the consumer, watcher or middleware that failed.</summary>
    public string ConsumerName { get; }

    /// <summary>The exception it threw.</summary>
    public Exception Exception { get; }
}
