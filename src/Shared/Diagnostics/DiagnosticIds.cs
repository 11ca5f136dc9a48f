// Compiled into the generator and the analyzers. The analyzers report these diagnostics; the generator uses the ids
// only to tell which findings of the shared rules stop it from generating code.
namespace EventBridge.CodeAnalysis;

/// <summary>
/// The ids of the EventBridge diagnostics. An id is never reused for another meaning; keep the list in step with
/// <c>docs/diagnostics.md</c> and the analyzers' <c>AnalyzerReleases.*.md</c>.
/// </summary>
internal static class DiagnosticIds
{
    public const string UnserializablePayload = "EB1001";
    public const string UnserializableEmitPayload = "EB1002";
    public const string HostNotPartial = "EB1003";
    public const string InvalidSignal = "EB1004";
    public const string UnsupportedReturnType = "EB1005";
    public const string UnsupportedParameter = "EB1006";
    public const string GenericConsumer = "EB1007";
    public const string InaccessibleStaticConsumer = "EB1008";
    public const string StaticConsumerInGenericType = "EB1009";
    public const string UnsupportedHost = "EB1010";
    public const string LostPayloadMember = "EB1011";
    public const string AsyncVoidConsumer = "EB1012";
    public const string SeveralPayloadParameters = "EB1013";
    public const string FileLocalHost = "EB1014";
    public const string ConflictingPayloadShapes = "EB1015";
    public const string LocalConsumer = "EB1016";
}
