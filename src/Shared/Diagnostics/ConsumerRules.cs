// Compiled into the generator and the analyzers: one definition of a valid consumer. The analyzers report every
// finding; the generator skips a consumer when a finding blocks generation or the code is incomplete.
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace EventBridge.CodeAnalysis.Rules;

/// <summary>How a consumer parameter gets its value.</summary>
internal enum ConsumerParameterKind
{
    /// <summary>The <c>EventContext</c> of the event.</summary>
    Context,

    /// <summary>The event's cancellation token.</summary>
    CancellationToken,

    /// <summary>A value read from the event's JSON.</summary>
    Data,
}

/// <summary>A consumer parameter that passed the rules.</summary>
internal sealed record ConsumerParameter(IParameterSymbol Symbol, ConsumerParameterKind Kind, PayloadAnalysis? Analysis);

/// <summary>A signal of a <c>[Consumer]</c> attribute that passed the rules.</summary>
internal sealed record ConsumerSignal(string Name, string? Namespace, Location? Location);

/// <summary>What the consumer rules found on one method.</summary>
internal sealed class ConsumerCheck
{
    public List<Finding> Findings { get; } = [];

    public List<ConsumerSignal> Signals { get; } = [];

    public List<ConsumerParameter> Parameters { get; } = [];

    /// <summary>
    /// Whether the code is incomplete in a way that the compiler reports (no body, an unresolved type, an attribute
    /// argument that does not bind). The rules stay silent about such parts.
    /// </summary>
    public bool IsIncomplete { get; set; }

    /// <summary>Whether the generator must leave the consumer out.</summary>
    public bool BlocksGeneration => IsIncomplete || Signals.Count == 0 || Findings.Any(finding => finding.BlocksGeneration);
}

/// <summary>The rules that a <c>[Consumer]</c> method must follow for generated code to wire it.</summary>
internal static class ConsumerRules
{
    private const string TaskName = "System.Threading.Tasks.Task";
    private const string TaskOfTName = "System.Threading.Tasks.Task<TResult>";
    private const string ValueTaskName = "System.Threading.Tasks.ValueTask";

    /// <summary>Whether <paramref name="type"/> is a return type that generated code can handle.</summary>
    public static bool IsSupportedReturnType(ITypeSymbol type)
    {
        if (type.SpecialType == SpecialType.System_Void)
        {
            return true;
        }

        var name = type.OriginalDefinition.ToDisplayString();
        return name is TaskName or TaskOfTName or ValueTaskName;
    }

    /// <summary>The name that messages and generated registrations use for a consumer: its type and method name.</summary>
    public static string GetDisplayName(IMethodSymbol method) => method.ContainingType.ToDisplayString() + "." + method.Name;

    /// <summary>Checks <paramref name="method"/>, a method with at least one <c>[Consumer]</c> attribute.</summary>
    public static ConsumerCheck Check(IMethodSymbol method, EventBridgeSymbols symbols, CancellationToken cancellationToken)
    {
        var check = new ConsumerCheck();
        var syntax = method.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) as MethodDeclarationSyntax;

        // A method without a body is incomplete code that the compiler already reports.
        if (syntax is null
            || (syntax.Body is null && syntax.ExpressionBody is null && !method.IsAbstract && !method.IsExtern && !method.IsPartialDefinition))
        {
            check.IsIncomplete = true;
            return check;
        }

        var displayName = GetDisplayName(method);
        var location = syntax.Identifier.GetLocation();
        CheckSignals(method, symbols, check, cancellationToken);
        if (method.IsGenericMethod)
        {
            check.Findings.Add(new Finding(DiagnosticIds.GenericConsumer, location, true, displayName));
        }

        CheckHost(method, symbols.Compilation, displayName, location, check);
        CheckReturnType(method, syntax, displayName, check);
        CheckParameters(method, symbols, displayName, check, cancellationToken);
        if (method.IsVararg)
        {
            // IMethodSymbol.Parameters leaves __arglist out, so it gets its own finding.
            var arglist = syntax.ParameterList.Parameters.FirstOrDefault(parameter => parameter.Identifier.IsKind(SyntaxKind.ArgListKeyword));
            check.Findings.Add(new Finding(
                DiagnosticIds.UnsupportedParameter,
                (arglist ?? (SyntaxNode)syntax.ParameterList).GetLocation(),
                true,
                displayName,
                "__arglist",
                "a variable argument list, which generated code cannot fill",
                "declare each value as a parameter"));
        }

        return check;
    }

    /// <summary>
    /// Turns the problems and lost members of a payload analysis into findings at <paramref name="location"/>, with
    /// the member that each one is about as an additional location when it is in source. A consumer's findings name
    /// the consumer and the parameter, and an emit call passes <see langword="null"/> for both.
    /// </summary>
    public static IEnumerable<Finding> CreatePayloadFindings(
        string problemId,
        ITypeSymbol payloadType,
        PayloadAnalysis analysis,
        Location? location,
        string? consumerName,
        string? parameterName)
    {
        var typeName = PayloadTypeAnalyzer.GetDisplayName(payloadType);
        foreach (var problem in analysis.Problems)
        {
            if (problem.IsUnresolvedType)
            {
                continue;
            }

            var member = MemberPaths.FindLastMember(payloadType, problem.MemberPath);
            var hint = member is null ? string.Empty : "; or mark the member [JsonIgnore] to leave it out of the payload";
            var arguments = consumerName is null
                ? new[] { typeName, problem.MemberPath, problem.Reason, hint }
                : new[] { consumerName, parameterName ?? string.Empty, typeName, problem.MemberPath, problem.Reason, hint };
            yield return new Finding(problemId, location, ToLocations(member), true, arguments);
        }

        foreach (var lost in analysis.LostMembers)
        {
            var member = MemberPaths.FindLastMember(payloadType, lost.MemberPath);
            yield return new Finding(
                DiagnosticIds.LostPayloadMember, location, ToLocations(member), false, lost.MemberPath, lost.TypeName, lost.Reason);
        }
    }

    private static ImmutableArray<Location> ToLocations(ISymbol? member) =>
        MemberPaths.GetSourceLocation(member) is { } memberLocation
            ? ImmutableArray.Create(memberLocation)
            : ImmutableArray<Location>.Empty;

    private static void CheckSignals(
        IMethodSymbol method,
        EventBridgeSymbols symbols,
        ConsumerCheck check,
        CancellationToken cancellationToken)
    {
        foreach (var attribute in method.GetAttributes())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!symbols.IsConsumerAttribute(attribute))
            {
                continue;
            }

            var attributeSyntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;

            // An argument list that does not bind (such as "[Consumer(" while typing) is reported by the compiler.
            if (attribute.AttributeConstructor is null
                || attribute.ConstructorArguments.Length != 1
                || attribute.ConstructorArguments[0].Kind == TypedConstantKind.Error
                || attributeSyntax?.ArgumentList is null)
            {
                check.IsIncomplete = true;
                continue;
            }

            var signal = attribute.ConstructorArguments[0].Value as string;
            var signalSyntax = attributeSyntax.ArgumentList.Arguments.FirstOrDefault(argument => argument.NameEquals is null);
            var signalLocation = (signalSyntax?.Expression ?? (SyntaxNode)attributeSyntax).GetLocation();
            var problem = SignalRules.CheckConsumed(signal, symbols.LibrarySignals);
            if (problem is not null)
            {
                check.Findings.Add(new Finding(DiagnosticIds.InvalidSignal, signalLocation, true, SignalRules.Display(signal), problem));
                continue;
            }

            string? signalNamespace = null;
            foreach (var argument in attribute.NamedArguments)
            {
                if (argument.Key == "Namespace")
                {
                    signalNamespace = argument.Value.Value as string;
                }
            }

            check.Signals.Add(new ConsumerSignal(signal!, string.IsNullOrEmpty(signalNamespace) ? null : signalNamespace, signalLocation));
        }
    }

    private static void CheckHost(IMethodSymbol method, Compilation compilation, string displayName, Location location, ConsumerCheck check)
    {
        var host = method.ContainingType;
        for (var type = host; type is not null; type = type.ContainingType)
        {
            if (type.IsFileLocal)
            {
                check.Findings.Add(new Finding(DiagnosticIds.FileLocalHost, location, true, displayName, type.ToDisplayString()));
                return;
            }
        }

        if (method.IsStatic)
        {
            if (!compilation.IsSymbolAccessibleWithin(method, compilation.Assembly))
            {
                check.Findings.Add(new Finding(DiagnosticIds.InaccessibleStaticConsumer, location, true, displayName));
            }

            for (var type = host; type is not null; type = type.ContainingType)
            {
                if (type.IsGenericType)
                {
                    check.Findings.Add(new Finding(DiagnosticIds.StaticConsumerInGenericType, location, true, displayName));
                    break;
                }
            }

            return;
        }

        var unsupportedKind = host.TypeKind switch
        {
            TypeKind.Interface => "an interface",
            TypeKind.Struct when host.IsRefLikeType => "a ref struct",
            TypeKind.Class or TypeKind.Struct => null,
            _ => "not a class or struct",
        };
        if (unsupportedKind is not null)
        {
            check.Findings.Add(new Finding(DiagnosticIds.UnsupportedHost, location, true, displayName, host.ToDisplayString(), unsupportedKind));
            return;
        }

        for (var type = host; type is not null; type = type.ContainingType)
        {
            if (!IsPartial(type))
            {
                check.Findings.Add(new Finding(DiagnosticIds.HostNotPartial, location, true, displayName, type.ToDisplayString()));
                break;
            }
        }
    }

    private static bool IsPartial(INamedTypeSymbol type) =>
        type.DeclaringSyntaxReferences.Any(reference =>
            reference.GetSyntax() is TypeDeclarationSyntax declaration
            && declaration.Modifiers.Any(modifier => modifier.IsKind(SyntaxKind.PartialKeyword)));

    private static void CheckReturnType(IMethodSymbol method, MethodDeclarationSyntax syntax, string displayName, ConsumerCheck check)
    {
        var location = syntax.ReturnType.GetLocation();
        if (method.ReturnType.TypeKind == TypeKind.Error)
        {
            check.IsIncomplete = true;
        }
        else if (method.IsAsync && method.ReturnsVoid)
        {
            // Generated code can call it, so it is still wired; the warning is about losing its exceptions.
            check.Findings.Add(new Finding(DiagnosticIds.AsyncVoidConsumer, location, false, displayName));
        }
        else if (!IsSupportedReturnType(method.ReturnType))
        {
            check.Findings.Add(new Finding(
                DiagnosticIds.UnsupportedReturnType, location, true, displayName, method.ReturnType.ToDisplayString()));
        }
    }

    private static void CheckParameters(
        IMethodSymbol method,
        EventBridgeSymbols symbols,
        string displayName,
        ConsumerCheck check,
        CancellationToken cancellationToken)
    {
        var payloadParameters = new List<IParameterSymbol>();
        foreach (var parameter in method.Parameters)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var location = parameter.Locations.FirstOrDefault();
            var passing = GetPassingKind(parameter);
            if (passing is not null)
            {
                check.Findings.Add(new Finding(
                    DiagnosticIds.UnsupportedParameter, location, true, displayName, parameter.Name, passing + " parameter", "take it by value"));
                continue;
            }

            var type = parameter.Type;
            if (type.TypeKind == TypeKind.Error)
            {
                check.IsIncomplete = true;
                continue;
            }

            // EventContext? and CancellationToken? get the same value as their non-nullable forms, which the
            // generated call converts implicitly; treating them as payload would report the context's own members.
            if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
            {
                var underlying = nullable.TypeArguments[0];
                if (SymbolEqualityComparer.Default.Equals(underlying, symbols.EventContext)
                    || SymbolEqualityComparer.Default.Equals(underlying, symbols.CancellationToken))
                {
                    type = underlying;
                }
            }

            if (SymbolEqualityComparer.Default.Equals(type, symbols.EventContext))
            {
                check.Parameters.Add(new ConsumerParameter(parameter, ConsumerParameterKind.Context, null));
                continue;
            }

            if (SymbolEqualityComparer.Default.Equals(type, symbols.CancellationToken))
            {
                check.Parameters.Add(new ConsumerParameter(parameter, ConsumerParameterKind.CancellationToken, null));
                continue;
            }

            // EB1007 already reports a generic consumer, and a type built from its type parameters has no shape to check.
            if (UsesMethodTypeParameter(type))
            {
                continue;
            }

            var analysis = symbols.Payloads.Analyze(type, cancellationToken);
            if (analysis.Problems.Any(problem => problem.IsUnresolvedType))
            {
                check.IsIncomplete = true;
            }

            check.Findings.AddRange(
                CreatePayloadFindings(DiagnosticIds.UnserializablePayload, type, analysis, location, displayName, parameter.Name));
            check.Parameters.Add(new ConsumerParameter(parameter, ConsumerParameterKind.Data, analysis));
            if (analysis.IsSupported && analysis.Shapes[0].Kind == PayloadKind.Object)
            {
                payloadParameters.Add(parameter);
            }
        }

        // Generated code binds such parameters by name from the kwargs object, which a Python client can send, so
        // the consumer is still wired; the warning is about C# emitters, which send one payload object.
        for (var i = 1; i < payloadParameters.Count; i++)
        {
            check.Findings.Add(new Finding(
                DiagnosticIds.SeveralPayloadParameters,
                payloadParameters[i].Locations.FirstOrDefault(),
                false,
                displayName,
                payloadParameters[0].Name,
                payloadParameters[i].Name));
        }
    }

    /// <summary>Whether <paramref name="type"/> is or contains a type parameter of a generic method.</summary>
    private static bool UsesMethodTypeParameter(ITypeSymbol type) => type switch
    {
        ITypeParameterSymbol parameter => parameter.TypeParameterKind == TypeParameterKind.Method,
        IArrayTypeSymbol array => UsesMethodTypeParameter(array.ElementType),
        IPointerTypeSymbol pointer => UsesMethodTypeParameter(pointer.PointedAtType),
        INamedTypeSymbol named => named.TypeArguments.Any(UsesMethodTypeParameter)
            || (named.ContainingType is { } containing && UsesMethodTypeParameter(containing)),
        _ => false,
    };

    /// <summary>Describes how a parameter is passed when generated code cannot bind it, or returns <see langword="null"/>.</summary>
    private static string? GetPassingKind(IParameterSymbol parameter)
    {
        if (parameter.IsParams)
        {
            return "a params";
        }

        return parameter.RefKind switch
        {
            RefKind.None => null,
            RefKind.Ref => "a ref",
            RefKind.Out => "an out",
            RefKind.In => "an in",
            _ => "a ref readonly",
        };
    }
}
