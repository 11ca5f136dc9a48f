using System.Text.Json.Serialization;

#pragma warning disable CA1819 // Payload shapes under test include array properties on purpose.
#pragma warning disable CA1056 // A Uri-typed property is compared separately; this one tests strings.

namespace EventBridge.Generators.Tests.Payloads;

public sealed record Integers(byte Byte, sbyte SByte, short Short, ushort UShort, int Int, uint UInt, long Long, ulong ULong);

public sealed record Floats(float Single, double Double, decimal Decimal, Half Half);

public sealed record BigIntegers(Int128 Signed, UInt128 Unsigned);

public sealed record Texts(string Plain, char Letter, string? Missing, bool Flag);

public sealed record Escapes(string Quotes, string Unicode, string Control, string Html);

public sealed record Moments(DateTime Utc, DateTime Unspecified, DateTimeOffset Offset);

public sealed record Calendar(DateOnly Day, TimeOnly Time, TimeSpan Duration, TimeSpan Negative);

public sealed record Identifiers(Guid Id, Uri Absolute, Uri Relative, byte[] Blob);

public sealed record Optionals(int? Count, double? Ratio, DateTime? When, Guid? Id, bool? Flag);

public enum Color
{
    Red,
    Green,
    Blue,
}

[Flags]
public enum Access
{
    None = 0,
    Read = 1,
    Write = 2,
    Execute = 4,
}

public enum Tier : byte
{
    [JsonStringEnumMemberName("free-tier")]
    Free = 1,
    Paid = 2,
}

public sealed record Enums(Color Color, Access Access, Access Combined, Access Undefined, Tier Tier, Color? Maybe);

public sealed record Arrays(int[] Numbers, string[] Words, int[][] Jagged, double[] Empty);

public sealed record Line(string Sku, int Quantity, decimal Price);

public sealed record Lists(List<Line> Lines, IReadOnlyList<string> Tags, IEnumerable<int> Bins, IList<long> Ids, ICollection<bool> Flags);

public sealed record NullableCollections(List<Line>? Lines, int[]? Numbers, Dictionary<string, int>? Map);

public sealed record Sets(HashSet<string> Names, ISet<int> Numbers, IReadOnlySet<Color> Colors);

public sealed record Dictionaries(Dictionary<string, int> Counts, IReadOnlyDictionary<string, List<int?>> Nested, IDictionary<string, Line> Lines);

public sealed record Street(string Name, int Number);

public sealed record Town(string Name, Street Main);

public sealed record Country(string Code, Town Capital, List<Town> Towns);

public struct Vector
{
    public double X { get; set; }

    public double Y { get; set; }
}

public readonly record struct Range(int Start, int End);

public sealed record Shapes(Vector Direction, Range Span, Vector? Optional);

public sealed record WithDefaults(string Name, int Size = 10, string Unit = "kg", Color Color = Color.Blue);

public sealed class InitOnly
{
    public string Name { get; init; } = "unnamed";

    public int Retries { get; init; } = 3;

    public List<string> Items { get; init; } = [];
}

public sealed class RequiredMembers
{
    public required string Id { get; init; }

    public required int Version { get; set; }

    public string? Comment { get; set; }
}

/// <summary>A required property that the constructor also sets, so reading passes it to both.</summary>
public sealed class RequiredFromConstructor
{
    public RequiredFromConstructor(string id) => Id = id;

    public required string Id { get; init; }

    public int Version { get; set; }
}

public sealed class Renamed
{
    [JsonPropertyName("ID")]
    public int Identifier { get; set; }

    [JsonPropertyName("display name")]
    public string DisplayName { get; set; } = "";

    public string XMLHttpRequest { get; set; } = "";

    public int UserID { get; set; }

    public int HTTP2Server { get; set; }

    public string Größe { get; set; } = "";

    public string @class { get; set; } = "";
}

public sealed class Ignored
{
    public string Kept { get; set; } = "";

    [JsonIgnore]
    public string Secret { get; set; } = "hidden";

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? NullSkipped { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? NullWritten { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int DefaultSkipped { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int DefaultWritten { get; set; }
}

public sealed class Constructed
{
    [JsonConstructor]
    public Constructed(string name, int count)
    {
        Name = name;
        Count = count;
    }

    public Constructed(string name)
        : this(name, 1)
    {
    }

    public string Name { get; }

    public int Count { get; }

    public int Doubled => Count * 2;
}

public class Animal
{
    public string Name { get; set; } = "";

    public int Legs { get; set; }
}

public sealed class Dog : Animal
{
    public bool GoodBoy { get; set; }
}

public sealed class TreeNode
{
    public string Label { get; set; } = "";

    public List<TreeNode> Children { get; set; } = [];

    public TreeNode? Parent { get; set; }
}

public sealed class Empty
{
}

public sealed record Box<T>(T Value, int Version);

public sealed record Boxes(Box<Line> Line, Box<string> Text, Box<int?> Number);

public sealed record Mixed(
    Dictionary<string, Dictionary<string, Color>> Matrix,
    List<Line?> MaybeLines,
    Dictionary<string, string?> NullableValues,
    List<int[]> ListOfArrays);

public sealed class Validated
{
    public Validated(int percent)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percent, 100);
        Percent = percent;
    }

    public int Percent { get; }
}

public sealed record CaseVariants([property: JsonPropertyName("name")] string Lower, [property: JsonPropertyName("NAME")] string Upper);
