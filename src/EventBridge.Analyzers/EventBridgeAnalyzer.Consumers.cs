using System.Linq;
using EventBridge.CodeAnalysis;
using EventBridge.CodeAnalysis.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace EventBridge.Analyzers;

public sealed partial class EventBridgeAnalyzer
{
    private static void AnalyzeMethod(SymbolAnalysisContext context, EventBridgeSymbols symbols, SignalUsages signalUsages)
    {
        var method = (IMethodSymbol)context.Symbol;
        if (!method.GetAttributes().Any(symbols.IsConsumerAttribute))
        {
            return;
        }

        var check = ConsumerRules.Check(method, symbols, context.CancellationToken);
        Report(check.Findings, context.ReportDiagnostic);
        if (!check.BlocksGeneration)
        {
            signalUsages.AddConsumer(check);
        }
    }
}
