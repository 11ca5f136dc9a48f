using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using EventBridge.Generators.Tests.Payloads;
using Range = EventBridge.Generators.Tests.Payloads.Range;

namespace EventBridge.Generators.Tests;

/// <summary>
/// Compares what the generated serializers of this project's payload types write with what System.Text.Json's
/// reflection-based serializer writes for the same values under the snake_case naming policy, and checks that every
/// value survives a round trip through both.
/// </summary>
/// <remarks>
/// Each case calls <c>EventMessage.Create</c> with its concrete payload type, which is the call site that makes the
/// generator write the type's serializer.
/// </remarks>
public class DifferentialTests
{
    private static readonly JsonSerializerOptions s_options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter() },
    };

    private static readonly Dictionary<string, Action> s_cases = new(StringComparer.Ordinal)
    {
        ["integers"] = () => Verify(
            new Integers(byte.MaxValue, sbyte.MinValue, short.MinValue, ushort.MaxValue, int.MinValue, uint.MaxValue, long.MinValue, ulong.MaxValue),
            static v => EventMessage.Create("differential", v)),
        ["floats"] = () => Verify(new Floats(0.1f, 1.0 / 3, 1.10m, (Half)1.5), static v => EventMessage.Create("differential", v)),
        ["float extremes"] = () => Verify(new Floats(float.MaxValue, double.Epsilon, decimal.MinValue, Half.MaxValue), static v => EventMessage.Create("differential", v)),
        ["big integers"] = () => Verify(new BigIntegers(Int128.MinValue, UInt128.MaxValue), static v => EventMessage.Create("differential", v)),
        ["texts"] = () => Verify(new Texts("plain", 'ü', null, true), static v => EventMessage.Create("differential", v)),
        ["escapes"] = () => Verify(
            new Escapes("say \"hi\" \\ there", "日本語 😀 é", "tab\tnew\nline\u0001", "<a href='x'>&amp;</a>"),
            static v => EventMessage.Create("differential", v)),
        ["moments"] = () => Verify(
            new Moments(new DateTime(2024, 2, 29, 23, 59, 58, 123, DateTimeKind.Utc), new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Unspecified).AddTicks(1), new DateTimeOffset(2020, 5, 6, 7, 8, 9, TimeSpan.FromMinutes(-330))),
            static v => EventMessage.Create("differential", v)),
        ["calendar"] = () => Verify(
            new Calendar(new DateOnly(1999, 12, 31), new TimeOnly(23, 59, 59, 999, 999), new TimeSpan(3, 4, 5, 6, 7), TimeSpan.FromMilliseconds(-1500)),
            static v => EventMessage.Create("differential", v)),
        ["identifiers"] = () => Verify(
            new Identifiers(Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"), new Uri("https://example.com/a b?q=1"), new Uri("../up", UriKind.Relative), [0, 1, 2, 250, 255]),
            static v => EventMessage.Create("differential", v)),
        ["optionals set"] = () => Verify(new Optionals(3, 0.5, new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc), Guid.Empty, false), static v => EventMessage.Create("differential", v)),
        ["optionals null"] = () => Verify(new Optionals(null, null, null, null, null), static v => EventMessage.Create("differential", v)),
        ["enums"] = () => Verify(
            new Enums(Color.Green, Access.Write, Access.Read | Access.Execute, (Access)64, Tier.Free, null),
            static v => EventMessage.Create("differential", v)),
        ["enums other values"] = () => Verify(
            new Enums((Color)17, Access.None, Access.Read | Access.Write | Access.Execute, Access.Read | (Access)8, Tier.Paid, Color.Blue),
            static v => EventMessage.Create("differential", v)),
        ["arrays"] = () => Verify(new Arrays([1, -2, 3], ["a", "b"], [[1], [], [2, 3]], []), static v => EventMessage.Create("differential", v)),
        ["lists"] = () => Verify(
            new Lists([new Line("A-1", 2, 9.99m), new Line("B-2", 1, 0m)], ["x", "y"], [4, 5], [long.MaxValue], [true, false]),
            static v => EventMessage.Create("differential", v)),
        // System.Text.Json cannot create an IReadOnlySet<T> when reading, so only its writing is compared.
        ["sets"] = () => Verify(new Sets(["one", "two"], new HashSet<int> { 3, 1, 2 }, new HashSet<Color> { Color.Blue }), static v => EventMessage.Create("differential", v), stjReads: false),
        ["dictionaries"] = () => Verify(
            new Dictionaries(
                new() { ["a"] = 1, ["B c"] = 2 },
                new Dictionary<string, List<int?>> { ["k"] = [1, null, 3] },
                new Dictionary<string, Line> { ["first"] = new("S", 1, 1m) }),
            static v => EventMessage.Create("differential", v)),
        ["nested records"] = () => Verify(
            new Country("FR", new Town("Paris", new Street("Rivoli", 1)), [new Town("Lyon", new Street("Rue", 2))]),
            static v => EventMessage.Create("differential", v)),
        ["structs"] = () => Verify(new Shapes(new Vector { X = 1.5, Y = -2 }, new Range(1, 5), null), static v => EventMessage.Create("differential", v)),
        ["struct set"] = () => Verify(new Shapes(default, default, new Vector { X = 3 }), static v => EventMessage.Create("differential", v)),
        ["struct root"] = () => Verify(new Range(-3, 3), static v => EventMessage.Create("differential", v)),
        ["defaults given"] = () => Verify(new WithDefaults("box", 3, "g", Color.Red), static v => EventMessage.Create("differential", v)),
        ["init only"] = () => Verify(new InitOnly { Name = "job", Retries = 0, Items = ["a"] }, static v => EventMessage.Create("differential", v)),
        ["required members"] = () => Verify(new RequiredMembers { Id = "x", Version = 2, Comment = "c" }, static v => EventMessage.Create("differential", v)),
        ["required constructor parameter"] = () => Verify(new RequiredFromConstructor("x") { Id = "x", Version = 2 }, static v => EventMessage.Create("differential", v)),
        ["renamed"] = () => Verify(
            new Renamed { Identifier = 7, DisplayName = "Seven", XMLHttpRequest = "r", UserID = 1, HTTP2Server = 2, Größe = "L", @class = "c" },
            static v => EventMessage.Create("differential", v)),
        ["ignored"] = () => Verify(
            new Ignored { Kept = "k", Secret = "s", NullSkipped = null, NullWritten = "w", DefaultSkipped = 0, DefaultWritten = 5 },
            static v => EventMessage.Create("differential", v)),
        ["json constructor"] = () => Verify(new Constructed("made", 4), static v => EventMessage.Create("differential", v)),
        ["inheritance"] = () => Verify(new Dog { Name = "Rex", Legs = 4, GoodBoy = true }, static v => EventMessage.Create("differential", v)),
        ["recursive"] = () => Verify(
            new TreeNode { Label = "root", Children = [new TreeNode { Label = "leaf" }, new TreeNode { Label = "branch", Children = [new TreeNode()] }] },
            static v => EventMessage.Create("differential", v)),
        ["empty object"] = () => Verify(new Empty(), static v => EventMessage.Create("differential", v)),
        ["generic boxes"] = () => Verify(
            new Boxes(new Box<Line>(new Line("L", 1, 2m), 1), new Box<string>("t", 2), new Box<int?>(null, 3)),
            static v => EventMessage.Create("differential", v)),
        ["mixed nesting"] = () => Verify(
            new Mixed(
                new() { ["row"] = new() { ["col"] = Color.Red } },
                [null, new Line("Z", 0, -1.5m)],
                new() { ["none"] = null, ["some"] = "v" },
                [[1, 2], []]),
            static v => EventMessage.Create("differential", v)),
        ["null collections"] = () => Verify(new NullableCollections(null, null, null), static v => EventMessage.Create("differential", v)),
        ["nullable collections set"] = () => Verify(new NullableCollections([new Line("A", 1, 1m)], [1], new() { ["a"] = 1 }), static v => EventMessage.Create("differential", v)),
    };

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var name in s_cases.Keys)
        {
            data.Add(name);
        }

        return data;
    }

    [Fact]
    public void Differential_Cases_CoverThirtyShapes()
    {
        Assert.True(s_cases.Count >= 30, $"Only {s_cases.Count} cases.");
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Serializer_Case_MatchesSystemTextJson(string name)
    {
        s_cases[name]();
    }

    [Theory]
    [InlineData("""{"sku":"A-1","quantity":2,"price":9.99}""")]
    [InlineData("""{"price":9.99,"quantity":2,"sku":"A-1"}""")]
    [InlineData("""{"quantity":2,"price":9.99,"sku":"A-1"}""")]
    [InlineData("""{"extra":[1,{"sku":"no"}],"price":9.99,"other":null,"sku":"A-1","quantity":2,"last":"x"}""")]
    [InlineData("""{"SKU":"A-1","Price":9.99,"quantity":2}""")]
    [InlineData("""{"sku":"B-2","quantity":2,"sku":"A-1","price":9.99}""")]
    public void Serializer_MembersInAnyOrder_ReadAlike(string json)
    {
        // The reader tries the member after the last one it found before searching all of them. Any other order,
        // unknown members, names that differ by case and repeated members (the last wins) must read the same.
        var line = Read(PayloadSerializers.Get<Line>(), json);

        Assert.Equal(new Line("A-1", 2, 9.99m), line);
    }

    [Fact]
    public void Serializer_NestedMembersReversed_ReadAlike()
    {
        var json = """{"towns":[{"main":{"number":2,"name":"Rue"},"name":"Lyon"}],"capital":{"main":{"number":1,"name":"Rivoli"},"name":"Paris"},"code":"FR"}""";

        var country = Read(PayloadSerializers.Get<Country>(), json);

        Assert.Equal(
            JsonSerializer.Serialize(new Country("FR", new Town("Paris", new Street("Rivoli", 1)), [new Town("Lyon", new Street("Rue", 2))]), s_options),
            JsonSerializer.Serialize(country, s_options));
    }

    private static void Verify<T>(T value, Func<T, EventMessage> create, bool stjReads = true)
    {
        var expected = JsonSerializer.Serialize(value, s_options);
        var serializer = PayloadSerializers.Get<T>();

        var written = Write(serializer, value);
        Assert.Equal(expected, written);

        // The bus path serializes through the registry too.
        Assert.Equal(expected, Encoding.UTF8.GetString(create(value).GetKwargsJson().Span));

        var readBack = Read(serializer, written);
        Assert.Equal(expected, JsonSerializer.Serialize(readBack, s_options));

        if (stjReads)
        {
            var readByStj = JsonSerializer.Deserialize<T>(written, s_options);
            Assert.Equal(expected, Write(serializer, readByStj!));
        }

        // Indented JSON (with whitespace between tokens) must read the same way.
        var indented = JsonSerializer.Serialize(value, new JsonSerializerOptions(s_options) { WriteIndented = true });
        Assert.Equal(expected, Write(serializer, Read(serializer, indented)));
    }

    internal static string Write<T>(PayloadSerializer<T> serializer, T value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            serializer.Write(writer, value);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    internal static T Read<T>(PayloadSerializer<T> serializer, string json)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        reader.Read();
        var value = serializer.Read(ref reader);
        Assert.False(reader.Read(), "The serializer left tokens unread.");
        return value;
    }
}
