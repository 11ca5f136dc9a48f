using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EventBridge;

/// <summary>Inspects an event before watchers and consumers see it.</summary>
/// <param name="message">The event.</param>
/// <returns>The same event to pass it on, another event to replace it, or <see langword="null"/> to drop it.</returns>
public delegate EventMessage? EventMiddleware(EventMessage message);

/// <summary>Sees every event that passed the middleware, before the consumers run.</summary>
public delegate void EventWatcher(EventMessage message);

/// <summary>
/// An in-process event bus. Consumers subscribe to a signal in a namespace; an emit runs the middleware, then the
/// watchers, then each consumer of the signal in registration order, on the calling thread. A consumer, watcher or
/// middleware that throws is logged and reported through <see cref="ConsumerFailed"/>, and delivery goes on.
/// </summary>
/// <remarks>
/// <para>
/// All members are thread-safe, and emitting takes no lock: each change to the subscriptions publishes new
/// immutable arrays, so an emit delivers to the consumers registered when it looked them up. A consumer removed
/// while an emit is running is skipped if its turn has not come yet.
/// </para>
/// <para>
/// A consumer may emit from inside its handler. The nested event is delivered at once, depth first: all of its
/// consumers run before the outer event reaches its next consumer. Emits nested deeper than
/// <see cref="EventBusOptions.MaxNestingDepth"/> are not delivered, because a consumer that re-emits its own signal
/// would otherwise recurse until the stack overflows.
/// </para>
/// <para>
/// Signals that start with <c>eventbridge.</c> belong to EventBridge itself (see <see cref="EventBridgeSignals"/>):
/// consumers may listen to them, but user code cannot emit them.
/// </para>
/// </remarks>
public sealed partial class EventBus
{
    private readonly ConsumerTable _consumers = new();
    private readonly Lock _gate = new();
    private readonly ILogger _logger;
    private readonly int _maxNestingDepth;
    private EventMiddleware[] _middleware = [];
    private EventWatcher[] _watchers = [];

    // Whether any middleware or watcher is registered; one read on every emit picks the path.
    private volatile bool _hasPipeline;

    // Incremented after every change to the consumers, middleware or watchers has been published, so that an
    // EventSignal can tell whether the consumers it found are still current.
    private long _version;

    /// <summary>Creates an independent bus, which shares no consumers, middleware or watchers with any other.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="EventBusOptions.MaxNestingDepth"/> is less than 1.</exception>
    public EventBus(EventBusOptions? options = null)
    {
        options ??= new EventBusOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxNestingDepth, 1, nameof(options));
        _logger = GuardedLogger.Create<EventBus>(options.LoggerFactory);
        _maxNestingDepth = options.MaxNestingDepth;
    }

    /// <summary>The process-wide default bus, with default options. Other buses are independent of it.</summary>
    public static EventBus Default { get; } = new();

    /// <summary>
    /// Raised on the delivering thread when a consumer, watcher or middleware throws, when an asynchronous consumer
    /// fails, and when an emit is refused for nesting too deep. The failure is also logged. An exception thrown by a
    /// handler of this event is logged and otherwise ignored.
    /// </summary>
    /// <remarks>
    /// A handler that reports a refused emit runs at the refused depth, so an emit from it on the same bus is refused
    /// as well. While a bus raises this event for a refused emit, it does not raise it for another one on that
    /// thread, because the handler would run again until the stack overflowed: such a refusal is logged only (event
    /// id 1004, when <see cref="EventBusOptions.LoggerFactory"/> is set). Another bus still raises its own event.
    /// </remarks>
    public event EventHandler<ConsumerErrorEventArgs>? ConsumerFailed;

    /// <summary>
    /// Emits an event in the default namespace and runs its consumers on the calling thread before returning.
    /// </summary>
    /// <remarks>
    /// A consumer that returns an unfinished task is not awaited: the next consumer starts at once, and a later
    /// failure of that task is logged and reported through <see cref="ConsumerFailed"/>. Use
    /// <see cref="EmitAsync{TPayload}(string, TPayload, CancellationToken)"/> to wait for asynchronous consumers.
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="signal"/> is invalid or reserved.</exception>
    public void Emit<TPayload>(string signal, TPayload payload) => Emit(signal, null, payload);

    /// <summary>
    /// Emits an event in <paramref name="namespace"/>, which only the consumers of that namespace receive; see
    /// <see cref="Emit{TPayload}(string, TPayload)"/>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="signal"/> is invalid or reserved.</exception>
    public void Emit<TPayload>(string signal, string? @namespace, TPayload payload)
    {
        ArgumentNullException.ThrowIfNull(signal);
        @namespace = NormalizeNamespace(@namespace);
        if (HasPipeline)
        {
            ThrowIfInvalidSignal(signal);
            Dispatch(new TypedEventMessage<TPayload>(signal, @namespace, default, payload));
            return;
        }

        var consumers = _consumers.Find(signal, @namespace);
        if (consumers is null)
        {
            ThrowIfInvalidSignal(signal);
            return;
        }

        ThrowIfReserved(signal);
        DeliverTyped(signal, @namespace, payload, consumers);
    }

    /// <summary>Emits an event that carries no payload in the default namespace.</summary>
    /// <exception cref="ArgumentException"><paramref name="signal"/> is invalid or reserved.</exception>
    public void Emit(string signal) => Emit<object?>(signal, null, null);

    /// <summary>
    /// Emits an already built event, for example one that arrived from another process, in its own namespace; see
    /// <see cref="Emit{TPayload}(string, TPayload)"/>.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The event's signal is invalid or reserved.</exception>
    public void Emit(EventMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        ThrowIfInvalidSignal(message.Signal);

        // The caller holds the message and may pass it on, so the bus must never reuse it.
        message.MarkEscaped();
        Dispatch(message);
    }

    /// <summary>
    /// Emits an event in the default namespace and completes when every consumer has finished. Consumers run one at
    /// a time in registration order; each one starts after the previous one's task completed.
    /// </summary>
    /// <remarks>
    /// Consumers receive <paramref name="cancellationToken"/> through <see cref="EventContext.CancellationToken"/>.
    /// Once it is canceled, the consumers that have not started are skipped and the returned task is canceled; a
    /// consumer that throws <see cref="OperationCanceledException"/> for that token ends the emit the same way.
    /// Any other failure of a consumer is logged and reported through <see cref="ConsumerFailed"/>, and the task
    /// still completes successfully.
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="signal"/> is invalid or reserved.</exception>
    public ValueTask EmitAsync<TPayload>(string signal, TPayload payload, CancellationToken cancellationToken = default) =>
        EmitAsync(signal, null, payload, cancellationToken);

    /// <summary>
    /// Emits an event in <paramref name="namespace"/> and completes when every consumer has finished; see
    /// <see cref="EmitAsync{TPayload}(string, TPayload, CancellationToken)"/>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="signal"/> is invalid or reserved.</exception>
    public ValueTask EmitAsync<TPayload>(
        string signal,
        string? @namespace,
        TPayload payload,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signal);
        @namespace = NormalizeNamespace(@namespace);
        if (HasPipeline)
        {
            ThrowIfInvalidSignal(signal);
            return DispatchAsync(new TypedEventMessage<TPayload>(signal, @namespace, default, payload), cancellationToken);
        }

        var consumers = _consumers.Find(signal, @namespace);
        if (consumers is null)
        {
            ThrowIfInvalidSignal(signal);
            return cancellationToken.IsCancellationRequested ? ValueTask.FromCanceled(cancellationToken) : default;
        }

        ThrowIfReserved(signal);
        return DeliverTypedAsync(signal, @namespace, payload, consumers, cancellationToken);
    }

    /// <summary>Emits an event that carries no payload and completes when every consumer has finished.</summary>
    /// <exception cref="ArgumentException"><paramref name="signal"/> is invalid or reserved.</exception>
    public ValueTask EmitAsync(string signal, CancellationToken cancellationToken = default) =>
        EmitAsync<object?>(signal, null, null, cancellationToken);

    /// <summary>Emits an already built event and completes when every consumer has finished.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The event's signal is invalid or reserved.</exception>
    public ValueTask EmitAsync(EventMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ThrowIfInvalidSignal(message.Signal);
        message.MarkEscaped();
        return DispatchAsync(message, cancellationToken);
    }

    /// <summary>
    /// Emits one of the library's own events, whose signal starts with the reserved prefix, as
    /// <see cref="Emit(EventMessage)"/> does for user events.
    /// </summary>
    internal void EmitInternal(EventMessage message)
    {
        message.MarkEscaped();
        Dispatch(message);
    }

    /// <summary>Registers a consumer after those already registered; disposing the result removes it.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="consumer"/> is <see langword="null"/>.</exception>
    public IDisposable AddConsumer(ConsumerDescriptor consumer)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        var registrations = _consumers.Add([consumer]);
        IncrementVersion();
        return new Subscription(this, registrations);
    }

    /// <summary>
    /// Registers several consumers, in order, after those already registered; disposing the result removes all of
    /// them.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="consumers"/> or one of its items is <see langword="null"/>.</exception>
    public IDisposable AddConsumers(IEnumerable<ConsumerDescriptor> consumers)
    {
        ArgumentNullException.ThrowIfNull(consumers);
        ConsumerDescriptor[] list = [.. consumers];
        foreach (var consumer in list)
        {
            ArgumentNullException.ThrowIfNull(consumer, nameof(consumers));
        }

        var registrations = _consumers.Add(list);
        IncrementVersion();
        return new Subscription(this, registrations);
    }

    /// <summary>
    /// Subscribes the <see cref="ConsumerAttribute"/> methods of <paramref name="instance"/>, through code that the
    /// generator wrote for its type; disposing the result unsubscribes them.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="instance"/> is <see langword="null"/>.</exception>
    public IDisposable Subscribe(IConsumerHost instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return AddConsumers(instance.GetConsumers());
    }

    /// <summary>Adds middleware, which runs after the middleware already added; disposing the result removes it.</summary>
    /// <remarks>
    /// Middleware that throws drops the event, and the failure is reported through <see cref="ConsumerFailed"/>:
    /// passing on an event that a filter could not inspect might deliver what the filter exists to stop.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="middleware"/> is <see langword="null"/>.</exception>
    public IDisposable Use(EventMiddleware middleware)
    {
        ArgumentNullException.ThrowIfNull(middleware);
        lock (_gate)
        {
            Volatile.Write(ref _middleware, [.. _middleware, middleware]);
            _hasPipeline = true;
            IncrementVersion();
        }

        return new Removal(this, middleware);
    }

    /// <summary>
    /// Adds a watcher, which sees every event that passed the middleware, whether or not it has consumers;
    /// disposing the result removes it.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="watcher"/> is <see langword="null"/>.</exception>
    public IDisposable Watch(EventWatcher watcher)
    {
        ArgumentNullException.ThrowIfNull(watcher);
        lock (_gate)
        {
            Volatile.Write(ref _watchers, [.. _watchers, watcher]);
            _hasPipeline = true;
            IncrementVersion();
        }

        return new Removal(this, watcher);
    }

    /// <summary>The number of consumers registered for a signal in a namespace.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="signal"/> is <see langword="null"/>.</exception>
    public int CountConsumers(string signal, string? @namespace = null)
    {
        ArgumentNullException.ThrowIfNull(signal);
        return _consumers.Find(signal, NormalizeNamespace(@namespace))?.Length ?? 0;
    }

    /// <summary>
    /// Creates a handle that emits <paramref name="signal"/> in <paramref name="namespace"/> without looking the
    /// signal up on every emit. Create it once and keep it: <c>handle.Emit(payload)</c> delivers what
    /// <c>bus.Emit(signal, namespace, payload)</c> delivers, and with no middleware or watcher it is faster.
    /// </summary>
    /// <remarks>
    /// The handle stays correct when consumers, middleware or watchers are added or removed later; see
    /// <see cref="EventSignal{TPayload}"/>. Use <see cref="object"/> as <typeparamref name="TPayload"/> and emit
    /// <see langword="null"/> for a signal without a payload.
    /// </remarks>
    /// <param name="signal">The signal name.</param>
    /// <param name="namespace">The namespace, or <see langword="null"/> or empty for the default namespace.</param>
    /// <exception cref="ArgumentNullException"><paramref name="signal"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="signal"/> is invalid or reserved.</exception>
    public EventSignal<TPayload> CreateSignal<TPayload>(string signal, string? @namespace = null)
    {
        ArgumentNullException.ThrowIfNull(signal);
        ThrowIfInvalidSignal(signal);
        return new EventSignal<TPayload>(this, signal, NormalizeNamespace(@namespace));
    }

    internal bool HasPipeline => _hasPipeline;

    internal long Version => Volatile.Read(ref _version);

    internal ConsumerRegistration[]? FindConsumers(string signal, string? @namespace) =>
        _consumers.Find(signal, @namespace);

    private void IncrementVersion() => Interlocked.Increment(ref _version);

    /// <summary>
    /// Whether <paramref name="watcher"/> is the only code that runs for an event before its consumers, with no
    /// middleware and no other watcher.
    /// </summary>
    internal bool IsObservedOnlyBy(EventWatcher watcher)
    {
        var watchers = Volatile.Read(ref _watchers);
        return watchers.Length == 1 && ReferenceEquals(watchers[0], watcher) && Volatile.Read(ref _middleware).Length == 0;
    }

    /// <summary>
    /// Whether an event of <paramref name="signal"/> in <paramref name="namespace"/> would reach nothing on this bus
    /// but <paramref name="watcher"/>: no middleware, no other watcher and no consumer. A server relays such an
    /// event straight from the received bytes instead of emitting a message for it.
    /// </summary>
    internal bool ReachesOnly(EventWatcher watcher, string signal, string? @namespace)
    {
        var watchers = Volatile.Read(ref _watchers);
        return watchers.Length == 1
            && ReferenceEquals(watchers[0], watcher)
            && Volatile.Read(ref _middleware).Length == 0
            && _consumers.Find(signal, NormalizeNamespace(@namespace)) is null;
    }

    private static string? NormalizeNamespace(string? @namespace) => string.IsNullOrEmpty(@namespace) ? null : @namespace;

    private static void ThrowIfInvalidSignal(string signal)
    {
        var problem = SignalNames.Validate(signal);
        if (problem is not null)
        {
            throw new ArgumentException($"Invalid signal name '{signal}': {problem}.", nameof(signal));
        }
    }

    /// <summary>
    /// Checks a signal that matched a registered consumer. Registration already checked everything but the reserved
    /// prefix, because consumers may listen to reserved signals.
    /// </summary>
    private static void ThrowIfReserved(string signal)
    {
        if (EventBridgeSignals.IsReserved(signal))
        {
            ThrowIfInvalidSignal(signal);
        }
    }

    private sealed class Subscription(EventBus bus, ConsumerRegistration[] registrations) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                bus._consumers.Remove(registrations);
                bus.IncrementVersion();
            }
        }
    }

    private sealed class Removal(EventBus bus, Delegate handler) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            lock (bus._gate)
            {
                if (handler is EventMiddleware middleware)
                {
                    Volatile.Write(ref bus._middleware, Without(bus._middleware, middleware));
                }
                else if (handler is EventWatcher watcher)
                {
                    Volatile.Write(ref bus._watchers, Without(bus._watchers, watcher));
                }

                bus._hasPipeline = bus._middleware.Length != 0 || bus._watchers.Length != 0;
                bus.IncrementVersion();
            }
        }

        private static T[] Without<T>(T[] items, T item)
            where T : class
        {
            var index = Array.IndexOf(items, item);
            return index < 0 ? items : [.. items.AsSpan(0, index), .. items.AsSpan(index + 1)];
        }
    }
}
