using System.Diagnostics;
using System.Globalization;

namespace EventBridge.LoadDriver.Compare;

/// <summary>Reads CPU time from Linux's <c>/proc</c>: the whole machine's, and one process's.</summary>
internal static class CpuClock
{
    /// <summary>Clock ticks per second of <c>/proc</c> counters; 100 on every Linux configuration in common use.</summary>
    private const double TicksPerSecond = 100;

    /// <summary>
    /// Reads the machine's idle CPU time since boot, summed over all cores, with the moment it was read and the number
    /// of cores. <see cref="BusyBetween"/> turns two samples into busy and total CPU time.
    /// </summary>
    /// <remarks>
    /// Busy time is the elapsed time on all cores less the idle time, not the sum of the user and system counters.
    /// Linux charges those to whatever runs at each timer tick, so work paced in short bursts between ticks can be
    /// missed: a NATS run at 250,000 events/s showed 18 % of the machine busy while its two processes alone used
    /// 50 %. The idle counter is kept from the moments each core goes idle and wakes, on kernels that stop the tick
    /// when idle, as this machine's does.
    /// </remarks>
    public static MachineSample Machine()
    {
        if (!File.Exists("/proc/stat"))
        {
            return new MachineSample(double.NaN, Stopwatch.GetTimestamp(), 0);
        }

        // "cpu  user nice system idle iowait irq softirq steal ..." on the first line, then one "cpuN" line per core.
        var lines = File.ReadAllLines("/proc/stat");
        var fields = lines[0]
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Skip(1)
            .Select(field => double.Parse(field, CultureInfo.InvariantCulture))
            .ToArray();
        var idle = fields[3] + (fields.Length > 4 ? fields[4] : 0);
        var cores = lines.Count(line => line.StartsWith("cpu", StringComparison.Ordinal) && line.Length > 3 && char.IsAsciiDigit(line[3]));
        return new MachineSample(idle / TicksPerSecond, Stopwatch.GetTimestamp(), cores);
    }

    /// <summary>Returns the machine's busy and total CPU time between two samples, summed over all cores, in seconds.</summary>
    public static (double Busy, double Total) BusyBetween(MachineSample before, MachineSample after)
    {
        var total = Stopwatch.GetElapsedTime(before.Timestamp, after.Timestamp).TotalSeconds * after.Cores;
        return (Math.Clamp(total - (after.IdleSeconds - before.IdleSeconds), 0, total), total);
    }

    /// <summary>The user plus system CPU time of a process, in seconds, or 0 when it cannot be read.</summary>
    public static double Process(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");

            // The command name in parentheses may contain spaces; utime and stime are fields 14 and 15.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture))
                / TicksPerSecond;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>The share of all cores that were busy over <paramref name="window"/>, from 0 to 1.</summary>
    public static async Task<double> BusyShareAsync(TimeSpan window)
    {
        var before = Machine();
        await Task.Delay(window);
        var (busy, total) = BusyBetween(before, Machine());
        return busy / Math.Max(1e-9, total);
    }

    public static double LoadAverage()
    {
        if (!File.Exists("/proc/loadavg"))
        {
            return double.NaN;
        }

        return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
    }
}

/// <summary>A reading of the machine's idle CPU time, in seconds over all cores, with its timestamp and core count.</summary>
internal readonly record struct MachineSample(double IdleSeconds, long Timestamp, int Cores);
