using System.Collections.Concurrent;
using System.Text.Json;
using EventBridge.Serialization;
using EventBridge.Tests.Bridge;
using EventBridge.Tests.Bus;

namespace EventBridge.Tests.EndToEnd;

public sealed record Greeting(string Name, string? Note);

public readonly record struct Gauge(string Sensor, double Value);

public sealed partial class ShapeDesk
{
    public ConcurrentQueue<string> Log { get; } = new();

    [Consumer("greet")]
    public void OnGreet(Greeting greeting) => Log.Enqueue("greet:" + greeting.Name);

    [Consumer("maybe_greet")]
    public void OnMaybeGreet(Greeting? greeting) => Log.Enqueue("maybe:" + (greeting?.Name ?? "null"));

    [Consumer("tick")]
    public void OnTick(long value) => Log.Enqueue("tick:" + value);

    [Consumer("names")]
    public void OnNames(List<string> names) => Log.Enqueue("names:" + string.Join(",", names));

    [Consumer("scores")]
    public void OnScores(Dictionary<string, int> scores) =>
        Log.Enqueue("scores:" + string.Join(",", scores.OrderBy(s => s.Key).Select(s => s.Key + "=" + s.Value)));

    [Consumer("context")]
    public void OnContext(long value, EventContext? context, CancellationToken? token) =>
        Log.Enqueue("context:" + value + ":" + context?.Signal + ":" + token.HasValue);

    [Consumer("gauge")]
    public void OnGauge(Gauge? gauge) => Log.Enqueue("gauge:" + (gauge is { } g ? g.Sensor + "=" + g.Value : "null"));
}

/// <summary>
/// How each payload shape crosses the bus and the bridge: objects as <c>kwargs</c>, anything else as the only
/// element of <c>args</c>, and what a consumer gets when the payload is <see langword="null"/>.
/// </summary>
public sealed class PayloadShapeTests
{
    [Fact]
    public void NullPayload_NonNullableParameter_Reported()
    {
        var bus = new EventBus();
        var failures = new FailureLog(bus);
        var desk = new ShapeDesk();
        using var subscription = bus.Subscribe(desk);

        bus.Emit<Greeting>("greet", null!);
        bus.Emit("greet", new Greeting("Ann", null));

        Assert.Equal(["greet:Ann"], desk.Log);
        var error = Assert.IsType<PayloadException>(Assert.Single(failures.Failures).Exception);
        Assert.Contains("'greet'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'greeting'", error.Message, StringComparison.Ordinal);
        Assert.Contains("does not accept null", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NullPayload_NullableParameter_Delivered()
    {
        var bus = new EventBus();
        var failures = new FailureLog(bus);
        var desk = new ShapeDesk();
        using var subscription = bus.Subscribe(desk);

        bus.Emit<Greeting?>("maybe_greet", null);
        bus.Emit<Gauge?>("gauge", null);

        Assert.Equal(["maybe:null", "gauge:null"], desk.Log);
        Assert.Empty(failures.Failures);
    }

    [Fact]
    public void RemoteNullKwargs_NamesMissingMember()
    {
        var bus = new EventBus();
        var failures = new FailureLog(bus);
        var desk = new ShapeDesk();
        using var subscription = bus.Subscribe(desk);

        // A frame's "kwargs": null reaches the bus as absent kwargs.
        bus.Emit(EventMessage.FromJson("greet", null, default, null, true, default, default));

        Assert.Empty(desk.Log);
        var error = Assert.IsType<PayloadException>(Assert.Single(failures.Failures).Exception);
        Assert.Equal("name", error.MemberPath);
        Assert.Contains("'greet'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RemoteNullArg_NonNullable_Reported()
    {
        var bus = new EventBus();
        var failures = new FailureLog(bus);
        var desk = new ShapeDesk();
        using var subscription = bus.Subscribe(desk);

        bus.Emit(Remote("greet", args: "[null]"));
        bus.Emit(Remote("maybe_greet", args: "[null]"));

        Assert.Equal(["maybe:null"], desk.Log);
        var error = Assert.IsType<PayloadException>(Assert.Single(failures.Failures).Exception);
        Assert.Contains("'greeting'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PositionalObject_BindsAsPayload()
    {
        var bus = new EventBus();
        var desk = new ShapeDesk();
        using var subscription = bus.Subscribe(desk);

        bus.Emit(Remote("greet", args: """[{"name":"Positional"}]"""));
        bus.Emit(Remote("greet", args: """[{"name":"Ignored"}]""", kwargs: """{"name":"Named"}"""));

        Assert.Equal(["greet:Positional", "greet:Named"], desk.Log);
    }

    [Fact]
    public void ScalarPayload_OtherNumericType_Binds()
    {
        var bus = new EventBus();
        var failures = new FailureLog(bus);
        var desk = new ShapeDesk();
        using var subscription = bus.Subscribe(desk);

        bus.Emit("tick", 5);
        bus.Emit("tick", 6L);
        bus.Emit("tick", "seven");

        Assert.Equal(["tick:5", "tick:6"], desk.Log);
        var error = Assert.IsType<PayloadException>(Assert.Single(failures.Failures).Exception);
        Assert.Contains("'value'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'tick'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NullableContext_GetsContext()
    {
        var bus = new EventBus();
        var desk = new ShapeDesk();
        using var subscription = bus.Subscribe(desk);

        bus.Emit("context", 3L);

        Assert.Equal(["context:3:context:True"], desk.Log);
    }

    [Fact]
    public void ScalarPayload_IsOnlyArg()
    {
        var scalar = EventMessage.Create("tick", 5L);
        var list = EventMessage.Create("names", new List<string> { "a", "b" });
        var record = EventMessage.Create("greet", new Greeting("Ann", null));

        Assert.Equal(("[5]", "{}"), Frame(scalar));
        Assert.Equal(("""[["a","b"]]""", "{}"), Frame(list));
        Assert.Equal(("[]", """{"name":"Ann","note":null}"""), Frame(record));
        Assert.Equal("[5]", System.Text.Encoding.UTF8.GetString(scalar.GetArgsJson().Span));
        Assert.True(scalar.GetKwargsJson().IsEmpty);
    }

    [Fact]
    public async Task EveryShape_CrossesTheBridge()
    {
        await using var server = await Bridge.Bridge.StartServerAsync();
        var senderBus = new EventBus();
        var receiverBus = new EventBus();
        var failures = new FailureLog(receiverBus);
        var desk = new ShapeDesk();
        using var subscription = receiverBus.Subscribe(desk);
        await using var sender = await Bridge.Bridge.ConnectAsync(server, "sender", bus: senderBus);
        await using var receiver = await Bridge.Bridge.ConnectAsync(server, "receiver", bus: receiverBus);
        await using var raw = await RawClient.ConnectAsync(server.Port, hello: "raw");
        await Bridge.Bridge.WaitForClientsAsync(server, 3);

        senderBus.Emit("tick", 5L);
        senderBus.Emit("names", new List<string> { "a", "b" });
        senderBus.Emit("scores", new Dictionary<string, int> { ["x"] = 1, ["y"] = 2 });
        senderBus.Emit("greet", new Greeting("Zoë", "hi"));
        senderBus.Emit<Gauge?>("gauge", new Gauge("t1", 21.5));
        senderBus.Emit<Greeting?>("maybe_greet", null);

        await Bridge.Bridge.WaitUntilAsync(() => desk.Log.Count + failures.Failures.Count >= 6, "six events arrived");
        Assert.Empty(failures.Failures);

        // Each signal has a consumer of its own, and the consumers of received events run from separate queues, so
        // they may log in any order.
        Assert.Equal(
            ["gauge:t1=21.5", "greet:Zoë", "maybe:null", "names:a,b", "scores:x=1,y=2", "tick:5"],
            desk.Log.Order(StringComparer.Ordinal));

        // On the wire a kwargs member is always an object, as clients in other languages expect.
        var tick = await raw.ReadFrameAsync(f => f.TryGetProperty("signal", out var s) && s.GetString() == "tick");
        Assert.Equal(JsonValueKind.Object, tick.GetProperty("kwargs").ValueKind);
        Assert.Equal(5, tick.GetProperty("args")[0].GetInt64());
        var names = await raw.ReadFrameAsync(f => f.TryGetProperty("signal", out var s) && s.GetString() == "names");
        Assert.Equal(["a", "b"], names.GetProperty("args")[0].EnumerateArray().Select(e => e.GetString()));
        var greet = await raw.ReadFrameAsync(f => f.TryGetProperty("signal", out var s) && s.GetString() == "greet");
        Assert.Equal("Zoë", greet.GetProperty("kwargs").GetProperty("name").GetString());
        Assert.Equal(0, greet.GetProperty("args").GetArrayLength());
    }

    [Fact]
    public async Task LoneSurrogateEscape_ReportedAsPayloadError()
    {
        // The escape is valid JSON, so the server relays it, but it stands for half a UTF-16 surrogate pair, which the
        // receiver cannot read into a string.
        await using var server = await Bridge.Bridge.StartServerAsync();
        var receiverBus = new EventBus();
        var failures = new FailureLog(receiverBus);
        var desk = new ShapeDesk();
        using var subscription = receiverBus.Subscribe(desk);
        await using var receiver = await Bridge.Bridge.ConnectAsync(server, "receiver", bus: receiverBus);
        await using var raw = await RawClient.ConnectAsync(server.Port, hello: "raw");
        await Bridge.Bridge.WaitForClientsAsync(server, 2);

        await raw.SendAsync("""{"signal":"greet","args":[],"kwargs":{"name":"half \ud800","note":null},"id":"a1"}""" + "\n");
        await raw.SendAsync("""{"signal":"greet","args":[],"kwargs":{"name":"whole","note":null},"id":"a2"}""" + "\n");

        var failure = Assert.Single(await failures.WaitForAsync(1));
        Assert.IsType<PayloadException>(failure.Exception);
        await Bridge.Bridge.WaitUntilAsync(() => !desk.Log.IsEmpty, "the next event arrived");
        Assert.Equal(["greet:whole"], desk.Log);
    }

    private static EventMessage Remote(string signal, string? args = null, string? kwargs = null) =>
        EventMessage.FromJson(
            signal,
            null,
            default,
            null,
            true,
            args is null ? default : System.Text.Encoding.UTF8.GetBytes(args),
            kwargs is null ? default : System.Text.Encoding.UTF8.GetBytes(kwargs));

    private static (string Args, string Kwargs) Frame(EventMessage message) => (Write(message.WriteArgs), Write(message.WriteKwargs));

    private static string Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
