// Compiled into the analyzers, which report every EventBridge diagnostic. The generator links only DiagnosticIds.cs:
// it reports nothing, so it declares no descriptor that release tracking (RS2008) would have to list.
using Microsoft.CodeAnalysis;

namespace EventBridge.CodeAnalysis;

/// <summary>
/// The EventBridge diagnostics. Ids come from <see cref="DiagnosticIds"/> and are fixed once shipped; keep
/// <c>docs/diagnostics.md</c> and <c>AnalyzerReleases.Unshipped.md</c> in step with this list.
/// </summary>
public static class DiagnosticDescriptors
{
    public const string SerializationCategory = "EventBridge.Serialization";
    public const string UsageCategory = "EventBridge.Usage";

    public static readonly DiagnosticDescriptor UnserializablePayload = Create(
        DiagnosticIds.UnserializablePayload,
        "Consumer payload type cannot be serialized",
        "Consumer '{0}' is not wired, because its parameter '{1}' of type '{2}' cannot be serialized: at '{3}', {4}{5}",
        SerializationCategory,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor UnserializableEmitPayload = Create(
        DiagnosticIds.UnserializableEmitPayload,
        "Emitted payload type cannot be serialized",
        "Payload type '{0}' cannot be serialized, so this event cannot leave the process: at '{1}', {2}{3}",
        SerializationCategory,
        DiagnosticSeverity.Info);

    public static readonly DiagnosticDescriptor HostNotPartial = Create(
        DiagnosticIds.HostNotPartial,
        "Type with instance consumers must be partial",
        "Consumer '{0}' is not wired, because type '{1}' is not partial; declare it and every type that contains it 'partial'",
        UsageCategory,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor InvalidSignal = Create(
        DiagnosticIds.InvalidSignal,
        "Invalid signal name",
        "Signal name {0} is invalid: {1}",
        UsageCategory,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor UnsupportedReturnType = Create(
        DiagnosticIds.UnsupportedReturnType,
        "Unsupported consumer return type",
        "Consumer '{0}' is not wired, because it returns '{1}'; return void, Task or ValueTask",
        UsageCategory,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor UnsupportedParameter = Create(
        DiagnosticIds.UnsupportedParameter,
        "Unsupported consumer parameter",
        "Consumer '{0}' is not wired, because parameter '{1}' is {2}; {3}",
        UsageCategory,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor GenericConsumer = Create(
        DiagnosticIds.GenericConsumer,
        "Generic consumer method",
        "Consumer '{0}' is not wired, because it is a generic method; consumers need concrete parameter types",
        UsageCategory,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor InaccessibleStaticConsumer = Create(
        DiagnosticIds.InaccessibleStaticConsumer,
        "Static consumer is not accessible",
        "Static consumer '{0}' is not wired, because generated code cannot call it; make it and its containing types internal or public",
        UsageCategory,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor StaticConsumerInGenericType = Create(
        DiagnosticIds.StaticConsumerInGenericType,
        "Static consumer in a generic type",
        "Static consumer '{0}' is not wired, because its containing type is generic and has no type arguments to call it with; move it to a non-generic type or make it an instance method",
        UsageCategory,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor UnsupportedHost = Create(
        DiagnosticIds.UnsupportedHost,
        "Unsupported type for instance consumers",
        "Consumer '{0}' is not wired, because instance consumers cannot be declared in '{1}', which is {2}; use a class, struct or record",
        UsageCategory,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor LostPayloadMember = Create(
        DiagnosticIds.LostPayloadMember,
        "Payload member is lost when the event crosses the wire",
        "Member '{0}' of payload type '{1}' does not reach other processes: {2}",
        SerializationCategory,
        DiagnosticSeverity.Info);

    public static readonly DiagnosticDescriptor AsyncVoidConsumer = Create(
        DiagnosticIds.AsyncVoidConsumer,
        "Consumer is async void",
        "Consumer '{0}' is 'async void', so the bus cannot wait for it and its exceptions crash the process instead of reaching ConsumerFailed; return Task",
        UsageCategory,
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor SeveralPayloadParameters = Create(
        DiagnosticIds.SeveralPayloadParameters,
        "Consumer has more than one payload parameter",
        "Consumer '{0}' has two payload object parameters, '{1}' and '{2}', so each binds from the kwargs member of its own name, and an event emitted with one payload object fills neither; combine them into one type",
        UsageCategory,
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor FileLocalHost = Create(
        DiagnosticIds.FileLocalHost,
        "Consumer in a file-local type",
        "Consumer '{0}' is not wired, because type '{1}' is file-local and generated code in another file cannot name it; make the type internal",
        UsageCategory,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor ConflictingPayloadShapes = Create(
        DiagnosticIds.ConflictingPayloadShapes,
        "One signal carries payloads of conflicting JSON shapes",
        "Signal '{0}' is {1} here with payload type '{2}' but {3} with '{4}' at {5}, and their JSON conflicts: {6}",
        SerializationCategory,
        DiagnosticSeverity.Warning,
        WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor LocalConsumer = Create(
        DiagnosticIds.LocalConsumer,
        "Consumer on a local function or lambda is never wired",
        "[Consumer] on {0} is never wired, because generated code can call only methods declared in a type; move the consumer to a method of a type",
        UsageCategory,
        DiagnosticSeverity.Error);

    private static DiagnosticDescriptor Create(
        string id,
        string title,
        string message,
        string category,
        DiagnosticSeverity severity,
        params string[] customTags) =>
        new(
            id,
            title,
            message,
            category,
            severity,
            isEnabledByDefault: true,
            helpLinkUri: "docs/diagnostics.md#" + id.ToLowerInvariant(),
            customTags: customTags);
}
