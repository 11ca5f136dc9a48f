using System.Diagnostics;
using System.Globalization;

namespace EventBridge.LoadDriver;

/// <summary>The merged outcome of a run, printed as a table and one machine-readable line.</summary>
internal sealed class Report
{
    public long Expected { get; set; }

    public long Delivered { get; set; }

    public long Duplicates { get; set; }

    public long OutOfOrder { get; set; }

    public long Unexpected { get; set; }

    public long Lost => Expected - Delivered;

    public long StartedAt { get; set; }

    public long LastReceivedAt { get; set; }

    public TimeSpan CpuTime { get; set; }

    /// <summary>The bytes this process allocated during the run when every client ran in it, or null.</summary>
    public long? AllocatedBytes { get; set; }

    /// <summary>The garbage collections of each generation (0, 1, 2) in this process during the run.</summary>
    public int[]? Collections { get; set; }

    public Histogram Latency { get; } = new();

    public Histogram ScheduledLatency { get; } = new();

    public void Add(Tally tally)
    {
        Expected += tally.Expected;
        Delivered += tally.Distinct;
        Duplicates += tally.Duplicates;
        OutOfOrder += tally.OutOfOrder;
        Unexpected += tally.Unexpected;
        LastReceivedAt = Math.Max(LastReceivedAt, tally.LastAt);
        Latency.Add(tally.Latency);
        ScheduledLatency.Add(tally.ScheduledLatency);
    }

    /// <summary>Prints the report; returns 0 when nothing was lost, duplicated or reordered, else 1.</summary>
    public int Print(Workload workload, string mode)
    {
        var seconds = LastReceivedAt > StartedAt ? Stopwatch.GetElapsedTime(StartedAt, LastReceivedAt).TotalSeconds : double.NaN;
        var rate = Delivered / seconds;
        var cpuPerEvent = CpuTime.TotalMicroseconds / Math.Max(1, Delivered);
        string F(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);

        Console.WriteLine($"mode                 {mode}");
        Console.WriteLine($"publishers           {workload.Publishers}");
        Console.WriteLine($"subscribers          {workload.Subscribers}");
        Console.WriteLine($"events per publisher {workload.Events}");
        Console.WriteLine($"rate per publisher   {(workload.Rate > 0 ? F(workload.Rate) + " events/s" : "unlimited")}");
        Console.WriteLine($"payload padding      {workload.PayloadBytes} bytes");
        Console.WriteLine($"delivered            {Delivered} of {Expected} in {F(seconds)} s");
        Console.WriteLine($"delivered per second {rate.ToString("0", CultureInfo.InvariantCulture)}");
        Console.WriteLine($"lost / duplicated / out of order / unexpected  {Lost} / {Duplicates} / {OutOfOrder} / {Unexpected}");
        Console.WriteLine($"latency from send (µs)      p50 {F(Latency.Percentile(50))}  p99 {F(Latency.Percentile(99))}  p99.9 {F(Latency.Percentile(99.9))}  max {F(Latency.Percentile(100))}");
        Console.WriteLine($"latency from schedule (µs)  p50 {F(ScheduledLatency.Percentile(50))}  p99 {F(ScheduledLatency.Percentile(99))}  p99.9 {F(ScheduledLatency.Percentile(99.9))}  max {F(ScheduledLatency.Percentile(100))}");
        Console.WriteLine($"CPU time             {F(CpuTime.TotalMilliseconds)} ms, {F(cpuPerEvent)} µs per delivered event");
        if (AllocatedBytes is { } allocated)
        {
            Console.WriteLine(
                $"allocated            {F(allocated / (double)Math.Max(1, Delivered))} B per delivered event in this process; " +
                $"collections gen0/gen1/gen2 {string.Join('/', Collections ?? [])}");
        }

        Console.WriteLine(
            $"RESULT mode={mode} delivered_per_s={rate.ToString("0", CultureInfo.InvariantCulture)} " +
            $"p50_us={F(Latency.Percentile(50))} p99_us={F(Latency.Percentile(99))} p999_us={F(Latency.Percentile(99.9))} " +
            $"cpu_us_per_event={F(cpuPerEvent)} lost={Lost} duplicated={Duplicates} out_of_order={OutOfOrder}");
        return Lost == 0 && Duplicates == 0 && OutOfOrder == 0 && Unexpected == 0 ? 0 : 1;
    }
}
