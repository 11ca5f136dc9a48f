using System.Collections;
using System.Diagnostics;

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

    public StampedTally(int publishers)
    {
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
    }
}
