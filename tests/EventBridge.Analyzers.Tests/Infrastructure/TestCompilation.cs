using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace EventBridge.Analyzers.Tests.Infrastructure;

/// <summary>The references and options that every test compiles with: .NET 10 and the EventBridge runtime.</summary>
internal static class TestCompilation
{
    public static readonly ImmutableArray<MetadataReference> References =
    [
        .. Basic.Reference.Assemblies.Net100.References.All,
        MetadataReference.CreateFromFile(typeof(EventBus).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(Microsoft.Extensions.Logging.ILogger).Assembly.Location),
    ];

    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    public static readonly CSharpCompilationOptions Options =
        new(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true);

    public static CSharpCompilation Create(IEnumerable<MetadataReference> extraReferences, params string[] sources) =>
        CSharpCompilation.Create(
            "TestProject",
            sources.Select((source, i) => CSharpSyntaxTree.ParseText(source, ParseOptions, path: $"Input{i}.cs")),
            References.AddRange(extraReferences),
            Options);

    public static CSharpCompilation Create(params string[] sources) => Create([], sources);

    /// <summary>Compiles <paramref name="source"/> into an assembly image and returns a reference to it, as a referenced library.</summary>
    public static MetadataReference CreateLibrary(string assemblyName, string source)
    {
        var compilation = CSharpCompilation.Create(
            assemblyName,
            [CSharpSyntaxTree.ParseText(source, ParseOptions)],
            References,
            Options);
        using var stream = new MemoryStream();
        var result = compilation.Emit(stream);
        Assert.True(result.Success, string.Join(Environment.NewLine, result.Diagnostics));
        return MetadataReference.CreateFromImage(stream.ToArray());
    }
}
