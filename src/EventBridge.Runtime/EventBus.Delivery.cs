using Microsoft.Extensions.Logging;

namespace EventBridge;

// Delivery of one event: the nesting guard, middleware, watchers, consumers and failure reports.
public sealed partial class EventBus
{
    /// <summary>
    /// Delivers a local event to consumers only, through the thread's reusable message for
    /// <typeparamref name="TPayload"/>, so that the emit allocates nothing.
    /// </summary>
    internal void DeliverTyped<TPayload>(
        string signal,
        string? @namespace,
        TPayload payload,
        ConsumerRegistration[] consumers)
    {
        var state = DeliveryState.Current;
        ref var depth = ref DeliveryState.Depth;
        if (depth >= _maxNestingDepth)
        {
            ReportTooDeep(new TypedEventMessage<TPayload>(signal, @namespace, default, payload));
            return;
        }

        var message = TypedEventMessage<TPayload>.Rent(state, signal, @namespace, payload);
        depth++;
        try
        {
            RunConsumers(message, consumers);
        }
        finally
        {
            depth--;
        }

        message.Return(state);
    }

    /// <summary>
    /// Delivers a local event to consumers through their payload handlers, with the nesting guard and failure
    /// reports of <see cref="DeliverTyped"/>. An event message is built only to report a failure.
    /// </summary>
    internal void DeliverDirect<TPayload>(
        string signal,
        string? @namespace,
        TPayload payload,
        ConsumerRegistration[] consumers,
        Action<TPayload>[] handlers)
    {
        ref var depth = ref DeliveryState.Depth;
        if (depth >= _maxNestingDepth)
        {
            ReportTooDeep(new TypedEventMessage<TPayload>(signal, @namespace, default, payload));
            return;
        }

        depth++;
        try
        {
            for (var i = 0; i < handlers.Length; i++)
            {
                var consumer = consumers[i];
                if (consumer.IsRemoved)
                {
                    continue;
                }

                try
                {
                    handlers[i](payload);
                }
                catch (Exception exception)
                {
                    Report(new TypedEventMessage<TPayload>(signal, @namespace, default, payload), consumer.Name, exception);
                }
            }
        }
        finally
        {
            depth--;
        }
    }

    /// <summary>The asynchronous counterpart of <see cref="DeliverTyped"/>.</summary>
    internal ValueTask DeliverTypedAsync<TPayload>(
        string signal,
        string? @namespace,
        TPayload payload,
        ConsumerRegistration[] consumers,
        CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        var state = DeliveryState.Current;
        ref var depth = ref DeliveryState.Depth;
        if (depth >= _maxNestingDepth)
        {
            ReportTooDeep(new TypedEventMessage<TPayload>(signal, @namespace, default, payload));
            return default;
        }

        var message = TypedEventMessage<TPayload>.Rent(state, signal, @namespace, payload);
        ValueTask pending;
        depth++;
        try
        {
            pending = RunConsumersAsync(message, consumers, cancellationToken);
        }
        finally
        {
            depth--;
        }

        // A delivery that went asynchronous marked the message as escaped, so this keeps it only when done.
        message.Return(state);
        return pending;
    }

    /// <summary>Delivers a new local event through middleware, watchers and consumers.</summary>
    internal void DispatchTyped<TPayload>(string signal, string? @namespace, TPayload payload) =>
        Dispatch(new TypedEventMessage<TPayload>(signal, @namespace, default, payload));

    /// <summary>The asynchronous counterpart of <see cref="DispatchTyped"/>.</summary>
    internal ValueTask DispatchTypedAsync<TPayload>(
        string signal,
        string? @namespace,
        TPayload payload,
        CancellationToken cancellationToken) =>
        DispatchAsync(new TypedEventMessage<TPayload>(signal, @namespace, default, payload), cancellationToken);

    /// <summary>Delivers an event through middleware, watchers and consumers, without waiting for async consumers.</summary>
    private void Dispatch(EventMessage message)
    {
        ref var depth = ref DeliveryState.Depth;
        if (depth >= _maxNestingDepth)
        {
            ReportTooDeep(message);
            return;
        }

        depth++;
        try
        {
            var current = RunPipeline(message);
            if (current is not null && _consumers.Find(current.Signal, current.Namespace) is { } consumers)
            {
                RunConsumers(current, consumers);
            }
        }
        finally
        {
            depth--;
        }
    }

    /// <summary>Delivers an event through middleware, watchers and consumers, awaiting each consumer.</summary>
    private ValueTask DispatchAsync(EventMessage message, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        ref var depth = ref DeliveryState.Depth;
        if (depth >= _maxNestingDepth)
        {
            ReportTooDeep(message);
            return default;
        }

        depth++;
        try
        {
            var current = RunPipeline(message);
            if (current is not null && _consumers.Find(current.Signal, current.Namespace) is { } consumers)
            {
                return RunConsumersAsync(current, consumers, cancellationToken);
            }

            return default;
        }
        finally
        {
            depth--;
        }
    }

    /// <summary>Runs the middleware, then the watchers; returns the event to deliver, or null when it was dropped.</summary>
    private EventMessage? RunPipeline(EventMessage message)
    {
        var current = message;
        var middleware = Volatile.Read(ref _middleware);
        for (var i = 0; i < middleware.Length; i++)
        {
            EventMessage? next;
            try
            {
                next = middleware[i](current);
            }
            catch (Exception exception)
            {
                // Passing on an event that a filter could not inspect might deliver what the filter exists to stop.
                Report(current, MiddlewareName(i), exception);
                return null;
            }

            if (next is null)
            {
                Log.EventDropped(_logger, current.Signal, current.Id, MiddlewareName(i));
                return null;
            }

            if (!ReferenceEquals(next, current) && !IsValidReplacement(current, next, out var problem))
            {
                Report(current, MiddlewareName(i), new EventBridgeException(
                    $"The middleware replaced event '{current}' with one whose signal '{next.Signal}' is invalid: " +
                    $"{problem}. The event was dropped."));
                return null;
            }

            current = next;
        }

        var watchers = Volatile.Read(ref _watchers);
        if (watchers.Length != 0)
        {
            // Watchers may keep the message, for example to send it to another process later.
            current.MarkEscaped();
        }

        foreach (var watcher in watchers)
        {
            try
            {
                watcher(current);
            }
            catch (Exception exception)
            {
                Report(current, "watcher", exception);
            }
        }

        return current;
    }

    /// <summary>
    /// Checks the signal of an event that middleware put in place of another: a user event cannot become one of the
    /// library's own.
    /// </summary>
    private static bool IsValidReplacement(EventMessage original, EventMessage replacement, out string? problem)
    {
        problem = SignalNames.Validate(replacement.Signal, allowReserved: EventBridgeSignals.IsReserved(original.Signal));
        return problem is null;
    }

    private static string MiddlewareName(int index) => "middleware #" + (index + 1);

    /// <summary>Starts each consumer in order, on this thread, without waiting for unfinished tasks.</summary>
    private void RunConsumers(EventMessage message, ConsumerRegistration[] consumers)
    {
        var context = new EventContext(this, message, CancellationToken.None);
        foreach (var consumer in consumers)
        {
            if (consumer.IsRemoved)
            {
                continue;
            }

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
                // Consuming the result releases a pooled IValueTaskSource behind the ValueTask, if there is one.
                pending.GetAwaiter().GetResult();
                continue;
            }

            message.MarkEscaped();
            _ = ObserveAsync(pending, message, consumer.Name);
        }
    }

    /// <summary>
    /// Runs each consumer in order and awaits it before starting the next; completes synchronously when every
    /// consumer did.
    /// </summary>
    private ValueTask RunConsumersAsync(
        EventMessage message,
        ConsumerRegistration[] consumers,
        CancellationToken cancellationToken)
    {
        var context = new EventContext(this, message, cancellationToken);
        for (var i = 0; i < consumers.Length; i++)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled(cancellationToken);
            }

            var consumer = consumers[i];
            if (consumer.IsRemoved)
            {
                continue;
            }

            ValueTask pending;
            try
            {
                pending = consumer.Handler(context);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled(cancellationToken);
            }
            catch (Exception exception)
            {
                Report(message, consumer.Name, exception);
                continue;
            }

            if (pending.IsCompletedSuccessfully)
            {
                pending.GetAwaiter().GetResult();
                continue;
            }

            message.MarkEscaped();
            return AwaitRemainingAsync(pending, context, consumers, i);
        }

        return default;
    }

    private async ValueTask AwaitRemainingAsync(
        ValueTask pending,
        EventContext context,
        ConsumerRegistration[] consumers,
        int index)
    {
        var cancellationToken = context.CancellationToken;
        for (var i = index; i < consumers.Length; i++)
        {
            var consumer = consumers[i];
            try
            {
                if (i > index)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (consumer.IsRemoved)
                    {
                        continue;
                    }

                    pending = StartNested(consumer, context);
                }

                await pending.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception exception)
            {
                Report(context.Message, consumer.Name, exception);
            }
        }
    }

    /// <summary>Starts a consumer from an async continuation, counting its synchronous part as nesting.</summary>
    private static ValueTask StartNested(ConsumerRegistration consumer, EventContext context)
    {
        ref var depth = ref DeliveryState.Depth;
        depth++;
        try
        {
            return consumer.Handler(context);
        }
        finally
        {
            depth--;
        }
    }

    private async Task ObserveAsync(ValueTask pending, EventMessage message, string consumerName)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            Report(message, consumerName, exception);
        }
    }

    private void ReportTooDeep(EventMessage message)
    {
        var exception = new EventBridgeException(
            $"Event '{message}' was not delivered: emits nested inside consumers reached the maximum depth of " +
            $"{_maxNestingDepth}. A consumer probably re-emits the signal it consumes.");

        // ConsumerFailed runs at the rejected depth, so an emit from its handler on this bus is rejected too. Raising
        // the event again would recurse until the stack overflows, so such a rejection is only logged.
        var reporting = DeliveryState.ReportingTooDeep;
        if (reporting.Contains(this))
        {
            Log.TooDeepNotRaised(_logger, exception, message.Signal, message.Id);
            return;
        }

        reporting.Add(this);
        try
        {
            Report(message, "EventBus", exception);
        }
        finally
        {
            reporting.RemoveAt(reporting.Count - 1);
        }
    }

    private void Report(EventMessage message, string consumerName, Exception exception)
    {
        // The handlers of ConsumerFailed receive the message and may keep it.
        message.MarkEscaped();
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

    private static partial class Log
    {
        [LoggerMessage(1001, LogLevel.Error, "Consumer {Consumer} failed on signal {Signal}, event {EventId}",
            EventName = "ConsumerFailed")]
        public static partial void ConsumerFailed(
            ILogger logger, Exception exception, string consumer, string signal, EventId eventId);

        [LoggerMessage(1002, LogLevel.Debug, "{Middleware} dropped signal {Signal}, event {EventId}",
            EventName = "EventDropped")]
        public static partial void EventDropped(ILogger logger, string signal, EventId eventId, string middleware);

        [LoggerMessage(1003, LogLevel.Error, "The ConsumerFailed handler threw while reporting a failure of {Consumer}",
            EventName = "ErrorHandlerFailed")]
        public static partial void ErrorHandlerFailed(ILogger logger, Exception exception, string consumer);

        [LoggerMessage(1004, LogLevel.Error,
            "Signal {Signal}, event {EventId}, was refused for nesting too deep while a ConsumerFailed handler was reporting an earlier refusal; ConsumerFailed is not raised again",
            EventName = "TooDeepNotRaised")]
        public static partial void TooDeepNotRaised(ILogger logger, Exception exception, string signal, EventId eventId);

        // Next free id in this range: 1005.
    }
}
