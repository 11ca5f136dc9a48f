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
}
