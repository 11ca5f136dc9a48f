namespace EventBridge.Tests.Bus;

public class WatcherTests
{
    [Fact]
    public void Watcher_SeesEveryPassingEvent()
    {
        var bus = new EventBus();
        var watched = new List<string>();
        bus.AddConsumer(Consumers.Sync("consumed", _ => { }));
        bus.Watch(message => watched.Add(message.ToString()));
        bus.Use(message => message.Signal == "blocked" ? null : message);

        bus.Emit("consumed", 1);
        bus.Emit("unconsumed", 2);
        bus.Emit("scoped", "room", 3);
        bus.Emit("blocked", 4);
        bus.Emit(EventMessage.FromJson("remote", null, default, null, isRemote: true, default, default));

        Assert.Equal(["consumed", "unconsumed", "room/scoped", "remote"], watched);
    }

    [Fact]
    public void Watcher_Several_RunBeforeConsumers()
    {
        var bus = new EventBus();
        var order = new List<string>();
        bus.AddConsumer(Consumers.Sync("work", _ => order.Add("consumer")));
        bus.Watch(_ => order.Add("watcher 1"));
        bus.Watch(_ => order.Add("watcher 2"));

        bus.Emit("work", 1);

        Assert.Equal(["watcher 1", "watcher 2", "consumer"], order);
    }

    [Fact]
    public void Watcher_Throws_ConsumersStillRun()
    {
        var bus = new EventBus();
        var failures = new FailureLog(bus);
        var consumed = false;
        bus.AddConsumer(Consumers.Sync("work", _ => consumed = true));
        bus.Watch(_ => throw new InvalidOperationException("watcher bug"));

        bus.Emit("work", 1);

        Assert.True(consumed);
        var failure = Assert.Single(failures.Failures);
        Assert.Equal("watcher", failure.ConsumerName);
    }

    [Fact]
    public void Watcher_StoresMessages_PayloadsIntact()
    {
        var bus = new EventBus();
        var stored = new List<EventMessage>();
        bus.AddConsumer(Consumers.Sync("number", _ => { }));
        bus.Watch(stored.Add);

        for (var i = 0; i < 3; i++)
        {
            bus.Emit("number", i);
        }

        Assert.Equal(3, stored.Count);
        Assert.Equal(3, stored.Distinct().Count());
        for (var i = 0; i < 3; i++)
        {
            Assert.True(stored[i].TryGetPayload(out int value));
            Assert.Equal(i, value);
        }
    }

    [Fact]
    public void Watcher_Disposed_SeesNothing()
    {
        var bus = new EventBus();
        var watched = 0;
        var registration = bus.Watch(_ => watched++);

        bus.Emit("work", 1);
        registration.Dispose();
        bus.Emit("work", 2);

        Assert.Equal(1, watched);
    }
}
