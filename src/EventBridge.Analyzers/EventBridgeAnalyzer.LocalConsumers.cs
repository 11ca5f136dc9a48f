using EventBridge.CodeAnalysis;
using EventBridge.CodeAnalysis.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace EventBridge.Analyzers;

public sealed partial class EventBridgeAnalyzer
{
    /// <summary>
    /// Reports <c>[Consumer]</c> on a local function or a lambda. The generator wires only methods declared in a type
    /// and symbol actions never see local functions or lambdas, so nothing else would tell the user. Only lambdas
    /// with a parenthesized parameter list can have attributes.
    /// </summary>
    private static void AnalyzeLocalConsumer(SyntaxNodeAnalysisContext context, EventBridgeSymbols symbols)
    {
        var (attributeLists, target) = context.Node switch
        {
            LocalFunctionStatementSyntax local => (local.AttributeLists, "local function '" + local.Identifier.ValueText + "'"),
            LambdaExpressionSyntax lambda => (lambda.AttributeLists, "a lambda"),
            _ => (default(SyntaxList<AttributeListSyntax>), string.Empty),
        };

        foreach (var list in attributeLists)
        {
            // An attribute with a target such as "return:" does not mark the function itself.
            if (list.Target is not null && !list.Target.Identifier.IsKind(SyntaxKind.MethodKeyword))
            {
                continue;
            }

            foreach (var attribute in list.Attributes)
            {
                var constructor = context.SemanticModel.GetSymbolInfo(attribute, context.CancellationToken).Symbol;
                if (SymbolEqualityComparer.Default.Equals(constructor?.ContainingType, symbols.ConsumerAttribute))
                {
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.LocalConsumer, attribute.GetLocation(), target));
                }
            }
        }
    }
}
