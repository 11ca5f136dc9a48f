namespace EventBridge.Tests.Bus;

/// <summary>
/// The bus reuses the message of an event that only consumers see. These tests check that a reused message never
/// shows another event to code that may still hold it.
/// </summary>
public class MessageReuseTests
{
    [Fact]
    public async Task Emit_AsyncConsumer_KeepsItsOwnEvent()
    {
        var bus = new EventBus();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = true;
        bus.AddConsumer(Consumers.Async("person", async context =>
        {
            if (!first)
            {
                return;
            }

            first = false;
            var id = context.EventId;
            await gate.Task;
            var person = context.Message.GetPayload(PersonSerializer.Instance);
            seen.SetResult($"{person.Name} {context.Signal} {context.EventId == id}");
        }));

        bus.Emit("person", new Person("First", 1));
        bus.Emit("person", new Person("Second", 2));
        bus.Emit("person", new Person("Third", 3));
        gate.SetResult();

        Assert.Equal("First person True", await seen.Task.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task EmitAsync_PendingConsumer_MessageNotReused()
    {
        var bus = new EventBus();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var names = new List<string>();
        var calls = 0;
        bus.AddConsumer(Consumers.Async("person", async context =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                await gate.Task;
            }

            lock (names)
            {
                names.Add(context.Message.GetPayload(PersonSerializer.Instance).Name);
            }
        }));

        var slow = bus.EmitAsync("person", new Person("Slow", 1)).AsTask();
        await bus.EmitAsync("person", new Person("Quick", 2));
        gate.SetResult();
        await slow.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(["Quick", "Slow"], names);
    }

    [Fact]
    public void Emit_MessagePassedOn_StaysIntact()
    {
        var source = new EventBus();
        var target = new EventBus();
        var stored = new List<EventMessage>();
        target.Watch(stored.Add);
        source.AddConsumer(Consumers.Sync("person", context => target.Emit(context.Message)));

        source.Emit("person", new Person("First", 1));
        source.Emit("person", new Person("Second", 2));

        Assert.Equal(2, stored.Count);
        Assert.True(stored[0].TryGetPayload(out Person? first));
        Assert.True(stored[1].TryGetPayload(out Person? second));
        Assert.Equal("First", first?.Name);
        Assert.Equal("Second", second?.Name);
        Assert.NotEqual(stored[0].Id, stored[1].Id);
    }

    [Fact]
    public void Emit_ManyTimes_EveryEventGetsANewId()
    {
        var bus = new EventBus();
        var ids = new HashSet<EventId>();
        bus.AddConsumer(Consumers.Sync("tick", context => ids.Add(context.EventId)));

        for (var i = 0; i < 1000; i++)
        {
            bus.Emit("tick", i);
        }

        Assert.Equal(1000, ids.Count);
    }

    [Fact]
    public void Emit_SignalNotInterned_StillFindsConsumers()
    {
        var bus = new EventBus();
        var calls = 0;
        bus.AddConsumer(Consumers.Sync("order_placed", _ => calls++));
        var copy = new string("order_placed".AsSpan());

        var joined = string.Concat("order_", "placed".AsSpan());

        bus.Emit(copy, 1);
        bus.Emit(joined, 2);

        Assert.False(ReferenceEquals(copy, "order_placed"));
        Assert.False(ReferenceEquals(joined, "order_placed"));
        Assert.Equal(2, calls);
    }

    [Fact]
    public void Emit_ManyPayloadTypesAndDeepNesting_EachConsumerSeesItsOwnPayload()
    {
        var bus = new EventBus();
        var seen = new List<string>();
        bus.AddConsumer(Consumers.Sync("chain", context =>
        {
            context.Message.TryGetPayload(out int depth);
            if (depth < 6)
            {
                context.Bus.Emit("chain", depth + 1);
            }

            context.Message.TryGetPayload(out int after);
            seen.Add($"{depth}={after}");
        }));
        bus.AddConsumer(Consumers.Sync("types", context => seen.Add(Describe(context.Message))));

        bus.Emit("chain", 0);
        for (var round = 0; round < 2; round++)
        {
            bus.Emit("types", 1);
            bus.Emit("types", 2L);
            bus.Emit("types", "three");
            bus.Emit("types", 4.5);
            bus.Emit("types", new Person("Five", 5));
        }

        Assert.Equal(
        [
            "6=6", "5=5", "4=4", "3=3", "2=2", "1=1", "0=0",
            "int 1", "long 2", "string three", "double 4.5", "person Five",
            "int 1", "long 2", "string three", "double 4.5", "person Five",
        ], seen);
    }

    [Fact]
    public void EventId_ReadTwiceAndCopied_StaysTheSame()
    {
        var message = EventMessage.Create("tick", 1);

        var first = message.Id;
        var second = message.Id;
        var copy = message.WithPayload(2);

        Assert.False(first.IsEmpty);
        Assert.Equal(first, second);
        Assert.Equal(first, copy.Id);
    }

    [Fact]
    public async Task EventId_ReadFromManyThreadsAtOnce_IsOneId()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var message = EventMessage.Create("tick", attempt);
            using var start = new Barrier(4);
            var reads = Enumerable.Range(0, 4).Select(_ => Task.Factory.StartNew(
                () =>
                {
                    start.SignalAndWait();
                    return message.Id;
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default));

            var ids = await Task.WhenAll(reads).WaitAsync(TimeSpan.FromSeconds(30));

            Assert.Single(ids.Distinct());
        }
    }

    private static string Describe(EventMessage message)
    {
        if (message.TryGetPayload(out int number))
        {
            return "int " + number;
        }

        if (message.TryGetPayload(out long big))
        {
            return "long " + big;
        }

        if (message.TryGetPayload(out string? text))
        {
            return "string " + text;
        }

        if (message.TryGetPayload(out double real))
        {
            return "double " + real.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return message.TryGetPayload(out Person? person) ? "person " + person?.Name : "unknown";
    }
}
