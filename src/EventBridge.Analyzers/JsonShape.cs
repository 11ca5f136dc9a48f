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
    public static JsonShape FromAnalysis(PayloadAnalysis analysis)
    {
        var shapes = analysis.Shapes.ToDictionary(shape => shape.FullName, System.StringComparer.Ordinal);
        var built = new Dictionary<string, JsonShape>(System.StringComparer.Ordinal);
        return Build(analysis.RootFullName, shapes, built);
    }

    /// <summary>
    /// Builds the shape of the <c>kwargs</c> object that a consumer with several data parameters reads: one member
    /// per parameter, required when the parameter has no default value.
    /// </summary>
    public static JsonShape FromParameters(
        string typeName,
        IEnumerable<(string JsonName, PayloadAnalysis Analysis, bool IsRequired)> parameters)
    {
        var shape = new JsonShape(JsonKind.Object, typeName);
        foreach (var (jsonName, analysis, isRequired) in parameters)
        {
            shape.Members[jsonName] = new JsonMember(FromAnalysis(analysis), isRequired);
        }

        return shape;
    }

    /// <summary>
    /// Returns how the JSON of <paramref name="first"/> and <paramref name="second"/> conflicts, or
    /// <see langword="null"/>. A side that only writes (an emit call) never requires members; a reading side
    /// requires the members that its type needs to be present.
    /// </summary>
    public static string? FindConflict(JsonShape first, bool firstReads, JsonShape second, bool secondReads) =>
        new Comparison(first.TypeName, second.TypeName).Compare(first, firstReads, second, secondReads, string.Empty);

    /// <summary>One comparison of two root shapes, which remembers the pairs it has compared to end recursion.</summary>
    private sealed class Comparison
    {
        private readonly HashSet<(JsonShape, JsonShape)> _compared = [];
        private readonly string _firstRoot;
        private readonly string _secondRoot;

        public Comparison(string firstRoot, string secondRoot)
        {
            _firstRoot = firstRoot;
            _secondRoot = secondRoot;
        }

        public string? Compare(
            JsonShape first,
            bool firstReads,
            JsonShape second,
            bool secondReads,
            string path)
        {
            if (first.Kind == JsonKind.Any || second.Kind == JsonKind.Any || !_compared.Add((first, second)))
            {
                return null;
            }

            if (first.Kind == JsonKind.Dictionary || second.Kind == JsonKind.Dictionary)
            {
                return CompareWithDictionary(first, firstReads, second, secondReads, path);
            }

            if (first.Kind != second.Kind)
            {
                return DescribeMismatch(first, second, path);
            }

            if (first.Kind == JsonKind.Array)
            {
                return Compare(first.Element!, firstReads, second.Element!, secondReads, path + "[]");
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
                    var conflict = Compare(pair.Value.Shape, firstReads, other.Shape, secondReads, memberPath);
                    if (conflict is not null)
                    {
                        return conflict;
                    }
                }
                else if (firstReads && !secondReads && pair.Value.IsRequired)
                {
                    return DescribeMissing(firstIsReader: true, memberPath);
                }
            }

            if (secondReads && !firstReads)
            {
                foreach (var pair in second.Members.OrderBy(pair => pair.Key, System.StringComparer.Ordinal))
                {
                    if (pair.Value.IsRequired && !first.Members.ContainsKey(pair.Key))
                    {
                        return DescribeMissing(firstIsReader: false, Join(path, pair.Key));
                    }
                }
            }

            return null;
        }

        private string? CompareWithDictionary(
            JsonShape first,
            bool firstReads,
            JsonShape second,
            bool secondReads,
            string path)
        {
            if (first.Kind is not (JsonKind.Dictionary or JsonKind.Object) || second.Kind is not (JsonKind.Dictionary or JsonKind.Object))
            {
                return DescribeMismatch(first, second, path);
            }

            if (first.Kind == JsonKind.Dictionary && second.Kind == JsonKind.Dictionary)
            {
                return Compare(first.Element!, firstReads, second.Element!, secondReads, path + "{}");
            }

            // Every member of the object must fit the dictionary's value type.
            var objectShape = first.Kind == JsonKind.Dictionary ? second : first;
            foreach (var pair in objectShape.Members.OrderBy(pair => pair.Key, System.StringComparer.Ordinal))
            {
                var memberPath = Join(path, pair.Key);
                var conflict = first.Kind == JsonKind.Dictionary
                    ? Compare(first.Element!, firstReads, pair.Value.Shape, secondReads, memberPath)
                    : Compare(pair.Value.Shape, firstReads, second.Element!, secondReads, memberPath);
                if (conflict is not null)
                {
                    return conflict;
                }
            }

            return null;
        }

        private static string Join(string path, string member) => path.Length == 0 ? member : path + "." + member;

        private static string Name(string path) => path.Length == 0 ? "the payload" : "member '" + path + "'";

        private string DescribeMismatch(JsonShape first, JsonShape second, string path) =>
            Name(path) + " is " + Describe(first.Kind) + " in '" + _firstRoot + "' but " + Describe(second.Kind)
            + " in '" + _secondRoot + "'";

        private string DescribeMissing(bool firstIsReader, string path) =>
            "'" + (firstIsReader ? _firstRoot : _secondRoot) + "' requires " + Name(path) + ", which '"
            + (firstIsReader ? _secondRoot : _firstRoot) + "' does not write";
    }

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
        Dictionary<string, JsonShape> built)
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
            var inner = Build(type.ElementFullName!, shapes, built);
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
                shape.Element = Build(type.ElementFullName!, shapes, built);
                break;
            case PayloadKind.Object:
                foreach (var member in type.Members)
                {
                    shape.Members[member.JsonName] = new JsonMember(Build(member.TypeFullName, shapes, built), member.IsRequired);
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
