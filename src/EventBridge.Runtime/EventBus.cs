using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EventBridge;

/// <summary>Inspects an event before consumers see it.</summary>
/// <param name="message">The event.</param>
/// <returns>The same event to pass it on, another event to replace it, or <see langword="null"/> to drop it.</returns>
public delegate EventMessage? EventMiddleware(EventMessage message);

/// <summary>Sees every event that passed the middleware, before the consumers run.</summary>
public delegate void EventWatcher(EventMessage message);

/// <summary>
/// An in-process event bus. Consumers subscribe to a signal in a namespace; <see cref="Emit{TPayload}(string, TPayload)"/>
/// runs middleware, then watchers, then each consumer of the signal in registration order. A consumer that throws
/// is reported through <see cref="ConsumerFailed"/> and the log, and the remaining consumers still run.
/// </summary>
/// <remarks>
/// All members are thread-safe. Emitting takes no lock: subscriptions replace immutable arrays, so an emit sees the
/// consumers registered when it started. A consumer may emit from inside its handler; the nested event is delivered
/// at once, depth first, before the outer event reaches its next consumer.
/// </remarks>
public sealed partial class EventBus
{
    private readonly ConcurrentDictionary<SignalKey, ConsumerDescriptor[]> _consumers = new();
    private readonly Lock _gate = new();
    private readonly ILogger _logger;
    private readonly int _maxNestingDepth;
    private EventMiddleware[] _middleware = [];
    private EventWatcher[] _watchers = [];

    [ThreadStatic]
    private static int t_nestingDepth;

    /// <summary>Creates an independent bus.</summary>
    public EventBus(EventBusOptions? options = null)
    {
        options ??= new EventBusOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxNestingDepth, 1, nameof(options));
        _logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<EventBus>();
        _maxNestingDepth = options.MaxNestingDepth;
    }

    /// <summary>The process-wide default bus.</summary>
    public static EventBus Default { get; } = new();

    /// <summary>Raised when a consumer, watcher or middleware throws; the exception is also logged.</summary>
    public event EventHandler<ConsumerErrorEventArgs>? ConsumerFailed;

    /// <summary>
    /// Emits an event in the default namespace and runs its consumers on the calling thread. A consumer that returns
    /// an unfinished task is not awaited: it goes on in the background and a failure is still reported through
    /// <see cref="ConsumerFailed"/>. Use <see cref="EmitAsync{TPayload}(string, TPayload, CancellationToken)"/> to
    /// wait for asynchronous consumers.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="signal"/> is invalid or reserved.</exception>
    public void Emit<TPayload>(string signal, TPayload payload) => Emit(signal, null, payload);

    /// <summary>Emits an event in <paramref name="namespace"/>; see <see cref="Emit{TPayload}(string, TPayload)"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="signal"/> is invalid or reserved.</exception>
    public void Emit<TPayload>(string signal, string? @namespace, TPayload payload)
    {
        ThrowIfInvalidSignal(signal);
        var task = Dispatch(EventMessage.Create(signal, payload, @namespace), awaitConsumers: false, default);
        ObserveBackground(task);
    }

    /// <summary>Emits an event that carries no payload.</summary>
    /// <exception cref="ArgumentException"><paramref name="signal"/> is invalid or reserved.</exception>
    public void Emit(string signal) => Emit<object?>(signal, null, null);

    /// <summary>Emits an already built event, for example one that arrived from another process.</summary>
    /// <exception cref="ArgumentException">The event's signal is invalid or reserved.</exception>
    public void Emit(EventMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        ThrowIfInvalidSignal(message.Signal);
        ObserveBackground(Dispatch(message, awaitConsumers: false, default));
    }

    /// <summary>Emits an event in the default namespace and completes when every consumer has finished.</summary>
    /// <exception cref="ArgumentException"><paramref name="signal"/> is invalid or reserved.</exception>
    public ValueTask EmitAsync<TPayload>(string signal, TPayload payload, CancellationToken cancellationToken = default) =>
        EmitAsync(signal, null, payload, cancellationToken);

    /// <summary>Emits an event in <paramref name="namespace"/> and completes when every consumer has finished.</summary>
    /// <exception cref="ArgumentException"><paramref name="signal"/> is invalid or reserved.</exception>
    public ValueTask EmitAsync<TPayload>(
        string signal,
        string? @namespace,
        TPayload payload,
        CancellationToken cancellationToken = default)
    {
        ThrowIfInvalidSignal(signal);
        return Dispatch(EventMessage.Create(signal, payload, @namespace), awaitConsumers: true, cancellationToken);
    }

    /// <summary>Emits an already built event and completes when every consumer has finished.</summary>
    /// <exception cref="ArgumentException">The event's signal is invalid or reserved.</exception>
    public ValueTask EmitAsync(EventMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ThrowIfInvalidSignal(message.Signal);
        return Dispatch(message, awaitConsumers: true, cancellationToken);
    }

    /// <summary>Emits one of the library's own events, whose signal starts with the reserved prefix.</summary>
    internal void EmitInternal(EventMessage message) =>
        ObserveBackground(Dispatch(message, awaitConsumers: false, default));

    /// <summary>Registers a consumer; disposing the result removes it.</summary>
    public IDisposable AddConsumer(ConsumerDescriptor consumer)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        var key = new SignalKey(consumer.Signal, consumer.Namespace);
        lock (_gate)
        {
            var current = _consumers.TryGetValue(key, out var existing) ? existing : [];
            _consumers[key] = [.. current, consumer];
        }

        return new Subscription(this, [consumer]);
    }

    /// <summary>Registers several consumers; disposing the result removes all of them.</summary>
    public IDisposable AddConsumers(IEnumerable<ConsumerDescriptor> consumers)
    {
        ArgumentNullException.ThrowIfNull(consumers);
        ConsumerDescriptor[] list = [.. consumers];
        lock (_gate)
        {
            foreach (var consumer in list)
            {
                ArgumentNullException.ThrowIfNull(consumer, nameof(consumers));
                var key = new SignalKey(consumer.Signal, consumer.Namespace);
                var current = _consumers.TryGetValue(key, out var existing) ? existing : [];
                _consumers[key] = [.. current, consumer];
            }
        }

        return new Subscription(this, list);
    }

    /// <summary>
    /// Subscribes the <see cref="ConsumerAttribute"/> methods of <paramref name="instance"/>, through code that the
    /// generator wrote for its type; disposing the result unsubscribes them.
    /// </summary>
    public IDisposable Subscribe(IConsumerHost instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return AddConsumers(instance.GetConsumers());
    }

    /// <summary>Adds middleware, which runs in the order added; disposing the result removes it.</summary>
    public IDisposable Use(EventMiddleware middleware)
    {
        ArgumentNullException.ThrowIfNull(middleware);
        lock (_gate)
        {
            _middleware = [.. _middleware, middleware];
        }

        return new Removal(() =>
        {
            lock (_gate)
            {
                _middleware = Without(_middleware, middleware);
            }
        });
    }

    /// <summary>Adds a watcher, which sees every event that passed the middleware; disposing the result removes it.</summary>
    public IDisposable Watch(EventWatcher watcher)
    {
        ArgumentNullException.ThrowIfNull(watcher);
        lock (_gate)
        {
            _watchers = [.. _watchers, watcher];
        }

        return new Removal(() =>
        {
            lock (_gate)
            {
                _watchers = Without(_watchers, watcher);
            }
        });
    }

    /// <summary>The number of consumers registered for a signal in a namespace.</summary>
    public int CountConsumers(string signal, string? @namespace = null) =>
        _consumers.TryGetValue(new SignalKey(signal, string.IsNullOrEmpty(@namespace) ? null : @namespace), out var list)
            ? list.Length
            : 0;

    private static void ThrowIfInvalidSignal(string signal)
    {
        var problem = SignalNames.Validate(signal);
        if (problem is not null)
        {
            throw new ArgumentException($"Invalid signal name '{signal}': {problem}.", nameof(signal));
        }
    }

    private ValueTask Dispatch(EventMessage message, bool awaitConsumers, CancellationToken cancellationToken)
    {
        if (t_nestingDepth >= _maxNestingDepth)
        {
            var error = new EventBridgeException(
                $"Event '{message}' was not delivered: emits nested inside consumers reached the maximum depth of " +
                $"{_maxNestingDepth}. A consumer probably re-emits the signal it consumes.");
            Report(message, "EventBus", error);
            return default;
        }

        t_nestingDepth++;
        try
        {
            var current = RunMiddleware(message);
            if (current is null)
            {
                Log.EventDropped(_logger, message.Signal, message.Id);
                return default;
            }

            RunWatchers(current);
            return RunConsumers(current, awaitConsumers, cancellationToken);
        }
        finally
        {
            t_nestingDepth--;
        }
    }

    private EventMessage? RunMiddleware(EventMessage message)
    {
        var current = message;
        foreach (var middleware in _middleware)
        {
            EventMessage? next;
            try
            {
                next = middleware(current);
            }
            catch (Exception exception)
            {
                // A middleware that throws drops the event: passing on an event that a filter could not
                // inspect might deliver what the filter exists to stop.
                Report(current, "middleware", exception);
                return null;
            }

            if (next is null)
            {
                return null;
            }

            current = next;
        }

        return current;
    }

    private void RunWatchers(EventMessage message)
    {
        foreach (var watcher in _watchers)
        {
            try
            {
                watcher(message);
            }
            catch (Exception exception)
            {
                Report(message, "watcher", exception);
            }
        }
    }

    private ValueTask RunConsumers(EventMessage message, bool awaitConsumers, CancellationToken cancellationToken)
    {
        if (!_consumers.TryGetValue(new SignalKey(message.Signal, message.Namespace), out var consumers))
        {
            return default;
        }

        var context = new EventContext(this, message, cancellationToken);
        for (var i = 0; i < consumers.Length; i++)
        {
            var consumer = consumers[i];
            ValueTask pending;
            try
            {
                pending = consumer.Handler(context);
            }
            catch (Exception exception)
            {
                Report(message, consumer.Name, exception);
                continue;
            }

            if (pending.IsCompletedSuccessfully)
            {
                continue;
            }

            if (awaitConsumers)
            {
                return AwaitRemaining(pending, consumers, i, context);
            }

            ObserveConsumer(pending, message, consumer.Name);
        }

        return default;
    }

    private async ValueTask AwaitRemaining(
        ValueTask pending,
        ConsumerDescriptor[] consumers,
        int index,
        EventContext context)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            Report(context.Message, consumers[index].Name, exception);
        }

        for (var i = index + 1; i < consumers.Length; i++)
        {
            try
            {
                await consumers[i].Handler(context).ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                Report(context.Message, consumers[i].Name, exception);
            }
        }
    }

    private async void ObserveConsumer(ValueTask pending, EventMessage message, string consumerName)
    {
        // async void is safe here: every exception is caught, so nothing reaches the synchronization context.
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            Report(message, consumerName, exception);
        }
    }

    private void ObserveBackground(ValueTask task)
    {
        if (!task.IsCompleted)
        {
            ObserveConsumer(task, EventMessage.Create<object?>("eventbridge.background", null), "background");
        }
        else
        {
            // Completed value tasks still have to be consumed once.
            task.GetAwaiter().GetResult();
        }
    }

    private void Report(EventMessage message, string consumerName, Exception exception)
    {
        Log.ConsumerFailed(_logger, exception, consumerName, message.Signal, message.Id);
        var handlers = ConsumerFailed;
        if (handlers is null)
        {
            return;
        }

        try
        {
            handlers(this, new ConsumerErrorEventArgs(message, consumerName, exception));
        }
        catch (Exception handlerException)
        {
            Log.ErrorHandlerFailed(_logger, handlerException, consumerName);
        }
    }

    private void Remove(ConsumerDescriptor[] removed)
    {
        lock (_gate)
        {
            foreach (var consumer in removed)
            {
                var key = new SignalKey(consumer.Signal, consumer.Namespace);
                if (!_consumers.TryGetValue(key, out var current))
                {
                    continue;
                }

                var next = Without(current, consumer);
                if (next.Length == 0)
                {
                    _consumers.TryRemove(key, out _);
                }
                else
                {
                    _consumers[key] = next;
                }
            }
        }
    }

    private static T[] Without<T>(T[] items, T item)
        where T : class
    {
        var index = Array.IndexOf(items, item);
        if (index < 0)
        {
            return items;
        }

        return [.. items.AsSpan(0, index), .. items.AsSpan(index + 1)];
    }

    private readonly record struct SignalKey(string Signal, string? Namespace);

    private sealed class Subscription(EventBus bus, ConsumerDescriptor[] consumers) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                bus.Remove(consumers);
            }
        }
    }

    private sealed class Removal(Action remove) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                remove();
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1001, LogLevel.Error, "Consumer {Consumer} failed on signal {Signal}, event {EventId}",
            EventName = "ConsumerFailed")]
        public static partial void ConsumerFailed(
            ILogger logger, Exception exception, string consumer, string signal, EventId eventId);

        [LoggerMessage(1002, LogLevel.Debug, "Middleware dropped signal {Signal}, event {EventId}",
            EventName = "EventDropped")]
        public static partial void EventDropped(ILogger logger, string signal, EventId eventId);

        [LoggerMessage(1003, LogLevel.Error, "The ConsumerFailed handler threw while reporting a failure of {Consumer}",
            EventName = "ErrorHandlerFailed")]
        public static partial void ErrorHandlerFailed(ILogger logger, Exception exception, string consumer);

        // Next free id in this range: 1004.
    }
}
