namespace EventBridge;

// Delivery of events that a bridge client received: the middleware and watchers run when the event arrives, and each
// consumer runs later from its own queue, so that a slow consumer delays neither the connection nor other consumers.
public sealed partial class EventBus
{
    /// <summary>
    /// Runs the middleware and watchers for an event that a bridge client received, and returns the consumers of the
    /// event that passed them, without running the consumers.
    /// </summary>
    /// <param name="message">The received event.</param>
    /// <param name="delivered">The event to hand to the consumers: <paramref name="message"/> or its replacement.</param>
    /// <returns>The consumers in registration order, or <see langword="null"/> when there are none or the event was dropped.</returns>
    /// <exception cref="ArgumentException">The event's signal is invalid or reserved.</exception>
    internal ConsumerRegistration[]? RunPipelineForQueue(EventMessage message, out EventMessage? delivered)
    {
        ThrowIfInvalidSignal(message.Signal);

        // The client keeps the message in its queues until each consumer has run.
        message.MarkEscaped();
        delivered = null;
        ref var depth = ref DeliveryState.Depth;
        if (depth >= _maxNestingDepth)
        {
            ReportTooDeep(message);
            return null;
        }

        depth++;
        try
        {
            delivered = RunPipeline(message);
        }
        finally
        {
            depth--;
        }

        if (delivered is null)
        {
            return null;
        }

        delivered.MarkEscaped();
        return _consumers.Find(delivered.Signal, delivered.Namespace);
    }

    /// <summary>
    /// Runs one consumer for an event that <see cref="RunPipelineForQueue"/> returned it for, and completes when the
    /// consumer has finished. A failure is logged and reported through <see cref="ConsumerFailed"/>, so the returned
    /// task never faults.
    /// </summary>
    /// <param name="message">The event.</param>
    /// <param name="consumer">The consumer; one removed since the event arrived is skipped.</param>
    /// <param name="cancellationToken">
    /// The token passed to the consumer as <see cref="EventContext.CancellationToken"/>. An
    /// <see cref="OperationCanceledException"/> for it ends the delivery without a failure report.
    /// </param>
    internal ValueTask RunQueuedConsumerAsync(
        EventMessage message,
        ConsumerRegistration consumer,
        CancellationToken cancellationToken)
    {
        if (consumer.IsRemoved || cancellationToken.IsCancellationRequested)
        {
            return default;
        }

        var context = new EventContext(this, message, cancellationToken);
        ValueTask pending;
        ref var depth = ref DeliveryState.Depth;
        depth++;
        try
        {
            pending = consumer.Handler(context);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return default;
        }
        catch (Exception exception)
        {
            Report(message, consumer.Name, exception);
            return default;
        }
        finally
        {
            depth--;
        }

        if (pending.IsCompletedSuccessfully)
        {
            // Consuming the result releases a pooled IValueTaskSource behind the ValueTask, if there is one.
            pending.GetAwaiter().GetResult();
            return default;
        }

        return AwaitQueuedConsumerAsync(pending, message, consumer.Name, cancellationToken);
    }

    private async ValueTask AwaitQueuedConsumerAsync(
        ValueTask pending,
        EventMessage message,
        string consumerName,
        CancellationToken cancellationToken)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            Report(message, consumerName, exception);
        }
    }
}
