namespace EventBridge.Tests.Bus;

public class NamespaceTests
{
    [Fact]
    public void Emit_InNamespace_OnlyItsConsumersRun()
    {
        var bus = new EventBus();
        var log = new List<string>();
        bus.AddConsumer(Consumers.Sync("chat", _ => log.Add("default")));
        bus.AddConsumer(Consumers.Sync("chat", "lobby", context => log.Add("lobby " + context.Namespace)));
        bus.AddConsumer(Consumers.Sync("chat", "kitchen", _ => log.Add("kitchen")));

        bus.Emit("chat", "lobby", "hello");

        Assert.Equal(["lobby lobby"], log);
    }

    [Fact]
    public void Emit_DefaultNamespace_SkipsNamespaced()
    {
        var bus = new EventBus();
        var log = new List<string>();
        bus.AddConsumer(Consumers.Sync("chat", "lobby", _ => log.Add("lobby")));
        bus.AddConsumer(Consumers.Sync("chat", context => log.Add("default " + (context.Namespace ?? "null"))));

        bus.Emit("chat", "hello");
        bus.Emit("chat", null, "hello");
        bus.Emit("chat", "", "hello");

        Assert.Equal(["default null", "default null", "default null"], log);
    }

    [Fact]
    public async Task EmitAsync_InNamespace_OnlyItsConsumersRun()
    {
        var bus = new EventBus();
        var log = new List<string>();
        bus.AddConsumer(Consumers.Sync("chat", _ => log.Add("default")));
        bus.AddConsumer(Consumers.Sync("chat", "lobby", _ => log.Add("lobby")));

        await bus.EmitAsync("chat", "lobby", "hello");

        Assert.Equal(["lobby"], log);
    }

    [Fact]
    public void Emit_MessageInNamespace_OnlyItsConsumersRun()
    {
        var bus = new EventBus();
        var log = new List<string>();
        bus.AddConsumer(Consumers.Sync("chat", _ => log.Add("default")));
        bus.AddConsumer(Consumers.Sync("chat", "lobby", _ => log.Add("lobby")));

        bus.Emit(EventMessage.FromJson("chat", "lobby", default, null, isRemote: true, default, default));

        Assert.Equal(["lobby"], log);
    }

    [Fact]
    public void CountConsumers_PerNamespace()
    {
        var bus = new EventBus();
        bus.AddConsumer(Consumers.Sync("chat", _ => { }));
        bus.AddConsumer(Consumers.Sync("chat", "lobby", _ => { }));
        bus.AddConsumer(Consumers.Sync("chat", "lobby", _ => { }));

        Assert.Equal(1, bus.CountConsumers("chat"));
        Assert.Equal(1, bus.CountConsumers("chat", ""));
        Assert.Equal(2, bus.CountConsumers("chat", "lobby"));
        Assert.Equal(0, bus.CountConsumers("chat", "kitchen"));
    }

    [Fact]
    public void Descriptor_EmptyNamespace_IsDefault()
    {
        var descriptor = Consumers.Sync("chat", "", _ => { });

        Assert.Null(descriptor.Namespace);
    }
}
