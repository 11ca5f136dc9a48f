namespace EventBridge.Tests.Bus;

public class ConcurrencyTests
{
    private const int Emitters = 4;
    private const int EmitsPerEmitter = 20_000;
    private const int Churners = 4;

    [Fact]
    public async Task Bus_ConcurrentEmitAndChurn_LosesNothing()
    {
        var bus = new EventBus();
        var failures = new FailureLog(bus);
        var stableCounts = new long[3];
        bus.AddConsumer(Consumers.Sync("busy", _ => Interlocked.Increment(ref stableCounts[0])));
        bus.AddConsumer(Consumers.Sync("busy", "room", _ => Interlocked.Increment(ref stableCounts[1])));
        bus.AddConsumer(Consumers.Async("busy", async _ =>
        {
            Interlocked.Increment(ref stableCounts[2]);
            await Task.CompletedTask;
        }));
        var churnedCalls = 0L;
        using var stop = new CancellationTokenSource();
        using var start = new Barrier(Emitters + Churners);
        var errors = new System.Collections.Concurrent.ConcurrentQueue<Exception>();

        void Guarded(Action body)
        {
            try
            {
                start.SignalAndWait();
                body();
            }
            catch (Exception exception)
            {
                errors.Enqueue(exception);
            }
        }

        var emitters = Enumerable.Range(0, Emitters).Select(index => StartThread(() => Guarded(() =>
        {
            for (var i = 0; i < EmitsPerEmitter; i++)
            {
                if (index % 2 == 0)
                {
                    bus.Emit("busy", i);
                }
                else
                {
                    bus.EmitAsync("busy", i).AsTask().GetAwaiter().GetResult();
                }

                bus.Emit("busy", "room", i);
            }
        }))).ToList();

        var churners = Enumerable.Range(0, Churners).Select(index => StartThread(() => Guarded(() =>
        {
            var held = new List<IDisposable>();
            var round = 0;
            while (!stop.IsCancellationRequested)
            {
                round++;
                var signal = round % 3 == 0 ? "busy_" + index : "busy";
                var @namespace = round % 5 == 0 ? "room" : null;
                held.Add(bus.AddConsumer(Consumers.Sync(signal, @namespace, _ => Interlocked.Increment(ref churnedCalls))));
                if (round % 7 == 0)
                {
                    var watcher = bus.Watch(_ => { });
                    var middleware = bus.Use(message => message);
                    watcher.Dispose();
                    middleware.Dispose();
                }

                if (held.Count > 8)
                {
                    held[0].Dispose();
                    held[0].Dispose();
                    held.RemoveAt(0);
                }
            }

            held.ForEach(subscription => subscription.Dispose());
        }))).ToList();

        await Task.WhenAll(emitters).WaitAsync(TimeSpan.FromMinutes(2));
        await stop.CancelAsync();
        await Task.WhenAll(churners).WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Empty(errors);
        Assert.Empty(failures.Failures);
        Assert.Equal(Emitters * EmitsPerEmitter, Interlocked.Read(ref stableCounts[0]));
        Assert.Equal(Emitters * EmitsPerEmitter, Interlocked.Read(ref stableCounts[1]));
        Assert.Equal(Emitters * EmitsPerEmitter, Interlocked.Read(ref stableCounts[2]));
        Assert.True(Interlocked.Read(ref churnedCalls) > 0);
        Assert.Equal(2, bus.CountConsumers("busy"));
        Assert.Equal(1, bus.CountConsumers("busy", "room"));
    }

    [Fact]
    public async Task Bus_ConcurrentTypedEmits_KeepPayloads()
    {
        var bus = new EventBus();
        var mismatches = 0;
        bus.AddConsumer(new ConsumerDescriptor("pair", null, "checker", context =>
        {
            var (thread, sequence) = context.Message.GetPayload(PairSerializer.Instance);
            if (context.Signal != "pair" || thread < 0 || sequence < 0)
            {
                Interlocked.Increment(ref mismatches);
            }

            return default;
        }));
        var seen = new int[Emitters];
        bus.AddConsumer(Consumers.Sync("pair", context =>
        {
            context.Message.TryGetPayload(out (int Thread, int Sequence) pair);
            if (seen[pair.Thread] != pair.Sequence)
            {
                Interlocked.Increment(ref mismatches);
            }

            seen[pair.Thread] = pair.Sequence + 1;
        }));

        var threads = Enumerable.Range(0, Emitters).Select(thread => StartThread(() =>
        {
            for (var i = 0; i < EmitsPerEmitter; i++)
            {
                bus.Emit("pair", (thread, i));
            }
        }));

        await Task.WhenAll(threads).WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(0, mismatches);
        Assert.All(seen, count => Assert.Equal(EmitsPerEmitter, count));
    }

    private static Task StartThread(Action body)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                body();
                done.SetResult();
            }
            catch (Exception exception)
            {
                done.SetException(exception);
            }
        })
        {
            IsBackground = true,
        };
        thread.Start();
        return done.Task;
    }

    private sealed class PairSerializer : EventBridge.Serialization.PayloadSerializer<(int Thread, int Sequence)>
    {
        public static readonly PairSerializer Instance = new();

        public override void Write(System.Text.Json.Utf8JsonWriter writer, (int Thread, int Sequence) value) =>
            throw new NotSupportedException("The test never serializes pairs.");

        public override (int Thread, int Sequence) Read(ref System.Text.Json.Utf8JsonReader reader) =>
            throw new NotSupportedException("The test only emits typed pairs, which need no JSON.");
    }
}
