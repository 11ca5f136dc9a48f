using System.Text;
using System.Text.Json;
using EventBridge.Generators.Tests.Payloads;

namespace EventBridge.Generators.Tests;

/// <summary>Checks how generated serializers reject bad input: always a PayloadException that names the member path.</summary>
public class PayloadErrorTests
{
    private const string ValidCountry = """
        {"code":"FR","capital":{"name":"Paris","main":{"name":"Rivoli","number":1}},"towns":[{"name":"Lyon","main":{"name":"Rue","number":2}}]}
        """;

    static PayloadErrorTests()
    {
        // These call sites make the generator write the serializers that the tests below read with.
        _ = EventMessage.Create("errors", new Validated(1));
        _ = EventMessage.Create("errors", new CaseVariants("a", "b"));
    }

    [Theory]
    [InlineData("""{"code":"FR","capital":{"name":"Paris","main":{"name":"Rivoli","number":"1"}},"towns":[]}""", "capital.main.number")]
    [InlineData("""{"code":"FR","capital":{"name":"Paris","main":{"name":"Rivoli","number":1}},"towns":[{"name":"Lyon","main":{"name":5,"number":2}}]}""", "towns[0].main.name")]
    [InlineData("""{"code":"FR","capital":{"name":"Paris","main":{"number":1}},"towns":[]}""", "capital.main.name")]
    [InlineData("""{"code":null,"capital":{"name":"Paris","main":{"name":"R","number":1}},"towns":[]}""", "code")]
    [InlineData("""{"code":"FR","capital":[],"towns":[]}""", "capital")]
    [InlineData("""{"code":"FR","capital":{"name":"Paris","main":{"name":"R","number":1e40}},"towns":[]}""", "capital.main.number")]
    [InlineData("""{"code":"FR","capital":{"name":"Paris","main":{"name":"R","number":1.5}},"towns":[]}""", "capital.main.number")]
    public void Read_BadMember_ThrowsWithMemberPath(string json, string path)
    {
        var exception = Assert.Throws<PayloadException>(() => DifferentialTests.Read(PayloadSerializers.Get<Country>(), json));

        Assert.Equal(path, exception.MemberPath);
        Assert.Contains(path, exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"\ud800":1,"sku":"A","quantity":1,"price":1}""")]
    [InlineData("""{"sku":"A","quantity":1,"price":1,"x\udfff":1}""")]
    [InlineData("""{"sku":"A","\ud800\u0041":1,"quantity":1,"price":1}""")]
    [InlineData("""{"sku":"\ud800","quantity":1,"price":1}""")]
    public void Read_LoneSurrogateEscape_ThrowsPayloadException(string json)
    {
        var exception = Assert.Throws<PayloadException>(() => DifferentialTests.Read(PayloadSerializers.Get<Line>(), json));

        Assert.Contains("without its pair", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_EscapedNames_MatchMembers()
    {
        var line = DifferentialTests.Read(PayloadSerializers.Get<Line>(), """{"\u0073ku":"A","QUANTIT\u0059":2,"price":1}""");

        Assert.Equal(new Line("A", 2, 1m), line);
    }

    [Fact]
    public void Read_MissingRequiredKeyword_NamesMember()
    {
        var exception = Assert.Throws<PayloadException>(() => DifferentialTests.Read(PayloadSerializers.Get<RequiredMembers>(), """{"id":"x"}"""));

        Assert.Equal("version", exception.MemberPath);
        Assert.Contains("required member is missing", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ByteOverflow_ThrowsWithPath()
    {
        var json = """{"byte":300,"s_byte":0,"short":0,"u_short":0,"int":0,"u_int":0,"long":0,"u_long":0}""";

        var exception = Assert.Throws<PayloadException>(() => DifferentialTests.Read(PayloadSerializers.Get<Integers>(), json));

        Assert.Equal("byte", exception.MemberPath);
        Assert.Contains("300", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_UnknownEnumName_ThrowsWithPath()
    {
        var json = """{"color":"Purple","access":"Read","combined":"Read, Write","undefined":0,"tier":"free-tier","maybe":null}""";

        var exception = Assert.Throws<PayloadException>(() => DifferentialTests.Read(PayloadSerializers.Get<Enums>(), json));

        Assert.Equal("color", exception.MemberPath);
        Assert.Contains("Purple", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_EnumNamesAnyCaseAndNumbers_Accepted()
    {
        var json = """{"color":"blue","access":"read, EXECUTE","combined":3,"undefined":64,"tier":"FREE-TIER","maybe":"red"}""";

        var value = DifferentialTests.Read(PayloadSerializers.Get<Enums>(), json);

        Assert.Equal(new Enums(Color.Blue, Access.Read | Access.Execute, Access.Read | Access.Write, (Access)64, Tier.Free, Color.Red), value);
    }

    [Fact]
    public void Read_ConstructorRejectsValue_ThrowsPayloadException()
    {
        var exception = Assert.Throws<PayloadException>(() => DifferentialTests.Read(PayloadSerializers.Get<Validated>(), """{"percent":101}"""));

        Assert.IsType<ArgumentOutOfRangeException>(exception.InnerException);
    }

    [Fact]
    public void Read_InvalidUtf8InString_ThrowsPayloadException()
    {
        var bytes = Encoding.UTF8.GetBytes("""{"sku":"AB","quantity":1,"price":1}""");
        bytes[9] = 0xFF;

        var exception = Assert.Throws<PayloadException>(() =>
        {
            var reader = new Utf8JsonReader(bytes);
            reader.Read();
            PayloadSerializers.Get<Line>().Read(ref reader);
        });

        Assert.Equal("sku", exception.MemberPath);
    }

    [Fact]
    public void Read_NameCase_ExactMatchWins()
    {
        var line = DifferentialTests.Read(PayloadSerializers.Get<Line>(), """{"SKU":"A","Quantity":2,"PRICE":3}""");
        var variants = DifferentialTests.Read(PayloadSerializers.Get<CaseVariants>(), """{"NAME":"upper","name":"lower"}""");

        Assert.Equal(new Line("A", 2, 3m), line);
        Assert.Equal("lower", variants.Lower);
        Assert.Equal("upper", variants.Upper);
    }

    [Fact]
    public void Read_UnknownMembers_AreSkipped()
    {
        var line = DifferentialTests.Read(PayloadSerializers.Get<Line>(), """{"extra":{"deep":[1,{"a":null}]},"sku":"A","quantity":2,"price":3,"more":"x"}""");

        Assert.Equal(new Line("A", 2, 3m), line);
    }

    [Fact]
    public void Read_MissingOptionalInitMembers_KeepDeclaredDefaults()
    {
        var value = DifferentialTests.Read(PayloadSerializers.Get<InitOnly>(), """{"name":"only"}""");

        Assert.Equal("only", value.Name);
        Assert.Equal(3, value.Retries);
        Assert.Empty(value.Items);
    }

    [Fact]
    public void Read_MissingDefaultedParameter_UsesDefault()
    {
        var value = DifferentialTests.Read(PayloadSerializers.Get<WithDefaults>(), """{"name":"n"}""");

        Assert.Equal(new WithDefaults("n"), value);
    }

    [Fact]
    public void Write_NonFiniteNumber_ThrowsWithPath()
    {
        var exception = Assert.Throws<PayloadException>(() => DifferentialTests.Write(PayloadSerializers.Get<Floats>(), new Floats(1, double.NaN, 1, Half.One)));

        Assert.Equal("double", exception.MemberPath);
    }

    [Fact]
    public void Read_CorruptedJson_ThrowsPayloadException()
    {
        var serializer = PayloadSerializers.Get<Country>();
        var valid = Encoding.UTF8.GetBytes(ValidCountry.Trim());
        var inputs = new List<byte[]>();
        for (var length = 1; length < valid.Length; length++)
        {
            inputs.Add(valid[..length]);
        }

        var replacements = "\"{}[],:0a-\u00ff"u8.ToArray();
        for (var position = 0; position < valid.Length; position++)
        {
            foreach (var replacement in replacements)
            {
                var corrupted = (byte[])valid.Clone();
                corrupted[position] = replacement;
                inputs.Add(corrupted);
            }
        }

        var payloadExceptions = 0;
        foreach (var input in inputs)
        {
            var reader = new Utf8JsonReader(input);
            try
            {
                // Positioning on the first token is the caller's part of the contract, so its failure is not counted.
                if (!reader.Read())
                {
                    continue;
                }
            }
            catch (JsonException)
            {
                continue;
            }

            try
            {
                serializer.Read(ref reader);
            }
            catch (PayloadException)
            {
                payloadExceptions++;
            }
            catch (Exception exception)
            {
                Assert.Fail($"Input {Encoding.UTF8.GetString(input)} threw {exception.GetType().Name}: {exception.Message}");
            }
        }

        Assert.True(payloadExceptions > inputs.Count / 2, $"Only {payloadExceptions} of {inputs.Count} inputs were rejected.");
    }

    [Fact]
    public async Task Consumer_BadPayload_ReportsSignalAndPath()
    {
        var bus = new EventBus();
        using var subscription = bus.Subscribe(new CustomerWatcher());
        Exception? failure = null;
        bus.ConsumerFailed += (_, args) => failure = args.Exception;
        var message = EventMessage.FromJson(
            "e2e_customer", null, default, null, true, ReadOnlyMemory<byte>.Empty, """{"name":"Ann","address":{"street":"Main","zip":"x"}}"""u8.ToArray());

        await bus.EmitAsync(message);

        var exception = Assert.IsType<PayloadException>(failure);
        Assert.Equal("address.zip", exception.MemberPath);
        Assert.Contains("signal 'e2e_customer'", exception.Message, StringComparison.Ordinal);
        Assert.Contains("'address.zip'", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Consumer_WrongArgumentType_NamesSignal()
    {
        var bus = new EventBus();
        using var registration = bus.AddGeneratedConsumers();
        Exception? failure = null;
        bus.ConsumerFailed += (_, args) => failure = args.Exception;
        var message = EventMessage.FromJson(
            "e2e_login", null, default, null, true, ReadOnlyMemory<byte>.Empty, """{"user":"Dan","attempts":"three"}"""u8.ToArray());

        await bus.EmitAsync(message);

        var exception = Assert.IsType<PayloadException>(failure);
        Assert.Equal("attempts", exception.MemberPath);
        Assert.Contains("signal 'e2e_login'", exception.Message, StringComparison.Ordinal);
        Assert.Contains("'attempts'", exception.Message, StringComparison.Ordinal);
    }
}
