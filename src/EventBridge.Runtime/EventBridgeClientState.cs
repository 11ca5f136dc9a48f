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

/// <summary>Why a client did not forward a local event.</summary>
public enum EventDropReason
{
    /// <summary>The outbox was full; see <see cref="EventBridgeClientOptions.OutboxOverflow"/>.</summary>
    OutboxFull,

    /// <summary>The event's frame is longer than <see cref="EventBridgeClientOptions.MaxFrameBytes"/>.</summary>
    FrameTooLarge,

    /// <summary>The payload could not be written as JSON.</summary>
    SerializationFailed,

    /// <summary>The client was disposed before the server acknowledged the event.</summary>
    ClientClosed,
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

/// <summary>Describes a local event that a client did not forward.</summary>
public sealed class EventDroppedEventArgs : EventArgs
{
    /// <summary>Initializes the arguments.</summary>
    public EventDroppedEventArgs(EventMessage message, EventDropReason reason)
    {
        Message = message;
        Reason = reason;
    }

    /// <summary>The event that was dropped.</summary>
    public EventMessage Message { get; }

    /// <summary>Why it was dropped.</summary>
    public EventDropReason Reason { get; }
}
