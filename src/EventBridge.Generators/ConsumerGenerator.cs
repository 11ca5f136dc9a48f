using System.Collections.Immutable;
using System.Linq;
using EventBridge.Generators.Emitter;
using EventBridge.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace EventBridge.Generators;

/// <summary>Wires <c>[Consumer]</c> methods and writes JSON serializers for their payload types.</summary>
/// <remarks>
/// The pipeline keeps every step's output an equatable model. The generator reports no diagnostics: the analyzers
/// report every EventBridge rule, and the generator applies the same shared rules only to leave out what it cannot
/// generate.
/// </remarks>
[Generator(LanguageNames.CSharp)]
public sealed partial class ConsumerGenerator : IIncrementalGenerator
{
    private const string ConsumerAttributeName = "EventBridge.ConsumerAttribute";

    /// <summary>The hint name of the file that registers static consumers.</summary>
    public const string StaticConsumersHintName = "EventBridge.Consumers.g.cs";

    /// <summary>The hint name of the file that lists and registers every serializer.</summary>
    public const string SerializerTableHintName = "EventBridge.Serializers.g.cs";

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var settings = context.CompilationProvider
            .Select(static (compilation, cancellationToken) => Parser.ParseSettings(compilation, cancellationToken))
            .WithTrackingName(TrackingNames.Settings);

        var consumerResults = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                ConsumerAttributeName,
                static (node, _) => node is MethodDeclarationSyntax,
                static (attributeContext, cancellationToken) => Parser.ParseConsumer(attributeContext, cancellationToken))
            .WithTrackingName(TrackingNames.ConsumerParse);

        var consumers = consumerResults
            .Where(static result => result.Consumer is not null)
            .Select(static (result, _) => result.Consumer!)
            .WithTrackingName(TrackingNames.Consumers);

        var emitSites = context.SyntaxProvider
            .CreateSyntaxProvider(Parser.IsEmitCandidate, Parser.ParseEmitSite)
            .WithTrackingName(TrackingNames.EmitSiteParse);

        var catalog = consumerResults
            .SelectMany(static (result, _) => result.Payloads)
            .Collect()
            .Combine(emitSites.Where(static site => site.Payload is not null).Select(static (site, _) => site.Payload!).Collect())
            .Select(static (payloads, cancellationToken) => Catalog.Build(payloads.Left.AddRange(payloads.Right), cancellationToken))
            .WithTrackingName(TrackingNames.PayloadCatalog);

        var catalogAndSettings = catalog.Combine(settings);

        var serializerFiles = catalogAndSettings
            .SelectMany(static (input, cancellationToken) => Catalog.CreateSerializerFiles(input.Left, input.Right, cancellationToken))
            .WithTrackingName(TrackingNames.SerializerFiles);
        context.RegisterSourceOutput(serializerFiles, static (output, file) =>
            output.AddSource(file.Id + ".Json.g.cs", SerializerEmitter.Emit(file)));

        var table = catalogAndSettings.WithTrackingName(TrackingNames.SerializerTable);
        context.RegisterSourceOutput(table, static (output, input) =>
        {
            if (input.Right.HasRuntime && !input.Left.Shapes.IsEmpty)
            {
                output.AddSource(SerializerTableHintName, SerializerTableEmitter.Emit(input.Left, input.Right));
            }
        });

        var consumersAndCatalog = consumers.Collect().Combine(catalogAndSettings);

        var staticConsumerFile = consumersAndCatalog
            .Select(static (input, _) => Catalog.CreateStaticConsumerFile(input.Left, input.Right.Left, input.Right.Right))
            .WithTrackingName(TrackingNames.StaticConsumerFile);
        context.RegisterSourceOutput(staticConsumerFile, static (output, file) =>
        {
            if (file.Settings.HasRuntime)
            {
                output.AddSource(StaticConsumersHintName, ConsumerEmitter.EmitStatic(file));
            }
        });

        var hostFiles = consumersAndCatalog
            .SelectMany(static (input, _) => Catalog.CreateHostFiles(input.Left, input.Right.Left, input.Right.Right))
            .WithTrackingName(TrackingNames.ConsumerHostFiles);
        context.RegisterSourceOutput(hostFiles, static (output, file) =>
            output.AddSource(file.HintName, ConsumerEmitter.EmitHost(file)));
    }
}
