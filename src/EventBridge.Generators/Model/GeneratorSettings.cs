using EventBridge.CodeAnalysis;

namespace EventBridge.Generators.Model;

/// <summary>The settings that come from the compilation as a whole.</summary>
/// <param name="GeneratedNamespace">The namespace of generated serializers, unique to the assembly.</param>
/// <param name="AssemblyIdentifier">The assembly name as an identifier, which makes generated type names unique.</param>
/// <param name="Naming">The naming policy of <c>[assembly: EventBridgeJson]</c>.</param>
/// <param name="HasRuntime">Whether the compilation references the EventBridge runtime.</param>
internal sealed record GeneratorSettings(string GeneratedNamespace, string AssemblyIdentifier, NamingPolicy Naming, bool HasRuntime);

/// <summary>A serializable type and the name of its generated serializer.</summary>
/// <param name="FullName">The type, fully qualified with <c>global::</c>.</param>
/// <param name="Id">The identifier of its serializer, unique in the assembly.</param>
internal sealed record SerializerId(string FullName, string Id);

/// <summary>Every payload type of the compilation, with the serializer names given to them.</summary>
/// <remarks>Immutable and compared by value.</remarks>
internal sealed record PayloadCatalog(EquatableArray<TypeShape> Shapes, EquatableArray<SerializerId> Ids);

/// <summary>Everything that one serializer file needs.</summary>
/// <param name="Shape">The type to serialize.</param>
/// <param name="Id">The serializer's identifier.</param>
/// <param name="References">The serializers of the types that the type contains.</param>
internal sealed record SerializerFileModel(
    TypeShape Shape,
    string Id,
    EquatableArray<SerializerReference> References,
    GeneratorSettings Settings);

/// <summary>A type and the C# expression that returns its serializer.</summary>
internal sealed record SerializerReference(string FullName, string Expression);

/// <summary>Everything that a file of consumer registrations needs.</summary>
internal sealed record ConsumerFileModel(
    EquatableArray<ConsumerModel> Consumers,
    EquatableArray<SerializerReference> References,
    GeneratorSettings Settings)
{
    /// <summary>The file's hint name; only files of instance consumers set it.</summary>
    public string HintName { get; init; } = string.Empty;
}
