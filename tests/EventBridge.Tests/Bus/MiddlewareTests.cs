namespace EventBridge.Tests.Bus;

public class MiddlewareTests
{
    [Fact]
    public void Middleware_PassesOn_RunsFirst()
    {
        var bus = new EventBus();
        var order = new List<string>();
        bus.AddConsumer(Consumers.Sync("work", _ => order.Add("consumer")));
        bus.Watch(_ => order.Add("watcher"));
        bus.Use(message =>
        {
            order.Add("middleware " + message.Signal);
            return message;
        });

        bus.Emit("work", 1);

        Assert.Equal(["middleware work", "watcher", "consumer"], order);
    }

    [Fact]
    public void Middleware_ReturnsNull_DropsEvent()
    {
        var bus = new EventBus();
        var delivered = new List<int>();
        var watched = 0;
        bus.AddConsumer(Consumers.Sync("number", context =>
            delivered.Add(context.Message.TryGetPayload(out int value) ? value : -1)));
        bus.Watch(_ => watched++);
        bus.Use(message => message.TryGetPayload(out int value) && value % 2 == 0 ? null : message);

        for (var i = 1; i <= 5; i++)
        {
            bus.Emit("number", i);
        }

        Assert.Equal([1, 3, 5], delivered);
        Assert.Equal(3, watched);
    }

    [Fact]
    public void Middleware_ReplacesPayload_ReplacementDelivered()
    {
        var bus = new EventBus();
        Person? received = null;
        EventMessage? watched = null;
        EventId originalId = default;
        bus.AddConsumer(Consumers.OfPerson("person", person => received = person));
        bus.Watch(message => watched = message);
        bus.Use(message =>
        {
            originalId = message.Id;
            return message.TryGetPayload(out Person? person) ? message.WithPayload(person! with { Name = "Masked" }) : message;
        });

        bus.Emit("person", new Person("Ann", 41));

        Assert.Equal(new Person("Masked", 41), received);
        Assert.NotNull(watched);
        Assert.Equal(originalId, watched.Id);
        Assert.True(watched.TryGetPayload(out Person? watchedPerson));
        Assert.Equal("Masked", watchedPerson?.Name);
    }

    [Fact]
    public void Middleware_ReplacesSignal_NewConsumersRun()
    {
        var bus = new EventBus();
        var log = new List<string>();
        bus.AddConsumer(Consumers.Sync("legacy_name", _ => log.Add("old consumer")));
        bus.AddConsumer(Consumers.Sync("new_name", context => log.Add("new consumer " + context.Signal)));
        bus.Use(message => message.Signal == "legacy_name" ? EventMessage.Create("new_name", 1) : message);

        bus.Emit("legacy_name", 1);

        Assert.Equal(["new consumer new_name"], log);
    }

    [Fact]
    public void Middleware_Several_ChainInOrder()
    {
        var bus = new EventBus();
        var seen = new List<string>();
        int? delivered = null;
        bus.AddConsumer(Consumers.Sync("number", context => delivered = context.Message.TryGetPayload(out int v) ? v : null));
        bus.Use(message =>
        {
            message.TryGetPayload(out int value);
            seen.Add("first saw " + value);
            return message.WithPayload(value + 10);
        });
        bus.Use(message =>
        {
            message.TryGetPayload(out int value);
            seen.Add("second saw " + value);
            return message.WithPayload(value * 2);
        });

        bus.Emit("number", 1);

        Assert.Equal(["first saw 1", "second saw 11"], seen);
        Assert.Equal(22, delivered);
    }

    [Fact]
    public void Middleware_Throws_DropsEventAndReports()
    {
        var bus = new EventBus();
        var failures = new FailureLog(bus);
        var consumed = false;
        bus.AddConsumer(Consumers.Sync("work", _ => consumed = true));
        bus.Use(message => message);
        bus.Use(_ => throw new InvalidOperationException("filter bug"));

        bus.Emit("work", 1);

        Assert.False(consumed);
        var failure = Assert.Single(failures.Failures);
        Assert.Equal("middleware #2", failure.ConsumerName);
        Assert.Equal("filter bug", failure.Exception.Message);
    }

    [Fact]
    public void Middleware_ReservedReplacement_Dropped()
    {
        var bus = new EventBus();
        var failures = new FailureLog(bus);
        var consumed = false;
        bus.AddConsumer(Consumers.Sync(EventBridgeSignals.ClientConnected, _ => consumed = true));
        bus.Use(_ => EventMessage.Create(EventBridgeSignals.ClientConnected, 1));

        bus.Emit("work", 1);

        Assert.False(consumed);
        var failure = Assert.Single(failures.Failures);
        Assert.IsType<EventBridgeException>(failure.Exception);
        Assert.Contains(EventBridgeSignals.ClientConnected, failure.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Middleware_Disposed_NoLongerRuns()
    {
        var bus = new EventBus();
        var calls = 0;
        var consumed = 0;
        bus.AddConsumer(Consumers.Sync("work", _ => consumed++));
        var registration = bus.Use(_ =>
        {
            calls++;
            return null;
        });

        bus.Emit("work", 1);
        registration.Dispose();
        registration.Dispose();
        bus.Emit("work", 2);

        Assert.Equal(1, calls);
        Assert.Equal(1, consumed);
    }

    [Fact]
    public async Task Middleware_WithEmitAsync_RunsFirst()
    {
        var bus = new EventBus();
        var order = new List<string>();
        bus.AddConsumer(Consumers.Async("work", async _ =>
        {
            await Task.Yield();
            order.Add("consumer");
        }));
        bus.Use(message =>
        {
            order.Add("middleware");
            return message;
        });

        await bus.EmitAsync("work", 1);

        Assert.Equal(["middleware", "consumer"], order);
    }
}
