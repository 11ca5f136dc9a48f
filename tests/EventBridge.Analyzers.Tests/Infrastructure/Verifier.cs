using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;

namespace EventBridge.Analyzers.Tests.Infrastructure;

/// <summary>Runs <see cref="EventBridgeAnalyzer"/> and its code fixes through Microsoft.CodeAnalysis.Testing.</summary>
internal static class Verifier
{
    /// <summary>A diagnostic of <paramref name="descriptor"/>, to be given a location and message.</summary>
    public static DiagnosticResult Diagnostic(DiagnosticDescriptor descriptor) => new(descriptor);

    /// <summary>
    /// Checks that the analyzer reports exactly <paramref name="expected"/> on <paramref name="source"/>, and that the
    /// source has no compiler errors.
    /// </summary>
    public static Task AnalyzerAsync(string source, params DiagnosticResult[] expected) =>
        AnalyzerAsync([source], [], expected);

    public static async Task AnalyzerAsync(string[] sources, MetadataReference[] extraReferences, params DiagnosticResult[] expected)
    {
        var test = new AnalyzerTest();
        Configure(test.TestState, test.SolutionTransforms, sources, extraReferences);
        test.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync();
    }

    /// <summary>
    /// Checks that <paramref name="source"/> reports <paramref name="expected"/> and that applying the fix gives
    /// <paramref name="fixedSources"/>, where the fixed state may span several files.
    /// </summary>
    public static Task CodeFixAsync<TCodeFix>(string source, string fixedSource, params DiagnosticResult[] expected)
        where TCodeFix : CodeFixProvider, new() =>
        CodeFixAsync<TCodeFix>([source], [fixedSource], expected);

    public static async Task CodeFixAsync<TCodeFix>(string[] sources, string[] fixedSources, DiagnosticResult[] expected, DiagnosticResult[]? remaining = null)
        where TCodeFix : CodeFixProvider, new()
    {
        var test = new CodeFixTest<TCodeFix>();
        Configure(test.TestState, test.SolutionTransforms, sources, []);
        test.ExpectedDiagnostics.AddRange(expected);
        for (var i = 0; i < fixedSources.Length; i++)
        {
            test.FixedState.Sources.Add(($"/0/Test{i}.cs", fixedSources[i]));
        }

        test.FixedState.ExpectedDiagnostics.AddRange(remaining ?? []);
        await test.RunAsync();
    }

    private static void Configure(
        SolutionState state,
        List<Func<Solution, ProjectId, Solution>> transforms,
        string[] sources,
        MetadataReference[] extraReferences)
    {
        for (var i = 0; i < sources.Length; i++)
        {
            state.Sources.Add(($"/0/Test{i}.cs", sources[i]));
        }

        state.AdditionalReferences.AddRange(TestCompilation.References);
        state.AdditionalReferences.AddRange(extraReferences);
        transforms.Add((solution, projectId) =>
        {
            var project = solution.GetProject(projectId)!;
            var options = ((CSharpCompilationOptions)project.CompilationOptions!)
                .WithNullableContextOptions(NullableContextOptions.Enable)
                .WithAllowUnsafe(true);
            return solution
                .WithProjectCompilationOptions(projectId, options)
                .WithProjectParseOptions(projectId, TestCompilation.ParseOptions);
        });
    }

    // ReferenceAssemblies.Net.Net100 in the testing packages requests a pack version that the package feed does not
    // hold, so the tests start from an empty set and add Basic.Reference.Assemblies instead.
    private sealed class AnalyzerTest : CSharpAnalyzerTest<EventBridgeAnalyzer, DefaultVerifier>
    {
        public AnalyzerTest()
        {
            ReferenceAssemblies = new ReferenceAssemblies("net10.0");
        }
    }

    private sealed class CodeFixTest<TCodeFix> : CSharpCodeFixTest<EventBridgeAnalyzer, TCodeFix, DefaultVerifier>
        where TCodeFix : CodeFixProvider, new()
    {
        public CodeFixTest()
        {
            ReferenceAssemblies = new ReferenceAssemblies("net10.0");
        }
    }
}
