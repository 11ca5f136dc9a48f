namespace EventBridge.Server.Benchmarking;

/// <summary>
/// One load run against a server, as the <c>bench</c> command drives it: the command polls <see cref="Progress"/> for
/// its progress display while <see cref="RunAsync"/> runs, and prints the report when it completes.
/// </summary>
internal interface ILoadDriver
{
    /// <summary>A snapshot of the counters; safe to read from any thread while the run goes on.</summary>
    LoadProgress Progress { get; }

    /// <summary>Runs the load once and returns what was measured.</summary>
    Task<LoadReport> RunAsync(CancellationToken cancellationToken);
}

/// <summary>What a load run is asked to do.</summary>
/// <param name="Host">The server's host.</param>
/// <param name="Port">The server's port.</param>
/// <param name="Publishers">The number of publishing clients, each on its own connection.</param>
/// <param name="Subscribers">The number of receiving clients, each on its own connection.</param>
/// <param name="EventsPerPublisher">The number of events each publisher sends.</param>
/// <param name="PayloadBytes">The length of the padding text in each event's payload, in bytes.</param>
/// <param name="Timeout">How long to wait for every event to arrive after the last one was sent.</param>
internal sealed record LoadSettings(
    string Host,
    int Port,
    int Publishers,
    int Subscribers,
    int EventsPerPublisher,
    int PayloadBytes,
    TimeSpan Timeout)
{
    /// <summary>The number of deliveries a complete run makes: every event reaches every subscriber once.</summary>
    public long ExpectedDeliveries => (long)Publishers * EventsPerPublisher * Subscribers;

    /// <summary>The number of events all publishers send together.</summary>
    public long ExpectedPublished => (long)Publishers * EventsPerPublisher;
}

/// <summary>The counters of a run in progress.</summary>
internal readonly record struct LoadProgress(long Published, long Delivered, TimeSpan Elapsed);

/// <summary>What a load run measured.</summary>
internal sealed record LoadReport
{
    public required LoadSettings Settings { get; init; }

    public required long Published { get; init; }

    /// <summary>Deliveries of events that a subscriber had not seen before, in order.</summary>
    public required long Delivered { get; init; }

    /// <summary>Deliveries of an event that the subscriber had already received.</summary>
    public required long Duplicated { get; init; }

    /// <summary>Deliveries that skipped ahead of an event of the same publisher that had not arrived yet.</summary>
    public required long Reordered { get; init; }

    /// <summary>The time from the first event sent to the last one sent.</summary>
    public required TimeSpan PublishElapsed { get; init; }

    /// <summary>The time from the first event sent to the last delivery.</summary>
    public required TimeSpan Elapsed { get; init; }

    /// <summary>The CPU time the measuring process used during the run; it includes an in-process server.</summary>
    public required TimeSpan CpuTime { get; init; }

    /// <summary>Latencies from send to delivery, in milliseconds, sorted ascending.</summary>
    public required double[] LatenciesMs { get; init; }

    public long Lost => Settings.ExpectedDeliveries - Delivered;

    public bool IsCorrect => Lost == 0 && Duplicated == 0 && Reordered == 0;

    /// <summary>Returns the latency below which <paramref name="fraction"/> of deliveries fall, or NaN with none.</summary>
    public double LatencyPercentileMs(double fraction)
    {
        if (LatenciesMs.Length == 0)
        {
            return double.NaN;
        }

        var index = (int)Math.Ceiling(fraction * LatenciesMs.Length) - 1;
        return LatenciesMs[Math.Clamp(index, 0, LatenciesMs.Length - 1)];
    }
}
