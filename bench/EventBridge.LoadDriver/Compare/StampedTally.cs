using System.Collections;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace EventBridge.LoadDriver.Compare;

/// <summary>
/// What one subscriber received in a comparison run: distinct, duplicated, out-of-order and unexpected events per
/// publisher, and latency from the send time and from the scheduled send time. <see cref="Record"/> runs on the
/// subscriber's single receive loop; publishers read <see cref="ReceivedFrom"/> from other threads for flow control.
/// </summary>
internal sealed class StampedTally
{
    /// <summary>Publisher indexes at or above this mark warm-up events, which are counted apart and not measured.</summary>
    public const int WarmupPublisherBase = 1_000_000;

    private readonly BitArray[] _seen;
    private readonly long[] _highest;
    private readonly long[] _receivedFrom;
    private long _warmupReceived;

    // Read-loop arrival times, in the order the events arrived. The consumer takes them in the same order, because the
    // client queues each consumer's events first in, first out.
    private readonly ConcurrentQueue<long>? _arrivals;
    private readonly List<TracedEvent>? _trace;

    /// <param name="publishers">The number of publishers whose events are counted.</param>
    /// <param name="timeArrivals">
    /// Whether the subscriber also calls <see cref="RecordArrival"/> as each event arrives, before it is queued for the
    /// consumer, so that latency splits into the time to arrive and the wait for the consumer.
    /// </param>
    /// <param name="traced">Whether to keep every measured event's times for <see cref="WriteTrace"/>.</param>
    public StampedTally(int publishers, bool timeArrivals = false, bool traced = false)
    {
        _trace = traced ? [] : null;
        _arrivals = timeArrivals ? new ConcurrentQueue<long>() : null;
        _seen = [.. Enumerable.Range(0, publishers).Select(_ => new BitArray(1 << 16))];
        _highest = [.. Enumerable.Repeat(-1L, publishers)];
        _receivedFrom = new long[publishers];
    }

    public long Distinct { get; private set; }

    public long Duplicates { get; private set; }

    public long OutOfOrder { get; private set; }

    public long Unexpected { get; private set; }

    public long FirstAt { get; private set; }

    public long LastAt { get; private set; }

    public Histogram Latency { get; } = new();

    public Histogram ScheduledLatency { get; } = new();

    /// <summary>From the send time to the event's arrival on the subscriber's read loop; empty unless arrivals are timed.</summary>
    public Histogram ArrivalLatency { get; } = new();

    /// <summary>From the event's arrival on the read loop to its consumer; empty unless arrivals are timed.</summary>
    public Histogram ConsumerWait { get; } = new();

    /// <summary>Whether <see cref="RecordArrival"/> is expected, so that latency is split at the read loop.</summary>
    public bool TimesArrivals => _arrivals is not null;

    /// <summary>Notes that the next event arrived on the subscriber's read loop now.</summary>
    public void RecordArrival() => _arrivals?.Enqueue(Stopwatch.GetTimestamp());

    public long WarmupReceived => Volatile.Read(ref _warmupReceived);

    /// <summary>The events of <paramref name="publisher"/> received so far, duplicates included.</summary>
    public long ReceivedFrom(int publisher) => Volatile.Read(ref _receivedFrom[publisher]);

    public long Received
    {
        get
        {
            long sum = 0;
            for (var i = 0; i < _receivedFrom.Length; i++)
            {
                sum += Volatile.Read(ref _receivedFrom[i]);
            }

            return sum;
        }
    }

    public void Record(int publisher, long seq, long sentAt, long scheduledAt)
    {
        var now = Stopwatch.GetTimestamp();
        var arrivedAt = 0L;
        var arrivalTimed = _arrivals is not null && _arrivals.TryDequeue(out arrivedAt);
        if (publisher >= WarmupPublisherBase)
        {
            Interlocked.Increment(ref _warmupReceived);
            return;
        }

        if (publisher < 0 || publisher >= _seen.Length || seq < 0 || seq > int.MaxValue - 1)
        {
            Unexpected++;
            return;
        }

        if (FirstAt == 0)
        {
            FirstAt = now;
        }

        LastAt = now;
        Volatile.Write(ref _receivedFrom[publisher], _receivedFrom[publisher] + 1);
        var seen = _seen[publisher];
        if (seq >= seen.Length)
        {
            seen.Length = (int)Math.Min(int.MaxValue, Math.Max(seq + 1, (long)seen.Length * 2));
        }

        if (seen[(int)seq])
        {
            Duplicates++;
            return;
        }

        seen[(int)seq] = true;
        Distinct++;
        if (seq < _highest[publisher])
        {
            OutOfOrder++;
        }
        else
        {
            _highest[publisher] = seq;
        }

        Latency.Record((long)Stopwatch.GetElapsedTime(sentAt, now).TotalMicroseconds);
        ScheduledLatency.Record((long)Stopwatch.GetElapsedTime(scheduledAt, now).TotalMicroseconds);
        if (arrivalTimed)
        {
            ArrivalLatency.Record((long)Stopwatch.GetElapsedTime(sentAt, arrivedAt).TotalMicroseconds);
            ConsumerWait.Record((long)Stopwatch.GetElapsedTime(arrivedAt, now).TotalMicroseconds);
        }

        _trace?.Add(new TracedEvent(publisher, seq, scheduledAt, sentAt, arrivalTimed ? arrivedAt : 0, now));
    }

    /// <summary>
    /// Writes the times of every measured event as CSV lines, in microseconds after <paramref name="origin"/>, a
    /// <see cref="Stopwatch"/> timestamp. An arrival that was not timed is left empty.
    /// </summary>
    public void WriteTrace(TextWriter writer, int subscriber, long origin)
    {
        var invariant = CultureInfo.InvariantCulture;
        foreach (var traced in _trace ?? [])
        {
            var arrived = traced.ArrivedAt == 0 ? string.Empty : Micros(origin, traced.ArrivedAt).ToString("0.0", invariant);
            writer.WriteLine(string.Create(
                invariant,
                $"{subscriber},{traced.Publisher},{traced.Seq},{Micros(origin, traced.ScheduledAt):0.0},{Micros(origin, traced.SentAt):0.0},{arrived},{Micros(origin, traced.ConsumedAt):0.0}"));
        }
    }

    private static double Micros(long origin, long timestamp) => (timestamp - origin) * 1e6 / Stopwatch.Frequency;

    private readonly record struct TracedEvent(int Publisher, long Seq, long ScheduledAt, long SentAt, long ArrivedAt, long ConsumedAt);
}
