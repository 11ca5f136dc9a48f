using System.Collections.Generic;
using System.Linq;
using EventBridge.CodeAnalysis;

namespace EventBridge.Analyzers;

/// <summary>The JSON kinds that generated serializers write.</summary>
internal enum JsonKind
{
    /// <summary>Anything: used where the shape is unknown, so that it conflicts with nothing.</summary>
    Any,
    Boolean,
    Number,
    String,
    Array,
    Object,

    /// <summary>A JSON object with arbitrary keys, written for a dictionary.</summary>
    Dictionary,
}

/// <summary>A member of a JSON object shape.</summary>
internal sealed record JsonMember(JsonShape Shape, bool IsRequired);

/// <summary>
/// The JSON that a payload type is written as, derived from the shared payload analysis: the kind of each value, the
/// members of each object and which of them reading requires.
/// </summary>
internal sealed class JsonShape
{
    private static readonly JsonShape s_any = new(JsonKind.Any, "unknown");

    private JsonShape(JsonKind kind, string typeName)
    {
        Kind = kind;
        TypeName = typeName;
    }

    public JsonKind Kind { get; }

    /// <summary>The C# type, for messages.</summary>
    public string TypeName { get; }

    /// <summary>The element of an array, or the value of a dictionary.</summary>
    public JsonShape? Element { get; private set; }

    public Dictionary<string, JsonMember> Members { get; } = new(System.StringComparer.Ordinal);

    /// <summary>Builds the shape of the root type of <paramref name="analysis"/>, which must be supported.</summary>
    public static JsonShape FromAnalysis(PayloadAnalysis analysis, NamingPolicy naming)
    {
        var shapes = analysis.Shapes.ToDictionary(shape => shape.FullName, System.StringComparer.Ordinal);
        var built = new Dictionary<string, JsonShape>(System.StringComparer.Ordinal);
        return Build(analysis.RootFullName, shapes, built, naming);
    }

    /// <summary>
    /// Builds the shape of the <c>kwargs</c> object that a consumer with several data parameters reads: one member
    /// per parameter, required when the parameter has no default value.
    /// </summary>
    public static JsonShape FromParameters(
        string typeName,
        IEnumerable<(string JsonName, PayloadAnalysis Analysis, bool IsRequired)> parameters,
        NamingPolicy naming)
    {
        var shape = new JsonShape(JsonKind.Object, typeName);
        foreach (var (jsonName, analysis, isRequired) in parameters)
        {
            shape.Members[jsonName] = new JsonMember(FromAnalysis(analysis, naming), isRequired);
        }

        return shape;
    }

    /// <summary>
    /// Returns how the JSON of <paramref name="first"/> and <paramref name="second"/> conflicts, or
    /// <see langword="null"/>. A side that only writes (an emit call) never requires members; a reading side
    /// requires the members that its type needs to be present.
    /// </summary>
    public static string? FindConflict(JsonShape first, bool firstReads, JsonShape second, bool secondReads) =>
        Compare(first, firstReads, second, secondReads, string.Empty, new HashSet<(JsonShape, JsonShape)>());

    private static string? Compare(
        JsonShape first,
        bool firstReads,
        JsonShape second,
        bool secondReads,
        string path,
        HashSet<(JsonShape, JsonShape)> compared)
    {
        if (first.Kind == JsonKind.Any || second.Kind == JsonKind.Any || !compared.Add((first, second)))
        {
            return null;
        }

        if (first.Kind == JsonKind.Dictionary || second.Kind == JsonKind.Dictionary)
        {
            return CompareWithDictionary(first, firstReads, second, secondReads, path, compared);
        }

        if (first.Kind != second.Kind)
        {
            return DescribeMismatch(first, second, path);
        }

        if (first.Kind == JsonKind.Array)
        {
            return Compare(first.Element!, firstReads, second.Element!, secondReads, path + "[]", compared);
        }

        if (first.Kind != JsonKind.Object)
        {
            return null;
        }

        foreach (var pair in first.Members.OrderBy(pair => pair.Key, System.StringComparer.Ordinal))
        {
            var memberPath = Join(path, pair.Key);
            if (second.Members.TryGetValue(pair.Key, out var other))
            {
                var conflict = Compare(pair.Value.Shape, firstReads, other.Shape, secondReads, memberPath, compared);
                if (conflict is not null)
                {
                    return conflict;
                }
            }
            else if (firstReads && !secondReads && pair.Value.IsRequired)
            {
                return DescribeMissing(first, second, memberPath);
            }
        }

        if (secondReads && !firstReads)
        {
            foreach (var pair in second.Members.OrderBy(pair => pair.Key, System.StringComparer.Ordinal))
            {
                if (pair.Value.IsRequired && !first.Members.ContainsKey(pair.Key))
                {
                    return DescribeMissing(second, first, Join(path, pair.Key));
                }
            }
        }

        return null;
    }

    private static string? CompareWithDictionary(
        JsonShape first,
        bool firstReads,
        JsonShape second,
        bool secondReads,
        string path,
        HashSet<(JsonShape, JsonShape)> compared)
    {
        if (first.Kind is not (JsonKind.Dictionary or JsonKind.Object) || second.Kind is not (JsonKind.Dictionary or JsonKind.Object))
        {
            return DescribeMismatch(first, second, path);
        }

        if (first.Kind == JsonKind.Dictionary && second.Kind == JsonKind.Dictionary)
        {
            return Compare(first.Element!, firstReads, second.Element!, secondReads, path + "{}", compared);
        }

        // Every member of the object must fit the dictionary's value type.
        var (dictionary, dictionaryReads, objectShape, objectReads) = first.Kind == JsonKind.Dictionary
            ? (first, firstReads, second, secondReads)
            : (second, secondReads, first, firstReads);
        foreach (var pair in objectShape.Members.OrderBy(pair => pair.Key, System.StringComparer.Ordinal))
        {
            var conflict = Compare(dictionary.Element!, dictionaryReads, pair.Value.Shape, objectReads, Join(path, pair.Key), compared);
            if (conflict is not null)
            {
                return conflict;
            }
        }

        return null;
    }

    private static string Join(string path, string member) => path.Length == 0 ? member : path + "." + member;

    private static string Name(string path) => path.Length == 0 ? "the payload" : "member '" + path + "'";

    private static string DescribeMismatch(JsonShape first, JsonShape second, string path) =>
        Name(path) + " is " + Describe(first.Kind) + " in '" + first.TypeName + "' but " + Describe(second.Kind)
        + " in '" + second.TypeName + "'";

    private static string DescribeMissing(JsonShape reader, JsonShape writer, string path) =>
        "'" + reader.TypeName + "' requires " + Name(path) + ", which '" + writer.TypeName + "' does not write";

    private static string Describe(JsonKind kind) => kind switch
    {
        JsonKind.Boolean => "a boolean",
        JsonKind.Number => "a number",
        JsonKind.String => "a string",
        JsonKind.Array => "an array",
        _ => "an object",
    };

    private static JsonShape Build(
        string fullName,
        Dictionary<string, TypeShape> shapes,
        Dictionary<string, JsonShape> built,
        NamingPolicy naming)
    {
        if (built.TryGetValue(fullName, out var existing))
        {
            return existing;
        }

        if (!shapes.TryGetValue(fullName, out var type))
        {
            return s_any;
        }

        if (type.Kind == PayloadKind.Nullable)
        {
            var inner = Build(type.ElementFullName!, shapes, built, naming);
            built[fullName] = inner;
            return inner;
        }

        var shape = new JsonShape(GetKind(type), type.DisplayName);

        // Registered before its members are built, so that a type that contains itself ends the recursion here.
        built[fullName] = shape;
        switch (type.Kind)
        {
            case PayloadKind.Collection:
            case PayloadKind.Dictionary:
                shape.Element = Build(type.ElementFullName!, shapes, built, naming);
                break;
            case PayloadKind.Object:
                foreach (var member in type.Members)
                {
                    var jsonName = member.ExplicitJsonName ?? JsonNaming.Convert(member.Name, naming);
                    shape.Members[jsonName] = new JsonMember(Build(member.TypeFullName, shapes, built, naming), member.IsRequired);
                }

                break;
        }

        return shape;
    }

    private static JsonKind GetKind(TypeShape type) => type.Kind switch
    {
        PayloadKind.Enum => JsonKind.String,
        PayloadKind.Object => JsonKind.Object,
        PayloadKind.Collection => JsonKind.Array,
        PayloadKind.Dictionary => JsonKind.Dictionary,
        _ => type.ValueSerializerName switch
        {
            "Boolean" => JsonKind.Boolean,
            "Byte" or "SByte" or "Int16" or "UInt16" or "Int32" or "UInt32" or "Int64" or "UInt64" or "Int128" or "UInt128"
                or "Half" or "Single" or "Double" or "Decimal" => JsonKind.Number,
            null => JsonKind.Any,
            _ => JsonKind.String,
        },
    };
}
