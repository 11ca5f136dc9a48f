namespace EventBridge;

/// <summary>The flush half of the client: waiting until the server has taken every forwarded event.</summary>
public sealed partial class EventBridgeClient
{
    /// <summary>
    /// Waits up to <paramref name="timeout"/> until the outbox is empty: every forwarded event has been acknowledged
    /// by the server, or written, for a server that does not acknowledge events. Events forwarded during the wait
    /// are waited for too. While the client reconnects after a lost connection, the wait goes on, and the events are
    /// resent once the client is connected again. Nothing is dropped when the time is up: the events stay in the
    /// outbox.
    /// </summary>
    /// <param name="timeout">The longest wait, or <see cref="Timeout.InfiniteTimeSpan"/>.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>
    /// The number of events still in the outbox: 0 when the server has taken them all. More when the timeout passed
    /// first, or when no connection will send them, because the client is
    /// <see cref="EventBridgeClientState.Disconnected"/> (before <see cref="ConnectAsync"/>, after it failed, or after
    /// a lost connection with <see cref="EventBridgeClientOptions.Reconnect"/> off) or
    /// <see cref="EventBridgeClientState.Closed"/>. Then the method returns without waiting.
    /// </returns>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="timeout"/> is negative and not <see cref="Timeout.InfiniteTimeSpan"/>.
    /// </exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    public async Task<int> FlushAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(
                nameof(timeout), timeout, "The timeout must not be negative, except Timeout.InfiniteTimeSpan.");
        }

        await WaitForOutboxAsync(timeout, cancellationToken).ConfigureAwait(false);
        return _outbox.Count;
    }

    /// <summary>
    /// Waits up to <paramref name="timeout"/> until the outbox contains fewer than <paramref name="count"/> events, so that
    /// a publisher can pace itself to the server instead of letting <see cref="EventBridgeClientOptions.OutboxCapacity"/>
    /// drop events. Like <see cref="FlushAsync"/>, it returns without waiting while the client is offline for good.
    /// </summary>
    /// <param name="count">The outbox size to wait for, exclusive: 1 waits until it is empty, as <see cref="FlushAsync"/> does.</param>
    /// <param name="timeout">The longest wait, or <see cref="Timeout.InfiniteTimeSpan"/>.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>The number of events in the outbox: less than <paramref name="count"/> unless the wait ended otherwise.</returns>
    /// <example>
    /// <code>
    /// foreach (var reading in readings)
    /// {
    ///     await client.WaitForOutboxBelowAsync(5_000, TimeSpan.FromSeconds(30));
    ///     bus.Emit("sensor.reading", reading);
    /// }
    /// </code>
    /// </example>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="count"/> is less than 1, or <paramref name="timeout"/> is negative and not
    /// <see cref="Timeout.InfiniteTimeSpan"/>.
    /// </exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    public async Task<int> WaitForOutboxBelowAsync(int count, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(
                nameof(timeout), timeout, "The timeout must not be negative, except Timeout.InfiniteTimeSpan.");
        }

        var below = _outbox.WhenBelowAsync(count);
        if (!below.IsCompleted)
        {
            await WaitForOutboxAsync(below, timeout, cancellationToken).ConfigureAwait(false);
        }

        return _outbox.Count;
    }

    /// <summary>
    /// Waits until the outbox is empty, the client goes offline for good, or <paramref name="timeout"/> passes.
    /// Only <paramref name="cancellationToken"/> makes it throw.
    /// </summary>
    private Task WaitForOutboxAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        WaitForOutboxAsync(_outbox.WhenEmptyAsync(), timeout, cancellationToken);

    /// <summary>
    /// Waits until <paramref name="outboxReady"/> completes, the client goes offline for good, or
    /// <paramref name="timeout"/> passes. Only <paramref name="cancellationToken"/> makes it throw.
    /// </summary>
    private async Task WaitForOutboxAsync(Task outboxReady, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var waiting = Task.WhenAny(outboxReady, WhenOfflineAsync());
        try
        {
            await waiting.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
    }

    /// <summary>
    /// Completes when the client is <see cref="EventBridgeClientState.Disconnected"/> or
    /// <see cref="EventBridgeClientState.Closed"/>: at once if it is now, else at the next such change.
    /// </summary>
    private Task WhenOfflineAsync()
    {
        lock (_stateGate)
        {
            if (_state is EventBridgeClientState.Disconnected or EventBridgeClientState.Closed)
            {
                return Task.CompletedTask;
            }

            _offline ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _offline.Task;
        }
    }
}
