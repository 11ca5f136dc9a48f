using System.Diagnostics;
using System.Globalization;
using System.Text;
using EventBridge.Transport;

namespace EventBridge.Benchmarks;

/// <summary>
/// Times one part of the per-event path in a plain loop and prints nanoseconds per call. On a busy machine,
/// BenchmarkDotNet's error bars can be wider than a change. Running this for two builds in turn, several times each,
/// and comparing the best run of each shows the change with less noise.
/// </summary>
/// <remarks>Usage: <c>loop scan|parse-sent|scan-checked|scan-kwargs|read-shipment|window|emit-signal|emit-bus|emit-bus-ten|emit-mediator|emit-mediator-ten|emit-json|validate-signal [calls]</c>. It makes 5,000,000 calls by default, after 2,000,000 warm-up calls.</remarks>
internal static class LoopTimer
{
    private const int WarmUpCalls = 2_000_000;

    public static int Run(string[] args)
    {
        if (args.Length is < 2 or > 3 || !s_parts.TryGetValue(args[1], out var create))
        {
            Console.Error.WriteLine($"Usage: loop {string.Join('|', s_parts.Keys)} [calls]");
            return 2;
        }

        var calls = 5_000_000L;
        if (args.Length == 3 && (!long.TryParse(args[2], NumberStyles.None, CultureInfo.InvariantCulture, out calls) || calls == 0))
        {
            Console.Error.WriteLine($"Invalid number of calls '{args[2]}': expected a positive whole number.");
            return 2;
        }

        var call = create();
        long sink = 0;
        for (var i = 0; i < WarmUpCalls; i++)
        {
            sink += call();
        }

        var started = Stopwatch.GetTimestamp();
        for (var i = 0L; i < calls; i++)
        {
            sink += call();
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture, $"{args[1]} {elapsed.TotalNanoseconds / calls:F1} ns per call (checksum {sink})"));
        return 0;
    }

    private static readonly Dictionary<string, Func<Func<long>>> s_parts = new()
    {
        ["scan"] = () =>
        {
            var frame = FrameReadBenchmarks.RelayedFrame;
            return () => RelayedFrameScanner.Scan(frame, 64).Kwargs.End.Value;
        },
        ["parse-sent"] = () =>
        {
            var frame = FrameReadBenchmarks.SentFrame;
            return () => Frame.Parse(frame).Kwargs.End.Value;
        },
        ["scan-checked"] = () =>
        {
            var frame = FrameReadBenchmarks.SentFrame;
            return () => RelayedFrameScanner.ScanChecked(frame, 64).Kwargs.End.Value;
        },
        ["scan-kwargs"] = () =>
        {
            var frame = Encoding.UTF8.GetBytes(
                "{\"signal\":\"load\",\"kwargs\":{\"publisher\":0,\"sequence\":123456,\"sent_at\":98765432101,\"padding\":\"" +
                new string('x', 100) + "\"}}");
            return () => RelayedFrameScanner.Scan(frame, 64).Kwargs.End.Value;
        },
        ["read-shipment"] = () =>
        {
            var benchmark = new SerializerBenchmarks();
            benchmark.Setup();
            return () => benchmark.ReadWithGenerated().Id;
        },
        ["window"] = () =>
        {
            var benchmark = new DuplicateWindowBenchmarks { Senders = 1 };
            benchmark.Setup();
            return () => benchmark.Add() ? 1 : 0;
        },

        // The emit goal's fastest path and its reference, for a profiler to attach to. Each call goes through a
        // delegate, which adds the same few nanoseconds to both.
        ["emit-signal"] = () =>
        {
            var benchmark = new EmitBenchmarks();
            benchmark.Setup();
            return () =>
            {
                benchmark.SignalToOne();
                return 1;
            };
        },
        ["emit-bus"] = () =>
        {
            var benchmark = new EmitBenchmarks();
            benchmark.Setup();
            return () =>
            {
                benchmark.EmitToOne();
                return 1;
            };
        },
        ["emit-bus-ten"] = () =>
        {
            var benchmark = new EmitBenchmarks();
            benchmark.Setup();
            return () =>
            {
                benchmark.EmitToTen();
                return 1;
            };
        },
        ["emit-mediator-ten"] = () =>
        {
            var benchmark = new EmitBenchmarks();
            benchmark.Setup();
            return () => benchmark.MediatorToTen().IsCompleted ? 1 : 0;
        },
        // A received event: its payload is read from JSON in the consumer.
        ["emit-json"] = () =>
        {
            var counter = new Counter();
            var bus = new EventBus();
            bus.Subscribe(new OrderConsumer(counter));
            var message = EventMessage.FromJson(
                "order_placed", null, default, null, isRemote: true, default, Encoding.UTF8.GetBytes("{\"quantity\":42,\"currency\":\"EUR\"}"));

            // The checksum is 42 times the calls only if the consumer read every payload.
            return () =>
            {
                var before = counter.Total;
                bus.Emit(message);
                return counter.Total - before;
            };
        },
        ["validate-signal"] = () => () => SignalNames.Validate("order_placed") is null ? 1 : 0,
        ["emit-mediator"] = () =>
        {
            var benchmark = new EmitBenchmarks();
            benchmark.Setup();
            return () => benchmark.MediatorToOne().IsCompleted ? 1 : 0;
        },
    };
}
