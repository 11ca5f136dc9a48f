namespace EventBridge.Serialization;

/// <summary>How generated serializers name JSON members after C# properties and consumer parameters.</summary>
public enum PayloadNaming
{
    /// <summary>
    /// Lower-case words joined by underscores (<c>UserName</c> becomes <c>user_name</c>), the convention of Python
    /// clients. The conversion matches <c>System.Text.Json.JsonNamingPolicy.SnakeCaseLower</c>. This is the default.
    /// </summary>
    SnakeCaseLower = 0,

    /// <summary>
    /// The first word in lower case (<c>UserName</c> becomes <c>userName</c>), matching
    /// <c>System.Text.Json.JsonNamingPolicy.CamelCase</c>.
    /// </summary>
    CamelCase = 1,

    /// <summary>The C# name unchanged.</summary>
    AsDeclared = 2,
}

/// <summary>
/// Sets how the serializers that the EventBridge generator writes for this assembly name JSON members, for example
/// <c>[assembly: EventBridgeJson(Naming = PayloadNaming.CamelCase)]</c>. Without the attribute the naming is
/// <see cref="PayloadNaming.SnakeCaseLower"/>.
/// </summary>
/// <remarks>
/// <para>
/// <c>[JsonPropertyName]</c> on a property overrides the policy for that property. Enum values are written as their
/// C# member names (or the name given by <c>[JsonStringEnumMemberName]</c>), whatever the policy.
/// </para>
/// <para>
/// Reading matches member names exactly first and then ignoring case (ordinal), so <c>{"User":"Alice"}</c> still
/// binds to a member that is written as <c>user</c>. When two members differ only by case, the exact match wins.
/// Members that the type does not declare are skipped.
/// </para>
/// <para>
/// The policy belongs to the assembly that generates a serializer. Several assemblies may generate one for the same
/// type: the serializer of the assembly that declares the type replaces the others, and among assemblies that only
/// use the type the first one loaded wins. Keep the policy the same in assemblies that exchange payloads.
/// </para>
/// </remarks>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = false)]
public sealed class EventBridgeJsonAttribute : Attribute
{
    /// <summary>The naming policy for JSON member names; <see cref="PayloadNaming.SnakeCaseLower"/> by default.</summary>
    public PayloadNaming Naming { get; set; } = PayloadNaming.SnakeCaseLower;
}
