namespace EventBridge;

/// <summary>
/// Facts about the event that a consumer is handling. Declare a parameter of this type on a consumer method to
/// receive it.
/// </summary>
public readonly struct EventContext
{
    /// <summary>Initializes a context; the bus creates one for each consumer invocation.</summary>
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

    /// <summary>The token passed to <see cref="EventBus.EmitAsync{TPayload}(string, TPayload, CancellationToken)"/>.</summary>
    public CancellationToken CancellationToken { get; }
}
