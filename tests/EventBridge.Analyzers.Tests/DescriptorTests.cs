using System.Collections.Immutable;
using System.Reflection;
using System.Text.RegularExpressions;
using EventBridge.Generators.Tests;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace EventBridge.Analyzers.Tests;

/// <summary>
/// Checks the rule catalogue: ids, help links, release tracking and docs, and that the rules which the generator
/// once reported are reported by the analyzers for the same cases.
/// </summary>
public class DescriptorTests
{
    private static readonly DiagnosticDescriptor[] s_descriptors = typeof(DiagnosticDescriptors)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(field => field.FieldType == typeof(DiagnosticDescriptor))
        .Select(field => (DiagnosticDescriptor)field.GetValue(null)!)
        .ToArray();

    [Fact]
    public void Descriptors_HaveUniqueIdsAndHelpLinks()
    {
        Assert.Equal(16, s_descriptors.Length);
        Assert.Equal(s_descriptors.Length, s_descriptors.Select(d => d.Id).Distinct().Count());
        Assert.All(s_descriptors, d => Assert.Equal("docs/diagnostics.md#" + d.Id.ToLowerInvariant(), d.HelpLinkUri));
        Assert.All(s_descriptors, d => Assert.Matches("^EB[0-9]{4}$", d.Id));
        Assert.All(s_descriptors, d => Assert.StartsWith("EventBridge.", d.Category, StringComparison.Ordinal));
        Assert.Equal(s_descriptors.Select(d => d.Id).Order(), new EventBridgeAnalyzer().SupportedDiagnostics.Select(d => d.Id).Order());
    }

    [Fact]
    public void Docs_ListEveryDiagnosticWithAnchor()
    {
        var docs = File.ReadAllText(Path.Combine(FindRepositoryRoot(), "docs", "diagnostics.md"));

        foreach (var descriptor in s_descriptors)
        {
            Assert.Contains($"| [{descriptor.Id}](#{descriptor.Id.ToLowerInvariant()}) | {descriptor.DefaultSeverity} |", docs, StringComparison.Ordinal);
            Assert.Contains($"\n## {descriptor.Id}\n", docs, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ReleaseTracking_ListsEveryDiagnostic()
    {
        var unshipped = File.ReadAllText(Path.Combine(FindRepositoryRoot(), "src", "EventBridge.Analyzers", "AnalyzerReleases.Unshipped.md"));

        foreach (var descriptor in s_descriptors)
        {
            var category = Regex.Escape(descriptor.Category);
            Assert.Matches(new Regex($"^{descriptor.Id} \\| {category} \\| {descriptor.DefaultSeverity} \\|", RegexOptions.Multiline), unshipped);
        }
    }

    /// <summary>The cases of the generator's rule tests, each of which the analyzers must report with its id.</summary>
    public static TheoryData<string, string, string> GeneratorCases() => RuleViolationCases.Get();

    [Theory]
    [MemberData(nameof(GeneratorCases))]
    public async Task GeneratorCase_IsReportedByAnalyzers(string id, string name, string source)
    {
        var compilation = TestCompilation.Create(RuleViolationCases.Usings + source);
        var diagnostics = await compilation
            .WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new EventBridgeAnalyzer()))
            .GetAnalyzerDiagnosticsAsync();

        var ids = diagnostics.Select(d => d.Id).ToList();
        Assert.True(ids.Contains(id), $"{name}: expected {id}, got [{string.Join(", ", ids)}]");
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
