namespace EventBridge.Tests.Bus;

public class DeliveryTests
{
    [Fact]
    public void Emit_SeveralConsumers_RegistrationOrder()
    {
        var bus = new EventBus();
        var order = new List<string>();
        bus.AddConsumer(Consumers.Sync("order", _ => order.Add("first")));
        bus.AddConsumers(
        [
            Consumers.Sync("order", _ => order.Add("second")),
            Consumers.Sync("other", _ => order.Add("other signal")),
            Consumers.Sync("order", _ => order.Add("third")),
        ]);
        bus.AddConsumer(Consumers.Sync("order", _ => order.Add("fourth")));

        bus.Emit("order", 1);

        Assert.Equal(["first", "second", "third", "fourth"], order);
    }

    [Fact]
    public void Emit_TypedPayload_SameInstance()
    {
        var bus = new EventBus();
        var sent = new Person("Ann", 41);
        Person? received = null;
        bus.AddConsumer(Consumers.OfPerson("person", person => received = person));

        bus.Emit("person", sent);

        Assert.Same(sent, received);
    }

    [Fact]
    public void Emit_DerivedPayload_BaseConsumerGetsIt()
    {
        var bus = new EventBus();
        object? received = null;
        bus.AddConsumer(Consumers.Sync("shape", context =>
        {
            Assert.True(context.Message.TryGetPayload(out Exception? payload));
            received = payload;
        }));
        var sent = new InvalidOperationException("derived");

        bus.Emit("shape", sent);

        Assert.Same(sent, received);
    }

    [Fact]
    public void Emit_LocalEvent_ContextDescribesIt()
    {
        var bus = new EventBus();
        var contexts = new List<(string Signal, string? Namespace, EventId Id, EventOrigin? Source, bool IsRemote)>();
        bus.AddConsumer(Consumers.Sync("facts", "area", context =>
            contexts.Add((context.Signal, context.Namespace, context.EventId, context.Source, context.IsRemote))));

        bus.Emit("facts", "area", 1);
        bus.Emit("facts", "area", 2);

        Assert.Equal(2, contexts.Count);
        Assert.Equal("facts", contexts[0].Signal);
        Assert.Equal("area", contexts[0].Namespace);
        Assert.False(contexts[0].Id.IsEmpty);
        Assert.NotEqual(contexts[0].Id, contexts[1].Id);
        Assert.Null(contexts[0].Source);
        Assert.False(contexts[0].IsRemote);
    }

    [Fact]
    public void Emit_RemoteEvent_ContextHasSource()
    {
        var bus = new EventBus();
        var id = EventId.Parse("0123456789abcdef0123456789abcdef");
        var origin = new EventOrigin("other-process", "127.0.0.1:5000");
        EventContext? seen = null;
        string? name = null;
        bus.AddConsumer(Consumers.Sync("person", context =>
        {
            seen = context;
            name = context.Message.GetPayload(PersonSerializer.Instance).Name;
        }));

        bus.Emit(EventMessage.FromJson(
            "person", null, id, origin, isRemote: true, default, """{"name":"Ann","age":41}"""u8.ToArray()));

        Assert.NotNull(seen);
        Assert.Equal(id, seen.Value.EventId);
        Assert.Same(origin, seen.Value.Source);
        Assert.True(seen.Value.IsRemote);
        Assert.Equal("Ann", name);
    }

    [Fact]
    public void Emit_NoPayload_ConsumersRun()
    {
        var bus = new EventBus();
        var calls = 0;
        bus.AddConsumer(Consumers.Sync("tick", _ => calls++));

        bus.Emit("tick");

        Assert.Equal(1, calls);
    }

    [Fact]
    public void Emit_NoConsumers_DoesNothing()
    {
        var bus = new EventBus();

        bus.Emit("nobody_listens", 1);

        Assert.Equal(0, bus.CountConsumers("nobody_listens"));
    }

    [Fact]
    public async Task EmitAsync_AsyncConsumers_RunOneAtATime()
    {
        var bus = new EventBus();
        var log = new List<string>();
        var firstGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bus.AddConsumer(Consumers.Async("work", async _ =>
        {
            log.Add("first started");
            await firstGate.Task;
            log.Add("first finished");
        }));
        bus.AddConsumer(Consumers.Async("work", async _ =>
        {
            log.Add("second started");
            await Task.Yield();
            log.Add("second finished");
        }));

        var emit = bus.EmitAsync("work", 1).AsTask();
        Assert.False(emit.IsCompleted);
        Assert.Equal(["first started"], log);

        firstGate.SetResult();
        await emit.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(["first started", "first finished", "second started", "second finished"], log);
    }

    [Fact]
    public async Task EmitAsync_SyncConsumers_CompletesSynchronously()
    {
        var bus = new EventBus();
        var calls = 0;
        bus.AddConsumer(Consumers.Sync("quick", _ => calls++));

        var emit = bus.EmitAsync("quick", 1);

        Assert.True(emit.IsCompletedSuccessfully);
        await emit;
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task Emit_AsyncConsumer_NotAwaited()
    {
        var bus = new EventBus();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondRan = false;
        bus.AddConsumer(Consumers.Async("work", async _ =>
        {
            await gate.Task;
            finished.SetResult();
        }));
        bus.AddConsumer(Consumers.Sync("work", _ => secondRan = true));

        bus.Emit("work", 1);

        Assert.True(secondRan);
        Assert.False(finished.Task.IsCompleted);
        gate.SetResult();
        await finished.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task EmitAsync_TokenCanceled_RunsNothing()
    {
        var bus = new EventBus();
        var calls = 0;
        bus.AddConsumer(Consumers.Sync("work", _ => calls++));

        var emit = bus.EmitAsync("work", 1, new CancellationToken(canceled: true));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await emit);
        Assert.Equal(0, calls);
    }

    [Fact]
    public async Task EmitAsync_CanceledMidway_SkipsRest()
    {
        var bus = new EventBus();
        using var cancellation = new CancellationTokenSource();
        var log = new List<string>();
        bus.AddConsumer(Consumers.Async("work", async context =>
        {
            log.Add("first");
            Assert.Equal(cancellation.Token, context.CancellationToken);
            await Task.Yield();
            await cancellation.CancelAsync();
        }));
        bus.AddConsumer(Consumers.Sync("work", _ => log.Add("second")));

        var emit = bus.EmitAsync("work", 1, cancellation.Token).AsTask();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => emit.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(emit.IsCanceled);
        Assert.Equal(["first"], log);
    }

    [Fact]
    public async Task EmitAsync_ConsumerCanceled_NotReported()
    {
        var bus = new EventBus();
        var failures = new FailureLog(bus);
        using var cancellation = new CancellationTokenSource();
        bus.AddConsumer(Consumers.Async("work", async context =>
        {
            await cancellation.CancelAsync();
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
        }));

        var emit = bus.EmitAsync("work", 1, cancellation.Token).AsTask();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => emit.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Empty(failures.Failures);
    }

    [Fact]
    public void Emit_ContextToken_IsNone()
    {
        var bus = new EventBus();
        CancellationToken? token = null;
        bus.AddConsumer(Consumers.Sync("work", context => token = context.CancellationToken));

        bus.Emit("work", 1);

        Assert.Equal(CancellationToken.None, token);
    }
}
