using System.Globalization;

namespace EventBridge.LoadDriver.Compare;

/// <summary>Reads CPU time from Linux's <c>/proc</c>: the whole machine's, and one process's.</summary>
internal static class CpuClock
{
    /// <summary>Clock ticks per second of <c>/proc</c> counters; 100 on every Linux configuration in common use.</summary>
    private const double TicksPerSecond = 100;

    /// <summary>The machine's busy and total CPU time since boot, summed over all cores, in seconds.</summary>
    public static (double Busy, double Total) Machine()
    {
        if (!File.Exists("/proc/stat"))
        {
            return (double.NaN, double.NaN);
        }

        // "cpu  user nice system idle iowait irq softirq steal ..." on the first line.
        var fields = File.ReadLines("/proc/stat").First()
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Skip(1)
            .Select(field => double.Parse(field, CultureInfo.InvariantCulture))
            .ToArray();
        var idle = fields[3] + (fields.Length > 4 ? fields[4] : 0);
        var total = fields.Take(Math.Min(8, fields.Length)).Sum();
        return ((total - idle) / TicksPerSecond, total / TicksPerSecond);
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
        var after = Machine();
        return (after.Busy - before.Busy) / Math.Max(1e-9, after.Total - before.Total);
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
