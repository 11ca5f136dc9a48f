namespace EventBridge;

/// <summary>The connection state of an <see cref="EventBridgeClient"/>.</summary>
public enum EventBridgeClientState
{
    /// <summary>Not connected and not trying: before <see cref="EventBridgeClient.ConnectAsync"/> or after it failed.</summary>
    Disconnected,

    /// <summary>The first connection attempt, made by <see cref="EventBridgeClient.ConnectAsync"/>, is under way.</summary>
    Connecting,

    /// <summary>Connected and welcomed by the server; local events are being forwarded.</summary>
    Connected,

    /// <summary>The connection was lost; the client is retrying, and local events wait in the outbox.</summary>
    Reconnecting,

    /// <summary>The client was disposed.</summary>
    Closed,
}

/// <summary>Why a client did not forward a local event, or did not deliver a received event to a consumer.</summary>
public enum EventDropReason
{
    /// <summary>
    /// The outbox was full, because the server was away or the client emitted faster than the connection carries
    /// events. See <see cref="EventBridgeClientOptions.OutboxOverflow"/> and <see cref="EventDroppedEventArgs.WasSent"/>.
    /// </summary>
    OutboxFull,

    /// <summary>The event's frame is longer than <see cref="EventBridgeClientOptions.MaxFrameBytes"/>.</summary>
    FrameTooLarge,

    /// <summary>The payload could not be written as JSON.</summary>
    SerializationFailed,

    /// <summary>
    /// The client was disposed before the server acknowledged the local event, or, for a received event, before the
    /// consumer's queue reached it within <see cref="EventBridgeClientOptions.CloseTimeout"/>.
    /// </summary>
    ClientClosed,

    /// <summary>
    /// A received event was not delivered to one consumer because that consumer's queue was full; see
    /// <see cref="EventBridgeClientOptions.ConsumerQueueCapacity"/>.
    /// </summary>
    ConsumerQueueFull,
}

/// <summary>Describes a change of <see cref="EventBridgeClient.State"/>.</summary>
public sealed class EventBridgeClientStateChangedEventArgs : EventArgs
{
    /// <summary>Initializes the arguments.</summary>
    public EventBridgeClientStateChangedEventArgs(
        EventBridgeClientState previous,
        EventBridgeClientState current,
        Exception? exception)
    {
        Previous = previous;
        Current = current;
        Exception = exception;
    }

    /// <summary>The state before the change.</summary>
    public EventBridgeClientState Previous { get; }

    /// <summary>The state after the change.</summary>
    public EventBridgeClientState Current { get; }

    /// <summary>The error that caused the change, when there was one.</summary>
    public Exception? Exception { get; }
}

/// <summary>
/// Describes an event that a client dropped: a local event it did not forward, or a received event it did not
/// deliver to one consumer.
/// </summary>
public sealed class EventDroppedEventArgs : EventArgs
{
    /// <summary>Initializes the arguments for a local event that was not forwarded.</summary>
    public EventDroppedEventArgs(EventMessage message, EventDropReason reason)
        : this(message, reason, consumer: null)
    {
    }

    /// <summary>Initializes the arguments.</summary>
    /// <param name="message">The event.</param>
    /// <param name="reason">Why it was dropped.</param>
    /// <param name="consumer">The consumer that missed a received event, or <see langword="null"/> for a local event.</param>
    public EventDroppedEventArgs(EventMessage message, EventDropReason reason, string? consumer)
    {
        Message = message;
        Reason = reason;
        Consumer = consumer;
    }

    /// <summary>The event that was dropped.</summary>
    public EventMessage Message { get; }

    /// <summary>Why it was dropped.</summary>
    public EventDropReason Reason { get; }

    /// <summary>
    /// The name of the consumer that did not receive the event (<see cref="ConsumerDescriptor.Name"/>) when a received
    /// event was dropped, or <see langword="null"/> when a local event was not forwarded.
    /// </summary>
    public string? Consumer { get; }

    /// <summary>
    /// Whether the client had written the local event to a connection before it dropped it, without an
    /// acknowledgement. Such an event may have reached the server and its receivers, and the client only stops
    /// resending it. <see cref="OutboxOverflow.DropOldest"/> drops these first, and <see cref="EventDropReason.ClientClosed"/>
    /// reports them when the server has not acknowledged them in time. Always <see langword="false"/> for a received
    /// event.
    /// </summary>
    public bool WasSent { get; init; }
}
