// Compiled into the generator and the analyzers. These records describe a payload type's JSON shape in plain
// strings, so that they hold no Roslyn symbol and compare by value across compilations.
using System;

namespace EventBridge.CodeAnalysis;

/// <summary>How a payload type is written as JSON.</summary>
internal enum PayloadKind
{
    /// <summary>A built-in value (number, string, date, ...) that a runtime serializer handles.</summary>
    Value,

    /// <summary>An enum, written as its member name.</summary>
    Enum,

    /// <summary>A class, struct or record, written as a JSON object of its public properties.</summary>
    Object,

    /// <summary>A <see cref="Nullable{T}"/> of another payload type.</summary>
    Nullable,

    /// <summary>An array, list, set or sequence interface, written as a JSON array.</summary>
    Collection,

    /// <summary>A dictionary with string keys, written as a JSON object.</summary>
    Dictionary,
}

/// <summary>The concrete type that reading creates for a collection or dictionary.</summary>
internal enum CollectionKind
{
    /// <summary>Not a collection.</summary>
    None,

    /// <summary><c>T[]</c>.</summary>
    Array,

    /// <summary><c>List&lt;T&gt;</c>, or an interface that <c>List&lt;T&gt;</c> implements.</summary>
    List,

    /// <summary><c>HashSet&lt;T&gt;</c>, or a set interface that it implements.</summary>
    HashSet,

    /// <summary><c>Dictionary&lt;string, T&gt;</c>, or an interface that it implements.</summary>
    Dictionary,
}

/// <summary>When a member is left out of the JSON that a serializer writes.</summary>
internal enum IgnoreCondition
{
    /// <summary>The member is always written.</summary>
    Never,

    /// <summary>The member is left out when its value is <see langword="null"/>.</summary>
    WhenWritingNull,

    /// <summary>The member is left out when its value is the default of its type.</summary>
    WhenWritingDefault,
}

/// <summary>How reading assigns a member of an object payload.</summary>
internal enum MemberAssignment
{
    /// <summary>The member is written but never read, because it has no public setter or constructor parameter.</summary>
    None,

    /// <summary>A public <c>set</c> accessor, assigned after construction.</summary>
    Setter,

    /// <summary>A public <c>init</c> accessor, assigned in the object initializer.</summary>
    Init,

    /// <summary>A parameter of the constructor that reading calls.</summary>
    Constructor,
}

/// <summary>The JSON shape of one payload type.</summary>
/// <remarks>
/// Instances are immutable and compare by value, which is what keeps incremental generator steps cached. Any new
/// member must keep both properties: plain strings, numbers and <see cref="EquatableArray{T}"/>, never a symbol.
/// </remarks>
internal sealed record TypeShape
{
    /// <summary>The fully qualified C# name, starting with <c>global::</c> and without nullable annotations.</summary>
    public required string FullName { get; init; }

    /// <summary>A readable name for messages and file names, for example <c>MyApp.Order</c>.</summary>
    public required string DisplayName { get; init; }

    public required PayloadKind Kind { get; init; }

    public required bool IsValueType { get; init; }

    /// <summary>The property of the runtime's <c>JsonValueSerializers</c> for a <see cref="PayloadKind.Value"/>.</summary>
    public string? ValueSerializerName { get; init; }

    /// <summary>The element type of a nullable or collection, or the value type of a dictionary.</summary>
    public string? ElementFullName { get; init; }

    public CollectionKind CollectionKind { get; init; }

    /// <summary>Whether the type is declared in the compilation being analyzed rather than referenced from metadata.</summary>
    public bool IsDeclaredInSource { get; init; }

    public EquatableArray<MemberShape> Members { get; init; }

    /// <summary>
    /// Whether reading constructs the object with the constructor parameters in <see cref="Members"/>
    /// (<see cref="MemberShape.ConstructorPosition"/>); otherwise the parameterless constructor is used.
    /// </summary>
    public bool HasParameterizedConstructor { get; init; }

    /// <summary>Whether the constructor that reading calls is marked <c>[SetsRequiredMembers]</c>.</summary>
    public bool ConstructorSetsRequiredMembers { get; init; }

    public EquatableArray<EnumMemberShape> EnumMembers { get; init; }

    /// <summary>The C# keyword of an enum's underlying type, for example <c>int</c>.</summary>
    public string? EnumUnderlyingType { get; init; }

    public bool IsFlagsEnum { get; init; }
}

/// <summary>One public property of an object payload.</summary>
/// <remarks>Immutable and compared by value; see <see cref="TypeShape"/>.</remarks>
internal sealed record MemberShape
{
    /// <summary>The C# name, escaped with <c>@</c> when it is a keyword.</summary>
    public required string Name { get; init; }

    /// <summary>The name in JSON: the one given by <c>[JsonPropertyName]</c>, else the C# name under the naming policy.</summary>
    public required string JsonName { get; init; }

    public required string TypeFullName { get; init; }

    public required MemberAssignment Assignment { get; init; }

    /// <summary>The position of the matching constructor parameter, or -1.</summary>
    public int ConstructorPosition { get; init; } = -1;

    /// <summary>The C# expression of the constructor parameter's default value, when it has one.</summary>
    public string? ConstructorDefault { get; init; }

    /// <summary>
    /// Whether the member is declared with the C# <c>required</c> modifier and the constructor that reading calls is not
    /// marked <c>[SetsRequiredMembers]</c>, so reading must assign it in the object initializer.
    /// </summary>
    public bool IsRequiredKeyword { get; init; }

    /// <summary>Whether reading fails when the JSON lacks the member.</summary>
    public bool IsRequired { get; init; }

    /// <summary>Whether the member accepts JSON <c>null</c>: a nullable type or a reference type outside a nullable context.</summary>
    public bool AllowsNull { get; init; }

    public bool IsValueType { get; init; }

    public IgnoreCondition IgnoreCondition { get; init; }
}

/// <summary>One named value of an enum payload.</summary>
/// <remarks>Immutable and compared by value; see <see cref="TypeShape"/>.</remarks>
internal sealed record EnumMemberShape
{
    public required string Name { get; init; }

    /// <summary>The name in JSON: the C# name, or the one given by <c>[JsonStringEnumMemberName]</c>.</summary>
    public required string JsonName { get; init; }

    /// <summary>The value as an unsigned 64-bit number; negative values are stored in two's complement.</summary>
    public required ulong Bits { get; init; }
}

/// <summary>
/// A reason why a payload type cannot be serialized, or why one of its members is lost, with the member path that
/// leads to it.
/// </summary>
internal sealed record PayloadProblem
{
    /// <summary>The type that cannot be handled, as C# shows it.</summary>
    public required string TypeName { get; init; }

    /// <summary>The path from the root payload, for example <c>Order.Lines[].Product</c>.</summary>
    public required string MemberPath { get; init; }

    public required string Reason { get; init; }

    /// <summary>
    /// Whether the problem is a type that does not resolve. The compiler already reports those, so callers usually
    /// stay silent about them.
    /// </summary>
    public bool IsUnresolvedType { get; init; }
}

/// <summary>The shapes of a payload type and of every type that it contains, or why it cannot be serialized.</summary>
internal sealed record PayloadAnalysis
{
    /// <summary>The root type's fully qualified name.</summary>
    public required string RootFullName { get; init; }

    /// <summary>Every type reachable from the root, root first; empty when <see cref="Problems"/> is not.</summary>
    public required EquatableArray<TypeShape> Shapes { get; init; }

    public required EquatableArray<PayloadProblem> Problems { get; init; }

    /// <summary>
    /// Members whose value does not survive a write and a read: fields, and auto-properties that reading cannot set.
    /// They do not stop serialization; the analyzers report them as information.
    /// </summary>
    public EquatableArray<PayloadProblem> LostMembers { get; init; }

    public bool IsSupported => Problems.IsEmpty;

    /// <summary>
    /// Whether the root type is written as a JSON object: a class, struct or record, or a nullable struct of one.
    /// The bridge sends such a payload as the event's <c>kwargs</c>, and any other as the only element of
    /// <c>args</c>; a consumer's only data parameter of such a type receives the whole payload.
    /// </summary>
    public bool IsObject
    {
        get
        {
            if (Shapes.IsEmpty)
            {
                return false;
            }

            var root = Shapes[0];
            if (root.Kind == PayloadKind.Nullable)
            {
                foreach (var shape in Shapes)
                {
                    if (shape.FullName == root.ElementFullName)
                    {
                        return shape.Kind == PayloadKind.Object;
                    }
                }

                return false;
            }

            return root.Kind == PayloadKind.Object;
        }
    }
}
