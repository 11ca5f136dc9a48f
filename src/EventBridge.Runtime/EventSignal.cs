namespace EventBridge;

/// <summary>
/// A signal of one bus, in one namespace, with a payload of type <typeparamref name="TPayload"/>, resolved once so
/// that each emit skips looking the signal up. Create one with
/// <see cref="EventBus.CreateSignal{TPayload}(string, string?)"/> and keep it, for example in a field.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Emit"/> delivers exactly what <see cref="EventBus.Emit{TPayload}(string, string?, TPayload)"/> with the
/// same signal, namespace and payload delivers: the middleware, the watchers (so an <see cref="EventBridgeClient"/>
/// on the bus forwards the event), the consumers in registration order, with the same failure reports and the same
/// nesting limit.
/// </para>
/// <para>
/// The handle keeps the consumers it found last, together with the bus's version, which the bus increments
/// whenever a consumer, middleware or watcher is added or removed. An emit that finds the version unchanged and no
/// middleware or watcher delivers straight to the kept consumers. After any change, the next emit looks the signal
/// up again, and while middleware or watchers are registered every emit takes the bus's full path.
/// </para>
/// <para>
/// When every kept consumer was registered with a payload handler that accepts a <typeparamref name="TPayload"/>
/// (see <see cref="ConsumerDescriptor.Create{TPayload}"/>; generated consumers of one payload parameter that return
/// <see langword="void"/> have one), <see cref="Emit"/> calls those handlers with the payload and builds no event
/// message, unless the payload is <see langword="null"/>.
/// </para>
/// <para>
/// All members are thread-safe and emitting takes no lock, so one handle may be shared by every thread.
/// </para>
/// </remarks>
/// <typeparam name="TPayload">
/// The payload type. Consumers bind it as they bind the payload of <see cref="EventBus.Emit{TPayload}(string, TPayload)"/>;
/// a consumer whose parameter does not fit it fails and is reported through <see cref="EventBus.ConsumerFailed"/>.
/// </typeparam>
public sealed class EventSignal<TPayload>
{
    private readonly EventBus _bus;

    // Replaced, never mutated, because an emit must read the version and the consumers as one pair.
    private Route _route;

    internal EventSignal(EventBus bus, string name, string? @namespace)
    {
        _bus = bus;
        Name = name;
        Namespace = @namespace;
        _route = Route.Stale;
    }

    /// <summary>The bus that the events go to.</summary>
    public EventBus Bus => _bus;

    /// <summary>The signal name.</summary>
    public string Name { get; }

    /// <summary>The namespace, or <see langword="null"/> for the default namespace.</summary>
    public string? Namespace { get; }

    /// <summary>Emits an event and runs its consumers on the calling thread before returning.</summary>
    /// <remarks>
    /// As with <see cref="EventBus.Emit{TPayload}(string, TPayload)"/>, a consumer that returns an unfinished task is
    /// not awaited, and its later failure is reported through <see cref="EventBus.ConsumerFailed"/>. With no
    /// middleware or watcher registered, an emit allocates nothing.
    /// </remarks>
    /// <param name="payload">The payload.</param>
    public void Emit(TPayload payload)
    {
        var route = Volatile.Read(ref _route);
        if (route.Version != _bus.Version)
        {
            route = Refresh();
        }

        if (route.PayloadHandlers is { } payloadHandlers && payload is not null)
        {
            _bus.DeliverDirect(Name, Namespace, payload, route.Consumers!, payloadHandlers);
        }
        else if (route.Consumers is { } consumers)
        {
            _bus.DeliverTyped(Name, Namespace, payload, consumers);
        }
        else if (route.ThroughPipeline)
        {
            _bus.DispatchTyped(Name, Namespace, payload);
        }
    }

    /// <summary>Emits an event and completes when every consumer has finished.</summary>
    /// <remarks>
    /// Consumers run one at a time and receive <paramref name="cancellationToken"/>, with the same cancellation rules
    /// as <see cref="EventBus.EmitAsync{TPayload}(string, TPayload, CancellationToken)"/>.
    /// </remarks>
    /// <param name="payload">The payload.</param>
    /// <param name="cancellationToken">Cancels the consumers that have not started yet.</param>
    public ValueTask EmitAsync(TPayload payload, CancellationToken cancellationToken = default)
    {
        var route = Volatile.Read(ref _route);
        if (route.Version != _bus.Version)
        {
            route = Refresh();
        }

        if (route.Consumers is { } consumers)
        {
            return _bus.DeliverTypedAsync(Name, Namespace, payload, consumers, cancellationToken);
        }

        if (route.ThroughPipeline)
        {
            return _bus.DispatchTypedAsync(Name, Namespace, payload, cancellationToken);
        }

        return cancellationToken.IsCancellationRequested ? ValueTask.FromCanceled(cancellationToken) : default;
    }

    /// <inheritdoc/>
    public override string ToString() => Namespace is null ? Name : Namespace + "/" + Name;

    /// <summary>Looks the signal up again after the bus changed.</summary>
    private Route Refresh()
    {
        // The version is read before the state it describes, and the bus increments it after each change has been
        // published. A change that lands between the reads leaves this route one version behind, so the next emit
        // refreshes again. An outdated route therefore never looks current.
        var version = _bus.Version;
        Route route;
        if (_bus.HasPipeline)
        {
            route = new Route(version, null, null, throughPipeline: true);
        }
        else
        {
            // A signal whose consumers all listen in other namespaces has an empty array here.
            var consumers = _bus.FindConsumers(Name, Namespace);
            route = consumers is { Length: > 0 }
                ? new Route(version, consumers, GetPayloadHandlers(consumers), throughPipeline: false)
                : new Route(version, null, null, throughPipeline: false);
        }

        Volatile.Write(ref _route, route);
        return route;
    }

    /// <summary>
    /// Returns the payload handler of each consumer, in the same order, when every consumer has one that accepts a
    /// <typeparamref name="TPayload"/>, or <see langword="null"/> when any consumer needs an event message.
    /// </summary>
    private static Action<TPayload>[]? GetPayloadHandlers(ConsumerRegistration[] consumers)
    {
        var handlers = new Action<TPayload>[consumers.Length];
        for (var i = 0; i < consumers.Length; i++)
        {
            // Action<in T> is contravariant, so a consumer of a base type or interface of TPayload matches too.
            if (consumers[i].Descriptor.PayloadHandler is not Action<TPayload> handler)
            {
                return null;
            }

            handlers[i] = handler;
        }

        return handlers;
    }

    /// <summary>What an emit does at one version of the bus.</summary>
    private sealed class Route(
        long version,
        ConsumerRegistration[]? consumers,
        Action<TPayload>[]? payloadHandlers,
        bool throughPipeline)
    {
        /// <summary>A route that no version of the bus matches, so that the first emit looks the signal up.</summary>
        public static readonly Route Stale = new(-1, null, null, false);

        public long Version { get; } = version;

        /// <summary>The consumers to deliver to directly, or <see langword="null"/> when there are none.</summary>
        public ConsumerRegistration[]? Consumers { get; } = consumers;

        /// <summary>
        /// The payload handlers of <see cref="Consumers"/>, in the same order, or <see langword="null"/> when a
        /// consumer has none that accepts a <typeparamref name="TPayload"/>.
        /// </summary>
        public Action<TPayload>[]? PayloadHandlers { get; } = payloadHandlers;

        /// <summary>Whether middleware or watchers are registered, so emits take the bus's full path.</summary>
        public bool ThroughPipeline { get; } = throughPipeline;
    }
}
