using System.Collections;
using System.Diagnostics;

namespace EventBridge.LoadDriver;

/// <summary>
/// What one subscriber received: counts of distinct, duplicated and out-of-order events per publisher, and the
/// latency of each event from its send time and from its scheduled time. Updated only by the client's read loop.
/// </summary>
internal sealed class Tally
{
    private readonly BitArray[] _seen;
    private readonly long[] _highest;
    private long _received;

    public Tally(int publishers, int perPublisher)
    {
        _seen = [.. Enumerable.Range(0, publishers).Select(_ => new BitArray(perPublisher))];
        _highest = [.. Enumerable.Repeat(-1L, publishers)];
        PerPublisher = perPublisher;
    }

    public int PerPublisher { get; }

    public long Expected => (long)_seen.Length * PerPublisher;

    public long Received => Interlocked.Read(ref _received);

    public long Distinct { get; private set; }

    public long Duplicates { get; private set; }

    /// <summary>Events that arrived after a later event of the same publisher.</summary>
    public long OutOfOrder { get; private set; }

    /// <summary>Events that arrived with a publisher index or sequence number outside the run.</summary>
    public long Unexpected { get; private set; }

    public long Lost => Expected - Distinct;

    public long FirstAt { get; private set; }

    public long LastAt { get; private set; }

    public Histogram Latency { get; } = new();

    public Histogram ScheduledLatency { get; } = new();

    public void Record(LoadEvent load)
    {
        var now = Stopwatch.GetTimestamp();
        if (FirstAt == 0)
        {
            FirstAt = now;
        }

        LastAt = now;
        Interlocked.Increment(ref _received);
        if (load.Publisher < 0 || load.Publisher >= _seen.Length || load.Seq < 0 || load.Seq >= PerPublisher)
        {
            Unexpected++;
            return;
        }

        var seen = _seen[load.Publisher];
        if (seen[(int)load.Seq])
        {
            Duplicates++;
            return;
        }

        seen[(int)load.Seq] = true;
        Distinct++;
        if (load.Seq < _highest[load.Publisher])
        {
            OutOfOrder++;
        }
        else
        {
            _highest[load.Publisher] = load.Seq;
        }

        Latency.Record((long)Stopwatch.GetElapsedTime(load.SentAt, now).TotalMicroseconds);
        ScheduledLatency.Record((long)Stopwatch.GetElapsedTime(load.ScheduledAt, now).TotalMicroseconds);
    }
}
