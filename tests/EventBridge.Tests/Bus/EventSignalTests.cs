using EventBridge.Serialization;
using EventBridge.Tests.Bridge;

namespace EventBridge.Tests.Bus;

/// <summary>
/// <see cref="EventSignal{TPayload}"/> keeps the consumers it found, so these tests change the bus after a handle has
/// emitted and check that the next emit delivers what <see cref="EventBus.Emit{TPayload}(string, TPayload)"/> would.
/// </summary>
public class EventSignalTests
{
    [Fact]
    public void Signal_ConsumerAddedLater_Receives()
    {
        var bus = new EventBus();
        var people = bus.CreateSignal<Person>("person");
        var received = new List<Person>();

        people.Emit(new Person("Before", 1));
        bus.AddConsumer(Consumers.OfPerson("person", received.Add));
        people.Emit(new Person("After", 2));

        Assert.Equal([new Person("After", 2)], received);
    }

    [Fact]
    public void Signal_ConsumerRemoved_NotCalled()
    {
        var bus = new EventBus();
        var people = bus.CreateSignal<Person>("person");
        var remaining = new List<Person>();
        var removed = new List<Person>();
        var subscription = bus.AddConsumer(Consumers.OfPerson("person", removed.Add));
        bus.AddConsumer(Consumers.OfPerson("person", remaining.Add));

        people.Emit(new Person("First", 1));
        subscription.Dispose();
        people.Emit(new Person("Second", 2));

        Assert.Equal([new Person("First", 1)], removed);
        Assert.Equal([new Person("First", 1), new Person("Second", 2)], remaining);
    }

    [Fact]
    public void Signal_LastConsumerRemoved_DeliversNothing()
    {
        var bus = new EventBus();
        var numbers = bus.CreateSignal<int>("number");
        var calls = 0;
        var subscription = bus.AddConsumer(Consumers.Sync("number", _ => calls++));

        numbers.Emit(1);
        subscription.Dispose();
        numbers.Emit(2);

        Assert.Equal(1, calls);
        Assert.Equal(0, bus.CountConsumers("number"));
    }

    [Fact]
    public void Signal_OtherSignalChanges_StillDelivers()
    {
        var bus = new EventBus();
        var numbers = bus.CreateSignal<int>("number");
        var seen = new List<int>();
        bus.AddConsumer(Consumers.Sync("number", context => seen.Add(context.Message.GetPayload(JsonValueSerializers.Int32))));

        numbers.Emit(1);
        bus.AddConsumer(Consumers.Sync("other", _ => { })).Dispose();
        numbers.Emit(2);

        Assert.Equal([1, 2], seen);
    }

    [Fact]
    public void Signal_WatcherAddedLater_SeesEvents()
    {
        var bus = new EventBus();
        var numbers = bus.CreateSignal<int>("number");
        var consumed = 0;
        var watched = new List<string>();
        bus.AddConsumer(Consumers.Sync("number", _ => consumed++));

        numbers.Emit(1);
        var watcher = bus.Watch(message => watched.Add(message.ToString() + "=" + message.GetArgsJson().Length));
        numbers.Emit(2);
        watcher.Dispose();
        numbers.Emit(3);

        Assert.Equal(["number=3"], watched);
        Assert.Equal(3, consumed);
    }

    [Fact]
    public void Signal_WatcherWithoutConsumers_SeesEvents()
    {
        var bus = new EventBus();
        var numbers = bus.CreateSignal<int>("number");
        var watched = new List<int>();

        numbers.Emit(1);
        bus.Watch(message => watched.Add(message.GetPayload(JsonValueSerializers.Int32)));
        numbers.Emit(2);

        Assert.Equal([2], watched);
    }

    [Fact]
    public void Signal_MiddlewareAddedLater_CanDropAndReplace()
    {
        var bus = new EventBus();
        var numbers = bus.CreateSignal<int>("number");
        var seen = new List<string>();
        bus.AddConsumer(Consumers.Sync("number", context => seen.Add("number " + context.Message.GetPayload(JsonValueSerializers.Int32))));
        bus.AddConsumer(Consumers.Sync("renamed", context => seen.Add("renamed " + context.Message.GetPayload(JsonValueSerializers.Int32))));

        numbers.Emit(1);
        var middleware = bus.Use(message =>
            message.GetPayload(JsonValueSerializers.Int32) switch
            {
                2 => null,
                3 => EventMessage.Create("renamed", 3),
                _ => message,
            });
        numbers.Emit(2);
        numbers.Emit(3);
        numbers.Emit(4);
        middleware.Dispose();
        numbers.Emit(2);

        Assert.Equal(["number 1", "renamed 3", "number 4", "number 2"], seen);
    }

    [Fact]
    public void Signal_MiddlewareThrows_DropsAndReports()
    {
        var bus = new EventBus();
        var failures = new FailureLog(bus);
        var numbers = bus.CreateSignal<int>("number");
        var calls = 0;
        bus.AddConsumer(Consumers.Sync("number", _ => calls++));
        numbers.Emit(1);

        bus.Use(_ => throw new InvalidOperationException("filter bug"));
        numbers.Emit(2);

        Assert.Equal(1, calls);
        var failure = Assert.Single(failures.Failures);
        Assert.Equal("middleware #1", failure.ConsumerName);
        Assert.IsType<InvalidOperationException>(failure.Exception);
    }

    [Fact]
    public void Signal_InNamespace_OnlyItsConsumersRun()
    {
        var bus = new EventBus();
        var seen = new List<string>();
        bus.AddConsumer(Consumers.Sync("chat", _ => seen.Add("default")));
        bus.AddConsumer(Consumers.Sync("chat", "room", _ => seen.Add("room")));
        bus.AddConsumer(Consumers.Sync("chat", "hall", _ => seen.Add("hall")));
        var inRoom = bus.CreateSignal<string>("chat", "room");
        var inDefault = bus.CreateSignal<string>("chat");
        var inEmpty = bus.CreateSignal<string>("chat", "");

        inRoom.Emit("hi");
        inDefault.Emit("hi");
        inEmpty.Emit("hi");

        Assert.Equal(["room", "default", "default"], seen);
        Assert.Equal("room", inRoom.Namespace);
        Assert.Null(inEmpty.Namespace);
        Assert.Equal("room/chat", inRoom.ToString());
    }

    [Fact]
    public void Signal_NamespaceConsumerAddedLater_Receives()
    {
        var bus = new EventBus();
        var inRoom = bus.CreateSignal<string>("chat", "room");
        var seen = new List<string>();
        bus.AddConsumer(Consumers.Sync("chat", _ => seen.Add("default")));

        inRoom.Emit("first");
        bus.AddConsumer(Consumers.Sync("chat", "room", context => seen.Add(context.Namespace + " " + context.Signal)));
        inRoom.Emit("second");

        Assert.Equal(["room chat"], seen);
    }

    [Fact]
    public void Signal_ReservedName_ThrowsLikeEmit()
    {
        var bus = new EventBus();
        var signal = EventBridgeSignals.ClientConnected;

        var fromEmit = Assert.Throws<ArgumentException>(() => bus.Emit(signal, 1));
        var fromCreate = Assert.Throws<ArgumentException>(() => bus.CreateSignal<int>(signal));

        Assert.Equal(fromEmit.Message, fromCreate.Message);
        Assert.Equal("signal", fromCreate.ParamName);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("line\nbreak")]
    public void Signal_InvalidName_ThrowsLikeEmit(string signal)
    {
        var bus = new EventBus();

        var fromEmit = Assert.Throws<ArgumentException>(() => bus.Emit(signal, 1));
        var fromCreate = Assert.Throws<ArgumentException>(() => bus.CreateSignal<int>(signal));

        Assert.Equal(fromEmit.Message, fromCreate.Message);
    }

    [Fact]
    public void Signal_NullName_ThrowsArgumentNullException()
    {
        var bus = new EventBus();

        var error = Assert.Throws<ArgumentNullException>(() => bus.CreateSignal<int>(null!));

        Assert.Equal("signal", error.ParamName);
    }

    [Fact]
    public void Signal_PayloadTypeMismatch_ReportedLikeEmit()
    {
        var bus = new EventBus();
        var failures = new FailureLog(bus);
        var people = new List<Person>();
        var others = 0;
        bus.AddConsumer(Consumers.OfPerson("person", people.Add, name: "Audit.OnPerson"));
        bus.AddConsumer(Consumers.Sync("person", _ => others++));
        var wrong = bus.CreateSignal<string>("person");

        bus.Emit("person", "not a person");
        wrong.Emit("not a person");

        Assert.Empty(people);
        Assert.Equal(2, others);
        Assert.Equal(2, failures.Failures.Count);
        var fromEmit = failures.Failures[0];
        var fromSignal = failures.Failures[1];
        Assert.Equal("Audit.OnPerson", fromSignal.ConsumerName);
        Assert.Equal(fromEmit.Exception.GetType(), fromSignal.Exception.GetType());
        Assert.Equal(fromEmit.Exception.Message, fromSignal.Exception.Message);
    }

    [Fact]
    public void Signal_ConsumerThrows_OthersStillRun()
    {
        var bus = new EventBus();
        var failures = new FailureLog(bus);
        var numbers = bus.CreateSignal<int>("number");
        var after = 0;
        bus.AddConsumer(Consumers.Sync("number", _ => throw new InvalidOperationException("consumer bug"), "Broken"));
        bus.AddConsumer(Consumers.Sync("number", _ => after++));

        numbers.Emit(1);
        numbers.Emit(2);

        Assert.Equal(2, after);
        Assert.Equal(2, failures.Failures.Count);
        Assert.All(failures.Failures, failure => Assert.Equal("Broken", failure.ConsumerName));
    }

    [Fact]
    public void Signal_Recursion_StopsAtMaxDepth()
    {
        var bus = new EventBus(new EventBusOptions { MaxNestingDepth = 4 });
        var failures = new FailureLog(bus);
        var echo = bus.CreateSignal<int>("echo");
        var calls = 0;
        bus.AddConsumer(Consumers.Sync("echo", _ => echo.Emit(++calls)));

        echo.Emit(0);

        Assert.Equal(4, calls);
        var failure = Assert.Single(failures.Failures);
        Assert.Contains("maximum depth of 4", failure.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignalAsync_AwaitsConsumersInOrder()
    {
        var bus = new EventBus();
        var numbers = bus.CreateSignal<int>("number");
        var order = new List<string>();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bus.AddConsumer(Consumers.Async("number", async _ =>
        {
            await gate.Task;
            order.Add("slow");
        }));
        bus.AddConsumer(Consumers.Sync("number", _ => order.Add("fast")));

        var pending = numbers.EmitAsync(1);
        Assert.False(pending.IsCompleted);
        gate.SetResult();
        await pending.AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(["slow", "fast"], order);
    }

    [Fact]
    public async Task SignalAsync_Canceled_SkipsConsumers()
    {
        var bus = new EventBus();
        var numbers = bus.CreateSignal<int>("number");
        var calls = 0;
        bus.AddConsumer(Consumers.Sync("number", _ => calls++));
        using var canceled = new CancellationTokenSource();
        canceled.Cancel();

        var direct = numbers.EmitAsync(1, canceled.Token);
        bus.Watch(_ => { });
        var throughPipeline = numbers.EmitAsync(2, canceled.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => direct.AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => throughPipeline.AsTask());
        Assert.Equal(0, calls);
    }

    [Fact]
    public async Task SignalAsync_WatcherAddedLater_SeesEvents()
    {
        var bus = new EventBus();
        var numbers = bus.CreateSignal<int>("number");
        var watched = 0;
        var consumed = 0;
        bus.AddConsumer(Consumers.Sync("number", _ => consumed++));

        await numbers.EmitAsync(1);
        bus.Watch(_ => watched++);
        await numbers.EmitAsync(2);

        Assert.Equal(1, watched);
        Assert.Equal(2, consumed);
    }

    [Fact]
    public void Signal_NoPipeline_AllocatesNothing()
    {
        var bus = new EventBus();
        var people = bus.CreateSignal<Person>("person");
        var total = 0L;
        bus.AddConsumer(Consumers.OfPerson("person", person => total += person.Age));
        var payload = new Person("Ann", 3);

        // The first emits create the thread's spare message and compile the path.
        for (var i = 0; i < 100; i++)
        {
            people.Emit(payload);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++)
        {
            people.Emit(payload);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(3 * 1_100, total);
    }

    [Fact]
    public async Task Signal_ManyThreadsWhileBusChanges_LosesNothing()
    {
        const int emitters = 4;
        const int emitsPerEmitter = 20_000;
        var bus = new EventBus();
        var failures = new FailureLog(bus);
        var numbers = bus.CreateSignal<int>("number");
        var inRoom = bus.CreateSignal<int>("number", "room");
        var stable = 0L;
        var stableInRoom = 0L;
        bus.AddConsumer(Consumers.Sync("number", _ => Interlocked.Increment(ref stable)));
        bus.AddConsumer(Consumers.Sync("number", "room", _ => Interlocked.Increment(ref stableInRoom)));
        var churned = new long[8];
        using var stop = new CancellationTokenSource();
        using var start = new Barrier(emitters + 1);

        var emitterTasks = Enumerable.Range(0, emitters).Select(index => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait();
                for (var i = 0; i < emitsPerEmitter; i++)
                {
                    numbers.Emit(i);
                    if (index % 2 == 0)
                    {
                        inRoom.Emit(i);
                    }
                    else
                    {
                        inRoom.EmitAsync(i).AsTask().GetAwaiter().GetResult();
                    }
                }
            },
            TaskCreationOptions.LongRunning)).ToArray();

        var churner = Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait();
                var round = 0;
                while (!stop.IsCancellationRequested)
                {
                    var slot = round++ % churned.Length;
                    var @namespace = slot % 2 == 0 ? null : "room";
                    using (bus.AddConsumer(Consumers.Sync("number", @namespace, _ => Interlocked.Increment(ref churned[slot]))))
                    {
                        if (round % 5 == 0)
                        {
                            bus.Watch(_ => { }).Dispose();
                        }

                        if (round % 7 == 0)
                        {
                            bus.Use(message => message).Dispose();
                        }
                    }
                }
            },
            TaskCreationOptions.LongRunning);

        await Task.WhenAll(emitterTasks).WaitAsync(TimeSpan.FromMinutes(2));
        await stop.CancelAsync();
        await churner.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Empty(failures.Failures);
        Assert.Equal(emitters * emitsPerEmitter, Interlocked.Read(ref stable));
        Assert.Equal(emitters * emitsPerEmitter, Interlocked.Read(ref stableInRoom));
        Assert.Equal(1, bus.CountConsumers("number"));
        Assert.Equal(1, bus.CountConsumers("number", "room"));

        // Every churned consumer is gone, so later emits reach only the stable ones.
        var churnedTotal = churned.Sum(count => Interlocked.Read(ref count));
        numbers.Emit(-1);
        inRoom.Emit(-1);
        Assert.Equal(churnedTotal, churned.Sum(count => Interlocked.Read(ref count)));
        Assert.Equal(emitters * emitsPerEmitter + 1, Interlocked.Read(ref stable));
        Assert.Equal(emitters * emitsPerEmitter + 1, Interlocked.Read(ref stableInRoom));
    }

    [Fact]
    public async Task Signal_ClientConnectedLater_ForwardsEvents()
    {
        await using var server = await Bridge.Bridge.StartServerAsync();
        var aliceBus = new EventBus();
        var lines = aliceBus.CreateSignal<ChatLine>("chat");
        var localLines = new List<string>();
        aliceBus.AddConsumer(Consumers.Sync("chat", context =>
            localLines.Add(context.Message.GetPayload(TestPayloads.ChatLine).Text)));
        lines.Emit(new ChatLine("alice", "before the client"));

        await using var alice = await Bridge.Bridge.ConnectAsync(server, "alice", bus: aliceBus);
        await using var bob = await Bridge.Bridge.ConnectAsync(server, "bob");
        using var received = new EventRecorder(bob.Bus, "chat");
        await Bridge.Bridge.WaitForClientsAsync(server, 2);

        lines.Emit(new ChatLine("alice", "through the bridge"));

        var events = await received.WaitForCountAsync(1);
        var line = Assert.Single(events).GetPayload(TestPayloads.ChatLine);
        Assert.Equal("through the bridge", line.Text);
        Assert.Equal(["before the client", "through the bridge"], localLines);
    }
    [Fact]
    public void Direct_AllHavePayloadHandlers_CallsThem()
    {
        var bus = new EventBus();
        var calls = new List<string>();
        bus.AddConsumer(Direct("person", "first", calls));
        bus.AddConsumer(Direct("person", "second", calls));
        var people = bus.CreateSignal<Person>("person");

        people.Emit(new Person("Ann", 1));
        bus.Emit("person", new Person("Bob", 2));

        Assert.Equal(["first payload Ann", "second payload Ann", "first context", "second context"], calls);
    }

    [Fact]
    public void Direct_OneWithoutPayloadHandler_AllUseContext()
    {
        var bus = new EventBus();
        var calls = new List<string>();
        bus.AddConsumer(Direct("person", "first", calls));
        bus.AddConsumer(Consumers.Sync("person", _ => calls.Add("plain context")));
        bus.AddConsumer(Direct("person", "third", calls));
        var people = bus.CreateSignal<Person>("person");

        people.Emit(new Person("Ann", 1));

        Assert.Equal(["first context", "plain context", "third context"], calls);
    }

    [Fact]
    public void Direct_BaseTypeHandler_ReceivesPayload()
    {
        var bus = new EventBus();
        var calls = new List<string>();
        bus.AddConsumer(ConsumerDescriptor.Create<object>(
            "person",
            null,
            "object consumer",
            _ =>
            {
                calls.Add("context");
                return default;
            },
            payload => calls.Add("payload " + payload)));
        var people = bus.CreateSignal<Person>("person");
        var numbers = bus.CreateSignal<int>("person");

        people.Emit(new Person("Ann", 1));
        numbers.Emit(5);

        Assert.Equal(["payload Person { Name = Ann, Age = 1 }", "context"], calls);
    }

    [Fact]
    public void Direct_NullPayload_UsesContextHandler()
    {
        var bus = new EventBus();
        var calls = new List<string>();
        bus.AddConsumer(Direct("person", "only", calls));
        var people = bus.CreateSignal<Person?>("person");

        people.Emit(null);

        Assert.Equal(["only context"], calls);
    }

    [Fact]
    public void Direct_HandlerThrows_ReportsAndContinues()
    {
        var bus = new EventBus();
        var failures = new FailureLog(bus);
        var calls = new List<string>();
        bus.AddConsumer(ConsumerDescriptor.Create<Person>(
            "person",
            "room",
            "Broken",
            _ => default,
            _ => throw new InvalidOperationException("consumer bug")));
        bus.AddConsumer(Direct("person", "after", calls, "room"));
        var people = bus.CreateSignal<Person>("person", "room");

        people.Emit(new Person("Ann", 1));

        Assert.Equal(["after payload Ann"], calls);
        var failure = Assert.Single(failures.Failures);
        Assert.Equal("Broken", failure.ConsumerName);
        Assert.IsType<InvalidOperationException>(failure.Exception);
        Assert.Equal("room/person", failure.Message.ToString());
        Assert.True(failure.Message.TryGetPayload(out Person reported));
        Assert.Equal("Ann", reported.Name);
    }

    [Fact]
    public void Direct_WatcherAdded_UsesContextHandlers()
    {
        var bus = new EventBus();
        var calls = new List<string>();
        bus.AddConsumer(Direct("person", "only", calls));
        var people = bus.CreateSignal<Person>("person");

        people.Emit(new Person("Ann", 1));
        using (bus.Watch(_ => calls.Add("watcher")))
        {
            people.Emit(new Person("Bob", 2));
        }

        people.Emit(new Person("Cid", 3));

        Assert.Equal(["only payload Ann", "watcher", "only context", "only payload Cid"], calls);
    }

    [Fact]
    public void Direct_ConsumerRemovedMidEmit_Skipped()
    {
        var bus = new EventBus();
        var calls = new List<string>();
        IDisposable? second = null;
        bus.AddConsumer(ConsumerDescriptor.Create<Person>(
            "person",
            null,
            "remover",
            _ => default,
            _ =>
            {
                calls.Add("remover");
                second?.Dispose();
            }));
        second = bus.AddConsumer(Direct("person", "second", calls));
        var people = bus.CreateSignal<Person>("person");

        people.Emit(new Person("Ann", 1));

        Assert.Equal(["remover"], calls);
    }

    [Fact]
    public void Direct_Recursion_StopsAtMaxDepth()
    {
        var bus = new EventBus(new EventBusOptions { MaxNestingDepth = 3 });
        var failures = new FailureLog(bus);
        var echo = bus.CreateSignal<Person>("echo");
        var calls = 0;
        bus.AddConsumer(ConsumerDescriptor.Create<Person>(
            "echo",
            null,
            "echo",
            _ => default,
            person =>
            {
                calls++;
                echo.Emit(person);
            }));

        echo.Emit(new Person("Ann", 1));

        Assert.Equal(3, calls);
        var failure = Assert.Single(failures.Failures);
        Assert.Contains("maximum depth of 3", failure.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Direct_GeneratedConsumer_HasPayloadHandler()
    {
        var consumers = ((IConsumerHost)new ParcelBox()).GetConsumers();

        var payloadOnly = Assert.Single(consumers, consumer => consumer.Name.EndsWith(".OnParcel", StringComparison.Ordinal));
        var withContext = Assert.Single(consumers, consumer => consumer.Name.EndsWith(".OnParcelWithContext", StringComparison.Ordinal));
        Assert.IsType<Action<Parcel>>(payloadOnly.PayloadHandler);
        Assert.Null(withContext.PayloadHandler);
    }

    [Fact]
    public void Direct_GeneratedConsumers_AllocateNothing()
    {
        var bus = new EventBus();
        var box = new ParcelBox();
        using var subscription = bus.AddConsumers(((IConsumerHost)box).GetConsumers().Where(consumer => consumer.PayloadHandler is not null));
        var parcels = bus.CreateSignal<Parcel>("parcel");
        var parcel = new Parcel(4);

        for (var i = 0; i < 100; i++)
        {
            parcels.Emit(parcel);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++)
        {
            parcels.Emit(parcel);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(4 * 1_100, box.Weight);
        Assert.Equal(0, box.WithContext);
    }

    [Fact]
    public void Direct_GeneratedMixedConsumers_BothRun()
    {
        var bus = new EventBus();
        var box = new ParcelBox();
        using var subscription = bus.Subscribe(box);
        var parcels = bus.CreateSignal<Parcel>("parcel");

        parcels.Emit(new Parcel(4));
        parcels.Emit(new Parcel(5));

        Assert.Equal(9, box.Weight);
        Assert.Equal(2, box.WithContext);
    }

    /// <summary>A consumer whose two handlers record which of them ran.</summary>
    private static ConsumerDescriptor Direct(string signal, string name, List<string> calls, string? @namespace = null) =>
        ConsumerDescriptor.Create<Person>(
            signal,
            @namespace,
            name,
            _ =>
            {
                calls.Add(name + " context");
                return default;
            },
            payload => calls.Add(name + " payload " + payload.Name));
}

public sealed record Parcel(int Weight);

/// <summary>
/// Generated consumers: one that takes only the payload, which gets a payload handler, and one that also takes the
/// context, which does not.
/// </summary>
public sealed partial class ParcelBox
{
    public long Weight { get; private set; }

    public int WithContext { get; private set; }

    [Consumer("parcel")]
    public void OnParcel(Parcel parcel) => Weight += parcel.Weight;

    [Consumer("parcel")]
    public void OnParcelWithContext(Parcel parcel, EventContext context)
    {
        if (context.Signal == "parcel" && parcel.Weight > 0)
        {
            WithContext++;
        }
    }
}
