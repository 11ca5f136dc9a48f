using System.Collections.Generic;
using System.Linq;
using System.Threading;
using EventBridge.CodeAnalysis;
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
        private const string EventContextName = "EventBridge.EventContext";
        private const string CancellationTokenName = "System.Threading.CancellationToken";
        private const string TaskName = "System.Threading.Tasks.Task";
        private const string ValueTaskName = "System.Threading.Tasks.ValueTask";

        public static ConsumerParseResult ParseConsumer(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            if (context.TargetSymbol is not IMethodSymbol method || context.TargetNode is not MethodDeclarationSyntax syntax)
            {
                return ConsumerParseResult.Empty;
            }

            // A method without a body is incomplete code that the compiler already reports.
            if (syntax.Body is null && syntax.ExpressionBody is null && !method.IsAbstract && !method.IsExtern && !method.IsPartialDefinition)
            {
                return ConsumerParseResult.Empty;
            }

            var displayName = method.ContainingType.ToDisplayString() + "." + method.Name;
            var location = syntax.Identifier.GetLocation();
            var diagnostics = new List<DiagnosticInfo>();
            var signals = ParseSignals(context, displayName, diagnostics, cancellationToken);
            if (signals.Count == 0)
            {
                return new ConsumerParseResult { Diagnostics = diagnostics.ToEquatableArray() };
            }

            CheckMethod(method, context.SemanticModel.Compilation, displayName, location, diagnostics);
            var returnKind = GetReturnKind(method.ReturnType);
            if (returnKind is null && method.ReturnType.TypeKind != TypeKind.Error)
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.UnsupportedReturnType, location, displayName, method.ReturnType.ToDisplayString()));
            }

            var analyzer = new PayloadTypeAnalyzer(context.SemanticModel.Compilation);
            var parameters = new List<ParameterModel>();
            var payloads = new List<PayloadAnalysis>();
            var unresolved = returnKind is null;
            var position = 0;
            foreach (var parameter in method.Parameters)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var parameterModel = ParseParameter(parameter, position, analyzer, displayName, diagnostics, payloads, ref unresolved, cancellationToken);
                if (parameterModel is null)
                {
                    continue;
                }

                parameters.Add(parameterModel);
                if (parameterModel.Source == ParameterSource.Argument)
                {
                    position++;
                }
            }

            // One parameter of an object type is the whole payload; anything else binds argument by argument.
            var dataParameters = parameters.Where(p => p.Source == ParameterSource.Argument).ToList();
            if (dataParameters.Count == 1
                && payloads.FirstOrDefault(p => p.RootFullName == dataParameters[0].TypeFullName) is { IsSupported: true } payload
                && payload.Shapes[0].Kind == PayloadKind.Object)
            {
                var index = parameters.IndexOf(dataParameters[0]);
                parameters[index] = dataParameters[0] with { Source = ParameterSource.Payload };
            }

            var result = new ConsumerParseResult
            {
                Diagnostics = diagnostics.ToEquatableArray(),
                Payloads = payloads.Where(p => p.IsSupported).ToEquatableArray(),
            };

            if (diagnostics.Count > 0 || unresolved)
            {
                return result;
            }

            return result with
            {
                Consumer = new ConsumerModel
                {
                    DisplayName = displayName,
                    MethodName = EscapeIdentifier(method.Name),
                    IsStatic = method.IsStatic,
                    HostFullName = method.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
                    Host = CreateHost(method.ContainingType),
                    Signals = signals.ToEquatableArray(),
                    Parameters = parameters.ToEquatableArray(),
                    ReturnKind = returnKind!.Value,
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

            return name?.Identifier.ValueText is "Emit" or "EmitAsync" or "Create" or "WithPayload"
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

            // A payload of a type parameter gets its serializer where the generic code is called with a real type.
            if (payloadType.TypeKind is TypeKind.TypeParameter or TypeKind.Error)
            {
                return EmitSiteResult.Empty;
            }

            var analysis = new PayloadTypeAnalyzer(context.SemanticModel.Compilation).Analyze(payloadType, cancellationToken);
            if (analysis.IsSupported)
            {
                return new EmitSiteResult { Payload = analysis };
            }

            var diagnostics = analysis.Problems
                .Where(problem => !problem.IsUnresolvedType)
                .Select(problem => DiagnosticInfo.Create(
                    DiagnosticDescriptors.UnserializableEmitPayload,
                    context.Node.GetLocation(),
                    PayloadTypeAnalyzer.GetDisplayName(payloadType),
                    problem.MemberPath,
                    problem.Reason));
            return new EmitSiteResult { Diagnostics = diagnostics.ToEquatableArray() };
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

        private static List<SignalModel> ParseSignals(
            GeneratorAttributeSyntaxContext context,
            string displayName,
            List<DiagnosticInfo> diagnostics,
            CancellationToken cancellationToken)
        {
            var signals = new List<SignalModel>();
            foreach (var attribute in context.Attributes)
            {
                cancellationToken.ThrowIfCancellationRequested();

                // An argument list that does not bind (such as "[Consumer(" while typing) is reported by the compiler.
                if (attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Kind == TypedConstantKind.Error)
                {
                    continue;
                }

                var signal = attribute.ConstructorArguments[0].Value as string;
                var attributeLocation = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation();
                var problem = SignalNames.Validate(signal);
                if (problem is not null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.InvalidSignal, attributeLocation, displayName, signal ?? "null", problem));
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

                signals.Add(new SignalModel(signal!, string.IsNullOrEmpty(signalNamespace) ? null : signalNamespace));
            }

            return signals;
        }

        private static void CheckMethod(
            IMethodSymbol method,
            Compilation compilation,
            string displayName,
            Location location,
            List<DiagnosticInfo> diagnostics)
        {
            if (method.IsGenericMethod)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GenericConsumer, location, displayName));
            }

            var host = method.ContainingType;
            if (method.IsStatic)
            {
                if (!compilation.IsSymbolAccessibleWithin(method, compilation.Assembly) || IsInFileLocalType(host))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InaccessibleStaticConsumer, location, displayName));
                }

                for (var type = host; type is not null; type = type.ContainingType)
                {
                    if (type.IsGenericType)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.StaticConsumerInGenericType, location, displayName));
                        break;
                    }
                }

                return;
            }

            var unsupportedKind = host.TypeKind switch
            {
                _ when IsInFileLocalType(host) => "file-local, so a generated file cannot declare another part of it",
                TypeKind.Interface => "an interface",
                TypeKind.Struct when host.IsRefLikeType => "a ref struct",
                TypeKind.Class or TypeKind.Struct => null,
                _ => "not a class or struct",
            };
            if (unsupportedKind is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.UnsupportedHost, location, displayName, host.ToDisplayString(), unsupportedKind));
                return;
            }

            for (var type = host; type is not null; type = type.ContainingType)
            {
                if (!IsPartial(type))
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.HostNotPartial, location, displayName, type.ToDisplayString()));
                    break;
                }
            }
        }

        private static bool IsInFileLocalType(INamedTypeSymbol? type)
        {
            for (; type is not null; type = type.ContainingType)
            {
                if (type.IsFileLocal)
                {
                    return true;
                }
            }

            return false;
        }

        private static bool IsPartial(INamedTypeSymbol type) =>
            type.DeclaringSyntaxReferences.Any(reference =>
                reference.GetSyntax() is TypeDeclarationSyntax declaration
                && declaration.Modifiers.Any(modifier => modifier.IsKind(SyntaxKind.PartialKeyword)));

        private static ParameterModel? ParseParameter(
            IParameterSymbol parameter,
            int position,
            PayloadTypeAnalyzer analyzer,
            string displayName,
            List<DiagnosticInfo> diagnostics,
            List<PayloadAnalysis> payloads,
            ref bool unresolved,
            CancellationToken cancellationToken)
        {
            var location = parameter.Locations.FirstOrDefault();
            if (parameter.RefKind is RefKind.Ref or RefKind.Out)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedParameter, location, displayName, parameter.Name));
                return null;
            }

            var type = parameter.Type;
            var typeName = type.ToDisplayString();
            if (typeName == EventContextName)
            {
                return new ParameterModel { Name = parameter.Name, Source = ParameterSource.Context, TypeFullName = PayloadTypeAnalyzer.GetFullName(type) };
            }

            if (typeName == CancellationTokenName)
            {
                return new ParameterModel { Name = parameter.Name, Source = ParameterSource.CancellationToken, TypeFullName = PayloadTypeAnalyzer.GetFullName(type) };
            }

            var analysis = analyzer.Analyze(type, cancellationToken);
            payloads.Add(analysis);
            foreach (var problem in analysis.Problems)
            {
                if (problem.IsUnresolvedType)
                {
                    unresolved = true;
                    continue;
                }

                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.UnserializablePayload,
                    location,
                    displayName,
                    PayloadTypeAnalyzer.GetDisplayName(type),
                    problem.MemberPath,
                    problem.Reason));
            }

            var fullName = PayloadTypeAnalyzer.GetFullName(type);
            return new ParameterModel
            {
                Name = parameter.Name,
                Source = ParameterSource.Argument,
                TypeFullName = fullName,
                Position = position,
                DefaultValue = parameter.HasExplicitDefaultValue
                    ? CSharpLiterals.Format(parameter.ExplicitDefaultValue, type, fullName) ?? "default!"
                    : null,
                AllowsNull = type.IsValueType
                    ? type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T
                    : type.NullableAnnotation != NullableAnnotation.NotAnnotated,
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
