using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using EventBridge.CodeAnalysis;
using EventBridge.CodeAnalysis.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace EventBridge.Analyzers;

/// <summary>
/// Reports consumers that generated code cannot wire, payload types that cannot cross the wire, invalid signal names,
/// and signals that carry payloads of conflicting shapes. The rules themselves live in the shared sources that the
/// generator compiles too, so both agree on what is valid.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed partial class EventBridgeAnalyzer : DiagnosticAnalyzer
{
    private static readonly ImmutableDictionary<string, DiagnosticDescriptor> s_descriptors = new[]
    {
        DiagnosticDescriptors.UnserializablePayload,
        DiagnosticDescriptors.UnserializableEmitPayload,
        DiagnosticDescriptors.HostNotPartial,
        DiagnosticDescriptors.InvalidSignal,
        DiagnosticDescriptors.UnsupportedReturnType,
        DiagnosticDescriptors.UnsupportedParameter,
        DiagnosticDescriptors.GenericConsumer,
        DiagnosticDescriptors.InaccessibleStaticConsumer,
        DiagnosticDescriptors.StaticConsumerInGenericType,
        DiagnosticDescriptors.UnsupportedHost,
        DiagnosticDescriptors.LostPayloadMember,
        DiagnosticDescriptors.AsyncVoidConsumer,
        DiagnosticDescriptors.SeveralPayloadParameters,
        DiagnosticDescriptors.FileLocalHost,
        DiagnosticDescriptors.ConflictingPayloadShapes,
        DiagnosticDescriptors.LocalConsumer,
    }.ToImmutableDictionary(descriptor => descriptor.Id);

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        [.. s_descriptors.Values.OrderBy(descriptor => descriptor.Id, System.StringComparer.Ordinal)];

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            // Without the runtime there are no consumers or emit calls to check.
            var symbols = EventBridgeSymbols.Create(start.Compilation);
            if (symbols is null)
            {
                return;
            }

            var signalUsages = new SignalUsages(symbols);
            start.RegisterSymbolAction(symbolContext => AnalyzeMethod(symbolContext, symbols, signalUsages), SymbolKind.Method);
            start.RegisterOperationAction(
                operationContext => AnalyzeInvocation(operationContext, symbols, signalUsages),
                Microsoft.CodeAnalysis.OperationKind.Invocation);
            start.RegisterSyntaxNodeAction(
                nodeContext => AnalyzeLocalConsumer(nodeContext, symbols),
                SyntaxKind.LocalFunctionStatement,
                SyntaxKind.ParenthesizedLambdaExpression);
            start.RegisterCompilationEndAction(signalUsages.ReportConflicts);
        });
    }

    private static Diagnostic ToDiagnostic(Finding finding) =>
        Diagnostic.Create(
            s_descriptors[finding.Id],
            finding.Location,
            finding.AdditionalLocations,
            finding.Arguments.Cast<object>().ToArray());

    private static void Report(IEnumerable<Finding> findings, System.Action<Diagnostic> report)
    {
        foreach (var finding in findings)
        {
            report(ToDiagnostic(finding));
        }
    }
}
