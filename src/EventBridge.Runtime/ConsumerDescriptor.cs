namespace EventBridge;

/// <summary>Handles one event for one consumer. Generated code creates these; hand-written code may too.</summary>
/// <param name="context">The event and the bus that delivers it.</param>
/// <returns>A task that completes when the consumer is done; synchronous consumers return a completed one.</returns>
public delegate ValueTask ConsumerHandler(EventContext context);

/// <summary>One consumer as the bus stores it: what it listens to, its name for logs, and its handler.</summary>
public sealed class ConsumerDescriptor
{
    /// <summary>Initializes a descriptor.</summary>
    /// <param name="signal">The signal the consumer listens to.</param>
    /// <param name="namespace">The namespace, or <see langword="null"/> for the default namespace.</param>
    /// <param name="name">A name for logs and errors, usually the method's full name.</param>
    /// <param name="handler">The code that runs for each event.</param>
    /// <exception cref="ArgumentException"><paramref name="signal"/> is not a valid signal name.</exception>
    public ConsumerDescriptor(string signal, string? @namespace, string name, ConsumerHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(name);
        // Consumers may listen to the library's own signals, such as a server's client_connected.
        var problem = SignalNames.Validate(signal, allowReserved: true);
        if (problem is not null)
        {
            throw new ArgumentException($"Invalid signal name '{signal}': {problem}.", nameof(signal));
        }

        Signal = signal;
        Namespace = string.IsNullOrEmpty(@namespace) ? null : @namespace;
        Name = name;
        Handler = handler;
    }

    /// <summary>
    /// Initializes a descriptor whose consumer can also be called with an emitted payload directly, without an
    /// <see cref="EventContext"/>, which lets an <see cref="EventSignal{TPayload}"/> skip building an event message.
    /// </summary>
    /// <param name="signal">The signal the consumer listens to.</param>
    /// <param name="namespace">The namespace, or <see langword="null"/> for the default namespace.</param>
    /// <param name="name">A name for logs and errors, usually the method's full name.</param>
    /// <param name="handler">The code that runs for each event.</param>
    /// <param name="payloadHandler">
    /// Code that does what <paramref name="handler"/> does for an event emitted in this process with a payload of
    /// type <typeparamref name="TPayload"/>, or of a type derived from it, and that completes synchronously. The bus
    /// calls it only from <see cref="EventSignal{TPayload}.Emit"/>, with a payload that is not
    /// <see langword="null"/>, when no middleware or watcher is registered and every consumer of the signal has one
    /// that accepts the emitted type. In every other case it calls <paramref name="handler"/>.
    /// </param>
    /// <exception cref="ArgumentException"><paramref name="signal"/> is not a valid signal name.</exception>
    public static ConsumerDescriptor Create<TPayload>(
        string signal,
        string? @namespace,
        string name,
        ConsumerHandler handler,
        Action<TPayload> payloadHandler)
    {
        ArgumentNullException.ThrowIfNull(payloadHandler);
        return new ConsumerDescriptor(signal, @namespace, name, handler) { PayloadHandler = payloadHandler };
    }

    /// <summary>The signal the consumer listens to.</summary>
    public string Signal { get; }

    /// <summary>The namespace, or <see langword="null"/> for the default namespace.</summary>
    public string? Namespace { get; }

    /// <summary>A name for logs and errors.</summary>
    public string Name { get; }

    /// <summary>The code that runs for each event.</summary>
    public ConsumerHandler Handler { get; }

    /// <summary>
    /// The <see cref="Action{T}"/> that <see cref="Create{TPayload}"/> received, or <see langword="null"/>.
    /// </summary>
    public Delegate? PayloadHandler { get; private init; }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
