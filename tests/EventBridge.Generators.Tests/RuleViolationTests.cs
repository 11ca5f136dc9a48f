using EventBridge.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace EventBridge.Generators.Tests;

/// <summary>
/// Checks that code breaking an EventBridge rule makes the generator leave the consumer or serializer out, report
/// nothing (the analyzers report the rule; their tests run these same cases) and still emit code that compiles.
/// </summary>
public class RuleViolationTests
{
    public static TheoryData<string, string, string> Cases() => RuleViolationCases.Get();

    [Theory]
    [MemberData(nameof(Cases))]
    public void RuleViolation_Case_IsLeftOutSilently(string id, string name, string source)
    {
        var (result, _) = GeneratorHarness.Run(RuleViolationCases.Usings + source);

        Assert.True(result.Diagnostics.IsEmpty, $"{id} {name}: the generator reported [{string.Join(", ", result.Diagnostics)}]");
        var generated = string.Join("\n", result.Results.Single().GeneratedSources.Select(s => s.SourceText.ToString()));
        Assert.DoesNotContain("\"App.C.M\"", generated, StringComparison.Ordinal);
        Assert.DoesNotContain("\"App.Host.M\"", generated, StringComparison.Ordinal);
        Assert.DoesNotContain("\"App.Outer.Host.M\"", generated, StringComparison.Ordinal);
        Assert.DoesNotContain("\"App.C<T>.M\"", generated, StringComparison.Ordinal);
        Assert.DoesNotContain("\"App.IHost.M\"", generated, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RuleViolation_Case_LeavesCompilableOutput(string id, string name, string source)
    {
        var (result, output) = GeneratorHarness.Run(RuleViolationCases.Usings + source);

        var generatedTrees = result.GeneratedTrees.ToHashSet();
        var errors = output.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree is { } tree && generatedTrees.Contains(tree))
            .ToList();
        Assert.True(errors.Count == 0, $"{id} {name}: {string.Join("; ", errors)}");
    }

    [Fact]
    public void AsyncVoidConsumer_IsStillWired()
    {
        var (result, output) = GeneratorHarness.Run(RuleViolationCases.Usings + "public static class C { [Consumer(\"x\")] public static async void M(Ok ok) => await Task.Yield(); }");

        var generated = string.Join("\n", result.Results.Single().GeneratedSources.Select(s => s.SourceText.ToString()));
        Assert.Contains("\"App.C.M\"", generated, StringComparison.Ordinal);
        Assert.Empty(GeneratorHarness.GetProblems(output));
    }

    [Fact]
    public void RequiredField_LeavesOutOnlyItsConsumer()
    {
        var (result, output) = GeneratorHarness.Run(RuleViolationCases.Usings + """
            public sealed class Reading { public required int Value; public string Unit { get; set; } = ""; }
            public sealed class FromConstructor { public FromConstructor(string id) => Id = id; public required string Id { get; init; } }
            public static class C
            {
                [Consumer("reading")] public static void M(Reading reading) { }
                [Consumer("ok")] public static void OnOk(Ok ok) { }
                [Consumer("id")] public static void OnId(FromConstructor value) { }
            }
            """);

        var run = result.Results.Single();
        var generated = string.Join("\n", run.GeneratedSources.Select(s => s.SourceText.ToString()));
        Assert.DoesNotContain("\"App.C.M\"", generated, StringComparison.Ordinal);
        Assert.DoesNotContain(run.GeneratedSources, s => s.HintName == "App_Reading.Json.g.cs");
        Assert.Contains("\"App.C.OnOk\"", generated, StringComparison.Ordinal);
        Assert.Contains("\"App.C.OnId\"", generated, StringComparison.Ordinal);
        Assert.Contains("new global::App.FromConstructor(value0!) { Id = value0! }", generated, StringComparison.Ordinal);
        Assert.Empty(GeneratorHarness.GetProblems(output));
    }

    [Fact]
    public void GenericHelperEmit_WritesNoSerializer()
    {
        const string Helper = """
            public sealed record OnlyWrapped(int Value);
            public static class C
            {
                public static void Send<T>(EventBus bus, string signal, T payload) => bus.Emit(signal, payload);
                public static void Run(EventBus bus) => Send(bus, "x", new OnlyWrapped(1));
            }
            """;
        const string DirectUse = "public static class D { public static void Run(EventBus bus) => bus.Emit(\"x\", new OnlyWrapped(2)); }";

        var (throughHelper, _) = GeneratorHarness.Run(RuleViolationCases.Usings + Helper);
        var (withDirectUse, output) = GeneratorHarness.Run(RuleViolationCases.Usings + Helper, "using EventBridge; namespace App; " + DirectUse);

        Assert.DoesNotContain(throughHelper.Results.Single().GeneratedSources, s => s.HintName == "App_OnlyWrapped.Json.g.cs");
        Assert.Contains(withDirectUse.Results.Single().GeneratedSources, s => s.HintName == "App_OnlyWrapped.Json.g.cs");
        Assert.Empty(GeneratorHarness.GetProblems(output));
    }

    [Fact]
    public void CreateSignal_WritesSerializer()
    {
        const string Source = """
            public sealed record Shipped(int Order);
            public static class C
            {
                public static EventSignal<Shipped> Create(EventBus bus) => bus.CreateSignal<Shipped>("shipped");
            }
            """;

        var (result, output) = GeneratorHarness.Run(RuleViolationCases.Usings + Source);

        Assert.Contains(result.Results.Single().GeneratedSources, s => s.HintName == "App_Shipped.Json.g.cs");
        Assert.Empty(GeneratorHarness.GetProblems(output));
    }

    [Fact]
    public void LibrarySignal_Consumer_IsWired()
    {
        var (result, output) = GeneratorHarness.Run(RuleViolationCases.Usings + "public static class C { [Consumer(EventBridgeSignals.ClientConnected)] public static void M(EventOrigin origin) { } }");

        var generated = string.Join("\n", result.Results.Single().GeneratedSources.Select(s => s.SourceText.ToString()));
        Assert.Contains("\"App.C.M\"", generated, StringComparison.Ordinal);
        Assert.Empty(GeneratorHarness.GetProblems(output));
    }

    [Fact]
    public void MovedConsumer_KeepsSourceCached()
    {
        var source = RuleViolationCases.Usings + "public static class C { [Consumer(\"\")] public static void Bad(Ok ok) { } [Consumer(\"x\")] public static void M(Ok ok) { } }";
        var compilation = GeneratorHarness.CreateCompilation(source);
        var driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);
        var moved = Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText("\n\n" + source, GeneratorHarness.ParseOptions, compilation.SyntaxTrees.Single().FilePath);

        var result = driver.RunGenerators(compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.Single(), moved)).GetRunResult().Results.Single();

        Assert.Empty(result.Diagnostics);
        Assert.All(result.TrackedSteps[TrackingNames.Consumers].SelectMany(step => step.Outputs), output =>
            Assert.Contains(output.Reason, new[] { IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged }));
    }
}
