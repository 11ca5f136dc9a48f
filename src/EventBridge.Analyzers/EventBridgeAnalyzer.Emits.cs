using System.Linq;
using EventBridge.CodeAnalysis;
using EventBridge.CodeAnalysis.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace EventBridge.Analyzers;

public sealed partial class EventBridgeAnalyzer
{
    /// <summary>
    /// Checks calls that name a signal or carry a payload: <c>EventBus.Emit</c>, <c>EventBus.EmitAsync</c>,
    /// <c>EventBus.CreateSignal</c>, <c>EventMessage.Create</c> and <c>EventMessage.WithPayload</c>.
    /// </summary>
    private static void AnalyzeInvocation(OperationAnalysisContext context, EventBridgeSymbols symbols, SignalUsages signalUsages)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var target = invocation.TargetMethod;
        if (target.Name is not ("Emit" or "EmitAsync" or "Create" or "WithPayload" or "CreateSignal")
            || !(SymbolEqualityComparer.Default.Equals(target.ContainingType, symbols.EventBus)
                || SymbolEqualityComparer.Default.Equals(target.ContainingType, symbols.EventMessage)))
        {
            return;
        }

        var signal = GetConstantArgument(invocation, "signal", out var signalArgument);
        if (signal.IsConstant)
        {
            var problem = SignalRules.CheckEmitted(signal.Value);
            if (problem is not null)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.InvalidSignal,
                    GetExpressionLocation(signalArgument!),
                    SignalRules.Display(signal.Value),
                    problem));
                signal = default;
            }
        }

        if (!target.IsGenericMethod || target.TypeArguments.Length != 1)
        {
            return;
        }

        var payloadType = target.TypeArguments[0];
        var payloadArgument = invocation.Arguments.FirstOrDefault(argument =>
            argument.Parameter is { } parameter
            && target.OriginalDefinition.Parameters[parameter.Ordinal].Type.TypeKind == TypeKind.TypeParameter);

        // A type parameter has no shape to check. The types that callers pass for it are not seen here either, so
        // each of them needs one direct use with its concrete type: a consumer, or an emit call like this one.
        if (payloadType.TypeKind is TypeKind.TypeParameter or TypeKind.Error)
        {
            return;
        }

        // CreateSignal takes no payload argument, so its explicit type argument is the place to report.
        Location location;
        if (payloadArgument is not null)
        {
            location = GetExpressionLocation(payloadArgument);
        }
        else if (target.Name == "CreateSignal")
        {
            location = GetTypeArgumentLocation(invocation);
        }
        else
        {
            return;
        }

        var analysis = symbols.Payloads.Analyze(payloadType, context.CancellationToken);
        Report(
            ConsumerRules.CreatePayloadFindings(
                DiagnosticIds.UnserializableEmitPayload, payloadType, analysis, location, consumerName: null, parameterName: null),
            context.ReportDiagnostic);

        var signalNamespace = GetConstantArgument(invocation, "namespace", out var namespaceArgument);
        var namespaceKnown = namespaceArgument is null || namespaceArgument.IsImplicit || signalNamespace.IsConstant;
        if (signal.IsConstant && namespaceKnown && analysis.IsSupported)
        {
            signalUsages.AddEmit(signal.Value!, signalNamespace.Value, payloadType, analysis, location);
        }
    }

    private static (bool IsConstant, string? Value) GetConstantArgument(
        IInvocationOperation invocation,
        string parameterName,
        out IArgumentOperation? argument)
    {
        argument = invocation.Arguments.FirstOrDefault(a => a.Parameter?.Name == parameterName);
        if (argument is null || argument.Parameter!.Type.SpecialType != SpecialType.System_String)
        {
            argument = null;
            return default;
        }

        var constant = argument.Value.ConstantValue;
        return constant.HasValue && constant.Value is null or string ? (true, (string?)constant.Value) : default;
    }

    private static Location GetTypeArgumentLocation(IInvocationOperation invocation) =>
        invocation.Syntax is InvocationExpressionSyntax
        {
            Expression: MemberAccessExpressionSyntax { Name: GenericNameSyntax { TypeArgumentList.Arguments: [var typeArgument, ..] } },
        }
            ? typeArgument.GetLocation()
            : invocation.Syntax.GetLocation();

    private static Location GetExpressionLocation(IArgumentOperation argument) =>
        argument.Syntax is ArgumentSyntax syntax ? syntax.Expression.GetLocation() : argument.Syntax.GetLocation();
}
