namespace EventBridge.Tests.Bus;

public class ReservedSignalTests
{
    private const string Reserved = SignalNames.ReservedPrefix + "something";

    [Fact]
    public void ReservedPrefix_IsEventBridgeDot()
    {
        Assert.Equal("eventbridge.", SignalNames.ReservedPrefix);
        Assert.StartsWith(SignalNames.ReservedPrefix, EventBridgeSignals.ClientConnected, StringComparison.Ordinal);
    }

    [Fact]
    public void Emit_ReservedSignal_ThrowsArgumentException()
    {
        var bus = new EventBus();

        var exception = Assert.Throws<ArgumentException>(() => bus.Emit(Reserved, 1));

        Assert.Equal("signal", exception.ParamName);
        Assert.Contains("reserved", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("EventBridge.client_connected")]
    [InlineData("EVENTBRIDGE.anything")]
    public void Emit_ReservedInOtherCase_Throws(string signal)
    {
        var bus = new EventBus();

        var exception = Assert.Throws<ArgumentException>(() => bus.Emit(signal, 1));

        Assert.Contains("reserved", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Emit_ReservedWithConsumer_Throws()
    {
        var bus = new EventBus();
        var calls = 0;
        bus.AddConsumer(Consumers.Sync(Reserved, _ => calls++));

        Assert.Throws<ArgumentException>(() => bus.Emit(Reserved, 1));
        Assert.Throws<ArgumentException>(() => bus.Emit(Reserved));
        Assert.Throws<ArgumentException>(() => bus.Emit(Reserved, "room", 1));
        Assert.Throws<ArgumentException>(() => bus.EmitAsync(Reserved, 1));
        Assert.Throws<ArgumentException>(() => bus.Emit(EventMessage.Create(Reserved, 1)));
        Assert.Throws<ArgumentException>(() => bus.EmitAsync(EventMessage.Create(Reserved, 1)));
        bus.Watch(_ => { });
        Assert.Throws<ArgumentException>(() => bus.Emit(Reserved, 1));

        Assert.Equal(0, calls);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("tab\there")]
    public void Emit_InvalidSignal_ThrowsArgumentException(string signal)
    {
        var bus = new EventBus();

        Assert.Throws<ArgumentException>(() => bus.Emit(signal, 1));
        Assert.Throws<ArgumentException>(() => bus.EmitAsync(signal, 1));
    }

    [Fact]
    public void Emit_NullSignal_ThrowsArgumentNullException()
    {
        var bus = new EventBus();

        Assert.Throws<ArgumentNullException>(() => bus.Emit<int>(null!, 1));
    }

    [Fact]
    public void Emit_TooLongSignal_ThrowsArgumentException()
    {
        var bus = new EventBus();

        Assert.Throws<ArgumentException>(() => bus.Emit(new string('a', SignalNames.MaxLength + 1), 1));
    }

    [Fact]
    public void EmitInternal_ReservedSignal_Delivered()
    {
        var bus = new EventBus();
        var origin = new EventOrigin("client", "127.0.0.1:1234");
        EventOrigin? consumed = null;
        var watched = new List<string>();
        bus.AddConsumer(Consumers.Sync(EventBridgeSignals.ClientConnected, context =>
            consumed = context.Message.TryGetPayload(out EventOrigin? payload) ? payload : null));
        bus.Watch(message => watched.Add(message.Signal));

        bus.EmitInternal(EventMessage.Create(EventBridgeSignals.ClientConnected, origin));

        Assert.Same(origin, consumed);
        Assert.Equal([EventBridgeSignals.ClientConnected], watched);
    }

    [Fact]
    public void Descriptor_InvalidSignal_Throws()
    {
        Assert.Throws<ArgumentException>(() => Consumers.Sync("bad signal", _ => { }));
        Assert.Throws<ArgumentException>(() => Consumers.Sync("", _ => { }));
    }
}
