namespace EventBridge;

/// <summary>
/// Facts about the event that a consumer is handling. Declare a parameter of this type on a consumer method to
/// receive it.
/// </summary>
/// <remarks>
/// A context, and the <see cref="Message"/> it carries, are valid while the consumer handles the event: until its
/// handler returns or, for an asynchronous consumer, until its task completes. To avoid an allocation per emit, the
/// bus reuses the message object of an event that only consumers see (no middleware or watchers are registered) once
/// its delivery has ended. Copy the values to keep, such as the payload or <see cref="EventId"/>, instead of keeping
/// the context or the message.
/// </remarks>
public readonly struct EventContext
{
    /// <summary>Initializes a context; the bus creates one for each delivery of an event.</summary>
    public EventContext(EventBus bus, EventMessage message, CancellationToken cancellationToken)
    {
        Bus = bus;
        Message = message;
        CancellationToken = cancellationToken;
    }

    /// <summary>The bus that delivered the event; consumers may emit on it.</summary>
    public EventBus Bus { get; }

    /// <summary>The event itself, as middleware and watchers see it.</summary>
    public EventMessage Message { get; }

    /// <summary>The signal name.</summary>
    public string Signal => Message.Signal;

    /// <summary>The event's namespace, or <see langword="null"/> for the default namespace.</summary>
    public string? Namespace => Message.Namespace;

    /// <summary>The event id, unique per emitting process and used to remove duplicates.</summary>
    public EventId EventId => Message.Id;

    /// <summary>The process that emitted the event, or <see langword="null"/> when it was emitted in this process.</summary>
    public EventOrigin? Source => Message.Source;

    /// <summary><see langword="true"/> when the event came from another process through the bridge.</summary>
    public bool IsRemote => Message.IsRemote;

    /// <summary>
    /// The token passed to <see cref="EventBus.EmitAsync{TPayload}(string, TPayload, CancellationToken)"/>, or
    /// <see cref="CancellationToken.None"/> for <see cref="EventBus.Emit{TPayload}(string, TPayload)"/>. For an event
    /// received through an <see cref="EventBridgeClient"/>, a token that is canceled when the client's
    /// <see cref="EventBridgeClient.DisposeAsync"/> stops delivering.
    /// </summary>
    public CancellationToken CancellationToken { get; }
}
