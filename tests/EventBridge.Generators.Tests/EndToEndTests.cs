using System.Text;
using EventBridge.Generators.Tests.Payloads;

namespace EventBridge.Generators.Tests;

/// <summary>Runs consumers that the generator wired in this test project on a real bus.</summary>
public class EndToEndTests
{
    private static EventMessage FromJson(string signal, string args, string kwargs) =>
        EventMessage.FromJson(signal, null, default, null, true, Encoding.UTF8.GetBytes(args), Encoding.UTF8.GetBytes(kwargs));

    [Fact]
    public async Task StaticConsumer_PayloadFromPythonKwargs_BindsRecord()
    {
        var bus = new EventBus();
        using var registration = bus.AddGeneratedConsumers();
        lock (RecordingConsumers.Received)
        {
            RecordingConsumers.Received.Clear();
        }

        await bus.EmitAsync(FromJson("e2e_user_action", "[]", """{"user":"Alice","action":"login"}"""));

        Assert.Contains(new UserAction("login", "Alice"), RecordingConsumers.Received);
    }

    [Fact]
    public async Task StaticConsumer_Arguments_BindByNameOrPosition()
    {
        var bus = new EventBus();
        using var registration = bus.AddGeneratedConsumers();

        await bus.EmitAsync(FromJson("e2e_login", """["Bob"]""", "{}"));
        await bus.EmitAsync(FromJson("e2e_login", "[]", """{"user":"Carol","attempts":3}"""));

        Assert.Contains(("Bob", 1), RecordingConsumers.Received);
        Assert.Contains(("Carol", 3), RecordingConsumers.Received);
    }

    [Fact]
    public async Task StaticConsumer_MissingArgument_ReportsSignalAndParameter()
    {
        var bus = new EventBus();
        using var registration = bus.AddGeneratedConsumers();
        Exception? failure = null;
        bus.ConsumerFailed += (_, args) => failure = args.Exception;

        await bus.EmitAsync(FromJson("e2e_login", "[]", """{"attempts":3}"""));

        var exception = Assert.IsType<PayloadException>(failure);
        Assert.Contains("e2e_login", exception.Message, StringComparison.Ordinal);
        Assert.Contains("'user'", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InstanceConsumer_Subscribe_ReceivesLocalAndRemotePayloads()
    {
        var bus = new EventBus();
        var watcher = new CustomerWatcher();
        using var subscription = bus.Subscribe(watcher);
        var local = new Customer("Ann", new Address("Main St", 12345), true, 0.5, 7);

        await bus.EmitAsync("e2e_customer", local);
        await bus.EmitAsync(FromJson(
            "e2e_customer",
            "[]",
            """{"name":"Ann","address":{"street":"Main St","zip":12345},"is_active":true,"score":0.5,"visits":7}"""));

        Assert.Equal([local, local], watcher.Seen);
    }

    [Fact]
    public void Serializer_Write_UsesSnakeCaseNames()
    {
        var message = EventMessage.Create("e2e_customer", new Customer("Ann", new Address("Main St", 1), false, 1.5, 2));

        var json = Encoding.UTF8.GetString(message.GetKwargsJson().Span);

        Assert.Equal("""{"name":"Ann","address":{"street":"Main St","zip":1},"is_active":false,"score":1.5,"visits":2}""", json);
    }

    [Fact]
    public void Serializer_WrongNestedType_ReportsPath()
    {
        var message = FromJson("e2e_customer", "[]", """{"name":"Ann","address":{"street":"Main St","zip":"x"}}""");

        var exception = Assert.Throws<PayloadException>(() => message.GetPayload(PayloadSerializers.Get<Customer>()));

        Assert.Equal("address.zip", exception.MemberPath);
    }

    [Fact]
    public async Task InstanceConsumer_GenericHost_ReceivesPayload()
    {
        var bus = new EventBus();
        var watcher = new GenericWatcher<string> { Tag = "first" };
        using var subscription = bus.Subscribe(watcher);

        await bus.EmitAsync(FromJson("e2e_generic", "[]", """{"action":"logout","user":null}"""));

        var (tag, action) = Assert.Single(watcher.Seen);
        Assert.Equal("first", tag);
        Assert.Equal(new UserAction("logout", null), action);
    }

    [Fact]
    public async Task InstanceConsumer_NestedPrivateMethod_BindsPositionalArgument()
    {
        var bus = new EventBus();
        var watcher = new Outer.NestedWatcher();
        using var subscription = bus.Subscribe(watcher);

        await bus.EmitAsync("e2e_nested", "inner", 5L);
        await bus.EmitAsync(EventMessage.FromJson("e2e_nested", "inner", default, null, true, "[7]"u8.ToArray(), ReadOnlyMemory<byte>.Empty));

        Assert.Equal(105, watcher.Count);
    }

    [Fact]
    public async Task InstanceConsumer_DisposedSubscription_StopsDelivery()
    {
        var bus = new EventBus();
        var watcher = new GenericWatcher<int>();
        var subscription = bus.Subscribe(watcher);

        subscription.Dispose();
        await bus.EmitAsync("e2e_generic", new UserAction("a", "b"));

        Assert.Empty(watcher.Seen);
    }
}
