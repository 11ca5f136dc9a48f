namespace EventBridge.LoadDriver;

/// <summary>One load event. Timestamps are <see cref="System.Diagnostics.Stopwatch"/> ticks, which on Linux come
/// from the system-wide monotonic clock, so they compare across processes on one machine.</summary>
/// <param name="Publisher">The publisher's index.</param>
/// <param name="Seq">The publisher's sequence number, from 0.</param>
/// <param name="SentAt">When the publisher emitted the event.</param>
/// <param name="ScheduledAt">When an open-loop publisher should have emitted it; equal to <paramref name="SentAt"/> at full speed.</param>
/// <param name="Padding">Filler that brings the payload to the requested size.</param>
public sealed record LoadEvent(int Publisher, long Seq, long SentAt, long ScheduledAt, string Padding);
