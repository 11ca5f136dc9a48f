namespace EventBridge.Tests.Bus;

public class NestedEmitTests
{
    [Fact]
    public void Emit_FromConsumer_DeliversNestedEventDepthFirst()
    {
        var bus = new EventBus();
        var order = new List<string>();
        bus.AddConsumer(Consumers.Sync("outer", context =>
        {
            order.Add("outer 1 start");
            context.Bus.Emit("inner", 1);
            order.Add("outer 1 end");
        }));
        bus.AddConsumer(Consumers.Sync("outer", _ => order.Add("outer 2")));
        bus.AddConsumer(Consumers.Sync("inner", context =>
        {
            order.Add("inner 1");
            context.Bus.Emit("innermost", 1);
        }));
        bus.AddConsumer(Consumers.Sync("inner", _ => order.Add("inner 2")));
        bus.AddConsumer(Consumers.Sync("innermost", _ => order.Add("innermost")));

        bus.Emit("outer", 1);

        Assert.Equal(
            ["outer 1 start", "inner 1", "innermost", "inner 2", "outer 1 end", "outer 2"],
            order);
    }

    [Fact]
    public void Emit_NestedSamePayloadType_OuterKeepsPayload()
    {
        var bus = new EventBus();
        var seen = new List<string>();
        bus.AddConsumer(Consumers.OfPerson("outer", person =>
        {
            bus.Emit("inner", new Person("Inner", 2));
            seen.Add("outer after nested emit: " + person.Name);
        }));
        bus.AddConsumer(new ConsumerDescriptor("outer", null, "second outer", context =>
        {
            seen.Add("second outer: " + context.Message.GetPayload(PersonSerializer.Instance).Name +
                " on " + context.Signal);
            return default;
        }));
        bus.AddConsumer(Consumers.OfPerson("inner", person => seen.Add("inner: " + person.Name)));

        bus.Emit("outer", new Person("Outer", 1));

        Assert.Equal(
            ["inner: Inner", "outer after nested emit: Outer", "second outer: Outer on outer"],
            seen);
    }

    [Fact]
    public void Emit_Recursion_StopsAtMaxDepth()
    {
        var bus = new EventBus(new EventBusOptions { MaxNestingDepth = 5 });
        var failures = new FailureLog(bus);
        var calls = 0;
        bus.AddConsumer(Consumers.Sync("echo", context =>
        {
            calls++;
            context.Bus.Emit("echo", calls);
        }));

        bus.Emit("echo", 0);

        Assert.Equal(5, calls);
        var failure = Assert.Single(failures.Failures);
        Assert.Equal("EventBus", failure.ConsumerName);
        Assert.IsType<EventBridgeException>(failure.Exception);
        Assert.Contains("maximum depth of 5", failure.Exception.Message, StringComparison.Ordinal);
        Assert.Equal("echo", failure.Message.Signal);
    }

    [Fact]
    public void TooDeep_HandlerEmits_ReportedOnce()
    {
        var bus = new EventBus(new EventBusOptions { MaxNestingDepth = 4 });
        var echoes = 0;
        var errorsDelivered = 0;
        var handlerCalls = 0;
        bus.AddConsumer(Consumers.Sync("echo", context =>
        {
            echoes++;
            context.Bus.Emit("echo", echoes);
        }));
        bus.AddConsumer(Consumers.Sync("errors", _ => errorsDelivered++));

        // The handler reports failures as events, and its own emit is too deep as well.
        bus.ConsumerFailed += (_, _) =>
        {
            handlerCalls++;
            bus.Emit("errors", handlerCalls);
        };

        bus.Emit("echo", 0);

        Assert.Equal(4, echoes);
        Assert.Equal(1, handlerCalls);
        Assert.Equal(0, errorsDelivered);

        // The guard is reset, so the next report is raised and an emit at normal depth is delivered.
        bus.Emit("errors", 0);
        Assert.Equal(1, errorsDelivered);
        bus.Emit("echo", 0);
        Assert.Equal(2, handlerCalls);
    }

    [Fact]
    public void TooDeep_TwoBuses_EachRaisesOnce()
    {
        var first = new EventBus(new EventBusOptions { MaxNestingDepth = 4 });
        var second = new EventBus(new EventBusOptions { MaxNestingDepth = 10 });
        first.AddConsumer(Consumers.Sync("echo", context => context.Bus.Emit("echo", 1)));
        second.AddConsumer(Consumers.Sync("loop", context => context.Bus.Emit("loop", 1)));
        var firstRaised = 0;
        var secondRaised = 0;

        // Each handler starts the other bus's loop, which the other bus refuses in turn once it reaches its limit.
        first.ConsumerFailed += (_, _) =>
        {
            firstRaised++;
            second.Emit("loop", 0);
        };
        second.ConsumerFailed += (_, _) =>
        {
            secondRaised++;
            first.Emit("echo", 0);
        };

        first.Emit("echo", 0);

        Assert.Equal(1, firstRaised);
        Assert.Equal(1, secondRaised);
        Assert.Equal(0, DeliveryState.Depth);
        Assert.Empty(DeliveryState.ReportingTooDeep);
    }

    [Fact]
    public void Emit_AfterGuardTripped_DeliversNormally()
    {
        var bus = new EventBus(new EventBusOptions { MaxNestingDepth = 3 });
        var failures = new FailureLog(bus);
        var calls = 0;
        bus.AddConsumer(Consumers.Sync("echo", context =>
        {
            calls++;
            context.Bus.Emit("echo", 1);
        }));

        bus.Emit("echo", 0);
        bus.Emit("echo", 0);

        Assert.Equal(6, calls);
        Assert.Equal(2, failures.Failures.Count);
    }

    [Fact]
    public void Emit_RecursionWithMiddleware_StopsAtMaxDepth()
    {
        var bus = new EventBus(new EventBusOptions { MaxNestingDepth = 4 });
        var failures = new FailureLog(bus);
        var calls = 0;
        bus.Use(message => message);
        bus.AddConsumer(Consumers.Sync("echo", context =>
        {
            calls++;
            context.Bus.Emit("echo", 1);
        }));

        bus.Emit("echo", 0);

        Assert.Equal(4, calls);
        Assert.Single(failures.Failures);
    }

    [Fact]
    public async Task EmitAsync_NestedEmitAsync_CompletesInOrder()
    {
        var bus = new EventBus();
        var order = new List<string>();
        bus.AddConsumer(Consumers.Async("outer", async context =>
        {
            order.Add("outer start");
            await context.Bus.EmitAsync("inner", 1, context.CancellationToken);
            order.Add("outer end");
        }));
        bus.AddConsumer(Consumers.Async("inner", async _ =>
        {
            await Task.Yield();
            order.Add("inner");
        }));

        await bus.EmitAsync("outer", 1).AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(["outer start", "inner", "outer end"], order);
    }

    [Fact]
    public void Emit_SubscribeDuringDelivery_NoDeadlock()
    {
        var bus = new EventBus();
        var log = new List<string>();
        IDisposable? self = null;
        self = bus.AddConsumer(Consumers.Sync("work", context =>
        {
            log.Add("once");
            self!.Dispose();
            context.Bus.AddConsumer(Consumers.Sync("work", _ => log.Add("added during delivery")));
            context.Bus.Use(message => message).Dispose();
            context.Bus.Emit("work", 2);
        }));

        bus.Emit("work", 1);

        Assert.Equal(["once", "added during delivery"], log);
    }
}
