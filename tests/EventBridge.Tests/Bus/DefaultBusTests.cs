namespace EventBridge.Tests.Bus;

public class DefaultBusTests
{
    [Fact]
    public void Default_IsSingleInstance()
    {
        Assert.Same(EventBus.Default, EventBus.Default);
    }

    [Fact]
    public void NewBus_IsIndependent()
    {
        // The default bus is shared by every test in the process, so this test uses a signal of its own.
        var signal = "isolation_" + Guid.NewGuid().ToString("N");
        var first = new EventBus();
        var second = new EventBus();
        var log = new List<string>();
        using var onDefault = EventBus.Default.AddConsumer(Consumers.Sync(signal, _ => log.Add("default")));
        first.AddConsumer(Consumers.Sync(signal, _ => log.Add("first")));
        second.AddConsumer(Consumers.Sync(signal, _ => log.Add("second")));
        first.Watch(_ => log.Add("first watcher"));

        first.Emit(signal, 1);
        second.Emit(signal, 2);
        EventBus.Default.Emit(signal, 3);

        Assert.Equal(["first watcher", "first", "second", "default"], log);
    }
}
