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
    /// <exception cref="OperationCanceledException">
    /// <paramref name="cancellationToken"/> was canceled, also before the call.
    /// </exception>
    public async Task<int> FlushAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(
                nameof(timeout), timeout, "The timeout must not be negative, except Timeout.InfiniteTimeSpan.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        await WaitForOutboxAsync(_outbox.WhenEmptyAsync(), timeout, cancellationToken).ConfigureAwait(false);
        return OutboxCountOrLeftAtClose();
    }

    /// <summary>
    /// Waits up to <paramref name="timeout"/> until the outbox contains fewer than <paramref name="count"/> events, so that
    /// a publisher can pace itself to the server instead of letting <see cref="EventBridgeClientOptions.OutboxCapacity"/>
    /// drop events. Like <see cref="FlushAsync"/>, it returns without waiting while the client is offline for good.
    /// </summary>
    /// <remarks>
    /// Several publishers that wait for one count may all wake at once and each emit before the others see the
    /// outbox again, so it can go above <paramref name="count"/> by up to one event per publisher. Keep
    /// <paramref name="count"/> that far below <see cref="EventBridgeClientOptions.OutboxCapacity"/> to drop nothing.
    /// </remarks>
    /// <param name="count">The outbox size to wait for, exclusive: 1 waits until it is empty, as <see cref="FlushAsync"/> does.</param>
    /// <param name="timeout">The longest wait, or <see cref="Timeout.InfiniteTimeSpan"/>.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    /// <returns>
    /// The number of events in the outbox: less than <paramref name="count"/>, unless the timeout passed first, another
    /// publisher emitted meanwhile, or the client is offline for good. After the client closed, the number of events
    /// its outbox still had then, which it reported as dropped.
    /// </returns>
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
    /// <paramref name="count"/> is less than 1 or more than <see cref="EventBridgeClientOptions.OutboxCapacity"/>, which
    /// the outbox never reaches, or <paramref name="timeout"/> is negative and not <see cref="Timeout.InfiniteTimeSpan"/>.
    /// </exception>
    /// <exception cref="OperationCanceledException">
    /// <paramref name="cancellationToken"/> was canceled, also before the call.
    /// </exception>
    public async Task<int> WaitForOutboxBelowAsync(int count, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _options.OutboxCapacity);
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(
                nameof(timeout), timeout, "The timeout must not be negative, except Timeout.InfiniteTimeSpan.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        var below = _outbox.WhenBelowAsync(count);
        if (!below.IsCompleted)
        {
            await WaitForOutboxAsync(below, timeout, cancellationToken).ConfigureAwait(false);
        }

        return OutboxCountOrLeftAtClose();
    }

    /// <summary>
    /// Returns the outbox count, or once the client has closed, the number of events left in the outbox at the close.
    /// Closing empties the outbox and reports those events as dropped, so 0 would wrongly read as all delivered.
    /// </summary>
    private int OutboxCountOrLeftAtClose()
    {
        // Clear sets LeftAtClear before it completes the waits, so a wait that it ended finds the number here.
        var count = _outbox.Count;
        return _outbox.LeftAtClear is { } left ? Math.Max(count, left) : count;
    }

    /// <summary>
    /// Waits until <paramref name="outboxReady"/> completes, the client goes offline for good, or
    /// <paramref name="timeout"/> passes. Only <paramref name="cancellationToken"/> makes it throw.
    /// </summary>
    /// <remarks>
    /// The two tasks live as long as the client or a wait for one outbox size, so the wait must not leave a
    /// continuation on them. Otherwise a publisher that waits with a short timeout again and again while the server is
    /// down piles up one per call. Each task is awaited through <see cref="Task.WaitAsync(CancellationToken)"/>,
    /// which removes its continuation when its token is canceled, and the token is canceled when the wait ends.
    /// </remarks>
    private async Task WaitForOutboxAsync(Task outboxReady, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // A timer cannot run longer than about 49.7 days, so a longer timeout counts as none.
        if (timeout != Timeout.InfiniteTimeSpan && timeout.TotalMilliseconds < uint.MaxValue - 1)
        {
            stop.CancelAfter(timeout);
        }

        try
        {
            await Task.WhenAny(outboxReady.WaitAsync(stop.Token), WhenOfflineAsync().WaitAsync(stop.Token)).ConfigureAwait(false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
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
