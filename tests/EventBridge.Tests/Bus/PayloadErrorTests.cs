using System.Text;
using EventBridge.Serialization;

namespace EventBridge.Tests.Bus;

public class PayloadErrorTests
{
    [Fact]
    public void Emit_WrongMemberType_ReportsSignalAndMember()
    {
        var bus = new EventBus();
        var failures = new FailureLog(bus);
        var received = new List<Person>();
        bus.AddConsumer(Consumers.OfPerson("user_joined", received.Add, name: "Audit.OnUserJoined"));

        bus.Emit(Remote("user_joined", """{"name":"Ann","age":"forty"}"""));
        bus.Emit(Remote("user_joined", """{"name":"Bob","age":42}"""));

        Assert.Equal([new Person("Bob", 42)], received);
        var failure = Assert.Single(failures.Failures);
        Assert.Equal("Audit.OnUserJoined", failure.ConsumerName);
        var error = Assert.IsType<PayloadException>(failure.Exception);
        Assert.Equal("age", error.MemberPath);
        Assert.Contains("'user_joined'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'age'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Emit_MalformedJson_ReportsSignalAndMember()
    {
        var bus = new EventBus();
        var failures = new FailureLog(bus);
        var received = new List<Person>();
        bus.AddConsumer(Consumers.OfPerson("user_joined", received.Add));

        bus.Emit(Remote("user_joined", """{"name":"Ann","age":}"""));
        bus.Emit(Remote("user_joined", """{"name":"Bob","age":42}"""));

        Assert.Equal([new Person("Bob", 42)], received);
        var error = Assert.IsType<PayloadException>(Assert.Single(failures.Failures).Exception);
        Assert.Equal("age", error.MemberPath);
        Assert.Contains("'user_joined'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'age'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetPayload_WrongToken_NamesMember()
    {
        var message = Remote("reading", """{"reading":{"value":"high"}}""");

        var error = Assert.Throws<PayloadException>(() => message.GetPayload(ReadingSerializer.Instance));

        Assert.Equal("reading.value", error.MemberPath);
        Assert.Contains("'reading'", error.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(error.InnerException);
    }

    [Fact]
    public void GetPayload_NoKwargs_ReadsAnEmptyObject()
    {
        var message = EventMessage.FromJson("user_joined", null, default, null, true, default, default);

        var error = Assert.Throws<PayloadException>(() => message.GetPayload(PersonSerializer.Instance));

        Assert.Equal("name", error.MemberPath);
    }

    [Fact]
    public async Task EmitAsync_BadPayload_NextEventHandled()
    {
        var bus = new EventBus();
        var failures = new FailureLog(bus);
        var received = new List<Person>();
        bus.AddConsumer(Consumers.OfPerson("user_joined", received.Add));

        await bus.EmitAsync(Remote("user_joined", """{"name":7}"""));
        await bus.EmitAsync(Remote("user_joined", """{"name":"Cy","age":3}"""));

        Assert.Equal([new Person("Cy", 3)], received);
        Assert.Equal("name", Assert.IsType<PayloadException>(Assert.Single(failures.Failures).Exception).MemberPath);
    }

    [Fact]
    public void TryGetArgument_WrongType_NamesArgument()
    {
        var message = Remote("user_joined", """{"user":{"name":"Ann","age":true}}""");

        var error = Assert.Throws<PayloadException>(() =>
            message.TryGetArgument("user", 0, PersonSerializer.Instance, out _));

        Assert.Equal("user.age", error.MemberPath);
        Assert.Contains("'user_joined'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'user.age'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryGetArgument_KwargsOrArgs_FindsValue()
    {
        var kwargs = Remote("user_joined", """{"user":{"name":"Ann","age":41}}""");
        var args = EventMessage.FromJson(
            "user_joined", null, default, null, true, """[1,{"name":"Bob","age":2}]"""u8.ToArray(), default);

        Assert.True(kwargs.TryGetArgument("user", 5, PersonSerializer.Instance, out var fromKwargs));
        Assert.True(args.TryGetArgument("user", 1, PersonSerializer.Instance, out var fromArgs));
        Assert.False(args.TryGetArgument("user", 2, PersonSerializer.Instance, out _));
        Assert.Equal(new Person("Ann", 41), fromKwargs);
        Assert.Equal(new Person("Bob", 2), fromArgs);
    }

    [Theory]
    [InlineData("""{"a":1}""", "1", "a")]
    [InlineData("""{"a":{"b":[1,2,{"c":true}]}}""", "true", "a.b[2].c")]
    [InlineData("""{"a":{"b":[1,2,{"c":true}]}}""", "2", "a.b[1]")]
    [InlineData("""[10,[20,30]]""", "30", "[1][1]")]
    [InlineData("""{"first":1,"second":{"x":1},"third":3}""", "3", "third")]
    [InlineData("""{"a":1}""", "{", null)]
    public void JsonPaths_Locate_NamesMember(string json, string token, string? expected)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var offset = json.LastIndexOf(token, StringComparison.Ordinal);

        Assert.Equal(expected, JsonPaths.Locate(bytes, offset));
    }

    [Fact]
    public void JsonPaths_MalformedJson_ReturnsPartialPath()
    {
        var bytes = """{"a":{"b":"""u8.ToArray();

        Assert.Equal("a.b", JsonPaths.Locate(bytes, bytes.Length));
    }

    private static EventMessage Remote(string signal, string kwargs) =>
        EventMessage.FromJson(signal, null, default, null, isRemote: true, default, Encoding.UTF8.GetBytes(kwargs));

    private sealed record Reading(int Value);

    /// <summary>A serializer that, unlike a careful one, calls a typed getter without checking the token.</summary>
    private sealed class ReadingSerializer : PayloadSerializer<Reading>
    {
        public static readonly ReadingSerializer Instance = new();

        public override bool WritesObject => true;

        public override void Write(System.Text.Json.Utf8JsonWriter writer, Reading value) =>
            throw new NotSupportedException("The test only reads.");

        public override Reading Read(ref System.Text.Json.Utf8JsonReader reader)
        {
            var value = 0;
            while (reader.Read() && reader.TokenType == System.Text.Json.JsonTokenType.PropertyName)
            {
                reader.Read();
                if (reader.TokenType == System.Text.Json.JsonTokenType.StartObject)
                {
                    reader.Read();
                    reader.Read();
                    value = reader.GetInt32();
                    reader.Read();
                }
            }

            return new Reading(value);
        }
    }
}
