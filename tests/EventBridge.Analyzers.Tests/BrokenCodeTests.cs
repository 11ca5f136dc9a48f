using System.Collections.Immutable;
using EventBridge.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace EventBridge.Analyzers.Tests;

/// <summary>
/// Runs the generator and the analyzers on incomplete code, as the IDE does while the user types. Both must report
/// diagnostics only (never throw), and a valid consumer in another file must still be wired.
/// </summary>
public class BrokenCodeTests
{
    private const string ValidFile = """
        using EventBridge;

        namespace Valid;

        public sealed record Ping(string Text);

        public static class Listener
        {
            [Consumer("ping")]
            public static void OnPing(Ping ping) { }
        }
        """;

    public static TheoryData<string, string> Snippets() => new()
    {
        { "unclosed attribute", "public static class C { [Consumer( public static void M(Ping p) { } }" },
        { "empty attribute", "public static class C { [Consumer()] public static void M(Valid.Ping p) { } }" },
        { "null signal", "public static class C { [Consumer(null)] public static void M(Valid.Ping p) { } }" },
        { "undefined constant", "public static class C { [Consumer(Signals.Missing)] public static void M(Valid.Ping p) { } }" },
        { "non-constant signal", "public static class C { static string s = \"x\"; [Consumer(s)] public static void M(Valid.Ping p) { } }" },
        { "wrong argument type", "public static class C { [Consumer(42)] public static void M(Valid.Ping p) { } }" },
        { "two arguments", "public static class C { [Consumer(\"a\", \"b\")] public static void M(Valid.Ping p) { } }" },
        { "unknown named argument", "public static class C { [Consumer(\"a\", Colour = 1)] public static void M(Valid.Ping p) { } }" },
        { "unresolved parameter type", "public static class C { [Consumer(\"x\")] public static void M(Missing payload) { } }" },
        { "unresolved member type", "public sealed record Bad(Missing Value); public static class C { [Consumer(\"x\")] public static void M(Bad payload) { } }" },
        { "unresolved return type", "public static class C { [Consumer(\"x\")] public static Missing M(Valid.Ping p) => default!; }" },
        { "method without body", "public static class C { [Consumer(\"x\")] public static void M(Valid.Ping p) }" },
        { "method without parameter list", "public static class C { [Consumer(\"x\")] public static void M }" },
        { "attribute on nothing", "public static class C { [Consumer(\"x\")] }" },
        { "unclosed type", "public static class C { [Consumer(\"x\")] public static void M(Valid.Ping p) { }" },
        { "missing parameter name", "public static class C { [Consumer(\"x\")] public static void M(Valid.Ping) { } }" },
        { "duplicate parameter", "public static class C { [Consumer(\"x\")] public static void M(Valid.Ping p, Valid.Ping p) { } }" },
        { "emit with missing type", "public static class C { public static void M(EventBus bus) => bus.Emit(\"x\", new Missing()); }" },
        { "emit without arguments", "public static class C { public static void M(EventBus bus) => bus.Emit(); }" },
        { "emit with unclosed call", "public static class C { public static void M(EventBus bus) => bus.Emit(\"x\", ; }" },
        { "instance consumer in broken type", "public partial class H : Missing { [Consumer(\"x\")] public void M(Valid.Ping p) { } }" },
        { "recursive generic payload", "public sealed record Node<T>(T Value, Node<Node<T>>? Next); public static class C { [Consumer(\"x\")] public static void M(Node<int> n) { } }" },
    };

    [Theory]
    [MemberData(nameof(Snippets))]
    public async Task BrokenSnippet_ReportsDiagnosticsOnly(string name, string snippet)
    {
        var source = "using EventBridge;\n\nnamespace App;\n\n" + snippet + "\n";
        var compilation = TestCompilation.Create(ValidFile, source);

        var driver = CSharpGeneratorDriver.Create([new ConsumerGenerator().AsSourceGenerator()], parseOptions: TestCompilation.ParseOptions)
            .RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        var result = driver.GetRunResult().Results.Single();

        Assert.True(result.Exception is null, $"{name}: the generator threw {result.Exception}");
        Assert.DoesNotContain(generatorDiagnostics, d => d.Id is "CS8784" or "CS8785");
        var generated = string.Join("\n", result.GeneratedSources.Select(s => s.SourceText.ToString()));
        Assert.Contains("\"Valid.Listener.OnPing\"", generated, StringComparison.Ordinal);

        var generatedTrees = result.GeneratedSources.Select(s => s.SyntaxTree).ToHashSet();
        var errorsInGenerated = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree is { } tree && generatedTrees.Contains(tree));
        Assert.Empty(errorsInGenerated);

        var exceptions = new List<Exception>();
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions([]),
            onAnalyzerException: (exception, _, _) => { lock (exceptions) { exceptions.Add(exception); } },
            concurrentAnalysis: true,
            logAnalyzerExecutionTime: false);
        var analyzers = ImmutableArray.Create<DiagnosticAnalyzer>(new EventBridgeAnalyzer());
        var diagnostics = await compilation.WithAnalyzers(analyzers, options).GetAllDiagnosticsAsync();

        Assert.Empty(exceptions);
        Assert.DoesNotContain(diagnostics, d => d.Id == "AD0001");
        Assert.All(diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error), d => Assert.True(d.Id.StartsWith("CS", StringComparison.Ordinal) || d.Id.StartsWith("EB", StringComparison.Ordinal), d.ToString()));
        Assert.Contains(diagnostics, d => d.Severity == DiagnosticSeverity.Error);
    }
}
