using System.Collections.Generic;
using System.Linq;
using System.Threading;
using EventBridge.CodeAnalysis;
using EventBridge.CodeAnalysis.Rules;
using EventBridge.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace EventBridge.Generators;

public sealed partial class ConsumerGenerator
{
    /// <summary>Turns symbols into the equatable models of <c>Model/</c>; never keeps a symbol.</summary>
    private static class Parser
    {
        private const string TaskName = "System.Threading.Tasks.Task";
        private const string ValueTaskName = "System.Threading.Tasks.ValueTask";

        public static ConsumerParseResult ParseConsumer(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            if (context.TargetSymbol is not IMethodSymbol method
                || context.TargetNode is not MethodDeclarationSyntax
                || EventBridgeSymbols.Create(context.SemanticModel.Compilation) is not { } symbols)
            {
                return ConsumerParseResult.Empty;
            }

            // The rules are shared with the analyzers, which report every finding; the generator only leaves out a
            // consumer that it cannot wire, so that it never emits code that does not compile or run.
            var check = ConsumerRules.Check(method, symbols, cancellationToken);
            var result = new ConsumerParseResult
            {
                Payloads = check.Parameters
                    .Select(parameter => parameter.Analysis)
                    .Where(analysis => analysis is { IsSupported: true })
                    .Select(analysis => analysis!)
                    .ToEquatableArray(),
            };

            var returnKind = GetReturnKind(method.ReturnType);
            if (check.BlocksGeneration || returnKind is null)
            {
                return result;
            }

            var parameters = new List<ParameterModel>();
            var position = 0;
            foreach (var parameter in check.Parameters)
            {
                var model = CreateParameter(parameter, position);
                parameters.Add(model);
                if (model.Source == ParameterSource.Argument)
                {
                    position++;
                }
            }

            // One parameter of an object type is the whole payload; anything else binds argument by argument.
            var dataParameters = check.Parameters.Where(parameter => parameter.Kind == ConsumerParameterKind.Data).ToList();
            if (dataParameters.Count == 1 && dataParameters[0].Analysis!.IsObject)
            {
                var index = check.Parameters.IndexOf(dataParameters[0]);
                parameters[index] = parameters[index] with { Source = ParameterSource.Payload };
            }

            return result with
            {
                Consumer = new ConsumerModel
                {
                    DisplayName = ConsumerRules.GetDisplayName(method),
                    MethodName = EscapeIdentifier(method.Name),
                    IsStatic = method.IsStatic,
                    HostFullName = method.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
                    Host = CreateHost(method.ContainingType),
                    Signals = check.Signals.Select(signal => new SignalModel(signal.Name, signal.Namespace)).ToEquatableArray(),
                    Parameters = parameters.ToEquatableArray(),
                    ReturnKind = returnKind.Value,
                },
            };
        }

        public static bool IsEmitCandidate(SyntaxNode node, CancellationToken cancellationToken)
        {
            if (node is not InvocationExpressionSyntax invocation)
            {
                return false;
            }

            var name = invocation.Expression switch
            {
                MemberAccessExpressionSyntax access => access.Name,
                MemberBindingExpressionSyntax binding => binding.Name,
                _ => null,
            };

            return name?.Identifier.ValueText is "Emit" or "EmitAsync" or "Create" or "WithPayload" or "CreateSignal"
                && invocation.ArgumentList.Arguments.Count > 0;
        }

        public static EmitSiteResult ParseEmitSite(GeneratorSyntaxContext context, CancellationToken cancellationToken)
        {
            if (context.SemanticModel.GetSymbolInfo(context.Node, cancellationToken).Symbol is not IMethodSymbol method
                || !method.IsGenericMethod
                || method.TypeArguments.Length != 1
                || method.ContainingType?.ToDisplayString() is not ("EventBridge.EventBus" or "EventBridge.EventMessage"))
            {
                return EmitSiteResult.Empty;
            }

            var payloadType = method.TypeArguments[0];

            // A type parameter gets no serializer, and neither do the types that callers pass for it. Only a consumer,
            // a direct emit call or an EventBus.CreateSignal call with a concrete type makes the generator write one.
            if (payloadType.TypeKind is TypeKind.TypeParameter or TypeKind.Error)
            {
                return EmitSiteResult.Empty;
            }

            // The analyzers report a payload that cannot be serialized; the generator just writes no serializer for it.
            var analysis = new PayloadTypeAnalyzer(context.SemanticModel.Compilation).Analyze(payloadType, cancellationToken);
            return analysis.IsSupported ? new EmitSiteResult { Payload = analysis } : EmitSiteResult.Empty;
        }

        public static GeneratorSettings ParseSettings(Compilation compilation, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var naming = PayloadTypeAnalyzer.GetNamingPolicy(compilation);
            var hasRuntime = compilation.GetTypeByMetadataName("EventBridge.EventBus") is not null;
            var assemblyNamespace = ToNamespace(compilation.AssemblyName ?? "Assembly");
            return new GeneratorSettings(
                "EventBridge.Generated." + assemblyNamespace,
                assemblyNamespace.Replace("@", string.Empty).Replace('.', '_'),
                naming,
                hasRuntime);
        }

        private static ParameterModel CreateParameter(ConsumerParameter parameter, int position)
        {
            var type = parameter.Symbol.Type;
            var fullName = PayloadTypeAnalyzer.GetFullName(type);
            return parameter.Kind switch
            {
                ConsumerParameterKind.Context => new ParameterModel { Name = parameter.Symbol.Name, Source = ParameterSource.Context, TypeFullName = fullName },
                ConsumerParameterKind.CancellationToken => new ParameterModel { Name = parameter.Symbol.Name, Source = ParameterSource.CancellationToken, TypeFullName = fullName },
                _ => new ParameterModel
                {
                    Name = parameter.Symbol.Name,
                    Source = ParameterSource.Argument,
                    TypeFullName = fullName,
                    Position = position,
                    DefaultValue = parameter.Symbol.HasExplicitDefaultValue
                        ? CSharpLiterals.Format(parameter.Symbol.ExplicitDefaultValue, type, fullName) ?? "default!"
                        : null,
                    AllowsNull = type.IsValueType
                        ? type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T
                        : type.NullableAnnotation != NullableAnnotation.NotAnnotated,
                },
            };
        }

        private static ConsumerReturnKind? GetReturnKind(ITypeSymbol type)
        {
            if (type.SpecialType == SpecialType.System_Void)
            {
                return ConsumerReturnKind.Void;
            }

            var name = type.OriginalDefinition.ToDisplayString();
            if (name == TaskName || name.StartsWith(TaskName + "<", System.StringComparison.Ordinal))
            {
                return ConsumerReturnKind.Task;
            }

            return name == ValueTaskName ? ConsumerReturnKind.ValueTask : null;
        }

        private static ConsumerHost CreateHost(INamedTypeSymbol type)
        {
            var declarations = new List<TypeDeclarationModel>();
            for (var current = type; current is not null; current = current.ContainingType)
            {
                var keyword = current switch
                {
                    { IsRecord: true, TypeKind: TypeKind.Struct } => "record struct",
                    { IsRecord: true } => "record",
                    { TypeKind: TypeKind.Struct } => "struct",
                    { TypeKind: TypeKind.Interface } => "interface",
                    _ => "class",
                };
                var name = EscapeIdentifier(current.Name);
                if (current.TypeParameters.Length > 0)
                {
                    name += "<" + string.Join(", ", current.TypeParameters.Select(p => EscapeIdentifier(p.Name))) + ">";
                }

                declarations.Insert(0, new TypeDeclarationModel(keyword, name));
            }

            var metadataName = string.Empty;
            for (var current = type; current is not null; current = current.ContainingType)
            {
                var part = current.Arity > 0
                    ? current.Name + "_" + current.Arity.ToString(System.Globalization.CultureInfo.InvariantCulture)
                    : current.Name;
                metadataName = metadataName.Length == 0 ? part : part + "." + metadataName;
            }

            if (type.ContainingNamespace is { IsGlobalNamespace: false } containingNamespace)
            {
                metadataName = containingNamespace.ToDisplayString() + "." + metadataName;
            }

            return new ConsumerHost
            {
                MetadataName = metadataName,
                Namespace = type.ContainingNamespace is { IsGlobalNamespace: false } ns
                    ? ns.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat.WithGlobalNamespaceStyle(SymbolDisplayGlobalNamespaceStyle.Omitted))
                    : null,
                Declarations = declarations.ToEquatableArray(),
                IsValueType = type.IsValueType,
            };
        }

        private static string EscapeIdentifier(string name) =>
            SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

        private static string ToNamespace(string assemblyName)
        {
            var parts = assemblyName.Split('.').Select(part =>
            {
                var chars = part.Select(c => char.IsLetterOrDigit(c) || c == '_' ? c : '_').ToArray();
                var identifier = new string(chars);
                return identifier.Length == 0 || char.IsDigit(identifier[0]) ? "_" + identifier : EscapeIdentifier(identifier);
            });
            return string.Join(".", parts);
        }
    }
}
