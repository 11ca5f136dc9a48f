namespace EventBridge;

/// <summary>A consumer, watcher or middleware failed while the bus delivered an event, or the bus refused it.</summary>
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

    /// <summary>
    /// What failed: a consumer's <see cref="ConsumerDescriptor.Name"/>, <c>middleware #N</c> for the N-th middleware,
    /// <c>watcher</c>, or <c>EventBus</c> when the bus refused an emit nested too deep.
    /// </summary>
    public string ConsumerName { get; }

    /// <summary>
    /// The exception: the one that was thrown, a <see cref="Serialization.PayloadException"/> when a consumer could
    /// not read the payload, or an <see cref="EventBridgeException"/> when the bus refused the event.
    /// </summary>
    public Exception Exception { get; }
}
