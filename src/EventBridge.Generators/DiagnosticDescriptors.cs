using Microsoft.CodeAnalysis;

namespace EventBridge.Generators;

/// <summary>
/// The diagnostics that the generator reports. Ids are fixed once shipped; keep them in step with
/// <c>docs/diagnostics.md</c> and <c>AnalyzerReleases.Unshipped.md</c>.
/// </summary>
public static class DiagnosticDescriptors
{
    private const string SerializationCategory = "EventBridge.Serialization";
    private const string UsageCategory = "EventBridge.Usage";

    public static readonly DiagnosticDescriptor UnserializablePayload = Create(
        "EB1001",
        "Consumer payload type cannot be serialized",
        "Consumer '{0}' is not wired, because its parameter type '{1}' cannot be serialized: at '{2}', {3}",
        SerializationCategory,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor UnserializableEmitPayload = Create(
        "EB1002",
        "Emitted payload type cannot be serialized",
        "No serializer is generated for payload type '{0}', so the event cannot leave this process: at '{1}', {2}",
        SerializationCategory,
        DiagnosticSeverity.Info);

    public static readonly DiagnosticDescriptor HostNotPartial = Create(
        "EB1003",
        "Type with instance consumers must be partial",
        "Consumer '{0}' is not wired, because type '{1}' is not partial; declare it and every type that contains it 'partial'",
        UsageCategory,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor InvalidSignal = Create(
        "EB1004",
        "Invalid signal name",
        "Consumer '{0}' has the invalid signal name '{1}': {2}",
        UsageCategory,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor UnsupportedReturnType = Create(
        "EB1005",
        "Unsupported consumer return type",
        "Consumer '{0}' is not wired, because it returns '{1}'; return void, Task or ValueTask",
        UsageCategory,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor UnsupportedParameter = Create(
        "EB1006",
        "Unsupported consumer parameter",
        "Consumer '{0}' is not wired, because parameter '{1}' is a ref or out parameter; take it by value",
        UsageCategory,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor GenericConsumer = Create(
        "EB1007",
        "Generic consumer method",
        "Consumer '{0}' is not wired, because it is a generic method; consumers need concrete parameter types",
        UsageCategory,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor InaccessibleStaticConsumer = Create(
        "EB1008",
        "Static consumer is not accessible",
        "Static consumer '{0}' is not wired, because generated code cannot call it; make it and its containing types internal or public",
        UsageCategory,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor StaticConsumerInGenericType = Create(
        "EB1009",
        "Static consumer in a generic type",
        "Static consumer '{0}' is not wired, because its containing type is generic and has no type arguments to call it with; move it to a non-generic type or make it an instance method",
        UsageCategory,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor UnsupportedHost = Create(
        "EB1010",
        "Unsupported type for instance consumers",
        "Consumer '{0}' is not wired, because instance consumers cannot be declared in '{1}', which is {2}; use a class, struct or record",
        UsageCategory,
        DiagnosticSeverity.Error);

    private static DiagnosticDescriptor Create(
        string id,
        string title,
        string message,
        string category,
        DiagnosticSeverity severity) =>
        new(
            id,
            title,
            message,
            category,
            severity,
            isEnabledByDefault: true,
            helpLinkUri: "docs/diagnostics.md#" + id.ToLowerInvariant());
}
