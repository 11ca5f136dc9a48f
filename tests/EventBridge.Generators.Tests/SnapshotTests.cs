using System.Runtime.CompilerServices;
using System.Text;
using EventBridge.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using Microsoft.CodeAnalysis.Text;

namespace EventBridge.Generators.Tests;

/// <summary>
/// Compares the generator's output for each folder under <c>Snapshots/</c> with the files checked in there. The
/// inputs are the folder's <c>Input*.cs</c> files; every other file is an expected output named by its hint name,
/// with <c>%VERSION%</c> in place of the generator version. Set <c>EVENTBRIDGE_UPDATE_SNAPSHOTS=1</c> to rewrite the
/// expected files from the current output instead (then review the diff before committing).
/// </summary>
public class SnapshotTests
{
    private const string VersionPlaceholder = "%VERSION%";
    private const string UpdateVariable = "EVENTBRIDGE_UPDATE_SNAPSHOTS";

    public static TheoryData<string> Scenarios()
    {
        var data = new TheoryData<string>();
        foreach (var directory in Directory.GetDirectories(Path.Combine(AppContext.BaseDirectory, "Snapshots")).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(directory));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task Generator_Scenario_MatchesSnapshot(string scenario)
    {
        var outputDirectory = Path.Combine(AppContext.BaseDirectory, "Snapshots", scenario);
        var inputs = Directory.GetFiles(outputDirectory, "Input*.cs").Order(StringComparer.Ordinal).Select(File.ReadAllText).ToArray();
        Assert.NotEmpty(inputs);

        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            UpdateSnapshots(scenario, inputs);
            outputDirectory = Path.Combine(GetSourceDirectory(), "Snapshots", scenario);
        }

        var expectedFiles = Directory.GetFiles(outputDirectory)
            .Where(path => !Path.GetFileName(path).StartsWith("Input", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToDictionary(path => Path.GetFileName(path), path => File.ReadAllText(path).Replace(VersionPlaceholder, GeneratorVersion, StringComparison.Ordinal));
        Assert.NotEmpty(expectedFiles);

        var (result, output) = GeneratorHarness.Run(inputs);
        var actualFiles = result.Results.Single().GeneratedSources.ToDictionary(source => source.HintName, source => source.SourceText.ToString());
        Assert.Equal(expectedFiles.Keys.Order(StringComparer.Ordinal), actualFiles.Keys.Order(StringComparer.Ordinal));
        foreach (var (hintName, expectedText) in expectedFiles)
        {
            var actualText = actualFiles[hintName];
            Assert.True(expectedText == actualText, $"{scenario}/{hintName} differs from its snapshot:\n{Diff(expectedText, actualText)}");
        }

        Assert.Empty(GeneratorHarness.GetProblems(output));
        Assert.Empty(result.Diagnostics);

        // The testing framework compiles the same input in a workspace project and checks every warning too.
        var test = new CSharpSourceGeneratorTest<ConsumerGenerator, DefaultVerifier>
        {
            ReferenceAssemblies = new ReferenceAssemblies("net10.0"),
            CompilerDiagnostics = CompilerDiagnostics.Warnings,
        };
        test.TestState.AdditionalReferences.AddRange(GeneratorHarness.References);
        test.SolutionTransforms.Add((solution, projectId) =>
        {
            var project = solution.GetProject(projectId)!;
            var options = (Microsoft.CodeAnalysis.CSharp.CSharpCompilationOptions)project.CompilationOptions!;
            // The inputs are small samples without XML docs; generated types are internal, so CS1591 never concerns them.
            options = options
                .WithNullableContextOptions(NullableContextOptions.Enable)
                .WithSpecificDiagnosticOptions(options.SpecificDiagnosticOptions.SetItem("CS1591", ReportDiagnostic.Suppress));
            return solution.WithProjectCompilationOptions(projectId, options);
        });

        for (var i = 0; i < inputs.Length; i++)
        {
            test.TestState.Sources.Add(($"Input{i}.cs", inputs[i]));
        }

        foreach (var (hintName, text) in expectedFiles)
        {
            test.TestState.GeneratedSources.Add((typeof(ConsumerGenerator), hintName, SourceText.From(text, Encoding.UTF8)));
        }

        await test.RunAsync();
    }

    /// <summary>Lists the lines that differ, marked "-" for expected and "+" for actual, with their line numbers.</summary>
    private static string Diff(string expected, string actual)
    {
        var model = DiffPlex.DiffBuilder.InlineDiffBuilder.Diff(expected, actual, ignoreWhiteSpace: false);
        var builder = new StringBuilder();
        foreach (var line in model.Lines)
        {
            var marker = line.Type switch
            {
                DiffPlex.DiffBuilder.Model.ChangeType.Deleted => "- ",
                DiffPlex.DiffBuilder.Model.ChangeType.Inserted => "+ ",
                _ => null,
            };
            if (marker is not null)
            {
                builder.Append(marker).Append(line.Position?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?").Append(": ").AppendLine(line.Text);
            }
        }

        return builder.ToString();
    }

    private static string GeneratorVersion => typeof(ConsumerGenerator).Assembly.GetName().Version!.ToString();

    private static void UpdateSnapshots(string scenario, string[] inputs)
    {
        var directory = Path.Combine(GetSourceDirectory(), "Snapshots", scenario);
        foreach (var stale in Directory.GetFiles(directory).Where(path => !Path.GetFileName(path).StartsWith("Input", StringComparison.Ordinal)))
        {
            File.Delete(stale);
        }

        var (result, _) = GeneratorHarness.Run(inputs);
        foreach (var generated in result.Results.Single().GeneratedSources)
        {
            var text = generated.SourceText.ToString().Replace(GeneratorVersion, VersionPlaceholder, StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(directory, generated.HintName), text);
        }
    }

    private static string GetSourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
