using EventBridge.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace EventBridge.Generators.Tests;

/// <summary>
/// Runs the generator on code as it looks while being typed. The generator must not throw, must not add errors of
/// its own, and must still wire the valid consumers in the same compilation.
/// </summary>
public class IncompleteCodeTests
{
    private const string ValidConsumer = """
        using EventBridge;

        namespace App;

        public sealed record Greeting(string Text);

        public static class Valid
        {
            [Consumer("greeting")]
            public static void OnGreeting(Greeting greeting)
            {
            }
        }
        """;

    public static TheoryData<string, string> Cases() => new()
    {
        { "open attribute", "using EventBridge; namespace App; public static class Broken { [Consumer( public static void M(Greeting g) { } }" },
        { "empty attribute", "using EventBridge; namespace App; public static class Broken { [Consumer()] public static void M(Greeting g) { } }" },
        { "null signal", "using EventBridge; namespace App; public static class Broken { [Consumer(null)] public static void M(Greeting g) { } }" },
        { "non-constant signal", "using EventBridge; namespace App; public static class Broken { static string s = \"x\"; [Consumer(s)] public static void M(Greeting g) { } }" },
        { "unresolved parameter", "using EventBridge; namespace App; public static class Broken { [Consumer(\"x\")] public static void M(Missing m) { } }" },
        { "unresolved member", "using EventBridge; namespace App; public sealed record Half(Missing Part); public static class Broken { [Consumer(\"x\")] public static void M(Half h) { } }" },
        { "no body", "using EventBridge; namespace App; public static class Broken { [Consumer(\"x\")] public static void M(Greeting g); }" },
        { "no parameter list", "using EventBridge; namespace App; public static class Broken { [Consumer(\"x\")] public static void M }" },
        { "unresolved return type", "using EventBridge; namespace App; public static class Broken { [Consumer(\"x\")] public static Nope M(Greeting g) => default; }" },
        { "unresolved emit payload", "using EventBridge; namespace App; public static class Broken { public static void M(EventBus bus) => bus.Emit(\"x\", new Missing()); }" },
        { "emit without payload", "using EventBridge; namespace App; public static class Broken { public static void M(EventBus bus) => bus.Emit(\"x\", ); }" },
        { "attribute on class", "using EventBridge; namespace App; [Consumer(\"x\")] public static class Broken { }" },
        { "half-typed type", "using EventBridge; namespace App; public partial class Broken { [Consumer(\"x\")] public void M(Greeting g) { } public partial clas" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Generator_IncompleteCode_DoesNotThrow(string name, string source)
    {
        var (result, _) = GeneratorHarness.Run(ValidConsumer, source);

        Assert.True(result.Results.Single().Exception is null, $"{name}: {result.Results.Single().Exception}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Generator_IncompleteCode_AddsNoCompilerErrors(string name, string source)
    {
        var before = GeneratorHarness.CreateCompilation(ValidConsumer, source).GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(d => d.Id + " " + d.GetMessage(System.Globalization.CultureInfo.InvariantCulture))
            .ToHashSet(StringComparer.Ordinal);
        var (_, output) = GeneratorHarness.Run(ValidConsumer, source);

        var added = output.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .Where(d => !before.Contains(d.Id + " " + d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();
        Assert.True(added.Count == 0, $"{name}: the generated code added {string.Join("; ", added)}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Generator_IncompleteCode_StillWiresValidConsumer(string name, string source)
    {
        var (result, _) = GeneratorHarness.Run(ValidConsumer, source);

        var registration = result.Results.Single().GeneratedSources.Single(s => s.HintName == ConsumerGenerator.StaticConsumersHintName);
        Assert.True(registration.SourceText.ToString().Contains("\"greeting\"", StringComparison.Ordinal), name);
    }

    [Fact]
    public void Generator_NamesDifferingByCase_GetDistinctFiles()
    {
        var source = """
            using EventBridge;
            namespace App
            {
                public sealed record @event(int A);
                public sealed record Event(int B);
                public partial class View { [Consumer("a")] public void On(@event e) { } }
                public partial class view { [Consumer("b")] public void On(Event e) { } }
            }
            """;

        var (result, output) = GeneratorHarness.Run(source);

        var run = result.Results.Single();
        Assert.Null(run.Exception);
        Assert.Empty(GeneratorHarness.GetProblems(output));
        Assert.Equal(run.GeneratedSources.Length, run.GeneratedSources.Select(s => s.HintName.ToUpperInvariant()).Distinct().Count());
        Assert.Contains(run.GeneratedSources, s => s.HintName == "App._event.Json.g.cs" || s.HintName == "App__event.Json.g.cs");
    }

    [Fact]
    public void Generator_CollidingSerializerIds_GetSuffix()
    {
        var source = """
            using EventBridge;
            namespace System.MyStuff { public sealed record Thing(int A); }
            namespace MyStuff { public sealed record Thing(int B); }
            namespace MyApp
            {
                public sealed record Box<T>(T Value);
                public static class C
                {
                    [Consumer("a")] public static void A(global::System.MyStuff.Thing thing) { }
                    [Consumer("b")] public static void B(global::MyStuff.Thing thing) { }
                    [Consumer("c")] public static void D(Box<global::System.Guid> box) { }
                }
            }
            """;

        var (result, output) = GeneratorHarness.Run(source);

        var sources = result.Results.Single().GeneratedSources;
        var first = sources.Single(s => s.HintName == "MyStuff_Thing.Json.g.cs").SourceText.ToString();
        var second = sources.Single(s => s.HintName == "MyStuff_Thing_2.Json.g.cs").SourceText.ToString();
        Assert.Contains("class MyStuff_ThingJsonSerializer : global::EventBridge.Serialization.PayloadSerializer<global::MyStuff.Thing>", first, StringComparison.Ordinal);
        Assert.Contains("class MyStuff_Thing_2JsonSerializer : global::EventBridge.Serialization.PayloadSerializer<global::System.MyStuff.Thing>", second, StringComparison.Ordinal);
        Assert.Contains(sources, s => s.HintName == "MyApp_Box_Of_Guid.Json.g.cs");
        Assert.Empty(GeneratorHarness.GetProblems(output));
    }

    [Fact]
    public void Generator_TwoAssembliesSharingInternals_CompileWithoutWarnings()
    {
        var library = """
            using EventBridge;
            [assembly: System.Runtime.CompilerServices.InternalsVisibleTo("App")]
            namespace Lib;
            public sealed record Shared(int A);
            public static class LibConsumers { [Consumer("lib")] public static void On(Shared s) { } }
            """;
        var (_, libraryOutput) = GeneratorHarness.Run(library);
        using var image = new MemoryStream();
        Assert.True(libraryOutput.Emit(image).Success);

        var app = Microsoft.CodeAnalysis.CSharp.CSharpCompilation.Create(
            "App",
            [Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(
                "using EventBridge; namespace App; public static class AppConsumers { [Consumer(\"app\")] public static void On(Lib.Shared s) { } public static System.IDisposable Wire(EventBus bus) => GeneratedConsumers_App.AddGeneratedConsumers(bus); }",
                GeneratorHarness.ParseOptions)],
            [.. GeneratorHarness.References, MetadataReference.CreateFromImage(image.ToArray())],
            new Microsoft.CodeAnalysis.CSharp.CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(app, out var appOutput, out _);

        Assert.Empty(GeneratorHarness.GetProblems(appOutput));
    }

    [Fact]
    public void Generator_NoRuntimeReference_GeneratesNothing()
    {
        var compilation = Microsoft.CodeAnalysis.CSharp.CSharpCompilation.Create(
            "NoRuntime",
            [Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText("public class Consumer : System.Attribute { public Consumer(string s) { } } public static class C { [Consumer(\"x\")] public static void M() { } }")],
            Basic.Reference.Assemblies.Net100.References.All);

        var result = GeneratorHarness.CreateDriver().RunGenerators(compilation).GetRunResult().Results.Single();

        Assert.Null(result.Exception);
        Assert.Empty(result.GeneratedSources);
    }
}
