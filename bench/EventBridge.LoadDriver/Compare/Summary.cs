namespace EventBridge.LoadDriver.Compare;

/// <summary>The median, minimum and maximum of one figure over the runs of one scenario and system.</summary>
internal readonly record struct Spread(double Median, double Min, double Max)
{
    public static Spread Of(IEnumerable<double> values)
    {
        var list = values.Where(v => !double.IsNaN(v)).ToList();
        return list.Count == 0 ? new(double.NaN, double.NaN, double.NaN) : new(Summary.Median(list), list.Min(), list.Max());
    }
}

/// <summary>The runs of one scenario against one system, reduced to medians.</summary>
internal sealed record Summary(
    Scenario Scenario,
    string System,
    int Runs,
    int FailedRuns,
    double Rate,
    Spread DeliveredPerSecond,
    Spread P50,
    Spread P99,
    Spread P999,
    Spread ScheduledP50,
    Spread ScheduledP99,
    Spread ScheduledP999,
    Spread CpuPerEvent,
    long Lost,
    long Duplicated,
    long OutOfOrder,
    Spread OthersBusy,
    Spread LoadAverage)
{
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0)
        {
            return double.NaN;
        }

        var middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    public static List<Summary> From(List<RunResult> results, IReadOnlyList<string> systems)
    {
        var summaries = new List<Summary>();
        foreach (var scenario in results.Select(r => r.Scenario).Distinct())
        {
            foreach (var system in systems)
            {
                var runs = results.Where(r => r.Scenario == scenario && r.System == system).ToList();
                if (runs.Count == 0)
                {
                    continue;
                }

                var ok = runs.Where(r => r.Failure is null).ToList();
                Spread Of(string field) => Spread.Of(ok.Select(r => r[field]));
                long Sum(string field) => (long)ok.Sum(r => double.IsNaN(r[field]) ? 0 : r[field]);
                summaries.Add(new Summary(
                    scenario,
                    system,
                    runs.Count,
                    runs.Count - ok.Count,
                    runs[0].Rate,
                    Of("delivered_per_s"),
                    Of("p50_us"),
                    Of("p99_us"),
                    Of("p999_us"),
                    Of("sched_p50_us"),
                    Of("sched_p99_us"),
                    Of("sched_p999_us"),
                    Of("cpu_us_per_event"),
                    Sum("lost"),
                    Sum("duplicated"),
                    Sum("out_of_order") + Sum("unexpected"),
                    Of("others_busy_share"),
                    Of("load_average")));
            }
        }

        return summaries;
    }
}
