using System.Globalization;
using System.Net;
using System.Text;

namespace EventBridge.LoadDriver.Compare;

/// <summary>Writes a comparison's results as Markdown, CSV and an SVG bar chart.</summary>
internal static class ReportWriter
{
    private const string Reference = "nats";

    private static readonly CultureInfo s_invariant = CultureInfo.InvariantCulture;

    public static void WriteRunsCsv(string path, List<RunResult> results)
    {
        string[] fields =
        [
            "delivered_per_s", "sent", "expected", "delivered", "lost", "duplicated", "out_of_order", "unexpected", "seconds",
            "p50_us", "p99_us", "p999_us", "max_us", "sched_p50_us", "sched_p99_us", "sched_p999_us",
            "client_cpu_s", "server_cpu_s", "cpu_us_per_event", "machine_busy_share", "others_busy_share", "load_average",
            "warmup_s", "warmup_capped", "jit_methods_in_run", "gc_gen0_count", "gc_gen2_count", "gc_pause_ms",
        ];
        var text = new StringBuilder();
        text.AppendLine("scenario,kind,publishers,subscribers,payload_bytes,idle_connections,system,round,rate," + string.Join(',', fields) + ",failure");
        foreach (var r in results)
        {
            var s = r.Scenario;
            text.Append(CultureInfo.InvariantCulture, $"\"{s.Name}\",{s.Kind},{s.Publishers},{s.Subscribers},{s.PayloadBytes},{s.IdleConnections},{r.System},{r.Round},{r.Rate}");
            foreach (var field in fields)
            {
                text.Append(',').Append(double.IsNaN(r[field]) ? "" : r[field].ToString("0.###", s_invariant));
            }

            text.Append(',').Append(r.Failure is null ? "" : $"\"{r.Failure.Replace("\"", "'", StringComparison.Ordinal).ReplaceLineEndings(" ")}\"").AppendLine();
        }

        File.WriteAllText(path, text.ToString());
    }

    public static void WriteSummaryCsv(string path, List<Summary> summaries)
    {
        var text = new StringBuilder();
        text.AppendLine(
            "scenario,kind,publishers,subscribers,payload_bytes,idle_connections,system,runs,failed_runs,rate," +
            "delivered_per_s_median,delivered_per_s_min,delivered_per_s_max,p50_us,p99_us,p999_us," +
            "sched_p50_us,sched_p99_us,sched_p999_us,cpu_us_per_event,lost,duplicated,out_of_order,others_busy_share,load_average,ratio_to_nats");
        foreach (var s in summaries)
        {
            var c = s.Scenario;
            var ratio = Ratio(summaries, s);
            text.AppendLine(string.Join(',', new[]
            {
                $"\"{c.Name}\"", c.Kind.ToString(), N(c.Publishers), N(c.Subscribers), N(c.PayloadBytes), N(c.IdleConnections), s.System,
                N(s.Runs), N(s.FailedRuns), N(s.Rate),
                N(s.DeliveredPerSecond.Median), N(s.DeliveredPerSecond.Min), N(s.DeliveredPerSecond.Max),
                N(s.P50.Median), N(s.P99.Median), N(s.P999.Median),
                N(s.ScheduledP50.Median), N(s.ScheduledP99.Median), N(s.ScheduledP999.Median),
                N(s.CpuPerEvent.Median), N(s.Lost), N(s.Duplicated), N(s.OutOfOrder), N(s.OthersBusy.Median), N(s.LoadAverage.Median),
                N(ratio),
            }));
        }

        File.WriteAllText(path, text.ToString());
    }

    /// <summary>The figure that matters for the scenario's kind, divided by NATS's: throughput for throughput runs, p99 otherwise.</summary>
    private static double Ratio(List<Summary> summaries, Summary s)
    {
        var reference = summaries.FirstOrDefault(o => o.Scenario == s.Scenario && o.System == Reference);
        if (reference is null)
        {
            return double.NaN;
        }

        return s.Scenario.Kind == ScenarioKind.Throughput
            ? s.DeliveredPerSecond.Median / reference.DeliveredPerSecond.Median
            : s.P99.Median / reference.P99.Median;
    }

    public static void WriteMarkdown(
        string path, List<Summary> summaries, List<RunResult> results, ComparisonOptions options, string machine, DateTime started)
    {
        var md = new StringBuilder();
        md.AppendLine("# EventBridge, NATS and Redis pub/sub, side by side");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"- Command: `{options.Command}`");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Machine: {machine}");
        if (!string.IsNullOrEmpty(options.Versions))
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- Servers: {options.Versions}");
        }
        md.AppendLine(CultureInfo.InvariantCulture, $"- Started {started:yyyy-MM-dd HH:mm} UTC; {options.Runs} {(options.Runs == 1 ? "run" : "runs")} per scenario and system, interleaved; {options.Seconds} s of sending per run.");
        var others = Spread.Of(results.Where(r => r.Failure is null).Select(r => r["others_busy_share"]));
        var load = Spread.Of(results.Where(r => r.Failure is null).Select(r => r["load_average"]));
        md.AppendLine(CultureInfo.InvariantCulture,
            $"- Other processes used {P(others.Median)} of the machine during the median run ({P(others.Min)}–{P(others.Max)}); " +
            $"load average {load.Median:0.0} ({load.Min:0.0}–{load.Max:0.0}).{(others.Median > options.DisturbedShare ? " **The machine was busy: read the ratios, not the absolute figures.**" : "")}");
        md.AppendLine(CultureInfo.InvariantCulture,
            $"- Every figure is the median of the runs, with min–max in brackets; ratios divide EventBridge's median by the peer's.");

        // A capped warm-up ended before the client's JIT settled, so that run's figures include compilation work.
        var measured = results.Where(r => r.Failure is null).ToList();
        var capped = measured.Count(r => r["warmup_capped"] == 1);
        if (capped > 0)
        {
            md.Append(CultureInfo.InvariantCulture,
                $"- **{capped} of {measured.Count} runs reached the warm-up limit of {options.WarmupMaxSeconds} s before the JIT settled**, ");
            md.AppendLine("so their figures include compilation work: read them as a check of the harness, not as results.");
        }

        md.AppendLine();

        WriteGoals(md, summaries);
        WriteThroughput(md, summaries);
        WriteLatency(md, summaries, ScenarioKind.Latency, "Latency at half load",
            "Open-loop publishers at half of the slowest system's median saturation rate in the same shape (the rate column, events per second over all publishers). "
            + "Latency is from the send stamp to the subscriber; 'scheduled' is from the scheduled send time, which adds any time the publisher fell behind (coordinated omission).");
        WriteLatency(md, summaries, ScenarioKind.Connections, "Connected clients",
            "A 1 → 1 flow at a fixed rate while the other connections are open. The idle connections of all three systems subscribe "
            + "to another subject (EventBridge's with receive patterns), so they receive none of the flow's events.");
        var failures = results.Where(r => !r.Correct).ToList();
        md.AppendLine("## Correctness");
        md.AppendLine();
        md.AppendLine(failures.Count == 0
            ? "Every run delivered every event exactly once and in order to every subscriber."
            : $"{failures.Count} of {results.Count} runs failed or lost, duplicated or reordered events:");
        foreach (var f in failures)
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"- {f.Scenario.Name}, {f.System}, round {f.Round}: {f.Failure ?? (f["expected"] > 0 ? $"lost {f["lost"]}, duplicated {f["duplicated"]}, out of order {f["out_of_order"]}, unexpected {f["unexpected"]}" : "sent no events; use a longer --seconds")}");
        }

        md.AppendLine();
        md.AppendLine("Plot: `results.svg`; per-scenario medians: `results.csv`; every run: `runs.csv`.");
        File.WriteAllText(path, md.ToString());
    }

    private static void WriteGoals(StringBuilder md, List<Summary> summaries)
    {
        md.AppendLine("## Goals");
        md.AppendLine();
        md.AppendLine("| goal | scenario | EventBridge | peer | ratio | needed | met |");
        md.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
        foreach (var shape in new[] { (1, 1), (1, 8) })
        {
            var throughput = new Scenario(ScenarioKind.Throughput, shape.Item1, shape.Item2, 128);
            Goal(md, summaries, throughput, Reference, "delivered/s ≥ NATS", s => s.DeliveredPerSecond.Median, 1, atLeast: true, "N0");
            Goal(md, summaries, throughput, "redis", "delivered/s ≥ 3 × Redis", s => s.DeliveredPerSecond.Median, 3, atLeast: true, "N0");
            var latency = new Scenario(ScenarioKind.Latency, shape.Item1, shape.Item2, 128);
            Goal(md, summaries, latency, Reference, "p99 at half load ≤ NATS", s => s.P99.Median, 1, atLeast: false, "#,0 µs");
        }

        md.AppendLine();
    }

    private static void Goal(
        StringBuilder md, List<Summary> summaries, Scenario scenario, string peer, string goal, Func<Summary, double> figure, double needed, bool atLeast, string format)
    {
        var ours = summaries.FirstOrDefault(s => s.Scenario == scenario && s.System == "eventbridge");
        var theirs = summaries.FirstOrDefault(s => s.Scenario == scenario && s.System == peer);
        if (ours is null || theirs is null)
        {
            // A quick run leaves out a scenario; the row says so rather than vanish from the table.
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {goal} | {scenario.Name} | – | – | – | {(atLeast ? "≥" : "≤")} {needed:0.00} | not run |");
            return;
        }

        if (!(figure(ours) > 0) || !(figure(theirs) > 0))
        {
            // Every run of a system failed, so there is no median to compare and no verdict to give.
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {goal} | {scenario.Name} | {Figure(figure(ours), format)} | {Figure(figure(theirs), format)} | – | {(atLeast ? "≥" : "≤")} {needed:0.00} | not measured |");
            return;
        }

        // The check uses the exact ratio. A missed goal whose rounded ratio would read as met (0.996 as 1.00) is shown
        // one hundredth on the missing side instead, so a row never reads "1.00 | ≥ 1.00 | no".
        var ratio = figure(ours) / figure(theirs);
        var met = atLeast ? ratio >= needed : ratio <= needed;
        var displayed = Math.Round(ratio, 2);
        if (!met && (atLeast ? displayed >= needed : displayed <= needed))
        {
            displayed = atLeast ? needed - 0.01 : needed + 0.01;
        }

        md.AppendLine(CultureInfo.InvariantCulture,
            $"| {goal} | {scenario.Name} | {figure(ours).ToString(format, s_invariant)} | {figure(theirs).ToString(format, s_invariant)} | {displayed:0.00} | {(atLeast ? "≥" : "≤")} {needed:0.00} | {(met ? "yes" : "**no**")} |");
    }

    private static void WriteThroughput(StringBuilder md, List<Summary> summaries)
    {
        var rows = summaries.Where(s => s.Scenario.Kind == ScenarioKind.Throughput).ToList();
        if (rows.Count == 0)
        {
            return;
        }

        md.AppendLine("## Throughput at saturation");
        md.AppendLine();
        md.AppendLine("Delivered events per second summed over subscribers; CPU is all client and server processes' CPU time per delivered event.");
        md.AppendLine();
        md.AppendLine("| scenario | system | delivered/s | vs NATS | vs Redis | CPU µs/event | lost/dup/ooo | others' CPU |");
        md.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var s in rows)
        {
            var nats = rows.FirstOrDefault(o => o.Scenario == s.Scenario && o.System == Reference);
            var redis = rows.FirstOrDefault(o => o.Scenario == s.Scenario && o.System == "redis");
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {s.Scenario.Shape} {s.Scenario.Payload} | {s.System} | {Range(s.DeliveredPerSecond, "N0")} | " +
                $"{Times(s.DeliveredPerSecond.Median, nats?.DeliveredPerSecond.Median)} | {Times(s.DeliveredPerSecond.Median, redis?.DeliveredPerSecond.Median)} | " +
                $"{Range(s.CpuPerEvent, "0.00")} | {s.Lost}/{s.Duplicated}/{s.OutOfOrder}{Failed(s)} | {P(s.OthersBusy.Median)} |");
        }

        md.AppendLine();
    }

    private static void WriteLatency(StringBuilder md, List<Summary> summaries, ScenarioKind kind, string title, string description)
    {
        var rows = summaries.Where(s => s.Scenario.Kind == kind).ToList();
        if (rows.Count == 0)
        {
            return;
        }

        md.AppendLine(CultureInfo.InvariantCulture, $"## {title}");
        md.AppendLine();
        md.AppendLine(description);
        md.AppendLine();
        md.AppendLine("| scenario | system | rate/s | p50 µs | p99 µs | p99.9 µs | p99 vs NATS | scheduled p50 / p99 / p99.9 µs | CPU µs/event | lost/dup/ooo | others' CPU |");
        md.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var s in rows)
        {
            var nats = rows.FirstOrDefault(o => o.Scenario == s.Scenario && o.System == Reference);
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {(kind == ScenarioKind.Connections ? $"{s.Scenario.IdleConnections + 2} clients" : $"{s.Scenario.Shape} {s.Scenario.Payload}")} | {s.System} | {s.Rate:N0} | " +
                $"{Range(s.P50, "N0")} | {Range(s.P99, "N0")} | {Range(s.P999, "N0")} | {Times(s.P99.Median, nats?.P99.Median)} | " +
                $"{s.ScheduledP50.Median:N0} / {s.ScheduledP99.Median:N0} / {s.ScheduledP999.Median:N0} | {Range(s.CpuPerEvent, "0.00")} | " +
                $"{s.Lost}/{s.Duplicated}/{s.OutOfOrder}{Failed(s)} | {P(s.OthersBusy.Median)} |");
        }

        md.AppendLine();
    }

    public static void WriteSvg(string path, List<Summary> summaries, IReadOnlyList<string> systems)
    {
        string[] colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd"];
        var panels = new List<(string Title, List<Summary> Rows, Func<Summary, double> Value, string Unit)>
        {
            ("Delivered events per second at saturation (higher is better)", summaries.Where(s => s.Scenario.Kind == ScenarioKind.Throughput).ToList(), s => s.DeliveredPerSecond.Median, "/s"),
            ("p99 latency at half load, µs (lower is better)", summaries.Where(s => s.Scenario.Kind == ScenarioKind.Latency).ToList(), s => s.P99.Median, " µs"),
            ("p99 latency with many connected clients, µs (lower is better)", summaries.Where(s => s.Scenario.Kind == ScenarioKind.Connections).ToList(), s => s.P99.Median, " µs"),
            ("CPU time per delivered event at saturation, µs (lower is better)", summaries.Where(s => s.Scenario.Kind == ScenarioKind.Throughput).ToList(), s => s.CpuPerEvent.Median, " µs"),
        };
        const int Width = 900, Label = 190, BarHeight = 12, Gap = 8, PanelGap = 40;
        var svg = new StringBuilder();
        var y = 30;
        var body = new StringBuilder();
        for (var i = 0; i < systems.Count; i++)
        {
            body.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Label + (i * 140)}\" y=\"8\" width=\"12\" height=\"12\" fill=\"{colors[i % colors.Length]}\"/>");
            body.Append(CultureInfo.InvariantCulture, $"<text x=\"{Label + (i * 140) + 18}\" y=\"18\">{Escape(systems[i])}</text>");
        }

        foreach (var (title, rows, value, unit) in panels.Where(p => p.Rows.Count > 0))
        {
            y += 20;
            body.Append(CultureInfo.InvariantCulture, $"<text x=\"4\" y=\"{y}\" font-weight=\"bold\">{Escape(title)}</text>");
            y += 10;
            var max = rows.Select(value).Where(v => !double.IsNaN(v)).DefaultIfEmpty(1).Max();
            foreach (var scenario in rows.Select(r => r.Scenario).Distinct())
            {
                var label = scenario.Kind == ScenarioKind.Connections ? $"{scenario.IdleConnections + 2} clients" : $"{scenario.Shape} {scenario.Payload}";
                body.Append(CultureInfo.InvariantCulture, $"<text x=\"4\" y=\"{y + (systems.Count * BarHeight / 2) + 4}\">{Escape(label)}</text>");
                for (var i = 0; i < systems.Count; i++)
                {
                    var row = rows.FirstOrDefault(r => r.Scenario == scenario && r.System == systems[i]);
                    var v = row is null ? double.NaN : value(row);
                    var w = double.IsNaN(v) ? 0 : Math.Max(1, (Width - Label - 130) * v / max);
                    body.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Label}\" y=\"{y}\" width=\"{w:0.#}\" height=\"{BarHeight - 2}\" fill=\"{colors[i % colors.Length]}\"/>");
                    body.Append(CultureInfo.InvariantCulture, $"<text x=\"{Label + w + 4:0.#}\" y=\"{y + BarHeight - 3}\" font-size=\"10\">{(double.IsNaN(v) ? "n/a" : v.ToString(v >= 100 ? "N0" : "0.00", s_invariant) + unit)}</text>");
                    y += BarHeight;
                }

                y += Gap;
            }

            y += PanelGap - Gap;
        }

        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{y}\" font-family=\"sans-serif\" font-size=\"12\">");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{Width}\" height=\"{y}\" fill=\"white\"/>");
        svg.Append(body).Append("</svg>\n");
        File.WriteAllText(path, svg.ToString());
    }

    private static string Escape(string text) => WebUtility.HtmlEncode(text);

    private static string Figure(double value, string format) => value > 0 ? value.ToString(format, s_invariant) : "–";

    private static string N(double value) => double.IsNaN(value) ? "" : value.ToString("0.###", s_invariant);

    private static string P(double share) => double.IsNaN(share) ? "n/a" : share.ToString("P0", s_invariant);

    private static string Range(Spread spread, string format) =>
        double.IsNaN(spread.Median) ? "n/a" : $"{spread.Median.ToString(format, s_invariant)} ({spread.Min.ToString(format, s_invariant)}–{spread.Max.ToString(format, s_invariant)})";

    private static string Times(double ours, double? theirs) =>
        theirs is { } value && !double.IsNaN(value) && value > 0 && !double.IsNaN(ours) ? (ours / value).ToString("0.00", s_invariant) + "×" : "–";

    private static string Failed(Summary s) => s.FailedRuns > 0 ? $" ({s.FailedRuns} failed runs)" : "";
}
