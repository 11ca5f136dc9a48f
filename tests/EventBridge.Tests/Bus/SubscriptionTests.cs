namespace EventBridge.Tests.Bus;

public class SubscriptionTests
{
    [Fact]
    public void Dispose_RemovesTheConsumer()
    {
        var bus = new EventBus();
        var calls = 0;
        var subscription = bus.AddConsumer(Consumers.Sync("work", _ => calls++));

        bus.Emit("work", 1);
        subscription.Dispose();
        bus.Emit("work", 2);

        Assert.Equal(1, calls);
        Assert.Equal(0, bus.CountConsumers("work"));
    }

    [Fact]
    public void Dispose_Twice_RemovesOnce()
    {
        var bus = new EventBus();
        var calls = 0;
        var descriptor = Consumers.Sync("work", _ => calls++);
        var first = bus.AddConsumer(descriptor);
        bus.AddConsumer(descriptor);

        first.Dispose();
        first.Dispose();
        bus.Emit("work", 1);

        Assert.Equal(1, calls);
        Assert.Equal(1, bus.CountConsumers("work"));
    }

    [Fact]
    public void AddConsumers_Dispose_RemovesAllOfThem()
    {
        var bus = new EventBus();
        var subscription = bus.AddConsumers(
        [
            Consumers.Sync("a", _ => { }),
            Consumers.Sync("b", "room", _ => { }),
            Consumers.Sync("a", _ => { }),
        ]);
        bus.AddConsumer(Consumers.Sync("a", _ => { }));

        subscription.Dispose();

        Assert.Equal(1, bus.CountConsumers("a"));
        Assert.Equal(0, bus.CountConsumers("b", "room"));
    }

    [Fact]
    public void AddConsumers_NullItem_RegistersNothing()
    {
        var bus = new EventBus();

        Assert.Throws<ArgumentNullException>(() => bus.AddConsumers([Consumers.Sync("a", _ => { }), null!]));
        Assert.Equal(0, bus.CountConsumers("a"));
    }

    [Fact]
    public void Emit_LaterConsumerRemoved_IsSkipped()
    {
        var bus = new EventBus();
        var log = new List<string>();
        IDisposable? second = null;
        bus.AddConsumer(Consumers.Sync("work", _ =>
        {
            log.Add("first");
            second!.Dispose();
        }));
        second = bus.AddConsumer(Consumers.Sync("work", _ => log.Add("second")));
        bus.AddConsumer(Consumers.Sync("work", _ => log.Add("third")));

        bus.Emit("work", 1);
        bus.Emit("work", 2);

        Assert.Equal(["first", "third", "first", "third"], log);
    }

    [Fact]
    public async Task EmitAsync_ConsumerRemovedWhileAwaiting_IsSkipped()
    {
        var bus = new EventBus();
        var log = new List<string>();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bus.AddConsumer(Consumers.Async("work", async _ =>
        {
            log.Add("first");
            await gate.Task;
        }));
        var second = bus.AddConsumer(Consumers.Sync("work", _ => log.Add("second")));
        bus.AddConsumer(Consumers.Sync("work", _ => log.Add("third")));

        var emit = bus.EmitAsync("work", 1).AsTask();
        second.Dispose();
        gate.SetResult();
        await emit.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(["first", "third"], log);
    }

    [Fact]
    public void Emit_ConsumerDisposesItself_RunsOnce()
    {
        var bus = new EventBus();
        var log = new List<string>();
        IDisposable? self = null;
        self = bus.AddConsumer(Consumers.Sync("work", _ =>
        {
            log.Add("once");
            self!.Dispose();
        }));
        bus.AddConsumer(Consumers.Sync("work", _ => log.Add("always")));

        bus.Emit("work", 1);
        bus.Emit("work", 2);

        Assert.Equal(["once", "always", "always"], log);
    }

    [Fact]
    public void Subscribe_ConsumerHost_DisposeRemovesAll()
    {
        var bus = new EventBus();
        var host = new CounterHost();

        var subscription = bus.Subscribe(host);
        bus.Emit("count", 1);
        bus.Emit("count", "room", 1);
        subscription.Dispose();
        bus.Emit("count", 1);

        Assert.Equal(1, host.Default);
        Assert.Equal(1, host.InRoom);
    }

    private sealed class CounterHost : IConsumerHost
    {
        public int Default { get; private set; }

        public int InRoom { get; private set; }

        public IReadOnlyList<ConsumerDescriptor> GetConsumers() =>
        [
            Consumers.Sync("count", _ => Default++),
            Consumers.Sync("count", "room", _ => InRoom++),
        ];
    }
}
