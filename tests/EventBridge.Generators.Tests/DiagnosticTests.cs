using EventBridge.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace EventBridge.Generators.Tests;

/// <summary>Checks that each generator diagnostic is reported where it applies and that the rest still compiles.</summary>
public class DiagnosticTests
{
    private const string Usings = "using System.Collections.Generic; using System.Threading.Tasks; using EventBridge; namespace App; public sealed record Ok(string Text);\n";

    public static TheoryData<string, string, string> Cases() => new()
    {
        { "EB1001", "object payload", "public static class C { [Consumer(\"x\")] public static void M(object payload) { } }" },
        { "EB1001", "interface member", "public interface IShape { } public sealed record Box(IShape Shape); public static class C { [Consumer(\"x\")] public static void M(Box box) { } }" },
        { "EB1001", "int dictionary key", "public static class C { [Consumer(\"x\")] public static void M(Dictionary<int, string> map) { } }" },
        { "EB1001", "unmatched constructor parameter", "public sealed class P { public P(int hidden) { } public int Shown { get; set; } } public static class C { [Consumer(\"x\")] public static void M(P p) { } }" },
        { "EB1001", "private nested payload", "public static class C { private sealed record Secret(int A); [Consumer(\"x\")] private static void M(Secret s) { } }" },
        { "EB1001", "tuple", "public static class C { [Consumer(\"x\")] public static void M((int A, int B) pair) { } }" },
        { "EB1001", "abstract payload", "public abstract class Shape { } public static class C { [Consumer(\"x\")] public static void M(Shape s) { } }" },
        { "EB1001", "two JsonConstructors", "public sealed class P { [System.Text.Json.Serialization.JsonConstructor] public P(int a) { A = a; } [System.Text.Json.Serialization.JsonConstructor] public P(int a, int b) { A = a; } public int A { get; } } public static class C { [Consumer(\"x\")] public static void M(P p) { } }" },
        { "EB1001", "colliding JSON names", "public sealed record P(int UserId, int User_Id); public static class C { [Consumer(\"x\")] public static void M(P p) { } }" },
        { "EB1002", "emit of object", "public static class C { public static void M(EventBus bus) => bus.Emit<object>(\"x\", new object()); }" },
        { "EB1003", "non-partial host", "public class Host { [Consumer(\"x\")] public void M(Ok ok) { } }" },
        { "EB1003", "non-partial outer type", "public class Outer { public partial class Host { [Consumer(\"x\")] public void M(Ok ok) { } } }" },
        { "EB1004", "empty signal", "public static class C { [Consumer(\"\")] public static void M(Ok ok) { } }" },
        { "EB1004", "reserved signal", "public static class C { [Consumer(\"eventbridge.internal\")] public static void M(Ok ok) { } }" },
        { "EB1004", "signal with space", "public static class C { [Consumer(\"a b\")] public static void M(Ok ok) { } }" },
        { "EB1005", "int return", "public static class C { [Consumer(\"x\")] public static int M(Ok ok) => 1; }" },
        { "EB1006", "ref parameter", "public static class C { [Consumer(\"x\")] public static void M(ref int value) { } }" },
        { "EB1007", "generic method", "public static class C { [Consumer(\"x\")] public static void M<T>(Ok ok) { } }" },
        { "EB1008", "private static consumer", "public static class C { [Consumer(\"x\")] private static void M(Ok ok) { } }" },
        { "EB1009", "static in generic type", "public static class C<T> { [Consumer(\"x\")] public static void M(Ok ok) { } }" },
        { "EB1008", "static consumer in file-local type", "file static class C { [Consumer(\"x\")] public static void M(Ok ok) { } }" },
        { "EB1010", "file-local host", "file partial class C { [Consumer(\"x\")] public void M(Ok ok) { } }" },
        { "EB1010", "interface host", "public partial interface IHost { [Consumer(\"x\")] void M(Ok ok) { } }" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Diagnostic_Case_IsReported(string id, string name, string source)
    {
        var (result, _) = GeneratorHarness.Run(Usings + source);

        var ids = result.Diagnostics.Select(d => d.Id).ToList();
        Assert.True(ids.Contains(id), $"{name}: expected {id}, got [{string.Join(", ", ids)}]");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Diagnostic_Case_LeavesCompilableOutput(string id, string name, string source)
    {
        var (result, output) = GeneratorHarness.Run(Usings + source);

        var generatedTrees = result.GeneratedTrees.ToHashSet();
        var errors = output.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree is { } tree && generatedTrees.Contains(tree))
            .ToList();
        Assert.True(errors.Count == 0, $"{id} {name}: {string.Join("; ", errors)}");
    }

    [Fact]
    public void Diagnostic_Descriptors_HaveHelpLinks()
    {
        var descriptors = typeof(DiagnosticDescriptors).GetFields()
            .Select(field => (DiagnosticDescriptor)field.GetValue(null)!)
            .ToList();

        Assert.Equal(10, descriptors.Count);
        Assert.All(descriptors, d => Assert.Equal("docs/diagnostics.md#" + d.Id.ToLowerInvariant(), d.HelpLinkUri));
        Assert.Equal(descriptors.Count, descriptors.Select(d => d.Id).Distinct().Count());
    }

    [Fact]
    public void Diagnostic_UnserializablePayload_NamesMemberPath()
    {
        var (result, _) = GeneratorHarness.Run(Usings + "public sealed record Line(object Product); public sealed record Order(List<Line> Lines); public static class C { [Consumer(\"x\")] public static void M(Order order) { } }");

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("EB1001", diagnostic.Id);
        Assert.Contains("Order.Lines[].Product", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void Diagnostic_MovedConsumer_KeepsSourceCached()
    {
        var source = Usings + "public static class C { [Consumer(\"\")] public static void Bad(Ok ok) { } [Consumer(\"x\")] public static void M(Ok ok) { } }";
        var compilation = GeneratorHarness.CreateCompilation(source);
        var driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);
        var moved = Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText("\n\n" + source, GeneratorHarness.ParseOptions, compilation.SyntaxTrees.Single().FilePath);

        var result = driver.RunGenerators(compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.Single(), moved)).GetRunResult().Results.Single();

        var diagnostic = Assert.Single(result.Diagnostics);
        // The consumer's line moved from 1 to 3 (zero-based).
        Assert.Equal(3, diagnostic.Location.GetLineSpan().StartLinePosition.Line);
        Assert.All(result.TrackedSteps[TrackingNames.Consumers].SelectMany(step => step.Outputs), output =>
            Assert.Contains(output.Reason, new[] { IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged }));
    }
}
