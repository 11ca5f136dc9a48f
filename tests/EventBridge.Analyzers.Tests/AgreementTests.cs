using System.Collections.Immutable;
using EventBridge.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace EventBridge.Analyzers.Tests;

/// <summary>
/// Checks that the generator and the analyzers agree: the generator wires a consumer exactly when the analyzers
/// report no blocking rule on it, and writes a serializer for an emitted type exactly when they report no EB1002.
/// The inputs are every source and inline snippet of the generator's tests, and every unsupported shape of
/// <see cref="PayloadRuleTests"/>.
/// </summary>
public class AgreementTests
{
    private static readonly ImmutableHashSet<string> s_blockingIds =
    [
        DiagnosticDescriptors.UnserializablePayload.Id, DiagnosticDescriptors.HostNotPartial.Id, DiagnosticDescriptors.InvalidSignal.Id,
        DiagnosticDescriptors.UnsupportedReturnType.Id, DiagnosticDescriptors.UnsupportedParameter.Id, DiagnosticDescriptors.GenericConsumer.Id,
        DiagnosticDescriptors.InaccessibleStaticConsumer.Id, DiagnosticDescriptors.StaticConsumerInGenericType.Id, DiagnosticDescriptors.UnsupportedHost.Id,
        DiagnosticDescriptors.FileLocalHost.Id,
    ];

    public static TheoryData<string, string> Inputs()
    {
        var data = new TheoryData<string, string>();
        var testsDirectory = Path.Combine(FindRepositoryRoot(), "tests", "EventBridge.Generators.Tests");
        foreach (var file in Directory.GetFiles(testsDirectory, "*.cs", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(testsDirectory, file);
            if (relative.StartsWith("bin", StringComparison.Ordinal) || relative.StartsWith("obj", StringComparison.Ordinal))
            {
                continue;
            }

            var text = File.ReadAllText(file);
            if (relative.StartsWith("Snapshots", StringComparison.Ordinal) || relative.StartsWith("Payloads", StringComparison.Ordinal))
            {
                if (Path.GetFileName(file).StartsWith("Input", StringComparison.Ordinal) || relative.StartsWith("Payloads", StringComparison.Ordinal))
                {
                    data.Add(relative, text);
                }

                continue;
            }

            var index = 0;
            foreach (var snippet in ExtractSnippets(text))
            {
                data.Add($"{relative} snippet {index++}", snippet);
            }
        }

        foreach (var row in PayloadRuleTests.UnsupportedMembers())
        {
            var memberType = (string)row[0];
            data.Add("unsupported " + memberType, $$"""
                using System;
                using System.Collections.Generic;
                using System.IO;
                using EventBridge;

                namespace App;

                public interface IShape { }
                public abstract class Shape { }
                public sealed class NoConstructor { private NoConstructor() { } }
                public sealed record Key(int Id);
                public sealed record Customer(string Name, {{memberType}} Callback);

                public static class C
                {
                    [Consumer("customer")]
                    public static void OnCustomer(Customer customer) { }

                    public static void Send(EventBus bus, Customer customer) => bus.Emit("customer", customer);
                }
                """);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public async Task GeneratorAndAnalyzers_Agree(string name, string source)
    {
        var compilation = TestCompilation.Create(source);
        CSharpGeneratorDriver.Create([new ConsumerGenerator().AsSourceGenerator()], parseOptions: TestCompilation.ParseOptions)
            .RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        var generated = string.Join("\n", output.SyntaxTrees.Skip(compilation.SyntaxTrees.Length).Select(tree => tree.ToString()));
        var diagnostics = await compilation
            .WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new EventBridgeAnalyzer()))
            .GetAllDiagnosticsAsync();

        // Incomplete code makes both leave a consumer out silently, because the compiler reports it; the broken-code
        // tests cover that case.
        if (diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error && d.Id.StartsWith("CS", StringComparison.Ordinal)))
        {
            return;
        }

        var tree = compilation.SyntaxTrees.Single();
        var model = compilation.GetSemanticModel(tree);
        var root = tree.GetRoot();
        foreach (var method in root.DescendantNodes().OfType<MethodDeclarationSyntax>())
        {
            if (model.GetDeclaredSymbol(method) is not { } symbol
                || !symbol.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "EventBridge.ConsumerAttribute"))
            {
                continue;
            }

            var wired = generated.Contains("\"" + symbol.ContainingType.ToDisplayString() + "." + symbol.Name + "\"", StringComparison.Ordinal);
            var blocked = diagnostics.Where(d => s_blockingIds.Contains(d.Id) && method.FullSpan.Contains(d.Location.SourceSpan)).ToList();
            Assert.True(wired != (blocked.Count > 0), $"{name}: consumer {symbol} wired={wired}, analyzer diagnostics [{string.Join("; ", blocked)}]");
        }

        foreach (var invocation in root.DescendantNodes().OfType<InvocationExpressionSyntax>())
        {
            if (model.GetSymbolInfo(invocation).Symbol is not IMethodSymbol { IsGenericMethod: true } target
                || target.ContainingType?.ToDisplayString() is not ("EventBridge.EventBus" or "EventBridge.EventMessage")
                || target.TypeArguments[0] is not INamedTypeSymbol { TypeKind: TypeKind.Class or TypeKind.Struct or TypeKind.Enum } payload
                || !payload.Locations.Any(location => location.IsInSource))
            {
                continue;
            }

            var serialized = generated.Contains(payload.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat), StringComparison.Ordinal);
            var reported = diagnostics.Any(d => d.Id == DiagnosticDescriptors.UnserializableEmitPayload.Id && invocation.Span.Contains(d.Location.SourceSpan));
            Assert.True(serialized != reported, $"{name}: emit of {payload} serializer={serialized}, EB1002 reported={reported}");
        }
    }

    [Fact]
    public async Task RecursiveType_IsSupportedByBoth()
    {
        const string Source = """
            using System.Collections.Generic;
            using EventBridge;

            namespace App;

            public sealed record Node(string Name, Node? Next, List<Node> Children);

            public static class C
            {
                [Consumer("tree")]
                public static void OnTree(Node node) { }
            }
            """;
        var compilation = TestCompilation.Create(Source);
        var driver = CSharpGeneratorDriver.Create([new ConsumerGenerator().AsSourceGenerator()], parseOptions: TestCompilation.ParseOptions)
            .RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        var diagnostics = await compilation
            .WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new EventBridgeAnalyzer()))
            .GetAllDiagnosticsAsync();

        var generated = string.Join("\n", driver.GetRunResult().GeneratedTrees.Select(tree => tree.ToString()));
        Assert.Contains("\"App.C.OnTree\"", generated, StringComparison.Ordinal);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Empty(diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }

    /// <summary>
    /// Returns the C# snippets of a test file: string literals that contain a consumer or an emit call, each with the
    /// constant that the test puts in front of it (<c>Usings + "..."</c>) when there is one.
    /// </summary>
    private static IEnumerable<string> ExtractSnippets(string testSource)
    {
        var root = CSharpSyntaxTree.ParseText(testSource).GetRoot();
        var constants = root.DescendantNodes().OfType<FieldDeclarationSyntax>()
            .Where(field => field.Modifiers.Any(SyntaxKind.ConstKeyword))
            .SelectMany(field => field.Declaration.Variables)
            .Where(variable => variable.Initializer?.Value is LiteralExpressionSyntax)
            .ToDictionary(variable => variable.Identifier.ValueText, variable => ((LiteralExpressionSyntax)variable.Initializer!.Value).Token.ValueText);

        foreach (var literal in root.DescendantNodes().OfType<LiteralExpressionSyntax>())
        {
            var text = literal.Token.ValueText;
            if (!literal.IsKind(SyntaxKind.StringLiteralExpression) || !(text.Contains("[Consumer(", StringComparison.Ordinal) || text.Contains(".Emit", StringComparison.Ordinal)))
            {
                continue;
            }

            var prefix = literal.Parent is BinaryExpressionSyntax { Left: IdentifierNameSyntax identifier } binary
                && binary.Right == literal
                && constants.TryGetValue(identifier.Identifier.ValueText, out var constant)
                    ? constant
                    : string.Empty;
            yield return prefix + text;
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "EventBridge.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("EventBridge.sln was not found above " + AppContext.BaseDirectory);
    }
}
